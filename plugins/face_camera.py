"""The camera's motion under the main face, so that the face tool's head motion is the head's, not the camera's.

A zoom moves every point of the picture away from (or towards) the point it is about: a face off that point drifts
across the frame and grows, and its box reads as a moving head (trial A phone_long.mp4: a face photo zoomed slowly
and looped, "spanning 0.72 face widths across and 1.01 up and down" for a head that never moves). The body tool
measures the same camera (`plugins.motion.measure_motion`, with the optical flow it needs); this module reads the body
tool's fit, made once per clip (`motion.camera_fits`: `motion_camera.camera_motion`, a similarity, pan, zoom and roll,
fitted with RANSAC to corners tracked outside the shared face track's head, accepted only where most of the picture
follows it, on the clip's shared grey frames, `picture_change`, `FLOW_SIDE` pixels on the longer side; before, each tool
fitted it again), with no camera motion across a cut (`plugins.shots`).

`camera_path(clip, boxes, cut_pairs, tracker)`: per sampled frame, the 3x3 transform that takes the frame's pixels (clip pixels)
into its shot's first frame's picture (the camera undone), and each shot's zoom and pan. Where the picture has too few
corners outside the head (a plain background) no camera motion is measured and none is assumed; where the fitted motion
leaves the picture's left, right and top edges in place (`_borders_move`), it is the person's (a body swaying in front
of a plain wall carries the fit with it) and is not undone. A person filling the frame to its edges who sways cannot
be told from a camera that moves (the body tool's limit too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAMERA_MOVES = 0.03  # a shot's zoom (|x - 1|) or pan (frame widths) above this: the camera moves
BORDER = 0.1  # the picture's edge bands, as a share of its width (left, right) and height (top)
BORDER_MOVES = 0.05  # share of the edge bands' pixels that change (by CHANGE_LEVEL) when the camera moves the picture


@dataclass
class CameraPath:
    """Per sampled frame, its transform into the first frame's picture; per shot, the camera's zoom and pan."""

    to_first: np.ndarray  # (n, 3, 3): clip pixels of frame i -> clip pixels of its shot's first frame's picture (camera undone)
    shots: list[dict]  # per shot: "start" (s), "zoom" (x, product of the pairs' scales), "pan" (frame widths the centre moves)
    body_shots: int = 0  # shots whose fitted motion left the picture's edges in place: the person's, not undone

    @property
    def moving(self) -> bool:
        """Whether the camera zooms or pans in some shot by more than CAMERA_MOVES."""
        return any(abs(s["zoom"] - 1) > CAMERA_MOVES or s["pan"] > CAMERA_MOVES for s in self.shots)

    @property
    def zoom(self) -> float:
        """The zoom of the shot that zooms most (x)."""
        return max((s["zoom"] for s in self.shots), key=lambda z: abs(np.log(z)), default=1.0)

    def undo(self, points: np.ndarray) -> np.ndarray:
        """(n, 2) points, one per sampled frame (clip pixels), in their shot's first frame's picture."""
        homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
        return np.einsum("nij,nj->ni", self.to_first, homogeneous)[:, :2]

    def scales(self) -> np.ndarray:
        """(n,) how much larger a length of frame i is in its shot's first frame's picture (1 / the zoom since then)."""
        return np.hypot(self.to_first[:, 0, 0], self.to_first[:, 1, 0])


def camera_path(clip, boxes: np.ndarray, cut_pairs: list[int], tracker: str | None = None) -> CameraPath | None:
    """The camera's path over `clip`'s sampled frames: the clip's one camera fit (`motion.camera_fits`, the head of the
    face track by `tracker` masked out), no camera motion across the pairs in `cut_pairs` (pair i: frames i and i+1); the
    face `boxes` ((n, 4) x, y, w, h clip pixels, NaN rows where not seen) masked out of the edge test (`_borders_move`).
    None with fewer than two frames."""
    from saber_agent.picture_change import picture_change
    from saber_agent.plugins.motion import camera_fits, head_mask

    n = len(clip.frames)
    if n < 2:
        return None
    picture = picture_change(clip)
    grey, scale = picture.grey, picture.scale
    shape, width = grey.shape[1:3], grey.shape[2]
    to_flow, from_flow = np.diag([scale, scale, 1.0]), np.diag([1 / scale, 1 / scale, 1.0])
    centre = np.array([shape[1] / 2, shape[0] / 2, 1.0])
    cuts = set(cut_pairs)

    def head(i: int) -> np.ndarray:
        return head_mask(shape, boxes[i] * scale) if not np.isnan(boxes[i][0]) else np.zeros(shape, bool)

    fitted = camera_fits(clip, tracker).matrices  # shared with the body tool: read, never changed in place
    matrices = [np.eye(2, 3) if i in cuts else fitted[i] for i in range(n - 1)]
    edges = [0, *[i + 1 for i in sorted(cuts)], n]
    shots, still_shots = [], 0
    for a, b in zip(edges, edges[1:], strict=False):
        if any(not np.allclose(matrices[i], np.eye(2, 3)) for i in range(a, b - 1)) and not _borders_move(picture.blurred, a, b, head):
            for i in range(a, b - 1):  # the picture's edges stay: the person moves, not the camera
                matrices[i] = np.eye(2, 3)
            still_shots += 1
        zoom = float(np.prod([np.hypot(matrices[i][0, 0], matrices[i][1, 0]) for i in range(a, b - 1)]))
        shift = np.sum([matrices[i] @ centre - centre[:2] for i in range(a, b - 1)], axis=0) if b - a > 1 else np.zeros(2)
        pan = round(float(np.hypot(*shift)) / width, 3)
        shots.append({"start": round(float(clip.frame_times[a]), 2), "zoom": round(zoom, 3), "pan": pan})
    cumulative, to_first = np.eye(3), [np.eye(3)]  # the shot's first frame -> frame i, flow pixels
    for i, matrix in enumerate(matrices):
        # a new shot is its own picture: its frames are undone into its first frame's (as a jump, a cut is not compared across)
        cumulative = np.eye(3) if i in cuts else np.vstack([matrix, [0, 0, 1]]) @ cumulative
        to_first.append(from_flow @ np.linalg.inv(cumulative) @ to_flow)
    return CameraPath(np.stack(to_first), shots, still_shots)


def _borders_move(blurred: np.ndarray, a: int, b: int, head) -> bool:
    """Whether the picture's left, right and top edges (the outer `BORDER` of each, the head masked: the body fills the
    bottom) change from the shot's first frame (`a`) to a later one (before `b`) in at least `BORDER_MOVES` of their
    pixels: a camera that zooms or pans moves them; a person in the middle of a plain background who sways, whose body
    the camera fit follows, does not (0 in tests/test_face_camera.py, where the fit read a pan of 0.06 frame widths; a
    zoom: 0.17-0.26 between consecutive frames, trial A's phone clip 0.10-0.18). A person who fills the picture to its
    edges cannot be told from the camera: one growing x1.3 into the top band over a plain background changed it by 0.12."""
    from saber_agent.picture_change import CHANGE_LEVEL

    h, w = blurred.shape[1:3]
    band = np.zeros((h, w), bool)
    side, top = max(1, round(BORDER * w)), max(1, round(BORDER * h))
    band[:, :side] = band[:, -side:] = band[:top, :] = True
    first = blurred[a].astype(np.int16)
    for k in range(a + 1, b):
        keep = band & ~head(a) & ~head(k)
        if keep.any() and float(np.mean(np.abs(blurred[k].astype(np.int16) - first)[keep] > CHANGE_LEVEL)) >= BORDER_MOVES:
            return True
    return False


__all__ = ["CAMERA_MOVES", "CameraPath", "camera_path"]
