"""Graph state: a narrow input, the full working state, and the output.

Keys that parallel perception branches write have reducers. The decoded clip itself is not in the
state (it stays small and checkpointable); nodes share it through `saber_agent.media.clip_cache`.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from typing_extensions import NotRequired

from saber_agent.evidence import (
    Analysis,
    CheckOutcome,
    ClipInfo,
    Conflict,
    LookResult,
    ModalityCue,
    Perception,
    PerceptionRequest,
    Reperception,
    Result,
    Slot,
    ToolRun,
)


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, earlier keys stay."""
    return {**(left or {}), **(right or {})}


class InputState(TypedDict):
    clip_path: str
    perception: NotRequired[Perception]  # pre-computed perception: decode and perceive are skipped


class OutputState(TypedDict):
    result: Result
    perception: Perception  # the first pass (and every second look taken), e.g. for the evidence cache


class ToolTask(TypedDict):
    """What one perception branch receives through `Send`."""

    clip_path: str
    tool: str


class State(TypedDict, total=False):
    clip_path: str
    perception: Perception  # given in the input, or the first pass once it is done
    decoded: bool  # whether this run decoded the clip (False: perception was given)
    clip: ClipInfo
    slots: Annotated[dict[str, Slot], merge_dicts]  # slot name -> filled slot
    tool_runs: Annotated[list[ToolRun], operator.add]
    slot_cues: Annotated[dict[str, list[ModalityCue]], merge_dicts]  # slot name -> cues, made with the slot
    looks: Annotated[dict[str, LookResult], merge_dicts]  # PerceptionRequest.key() -> what a second look found
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
