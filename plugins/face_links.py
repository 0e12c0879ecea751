"""Per-frame face detections linked into tracks, and the main face of a clip chosen among them.

A detection is an x, y, w, h box in pixels of the clip's sampled frames. `link_tracks` links them
greedily frame to frame: box b continues box a (`_same_face`) when their IoU is at least LINK_IOU,
or, at low frame rates (2 fps: a face can move past any overlap), when b's centre is within 0.6 of
the larger width of a's and their areas are within a factor of 2; a track survives MAX_GAP sampled
frames without a detection. `build_track` makes the clip's `FaceTrack`: the main face is the track
with the largest summed area (big and persistent wins); a face seen in one frame only of a longer
clip, or (given the full scans) found by one full scan only, is dropped as texture. The detectors
that give the detections are in `saber_agent.plugins.facetrack`, which re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_GAP = 3  # a track survives this many sampled frames without a detection
LINK_IOU = 0.2


@dataclass
class FaceTrack:
    """The main face of a clip, per sampled frame."""

    times: np.ndarray  # (n,) the clip's frame_times
    boxes: np.ndarray  # (n, 4) float x, y, w, h of the main face in pixels of clip.frames; NaN rows where none
    counts: np.ndarray  # (n,) int, faces per frame (one-off detections in a longer clip dropped)
    detector: str  # e.g. "opencv-haar"
    all_boxes: list[np.ndarray] = field(default_factory=list)  # per frame, (k, 4) every kept face
    n_tracks: int = 0  # distinct faces followed over the clip (main one included)

    @property
    def found(self) -> np.ndarray:
        """(n,) bool: whether the main face was detected in each frame."""
        return ~np.isnan(self.boxes[:, 0]) if len(self.boxes) else np.zeros(0, bool)

    @property
    def centers(self) -> np.ndarray:
        """(n, 2) x, y of the main face's box centre (NaN where not found)."""
        return self.boxes[:, :2] + self.boxes[:, 2:] / 2 if len(self.boxes) else np.zeros((0, 2))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two x, y, w, h boxes."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def _same_face(a: np.ndarray, b: np.ndarray) -> float:
    """How well box b continues box a (0 = not the same face); at 2 fps a face can move past overlap."""
    overlap = iou(a, b)
    if overlap >= LINK_IOU:
        return 1.0 + overlap
    size_ratio = (b[2] * b[3]) / max(1e-9, a[2] * a[3])
    distance = np.hypot((a[0] + a[2] / 2) - (b[0] + b[2] / 2), (a[1] + a[3] / 2) - (b[1] + b[3] / 2))
    if 0.5 <= size_ratio <= 2.0 and distance < 0.6 * max(a[2], b[2]):
        return 1.0 - distance / (0.6 * max(a[2], b[2]))
    return 0.0


def link_tracks(detections: list[np.ndarray]) -> list[dict[int, np.ndarray]]:
    """Greedy frame-to-frame linking: a list of tracks, each {frame index: box}."""
    tracks: list[dict[int, np.ndarray]] = []
    for i, boxes in enumerate(detections):
        live = [t for t in tracks if i - max(t) <= MAX_GAP]
        pairs = sorted(
            ((score, ti, bi) for ti, t in enumerate(live) for bi, box in enumerate(boxes)
             if (score := _same_face(t[max(t)], box)) > 0),
            reverse=True,
        )
        used_tracks: set[int] = set()
        used_boxes: set[int] = set()
        for _, ti, bi in pairs:
            if ti in used_tracks or bi in used_boxes:
                continue
            live[ti][i] = boxes[bi]
            used_tracks.add(ti)
            used_boxes.add(bi)
        for bi, box in enumerate(boxes):
            if bi not in used_boxes:
                tracks.append({i: box})
    return tracks


def build_track(
    times: np.ndarray, detections: list[np.ndarray], detector: str = "opencv-haar",
    scans: dict[int, np.ndarray] | None = None, frames: np.ndarray | None = None,
) -> FaceTrack:
    """The FaceTrack of per-frame detections: the main face chosen, one-off detections dropped.

    With `frames` (the detections' RGB frames), tracks of the same-looking face that never share a
    frame (a cut, or a jump between sampled frames) are joined first (`face_reid.stitch`).

    With `scans` (what each full scan found, from `detect_sequence`) and three or more scans, a face
    must be found by two full scans: one found once, then only followed by the more lenient search
    around its box, is most often texture (the space shuttle beside the astronaut's head).
    """
    n = len(detections)
    tracks = link_tracks(detections)
    if frames is not None:
        from saber_agent.plugins.face_reid import stitch

        tracks = stitch(tracks, frames)
    boxes = np.full((n, 4), np.nan)
    counts = np.zeros(n, dtype=int)
    all_boxes: list[list[np.ndarray]] = [[] for _ in range(n)]
    if scans is not None and len(scans) >= 3:
        confirmed = [t for t in tracks if _scan_hits(t, scans) >= 2]
        tracks = confirmed or tracks  # with no face confirmed twice, the best single sighting still counts
    if tracks:
        main = max(tracks, key=lambda t: sum(b[2] * b[3] for b in t.values()))
        # a face seen once in a clip of several frames is most often a false detection (texture)
        kept = [t for t in tracks if t is main or len(t) >= 2 or n < 3]
        for t in kept:
            for i, box in t.items():
                counts[i] += 1
                all_boxes[i].append(box)
        for i, box in main.items():
            boxes[i] = box
    else:
        kept = []
    return FaceTrack(
        times=np.asarray(times, dtype=np.float64),
        boxes=boxes,
        counts=counts,
        detector=detector,
        all_boxes=[np.asarray(b, dtype=np.float64).reshape(-1, 4) for b in all_boxes],
        n_tracks=len(kept),
    )


def _scan_hits(track: dict[int, np.ndarray], scans: dict[int, np.ndarray]) -> int:
    """In how many full scans the track's face was found (not only followed)."""
    return sum(1 for i, box in track.items() if i in scans and any(iou(box, found) >= 0.3 for found in scans[i]))
