"""Facial action units, head pose, gaze and blinks from face-mesh geometry (no AU model ships offline).

Input: the face mesh of `saber_agent.plugins.landmarks.face_landmarks`, (n, 478, 3) x, y, z in frame
pixels (NaN rows: no face). Every measure is geometry of those points, read in a *head frame*: the
points are rotated by the head pose (so a turned or tilted head does not read as a brow raise) and
divided by the inter-ocular distance (IOD, outer eye corner to outer eye corner, 3-D). docs/face.md
gives each formula and the FACS action unit it approximates; in short (y points down the face):

- head pose: the head frame's axes are the eye line (outer corners 33 -> 263) and the forehead-chin
  line (10 -> 152) made orthogonal to it; yaw, pitch and roll are the Euler angles of that frame,
  in degrees. Yaw > 0: the head turns to the person's own left; pitch > 0: chin up; roll > 0: the
  head tilts toward the person's left shoulder.
- AU intensities 0..1: the distance of a geometric ratio from its neutral value (`NEUTRAL`: the
  median over scikit-image's lfw_subset faces, measured by this code) divided by `SPAN` (the change
  that reads as a full-intensity action), clipped. They are proxies, not a trained FACS coder.
- gaze: each iris centre's offset from its eye's centre, in half eye widths, turned into degrees
  (`EYE_DEG_PER_UNIT`) and added to the head pose. An eye that is closed (AU43) or whose iris is not
  darker than the eye around it (a painted-over or unlit eye) gives no gaze.
"""

from __future__ import annotations

import numpy as np

# mesh indices: R = the person's right eye/brow (image left for a face toward the camera), L = left
EYE = {"R": {"outer": 33, "inner": 133, "upper": (160, 158), "lower": (144, 153), "top": 159, "bottom": 145, "iris": 468},
       "L": {"outer": 263, "inner": 362, "upper": (387, 385), "lower": (373, 380), "top": 386, "bottom": 374, "iris": 473}}
BROW = {"R": {"inner": (107, 55), "outer": (70, 46), "all": (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)},
        "L": {"inner": (336, 285), "outer": (300, 276), "all": (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)}}
MOUTH = {"R": 61, "L": 291, "upper_inner": 13, "lower_inner": 14, "upper_outer": 0, "lower_outer": 17}
NOSE_TIP, CHIN, FOREHEAD = 1, 152, 10
IRIS_RING = {"R": (469, 470, 471, 472), "L": (474, 475, 476, 477)}
CHEEK = {"R": 50, "L": 280}  # the cheek's apex below each eye
EYE_CONTOUR = {"R": (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7),
               "L": (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)}

AUS = ("AU1", "AU2", "AU4", "AU6", "AU12", "AU15", "AU25", "AU26", "AU43")
AU_NAMES = {
    "AU1": "inner brow raiser", "AU2": "outer brow raiser", "AU4": "brow lowerer", "AU6": "cheek raiser",
    "AU12": "lip corner puller", "AU15": "lip corner depressor", "AU25": "lips part", "AU26": "jaw drop",
    "AU43": "eyes closed", "AU45": "blink",
}
# Neutral values and full-action spans of the raw ratios (IOD units). NEUTRAL: medians over the 100
# faces of scikit-image's lfw_subset (tests/test_action_units.py re-measures them).
NEUTRAL = {"inner_brow": 0.20, "outer_brow": 0.146, "brow_gap": 0.293, "cheek": 0.32, "corner_lift": -0.007,
           "mouth_width": 0.54, "lip_gap": 0.02, "jaw": 0.836, "ear": 0.255}
SPAN = {"inner_brow": 0.08, "outer_brow": 0.08, "brow_gap": 0.05, "cheek": 0.08, "corner_lift": 0.08,
        "mouth_width": 0.12, "lip_gap": 0.10, "jaw": 0.12}
PITCH_OFFSET_DEG = 7.0  # the mesh's forehead-chin line leans ~7 degrees back on frontal faces (lfw_subset median)
ACTIVE = 0.35  # an AU at or above this intensity is "present"
EAR_CLOSED = 0.12  # eye aspect ratio below this: the eye is closed (AU43)
IRIS_CONTRAST = 12.0  # grey levels: the iris must be this much darker than the rest of the open eye
MIN_EYE_PX = 6.0  # an eye narrower than this in the frame is too small to read a gaze from
EYE_DEG_PER_UNIT = 35.0  # degrees of eye rotation per half eye width of iris offset (approximate)
GAZE_AVERTED_DEG = 12.0  # gaze further than this from the camera (yaw or pitch) is averted
BLINK_MAX_S = 0.5  # a closure of at most this long is a blink (AU45), longer is eyes closed (AU43)
MICRO_MAX_S = 0.5  # an AU that rises and falls within this (or within one sampled frame) is a micro-expression candidate
MICRO_RISE = 0.3  # ... rising at least this far above its clip median, to at least ACTIVE


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(1e-9, float(np.linalg.norm(v)))


def head_frame(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The head's rotation (3x3, columns: face x, y, z in camera axes), origin (3,) and IOD (px) of one mesh."""
    ex = p[EYE["L"]["outer"]] - p[EYE["R"]["outer"]]
    iod = float(np.linalg.norm(ex))
    x = _unit(ex)
    y = _unit((p[CHIN] - p[FOREHEAD]) - np.dot(p[CHIN] - p[FOREHEAD], x) * x)
    z = np.cross(x, y)
    origin = (p[EYE["L"]["outer"]] + p[EYE["R"]["outer"]]) / 2
    return np.stack([x, y, z], axis=1), origin, iod


def euler(rotation: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees of a head frame (signs as in the module docstring)."""
    x, y = rotation[:, 0], rotation[:, 1]
    yaw = np.degrees(np.arctan2(x[2], np.hypot(x[0], x[1])))
    pitch = np.degrees(np.arctan2(-y[2], np.hypot(y[0], y[1]))) + PITCH_OFFSET_DEG
    roll = np.degrees(np.arctan2(x[1], x[0]))
    return float(yaw), float(pitch), float(roll)


def frontal(p: np.ndarray) -> tuple[np.ndarray, tuple[float, float, float], float]:
    """The mesh in the head frame (IOD units, x toward the person's left, y down), its pose and IOD in px."""
    rotation, origin, iod = head_frame(p)
    return (p - origin) @ rotation / max(1e-9, iod), euler(rotation), iod


def _mean(q: np.ndarray, index) -> np.ndarray:
    return q[list(index)].mean(axis=0) if isinstance(index, tuple) else q[index]


def raw_ratios(q: np.ndarray) -> dict[str, float]:
    """The geometric ratios of one frontalized mesh (IOD units) that the AUs are read from."""
    r: dict[str, list[float]] = {k: [] for k in ("inner_brow", "outer_brow", "cheek", "ear")}
    for side in ("R", "L"):
        eye, brow = EYE[side], BROW[side]
        r["inner_brow"].append(q[eye["inner"], 1] - _mean(q, brow["inner"])[1])
        r["outer_brow"].append(q[eye["outer"], 1] - _mean(q, brow["outer"])[1])
        r["cheek"].append(q[CHEEK[side], 1] - q[eye["bottom"], 1])  # lower lid to cheek apex: shrinks as the cheek rises
        width = np.linalg.norm(q[eye["outer"], :2] - q[eye["inner"], :2])
        gaps = [np.linalg.norm(q[a, :2] - q[b, :2]) for a, b in zip(eye["upper"], eye["lower"], strict=False)]
        r["ear"].append(float(np.mean(gaps) / max(1e-9, width)))
    out = {k: float(np.mean(v)) for k, v in r.items()}
    out["ear_R"], out["ear_L"] = r["ear"]
    out["brow_gap"] = float(abs(_mean(q, BROW["L"]["inner"])[0] - _mean(q, BROW["R"]["inner"])[0]))
    centre_y = (q[MOUTH["upper_inner"], 1] + q[MOUTH["lower_inner"], 1]) / 2
    out["corner_lift"] = float(centre_y - (q[MOUTH["R"], 1] + q[MOUTH["L"], 1]) / 2)
    out["mouth_width"] = float(np.linalg.norm(q[MOUTH["L"], :2] - q[MOUTH["R"], :2]))
    out["lip_gap"] = float(max(0.0, q[MOUTH["lower_inner"], 1] - q[MOUTH["upper_inner"], 1]))
    out["jaw"] = float(q[CHIN, 1] - q[NOSE_TIP, 1])
    return out


def _up(raw: dict, key: str) -> float:
    return float(np.clip((raw[key] - NEUTRAL[key]) / SPAN[key], 0.0, 1.0))


def _down(raw: dict, key: str) -> float:
    return float(np.clip((NEUTRAL[key] - raw[key]) / SPAN[key], 0.0, 1.0))


def intensities(raw: dict[str, float]) -> dict[str, float]:
    """AU intensities 0..1 from the raw ratios (formulas in docs/face.md)."""
    return {
        "AU1": _up(raw, "inner_brow"),
        "AU2": _up(raw, "outer_brow"),
        "AU4": 0.5 * _down(raw, "inner_brow") + 0.5 * _down(raw, "brow_gap"),
        "AU6": _down(raw, "cheek"),
        "AU12": 0.6 * _up(raw, "corner_lift") + 0.4 * _up(raw, "mouth_width"),
        "AU15": _down(raw, "corner_lift"),
        "AU25": _up(raw, "lip_gap"),
        "AU26": _up(raw, "jaw"),
        "AU43": float(np.clip((NEUTRAL["ear"] - raw["ear"]) / (NEUTRAL["ear"] - EAR_CLOSED), 0.0, 1.0)),
    }


def eye_visible(grey: np.ndarray | None, p: np.ndarray, side: str) -> tuple[bool, str | None]:
    """Whether an iris can be seen in the frame: an open eye, wide enough, its iris darker than the eye."""
    import cv2

    eye = EYE[side]
    width = float(np.linalg.norm(p[eye["outer"], :2] - p[eye["inner"], :2]))
    if width < MIN_EYE_PX:
        return False, "eye too small"
    if grey is None:
        return True, None
    h, w = grey.shape[:2]
    contour = np.round(p[list(EYE_CONTOUR[side]), :2]).astype(np.int32)
    eye_mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(eye_mask, [contour], 1)
    centre = p[eye["iris"], :2]
    radius = max(1.0, float(np.mean([np.linalg.norm(p[i, :2] - centre) for i in IRIS_RING[side]])))
    iris_mask = np.zeros((h, w), np.uint8)
    cv2.circle(iris_mask, (int(round(centre[0])), int(round(centre[1]))), int(round(radius * 0.8)), 1, -1)
    iris = grey[(iris_mask > 0) & (eye_mask > 0)]
    rest = grey[(eye_mask > 0) & (iris_mask == 0)]
    if iris.size < 2 or rest.size < 2:
        return False, "eye not seen"
    if float(np.median(rest)) - float(np.median(iris)) < IRIS_CONTRAST:
        return False, "no iris seen"
    return True, None


def gaze(q: np.ndarray, pose: tuple[float, float, float], visible: dict[str, bool]) -> tuple[float, float] | None:
    """Gaze yaw and pitch in degrees (head pose + eyes), from the visible eyes; None when none is visible."""
    h, v = [], []
    for side in ("R", "L"):
        if not visible[side]:
            continue
        eye = EYE[side]
        centre = (q[eye["outer"], :2] + q[eye["inner"], :2]) / 2
        half = np.linalg.norm(q[eye["outer"], :2] - q[eye["inner"], :2]) / 2
        offset = (q[eye["iris"], :2] - centre) / max(1e-9, half)
        h.append(offset[0])
        v.append(offset[1])
    if not h:
        return None
    # image y points down, so an iris below the eye's centre (offset > 0) looks down: pitch < 0
    return pose[0] + EYE_DEG_PER_UNIT * float(np.mean(h)), pose[1] - EYE_DEG_PER_UNIT * float(np.mean(v))


def measure_frame(p: np.ndarray, grey: np.ndarray | None = None) -> dict:
    """Every measure of one mesh (478, 3) in frame pixels; `grey` (H, W) uint8 frame for the eye check."""
    q, pose, iod = frontal(p)
    raw = raw_ratios(q)
    au = intensities(raw)
    closed = {s: raw[f"ear_{s}"] < EAR_CLOSED for s in ("R", "L")}
    visible = {}
    reasons = []
    for side in ("R", "L"):
        ok, why = (False, "closed") if closed[side] else eye_visible(grey, p, side)
        visible[side] = ok
        if why:
            reasons.append(why)
    g = gaze(q, pose, visible)
    return {"au": au, "raw": raw, "pose": pose, "iod_px": iod, "gaze": g,
            "eyes_closed": all(closed.values()), "gaze_reason": None if g else ", ".join(sorted(set(reasons)))}


# ---------------------------------------------------------------- over a clip


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is true."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=False))


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def measure_sequence(times: np.ndarray, landmarks: np.ndarray, frames: np.ndarray | None = None) -> dict:
    """AUs, head pose, gaze and blinks of a clip's main face (JSON-able).

    `times` (n,) seconds; `landmarks` (n, 478, 3) frame pixels (NaN rows: no mesh); `frames`
    (n, H, W, 3) RGB uint8 for the iris check (None: every open eye counts as seen).
    """
    import cv2

    n = len(times)
    step = float(np.median(np.diff(times))) if n > 1 else 0.5
    found = ~np.isnan(landmarks[:, 0, 0]) if n else np.zeros(0, bool)
    au = {k: np.full(n, np.nan) for k in AUS}
    pose = np.full((n, 3), np.nan)
    gaze_deg = np.full((n, 2), np.nan)
    closed = np.zeros(n, bool)
    reasons: list[str] = []
    for i in np.flatnonzero(found):
        grey = cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY) if frames is not None else None
        f = measure_frame(landmarks[i], grey)
        for k in AUS:
            au[k][i] = f["au"][k]
        pose[i] = f["pose"]
        closed[i] = f["eyes_closed"]
        if f["gaze"] is not None:
            gaze_deg[i] = f["gaze"]
        elif f["gaze_reason"]:
            reasons.append(f["gaze_reason"])
    seen = int(found.sum())
    m: dict = {"frames_with_mesh": seen, "n_frames": n, "step_s": _r(step, 3)}
    if not seen:
        return m
    m["au_mean"] = {k: _r(np.nanmean(v)) for k, v in au.items()}
    m["au_present_share"] = {k: _r(np.mean(v[found] >= ACTIVE)) for k, v in au.items()}
    m["episodes"] = {k: [{"start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2), "peak": _r(np.nanmax(v[a:b]))}
                         for a, b in _runs(found & (np.nan_to_num(v) >= ACTIVE))] for k, v in au.items()}
    m["micro_expressions"] = au_micro(times, au, found, step)
    # blinks: closures short enough to be blinks; at a few frames per second most blinks fall between samples
    closures = [(a, b) for a, b in _runs(closed & found)]
    blinks = [(a, b) for a, b in closures if (b - a) * step <= BLINK_MAX_S]
    span = float(times[found][-1] - times[found][0] + step)
    m["blinks"] = {"count": len(blinks), "rate_per_min": _r(len(blinks) / span * 60, 1), "sample_fps": _r(1 / step, 2),
                   "lower_bound": step > 0.1, "closed_share": _r(closed[found].mean()),
                   "closed_spans": [{"start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2)} for a, b in closures
                                    if (b - a) * step > BLINK_MAX_S]}
    pf = pose[found]
    m["head_pose"] = {"yaw_deg_median": _r(np.median(pf[:, 0]), 1), "pitch_deg_median": _r(np.median(pf[:, 1]), 1),
                      "roll_deg_median": _r(np.median(pf[:, 2]), 1),
                      "yaw_deg_range": [_r(pf[:, 0].min(), 1), _r(pf[:, 0].max(), 1)],
                      "pitch_deg_range": [_r(pf[:, 1].min(), 1), _r(pf[:, 1].max(), 1)]}
    has_gaze = ~np.isnan(gaze_deg[:, 0])
    m["gaze"] = {"frames_with_gaze": int(has_gaze.sum()),
                 "unseen_reasons": sorted(set(reasons)),
                 "at_camera_share": _r(np.mean(np.abs(gaze_deg[has_gaze]).max(axis=1) < GAZE_AVERTED_DEG)) if has_gaze.any() else None,
                 "averted": gaze_spans(times, gaze_deg, has_gaze, step)}
    m["timeline"] = {
        "t": [_r(t, 2) for t in times],
        **{k: [_r(x) for x in v] for k, v in au.items()},
        "yaw_deg": [_r(x, 1) for x in pose[:, 0]], "pitch_deg": [_r(x, 1) for x in pose[:, 1]],
        "roll_deg": [_r(x, 1) for x in pose[:, 2]],
        "gaze_yaw_deg": [_r(x, 1) for x in gaze_deg[:, 0]], "gaze_pitch_deg": [_r(x, 1) for x in gaze_deg[:, 1]],
    }
    return m


def direction(yaw: float, pitch: float) -> str:
    """Words for a direction from the person's point of view ("down-left")."""
    v = "up" if pitch >= GAZE_AVERTED_DEG else "down" if pitch <= -GAZE_AVERTED_DEG else ""
    h = "left" if yaw >= GAZE_AVERTED_DEG else "right" if yaw <= -GAZE_AVERTED_DEG else ""
    return "-".join(w for w in (v, h) if w) or "ahead"


def gaze_spans(times: np.ndarray, gaze_deg: np.ndarray, has: np.ndarray, step: float) -> list[dict]:
    """Runs of frames whose gaze points the same averted way."""
    words = [direction(*g) if ok else None for g, ok in zip(gaze_deg, has, strict=False)]
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        j = i + 1
        while j < len(words) and words[j] == w:
            j += 1
        if w not in (None, "ahead"):
            part = gaze_deg[i:j]
            out.append({"start_s": _r(times[i], 2), "end_s": _r(times[j - 1] + step, 2), "direction": w,
                        "yaw_deg": _r(np.mean(part[:, 0]), 1), "pitch_deg": _r(np.mean(part[:, 1]), 1)})
        i = j
    return out


def au_micro(times: np.ndarray, au: dict[str, np.ndarray], found: np.ndarray, step: float) -> list[dict]:
    """Brief AU onsets and offsets: an AU that rises well above its clip median and falls back quickly,
    with the face seen before and after (micro-expression candidates at the sampling rate)."""
    out = []
    if found.sum() < 3:
        return out
    for k, v in au.items():
        base = float(np.nanmedian(v))
        high = found & (np.nan_to_num(v) >= ACTIVE) & (np.nan_to_num(v) - base >= MICRO_RISE)
        for a, b in _runs(high):
            if a == 0 or b >= len(v) or not (found[a - 1] and found[b]) or (b - a) * step > max(MICRO_MAX_S, step):
                continue
            out.append({"au": k, "name": AU_NAMES[k], "start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2),
                        "peak": _r(np.nanmax(v[a:b])), "baseline": _r(base)})
    return sorted(out, key=lambda e: e["start_s"])


# FER classes and the action units that would show them (Ekman & Friesen's EMFACS prototypes, measured AUs only)
PROTOTYPES = {"happiness": ("AU12",), "sadness": ("AU15", "AU1"), "anger": ("AU4",), "surprise": ("AU1", "AU2", "AU26"),
              "fear": ("AU1", "AU4", "AU25"), "disgust": ("AU4", "AU15")}


def agreement(fer_dominant: str, m: dict) -> dict:
    """Whether the expression classifier's class and the action units tell the same story."""
    share = m.get("au_present_share") or {}
    if not share:
        return {"agree": None, "note": None}
    present = [k for k in ("AU12", "AU15", "AU4", "AU1", "AU2", "AU26") if (share.get(k) or 0) >= 0.5]
    if fer_dominant == "neutral":
        agree = not present
        note = None if agree else f"the classifier reads a neutral face, but {', '.join(present)} are present in most frames"
    else:
        needed = PROTOTYPES.get(fer_dominant, ())
        agree = any((share.get(k) or 0) >= 0.3 for k in needed)
        note = None if agree else (f"the classifier reads {fer_dominant}, but its action units ({', '.join(needed)}) are "
                                   f"absent from most frames" + (f"; present instead: {', '.join(present)}" if present else ""))
    if fer_dominant != "happiness" and (share.get("AU12") or 0) >= 0.5 and fer_dominant not in ("neutral",):
        agree, note = False, f"the classifier reads {fer_dominant}, but the lip corners are pulled up (AU12) in most frames"
    return {"agree": agree, "note": note}


def _span(e: dict) -> str:
    return f"{e['start_s']:.1f}-{e['end_s']:.1f} s"


def describe(m: dict, still_image: bool = False) -> str:
    """SABER-style sentences on AUs, gaze, head pose and blinks (empty when no mesh was read). `still_image`: a photo
    (`ClipInfo.still_image`, one frame): what it shows, with no times, shares of frames, medians, blinks or onsets."""
    if not m.get("frames_with_mesh"):
        return ""
    parts = []

    def where(spans: list[dict]) -> str:  # a photo has no time: nothing to say when
        return "" if still_image else ", at " + ", ".join(_span(e) for e in spans[:3])
    ep, share, mean = m["episodes"], m["au_present_share"], m["au_mean"]
    smiles = ep["AU12"]
    if smiles:
        felt = share["AU6"] >= 0.5 * share["AU12"] and mean["AU6"] >= 0.25
        kind = "with cheeks raised (AU6), a felt (Duchenne) smile" if felt else "without the cheek raise (AU6) of a felt smile"
        parts.append(f"Lip corners pulled up (AU12, {'' if still_image else 'mean '}{mean['AU12']:.2f}) {kind}{where(smiles)}.")
    said = []
    for k, words in (("AU1", "inner brows raised (AU1)"), ("AU2", "outer brows raised (AU2)"),
                     ("AU4", "brows lowered and drawn together (AU4)"),
                     ("AU15", "lip corners pulled down (AU15)"), ("AU26", "jaw dropped (AU26)"), ("AU25", "lips parted (AU25)")):
        if ep[k] and share[k] >= 0.2:  # a photo: what it shows, no share of frames or time
            said.append(words if still_image else
                        f"{words} in {share[k] * 100:.0f}% of frames ({_span(ep[k][0])}{' ...' if len(ep[k]) > 1 else ''})")
    if said:
        parts.append("Also " + "; ".join(said) + ".")
    if not smiles and not said:
        parts.append("No facial action unit is clearly active (brows, cheeks and lip corners near their neutral positions).")
    hp = m["head_pose"]
    yaw, pitch, roll = hp["yaw_deg_median"], hp["pitch_deg_median"], hp["roll_deg_median"]
    turn = f"turned {abs(yaw):.0f} degrees {'left' if yaw > 0 else 'right'}" if abs(yaw) >= 8 else "facing the camera"
    tilt = [f"chin {'up' if pitch > 0 else 'down'} {abs(pitch):.0f} degrees"] if abs(pitch) >= 10 else []
    tilt += [f"tilted {abs(roll):.0f} degrees toward the {'left' if roll > 0 else 'right'} shoulder"] if abs(roll) >= 8 else []
    rng = hp["yaw_deg_range"]
    sweep = f"; yaw ranges {rng[0]:.0f} to {rng[1]:.0f} degrees" if rng[1] - rng[0] >= 15 else ""
    angles = f"yaw {yaw:+.0f}, pitch {pitch:+.0f}, roll {roll:+.0f} degrees"
    parts.append(f"Head pose{'' if still_image else ' (median)'}: {turn}{', ' + ', '.join(tilt) if tilt else ''} ({angles}){sweep}.")
    g = m["gaze"]
    if g["frames_with_gaze"] and still_image:
        averted = g["averted"]
        toward = not averted or g["at_camera_share"] >= 0.5
        parts.append("Gaze is toward the camera." if toward else f"Gaze is averted {averted[0]['direction']}.")
    elif g["frames_with_gaze"]:
        averted = g["averted"]
        text = f"Gaze is toward the camera in {g['at_camera_share'] * 100:.0f}% of frames with visible eyes"
        if averted:
            text += "; averted " + ", ".join(f"{a['direction']} {_span(a)}" for a in averted[:3])
        parts.append(text + ".")
    else:
        parts.append(f"Gaze cannot be read ({', '.join(g['unseen_reasons']) or 'eyes not seen'}).")
    b = m["blinks"]
    if b["closed_spans"]:
        closed = "" if still_image else " at " + ", ".join(_span(s) for s in b["closed_spans"][:3])
        parts.append(f"Eyes closed (AU43){closed}.")
    if b["count"] and not still_image:
        bound = (f" (at {b['sample_fps']:g} sampled frames per second most blinks fall between samples: a lower bound)"
                 if b["lower_bound"] else "")
        parts.append(f"{b['count']} blink(s) (AU45) seen, {b['rate_per_min']:.0f} per minute{bound}.")
    micro = m["micro_expressions"]
    if micro and not still_image:
        parts.append("Brief action-unit onsets and offsets (micro-expression candidates): "
                     + "; ".join(f"{e['name']} ({e['au']}) to {e['peak']:.2f} at {_span(e)}" for e in micro[:4]) + ".")
    return " ".join(parts)
