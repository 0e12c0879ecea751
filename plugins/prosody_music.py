"""Music under a voice that the quantile background estimate misses: sustained partials that are not the voice's.

`prosody_background.background_level` takes a low quantile of each frequency bin as the background (Stahl et al.
2000): a stationary bed (a held chord, hum, noise) fills it. Plucked or struck notes do not: each decays within a
second and the next is another pitch, so each bin holds its note only part of the time and the low quantile is
the silence between notes (trial D singing_guitar.wav, a voice over a plucked guitar line: speech 32 dB over the
estimate, flatness -7.5 dB, "no background"; the voice was read as surprise 0.94 from F0 SD 8.4 semitones).

What such notes keep is their frequency. An instrument's partials stay on one frequency while the note sounds:
the "horizontal lines" of a spectrogram that speech/music discriminators look for (Hawley 1993, "Structure out
of sound", MIT; Minami, Akutsu, Hamada & Tonomura 1998, "Video handling with music and speech detection", IEEE
Multimedia 5(3)), found as spectral peaks continued from frame to frame (McAulay & Quatieri 1986, sinusoidal
partial tracking). A speaking voice's harmonics glide with its intonation and seldom stay within a bin for long;
those that do lie at the multiples of its own F0. So a frame holds a *sustained partial* when a spectral peak
(`PEAK_DB` over its neighbours two bins away, within `TOP_DB` of the frame's strongest) stays within one bin for
`SUSTAIN_S` and lies at no harmonic of the voice's F0 in that frame (Praat's pitch, range fitted to the speaker
as in `prosody_measure.pitch_range`; an unvoiced frame has no harmonics, so any sustained line there counts).

`sustained_partials_share` is the share of the speech's sounding frames (within `FLOOR_DB` of the loudest) that
hold one. Measured (speech cut out by the shared voice-activity decision, as the prosody tool measures it):
EmoFilm's 114 male (dev) clips 0-0.014 (one clip of 0.98 s: 0.081, under `MIN_SPEECH_S` anyway); clean espeak-ng
speech 0-0.009; espeak-ng speech over the trial's plucked guitar line 0.18, the trial's singing over it 0.35.
`MUSIC_SHARE` lies between them.

`music_under_voice` is the one music decision of the voice path, for the prosody tool over a whole clip's speech and
for segment mode over each utterance (`saber_agent.voice_frames.utterance_pitch`: the speaker's voice features, the
overlapping-speech reading and the speaker's F0): a tonal background's pitch frames (`prosody_background`) and an
instrument's sustained partials (here), so that a voice over music is handled alike in both.

Shapes and units: `Spectrogram` as in `prosody_background` (power per frame and bin, 20 ms hop, 7.8 Hz bins at
16 kHz); `audio` mono float at `rate` Hz; the pitch track in Hz (0 unvoiced) at its frame times in s. The tool
reuses the pitch track it measures (a second Praat pass took 13 s of a 5-minute podcast's 17).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saber_agent.plugins.prosody_background import (
    BAND_HZ,
    MIN_SPEECH_S,
    Spectrogram,
    background_level,
    background_pitch_frames,
    is_tonal,
    spectrogram,
)

PEAK_DB = 6.0  # a spectral peak: this much above the bins two away on both sides
TOP_DB = 30.0  # ... and within this of the frame's strongest bin (a partial that is heard, not a ripple)
SUSTAIN_S = 0.3  # a partial sustained: its peak stays within one bin this long (a plucked note rings ~0.5-1 s)
HARMONIC_BINS = 1.5  # a peak this close to k x F0 is the voice's own harmonic
FLOOR_DB = 40.0  # sounding frames: strongest bin within this of the clip's loud frames (99th percentile)
MUSIC_SHARE = 0.1  # EmoFilm male (dev) speech at most 0.014 over 1 s; speech over plucked notes 0.18 and up


def f0_track(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Praat's pitch track of a mono signal as the prosody tool takes it (`prosody_measure.measure`: 10 ms, range
    fitted to the speaker): (F0 Hz, 0 unvoiced; times s). The tool passes the track it already has instead."""
    import parselmouth

    from saber_agent.plugins.prosody_measure import FRAME_S, pitch_range

    sound = parselmouth.Sound(np.asarray(audio, np.float64), sampling_frequency=rate)
    floor_hz, ceiling_hz = pitch_range(sound)
    pitch = sound.to_pitch(time_step=FRAME_S, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    return pitch.selected_array["frequency"], pitch.xs()


def sustained_partials_share(spec: Spectrogram, f0: np.ndarray, f0_times: np.ndarray) -> float | None:
    """The share (0..1) of the sounding live frames that hold a sustained partial not at the voice's harmonics (see
    the module docstring), given the signal's pitch track (`f0` Hz, 0 unvoiced, at `f0_times` s of the same signal,
    `f0_track`); None with under `MIN_SPEECH_S` of sounding frames."""
    band = (spec.freqs >= BAND_HZ[0]) & (spec.freqs <= BAND_HZ[1])
    db = 10 * np.log10(spec.power[:, band].astype(np.float64) + 1e-12)
    freqs = spec.freqs[band]
    strongest = db.max(axis=1)
    if not spec.live.any():
        return None
    sounding = spec.live & (strongest >= np.percentile(strongest[spec.live], 99) - FLOOR_DB)
    step = float(spec.times[1] - spec.times[0]) if spec.times.size > 1 else 0.02
    if sounding.sum() * step < MIN_SPEECH_S or db.shape[1] < 5:
        return None
    centre = db[:, 2:-2]
    peak = ((centre > db[:, 1:-3]) & (centre >= db[:, 3:-1]) & (centre > db[:, :-4] + PEAK_DB)
            & (centre > db[:, 4:] + PEAK_DB))
    peak = np.pad(peak, ((0, 0), (2, 2))) & (db >= strongest[:, None] - TOP_DB)
    near = peak.copy()  # a peak within one bin
    near[:, 1:] |= peak[:, :-1]
    near[:, :-1] |= peak[:, 1:]
    span = max(2, int(round(SUSTAIN_S / step)))
    n = db.shape[0]
    sustained = np.zeros_like(peak)
    if n > span:
        held = peak[: n - span + 1].copy()
        for k in range(1, span):
            held &= near[k: n - span + 1 + k]
        sustained[: n - span + 1] = held
    f0, f0_times = np.asarray(f0, float), np.asarray(f0_times, float)
    f0 = f0[np.clip(np.searchsorted(f0_times, spec.times), 0, f0.size - 1)] if f0.size else np.zeros(n)  # per frame
    bin_hz = float(freqs[1] - freqs[0])
    own = np.zeros_like(peak)
    for j in np.flatnonzero((f0 > 0) & sustained.any(axis=1)):
        k = np.maximum(1, np.round(freqs / f0[j]))
        own[j] = np.abs(freqs - k * f0[j]) <= HARMONIC_BINS * bin_hz
    held_not_voice = (sustained & ~own).any(axis=1)
    return round(float(held_not_voice[sounding].mean()), 3)


@dataclass(frozen=True)
class MusicUnderVoice:
    """The music under a stretch of speech (`music_under_voice`): the background's `level` (`background_level`: speech
    over background dB, flatness dB; None: too little sound), the pitch frames whose F0 is a tonal background's
    (`background_pitch_frames`: (len(f0),) bool; None without a tonal background, `is_tonal`) and the share of the
    sounding frames holding sustained partials (`sustained_partials_share`; None: too little sound)."""

    level: tuple[float, float] | None = None
    pitch_frames: np.ndarray | None = None
    partials_share: float | None = None

    @property
    def notes(self) -> bool:
        """An instrument's notes or a tune sound under the voice: sustained partials in `MUSIC_SHARE` of the frames."""
        return self.partials_share is not None and self.partials_share >= MUSIC_SHARE


def music_under_voice(spec: Spectrogram | None, f0: np.ndarray, f0_times: np.ndarray) -> MusicUnderVoice:
    """The one music decision (see the module docstring) over the speech `spec` was made of, given its pitch track
    (`f0` Hz, 0 unvoiced, at `f0_times` s of the same signal) as tracked, before any frame is left out. Nothing is
    found without a spectrogram (under 20 frames of audio)."""
    if spec is None:
        return MusicUnderVoice()
    f0, f0_times = np.asarray(f0, float), np.asarray(f0_times, float)
    level = background_level(spec)
    frames = background_pitch_frames(spec, f0, f0_times) if is_tonal(level) else None  # only a tonal one has a pitch
    return MusicUnderVoice(level, frames, sustained_partials_share(spec, f0, f0_times))


def music_in(audio: np.ndarray, rate: int, f0: np.ndarray, f0_times: np.ndarray) -> MusicUnderVoice:
    """`music_under_voice` over one stretch of speech (mono float `audio` at `rate` Hz; its pitch track `f0` Hz at
    `f0_times` s): nothing found where no frame is voiced (no voice for music to be under)."""
    return music_under_voice(spectrogram(audio, rate) if np.any(np.asarray(f0) > 0) else None, f0, f0_times)


__all__ = ["MUSIC_SHARE", "MusicUnderVoice", "f0_track", "music_in", "music_under_voice", "sustained_partials_share"]
