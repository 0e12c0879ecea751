"""Reading time series out of slot measurements: every layout the plugins use, and garbage."""

import math

import pytest

from saber_agent.ui import series as S


def finite(values):
    return [v for v in values if math.isfinite(v)]


# -- expressions -----------------------------------------------------------------------------


def test_face_plugin_layout_columns_with_nested_probabilities_and_gaps():
    # the face plugin's layout: one time axis, a probability column per class, None where no face
    m = {"timeline": {"t": [0.0, 0.5, 1.0], "top": ["happiness", None, "sadness"],
                      "probabilities": {"happiness": [0.9, None, 0.2], "sadness": [0.05, None, 0.7]}}}
    s = S.expression_series(m)
    assert s.times == [0.0, 0.5, 1.0]
    assert list(s.lines) == ["happiness", "sadness"]  # the evidence model's class order
    assert s.lines["happiness"][0] == 0.9 and math.isnan(s.lines["happiness"][1])
    assert s.unit == "probability"


def test_rows_layout_with_aliases_and_unsorted_times():
    m = {"expression_timeline": [
        {"time": 1.0, "probs": {"happy": 0.2, "angry": 0.8}},
        {"time": 0.0, "probs": {"happy": 0.7, "angry": 0.1}},
        {"time": 0.5},  # no face in this frame
    ]}
    s = S.expression_series(m)
    assert s.times == [0.0, 0.5, 1.0]
    assert s.lines["happiness"][0] == 0.7 and math.isnan(s.lines["happiness"][1]) and s.lines["anger"][2] == 0.8


def test_rows_with_flat_class_columns():
    m = {"timeline": [{"t": 0, "happiness": 0.6, "neutral": 0.4, "face": True}, {"t": 1, "happiness": 0.1, "neutral": 0.9}]}
    assert set(S.expression_series(m).lines) == {"happiness", "neutral"}


@pytest.mark.parametrize("m", [
    None, "text", {}, {"timeline": "no"}, {"timeline": []}, {"timeline": {"t": [0, 1]}},
    {"timeline": {"t": [0, 1], "probabilities": {"happiness": [0.5]}}},  # lengths differ
    {"timeline": {"probabilities": {"happiness": [0.5, 0.6]}}},  # no time axis
    {"timeline": [{"happiness": 0.4}]},  # rows without times
    {"timeline": {"t": [0, 1], "probabilities": {"happiness": [True, False]}}},  # booleans are not probabilities
    {"timeline": {"t": [0, 1], "probabilities": {"happiness": [float("nan"), None]}}},  # nothing finite
])
def test_garbage_gives_no_expression_series(m):
    assert not S.expression_series(m)


def test_expression_events_micro_expressions_and_peak():
    m = {"micro_expressions": [{"start_s": 1.2, "end_s": 1.5, "emotion": "anger"}, {"emotion": "no time"}],
         "peak": {"emotion": "happiness", "probability": 0.99, "t": 0.5}}
    events = S.expression_events(m)
    assert [(e.time, e.label, e.end) for e in events] == [(0.5, "peak happiness", None), (1.2, "anger", 1.5)]


# -- prosody ---------------------------------------------------------------------------------


def test_pitch_contour_columns_zero_is_unvoiced():
    m = {"f0_contour": {"times": [0.0, 0.01, 0.02], "f0_hz": [0.0, 180.0, 190.0]}}
    s = S.pitch_series(m)
    assert math.isnan(s.lines["f0"][0]) and s.lines["f0"][1:] == [180.0, 190.0] and s.unit == "Hz"


def test_pitch_and_intensity_in_one_contours_group():
    m = {"contours": {"f0": {"t": [0, 1], "values": [120, 130]}, "intensity": {"t": [0, 1], "values": [60, 65]}}}
    assert S.pitch_series(m).lines["f0"] == [120, 130]
    assert S.intensity_series(m).lines["intensity"] == [60, 65]


def test_contour_as_columns_shared_by_pitch_and_intensity():
    m = {"contour": {"time_s": [0, 0.5, 1.0], "f0_hz": [100, None, 110], "intensity_db": [55, 60, 58]}}
    assert finite(S.pitch_series(m).lines["f0"]) == [100, 110]
    assert S.intensity_series(m).lines["intensity"] == [55, 60, 58]


def test_pairs_and_step_layouts():
    assert S.pitch_series({"pitch_contour": [[0.0, 100.0], [0.1, 120.0]]}).times == [0.0, 0.1]
    s = S.intensity_series({"intensity_contour": {"intensity_db": [50, 52, 54], "time_step": 0.5, "start": 1.0}})
    assert s.times == [1.0, 1.5, 2.0]


def test_prosody_plugin_layout_binned_contour_silence_is_a_gap():
    # the prosody plugin's layout: 0.1 s bins, None where unvoiced, Praat's -80 dB for silence
    m = {"contour": {"step_s": 0.1, "t": [0.05, 0.15, 0.25], "f0_hz": [108.0, None, 112.5],
                     "intensity_db": [71.0, -80.0, 69.5]}}
    pitch, intensity = S.pitch_series(m), S.intensity_series(m)
    assert pitch.times == [0.05, 0.15, 0.25] and math.isnan(pitch.lines["f0"][1])
    assert intensity.lines["intensity"][0] == 71.0 and math.isnan(intensity.lines["intensity"][1])


def test_prosody_events_pauses_and_emphasis():
    m = {"pauses": {"count": 2, "at": [[1.02, 1.43], [3.41, 3.79]]}, "emphasis": [{"t": 0.25, "by": "pitch"}, {"by": "x"}]}
    assert [(e.time, e.label, e.end) for e in S.prosody_events(m)] == [
        (0.25, "emphasis", None), (1.02, "pause", 1.43), (3.41, "pause", 3.79)]
    assert S.prosody_events({"pauses": "none", "emphasis": 3}) == []


def test_segment_means_become_a_broken_step_line():
    m = {"segments": [{"start": 0.0, "end": 1.0, "f0_mean_hz": 150, "intensity_mean_db": 62},
                      {"start": 1.5, "end": 2.0, "f0_mean_hz": 170}]}
    s = S.pitch_series(m)
    assert finite(s.lines["f0"]) == [150, 150, 170, 170]
    assert S.intensity_series(m).times[:2] == [0.0, 1.0]


def test_global_prosody_numbers_are_not_a_contour():
    # the prosody plugin's summary numbers alone: nothing to plot
    m = {"f0_mean_hz": 106.2, "f0_sd_st": 1.9, "intensity_mean_db": 69.8, "duration_s": 7.7}
    assert S.pitch_series(m) is None and S.intensity_series(m) is None


# -- body ------------------------------------------------------------------------------------


def test_body_plugin_layout_grouped_region_columns():
    m = {"timeline": {"t": [0.26, 0.76], "energy": {"upper_body": [0.2, 1.5], "hands_sides": [0.1, 0.3]},
                      "changed": {"upper_body": [0.0, 0.1], "hands_sides": [0.0, 0.0]}, "head_masked": [True, True]}}
    s = S.activity_series(m)
    assert s.unit == "energy" and set(s.lines) == {"upper_body", "hands_sides"} and s.lines["upper_body"] == [0.2, 1.5]


def test_body_region_columns_at_top_level_skip_booleans():
    m = {"timeline": {"t": [0, 1], "upper_body": [0.2, 0.4], "head_masked": [True, False]}}
    assert list(S.activity_series(m).lines) == ["upper_body"]


def test_activity_rows_and_bare_values():
    assert S.activity_series({"gesture_activity": [{"t": 0, "activity": 0.3}, {"t": 1, "activity": 0.6}]}).lines
    s = S.activity_series({"activity": [0.1, 0.2, 0.3], "hop_s": 0.5})
    assert s.times == [0.0, 0.5, 1.0]
    assert S.activity_series({"activity": [0.1, 0.2]}) is None  # no times: nothing to plot against


def test_body_events_from_head_gestures_and_bursts():
    m = {"head": {"gestures": [{"kind": "nod", "start": 1.0, "end": 1.8}]},
         "bursts": [{"start": 0.4, "end": 0.9, "region": "hands_sides"}]}
    assert [(e.time, e.label, e.end) for e in S.body_events(m)] == [(0.4, "burst", 0.9), (1.0, "nod", 1.8)]


# -- transcript ------------------------------------------------------------------------------


def test_segments_with_times():
    m = {"segments": [{"start": 0.0, "end": 1.2, "text": " Hello there."}, {"start": 1.3, "end": 2.0, "text": ""}]}
    assert [(s.start, s.end, s.text) for s in S.transcript_segments(m)] == [(0.0, 1.2, "Hello there.")]


def test_words_grouped_at_pauses_when_there_are_no_segments():
    words = [{"word": " I", "start": 0.0, "end": 0.2}, {"word": " am", "start": 0.25, "end": 0.4},
             {"word": " glad", "start": 0.45, "end": 0.8}, {"word": ".", "start": 0.8, "end": 0.85},
             {"word": " Really", "start": 2.0, "end": 2.4}]
    lines = S.transcript_segments({"words": words})
    assert [(line.start, line.end, line.text) for line in lines] == [(0.0, 0.85, "I am glad."), (2.0, 2.4, "Really")]


def test_words_inside_segments_and_chinese_without_spaces():
    m = {"segments": [{"start": 0, "end": 1, "text": "你好世界", "words": [{"word": "你好", "start": 0, "end": 0.5},
                                                                       {"word": "世界", "start": 0.5, "end": 1}]}]}
    assert [w.text for w in S.transcript_words(m)] == ["你好", "世界"]
    assert S.transcript_segments({"words": m["segments"][0]["words"]})[0].text == "你好世界"


def test_transcript_garbage():
    assert S.transcript_segments({"segments": "x", "words": [1, 2]}) == []
    assert S.transcript_words(None) == []
