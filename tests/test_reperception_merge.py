"""Merging a second look into its slot and timelines (saber_agent/reperception_merge.py), on hand-made slots."""

from __future__ import annotations

from saber_agent import reperception, reperception_merge
from saber_agent.evidence import PerceptionRequest, Slot, Timeline, TimelineEvent
from saber_agent.reperception_merge import merge, merge_timelines


def test_the_reperception_module_still_exports_the_merge():
    # the old import path (take_look, tests/test_field_media.py) reads the same functions
    for name in ("merge", "merge_timelines", "splice"):
        assert getattr(reperception, name) is getattr(reperception_merge, name)
        assert name in reperception.__all__


def test_merge_keeps_both_looks_and_lets_the_right_one_lead():
    before = Slot(text="Clear.", status="ok", confidence=0.9, measurements={"x": 1})
    blurry = Slot(text="Murky.", status="ok", confidence=0.4, measurements={"x": 2})
    slot, kept = merge(before, blurry, PerceptionRequest(tool="t", fps=8), 8.0)
    assert kept == "previous" and slot.text == "Clear." and slot.measurements["x"] == 1  # same scope, seen worse
    moment = Slot(text="A frown.", status="ok", confidence=0.4, measurements={"x": 3})
    slot, kept = merge(slot, moment, PerceptionRequest(tool="t", start_s=1, end_s=2), None)
    assert kept == "new" and slot.text == "Clear. Between 1 s and 2 s: A frown." and slot.measurements["x"] == 3
    nothing = Slot.unavailable("no face")
    slot, kept = merge(slot, nothing, PerceptionRequest(tool="t", start_s=3), None)
    assert kept == "previous" and slot.measurements["x"] == 3
    scopes = [(look["scope"], look["measurements"].get("x")) for look in slot.measurements["looks"]]
    assert scopes == [("first look", 1), ("the whole clip at 8 fps", 2), ("1-2 s", 3), ("3-end s", None)]
    alone, kept = merge(None, nothing, PerceptionRequest(tool="t"), None)
    assert kept == "new" and alone.reason == "no face"


def _timeline(times, values, events=()):
    return Timeline(times_s=times, series={"x": values}, units={"x": "u"}, step_s=0.5,
                    events=[TimelineEvent(start_s=t, label=label, kind="k") for t, label in events])


def test_a_window_look_is_spliced_into_the_timeline_on_the_clips_clock():
    whole = _timeline([0.0, 0.5, 1.0, 1.5, 2.0, 2.5], [1, 1, 1, 1, 1, 1], [(0.2, "early"), (1.2, "old")])
    dense = Timeline(times_s=[0.0, 0.25, 0.5], series={"x": [5, 6, 7], "y": [9, 9, 9]}, units={"y": "v"},
                     events=[TimelineEvent(start_s=0.3, end_s=0.4, label="new", kind="k")])
    merged = merge_timelines({"t": whole}, {"t": dense}, PerceptionRequest(tool="t", start_s=1.0, end_s=1.5))["t"]
    assert merged.times_s == [0.0, 0.5, 1.0, 1.25, 1.5, 2.0, 2.5]  # the window's samples, moved by its 1 s start
    assert merged.series == {"x": [1, 1, 5, 6, 7, 1, 1], "y": [None, None, 9, 9, 9, None, None]}
    assert merged.units == {"x": "u", "y": "v"} and merged.step_s is None  # two sampling steps now
    assert [(e.start_s, e.end_s, e.label) for e in merged.events] == [(0.2, None, "early"), (1.3, 1.4, "new")]
    # a look over the whole clip replaces the timeline; one that found nothing keeps the slot's
    assert merge_timelines({"t": whole}, {"t": dense}, PerceptionRequest(tool="t", fps=8)) == {"t": dense}
    before = Slot(text="a", status="ok", confidence=0.9, timelines={"t": whole})
    slot, kept = merge(before, Slot.unavailable("none"), PerceptionRequest(tool="t", start_s=1), None)
    assert kept == "previous" and slot.timelines == {"t": whole}
    slot, kept = merge(before, Slot(text="b", status="ok", timelines={"t": dense}), PerceptionRequest(tool="t", start_s=2), None)
    assert kept == "new" and slot.timelines["t"].times_s == [0.0, 0.5, 1.0, 1.5, 2.0, 2.25, 2.5]

