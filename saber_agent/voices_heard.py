"""How many voices a whole clip holds: the speaker pass of ``--segment utterances``, run once over the clip's audio.

A whole-clip analysis reads one emotion from all of its audio: where two people speak, the words and the voice
mix them, and their disagreement (one says something kind, the other something hostile) reads as one person's
sarcasm. `voices_heard` counts the voices with the same steps as the segment run (`saber_agent.segments_run`):
the voice-activity decision (`voice_activity.voice_activity`, shared with the prosody tool on the same clip),
its utterances (`segments.split_utterances`, no word times, cut where the voice changes without a pause:
`voice_changes.voice_turns`), each utterance's voice (`speakers.measure_voice`, Praat) and their clustering
(`speakers.cluster_voices`, "fused"). The count is kept on the clip (`Clip.shared`), so every reasoning round and the entry layer reuse it.

What counts as a voice here: a cluster with at least `MIN_VOICE_S` seconds of speech (utterance spans) in all.
Limits are those of `speakers` (its docstring: one voice kept whole 29-30 of 30 espeak-ng conversations; real
film speech split more often); overlapping speech is one utterance, so two people talking over each other all
the time count as one.

Units: seconds on the clip's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_VOICE_S = 1.0  # a voice heard for less than this in all (a cough, a one-word interjection) is not counted
SEGMENT_HINT = "--segment utterances, or segment=\"utterances\" in the Python API"


@dataclass(frozen=True)
class VoicesHeard:
    """The voices of a clip: `count` distinct voices (0: no speech, or none long enough to measure), each
    utterance's (start, end) `spans` and its voice `labels` (A, B, ...; None where too short to place)."""

    count: int
    spans: list[tuple[float, float]] = field(default_factory=list)
    labels: list[str | None] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # speech per voice label

    @property
    def several(self) -> bool:
        return self.count > 1

    def note(self) -> str:
        """The whole-clip flag in words ("" for one voice or none)."""
        return mixed_speakers_note(self.count)


def mixed_speakers_note(count: int) -> str:
    """"N voices heard: ..." for a whole-clip analysis of `count` > 1 voices, else ""."""
    if count < 2:
        return ""
    return (f"{count} voices heard: the emotion mixes speakers (the words and the voice are several people's, the "
            f"face may be a listener's); use segment mode ({SEGMENT_HINT}) for each speaker's own.")


def count_voices(audio, rate: int) -> VoicesHeard:
    """`VoicesHeard` of mono float `audio` at `rate` Hz (16 kHz: the voice-activity detector's rate)."""
    from saber_agent.voice_activity import detect

    return _count(audio, rate, detect(audio, rate))


def voices_heard(clip) -> VoicesHeard:
    """`VoicesHeard` of a decoded `Clip`'s audio, made once per clip (`Clip.shared`); none for a clip without
    audio or with silent audio."""
    if not clip.has_audio or clip.audio_is_silent:
        return VoicesHeard(0)
    from saber_agent.voice_activity import voice_activity

    return clip.shared("voices_heard", lambda: _count(clip.audio, clip.sample_rate, voice_activity(clip)))


# What the speaker pass raises where it cannot run here: no parselmouth (Praat) installed, or Praat's own error on odd
# audio (parselmouth.PraatError is a RuntimeError). Any other exception is a defect and is not hidden.
SPEAKER_PASS_ERRORS = (ImportError, RuntimeError)


def voices_heard_or_none(clip) -> VoicesHeard | None:
    """`voices_heard(clip)`, or None where the speaker pass cannot run here (`SPEAKER_PASS_ERRORS`): no count, and no
    reading rests on one. The one guard of every caller (the fusion reasoner, the prosody tool, the API's flag)."""
    try:
        return voices_heard(clip)
    except SPEAKER_PASS_ERRORS:
        return None


def _count(audio, rate: int, activity) -> VoicesHeard:
    from saber_agent.segments import split_utterances
    from saber_agent.speakers import cluster_voices
    from saber_agent.voice_changes import voice_turns

    spans = split_utterances(activity.regions, activity.probabilities, None)
    if not spans:
        return VoicesHeard(0)
    turns = voice_turns(audio, rate, spans)  # cut where the voice changes without a pause, as segment mode cuts
    spans, labels = turns.spans, cluster_voices(turns.voices)
    seconds: dict[str, float] = {}
    for (a, b), voice in zip(spans, labels, strict=True):
        if voice is not None:
            seconds[voice] = round(float(seconds.get(voice, 0.0) + (b - a)), 2)
    count = sum(1 for s in seconds.values() if s >= MIN_VOICE_S)
    return VoicesHeard(count, list(spans), labels, seconds)


def whole_clip_voices(request, clip) -> int | None:
    """Distinct voices heard over the whole clip of a `ReasoningRequest`: the acoustic slot's measurement where a tool
    left one (``voices_heard``), else the speaker pass over the decoded `clip` (`voices_heard`, kept on the clip for
    the next round); None for a window of a file (segment mode has its own speaker pass), without the media
    (perception given, as from the evidence cache), or where the pass cannot run."""
    if is_window(request.clip) or (clip is not None and is_window(clip.info)):
        return None
    given = counted_in(request.evidence.slot("acoustic_feat"))
    if given is not None:
        return given
    if clip is None:
        return None
    heard = voices_heard_or_none(clip)
    return heard.count if heard is not None else None


def counted_in(slot) -> int | None:
    """The voice count a tool left in a slot (the prosody tool's ``measurements["voices_heard"]``, whole clips only);
    None where the slot is not ok or holds none."""
    given = slot.measurements.get("voices_heard") if slot is not None and slot.ok else None
    return given if isinstance(given, int) and not isinstance(given, bool) and given >= 0 else None


def flagged(analysis, slot):
    """`analysis` (an `Analysis`) with the several-voices flag (`voices_heard`, the `mixed_speakers_note` in `notes`)
    where its reasoner set none and `slot` (the acoustic slot) counted more than one voice; else `analysis` itself.
    The graph's last step applies it, so every reasoner's answer carries the flag wherever the voices were counted."""
    count = counted_in(slot)
    if analysis is None or analysis.voices_heard is not None or count is None or count < 2:
        return analysis
    note = mixed_speakers_note(count)
    notes = analysis.notes if note in analysis.notes else [*analysis.notes, note]
    return analysis.model_copy(update={"voices_heard": count, "notes": notes})


def is_window(info) -> bool:
    """Whether a `ClipInfo` is one window of a file (an utterance of ``--segment utterances``, a second look), as
    `media_clip.window_of` notes it, whose voices are not counted: the flag is for whole clips (segment mode has its
    own speaker pass), and for a window that pass found to hold several voices (`mark_several`), counted as its."""
    window = any(note.startswith("window ") and "of the file" in note for note in info.notes)
    return window and not any(note.startswith(SEVERAL_NOTE) for note in info.notes)


SEVERAL_NOTE = "segment mode's speaker pass hears"  # the start of a window's note from `mark_several`


def mark_several(clip, heard: VoicesHeard, why: str) -> None:
    """Mark a window `clip` (an utterance of segment mode, decoded and cached before its graph run) as holding the
    `heard.count` > 1 voices that segment mode's speaker pass found in it (`why`, said in its note; `heard` on the
    window's clock): its tools and reasoner then treat it as a whole clip of several voices (the prosody tool withholds
    the pooled voice reading and measures each part's pitch; the reasoner reads no conflict as one person's)."""
    clip.extras["voices_heard"] = heard
    note = f"{SEVERAL_NOTE} {heard.count} voices in this window: {why}"
    if not any(n.startswith(SEVERAL_NOTE) for n in clip.info.notes):
        clip.info = clip.info.model_copy(update={"notes": [*clip.info.notes, note]})


__all__ = ["MIN_VOICE_S", "SPEAKER_PASS_ERRORS", "VoicesHeard", "count_voices", "counted_in", "flagged", "is_window",
           "mark_several", "mixed_speakers_note", "SEVERAL_NOTE", "voices_heard",
           "voices_heard_or_none", "whole_clip_voices"]
