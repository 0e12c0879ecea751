"""What is made from the slots: per-modality cues (`ModalityCue`) and their `Conflict`s, a second
look's request (`PerceptionRequest`) and record (`Reperception`, `SlotSummary`, `LookResult`), a
reasoner's answer (`Analysis`), a check's outcome (`CheckOutcome`) and a tool's run (`ToolRun`).

Valences are in [-1, 1] (negative .. positive), arousals and confidences in [0, 1]; times in seconds on
the clip's clock. Moved out of saber_agent/evidence.py, which re-exports every name here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from saber_agent.evidence_slots import BasicEmotion, Modality, Slot, SlotStatus


class ModalityCue(BaseModel):
    """One modality's emotion estimate, derived from its slot's measurements."""

    modality: Modality
    valence: float = Field(ge=-1.0, le=1.0)  # -1 negative .. +1 positive
    arousal: float = Field(default=0.5, ge=0.0, le=1.0)
    emotion: str | None = None  # e.g. "happiness", "hostile", "calm"
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    basis: str = ""  # the measurement behind it, in words
    mixed: str | None = None  # a conflict inside this modality (praise of a bad event: possible irony), in words


class Conflict(BaseModel):
    """Two modalities whose estimates disagree."""

    modalities: tuple[Modality, Modality]
    description: str
    severity: float = Field(default=0.5, ge=0.0, le=1.0)


def valence_label(valence: float, margin: float = 0.15) -> Literal["positive", "negative", "neutral"]:
    """Map a valence in [-1, 1] to the three-way label the benchmarks score."""
    if valence > margin:
        return "positive"
    if valence < -margin:
        return "negative"
    return "neutral"



class PerceptionRequest(BaseModel):
    """A targeted second look: one perception tool run again on a time window, at a higher frame
    rate, and/or with other options (see `saber_agent.reperception`)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key must not silently widen the look

    tool: str = Field(description="Name of the perception tool to run again (e.g. 'prosody', 'face').")
    start_s: float | None = Field(default=None, ge=0, description="Window start in seconds; omit for the clip's start.")
    end_s: float | None = Field(default=None, gt=0, description="Window end in seconds; omit for the clip's end.")
    fps: float | None = Field(
        default=None, gt=0, le=30,
        description="Frames per second to sample, for tools that read frames; omit to keep the first sampling.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict, description="Tool options for this look only, e.g. another model or backend."
    )
    reason: str = Field(default="", description="Why the evidence so far is not enough, in one sentence.")

    @model_validator(mode="after")
    def _window_in_order(self) -> PerceptionRequest:
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must be after start_s ({self.start_s})")
        return self

    @property
    def windowed(self) -> bool:
        return self.start_s is not None or self.end_s is not None

    def scope(self) -> str:
        """The look in words: "1.5-3 s at 8 fps", "the whole clip with model=large"."""
        if self.windowed:
            end = f"{self.end_s:g}" if self.end_s is not None else "end"
            parts = [f"{self.start_s or 0:g}-{end} s"]
        else:
            parts = ["the whole clip"]
        if self.fps:
            parts.append(f"at {self.fps:g} fps")
        if self.options:
            parts.append("with " + ", ".join(f"{k}={v}" for k, v in sorted(self.options.items())))
        return " ".join(parts)

    def key(self) -> str:
        """What makes two requests the same look (the reason does not)."""
        return self.model_dump_json(exclude={"reason"})


class Analysis(BaseModel):
    """A reasoner's answer, in the structured-evidence-decomposition order."""

    visual_evidence: str = ""
    acoustic_evidence: str = ""
    reasoning: str = ""  # the holistic analysis, written to `sentiment_analysis`
    emotions: list[str] = Field(default_factory=list)  # open-vocabulary labels
    basic_emotion: BasicEmotion = "neutral"
    valence: float = Field(default=0.0, ge=-1.0, le=1.0)
    arousal: float = Field(default=0.5, ge=0.0, le=1.0)
    # the reasoner's stated probability that `basic_emotion` is right (fusion: `fusion_confidence`); None where it states
    # none (a model's answer); scored by `saber_agent.eval.calibration`
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    cues_cited: dict[str, list[str]] = Field(default_factory=dict)  # modality -> cues
    conflict_explanation: str | None = None
    weighed: list[str] = Field(default_factory=list)  # what the reasoner says it weighed
    # second looks this reasoner asks for before it concludes (fusion: by rule; LLMs: by tool call)
    perception_requests: list[PerceptionRequest] = Field(default_factory=list)
    # the flag of a whole clip with several voices: how many the speaker pass of segment mode heard
    # (`saber_agent.voices_heard`), where more than one (the whole-clip emotion mixes speakers, and `notes` says so);
    # None for one voice or none, and where none were counted (a window of segment mode, perception given without
    # the media)
    voices_heard: int | None = Field(default=None, ge=0)
    notes: list[str] = Field(default_factory=list)  # caveats on the whole answer, e.g. "2 voices heard: ..."

    @field_validator("emotions")
    @classmethod
    def _clean_emotions(cls, value: list[str]) -> list[str]:
        return [e.strip().lower() for e in value if e and e.strip()]

    @property
    def valence_label(self) -> str:
        return valence_label(self.valence)


class CheckOutcome(BaseModel):
    """The outcome of one consistency check on one reasoning round."""

    name: str
    passed: bool
    message: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class ToolRun(BaseModel):
    """How one perception tool ran."""

    tool: str
    slot: str
    status: SlotStatus
    seconds: float
    started: float  # time.perf_counter() at start; used to show real overlap
    finished: float
    reason: str | None = None



class SlotSummary(BaseModel):
    """A slot in brief, for the record of a second look."""

    status: SlotStatus
    confidence: float | None = None
    text: str = ""
    reason: str | None = None

    @classmethod
    def of(cls, slot: Slot, limit: int = 240) -> SlotSummary:
        text = " ".join(slot.text.split())
        return cls(
            status=slot.status, confidence=slot.confidence, reason=slot.reason,
            text=text if len(text) <= limit else text[: limit - 1] + "…",
        )


class Reperception(BaseModel):
    """One second look: what was asked, by whom and why, what ran, and what changed."""

    request: PerceptionRequest
    asked_by: str  # "reasoner fusion", "check"
    round: int  # the reasoning round after which it was asked
    status: Literal["done", "failed", "refused"]
    note: str = ""  # why it was refused or failed, or what changed
    slot: str | None = None
    before: SlotSummary | None = None  # the slot before the look (None: no tool had filled it)
    after: SlotSummary | None = None  # what the look itself found
    kept: Literal["new", "previous"] | None = None  # which of the two the slot now holds
    fps: float | None = None  # the frame rate the look actually sampled, when it read frames
    decoded: bool = False  # whether it needed the clip's one extra (denser) decode
    cached: bool = False  # reused from a given perception (the evidence cache): not run again
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.kept == "new" and self.before != self.after


class LookResult(BaseModel):
    """What one second look found, before it was merged into its slot (kept so a rerun can reuse it)."""

    slot: Slot
    fps: float | None = None  # the frame rate the look sampled, when it read frames
    seconds: float = 0.0  # what the look cost when it ran
