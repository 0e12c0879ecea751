"""A face whose pixels do not change between sampled frames: the classifier's flips and the box's jitter are noise.

On a still photo (trial 3: frown_neutral_words.mp4, the astronaut with the mouth flipped, a voice over it) the
face slot read "anger from 0.0 s; happiness from 0.3 s; anger from 0.4 s ..." and "the head moves moderately
(0.20 face widths per second)" at 8 fps, 0.05 at 2 fps: the detector's and the mesh's boxes jitter by a pixel or
two, the 48x48 crop the classifier sees shifts with them, and its top class flips; a per-pair speed divides that
jitter by the sampling step, so it grows with the fps.

Two remedies, both measured on pixels and time, not on the noise being judged:

- `still_runs`: runs of sampled frames whose face region (the union of the two boxes, a margin around it,
  grey, resized to CROP_SIDE pixels and blurred) differs from the run's first frame in less than FACE_CHANGED
  of its pixels by more than `motion.CHANGE_LEVEL` grey levels. Compared with the run's first frame, not the
  previous one, so a slow change does not creep through in small steps. `steady` gives every frame of a run
  the run's mean probabilities and its median box: a still face has one expression and does not move.
  Where the face changes, every frame is its own run and nothing is altered.
- `windowed_speeds`: the face centre's speed over windows of at least WINDOW_S seconds, so detector jitter
  (a displacement that does not grow with time) is divided by WINDOW_S whatever the sampling rate.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from saber_agent.plugins.facetrack import FaceTrack
from saber_agent.plugins.motion import CHANGE_LEVEL

CROP_SIDE = 64  # pixels of the resized face region compared between frames
MARGIN = 0.15  # of the box's size, around the union of the two boxes
# share of the face region's pixels that change by more than CHANGE_LEVEL: below it the face is the same
# picture. A re-encoded still changes none; a smile changes the mouth, ~10% of the region, by tens of levels.
FACE_CHANGED = 0.005
WINDOW_S = 0.5  # seconds: head speed is a displacement over at least this long


def _region(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The union of boxes a and b (x, y, w, h pixels) with a margin, clipped: (x0, y0, x1, y1)."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    mx, my = MARGIN * (x1 - x0), MARGIN * (y1 - y0)
    h, w = shape
    return max(0, int(x0 - mx)), max(0, int(y0 - my)), min(w, int(np.ceil(x1 + mx))), min(h, int(np.ceil(y1 + my)))


def _crop(frame: np.ndarray, region: tuple[int, int, int, int]) -> np.ndarray:
    import cv2

    x0, y0, x1, y1 = region
    grey = cv2.cvtColor(np.ascontiguousarray(frame[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (3, 3), 0).astype(np.int16)


def face_change(frames: np.ndarray, i: int, j: int, box_i: np.ndarray, box_j: np.ndarray) -> float:
    """Share (0..1) of the face region's pixels that differ by more than CHANGE_LEVEL between frames i and j.

    `frames` (n, H, W, 3) RGB uint8; the region is the union of the two boxes with a margin (see module doc).
    """
    region = _region(box_i, box_j, frames.shape[1:3])
    if region[2] - region[0] < 2 or region[3] - region[1] < 2:
        return 1.0  # no region to compare: count it as changed
    return float((np.abs(_crop(frames[i], region) - _crop(frames[j], region)) > CHANGE_LEVEL).mean())


def still_runs(frames: np.ndarray, boxes: np.ndarray) -> list[list[int]]:
    """Runs of consecutive frames with a face whose face region equals the run's first frame's (see module doc).

    `boxes` (n, 4) the track's main face (NaN rows: none, which end a run). Every frame with a face is in one run.
    """
    runs: list[list[int]] = []
    run: list[int] = []
    for i in range(len(boxes)):
        if np.isnan(boxes[i, 0]):
            if run:
                runs.append(run)
            run = []
            continue
        if run and face_change(frames, run[0], i, boxes[run[0]], boxes[i]) < FACE_CHANGED:
            run.append(i)
            continue
        if run:
            runs.append(run)
        run = [i]
    if run:
        runs.append(run)
    return runs


def steady(frames: np.ndarray, track: FaceTrack, probs: np.ndarray,
           runs: list[list[int]] | None = None) -> tuple[FaceTrack, np.ndarray, dict]:
    """The track and the (n, 7) probabilities with each still run averaged (mean probabilities, median box),
    and what was found: ``still_frames`` (frames in runs of two or more), ``frames_with_face``, ``still_runs``,
    ``face_static`` (every frame with a face is in one still run). `runs`: `still_runs` of the track, if known."""
    boxes = np.array(track.boxes, dtype=np.float64, copy=True)
    probs = np.array(probs, dtype=np.float64, copy=True)
    if len(frames) != len(boxes):
        raise ValueError(f"{len(frames)} frames but {len(boxes)} face boxes")
    runs = still_runs(frames, boxes) if runs is None else runs
    long = [r for r in runs if len(r) > 1]
    for run in long:
        boxes[run] = np.median(boxes[run], axis=0)
        rows = [i for i in run if not np.isnan(probs[i, 0])]
        if rows:
            probs[rows] = probs[rows].mean(axis=0)
    found = int((~np.isnan(track.boxes[:, 0])).sum()) if len(track.boxes) else 0
    still = sum(len(r) for r in long)
    info = {
        "still_frames": still, "frames_with_face": found, "still_runs": len(long),
        "face_static": found > 1 and len(runs) == 1 and still == found,
        "method": f"face region (box union + {MARGIN:.0%} margin, grey {CROP_SIDE}x{CROP_SIDE}, blur 3x3) differs from "
                  f"the run's first frame in < {FACE_CHANGED:.1%} of pixels by > {CHANGE_LEVEL}/255",
    }
    return dataclasses.replace(track, boxes=boxes), probs, info


def windowed_speeds(centres: np.ndarray, times: np.ndarray, width: float, segments: list[list[int]]) -> list[float]:
    """Face-centre speeds in face widths per second, each over the shortest span of >= WINDOW_S seconds
    (or the next frame where frames are further apart) within one segment (a list of frame indices of one face).

    `centres` (n, 2) pixels; `times` (n,) seconds; `width` the face width in pixels.
    """
    speeds = []
    for segment in segments:
        for p, i in enumerate(segment):
            j = next((k for k in segment[p + 1 :] if times[k] - times[i] >= WINDOW_S - 1e-6), None)
            if j is None:
                break
            if j != segment[p + 1] and times[j] - times[i] > 2 * WINDOW_S:
                continue  # a gap in the face's visibility: no speed across it
            speeds.append(float(np.hypot(*(centres[j] - centres[i]))) / width / (times[j] - times[i]))
    return speeds


def sentence(info: dict | None) -> str:
    """What the slot says about a face that does not change (empty where it changes)."""
    if not info or not info.get("still_frames"):
        return ""
    if info.get("face_static"):
        return (f"The face does not change between sampled frames (a still picture): the expression is the mean over its "
                f"{info['frames_with_face']} frames.")
    return (f"In {info['still_frames']} of {info['frames_with_face']} frames with a face the face does not change from "
            f"the frame before ({info['still_runs']} still stretch{'es' * (info['still_runs'] > 1)}): the expression "
            "there is each stretch's mean.")


__all__ = ["face_change", "sentence", "steady", "still_runs", "windowed_speeds"]
