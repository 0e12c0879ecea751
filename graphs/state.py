"""Graph state: a narrow input, the full working state, and the output.

Keys that parallel perception branches write have reducers. The decoded clip itself is not in the
state (it stays small and checkpointable); nodes share it through `saber_agent.media.clip_cache`.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from saber_agent.evidence import Analysis, CheckOutcome, ClipInfo, Conflict, ModalityCue, Result, Slot, ToolRun


def merge_dicts(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, earlier keys stay."""
    return {**(left or {}), **(right or {})}


class InputState(TypedDict):
    clip_path: str


class OutputState(TypedDict):
    result: Result


class ToolTask(TypedDict):
    """What one perception branch receives through `Send`."""

    clip_path: str
    tool: str


class State(TypedDict, total=False):
    clip_path: str
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
    timings: Annotated[dict[str, float], merge_dicts]
    errors: Annotated[list[str], operator.add]
    result: Result
