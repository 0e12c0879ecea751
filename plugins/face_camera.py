"""The camera's motion under the main face, so that the face tool's head motion is the head's, not the camera's.

A zoom moves every point of the picture away from (or towards) the point it is about: a face off that point drifts
across the frame and grows, and its box reads as a moving head (trial A phone_long.mp4: a face photo zoomed slowly
and looped, "spanning 0.72 face widths across and 1.01 up and down" for a head that never moves). The body tool
measures the same camera (`plugins.motion.measure_motion`, with the optical flow it needs); this module fits only the
camera, as the body tool does (`motion_camera.camera_motion`: a similarity, pan, zoom and roll, fitted with RANSAC to
corners tracked outside the head, accepted only where most of the picture follows it), on the clip's shared grey
frames (`picture_change`, `FLOW_SIDE` pixels on the longer side), with no camera motion across a cut (`plugins.shots`).

`camera_path(clip, boxes, cut_pairs)`: per sampled frame, the 3x3 transform that takes the frame's pixels (clip pixels)
into its shot's first frame's picture (the camera undone), and each shot's zoom and pan. Where the picture has too few
corners outside the head (a plain background) no camera motion is measured and none is assumed; a person filling the
frame who sways cannot be told from a camera that does (the body tool's limit too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAMERA_MOVES = 0.03  # a shot's zoom (|x - 1|) or pan (frame widths) above this: the camera moves


@dataclass
class CameraPath:
    """Per sampled frame, its transform into the first frame's picture; per shot, the camera's zoom and pan."""

    to_first: np.ndarray  # (n, 3, 3): clip pixels of frame i -> clip pixels of its shot's first frame's picture (camera undone)
    shots: list[dict]  # per shot: "start" (s), "zoom" (x, product of the pairs' scales), "pan" (frame widths the centre moves)
    measured_pairs: int  # frame pairs (within a shot) whose camera motion could be fitted

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


def camera_path(clip, boxes: np.ndarray, cut_pairs: list[int]) -> CameraPath | None:
    """The camera's path over `clip`'s sampled frames with the face `boxes` ((n, 4) x, y, w, h clip pixels, NaN rows where
    not seen) masked out, no camera motion across the pairs in `cut_pairs` (pair i: frames i and i+1); None with fewer
    than two frames."""
    from saber_agent.picture_change import picture_change
    from saber_agent.plugins.motion import head_mask
    from saber_agent.plugins.motion_camera import camera_motion

    n = len(clip.frames)
    if n < 2:
        return None
    picture = picture_change(clip)
    grey, scale = picture.grey, picture.scale
    shape, width = grey.shape[1:3], grey.shape[2]
    to_flow = np.diag([scale, scale, 1.0])
    from_flow = np.diag([1 / scale, 1 / scale, 1.0])
    centre = np.array([shape[1] / 2, shape[0] / 2, 1.0])
    cuts = set(cut_pairs)
    cumulative = np.eye(3)  # the shot's first frame -> frame i, flow pixels
    to_first = [np.eye(3)]
    steps: list[tuple[float, np.ndarray] | None] = []  # per pair: (scale, centre shift in flow pixels), None across a cut
    measured = 0
    for i in range(n - 1):
        matrix = np.eye(2, 3)
        if i not in cuts:
            exclude = np.zeros(shape, bool)
            for box in (boxes[i], boxes[i + 1]):
                if not np.isnan(box[0]):
                    exclude |= head_mask(shape, box * scale)
            matrix, share = camera_motion(grey[i], grey[i + 1], exclude)
            measured += share > 0
        steps.append(None if i in cuts else (float(np.hypot(matrix[0, 0], matrix[1, 0])), matrix @ centre - centre[:2]))
        # a new shot is its own picture: its frames are undone into its first frame's (as a jump, a cut is not compared across)
        cumulative = np.eye(3) if i in cuts else np.vstack([matrix, [0, 0, 1]]) @ cumulative
        to_first.append(from_flow @ np.linalg.inv(cumulative) @ to_flow)
    shots, edges = [], [0, *[i + 1 for i in sorted(cuts)], n]
    for a, b in zip(edges, edges[1:], strict=False):
        inside = [steps[i] for i in range(a, b - 1) if steps[i] is not None]
        zoom = float(np.prod([s for s, _ in inside])) if inside else 1.0
        pan = float(np.hypot(*np.sum([d for _, d in inside], axis=0)) / width) if inside else 0.0
        shots.append({"start": round(float(clip.frame_times[a]), 2), "zoom": round(zoom, 3), "pan": round(pan, 3)})
    return CameraPath(np.stack(to_first), shots, measured)


__all__ = ["CAMERA_MOVES", "CameraPath", "camera_path"]
