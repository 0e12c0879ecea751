"""The whole-clip answer of a results line, and whether it names an emotion at all.

**No finding is not "neutral".** The fusion reasoner marks an answer that found no emotion in its labels
(`prediction.emotions`), and its `basic_emotion` "neutral" then only stands in for the missing class:

- ``"undetermined"``: no modality gave an estimate (a clip of music only): the valence 0.0 and arousal 0.5
  are defaults too, so the answer has neither an emotion nor a valence reading;
- ``"uncertain"`` with the basic class "neutral" (``["mixed feelings", "uncertain"]`` of a clip whose
  sentences take opposite polarity, a weak neutral lean): the answer names no emotion (issue 17: "neutral"
  is a finding, not the fallback for unsure); its valence is a reading and is scored.

An answer marked "uncertain" that names another class (``["sad", "uncertain"]``) is a weak lean to that
class: it is scored as the class it names, as EmoFilm's protocol (`saber_agent.eval.emofilm`) scores it,
and the calibration report gives the accuracy of those marked answers apart. The marks are no emotion
words: "uncertain" is not read as fear in the open-vocabulary scores.

**Utterance-mode lines** (``saber-agent batch --segment utterances``) hold one answer per utterance
(``segments``) and a per-speaker summary (``summary.by_speaker``), no ``prediction`` of the clip. A
per-clip label is scored against the one answer the line gives for the whole clip, where it gives one:
the line's only segment (the whole clip where no speech was found, or the clip's only utterance), or,
where every utterance is one identified voice's, that speaker's summary (its most frequent emotion felt,
"no emotion found" where none was felt, no finding where the summary names the speaker "mixed, cannot tell",
and the valence label of its mean valence). A line of several
voices (or of utterances no voice was identified for) has no whole-clip answer: it is not scored, and
`clip_answer` says why; it is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from saber_agent.evidence import valence_label
from saber_agent.segment_summary import MIXED
from saber_agent.segments import UNCERTAIN, UNDETERMINED

MARKS = (UNCERTAIN, UNDETERMINED)  # the reasoner's marks among the emotion labels: no emotion words
NO_FINDING = "no finding"  # the predicted class of an answer that names no emotion (a confusion-matrix column)


@dataclass
class Answer:
    """What eval scores of one clip's answer."""

    emotions: list[str]  # open-vocabulary labels, the marks left out
    basic: str | None  # the basic class named; None: the answer names no emotion (`no_finding` says why)
    valence_label: str | None  # None: no valence reading (an undetermined answer's 0.0 is a default)
    confidence: float | None = None  # the stated probability that `basic` is right (None: none stated)
    uncertain: bool = False  # marked "uncertain" (a weak lean, or no finding)
    no_finding: str | None = None  # why the answer names no emotion
    description: str = ""  # the holistic reasoning (the LLM judge's clue overlap)
    conflicts: list = field(default_factory=list)  # the named conflicts of the analysis the answer comes from
    source: str = "clip"  # "clip", "the only segment", "speaker A's summary"


def no_finding(emotions: list[str], basic: str | None) -> str | None:
    """Why an answer of these labels and basic class names no emotion, or None where it names one."""
    if UNDETERMINED in emotions:
        return "undetermined: no modality gave an estimate"
    if UNCERTAIN in emotions and basic in (None, "neutral"):
        named = ", ".join(e for e in emotions if e not in MARKS) or "neutral"
        return f"uncertain, naming no emotion ({named})"
    if not basic:
        return "no basic class given"
    return None


def prediction_answer(prediction: dict[str, Any], description: str = "", conflicts=(), source: str = "clip") -> Answer:
    """The `Answer` of a ``prediction`` as `saber_agent.batch.results.clip_record` writes it."""
    labels = [str(e) for e in prediction.get("emotions") or []]
    basic = prediction.get("basic_emotion")
    why = no_finding(labels, basic)
    undetermined = UNDETERMINED in labels
    return Answer(
        emotions=[e for e in labels if e not in MARKS], basic=None if why else basic,
        valence_label=None if undetermined else prediction.get("valence_label"),
        confidence=prediction.get("confidence"), uncertain=UNCERTAIN in labels, no_finding=why,
        description=description.strip(), conflicts=list(conflicts or []), source=source,
    )


def _speaker_answer(info: dict[str, Any], label: str, used: list[dict], text: str) -> Answer:
    """One voice's summary (`saber_agent.segment_summary.summarise`) as the clip's answer."""
    most = info.get("most_often")
    mean = info.get("mean_valence")
    if most == UNDETERMINED:
        why = f"undetermined: no modality gave an estimate in speaker {label}'s utterance(s)"
    elif most == UNCERTAIN or not most:
        why = f"no emotion found: speaker {label}'s utterance(s) are all marked uncertain"
    elif info.get("named") == MIXED:  # a minority of findings against the uncertain leans (segment_summary)
        why = f"mixed: speaker {label}'s findings ({most}) are outnumbered by uncertain utterances leaning elsewhere"
    else:
        why = None
    felt = list(dict.fromkeys(info.get("felt") or []))
    return Answer(
        emotions=felt, basic=None if why else most, valence_label=valence_label(mean) if mean is not None else None,
        uncertain=most == UNCERTAIN, no_finding=why, description=text,
        conflicts=[c for s in used for c in s.get("conflicts") or []], source=f"speaker {label}'s summary",
    )


def _said(most: str | None) -> str:
    return "no emotion found" if most in (UNCERTAIN, None) else str(most)


def clip_answer(record: dict[str, Any]) -> tuple[Answer | None, str | None]:
    """(the whole-clip answer of an ``ok`` results line, None) or (None, why it has none)."""
    if "segments" not in record:
        prediction = record.get("prediction")
        if not prediction:
            errors = "; ".join(str(e) for e in record.get("errors") or [])
            return None, "the analysis gave no answer" + (f" ({errors})" if errors else "")
        description = (record.get("saber") or {}).get("sentiment_analysis") or ""
        return prediction_answer(prediction, description, record.get("conflicts")), None
    segments = record.get("segments") or []
    done = [s for s in segments if s.get("prediction")]
    if not done:
        failed = "; ".join(str(s.get("error")) for s in segments if s.get("error"))
        return None, "utterance mode: no utterance was analysed" + (f" ({failed})" if failed else "")
    if len(segments) == 1:
        only = done[0]
        where = "the whole clip (no speech found)" if (record.get("split") or {}).get("note") else "the only utterance"
        description = (only.get("saber") or {}).get("sentiment_analysis") or ""
        return prediction_answer(only["prediction"], description, only.get("conflicts"), source=where), None
    summary = record.get("summary") or {}
    by_speaker = summary.get("by_speaker") or {}
    voices = {s.get("speaker") for s in done}
    if len(voices) == 1 and (label := next(iter(voices))) in by_speaker:
        return _speaker_answer(by_speaker[label], label, done, summary.get("text") or ""), None
    said = ", ".join(f"{label}: {_said(info.get('most_often'))}" for label, info in by_speaker.items())
    unknown = sum(s.get("speaker") is None for s in done)
    heard = f"{len(by_speaker)} voice{'s' if len(by_speaker) > 1 else ''} ({said})" if by_speaker else "no identified voice"
    if unknown:
        heard += f", {unknown} utterance(s) of no identified voice"
    return None, (f"utterance mode: {len(segments)} utterances, {heard}: the summary gives an answer per voice, "
                  "none for the whole clip, so a per-clip label is not scored (batch without --segment for whole-clip answers)")


__all__ = ["MARKS", "NO_FINDING", "Answer", "clip_answer", "no_finding", "prediction_answer"]
