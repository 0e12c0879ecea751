"""The evidence model: clip metadata, the six SABER slots, cross-modal cues and the result.

Every slot keeps its SABER-style text next to the typed measurements behind it, where the text
came from (provenance), whether the slot could be filled (status, with the reason) and a confidence.

The slots, their names and the timeline format live in saber_agent/evidence_slots.py; the cues,
conflicts, second looks, the reasoner's answer, checks and tool runs in saber_agent/evidence_analysis.py.
This module holds the clip's metadata, `Perception`, `Result` and its schema, and re-exports the moved names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from saber_agent.evidence_analysis import (
    Analysis,
    CheckOutcome,
    Conflict,
    LookResult,
    ModalityCue,
    PerceptionRequest,
    Reperception,
    SlotSummary,
    ToolRun,
    valence_label,
)
from saber_agent.evidence_slots import (
    BASIC_EMOTIONS,
    PERCEPTION_SLOTS,
    SLOT_MODALITY,
    SLOT_NAMES,
    SLOT_TITLES,
    BasicEmotion,
    Evidence,
    Modality,
    Provenance,
    Slot,
    SlotName,
    SlotStatus,
    Timeline,
    TimelineEvent,
)

# every name importers read from here (the slots and the analysis models moved out of this module)
__all__ = [
    "BASIC_EMOTIONS", "PERCEPTION_SLOTS", "SLOT_MODALITY", "SLOT_NAMES", "SLOT_TITLES", "Analysis", "AudioTrack",
    "BasicEmotion", "CheckOutcome", "ClipInfo", "Conflict", "Evidence", "LookResult", "Modality", "ModalityCue",
    "Perception", "PerceptionRequest", "Provenance", "Reperception", "Result", "Slot", "SlotName", "SlotStatus",
    "SlotSummary", "Timeline", "TimelineEvent", "ToolRun", "printable_path", "result_json_schema", "valence_label",
]


class ClipInfo(BaseModel):
    """What was decoded from a clip."""

    path: str
    # seconds: the file's declared duration, or what decoded where it declares none, is cut short of it (a note says
    # how much) or was stopped at the decode's max_duration_s
    duration_s: float = 0.0
    has_video: bool = False
    has_audio: bool = False
    width: int | None = None  # of the analysed frames (decoded, downscaled to DecodeSettings.max_side)
    height: int | None = None
    # the file's picture as players display it (pixel aspect and rotation applied), before downscaling
    source_width: int | None = None
    source_height: int | None = None
    still_image: bool = False  # the video stream is one picture (a photo, a one-frame GIF): no motion, no denser sampling
    native_fps: float | None = None
    sample_fps: float | None = None
    n_frames: int = 0  # frames kept after sampling
    audio_sample_rate: int | None = None
    audio_channels: int | None = None  # of the source, before the mono mix-down
    audio_track: int | None = None  # which audio stream was analysed (0 = the file's first audio stream)
    audio_tracks: list[AudioTrack] = Field(default_factory=list)  # every audio stream of the file
    rotation: int = 0  # degrees the frames were turned to stand as players display them (display matrix)
    time_origin_s: float = 0.0  # the file's first timestamp; every time here is seconds after it
    duration_declared: bool = True  # False: the file declares no duration; duration_s is what was decoded
    notes: list[str] = Field(default_factory=list)  # e.g. "audio is silent"

    def picture_text(self) -> str:
        """The picture's size in words: '1920x1080, analysed at 640x360', or '640x360' when not downscaled."""
        shown = f"{self.width}x{self.height}"
        if self.source_width and self.source_height and (self.source_width, self.source_height) != (self.width, self.height):
            return f"{self.source_width}x{self.source_height}, analysed at {shown}"
        return shown

    @field_validator("path", mode="before")
    @classmethod
    def _printable_path(cls, value: Any) -> Any:
        """A name that is not valid UTF-8 (a Latin-1 byte, kept by Python as a lone surrogate) is
        written with the byte escaped (``caf\\xe9.mp4``): JSON, batch lines and the UI can carry it."""
        if isinstance(value, bytes):
            return value.decode("utf-8", "backslashreplace")
        if isinstance(value, str):
            return printable_path(value)
        return value


class AudioTrack(BaseModel):
    """One audio stream of the file, as listed in `ClipInfo.audio_tracks`."""

    index: int  # among the file's audio streams, from 0 (what the ``audio_track`` decode setting takes)
    codec: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    language: str | None = None
    title: str | None = None
    default: bool = False
    silent: bool | None = None  # None: not decoded
    analysed: bool = False


def printable_path(path: str) -> str:
    """`path` with undecodable bytes (lone surrogates from the file system) escaped as ``\\xNN``."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _only_escapes(path) \
            else path.encode("utf-8", "backslashreplace").decode("utf-8")


def _only_escapes(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


class Perception(BaseModel):
    """What perception produced for one clip: enough to reason again without decoding or perceiving.

    `slots` and `tool_runs` are the first pass; `cues` are each slot's per-modality estimates, made
    where the slot was made (slot name -> cues); `looks` are the second looks taken over this clip,
    keyed by `PerceptionRequest.key()` (tool, window, frame rate, options). Given in the graph's input
    (e.g. from the evidence cache), decode and perception are skipped, and a second look already in
    `looks` is reused instead of run again.
    """

    clip: ClipInfo
    slots: dict[str, Slot] = Field(default_factory=dict)  # slot name -> slot, as the tools filled them
    tool_runs: list[ToolRun] = Field(default_factory=list)  # which tool filled which slot
    cues: dict[str, list[ModalityCue]] = Field(default_factory=dict)  # slot name -> its tool's cues
    looks: dict[str, LookResult] = Field(default_factory=dict)  # PerceptionRequest.key() -> what it found


class Result(BaseModel):
    """Everything one analysis produced."""

    clip: ClipInfo
    evidence: Evidence
    cues: list[ModalityCue] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    analysis: Analysis | None = None
    # the reasoner's own last answer where it still cited cues not in the evidence after the last round, so the
    # fusion answer replaced it (`reasoner` says "fusion (fallback from ...)"): kept for inspection, never the answer
    rejected: Analysis | None = None
    checks: list[CheckOutcome] = Field(default_factory=list)
    rounds: int = 0
    reasoner: str = ""
    tool_runs: list[ToolRun] = Field(default_factory=list)
    reperceptions: list[Reperception] = Field(default_factory=list)  # second looks asked, taken or refused
    timings: dict[str, float] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)

    @property
    def checks_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def saber(self) -> dict[str, Any]:
        """The plain SABER record (the six keys) of this result."""
        from saber_agent.saber_format import to_saber_record

        return to_saber_record(self.evidence)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of the analysis result."""
    return Result.model_json_schema()
