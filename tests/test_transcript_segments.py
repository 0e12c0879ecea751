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
