"""The body slot's measurements: head nods and shakes (hysteresis swings of the main face box's centre,
in face sizes, read within each shot), lean and position shifts of the head (camera motion discounted),
on top of the optical-flow measurements of `saber_agent.plugins.motion`; and the slot's timelines
(`activity`, `change`, `head`, `keypoints`; times in seconds on the clip's clock).

Moved out of plugins/body.py, which re-exports every name here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saber_agent.evidence import Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.plugins.motion import measure_motion

SWING = 0.06  # a head swing must cover this fraction of the face's size
SWING_GAP_S = 1.2  # swings further apart than this belong to different nods or shakes
DOMINANCE = 1.5  # a nod's vertical amplitude must exceed its horizontal one this many times (and vice versa)
LEAN = 0.12  # face scale change (beyond the camera's zoom) that counts as leaning
SHIFT = 0.35  # head displacement, in face widths, that counts as a posture shift


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
        for a, b in zip(extremes, extremes[1:], strict=False)
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
    for (_t0, x0, y0), (t1, x1, y1) in zip(medians, medians[1:], strict=False):
        dx, dy = (x1 - x0) / size, (y1 - y0) / size
        if np.hypot(dx, dy) >= SHIFT:
            direction = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
            shifts.append({"t": round(float(t1), 2), "direction": direction, "distance": round(float(np.hypot(dx, dy)), 2)})
    return {
        "scale_ratio": round(ratio, 3), "lean": lean,
        "drift_x": round(drift_x, 3), "drift_y": round(drift_y, 3), "shifts": shifts,
    }

# -- the measurement --------------------------------------------------------------------------------

def measure(clip: Clip, tracker: str | None = None) -> dict[str, Any]:
    """Every flow and head measurement of a clip with at least two frames, as JSON-able values."""
    motion = measure_motion(clip, tracker)
    m, head, to_first, cuts, scale = motion.m, motion.head, motion.to_first, motion.cuts, motion.scale
    times = np.asarray(clip.frame_times, dtype=np.float64)
    n = len(times)
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
    shots = [np.arange(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
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
            "x": [None if not f else _r(v / size, 3) for v, f in zip(cx, found, strict=False)],
            "y": [None if not f else _r(v / size, 3) for v, f in zip(cy, found, strict=False)],
            "scale": [None if not f else _r(v / size, 3) for v, f in zip(sc, found, strict=False)],
        },
    }
    m["posture"] = posture(cx[longest], cy[longest], sc[longest], times[longest], size) if found[longest].sum() >= 2 else None
    return m


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
    kp = m.get("keypoints") or {}
    if kp.get("timeline"):
        series = {k: v for k, v in kp["timeline"].items() if k != "t"}
        units = {"head_height_sw": "shoulder widths", "lean_deg": "degrees", "shoulder_tilt_deg": "degrees",
                 "wrist_speed_sw_s": "shoulder widths per second"}
        marks = [TimelineEvent(start_s=g["start_s"], end_s=max(g["start_s"], g["end_s"]), label="gesture", kind="gesture",
                               value=g["peak_speed_sw_s"]) for g in kp["gestures"]]
        for key, label in (("shrugs", "shrug"), ("arms_crossed", "arms crossed"), ("hands_raised", "hand raised"),
                           ("hands_near_face", "hand near face")):
            marks += [TimelineEvent(start_s=x["start_s"], end_s=x["end_s"], label=label, kind=key) for x in kp[key]]
        out["keypoints"] = Timeline(times_s=kp["timeline"]["t"], series=series, units={k: units[k] for k in series},
                                    events=sorted(marks, key=lambda e: e.start_s))
    return out


def _r(value: float, digits: int) -> float:
    return round(float(value), digits)
