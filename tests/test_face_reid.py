"""A face that changes place between sampled frames (cuts, jumps) stays one visible face: the tracker's
full scan on loss and `face_reid.stitch`, on real photographs (scikit-image astronaut; matplotlib's Grace Hopper)."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from saber_agent import media
from saber_agent.evidence import ClipInfo
from saber_agent.plugins import face, face_reid, facetrack

skimage_data = pytest.importorskip("skimage.data")
matplotlib = pytest.importorskip("matplotlib")
HOPPER = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "sample_data", "grace_hopper.jpg")


def clip_of(frames: np.ndarray, fps: float = 2.0) -> media.Clip:
    n = len(frames)
    info = ClipInfo(path="<frames>", duration_s=n / fps, has_video=n > 0, n_frames=n, sample_fps=fps)
    return media.Clip(info, frames, np.arange(n) / fps, np.zeros(0, np.float32))


def hopper() -> np.ndarray:
    return cv2.resize(cv2.cvtColor(cv2.imread(HOPPER), cv2.COLOR_BGR2RGB), (512, 512), interpolation=cv2.INTER_AREA)


def cuts(faces: list[np.ndarray], seconds: int = 7, fps: float = 2.0) -> np.ndarray:
    """A 1024x512 picture with a face framed left on even seconds and right on odd ones (a cut each second)."""
    frames = []
    for i in range(int(seconds * fps)):
        second = int(i / fps)
        canvas = np.full((512, 1024, 3), (64, 72, 80), np.uint8)
        x = 0 if second % 2 == 0 else 512
        canvas[:, x:x + 512] = faces[second % len(faces)]
        frames.append(canvas)
    return np.stack(frames)


@pytest.mark.parametrize("tracker", ["auto", "haar"])
def test_the_same_face_cut_left_and_right_is_visible_in_every_frame(tracker):
    """The trial's cuts_same_person.mp4 in memory: before the fix, 8 of 14 frames (the right-hand shots lost)."""
    clip = clip_of(cuts([skimage_data.astronaut()]))
    track = facetrack.track_faces(clip, tracker)
    assert track.found.all(), track.found.astype(int).tolist()
    assert track.n_tracks == 1 and (track.counts == 1).all()
    x = track.centers[:, 0]
    assert (x[[0, 1, 4, 5]] < 512).all() and (x[[2, 3, 6, 7]] > 512).all()  # it is where it was framed
    head = face.head_motion(track, 1024)
    assert head["jumps"] == 6  # 0->1 s, ..., 5->6 s: not head motion
    assert head["horizontal_range_fw"] < 0.2 and head["mean_speed_fw_s"] < 0.15


def test_two_different_people_taking_turns_stay_two_faces():
    """Astronaut and Hopper cut left/right: not joined into one face (and each is tracked)."""
    clip = clip_of(cuts([skimage_data.astronaut(), hopper()]))
    track = facetrack.track_faces(clip, "auto")
    assert (track.counts == 1).all()  # a face is on screen in every frame
    assert track.n_tracks == 2
    # the main face (the larger in total: Hopper's) is seen in its own shots only, the other is not merged into it
    assert track.found.sum() == 6 and track.found[[2, 3, 6, 7, 10, 11]].all()


def test_a_face_jumping_far_between_samples_is_followed():
    """A face that moves ~2 face widths between samples (the trial's sliding broadcast picture)."""
    face_img = skimage_data.astronaut()
    xs = [0, 600, 600, 50, 700, 300, 0, 700]
    frames = []
    for x in xs:
        canvas = np.full((512, 1280, 3), (64, 72, 80), np.uint8)
        canvas[:, x:x + 512] = face_img
        frames.append(canvas)
    track = facetrack.track_faces(clip_of(np.stack(frames)), "auto")
    assert track.found.all() and track.n_tracks == 1


def test_signature_similarity_same_photo_high_other_person_low():
    ast, hop = skimage_data.astronaut(), hopper()
    det = facetrack.get_detector("auto")
    a_box, h_box = det.detect(ast)[0], det.detect(hop)[0]
    a, h = face_reid.signature(ast, a_box), face_reid.signature(hop, h_box)
    moved = np.zeros((512, 1280, 3), np.uint8)
    moved[:, 700:1212] = ast
    again = face_reid.signature(moved, a_box + np.array([700, 0, 0, 0]))
    assert min(face_reid.similarity(a, again)) > 0.95 and face_reid.same_looking(a, again)
    assert not face_reid.same_looking(a, h)
    assert face_reid.signature(ast, np.array([600.0, 600, 10, 10])) is None  # a box outside the frame
