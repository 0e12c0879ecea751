"""Calibration scores of stated confidences: ECE, top-label Brier, confident wrong, uncertain vs certain (by hand)."""

from __future__ import annotations

import json
import random

import pytest

from saber_agent.eval.calibration import (
    answer_of,
    calibration,
    expected_calibration_error,
    reliability_bins,
    render_calibration,
    top_label_brier,
)

# four answers at 0.9 (three right), two at 0.2 (one right); the two at 0.2 are marked uncertain
CONF = [0.9, 0.9, 0.9, 0.9, 0.2, 0.2]
RIGHT = [True, True, True, False, False, True]
MARKED = [False, False, False, False, True, True]


def test_ece_and_brier_of_hand_made_answers():
    # bin (0.8, 0.9]: 4 answers, accuracy 0.75, confidence 0.9 -> 0.15; bin (0.1, 0.2]: 2, accuracy 0.5, 0.2 -> 0.3
    assert expected_calibration_error(CONF, RIGHT) == pytest.approx(4 / 6 * 0.15 + 2 / 6 * 0.3)  # 0.2
    # (3 * 0.1^2 + 0.9^2 + 0.2^2 + 0.8^2) / 6
    assert top_label_brier(CONF, RIGHT) == pytest.approx(1.52 / 6)
    bins = reliability_bins(CONF, RIGHT)
    assert [(b.lower, b.upper, b.n) for b in bins] == [(0.1, 0.2, 2), (0.8, 0.9, 4)]
    assert [b.accuracy for b in bins] == [0.5, 0.75] and bins[1].mean_confidence == pytest.approx(0.9)


def test_a_confidence_equal_to_the_accuracy_is_calibrated_and_an_overconfident_one_is_not():
    right = [True, False, True, False]
    assert expected_calibration_error([0.5] * 4, right) == pytest.approx(0.0)
    assert top_label_brier([0.5] * 4, right) == pytest.approx(0.25)
    assert expected_calibration_error([1.0] * 4, right) == pytest.approx(0.5)
    assert top_label_brier([1.0] * 4, right) == pytest.approx(0.5)
    assert expected_calibration_error([0.9] * 4, [True] * 4) == pytest.approx(0.1)  # underconfident by 0.1


def test_bins_are_right_closed_as_sklearn_calibration_curve_bins():
    # 0.1 belongs to the first bin [0, 0.1], 0.3 to (0.2, 0.3], 0 to the first, 1 to the last
    bins = reliability_bins([0.0, 0.1, 0.3, 1.0], [True, False, True, True])
    assert [(b.lower, b.upper, b.n) for b in bins] == [(0.0, 0.1, 2), (0.2, 0.3, 1), (0.9, 1.0, 1)]
    assert len(reliability_bins([0.25, 0.75], [1, 0], n_bins=2)) == 2


def test_ece_matches_a_plain_computation_on_random_answers():
    rng = random.Random(7)
    conf = [rng.random() for _ in range(500)]
    right = [rng.random() < c ** 2 for c in conf]  # overconfident on purpose
    by_bin: dict[int, list[tuple[float, bool]]] = {}
    for c, r in zip(conf, right, strict=True):
        by_bin.setdefault(max(0, min(9, int(-(-c * 10 // 1)) - 1)), []).append((c, r))  # ceil(10c) - 1: right-closed
    plain = sum(len(v) / 500 * abs(sum(r for _, r in v) / len(v) - sum(c for c, _ in v) / len(v)) for v in by_bin.values())
    assert expected_calibration_error(conf, right) == pytest.approx(plain)
    assert expected_calibration_error(conf, right) > 0.1


def test_the_report_counts_confident_wrong_and_the_uncertain_mark():
    report = calibration(CONF, RIGHT, MARKED)
    assert report.n == 6 and report.unstated == 0
    assert report.ece == pytest.approx(0.2) and report.brier == pytest.approx(1.52 / 6)
    assert report.wrong == 2 and report.confident_wrong == 1 and report.confident_wrong_share == pytest.approx(0.5)
    assert (report.uncertain.n, report.uncertain.accuracy) == (2, 0.5)
    assert (report.certain.n, report.certain.accuracy) == (4, 0.75)
    assert report.accuracy == pytest.approx(4 / 6) and report.mean_confidence == pytest.approx(4.0 / 6)
    # 0.6 itself is confident; an answer without a stated confidence counts only in the uncertain/certain split
    edge = calibration([0.6, 0.59, None], [False, False, False], [False, True, True])
    assert edge.confident_wrong == 1 and edge.wrong == 2 and edge.unstated == 1 and edge.n == 2
    assert edge.uncertain.n == 2 and edge.certain.n == 1
    json.dumps(report.to_dict())  # plain data for --json


def test_bad_input_is_a_clear_error_and_no_answer_is_no_report():
    assert calibration([], []) is None
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration([1.5], [True])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error([float("nan")], [True])
    with pytest.raises(ValueError, match="one entry per answer"):
        calibration([0.5, 0.5], [True])
    nothing_stated = calibration([None, None], [True, False], [True, False])
    assert nothing_stated.n == 0 and nothing_stated.ece is None and nothing_stated.brier is None
    assert nothing_stated.uncertain.accuracy == 1.0 and "ECE (10 equal-width bins) -" in render_calibration(nothing_stated)


def test_render_and_answer_of():
    text = render_calibration(calibration(CONF, RIGHT, MARKED))
    assert "ECE (10 equal-width bins) 0.200" in text and "top-label Brier 0.253" in text
    assert "confident wrong (wrong answers with confidence >= 0.6): 1/2 = 0.500" in text
    assert "marked uncertain: 2 answer(s), accuracy 0.500; not marked: 4, accuracy 0.750" in text
    assert "confidence (0.8, 0.9]:    4 answer(s), mean confidence 0.900, accuracy 0.750" in text
    assert render_calibration(calibration(CONF, RIGHT).to_dict()) == render_calibration(calibration(CONF, RIGHT))
    line = {"prediction": {"basic_emotion": "anger", "emotions": ["angry", "uncertain"], "confidence": 0.31}}
    assert answer_of(line) == ("anger", 0.31, True)
    assert answer_of({"prediction": {"basic_emotion": "fear", "emotions": ["afraid"]}}) == ("fear", None, False)


def test_fit_platt_recovers_a_known_logistic_mapping():
    from saber_agent.eval.calibration import fit_platt, platt

    rng = random.Random(5)
    scores = [rng.random() for _ in range(4000)]
    right = [rng.random() < platt(s, -1.0, 2.0) for s in scores]
    a, b = fit_platt(scores, right)
    assert a == pytest.approx(-1.0, abs=0.2) and b == pytest.approx(2.0, abs=0.35)
    assert expected_calibration_error([platt(s, a, b) for s in scores], right) < 0.04
    with pytest.raises(ValueError, match="both right and wrong"):
        fit_platt([0.1, 0.2], [True, True])
