"""A clip in several languages (plugins/transcript_languages.py): the speech's chunks, each part transcribed in its own
language and its words read with its own lexicon; a clip of one language unchanged. Real espeak-ng speech and the
real offline whisper models."""

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip, decode
from saber_agent.plugins import transcript_languages, transcript_screening, whisper_models
from saber_agent.plugins.transcript import TranscriptTool, reread_words
from saber_agent.plugins.transcript_languages import Part, chunks, combine, spoken_parts
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import speak
from saber_agent.voice_activity import WINDOW, VoiceActivity, voice_activity

needs_models = pytest.mark.skipif(
    whisper_models.bundled_english() is None or not whisper_models.multilingual_installed(),
    reason="the offline whisper models are not installed (saber-agent[transcript])",
)
ENGLISH = "This is wonderful news, I am so happy for you."
SPANISH = "Estoy muy triste, mi mamá se fue y no tengo ganas de nada."


def _clip(audio: np.ndarray) -> Clip:
    info = ClipInfo(path="<memory>", duration_s=audio.size / 16_000, has_audio=True, audio_sample_rate=16_000)
    return Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), audio.astype(np.float32))


def _spoken(tmp_path, *lines: tuple[str, str]) -> Clip:
    """espeak-ng lines (text, voice), 0.8 s of silence between them, as one 16 kHz clip."""
    pieces = []
    for i, (text, voice) in enumerate(lines):
        if pieces:
            pieces.append(np.zeros(int(0.8 * 16_000), np.float32))
        pieces.append(decode(speak(text, tmp_path / f"line{i}.wav", voice=voice)).audio)
    return _clip(np.concatenate(pieces))


def test_chunks_split_a_region_at_its_pauses_and_join_short_ones():
    step = WINDOW / 16_000
    probs = np.full(int(8 / step), 0.9, np.float32)
    probs[int(3.0 / step): int(3.5 / step)] = 0.1  # a 0.5 s pause: a cut at its middle
    probs[int(5.0 / step): int(5.2 / step)] = 0.1  # 0.2 s: too short to cut
    probs[int(7.2 / step): int(7.5 / step)] = 0.1  # leaves 0.5 s after it: joined to the chunk before
    activity = VoiceActivity([(0.0, 8.0)], 8.0, "test", probabilities=probs)
    assert chunks(activity) == [(0.0, pytest.approx(3.25, abs=0.03)), (pytest.approx(3.25, abs=0.03), 8.0)]
    assert chunks(VoiceActivity([(0.0, 2.0), (4.0, 4.5)], 5.0, "test", probabilities=np.full(160, 0.9))) == [(0.0, 2.0), (4.0, 4.5)]


def test_the_words_of_parts_in_two_languages_are_read_each_with_its_lexicon():
    from saber_agent.plugins.text_sentiment import analyze

    en, es = Part(0.0, 3.0, "en", 0.9, "the clip's"), Part(3.8, 7.0, "es", 0.7, "detected on this part")
    happy, sad = analyze(ENGLISH, "en"), analyze(SPANISH, "es")  # Spanish read by the English lexicon finds nothing
    read = combine([(en, {**happy.as_dict(), "label": happy.label}, 10, ENGLISH), (es, {**sad.as_dict(), "label": sad.label}, 12, SPANISH)])
    assert read["label"] == "mixed" and read["emotion"] is None and "triste" in read["mixed"] and "happy" in read["mixed"]
    assert [p["language"] for p in read["parts"]] == ["en", "es"] and read["parts"][1]["emotion"] == "sadness"
    alone = combine([(en, {**happy.as_dict(), "label": happy.label}, 10, ENGLISH), (es, {"unavailable": "no lexicon"}, 12, "")])
    assert alone["emotion"] == "happiness" and alone["valence"] == happy.valence and "es (3.80-7.00 s)" in alone["unread"][0]
    assert "unavailable" in combine([(es, {"unavailable": "no lexicon"}, 12, "")])


@needs_models
@pytest.mark.parametrize("order", ["en-es", "es-en"])
def test_a_clip_in_english_and_spanish_is_transcribed_in_both(tmp_path, order):
    """The trial's clip (English, then a Spanish line) came out all in the language detected on the whole clip
    (English, 0.61): the Spanish as invented English ("Yes, we need the other."), with no hint of another language."""
    lines = [(ENGLISH, "en-us"), (SPANISH, "es")]
    slot = TranscriptTool().perceive(_spoken(tmp_path, *(lines if order == "en-es" else lines[::-1])), AnalysisSettings())
    m = slot.measurements
    assert slot.ok and "happy" in slot.text.lower() and "triste" in slot.text.lower() and "nada" in slot.text.lower()
    assert [p["language"] for p in m["languages"]] == order.split("-")
    assert any(n.startswith("several languages are spoken") for n in m["notes"])
    assert {s["language"] for s in m["segments"]} == {"en", "es"}
    assert [p["language"] for p in m["sentiment"]["parts"]] == order.split("-")
    assert m["sentiment"]["label"] == "mixed"  # happy English, sad Spanish: each read, neither lost
    assert reread_words(slot.text, m) == m["sentiment"]  # read again from the stored slot: the same, part by part
    _bench_cache_reads_the_parts(tmp_path, slot, order)
    tool = TranscriptTool()
    assert tool.corrected(slot, slot, AnalysisSettings()) is slot  # unchanged text: the per-part reading stays


def _bench_cache_reads_the_parts(tmp_path, slot, order):
    """bench/real_emotion's slot cache reads a cached transcript's words again (for the reader chosen): it read a mixed
    clip's whole text in the clip's one language, losing the other part's reading."""
    from bench import real_emotion

    tool = TranscriptTool()
    tool.perceive = lambda clip, settings: slot  # the slot perceived above, as the first (uncached) run computes it
    real_emotion.cache_tools(tmp_path / f"slots-{order}", [tool])
    source = tmp_path / f"clip-{order}.bin"  # the cache keys on the clip's file
    source.write_bytes(order.encode())
    info = ClipInfo(path=str(source), duration_s=1.0, has_audio=True, audio_sample_rate=16_000)
    clip = Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), np.zeros(16_000, np.float32))
    tool.perceive(clip, AnalysisSettings())  # computed, written to the cache
    real_emotion.SLOT_HITS.clear()
    cached = tool.perceive(clip, AnalysisSettings())
    assert real_emotion.SLOT_HITS == {"transcript"} and cached is not slot
    assert [p["language"] for p in cached.measurements["sentiment"]["parts"]] == order.split("-")
    assert cached.measurements["sentiment"]["label"] == "mixed"


def _stored_mix() -> tuple[str, dict]:
    """A stored transcript of a clip in English then Spanish (`transcript_languages.merge`'s shape), its last word
    marked as guessed at the clip's cut."""
    m = {"language": "en", "language_probability": 0.61,
         "languages": [{"start": 0.0, "end": 3.0, "language": "en", "probability": 0.61, "source": "the clip's", "n_words": 10},
                       {"start": 3.8, "end": 7.0, "language": "es", "probability": 0.7, "source": "detected on this part", "n_words": 13}],
         "segments": [{"start": 0.5, "end": 2.9, "text": ENGLISH, "language": "en"},
                      {"start": 3.9, "end": 7.0, "text": SPANISH + " <laughter> Adiós.", "language": "es"}],
         "words": [{"word": " Adiós.", "start": 6.97, "end": 7.0, "probability": 0.4, "uncertain": "cut by the clip's end"}]}
    return f"{ENGLISH} {SPANISH} <laughter> Adiós.", m


def test_a_stored_transcript_in_two_languages_is_read_again_part_by_part():
    """A cached slot's words read again (bench/real_emotion) were read whole in the clip's one language (en): the Spanish
    part's sadness was lost and the words read positive. Now each part in its own language, as `perceive` read them."""
    text, m = _stored_mix()
    found = spoken_parts(m)
    assert [(p.language, p.start, p.end, n) for p, _, n in found] == [("en", 0.0, 3.0, 10), ("es", 3.8, 7.0, 13)]
    assert found[0][1] == ENGLISH and found[1][1].split() == SPANISH.split()  # no sound mark, no word guessed at the cut
    read = reread_words(text, m)
    assert read["label"] == "mixed" and [p["emotion"] for p in read["parts"]] == ["happiness", "sadness"]
    one = {**m, "languages": m["languages"][:1]}  # a clip of one language: its whole text in its language, as before
    assert spoken_parts(one) == [] and "parts" not in reread_words(text, one) and reread_words(text, one)["label"] == "positive"
    assert spoken_parts({**m, "segments": []}) == []  # corrected by hand: whisper's segments are gone


def test_a_corrected_text_of_a_clip_in_two_languages_is_read_in_the_clips_language_and_says_so():
    """The parts' times and words were whisper's: a corrected text no longer maps to them, so it is read whole in the
    clip's language, with a note naming the parts it cannot read each in its own; an unchanged text keeps its parts."""
    from saber_agent.evidence import Slot, SlotStatus

    text, m = _stored_mix()
    slot = Slot(text=text, status=SlotStatus.ok, measurements={**m, "sentiment": reread_words(text, m)})
    tool = TranscriptTool()
    assert tool.corrected(slot, slot, AnalysisSettings()).measurements["sentiment"]["parts"]
    corrected = tool.corrected(slot.model_copy(update={"text": "This is wonderful news. Estoy muy triste."}), slot, AnalysisSettings())
    s, notes = corrected.measurements["sentiment"], corrected.measurements["notes"]
    assert "parts" not in s and s["language"] == "en" and "segments" not in corrected.measurements
    assert any("read in en only" in n and "es (3.80-7.00 s)" in n for n in notes), notes
    assert corrected.measurements["languages"] == m["languages"]  # the audio's parts still hold


@needs_models
def test_a_clip_in_one_language_is_unchanged(tmp_path, monkeypatch):
    """Two English sentences with a pause: screened, no part found, one transcript as before; the screening reads the
    clip detection's encoder output (no second encoder pass)."""
    encodes = []
    monkeypatch.setattr(transcript_screening, "_encode", lambda *a: encodes.append(a) or pytest.fail("encoded again"))
    clip = _spoken(tmp_path, ("The weather was cold and windy, so we stayed inside.", "en-us"),
                   ("Please send me the report before the meeting on Friday.", "en-us"))
    slot = TranscriptTool().perceive(clip, AnalysisSettings())
    m = slot.measurements
    assert len(chunks(voice_activity(clip))) == 2  # screened: two chunks
    assert slot.ok and "languages" not in m and not any("several languages" in n for n in m["notes"])
    assert m["language"] == "en" and "friday" in slot.text.lower() and "parts" not in m["sentiment"] and not encodes


def test_a_parts_likelihood_weighs_its_segments_by_length_and_is_minus_infinity_without_one():
    """What decides between the clip's language and a part's own (`parts` with a decoder): whisper's mean log-probability
    of each decode, long segments weighing more. The decode is a stand-in here: the rule is arithmetic on its segments."""
    from types import SimpleNamespace as Seg

    from saber_agent.plugins.transcript_languages import PartDecoder

    activity = VoiceActivity([(0.0, 4.0)], 4.0, "test")
    calls = []

    def decode(language, signal, clip_time):
        calls.append((language, signal.size))
        return [Seg(start=0.0, end=3.0, avg_logprob=-0.5), Seg(start=3.0, end=4.0, avg_logprob=-1.5)] if language == "es" else []

    decoder = PartDecoder(activity, np.zeros(64_000, np.float32), 16_000, decode)
    part = Part(0.0, 4.0, "es", 0.3, "detected on this part")
    assert decoder.likelihood(part, "es") == pytest.approx(-0.75) and decoder.likelihood(part, "en") == -np.inf
    decoder(part, "es")
    assert calls == [("es", 64_000), ("en", 64_000)]  # each language decoded once


@needs_models
def test_speech_whisper_does_not_know_is_not_split_into_invented_languages(tmp_path):
    """espeak-ng Arabic is detected as Thai (0.41); its last sentence screened as English (0.39) was decoded "Ah, cah,
    cah, cah." and the clip said two languages were spoken. Where neither detection is sure, the clip stays in one."""
    wav = speak("أنا سعيد جدا اليوم. شكرا لك على المجيء. نراك غدا.", tmp_path / "ar.wav", voice="ar", speed=175)
    clip = _clip(decode(wav).audio)
    slot = TranscriptTool().perceive(clip, AnalysisSettings(tool_options={"transcript": {"temperature": [0.0]}}))
    m = slot.measurements
    sure = m.get("language_probability", 0) >= 0.5 or all((p["probability"] or 0) >= 0.5 for p in m.get("languages", [])[1:])
    assert "languages" not in m or sure


@needs_models
def test_a_failed_screening_leaves_one_language_and_says_so(tmp_path, monkeypatch):
    """The screening's GPU path (encoder output moved between devices) cannot run here: a failure there (stood in for by
    raising) must leave the clip transcribed in its one detected language, with a note, not fail the slot."""
    def broken(*args, **kwargs):
        raise RuntimeError("device mismatch")

    monkeypatch.setattr(transcript_languages, "parts", broken)
    slot = TranscriptTool().perceive(_spoken(tmp_path, (ENGLISH, "en-us"), (SPANISH, "es")), AnalysisSettings())
    assert slot.ok and "happy" in slot.text.lower() and "languages" not in slot.measurements
    assert any("could not be screened (device mismatch)" in n for n in slot.measurements["notes"])
