"""The structural shot-change rule measured against PySceneDetect's AdaptiveDetector (bench/shots_bench.py)
and not chosen: kept here so its figures can be reproduced.

A sampled frame starts a new shot when its structure differs from the last non-blank frame before it once
the camera's motion is discounted: a 4x4 grid (160 px wide grey, Gaussian blur sigma 2 px), a cell changed
when the normalized cross-correlation is below CELL_MATCH, a cut when STRUCTURE_CHANGE of the cells changed
both without moving the picture and after the camera motion (ORB at 320 px, RANSAC similarity with
MIN_INLIERS inliers, zoom within MAX_ZOOM); flat black/white frames start no shot; too little texture:
the colour rule. Its failures on bench/shots_set.py: a pan over a repetitive brick wall (ORB locks onto
the brick period) and a reverse shot in front of a mirror-symmetric wall (the camera-motion guard aligns
the wall and only a third of the cells change).
"""

from __future__ import annotations

import numpy as np

from saber_agent.plugins.shots import (
    ANALYSIS_WIDTH,
    GREY_DISTANCE,
    SHOT_DISTANCE,
    _distances,
    grey_histograms,
    hsv_histograms,
    small_frames,
)

# the structural rule (bench/shots_bench.py): chosen on bench/shots_set.py, see the module docstring
GRID = 4  # cells per side of the structure grid
CELL_MATCH = 0.5  # normalized cross-correlation below which a cell's structure has changed
STRUCTURE_CHANGE = 0.6  # share of measured cells changed from which a pair is a cut
FLAT_STD = 3.0  # grey levels: a cell flat (no texture) in both frames is not measured
BLANK_STD = 4.0  # grey levels: a frame this flat overall and black or white (a fade's bottom) starts no shot
MIN_INLIERS = 20  # ORB matches agreeing on one camera motion needed to trust it
MAX_ZOOM = 1.35  # a larger scale change between two sampled frames is a cut-in, not a zoom



def grey_frames(frames: np.ndarray, width: int) -> list[np.ndarray]:
    import cv2

    return [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in small_frames(frames, width)]


def blank(grey: np.ndarray) -> bool:
    """A flat black or white grey frame (the bottom of a fade, a flash): it starts no shot and is compared across."""
    return float(grey.std()) < BLANK_STD and not 24 <= float(grey.mean()) <= 232


def camera_motion(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """The similarity transform (2x3) taking grey frame `a` onto `b`, or None when no plausible camera
    motion explains them: fewer than MIN_INLIERS ORB matches agree, or the zoom exceeds MAX_ZOOM."""
    import cv2

    orb = cv2.ORB_create(500, fastThreshold=10)
    ka, da = orb.detectAndCompute(a, None)
    kb, db = orb.detectAndCompute(b, None)
    if da is None or db is None or min(len(ka), len(kb)) < MIN_INLIERS:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    if len(matches) < MIN_INLIERS:
        return None
    pa = np.float32([ka[m.queryIdx].pt for m in matches])
    pb = np.float32([kb[m.trainIdx].pt for m in matches])
    matrix, inliers = cv2.estimateAffinePartial2D(pa, pb, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if matrix is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    scale = float(np.hypot(*matrix[0, :2]))
    return matrix if 1 / MAX_ZOOM <= scale <= MAX_ZOOM else None


def changed_cells(a: np.ndarray, b: np.ndarray, matrix: np.ndarray | None = None) -> float:
    """Share (0..1) of the GRID x GRID cells of grey frame `b` whose structure differs from `a` (warped
    by `matrix` when given): correlation below CELL_MATCH; NaN when fewer than half the cells are
    measurable (covered by the warped frame, textured in at least one of the two)."""
    import cv2

    h, w = b.shape
    af = cv2.GaussianBlur(a, (0, 0), 2.0).astype(np.float32)
    bf = cv2.GaussianBlur(b, (0, 0), 2.0).astype(np.float32)
    covered = np.ones((h, w), np.float32)
    if matrix is not None:
        af = cv2.warpAffine(af, matrix, (w, h))
        covered = cv2.warpAffine(covered, matrix, (w, h), flags=cv2.INTER_NEAREST)
    changed = measured = 0
    for i in range(GRID):
        for j in range(GRID):
            cell = (slice(i * h // GRID, (i + 1) * h // GRID), slice(j * w // GRID, (j + 1) * w // GRID))
            inside = covered[cell] > 0
            if inside.mean() < 0.5:
                continue
            x, y = af[cell][inside], bf[cell][inside]
            sx, sy = x.std(), y.std()
            if sx < FLAT_STD and sy < FLAT_STD:
                continue
            measured += 1
            changed += float(((x - x.mean()) * (y - y.mean())).mean() / (sx * sy + 1e-6)) < CELL_MATCH
    return changed / measured if measured >= GRID * GRID / 2 else float("nan")


def structure_changes(frames: np.ndarray) -> np.ndarray:
    """(n-1,) `changed_cells` from the last non-blank frame before i+1 to frame i+1, the smaller of the
    value without moving the picture and the one after the camera motion; NaN for a blank frame i+1."""
    import cv2

    grey = grey_frames(frames, 2 * ANALYSIS_WIDTH)  # features need 320 px; cells are measured at 160
    small = [cv2.resize(g, (g.shape[1] // 2, g.shape[0] // 2), interpolation=cv2.INTER_AREA) for g in grey]
    out = np.full(max(len(frames) - 1, 0), np.nan)
    last = 0 if small and not blank(small[0]) else None
    for i in range(1, len(small)):
        if blank(small[i]):
            continue
        if last is not None:
            still = changed_cells(small[last], small[i])
            matrix = camera_motion(grey[last], grey[i])
            if matrix is not None:
                matrix = matrix.copy()
                matrix[:, 2] /= 2  # the motion was measured at twice the cells' scale
                moved = changed_cells(small[last], small[i], matrix)
                still = np.nanmin([still, moved]) if not (np.isnan(still) and np.isnan(moved)) else still
            out[i - 1] = still
        last = i
    return out


def detect(frames: np.ndarray, times: np.ndarray) -> list[int]:
    """The structural rule's cuts (index of each new shot's first frame) on RGB frames (n, H, W, 3)."""
    if len(frames) < 2:
        return []
    small = small_frames(frames)
    hsv = _distances(hsv_histograms(small))
    grey = _distances(grey_histograms(small))
    structure = structure_changes(frames)
    blanks = [blank(g) for g in grey_frames(small, ANALYSIS_WIDTH)]
    cuts = []
    for i in range(len(hsv)):
        if blanks[i + 1]:
            continue  # a blank frame starts no shot: the next frame is compared across it
        if np.isnan(structure[i]):  # too little texture to compare structure: colour decides
            if not blanks[i] and (hsv[i] > SHOT_DISTANCE or grey[i] > GREY_DISTANCE):
                cuts.append(i + 1)
        elif structure[i] >= STRUCTURE_CHANGE:
            cuts.append(i + 1)
    return cuts
