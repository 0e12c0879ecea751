"""Upload limits: size is checked before anything is decoded, duration with a cheap container probe.

A rejected upload raises `UploadRejected` whose message is shown to the user as is: it says what
is wrong with the file and what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from saber_agent.media_formats import media_types_text

MB = 1024 * 1024


class UploadRejected(ValueError):
    """An upload that the app will not analyse; the message is meant for the user."""


@dataclass(frozen=True)
class UploadLimits:
    """What the app accepts."""

    max_bytes: int = 200 * MB
    max_duration_s: float = 600.0

    @property
    def max_mb(self) -> float:
        return self.max_bytes / MB

    def describe(self) -> str:
        return f"up to {_size(self.max_bytes)} and {_duration(self.max_duration_s)}"


@dataclass(frozen=True)
class Probe:
    """What a cheap look at the container found (nothing decoded)."""

    duration_s: float | None
    has_video: bool
    has_audio: bool
    size_bytes: int


def _size(n: float) -> str:
    if n >= MB:
        return (f"{n / MB:.0f}" if n >= 10 * MB else f"{n / MB:.1f}".rstrip("0").rstrip(".")) + " MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{int(n)} bytes"


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def check_size(path: str | os.PathLike, limits: UploadLimits) -> int:
    """The file's size in bytes; raises UploadRejected for a missing, empty or oversized file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise UploadRejected("The upload did not arrive (no file on the server): please upload it again.") from None
    if not path.is_file():
        raise UploadRejected("The upload is not a file: please upload a video or audio clip.")
    if size == 0:
        raise UploadRejected("The file is empty (0 bytes): upload a video or audio clip.")
    if size > limits.max_bytes:
        raise UploadRejected(
            f"The file is {_size(size)}, over the {_size(limits.max_bytes)} limit: trim or compress it and try again."
        )
    return size


def probe(path: str | os.PathLike, limits: UploadLimits) -> Probe:
    """Check an upload before decoding: its size, that it is a media container, and its duration.

    The duration comes from the container header; when the header has none (a browser's WebM
    recording), packet timestamps are read without decoding, stopping as soon as the limit is passed.
    """
    import av

    size = check_size(path, limits)
    name = Path(path).name
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        if (cut_off := _decoder_reason(path)) is not None:
            raise UploadRejected(cut_off) from None
        reason = getattr(exc, "strerror", None) or str(exc)
        reason = reason.split(":")[-1].strip() if ":" in reason else reason
        raise UploadRejected(
            f"{name} is not a readable video or audio file ({reason}): upload a {media_types_text()} clip."
        ) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UploadRejected(f"{name} cannot be opened ({exc}): upload a video or audio clip.") from None
    with container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        if video is None and audio is None:
            raise UploadRejected(f"{name} has neither a video nor an audio stream: upload a video or audio clip.")
        duration = container.duration / 1_000_000 if container.duration else None
        if duration is None:
            duration = _scan_duration(container, [s for s in (video, audio) if s is not None], limits.max_duration_s)
    if duration is not None and duration > limits.max_duration_s:
        raise UploadRejected(
            f"The clip is {_duration(duration)} long, over the {_duration(limits.max_duration_s)} limit: "
            "trim it and try again."
        )
    return Probe(duration, video is not None, audio is not None, size)


def media_error_message(exc: BaseException, path: str | os.PathLike | None) -> str:
    """What the page says of an upload the decoder cannot read (`exc`, a `saber_agent.media.MediaError`): the decoder's
    own words with the server's temp `path` replaced by the file name (the path means nothing to a visitor), and what
    to do. One message for the probe, the Analyse button and the Utterances run."""
    message = str(exc).replace(str(path), Path(path).name) if path else str(exc)
    return f"{message} Upload another clip."


def _decoder_reason(path: str | os.PathLike) -> str | None:
    """The decoder's own words (the command line's and batch's) for a file it cannot open that it can say more about
    than "not readable": an MP4/MOV cut off before its index (the ``moov`` box) was written. None for any other file,
    which gets the app's message listing the formats it takes. The file name replaces the server's temp path."""
    from saber_agent.media import MediaError, decode
    from saber_agent.media_streams import _mp4_without_index

    if not _mp4_without_index(Path(path)):
        return None
    try:
        decode(path)  # fails at the open, as the probe did: no frame is decoded
    except MediaError as exc:
        return media_error_message(exc, path)
    except Exception:  # noqa: BLE001 - the app's own message then
        return None
    return None


def _scan_duration(container, streams, limit_s: float) -> float | None:
    import av

    latest = None
    try:
        for packet in container.demux(*streams):
            if packet.pts is None or packet.time_base is None:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            latest = end if latest is None else max(latest, end)
            if latest > limit_s:
                break
    except av.error.FFmpegError:
        pass  # damaged data: the decoder will say what it can read
    return latest
