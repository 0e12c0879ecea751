"""Same-looking faces across cuts and jumps: the face tracker's stitching of tracks that take turns.

The frame-to-frame linker (`facetrack.link_tracks`) follows a face only while it stays near its last
box. After a cut (shot / reverse shot) or a move larger than ~half a face width between two sampled
frames (2 fps), the same face starts a new track, and the main face reads as "out of view" while it
is on screen elsewhere. `stitch` joins such tracks when they never share a frame, have a similar
size, and look alike by `signature`:

- a hue-saturation histogram (HUE_BINS x SAT_BINS, OpenCV HSV) of the face box grown by MARGIN
  (skin, hair, collar), compared by correlation (1 = the same);
- a BLUR-blurred THUMB x THUMB grey thumbnail of the box, compared by normalised cross-correlation.

Both must reach their threshold. Measured by tests/test_face_reid.py: the same photo (scikit-image
astronaut; matplotlib's Grace Hopper) framed left and right scores >= 0.95 on both; astronaut against
Hopper, and against lfw_subset faces, stays below. There is no face-recognition model offline: two
different people of similar colouring and framing can still be joined (said in the face slot as one
face), and the same person under very different light is not.
"""

from __future__ import annotations

import numpy as np

MARGIN = 0.2  # the colour histogram's box, grown by this share of the face box on each side
HUE_BINS, SAT_BINS = 18, 8
THUMB = 12  # thumbnail side, pixels
BLUR = 3  # Gaussian kernel of the thumbnail, pixels (after resizing)
HIST_MIN = 0.8  # histogram correlation at or above which the colours match
THUMB_MIN = 0.8  # thumbnail correlation at or above which the grey layouts match
SIZE_RATIO = 1.6  # median box areas within this ratio (either way)


def signature(frame: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(histogram, thumbnail) of the face in `box` (x, y, w, h pixels) of an RGB (or grey) uint8 frame; None if empty."""
    import cv2

    h, w = frame.shape[:2]
    x, y, bw, bh = (float(v) for v in box)
    x0, y0 = int(max(0, x)), int(max(0, y))
    x1, y1 = int(min(w, x + bw)), int(min(h, y + bh))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    rgb = frame if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    gx0, gy0 = int(max(0, x - MARGIN * bw)), int(max(0, y - MARGIN * bh))
    gx1, gy1 = int(min(w, x + bw * (1 + MARGIN))), int(min(h, y + bh * (1 + MARGIN)))
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[gy0:gy1, gx0:gx1]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [HUE_BINS, SAT_BINS], [0, 180, 0, 256]).ravel()
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    thumb = cv2.GaussianBlur(cv2.resize(grey, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float64), (BLUR, BLUR), 0)
    thumb = thumb.ravel() - thumb.mean()
    return hist / max(1e-9, hist.sum()), thumb / max(1e-9, float(np.linalg.norm(thumb)))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / max(1e-12, np.linalg.norm(a) * np.linalg.norm(b)))


def similarity(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    """(histogram correlation, thumbnail correlation) of two signatures, each -1..1."""
    return _corr(a[0], b[0]), float(a[1] @ b[1])


def track_signature(frames: np.ndarray, track: dict[int, np.ndarray], most: int = 5) -> tuple[np.ndarray, np.ndarray] | None:
    """The mean signature of up to `most` of a track's frames (evenly spread)."""
    keys = sorted(track)
    keys = [keys[int(k)] for k in np.linspace(0, len(keys) - 1, min(most, len(keys)))]
    found = [s for s in (signature(frames[i], track[i]) for i in keys) if s is not None]
    if not found:
        return None
    hist = np.mean([s[0] for s in found], axis=0)
    thumb = np.mean([s[1] for s in found], axis=0)
    return hist, thumb / max(1e-9, float(np.linalg.norm(thumb)))


def same_looking(a: tuple[np.ndarray, np.ndarray] | None, b: tuple[np.ndarray, np.ndarray] | None) -> bool:
    if a is None or b is None:
        return False
    hist, thumb = similarity(a, b)
    return hist >= HIST_MIN and thumb >= THUMB_MIN


def _area(track: dict[int, np.ndarray]) -> float:
    return float(np.median([b[2] * b[3] for b in track.values()]))


def stitch(tracks: list[dict[int, np.ndarray]], frames: np.ndarray) -> list[dict[int, np.ndarray]]:
    """Tracks with the same-looking face that never share a frame, joined (largest total area first)."""
    if len(tracks) < 2 or frames is None or len(frames) == 0:
        return tracks
    order = sorted(tracks, key=lambda t: -sum(b[2] * b[3] for b in t.values()))
    signatures = {id(t): track_signature(frames, t) for t in order}
    joined: list[dict[int, np.ndarray]] = []
    for track in order:
        for into in joined:
            ratio = _area(track) / max(1e-9, _area(into))
            if (not set(track) & set(into) and 1 / SIZE_RATIO <= ratio <= SIZE_RATIO
                    and same_looking(signatures[id(into)], signatures[id(track)])):
                into.update(track)
                break
        else:
            joined.append(dict(track))
            signatures[id(joined[-1])] = signatures[id(track)]
    return [dict(sorted(t.items())) for t in joined]


__all__ = ["same_looking", "signature", "similarity", "stitch", "track_signature"]
