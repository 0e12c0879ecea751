"""A voice's frame-level measures, and the comparisons of two sets of frames (`saber_agent.speakers` clusters with them).

- *Voice track* (`voice_track`): an utterance's frame-level measures made once (pitch, MFCCs, LPC cepstra, upper
  formants), from which `speakers.voice_between` has the voice of any part of it.
- *Cepstral frames* (`track_cepstra`): LPC cepstra c1..c12 (Praat: Burg LPC of order 16, 25 ms windows every
  10 ms) with F0 in semitones, for the voiced frames: (voiced frames, 13).
- *Upper formants* (`track_formants`): the medians of ln F3 and ln F4 (Hz) over the voiced frames: (2,).
- *GLR* (`frame_glr`): per frame, how much better two full-covariance Gaussians (one per utterance) explain two
  utterances' cepstra than one for both: the likelihood term of delta-BIC (Chen & Gopalakrishnan 1998).
- *BIC linkage* (`_bic_linkage`): utterances grouped while delta-BIC says one Gaussian is enough ("bic").
- *Utterance pitch* (`utterance_pitch`): one utterance's pitch track with background music's frames left out and the
  music decision beside it, measured once for segment mode's voice features, overlapping-speech reading and speaker F0.
- *Runs* (`true_runs`): the [start, end) frame indices of each run of True in a boolean mask, the one helper of the
  voice path (pauses, phrases, clipped tops, quiet stretches).

Moved out of `saber_agent.speakers` (that module re-exports the names it had); the per-utterance cepstra and formants are
now read from one `VoiceTrack` (`track_cepstra`, `track_formants`), so a part of an utterance is measured without Praat again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

BIC_CEPSTRA = 12  # LPC cepstra per frame (c1..c12)
PITCH_STEP_S = 0.01  # the step of `speech_overlap.pitch_track`, the utterance pitch track (Praat's dx: exactly this)


def true_runs(mask: np.ndarray) -> np.ndarray:
    """(runs, 2) int: the [start, end) indices of each run of True in a 1-D boolean `mask`, in order (end exclusive:
    a run's length is end - start); (0, 2) when none."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]]))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


@dataclass(frozen=True)
class UtterancePitch:
    """One utterance's pitch track (`speech_overlap.pitch_track`: Praat autocorrelation, 60-500 Hz, every
    `PITCH_STEP_S`) and the music under it (`plugins.prosody_music.music_under_voice`, the prosody tool's decision):
    `f0` has background music's pitch frames set to 0; `music_share` is the share of the tracked voiced frames that
    were (0.0: none); `notes_share` the share of the sounding frames that hold an instrument's sustained partials (None:
    too little sound to tell), music from `notes` on (`prosody_music.MUSIC_SHARE`), where no frame can be told the
    voice's or the notes'."""

    times: np.ndarray  # (frames,) s from the utterance's start, every PITCH_STEP_S
    f0: np.ndarray  # (frames,) Hz, 0 where unvoiced or background music's
    music_share: float = 0.0
    notes_share: float | None = None
    notes: bool = False

    @property
    def track(self) -> tuple[np.ndarray, np.ndarray]:
        """(times s, F0 Hz) as `speech_overlap.track_overlaps` takes it."""
        return self.times, self.f0


def utterance_pitch(audio: np.ndarray, rate: int) -> UtterancePitch | None:
    """One utterance's `UtterancePitch` (mono float `audio` at `rate` Hz), measured once for segment mode's voice
    features (`speakers.measure_voice`), overlapping-speech reading and speaker F0; None without parselmouth or for
    audio under 0.2 s (`pitch_track`). The music decision is the prosody tool's, one function for both modes
    (`plugins.prosody_music.music_under_voice`: a tonal background's pitch frames by its harmonic sieve, an
    instrument's notes by their sustained partials). Without it a chord's note was read as a second voice and as the
    speaker's F0 (new-user trial C: 253 Hz for a 90 Hz male voice)."""
    from saber_agent.speech_overlap import pitch_track

    track = pitch_track(audio, rate)
    if track is None:
        return None
    from saber_agent.plugins.prosody_music import music_in  # here: importing this module imports no plugin

    times, f0 = track
    music = music_in(audio, rate, f0, times)
    frames = music.pitch_frames if music.pitch_frames is not None else np.zeros(f0.size, bool)
    share = round(float(frames.sum() / np.count_nonzero(f0 > 0)), 3) if frames.any() else 0.0
    return UtterancePitch(times, np.where(frames, 0.0, f0), share, music.partials_share, music.notes)


@dataclass(frozen=True)
class VoiceTrack:
    """One utterance's frame-level voice measures, made once (`voice_track`; Praat via parselmouth), from which
    `speakers.voice_between` has the voice of any part of it (`speakers.measure_voice`: the whole; segment mode's
    voice-change cut, `saber_agent.voice_changes`: each side of a candidate cut) without measuring again. Times are
    seconds from the utterance's start; every frame is kept (which are voiced is the pitch track's call)."""

    pitch: UtterancePitch  # F0 every PITCH_STEP_S, background music's frames 0
    mfcc: np.ndarray  # (13, m): Praat MFCC c0 (energy), c1..c12, 5 ms frames
    mfcc_times: np.ndarray  # (m,) s
    mfcc_dx: float  # s between MFCC frames
    cepstra: np.ndarray | None = None  # (12, c): LPC cepstra c1..c12 every 10 ms (None: too short for one window)
    cepstra_times: np.ndarray | None = None  # (c,) s
    upper: np.ndarray | None = None  # (2, u): F3 and F4 (Hz, 0 where undefined) every 10 ms
    upper_times: np.ndarray | None = None  # (u,) s

    def pitch_index(self, times: np.ndarray) -> np.ndarray:
        """The pitch frame nearest each of `times` (s), clipped to the track."""
        x1 = float(self.pitch.times[0])
        return np.clip(np.round((times - x1) / PITCH_STEP_S).astype(int), 0, self.pitch.f0.size - 1)

    @cached_property
    def at(self) -> dict[str, np.ndarray | None]:
        """The pitch frame of each MFCC, cepstral and formant frame ("mfcc", "cepstra", "upper"), found once: a part
        of the utterance is measured many times over (`voice_changes`)."""
        return {name: None if times is None else self.pitch_index(times) for name, times in
                (("mfcc", self.mfcc_times), ("cepstra", self.cepstra_times), ("upper", self.upper_times))}


def voice_track(audio: np.ndarray, rate: int, pitch: UtterancePitch | None = None) -> VoiceTrack | None:
    """The `VoiceTrack` of one utterance (mono float `audio` at `rate` Hz): its pitch (`pitch` where measured
    already, else `utterance_pitch`), MFCCs, LPC cepstra and upper formants; None where there is no pitch track."""
    import parselmouth
    from parselmouth.praat import call

    pitch = pitch if pitch is not None else utterance_pitch(audio, rate)
    if pitch is None:
        return None
    sound = parselmouth.Sound(audio.astype(np.float64), rate)
    mfcc = sound.to_mfcc(number_of_coefficients=12)
    values = mfcc.to_array()
    cepstra = cepstra_times = upper = upper_times = None
    try:
        lpc = call(sound, "To LPC (burg)", 16, 0.025, 0.01, 50.0)
        cepstra = call(call(lpc, "To LFCC", 16), "To Matrix").values[:BIC_CEPSTRA]  # (12, frames)
        cepstra_times = call(lpc, "Get time from frame number", 1) + 0.01 * np.arange(cepstra.shape[1])
    except Exception:  # Praat refuses a sound too short for one window: no frames, the mean features still place it
        cepstra = None
    try:
        formant = sound.to_formant_burg(time_step=0.01, max_number_of_formants=5, maximum_formant=5000.0)
        upper = np.stack([call(formant, "To Matrix", k).values[0] for k in (3, 4)])  # (2, frames), 0 where undefined
        upper_times = np.asarray(formant.xs())
    except Exception:  # too short for one window
        upper = None
    return VoiceTrack(pitch, values, mfcc.x1 + mfcc.dx * np.arange(values.shape[1]), float(mfcc.dx), cepstra,
                      cepstra_times, upper, upper_times)


def track_cepstra(track: VoiceTrack, f0: np.ndarray) -> np.ndarray | None:
    """(voiced frames, 13): the track's LPC cepstra c1..c12 and F0 in semitones re 100 Hz for the frames `f0` (the
    track's F0, 0 outside the part asked for) finds voiced; None for 14 frames or fewer. The cepstra follow the vocal
    tract's resonances (formants), which differ between two voices of one sex by a few per cent: one frame says
    little, the spread of a few hundred says more."""
    if track.cepstra is None:
        return None
    at = track.at["cepstra"]
    voiced = f0[at] > 0
    if voiced.sum() <= BIC_CEPSTRA + 2:
        return None
    return np.column_stack([track.cepstra[:, voiced].T, 12 * np.log2(f0[at][voiced] / 100.0)]).astype(np.float32)


def track_formants(track: VoiceTrack, f0: np.ndarray) -> np.ndarray | None:
    """(2,): the medians of ln F3 and ln F4 (Hz) over the frames `f0` finds voiced (at least 5), or None. The upper
    formants follow the length of the vocal tract more than the vowel or the effort (F1 and F2 move with every vowel)."""
    if track.upper is None:
        return None
    at = track.at["upper"]
    upper = track.upper[:, (f0[at] > 0) & (track.upper > 0).all(axis=0)]
    return np.median(np.log(upper), axis=1) if upper.shape[1] >= 5 else None


def frame_glr(frames: list[np.ndarray | None]) -> np.ndarray:
    """(n, n) per-frame generalised likelihood ratio of each pair's cepstra c1..c12 (one full-covariance
    Gaussian for both against one each: (N log|S| - N1 log|S1| - N2 log|S2|) / 2N, the likelihood term of
    delta-BIC without its penalty); NaN where either utterance has no frames."""
    n = len(frames)
    glr = np.full((n, n), np.nan)
    stats = [None if f is None else _stats(f[:, :BIC_CEPSTRA]) for f in frames]
    own = [None if st is None else _log_det(*st) for st in stats]
    for i in range(n):
        for j in range(i + 1, n):
            if stats[i] is None or stats[j] is None:
                continue
            (ni, si, qi), (nj, sj, qj) = stats[i], stats[j]
            both = _log_det(ni + nj, si + sj, qi + qj)
            glr[i, j] = glr[j, i] = 0.5 * ((ni + nj) * both - ni * own[i] - nj * own[j]) / (ni + nj)
    return glr


def _stats(frames: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    f = frames.astype(np.float64)
    return float(len(f)), f.sum(axis=0), f.T @ f


def _log_det(count: float, first: np.ndarray, second: np.ndarray) -> float:
    """log |covariance| from sufficient statistics (count, sum, sum of outer products)."""
    mean = first / count
    cov = (second - count * np.outer(mean, mean)) / max(count - 1, 1) + 1e-6 * np.eye(len(first))
    return float(np.linalg.slogdet(cov)[1])


def _bic_linkage(frames: list[np.ndarray], penalty: float) -> list[list[int]]:
    """Groups of utterances by the Bayesian information criterion (Chen & Gopalakrishnan, "Speaker,
    environment and channel change detection and clustering via the BIC", 1998): each group's frames
    are one full-covariance Gaussian; the two groups whose merge costs least are merged while
    delta-BIC = N/2 log|S| - N1/2 log|S1| - N2/2 log|S2| - penalty * (d + d(d+1)/2)/2 * log N < 0.
    `frames`: one (n_i, d) array per utterance. Sufficient statistics make each merge O(groups)."""
    n = len(frames)
    d = frames[0].shape[1]
    stats = [_stats(f) for f in frames]
    count = np.array([st[0] for st in stats], np.float64)
    first = [st[1] for st in stats]
    second = [st[2] for st in stats]
    params = (d + d * (d + 1) / 2) / 2
    own = [_log_det(count[i], first[i], second[i]) for i in range(n)]

    def delta(p: int, q: int) -> float:
        k = count[p] + count[q]
        merged = _log_det(k, first[p] + first[q], second[p] + second[q])
        return 0.5 * (k * merged - count[p] * own[p] - count[q] * own[q]) - penalty * params * np.log(k)

    cost = np.full((n, n), np.inf)
    for p in range(n):
        for q in range(p + 1, n):
            cost[p, q] = delta(p, q)
    members = [[i] for i in range(n)]
    alive = np.ones(n, bool)
    while alive.sum() > 1:
        p, q = np.unravel_index(int(np.argmin(cost)), cost.shape)
        if cost[p, q] >= 0:
            break
        count[p] += count[q]
        first[p] = first[p] + first[q]
        second[p] = second[p] + second[q]
        own[p] = _log_det(count[p], first[p], second[p])
        members[p] += members[q]
        alive[q] = False
        cost[q, :] = cost[:, q] = np.inf
        for r in np.flatnonzero(alive):
            if r != p:
                cost[min(p, r), max(p, r)] = delta(min(p, r), max(p, r))
    return sorted((members[i] for i in np.flatnonzero(alive)), key=min)
