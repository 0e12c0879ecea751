import os
import wave

import numpy as np
import pytest

from saber_agent.media import AUDIO_RATE, ClipCache, DecodeSettings, MediaError, content_hash, decode
from saber_agent.testing.synth import face_image, make_clip


def test_decode_samples_frames_and_resamples_audio(face_speech_clip, speech_wav):
    clip = decode(face_speech_clip, DecodeSettings(fps=2))
    info = clip.info
    assert info.has_video and info.has_audio
    assert clip.frames.dtype == np.uint8 and clip.frames.shape[1:] == (240, 320, 3)
    # 2 frames per second of a ~5 s clip, not all 25 per second
    assert abs(len(clip.frames) - info.duration_s * 2) <= 2
    assert np.all(np.diff(clip.frame_times) >= 0.45)
    assert clip.sample_rate == AUDIO_RATE and clip.audio.dtype == np.float32
    with wave.open(str(speech_wav)) as source:
        spoken_s = source.getnframes() / source.getframerate()
    assert abs(clip.audio.size / AUDIO_RATE - spoken_s) < 0.1
    assert not clip.audio_is_silent


def test_long_clip_keeps_a_bounded_number_of_frames(face_speech_clip):
    clip = decode(face_speech_clip, DecodeSettings(fps=25, max_frames=10, max_side=64))
    assert len(clip.frames) <= 10
    assert max(clip.frames.shape[1:3]) <= 64
    # sparser sampling spreads the kept frames over the whole clip
    assert clip.frame_times[-1] > clip.info.duration_s * 0.7


def test_audio_only(audio_only_clip):
    clip = decode(audio_only_clip)
    assert not clip.has_video and clip.has_audio and clip.frames.shape[0] == 0


def test_video_only(video_only_clip):
    clip = decode(video_only_clip)
    assert clip.has_video and not clip.has_audio and clip.audio.size == 0


def test_silent_audio_is_noted(silent_clip):
    clip = decode(silent_clip)
    assert clip.has_audio and clip.audio_is_silent
    assert "the audio track is silent" in clip.info.notes


def test_window_is_a_view_of_the_decoded_clip(face_speech_clip):
    clip = decode(face_speech_clip, DecodeSettings(fps=4))
    part = clip.window(1.0, 2.0)
    assert part.audio.size == AUDIO_RATE
    assert np.all((part.frame_times >= 0) & (part.frame_times < 1.0))


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        decode(tmp_path / "nope.mp4")


def test_directory(tmp_path):
    with pytest.raises(MediaError, match="is a directory"):
        decode(tmp_path)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(MediaError, match="empty"):
        decode(empty)


def test_text_file_named_mp4(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match=r"notes\.mp4: not a readable audio or video file"):
        decode(fake)


def test_truncated_mp4(tmp_path, face_speech_clip):
    data = face_speech_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])  # faststart: the index survives, most media does not
    try:
        clip = decode(cut)
    except MediaError as exc:
        assert "cut.mp4" in str(exc)
    else:  # what decodes is kept, and the damage is noted
        assert clip.info.notes


def test_truncated_header(tmp_path, face_speech_clip):
    cut = tmp_path / "head.mp4"
    cut.write_bytes(face_speech_clip.read_bytes()[:200])
    with pytest.raises(MediaError, match="head.mp4"):
        decode(cut)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, face_speech_clip):
    locked = tmp_path / "locked.mp4"
    locked.write_bytes(face_speech_clip.read_bytes())
    locked.chmod(0)
    with pytest.raises(MediaError, match="permission denied"):
        decode(locked)


def test_symlink_loop(tmp_path):
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop)
    with pytest.raises(MediaError, match="loop.mp4"):
        decode(loop)


def test_too_long_is_refused(face_speech_clip):
    with pytest.raises(MediaError, match="over the 1 s limit"):
        decode(face_speech_clip, DecodeSettings(max_duration_s=1))


def test_cache_decodes_once(face_speech_clip):
    cache = ClipCache()
    first = cache.get(face_speech_clip)
    assert cache.get(face_speech_clip) is first
    assert cache.decodes == 1
    cache.get(face_speech_clip, DecodeSettings(fps=1))
    assert cache.decodes == 2


def test_content_hash_ignores_the_name(tmp_path, face_speech_clip):
    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(face_speech_clip.read_bytes())
    assert content_hash(copy) == content_hash(face_speech_clip)


def test_one_frame_video(tmp_path):
    path = make_clip(tmp_path / "one.mp4", face_image(), None, seconds=0.04, motion=False)
    clip = decode(path)
    assert len(clip.frames) == 1


def test_a_shared_result_is_computed_once_for_tools_running_in_parallel():
    import threading
    import time

    from saber_agent.evidence import ClipInfo
    from saber_agent.media import Clip

    clip = Clip(ClipInfo(path="x.wav"), np.zeros((0, 2, 2, 3), np.uint8), np.zeros(0), np.zeros(AUDIO_RATE, np.float32))
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return {"made": len(calls)}

    found = []
    threads = [threading.Thread(target=lambda: found.append(clip.shared("thing", compute))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(f is found[0] for f in found) and clip.extras["thing"] == {"made": 1}


def _ffmpeg(*args: str) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory):
    """10 s of a moving test picture and a tone, H.264 and AAC in MP4: (index first, index last)."""
    where = tmp_path_factory.mktemp("ten")
    made = []
    for name, flags in (("faststart.mp4", ["-movflags", "+faststart"]), ("plain.mp4", [])):
        _ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:d=10", "-f", "lavfi", "-i", "sine=f=300:d=10",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", *flags, str(where / name))
        made.append(where / name)
    return made


def test_a_cut_off_file_notes_the_damage_and_how_much_decoded(tmp_path, ten_seconds):
    """The trial's broken_trunc_faststart.mp4: the decode error's note hid (`elif`) the note that only part of the
    declared duration decoded, and duration_s said the declared 10 s of a file that holds under 3."""
    data = ten_seconds[0].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])  # faststart: the index survives, most media does not
    clip = decode(cut)
    notes = clip.info.notes
    assert any(n.startswith("decoding stopped early or skipped damaged data") for n in notes)
    (short,) = [n for n in notes if n.startswith("only ")]
    assert short.endswith("of the declared 10.0 s could be decoded (truncated file?)")
    decoded = max(clip.audio.size / AUDIO_RATE, clip.frame_times[-1])
    assert clip.info.duration_s < 4.0 and abs(clip.info.duration_s - decoded) < 0.6  # was 10.0
    assert clip.info.duration_declared  # the file did declare 10 s: the note says so
    cut.write_bytes(data[: len(data) * 9 // 10])  # 9 of 10 s: after a decode error, a shortfall over 0.5 s is noted too
    nine = decode(cut).info
    assert nine.duration_s < 9.6 and any(n.startswith("only 9.") for n in nine.notes)


def test_an_mp4_cut_off_before_its_index_says_so(tmp_path, ten_seconds):
    """The trial's broken_trunc.mp4 (the index, written last, never was): "not a readable audio or video file
    (Invalid data found when processing input)" did not say that it is a recording cut off, nor what to do."""
    data = ten_seconds[1].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"cut\.mp4: is an MP4/MOV file cut off before its index \(the moov box\)"):
        decode(cut)
    text = tmp_path / "text.mp4"
    text.write_text("not a video at all\n" * 40)
    with pytest.raises(MediaError, match="not a readable audio or video file"):
        decode(text)


@pytest.mark.parametrize("video_s, audio_s, said", [
    (2, 6, "from 2.0 s to 6.0 s the clip has sound but no picture (the video ends first)"),
    (6, 2, "from 2.0 s to 6.0 s the clip has picture but no sound (the audio ends first)"),
    (6, 6, None),
])
def test_sound_without_picture_and_picture_without_sound_are_noted(tmp_path, video_s, audio_s, said):
    """The trial's av_audio_longer.mp4 (2 s of video, 10 s of audio) and av_video_longer.mp4: no note said that
    part of the clip has sound but no picture (or the reverse), while face and body described "the clip"."""
    path = tmp_path / "av.mp4"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc=size=160x120:rate=25:d={video_s}", "-f", "lavfi", "-i", f"sine=f=300:d={audio_s}",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))
    notes = [n for n in decode(path).info.notes if "no picture" in n or "no sound" in n]
    assert notes == ([f"{said}: what is seen (face, body, scene) and what is heard cover different times"] if said else [])


def test_late_audio_is_noted(tmp_path):
    path = tmp_path / "late.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:d=6", "-f", "lavfi", "-i", "sine=f=300:d=4",
            "-filter_complex", "[1:a]adelay=2000:all=1[a]", "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-pix_fmt",
            "yuv420p", "-c:a", "aac", str(path))
    clip = decode(path)
    assert not [n for n in clip.info.notes if "no sound" in n]  # adelay writes silence: the audio stream covers 0-6 s
    shifted = tmp_path / "shifted.mp4"  # the audio stream itself starts at 2 s (its first timestamp)
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:d=6", "-itsoffset", "2", "-f", "lavfi", "-i", "sine=f=300:d=4",
            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(shifted))
    (note,) = [n for n in decode(shifted).info.notes if "no sound" in n]
    assert note.startswith("from 0.0 s to 2.0 s the clip has picture but no sound (the audio starts late)")


@pytest.mark.parametrize("seconds, fps, frames", [(0.5, 30, 5), (0.1, 30, 3), (0.5, 10, 5), (10, 25, 20)])
def test_a_short_clip_gets_a_few_sampled_frames(tmp_path, seconds, fps, frames):
    """The trial's 0.5 s phone_short.mp4 got 1 sampled frame of its 15 at 2 fps: face and body decided from one
    picture. At least DecodeSettings.min_frames (5) now, or every frame of a clip with fewer; a long clip is as before."""
    path = tmp_path / "short.mp4"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc=size=160x120:rate={fps}:d={seconds}", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            str(path))
    clip = decode(path)
    assert len(clip.frames) == clip.info.n_frames == frames
    assert np.all(np.diff(clip.frame_times) > 0) and clip.frame_times[-1] < seconds
    if seconds < 1:  # spread over the clip: 0.5 s at 30 fps is sampled every 0.1 s, not its first 5 frames
        assert clip.info.sample_fps == pytest.approx(min(fps, frames / seconds), rel=0.01)
    assert len(decode(path, DecodeSettings(min_frames=1)).frames) == (1 if seconds < 1 else 20)  # the former rule
