"""Body -> `body_lang_desc`: gesture and posture activity, head nods and shakes, lean and shifts.

Measured on the shared clip's sampled frames:

- gesture activity: dense optical flow (Farnebäck) between consecutive downscaled grey frames, with
  the face box and a head margin masked out, after discounting the camera's own motion (a similarity
  transform fitted with RANSAC to the flow of the frame's top and side borders, where background
  usually is). The residual flow is split into the upper body (below the head, about three face
  widths wide) and the hands/sides (the rest of the frame outside the head); without a face, into the
  centre and the sides of the frame. Bursts of gesture are the runs of frame pairs whose activity
  stands out, with timestamps.
- head nods and shakes: vertical versus horizontal oscillation of the main face box's centre (from
  the shared face track, camera motion discounted), counted as swings larger than a fraction of the
  face's size, with timestamps. A nod needs several samples per swing, so the sampling rate bounds
  what can be seen (it is recorded as ``head.max_resolvable_hz``).
- posture: a lean toward or away from the camera (face box scale change not explained by a zoom)
  and shifts of the head's position, as slow drifts of its centre.

An optional pose backend (``tool_options={"body": {"backend": "pose", "model": PATH}}``) runs a
keypoint model through OpenCV DNN (Caffe / ONNX / TensorFlow files) or onnxruntime (``.onnx``):
heatmap outputs (1, K, H, W) as OpenPose writes them or keypoint outputs (1, 1, K, 3) as MoveNet
writes them. It adds wrist and shoulder measurements; when the model cannot be loaded the slot keeps
the optical-flow description and says why in ``measurements["pose"]``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.settings import AnalysisSettings

FLOW_SIDE = 192  # optical flow runs on frames whose longer side is this many pixels
HEAD_MARGIN = {"side": 0.35, "top": 0.6, "bottom": 0.45}  # around the face box, in face widths/heights
MOVING_PX = 0.8  # residual flow above this (pixels at FLOW_SIDE) counts as movement
MIN_CAMERA_PX = 0.1  # Lucas-Kanade tracks corners to ~0.05 px: a typical move above this can be the camera
SWING = 0.06  # a head swing must cover this fraction of the face's size
SWING_GAP_S = 1.2  # swings further apart than this belong to different nods or shakes
DOMINANCE = 1.5  # a nod's vertical amplitude must exceed its horizontal one this many times (and vice versa)
LEAN = 0.12  # face scale change (beyond the camera's zoom) that counts as leaning
SHIFT = 0.35  # head displacement, in face widths, that counts as a posture shift

# Activity levels in % of the frame width per second (mean residual flow over a region).
ACTIVITY_LEVELS = ((0.4, "little"), (1.5, "slight"), (4.0, "moderate"), (float("inf"), "lively"))
# The same levels by the share of a region's pixels that changed between sampled frames.
CHANGE_LEVELS = ((0.005, "little"), (0.03, "slight"), (0.1, "moderate"), (float("inf"), "lively"))
CHANGE_LEVEL = 15  # grey levels (of 255) of change that count, above compression noise
BURST_LEVEL = 1.5  # flow energy of a frame pair above which it is part of a burst of gesture
BURST_CHANGED = 0.02  # or share of changed pixels above which it is
BURST_GAP_S = 0.6
CUT_DISTANCE = 0.35  # grey-histogram distance between two frames of different shots
CUT_CHANGED = 0.6  # or share of the whole picture that changed with the camera still
LEVEL_ORDER = ("little", "slight", "moderate", "lively")


def activity_word(value: float) -> str:
    return next(word for limit, word in ACTIVITY_LEVELS if value < limit)


def activity_level(energy: float, changed: float) -> str:
    """The higher of the levels that the flow and the grey-level change give."""
    by_change = next(word for limit, word in CHANGE_LEVELS if changed < limit)
    return max(activity_word(energy), by_change, key=LEVEL_ORDER.index)


# -- geometry ----------------------------------------------------------------------------------------

@dataclass
class Head:
    """The main face box per frame, in pixels of the flow frames (NaN rows where unknown)."""

    boxes: np.ndarray  # (n, 4) x, y, w, h
    found: np.ndarray  # (n,) bool, detected in that very frame
    reason: str | None = None  # why there is no head at all


def head_boxes(clip: Clip, scale: float) -> Head:
    """The face track's main box per frame, scaled to the flow frames; None rows where not found."""
    n = len(clip.frames)
    empty = np.full((n, 4), np.nan)
    try:
        from saber_agent.plugins.facetrack import track_faces
    except ImportError as exc:
        return Head(empty, np.zeros(n, bool), f"no face tracker is installed ({exc})")
    try:
        track = track_faces(clip)
    except Exception as exc:  # the tracker's failure leaves the body measurable
        return Head(empty, np.zeros(n, bool), f"the face tracker failed ({type(exc).__name__}: {exc})")
    boxes = np.asarray(track.boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) != n:  # a tracker sampling other frames: take the nearest in time
        if len(boxes) == 0:
            return Head(empty, np.zeros(n, bool), "the face tracker returned no frames")
        idx = np.clip(np.searchsorted(np.asarray(track.times), clip.frame_times), 0, len(boxes) - 1)
        boxes = boxes[idx]
    found = ~np.isnan(boxes[:, 0])
    if not found.any():
        return Head(empty, found, "no face was found")
    return Head(boxes * scale, found)


def nearest_box(head: Head, i: int, times: np.ndarray, max_gap_s: float = 1.0) -> np.ndarray | None:
    """The head box at frame i, or the nearest detected one within `max_gap_s`."""
    if head.found[i]:
        return head.boxes[i]
    if not head.found.any():
        return None
    candidates = np.flatnonzero(head.found)
    j = candidates[np.argmin(np.abs(times[candidates] - times[i]))]
    return head.boxes[j] if abs(times[j] - times[i]) <= max_gap_s else None


def head_mask(shape: tuple[int, int], box: np.ndarray) -> np.ndarray:
    """True over the face box grown by the head margin (hair above, neck below)."""
    h, w = shape
    x, y, bw, bh = box
    x0 = int(max(0, np.floor(x - HEAD_MARGIN["side"] * bw)))
    x1 = int(min(w, np.ceil(x + bw + HEAD_MARGIN["side"] * bw)))
    y0 = int(max(0, np.floor(y - HEAD_MARGIN["top"] * bh)))
    y1 = int(min(h, np.ceil(y + bh + HEAD_MARGIN["bottom"] * bh)))
    mask = np.zeros(shape, bool)
    mask[y0:y1, x0:x1] = True
    return mask


def region_masks(shape: tuple[int, int], box: np.ndarray | None, head: np.ndarray) -> dict[str, np.ndarray]:
    """Regions outside the head: upper body and hands/sides around a face; centre and sides without one."""
    h, w = shape
    xs = np.arange(w)[None, :]
    ys = np.arange(h)[:, None]
    if box is None:
        centre = np.broadcast_to((xs >= w / 3) & (xs < 2 * w / 3), shape)
        return {"centre": centre & ~head, "sides": ~centre & ~head}
    x, y, bw, bh = box
    cx = x + bw / 2
    torso = (np.abs(xs - cx) <= 1.5 * bw) & (ys >= y + bh)
    torso = np.broadcast_to(torso, shape) & ~head
    return {"upper_body": torso, "hands_sides": ~torso & ~head}


# -- optical flow and camera motion -----------------------------------------------------------------

def grey_frames(frames: np.ndarray, side: int = FLOW_SIDE) -> tuple[np.ndarray, float]:
    """Downscaled grey frames for optical flow, and the scale factor from clip pixels."""
    import cv2

    h, w = frames.shape[1:3]
    scale = min(1.0, side / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    out = np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA) for f in frames])
    return out, size[0] / w


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense Farnebäck flow from a to b, (h, w, 2) in pixels; pyramid deep enough for 2 fps sampling."""
    import cv2

    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 4, 15, 3, 5, 1.2, 0)


def camera_motion(a: np.ndarray, b: np.ndarray, exclude: np.ndarray) -> tuple[np.ndarray, float]:
    """The camera's similarity transform (2x3) from frame a to b, and the share of points that follow it.

    Corners (Shi-Tomasi) of `a` outside the head are tracked into `b` (pyramidal Lucas-Kanade) and a
    similarity (pan, zoom, roll) is fitted with RANSAC. It counts as camera motion only when most of
    the frame moves with it: the typical corner must move (median displacement >= MIN_CAMERA_PX), the fit
    must explain the typical corner at least twice as well as "nothing moved" does, and agree with
    60% of the corners. A hand moving in front of a still background therefore stays a hand. Too few
    corners (a plain background) means no camera motion can be measured, and none is assumed.
    Motion the whole frame shares (a person filling it who sways) cannot be told from the camera's.
    """
    import cv2

    identity = np.eye(2, 3)
    mask = (~exclude).astype(np.uint8) * 255
    corners = cv2.goodFeaturesToTrack(a, maxCorners=300, qualityLevel=0.01, minDistance=4, mask=mask)
    if corners is None or len(corners) < 12:
        return identity, 0.0
    tracked, status, _ = cv2.calcOpticalFlowPyrLK(a, b, corners, None, winSize=(15, 15), maxLevel=3)
    ok = status.ravel() == 1
    if ok.sum() < 12:
        return identity, 0.0
    src, dst = corners.reshape(-1, 2)[ok], tracked.reshape(-1, 2)[ok]
    still_error = np.hypot(*(dst - src).T)
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if matrix is None:
        return identity, 0.0
    share = float(inliers.mean())
    fit_error = np.hypot(*(src @ matrix[:, :2].T + matrix[:, 2] - dst).T)
    moving = float(np.median(still_error))
    if share < 0.6 or moving < MIN_CAMERA_PX or float(np.median(fit_error)) > 0.5 * moving:
        return identity, share
    return matrix, share


def stabilized(b: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Frame b brought back into frame a's coordinates (the camera's motion undone), and where it is valid.

    Dense flow between a and the stabilized b is then the motion of the scene itself: measuring it
    this way is far more accurate than subtracting the camera's motion from a large flow field.
    """
    import cv2

    if np.allclose(matrix, np.eye(2, 3)):
        return b, None
    h, w = b.shape[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(b, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8)) > 0  # flow near the edge of what came into view is unreliable
    return warped, valid


def is_cut(a: np.ndarray, b: np.ndarray, changed_share: float) -> bool:
    """Whether two consecutive grey frames belong to different shots.

    Their grey-level histograms differ (Bhattacharyya distance above CUT_DISTANCE), or most of the
    picture changed with no camera motion to explain it: motion across a cut is not body movement.
    """
    import cv2

    ha = cv2.calcHist([a], [0], None, [32], [0, 256])
    hb = cv2.calcHist([b], [0], None, [32], [0, 256])
    distance = cv2.compareHist(cv2.normalize(ha, ha, 1, 0, cv2.NORM_L1), cv2.normalize(hb, hb, 1, 0, cv2.NORM_L1),
                               cv2.HISTCMP_BHATTACHARYYA)
    return distance > CUT_DISTANCE or changed_share > CUT_CHANGED


# -- head gestures ------------------------------------------------------------------------------------

def swings(signal: np.ndarray, times: np.ndarray, threshold: float) -> list[tuple[float, float, float]]:
    """Moves between alternating extremes of `signal` larger than `threshold`: (t_from, t_to, size).

    Hysteresis peak picking: an extreme is confirmed once the signal has come back from it by the
    threshold, so jitter smaller than the threshold never makes a swing.
    """
    n = len(signal)
    if n < 2:
        return []
    extremes: list[int] = []
    lo = hi = 0  # before the first swing: the running minimum and maximum
    direction = 0
    candidate = 0
    for i in range(1, n):
        v = signal[i]
        if direction == 0:
            lo = i if v < signal[lo] else lo
            hi = i if v > signal[hi] else hi
            if v - signal[lo] >= threshold:
                extremes, direction, candidate = [lo], 1, i
            elif signal[hi] - v >= threshold:
                extremes, direction, candidate = [hi], -1, i
        elif (v - signal[candidate]) * direction > 0:  # still going the same way
            candidate = i
        elif abs(signal[candidate] - v) >= threshold:  # turned back by enough: the candidate was an extreme
            extremes.append(candidate)
            direction, candidate = -direction, i
    if direction != 0:
        extremes.append(candidate)
    return [
        (float(times[a]), float(times[b]), float(abs(signal[b] - signal[a])))
        for a, b in zip(extremes, extremes[1:])
        if abs(signal[b] - signal[a]) >= threshold
    ]


def episodes(moves: list[tuple[float, float, float]]) -> list[list[tuple[float, float, float]]]:
    """Runs of swings close in time (at least two swings: out and back)."""
    runs: list[list[tuple[float, float, float]]] = []
    for move in moves:
        if runs and move[0] - runs[-1][-1][1] <= SWING_GAP_S:
            runs[-1].append(move)
        else:
            runs.append([move])
    return [r for r in runs if len(r) >= 2]


def amplitude(signal: np.ndarray, times: np.ndarray, t0: float, t1: float) -> float:
    part = signal[(times >= t0 - 1e-6) & (times <= t1 + 1e-6)]
    return float(np.nanmax(part) - np.nanmin(part)) if part.size else 0.0


def head_gestures(cx: np.ndarray, cy: np.ndarray, times: np.ndarray, size: float) -> list[dict[str, Any]]:
    """Nods (vertical oscillation) and shakes (horizontal) of the head centre, in face-size units."""
    x, y = cx / size, cy / size
    found = []
    for kind, main, other in (("nod", y, x), ("shake", x, y)):
        for run in episodes(swings(main, times, SWING)):
            t0, t1 = run[0][0], run[-1][1]
            a_main, a_other = amplitude(main, times, t0, t1), amplitude(other, times, t0, t1)
            if a_main < DOMINANCE * a_other:
                continue
            found.append({
                "kind": kind, "start": round(float(t0), 2), "end": round(float(t1), 2),
                "swings": len(run), "cycles": round(len(run) / 2, 1),
                "amplitude": round(a_main, 3),  # in face heights (nod) or widths (shake)
            })
    return sorted(found, key=lambda g: g["start"])


def fill_gaps(values: np.ndarray, times: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Linear interpolation over frames without a detection (edges held)."""
    if found.sum() < 2:
        return values.copy()
    return np.interp(times, times[found], values[found])


def posture(cx: np.ndarray, cy: np.ndarray, scale: np.ndarray, times: np.ndarray, size: float) -> dict[str, Any]:
    """Lean (scale change) and position shifts of the head over the clip, camera motion discounted."""
    n = len(times)
    k = max(1, n // 4)
    first, last = slice(0, k), slice(n - k, n)
    ratio = float(np.median(scale[last]) / np.median(scale[first]))
    drift_x = float((np.median(cx[last]) - np.median(cx[first])) / size)
    drift_y = float((np.median(cy[last]) - np.median(cy[first])) / size)
    lean = "toward" if ratio > 1 + LEAN else "away" if ratio < 1 / (1 + LEAN) else None
    shifts = []
    # compare the median head position over successive one-second windows
    window = 1.0
    edges = np.arange(times[0], times[-1] + window, window)
    medians = []
    for a in edges[:-1]:
        part = (times >= a) & (times < a + window)
        if part.any():
            medians.append((a, np.median(cx[part]), np.median(cy[part])))
    for (t0, x0, y0), (t1, x1, y1) in zip(medians, medians[1:]):
        dx, dy = (x1 - x0) / size, (y1 - y0) / size
        if np.hypot(dx, dy) >= SHIFT:
            direction = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
            shifts.append({"t": round(float(t1), 2), "direction": direction, "distance": round(float(np.hypot(dx, dy)), 2)})
    return {
        "scale_ratio": round(ratio, 3), "lean": lean,
        "drift_x": round(drift_x, 3), "drift_y": round(drift_y, 3), "shifts": shifts,
    }


# -- the measurement --------------------------------------------------------------------------------

def measure(clip: Clip) -> dict[str, Any]:
    """Every body measurement of a clip with at least two frames, as JSON-able values."""
    import cv2

    times = np.asarray(clip.frame_times, dtype=np.float64)
    grey, scale = grey_frames(clip.frames)
    shape = grey.shape[1:3]
    width = shape[1]
    head = head_boxes(clip, scale)
    n = len(grey)

    centre = np.array([shape[1] / 2, shape[0] / 2, 1.0])
    cumulative = np.eye(3)  # frame 0 -> frame i camera transform
    to_first = [np.eye(3)]
    pairs = []
    cuts: list[int] = []  # pair indices that straddle a shot change
    blurred = np.stack([cv2.GaussianBlur(g, (5, 5), 0) for g in grey])
    for i in range(n - 1):
        dt = max(1e-3, times[i + 1] - times[i])
        box_a, box_b = nearest_box(head, i, times), nearest_box(head, i + 1, times)
        exclude = np.zeros(shape, bool)
        for box in (box_a, box_b):
            if box is not None:
                exclude |= head_mask(shape, box)
        # the regions keep one layout over the clip: a face that left the frame still anchors them
        anchor = next((b for b in (box_a, box_b) if b is not None), None)
        if anchor is None and not head.reason:
            anchor = nearest_box(head, i, times, max_gap_s=np.inf)
        matrix, share = camera_motion(grey[i], grey[i + 1], exclude)
        raw_change = float((np.abs(blurred[i].astype(np.int16) - blurred[i + 1].astype(np.int16)) > CHANGE_LEVEL).mean())
        if is_cut(grey[i], grey[i + 1], raw_change if np.allclose(matrix, np.eye(2, 3)) else 0.0):
            cuts.append(i)
            matrix = np.eye(2, 3)  # no camera motion carries across shots
        following, valid = stabilized(grey[i + 1], matrix)
        magnitude = np.hypot(*np.moveaxis(flow(grey[i], following), -1, 0))
        # grey-level change catches movements too large for the flow at low sampling rates
        following_blurred, _ = stabilized(blurred[i + 1], matrix)
        changed = np.abs(blurred[i].astype(np.int16) - following_blurred.astype(np.int16)) > CHANGE_LEVEL
        regions = region_masks(shape, anchor, exclude)
        if valid is not None:
            regions = {name: mask & valid for name, mask in regions.items()}
        activity = {}
        for name, mask in regions.items():
            values = magnitude[mask]
            activity[name] = {
                "energy": float(values.mean() / width / dt * 100) if values.size else 0.0,  # % frame width / s
                "moving": float((values > MOVING_PX).mean()) if values.size else 0.0,
                "changed": float(changed[mask].mean()) if values.size else 0.0,
            }
        step = np.vstack([matrix, [0, 0, 1]])
        cumulative = step @ cumulative
        to_first.append(np.linalg.inv(cumulative))
        pairs.append({
            "t": round(float((times[i] + times[i + 1]) / 2), 3), "t0": float(times[i]), "t1": float(times[i + 1]),
            "activity": activity, "head_masked": box_a is not None or box_b is not None,
            # the pan is how far the frame's centre moves (a zoom about another point also shifts it)
            "camera": {"dx": float(matrix[0] @ centre - centre[0]), "dy": float(matrix[1] @ centre - centre[1]),
                       "scale": float(np.hypot(matrix[0, 0], matrix[1, 0])), "fit": round(share, 3)},
        })

    names = list(pairs[0]["activity"])
    series = {
        key: {k: np.array([p["activity"][k][key] for p in pairs]) for k in names}
        for key in ("energy", "moving", "changed")
    }
    for key in series:  # motion across a cut is not body movement
        for k in names:
            series[key][k][cuts] = np.nan
    energy, changed = series["energy"], series["changed"]
    within = np.ones(len(pairs), bool)
    within[cuts] = False
    if not within.any():  # every pair straddles a cut: nothing to measure
        series = {key: {k: np.zeros(len(pairs)) for k in names} for key in series}
        energy, changed = series["energy"], series["changed"]
    m: dict[str, Any] = {
        "n_frames": n,
        "sample_fps": clip.info.sample_fps,
        "flow_size": [int(shape[1]), int(shape[0])],
        "units": {
            "energy": "mean optical flow in the region, % of the frame width per second (camera motion removed)",
            "changed": "share of the region's pixels whose grey level changed by more than "
                       f"{CHANGE_LEVEL}/255 between sampled frames (camera motion removed)",
        },
        "regions": {
            k: {"energy_mean": _r(np.nanmean(energy[k]), 3), "energy_max": _r(np.nanmax(energy[k]), 3),
                "moving_fraction_mean": _r(np.nanmean(series["moving"][k]), 4),
                "changed_fraction_mean": _r(np.nanmean(changed[k]), 4),
                "level": activity_level(float(np.nanmean(energy[k])), float(np.nanmean(changed[k])))}
            for k in names
        },
        "shot_changes": [round(pairs[i]["t1"], 2) for i in cuts],
        "timeline": {
            "t": [p["t"] for p in pairs],
            "energy": {k: [None if np.isnan(v) else _r(v, 3) for v in energy[k]] for k in names},
            "changed": {k: [None if np.isnan(v) else _r(v, 4) for v in changed[k]] for k in names},
            "head_masked": [p["head_masked"] for p in pairs],
        },
    }
    m["bursts"] = bursts(pairs, energy, changed)

    cam_scale = np.prod([p["camera"]["scale"] for p in pairs]) if pairs else 1.0
    cam_shift = np.array([[p["camera"]["dx"], p["camera"]["dy"]] for p in pairs]).sum(axis=0) / width if pairs else np.zeros(2)
    m["camera"] = {
        "zoom": _r(cam_scale, 3),
        "pan_x": _r(cam_shift[0], 3), "pan_y": _r(cam_shift[1], 3),  # total, in frame widths
        "moving": bool(abs(cam_scale - 1) > 0.03 or np.abs(cam_shift).max() > 0.03),
    }

    if head.reason:
        m["head"] = {"tracked": False, "reason": head.reason}
        return m
    found = head.found
    centres = head.boxes[:, :2] + head.boxes[:, 2:] / 2
    # head positions in frame-0 coordinates: the camera's motion taken out
    stable = np.full((n, 2), np.nan)
    stable_scale = np.full(n, np.nan)
    for i in np.flatnonzero(found):
        back = to_first[i]
        stable[i] = (back @ np.array([centres[i, 0], centres[i, 1], 1.0]))[:2]
        stable_scale[i] = head.boxes[i, 2] * float(np.hypot(back[0, 0], back[1, 0]))
    cx = fill_gaps(stable[:, 0], times, found)
    cy = fill_gaps(stable[:, 1], times, found)
    sc = fill_gaps(stable_scale, times, found)
    size = float(np.nanmedian(head.boxes[found, 2]))
    # head gestures and posture are read within each shot: positions are not comparable across a cut
    bounds = [0, *[i + 1 for i in cuts], n]
    shots = [np.arange(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    gestures = []
    for shot in shots:
        if found[shot].sum() >= 3:
            gestures += head_gestures(cx[shot], cy[shot], times[shot], size)
    longest = max(shots, key=lambda shot: found[shot].sum())
    fps = float(clip.info.sample_fps or (1 / np.diff(times).mean() if n > 1 else 1.0))
    m["head"] = {
        "tracked": True,
        "frames_with_face": _r(found.mean(), 3),
        "face_width_px": _r(size / scale, 1),
        "max_resolvable_hz": _r(fps / 4, 2),  # four samples per cycle: a down and an up swing, each seen twice
        "gestures": sorted(gestures, key=lambda g: g["start"]),
        "motion_sd": {"x": _r(np.nanstd(cx) / size, 3), "y": _r(np.nanstd(cy) / size, 3)},
        "timeline": {
            "x": [None if not f else _r(v / size, 3) for v, f in zip(cx, found)],
            "y": [None if not f else _r(v / size, 3) for v, f in zip(cy, found)],
            "scale": [None if not f else _r(v / size, 3) for v, f in zip(sc, found)],
        },
    }
    m["posture"] = posture(cx[longest], cy[longest], sc[longest], times[longest], size) if found[longest].sum() >= 2 else None
    return m


def bursts(pairs: list[dict], energy: dict[str, np.ndarray], changed: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Runs of frame pairs whose activity stands out: flow or change above its floor and twice its median.

    Runs less than BURST_GAP_S apart are one burst: a gesture slows down where it turns.
    """
    if not pairs:
        return []
    names = list(energy)
    flow_stack = np.nan_to_num(np.stack([energy[k] for k in names]), nan=0.0)  # pairs across a cut are NaN
    change_stack = np.nan_to_num(np.stack([changed[k] for k in names]), nan=0.0)
    flow_level, change_level = flow_stack.max(axis=0), change_stack.max(axis=0)
    active = (flow_level > max(BURST_LEVEL, 2.0 * float(np.median(flow_level)))) | (
        change_level > max(BURST_CHANGED, 2.0 * float(np.median(change_level)))
    )
    runs: list[list[int]] = []
    for i in np.flatnonzero(active):
        if runs and pairs[i]["t0"] - pairs[runs[-1][-1]]["t1"] <= BURST_GAP_S:
            runs[-1].extend(range(runs[-1][-1] + 1, i + 1))
        else:
            runs.append([int(i)])
    out = []
    for run in runs:
        # the peak and its region by flow, normalized so flow and change weigh alike
        score = flow_stack[:, run] / BURST_LEVEL + change_stack[:, run] / BURST_CHANGED
        peak = int(np.argmax(score.max(axis=0)))
        out.append({
            "start": round(pairs[run[0]]["t0"], 2), "end": round(pairs[run[-1]]["t1"], 2),
            "peak_t": pairs[run[peak]]["t"], "peak_energy": _r(flow_stack[:, run].max(), 2),
            "peak_changed": _r(change_stack[:, run].max(), 4),
            "region": names[int(np.argmax(score[:, peak]))],
        })
    return out


def body_timelines(m: dict[str, Any], frame_times: np.ndarray) -> dict[str, Timeline]:
    """The slot's timelines (see `Timeline`): `activity` (optical-flow energy per body region, per pair
    of sampled frames, with bursts, head nods and shakes and shot changes as events), `change` (the
    share of each region's pixels that changed) and, when a head was tracked, `head` (its centre and
    size per sampled frame, in face sizes, camera motion removed)."""
    timeline, head = m["timeline"], m.get("head") or {}
    events = [TimelineEvent(start_s=b["start"], end_s=b["end"], label="burst", kind="burst", value=b["peak_energy"])
              for b in m["bursts"]]
    events += [TimelineEvent(start_s=g["start"], end_s=g["end"], label=g["kind"], kind=g["kind"])
               for g in head.get("gestures") or []]
    events += [TimelineEvent(start_s=t, label="cut", kind="cut") for t in m["shot_changes"]]
    out = {
        "activity": Timeline(times_s=timeline["t"], series=timeline["energy"],
                             units=dict.fromkeys(timeline["energy"], m["units"]["energy"]),
                             events=sorted(events, key=lambda e: e.start_s)),
        "change": Timeline(times_s=timeline["t"], series=timeline["changed"],
                           units=dict.fromkeys(timeline["changed"], m["units"]["changed"])),
    }
    if head.get("timeline"):
        out["head"] = Timeline(times_s=[_r(t, 3) for t in frame_times], series=head["timeline"],
                               units=dict.fromkeys(head["timeline"], "face sizes"))
    return out


def _r(value: float, digits: int) -> float:
    return round(float(value), digits)


# -- verbalization -----------------------------------------------------------------------------------

REGION_WORDS = {"upper_body": "the upper body", "hands_sides": "the hands and sides", "centre": "the centre of the frame", "sides": "the sides of the frame"}


def overall_level(m: dict[str, Any]) -> str:
    """The most active region's level."""
    return max((r["level"] for r in m["regions"].values()), key=LEVEL_ORDER.index)


def _span(a: float, b: float) -> str:
    return f"{a:.1f}-{b:.1f} s"


def describe(m: dict[str, Any]) -> str:
    """SABER-style `body_lang_desc` text that cites the measurements."""
    regions = m["regions"]
    word = overall_level(m)
    (k1, r1), (k2, r2) = list(regions.items())[:2]
    levels = (
        f"optical flow {r1['energy_mean']:.1f}% of the frame width per second in {REGION_WORDS[k1]} and "
        f"{r2['energy_mean']:.1f}% in {REGION_WORDS[k2]}; {r1['changed_fraction_mean'] * 100:.1f}% and "
        f"{r2['changed_fraction_mean'] * 100:.1f}% of their pixels change between frames"
    )
    head = m["head"]
    where = "outside the head" if head["tracked"] else "over the whole frame"
    if head["tracked"]:
        opening = {"little": "There is little body movement", "slight": "There is slight body movement",
                   "moderate": "The body moves moderately", "lively": "The body is lively, with a lot of gesturing"}[word]
    else:  # with no face there is no body to anchor the regions to: say "movement", not "gesture"
        opening = f"There is {'lively' if word == 'lively' else word} movement"
    parts = [f"{opening} {where} ({levels})."]
    burst_word = "gesture" if head["tracked"] else "movement"
    if m["bursts"]:
        spans = [f"{_span(b['start'], b['end'])} ({REGION_WORDS[b['region']]})" for b in m["bursts"][:4]]
        parts.append(f"Bursts of {burst_word} at {', '.join(spans)}.")
    elif word != "little":
        parts.append(f"No distinct burst of {burst_word} stands out.")
    if head["tracked"]:
        gestures = head["gestures"]
        nods = [g for g in gestures if g["kind"] == "nod"]
        shakes = [g for g in gestures if g["kind"] == "shake"]
        said = []
        for kind, found, verb in (("nod", nods, "nods"), ("shake", shakes, "shakes")):
            if found:
                count = sum(max(1, int(round(g["cycles"]))) for g in found)
                spans = ", ".join(_span(g["start"], g["end"]) for g in found)
                said.append(f"the head {verb} ({count} {'time' if count == 1 else 'times'}, {spans})")
        if said:
            parts.append(" and ".join(said).capitalize() + ".")
        else:
            parts.append(f"No head nod or shake is seen (head tracked in {head['frames_with_face'] * 100:.0f}% of frames).")
        if head["max_resolvable_hz"] < 1.5:
            parts.append(f"At {m['sample_fps']:g} sampled frames per second, nods faster than {head['max_resolvable_hz']:g} Hz cannot be resolved.")
        pose = m.get("posture")
        if pose:
            posture_bits = []
            if pose["lean"] == "toward":
                posture_bits.append(f"leans toward the camera (face {(pose['scale_ratio'] - 1) * 100:.0f}% larger by the end)")
            elif pose["lean"] == "away":
                posture_bits.append(f"leans back, away from the camera (face {(1 - pose['scale_ratio']) * 100:.0f}% smaller by the end)")
            for shift in pose["shifts"][:3]:
                posture_bits.append(f"shifts {shift['direction']} at {shift['t']:.1f} s")
            if posture_bits:
                parts.append("The speaker " + ", ".join(posture_bits) + ".")
            else:
                parts.append("The posture stays steady (no lean or shift of the head's position).")
    else:
        parts.append(f"The head could not be tracked ({head['reason']}), so nods, shakes and lean are not described.")
    if m.get("shot_changes"):
        cuts = ", ".join(f"{t:.1f} s" for t in m["shot_changes"][:4])
        parts.append(f"The change of shot at {cuts} is not counted as movement.")
    camera = m["camera"]
    if camera["moving"]:
        moves = []
        if abs(camera["zoom"] - 1) > 0.03:
            moves.append(f"zooms {'in' if camera['zoom'] > 1 else 'out'} (x{camera['zoom']:.2f})")
        if max(abs(camera["pan_x"]), abs(camera["pan_y"])) > 0.03:
            moves.append("pans")
        parts.append(f"The camera {' and '.join(moves)}; its motion is discounted.")
    if "pose" in m and m["pose"].get("status") == "ok":
        parts.append(describe_pose(m["pose"]))
    return " ".join(parts)


# -- optional pose backend --------------------------------------------------------------------------

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


# -- the tool ---------------------------------------------------------------------------------------

class BodyTool(PerceptionTool):
    name = "body"
    slot = "body_lang_desc"
    needs = frozenset({"frames"})
    version = "0.1.0"
    description = "Gesture and posture from optical flow outside the face; head nods and shakes from the face track; optional pose model."

    def availability(self) -> Availability:
        missing = missing_modules("cv2")
        return Availability(not missing, "install opencv-python-headless" if missing else "")

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        options = settings.options_for(self.name)
        backend = options.get("backend", "flow")
        if backend not in ("flow", "pose"):
            return Slot.failed(f"unknown body backend {backend!r}: use 'flow' or 'pose'", self.provenance())
        if len(clip.frames) < 2:
            return Slot.unavailable(
                f"only {len(clip.frames)} frame was decoded; body movement needs at least two", self.provenance(backend="optical-flow")
            )
        m = measure(clip)
        model = None
        used = "optical-flow"
        if backend == "pose":
            model = options.get("model")
            if not model:
                m["pose"] = {"status": "unavailable", "reason": "backend 'pose' needs a model: a local ONNX, Caffe or TensorFlow file"}
            else:
                try:
                    pose = get_pose_model(
                        str(model), options.get("config"), tuple(options.get("input_size", (368, 368))), bool(options.get("bgr", True))
                    )
                    names = tuple(options["keypoints"]) if options.get("keypoints") else None
                    m["pose"] = pose_measure(clip, pose, names, float(options.get("min_score", 0.1)))
                    used = f"optical-flow+pose ({pose.backend})"
                except Exception as exc:
                    m["pose"] = {"status": "unavailable", "model": str(model), "reason": f"{type(exc).__name__}: {exc}"[:500]}
            if m["pose"]["status"] != "ok":
                used = "optical-flow (pose backend unavailable: see measurements.pose)"
        confidence = 0.6 if m["head"]["tracked"] else 0.4
        return Slot(
            text=describe(m), status=SlotStatus.ok, confidence=confidence, measurements=m,
            timelines=body_timelines(m, clip.frame_times),
            provenance=self.provenance(model=str(model) if model else None, backend=used),
        )

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Arousal from how much the body moves; valence stays near zero (movement alone has no sign).

        Nodding (affirmation) and head shaking (negation) nudge valence by 0.1 at most.
        """
        m = slot.measurements
        regions = m.get("regions")
        if not regions:
            return []
        word = overall_level(m)
        overall = max(r["energy_mean"] for r in regions.values())
        # the level sets the arousal band; the flow energy places it within the band
        arousal = float(np.clip(0.15 + 0.2 * LEVEL_ORDER.index(word) + 0.1 * min(1.0, overall / 6.0), 0.0, 1.0))
        gestures = (m.get("head") or {}).get("gestures") or []
        nods = sum(1 for g in gestures if g["kind"] == "nod")
        shakes = sum(1 for g in gestures if g["kind"] == "shake")
        valence = 0.1 * np.sign(nods - shakes)
        emotion = {"little": "still", "slight": "calm", "moderate": "engaged", "lively": "animated"}[word]
        basis = f"body activity {overall:.1f}% of frame width/s ({word})"
        if nods or shakes:
            basis += f", {nods} nod episode(s), {shakes} shake episode(s)"
        return [ModalityCue(modality="body", valence=float(valence), arousal=round(arousal, 3), emotion=emotion,
                            confidence=round(0.5 * (slot.confidence or 0.5), 3), basis=basis)]


@hookimpl
def register_perception_tools(register):
    register(BodyTool())
