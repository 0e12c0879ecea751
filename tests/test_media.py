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
