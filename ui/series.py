"""Time series for the page, read from `Slot.timelines` and nothing else.

Perception plugins write what they measure over time in one format, `saber_agent.evidence.Timeline`
(times in seconds, named series with units, events), under the names its docstring lists. The
functions here take a slot's `timelines` mapping (name -> `Timeline`, or its JSON dict) and return
what the plots and views draw; each returns None or an empty list, never raises, when the timeline
is absent, malformed or holds nothing to show.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from saber_agent.evidence import BASIC_EMOTIONS, Timeline
from saber_agent.vocab import CLASS_SPELLINGS, written_without_spaces

# A third-party face plugin may spell the classes its own way ("happy"): its line gets the evidence
# model's name and colour; contempt (which some face models output) keeps a line of its own.
EMOTION_ALIASES = {**CLASS_SPELLINGS, "contempt": "contempt"}
SILENCE_BELOW_PEAK_DB = 50.0


@dataclass
class Series:
    """Aligned time series: one shared time axis, several named lines (NaN marks a gap)."""

    times: list[float]
    lines: dict[str, list[float]] = field(default_factory=dict)
    unit: str = ""

    def __bool__(self) -> bool:
        return bool(self.times) and any(any(math.isfinite(v) for v in line) for line in self.lines.values())


@dataclass
class Event:
    """A marked moment (a micro-expression candidate, a nod, a pause)."""

    time: float
    label: str
    end: float | None = None


@dataclass
class TimedText:
    start: float | None
    end: float | None
    text: str


def number(value: Any) -> float | None:
    """A finite float, or None (bools, strings, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def timeline(timelines: Any, name: str) -> Timeline | None:
    """The timeline called `name` in a slot's `timelines`, or None (absent or not a valid `Timeline`)."""
    value = timelines.get(name) if isinstance(timelines, Mapping) else None
    if isinstance(value, Timeline) or value is None:
        return value
    try:
        return Timeline.model_validate(value)
    except ValidationError:
        return None


def _series(tl: Timeline | None, names: Iterable[str], unit: str = "") -> Series | None:
    if tl is None:
        return None
    lines = {n: [math.nan if v is None else float(v) for v in tl.series[n]] for n in names if n in tl.series}
    found = Series(list(tl.times_s), lines, unit)
    return found if found else None


def _events(tl: Timeline | None, kinds: Iterable[str] | None = None, label_by_kind: bool = False) -> list[Event]:
    if tl is None:
        return []
    kinds = None if kinds is None else set(kinds)
    return [Event(e.start_s, (e.kind if label_by_kind else e.label) or e.kind or "event", e.end_s)
            for e in sorted(tl.events, key=lambda e: e.start_s) if kinds is None or e.kind in kinds]


def _units(tl: Timeline, names: Iterable[str]) -> str:
    """The unit the named series share, or "" when they differ or none is given."""
    units = {tl.units.get(name, "") for name in names}
    return units.pop() if len(units) == 1 else ""


# -- expressions -----------------------------------------------------------------------------


def _emotion_order(name: str) -> tuple[int, str]:
    return (BASIC_EMOTIONS.index(name) if name in BASIC_EMOTIONS else len(BASIC_EMOTIONS), name)


def expression_series(timelines: Any) -> Series | None:
    """Each class's probability over time (the `expression` timeline), in the evidence model's class order."""
    tl = timeline(timelines, "expression")
    if tl is None:
        return None
    names = {EMOTION_ALIASES[k.strip().lower()]: k for k in tl.series if k.strip().lower() in EMOTION_ALIASES}
    found = _series(tl, [names[n] for n in sorted(names, key=_emotion_order)], "probability")
    if found is not None:
        found.lines = {EMOTION_ALIASES[k.strip().lower()]: v for k, v in found.lines.items()}
    return found


def expression_events(timelines: Any) -> list[Event]:
    """Brief expression changes (micro-expression candidates) and the peak, with their times."""
    return _events(timeline(timelines, "expression"))


# -- prosody ---------------------------------------------------------------------------------


def pitch_series(timelines: Any) -> Series | None:
    """The F0 contour in Hz (the `prosody` timeline's `f0_hz`), or None."""
    found = _series(timeline(timelines, "prosody"), ["f0_hz"], "Hz")
    if found is None:
        return None
    # Praat writes 0 for unvoiced frames: a gap, not a pitch of zero
    found.lines = {"f0": [v if v > 0 else math.nan for v in found.lines["f0_hz"]]}
    return found if found else None


def intensity_series(timelines: Any) -> Series | None:
    """The intensity contour in dB (the `prosody` timeline's `intensity_db`), or None."""
    found = _series(timeline(timelines, "prosody"), ["intensity_db"], "dB")
    if found is None:
        return None
    values = found.lines.pop("intensity_db")
    top = max(v for v in values if math.isfinite(v))
    # Praat's silent frames sit far below the speech (-80 dB and less): pauses, not levels
    found.lines["intensity"] = [v if v >= top - SILENCE_BELOW_PEAK_DB else math.nan for v in values]
    return found


def prosody_events(timelines: Any) -> list[Event]:
    """Pauses (spans) and emphasised syllables, labelled "pause" and "emphasis"."""
    return _events(timeline(timelines, "prosody"), ("pause", "emphasis"), label_by_kind=True)


# -- body ------------------------------------------------------------------------------------


def activity_series(timelines: Any) -> Series | None:
    """Gesture / motion activity over time (the `activity` timeline): a line per body region, with their unit."""
    tl = timeline(timelines, "activity")
    return None if tl is None else _series(tl, list(tl.series), _units(tl, tl.series))


def body_events(timelines: Any) -> list[Event]:
    """Head nods and shakes, gesture bursts and shot changes, with their times."""
    return _events(timeline(timelines, "activity"))


# -- transcript ------------------------------------------------------------------------------


def _texts(timelines: Any, kind: str) -> list[TimedText]:
    tl = timeline(timelines, "transcript")
    if tl is None:
        return []
    return [TimedText(e.start_s, e.end_s, e.label.strip()) for e in tl.events if e.kind == kind and e.label.strip()]


def transcript_words(timelines: Any) -> list[TimedText]:
    """The words with their start and end times (the `transcript` timeline's `word` events)."""
    return _texts(timelines, "word")


def sound_events(timelines: Any) -> list[TimedText]:
    """Sound events such as laughter (the `transcript` timeline's `sound` events)."""
    return _texts(timelines, "sound")


def transcript_segments(timelines: Any, gap_s: float = 0.8, max_words: int = 14) -> list[TimedText]:
    """Timed lines of the transcript: its `segment` events, or its words grouped at pauses."""
    segments = _texts(timelines, "segment")
    if segments:
        return segments
    lines: list[TimedText] = []
    current: list[TimedText] = []
    for word in transcript_words(timelines):
        if current and (
            len(current) >= max_words
            or (word.start is not None and current[-1].end is not None and word.start - current[-1].end > gap_s)
        ):
            lines.append(_join(current))
            current = []
        current.append(word)
    if current:
        lines.append(_join(current))
    return lines


def _join(words: list[TimedText]) -> TimedText:
    text = ""
    for w in words:
        # faster-whisper words carry their own leading space; others do not
        piece = w.text
        text += piece if not text or piece[:1] in " ,.!?;:'" or written_without_spaces(piece) else " " + piece
    return TimedText(words[0].start, words[-1].end, " ".join(text.split()))
