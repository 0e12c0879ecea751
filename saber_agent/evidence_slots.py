"""The six SABER slots and what fills them: slot names, modalities, the basic emotions, `Slot`
(text, status with its reason, confidence, measurements, provenance), the `Timeline` format every
perception plugin writes over time, and `Evidence` (the six slots of one clip).

Moved out of saber_agent/evidence.py, which re-exports every name here.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The SABER slot names, in the order the method perceives them (scene, audio, face, body, reasoning).
SlotName = Literal[
    "video_desc",
    "speech_content",
    "acoustic_feat",
    "facial_exp_desc",
    "body_lang_desc",
    "sentiment_analysis",
]
SLOT_NAMES: tuple[SlotName, ...] = get_args(SlotName)  # the same names, in the same order
PERCEPTION_SLOTS: tuple[SlotName, ...] = SLOT_NAMES[:5]
SLOT_TITLES: dict[str, str] = {
    "video_desc": "Scene",
    "speech_content": "Speech",
    "acoustic_feat": "Acoustic",
    "facial_exp_desc": "Facial expression",
    "body_lang_desc": "Body language",
    "sentiment_analysis": "Reasoning",
}

# Modalities that carry an emotion estimate; "words" is the transcript's text sentiment.
Modality = Literal["face", "voice", "words", "body", "scene"]
SLOT_MODALITY: dict[str, Modality] = {
    "facial_exp_desc": "face",
    "acoustic_feat": "voice",
    "speech_content": "words",
    "body_lang_desc": "body",
    "video_desc": "scene",
}

# The seven basic classes (as MELD / FER-2013 name them).
BasicEmotion = Literal["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]
BASIC_EMOTIONS: tuple[BasicEmotion, ...] = (
    "anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise",
)


class SlotStatus(str, Enum):
    ok = "ok"
    unavailable = "unavailable"  # the modality is absent (no face, no speech) or no plugin fills it
    failed = "failed"  # the plugin broke or ran out of time


class Provenance(BaseModel):
    """Where a slot's content came from."""

    model_config = ConfigDict(extra="forbid")

    plugin: str
    version: str = ""
    model: str | None = None  # model id or path, when a model was used
    backend: str | None = None
    seconds: float | None = None


class TimelineEvent(BaseModel):
    """A marked moment or span on a timeline: a micro-expression candidate, a pause, a nod, a word.

    `start_s`/`end_s` are seconds on the clip's clock (`end_s` None: a moment, not a span). `label`
    is what happened in words (an emotion, "pause", "nod", or the word itself); `kind` names the
    family so a reader can pick one ("micro_expression", "peak", "pause", "emphasis", "nod",
    "shake", "burst", "segment", "word", ...); `value` is an optional strength (a probability, an
    energy) in the unit the plugin states in its docs.
    """

    model_config = ConfigDict(extra="forbid")

    start_s: float
    end_s: float | None = None
    label: str = ""
    kind: str = ""
    value: float | None = None

    @model_validator(mode="after")
    def _finite_and_in_order(self) -> TimelineEvent:
        for name in ("start_s", "end_s", "value"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, not {value}")
        if self.end_s is not None and self.end_s < self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must not be before start_s ({self.start_s})")
        return self


class Timeline(BaseModel):
    """Measurements over time: the one format every perception plugin writes to `Slot.timelines`.

    This is the contract for third-party plugins: a tool that measures something over time puts it
    here, and the UI plots it, the exporters carry it and a second look over a window splices into it,
    with no knowledge of the plugin. Layout (columns on one shared clock):

    - `times_s`: sample times, seconds from the clip's start, finite and non-decreasing; length N.
    - `series`: name -> N numbers (`None` marks a gap: no face in that frame, an unvoiced pitch
      frame; NaN and infinities are read as gaps). Names carry their unit where it helps
      (`f0_hz`, `intensity_db`) or are class names (`happiness`), all of one unit.
    - `units`: series name -> unit in words ("probability", "Hz", "dB", "mean flow, px per frame");
      every key must name a series.
    - `labels`: name -> N strings or `None`, a categorical line on the same clock (the top
      expression per frame).
    - `events`: marked moments and spans (`TimelineEvent`), which need no samples: a transcript is a
      timeline of `segment` and `word` events and no series.
    - `step_s`: the sampling step when it is regular (e.g. 0.1 for 10 Hz bins), else None.

    The in-tree plugins write these names (the UI looks for them; a third-party plugin that fills the
    same slot should use the same name and series names to be plotted):

    =================  ==================  ==========================================================
    slot               timeline name       series / events
    =================  ==================  ==========================================================
    facial_exp_desc    ``expression``      one series per class (`BASIC_EMOTIONS`), unit probability;
                                           labels ``top``; events ``micro_expression``, ``peak``
    acoustic_feat      ``prosody``         ``f0_hz`` (None unvoiced), ``intensity_db``; events
                                           ``pause`` (spans), ``emphasis``
    body_lang_desc     ``activity``        one series per body region; events ``nod``, ``shake``,
                                           ``burst`` ...
    video_desc         ``scene``           ``brightness``, ``contrast``, ``motion``, ``shot_distance``,
                                           ``faces``; events ``cut``
    speech_content     ``transcript``      no series; events ``segment`` and ``word`` (label: the text)
    =================  ==================  ==========================================================

    Other names are welcome (they are kept, exported and merged like these); the summary numbers of a
    slot stay in `Slot.measurements`.
    """

    model_config = ConfigDict(extra="forbid")

    times_s: list[float] = Field(default_factory=list)
    series: dict[str, list[float | None]] = Field(default_factory=dict)
    units: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, list[str | None]] = Field(default_factory=dict)
    events: list[TimelineEvent] = Field(default_factory=list)
    step_s: float | None = Field(default=None, gt=0)

    @field_validator("series", mode="before")
    @classmethod
    def _gaps_not_nan(cls, value: Any) -> Any:
        # NaN would serialise as null and come back as None: store the gap as None from the start
        if isinstance(value, dict):
            return {
                k: [None if isinstance(v, float) and not math.isfinite(v) else v for v in col]
                if isinstance(col, (list, tuple)) else col
                for k, col in value.items()
            }
        return value

    @model_validator(mode="after")
    def _one_clock(self) -> Timeline:
        n = len(self.times_s)
        if any(not math.isfinite(t) for t in self.times_s):
            raise ValueError("times_s must be finite seconds")
        if any(b < a for a, b in zip(self.times_s, self.times_s[1:], strict=False)):
            raise ValueError("times_s must be in time order (non-decreasing)")
        for kind, columns in (("series", self.series), ("labels", self.labels)):
            for name, column in columns.items():
                if len(column) != n:
                    raise ValueError(f"{kind} {name!r} has {len(column)} values for {n} times")
        if unknown := sorted(set(self.units) - set(self.series)):
            raise ValueError(f"units name no series: {', '.join(unknown)}")
        return self

    def __bool__(self) -> bool:
        """Whether there is anything to show: a sample with a value, or an event."""
        return bool(self.events) or any(v is not None for col in self.series.values() for v in col)


class Slot(BaseModel):
    """One SABER evidence slot: text, status, confidence, `measurements` (summary numbers, plugin-defined)
    and `timelines` (name -> `Timeline`: anything measured over time, in one documented format)."""

    text: str = ""
    status: SlotStatus = SlotStatus.unavailable
    reason: str | None = None  # why the slot is unavailable or failed
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    measurements: dict[str, Any] = Field(default_factory=dict)  # summary numbers and detail, plugin-defined
    # measurements over time, in the one format the UI, exporters and second looks read (see `Timeline`)
    timelines: dict[str, Timeline] = Field(default_factory=dict)
    provenance: Provenance | None = None

    @property
    def ok(self) -> bool:
        return self.status is SlotStatus.ok

    @classmethod
    def unavailable(cls, reason: str, provenance: Provenance | None = None) -> Slot:
        return cls(status=SlotStatus.unavailable, reason=reason, provenance=provenance)

    @classmethod
    def failed(cls, reason: str, provenance: Provenance | None = None) -> Slot:
        return cls(status=SlotStatus.failed, reason=reason, provenance=provenance)


class Evidence(BaseModel):
    """The six SABER slots of one clip."""

    video_desc: Slot = Field(default_factory=lambda: Slot.unavailable("no plugin filled this slot"))
    speech_content: Slot = Field(default_factory=lambda: Slot.unavailable("no plugin filled this slot"))
    acoustic_feat: Slot = Field(default_factory=lambda: Slot.unavailable("no plugin filled this slot"))
    facial_exp_desc: Slot = Field(default_factory=lambda: Slot.unavailable("no plugin filled this slot"))
    body_lang_desc: Slot = Field(default_factory=lambda: Slot.unavailable("no plugin filled this slot"))
    sentiment_analysis: Slot = Field(default_factory=lambda: Slot.unavailable("not reasoned yet"))

    def slot(self, name: str) -> Slot:
        return getattr(self, name)

    def with_slots(self, slots: dict[str, Slot]) -> Evidence:
        return self.model_copy(update=slots)

    def available(self) -> list[str]:
        """Names of the perception slots that hold evidence."""
        return [name for name in PERCEPTION_SLOTS if self.slot(name).ok]
