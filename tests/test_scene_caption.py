"""The scene tool's captioning backend (plugins/scene_caption.py); captions of real clips by a tiny local
model are tested through the tool in tests/test_scene.py."""

from __future__ import annotations

import pytest

from saber_agent.plugins import scene, scene_caption


def test_the_scene_module_still_exports_the_captioner():
    for name in ("CAPTION_PROMPT", "Captioner", "get_captioner", "caption_shots"):
        assert getattr(scene, name) is getattr(scene_caption, name)
        assert name in scene.__all__


def test_a_captioner_out_of_gpu_memory_loads_on_the_cpu_when_allowed(monkeypatch):
    """The OOM is a stand-in (a real one needs a GPU this machine lacks); the fallback path is real."""
    from saber_agent.devices import DeviceError, models

    class OutOfMemoryError(RuntimeError):
        pass

    class FakeCaptioner:
        def __init__(self, model, device):
            if device.startswith("cuda"):
                raise OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 GiB")
            self.device = device

    monkeypatch.setattr(scene_caption, "Captioner", FakeCaptioner)
    with pytest.raises(DeviceError, match="ran out of memory loading scene-caption model 'vlm-a'"):
        scene_caption.get_captioner("vlm-a", "cuda:0")
    assert scene_caption.get_captioner("vlm-b", "cuda:0", allow_cpu_fallback=True).device == "cpu"
    models.clear()
    scene_caption._load_failures.clear()
