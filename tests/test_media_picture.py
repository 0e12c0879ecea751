"""Display proportions and interlaced fields of decoded frames (saber_agent.media_picture), on clips made with ffmpeg."""

from fractions import Fraction

import numpy as np
import pytest

from saber_agent.media import DecodeSettings, decode
from saber_agent.media_picture import field_order, sample_aspect, scaled_size
from saber_agent.testing.synth import _need, _run

# a white box sweeping across a grey picture at 50 pictures a second: fast horizontal motion
SWEEP = ("color=c=gray:s=720x576:r=50[bg];color=c=white:s=120x280:r=50[box];"
         "[bg][box]overlay=x='mod(t*900\\,560)':y=150[out0]")


def _ffmpeg(*args: str) -> None:
    _run([_need("ffmpeg"), "-v", "error", "-y", *args])


@pytest.fixture(scope="module")
def interlaced_clip(tmp_path_factory):
    """576i25 H.264 (top field first), two fields 1/50 s apart in every frame: moving edges comb."""
    path = tmp_path_factory.mktemp("picture") / "sweep_576i.ts"
    _ffmpeg("-f", "lavfi", "-i", SWEEP, "-vf", "tinterlace=mode=interleave_top,setfield=tff,format=yuv420p",
            "-c:v", "libx264", "-preset", "ultrafast", "-flags", "+ildct+ilme", "-x264-params", "tff=1",
            "-field_order", "tt", "-r", "25", "-t", "2", "-f", "mpegts", str(path))
    return path


@pytest.fixture(scope="module")
def progressive_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("picture") / "sweep_576p.mp4"
    _ffmpeg("-f", "lavfi", "-i", SWEEP, "-vf", "format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
            "-r", "25", "-t", "2", str(path))
    return path


def combing(frames: np.ndarray) -> float:
    """Mean |row - next row| over mean |row - row two below|: about 0.6 for a natural picture, over 1 when
    alternate rows hold two different moments (combing)."""
    y = frames.astype(np.float32).mean(axis=-1)
    return float(np.abs(np.diff(y, axis=-2)).mean() / np.abs(y[..., 2:, :] - y[..., :-2, :]).mean())


def test_an_interlaced_clip_with_motion_decodes_without_combing(interlaced_clip, progressive_clip):
    import av

    with av.open(str(interlaced_clip)) as container:  # the clip itself combs when a frame is scaled whole
        video = container.streams.video[0]
        whole = np.stack([f.to_ndarray(format="rgb24", width=640, height=512) for f in container.decode(video)])
        assert field_order(video) == "tt"
    assert combing(whole) > 1.2

    clip = decode(interlaced_clip, DecodeSettings(fps=8))
    assert clip.frames.shape[1:] == (512, 640, 3)
    assert combing(clip.frames) < 0.9
    assert any("interlaced (field order tt)" in n and "top field" in n for n in clip.info.notes)

    reference = decode(progressive_clip, DecodeSettings(fps=8))
    assert not any("interlaced" in n for n in reference.info.notes)
    assert abs(combing(clip.frames) - combing(reference.frames)) < 0.2
    # the box is where the progressive clip has it (the first field is the frame's own moment)
    assert np.abs(clip.frames[4].astype(int) - reference.frames[4].astype(int)).mean() < 12


def test_non_square_pixels_are_shown_in_display_proportions(tmp_path):
    """PAL 16:9: 720x576 with 64:45 pixels displays as 1024x576; a box 128x180 coded is square when shown."""
    path = tmp_path / "pal_anamorphic.ts"
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=720x576:r=25", "-vf",
            "drawbox=x=296:y=198:w=128:h=180:color=white:t=fill,setsar=64/45,format=yuv420p",
            "-c:v", "mpeg2video", "-b:v", "4M", "-t", "1", "-f", "mpegts", str(path))
    clip = decode(path)
    assert clip.frames.shape[1:] == (360, 640, 3)
    assert (clip.info.width, clip.info.height) == (640, 360)
    assert any("sample aspect ratio 64:45" in n and "1024x576" in n for n in clip.info.notes)
    rows, cols = np.nonzero(clip.frames[0].mean(axis=-1) > 128)
    width, height = cols.max() - cols.min() + 1, rows.max() - rows.min() + 1
    assert abs(width / height - 1.0) < 0.08  # was 128/180 = 0.71 when the pixels were taken as square


def test_helpers():
    assert scaled_size(1024, 576, 640) == (640, 360)
    assert scaled_size(300, 200, 640) == (300, 200)

    class Stream:
        sample_aspect_ratio = Fraction(1, 1)
        codec_context = None

    assert sample_aspect(Stream()) is None
    Stream.sample_aspect_ratio = Fraction(64, 45)
    assert sample_aspect(Stream()) == Fraction(64, 45)
    Stream.sample_aspect_ratio = Fraction(100, 1)  # implausible: ignored
    assert sample_aspect(Stream()) is None
