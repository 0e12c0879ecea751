"""The camera's motion between two sampled frames, and its undoing: the optical-flow primitives of `motion`.

Moved out of `saber_agent.plugins.motion` whole (which re-exports every name here; its `measure_motion` calls
them per frame pair). All work on grey frames downscaled to `picture_change.FLOW_SIDE` pixels (longer side):

- `flow`: dense Farnebäck optical flow, (h, w, 2) in pixels;
- `camera_motion`: a similarity transform (pan, zoom, roll) fitted with RANSAC to Lucas-Kanade tracks of corners
  outside the head, accepted only when most of the frame follows it;
- `stabilized`: the next frame warped back by that transform (the camera's motion undone), and where it is valid;
- `rigid_shift`: the one translation (phase correlation) that explains a whole picture's change, when one does (a still
  picture cut between two framings, or sliding); the shot detector (`plugins.shots.moved_as_one`) uses it too.
"""

from __future__ import annotations

import numpy as np

from saber_agent.picture_change import CHANGE_LEVEL, changed_share

MIN_CAMERA_PX = 0.1  # Lucas-Kanade tracks corners to ~0.05 px: a typical move above this can be the camera
# A frame pair where at least this share of the picture changes, and one shift of the whole picture leaves at most
# RIGID_RESIDUAL of that change, is the picture moving as one (a cut between two framings, a sliding still): not body motion.
RIGID_MIN_CHANGE = 0.01
RIGID_RESIDUAL = 0.15


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


def rigid_shift(a: np.ndarray, b: np.ndarray, changed: float | None = None) -> np.ndarray | None:
    """The translation (2x3, flow-frame pixels) that moves the whole picture `a` onto `b`, when one does.

    A still picture cut between two positions, or one that slides across the frame, changes many pixels
    but none of its content moves on its own: one shift explains the whole change. The shift is found by
    phase correlation (`cv2.phaseCorrelate`, on frames padded with their mean so shifts up to a frame's
    size are not folded) and accepted when at least RIGID_MIN_CHANGE of the picture changes, the shift is
    at least MIN_CAMERA_PX, and after undoing it at most RIGID_RESIDUAL of that change remains (pixels
    > CHANGE_LEVEL grey levels). A head that nods or a hand that waves in front of a still picture moves
    alone: the best shift is ~0 or leaves most of the change, and None is returned. `changed`: the pair's
    share of changed pixels when already measured (`picture_change`'s, on the same blurred frames).
    """
    import cv2

    h, w = a.shape
    raw = changed_share(a, b) if changed is None else changed
    if raw < RIGID_MIN_CHANGE:
        return None
    pads = []
    for frame in (a, b):
        pad = np.full((2 * h, 2 * w), float(frame.mean()), np.float32)
        pad[:h, :w] = frame
        pads.append(pad)
    (dx, dy), _ = cv2.phaseCorrelate(pads[0], pads[1])
    if np.hypot(dx, dy) < MIN_CAMERA_PX or abs(dx) >= w or abs(dy) >= h:
        return None
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    back, valid = stabilized(b, matrix)
    residual = np.abs(a.astype(np.int16) - back.astype(np.int16)) > CHANGE_LEVEL
    if valid is None or not valid.any() or float(residual[valid].mean()) > RIGID_RESIDUAL * raw:
        return None
    return matrix
