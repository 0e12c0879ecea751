"""Whisper's words that are not credible as speech (plugins/transcript_credible.py): a part unsure of its language
re-decoded in a likelier one or left out with one note; doubtful segments of a one-language transcript screened for
another language. Whisper-shaped stand-ins for the rules; real espeak-ng speech and the offline models for the whole."""

from types import SimpleNamespace

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip, decode
from saber_agent.plugins import transcript_credible, whisper_models
from saber_agent.plugins.transcript import TranscriptTool
from saber_agent.plugins.transcript_languages import Part, note, transcribe
from saber_agent.plugins.transcript_segments import assemble
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import speak
from tests.support.part_decoder import Decoder


def _segment(text, start, end, p):
    words = [SimpleNamespace(word=" " + w, start=start + i * 0.3, end=start + i * 0.3 + 0.25, probability=p)
             for i, w in enumerate(text.split())]
    return SimpleNamespace(text=" " + text, start=start, end=end, words=words, no_speech_prob=0.1, avg_logprob=-0.5,
                           compression_ratio=1.0)


def _parts(language="it", probability=0.25):
    en = Part(0.0, 3.3, "en", 0.61, "the clip's")
    other = Part(3.36, 6.21, language, probability, "detected on this part", [("it", 0.25), ("es", 0.18), ("pt", 0.1)])
    return en, other


ENGLISH = _segment("I was so nervous before the results came in.", 0.5, 2.9, 0.95)


def test_a_part_unsure_of_its_language_with_unlikely_words_is_decoded_in_a_likelier_candidate():
    """The trial: a Spanish line detected alone as Italian (0.25) was written "e sono i diata" and kept as speech."""
    en, other = _parts()
    decoder = Decoder({"en": [ENGLISH], "it": [_segment("e sono i diata", 3.4, 6.0, 0.2)],
                       "es": [_segment("Es un idiota.", 3.4, 6.0, 0.8)], "pt": [_segment("e um idiota", 3.4, 6.0, 0.4)]})
    merged, spoken = transcribe([en, other], decoder, lambda s, lang, last: assemble(s, lang))
    assert other.language == "es" and other.redecoded_from == "it" and other.probability == 0.18 and not other.unclear
    assert merged["text"] == "I was so nervous before the results came in. Es un idiota."
    assert [p.language for p, _, _ in spoken] == ["en", "es"] and merged["languages"][1]["redecoded_from"] == "it"
    said = note([en, other])
    assert said.startswith("several languages are spoken") and "detected alone as it whose words were not credible" in said


def test_a_part_whose_words_are_credible_in_no_language_is_left_out_with_one_note():
    en, other = _parts()
    decoder = Decoder({"en": [ENGLISH], "it": [_segment("e sono i diata", 3.4, 6.0, 0.2)],
                       "es": [_segment("y sono diada", 3.4, 6.0, 0.3)], "pt": [_segment("e sono a diata", 3.4, 6.0, 0.25)]})
    merged, spoken = transcribe([en, other], decoder, lambda s, lang, last: assemble(s, lang))
    assert other.unclear and merged["text"] == "I was so nervous before the results came in."
    assert "diata" not in " ".join(t for _, t, _ in spoken) and spoken[1][2] == 0  # the words cue reads no word of it
    assert merged["dropped_segments"][0]["text"] == "e sono i diata" and "not made out" in merged["dropped_segments"][0]["why"]
    assert merged["languages"][1]["unclear"] and merged["n_words"] == 9
    said = note([en, other])  # one note, which does not say two languages are spoken
    assert said.startswith("spoken language en:") and "3.36-6.21 s not made out (detected alone as it, 25%" in said
    assert "several languages" not in said and "left out of the text" in said and "transcript.language=CODE" in said


def test_a_part_decoded_to_no_word_in_any_language_says_so():
    """Every decode empty (-inf each): the reason says "no words", not an empty list of log-probabilities."""
    _, other = _parts()
    transcript_credible.settle(other, Decoder({}))
    assert other.unclear.endswith("(their words' mean log-probability: no words)"), other.unclear
    assert other.language == "it" and other.avg_logprob == {}


def test_a_sure_or_credible_part_is_left_as_it_is():
    en, sure = _parts("es", 0.9)
    decoder = Decoder({"es": [_segment("e sono i diata", 3.4, 6.0, 0.2)]})
    transcript_credible.settle(sure, decoder)
    assert sure.language == "es" and not sure.unclear and decoder.asked == []  # a sure detection is not second-guessed
    _, unsure = _parts("es", 0.3)
    decoder = Decoder({"es": [_segment("Es un idiota.", 3.4, 6.0, 0.8)]})
    transcript_credible.settle(unsure, decoder)
    assert unsure.language == "es" and not unsure.unclear and decoder.asked == ["es"]  # its words are credible: no other tried
    assert transcript_credible.words_logprob([]) == -np.inf


needs_models = pytest.mark.skipif(
    whisper_models.bundled_english() is None or not whisper_models.multilingual_installed(),
    reason="the offline whisper models are not installed (saber-agent[transcript])",
)


@needs_models
def test_spanish_right_after_english_without_a_pause_is_transcribed_in_spanish(tmp_path):
    """espeak-ng English then Spanish with no pause between them: one voice-activity chunk, never split at a pause, so
    decoded all in English (0.96): "... and we had a lot of yesterday, and we had some in on this town." (words at
    -1.14 against -0.16 for the English). The doubtful stretch is detected alone as Spanish and decoded in it."""
    english = decode(speak("We spent the whole weekend at the beach. The water was warm and calm.", tmp_path / "en.wav")).audio
    spanish = decode(speak("Mi hermano no vino a la fiesta. Nadie sabe dónde está ahora.", tmp_path / "es.wav", voice="es")).audio
    audio = np.concatenate([english, spanish])
    clip = Clip(ClipInfo(path="<memory>", duration_s=audio.size / 16_000, has_audio=True, audio_sample_rate=16_000),
                np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), audio)
    slot = TranscriptTool().perceive(clip, AnalysisSettings(tool_options={"transcript": {"temperature": [0.0]}}))
    m = slot.measurements
    assert slot.ok and "beach" in slot.text and "fiesta" in slot.text and "ahora" in slot.text, slot.text
    assert [p["language"] for p in m["languages"]] == ["en", "es"]
    languages = [n for n in m["notes"] if "language" in n]
    assert len(languages) == 1 and languages[0].startswith("several languages are spoken"), m["notes"]
