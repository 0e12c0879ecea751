"""An utterance's language decided with its clip's evidence (plugins/transcript_utterance.py): the clip's language over
an unsure utterance's own, an utterance sure of another language kept in it, words not credible in any language tried
left out. Whisper-shaped stand-ins for the rules; real espeak-ng speech and the offline models for the whole."""

from types import SimpleNamespace

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip, decode
from saber_agent.plugins import transcript_utterance, whisper_models
from saber_agent.plugins.transcript import TranscriptTool
from saber_agent.plugins.transcript_languages import Part
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import speak
from tests.support.part_decoder import Decoder


def _segment(text, p):
    words = [SimpleNamespace(word=" " + w, start=i * 0.3, end=i * 0.3 + 0.25, probability=p) for i, w in enumerate(text.split())]
    return SimpleNamespace(text=" " + text, start=0.0, end=2.0, words=words)


def _detection(language="fi", p=0.58):
    return {"language": language, "language_probability": p, "language_source": "detected by base",
            "language_candidates": [{"language": language, "probability": p}, {"language": "et", "probability": 0.2}]}


PRIOR = {"language": "es", "probability": 0.93, "speech_s": 16.0, "model": "base"}


def test_an_unsure_utterance_takes_the_clips_language_and_a_sure_one_keeps_its_own():
    unsure = _detection("fi", 0.58)
    assert transcript_utterance.choose(unsure, PRIOR)
    assert (unsure["language"], unsure["language_probability"]) == ("es", 0.93)
    assert unsure["utterance_language"]["language"] == "fi" and "whole clip" in unsure["language_source"]
    assert "this utterance alone read fi at 58%" in transcript_utterance.note(unsure)
    sure = _detection("en", 0.95)  # an English line in a Spanish conversation
    assert not transcript_utterance.choose(sure, PRIOR) and sure["language"] == "en"
    assert transcript_utterance.note(sure) is None
    agrees = _detection("es", 0.44)
    assert not transcript_utterance.choose(agrees, PRIOR) and agrees["language_probability"] == 0.44
    weak_clip = _detection("pt", 0.6)  # the clip's detection no surer than the utterance's: no evidence to prefer it
    assert not transcript_utterance.choose(weak_clip, {**PRIOR, "probability": 0.55}) and weak_clip["language"] == "pt"


def test_words_not_credible_in_the_clips_language_are_decoded_in_the_utterances_own():
    detection = _detection("en", 0.7)
    transcript_utterance.choose(detection, PRIOR)
    invented = [_segment("Qué mal sabe esto", 0.3)]  # mean log-probability -1.2: doubtful
    decoder = Decoder({"en": [_segment("I love you so much", 0.9)]})
    kept, unclear = transcript_utterance.check_words(invented, detection, decoder, Part(0.0, 2.0, "es", 0.93, "the clip's"))
    assert unclear is None and kept[0].text == " I love you so much" and decoder.asked == ["en", "et"][:len(decoder.asked)]
    assert detection["language"] == "en" and detection["redecoded_from"] == "es" and detection["language_probability"] == 0.7
    assert "not credible in es" in transcript_utterance.note(detection)


def test_credible_words_are_kept_without_another_decode():
    detection = _detection("fi", 0.58)
    transcript_utterance.choose(detection, PRIOR)
    decoder = Decoder({})
    words = [_segment("Claro, por eso crees que la maté yo", 0.8)]
    assert transcript_utterance.check_words(words, detection, decoder, Part(0.0, 2.0, "es", 0.93, "the clip's")) == (words, None)
    assert decoder.asked == [] and detection["language"] == "es"


def test_words_credible_in_no_language_are_left_out_unless_a_detection_is_sure():
    detection = _detection("fi", 0.58)
    detection["language_candidates"][0]["probability"] = 0.58
    decoder = Decoder({"fi": [_segment("Kylhääruppuudessa kreeskellä, mete jo!", 0.35)], "et": [_segment("Kui sa", 0.2)]})
    unsure_clip = {**PRIOR, "probability": 0.62}
    transcript_utterance.choose(detection, unsure_clip)
    kept, unclear = transcript_utterance.check_words([_segment("Qué la masa", 0.3)], detection, decoder,
                                                     Part(0.0, 2.0, "es", 0.62, "the clip's"))
    assert kept == [] and "could not make out" in unclear and "fi 58%" in unclear, unclear
    sure = _detection("fi", 0.58)
    transcript_utterance.choose(sure, PRIOR)  # the clip is sure of Spanish: its words stay, as a whole clip's would
    words = [_segment("Qué la masa", 0.3)]
    assert transcript_utterance.check_words(words, sure, Decoder({}), Part(0.0, 2.0, "es", 0.93, "the clip's")) == (words, None)


needs_models = pytest.mark.skipif(
    whisper_models.bundled_english() is None or not whisper_models.multilingual_installed(),
    reason="the offline whisper models are not installed (saber-agent[transcript])",
)


def _clip(audio, language=None):
    clip = Clip(ClipInfo(path="<memory>", duration_s=audio.size / 16_000, has_audio=True, audio_sample_rate=16_000),
                np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), audio)
    if language:
        clip.extras[transcript_utterance.CLIP_LANGUAGE] = language
    return clip


@needs_models
def test_a_mixed_conversation_keeps_each_utterance_in_its_own_language(tmp_path):
    """espeak-ng English then Spanish, each alone as an utterance of a clip the whole of which reads as the other
    language: each is sure of its own and is transcribed in it."""
    english = decode(speak("Thank you so much, this is the best day of my life.", tmp_path / "en.wav")).audio
    spanish = decode(speak("Déjame en paz, no quiero volver a verte nunca más.", tmp_path / "es.wav", voice="es")).audio
    settings = AnalysisSettings(tool_options={"transcript": {"temperature": [0.0]}})
    slot = TranscriptTool().perceive(_clip(english, {**PRIOR, "language": "es"}), settings)
    assert slot.ok and slot.measurements["language"] == "en" and "best day" in slot.text, slot.text
    slot = TranscriptTool().perceive(_clip(spanish, {**PRIOR, "language": "en"}), settings)
    assert slot.ok and slot.measurements["language"] == "es" and "volver a verte" in slot.text, slot.text
    assert slot.measurements["clip_language"]["language"] == "en"


@needs_models
def test_the_whole_clips_language_is_detected_once_for_a_segment_run(tmp_path):
    from saber_agent.voice_activity import voice_activity

    spanish = [decode(speak(t, tmp_path / f"es{i}.wav", voice="es")).audio for i, t in enumerate(
        ("No puedo creer que me hayas hecho esto.", "Déjame en paz, no quiero volver a verte nunca más."))]
    clip = _clip(np.concatenate([spanish[0], np.zeros(12_800, np.float32), spanish[1]]))
    found = transcript_utterance.clip_language(clip, AnalysisSettings(plugins=["transcript"]), voice_activity(clip))
    assert found["language"] == "es" and found["probability"] >= 0.5 and found["speech_s"] > 3
    assert transcript_utterance.clip_language(clip, AnalysisSettings(plugins=["prosody"]), voice_activity(clip)) is None
    given = AnalysisSettings(plugins=["transcript"], tool_options={"transcript": {"language": "es"}})
    assert transcript_utterance.clip_language(clip, given, voice_activity(clip)) is None
