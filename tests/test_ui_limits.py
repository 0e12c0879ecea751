"""Upload limits: size before anything is decoded, media type and duration from a cheap probe."""

import shutil
import subprocess

import pytest

from saber_agent.ui.limits import MB, UploadLimits, UploadRejected, check_size, probe


def test_a_good_clip_passes_with_its_duration(face_speech_clip, audio_only_clip):
    found = probe(face_speech_clip, UploadLimits())
    assert found.has_video and found.has_audio and 4 < found.duration_s < 10
    assert not probe(audio_only_clip, UploadLimits()).has_video


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UploadRejected, match=r"The file is empty \(0 bytes\): upload a video or audio clip"):
        probe(empty, UploadLimits())


def test_size_is_checked_before_the_file_is_opened(tmp_path):
    big = tmp_path / "big.mp4"
    big.write_bytes(b"not even media" * 100_000)  # 1.4 MB of text: rejected for its size, not its content
    with pytest.raises(UploadRejected, match=r"The file is 1.3 MB, over the 1 MB limit: trim or compress it and try again"):
        probe(big, UploadLimits(max_bytes=MB))
    assert check_size(big, UploadLimits(max_bytes=2 * MB)) == big.stat().st_size


def test_missing_file_or_folder(tmp_path):
    with pytest.raises(UploadRejected, match="did not arrive"):
        check_size(tmp_path / "gone.mp4", UploadLimits())
    with pytest.raises(UploadRejected, match="not a file"):
        check_size(tmp_path, UploadLimits())


def test_text_renamed_to_mp4(tmp_path):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("this is a text file, not a video\n" * 20)
    with pytest.raises(UploadRejected) as caught:
        probe(fake, UploadLimits())
    message = str(caught.value)
    assert message.startswith("holiday.mp4 is not a readable video or audio file (")
    assert "upload a video (MP4, " in message and "MXF" in message and "WAV" in message  # the list of saber_agent.media_formats
    assert str(tmp_path) not in message  # no server path in what the user reads


def test_too_long_from_the_header(face_speech_clip):
    with pytest.raises(UploadRejected, match=r"The clip is \d s long, over the 2 s limit: trim it and try again"):
        probe(face_speech_clip, UploadLimits(max_duration_s=2.0))


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the test clip")
def test_too_long_without_a_duration_in_the_header(tmp_path, speech_wav):
    # WebM written to a pipe has no duration in its header, like a browser's MediaRecorder output
    out = tmp_path / "recorded.webm"
    with open(out, "wb") as handle:
        subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(speech_wav), "-c:a", "libopus", "-f", "webm", "pipe:1"],
                       stdout=handle, check=True)
    import av

    with av.open(str(out)) as container:
        assert not container.duration  # the case under test
    assert probe(out, UploadLimits()).duration_s > 4  # found from packet times instead
    with pytest.raises(UploadRejected, match="over the 2 s limit"):
        probe(out, UploadLimits(max_duration_s=2.0))


def test_a_file_with_no_media_stream(tmp_path):
    subtitles = tmp_path / "subs.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    with pytest.raises(UploadRejected, match="neither a video nor an audio stream|not a readable"):
        probe(subtitles, UploadLimits())


def test_limits_describe_themselves():
    assert UploadLimits().describe() == "up to 200 MB and 10 min"
    assert UploadLimits(max_bytes=512 * 1024, max_duration_s=30).describe() == "up to 512 KB and 30 s"
