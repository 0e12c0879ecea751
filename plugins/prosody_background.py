"""Background music or noise under a voice, told without a pause to measure it in.

The shared voice-activity decision measures the background in the pauses between words
(`VoiceActivity.snr_db`); a voice that never pauses over a music bed leaves it nothing to measure, and
Praat's pitch tracker then follows the music (a chord of 220, 277 and 330 Hz has the common
fundamental 55 Hz, which became the "voice's" F0 in a trial). Two measures need no pause:

- the background's level: quantile-based noise estimation (Stahl, Fischer & Bippus 2000, "Quantile based
  noise estimation for spectral subtraction and Wiener filtering", ICASSP): a voice occupies any one
  frequency bin only part of the time (its harmonics move with its pitch, its formants with its vowels),
  so a low quantile (`LEVEL_QUANTILE`) of each bin's short-time power over the speech frames is the
  stationary background under it. `speech_over_background_db` is the speech frames' mean power over
  that background's, 60-4000 Hz. The background's spectral flatness (geometric over arithmetic mean of
  its power spectrum; Gray & Markel 1974, Johnston 1988) tells music (tonal: a few strong partials)
  from noise (flat).
- the pitch frames that are the background's: for each voiced 10 ms frame, the share of the frame's
  power at the harmonics of its F0 (k * F0 up to 4 kHz, the harmonic sieve of Duifhuis, Willems &
  Sluyter 1982) that the local background (the median, `SIEVE_QUANTILE`, of each bin over +-0.5 s)
  already holds. A voice's harmonics stand above the background and move with its pitch; a
  periodicity that belongs to the music has the music's stationary partials as its harmonics. When at
  least `MUSIC_TRACK_SHARE` of the voiced frames reach `MUSIC_FRAME_SHARE`, the pitch track follows the
  background: those frames, and frames within a semitone of their F0 within 0.5 s (the music's F0 in its
  quieter moments), are the background's. Below that share no frame is (a voice meets its own
  background's harmonics in a few frames).

Measured on espeak-ng voices over a chord bed and a chord progression, over white noise, and clean
(tests/test_prosody_background.py; the figures in the tests and in the commit).

Shapes and units: `audio` mono float at `rate` Hz; `f0` Hz per pitch frame (0 unvoiced) at `f0_times` s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVEL_QUANTILE = 0.2  # the background level: clean espeak-ng speech 41-58 dB over it, a chord bed 9-10 dB
SIEVE_QUANTILE = 0.5  # the background a frame's harmonics are compared with (Stahl et al.'s median)
BAND_HZ = (60.0, 4000.0)
WINDOW_S = 0.128  # 2048 samples at 16 kHz: 7.8 Hz bins, fine enough to sieve harmonics of 50 Hz
HOP_S = 0.02  # a pitch frame (10 ms) reads the spectrum nearest it, 128 ms wide
LOCAL_S = 1.0  # the span the local background of a frame is taken over
# the quantile needs the voice to move through the bins: in a shorter stretch one sustained vowel fills the low
# quantile (an EmoFilm line of 0.86 s, sad and drawn out, read as a tonal background whose pitch the voice "followed")
MIN_SPEECH_S = 1.0
MUSIC_FRAME_SHARE = 0.3  # clean espeak-ng: 0-13% of voiced frames reach it; a chord bed's F0 frames 57-92%
MUSIC_TRACK_SHARE = 0.3  # the pitch track follows the background when this share of its voiced frames do
NEIGHBOUR_ST = 1.0
TONAL_FLATNESS_DB = -20.0  # a chord or progression's background: -37 to -50 dB; white noise: -0.2 dB
NOISY_DB = 10.0  # as `voice_activity.NOISY_SNR_DB`: speech less than this above its background


@dataclass
class Spectrogram:
    power: np.ndarray  # (frames, bins) short-time power
    freqs: np.ndarray  # (bins,) Hz
    times: np.ndarray  # (frames,) s, frame centres
    live: np.ndarray  # (frames,) bool: frames that are not muted (the speech signal mutes pauses)
    rate: int
    n_fft: int


def spectrogram(audio: np.ndarray, rate: int) -> Spectrogram | None:
    """Hann-windowed power spectra every `HOP_S` over `WINDOW_S`, up to a little above 4 kHz (float32, in chunks:
    a 10-minute clip holds about 60 MB), or None for audio under 20 frames."""
    n_fft = 1 << int(np.ceil(np.log2(WINDOW_S * rate)))
    hop = max(1, int(round(HOP_S * rate)))
    padded = np.pad(audio.astype(np.float32), (n_fft // 2, n_fft // 2))
    n = 1 + (padded.size - n_fft) // hop
    if n < 20:
        return None
    freqs = np.fft.rfftfreq(n_fft, 1 / rate)
    keep = int(np.searchsorted(freqs, BAND_HZ[1])) + 2  # the sieve looks one bin past the last harmonic
    window = np.hanning(n_fft).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:n]
    power, live = np.empty((n, keep), np.float32), np.empty(n, bool)
    for a in range(0, n, 512):
        chunk = frames[a: a + 512]
        power[a: a + 512] = np.abs(np.fft.rfft(chunk * window, axis=1)[:, :keep]) ** 2
        live[a: a + 512] = chunk[:, n_fft // 4: 3 * n_fft // 4].std(axis=1) > 1e-6
    return Spectrogram(power, freqs[:keep], np.arange(n) * hop / rate, live, rate, n_fft)


def background_level(spec: Spectrogram) -> tuple[float, float] | None:
    """(speech over background in dB, the background's spectral flatness in dB) over the live frames,
    60-4000 Hz; None with under `MIN_SPEECH_S` of live frames."""
    band = (spec.freqs >= BAND_HZ[0]) & (spec.freqs <= BAND_HZ[1])
    power = spec.power[spec.live][:, band].astype(np.float64)
    if power.shape[0] * HOP_S < MIN_SPEECH_S:
        return None
    background = np.quantile(power, LEVEL_QUANTILE, axis=0)
    total, floor = float(power.mean(axis=0).sum()), float(background.sum())
    snr = 10 * np.log10(max(total - floor, 1e-20) / max(floor, 1e-20))
    flatness = 10 * np.log10(np.exp(np.mean(np.log(background + 1e-20))) / (background.mean() + 1e-20))
    return round(float(snr), 1), round(float(flatness), 1)


def background_pitch_frames(spec: Spectrogram, f0: np.ndarray, f0_times: np.ndarray) -> np.ndarray:
    """(len(f0),) bool: the voiced frames whose F0 is the background's periodicity (see the module docstring)."""
    f0 = np.asarray(f0, float)
    music = np.zeros(f0.size, bool)
    voiced = np.flatnonzero(f0 > 0)
    if not voiced.size:
        return music
    n_fft = spec.n_fft
    step = spec.times[1] - spec.times[0]
    half = int(round(LOCAL_S / 2 / step))
    blocks: dict[int, np.ndarray] = {}  # the local background every quarter of LOCAL_S, reused by the frames near it
    for i in voiced:
        j = int(np.clip(round(f0_times[i] / step), 0, spec.times.size - 1))
        centre = (j // (half // 2 or 1)) * (half // 2 or 1)
        if centre not in blocks:
            span = slice(max(0, centre - half), centre + half + 1)
            live = spec.power[span][spec.live[span]]
            blocks[centre] = np.quantile(live, SIEVE_QUANTILE, axis=0) if live.shape[0] >= 10 else np.zeros(spec.freqs.size)
        harmonics = np.arange(1, int(BAND_HZ[1] / f0[i]) + 1) * f0[i]
        bins = np.round(harmonics * n_fft / spec.rate).astype(int)
        bins = bins[(bins >= 1) & (bins < spec.freqs.size - 1)]
        near = bins[:, None] + np.array([-1, 0, 1])[None, :]  # the harmonic's peak within one bin
        frame = spec.power[j][near].max(axis=1).sum()
        music[i] = frame > 0 and blocks[centre][near].max(axis=1).sum() / frame >= MUSIC_FRAME_SHARE
    # a clip-level decision first: a voice's pitch track meets its own background in a few frames (clean espeak-ng
    # speech: 0-13% of them), a track that follows the music in most
    if music[voiced].mean() < MUSIC_TRACK_SHARE:
        return np.zeros(f0.size, bool)
    # the music's F0 in its quieter moments (a beat, a fading note) falls under the share: frames within a
    # semitone of a frame already found, within half a second, are the same periodicity
    found = np.flatnonzero(music)
    if found.size:
        for i in voiced[~music[voiced]]:
            close = found[np.abs(f0_times[found] - f0_times[i]) <= LOCAL_S / 2]
            if close.size and np.min(np.abs(12 * np.log2(f0[close] / f0[i]))) <= NEIGHBOUR_ST:
                music[i] = True
    return music


def is_tonal(level: tuple[float, float] | None) -> bool:
    """Whether `background_level`'s (level dB, flatness dB) is a tonal background, one with a pitch of its own that the
    voice's pitch track can follow (flatness at most `TONAL_FLATNESS_DB`): the one test before `background_pitch_frames`,
    for the prosody tool and segment mode alike (`prosody_music.music_under_voice`, the one music decision)."""
    return level is not None and level[1] <= TONAL_FLATNESS_DB


@dataclass
class Background:
    """What sounds under the voice, from the speech signal alone (no pause needed)."""

    speech_over_background_db: float | None
    flatness_db: float | None
    pitch_frames_share: float | None = None  # share of the voiced frames whose F0 is the background's

    @property
    def kind(self) -> str | None:
        if self.flatness_db is None:
            return None
        return "music" if self.flatness_db <= TONAL_FLATNESS_DB else "noise"

    @property
    def under_voice(self) -> bool:
        """A loud background: speech under NOISY_DB above it, or a pitch track that follows it (at least
        MUSIC_TRACK_SHARE of the voiced frames, the clip-level rule of `background_pitch_frames`)."""
        loud = self.speech_over_background_db is not None and self.speech_over_background_db < NOISY_DB
        return loud or (self.pitch_frames_share or 0.0) >= MUSIC_TRACK_SHARE

    def measurements(self, loud: bool = False) -> dict:
        """As slot measurements; "kind" (music or noise) only for a background under the voice (this one, or
        one `loud` by another measure such as `VoiceActivity.noisy`): clean speech has no background to name."""
        return {"speech_over_background_db": self.speech_over_background_db, "background_flatness_db": self.flatness_db,
                "kind": self.kind if self.under_voice or loud else None, "pitch_frames_share": self.pitch_frames_share}


__all__ = ["Background", "Spectrogram", "background_level", "background_pitch_frames", "is_tonal", "spectrogram"]
