"""Body cues the picture itself invents (a new user's trial 2 and 3):

- arms read from wrists MediaPipe extrapolates out of a head-and-shoulders portrait (trial3 ntsc_480i.ts:
  "arms crossed" on Grace Hopper's portrait, wrists at visibility 0.5-0.6): `pose.arm_seen`;
- gesture, head shakes and posture shifts from a still picture cut between two positions, or sliding
  sideways (trial2 cuts_same_person.mp4, broadcast_1080i_motion.ts): `motion_camera.rigid_shift` discounts it
  (tested alone in tests/test_motion_camera.py).

Clips are built from scikit-image's astronaut (head and shoulders, her hands out of the picture), encoded
to H.264 and decoded.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from saber_agent.media import decode
from saber_agent.plugins import landmarks, pose
from saber_agent.plugins.body import BodyTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import write_frames

# The body keypoints MediaPipe Pose gave on trial3's ntsc_480i.ts (640x480, 1 frame per second), as the body slot
# kept them (measurements.keypoints.keypoints_xyv: pose.KEPT = nose, shoulders L R, elbows L R, wrists L R, hips L R):
# the wrists are below the portrait's edge (y 440), at visibility 0.2-0.6; the old rule read "arms crossed at 0.0-1.0 s".
TRIAL3 = [
    [[251.6, 189.6, 1.0], [352.5, 311.9, 1.0], [141.9, 301.6, 1.0], [355.8, 452.7, 0.7], [135.1, 435.1, 0.8],
     [219.1, 416.3, 0.6], [288.0, 402.4, 0.6], [325.2, 566.0, 0.1], [185.2, 562.4, 0.1]],
    [[250.3, 191.9, 1.0], [352.8, 312.8, 1.0], [142.5, 301.8, 1.0], [377.3, 458.7, 0.9], [129.5, 440.3, 0.8],
     [241.2, 454.7, 0.6], [287.5, 423.9, 0.2], [323.9, 582.2, 0.3], [180.7, 580.4, 0.3]],
    [[249.1, 192.0, 1.0], [353.1, 312.9, 1.0], [140.8, 302.3, 1.0], [371.8, 461.3, 0.8], [121.8, 439.7, 0.8],
     [230.7, 452.6, 0.5], [275.6, 434.6, 0.2], [322.0, 582.9, 0.3], [176.4, 579.2, 0.2]],
    [[248.1, 192.8, 1.0], [351.4, 312.0, 1.0], [142.6, 301.1, 1.0], [370.8, 451.5, 0.7], [125.6, 440.8, 0.7],
     [232.8, 423.7, 0.6], [273.1, 421.6, 0.3], [320.0, 577.8, 0.2], [174.1, 572.8, 0.2]],
]


def trial3_points() -> np.ndarray:
    points = np.full((len(TRIAL3), 33, 3), np.nan)
    points[:, list(pose.KEPT)] = np.array(TRIAL3)
    return points


ARM_CUES = ("arms_crossed", "hands_raised", "hands_near_face", "gestures")


def test_extrapolated_wrists_of_a_portrait_give_no_arm_cue():
    times = np.arange(len(TRIAL3), dtype=float)
    m = pose.body_language(times, trial3_points(), (480, 640))
    assert m["frames_with_person"] == len(TRIAL3) and m["posture"] == "upright"
    assert all(m[key] == [] for key in ARM_CUES), {key: m[key] for key in ARM_CUES}
    assert m["wrists_seen_share"] == 0.0
    text = pose.describe_body_language(m)
    assert "arms crossed" not in text and "hand" in text and "out of view" in text


def test_an_arm_at_the_frame_border_is_not_seen_even_at_full_visibility():
    """A raised hand at the picture's top edge, visibility 0.99: read inside the frame, not at its border."""
    n = 4
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (320, 100), pose.L_SHOULDER: (380, 200), pose.R_SHOULDER: (260, 200),
                          pose.L_ELBOW: (400, 120), pose.R_ELBOW: (240, 280), pose.L_WRIST: (410, 40),
                          pose.R_WRIST: (230, 350)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    times = np.arange(n) * 0.5
    inside = pose.body_language(times, points, (480, 640))
    assert [s["start_s"] for s in inside["hands_raised"]] == [0.0]  # wrist 40 px below the top: inside
    points[:, pose.L_WRIST, 1] = 2.0  # at the border: where MediaPipe puts a wrist it guesses above the picture
    edge = pose.body_language(times, points, (480, 640))
    assert edge["hands_raised"] == [] and edge["wrists_seen_share"] == 1.0  # the right arm is still seen
    points[:, pose.R_WRIST, 2] = 0.6  # the right wrist at moderate visibility: not seen either
    assert pose.body_language(times, points, (480, 640))["wrists_seen_share"] == 0.0


@pytest.mark.skipif(landmarks.missing() is not None, reason="body keypoints need MediaPipe")
def test_a_head_and_shoulders_clip_gives_no_arm_cue(tmp_path):
    photo = cv2.resize(data.astronaut()[:400], (460, 360), interpolation=cv2.INTER_AREA)  # cropped above her hands
    canvas = np.full((360, 640, 3), 40, np.uint8)
    canvas[:, 90:550] = photo
    slot = BodyTool().perceive(decode(write_frames(tmp_path / "portrait.mp4", [canvas] * 75)), AnalysisSettings())
    kp = slot.measurements["keypoints"]
    assert kp["frames_with_person"] == kp["n_frames"]
    assert all(kp[key] == [] for key in ARM_CUES), {key: kp[key] for key in ARM_CUES}
    assert "arms crossed" not in slot.text and "hand raised" not in slot.text and "near the face" not in slot.text


def framed(x: int, photo: np.ndarray) -> np.ndarray:
    canvas = np.full((360, 640, 3), 40, np.uint8)
    canvas[:, x:x + photo.shape[1]] = photo
    return canvas


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """The astronaut (360 px) cut between two positions every second; and sliding sideways (x = 20 + 240 |sin(2 pi t / 3)|)."""
    root = tmp_path_factory.mktemp("rigid")
    photo = cv2.resize(data.astronaut(), (360, 360), interpolation=cv2.INTER_AREA)
    cuts = [framed(20 if (i // 25) % 2 == 0 else 260, photo) for i in range(150)]
    slide = [framed(int(20 + 240 * abs(np.sin(2 * np.pi * (i / 25) / 3))), photo) for i in range(150)]
    tool, settings = BodyTool(), AnalysisSettings()
    return {name: tool.perceive(decode(write_frames(root / f"{name}.mp4", frames)), settings)
            for name, frames in (("cuts", cuts), ("slide", slide))}


@pytest.mark.parametrize("name", ["cuts", "slide"])
def test_a_still_picture_moving_as_one_is_no_gesture_shake_or_shift(moved, name):
    slot = moved[name]
    m = slot.measurements
    assert slot.ok and m["head"]["tracked"]
    if name == "cuts":  # jumps between two framings are cuts (plugins/shots.py): said as changes of shot, not motion
        assert m["shot_changes"] == [1.0, 2.0, 3.0, 4.0, 5.0] and "change of shot at 1.0 s" in slot.text
    else:
        assert m["camera"]["whole_picture_shifts"], m["camera"]  # the moves were found ...
        assert "whole picture shifts as one" in slot.text
    assert m["bursts"] == [] and m["head"]["gestures"] == [], (m["bursts"], m["head"]["gestures"])  # ... and discounted
    assert (m["posture"] or {}).get("shifts") in (None, [])
    assert all(r["level"] == "little" for r in m["regions"].values()), m["regions"]
    assert not (m.get("keypoints") or {}).get("gestures")
    for word in ("gesturing", "head shakes", "head nods", "shifts left", "shifts right", "Bursts"):
        assert word not in slot.text, (word, slot.text)
    if name == "cuts":  # jumps between two framings are said as such, not as a camera pan
        assert "camera pans" not in slot.text and not m["camera"]["moving"]
