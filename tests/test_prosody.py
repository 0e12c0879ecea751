import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins.prosody import ProsodyTool, measure
from saber_agent.settings import AnalysisSettings
from saber_agent.synth import make_clip, speak, tone, write_wav


def test_pure_tone_f0_within_two_percent():
    m = measure(tone(220.0, 2.0), 16_000)
    assert abs(m["f0_mean_hz"] - 220.0) / 220.0 < 0.02


def test_f0_orders_espeak_pitches(tmp_path):
    means = []
    for pitch in (10, 50, 90):
        wav = speak("The quick brown fox jumps over the lazy dog.", tmp_path / f"p{pitch}.wav", pitch=pitch)
        clip = decode(make_clip(tmp_path / f"p{pitch}.m4a", None, wav))
        means.append(measure(clip.audio, clip.sample_rate)["f0_mean_hz"])
    assert means == sorted(means) and means[2] > means[0] * 1.3


def test_speech_gives_text_measurements_and_a_voice_cue(face_speech_clip):
    tool = ProsodyTool()
    slot = tool.perceive(decode(face_speech_clip), AnalysisSettings())
    assert slot.ok and slot.provenance.backend == "praat-parselmouth"
    for key in ("f0_mean_hz", "f0_sd_hz", "f0_range_st", "intensity_mean_db", "jitter_local", "shimmer_local", "hnr_db", "voiced_fraction"):
        assert slot.measurements[key] is not None, key
    assert f"{slot.measurements['f0_mean_hz']:.0f} Hz" in slot.text
    (cue,) = tool.cues(slot)
    assert cue.modality == "voice" and -1 <= cue.valence <= 1


def test_silence_is_unavailable(silent_clip):
    slot = ProsodyTool().perceive(decode(silent_clip), AnalysisSettings())
    assert slot.status.value == "unavailable" and "silent" in slot.reason


def test_noise_without_voicing_is_unavailable(tmp_path):
    noise = np.random.default_rng(0).normal(0, 0.05, 16_000 * 2).astype(np.float32)
    clip = decode(make_clip(tmp_path / "noise.m4a", None, write_wav(tmp_path / "noise.wav", noise)))
    slot = ProsodyTool().perceive(clip, AnalysisSettings())
    assert slot.status.value == "unavailable" and "no voiced speech" in slot.reason
