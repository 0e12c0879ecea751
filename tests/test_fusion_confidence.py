"""The fusion answer's stated confidence: the backing of its class, mapped by Platt scaling fitted on EmoFilm dev."""

from __future__ import annotations

import math
import random

import pytest

from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
from saber_agent.plugins.reasoners.fusion import FusionReasoner, vote
from saber_agent.plugins.reasoners.fusion_confidence import PLATT_A, PLATT_B, answer_confidence, backing, stated_confidence
from saber_agent.reasoning import ReasoningRequest
from saber_agent.testing.cue_sweep import cue_set


def _cue(modality, emotion, confidence, valence=-0.5, arousal=0.6):
    return ModalityCue(modality=modality, valence=valence, arousal=arousal, emotion=emotion, confidence=confidence, basis="x")


def _reason(*cues):
    request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.wav"), cues=list(cues))
    return FusionReasoner().reason(request)


def test_backing_is_the_vote_share_of_the_class_times_its_best_confidence():
    cues = {"voice": _cue("voice", "anger", 0.5), "face": _cue("face", "anger", 0.8), "words": _cue("words", "sadness", 0.4)}
    # weights: voice 0.8 * 0.5 = 0.4, face 1.0 * 0.8 = 0.8, words 1.0 * 0.4 = 0.4; anger has 1.2 of 1.6, best confidence 0.8
    assert backing(cues, "anger") == pytest.approx(1.2 / 1.6 * 0.8)
    assert backing(cues, "sadness") == pytest.approx(0.4 / 1.6 * 0.4)
    assert backing(cues, "fear") == 0.0  # no cue names it: a class read from the lean alone
    assert backing({}, "neutral") == 0.0
    # it is the vote's certainty where the vote's class is the answer's
    named, certainty = vote(cues, 0.0)
    assert named == "anger" and backing(cues, named) == pytest.approx(certainty, abs=1e-3)


def test_words_without_an_emotional_word_do_not_vote():
    voice = _cue("voice", "fear", 0.4)
    silent_words = _cue("words", "neutral", 0.25, valence=0.0)
    assert backing({"voice": voice, "words": silent_words}, "fear") == pytest.approx(0.4)
    neutral_finding = _cue("words", "neutral", 0.6, valence=0.0)  # balanced wording is a finding: it votes
    assert backing({"voice": voice, "words": neutral_finding}, "fear") == pytest.approx(0.32 / 0.92 * 0.4)


def test_the_mapping_is_platt_scaling_monotone_and_never_confident_on_what_it_was_fitted_on():
    assert stated_confidence(0.0) == pytest.approx(1 / (1 + math.exp(-PLATT_A)), abs=1e-3)
    assert stated_confidence(1.0) == pytest.approx(1 / (1 + math.exp(-(PLATT_A + PLATT_B))), abs=1e-3)
    grid = [stated_confidence(x / 20) for x in range(21)]
    assert grid == sorted(grid) and grid[0] < grid[-1]
    # the fitted mapping (EmoFilm dev: 39% right, backing tells right from wrong little better than chance) is flat:
    # it states between about 0.36 and 0.53 whatever the backing, so no answer is a confident (>= 0.6) label
    assert 0.33 < grid[0] < 0.40 and 0.45 < grid[-1] < 0.6
    assert stated_confidence(-1.0) == grid[0] and stated_confidence(2.0) == grid[-1]  # clipped to [0, 1]


def test_the_fusion_answer_states_its_confidence():
    strong = _reason(_cue("face", "anger", 0.9), _cue("voice", "anger", 0.8), _cue("words", "anger", 0.9))
    weak = _reason(_cue("voice", "anger", 0.12, valence=-0.1), _cue("words", "neutral", 0.27, valence=0.0, arousal=0.2))
    assert strong.basic_emotion == weak.basic_emotion == "anger"
    assert "uncertain" in weak.emotions and "uncertain" not in strong.emotions
    assert weak.confidence < strong.confidence < 0.6
    assert strong.confidence == answer_confidence({c.modality: c for c in (_cue("face", "anger", 0.9), _cue(
        "voice", "anger", 0.8), _cue("words", "anger", 0.9))}, "anger")
    undetermined = _reason()
    assert undetermined.emotions == ["undetermined"] and undetermined.confidence == stated_confidence(0.0)


def test_every_answer_on_random_realistic_cue_sets_states_a_confidence_in_the_mapping_range():
    rng = random.Random(11)
    low, high = stated_confidence(0.0), stated_confidence(1.0)
    for _ in range(300):
        request = cue_set(rng)
        answer = FusionReasoner().reason(request)
        assert answer.confidence is not None and low <= answer.confidence <= high
