"""Clipping (plugins/prosody_clipping.py) on espeak-ng speech driven into a ceiling, as the trial did.

Trial D shout_clipped.wav: "Get out of my house right now! I am so angry with you!" (espeak-ng en+m3), amplified 6x
and clipped at 0.99: no word of the clipping, "somewhat breathy or rough (HNR 9.0 dB, jitter 0.9%, shimmer 9.8%)"
stated as the voice's, and "loud (mean intensity 83 dB)" as its level.
"""

import re
import subprocess

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.plugins.prosody_clipping import clipping
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import audio_clip, speak, write_wav

RATE = 16_000


@pytest.fixture(scope="module")
def shout(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clipping")
    x = decode(speak("Get out of my house right now! I am so angry with you!", folder / "shout.wav",
                     pitch=60, speed=200, voice="en+m3")).audio
    x = x / np.abs(x).max() * 0.8
    pad = np.zeros(RATE // 2, np.float32)
    clean = np.concatenate([pad, x, pad]).astype(np.float32)
    clipped = np.clip(clean * 6, -0.99, 0.99).astype(np.float32)  # the trial's 6x into a 0.99 ceiling
    return {"clean": clean, "clipped": clipped, "folder": folder}


def test_a_clipped_shout_is_found_and_a_clean_one_is_not(shout):
    found, clean = clipping(shout["clipped"]), clipping(shout["clean"])
    print(f"clipped {found}; clean {clean}")
    assert found["clipped"] and found["flat_share"] > 0.03 and found["near_peak_share"] > 0.03
    assert not clean["clipped"] and clean["flat_share"] == 0.0 and clean["near_peak_share"] < 0.005


def test_clipping_is_found_after_a_lossy_codec_smears_the_flat_tops(shout):
    """AAC turns the flat tops into ripples (no flat run left); the samples still pile up near the peak."""
    wav = write_wav(shout["folder"] / "clipped.wav", shout["clipped"])
    m4a = shout["folder"] / "clipped.m4a"
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-i", str(wav), "-c:a", "aac", str(m4a)], check=True)
    found = clipping(decode(m4a).audio)
    print(f"after AAC: {found}")
    assert found["clipped"] and found["near_peak_share"] > 0.03


def test_the_prosody_text_says_the_recording_clips_and_gives_no_voice_quality_figure(shout):
    tool = ProsodyTool()
    slot = tool.perceive(audio_clip(shout["clipped"]), AnalysisSettings())
    clean = tool.perceive(audio_clip(shout["clean"]), AnalysisSettings())
    m = slot.measurements
    print(slot.text)
    assert slot.ok and m["clipping"]["clipped"] and not clean.measurements["clipping"]["clipped"]
    assert m["hnr_db"] is None and m["jitter_local"] is None and m["shimmer_local"] is None
    assert m["emobench_m"]["jitter"] is None and m["emobench_m"]["shimmer"] is None
    assert m["clipping"]["measured_through_clipping"]["hnr_db"] is not None  # kept, named as the distortion's
    assert "The recording is clipped" in slot.text
    assert not re.search(r"(HNR|jitter|shimmer) -?\d", slot.text)  # no voice-quality figure is stated
    assert "the recording clips, so the voice was louder than measured" in slot.text
    assert re.search(r"HNR -?\d", clean.text) and "clip" not in clean.text
    assert slot.confidence == pytest.approx(min(1.0, m["voiced_s"] / 2.0) / 2, abs=0.002)  # halved: read through distortion


def test_silence_gives_no_clipping_figure():
    assert clipping(np.zeros(RATE, np.float32)) is None
    assert clipping(np.zeros(0, np.float32)) is None
