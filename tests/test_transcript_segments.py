"""Whisper's segments -> the transcript's measurements (plugins/transcript_segments.py): sound events and
hallucination guards, on whisper-shaped data (no model)."""

from types import SimpleNamespace

import pytest

from saber_agent.plugins import transcript, transcript_segments
from saber_agent.plugins.transcript_segments import assemble, event_name, hallucination, normalise_events


def test_the_transcript_module_still_exports_the_segment_pieces():
    # the old import path (tests, other modules) reads the same functions
    for name in ("assemble", "event_name", "hallucination", "normalise_events", "is_spoken", "transcript_timeline"):
        assert getattr(transcript, name) is getattr(transcript_segments, name)


def test_bracketed_events_become_saber_marks():
    assert normalise_events("Wait, you finished it already? (laughs)") == ("Wait, you finished it already? <laughter>", ["laughter"])
    assert normalise_events("[Music] ♪ ♪ Hello there") == ("<music> Hello there", ["music", "music"])
    assert normalise_events("[APPLAUSE] Thank you [BLANK_AUDIO]")[0] == "<applause> Thank you"
    assert normalise_events("他说完了（笑）")[0] == "他说完了 <laughter>"
    assert event_name("*sighs*") == "sigh" and event_name("(coughing)") == "cough" and event_name("[door slams]") == "door_slams"
    assert event_name("[silence]") is None


def _word(text, start, end, p=0.9):
    return SimpleNamespace(word=text, start=start, end=end, probability=p)


def _segment(words, no_speech=0.05, logprob=-0.3, compression=1.2):
    return SimpleNamespace(text="".join(w.word for w in words), start=words[0].start, end=words[-1].end, words=words,
                           no_speech_prob=no_speech, avg_logprob=logprob, compression_ratio=compression)


def test_events_are_timed_and_are_not_words():
    seg = _segment([_word(" I", 0.0, 0.2), _word(" won!", 0.2, 0.6), _word(" (", 0.7, 0.8), _word("laughs)", 0.8, 1.4)])
    m = assemble([seg], "en")
    assert m["text"] == "I won! <laughter>"
    assert [w["word"] for w in m["words"]] == ["I", "won!"]
    assert m["events"] == [{"event": "laughter", "start": 0.7, "end": 1.4}]


def test_segments_that_look_like_no_speech_are_dropped():
    spoken = _segment([_word(" Hello", 0.0, 0.4), _word(" there.", 0.4, 0.9)])
    you = _segment([_word(" You", 1.0, 1.2, p=0.03)], no_speech=0.95, logprob=-0.98)  # whisper on silence
    loop = _segment([_word(" thank you", 2.0 + i * 0.1, 2.1 + i * 0.1) for i in range(30)])  # a loop in one segment
    assert hallucination(spoken) is None and "no-speech" in hallucination(you) and "repetitive" in hallucination(loop)
    m = assemble([spoken, you, loop], "en")
    assert m["text"] == "Hello there." and m["n_words"] == 2 and len(m["dropped_segments"]) == 2


def test_really_repeated_speech_is_kept_but_a_loop_across_segments_is_not():
    """Whisper's compression ratio is the 30 s window's: a window where a speaker says two sentences
    three times each has 3.6 (measured on bench/e2e.py's 60 s clip), and every segment carries it.
    The segments are judged by their own text: the speech stays, a third identical segment in a row goes."""
    told = [_word(" I told you this would happen,", 0.0, 1.5), _word(" and you did not listen.", 1.5, 3.0)]
    again = [_word(" Now we have to start again", 3.5, 5.0), _word(" from the beginning.", 5.0, 6.0)]
    window = [_segment(told, compression=3.6), _segment(again, compression=3.6)] * 3
    m = assemble(window, "en")
    assert len(m["segments"]) == 6 and m["dropped_segments"] == []
    thanks = [_segment([_word(" Thank you.", 10.0 + i, 10.5 + i)]) for i in range(4)]
    m = assemble(thanks, "en")
    assert m["text"] == "Thank you. Thank you." and [d["why"] for d in m["dropped_segments"]] == [
        "repetitive (the same text a third time in a row)"] * 2


def test_chinese_segments_are_joined_without_spaces_and_simplified():
    pytest.importorskip("zhconv")
    segs = [_segment([_word("我真的很高興", 0.0, 1.0)]), _segment([_word("這是個好消息。", 1.2, 2.0)])]
    m = assemble(segs, "zh")
    assert m["text"] == "我真的很高兴，这是个好消息。"
    assert assemble(segs, "zh", "as-is")["text"] == "我真的很高興，這是個好消息。"


def test_a_last_word_guessed_at_the_clip_cut_is_kept_in_the_text_but_not_read():
    """The trial's 0.5 s clip: "mad." ends at the cut, 30 ms long, p 0.58 (whisper's guess)."""
    words = [_word(" I", 0.0, 0.18, 0.43), _word(" am", 0.18, 0.34, 0.68), _word(" so", 0.34, 0.48, 0.72), _word(" mad.", 0.48, 0.51, 0.58)]
    m = assemble([_segment(words)], "en", clip_end_s=0.512)
    assert m["text"] == "I am so mad." and [w["word"] for w in m["words"]][-1] == "mad."
    assert "cut by the clip's end" in m["words"][-1]["uncertain"] and "30 ms" in m["words"][-1]["uncertain"]
    assert m["text_for_sentiment"] == "I am so" and any("'mad.'" in n for n in m["notes"])
    assert not any("uncertain" in w for w in m["words"][:-1])


@pytest.mark.parametrize("last, clip_end, why", [
    (_word(" furious.", 2.5, 3.0, 0.95), 3.0, "a whole, likely word at the cut"),
    (_word(" mad.", 0.48, 0.51, 0.58), 0.9, "a short word well before the clip's end (the clip does not cut it)"),
    (_word(" it.", 2.66, 2.77, 0.98), 2.765, "a short real word (110 ms) at the cut"),
])
def test_real_last_words_are_read(last, clip_end, why):
    m = assemble([_segment([_word(" I", 0.0, 0.2), _word(" am", 0.2, 0.4), last])], "en", clip_end_s=clip_end)
    assert not any("uncertain" in w for w in m["words"]), why
    assert m["text_for_sentiment"].endswith(last.word.strip()) and not m["notes"]
    assert transcript_segments.cut_last_word(m["words"], None) is None  # no clip end: nothing to judge


def test_a_text_left_with_no_word_gives_no_words_reading():
    """The only word set aside as guessed at the cut leaves "" for the words cue: it read "neutral" (VADER, confidence
    0.21) from no word at all. Now unavailable; a text of real words without an emotional word still reads neutral."""
    from saber_agent.plugins.transcript import _sentiment

    m = assemble([_segment([_word(" Mad.", 0.0, 0.03, 0.5)])], "en", clip_end_s=0.03)
    assert m["text"] == "Mad." and m["words"][0]["uncertain"] and m["text_for_sentiment"] == ""
    for text in (m["text_for_sentiment"], " <laughter> ", ". !"):
        assert "valence" not in _sentiment(text, "en") and "no word to read" in _sentiment(text, "en")["unavailable"]
    assert _sentiment("I am so", "en")["label"] == "neutral"


def test_segments_are_judged_by_their_own_words_not_their_windows_log_probability():
    """faster-whisper gives every segment of one decoding window the window's `avg_logprob` (and `no_speech_prob`,
    `compression_ratio`): on the English + Spanish espeak-ng mix, the English segment (words p 0.77-0.99) and the invented
    English over the Spanish (p 0.13-0.69) both carried -0.79. A good segment is kept beside a bad neighbour that drags
    the window under -1.2, and the bad one is dropped when the window's value is good; each by its own words."""
    good = _segment([_word(" We", 0.0, 0.3, 0.95), _word(" spent", 0.3, 0.6, 0.9), _word(" the", 0.6, 0.7, 0.97),
                     _word(" weekend.", 0.7, 1.2, 0.99)], logprob=-1.4)
    bad = _segment([_word(" My", 1.5, 1.6, 0.13), _word(" yachty", 1.6, 1.9, 0.69), _word(" rammos", 1.9, 2.2, 0.15),
                    _word(" gammis", 2.2, 2.5, 0.32), _word(" way", 2.5, 2.6, 0.13), _word(" lost.", 2.6, 2.9, 0.33)],
                   logprob=-1.4)
    assert transcript_segments.own_logprob(good) == pytest.approx(-0.0493, abs=1e-4)
    assert hallucination(good) is None and "its words" in hallucination(bad)
    m = assemble([good, bad], "en")
    assert m["text"] == "We spent the weekend." and m["segments"][0]["word_logprob"] == -0.049
    bad.avg_logprob = good.avg_logprob = -0.3  # the window reads well: the bad segment still goes
    assert assemble([good, bad], "en")["text"] == "We spent the weekend."
    # the window's no-speech probability drops a segment only with the segment's own doubt
    good.no_speech_prob = bad.no_speech_prob = 0.9
    assert hallucination(good) is None and "no-speech" in hallucination(bad)
    wordless = SimpleNamespace(text=" Hi.", words=[], avg_logprob=-1.5, no_speech_prob=0.1)
    assert hallucination(wordless) == "log-probability -1.50 (whisper's window)"  # no words: the window's value
