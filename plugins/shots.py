"""Shot changes, detected once per clip and shared (like the face track): the scene and body tools read it.

Two consecutive sampled frames belong to different shots when their colour content differs: the
Bhattacharyya distance (0 same .. 1 disjoint) between their normalized 16x8x8 HSV histograms is above
`SHOT_DISTANCE`, or that of their 32-bin grey histograms is above `GREY_DISTANCE` (a cut between two
shots of similar colours but different lighting). Histograms are global, so a camera pan or a gesture
does not read as a cut. Frames are measured at `ANALYSIS_WIDTH` pixels wide (area averaging).

The result is cached in ``clip.extras["shots"]`` (thread-safe: tools running in parallel share one
computation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ANALYSIS_WIDTH = 160  # frames are measured at this width: statistics barely change, cost drops ~16x
SHOT_DISTANCE = 0.45  # HSV histogram distance above which two frames are different shots
GREY_DISTANCE = 0.35  # grey histogram distance above which they are


@dataclass
class Shots:
    """Where the shots of a clip change, on its sampled frames."""

    times: np.ndarray  # (n,) the frames' times, seconds
    distances: np.ndarray  # (n-1,) HSV histogram distance from frame i to i+1
    grey_distances: np.ndarray  # (n-1,) grey histogram distance from frame i to i+1
    cuts: list[int] = field(default_factory=list)  # index of each shot's first frame (after a cut)

    @property
    def pairs(self) -> list[int]:
        """Indices i of the frame pairs (i, i+1) that straddle a cut."""
        return [c - 1 for c in self.cuts]

    @property
    def bounds(self) -> list[tuple[int, int]]:
        """[start, end) frame index ranges of the shots."""
        edges = [0, *self.cuts, len(self.times)]
        return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def small_frames(frames: np.ndarray, width: int = ANALYSIS_WIDTH) -> np.ndarray:
    """The frames downscaled (area averaging) so their width is at most `width`."""
    import cv2

    n, h, w = frames.shape[:3]
    if w <= width:
        return frames
    size = (width, max(2, round(h * width / w)))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def hsv_histograms(frames: np.ndarray) -> list[np.ndarray]:
    """A normalized 16x8x8 HSV histogram per RGB frame (the shot-change signature)."""
    import cv2

    hists = []
    for frame in frames:
        hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
        hist = cv2.calcHist([hsv], [0, 1, 2], None, [16, 8, 8], [0, 180, 0, 256, 0, 256])
        hists.append(cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1))
    return hists


def grey_histograms(frames: np.ndarray) -> list[np.ndarray]:
    import cv2

    hists = []
    for frame in frames:
        hist = cv2.calcHist([cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)], [0], None, [32], [0, 256])
        hists.append(cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1))
    return hists


def _distances(hists: list[np.ndarray]) -> np.ndarray:
    import cv2

    return np.array([cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA) for a, b in zip(hists, hists[1:], strict=False)], dtype=np.float64)


def shot_distances(frames: np.ndarray) -> np.ndarray:
    """Bhattacharyya distance (0 same .. 1 disjoint) between consecutive RGB frames' HSV histograms."""
    return _distances(hsv_histograms(frames))


def detect(frames: np.ndarray, times: np.ndarray) -> Shots:
    """The shot changes of a sequence of RGB frames (n, H, W, 3)."""
    times = np.asarray(times, dtype=np.float64)
    if len(frames) < 2:
        return Shots(times, np.zeros(0), np.zeros(0), [])
    small = small_frames(frames)
    hsv = _distances(hsv_histograms(small))
    grey = _distances(grey_histograms(small))
    cuts = [i + 1 for i in range(len(hsv)) if hsv[i] > SHOT_DISTANCE or grey[i] > GREY_DISTANCE]
    return Shots(times, hsv, grey, cuts)


def shot_changes(clip) -> Shots:
    """The clip's shot changes, computed on first call and cached in ``clip.extras["shots"]``."""
    def compute() -> Shots:
        frames = clip.frames if clip.has_video else np.zeros((0, 2, 2, 3), np.uint8)
        return detect(frames, clip.frame_times[: len(frames)])

    return clip.shared("shots", compute)


__all__ = ["GREY_DISTANCE", "SHOT_DISTANCE", "Shots", "detect", "hsv_histograms", "shot_changes", "shot_distances", "small_frames"]
