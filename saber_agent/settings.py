"""Run-time settings of one analysis: the typed context that travels through the graph."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent.media import DecodeSettings

DEFAULT_REASONER = "fusion"


class ReperceptionBudget(BaseModel):
    """How much extra perception one clip may get: second looks asked for by the reasoner or the checks."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key must not run at the default

    max_calls: int = Field(default=2, ge=0, le=20)  # second looks per clip; 0 turns them off
    max_seconds: float = Field(default=60.0, gt=0)  # tool time of all second looks together


class AnalysisSettings(BaseModel):
    """Which plugins and reasoner run, and with which limits.

    Passed to the graph as its context (``graph.invoke(state, context=settings)``), never as a global.
    Unknown keys are refused (ValidationError), here and in the nested models: a misspelt setting must not run at
    its default. A stored field renamed later is accepted through an explicit alias, not by allowing extras.
    """

    model_config = ConfigDict(extra="forbid")

    plugins: list[str] | None = None  # perception tools to run by name; None runs every registered one
    reasoner: str = DEFAULT_REASONER
    reasoner_options: dict[str, Any] = Field(default_factory=dict)
    tool_options: dict[str, dict[str, Any]] = Field(default_factory=dict)  # tool name -> options
    decode: DecodeSettings = Field(default_factory=DecodeSettings)
    tool_timeout_s: float = Field(default=300.0, gt=0)  # a tool past this budget fails its slot
    reasoner_timeout_s: float = Field(default=600.0, gt=0)
    max_rounds: int = Field(default=3, ge=1, le=10)  # reasoning rounds, the first included
    reperception_budget: ReperceptionBudget = Field(default_factory=ReperceptionBudget)
    device: str = "auto"  # auto | cpu | cuda[:N]; see saber_agent.devices
    allow_cpu_fallback: bool = False  # load on the CPU when the GPU runs out of memory
    # none: one analysis of the whole clip; utterances: one per utterance, with speakers (saber_agent.segments)
    segment: Literal["none", "utterances"] = "none"

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        from saber_agent.devices import DEVICE_PATTERN

        value = value.strip().lower()
        if not DEVICE_PATTERN.match(value):
            raise ValueError(f"device {value!r} is not one of auto, cpu, cuda, cuda:N")
        return value

    def updated(self, **changes: Any) -> AnalysisSettings:
        """A copy with `changes`, validated like a new settings object (pydantic's `model_copy` does
        not validate: `max_rounds=0` or a negative frame rate would pass it). Raises ValidationError."""
        def plain(value: Any) -> Any:
            return value.model_dump() if isinstance(value, BaseModel) else value

        data = {k: plain(v) for k, v in self.model_dump().items()}
        return type(self).model_validate({**data, **{k: plain(v) for k, v in changes.items()}})

    def options_for(self, tool: str) -> dict[str, Any]:
        return dict(self.tool_options.get(tool, {}))
