"""The evidence model: clip metadata, the six SABER slots, cross-modal cues and the result.

Every slot keeps its SABER-style text next to the typed measurements behind it, where the text
came from (provenance), whether the slot could be filled (status, with the reason) and a confidence.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Literal

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
SLOT_NAMES: tuple[SlotName, ...] = (
    "video_desc",
    "speech_content",
    "acoustic_feat",
    "facial_exp_desc",
    "body_lang_desc",
    "sentiment_analysis",
)
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


class ClipInfo(BaseModel):
    """What was decoded from a clip."""

    path: str
    duration_s: float = 0.0
    has_video: bool = False
    has_audio: bool = False
    width: int | None = None
    height: int | None = None
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
    cues_cited: dict[str, list[str]] = Field(default_factory=dict)  # modality -> cues
    conflict_explanation: str | None = None
    weighed: list[str] = Field(default_factory=list)  # what the reasoner says it weighed
    # second looks this reasoner asks for before it concludes (fusion: by rule; LLMs: by tool call)
    perception_requests: list[PerceptionRequest] = Field(default_factory=list)

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
