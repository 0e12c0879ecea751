"""The body slot's head measurements (plugins/body_measure.py) on made-up signals; the measurements on real
clips are tested through the tool in tests/test_body.py."""

from __future__ import annotations

import numpy as np

from saber_agent.plugins import body, body_measure


def test_the_body_module_still_exports_the_measurements():
    # the old import path (tests, other modules) reads the same functions and constants
    for name in ("SWING", "SWING_GAP_S", "DOMINANCE", "LEAN", "SHIFT", "swings", "episodes", "amplitude", "head_gestures",
                 "fill_gaps", "posture", "measure", "body_timelines"):
        assert getattr(body, name) is getattr(body_measure, name)
        assert name in body.__all__


def test_swings_ignore_jitter_below_the_threshold():
    t = np.arange(0, 4, 1 / 6)
    jitter = np.random.default_rng(0).normal(0, 0.015, t.size)
    assert body_measure.swings(jitter, t, body_measure.SWING) == []
    wave = 0.15 * np.sin(2 * np.pi * t) + jitter
    moves = body_measure.swings(wave, t, body_measure.SWING)
    assert len(moves) >= 6 and len(body_measure.episodes(moves)) == 1
