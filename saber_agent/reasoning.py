"""The reasoner interface: evidence in, a structured `Analysis` out."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from saber_agent.evidence import Analysis, ClipInfo, Conflict, Evidence, ModalityCue, Reperception
from saber_agent.media import Clip


class ReasonerError(Exception):
    """A reasoner that could not produce an analysis (model missing, server down, output unusable)."""


class ReasoningRequest(BaseModel):
    """What a reasoner sees in one round: perceived evidence, cues, conflicts, and any critique."""

    evidence: Evidence
    clip: ClipInfo
    cues: list[ModalityCue] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    critique: list[str] = Field(default_factory=list)  # failed checks of the previous round
    round: int = 1
    looks: list[Reperception] = Field(default_factory=list)  # second looks already asked for, and what changed
    looks_left: int = 0  # second looks the budget still allows after this round (0: do not ask)


class Reasoner:
    """Base class of reasoners. Expensive loading happens once, in the factory or on first call."""

    name: ClassVar[str]
    model: str | None = None  # model id, path or URL, for provenance
    # True for reasoners that read the media itself (omni-modal models): they always get the decoded
    # clip. Evidence-only reasoners get it when it is decoded anyway, and None when the perception
    # came from the evidence cache (no decode just for them).
    reads_media: ClassVar[bool] = False

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        """Reason over the request's evidence (and the media itself, for omni-modal models)."""
        raise NotImplementedError
