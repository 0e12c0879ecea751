"""The audio side of decoding: which track, and a mono downmix that survives phase-inverted stereo.

`decode` (saber_agent.media) keeps its one pass over the packets; this module holds the track being
decoded (`AudioTrack16k`: 16 kHz mono chunks on the clip's clock, each source channel's energy), the
choice of track (the default or chosen one, or the first with sound when that one is silent), a
second pass over another track or one channel, and the list of tracks for `ClipInfo.audio_tracks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from saber_agent.evidence import AudioTrack, ClipInfo

if TYPE_CHECKING:
    from saber_agent.media import Clip, DecodeSettings

AUDIO_RATE = 16_000
# The one silence rule (`silent`): audio is silent when less than SOUND_S of it, in FRAME-sample frames, reaches an RMS
# amplitude (full scale = 1.0) of SILENCE_RMS, -80 dBFS. Digital silence and 16-bit dither with its quantization
# noise (half an LSB, 1.5e-5 RMS, -96 dBFS) are below it in every frame. The loud part is read, not the whole clip's
# mean (the rule until 2026-11-30): 6.5 s of espeak-ng speech at -75 dBFS in 60 s of silence is -85 dBFS over the
# clip (was: silent) while its loudest 0.2 s reach -68 dBFS, and the voice detector finds it (tests/test_media_audio.py).
# EmoFilm (30 utterances, 0.7-5 s, at 20 s of 60 s of 16-bit dither): at -70 and -75 dBFS the former rule called all 30
# silent, this one none; at -85 dBFS (about two 16-bit steps RMS) it calls 19 silent, in 11 of which the detector, were it
# run, would hear speech: the rule's limit. The level stays -80 dBFS, 15 dB above TPDF dither, leaving room for louder
# (noise-shaped) dither and hiss, which are silence too.
# SOUND_S is the least confident speech the voice detector keeps (voice_activity.MIN_CONFIDENT_S): a click or a pop a
# frame long is no sound.
SILENCE_RMS = 1e-4
FRAME = 512  # samples at 16 kHz: 32 ms, the voice detector's window
SOUND_S = 0.2
CANCELLED_RATIO = 0.1  # a mono mix this far (-20 dB) below its loudest channel has cancelled
# Each resampled chunk goes at its own timestamp (`AudioTrack16k._place`): a gap in the stream's timestamps (packets lost
# in a broadcast, a damaged stretch, a recorder that paused the sound) is filled with silence, and audio overlapping
# what is already held is dropped, so that later speech keeps its time against the picture. Within GAP_TOLERANCE_S the
# chunks follow each other end to end: timestamps rounded to a millisecond (Matroska, WebM) jitter by up to 1 ms, and
# the smallest real gap, one lost AAC frame at 48 kHz, is 21 ms.
GAP_TOLERANCE_S = 0.015
AUDIO_GAPS_KEY = "audio_gaps"  # clip.extras: [(at, length)] s on the clip's clock, the gaps filled with silence


def preferred_audio(audios: list, chosen: int | None):
    """The audio stream to decode first: the one asked for, else the file's default, else the first."""
    if not audios:
        return None
    if chosen is not None:
        return audios[chosen]
    import av

    for stream in audios:
        try:
            if stream.disposition & av.stream.Disposition.default:
                return stream
        except (AttributeError, TypeError):
            break
    return audios[0]


class AudioTrack16k:
    """One audio stream being decoded: 16 kHz mono chunks placed on the clip's clock, and the energy
    of each source channel (to tell a phase-cancelled downmix from real silence)."""

    def __init__(self, stream, origin: float, channel: int | None = None, max_s: float | None = None):
        import av

        self.stream, self.origin, self.channel = stream, origin, channel
        self.index = stream.index  # the stream's index in its file (for a second pass)
        self.channels = stream.channels or 1
        layout = stream.layout.name if getattr(stream, "layout", None) is not None else None
        self.mono = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE) if channel is None else None
        # the source channels at 16 kHz, planar: their energies (or the one channel kept)
        self.split = (av.AudioResampler(format="fltp", layout=layout, rate=AUDIO_RATE)
                      if layout and (self.channels > 1 or channel is not None) else None)
        self.chunks: list[np.ndarray] = []
        self.channel_energy = np.zeros(self.channels)
        self.chunk_energy: list[np.ndarray] = []  # per decoded chunk, (channels,) energy: each channel's loudest part
        self.chunk_size: list[int] = []  # samples at 16 kHz of each chunk
        self.start: float | None = None  # seconds on the clip's clock of the first sample
        self.lead = 0  # samples of silence before the first sample (`start` at 16 kHz)
        self.frames = 0
        self.count = 0  # samples kept so far, from `start` (silence filling gaps included)
        self.gaps: list[tuple[float, float]] = []  # (at, length) seconds on the clip's clock, filled with silence
        self.overlap = 0  # samples dropped: their timestamps fell on audio already held
        # a gap is filled no further than max_s (a timestamp jump of hours must not allocate hours of silence)
        self.limit = int(max_s * AUDIO_RATE) + AUDIO_RATE if max_s is not None else None

    def add(self, frame) -> None:
        self.frames += 1
        if self.start is None and frame.time is not None:
            self.start = max(0.0, float(frame.time) - self.origin)
            self.lead = int(round(self.start * AUDIO_RATE))
        if self.split is not None:
            for out in self.split.resample(frame):
                self._take_planes(out)
        if self.mono is not None:
            for out in self.mono.resample(frame):
                self._place(out, out.to_ndarray().reshape(-1).copy())

    def _place(self, out, data: np.ndarray) -> None:
        """Keep one resampled chunk (`data`, 16 kHz mono float32) at its own timestamp (`out.time`, the stream's
        seconds): silence fills a gap before it, its part that overlaps the samples held is dropped; within
        GAP_TOLERANCE_S (timestamp rounding) it follows the samples held end to end. No timestamp: end to end."""
        if out.time is not None and self.start is not None:
            ahead = int(round((float(out.time) - self.origin) * AUDIO_RATE)) - self.lead - self.count
            if ahead > GAP_TOLERANCE_S * AUDIO_RATE:
                if self.limit is not None:
                    ahead = min(ahead, max(0, self.limit - self.count))
                if ahead > 0:
                    self.gaps.append(((self.lead + self.count) / AUDIO_RATE, ahead / AUDIO_RATE))
                    self.chunks.append(np.zeros(ahead, np.float32))
                    self.count += ahead
            elif ahead < -GAP_TOLERANCE_S * AUDIO_RATE:
                drop = min(-ahead, data.size)
                self.overlap += drop
                data = data[drop:]
        if data.size:
            self.chunks.append(data)
            self.count += data.size

    def _take_planes(self, out) -> None:
        planes = out.to_ndarray()
        if planes.ndim == 2 and planes.shape[0] == self.channels:
            energy = np.einsum("ij,ij->i", planes, planes, dtype=np.float64)
            self.channel_energy += energy
            self.chunk_energy.append(np.nan_to_num(energy, nan=0.0))
            self.chunk_size.append(planes.shape[1])
            if self.channel is not None:
                self._place(out, planes[self.channel].astype(np.float32, copy=True))

    def flush(self) -> None:
        import av

        for resampler, take in ((self.split, self._take_planes),
                                (self.mono, lambda out: self._place(out, out.to_ndarray().reshape(-1).copy()))):
            if resampler is None:
                continue
            try:
                for out in resampler.resample(None):
                    take(out)
            except (av.error.FFmpegError, ValueError):
                pass

    def samples(self) -> np.ndarray:
        """The track on the clip's clock: silence before its first timestamp, then its samples each at its own
        timestamp (gaps filled with silence, overlaps dropped: `_place`), in [-1, 1]."""
        data = np.concatenate(self.chunks).astype(np.float32, copy=False) if self.chunks else np.zeros(0, np.float32)
        lead = self.lead
        if lead > 0 and data.size:
            data = np.concatenate([np.zeros(lead, np.float32), data])
        np.nan_to_num(data, copy=False, nan=0.0)  # float PCM can hold NaN: it passes np.clip and every silence/level rule
        np.clip(data, -1.0, 1.0, out=data)
        return data

    def gap_note(self) -> str | None:
        """The clip note on the gaps filled and the overlaps dropped (`_place`), or None when the timestamps ran on."""
        parts = [gaps_sentence(self.gaps)] if self.gaps else []
        if self.overlap:
            parts.append(f"{self.overlap / AUDIO_RATE:.2f} s of audio whose timestamps overlapped earlier audio was dropped")
        return "; ".join(parts) or None


GAPS_SAID = "the audio had gaps of "  # how `gaps_sentence` begins (`media_clip.window_of` finds it)


def gaps_sentence(gaps: list[tuple[float, float]]) -> str:
    """The note's sentence on the gaps filled with silence, `gaps` as [(at, length)] seconds on the clip's clock."""
    total = sum(length for _, length in gaps)
    where = ", ".join(f"{length:.2f} s at {at:.2f} s" for at, length in gaps[:3])
    if len(gaps) > 3:
        where += f" and {len(gaps) - 3} more"
    return f"{GAPS_SAID}{total:.2f} s in all ({where}), filled with silence so that later sound keeps its time against the picture"


def audio_only(path: Path, stream_index: int, origin: float, channel: int | None, max_s: float) -> AudioTrack16k:
    """A second pass over one audio stream only (another track, or one channel of it)."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams[stream_index]
        track = AudioTrack16k(stream, origin, channel, max_s)
        try:
            for packet in container.demux(stream):
                try:
                    for frame in packet.decode():
                        track.add(frame)
                except av.error.FFmpegError:
                    continue
                if (track.start or 0.0) + track.count / AUDIO_RATE > max_s:
                    break
        except av.error.FFmpegError:
            pass
        track.flush()
    return track


def rms(samples: np.ndarray) -> float:
    """RMS amplitude (full scale = 1.0) of float samples, accumulated in float64; 0.0 for none."""
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


def channel_rms(track: AudioTrack16k, n: int) -> np.ndarray:
    """(channels,) RMS amplitude of each source channel of `track` over `n` samples at 16 kHz (the mono mix's length)."""
    return np.sqrt(track.channel_energy / max(1, track.count, n))


def loud_level(energy: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The RMS amplitude that the loudest SOUND_S of audio cut in frames all reach: `energy` ``(frames,)`` or
    ``(frames, channels)`` summed squares, `sizes` ``(frames,)`` samples at 16 kHz. The frames are ranked by their
    RMS, loudest first; the result is the RMS of the frame at which the ranked frames first hold SOUND_S (all of
    them in shorter audio: the quietest), ``()`` or ``(channels,)``. An order statistic, not a mean: the clip's
    length (the silence around the speech) does not lower it, and a click a frame long does not raise it. Zero for
    no frames."""
    energy, sizes = np.asarray(energy, np.float64), np.asarray(sizes, np.float64)
    if not sizes.size or sizes.sum() <= 0:
        return np.zeros(energy.shape[1:])
    need = min(SOUND_S * AUDIO_RATE, float(sizes.sum()))
    mean = energy / np.maximum(sizes, 1.0).reshape((-1,) + (1,) * (energy.ndim - 1))
    order = np.argsort(-mean, axis=0, kind="stable")  # per channel, loudest frame first
    held = np.cumsum(sizes[order], axis=0)  # samples held by the loudest frames so far
    at = np.argmax(held >= need - 0.5, axis=0)  # the first rank that holds SOUND_S
    ranked = np.take_along_axis(mean, order, axis=0)
    return np.sqrt(np.take_along_axis(ranked, np.expand_dims(at, 0), axis=0)[0])


def sound_level(samples: np.ndarray) -> float:
    """The RMS amplitude (full scale = 1.0) that the loudest SOUND_S of mono samples reaches in FRAME-sample frames
    (`loud_level`); 0.0 for none. The level the silence rule reads (`silent`)."""
    if not samples.size:
        return 0.0
    n = samples.size // FRAME
    frames = samples[: n * FRAME].reshape(n, FRAME)
    energy = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)  # accumulated in float64, no float64 copy
    sizes = np.full(n, FRAME)
    if samples.size > n * FRAME:  # the tail, a frame of its own
        tail = samples[n * FRAME:].astype(np.float64)
        energy, sizes = np.append(energy, float(tail @ tail)), np.append(sizes, tail.size)
    return float(loud_level(energy, sizes))


def silent(samples: np.ndarray) -> bool:
    """Whether mono samples are silent: none, or less than SOUND_S of them at SILENCE_RMS (`sound_level`). The one silence
    rule: `Clip.audio_is_silent` (the transcript, prosody, segments, reperception and omni reasoner read it), the
    voice-activity decision (no voice is looked for in silence) and the track choice all read it."""
    return sound_level(samples) < SILENCE_RMS


def channel_levels(track: AudioTrack16k) -> np.ndarray:
    """(channels,) `sound_level` of each source channel of `track`, over its decoded chunks (~20-90 ms each) as frames."""
    if not track.chunk_size:
        return np.zeros(track.channels)
    return loud_level(np.stack(track.chunk_energy), np.asarray(track.chunk_size))


def silent_track(track: AudioTrack16k | None, samples: np.ndarray) -> bool:
    """A track is silent when its mono mix and each of its channels are (by the one rule, `silent`): channels
    that cancel in the mix (one phase-inverted) still carry sound."""
    if not silent(samples):
        return False
    if track is None or not track.channel_energy.size:
        return True
    return float(channel_levels(track).max()) < SILENCE_RMS


def finish_audio(path: Path, clip: Clip, audios: list, first, origin: float, settings: DecodeSettings) -> AudioTrack16k | None:
    """Pick the track and downmix: the default (or chosen) track unless it is silent and another is
    not; a loud channel when the mono downmix cancels (phase-inverted stereo). Lists every track.
    Returns the track analysed (its `start` and `count` say where its audio lies), None without audio."""
    track: AudioTrack16k | None = clip.extras.pop("_audio_track", None)
    info = clip.info
    if first is None:
        return None
    listed = [track_entry(i, s) for i, s in enumerate(audios)]
    chosen = audios.index(first)
    samples = clip.audio
    listed[chosen].silent = silent_track(track, samples)
    if listed[chosen].silent and settings.audio_track is None and len(audios) > 1:
        for i, stream in enumerate(audios):
            if i == chosen or listed[i].silent is not None:
                continue
            other = audio_only(path, stream.index, origin, None, settings.max_duration_s)
            other_samples = other.samples()
            listed[i].silent = silent_track(other, other_samples)
            if not listed[i].silent:
                info.notes.append(f"audio track {chosen} is silent; track {i} (the first with sound) is analysed")
                chosen, track, samples = i, other, other_samples
                break
    samples = undo_cancellation(path, track, samples, info, origin, settings)
    listed[chosen].analysed = True
    info.audio_track = chosen
    info.audio_tracks = listed if len(listed) > 1 else [listed[0]]
    info.audio_channels = audios[chosen].channels
    info.audio_sample_rate = audios[chosen].rate
    if len(listed) > 1 and not any("is analysed" in n for n in info.notes):
        others = ", ".join(str(t.index) for t in listed if not t.analysed)
        info.notes.append(f"the file has {len(listed)} audio tracks; track {chosen} is analysed "
                          f"(the others, {others}, can be chosen with --audio-track N, the audio_track decode setting)")
    clip.audio = samples
    info.has_audio = bool(samples.size)
    if track is not None and (gaps := track.gap_note()):
        info.notes.append(gaps)
    if track is not None and track.gaps:  # where: the prosody tool's pauses leave the filled silence out
        clip.extras[AUDIO_GAPS_KEY] = list(track.gaps)
    if info.has_audio and clip.audio_is_silent:
        info.notes.append("the audio track is silent")
    return track


def undo_cancellation(path, track, samples, info: ClipInfo, origin: float, settings: DecodeSettings) -> np.ndarray:
    """When the channels are loud but their mono sum is not, the channels are out of phase (one
    inverted): the sum cancels the voice. The loudest channel is analysed instead."""
    if track is None or track.channels < 2 or not samples.size:
        return samples
    channels, mono = channel_rms(track, samples.size), rms(samples)
    loudest = int(np.argmax(channels))
    if channel_levels(track)[loudest] < SILENCE_RMS or mono >= CANCELLED_RATIO * channels[loudest]:
        return samples  # a silent channel (the one rule), or a mix as loud as its channels: nothing cancelled
    single = audio_only(path, track.index, origin, loudest, settings.max_duration_s).samples()
    if silent(single):
        return samples
    below_db = 20 * np.log10(max(mono, 1e-9) / channels[loudest])
    info.notes.append(f"the audio channels cancel when mixed to mono (phase-inverted: the mix is {-below_db:.0f} dB "
                      f"below the channels); channel {loudest} alone is analysed")
    return single


def track_entry(i: int, stream) -> AudioTrack:
    import av

    metadata = getattr(stream, "metadata", {}) or {}
    try:
        default = bool(stream.disposition & av.stream.Disposition.default)
    except (AttributeError, TypeError):
        default = False
    return AudioTrack(
        index=i, codec=getattr(stream.codec_context, "name", None), channels=stream.channels, sample_rate=stream.rate,
        language=metadata.get("language") or metadata.get("LANGUAGE"), title=metadata.get("title") or metadata.get("TITLE"),
        default=default,
    )
