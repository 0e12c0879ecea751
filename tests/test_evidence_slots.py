"""The slot models and the timeline contract (saber_agent/evidence_slots.py)."""

import pytest
from pydantic import ValidationError

from saber_agent import evidence, evidence_slots
from saber_agent.evidence_slots import SLOT_NAMES, Evidence, Slot, SlotStatus, Timeline, TimelineEvent


def test_the_evidence_module_still_exports_the_slot_models():
    # the old import path (every plugin, the graph, the UI) reads the same classes and names
    for name in ("SlotName", "SLOT_NAMES", "PERCEPTION_SLOTS", "SLOT_TITLES", "Modality", "SLOT_MODALITY", "BasicEmotion",
                 "BASIC_EMOTIONS", "SlotStatus", "Provenance", "TimelineEvent", "Timeline", "Slot", "Evidence"):
        assert getattr(evidence, name) is getattr(evidence_slots, name)
        assert name in evidence.__all__


def test_evidence_has_the_six_saber_slots_unavailable_by_default():
    evidence = Evidence()
    assert tuple(Evidence.model_fields) == SLOT_NAMES
    assert all(evidence.slot(n).status is SlotStatus.unavailable for n in SLOT_NAMES)
    assert evidence.available() == []


def test_slot_confidence_is_bounded():
    with pytest.raises(ValidationError):
        Slot(text="x", status="ok", confidence=1.5)


# -- the timeline contract -------------------------------------------------------------------


def _voice_timeline():
    return Timeline(
        times_s=[0.05, 0.15, 0.25], step_s=0.1,
        series={"f0_hz": [110.0, None, 120.5], "intensity_db": [70.1, 68.0, 71.0]},
        units={"f0_hz": "Hz", "intensity_db": "dB"},
        events=[TimelineEvent(start_s=0.1, end_s=0.2, label="pause", kind="pause"),
                TimelineEvent(start_s=0.25, label="emphasis", kind="emphasis", value=1.5)],
    )


def test_timeline_round_trips_through_json_losslessly_on_a_slot():
    from saber_agent.evidence import ClipInfo, Result

    slot = Slot(text="x", status="ok", timelines={"prosody": _voice_timeline()})
    again = Slot.model_validate_json(slot.model_dump_json())
    assert again == slot
    assert again.timelines["prosody"].series["f0_hz"][1] is None  # a gap stays a gap
    assert Result(clip=ClipInfo(path="c.mp4"), evidence=Evidence(acoustic_feat=slot)).model_dump(mode="json")[
        "evidence"]["acoustic_feat"]["timelines"]["prosody"]["units"] == {"f0_hz": "Hz", "intensity_db": "dB"}


def test_timeline_nan_is_stored_as_a_gap():
    timeline = Timeline(times_s=[0, 1], series={"happiness": [float("nan"), 0.5]})
    assert timeline.series["happiness"] == [None, 0.5]
    assert timeline and not Timeline(times_s=[0], series={"x": [None]})  # nothing but gaps: nothing to show


@pytest.mark.parametrize("bad", [
    {"times_s": [0, 1], "series": {"x": [1.0]}},  # lengths differ
    {"times_s": [0, 1], "labels": {"top": ["a"]}},  # a label line of another length
    {"times_s": [1, 0.5], "series": {"x": [1.0, 2.0]}},  # times out of order
    {"times_s": [0, float("inf")], "series": {"x": [1.0, 2.0]}},  # not a time
    {"times_s": [0], "series": {"x": [1.0]}, "units": {"y": "Hz"}},  # a unit for no series
    {"times_s": [0], "series": {"x": ["loud"]}},  # not a number
    {"times_s": [0], "step_s": 0},
    {"events": [{"start_s": 2.0, "end_s": 1.0}]},  # a span that ends before it starts
    {"events": [{"start_s": float("nan")}]},
    {"times": [0]},  # a misspelt field is not silently dropped
])
def test_timeline_refuses_what_is_not_one_clock(bad):
    with pytest.raises(ValidationError):
        Timeline.model_validate(bad)


def test_a_transcript_is_a_timeline_of_events_only():
    timeline = Timeline(events=[{"start_s": 0.0, "end_s": 1.2, "label": "Hello there.", "kind": "segment"}])
    assert timeline and timeline.times_s == [] and timeline.events[0].label == "Hello there."
