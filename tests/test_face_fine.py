"""The finer search for small faces (plugins/face_fine.py) when the face track found none, and its sentence in the
scene's text. Clips are made here with ffmpeg from scikit-image's astronaut (her head pasted small into a
sky-and-grass frame) and a face-less picture (hubble_deep_field, where a quarter-size tile scores a "face" that the
face mesh rejects)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.media import decode
from saber_agent.plugins import landmarks
from saber_agent.plugins.face_fine import FINE_KEY, fine_faces, fine_search, fine_words
from saber_agent.plugins.scene import SceneTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import write_frames

pytestmark = pytest.mark.skipif(landmarks.missing() is not None, reason="MediaPipe is not installed (saber-agent[offline])")


def _sky(h: int = 360, w: int = 640) -> np.ndarray:
    frame = np.zeros((h, w, 3), np.uint8)
    frame[: h // 2] = (180, 200, 235)
    frame[h // 2:] = (70, 120, 60)
    return frame


def _small_face(face_px: int) -> np.ndarray:
    """A 640x360 frame holding the astronaut's face about `face_px` tall (brow to chin, as detectors box it)."""
    import cv2

    head = data.astronaut()[60:260, 150:330]  # her face is about 110 px of this crop
    scale = face_px / 110
    small = cv2.resize(head, (round(head.shape[1] * scale), round(head.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    frame = _sky()
    frame[200:200 + small.shape[0], 300:300 + small.shape[1]] = small
    return frame


def test_the_fine_level_finds_faces_the_default_levels_miss():
    detector = landmarks.face_detector()
    frame = _small_face(16)
    assert len(detector.detect(frame)) == 0  # the default levels (frame, full and half short-side tiles)
    found = fine_faces(detector, frame)
    assert len(found) == 1 and 10 <= found[0][3] <= 16 and abs(found[0][0] - 302) < 6
    assert len(fine_faces(detector, _sky())) == 0


def test_a_fine_hit_the_face_mesh_rejects_does_not_count():
    import cv2

    texture = cv2.resize(data.hubble_deep_field()[..., :3], (640, 360), interpolation=cv2.INTER_AREA)
    detector = landmarks.face_detector()
    assert len(fine_faces(detector, texture)) == 0


def test_the_scene_says_a_small_face_was_found_by_the_finer_search(tmp_path):
    clip = decode(write_frames(tmp_path / "small_face.mp4", [_small_face(16)] * 10, fps=10))
    slot = SceneTool().perceive(clip, AnalysisSettings())
    faces = slot.measurements["faces"]
    assert faces["max"] == 0 and faces["fine"]["frames_with_face"] == faces["fine"]["frames_checked"] == 3
    assert "No face was found: the face detector misses faces under about 25 px tall in the analysed 640x360 frames." in slot.text
    assert "A finer search of 3 frame(s) found a small face, about " in slot.text and "may be there" not in slot.text
    assert fine_search(clip, "mediapipe-blazeface-tiled") is clip.extras[FINE_KEY]  # searched once per clip
    assert fine_search(clip, "opencv-haar") is None


def test_fine_words():
    assert fine_words(None) is None and fine_words({"frames_checked": 3, "frames_with_face": 0}) is None
    found = {"frames_checked": 3, "frames_with_face": 2, "face_px": 13.0}
    assert fine_words(found, 3.0) == ("A finer search of 3 frame(s) found a small face, about 13 px tall (39 px in the file's "
                                      "picture), in 2 of them, too small for the face track that reads expressions.")
