"""The decode's file checks, stream facts, sampling times and sound-without-picture note (saber_agent/media_streams.py),
on made-up bytes and spans (no decode; tests/test_media.py decodes real files through them)."""

import struct
from types import SimpleNamespace

import pytest

from saber_agent import media, media_streams
from saber_agent.media_clip import MediaError
from saber_agent.media_streams import UNCOVERED_S, _check_path, _mp4_without_index, _next_sample, _uncovered_note


def test_media_re_exports_the_moved_names():
    for name in ("UNCOVERED_S", "VIDEO_SPAN_KEY", "_uncovered_note", "_mp4_without_index", "_next_sample", "_check_path"):
        assert getattr(media, name) is getattr(media_streams, name)


def _box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_an_mp4_without_its_moov_is_told_from_a_complete_one_and_from_other_files(tmp_path):
    path = tmp_path / "x.mp4"
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"mdat", b"\0" * 64))
    assert _mp4_without_index(path)
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"mdat", b"\0" * 64)[:40])  # the last box cut short
    assert _mp4_without_index(path)
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"mdat", b"\0" * 64) + _box(b"moov", b"\0" * 16))
    assert not _mp4_without_index(path)
    path.write_bytes(_box(b"RIFF", b"WAVE") + _box(b"mdat", b"\0" * 64))  # no ftyp first: not an MP4
    assert not _mp4_without_index(path)
    path.write_bytes(b"ftyp")  # shorter than one box header
    assert not _mp4_without_index(path)
    path.write_bytes(_box(b"ftyp", b"isom") + struct.pack(">I4s", 4, b"free") + b"\0" * 32)  # a box under 8 bytes
    assert not _mp4_without_index(path)
    assert not _mp4_without_index(tmp_path / "missing.mp4")


@pytest.mark.parametrize("t, step, after", [(0.3, 0.1, 0.4), (0.0, 0.5, 0.5), (0.49, 0.5, 0.5), (1.0, 0.5, 1.5)])
def test_the_next_sampling_time_is_the_next_multiple_of_the_step(t, step, after):
    assert _next_sample(t, step) == pytest.approx(after)  # 0.3 / 0.1 is 2.999...: not 0.3 again


def _track(lead_s: float):
    # a stand-in for an AudioTrack16k: `_uncovered_note` reads only its `lead` (samples of silence before its first)
    return SimpleNamespace(lead=int(lead_s * media_streams.AUDIO_RATE))


def _samples(seconds: float) -> int:
    return int(seconds * media_streams.AUDIO_RATE)


def test_the_uncovered_note_names_each_end_past_the_threshold():
    assert _uncovered_note((0.0, 6.0), _track(0.0), _samples(6.0)) is None
    assert _uncovered_note((0.0, 6.0), _track(0.0), _samples(6.0 + UNCOVERED_S * 0.9)) is None  # within the threshold
    note = _uncovered_note((3.0, 4.0), _track(0.0), _samples(8.0))
    assert note.startswith("from 0.0 s to 3.0 s the clip has sound but no picture (the video starts late); "
                           "from 4.0 s to 8.0 s the clip has sound but no picture (the video ends first)")
    note = _uncovered_note((0.0, 8.0), _track(2.0), _samples(5.0))
    assert "from 0.0 s to 2.0 s the clip has picture but no sound (the audio starts late)" in note
    assert "from 5.0 s to 8.0 s the clip has picture but no sound (the audio ends first)" in note


def test_the_uncovered_note_needs_both_streams():
    assert _uncovered_note(None, _track(0.0), _samples(5.0)) is None  # no video
    assert _uncovered_note((0.0, 5.0), None, 0) is None  # no audio
    assert _uncovered_note((0.0, 5.0), _track(0.0), 0) is None  # an audio stream with no sample


def test_the_path_checks_name_the_problem(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        _check_path(tmp_path / "missing.mp4")
    with pytest.raises(MediaError, match="is a directory"):
        _check_path(tmp_path)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="the file is empty"):
        _check_path(empty)
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(tmp_path / "nowhere.mp4")
    with pytest.raises(MediaError, match="symbolic link that loops or points to nothing"):
        _check_path(loop)
