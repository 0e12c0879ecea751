"""A face turned sideways in the picture (no rotation tag) is classified turned upright: `face_upright`,
on scikit-image's astronaut photo turned 90 degrees (a still clip, in memory)."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent import media
from saber_agent.evidence import BASIC_EMOTIONS, ClipInfo
from saber_agent.plugins import face_upright, landmarks
from saber_agent.plugins.face import FaceTool
from saber_agent.settings import AnalysisSettings

skimage_data = pytest.importorskip("skimage.data")
pytestmark = pytest.mark.skipif(landmarks.missing() is not None, reason="the face mesh (MediaPipe) measures the roll")


def still(image: np.ndarray, n: int = 6, fps: float = 2.0) -> media.Clip:
    frames = np.stack([np.ascontiguousarray(image)] * n)
    info = ClipInfo(path="<frames>", duration_s=n / fps, has_video=True, n_frames=n, sample_fps=fps)
    return media.Clip(info, frames, np.arange(n) / fps, np.zeros(0, np.float32))


def mean_probabilities(slot) -> np.ndarray:
    return np.array([slot.measurements["mean_probabilities"][e] for e in BASIC_EMOTIONS])


@pytest.mark.parametrize("turn", [1, -1])
def test_a_sideways_face_reads_as_the_upright_one(turn):
    """Turned either way, the astronaut reads as she does upright; the face turned back by the crop only
    (as before the fix) reads differently, so this test fails without the turn."""
    face = skimage_data.astronaut()
    settings = AnalysisSettings()
    upright = FaceTool().perceive(still(face), settings)
    sideways = FaceTool().perceive(still(np.rot90(face, turn)), settings)
    assert upright.ok and sideways.ok
    assert upright.measurements["upright"] is None  # an upright face is left as it is
    info = sideways.measurements["upright"]
    assert info["frames"] == 6 and abs(info["turned_deg"]) == 90 and abs(info["roll_deg"]) > 70
    assert np.sign(info["turned_deg"]) == -turn  # np.rot90 turns counter-clockwise: turned back clockwise
    assert sideways.measurements["dominant"] == upright.measurements["dominant"]
    assert np.abs(mean_probabilities(sideways) - mean_probabilities(upright)).sum() < 0.25
    assert "turned upright (by 90 degrees, 6 frames)" in sideways.text


def test_unturned_sideways_crop_reads_differently():
    """The defect itself: the classifier on the sideways crop (no turn) is far from the upright reading."""
    from saber_agent.plugins.face_expression import classify, crop_face
    from saber_agent.plugins.facetrack import get_detector

    face = skimage_data.astronaut()
    grey = face.mean(axis=2).astype(np.uint8)
    turned = np.ascontiguousarray(np.rot90(grey))
    detector = get_detector("auto")
    a = crop_face(grey, detector.detect(face)[0])
    b = crop_face(turned, detector.detect(np.ascontiguousarray(np.rot90(face)))[0])
    p = classify(np.stack([a, b]), "numpy").probabilities
    assert np.abs(p[0] - p[1]).sum() > 0.5


def test_frame_rolls_threshold_snap_and_fill():
    geometry = {"frames_with_mesh": 3, "timeline": {"roll_deg": [87.0, None, 86.0, 95.0]}}
    rolls = face_upright.frame_rolls(geometry, 4)
    assert rolls.tolist() == [90.0, 90.0, 90.0, 90.0]  # near a right angle: the right angle; a frame without mesh: the median
    assert face_upright.frame_rolls({"frames_with_mesh": 2, "timeline": {"roll_deg": [10.0, -20.0]}}, 2) is None  # small tilts
    assert face_upright.frame_rolls({"frames_with_mesh": 1, "timeline": {"roll_deg": [50.0]}}, 1).tolist() == [50.0]
    assert face_upright.frame_rolls(None, 3) is None and face_upright.frame_rolls({"frames_with_mesh": 0}, 3) is None
    image = np.zeros((40, 60), np.uint8)
    assert face_upright.upright(image, np.array([10.0, 10, 20, 20]), 0.0) is image


def test_the_sentence_agrees_with_its_frame_count_and_a_photo_has_none():
    # "(by 90 degrees, 1 frames)" read on a sideways photo: one frame is "1 frame", and a photo needs no count at all
    one = {"frames": 1, "turned_deg": -90.0, "roll_deg": 88.0, "threshold_deg": face_upright.UPRIGHT_ROLL_DEG}
    assert face_upright.sentence(one).endswith("(by 90 degrees, 1 frame).")
    assert face_upright.sentence({**one, "frames": 4}).endswith("(by 90 degrees, 4 frames).")
    photo = face_upright.sentence(one, still_image=True)
    assert photo.endswith("turned upright (by 90 degrees).") and "frame" not in photo
    assert face_upright.sentence(None) == ""
