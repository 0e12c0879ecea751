"""'No face was found', with the face detector's size limit (plugins/face_limits.py), in the scene's text: trial D's
tiny_face.mp4 (one small face in a 1920x1080 wide shot) read "No face is visible". The clip is made here with
ffmpeg: the astronaut's head pasted small into a sky-and-grass 1920x1080 frame."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.media import decode
from saber_agent.plugins.face_limits import SMALLEST_FACE_SHARE, face_limit, no_face_words
from saber_agent.plugins.facetrack import DETECT_SHORT_SIDE, WINDOW
from saber_agent.plugins.scene import SceneTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import write_frames


@pytest.fixture(scope="module")
def wide_shot(tmp_path_factory):
    import cv2

    frame = np.zeros((1080, 1920, 3), np.uint8)
    frame[:540] = (180, 200, 235)
    frame[540:] = (70, 120, 60)
    head = cv2.resize(data.astronaut()[20:340, 100:420], (60, 60), interpolation=cv2.INTER_AREA)  # a face ~18 px tall
    frame[600:660, 900:960] = head
    return write_frames(tmp_path_factory.mktemp("wide") / "tiny_face.mp4", [frame] * 10, fps=10, size=(1920, 1080))


def test_the_limits():
    assert SMALLEST_FACE_SHARE["opencv-haar"] == WINDOW / DETECT_SHORT_SIDE == 0.1
    haar = face_limit("opencv-haar", (640, 360), (1920, 1080))
    assert haar == {"detector": "opencv-haar", "smallest_px": 36, "frame": [640, 360], "smallest_source_px": 108,
                    "source": [1920, 1080]}
    assert face_limit("mediapipe-blazeface-tiled", (640, 360))["smallest_px"] == 25
    assert "source" not in face_limit("opencv-haar", (640, 360), (640, 360))
    assert face_limit("someone-elses-detector", (640, 360)) is None
    assert no_face_words(None) == "No face was found"
    assert no_face_words(haar) == ("No face was found: the face detector misses faces under about 36 px tall in the analysed "
                                   "640x360 frames (108 px in the file's 1920x1080 picture), so a small or distant face may be there")


def test_a_small_face_in_a_wide_shot_is_not_said_to_be_absent(wide_shot):
    clip = decode(wide_shot)
    slot = SceneTool().perceive(clip, AnalysisSettings())
    faces = slot.measurements["faces"]
    assert faces["max"] == 0 and faces["limit"]["source"] == [1920, 1080]
    assert "No face is visible" not in slot.text
    assert "No face was found: the face detector misses faces under about " in slot.text
    assert "in the analysed 640x360 frames (" in slot.text and " px in the file's 1920x1080 picture)" in slot.text
    fine = slot.measurements["faces"]["fine"]
    assert fine is None or (fine["frames_checked"] == 3 and fine["frames_with_face"] == 0)  # too small even for that
