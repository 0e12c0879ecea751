"""A learned speaker embedding (d-vector) per utterance, in numpy, from weights that ship in a PyPI wheel.

Model: the GE2E speaker encoder (Wan et al., "Generalized End-to-End Loss for Speaker Verification",
ICASSP 2018) as trained and released by Resemblyzer (`resemblyzer==0.1.4`, Apache-2.0, ~17 MB
`resemblyzer/pretrained.pt` inside the wheel; trained on LibriSpeech, VoxCeleb 1 and 2). It maps
40-band mel power spectra (25 ms Hann windows, 10 ms hop, 16 kHz) of 1.6 s partial utterances
through a 3-layer LSTM (256 units) and a linear layer with ReLU to a unit vector of 256 values; an
utterance's embedding is the normalised mean over partials at 1.3 per second (Resemblyzer's
`embed_utterance`). Two utterances of one speaker have a high cosine similarity, whatever the words.

Nothing here needs torch: the checkpoint (torch's legacy serialisation: pickles, then raw storages)
is read with `pickle` and numpy, and the network runs in numpy (~0.07 s per second of speech on one
busy core). Install the weights with ``pip install --no-deps resemblyzer==0.1.4`` (its own imports,
librosa and webrtcvad, are not needed); `missing()` says why the embedding is unavailable.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib.util
import pickle
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np

RATE = 16_000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s
PARTIALS_PER_S = 1.3
MIN_COVERAGE = 0.75
TARGET_DBFS = -30.0  # quiet speech is raised to this level (Resemblyzer's normalize_volume, increase only)
WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
INSTALL = "pip install --no-deps resemblyzer==0.1.4"
_STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64, "IntStorage": np.int32}


def weights_path() -> Path | None:
    """Where the installed wheel's `pretrained.pt` is (found without importing the package), or None."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.is_file() else None


def missing() -> str | None:
    """Why the embedding cannot run here (None: it can)."""
    path = weights_path()
    if path is None:
        return f"the speaker encoder's weights are not installed ({INSTALL})"
    if _sha256(path) != WEIGHTS_SHA256:
        return f"{path} is not the expected resemblyzer 0.1.4 checkpoint (SHA-256 differs); reinstall with {INSTALL}"
    return None


@lru_cache(maxsize=4)
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Tensor:
    """A tensor whose storage is read after the pickle that names it (torch's legacy format)."""

    def __init__(self, key: str, offset: int, size: tuple, stride: tuple):
        self.key, self.offset, self.size, self.stride = key, offset, size, stride


def read_legacy_checkpoint(path: str | Path) -> dict:
    """A torch checkpoint in the legacy (pre-1.6, non-zip) format as nested dicts of numpy arrays,
    without torch: the magic number, protocol and system pickles, the object pickle (tensors refer
    to storages by key), the storage keys, then each storage as an int64 count and its raw values."""
    kinds: dict[str, str] = {}

    class Reader(pickle.Unpickler):
        def find_class(self, module: str, name: str):
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, size, stride, *_: _Tensor(storage, offset, tuple(size), tuple(stride))
            if module == "torch" and name in _STORAGE_DTYPES:
                return name
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the checkpoint")

        def persistent_load(self, pid):
            _, kind, key, _location, _numel, _view = pid
            kinds[key] = kind
            return key

    with open(path, "rb") as handle:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(handle)
        tree = Reader(handle).load()
        storages = {}
        for key in pickle.load(handle):
            (count,) = struct.unpack("<q", handle.read(8))
            dtype = np.dtype(_STORAGE_DTYPES[kinds[key]])
            storages[key] = np.frombuffer(handle.read(count * dtype.itemsize), dtype)

    def build(node):
        if isinstance(node, _Tensor):
            data = storages[node.key]
            strides = [s * data.itemsize for s in node.stride]
            return np.lib.stride_tricks.as_strided(data[node.offset:], node.size, strides).copy()
        if isinstance(node, dict):
            return {k: build(v) for k, v in node.items()}
        return node

    return build(tree)


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    path = weights_path()
    if (why := missing()) is not None or path is None:
        raise RuntimeError(why)
    state = read_legacy_checkpoint(path)["model_state"]
    return {k: np.asarray(v, np.float32) for k, v in state.items()}


def _mel_filters() -> np.ndarray:
    """(40, 201) Slaney-style mel filters, area-normalised (librosa.filters.mel's defaults)."""

    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-10) / 1000) / (np.log(6.4) / 27), f / (200 / 3))

    def mel_to_hz(m):
        return np.where(m >= 15, 1000 * np.exp(np.log(6.4) / 27 * (m - 15)), m * 200 / 3)

    bins = np.linspace(0, RATE / 2, N_FFT // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(RATE / 2), N_MELS + 2))
    ramps = edges[:, None] - bins[None, :]
    widths = np.diff(edges)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    filters = np.maximum(0, np.minimum(lower, upper))
    return (filters * (2.0 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_power(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) mel power spectrogram of 16 kHz audio (frames centred, zero-padded: librosa's default)."""
    padded = np.pad(audio.astype(np.float32), N_FFT // 2)
    count = 1 + (padded.size - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(padded, (count, N_FFT), (padded.strides[0] * HOP, padded.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


def _lstm(x: np.ndarray, w: dict[str, np.ndarray], layers: int = 3) -> np.ndarray:
    """The last layer's final hidden state, (batch, 256), of torch's LSTM (gates i, f, g, o) over (batch, T, 40)."""
    for layer in range(layers):
        w_ih, w_hh = w[f"lstm.weight_ih_l{layer}"], w[f"lstm.weight_hh_l{layer}"]
        bias = w[f"lstm.bias_ih_l{layer}"] + w[f"lstm.bias_hh_l{layer}"]
        inputs = x @ w_ih.T + bias  # (batch, T, 4H), every step's input projection at once
        hidden = np.zeros((x.shape[0], w_hh.shape[1]), np.float32)
        cell = np.zeros_like(hidden)
        outputs = np.empty((x.shape[0], x.shape[1], hidden.shape[1]), np.float32)
        for t in range(x.shape[1]):
            gates = inputs[:, t] + hidden @ w_hh.T
            i, f, g, o = np.split(gates, 4, axis=1)
            cell = _sigmoid(f) * cell + _sigmoid(i) * np.tanh(g)
            hidden = _sigmoid(o) * np.tanh(cell)
            outputs[:, t] = hidden
        x = outputs
    return hidden


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn's dependency; without it BLAS keeps its threads
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _partials(n_samples: int) -> list[slice]:
    """Mel-frame slices of 1.6 s partials at PARTIALS_PER_S (Resemblyzer's compute_partial_slices)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round(RATE / PARTIALS_PER_S / HOP))
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step)]
    coverage = (n_samples - slices[-1].start * HOP) / (PARTIAL_FRAMES * HOP)
    return slices[:-1] if coverage < MIN_COVERAGE and len(slices) > 1 else slices


def embed(audio: np.ndarray, rate: int = RATE) -> np.ndarray:
    """(256,) unit-length d-vector of one utterance (mono float samples at `rate` Hz; resampled to
    16 kHz by linear interpolation). Raises RuntimeError (with `missing()`'s reason) without the weights."""
    weights = _weights()
    audio = np.asarray(audio, np.float32)
    if rate != RATE:
        n = int(round(audio.size * RATE / rate))
        audio = np.interp(np.arange(n) * rate / RATE, np.arange(audio.size), audio).astype(np.float32)
    level = 10 * np.log10(max(float(np.mean(audio.astype(np.float64) ** 2)), 1e-20))
    if level < TARGET_DBFS:
        audio = audio * np.float32(10 ** ((TARGET_DBFS - level) / 20))
    slices = _partials(audio.size)
    audio = np.pad(audio, (0, max(0, slices[-1].stop * HOP - audio.size)))
    mel = mel_power(audio)
    batch = np.stack([mel[s] for s in slices])  # (partials, 160, 40)
    with _one_blas_thread():  # 480 small matrix products: BLAS threads only contend (3x slower on 2 busy cores)
        raw = np.maximum(_lstm(batch, weights) @ weights["linear.weight"].T + weights["linear.bias"], 0)
    partials = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
    mean = partials.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


__all__ = ["INSTALL", "embed", "mel_power", "missing", "read_legacy_checkpoint", "weights_path"]
