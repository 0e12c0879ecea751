"""The one still-picture decision (plugins/picture_change.py), on scikit-image's astronaut encoded to H.264 by
ffmpeg (real re-encoding noise) and decoded, and on frames made here whose change is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip, DecodeSettings, decode
from saber_agent.plugins.picture_change import CHANGE_LEVEL, STILL_SHARE, measure, picture_change
from saber_agent.speakers import track_all_faces
from tests.support.frames import fit, write_frames


def clip_of(frames: np.ndarray, fps: float = 2.0) -> Clip:
    times = np.arange(len(frames)) / fps
    info = ClipInfo(path="frames", duration_s=len(frames) / fps, has_video=True, n_frames=len(frames))
    return Clip(info, frames, times, np.zeros(0, np.float32))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return fit(data.astronaut())


def test_a_reencoded_still_photo_is_still_and_measured_once(tmp_path, photo):
    clip = decode(write_frames(tmp_path / "still.mp4", [photo] * 75), DecodeSettings(fps=4))
    change = picture_change(clip)
    assert len(clip.frames) >= 10 and change.still and change.changed.max() < STILL_SHARE
    assert change.grey.shape == (len(clip.frames), 108, 192) and change.blurred.dtype == np.uint8
    assert picture_change(clip) is change and clip.extras["picture_change"] is change  # cached on the clip


def test_a_mouth_that_opens_in_a_clean_still_picture_is_not_still(photo):
    """The speakers' former rule (mean absolute change of the RGB mean < 0.5 levels over the clip) read this clip as
    still: a 24x8 pixel 'mouth' opening and closing changes the mean by under 0.1 levels."""
    opened = photo.copy()
    opened[200:208, 308:332] = 20  # a dark mouth opening, 24x8 pixels of 640x360
    frames = np.stack([photo, opened] * 4)
    change = measure(frames)
    assert not change.still and change.still_pairs.sum() == 0
    assert np.mean(np.abs(np.diff(frames.mean(axis=3), axis=0))) < 0.1  # the former rule: 'still'
    assert track_all_faces(clip_of(frames), mouths=False).still is False


def test_a_small_fade_keeps_a_still_picture_still_and_one_frame_is_still(photo):
    fade = np.stack([np.clip(photo.astype(np.int16) + k, 0, 255).astype(np.uint8) for k in range(0, CHANGE_LEVEL - 5, 2)])
    assert measure(fade).still  # a brightness ramp of 2 levels a frame moves nothing
    assert measure(photo[None]).still and measure(photo[None]).changed.size == 0
    assert measure(np.zeros((0, 8, 8, 3), np.uint8)).still


def test_a_nod_and_a_cut_are_changes_of_the_pairs_they_touch(photo):
    nod = photo.copy()
    nod[120:260, 260:380] = photo[116:256, 260:380]  # the face region moved down 4 pixels
    other = np.ascontiguousarray(photo[:, ::-1])
    change = measure(np.stack([photo, photo, nod, nod, other]))
    assert change.still_pairs.tolist() == [True, False, True, False]
    assert STILL_SHARE < change.changed[1] < 0.05 < change.changed[3]
