"""The one voice-activity decision (saber_agent.voice_activity) on real speech, tones and silence.

The decision as the transcript and prosody tools use it on field media is in tests/test_field_media.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import AUDIO_RATE, Clip, decode
from saber_agent.testing.synth import speak, tone, write_wav
from saber_agent.voice_activity import detect, level, speech_signal, voice_activity

pytest.importorskip("faster_whisper")


@pytest.fixture(scope="module")
def late_speech(tmp_path_factory):
    """2 s of silence, then about 2 s of espeak-ng speech, then 1 s of silence: (audio, speech start s)."""
    folder = tmp_path_factory.mktemp("vad")
    said = decode(speak("Hello, this is a short test of the voice detector.", folder / "s.wav")).audio
    return np.concatenate([np.zeros(2 * AUDIO_RATE, np.float32), said, np.zeros(AUDIO_RATE, np.float32)]), 2.0


def test_speech_is_found_where_it_is_and_mapped_back_to_the_clip(late_speech):
    audio, start = late_speech
    found = detect(audio)
    assert found.found and found.detector.startswith("silero")
    first, last = found.regions[0][0], found.regions[-1][1]
    assert start - 0.5 < first < start + 0.3 and last <= audio.size / AUDIO_RATE  # regions are padded 0.4 s
    assert found.speech_s < audio.size / AUDIO_RATE - 1.5  # the leading silence is not speech
    cut = speech_signal(audio, AUDIO_RATE, found)
    assert cut.audio.size < audio.size and abs(float(cut.clip_time(0.0)) - first) < 0.05


def test_a_steady_tone_and_silence_hold_no_voice():
    assert not detect(np.zeros(3 * AUDIO_RATE, np.float32)).found
    assert not detect(tone(220.0, 3.0)).found


def test_audio_the_clip_calls_silent_holds_no_voice(late_speech):
    """One silence rule (media_audio.silent): speech at -81 dBFS RMS was levelled x100 and found by the detector
    (0.0-3.4 s) while Clip.audio_is_silent, which the transcript and prosody tools read, called it silent."""
    faint = late_speech[0][2 * AUDIO_RATE:] * 1e-3
    info = ClipInfo(path="faint", duration_s=faint.size / AUDIO_RATE, has_audio=True)
    assert Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), faint).audio_is_silent
    found = detect(faint)
    assert not found.found and found.note == "the audio is silent"
    assert detect(faint * 10).found  # 20 dB louder (-61 dBFS): levelled and heard

def test_quiet_audio_is_levelled_before_detection():
    loud = tone(220.0, 0.5)
    quiet, gain = level(loud * 0.1)
    assert gain == pytest.approx(0.5 / float(np.max(np.abs(loud * 0.1))), rel=1e-3)
    assert float(np.max(np.abs(quiet))) == pytest.approx(0.5, rel=1e-3)
    assert level(loud)[1] == 1.0 or float(np.max(np.abs(loud))) < 0.5
    assert level(loud * 1e-4)[1] == 100.0  # at most 40 dB


def test_the_decision_is_made_once_per_clip(late_speech, tmp_path):
    audio, _ = late_speech
    clip = Clip(ClipInfo(path=str(write_wav(tmp_path / "a.wav", audio))), np.zeros((0, 2, 2, 3), np.uint8),
                np.zeros(0), audio)
    assert voice_activity(clip) is voice_activity(clip) is clip.extras["voice_activity"]
