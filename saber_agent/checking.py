"""The consistency check interface (does an analysis agree with the evidence it reasons over?) and
the helpers checks share with CA-DPO pair building: evidence text, content words, modalities."""

from __future__ import annotations

import re
from typing import ClassVar

from saber_agent.evidence import PERCEPTION_SLOTS, SLOT_MODALITY, Analysis, CheckOutcome
from saber_agent.reasoning import ReasoningRequest
from saber_agent.vocab import CJK_RUN


class ConsistencyCheck:
    """Base class of consistency checks. A failed outcome's message is the critique sent back."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        raise NotImplementedError

    def outcome(self, passed: bool, message: str = "", **details) -> CheckOutcome:
        return CheckOutcome(name=self.name, passed=passed, message=message, details=details)


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
