"""The shared `Clip` that decoding produces and every perception plugin reads, its `DecodeSettings`, and the
errors of a clip that cannot be analysed.

Moved as is out of `saber_agent.media` (which decodes a file into a `Clip` and caches it per process); every
name here is still importable from `saber_agent.media`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent.errors import UsageError
from saber_agent.evidence import ClipInfo
from saber_agent.media_audio import AUDIO_GAPS_KEY, AUDIO_RATE, GAPS_SAID, gaps_sentence, silent
from saber_agent.picture_change import BETWEEN_KEY


class MediaError(Exception):
    """A clip that cannot be analysed: the message names the file and the problem."""


class AudioTrackError(MediaError, UsageError):
    """The chosen audio track (`DecodeSettings.audio_track`, the CLI's --audio-track) is not in the file: a bad option,
    not a bad file (the CLI exits 2, a usage error; batch runs still see a MediaError). The message names the tracks."""


class DecodeSettings(BaseModel):
    """How a clip is sampled when decoded.

    Frames are kept `fps` times a second of video, at most `max_frames` in all (a long clip is sampled more sparsely).
    A short clip gets at least `min_frames` (or every frame it has, when it has fewer): its sampling rate rises to
    ``min_frames / duration`` (0.5 s at the defaults: 10 a second, 5 frames of a 30 fps clip's 15, where 2 a second
    kept 1), so that face and body do not decide from one picture. `max_frames` bounds `min_frames` too.
    """

    model_config = ConfigDict(extra="forbid")  # a misspelt key (`fpz`) must not decode at the defaults

    fps: float = Field(default=2.0, gt=0, le=60)  # frames kept per second of video
    max_frames: int = Field(default=240, ge=1)  # a long clip gets a sparser sampling, not more frames
    min_frames: int = Field(default=5, ge=1)  # a short clip gets a denser sampling, up to all its frames
    max_side: int = Field(default=640, ge=32)  # frames are downscaled so their longer side fits
    max_duration_s: float = Field(default=1800.0, gt=0)  # longer inputs are refused with a clear error
    # which audio stream to analyse (0 = the file's first); None: the default one, or the first with sound
    audio_track: int | None = Field(default=None, ge=0)
    # analyse only this part, (start, end) seconds on the clip's clock: the whole file is decoded once with
    # the other settings and this window is a view of it (`ClipCache.get`); used per utterance (docs/segments.md)
    window_s: tuple[float, float] | None = None

    @field_validator("window_s")
    @classmethod
    def _ordered_window(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not 0 <= value[0] < value[1]:
            raise ValueError(f"window_s {value!r}: expected 0 <= start < end seconds")
        return value

    def whole(self) -> DecodeSettings:
        """These settings without a window: what the file itself is decoded with."""
        return self if self.window_s is None else self.model_copy(update={"window_s": None})


_extras_lock = threading.Lock()  # guards the creation of each shared result's own lock


@dataclass(eq=False)
class Clip:
    """A decoded clip: what every perception plugin reads."""

    info: ClipInfo
    frames: np.ndarray  # (n, h, w, 3) uint8 RGB, sampled at info.sample_fps
    frame_times: np.ndarray  # (n,) seconds from the start
    audio: np.ndarray  # (m,) float32 mono at AUDIO_RATE, in [-1, 1]
    sample_rate: int = AUDIO_RATE
    extras: dict = field(default_factory=dict)  # plugins may leave shared intermediate results here

    def shared(self, key: str, compute):
        """``extras[key]``, made by ``compute()`` on first call: tools running in parallel on this clip
        share one computation (the face track, the voice-activity decision, the shot changes)."""
        found = self.extras.get(key)
        if found is not None:
            return found
        with _extras_lock:
            lock = self.extras.setdefault(f"_{key}_lock", threading.Lock())
        with lock:
            found = self.extras.get(key)
            if found is None:
                found = self.extras[key] = compute()
            return found

    @property
    def has_video(self) -> bool:
        return len(self.frames) > 0

    @property
    def has_audio(self) -> bool:
        return self.audio.size > 0

    @property
    def audio_is_silent(self) -> bool:
        """No audio, or less than 0.2 s of it at `media_audio.SILENCE_RMS` (`media_audio.silent`, the one silence rule)."""
        return silent(self.audio)

    @property
    def duration_s(self) -> float:
        return self.info.duration_s

    def window(self, start_s: float, end_s: float) -> Clip:
        """The part of this clip between two times (a view; nothing is decoded again)."""
        keep = (self.frame_times >= start_s) & (self.frame_times < end_s)
        a0, a1 = int(max(0.0, start_s) * self.sample_rate), int(max(0.0, end_s) * self.sample_rate)
        info = self.info.model_copy(update={"duration_s": max(0.0, min(end_s, self.duration_s) - start_s)})
        part = Clip(info, self.frames[keep], self.frame_times[keep] - start_s, self.audio[a0:a1], self.sample_rate)
        between = self.extras.get(BETWEEN_KEY)  # the decode's watch of the unsampled frames, for the window's frames
        if between is not None and len(between) == len(self.frames):
            part.extras[BETWEEN_KEY] = between[keep]
        if gaps := [(max(at, start_s) - start_s, min(at + n, end_s) - max(at, start_s))  # the window's part of each
                    for at, n in self.extras.get(AUDIO_GAPS_KEY, ()) if at < end_s and at + n > start_s]:
            part.extras[AUDIO_GAPS_KEY] = gaps
        return part


def window_of(clip: Clip, window_s: tuple[float, float]) -> Clip:
    """`clip.window` with the window's metadata (frames kept) and a note of where it sits in the file."""
    start, end = window_s
    part = clip.window(start, min(end, clip.duration_s) if clip.duration_s else end)
    note = f"window {start:.2f}-{end:.2f} s of the file; times are seconds after the window's start"
    notes = [_window_gaps(n, part.extras.get(AUDIO_GAPS_KEY)) for n in part.info.notes]
    part.info = part.info.model_copy(update={"n_frames": len(part.frames), "notes": [*filter(None, notes), note]})
    return part


def _window_gaps(note: str, gaps: list | None) -> str | None:
    """A file note as the window says it: the gaps sentence only for the window's own gaps, on its clock (a window
    holding none of them dropped the file's "gaps ... at 4.70 s" beside "times are seconds after the window's start")."""
    if not note.startswith(GAPS_SAID):
        return note
    parts = note.split("; ")  # the gaps sentence first, then the dropped overlap's (no times in it)
    return "; ".join(([gaps_sentence(gaps)] if gaps else []) + parts[1:]) or None


__all__ = ["AudioTrackError", "Clip", "DecodeSettings", "MediaError", "window_of"]
