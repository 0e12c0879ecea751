"""Graph state: a narrow input, the full working state, and the output.

Keys that parallel perception branches write have reducers. The decoded clip itself is not in the
state (it stays small and checkpointable); nodes share it through `saber_agent.media.clip_cache`.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field
from typing_extensions import NotRequired

from saber_agent.evidence import (
    Analysis,
    CheckOutcome,
    ClipInfo,
    Conflict,
    ModalityCue,
    PerceptionRequest,
    Reperception,
    Result,
    Slot,
    ToolRun,
)


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, earlier keys stay."""
    return {**(left or {}), **(right or {})}


class Perception(BaseModel):
    """What the perception stage produced for one clip: enough to reason again without re-perceiving.

    Given in the input (e.g. from an evidence cache), the graph skips decode and perception and goes
    straight to the cross-modal stage, so only the reasoner runs.
    """

    clip: ClipInfo
    slots: dict[str, Slot] = Field(default_factory=dict)  # slot name -> slot, as the tools filled them
    tool_runs: list[ToolRun] = Field(default_factory=list)  # which tool filled which slot (cues need it)


class InputState(TypedDict):
    clip_path: str
    perception: NotRequired[Perception]  # pre-computed perception: decode and perceive are skipped


class OutputState(TypedDict):
    result: Result


class ToolTask(TypedDict):
    """What one perception branch receives through `Send`."""

    clip_path: str
    tool: str


class State(TypedDict, total=False):
    clip_path: str
    perception: Perception
    clip: ClipInfo
    slots: Annotated[dict[str, Slot], merge_dicts]  # slot name -> filled slot
    tool_runs: Annotated[list[ToolRun], operator.add]
    cues: list[ModalityCue]
    conflicts: list[Conflict]
    analysis: Analysis | None
    reasoner: str
    checks: list[CheckOutcome]
    critique: list[str]
    rounds: int
    perception_requests: list[PerceptionRequest]  # second looks the check node accepted, for `reperceive`
    requested_by: str  # who asked for them
    reperceptions: Annotated[list[Reperception], operator.add]  # every second look asked: taken or refused
    timings: Annotated[dict[str, float], merge_dicts]
    errors: Annotated[list[str], operator.add]
    result: Result
