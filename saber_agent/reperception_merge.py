"""Merging a second look into its slot: which look leads, the text, the slot's record of every
look (`measurements["looks"]`), and its timelines, a window's moved onto the clip's clock (seconds)
and spliced into the earlier ones. Moved out of saber_agent/reperception.py, which re-exports
`merge`, `merge_timelines` and `splice`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from saber_agent.evidence import PerceptionRequest, Slot, Timeline


def merge(before: Slot | None, look: Slot, request: PerceptionRequest, fps: float | None) -> tuple[Slot, str]:
    """The slot after a look, and which look it holds ("new" or "previous").

    A look that found nothing never replaces evidence. One over the whole clip replaces the slot when
    it is at least as confident as what the slot holds (the same scope, seen better). One over a
    window was asked for because that moment matters: it always leads, and the slot's text keeps the
    earlier description before it. Either way `measurements["looks"]` keeps every look of the slot
    (scope, status, confidence, text, measurements), and the leading look's measurements stay at
    the top, where its tool's `cues` read them. The slot's `timelines` follow the look it holds; a
    window's are moved onto the clip's clock and spliced into the earlier ones (`merge_timelines`).
    """
    scope = request.scope() + (f", sampled at {fps:g} fps" if fps is not None and fps != request.fps else "")
    note = f"second look: {scope}"
    if look.provenance is not None:
        backend = look.provenance.backend
        look.provenance = look.provenance.model_copy(update={"backend": f"{backend}; {note}" if backend else note})
    had = before is not None and before.ok
    history = list(before.measurements.get("looks") or [_look_entry(before, "first look")]) if before else []
    history.append(_look_entry(look, scope))
    if look.ok and (
        not had or request.windowed or before.confidence is None or look.confidence is None
        or look.confidence >= before.confidence
    ):
        text = look.text
        if request.windowed:  # the slot now leads with part of the clip: say which
            end = f"{request.end_s:g} s" if request.end_s is not None else "the end"
            said = f"Between {request.start_s or 0:g} s and {end}: {text}"
            # a window over everything the slot was based on replaces its text; one that says nothing new
            # is not repeated; only a look at part of the evidence is told after the earlier text
            if not had or _window_holds_all(request, before):
                text = said
            elif _says_nothing_new(before.text, look.text):
                text = before.text
            else:
                text = f"{before.text} {said}"
        timelines = merge_timelines(before.timelines if had else {}, look.timelines, request)
        return look.model_copy(update={
            "text": text, "measurements": {**look.measurements, "looks": history}, "timelines": timelines}), "new"
    if before is None:  # nothing to keep: the slot says what the look could not find
        return look.model_copy(update={
            "measurements": {**look.measurements, "looks": history},
            "timelines": merge_timelines({}, look.timelines, request)}), "new"
    return before.model_copy(update={"measurements": {**before.measurements, "looks": history}}), "previous"


def _evidence_span(m: Mapping[str, Any]) -> tuple[float, float] | None:
    """The first and last second a slot's evidence came from, where its measurements say (speech
    regions, words, phrases), else None."""
    regions = m.get("speech_regions") or (m.get("voice_activity") or {}).get("speech_regions")
    if regions:
        return float(regions[0][0]), float(regions[-1][1])
    for key, start, end in (("words", "start", "end"), ("phrases", "start", "end"), ("segments", "start", "end")):
        items = m.get(key)
        if items and isinstance(items, list) and isinstance(items[0], dict) and start in items[0]:
            return float(items[0][start]), float(items[-1][end])
    return None


def _window_holds_all(request: PerceptionRequest, before: Slot, slack_s: float = 0.3) -> bool:
    span = _evidence_span(before.measurements)
    if span is None:
        return False
    end = request.end_s if request.end_s is not None else math.inf
    return (request.start_s or 0.0) - slack_s <= span[0] and span[1] <= end + slack_s


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _says_nothing_new(before: str, look: str) -> bool:
    """The look's text is already in the slot's, word for word (case and punctuation aside)."""
    new = _words(look)
    return not new or new in _words(before)


def merge_timelines(
    before: Mapping[str, Timeline], look: Mapping[str, Timeline], request: PerceptionRequest
) -> dict[str, Timeline]:
    """The slot's timelines after a kept look. A look over the whole clip replaces them. A look over a
    window ran on the window's clock (its 0 s is the window's start): its timelines move onto the
    clip's clock, and each is spliced into the earlier timeline of the same name, so the slot keeps
    the whole clip with the window's denser samples and events inside it."""
    if not request.windowed:
        return dict(look)
    start = request.start_s or 0.0
    end = request.end_s if request.end_s is not None else float("inf")
    out = dict(before)
    for name, window in look.items():
        moved = _shifted(window, start)
        out[name] = splice(before[name], moved, start, end) if name in before else moved
    return out


def _shifted(timeline: Timeline, offset_s: float) -> Timeline:
    return timeline.model_copy(update={
        "times_s": [t + offset_s for t in timeline.times_s],
        "events": [e.model_copy(update={"start_s": e.start_s + offset_s,
                                        "end_s": None if e.end_s is None else e.end_s + offset_s})
                   for e in timeline.events],
    })


def splice(whole: Timeline, window: Timeline, start_s: float, end_s: float) -> Timeline:
    """`whole` with its samples and events in [start_s, end_s] replaced by `window`'s (both on the
    clip's clock). A series or label line only one of them has is a gap (None) in the other's part."""
    def inside(t: float) -> bool:
        return start_s <= t <= end_s

    rows = [(t, whole, i) for i, t in enumerate(whole.times_s) if not inside(t)]
    rows += [(t, window, i) for i, t in enumerate(window.times_s) if inside(t)]
    rows.sort(key=lambda row: row[0])

    def columns(field: str) -> dict[str, list]:
        names = list(dict.fromkeys([*getattr(whole, field), *getattr(window, field)]))
        return {n: [getattr(src, field)[n][i] if n in getattr(src, field) else None for _, src, i in rows] for n in names}

    series = columns("series")
    return Timeline(
        times_s=[t for t, _, _ in rows], series=series, labels=columns("labels"),
        units={k: v for k, v in {**whole.units, **window.units}.items() if k in series},
        events=sorted([e for e in whole.events if not inside(e.start_s)] + [e for e in window.events if inside(e.start_s)],
                      key=lambda e: e.start_s),
        step_s=whole.step_s if whole.step_s == window.step_s else None,
    )


def _look_entry(slot: Slot, scope: str) -> dict[str, Any]:
    return {
        "scope": scope, "status": slot.status.value, "confidence": slot.confidence, "text": slot.text,
        "reason": slot.reason, "measurements": {k: v for k, v in slot.measurements.items() if k != "looks"},
    }
