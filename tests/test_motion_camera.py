"""The camera's motion and its undoing (`plugins.motion_camera`, moved out of `motion`, which re-exports it; the
primitives' behaviour in whole clips is tested through the body tool in test_body.py, test_body_rigid.py and
test_zoom_loop.py). Frames are scikit-image's astronaut (tests/support/frames.py), moved by known amounts."""

from __future__ import annotations

import cv2
import numpy as np

from saber_agent.plugins import motion
from saber_agent.plugins import motion_camera as camera
from saber_agent.plugins.motion_camera import rigid_shift
from tests.support.frames import moving_head


def test_the_old_import_path_gives_the_same_objects():
    for name in ("flow", "camera_motion", "stabilized", "rigid_shift", "MIN_CAMERA_PX", "RIGID_MIN_CHANGE", "RIGID_RESIDUAL"):
        assert getattr(motion, name) is getattr(camera, name), name


def test_a_pan_of_the_whole_frame_is_the_camera_and_is_undone():
    frames = moving_head("nod", seconds=0.1)
    a = cv2.resize(cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY), (192, 108), interpolation=cv2.INTER_AREA)
    b = np.roll(a, (2, 3), axis=(0, 1))  # the whole picture 3 px right, 2 px down
    nothing = np.zeros(a.shape, bool)
    matrix, share = camera.camera_motion(a, b, nothing)
    assert share >= 0.6 and abs(matrix[0, 2] - 3) < 0.3 and abs(matrix[1, 2] - 2) < 0.3, (matrix, share)
    back, valid = camera.stabilized(b, matrix)
    assert valid is not None and valid.any()
    assert np.abs(back.astype(int) - a.astype(int))[valid].mean() < 3  # the camera's motion undone
    same, _ = camera.camera_motion(a, a.copy(), nothing)  # nothing moved: no camera motion
    assert np.allclose(same, np.eye(2, 3))


def test_a_nodding_head_is_not_a_whole_picture_shift():
    """Only the head moves in front of a still picture: no single shift explains the change."""
    frames = moving_head("nod", seconds=1.0)
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    a, b = grey[0], grey[6]  # a quarter cycle apart: the head has moved ~0.2 face heights
    assert (np.abs(a.astype(int) - b.astype(int)) > 15).mean() > 0.01  # the picture did change
    assert rigid_shift(a, b) is None
    shifted = np.roll(a, 30, axis=1)  # the same picture moved as one is
    matrix = rigid_shift(a, shifted)
    assert matrix is not None and abs(matrix[0, 2] - 30) < 1 and abs(matrix[1, 2]) < 1
