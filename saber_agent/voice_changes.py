"""Where the voice changes inside one utterance: a turn taken without a pause, cut where the evidence allows.

Segment mode's utterances come from the clip's shared voice-activity decision, cut at its pauses
(`segments.split_utterances`): a second voice that starts as the first one stops, or over its last words,
leaves no pause, and the two turns were one utterance with one voice label (new-user trial G: a sad female
voice's "Everything feels hopeless" ran into a happy male voice's lines, and the utterance took a voice
between the two; a female voice starting over the end of a male one was given to him).

The rule (`voice_changes`): over an utterance's `voice_frames.VoiceTrack`, measured once, each candidate cut
every `STEP_S` parts it in two, each side's voice measured as a whole utterance's is (`speakers.voice_between`:
F0, MFCC means, LPC cepstra, upper formants) and compared by the speaker clustering's own fused distance
(`speakers.pair_distances`, 1 = even odds of one speaker). The utterance is cut where some candidate's distance is
at least `CHANGE_FUSED` with each side holding at least `MIN_SIDE_VOICED_S` of voiced speech (the threshold is
above the clustering's 1 because the largest of many candidates is taken). Where: among the candidates at least
`CHANGE_FUSED` apart with `LOCATE_SIDE_VOICED_S` a side, the one whose two sides' cepstral frames are best told
apart (the largest per-frame GLR, `voice_frames.frame_glr`: the maximum-likelihood change of one Gaussian per
side); the fused distance itself, with its length terms, leans to the middle, and the 1 s sides kept a short
turn's cut up to 0.8 s inside the other voice's. Then each side is searched again (binary segmentation, as
delta-BIC change detection: Chen & Gopalakrishnan 1998). Frames where two voices talk over each other for
`speech_overlap.MIN_SPAN_S` or more are left out of both sides (`without_overlap`): they are neither voice's, and
measured as a part they were a third voice.

Not cut: an utterance over an instrument's notes (no frame can be told the voice's), sides with less voiced
speech (a short interjection stays in its neighbour's utterance), two voices that the clustering would not
part either (like voices). Units: seconds; audio mono float at `rate` Hz.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from saber_agent.voice_frames import UtterancePitch, VoiceTrack, frame_glr, utterance_pitch, voice_track

STEP_S = 0.1  # candidate cuts, every this many seconds
MIN_SIDE_VOICED_S = 1.0  # voiced speech each side of a cut needs (the clustering judges a voice on this much and more)
LOCATE_SIDE_VOICED_S = 0.5  # where a cut so found lies: sides with this much voiced speech (a short turn's own edge)
# the least fused distance (`speakers.pair_distances`) of the two sides of a cut: the largest over every candidate of an
# utterance is taken, which one voice's halves reach by chance more often than one pair reaches 1. Set on the dev sets
# (espeak-ng dev voices, EmoFilm male film lines) joined without a pause, one voice (two of its turns) or two: below.
CHANGE_FUSED = 2.0
# an uncut utterance whose strongest change reaches this (`Peak`) likely holds two voices: noted, and its voice reading
# withheld (segment mode). Set on dev lines joined with 0-0.45 s pauses (under the split's pause, no cut), 2-4 lines of
# one voice or of two in turn: one voice reached it in 0 of 40 EmoFilm male and 0 of 30 espeak-ng dev joins (1.5: 1 of
# 30); two voices reached it or were cut in 4 of 40 and 3 of 30 (cut at CHANGE_FUSED: 3 and 2; a side of alternating
# turns mixes both voices, so most stay under it). Trial H conv2_rab006_gio001 utterance 1 (ABAB): 1.96.
MAYBE_FUSED = 1.75
AROUND_S = 1.5  # the overlap reading at a cut looks this far either side of it
NEAR_S = 0.5  # an overlap this near a cut is the two voices of the cut speaking at once
HOP_S = 0.05  # the overlap reading's window step at a cut (`speech_overlap.HOP_S` elsewhere)


@dataclass(frozen=True)
class Turns:
    """Utterance spans after the voice-change cuts, with each one's pitch (`UtterancePitch`, its own clock) and
    voice (`speakers.Voice` or None), the cut times (s, the clip's clock) that made new boundaries, and where the two
    voices of a cut spoke at once across it (`speech_overlap.Overlap`, the clip's clock: `overlap_at`)."""

    spans: list[tuple[float, float]]
    pitches: list[UtterancePitch | None]
    voices: list
    cuts: list[float]
    overlaps: list = field(default_factory=list)
    peaks: list = field(default_factory=list)  # each span's `Peak` (the clip's clock), None where its voice was not searched


def _scores(track: VoiceTrack, t0: float, t1: float) -> dict[float, tuple[float, float, float]]:
    """Each candidate cut in [t0, t1) (s from the utterance's start) with sides of `LOCATE_SIDE_VOICED_S` voiced speech:
    (fused distance of its sides, GLR of the sides' cepstral frames, voiced seconds of the less voiced side)."""
    from saber_agent.speakers import pair_distances, voice_between

    scores: dict[float, tuple[float, float, float]] = {}
    for c in np.arange(t0 + STEP_S, t1 - STEP_S / 2, STEP_S):
        left, right = voice_between(track, t0, c), voice_between(track, c, t1)
        if left is not None and right is not None and min(left.voiced_s, right.voiced_s) >= LOCATE_SIDE_VOICED_S:
            glr = frame_glr([left.frames, right.frames])[0, 1] if left.frames is not None and right.frames is not None else 0.0
            scores[float(c)] = (float(pair_distances([left, right])[0, 1]), float(glr), min(left.voiced_s, right.voiced_s))
    return scores


def voice_changes(track: VoiceTrack, t0: float = 0.0, t1: float | None = None, peaks: list | None = None) -> list[float]:
    """The times (s from the utterance's start, in order) inside [t0, t1) where the voice changes (module rule). With
    `peaks`, each part left uncut appends its `Peak` (the strongest change inside it, under the cut's threshold)."""
    t1 = float(track.pitch.times[-1]) + 0.01 if t1 is None else t1
    scores = _scores(track, t0, t1)
    if not any(distance >= CHANGE_FUSED and side >= MIN_SIDE_VOICED_S for distance, _, side in scores.values()):
        if peaks is not None:
            peaks.append(peak_of(scores, t0, t1))
        return []
    apart = {c: glr for c, (distance, glr, _) in scores.items() if distance >= CHANGE_FUSED}  # where: module docstring
    best = max(apart.values())
    tied = [c for c, glr in apart.items() if glr >= best - 1e-9]  # cuts with the same sides (no voiced frame between):
    at = tied[len(tied) // 2]  # the middle one, as in the middle of an overlap left out of both sides
    return voice_changes(track, t0, at, peaks) + [round(at, 3)] + voice_changes(track, at, t1, peaks)


@dataclass(frozen=True)
class Peak:
    """The strongest voice change inside an uncut part [start_s, end_s) (s from the utterance's start): the largest
    fused distance of a candidate cut's sides where each holds `MIN_SIDE_VOICED_S` of voiced speech (`distance`, None
    where no candidate has that much a side), at `at_s`. At `MAYBE_FUSED` or more the part likely holds two voices."""

    start_s: float
    end_s: float
    distance: float | None = None
    at_s: float | None = None

    @property
    def two_voices(self) -> bool:
        return self.distance is not None and self.distance >= MAYBE_FUSED


def peak_of(scores: dict[float, tuple[float, float, float]], t0: float, t1: float) -> Peak:
    """The `Peak` of a part's candidate `scores` (`_scores`)."""
    sided = {c: distance for c, (distance, _, side) in scores.items() if side >= MIN_SIDE_VOICED_S}
    if not sided:
        return Peak(t0, t1)
    at = max(sided, key=sided.get)
    return Peak(t0, t1, round(sided[at], 3), round(at, 3))


def part_of(pitch: UtterancePitch, t0: float, t1: float) -> UtterancePitch:
    """The part [t0, t1) (s from the utterance's start) of an utterance's pitch, on the part's own clock; the music
    decision is the utterance's."""
    inside = (pitch.times >= t0) & (pitch.times < t1)
    return replace(pitch, times=pitch.times[inside] - t0, f0=pitch.f0[inside])


def without_overlap(pitch: UtterancePitch) -> UtterancePitch:
    """The utterance's pitch with the frames where two voices speak at once set to 0 (`speech_overlap.track_overlaps`, spans of
    at least `speech_overlap.MIN_SPAN_S`): they are neither voice's, so no side of a cut and no part's voice is measured
    on them. Without this a stretch of talk over each other was a third voice between the two."""
    from saber_agent.speech_overlap import track_overlaps

    spans = track_overlaps(pitch.track) if not pitch.notes else []
    if not spans:
        return pitch
    inside = np.zeros(pitch.f0.size, bool)
    for o in spans:
        inside |= (pitch.times >= o.start_s) & (pitch.times < o.end_s)
    return replace(pitch, f0=np.where(inside, 0.0, pitch.f0))


def overlap_at(pitch: UtterancePitch, at: float, offset_s: float) -> list:
    """Where the two voices of a cut at `at` (s from the utterance's start) speak at once across it: the overlap
    reading (`speech_overlap.track_overlaps`) on the pitch within `AROUND_S` of the cut, spans of one window kept (the cut
    already says two voices meet there) where they reach within `NEAR_S` of it; times + `offset_s`."""
    from saber_agent.speech_overlap import WINDOW_S, track_overlaps

    t0 = max(0.0, at - AROUND_S)
    near = track_overlaps(part_of(pitch, t0, at + AROUND_S).track, offset_s + t0, min_span_s=WINDOW_S, hop_s=HOP_S)
    return [o for o in near if o.start_s - NEAR_S <= offset_s + at <= o.end_s + NEAR_S]


def voice_turns(audio: np.ndarray, rate: int, spans: list[tuple[float, float]], cut: bool = True) -> Turns:
    """Each utterance of `spans` (s on `audio`'s clock) measured once (`voice_frames.utterance_pitch`, `voice_track`)
    and, with `cut`, cut where its voice changes (`voice_changes`): the new spans, each one's pitch and voice."""
    from saber_agent.speakers import MIN_VOICED_S, voice_between

    out, pitches, voices, cuts, overlapped, peaks = [], [], [], [], [], []
    for a, b in spans:
        x = audio[int(a * rate): int(b * rate)]
        pitch = utterance_pitch(x, rate)
        track = voice_track(x, rate, pitch) if pitch is not None and x.size >= rate * MIN_VOICED_S else None
        parted = replace(track, pitch=without_overlap(pitch)) if cut and track is not None and not pitch.notes else None
        found: list[Peak] = []
        changes = voice_changes(parted, peaks=found) if parted is not None else []
        edges = [0.0, *changes, b - a]
        peaks += [replace(q, start_s=round(a + p0, 3), end_s=round(a + p1, 3), at_s=None if q.at_s is None else round(a + q.at_s, 3))
                  for q, p0, p1 in zip(found, edges[:-1], edges[1:], strict=True)] if found else [None]
        for k, (p0, p1) in enumerate(zip(edges, edges[1:], strict=False)):
            out.append((round(a + p0, 3), round(a + p1, 3)) if changes else (a, b))
            if not changes:
                pitches.append(pitch)
                voices.append(voice_between(track) if track is not None else None)
                continue
            pitches.append(part_of(pitch, p0, p1))
            voices.append(voice_between(parted, p0 if k else -np.inf, p1 if k < len(changes) else np.inf))
        cuts += [round(a + c, 3) for c in changes]
        overlapped += [o for c in changes for o in overlap_at(pitch, c, a)]
    return Turns(out, pitches, voices, cuts, overlapped, peaks)


__all__ = ["CHANGE_FUSED", "MAYBE_FUSED", "MIN_SIDE_VOICED_S", "NEAR_S", "STEP_S", "Peak", "Turns", "peak_of",
            "overlap_at", "part_of", "voice_changes", "voice_turns",
           "without_overlap"]
