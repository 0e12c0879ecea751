"""The one list of media file extensions: what batch folder scanning picks up, what the app accepts and what
`analyze` names as media: video, audio and pictures (a still photo, an animated GIF), which `decode` reads alike.

`decode` itself opens any file FFmpeg can read, whatever its name; this list is for the places that must
choose files by name before opening them (a folder of clips, an upload picker). Every extension here is
read by the FFmpeg that PyAV ships (tests/test_media_formats.py checks its demuxers).
"""

from __future__ import annotations

import os
from pathlib import Path

# containers with video (phones, browsers, cameras, broadcast and older desktop formats)
VIDEO_SUFFIXES = (
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg", ".vob",
    ".ts", ".mts", ".m2ts", ".mxf", ".3gp", ".3g2", ".ogv",
)
AUDIO_SUFFIXES = (
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".oga", ".opus", ".wma", ".aif", ".aiff", ".caf", ".amr", ".ac3", ".mka",
)
# pictures: a still image decodes as one frame (ClipInfo.still_image), an animated GIF / APNG / WebP as video
PICTURE_SUFFIXES = (".png", ".apng", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff")
MEDIA_SUFFIXES = frozenset(VIDEO_SUFFIXES + AUDIO_SUFFIXES + PICTURE_SUFFIXES)


def is_media_name(path: str | os.PathLike) -> bool:
    """Whether a file's name ends in one of the media extensions (case-insensitive)."""
    return Path(path).suffix.lower() in MEDIA_SUFFIXES


def media_types_text() -> str:
    """The accepted extensions in words, for messages: 'video (MP4, MOV, ...), audio (WAV, MP3, ...) or a picture (PNG, ...)'."""
    def names(suffixes):
        return ", ".join(s[1:].upper() for s in suffixes)

    return f"video ({names(VIDEO_SUFFIXES)}), audio ({names(AUDIO_SUFFIXES)}) or a picture ({names(PICTURE_SUFFIXES)})"


def strip_media_suffix(name: str) -> str:
    """`name` without a media extension at its end (other names unchanged)."""
    return name[: -len(Path(name).suffix)] if is_media_name(name) else name
