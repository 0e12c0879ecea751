"""Decode a clip once into the shared `Clip`: sampled frames and 16 kHz mono audio.

Every perception plugin reads this one object; none reopens the file. Memory is bounded: only the
sampled frames are kept (at most ``max_frames``, downscaled to ``max_side``), never every frame.
The `Clip` itself, `DecodeSettings` and the errors are in `saber_agent.media_clip`, the path checks, stream facts,
sampling times and the sound-without-picture note in `saber_agent.media_streams` (both re-exported here);
this module decodes a file into a `Clip` and keeps a few per process (`clip_cache`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from saber_agent.evidence import ClipInfo, printable_path
from saber_agent.media_audio import AUDIO_RATE, AudioTrack16k, finish_audio, preferred_audio, track_entry
from saber_agent.media_clip import AudioTrackError, Clip, DecodeSettings, MediaError, window_of
from saber_agent.media_picture import FramePicture
from saber_agent.media_streams import (
    UNCOVERED_S,
    VIDEO_SPAN_KEY,
    _attached_picture,
    _check_path,
    _duration,
    _ffmpeg_reason,
    _mp4_without_index,
    _next_sample,
    _time_origin,
    _track_said,
    _uncovered_note,
    _video_seconds,
)
from saber_agent.picture_change import BETWEEN_KEY, BetweenSamples


def decode(path: str | os.PathLike, settings: DecodeSettings | None = None) -> Clip:
    """Decode `path` once: sampled RGB frames and 16 kHz mono float32 audio, on one clock.

    Frames have the proportions and orientation players display (the sample aspect ratio and display
    matrix applied), interlaced video keeps one field per frame (saber_agent.media_picture), attached
    pictures (cover art) are not video, the audio is the chosen track (see `DecodeSettings.audio_track`)
    with a downmix that survives phase-inverted channels, and every time is seconds after the file's
    first timestamp. Raises MediaError for a missing, empty, broken or unsupported file, or one with
    neither a video nor an audio stream.
    """
    import av

    settings = settings or DecodeSettings()
    if settings.window_s is not None:  # the whole file, then the window's view of it
        return window_of(decode(path, settings.whole()), settings.window_s)
    path = Path(path)
    _check_path(path)
    shown = printable_path(str(path))
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        if _mp4_without_index(path):
            raise MediaError(f"{shown}: is an MP4/MOV file cut off before its index (the moov box) was written, as when a "
                             "recording is interrupted; it cannot be decoded as is (a repair tool such as untrunc can rebuild "
                             "the index from a complete file made by the same camera or app).") from None
        raise MediaError(f"{shown}: not a readable audio or video file ({_ffmpeg_reason(exc)}).") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MediaError(f"{shown}: cannot be opened ({exc}).") from None

    with container:
        video = next((s for s in container.streams.video if not _attached_picture(s)), None)
        audios = list(container.streams.audio)
        if video is None and not audios:
            if any(True for _ in container.streams.video):
                raise MediaError(f"{shown}: holds only a still picture (cover art), no video or audio to analyse.")
            raise MediaError(f"{shown}: has neither a video nor an audio stream.")
        if settings.audio_track is not None and settings.audio_track >= len(audios):
            there = "; ".join(_track_said(track_entry(i, a)) for i, a in enumerate(audios)) or "none"
            raise AudioTrackError(
                f"{shown}: has {len(audios)} audio track(s); audio track {settings.audio_track} does not exist "
                f"(--audio-track / audio_track: choose 0 to {max(0, len(audios) - 1)}; the tracks: {there})."
            )
        audio = preferred_audio(audios, settings.audio_track)
        duration = _duration(container, video, audio)
        if duration > settings.max_duration_s:
            raise MediaError(
                f"{shown}: is {duration:.0f} s long, over the {settings.max_duration_s:.0f} s limit "
                "(raise max_duration_s to analyse it)."
            )
        origin = _time_origin(container, [s for s in (video, *audios) if s is not None])
        clip = _demux(path, container, video, audio, duration, origin, settings)
        # inside the `with`: a stream object must not be read after its container is closed
        analysed = finish_audio(path, clip, audios, audio, origin, settings)
    uncovered = _uncovered_note(clip.extras.pop(VIDEO_SPAN_KEY, None), analysed, clip.audio.size)
    if uncovered:
        clip.info.notes.append(uncovered)
    return clip


def _demux(path: Path, container, video, audio, duration: float, origin: float, settings: DecodeSettings) -> Clip:
    """One pass over the packets of both streams; frames are kept only at the sampling times.

    Without a declared duration the sampling rate cannot be planned: when the frame budget fills up,
    every other kept frame is dropped and the step doubles, so the frames still cover the whole clip.
    """
    import av

    fps = settings.fps
    if duration > 0 and duration * fps > settings.max_frames:
        fps = settings.max_frames / duration  # sparser sampling keeps memory bounded
    video_s = _video_seconds(video, duration)
    least = min(settings.min_frames, settings.max_frames)
    if 0 < video_s and video_s * fps < least:  # a short clip: denser sampling (every frame when it has fewer)
        native = float(video.average_rate) if video.average_rate else 0.0
        fps = max(fps, min(least / video_s, native)) if native > 0 else least / video_s
    step = 1.0 / fps

    if video is not None:
        video.thread_type = "AUTO"
    track = AudioTrack16k(audio, origin, max_s=settings.max_duration_s) if audio is not None else None
    between = BetweenSamples() if video is not None else None  # changes in the frames not sampled (picture_change)

    frames: list[np.ndarray] = []
    times: list[float] = []
    next_t = 0.0
    picture: FramePicture | None = None  # set up from the first kept frame
    decoded_video = 0
    first_video_t: float | None = None
    thinned = False
    last_t = 0.0
    stopped_at: float | None = None
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
                    t = (float(frame.time) - origin if frame.time is not None
                         else decoded_video / float(video.average_rate or 25))
                    last_t = max(last_t, t)
                    first_video_t = t if first_video_t is None else min(first_video_t, t)
                    if t > settings.max_duration_s:
                        stopped_at = t
                        break
                    if t + 1e-6 < next_t:
                        between.skipped(frame)
                        continue
                    if len(frames) >= settings.max_frames:  # no declared duration: halve the sampling
                        frames, times, step = frames[::2], times[::2], step * 2
                        thinned = True
                        between.lost()
                        if t + 1e-6 < _next_sample(times[-1], step):
                            next_t = _next_sample(times[-1], step)
                            continue
                    if picture is None:
                        picture = FramePicture(video, frame, settings.max_side)
                    frames.append(picture.rgb(frame))
                    between.kept(frame)
                    times.append(max(0.0, t))
                    next_t = _next_sample(t, step)
                elif track is not None:
                    track.add(frame)
                    if (track.start or 0.0) + track.count / AUDIO_RATE > settings.max_duration_s:
                        stopped_at = settings.max_duration_s
            if stopped_at is not None:
                break
    except av.error.FFmpegError as exc:
        errors.append(_ffmpeg_reason(exc))
    if track is not None:
        track.flush()

    samples = track.samples() if track is not None else np.zeros(0, np.float32)
    if stopped_at is None and samples.size > settings.max_duration_s * AUDIO_RATE:
        stopped_at = settings.max_duration_s
    if stopped_at is not None:
        samples = samples[: int(settings.max_duration_s * AUDIO_RATE)]
    if not frames and not samples.size:
        problem = errors[0] if errors else "no frame or audio sample could be decoded"
        raise MediaError(f"{printable_path(str(path))}: is damaged or truncated ({problem}).")

    fps = 1.0 / step
    frame_array = np.stack(frames) if frames else np.zeros((0, 0, 0, 3), np.uint8)
    video_end = (last_t + 1.0 / float(video.average_rate or 25)) if decoded_video else 0.0
    decoded_duration = max(samples.size / AUDIO_RATE, video_end)
    notes = []
    if errors:
        notes.append(f"decoding stopped early or skipped damaged data ({errors[0]})")
    # short of the declared duration: by a tenth (declarations can be a little off), or by half a second after an error
    shortfall = duration - decoded_duration
    truncated = duration > 0 and stopped_at is None and (shortfall > 0.1 * duration + 0.5 or bool(errors) and shortfall > 0.5)
    if truncated:  # with or without decode errors: a file cut short raises none in some places, errors in others
        notes.append(f"only {decoded_duration:.1f} s of the declared {duration:.1f} s could be decoded (truncated file?)")
    if stopped_at is not None:
        notes.append(f"decoding stopped at the {settings.max_duration_s:.0f} s limit (max_duration_s); the rest is not analysed")
    still_image = decoded_video == 1 and len(frames) == 1  # a photo (or a one-frame video): it has no duration to declare
    if duration <= 0 and not still_image:
        covered = f"frames sampled every {step:g} s over 0-{times[-1]:.1f} s" if times else "no frame sampled"
        notes.append(f"the file declares no duration: {decoded_duration:.1f} s were decoded ({covered})")
    elif thinned:
        notes.append(f"the file ran longer than its declared {duration:.1f} s; frames sampled every {step:g} s "
                     f"over 0-{times[-1]:.1f} s")
    if picture is not None:
        notes.extend(picture.notes())
    if video is not None and not frames:
        notes.append("the video stream held no decodable frame")
    if audio is not None and track.frames == 0:
        notes.append("the audio stream held no decodable sample")
    size = picture.shown_size if picture is not None else None
    source = picture.source_size if picture is not None else None
    info = ClipInfo(
        path=str(path),
        # what was decoded when the file is cut short of its declared duration (or stopped at the limit)
        duration_s=round(duration if duration > 0 and stopped_at is None and not truncated else decoded_duration, 3),
        duration_declared=duration > 0,
        has_video=bool(frames),
        has_audio=bool(samples.size),
        width=size[0] if size else None,
        height=size[1] if size else None,
        source_width=source[0] if source else None,
        source_height=source[1] if source else None,
        still_image=still_image,
        native_fps=float(video.average_rate) if video is not None and video.average_rate else None,
        sample_fps=round(fps, 4) if frames else None,
        n_frames=len(frames),
        audio_sample_rate=audio.rate if audio is not None else None,
        audio_channels=audio.channels if audio is not None else None,
        rotation=picture.rotation if picture is not None else 0,
        time_origin_s=round(origin, 4),
        notes=notes,
    )
    clip = Clip(info, frame_array, np.asarray(times, dtype=np.float64), samples)
    clip.extras["_audio_track"] = track
    if frames:
        clip.extras[VIDEO_SPAN_KEY] = (max(0.0, first_video_t or 0.0), video_end)
    if between is not None and between.result() is not None and len(between.result()) == len(frames):
        clip.extras[BETWEEN_KEY] = between.result()
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
        self._windows: OrderedDict[tuple, Clip] = OrderedDict()  # (whole clip's key, window) -> view
        self.decodes = 0  # how many real decodes happened (tests check "decode once")

    @staticmethod
    def key(path: str | os.PathLike, settings: DecodeSettings) -> tuple:
        p = Path(path)
        stat = p.stat() if p.exists() and p.is_file() else None
        signature = (stat.st_size, stat.st_mtime_ns) if stat else None
        return (str(p.resolve()) if p.exists() else str(p), signature, settings.model_dump_json())

    def get(self, path: str | os.PathLike, settings: DecodeSettings | None = None) -> Clip:
        settings = settings or DecodeSettings()
        if settings.window_s is not None:
            return self._window(path, settings)
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

    def _window(self, path: str | os.PathLike, settings: DecodeSettings) -> Clip:
        """A window of the cached whole clip: one view per window, kept (a few) so that parallel tools
        share its `extras` (voice activity, face track) as they share the whole clip's."""
        whole = self.get(path, settings.whole())
        key = (*self.key(path, settings.whole()), settings.window_s)
        with self._lock:
            if key not in self._windows:
                self._windows[key] = window_of(whole, settings.window_s)
                while len(self._windows) > self.size:
                    self._windows.popitem(last=False)
            self._windows.move_to_end(key)
            return self._windows[key]

    def peek(self, path: str | os.PathLike, settings: DecodeSettings | None = None) -> Clip | None:
        """The clip (or window) `get` would return if it is already decoded, else None: never decodes."""
        settings = settings or DecodeSettings()
        key = self.key(path, settings.whole())
        with self._lock:
            return self._clips.get(key) if settings.window_s is None else self._windows.get((*key, settings.window_s))

    def put(self, path: str | os.PathLike, settings: DecodeSettings, clip: Clip) -> None:
        with self._lock:
            self._clips[self.key(path, settings)] = clip

    def clear(self) -> None:
        with self._lock:
            self._clips.clear()
            self._windows.clear()


clip_cache = ClipCache()

__all__ = ["AUDIO_RATE", "UNCOVERED_S", "VIDEO_SPAN_KEY", "AudioTrackError", "Clip", "ClipCache", "DecodeSettings", "MediaError",
           "clip_cache", "content_hash", "decode", "window_of"]
