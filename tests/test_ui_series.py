"""Reading the page's time series out of `Slot.timelines`: the one format, its JSON form, and garbage."""

import math

import pytest

from saber_agent.evidence import Slot, Timeline, TimelineEvent
from saber_agent.ui import series as S


def finite(values):
    return [v for v in values if math.isfinite(v)]


EXPRESSION = Timeline(
    times_s=[0.0, 0.5, 1.0],
    series={"sadness": [0.05, None, 0.7], "happiness": [0.9, None, 0.2]},
    units={"sadness": "probability", "happiness": "probability"},
    labels={"top": ["happiness", None, "sadness"]},
    events=[TimelineEvent(start_s=1.2, end_s=1.5, label="anger", kind="micro_expression"),
            TimelineEvent(start_s=0.5, label="peak happiness", kind="peak", value=0.99)],
)


# -- expressions -----------------------------------------------------------------------------


def test_expression_lines_in_class_order_with_gaps():
    s = S.expression_series({"expression": EXPRESSION})
    assert s.times == [0.0, 0.5, 1.0] and s.unit == "probability"
    assert list(s.lines) == ["happiness", "sadness"]  # the evidence model's class order, not the plugin's
    assert s.lines["happiness"][0] == 0.9 and math.isnan(s.lines["happiness"][1])


def test_a_third_party_spelling_of_a_class_gets_the_models_name():
    tl = Timeline(times_s=[0, 1], series={"Happy": [0.7, 0.2], "angry": [0.1, 0.8], "valence": [0.5, -0.5]})
    assert list(S.expression_series({"expression": tl}).lines) == ["anger", "happiness"]  # not a class: not drawn


def test_the_json_form_of_a_slot_reads_the_same():
    slot = Slot(status="ok", timelines={"expression": EXPRESSION})
    as_json = slot.model_dump(mode="json")["timelines"]
    assert S.expression_series(as_json) == S.expression_series(slot.timelines)


def test_expression_events_micro_expressions_and_peak_in_time_order():
    events = S.expression_events({"expression": EXPRESSION})
    assert [(e.time, e.label, e.end) for e in events] == [(0.5, "peak happiness", None), (1.2, "anger", 1.5)]


@pytest.mark.parametrize("timelines", [
    None, "text", {}, {"expression": "no"}, {"expression": {"times_s": [0, 1], "series": {"happiness": [0.5]}}},
    {"expression": {"times_s": [1, 0], "series": {"happiness": [0.5, 0.6]}}},  # out of order
    {"expression": Timeline(times_s=[0, 1], series={"happiness": [None, float("nan")]})},  # nothing finite
    {"expression": Timeline(times_s=[0, 1], series={"valence": [0.1, 0.2]})},  # no class
    {"prosody": EXPRESSION},  # another kind's name
])
def test_garbage_gives_no_expression_series(timelines):
    assert not S.expression_series(timelines)
    assert S.expression_events(timelines) == []


# -- prosody ---------------------------------------------------------------------------------

PROSODY = Timeline(
    times_s=[0.05, 0.15, 0.25], step_s=0.1,
    series={"f0_hz": [108.0, None, 0.0], "intensity_db": [71.0, -80.0, 69.5]},
    units={"f0_hz": "Hz", "intensity_db": "dB"},
    events=[TimelineEvent(start_s=1.02, end_s=1.43, label="pause", kind="pause"),
            TimelineEvent(start_s=0.25, label="stress", kind="emphasis"), TimelineEvent(start_s=0.3, kind="breath")],
)


def test_pitch_unvoiced_and_zero_are_gaps_and_silence_is_a_gap_in_intensity():
    pitch, intensity = S.pitch_series({"prosody": PROSODY}), S.intensity_series({"prosody": PROSODY})
    assert pitch.times == [0.05, 0.15, 0.25] and pitch.unit == "Hz" and finite(pitch.lines["f0"]) == [108.0]
    assert intensity.unit == "dB" and intensity.lines["intensity"][0] == 71.0 and math.isnan(intensity.lines["intensity"][1])


def test_prosody_events_are_pauses_and_emphasis_by_kind():
    assert [(e.time, e.label, e.end) for e in S.prosody_events({"prosody": PROSODY})] == [
        (0.25, "emphasis", None), (1.02, "pause", 1.43)]


def test_a_timeline_with_only_one_contour():
    only_pitch = {"prosody": Timeline(times_s=[0, 1], series={"f0_hz": [100.0, 120.0]})}
    assert S.pitch_series(only_pitch).lines["f0"] == [100.0, 120.0] and S.intensity_series(only_pitch) is None
    assert S.pitch_series({"prosody": Timeline(times_s=[0], series={"f0_hz": [0.0]})}) is None  # unvoiced throughout


# -- body ------------------------------------------------------------------------------------


def test_activity_a_line_per_region_with_their_shared_unit_and_events():
    tl = Timeline(times_s=[0.26, 0.76], series={"upper_body": [0.2, 1.5], "hands_sides": [0.1, None]},
                  units={"upper_body": "mean optical flow", "hands_sides": "mean optical flow"},
                  events=[TimelineEvent(start_s=1.0, end_s=1.8, label="nod", kind="nod"),
                          TimelineEvent(start_s=0.4, end_s=0.9, label="burst", kind="burst")])
    s = S.activity_series({"activity": tl})
    assert s.unit == "mean optical flow" and list(s.lines) == ["upper_body", "hands_sides"]
    assert [(e.time, e.label, e.end) for e in S.body_events({"activity": tl})] == [(0.4, "burst", 0.9), (1.0, "nod", 1.8)]
    mixed = tl.model_copy(update={"units": {"upper_body": "px"}})
    assert S.activity_series({"activity": mixed}).unit == ""  # no one unit to name


# -- transcript ------------------------------------------------------------------------------


def transcript(*events):
    return {"transcript": Timeline(events=[TimelineEvent(**e) for e in events])}


def test_segments_with_times_and_empty_ones_dropped():
    t = transcript({"start_s": 0.0, "end_s": 1.2, "label": " Hello there.", "kind": "segment"},
                   {"start_s": 1.3, "end_s": 2.0, "label": " ", "kind": "segment"},
                   {"start_s": 1.5, "end_s": 1.9, "label": "laughter", "kind": "sound"})
    assert [(s.start, s.end, s.text) for s in S.transcript_segments(t)] == [(0.0, 1.2, "Hello there.")]
    assert [(e.start, e.text) for e in S.sound_events(t)] == [(1.5, "laughter")]


def test_words_grouped_at_pauses_when_there_are_no_segments():
    words = [("I", 0.0, 0.2), ("am", 0.25, 0.4), ("glad", 0.45, 0.8), (".", 0.8, 0.85), ("Really", 2.0, 2.4)]
    t = transcript(*({"start_s": a, "end_s": b, "label": w, "kind": "word"} for w, a, b in words))
    lines = S.transcript_segments(t)
    assert [(line.start, line.end, line.text) for line in lines] == [(0.0, 0.85, "I am glad."), (2.0, 2.4, "Really")]


def test_chinese_words_join_without_spaces():
    t = transcript({"start_s": 0, "end_s": 0.5, "label": "你好", "kind": "word"},
                   {"start_s": 0.5, "end_s": 1, "label": "世界", "kind": "word"})
    assert [w.text for w in S.transcript_words(t)] == ["你好", "世界"]
    assert S.transcript_segments(t)[0].text == "你好世界"


def test_transcript_garbage():
    assert S.transcript_segments({"transcript": "x"}) == [] and S.transcript_words(None) == []
    assert S.transcript_segments({"transcript": {"events": [{"start_s": 2, "end_s": 1}]}}) == []
