"""The consistency check interface (does an analysis agree with the evidence it reasons over?) and
the helpers checks share with CA-DPO pair building: evidence text, content words, modalities."""

from __future__ import annotations

import re
from typing import ClassVar

from saber_agent.cues import MIN_CONFIDENCE, basic_readings, leans_clearly
from saber_agent.evidence import PERCEPTION_SLOTS, SLOT_MODALITY, Analysis, CheckOutcome, ModalityCue
from saber_agent.reasoning import ReasoningRequest
from saber_agent.vocab import CJK_RUN, OBSERVABLE_CUES


class ConsistencyCheck:
    """Base class of consistency checks. A failed outcome's message is the critique sent back."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        raise NotImplementedError

    def outcome(self, passed: bool, message: str = "", **details) -> CheckOutcome:
        return CheckOutcome(name=self.name, passed=passed, message=message, details=details)


# -- the critique: the lines the graph sends back to the reasoner after a round fails checks -------------------
# One format, written and read only here: "name: message", one line per failed check.


def critique_line(outcome: CheckOutcome) -> str:
    """One failed check as a critique line: "grounding: cited cues not found in the evidence: ..."."""
    return f"{outcome.name}: {outcome.message}"


def _failed_by_answer(outcome: CheckOutcome) -> bool:
    # a check that raised (details "error") was not failed by the answer, and the reasoner cannot answer it
    return not outcome.passed and not outcome.details.get("error")


def answer_failed(outcomes: list[CheckOutcome]) -> list[str]:
    """The names of the checks the answer failed (a check that raised is reported in the outcomes, not here)."""
    return [o.name for o in outcomes if _failed_by_answer(o)]


def critique_of(outcomes: list[CheckOutcome]) -> list[str]:
    """The critique of a round: a line per check the answer failed (`critique_line`); a check that raised (details
    "error") is reported in the outcomes, not sent back, since the reasoner cannot answer it."""
    return [critique_line(o) for o in outcomes if _failed_by_answer(o)]


def failed_checks(critique: list[str]) -> set[str]:
    """The names of the checks a critique (`critique_of`) says failed."""
    return {line.split(":", 1)[0].strip() for line in critique}


_WORD = re.compile(r"[\w']+", re.UNICODE)
_STOP = frozenset(
    "the a an and or of to in on at is are was were be been with as by for from that this it its his her "
    "their they he she which who while than then so but not no into over about".split()
)


def content_words(text: str) -> set[str]:
    """The words a cue and the evidence can share: English content words, and for Chinese (written
    without spaces) the character bigrams of each run, so a cue quoting part of a sentence overlaps it."""
    words = {w.lower() for w in _WORD.findall(CJK_RUN.sub(" ", text))}
    found = {w for w in words if w not in _STOP and (len(w) > 2 or not w.isascii())}
    for run in CJK_RUN.findall(text):
        found |= {run[i : i + 2] for i in range(len(run) - 1)} if len(run) > 1 else {run}
    return found


def evidence_text(request: ReasoningRequest) -> str:
    """All the text a cue could be grounded in: slot texts, measurements and cue bases."""
    parts = []
    for name in PERCEPTION_SLOTS:
        slot = request.evidence.slot(name)
        if slot.ok:
            parts.append(slot.text)
            parts.extend(f"{k} {v}" for k, v in slot.measurements.items() if isinstance(v, (int, float, str)))
    parts.extend(f"{c.modality} {c.emotion or ''} {c.basis}" for c in request.cues)
    return " ".join(parts).lower()


RUNNER_UP_SHARE = 0.5  # a class with at least this share of the voice reading's top probability is its reading too


def voice_probabilities(request: ReasoningRequest) -> dict[str, float] | None:
    """The voice reading's probabilities over the basic emotions (`plugins.voice_emotion`, kept in the acoustic
    slot's measurements), or None where the slot holds none."""
    from saber_agent.evidence import BASIC_EMOTIONS

    slot = request.evidence.slot("acoustic_feat")
    reading = slot.measurements.get("voice_emotion") if slot.ok else None
    probs = reading.get("probabilities") if isinstance(reading, dict) else None
    if not isinstance(probs, dict) or not probs:
        return None
    return {e: float(p) for e, p in probs.items() if e in BASIC_EMOTIONS}


def voice_runners_up(request: ReasoningRequest, share: float = RUNNER_UP_SHARE) -> set[str]:
    """The basic emotions the voice reading gives at least `share` of its top probability: its cue names only the
    top one, but a close second is as much its reading ("sadness 0.34, happiness 0.30" is a torn voice, not a sad
    one). The emotion_backing check's rule, which the fusion reasoner follows when it renames a voice's emotion."""
    return runners_up(voice_probabilities(request), share)


def runners_up(probs: dict[str, float] | None, share: float = RUNNER_UP_SHARE) -> set[str]:
    """The classes of a voice reading's probabilities (`voice_probabilities`) with at least `share` of the top one
    (`voice_runners_up` of a request)."""
    probs = probs or {}
    top = max(probs.values(), default=0.0)
    return {e for e, p in probs.items() if top > 0 and p >= share * top}


def against_neutral(cues: dict[str, ModalityCue], voice_readings: set[str] | frozenset = frozenset()) -> list[ModalityCue]:
    """The cues (one per modality, `cues.merge_cues`) that rule out a "neutral" conclusion: confident (at least
    `cues.MIN_CONFIDENCE`), leaning clearly (`cues.leans_clearly`), and reading no neutral themselves (no neutral among
    the readings of their emotion word, `cues.basic_readings`; for the voice, none among `voice_readings`, its
    reading's runners-up, `voice_runners_up`). Neutral is a finding (a calm face, a flat voice, words that read
    neutral, or no confident clear lean at all), not the fallback for unsure: a confident clear lean of another
    emotion (the 1.5B's "Oh wonderful, I am so happy to see you", words +0.93 at 0.80, over a neutral face and voice)
    is no neutral, whatever else reads neutral. The emotion_backing check's rule, which the fusion reasoner follows."""
    return [c for m, c in sorted(cues.items())
            if c.confidence >= MIN_CONFIDENCE and leans_clearly(c.valence) and "neutral" not in basic_readings(c.emotion)
            and not (m == "voice" and "neutral" in voice_readings)]


def reported(cue: str, source: str) -> bool:
    """Whether the evidence text `source` (`evidence_text`) reports the observable cue `cue` (a key of
    `vocab.OBSERVABLE_CUES`: "smile", "tears"): one of its stems occurs. The grounding check's rule, which a
    reasoner follows before it writes the word."""
    return any(stem in source for stem in OBSERVABLE_CUES[cue])


def modalities_in(request: ReasoningRequest) -> set[str]:
    """Modalities with evidence: an ok slot or a cue (scene context does not count as a modality here)."""
    found = {SLOT_MODALITY[n] for n in request.evidence.available()} | {c.modality for c in request.cues}
    return found - {"scene"}


def modalities_used(analysis: Analysis) -> set[str]:
    """Modalities an analysis uses: those it cites cues from or names in its reasoning (scene excluded)."""
    used = {m for m, cues in analysis.cues_cited.items() if cues}
    text = f"{analysis.reasoning} {analysis.conflict_explanation or ''}".lower()
    names = {
        "face": ("face", "facial", "expression", "smil", "frown"),
        "voice": ("voice", "tone", "pitch", "prosod", "acoustic", "intonation"),
        "words": ("words", "transcript", "speech", "says", "said", "utterance"),
        "body": ("body", "posture", "gesture", "head", "nod"),
    }
    used |= {m for m, stems in names.items() if any(s in text for s in stems)}
    return used - {"scene"}
