"""Cues built by hand and the offline fusion reasoner's answer over them (the fusion tests' shared helpers)."""

from __future__ import annotations

from saber_agent.cues import find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest


def cue(modality: str, emotion: str | None, valence: float, confidence: float, arousal: float = 0.5) -> ModalityCue:
    return ModalityCue(modality=modality, emotion=emotion, valence=valence, confidence=confidence, arousal=arousal,
                       basis=f"{modality} reads {emotion}")


def reason(*cues: ModalityCue):
    """The fusion reasoner's answer for these cues alone (no evidence text), their conflicts found as the graph does."""
    request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.mp4"), cues=list(cues),
                               conflicts=find_conflicts(list(cues)))
    return FusionReasoner().reason(request)
