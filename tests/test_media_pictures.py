"""Pictures as clips (saber_agent/media.py, media_picture.py): a photo decodes as one still image (no duration note,
the header says so, no frame-rate second look), transparent pixels are composited over grey, and the clip reports
the file's picture size beside the analysed one. Pictures are written here with Pillow and ffmpeg (trial D's
still.png, alpha.png, tiny_face.mp4 in small)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data

from saber_agent.evidence import ClipInfo, Evidence, PerceptionRequest, Result
from saber_agent.media import decode
from saber_agent.reperception import plan
from saber_agent.report import render
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import _need, _run


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictures")
    photo = data.astronaut()  # 512x512 RGB
    Image.fromarray(photo).save(folder / "still.png")
    Image.fromarray(photo).save(folder / "still.jpg", quality=90)
    Image.fromarray(photo).save(folder / "still.gif")
    rgba = np.dstack([photo, np.zeros(photo.shape[:2], np.uint8)])
    rgba[40:400, 60:460, 3] = 255  # trial D's alpha.png: the photo, opaque only inside a box
    Image.fromarray(rgba).save(folder / "alpha.png")
    return folder


@pytest.mark.parametrize("name", ["still.png", "still.jpg", "still.gif"])
def test_a_photo_is_a_still_image_without_a_duration_note(pictures, name):
    clip = decode(pictures / name)
    assert clip.info.still_image and clip.info.n_frames == 1
    # was "the file declares no duration: 0.0 s were decoded (frames sampled every 0.5 s over 0-0.0 s)" for the PNG
    assert not any("duration" in n for n in clip.info.notes)
    header = render(Result(clip=clip.info, evidence=Evidence())).splitlines()[0]
    assert header.endswith("(still image 512x512)")  # was "(0.0 s; video 512x512, 1 frames at 2 fps)"


def test_a_video_is_not_a_still_image(tmp_path):
    path = tmp_path / "clip.mp4"
    _run([_need("ffmpeg"), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=128x96:rate=10:duration=1",
          "-pix_fmt", "yuv420p", str(path)])
    assert not decode(path).info.still_image


def test_a_frame_rate_look_at_a_still_image_is_refused():
    # the trial's still.png took "face on the whole clip at 8 fps" (done) on its one frame; picture_still gives
    # None for one sampled frame (one frame of a video shows no change), but a still image has no other frame
    info = ClipInfo(path="/nowhere/still.png", duration_s=0.04, has_video=True, n_frames=1, sample_fps=2.0, still_image=True)
    asked = [PerceptionRequest(tool="face", fps=8.0)]
    taken, refused = plan(asked, [], AnalysisSettings(), info, 1, "fusion", ["face"])
    assert not taken and "a single still image" in refused[0].note
    video = info.model_copy(update={"still_image": False, "path": "/nowhere/one_frame.mp4"})
    taken, refused = plan(asked, [], AnalysisSettings(), video, 1, "fusion", ["face"])
    assert [r.tool for r in taken] == ["face"] and not refused


def test_transparent_pixels_are_composited_over_grey(pictures):
    clip = decode(pictures / "alpha.png")
    frame = clip.frames[0]
    # outside the opaque box the photo under the mask was analysed as if visible (the astronaut's flag at (10, 10))
    assert (frame[10, 10] == 128).all() and (frame[500, 500] == 128).all()
    assert np.array_equal(frame[200, 200], data.astronaut()[200, 200])
    assert any("transparent in places (45% of its pixels)" in n for n in clip.info.notes)
    assert not any("transparent" in n for n in decode(pictures / "still.png").info.notes)


def test_the_clip_reports_the_files_picture_size_and_the_analysed_one(tmp_path):
    path = tmp_path / "wide.mp4"
    _run([_need("ffmpeg"), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=1920x1080:rate=10:duration=0.5",
          "-pix_fmt", "yuv420p", str(path)])
    info = decode(path).info
    assert (info.width, info.height) == (640, 360)  # the analysed frames, as before (plugins read frames, not these)
    assert (info.source_width, info.source_height) == (1920, 1080)
    assert "video 1920x1080, analysed at 640x360, " in render(Result(clip=info, evidence=Evidence())).splitlines()[0]
    small = ClipInfo(path="x.mp4", has_video=True, width=320, height=240, source_width=320, source_height=240)
    assert small.picture_text() == "320x240"
    assert ClipInfo(path="old.json", width=640, height=360).picture_text() == "640x360"  # results made before the field
