"""Body events need a picture that changes: nods, shakes, shrugs and wrist gestures in still frames are noise.

The face detector's box and the pose model's keypoints jitter by a few percent from frame to frame even
on a still picture (re-encoding noise, tiling): on the trial's sideways_notag.mp4, a still photo, the
body slot read a nod (box centre swinging 0.07 face heights) and a shrug. Every such event is an episode
in time; it is kept only when the picture changes somewhere in it: some pair of sampled frames that
touches the episode has a share of changed pixels (`motion`'s ``picture_changed``: the whole frame, head
included, > CHANGE_LEVEL grey levels) of at least `picture_change.STILL_SHARE`. A frame-difference test, not a
keypoint one: it does not depend on the noise of the detector being measured.

A shrug needs more: the body itself must change once the camera's motion is discounted (`motion`'s per-region
``changed``, stabilized; any region outside the head at STILL_SHARE or more). A still photo zooming in changes every pixel
of the picture, but none of its body's once the zoom is taken out (trial A phone_long.mp4 read a shrug at 89.5 s in one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saber_agent.picture_change import STILL_SHARE


def moves_during(changed: list[float | None], times: np.ndarray, start: float, end: float) -> bool:
    """Whether any frame pair (i, i+1) with times[i+1] >= start and times[i] <= end changes (`changed`: per pair)."""
    for i, share in enumerate(changed):
        if i + 1 < len(times) and times[i + 1] >= start - 1e-6 and times[i] <= end + 1e-6 and (share or 0.0) >= STILL_SHARE:
            return True
    return False


def drop_still_events(m: dict[str, Any], keypoints: dict[str, Any] | None, times: np.ndarray) -> int:
    """Remove head gestures from `m` (the body measurements) and shrugs and wrist gestures from `keypoints`
    where the picture does not change; returns how many were removed (also in ``m["still_events_dropped"]``)."""
    changed = (m.get("timeline") or {}).get("picture_changed")
    if changed is None:
        return 0
    times = np.asarray(times, dtype=np.float64)
    dropped = 0
    head = m.get("head") or {}
    if head.get("gestures"):
        kept = [g for g in head["gestures"] if moves_during(changed, times, g["start"], g["end"])]
        dropped += len(head["gestures"]) - len(kept)
        head["gestures"] = kept
    regions = (m.get("timeline") or {}).get("changed") or {}
    body = [max((series[i] or 0.0 for series in regions.values()), default=0.0) for i in range(len(changed))] if regions else changed
    for key, series in (("shrugs", body), ("gestures", changed)):
        if keypoints and keypoints.get(key):
            kept = [e for e in keypoints[key] if moves_during(series, times, e["start_s"], e["end_s"])]
            dropped += len(keypoints[key]) - len(kept)
            keypoints[key] = kept
    m["still_events_dropped"] = dropped
    return dropped


def still_sentence(m: dict[str, Any]) -> str:
    """The sentence for a picture that never changes (empty otherwise)."""
    if not m.get("picture_static"):
        return ""
    return ("The picture does not change between sampled frames (a still image): no nod, shake, shrug or gesture can be "
            "seen in it.")


__all__ = ["drop_still_events", "moves_during", "still_sentence"]
