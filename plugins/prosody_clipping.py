"""Clipping: a voice recorded louder than the recording's ceiling, its waveform's peaks cut flat.

A clipped waveform is not the voice's: the flat tops add harmonics and noise and level the cycle-to-cycle
amplitude, so harmonics-to-noise ratio, jitter and shimmer measure the distortion (trial D shout_clipped.wav,
espeak-ng shouting driven 6x into a 0.99 ceiling: "somewhat breathy or rough (HNR 9.0 dB, jitter 0.9%, shimmer
9.8%)" with no word of the clipping), and the level measured is the ceiling's, not the voice's.

Two signs of it, over the speech's sounding samples (the cut-out's muted pauses do not count):

- ``flat_share``: samples in flat runs at the peak, at least `FLAT_RUN` consecutive samples within `FLAT_LSB`
  16-bit steps of the largest magnitude (digital clipping; Audacity's "Find Clipping" counts runs of 3 samples
  at the maximum by default);
- ``near_peak_share``: samples within `NEAR_PEAK` of the largest magnitude. An unclipped voice reaches its peak
  in a few cycles and its amplitude histogram thins out towards it; a clipped one piles up there, and the pile-up
  survives a lossy codec that smears the flat tops into ripples (the amplitude-histogram test of clipping; Eaton &
  Naylor 2013, "Detection of clipping in coded speech signals", EUSIPCO).

Measured: EmoFilm's 114 male (dev) clips, flat 0 in every clip and near-peak at most 0.15%; clean espeak-ng speech
0 and 0.01%; the trial's clipped shout 7.6% flat and 8.9% near the peak as WAV, 0.0% flat and 7.7-8.5% near the
peak after MP3 or AAC. The recording is clipped from `CLIPPED_FLAT` flat or `CLIPPED_NEAR_PEAK` near the peak.

Shapes and units: `audio` mono float samples in [-1, 1]; shares are 0..1 of the sounding samples.
"""

from __future__ import annotations

import numpy as np

from saber_agent.voice_frames import true_runs

FLAT_RUN = 3  # samples: a run this long at the peak is a cut top (Audacity's default start threshold)
FLAT_LSB = 2.0 / 32768  # "at the peak": within two 16-bit steps of the largest magnitude
NEAR_PEAK = 0.9  # near the peak: at least this share of the largest magnitude
SOUNDING = 1e-4  # samples below this magnitude are muted pauses or digital silence, not counted
CLIPPED_FLAT = 0.001  # 0.1% of the samples in flat runs: never reached by the dev clips (0 in all 114)
CLIPPED_NEAR_PEAK = 0.01  # 1% near the peak: dev speech at most 0.15%, a clipped shout after a codec 7.7%


def clipping(audio: np.ndarray) -> dict | None:
    """``{"clipped", "flat_share", "near_peak_share", "peak"}`` for a mono signal (see the module docstring); None
    when fewer than 100 samples sound."""
    x = np.abs(np.asarray(audio, np.float64))
    sounding = x >= SOUNDING
    if sounding.sum() < 100:
        return None
    peak = float(x.max())
    runs = np.diff(true_runs(x >= peak - FLAT_LSB), axis=1).ravel()  # each flat run's length (samples)
    flat = float(runs[runs >= FLAT_RUN].sum()) / float(sounding.sum())
    near = float(np.mean(x[sounding] >= NEAR_PEAK * peak))
    return {"clipped": bool(flat >= CLIPPED_FLAT or near >= CLIPPED_NEAR_PEAK), "flat_share": round(flat, 4),
            "near_peak_share": round(near, 4), "peak": round(peak, 4)}


__all__ = ["clipping"]
