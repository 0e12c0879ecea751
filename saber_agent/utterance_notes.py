"""The notes an utterance of ``--segment utterances`` gets about its voice (`saber_agent.segments_run`): music under
it, two voices at once (`speech_overlap`), two voices in turn that the voice-change test did not cut
(`voice_changes.Peak`), and why it has no speaker. Moved out of `saber_agent.segments_run` (re-exported there).

Units: seconds on the clip's clock unless said; F0 in Hz.
"""

from __future__ import annotations

import numpy as np

from saber_agent.voice_frames import PITCH_STEP_S, UtterancePitch


def music_note(pitch: UtterancePitch | None) -> str | None:
    """The utterance's note on the music under its voice (the prosody tool's decision, `utterance_pitch`): background
    music's pitch frames left out, or an instrument's sustained notes, under which no overlapping speech is read and
    the utterance gives no F0 to its speaker's (`speaker_f0`); None without music."""
    if pitch is None or not (pitch.music_share or pitch.notes):
        return None
    frames = f"its pitch frames ({pitch.music_share:.0%} of the voiced frames)" if pitch.music_share else ""
    if not pitch.notes:
        return f"background music under the voice: {frames} are left out of the overlapping-speech reading and the speaker's F0"
    notes = f"an instrument's sustained notes in {pitch.notes_share:.0%} of its frames"
    return (f"background music under the voice: {' and '.join(filter(None, (frames, notes)))}; no overlapping speech is "
            "read and its pitch is left out of the speaker's F0")


def overlap_note(overlap, voice: str | None, f0s: dict[str, float | None], cuts: list[float],
                 span: tuple[float, float] | None = None) -> str:
    """The note of two voices at once (`speech_overlap.Overlap`) in an utterance of `voice`: where, the two pitches, the
    voice whose F0 median (`f0s`, Hz) each lies within `speakers.F0_SCALE_ST` semitones of (nearest), and what the
    utterance's voice label stands for: the voice that holds it (one label for both), or, where a voice-change cut
    (`cuts`, s) lies in the span, the voice on its side of the cut. Where: the times inside the utterance's own `span`
    (s, the clip's clock; an overlap read across a cut reaches past it), or "at its end/start" where little is inside."""
    from saber_agent.speakers import F0_SCALE_ST
    from saber_agent.voice_changes import NEAR_S

    def nearest(hz: float) -> str | None:
        near = {v: abs(12 * np.log2(hz / f)) for v, f in f0s.items() if f}
        best = min(near, key=near.get, default=None)
        return best if best is not None and near[best] <= F0_SCALE_ST else None

    low, high = nearest(overlap.low_hz), nearest(overlap.high_hz)
    whose = (f"; the lower is nearest voice {low}'s pitch, the higher voice {high}'s" if low and high and low != high else
             f"; the {'lower' if low else 'higher'} is nearest voice {low or high}'s pitch" if (low or high) and low != high else "")
    said = f"overlapping speech {overlap_where(overlap, span)}: two voices of distinct pitch at once (about " \
           f"{overlap.low_hz:.0f} and {overlap.high_hz:.0f} Hz{whose})"
    if any(overlap.start_s - NEAR_S <= c <= overlap.end_s + NEAR_S for c in cuts):
        return f"{said}, where one voice takes over from the other: the utterance is cut there, this side is voice {voice or 'none'}'s"
    return f"{said}, one utterance with one voice label ({voice or 'none'}): the other voice's words are in it too"


def overlap_where(overlap, span: tuple[float, float] | None) -> str:
    """"at A–B s" of an overlap (the clip's clock) cut to the utterance's `span`, or "at its end (across its cut at
    B s)" / "at its start (...)" where under `INSIDE_S` of it lies inside (an overlap read across a voice-change cut)."""
    a, b = span if span is not None else (overlap.start_s, overlap.end_s)
    s0, s1 = max(overlap.start_s, a), min(overlap.end_s, b)
    if s1 - s0 >= INSIDE_S or span is None:
        return f"at {s0:.1f}–{s1:.1f} s"
    if overlap.end_s - b >= a - overlap.start_s:
        return f"at its end (across its cut at {b:.1f} s)"
    return f"at its start (across its cut at {a:.1f} s)"


INSIDE_S = 0.1  # an overlap with less than this inside the utterance is said to lie at its edge


def unknown_note(pitch: UtterancePitch | None, span: tuple[float, float]) -> str:
    """Why an utterance has no speaker: no pitch measured at all (`pitch` None: audio under 0.2 s or no parselmouth,
    `voice_frames.utterance_pitch`), an utterance shorter than `speakers.MIN_VOICED_S`, an instrument's notes under it,
    too little voiced speech to measure its voice (under `MIN_VOICED_S` s voiced), or, with enough voiced speech, a
    voice not measured or placed all the same (e.g. its voiced frames left out where two voices speak at once)."""
    from saber_agent.speakers import MIN_VOICED_S

    length = span[1] - span[0]
    if pitch is None:
        return (f"speaker unknown: no pitch could be measured in this utterance ({length:.2f} s long), so its voice is not "
                "placed with a speaker")
    if length < MIN_VOICED_S:
        return (f"speaker unknown: the utterance is too short to measure its voice ({length:.2f} s long, at least "
                f"{MIN_VOICED_S} s of voiced speech needed), so it is not placed with a speaker")
    if pitch.notes:
        return "speaker unknown: an instrument's sustained notes sound under it, and no frame can be told the voice's"
    voiced = float(np.count_nonzero(pitch.f0 > 0) * PITCH_STEP_S)
    if voiced < MIN_VOICED_S:
        return (f"speaker unknown: too little voiced speech to measure its voice ({voiced:.2f} s voiced, at least "
                f"{MIN_VOICED_S} s needed), so it is not placed with a speaker")
    return (f"speaker unknown: {voiced:.2f} s of it is voiced (at least {MIN_VOICED_S} s needed), but no voice was "
            "measured from it to place with a speaker")


def two_voices_note(peak, voice: str | None) -> str:
    """The note of an uncut utterance that likely holds two voices (`voice_changes.Peak.two_voices`)."""
    from saber_agent.voice_changes import CHANGE_FUSED, MAYBE_FUSED

    return (f"this utterance likely holds two voices: its voice changes most at {peak.at_s:.1f} s (its two sides "
            f"{peak.distance:.2f} apart by the speakers' fused distance; {MAYBE_FUSED} or more: likely two voices, "
            f"{CHANGE_FUSED} cuts an utterance), so one voice label ({voice or 'none'}) stands for both: its voice is "
            "not described as one voice's, no voice emotion is read from it, and it gives no F0 to its speaker's")


def mark_two_voices(clip, peak, span: tuple[float, float]) -> None:
    """Mark an utterance's window `clip` as holding two voices (`voices_heard.mark_several`): the two sides of its
    strongest change (`peak`, the clip's clock), on the window's clock (spans, labels and note), as the whole-clip pass
    gives a clip's voices."""
    from saber_agent.voices_heard import VoicesHeard, mark_several

    at, length = peak.at_s - span[0], span[1] - span[0]
    why = (f"its voice changes most at {at:.1f} s (its two sides {peak.distance:.2f} apart by the speakers' fused "
           "distance; the utterance's notes say more)")
    # on the window's clock, as its tools' times and `why` ("voice 1, to 5.2 s (5.2 s) median F0 ...")
    labels = [f"1, to {at:.1f} s", f"2, from {at:.1f} s"]
    mark_several(clip, VoicesHeard(2, [(0.0, round(at, 3)), (round(at, 3), round(length, 3))], labels,
                                   {labels[0]: round(at, 2), labels[1]: round(length - at, 2)}), why)


def segment_terms(text: str, count: int) -> str:
    """`text` (an answer note, a slot's text) with the whole-clip wording of several voices put in segment mode's terms:
    the reasoner's "N voices heard: ... use segment mode" note (`voices_heard.mixed_speakers_note`) and the prosody
    tool's "(each speaker's own: --segment utterances ...)" (segment mode is what is running)."""
    from saber_agent.voices_heard import SEGMENT_HINT, mixed_speakers_note

    said = (f"{count} voices heard in this utterance: the emotion mixes speakers (the words and the voice may be "
            "several people's); its notes say where the voice changes.")
    return text.replace(mixed_speakers_note(count), said).replace(
        f"(each speaker's own: {SEGMENT_HINT})", "(the utterance's notes say where its voice changes)")


def in_segment_terms(result, count: int) -> None:
    """An utterance's `Result` whose window was marked as holding `count` voices (`mark_two_voices`): its answer's notes
    and its acoustic and reasoning slots' texts in segment mode's terms (`segment_terms`), in place."""
    if result.analysis is not None:
        result.analysis.notes = [segment_terms(n, count) for n in result.analysis.notes]
    slots = {name: slot.model_copy(update={"text": segment_terms(slot.text, count)})
             for name in ("acoustic_feat", "sentiment_analysis") if (slot := result.evidence.slot(name)).text}
    result.evidence = result.evidence.with_slots(slots)


__all__ = ["INSIDE_S", "mark_two_voices", "music_note", "overlap_note", "overlap_where",
           "in_segment_terms", "segment_terms", "two_voices_note",
           "unknown_note"]
