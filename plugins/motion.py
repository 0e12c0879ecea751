"""Motion in the clip's sampled frames: dense optical flow outside the head, camera motion, bursts.

Split out of the body tool (issue 13 point 7); `saber_agent.plugins.body` reads it. Measured on
frames downscaled to FLOW_SIDE pixels (longer side):

- camera motion: a similarity transform (pan, zoom, roll) fitted with RANSAC to Lucas-Kanade tracks
  of corners outside the head, accepted only when most of the frame follows it (`camera_motion`);
  the next frame is warped back by it before the flow is measured (`stabilized`). When no such
  motion is found but one shift of the whole picture explains its change (`rigid_shift`: a still
  picture cut between two framings, or sliding), that shift is the camera's: discounted the same way.
  These primitives (`flow`, `camera_motion`, `stabilized`, `rigid_shift`) live in `saber_agent.plugins.motion_camera`
  and are re-exported here.
- gesture activity: dense Farnebäck flow between consecutive frames with the face box and a head
  margin masked out, split into the upper body (below the head, ~3 face widths wide) and the
  hands/sides; without a face, into the centre and the sides of the frame. Units: % of the frame
  width per second; and the share of pixels whose grey level changed by more than CHANGE_LEVEL.
- bursts: runs of frame pairs whose activity stands out, with times.
- on-screen graphics: blocks of the picture that swap in one step between stills (a slide, a burned-in caption, a
  video call's speaker frame; `saber_agent.plugins.motion_graphics`) are left out of every region's flow and
  change (``graphics_changes``); and the hands/sides stop at the hands' reach around the face (REACH).
- the camera's fit per frame pair (`camera_fits`, the head masked as here) is made once per clip and shared with the face
  tool's camera path (`saber_agent.plugins.face_camera`), which fitted the same camera again before.
- shot changes come from the clip's shared detector (`saber_agent.plugins.shots`): motion across a
  cut is not body movement, and the camera's zoom and pan are summed within each shot (``camera.shots``;
  the headline is the shot that zooms or pans most): a cut resets them.
- the grey frames, the whole picture's change per pair (``picture_changed``) and whether the picture is
  still (``picture_static``) come from `saber_agent.picture_change`, measured once per clip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from saber_agent.media import Clip
from saber_agent.picture_change import (  # noqa: F401  (re-exported: CHANGE_LEVEL, FLOW_SIDE, grey_frames)
    CHANGE_LEVEL,
    FLOW_SIDE,
    grey_frames,
    picture_change,
)
from saber_agent.plugins.motion_camera import (  # noqa: F401  (re-exported: the camera's motion and its undoing moved there)
    MIN_CAMERA_PX,
    RIGID_MIN_CHANGE,
    RIGID_RESIDUAL,
    camera_motion,
    flow,
    rigid_shift,
    stabilized,
)
from saber_agent.plugins.motion_graphics import clip_graphics
from saber_agent.plugins.shots import shot_changes

HEAD_MARGIN = {"side": 0.35, "top": 0.6, "bottom": 0.45}  # around the face box, in face widths/heights
# How far a person's hands reach around their face: face widths either side of its centre (half an arm span, ~85 cm,
# is ~5.5 face widths of ~15 cm) and face heights above its top (raised hands). Motion beyond is not this body's.
REACH = {"side": 6.0, "above": 2.5}
MOVING_PX = 0.8  # residual flow above this (pixels at FLOW_SIDE) counts as movement

# Activity levels in % of the frame width per second (mean residual flow over a region).
ACTIVITY_LEVELS = ((0.4, "little"), (1.5, "slight"), (4.0, "moderate"), (float("inf"), "lively"))
# The same levels by the share of a region's pixels that changed between sampled frames.
CHANGE_LEVELS = ((0.005, "little"), (0.03, "slight"), (0.1, "moderate"), (float("inf"), "lively"))
BURST_LEVEL = 1.5  # flow energy of a frame pair above which it is part of a burst of gesture
BURST_CHANGED = 0.02  # or share of changed pixels above which it is
BURST_GAP_S = 0.6
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


def head_boxes(clip: Clip, scale: float, tracker: str | None = None) -> Head:
    """The face track's main box per frame, scaled to the flow frames; None rows where not found."""
    n = len(clip.frames)
    empty = np.full((n, 4), np.nan)
    try:
        from saber_agent.plugins.facetrack import track_faces
    except ImportError as exc:
        return Head(empty, np.zeros(n, bool), f"no face tracker is installed ({exc})")
    try:
        track = track_faces(clip, tracker)
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
    """Regions outside the head: upper body and hands/sides around a face; centre and sides without one.

    The hands/sides stop at the hands' reach around the face (REACH): a slide beside a picture-in-picture face, or
    another tile of a video call, is no part of this person's body.
    """
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
    reach = np.broadcast_to((np.abs(xs - cx) <= REACH["side"] * bw) & (ys >= y - REACH["above"] * bh), shape)
    return {"upper_body": torso, "hands_sides": reach & ~torso & ~head}


def pair_head(head: Head, i: int, times: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray]:
    """Frame pair i's head boxes (frames i and i + 1, `nearest_box`: within 1 s where not detected in the frame) and the
    mask of both heads with their margins (`head_mask`), (h, w) bool in flow-frame pixels: left out of the flow and the fit."""
    box_a, box_b = nearest_box(head, i, times), nearest_box(head, i + 1, times)
    exclude = np.zeros(shape, bool)
    for box in (box_a, box_b):
        if box is not None:
            exclude |= head_mask(shape, box)
    return box_a, box_b, exclude


# -- the camera, fitted once per clip ---------------------------------------------------------------

@dataclass
class CameraFits:
    """`camera_motion` of each pair of consecutive sampled frames, fitted once per clip (`camera_fits`)."""

    head: Head  # the main face per frame (flow-frame pixels): masked out of the fit (`pair_head`)
    matrices: list[np.ndarray]  # per pair i (frames i, i + 1): the camera's 2x3 similarity in flow-frame pixels (identity: none)
    shares: list[float]  # per pair: the share of tracked corners that follow it


def camera_fits(clip: Clip, tracker: str | None = None) -> CameraFits:
    """The camera's fit between each pair of `clip`'s sampled frames (`camera_motion` on the shared grey frames, the head
    of the shared face track by `tracker` masked), computed on first call and cached in ``clip.extras["camera_fits:<tracker>"]``
    (thread-safe): the body tool (`measure_motion`) and the face tool (`face_camera.camera_path`) read the one fit.
    Cuts are not special here: each reader says no camera motion crosses one."""
    name = str(tracker or "auto").lower()  # as `facetrack.track_faces` names its cached tracks

    def compute() -> CameraFits:
        picture = picture_change(clip)
        grey, times = picture.grey, np.asarray(clip.frame_times, dtype=np.float64)
        head = head_boxes(clip, picture.scale, tracker)
        fits = [camera_motion(grey[i], grey[i + 1], pair_head(head, i, times, grey.shape[1:3])[2]) for i in range(len(grey) - 1)]
        return CameraFits(head, [matrix for matrix, _ in fits], [share for _, share in fits])

    return clip.shared(f"camera_fits:{name}", compute)


# -- the measurement --------------------------------------------------------------------------------

@dataclass
class MotionResult:
    """`measure_motion`'s output: JSON-able measurements and what the head analysis needs."""

    m: dict[str, Any]
    head: Head
    to_first: list[np.ndarray]  # per frame, the 3x3 transform back to frame 0's coordinates (camera undone)
    cuts: list[int]  # pair indices that straddle a shot change
    scale: float  # flow frame pixels per clip pixel


def measure_motion(clip: Clip, tracker: str | None = None) -> MotionResult:
    """Optical-flow activity, bursts and camera motion of a clip with at least two frames."""
    times = np.asarray(clip.frame_times, dtype=np.float64)
    picture = picture_change(clip)  # the grey frames and the whole picture's change, shared with the scene and speakers
    grey, blurred, scale = picture.grey, picture.blurred, picture.scale
    shape = grey.shape[1:3]
    width = shape[1]
    fits = camera_fits(clip, tracker)  # the camera, fitted once per clip (the face tool reads the same fit)
    head = fits.head
    n = len(grey)

    centre = np.array([shape[1] / 2, shape[0] / 2, 1.0])
    cumulative = np.eye(3)  # frame 0 -> frame i camera transform
    to_first = [np.eye(3)]
    pairs = []
    rigid: list[int] = []  # pair indices where the whole picture moved as one (`rigid_shift`)
    cuts = shot_changes(clip).pairs  # pair indices that straddle a shot change (shared with the scene tool)
    # blocks of the picture that swap in one step between stills (a slide, a caption, a call's speaker frame): not the body
    graphics = clip_graphics(clip)  # found once per clip (the same shot changes), shared with the scene tool
    for i in range(n - 1):
        dt = max(1e-3, times[i + 1] - times[i])
        box_a, box_b, exclude = pair_head(head, i, times, shape)
        # the regions keep one layout over the clip: a face that left the frame still anchors them
        anchor = next((b for b in (box_a, box_b) if b is not None), None)
        if anchor is None and not head.reason:
            anchor = nearest_box(head, i, times, max_gap_s=np.inf)
        matrix, share = fits.matrices[i], fits.shares[i]
        camera_still = np.allclose(matrix, np.eye(2, 3))
        shift = rigid_shift(blurred[i], blurred[i + 1], float(picture.changed[i])) if i not in cuts and camera_still else None
        if shift is not None:  # the whole picture moved as one (a cut between framings, a sliding still): discounted
            matrix, share = shift, 1.0
            rigid.append(i)
        if i in cuts:
            matrix = np.eye(2, 3)  # no camera motion carries across shots
        following, valid = stabilized(grey[i + 1], matrix)
        magnitude = np.hypot(*np.moveaxis(flow(grey[i], following), -1, 0))
        # grey-level change catches movements too large for the flow at low sampling rates
        following_blurred, _ = stabilized(blurred[i + 1], matrix)
        changed = np.abs(blurred[i].astype(np.int16) - following_blurred.astype(np.int16)) > CHANGE_LEVEL
        regions = region_masks(shape, anchor, exclude)
        if valid is not None:
            regions = {name: mask & valid for name, mask in regions.items()}
        if graphics.masks[i] is not None:
            regions = {name: mask & ~graphics.masks[i] for name, mask in regions.items()}
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
            "activity": activity, "head_masked": box_a is not None or box_b is not None, "picture_changed": float(picture.changed[i]),
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
            "picture_changed": [_r(p["picture_changed"], 5) for p in pairs],
        },
        # no pair of frames differs beyond compression noise: nothing in the picture moves (a still image)
        "picture_static": picture.still,
        # on-screen graphics changes left out of the regions (`motion_graphics`): t of the later frame (s), share of the frame
        "graphics_changes": graphics.events,
    }
    m["bursts"] = bursts(pairs, energy, changed)

    # zoom and pan are the camera's within one shot: a cut resets them (a looped slow zoom cut back to wide four times is a
    # zoom of x1.4, not x1.4**4; trial A read x80.88). The pan: the camera's tracked moves; whole-picture shifts (a cut
    # between framings, a sliding still) are said apart. The headline is the shot with the most of each.
    edges = [0, *[i + 1 for i in cuts], len(pairs) + 1]  # frame index ranges of the shots; pairs inside [a, b - 1)
    per_shot = []
    for a, b in zip(edges, edges[1:], strict=False):
        inside = [i for i in range(a, b - 1) if i not in cuts]
        panned = [i for i in inside if i not in rigid]
        shot_shift = np.array([[pairs[i]["camera"]["dx"], pairs[i]["camera"]["dy"]] for i in panned]).sum(axis=0) / width \
            if panned else np.zeros(2)
        per_shot.append({"start": round(float(times[a]), 2), "zoom": _r(np.prod([pairs[i]["camera"]["scale"] for i in inside]), 3),
                         "pan_x": _r(shot_shift[0], 3), "pan_y": _r(shot_shift[1], 3)})
    zoomed = max(per_shot, key=lambda s: abs(np.log(s["zoom"]))) if per_shot else {"zoom": 1.0}
    panning = max(per_shot, key=lambda s: np.hypot(s["pan_x"], s["pan_y"])) if per_shot else {"pan_x": 0.0, "pan_y": 0.0}
    cam_scale, cam_shift = zoomed["zoom"], np.array([panning["pan_x"], panning["pan_y"]])
    m["camera"] = {
        "zoom": _r(cam_scale, 3),  # within the shot that zooms most
        "pan_x": _r(cam_shift[0], 3), "pan_y": _r(cam_shift[1], 3),  # total within the shot that pans most, in frame widths
        "shots": per_shot,  # each shot's first frame time (s), zoom and pan
        "moving": bool(abs(cam_scale - 1) > 0.03 or np.abs(cam_shift).max() > 0.03),
        # pairs where the whole picture shifted as one (time of the later frame, shift in frame widths)
        "whole_picture_shifts": [{"t": round(pairs[i]["t1"], 2), "dx": _r(pairs[i]["camera"]["dx"] / width, 3),
                                  "dy": _r(pairs[i]["camera"]["dy"] / width, 3)} for i in rigid],
    }
    return MotionResult(m, head, to_first, cuts, scale)


def shift_sentence(m: dict[str, Any]) -> str:
    """The sentence for a picture that moved as a whole between sampled frames (empty when it never did)."""
    shifts = (m.get("camera") or {}).get("whole_picture_shifts") or []
    if not shifts:
        return ""
    times = ", ".join(f"{s['t']:.1f} s" for s in shifts[:4]) + (", ..." if len(shifts) > 4 else "")
    return (f"The whole picture shifts as one between {len(shifts)} pair(s) of sampled frames (at {times}: a cut between "
            "framings, a camera move or a sliding still picture); that motion is discounted, not read as gesture, nod, shake or shift.")


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


def _r(value: float, digits: int) -> float:
    return round(float(value), digits)
