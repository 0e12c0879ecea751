"""The one list of media extensions (saber_agent.media_formats): every extension decodes, batch folder scanning
and the app use the list, and a batch says what it skipped. Clips are made here with ffmpeg (0.4 s each)."""

from __future__ import annotations

import pytest

from saber_agent.batch.inputs import not_media_under, read_items
from saber_agent.media import decode
from saber_agent.media_formats import (
    AUDIO_SUFFIXES,
    MEDIA_SUFFIXES,
    PICTURE_SUFFIXES,
    VIDEO_SUFFIXES,
    is_media_name,
    media_types_text,
    strip_media_suffix,
)
from saber_agent.testing.synth import _need, _run

H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
MPEG2 = ["-c:v", "mpeg2video", "-pix_fmt", "yuv420p"]
# extension -> (has video, ffmpeg output options); the muxer is named where an extension alone would not choose it
RECIPES = {
    ".mp4": (True, [*H264, "-c:a", "aac"]), ".m4v": (True, [*H264, "-c:a", "aac", "-f", "mp4"]),
    ".mov": (True, [*H264, "-c:a", "aac"]), ".mkv": (True, [*H264, "-c:a", "aac"]),
    ".webm": (True, ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"]),
    ".avi": (True, ["-c:v", "mpeg4", "-c:a", "mp3"]), ".wmv": (True, ["-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf"]),
    ".asf": (True, ["-c:v", "wmv2", "-c:a", "wmav2"]), ".flv": (True, ["-c:v", "flv", "-c:a", "aac"]),
    ".mpg": (True, [*MPEG2, "-c:a", "mp2", "-f", "mpeg"]), ".mpeg": (True, [*MPEG2, "-c:a", "mp2", "-f", "mpeg"]),
    ".vob": (True, [*MPEG2, "-c:a", "ac3", "-f", "vob"]),
    ".ts": (True, [*H264, "-c:a", "aac", "-f", "mpegts"]), ".mts": (True, [*H264, "-c:a", "ac3", "-f", "mpegts"]),
    ".m2ts": (True, [*H264, "-c:a", "ac3", "-f", "mpegts", "-mpegts_m2ts_mode", "1"]),
    ".mxf": (True, [*MPEG2, "-c:a", "pcm_s16le", "-ar", "48000", "-f", "mxf"]),
    ".3gp": (True, [*H264, "-c:a", "aac", "-f", "3gp"]), ".3g2": (True, [*H264, "-c:a", "aac", "-f", "3g2"]),
    ".ogv": (True, ["-c:v", "libtheora", "-c:a", "libvorbis", "-f", "ogg"]),
    ".wav": (False, []), ".mp3": (False, ["-c:a", "libmp3lame"]), ".m4a": (False, ["-c:a", "aac", "-f", "mp4"]),
    ".aac": (False, ["-c:a", "aac", "-f", "adts"]), ".flac": (False, []), ".ogg": (False, ["-c:a", "libvorbis"]),
    ".oga": (False, ["-c:a", "flac", "-f", "ogg"]), ".opus": (False, ["-c:a", "libopus", "-f", "opus"]),
    ".wma": (False, ["-c:a", "wmav2", "-f", "asf"]), ".aif": (False, ["-f", "aiff"]), ".aiff": (False, []),
    ".caf": (False, ["-f", "caf"]), ".ac3": (False, ["-c:a", "ac3", "-f", "ac3"]), ".mka": (False, ["-f", "matroska"]),
}
NO_ENCODER = {".amr"}  # ffmpeg here cannot write AMR; the decoder is checked instead
# pictures: one frame of ffmpeg's test pattern (a still image), and animated GIF / APNG / WebP
PICTURE_RECIPES = {".png": [], ".apng": ["-f", "apng"], ".jpg": [], ".jpeg": [], ".gif": [], ".webp": [], ".bmp": [], ".tif": [],
                   ".tiff": []}


def make(path, video: bool, options: list[str]):
    inputs = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=0.4"]
    if video:
        inputs = ["-f", "lavfi", "-i", "testsrc=size=128x96:rate=25:duration=0.4", *inputs, "-shortest"]
    _run([_need("ffmpeg"), "-v", "error", "-y", *inputs, *options, str(path)])
    return path


def make_picture(path, options: list[str], frames: int = 1):
    _run([_need("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=128x96:rate=10", "-frames:v", str(frames),
          *options, str(path)])
    return path


def test_the_recipes_cover_the_list():
    assert set(RECIPES) | NO_ENCODER | set(PICTURE_RECIPES) == MEDIA_SUFFIXES and set(PICTURE_RECIPES) == set(PICTURE_SUFFIXES)
    assert all(RECIPES[s][0] for s in VIDEO_SUFFIXES) and not any(RECIPES[s][0] for s in AUDIO_SUFFIXES if s in RECIPES)


@pytest.mark.parametrize("suffix", sorted(RECIPES))
def test_every_listed_extension_decodes(tmp_path, suffix):
    video, options = RECIPES[suffix]
    clip = decode(make(tmp_path / f"clip{suffix}", video, options))
    assert clip.has_audio and clip.has_video == video


@pytest.mark.parametrize("suffix", sorted(PICTURE_RECIPES))
def test_every_listed_picture_decodes_as_a_still_image(tmp_path, suffix):
    clip = decode(make_picture(tmp_path / f"picture{suffix}", PICTURE_RECIPES[suffix]))
    assert clip.has_video and not clip.has_audio and clip.info.still_image and clip.frames.shape == (1, 96, 128, 3)


def test_an_animated_gif_is_video():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        clip = decode(make_picture(Path(folder) / "anim.gif", [], frames=20))
    assert not clip.info.still_image and clip.info.n_frames >= 4 and clip.duration_s == pytest.approx(2.0, abs=0.15)


def test_amr_is_decodable():
    import av

    assert "amrnb" in av.codecs_available and "amr" in av.formats_available


def test_a_folder_batch_takes_every_media_file_and_names_what_it_skips(tmp_path, capsys):
    from saber_agent.commands.batch import _say_skipped

    folder = tmp_path / "formats"
    folder.mkdir()
    for suffix in (".mov", ".mxf", ".m2ts", ".mts", ".3gp", ".wmv"):  # the trial's folder
        make(folder / f"clip{suffix.upper() if suffix == '.mts' else suffix}", True, RECIPES[suffix][1])
    (folder / "notes.txt").write_text("not a clip\n")
    (folder / "subtitles.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    (folder / ".DS_Store").write_bytes(b"hidden")
    make_picture(folder / "still.png", [])  # trial D: a batch skipped .gif and .png that analyze reads
    make_picture(folder / "anim.GIF", [], frames=5)
    items = read_items(folder)
    assert sorted(item.path.rsplit(".", 1)[1].lower() for item in items) == ["3gp", "gif", "m2ts", "mov", "mts", "mxf", "png", "wmv"]
    assert [p.name for p in not_media_under(folder)] == ["notes.txt", "subtitles.srt"]
    _say_skipped(str(folder))
    err = capsys.readouterr().err
    assert "skipped 2 file(s)" in err and ".srt, .txt" in err and "MXF" in err and "GIF" in err
    _say_skipped(str(folder / "clip.mov"))  # a single file: nothing to say
    assert capsys.readouterr().err == ""


def test_the_app_accepts_the_same_list():
    pytest.importorskip("gradio")
    from saber_agent.ui.app import MEDIA_TYPES
    from saber_agent.ui.service import safe_stem

    assert set(MEDIA_TYPES) == MEDIA_SUFFIXES
    assert {".ts", ".mxf", ".3gp", ".m2ts", ".wmv"} <= set(MEDIA_TYPES)
    assert safe_stem("news.mxf") == "news" and safe_stem("a.b.3gp") == "a.b" and safe_stem("x.txt") == "x.txt"
    assert strip_media_suffix("clip.M2TS") == "clip"
    assert "MXF" in media_types_text() and "WAV" in media_types_text() and "a picture (PNG, " in media_types_text()
    assert is_media_name("Photo.JPG") and is_media_name("anim.gif") and not is_media_name("notes.txt")


def test_the_app_has_a_picker_for_formats_the_browsers_video_picker_refuses(tmp_path):
    pytest.importorskip("gradio")
    import gradio as gr
    from gradio_client import utils as client_utils

    from saber_agent.ui.app import MEDIA_TYPES, build_app, chosen_path

    demo = build_app()
    pickers = [b for b in demo.blocks.values() if isinstance(b, gr.File) and b.elem_id == "saber-file"]
    assert len(pickers) == 1 and set(pickers[0].file_types) == MEDIA_SUFFIXES
    # Gradio's own check of an upload against file_types (the API's clip input and this picker)
    assert all(client_utils.is_valid_file(f"news{s}", MEDIA_TYPES) for s in (".ts", ".mxf", ".3gp", ".MTS", ".wmv"))
    assert not client_utils.is_valid_file("notes.txt", MEDIA_TYPES)
    assert chosen_path("file", "v.mp4", None, "f.mxf") == "f.mxf"
    assert chosen_path("video", None, None, "f.mxf") == "f.mxf"
    assert chosen_path("audio", "v.mp4", "a.wav", None) == "a.wav"
    assert chosen_path("video", None, None, None) is None
