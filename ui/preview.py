"""Whether the browser can show the preview of an upload, and the note under the player when it cannot.

The page plays the uploaded file itself (nothing is converted for the preview). A browser plays only some codecs:
an iPhone's HEVC (H.265) video left the player blank in Chromium while the analysis read it fine (trial G,
iphone_hevc_rot.mov), which looked like a failed upload. The note says the preview may stay blank and that the
analysis is not affected (the server decodes the file with FFmpeg). No Gradio here.

The codecs and containers are those Chromium and Firefox play without a platform decoder (HEVC plays only where
the operating system lends one: Safari, some Chrome installs), from their media documentation
(https://developer.mozilla.org/en-US/docs/Web/Media/Guides/Formats/Video_codecs and .../Audio_codecs).
"""

from __future__ import annotations

import html
import os

# PyAV / FFmpeg codec names
BROWSER_VIDEO_CODECS = frozenset({"h264", "vp8", "vp9", "av1", "theora"})
BROWSER_AUDIO_CODECS = frozenset({"aac", "mp3", "opus", "vorbis", "flac", "pcm_u8", "pcm_s16le", "pcm_s24le",
                                  "pcm_s32le", "pcm_f32le", "pcm_mulaw", "pcm_alaw"})
# FFmpeg demuxer names (a container's `format.name` lists the names it answers to, comma-separated)
BROWSER_CONTAINERS = frozenset({"mov", "mp4", "m4a", "matroska", "webm", "ogg", "wav", "mp3", "flac", "aac"})
CODEC_NAMES = {"hevc": "HEVC (H.265)", "h264": "H.264", "mpeg4": "MPEG-4 Part 2", "prores": "Apple ProRes",
               "mpeg2video": "MPEG-2", "mpeg1video": "MPEG-1", "wmv3": "WMV 9", "wmv2": "WMV 8", "vc1": "VC-1",
               "mjpeg": "Motion JPEG", "dnxhd": "DNxHD", "h263": "H.263", "flv1": "Sorenson (FLV)",
               "amr_nb": "AMR", "amr_wb": "AMR-WB", "wmav2": "WMA", "ac3": "AC-3", "eac3": "E-AC-3", "alac": "ALAC"}


def unplayable(path: str | os.PathLike | None) -> str | None:
    """Why a browser will likely not play `path` ("its video is HEVC (H.265)", "an AVI file"), or None when it
    will, or when the file cannot be read (the analysis says why then)."""
    if not path:
        return None
    try:
        import av

        from saber_agent.media_streams import _attached_picture  # cover art is not video

        with av.open(str(path), metadata_errors="ignore") as container:
            names = set(container.format.name.split(","))
            video = next((s for s in container.streams.video if not _attached_picture(s)), None)
            audio = next(iter(container.streams.audio), None)
            if not names & BROWSER_CONTAINERS:
                return f"it is {_article(container.format.long_name or container.format.name)} file"
            if video is not None and video.codec_context.name not in BROWSER_VIDEO_CODECS:
                return f"its video is {_codec(video.codec_context.name)}"
            if video is None and audio is not None and audio.codec_context.name not in BROWSER_AUDIO_CODECS:
                return f"its audio is {_codec(audio.codec_context.name)}"
    except Exception:  # noqa: BLE001 - no note is better than a wrong one; the analysis reports a bad file
        return None
    return None


def preview_note(path: str | os.PathLike | None) -> str:
    """The HTML note under the player for an upload the browser will likely not play ("" otherwise)."""
    why = unplayable(path)
    if why is None:
        return ""
    return (f'<p class="saber-preview-note" role="note">The preview may stay blank: {html.escape(why)}, which most '
            'browsers cannot play. The analysis is not affected: the server decodes the file itself.</p>')


def _codec(name: str) -> str:
    return CODEC_NAMES.get(name, name.upper())


def _article(name: str) -> str:
    short = name.split(" / ")[0].split(" (")[0].strip()
    return ("an " if short[:1].upper() in "AEIOU" else "a ") + short
