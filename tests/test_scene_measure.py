"""The scene slot's measurements (plugins/scene_measure.py) on made-up pixels and frames; the measurements of
real clips are tested through the tool in tests/test_scene.py."""

from __future__ import annotations

import numpy as np

from saber_agent.plugins import scene, scene_measure
from saber_agent.plugins.scene_measure import COLOUR_NAMES, colour_temperature, name_colours, people_in


def test_the_scene_module_still_exports_the_measurements():
    # the old import path (tests, other modules) reads the same functions and constants
    for name in ("COLOUR_KEYFRAMES", "HOG_KEYFRAMES", "HOG_WIDTH", "HOG_MIN_WEIGHT", "MIN_COLOUR_SHARE", "COLOUR_NAMES",
                 "SCENE_UNITS", "luma", "colour_temperature", "name_colours", "dominant_colours", "motion_energy", "people_in",
                 "measure", "scene_timeline"):
        assert getattr(scene, name) is getattr(scene_measure, name)
        assert name in scene.__all__


def test_colour_names_of_known_colours():
    rgb = np.array([[0, 0, 0], [255, 255, 255], [128, 128, 128], [220, 30, 30],
                    [30, 60, 220], [40, 180, 40], [240, 220, 40], [120, 70, 30]], np.uint8)
    names = [COLOUR_NAMES[i] for i in name_colours(rgb)]
    assert names == ["black", "white", "grey", "red", "blue", "green", "yellow", "brown"]


def test_colour_temperature_of_reference_whites():
    # sRGB white is D65 (about 6500 K); an incandescent-like orange is far warmer
    assert abs(colour_temperature(np.array([255, 255, 255])) - 6500) < 150
    assert colour_temperature(np.array([255, 170, 90])) < 3500


def test_people_in_a_frame_smaller_than_the_detectors_window_is_none_not_a_crash():
    # OpenCV's HOG people detector segfaulted the process on frames under 64x128 (a 64x64 WebM)
    frames = np.full((3, 64, 64, 3), 120, np.uint8)
    found = people_in(frames, np.array([0.0, 0.5, 1.0]))
    assert found["bodies"] == 0 and len(found["keyframes"]) == 3
