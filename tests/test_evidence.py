import pytest
from pydantic import ValidationError

from saber_agent.evidence import (
    SLOT_NAMES,
    Analysis,
    ClipInfo,
    Evidence,
    Result,
    Slot,
    SlotStatus,
    result_json_schema,
    valence_label,
)


def test_evidence_has_the_six_saber_slots_unavailable_by_default():
    evidence = Evidence()
    assert tuple(Evidence.model_fields) == SLOT_NAMES
    assert all(evidence.slot(n).status is SlotStatus.unavailable for n in SLOT_NAMES)
    assert evidence.available() == []


def test_slot_confidence_is_bounded():
    with pytest.raises(ValidationError):
        Slot(text="x", status="ok", confidence=1.5)


def test_valence_labels():
    assert valence_label(0.5) == "positive"
    assert valence_label(-0.5) == "negative"
    assert valence_label(0.05) == "neutral"


def test_analysis_normalises_emotion_labels():
    assert Analysis(emotions=[" Happy ", "", "JOY"]).emotions == ["happy", "joy"]


def test_result_schema_names_every_part():
    schema = result_json_schema()
    assert {"clip", "evidence", "analysis", "checks", "conflicts", "cues", "rounds"} <= set(schema["properties"])


def test_result_saber_record_has_exact_keys():
    result = Result(clip=ClipInfo(path="x"), evidence=Evidence(video_desc=Slot(text="a room", status="ok")))
    record = result.saber()
    assert set(record) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    assert set(record["audio_desc"]) == {"speech_content", "acoustic_feat"}
    assert record["video_desc"] == "a room"


# -- the timeline contract -------------------------------------------------------------------


def _voice_timeline():
    from saber_agent.evidence import Timeline, TimelineEvent

    return Timeline(
        times_s=[0.05, 0.15, 0.25], step_s=0.1,
        series={"f0_hz": [110.0, None, 120.5], "intensity_db": [70.1, 68.0, 71.0]},
        units={"f0_hz": "Hz", "intensity_db": "dB"},
        events=[TimelineEvent(start_s=0.1, end_s=0.2, label="pause", kind="pause"),
                TimelineEvent(start_s=0.25, label="emphasis", kind="emphasis", value=1.5)],
    )


def test_timeline_round_trips_through_json_losslessly_on_a_slot():
    slot = Slot(text="x", status="ok", timelines={"prosody": _voice_timeline()})
    again = Slot.model_validate_json(slot.model_dump_json())
    assert again == slot
    assert again.timelines["prosody"].series["f0_hz"][1] is None  # a gap stays a gap
    assert Result(clip=ClipInfo(path="c.mp4"), evidence=Evidence(acoustic_feat=slot)).model_dump(mode="json")[
        "evidence"]["acoustic_feat"]["timelines"]["prosody"]["units"] == {"f0_hz": "Hz", "intensity_db": "dB"}


def test_timeline_nan_is_stored_as_a_gap():
    from saber_agent.evidence import Timeline

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
    from saber_agent.evidence import Timeline

    with pytest.raises(ValidationError):
        Timeline.model_validate(bad)


def test_a_transcript_is_a_timeline_of_events_only():
    from saber_agent.evidence import Timeline

    timeline = Timeline(events=[{"start_s": 0.0, "end_s": 1.2, "label": "Hello there.", "kind": "segment"}])
    assert timeline and timeline.times_s == [] and timeline.events[0].label == "Hello there."
