"""The scene tool's optional captioning backend: a transformers vision-language model that describes the
middle frame of each of the first shots (loaded once per process through the shared model registry; a
load failure is remembered per model and device).

Moved out of plugins/scene.py, which re-exports every name here.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from saber_agent.errors import missing_extra
from saber_agent.media import Clip

CAPTION_PROMPT = "Describe the scene of this video frame in one or two sentences: the setting, the people and the lighting."


class Captioner:
    """A transformers vision-language model that describes a frame (loaded once per process)."""

    def __init__(self, model: str, device: str = "cpu"):
        try:
            import PIL.Image  # noqa: F401  (image processors take PIL images)
            import torch  # noqa: F401
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:
            raise RuntimeError(
                missing_extra("the caption backend", "transformers, torch and pillow", "transformers", detail=str(exc))
            ) from None
        self.model_id = model
        self.device = device
        self.processor = AutoProcessor.from_pretrained(model)
        self.model = AutoModelForImageTextToText.from_pretrained(model, dtype="auto").to(device).eval()

    def caption(self, frame: np.ndarray, prompt: str = CAPTION_PROMPT, max_new_tokens: int = 60) -> str:
        import torch
        from PIL import Image

        image = Image.fromarray(frame)
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": prompt}]}]
        if getattr(self.processor, "chat_template", None):
            text = self.processor.apply_chat_template(messages, add_generation_prompt=True)
        else:  # a processor without a chat template takes the bare prompt
            text = prompt
        inputs = self.processor(images=[image], text=[text], return_tensors="pt").to(self.device)
        with torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
        new_tokens = out[:, inputs["input_ids"].shape[1]:]
        return self.processor.batch_decode(new_tokens, skip_special_tokens=True)[0].strip()


_load_failures: dict[tuple[str, str], Exception] = {}
_failures_lock = threading.Lock()


def get_captioner(model: str, device: str, allow_cpu_fallback: bool = False) -> Captioner:
    """The captioner for `model` on `device`, loaded once per process (shared through the model registry;
    a GPU out of memory loads it on the CPU when `allow_cpu_fallback`, else is a DeviceError).

    A load failure is remembered, so an absent model is not looked for again on every clip.
    """
    from saber_agent.devices import shared_model

    key = (model, device)
    with _failures_lock:
        if key in _load_failures:
            raise _load_failures[key]
    try:
        return shared_model("scene-caption", model, device, lambda dev: Captioner(model, dev),
                            allow_cpu_fallback=allow_cpu_fallback)
    except Exception as exc:
        with _failures_lock:
            _load_failures[key] = exc
        raise


def caption_shots(
    clip: Clip, m: dict[str, Any], model: str, device: str, max_shots: int = 3, allow_cpu_fallback: bool = False,
) -> list[dict[str, Any]]:
    """One caption per shot (the middle frame of each of the first `max_shots` shots)."""
    captioner = get_captioner(model, device, allow_cpu_fallback)
    out = []
    times = clip.frame_times
    for shot in m["shots"][:max_shots]:
        middle = (shot["start"] + shot["end"]) / 2
        i = int(np.argmin(np.abs(times - middle)))
        out.append({"t": round(float(times[i]), 2), "text": captioner.caption(clip.frames[i])})
    return out
