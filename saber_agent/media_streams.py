"""What decoding reads of a file beside its frames and samples: the checks of the path, an MP4 cut off before its
index, the streams' facts (cover art, time origin, declared durations), the sampling times, and the note on the
parts of a clip with sound but no picture (or the reverse).

Moved as is out of `saber_agent.media` (which decodes a file into a `Clip` and caches it per process); every name
here is still importable from `saber_agent.media`.
"""

from __future__ import annotations

import os
from pathlib import Path

from saber_agent.evidence import printable_path
from saber_agent.media_audio import AUDIO_RATE, AudioTrack16k
from saber_agent.media_clip import MediaError


def _track_said(track) -> str:
    """One audio track (`evidence.AudioTrack`) as an error message lists it: "track 0 (mp2, eng, mono, 48 kHz)"."""
    parts = [track.codec, track.language, track.title, {1: "mono", 2: "stereo"}.get(track.channels, f"{track.channels} ch"),
             f"{track.sample_rate / 1000:g} kHz" if track.sample_rate else None, "default" if track.default else None]
    return f"track {track.index} ({', '.join(p for p in parts if p)})"


def _check_path(path: Path) -> None:
    shown = printable_path(str(path))
    if not path.exists():
        if path.is_symlink():
            raise MediaError(f"{shown}: is a symbolic link that loops or points to nothing.")
        raise MediaError(f"{shown}: no such file.")
    if path.is_dir():
        raise MediaError(f"{shown}: is a directory, not a media file.")
    try:
        size = path.stat().st_size
    except OSError as exc:  # e.g. a symlink loop
        raise MediaError(f"{shown}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise MediaError(f"{shown}: the file is empty.")
    if not os.access(path, os.R_OK):
        raise MediaError(f"{shown}: permission denied.")


VIDEO_SPAN_KEY = "_video_span"  # (first, end) seconds of the decoded video, from `_demux` to `_uncovered_note`
UNCOVERED_S = 1.0  # sound without picture (or picture without sound) longer than this is noted; AAC priming and the
# last video frame's length make the streams' ends differ by 0.1 s or less in an ordinary file, ffmpeg's -shortest
# with a looped picture by up to 0.6 s (tests/conftest.py's clips); the trial's files differed by 8-10 s


def _uncovered_note(video_span: tuple[float, float] | None, track: AudioTrack16k | None, n_samples: int) -> str | None:
    """The note on the parts of the clip with sound but no picture, or picture but no sound, when both streams
    decoded: the video's span (`_demux`) against the analysed audio track's (its first timestamp to its last sample)."""
    if video_span is None or track is None or not n_samples:
        return None
    (v0, v1), a0 = video_span, track.lead / AUDIO_RATE
    a1 = n_samples / AUDIO_RATE
    parts = []
    if v0 - a0 > UNCOVERED_S:
        parts.append(f"from {a0:.1f} s to {v0:.1f} s the clip has sound but no picture (the video starts late)")
    elif a0 - v0 > UNCOVERED_S:
        parts.append(f"from {v0:.1f} s to {a0:.1f} s the clip has picture but no sound (the audio starts late)")
    if a1 - v1 > UNCOVERED_S:
        parts.append(f"from {v1:.1f} s to {a1:.1f} s the clip has sound but no picture (the video ends first)")
    elif v1 - a1 > UNCOVERED_S:
        parts.append(f"from {a1:.1f} s to {v1:.1f} s the clip has picture but no sound (the audio ends first)")
    if not parts:
        return None
    return "; ".join(parts) + ": what is seen (face, body, scene) and what is heard cover different times"


def _mp4_without_index(path: Path) -> bool:
    """Whether the file's top-level boxes open as an MP4/MOV (``ftyp``) and run to the end of the file (or past
    it: the last box cut short) with no ``moov``, the index a recorder writes last: a recording cut off."""
    import struct

    try:
        with open(path, "rb") as handle:
            size_all, at, kinds = path.stat().st_size, 0, []
            while at + 8 <= size_all and len(kinds) < 1000:
                handle.seek(at)
                size, kind = struct.unpack(">I4s", handle.read(8))
                if size == 1:
                    size = struct.unpack(">Q", handle.read(8))[0]
                kinds.append(kind)
                if size == 0 or at + size >= size_all:  # to the end of the file (or cut short)
                    break
                if size < 8:
                    return False
                at += size
    except (OSError, struct.error):
        return False
    return bool(kinds) and kinds[0] == b"ftyp" and b"moov" not in kinds


def _attached_picture(stream) -> bool:
    """Cover art (an MP3's or M4A's `attached_pic`) is one still picture, not video."""
    import av

    disposition = getattr(stream, "disposition", None)
    try:
        return bool(disposition is not None and disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


def _time_origin(container, streams: list) -> float:
    """The file's first timestamp over the streams analysed (seconds): zero of the one clock."""
    starts = [float(s.start_time * s.time_base) for s in streams if s.start_time is not None and s.time_base]
    if starts:
        return min(starts)
    return container.start_time / 1_000_000 if container.start_time else 0.0


def _ffmpeg_reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() if ":" in text else text


def _duration(container, video, audio) -> float:
    if container.duration:
        return container.duration / 1_000_000
    for stream in (video, audio):
        if stream is not None and stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def _next_sample(t: float, step: float) -> float:
    """The sampling time after a frame kept at `t` (seconds): the next multiple of `step`. 0.3 / 0.1 is 2.9999999999999996
    in floating point: without the 1e-6 the next time was 0.3 again and the frame at 0.333 s was kept too."""
    return (int(t / step + 1e-6) + 1) * step


def _video_seconds(video, duration: float) -> float:
    """How long the video stream declares itself (seconds), else the file's declared `duration`; 0 without video."""
    if video is None:
        return 0.0
    if video.duration and video.time_base:
        return min(float(video.duration * video.time_base), duration) if duration > 0 else float(video.duration * video.time_base)
    return duration
