"""The model-file pose backend: keypoints from a local OpenPose or MoveNet file, and what they measure.

``backend=pose, model=PATH`` in the body tool. `PoseModel` runs the file through onnxruntime
(``.onnx``, CPU) or OpenCV DNN (any format it reads: Caffe, TensorFlow, ...) on each RGB frame and
reads (K, 3) keypoints, x and y in pixels of the frame and a score: from heatmaps (1, K, H, W), the
peak of each (OpenPose), or from keypoints (1, 1, K, 3) as y, x, score in 0..1 (MoveNet). Keypoint
names follow the count: 17 COCO (`COCO17`), 18-19 OpenPose (`OPENPOSE18`), else ``k0``, ``k1``, ...
`pose_measure` reads, over the sampled frames: the mean wrist speed in % of the frame width per
second, the share of frames with a hand above the shoulders, and the mean shoulder tilt in degrees;
`describe_pose` says it in a sentence. Moved out of `saber_agent.plugins.pose`, which re-exports
every name here.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from saber_agent.media import Clip
from saber_agent.perception import missing_modules


def _r(value, digits: int = 3):
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


COCO17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
          "left_knee", "right_knee", "left_ankle", "right_ankle")
OPENPOSE18 = ("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
              "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
              "right_eye", "left_eye", "right_ear", "left_ear")


class PoseModel:
    """A keypoint model run through onnxruntime (``.onnx``) or OpenCV DNN (any format it reads).

    Inputs: NCHW float models get the frame scaled to [0, 1] (BGR when `bgr`, as OpenPose's Caffe
    models expect); NHWC models (MoveNet) get it as 0-255 RGB in the input's own dtype.
    """

    def __init__(self, path: str, config: str | None = None, input_size: tuple[int, int] = (368, 368), bgr: bool = True):
        import os

        if not os.path.exists(path):
            raise FileNotFoundError(f"pose model {path!r} does not exist; give a local model file (ONNX, Caffe, TensorFlow)")
        self.path = path
        self.input_size = tuple(input_size)
        self.bgr = bgr
        self.session = None
        self.net = None
        self.nhwc = False
        self.input_dtype = np.float32
        if path.endswith(".onnx") and not missing_modules("onnxruntime"):
            import onnxruntime

            self.session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            spec = self.session.get_inputs()[0]
            shape = spec.shape
            self.nhwc = len(shape) == 4 and shape[-1] == 3
            dims = shape[1:3] if self.nhwc else shape[2:]
            if len(shape) == 4 and all(isinstance(d, int) for d in dims):
                self.input_size = (int(dims[1]), int(dims[0]))
            self.input_dtype = np.int32 if "int32" in spec.type else np.uint8 if "uint8" in spec.type else np.float32
            self.backend = "onnxruntime"
        else:
            import cv2

            self.net = cv2.dnn.readNet(path, config or "")
            self.backend = "opencv-dnn"

    def _input(self, frame: np.ndarray) -> np.ndarray:
        import cv2

        if self.nhwc:
            resized = cv2.resize(frame, self.input_size, interpolation=cv2.INTER_AREA)
            return resized[None].astype(self.input_dtype)
        return cv2.dnn.blobFromImage(frame, 1 / 255.0, self.input_size, swapRB=self.bgr, crop=False)

    def keypoints(self, frame: np.ndarray) -> np.ndarray:
        """(K, 3) x, y (pixels of `frame`), score for one RGB frame."""
        h, w = frame.shape[:2]
        blob = self._input(frame)
        if self.session is not None:
            out = self.session.run(None, {self.session.get_inputs()[0].name: blob})[0]
        else:
            self.net.setInput(blob)
            out = self.net.forward()
        out = np.asarray(out, dtype=np.float64)
        if out.ndim == 4 and out.shape[-1] == 3 and out.shape[1] == 1:  # MoveNet: (1, 1, K, 3) y, x, score
            k = out[0, 0]
            return np.stack([k[:, 1] * w, k[:, 0] * h, k[:, 2]], axis=1)
        if out.ndim == 4:  # OpenPose-style heatmaps (1, K, H, W): the peak of each
            heat = out[0]
            hh, ww = heat.shape[1:]
            flat = heat.reshape(len(heat), -1)
            idx = flat.argmax(axis=1)
            ys, xs = np.unravel_index(idx, (hh, ww))
            return np.stack([(xs + 0.5) * w / ww, (ys + 0.5) * h / hh, flat.max(axis=1)], axis=1)
        raise ValueError(f"pose model output of shape {out.shape} is neither heatmaps (1, K, H, W) nor keypoints (1, 1, K, 3)")


_pose_failures: dict[tuple, Exception] = {}
_pose_lock = threading.Lock()


def get_pose_model(path: str, config: str | None = None, input_size: tuple[int, int] = (368, 368), bgr: bool = True) -> PoseModel:
    """The pose model at `path`, loaded once per process (on the CPU); a load failure is remembered."""
    from saber_agent.devices import shared_model

    key = (path, config, tuple(input_size), bgr)
    with _pose_lock:
        if key in _pose_failures:
            raise _pose_failures[key]
    try:
        return shared_model("body-pose", path, "cpu", lambda _dev: PoseModel(path, config, input_size, bgr), options=key[1:])
    except Exception as exc:
        with _pose_lock:
            _pose_failures[key] = exc
        raise


def pose_measure(clip: Clip, model: PoseModel, names: tuple[str, ...] | None, min_score: float = 0.1) -> dict[str, Any]:
    """Wrist and shoulder measurements from the pose model's keypoints on every sampled frame."""
    points = np.stack([model.keypoints(f) for f in clip.frames])  # (n, K, 3)
    k = points.shape[1]
    names = names or (COCO17 if k == 17 else OPENPOSE18 if k in (18, 19) else tuple(f"k{i}" for i in range(k)))
    index = {name: i for i, name in enumerate(names[:k])}
    times = clip.frame_times
    h, w = clip.frames.shape[1:3]
    seen = points[..., 2] >= min_score
    out: dict[str, Any] = {"status": "ok", "keypoints": k, "backend": model.backend, "model": model.path}
    wrists = [index[n] for n in ("left_wrist", "right_wrist") if n in index]
    shoulders = [index[n] for n in ("left_shoulder", "right_shoulder") if n in index]
    if wrists and len(times) > 1:
        speeds = []
        for j in wrists:
            xy = points[:, j, :2] / w
            ok = seen[:, j]
            step = np.hypot(*np.diff(xy, axis=0).T) / np.maximum(np.diff(times), 1e-3)
            step[~(ok[1:] & ok[:-1])] = np.nan
            speeds.append(step)
        speed = np.nanmean(np.stack(speeds), axis=0) if speeds else np.zeros(0)
        out["wrist_speed_mean"] = _r(np.nanmean(speed) * 100, 2) if np.isfinite(speed).any() else None  # % width / s
        out["wrist_speed_timeline"] = [None if not np.isfinite(s) else _r(s * 100, 2) for s in speed]
    if wrists and shoulders:
        shoulder_y = np.nanmean(np.where(seen[:, shoulders], points[:, shoulders, 1], np.nan), axis=1)
        raised = [(points[:, j, 1] < shoulder_y) & seen[:, j] for j in wrists]
        out["hands_raised_fraction"] = _r(np.mean(np.any(np.stack(raised), axis=0)), 3)
    if len(shoulders) == 2:
        a, b = points[:, shoulders[0]], points[:, shoulders[1]]
        both = seen[:, shoulders[0]] & seen[:, shoulders[1]]
        tilt = np.degrees(np.arctan2(b[:, 1] - a[:, 1], np.abs(b[:, 0] - a[:, 0]) + 1e-9))
        out["shoulder_tilt_deg_mean"] = _r(np.mean(np.abs(tilt[both])), 1) if both.any() else None
    out["seen_fraction"] = _r(seen.mean(), 3)
    out["timeline"] = {"t": [_r(t, 3) for t in times], "points": [[[_r(v, 1) for v in p] for p in frame] for frame in points]}
    return out


def describe_pose(p: dict[str, Any]) -> str:
    bits = []
    if p.get("wrist_speed_mean") is not None:
        bits.append(f"the wrists move at {p['wrist_speed_mean']:.1f}% of the frame width per second on average")
    if p.get("hands_raised_fraction") is not None:
        bits.append(f"the hands are above the shoulders in {p['hands_raised_fraction'] * 100:.0f}% of frames")
    if p.get("shoulder_tilt_deg_mean") is not None:
        bits.append(f"the shoulders tilt {p['shoulder_tilt_deg_mean']:.0f} degrees on average")
    return ("A pose model finds that " + ", ".join(bits) + ".") if bits else "A pose model ran but found no usable keypoints."
