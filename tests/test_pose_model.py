"""The model-file pose backend: keypoints -> wrist speed, raised hands and shoulder tilt; a missing file named."""

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip
from saber_agent.plugins import pose, pose_model
from saber_agent.plugins.pose_model import COCO17, describe_pose, get_pose_model, pose_measure

H, W = 100, 200
J = {name: i for i, name in enumerate(COCO17)}


class ScriptedKeypoints:
    """A FAKE keypoint model with the call shape of `PoseModel` (no pose model file is available here):
    it returns the given (K, 3) keypoints frame by frame, so the arithmetic of `pose_measure` can be checked."""

    backend = "scripted"
    path = "scripted.onnx"

    def __init__(self, frames):
        self.frames = list(frames)

    def keypoints(self, frame):
        assert frame.shape == (H, W, 3)
        return self.frames.pop(0)


def points(left_wrist_x: float, right_wrist_score: float = 1.0) -> np.ndarray:
    p = np.tile([100.0, 50.0, 1.0], (17, 1))
    p[J["left_shoulder"]] = (50, 50, 1.0)
    p[J["right_shoulder"]] = (150, 60, 1.0)  # 10 px lower over 100 px: a tilt of atan(0.1) = 5.7 degrees
    p[J["left_wrist"]] = (left_wrist_x, 80, 1.0)  # below the shoulders, moving 20 px (0.1 width) per frame
    p[J["right_wrist"]] = (180, 30, right_wrist_score)  # above the shoulders, still
    return p


def clip(n: int = 3) -> Clip:
    return Clip(info=ClipInfo(path="x.mp4", has_video=True), frames=np.zeros((n, H, W, 3), np.uint8),
                frame_times=np.arange(n) * 0.5, audio=np.zeros(0, np.float32))


def test_wrist_speed_raised_hands_and_tilt_by_hand():
    m = pose_measure(clip(), ScriptedKeypoints([points(20), points(40), points(60)]), None)
    assert (m["status"], m["keypoints"], m["backend"], m["model"]) == ("ok", 17, "scripted", "scripted.onnx")
    # left wrist 0.1 width per 0.5 s = 20 %/s, right wrist 0: their mean is 10 % of the width per second
    assert m["wrist_speed_mean"] == 10.0 and m["wrist_speed_timeline"] == [10.0, 10.0]
    assert m["hands_raised_fraction"] == 1.0 and m["shoulder_tilt_deg_mean"] == 5.7 and m["seen_fraction"] == 1.0
    assert len(m["timeline"]["points"]) == 3 and m["timeline"]["t"] == [0.0, 0.5, 1.0]


def test_a_keypoint_under_the_minimum_score_is_not_seen():
    m = pose_measure(clip(), ScriptedKeypoints([points(20, right_wrist_score=0.05), points(40), points(60)]), None)
    # step 1: only the left wrist (20 %/s); step 2: the mean of 20 and 0
    assert m["wrist_speed_timeline"] == [20.0, 10.0] and m["wrist_speed_mean"] == 15.0
    assert m["hands_raised_fraction"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["seen_fraction"] == pytest.approx(50 / 51, abs=1e-3)


def test_describe_pose_says_what_was_measured_or_that_nothing_was():
    text = describe_pose({"wrist_speed_mean": 10.0, "hands_raised_fraction": 0.5, "shoulder_tilt_deg_mean": 5.7})
    assert text == ("A pose model finds that the wrists move at 10.0% of the frame width per second on average, "
                    "the hands are above the shoulders in 50% of frames, the shoulders tilt 6 degrees on average.")
    assert describe_pose({}) == "A pose model ran but found no usable keypoints."


def test_a_missing_model_file_is_named_and_the_failure_remembered(tmp_path):
    missing = str(tmp_path / "openpose.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist") as first:
        get_pose_model(missing)
    with pytest.raises(FileNotFoundError) as again:
        get_pose_model(missing)
    assert again.value is first.value  # not retried on every clip


def test_the_old_import_path_gives_the_same_names():
    for name in ("COCO17", "OPENPOSE18", "PoseModel", "describe_pose", "get_pose_model", "pose_measure"):
        assert getattr(pose, name) is getattr(pose_model, name)
