"""Where two voices speak at once inside one utterance, from its pitch track: two F0 tracks interleaved.

An utterance is one voice (`saber_agent.segments`); when a second voice talks over the first, the voice
activity hears one stretch of speech and the splitter one utterance. Praat's pitch tracker then follows
whichever voice is stronger frame by frame, so the selected F0 jumps back and forth between the two
voices' ranges. The rule: the utterance's voiced frames (10 ms, autocorrelation, 60-500 Hz) fall into
two pitch groups (split at the widest gap of their semitone values) whose medians lie at least
`APART_ST` apart, each holding at least `MIN_SHARE` of the voiced frames; a 0.5 s window (hop 0.25 s)
is overlapped where both groups hold at least `MIN_SHARE` of its voiced frames and the track switches
group at least `MIN_SWITCHES` times in it (a turn change without a pause, or one glide up, switches
once). Overlapped windows are joined into spans; spans under `MIN_SPAN_S` are dropped.

It finds a male and a female espeak-ng voice talking over each other (tests/test_segments_people.py);
two voices of like pitch overlap unseen (one pitch group), as the speakers' own measure would not part
them either. Background music has a pitch track of its own (a chord's note): the caller leaves its frames out
(`track_overlaps` on the track of `saber_agent.voice_frames.utterance_pitch`: the prosody tool's music decision), else music under one
voice reads as a second voice (new-user trial C: an espeak-ng male voice over a 196/247/294 Hz chord).
Units: seconds on the audio's clock plus `offset_s`; audio mono float, `rate` Hz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

APART_ST = 7.0  # two pitch groups this many semitones apart are two voices (male ~100 Hz, female ~220 Hz: 14 st)
MIN_SHARE = 0.15
MIN_SWITCHES = 3
WINDOW_S = 0.5
HOP_S = 0.25
MIN_SPAN_S = 0.75  # two windows at least: one window straddles a turn change or a pitch break


def pitch_track(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(times s, F0 Hz with 0 where unvoiced) every 10 ms (Praat autocorrelation, 60-500 Hz); None without
    parselmouth or for audio under 0.2 s."""
    try:
        import parselmouth
    except ImportError:
        return None
    if audio.size < 0.2 * rate:
        return None
    pitch = parselmouth.Sound(audio.astype(np.float64), rate).to_pitch_ac(time_step=0.01, pitch_floor=60.0, pitch_ceiling=500.0)
    return np.asarray(pitch.xs()), np.asarray(pitch.selected_array["frequency"])


@dataclass(frozen=True)
class Overlap:
    """One span where two voices of distinct pitch speak at once: seconds (+ the caller's offset) and the median F0
    (Hz) of each pitch group's frames inside it (the lower voice's and the higher voice's)."""

    start_s: float
    end_s: float
    low_hz: float
    high_hz: float


def overlaps(audio: np.ndarray, rate: int, offset_s: float = 0.0, min_span_s: float = MIN_SPAN_S,
             hop_s: float = HOP_S) -> list[Overlap]:
    """The spans of `audio` (mono float, `rate` Hz) where two voices of distinct pitch speak at once (`Overlap`:
    seconds + `offset_s`, each span's two pitch medians), every voiced frame of its `pitch_track` taken as a voice's;
    [] without a pitch track. A caller that has the track already (with background music's frames set to 0:
    `saber_agent.voice_frames.utterance_pitch`) reads it with `track_overlaps`."""
    track = pitch_track(audio, rate)
    return [] if track is None else track_overlaps(track, offset_s, min_span_s, hop_s)


def track_overlaps(track: tuple[np.ndarray, np.ndarray], offset_s: float = 0.0, min_span_s: float = MIN_SPAN_S,
                   hop_s: float = HOP_S) -> list[Overlap]:
    """`overlaps` read on a pitch track already made (`pitch_track`'s (times s, F0 Hz with 0 where unvoiced), every
    10 ms; frames that are not a voice's set to 0, e.g. background music's). `min_span_s`: the shortest span kept
    (`MIN_SPAN_S`; one window, `WINDOW_S`, where other evidence says two voices meet there: a voice-change cut, read
    with a finer `hop_s`, as a short overlap found by one window only is missed by a window placed half over it)."""
    times, f0 = track
    voiced = f0 > 0
    if voiced.sum() < 20:
        return []
    semitones = 12 * np.log2(f0[voiced] / 100.0)
    ordered = np.sort(semitones)
    cut = int(np.argmax(np.diff(ordered)))
    threshold = (ordered[cut] + ordered[cut + 1]) / 2
    low, high = ordered[: cut + 1], ordered[cut + 1:]
    if min(low.size, high.size) < MIN_SHARE * ordered.size or np.median(high) - np.median(low) < APART_ST:
        return []  # one pitch group: one voice (or two of like pitch, which this cannot part)
    group = np.full(f0.shape, -1)
    group[voiced] = (semitones > threshold).astype(int)
    spans: list[list[float]] = []
    for start in np.arange(0.0, max(times[-1] - WINDOW_S, 0.0) + hop_s, hop_s):
        inside = group[(times >= start) & (times < start + WINDOW_S)]
        inside = inside[inside >= 0]
        if inside.size < 10:
            continue
        share_high = float(np.mean(inside))
        switches = int(np.sum(np.diff(inside) != 0))
        if min(share_high, 1 - share_high) >= MIN_SHARE and switches >= MIN_SWITCHES:
            if spans and start <= spans[-1][1]:
                spans[-1][1] = start + WINDOW_S
            else:
                spans.append([start, start + WINDOW_S])
    out = []
    for a, b in spans:
        if b - a < min_span_s - 1e-9:
            continue
        inside = (times >= a) & (times < b)
        low_hz, high_hz = (float(np.median(f0[inside & (group == g)])) for g in (0, 1))
        out.append(Overlap(round(a + offset_s, 2), round(b + offset_s, 2), round(low_hz), round(high_hz)))
    return out


__all__ = ["Overlap", "overlaps", "pitch_track", "track_overlaps"]
