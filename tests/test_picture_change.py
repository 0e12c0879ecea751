"""The one still-picture decision (saber_agent/picture_change.py), on scikit-image's astronaut encoded to H.264 by
ffmpeg (real re-encoding noise) and decoded, and on frames made here whose change is known exactly."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip, DecodeSettings, decode
from saber_agent.picture_change import CHANGE_LEVEL, STILL_SHARE, measure, picture_change
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


def _glance(photo: np.ndarray) -> list[np.ndarray]:
    """4 s at 25 fps of a still photo in which a dark 80x60 patch shows for frames 41-47 (1.64-1.88 s): between the
    samples of a 2 fps decode (1.5 s and 2.0 s)."""
    shown = photo.copy()
    shown[150:210, 280:360] = 20
    return [shown if i in range(41, 48) else photo for i in range(100)]


def test_a_change_between_the_sampled_frames_is_seen_by_the_decode(tmp_path, photo):
    """Sampled at 2 fps, every sampled frame of this clip is the same picture: the decision was 'still' (and, once the
    second-look rule read it whatever tools ran, the 8 fps look that finds the brief change was refused,
    tests/test_reperception.py). The decode compares the unsampled frames too (BetweenSamples)."""
    clip = decode(write_frames(tmp_path / "glance.mp4", _glance(photo)), DecodeSettings(fps=2))
    change = picture_change(clip)
    assert change.changed.max() < STILL_SHARE  # the sampled frames alone: the same picture
    assert not change.still and change.between.tolist() == [i == 3 for i in range(len(clip.frames))]  # after 1.5 s
    assert change.still_pairs.tolist() == [i != 3 for i in range(len(clip.frames) - 1)]
    assert measure(clip.frames).still  # without the decode's watch: still (frames made in memory are judged so)
    still = decode(write_frames(tmp_path / "still.mp4", [photo] * 100), DecodeSettings(fps=2))
    assert picture_change(still).still and not picture_change(still).between.any()
    late = clip.window(1.0, 2.6)  # a window keeps the watch of its own frames (1.0, 1.5, 2.0, 2.5 s)
    assert picture_change(late).between.tolist() == [False, True, False, False] and not picture_change(late).still


def test_the_watch_reads_packed_rgb_frames_too(tmp_path, photo):
    """A PNG-in-Matroska clip decodes to rgb24 frames (no luma plane): the watch asks libswscale for grey."""
    import subprocess

    h264 = write_frames(tmp_path / "glance.mp4", _glance(photo))
    png = tmp_path / "glance.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(h264), "-c:v", "png", "-pix_fmt", "rgb24", str(png)], check=True)
    clip = decode(png, DecodeSettings(fps=2))
    change = picture_change(clip)
    assert change.changed.max() < STILL_SHARE and not change.still and change.between.sum() == 1


def test_the_watch_costs_about_one_comparison_per_sample_on_moving_footage(tmp_path, photo):
    from saber_agent.picture_change import BetweenSamples

    moving = [np.roll(photo, 3 * i, axis=1) for i in range(100)]  # a pan: every frame differs
    path = write_frames(tmp_path / "pan.mp4", moving)
    import av

    watch, kept = BetweenSamples(), 0
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i % 12 == 0:
                watch.kept(frame)
                kept += 1
            else:
                watch.skipped(frame)
    assert watch.result().all() and watch.compared == kept  # one comparison a gap: the first frame after it moved


def test_one_frame_decides_nothing_about_change(photo):
    # the trial's 0.5 s short.mp4: one sampled frame was called a still picture and an 8 fps look was refused
    assert measure(photo[None]).decided is None and measure(np.zeros((0, 8, 8, 3), np.uint8)).decided is None
    assert measure(np.stack([photo, photo])).decided is True
    changed = np.ascontiguousarray(photo[:, ::-1])
    assert measure(np.stack([photo, changed])).decided is False
    # one sampled frame, but the decode saw a change after it: a moving picture
    assert measure(photo[None], between=np.array([True])).decided is False
