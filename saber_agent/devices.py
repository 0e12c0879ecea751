"""One device setting for every model-backed plugin and reasoner: ``auto`` | ``cpu`` | ``cuda[:N]``.

``auto`` picks CUDA when torch sees a GPU (torch is imported only if it is installed; without
torch, CTranslate2, faster-whisper's engine, is asked). On Linux, a machine with no GPU device node
(NVIDIA, ROCm or WSL) has no GPU to find: nothing is imported to say so, which spares a CPU-only
analysis torch's import (about 440 MB and a second or two) just to learn there is no CUDA. Models are loaded once per process through
`shared_model`, so several plugins on one GPU share one copy, and a GPU that runs out of memory
raises a clear error, falling back to the CPU only when allowed.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


class DeviceError(RuntimeError):
    """A device that does not exist here, or a GPU that ran out of memory."""


GPU_DEVICE_NODES = ("/proc/driver/nvidia", "/dev/nvidiactl", "/dev/nvidia0", "/dev/dxg", "/dev/kfd")


def gpu_device_nodes() -> bool:
    """False only where a GPU cannot be: a Linux machine with none of the NVIDIA, WSL or ROCm device
    nodes. Elsewhere (other systems) True: the libraries are asked."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.path.exists(node) for node in GPU_DEVICE_NODES)


def cuda_device_count() -> int:
    """CUDA devices torch sees; without torch (the offline install), those CTranslate2 sees.

    Neither is imported when it is not installed, nor when `gpu_device_nodes` says no GPU can be here.
    """
    if not gpu_device_nodes():
        return 0
    if importlib.util.find_spec("torch") is not None:
        import torch

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    if importlib.util.find_spec("ctranslate2") is not None:  # faster-whisper's engine can use a GPU alone
        try:
            import ctranslate2

            return int(ctranslate2.get_cuda_device_count())
        except Exception:  # a CUDA-less build or a broken driver
            return 0
    return 0


def cuda_available() -> bool:
    """True when torch (or, without torch, CTranslate2) sees a CUDA device."""
    return cuda_device_count() > 0


def resolve_device(setting: str = "auto") -> str:
    """The concrete device for a setting: ``cpu`` or ``cuda:N``.

    Raises DeviceError for a malformed setting or a CUDA device that is not present.
    """
    setting = (setting or "auto").strip().lower()
    if not DEVICE_PATTERN.match(setting):
        raise DeviceError(f"device {setting!r} is not one of auto, cpu, cuda, cuda:N")
    if setting == "cpu":
        return "cpu"
    if setting == "auto":
        return "cuda:0" if cuda_available() else "cpu"
    count = cuda_device_count()
    if count == 0:
        raise DeviceError(f"device {setting!r} was asked for, but no CUDA GPU is visible here (use --device cpu or auto)")
    index = int(setting.split(":")[1]) if ":" in setting else 0
    if index >= count:
        raise DeviceError(f"device {setting!r}: only {count} CUDA device(s) here")
    return f"cuda:{index}"


def is_cuda(device: str) -> bool:
    return device.startswith("cuda")


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a GPU out-of-memory error (torch's OutOfMemoryError, or CUDA/CTranslate2's message)."""
    name = type(exc).__name__
    return name == "OutOfMemoryError" or "out of memory" in str(exc).lower()


_is_oom = is_out_of_memory


class ModelRegistry:
    """Models loaded once per process, keyed by (kind, id, device, options): shared by every plugin."""

    def __init__(self) -> None:
        self._models: dict[tuple, Any] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.loads = 0  # real loads so far (tests check sharing)

    def get(self, key: tuple, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._models:
                return self._models[key]
            gate = self._locks.setdefault(key, threading.Lock())
        with gate:  # one load per key, even when parallel branches ask at once
            with self._lock:
                if key in self._models:
                    return self._models[key]
            model = load()
            with self._lock:
                self._models[key] = model
                self.loads += 1
            return model

    def discard(self, key: tuple) -> None:
        """Forget one model (the next request loads it again)."""
        with self._lock:
            self._models.pop(key, None)

    def keys(self) -> list[tuple]:
        with self._lock:
            return list(self._models)

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


models = ModelRegistry()


def shared_model(
    kind: str,
    model_id: str,
    device: str,
    load: Callable[[str], T],
    options: tuple = (),
    allow_cpu_fallback: bool = False,
) -> T:
    """Load `model_id` on `device` once per process with ``load(device)``, shared across plugins.

    A CUDA out-of-memory error becomes a DeviceError naming the model, or, when
    `allow_cpu_fallback`, the model is loaded on the CPU instead (and shared as such).
    """
    key = (kind, model_id, device, options)
    try:
        return models.get(key, lambda: load(device))
    except Exception as exc:
        if not (is_cuda(device) and _is_oom(exc)):
            raise
        if not allow_cpu_fallback:
            raise DeviceError(
                f"the GPU ran out of memory loading {kind} model {model_id!r} on {device}; "
                "free GPU memory, use a smaller model, or allow CPU fallback"
            ) from None
        return models.get((kind, model_id, "cpu", options), lambda: load("cpu"))


def device_options(factory: Callable[..., Any], options: dict[str, Any], device: str, allow_cpu_fallback: bool) -> dict[str, Any]:
    """A reasoner's options with the analysis `device` and `allow_cpu_fallback` added.

    Only where the factory names such a parameter and the options do not already set it (an explicit
    ``-o device=cpu`` wins over ``--device``); other factories get their options unchanged.
    """
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable: nothing to read
        return dict(options)
    merged = dict(options)
    for name, value in (("device", device), ("allow_cpu_fallback", allow_cpu_fallback)):
        if name in parameters and name not in merged:
            merged[name] = value
    return merged
