"""Who speaks each utterance, without a hub model: each utterance's voice measured, the voices clustered.

- *Voices* (`measure_voice`): over the utterance's *voiced* frames only (Praat via parselmouth; silence,
  breath and consonant noise say nothing of the speaker): F0 median and spread in semitones and the
  mean of 12 MFCCs, scaled by fixed, typical within-speaker spreads (3 st, 6 st, 40 units); the frames
  themselves: LPC cepstra c1..c12 (Burg, order 16) with F0, every 10 ms; and the medians of ln F3 and
  ln F4 (`saber_agent.voice_frames`). Optionally (`embed=True`) a GE2E d-vector (`saber_agent.voice_embedding`).
  Voiced frames whose F0 is background music's are not the voice's and are left out of all of these (the prosody
  tool's music decision on the utterance's pitch track, `voice_frames.utterance_pitch`, measured once and shared with
  segment mode's overlapping-speech reading and speaker F0): a man's turn over a sustained chord measured the chord's
  277 Hz note, and clustered as a second voice.
- *Clustering* (`cluster_voices`, "fused" by default): average linkage over a pair distance that fuses
  four measures by linear logistic regression (score fusion as in speaker verification; weights fitted
  on the same-sex pairs of `bench/speaker_turns.py`'s dev sets, male film speech and espeak-ng voices,
  by its `--fit`): the per-frame generalised likelihood ratio (GLR) of the two utterances' cepstral
  frames (one full-covariance Gaussian for both against one each: the data term of delta-BIC, Chen &
  Gopalakrishnan 1998) less what one speaker's frames give by chance (GLR_BIAS x (1/n1 + 1/n2), at
  least 0), the F0 median difference, the MFCC-mean distance and the upper-formant difference (and, for
  a pair whose utterances both have a d-vector, `measure_voice(embed=True)`, their cosine distance). A fused
  distance of 1 (`SAME_FUSED`) is even odds of one speaker; groups stay apart at 1 or more, or when they
  lie APART (2) times farther apart than their own turns do (at least FUSED_SPREAD): two like voices
  that each repeat themselves. A recording heard again (utterances under `REPEAT_FUSED` apart: a looped script, a
  replayed clip) is clustered once and its repeats take its voice (`_distinct`): counted as turns, a voice's few
  recurring lines made it look tighter than its turns are, and the APART rule parted one voice (trial D podcast.mp3,
  a 12-turn script heard 7.5 times: 3 voices). Voices are labelled A, B, ... in order of first appearance; an utterance
  with too little voiced speech (`MIN_VOICED_S`) has no voice (None).
  Why like voices merged before: the raw GLR of two short turns is large by chance (a 12 x 12 covariance
  from ~100 frames), so the fit leant on it little and on no pair's own length; the threshold alone
  could not use that each voice's turns lie near each other. ("prosody", the rule before that, kept as a
  method: the means under SAME_VOICE 2.5 and the spread rule with TURN_SPREAD.)
  Measured (`bench/speaker_turns.py --conversations 120`, oracle turns, DER with pyannote.metrics; the
  fit before -> now; dev sets only): espeak-ng dev voices 0.054 -> 0.005 (two male voices told apart
  exactly 23 -> 28 of 30, three voices 21 -> 29 of 30, one voice kept whole 30 of 30), EmoFilm male film
  speech 0.120 -> 0.105 (one speaker kept whole 21 -> 27 of 40, as "prosody"); cut by the product's own
  voice-activity split (40 conversations): 0.144 -> 0.101 and 0.299 -> 0.267. With d-vectors measured
  (bench method "fused+dvector"): film speech 0.075 (split: 0.244), espeak-ng 0.010 (GE2E, trained on real
  voices, barely parts espeak voices: "embedding" alone 0.18). Held out (never tuned on; measured once, after
  the choice): espeak-ng held-out voices 0.029 -> 0.014 (but exact partitions 0.85 -> 0.82: a turn split
  off more often; one voice kept whole 30 -> 29 of 30), EmoFilm female speech 0.144 -> 0.092 (one speaker
  kept whole 23 -> 26 of 40); split: 0.109 -> 0.103 and 0.303 -> 0.254; "fused+dvector" 0.011 and 0.087.
  Each dev conversation heard 3 times over (`--repeat 3`), each repeat a turn -> a recording once: espeak-ng dev
  0.089 -> 0.005 (exact partitions 0.34 -> 0.975), male film speech 0.189 -> 0.105 (0.275 -> 0.55): as heard once;
  heard once, unchanged (no two different dev utterances lie under REPEAT_FUSED apart: nearest 0.10 and 0.25).
  Limits: one turn each is too little evidence (a calm and a shouting espeak voice stay one voice, as
  one voice calm then raised must); voices that differ in neither F0 nor formant frequencies stay one
  (espeak-ng en-us and en-gb+m7: m7 changes only formant heights and widths); ~2 s film clips are
  still confused one time in ten (DER 0.105); d-vectors are measured only on request (`embed=True`: ~0.07 s
  per second of speech, weights from the resemblyzer wheel);
  "bic" (delta-BIC clustering) is worse than before on held-out voices (0.060). Each set has 120
  conversations (30-40 per kind): differences under ~0.02 are within noise. Overlapping speech is one
  utterance unless the voice changes across it (`saber_agent.voice_changes` cuts a turn taken without a pause,
  measuring each side with `voice_between` on the utterance's one `voice_frames.VoiceTrack`).
- *Faces* (tracks with ids, the voice-to-face link by moving mouths, whose face an utterance shows)
  run the face plugins, so they live in the plugin layer: `saber_agent.plugins.speaker_faces`. Their
  old names here (`FaceTracks`, `track_all_faces`, `link_voices`, ...) still resolve, lazily: importing
  this module imports no plugin.

Units: seconds on the clip's clock; F0 in Hz (reported) and semitones re 100 Hz (features).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace

import numpy as np

from saber_agent.voice_frames import (  # noqa: F401 (moved there; still importable from here)
    BIC_CEPSTRA,
    PITCH_STEP_S,
    UtterancePitch,
    VoiceTrack,
    _bic_linkage,
    _log_det,
    _stats,
    frame_glr,
    track_cepstra,
    track_formants,
    utterance_pitch,
    voice_track,
)

F0_SCALE_ST = 3.0
SPREAD_SCALE_ST = 6.0
MFCC_SCALE = 40.0
SAME_VOICE = 2.5  # average-linkage distance below which utterances may share a voice
SAME_SPEAKER_COSINE = 0.25  # d-vectors alone ("embedding"): average cosine distance below which utterances share a speaker
# "fused", the default: a pair's `pair_features` weighted by linear logistic regression (fitted on the dev sets'
# same-sex pairs by `bench/speaker_turns.py --fit`; each set and class weighted equally), so that a fused distance
# of 1 is even odds of one speaker: [per-frame GLR excess over GLR_BIAS x (1/n1 + 1/n2), |F0 median difference| / 3 st,
# MFCC-mean distance / 40, |mean ln F3, F4 difference|]; a pair without cepstral frames is weighted on the last three.
FUSE_WEIGHTS = (1.164, 0.311, 0.249, 1.318)
FUSE_WEIGHTS_NO_FRAMES = (0.396, 0.233, 3.398)
FUSE_WEIGHTS_DVECTOR = (1.104, 0.285, 0.154, 0.789, 0.885)  # both d-vectors measured (`measure_voice(embed=True)`)
GLR_BIAS = 70.0  # frames: one speaker's per-frame GLR is ~GLR_BIAS x (1/n1 + 1/n2) by chance (least log-loss on dev)
SAME_FUSED = 1.0
FUSED_SPREAD = 0.3  # "fused": the least spread taken for a voice's turns (~ the lower quartile of one espeak dev voice's pairs)
BIC_PENALTY = 1.5  # lambda of the BIC penalty ("bic"; tuned on the dev sets of bench/speaker_turns.py)
TURN_SPREAD = 0.8  # the least spread taken for a voice's turns (one espeak voice's turns lie ~0.8 apart)
APART = 2.0  # two groups this many times farther apart than their own turns (at least TURN_SPREAD or FUSED_SPREAD) are two voices
MIN_VOICED_S = 0.3  # an utterance needs this much voiced speech to be placed
# "fused": two utterances nearer than this are one recording heard again (a looped script, a replayed clip), clustered
# once (`_distinct`): a podcast's repeats of one espeak-ng line lie 0.004-0.03 apart after mp3 coding; the nearest two
# different takes of one dev voice (bench/speaker_turns.py: espeak-dev 0.10, male film speech 0.25), two voices 0.32
REPEAT_FUSED = 0.05
RELIABLE_VOICED_S = 1.5  # an utterance with less voiced speech joins the voice it is nearest to


@dataclass(frozen=True)
class Voice:
    """One utterance's voice: (14,) scaled `features`, the seconds of voiced speech they are measured on,
    and (where the encoder's weights are installed) the (256,) unit-length GE2E d-vector of the utterance."""

    features: np.ndarray
    voiced_s: float
    embedding: np.ndarray | None = None
    frames: np.ndarray | None = None  # (voiced frames, 13): LPC cepstra c1..c12 and F0 (st) per 10 ms frame
    formants: np.ndarray | None = None  # (2,): medians of ln F3 and ln F4 (Hz) over the voiced frames
    music_share: float = 0.0  # share of the pitch track's voiced frames that were background music's (left out)


def measure_voice(audio: np.ndarray, rate: int, embed: bool = False, pitch: UtterancePitch | None = None) -> Voice | None:
    """The voice of one utterance (mono float samples at `rate` Hz), or None when under MIN_VOICED_S
    is voiced. Features: [F0 median st re 100 Hz / 3, F0 p90-p10 st / 6, MFCC 1..12 means / 40],
    the MFCCs (Praat, 5 ms frames) averaged over the frames the pitch track finds voiced. The pitch track is the
    utterance's `voice_frames.utterance_pitch` (`pitch`, where the caller measured it already: segment mode reads
    it for the overlapping-speech reading and the speaker's F0 too): voiced frames whose F0 is background music's
    are left out of every feature (F0, MFCCs, cepstral frames, formants): over a sustained chord Praat's track
    follows the chord, and its pitch clustered as the voice's. The whole utterance's `voice_between` of its
    `voice_frames.voice_track`."""
    if audio.size < rate * MIN_VOICED_S:
        return None
    track = voice_track(audio, rate, pitch)
    voice = voice_between(track) if track is not None else None
    return replace(voice, embedding=_embedding(audio, rate)) if voice is not None and embed else voice


def voice_between(track: VoiceTrack, t0: float = -np.inf, t1: float = np.inf) -> Voice | None:
    """The `Voice` of the part [t0, t1) (s from the utterance's start) of an utterance's `VoiceTrack`, measured as
    `measure_voice` measures a whole utterance (no d-vector), or None where under MIN_VOICED_S of it is voiced."""
    pitch = track.pitch
    f0 = np.where((pitch.times >= t0) & (pitch.times < t1), pitch.f0, 0.0)  # background music's frames already 0
    if np.count_nonzero(f0) * PITCH_STEP_S < MIN_VOICED_S:
        return None
    st = 12 * np.log2(f0[f0 > 0] / 100.0)
    p10, p50, p90 = np.percentile(st, [10, 50, 90])
    times = track.mfcc_times
    voiced = (f0[track.at["mfcc"]] > 0) & (times >= t0) & (times < t1)
    if not voiced.any():
        return None
    means = track.mfcc[1:13, voiced].mean(axis=1)
    features = np.concatenate([[p50 / F0_SCALE_ST, (p90 - p10) / SPREAD_SCALE_ST], means / MFCC_SCALE])
    return Voice(features, round(float(voiced.sum() * track.mfcc_dx), 3), None, track_cepstra(track, f0),
                 track_formants(track, f0), pitch.music_share)


def _embedding(audio: np.ndarray, rate: int) -> np.ndarray | None:
    from saber_agent import voice_embedding

    return None if voice_embedding.missing() else voice_embedding.embed(audio, rate)


def voice_features(audio: np.ndarray, rate: int) -> np.ndarray | None:
    """(14,) scaled features of one utterance's voice (`measure_voice`), or None."""
    voice = measure_voice(audio, rate)
    return None if voice is None else voice.features


def f0_hz(features: np.ndarray) -> float:
    """The F0 median (Hz) back from scaled features."""
    return float(100.0 * 2 ** (features[0] * F0_SCALE_ST / 12))


def label(i: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else label(i // 26 - 1) + letters[i % 26]


METHODS = ("auto", "fused", "bic", "prosody", "embedding")


def cluster_voices(voices: list[Voice | np.ndarray | None], threshold: float | None = None,
                   method: str = "auto") -> list[str | None]:
    """A voice label per utterance (None where it has no voice), A first heard first. Each entry is a
    `Voice`, or bare features (then taken as long enough to be reliable). `method`:
    - "fused" (the default, "auto", for `Voice`s): average linkage of `pair_distances` under `SAME_FUSED`;
    - "bic": delta-BIC over the cepstral frames with F0 (penalty `threshold` or `BIC_PENALTY`);
    - "prosody" (the rule before, and "auto" for bare features): distance of the scaled means under
      `SAME_VOICE`, with the spread rule; short utterances join the nearest voice afterwards;
    - "embedding": GE2E d-vectors' cosine distance under `SAME_SPEAKER_COSINE` (`measure_voice(embed=True)`)."""
    placed = [i for i, v in enumerate(voices) if v is not None]
    labels: list[str | None] = [None] * len(voices)
    if not placed:
        return labels
    kept = [voices[i] for i in placed]
    measured = all(isinstance(v, Voice) for v in kept)
    if method == "auto":
        method = "fused" if measured else "prosody"
    if method not in METHODS or (method != "prosody" and not measured) or (
            method == "embedding" and any(v.embedding is None for v in kept)):
        raise ValueError(f"method {method!r}: use one of {METHODS}; all but 'prosody' need measured Voices, "
                         "'embedding' with d-vectors")
    if method == "fused":
        groups = _distinct(pair_distances(kept), REPEAT_FUSED, lambda distance: _average_linkage(
            distance, SAME_FUSED if threshold is None else threshold, least_spread=FUSED_SPREAD))
    elif method == "bic":
        framed = [k for k, v in enumerate(kept) if v.frames is not None]
        groups = [[framed[g] for g in group] for group in _bic_linkage(
            [kept[k].frames for k in framed], BIC_PENALTY if threshold is None else threshold)] if framed else []
        groups += [[k] for k, v in enumerate(kept) if v.frames is None]  # too short for frames: a voice of its own
    elif method == "embedding":
        e = np.stack([v.embedding for v in kept]).astype(np.float64)
        groups = _average_linkage(np.clip(1.0 - e @ e.T, 0.0, 2.0), SAME_SPEAKER_COSINE if threshold is None else threshold,
                                  least_spread=None)
    else:
        groups = _prosody_groups(kept, SAME_VOICE if threshold is None else threshold)
    for k, group in enumerate(sorted(groups, key=min)):
        for member in group:
            labels[placed[member]] = label(k)
    return labels


def pair_features(voices: list[Voice], glr_bias: float = GLR_BIAS) -> np.ndarray:
    """(n, n, 5) what the fused distance weighs, per pair: [the GLR's excess over what one speaker's own
    frames give (`frame_glr` - GLR_BIAS x (1/n1 + 1/n2) frames, at least 0; NaN without frames),
    |F0 median difference| / 3 st, MFCC-mean distance / 40, |difference of the mean of ln F3 and ln F4|
    (NaN without formants), cosine distance of the GE2E d-vectors (NaN without)]."""
    x = np.stack([v.features for v in voices])
    counts = np.array([np.nan if v.frames is None else len(v.frames) for v in voices])
    glr = np.maximum(frame_glr([v.frames for v in voices]) - glr_bias * (1 / counts[:, None] + 1 / counts[None, :]), 0.0)
    upper = np.array([np.full(2, np.nan) if v.formants is None else v.formants for v in voices]).mean(axis=1)
    e = np.stack([np.full(256, np.nan) if v.embedding is None else v.embedding for v in voices]).astype(np.float64)
    return np.stack([glr, np.abs(x[:, None, 0] - x[None, :, 0]), np.linalg.norm(x[:, None, 2:] - x[None, :, 2:], axis=-1),
                     np.abs(upper[:, None] - upper[None, :]), 1.0 - e @ e.T], axis=-1)


def pair_distances(voices: list[Voice]) -> np.ndarray:
    """(n, n) fused distances of measured utterances (`FUSE_WEIGHTS` on `pair_features`; a pair with both
    d-vectors `FUSE_WEIGHTS_DVECTOR`; a pair without cepstral frames `FUSE_WEIGHTS_NO_FRAMES`; without formants
    no formant term): 1 is even odds of one speaker."""
    pairs = pair_features(voices)
    pairs[..., 3] = np.nan_to_num(pairs[..., 3])
    fused = pairs[..., :4] @ np.asarray(FUSE_WEIGHTS)
    with_vectors = pairs @ np.asarray(FUSE_WEIGHTS_DVECTOR)
    distance = np.where(np.isnan(fused), pairs[..., 1:4] @ np.asarray(FUSE_WEIGHTS_NO_FRAMES), fused)
    distance = np.where(np.isnan(with_vectors), distance, with_vectors)
    np.fill_diagonal(distance, 0.0)
    return distance


def _prosody_groups(kept: list, threshold: float) -> list[list[int]]:
    """The rule before the fused distance: average linkage of the scaled means over the utterances with at
    least RELIABLE_VOICED_S voiced (with the spread rule); shorter ones join the nearest voice within a
    threshold widened by sqrt(RELIABLE_VOICED_S / voiced seconds), else a voice of their own."""
    x = np.stack([v.features if isinstance(v, Voice) else np.asarray(v, np.float64) for v in kept])
    distance = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    voiced = np.array([v.voiced_s if isinstance(v, Voice) else np.inf for v in kept])
    core = np.flatnonzero(voiced >= RELIABLE_VOICED_S)
    if core.size == 0:  # every utterance is short: they are all the evidence there is
        core = np.arange(len(kept))
    groups = [list(core[g]) for g in _average_linkage(distance[np.ix_(core, core)], threshold)]
    for i in sorted(set(range(len(kept))) - set(core.tolist())):
        near = [float(distance[i, members].mean()) for members in groups]
        k = int(np.argmin(near))
        if near[k] < threshold * np.sqrt(RELIABLE_VOICED_S / max(voiced[i], MIN_VOICED_S)):
            groups[k].append(i)
        else:
            groups.append([i])
    return groups


def _distinct(distance: np.ndarray, repeat: float, cluster) -> list[list[int]]:
    """`cluster` (a function of an (m, m) distance matrix to groups of its rows) run over the distinct recordings of a
    symmetric (n, n) `distance` matrix, its groups given back to every row: rows nearer than `repeat` (chained) are one
    recording heard again, one row of the mean distances. A repeat is no new turn of its voice (counted as one, it would
    be pseudo-replication: Hurlbert 1984, "Pseudoreplication and the design of ecological field experiments"): a voice
    whose few lines recur many times looked tighter than its turns are, and `_average_linkage`'s APART rule then parted
    one voice in two (trial D podcast.mp3, a 12-turn script heard 7.5 times: the man's two lines A, his four others C)."""
    n = len(distance)
    owner = np.arange(n)
    for i, j in zip(*np.nonzero(np.triu(distance < repeat, 1)), strict=True):
        a, b = owner[i], owner[j]
        if a != b:
            owner[owner == b] = a
    ids, owner = np.unique(owner, return_inverse=True)
    if len(ids) == n:
        return cluster(distance)
    member = np.eye(len(ids))[owner]  # (n, m) one-hot: which recording each row is
    mean = member.T @ distance @ member / np.outer(member.sum(0), member.sum(0))
    np.fill_diagonal(mean, 0.0)
    return sorted(([int(i) for i in np.flatnonzero(np.isin(owner, group))] for group in cluster(mean)), key=min)


def _average_linkage(distance: np.ndarray, threshold: float, least_spread: float | None = TURN_SPREAD) -> list[list[int]]:
    """Groups of rows of a symmetric (n, n) distance matrix: average linkage, nearest groups first, with
    the stopping rule of `cluster_voices` (`threshold`, or APART x the groups' spread, at least `least_spread`;
    None: the threshold alone)."""
    n = len(distance)
    between = distance.astype(np.float64).copy()
    np.fill_diagonal(between, np.inf)
    size = np.ones(n)
    within = np.zeros(n)  # sum of the distances between a group's own utterances
    alive = np.ones(n, bool)
    refused = np.zeros((n, n), bool)
    members = [[i] for i in range(n)]
    while True:
        open_ = alive[:, None] & alive[None, :] & ~refused
        candidates = np.where(open_, between, np.inf)
        p, q = np.unravel_index(int(np.argmin(candidates)), candidates.shape)
        d = candidates[p, q]
        if not np.isfinite(d):
            break
        pairs = size[p] * (size[p] - 1) / 2, size[q] * (size[q] - 1) / 2
        # a voice repeating itself (or a few alike turns) must not make its spread look smaller than a voice's
        spread = max(least_spread, (within[p] + within[q]) / sum(pairs)) if all(pairs) and least_spread is not None else None
        if d >= threshold or (spread is not None and d >= APART * spread):
            refused[p, q] = refused[q, p] = True
            continue
        within[p] += within[q] + d * size[p] * size[q]
        between[p] = between[:, p] = (size[p] * between[p] + size[q] * between[q]) / (size[p] + size[q])
        between[p, p] = np.inf
        size[p] += size[q]
        alive[q] = False
        members[p] += members[q]
        refused[p] = refused[:, p] = False
    return sorted((members[i] for i in np.flatnonzero(alive)), key=min)


# -- faces: moved to the plugin layer (they run the face plugins); the old names still resolve here ------

_FACE_NAMES = ("FaceTracks", "link_voices", "main_face_elsewhere", "speaking_face", "track_all_faces", "unattributed_face",
               "MIN_FACE_FRAMES", "MOUTH_MOVES", "MOUTH_LEADS")


def __getattr__(name: str):
    """`saber_agent.speakers.FaceTracks` etc. as before the move, imported only when asked for (PEP 562):
    importing this module imports no plugin."""
    if name in _FACE_NAMES:
        from saber_agent.plugins import speaker_faces

        return getattr(speaker_faces, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Voice", "cluster_voices", "f0_hz", "label", "measure_voice", "voice_between", "voice_features"]
