"""Decode a clip once into the shared `Clip`: sampled frames and 16 kHz mono audio.

Every perception plugin reads this one object; none reopens the file. Memory is bounded: only the
sampled frames are kept (at most ``max_frames``, downscaled to ``max_side``), never every frame.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from saber_agent.evidence import ClipInfo

AUDIO_RATE = 16_000
SILENCE_RMS = 1e-4  # below this the whole track counts as silent


class MediaError(Exception):
    """A clip that cannot be analysed: the message names the file and the problem."""


class DecodeSettings(BaseModel):
    """How a clip is sampled when decoded."""

    fps: float = Field(default=2.0, gt=0, le=60)  # frames kept per second of video
    max_frames: int = Field(default=240, ge=1)  # a long clip gets a sparser sampling, not more frames
    max_side: int = Field(default=640, ge=32)  # frames are downscaled so their longer side fits
    max_duration_s: float = Field(default=1800.0, gt=0)  # longer inputs are refused with a clear error


@dataclass(eq=False)
class Clip:
    """A decoded clip: what every perception plugin reads."""

    info: ClipInfo
    frames: np.ndarray  # (n, h, w, 3) uint8 RGB, sampled at info.sample_fps
    frame_times: np.ndarray  # (n,) seconds from the start
    audio: np.ndarray  # (m,) float32 mono at AUDIO_RATE, in [-1, 1]
    sample_rate: int = AUDIO_RATE
    extras: dict = field(default_factory=dict)  # plugins may leave shared intermediate results here

    @property
    def has_video(self) -> bool:
        return len(self.frames) > 0

    @property
    def has_audio(self) -> bool:
        return self.audio.size > 0

    @property
    def audio_is_silent(self) -> bool:
        return not self.has_audio or float(np.sqrt(np.mean(self.audio**2))) < SILENCE_RMS

    @property
    def duration_s(self) -> float:
        return self.info.duration_s

    def window(self, start_s: float, end_s: float) -> Clip:
        """The part of this clip between two times (a view; nothing is decoded again)."""
        keep = (self.frame_times >= start_s) & (self.frame_times < end_s)
        a0, a1 = int(max(0.0, start_s) * self.sample_rate), int(max(0.0, end_s) * self.sample_rate)
        info = self.info.model_copy(update={"duration_s": max(0.0, min(end_s, self.duration_s) - start_s)})
        return Clip(info, self.frames[keep], self.frame_times[keep] - start_s, self.audio[a0:a1], self.sample_rate)


def _check_path(path: Path) -> None:
    if not path.exists():
        if path.is_symlink():
            raise MediaError(f"{path}: is a symbolic link that loops or points to nothing.")
        raise MediaError(f"{path}: no such file.")
    if path.is_dir():
        raise MediaError(f"{path}: is a directory, not a media file.")
    try:
        size = path.stat().st_size
    except OSError as exc:  # e.g. a symlink loop
        raise MediaError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if size == 0:
        raise MediaError(f"{path}: the file is empty.")
    if not os.access(path, os.R_OK):
        raise MediaError(f"{path}: permission denied.")


def _scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    # even sizes keep every pixel format's chroma subsampling happy
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def decode(path: str | os.PathLike, settings: DecodeSettings | None = None) -> Clip:
    """Decode `path` once: sampled RGB frames and 16 kHz mono float32 audio.

    Raises MediaError for a missing, empty, broken or unsupported file, or one with neither a
    video nor an audio stream.
    """
    import av

    settings = settings or DecodeSettings()
    path = Path(path)
    _check_path(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path}: not a readable audio or video file ({_ffmpeg_reason(exc)}).") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"{path}: cannot be opened ({exc}).") from None

    with container:
        video = next((s for s in container.streams.video), None)
        audio = next((s for s in container.streams.audio), None)
        if video is None and audio is None:
            raise MediaError(f"{path}: has neither a video nor an audio stream.")
        duration = _duration(container, video, audio)
        if duration > settings.max_duration_s:
            raise MediaError(
                f"{path}: is {duration:.0f} s long, over the {settings.max_duration_s:.0f} s limit "
                "(raise max_duration_s to analyse it)."
            )
        return _demux(path, container, video, audio, duration, settings)


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


def _demux(path: Path, container, video, audio, duration: float, settings: DecodeSettings) -> Clip:
    """One pass over the packets of both streams; frames are kept only at the sampling times."""
    import av

    fps = settings.fps
    if duration > 0 and duration * fps > settings.max_frames:
        fps = settings.max_frames / duration  # sparser sampling keeps memory bounded
    step = 1.0 / fps

    if video is not None:
        video.thread_type = "AUTO"
    resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE) if audio is not None else None

    frames: list[np.ndarray] = []
    times: list[float] = []
    chunks: list[np.ndarray] = []
    next_t = 0.0
    out_size: tuple[int, int] | None = None
    decoded_video = decoded_audio = 0
    errors: list[str] = []
    streams = [s for s in (video, audio) if s is not None]
    try:
        for packet in container.demux(*streams):
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as exc:  # a damaged packet: keep what decodes
                errors.append(_ffmpeg_reason(exc))
                if len(errors) > 50:
                    break
                continue
            for frame in decoded:
                if packet.stream is video:
                    decoded_video += 1
                    t = float(frame.time) if frame.time is not None else decoded_video / float(video.average_rate or 25)
                    if t + 1e-6 < next_t or len(frames) >= settings.max_frames:
                        continue
                    if out_size is None:
                        out_size = _scaled_size(frame.width, frame.height, settings.max_side)
                    frames.append(frame.to_ndarray(format="rgb24", width=out_size[0], height=out_size[1]))
                    times.append(t)
                    next_t = (int(t / step) + 1) * step
                else:
                    decoded_audio += 1
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1).copy())
    except av.error.FFmpegError as exc:
        errors.append(_ffmpeg_reason(exc))
    if resampler is not None:
        try:
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1).copy())
        except (av.error.FFmpegError, ValueError):
            pass

    if not frames and not chunks:
        problem = errors[0] if errors else "no frame or audio sample could be decoded"
        raise MediaError(f"{path}: is damaged or truncated ({problem}).")

    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    np.clip(samples, -1.0, 1.0, out=samples)
    frame_array = np.stack(frames) if frames else np.zeros((0, 0, 0, 3), np.uint8)
    decoded_duration = max(samples.size / AUDIO_RATE, (times[-1] + step) if times else 0.0)
    notes = []
    if errors:
        notes.append(f"decoding stopped early or skipped damaged data ({errors[0]})")
    elif duration > 0 and decoded_duration < 0.9 * duration - 0.5:
        notes.append(f"only {decoded_duration:.1f} s of the declared {duration:.1f} s could be decoded (truncated file?)")
    if video is not None and not frames:
        notes.append("the video stream held no decodable frame")
    if audio is not None and not chunks:
        notes.append("the audio stream held no decodable sample")
    info = ClipInfo(
        path=str(path),
        duration_s=round(duration if duration > 0 else decoded_duration, 3),
        has_video=bool(frames),
        has_audio=bool(chunks),
        width=out_size[0] if out_size else None,
        height=out_size[1] if out_size else None,
        native_fps=float(video.average_rate) if video is not None and video.average_rate else None,
        sample_fps=round(fps, 4) if frames else None,
        n_frames=len(frames),
        audio_sample_rate=audio.rate if audio is not None else None,
        audio_channels=audio.channels if audio is not None else None,
        notes=notes,
    )
    clip = Clip(info, frame_array, np.asarray(times, dtype=np.float64), samples)
    if clip.has_audio and clip.audio_is_silent:
        info.notes.append("the audio track is silent")
    return clip


def content_hash(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (the cache key of a clip, whatever its name)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class ClipCache:
    """A small per-process cache of decoded clips, so graph nodes share one decode.

    The graph state carries only the path and decode settings (it stays small and checkpointable);
    nodes fetch the decoded `Clip` here, decoding on a miss (e.g. after resuming elsewhere).
    """

    def __init__(self, size: int = 4):
        self.size = size
        self._clips: OrderedDict[tuple, Clip] = OrderedDict()
        self._lock = threading.Lock()
        self._decoding: dict[tuple, threading.Lock] = {}
        self.decodes = 0  # how many real decodes happened (tests check "decode once")

    @staticmethod
    def key(path: str | os.PathLike, settings: DecodeSettings) -> tuple:
        p = Path(path)
        stat = p.stat() if p.exists() and p.is_file() else None
        signature = (stat.st_size, stat.st_mtime_ns) if stat else None
        return (str(p.resolve()) if p.exists() else str(p), signature, settings.model_dump_json())

    def get(self, path: str | os.PathLike, settings: DecodeSettings | None = None) -> Clip:
        settings = settings or DecodeSettings()
        key = self.key(path, settings)
        with self._lock:
            if key in self._clips:
                self._clips.move_to_end(key)
                return self._clips[key]
            gate = self._decoding.setdefault(key, threading.Lock())
        with gate:  # one decode per key even when parallel nodes ask at once
            with self._lock:
                if key in self._clips:
                    return self._clips[key]
            clip = decode(path, settings)
            with self._lock:
                self.decodes += 1
                self._clips[key] = clip
                self._decoding.pop(key, None)
                while len(self._clips) > self.size:
                    self._clips.popitem(last=False)
            return clip

    def put(self, path: str | os.PathLike, settings: DecodeSettings, clip: Clip) -> None:
        with self._lock:
            self._clips[self.key(path, settings)] = clip

    def clear(self) -> None:
        with self._lock:
            self._clips.clear()


clip_cache = ClipCache()

__all__ = ["AUDIO_RATE", "Clip", "ClipCache", "DecodeSettings", "MediaError", "clip_cache", "content_hash", "decode"]
