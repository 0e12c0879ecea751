"""Time series out of slot measurements, read defensively.

Perception plugins store their timelines in `Slot.measurements` as plain JSON, and each plugin is
free to choose its layout. The UI plots whatever it can recognise and nothing else: every function
here returns None (never raises) when the data is absent or malformed. Recognised layouts:

- rows: ``[{"t": 0.5, "happiness": 0.8, ...}, ...]`` or ``[{"time": 0.5, "probs": {...}}, ...]``
- columns: ``{"times": [...], "happiness": [...]}`` or ``{"t": [...], "probabilities": {"happiness": [...]}}``
- pairs: ``[[0.5, 210.0], ...]``
- bare values with a step: ``{"f0_hz": [...], "time_step": 0.01, "start": 0.0}``
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.vocab import CLASS_SPELLINGS, written_without_spaces

TIME_KEYS = ("t", "time", "time_s", "t_s", "times", "timestamp", "timestamps", "frame_times", "seconds", "start", "start_s")
STEP_KEYS = ("time_step", "time_step_s", "step", "step_s", "hop_s", "dt")
OFFSET_KEYS = ("t0", "start", "start_s", "offset_s")
PROB_KEYS = ("probabilities", "probs", "scores", "expressions", "emotions", "expression_probabilities")

# Spellings plugins use for the seven basic classes, mapped to the evidence model's names; contempt
# (which some face models output) keeps a line of its own in the plots.
EMOTION_ALIASES = {**CLASS_SPELLINGS, "contempt": "contempt"}

EXPRESSION_CONTAINERS = (
    "expression_timeline", "expressions_timeline", "emotion_timeline", "expression_probabilities",
    "probabilities_timeline", "timeline", "per_frame", "frames", "expressions",
)
PITCH_CONTAINERS = ("f0_contour", "pitch_contour", "f0_track", "pitch_track", "contour", "contours", "f0")
PITCH_VALUES = ("f0_hz", "f0", "pitch_hz", "pitch", "hz", "frequency", "value", "values")
INTENSITY_CONTAINERS = ("intensity_contour", "intensity_track", "energy_contour", "contour", "contours", "intensity")
INTENSITY_VALUES = ("intensity_db", "intensity", "db", "energy_db", "energy", "value", "values")
ACTIVITY_CONTAINERS = (
    "activity_timeline", "gesture_activity", "gesture_timeline", "motion_timeline", "motion_activity",
    "activity", "motion_energy", "motion", "timeline",
)
ACTIVITY_VALUES = ("activity", "gesture_activity", "motion", "motion_energy", "energy", "magnitude", "flow", "value", "values")
SEGMENT_CONTAINERS = ("segments", "prosody_segments", "phrases")
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


# -- small readers ---------------------------------------------------------------------------


def number(value: Any) -> float | None:
    """A finite float, or None (bools, strings, NaN and infinities are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def numbers(value: Any) -> list[float] | None:
    """A list of numbers (None entries become NaN gaps), or None if `value` is not one."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    out = []
    for item in value:
        if item is None:
            out.append(math.nan)
            continue
        n = number(item)
        if n is None:
            return None
        out.append(n)
    return out if any(math.isfinite(v) for v in out) else None


def _first(mapping: Mapping, keys: Iterable[str]) -> Any:
    for key in keys:
        if key in mapping and mapping[key] is not None:
            return mapping[key]
    return None


def _row_time(row: Mapping) -> float | None:
    for key in TIME_KEYS:
        if key in row:
            t = number(row[key])
            if t is not None:
                return t
    return None


def _time_axis(mapping: Mapping, length: int) -> list[float] | None:
    """The times of `length` samples: an explicit list, or a step (and an offset)."""
    for key in TIME_KEYS:
        times = numbers(mapping.get(key))
        if times is not None and len(times) == length:
            return times
    step = number(_first(mapping, STEP_KEYS))
    if step and step > 0:
        offset = number(_first(mapping, OFFSET_KEYS)) or 0.0
        return [offset + i * step for i in range(length)]
    return None


def _sorted(series: Series) -> Series:
    order = sorted(range(len(series.times)), key=lambda i: series.times[i])
    if order == list(range(len(order))):
        return series
    return Series([series.times[i] for i in order], {k: [v[i] for i in order] for k, v in series.lines.items()}, series.unit)


def single_series(value: Any, value_keys: Iterable[str], name: str) -> Series | None:
    """One line from a container in any of the recognised layouts."""
    value_keys = tuple(value_keys)
    if isinstance(value, Mapping):
        for key in value_keys:
            values = numbers(value.get(key))
            if values is not None:
                times = _time_axis(value, len(values))
                if times is not None:
                    return _sorted(Series(times, {name: values}))
        return None
    if isinstance(value, (list, tuple)) and value:
        if all(isinstance(row, Mapping) for row in value):
            times, values = [], []
            for row in value:
                t = _row_time(row)
                if t is None:
                    continue
                v = _first(row, value_keys)
                n = number(v)
                times.append(t)
                values.append(math.nan if n is None else n)
            series = Series(times, {name: values})
            return _sorted(series) if series else None
        if all(isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
            pairs = [(number(a), number(b)) for a, b in value]
            pairs = [(a, math.nan if b is None else b) for a, b in pairs if a is not None]
            series = Series([a for a, _ in pairs], {name: [b for _, b in pairs]})
            return _sorted(series) if series else None
    return None


def _find(measurements: Mapping, containers: Iterable[str], value_keys: Iterable[str], name: str) -> Series | None:
    value_keys = tuple(value_keys)
    for key in containers:
        value = measurements.get(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            # a nested group such as {"contours": {"f0": {...}, "intensity": {...}}}
            for sub in value_keys:
                if isinstance(value.get(sub), (Mapping, list)) and not numbers(value.get(sub)):
                    found = single_series(value[sub], value_keys, name)
                    if found:
                        return found
        found = single_series(value, value_keys, name)
        if found:
            return found
    # columns at the top level of the measurements themselves
    return single_series(measurements, value_keys, name) if isinstance(measurements, Mapping) else None


# -- expressions -----------------------------------------------------------------------------


def _emotion_name(key: Any) -> str | None:
    return EMOTION_ALIASES.get(key.strip().lower()) if isinstance(key, str) else None


def _probabilities(row: Mapping) -> dict[str, float] | None:
    nested = _first(row, PROB_KEYS)
    source = nested if isinstance(nested, Mapping) else row
    probs = {}
    for key, value in source.items():
        name, n = _emotion_name(key), number(value)
        if name and n is not None:
            probs[name] = n
    if nested is None and isinstance(row.get("expression"), Mapping):
        return _probabilities(row["expression"])
    return probs or None


def expression_series(measurements: Any) -> Series | None:
    """Expression probabilities over time from a face slot's measurements, or None."""
    if not isinstance(measurements, Mapping):
        return None
    for key in EXPRESSION_CONTAINERS:
        value = measurements.get(key)
        series = _expression_from(value)
        if series:
            return series
    return None


def _expression_from(value: Any) -> Series | None:
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, Mapping) for r in value):
        rows = [(t, _probabilities(r)) for r in value if (t := _row_time(r)) is not None]
        names = sorted({n for _, p in rows if p for n in p}, key=_emotion_order)
        if not rows or not names:
            return None
        # a frame without a face has no probabilities: a gap, not a zero
        lines = {n: [(p or {}).get(n, math.nan) if p else math.nan for _, p in rows] for n in names}
        return _sorted(Series([t for t, _ in rows], lines, "probability"))
    if isinstance(value, Mapping):
        nested = _first(value, PROB_KEYS)
        columns = nested if isinstance(nested, Mapping) else value
        lines = {}
        for key, column in columns.items():
            name, values = _emotion_name(key), numbers(column)
            if name and values is not None:
                lines[name] = values
        if not lines:
            return None
        length = len(next(iter(lines.values())))
        if any(len(v) != length for v in lines.values()):
            return None
        times = _time_axis(value, length)
        if times is None:
            return None
        ordered = {n: lines[n] for n in sorted(lines, key=_emotion_order)}
        return _sorted(Series(times, ordered, "probability"))
    return None


def _emotion_order(name: str) -> tuple[int, str]:
    return (BASIC_EMOTIONS.index(name) if name in BASIC_EMOTIONS else len(BASIC_EMOTIONS), name)


def _timed_rows(sources: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Mapping, float]]:
    """(key, row, time) for every row with a time in the lists named by `sources` ((key, value)
    pairs; a value that is not a list, or a row that is not a mapping, is passed over)."""
    for key, value in sources:
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, Mapping) and (t := _row_time(item)) is not None:
                yield key, item, t


def expression_events(measurements: Any) -> list[Event]:
    """Brief expression changes (micro-expression candidates) and peaks, if the face plugin lists them."""
    if not isinstance(measurements, Mapping):
        return []
    events = []
    keys = ("micro_expressions", "micro_expression_candidates", "transients")
    for key, item, t in _timed_rows((key, measurements.get(key)) for key in keys):
        label = _first(item, ("expression", "emotion", "label", "to", "kind", "type"))
        end = number(_first(item, ("end", "end_s", "until")))
        events.append(Event(t, str(label) if label is not None else key.replace("_", " "), end))
    peak = measurements.get("peak")
    if isinstance(peak, Mapping) and (t := _row_time(peak)) is not None:
        events.append(Event(t, f"peak {_first(peak, ('emotion', 'expression', 'label')) or ''}".strip()))
    return sorted(events, key=lambda e: e.time)


# -- prosody ---------------------------------------------------------------------------------


def pitch_series(measurements: Any) -> Series | None:
    """The F0 contour (Hz) from an acoustic slot's measurements, or None."""
    if not isinstance(measurements, Mapping):
        return None
    series = _find(measurements, PITCH_CONTAINERS, PITCH_VALUES, "f0")
    if series:
        series.unit = "Hz"
        # Praat writes 0 for unvoiced frames: a gap, not a pitch of zero
        series.lines["f0"] = [v if v > 0 else math.nan for v in series.lines["f0"]]
        return series if series else None
    return _segment_series(measurements, ("f0_mean_hz", "f0_hz", "f0_mean", "pitch_mean_hz"), "f0", "Hz")


def intensity_series(measurements: Any) -> Series | None:
    """The intensity contour (dB) from an acoustic slot's measurements, or None."""
    if not isinstance(measurements, Mapping):
        return None
    series = _find(measurements, INTENSITY_CONTAINERS, INTENSITY_VALUES, "intensity")
    if series:
        series.unit = "dB"
        values = series.lines["intensity"]
        top = max(finite) if (finite := [v for v in values if math.isfinite(v)]) else 0.0
        # Praat's silent frames sit far below the speech (-80 dB and less): pauses, not levels
        series.lines["intensity"] = [v if v >= top - SILENCE_BELOW_PEAK_DB else math.nan for v in values]
        return series
    return _segment_series(measurements, ("intensity_mean_db", "intensity_db", "energy_mean_db"), "intensity", "dB")


def prosody_events(measurements: Any) -> list[Event]:
    """Pauses (with their ends) and emphasised syllables, if the acoustic plugin lists them."""
    if not isinstance(measurements, Mapping):
        return []
    events = []
    pauses = measurements.get("pauses")
    spans = pauses.get("at") if isinstance(pauses, Mapping) else pauses
    for span in spans if isinstance(spans, list) else []:
        if isinstance(span, (list, tuple)) and len(span) == 2 and (a := number(span[0])) is not None:
            events.append(Event(a, "pause", number(span[1])))
        elif isinstance(span, Mapping) and (a := _row_time(span)) is not None:
            events.append(Event(a, "pause", number(_first(span, ("end", "end_s")))))
    emphasis = measurements.get("emphasis")
    for item in emphasis if isinstance(emphasis, list) else []:
        if isinstance(item, Mapping) and (t := _row_time(item)) is not None:
            events.append(Event(t, "emphasis"))
    return sorted(events, key=lambda e: e.time)


def _segment_series(measurements: Mapping, value_keys: tuple[str, ...], name: str, unit: str) -> Series | None:
    """Per-segment means as a step line: each segment's value held from its start to its end."""
    for key in SEGMENT_CONTAINERS:
        segments = measurements.get(key)
        if not isinstance(segments, list):
            continue
        times, values = [], []
        for seg in segments:
            if not isinstance(seg, Mapping):
                continue
            start = number(_first(seg, ("start", "start_s", "t0", "t")))
            end = number(_first(seg, ("end", "end_s", "t1")))
            value = number(_first(seg, value_keys))
            if start is None or value is None:
                continue
            times += [start, end if end is not None and end > start else start]
            values += [value, value]
            times.append(times[-1])
            values.append(math.nan)  # break the line between segments
        series = Series(times, {name: values}, unit)
        if series:
            return series
    return None


# -- body ------------------------------------------------------------------------------------


def numeric_columns(value: Any, prefer: Iterable[str] = ()) -> Series | None:
    """Every numeric column beside a time axis, in columns or rows layout (booleans are not numbers).

    Columns may be grouped (``{"t": [...], "energy": {"upper_body": [...], ...}}``): a group named in
    `prefer` wins, then the top-level columns, then the first group; the group's name becomes the unit.
    """
    if isinstance(value, Mapping):
        times = None
        for key in TIME_KEYS:
            times = numbers(value.get(key))
            if times is not None:
                break
        if times is None:
            return None

        def columns(mapping: Mapping) -> dict[str, list[float]]:
            return {k: v for k, col in mapping.items()
                    if k not in TIME_KEYS and (v := numbers(col)) is not None and len(v) == len(times)}

        groups = {k: cols for k, g in value.items() if isinstance(g, Mapping) and (cols := columns(g))}
        for name in prefer:
            if name in groups:
                return _sorted(Series(times, groups[name], name))
        top = columns(value)
        if top:
            return _sorted(Series(times, top))
        if groups:
            name, cols = next(iter(groups.items()))
            return _sorted(Series(times, cols, name))
        return None
    if isinstance(value, (list, tuple)) and value and all(isinstance(r, Mapping) for r in value):
        rows = [(t, r) for r in value if (t := _row_time(r)) is not None]
        names = [k for k in (rows[0][1] if rows else {}) if k not in TIME_KEYS and number(rows[0][1][k]) is not None]
        if not names:
            return None
        lines = {k: [number(r.get(k)) if number(r.get(k)) is not None else math.nan for _, r in rows] for k in names}
        return _sorted(Series([t for t, _ in rows], lines))
    return None


def activity_series(measurements: Any) -> Series | None:
    """Gesture / motion activity over time from a body slot: one line per body region (or one line), or None."""
    if not isinstance(measurements, Mapping):
        return None
    for key in ACTIVITY_CONTAINERS:
        value = measurements.get(key)
        if value is None:
            continue
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
            values = numbers(value)  # bare values: the time step sits beside them
            times = _time_axis(measurements, len(values)) if values else None
            if times:
                return Series(times, {"activity": values})
            continue
        found = numeric_columns(value, ACTIVITY_VALUES) or single_series(value, ACTIVITY_VALUES, "activity")
        if found:
            return found
    return None


def body_events(measurements: Any) -> list[Event]:
    """Head nods and shakes and gesture bursts with their times, if the body plugin lists them."""
    if not isinstance(measurements, Mapping):
        return []
    sources = [(key, measurements.get(key)) for key in ("events", "head_events", "gestures", "bursts", "gesture_events")]
    head = measurements.get("head")
    if isinstance(head, Mapping):
        sources += [("gestures", head.get("gestures")), ("events", head.get("events"))]
    events = []
    for key, item, t in _timed_rows(sources):
        label = _first(item, ("kind", "type", "label", "gesture", "event"))
        if label is None:
            label = "burst" if key == "bursts" else key.rstrip("s")
        events.append(Event(t, str(label), number(_first(item, ("end", "end_s")))))
    return sorted(events, key=lambda e: e.time)


# -- transcript ------------------------------------------------------------------------------


def _timed(item: Mapping, text_keys: tuple[str, ...]) -> TimedText | None:
    text = _first(item, text_keys)
    if not isinstance(text, str) or not text.strip():
        return None
    return TimedText(number(_first(item, ("start", "start_s", "t0", "t", "time"))),
                     number(_first(item, ("end", "end_s", "t1"))), text.strip())


def transcript_words(measurements: Any) -> list[TimedText]:
    """Words with their start and end times (top level, or inside segments)."""
    if not isinstance(measurements, Mapping):
        return []
    words = []
    value = measurements.get("words")
    if isinstance(value, list):
        words = [w for item in value if isinstance(item, Mapping) and (w := _timed(item, ("word", "text", "token")))]
    if not words:
        for seg in measurements.get("segments") or []:
            if isinstance(seg, Mapping) and isinstance(seg.get("words"), list):
                words += [w for item in seg["words"] if isinstance(item, Mapping) and (w := _timed(item, ("word", "text")))]
    return words


def transcript_segments(measurements: Any, gap_s: float = 0.8, max_words: int = 14) -> list[TimedText]:
    """Timed lines of the transcript: the plugin's segments, or words grouped at pauses."""
    if not isinstance(measurements, Mapping):
        return []
    segments = []
    for key in ("segments", "utterances", "sentences"):
        value = measurements.get(key)
        if isinstance(value, list):
            segments = [s for item in value if isinstance(item, Mapping) and (s := _timed(item, ("text", "transcript", "sentence")))]
            if segments:
                return segments
    words = transcript_words(measurements)
    lines: list[TimedText] = []
    current: list[TimedText] = []
    for word in words:
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
