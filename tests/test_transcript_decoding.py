"""The audio whisper decodes and its language (plugins/transcript_decoding.py): the silence padding and its
clock, and the short-window language detection with the real offline multilingual model."""

import os

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins import transcript, transcript_decoding, whisper_models
from saber_agent.plugins.transcript_decoding import detect_language, pad_silence, unpadded_clock
from saber_agent.testing.synth import speak
from tests.conftest import CHEERFUL

CHINESE = "我真的很高兴你今天来了。这是个好消息。"


def test_the_transcript_module_still_exports_the_decoding_pieces():
    # the old import path (tests, other modules) reads the same functions
    for name in ("pad_silence", "unpadded_clock", "detect_language", "language_note"):
        assert getattr(transcript, name) is getattr(transcript_decoding, name)


def test_padding_and_its_clock():
    audio = np.ones(16_000, np.float32)
    padded = pad_silence(audio, 16_000, 0.25)
    assert padded.shape == (24_000,) and padded.dtype == np.float32
    assert not padded[:4000].any() and not padded[-4000:].any() and padded[4000:20_000].all()
    clock = unpadded_clock(lambda t: t + 10.0, 1.0, 0.25)  # a signal that starts 10 s into the clip
    assert np.allclose(clock([0.0, 0.25, 0.75, 1.25, 1.5]), [10.0, 10.0, 10.5, 11.0, 11.0])


@pytest.mark.skipif(not whisper_models.multilingual_installed(), reason="the offline multilingual whisper model is not installed")
def test_short_window_language_detection_agrees_with_whispers_30_s_window(tmp_path):
    model = whisper_models.load(whisper_models.bundled_multilingual(), "cpu", 0, "int8", min(4, os.cpu_count() or 1))
    for expected, text, voice in (
        ("en", CHEERFUL, "en-us"), ("zh", CHINESE, "cmn-latn-pinyin"), ("it", "Sono molto felice che tu sia venuto oggi.", "it")
    ):
        audio = decode(speak(text, tmp_path / f"detect_{expected}.wav", voice=voice, speed=120)).audio
        short, p_short, ranked = detect_language(model, audio)
        standard, p_standard, _ = model.detect_language(audio)  # faster-whisper's own: padded to 30 s
        print(f"{expected}: 10 s window {short} {p_short:.2f}, 30 s window {standard} {p_standard:.2f}")
        assert short == standard == expected and ranked[0] == (short, p_short)
    assert detect_language(model, audio, 30.0)[0] == "it"
