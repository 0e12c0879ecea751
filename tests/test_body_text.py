"""The body slot's text (plugins/body_text.py) on hand-made measurements; the text of real clips is tested
through the tool in tests/test_body.py."""

from __future__ import annotations

from saber_agent.plugins import body, body_text
from saber_agent.plugins.body_text import describe, overall_level


def test_the_body_module_still_exports_the_text():
    for name in ("REGION_WORDS", "overall_level", "describe"):
        assert getattr(body, name) is getattr(body_text, name)
        assert name in body.__all__


def _measurements(**head):
    return {
        "regions": {"upper_body": {"level": "slight", "energy_mean": 1.2, "changed_fraction_mean": 0.01},
                    "hands_sides": {"level": "moderate", "energy_mean": 2.5, "changed_fraction_mean": 0.04}},
        "bursts": [{"start": 1.0, "end": 1.5, "region": "hands_sides"}],
        "head": {"tracked": True, "frames_with_face": 0.9, "max_resolvable_hz": 2.0,
                 "gestures": [{"kind": "nod", "start": 0.5, "end": 1.5, "cycles": 1.0}], **head},
        "posture": {"lean": None, "shifts": [], "scale_ratio": 1.0},
        "camera": {"moving": False}, "shot_changes": [], "sample_fps": 8.0,
    }


def test_describe_cites_the_regions_bursts_and_nods():
    m = _measurements()
    assert overall_level(m) == "moderate"  # the most active region's level
    text = describe(m)
    assert text.startswith("The body moves moderately outside the head (optical flow 1.2% of the frame width per second")
    assert "Bursts of gesture at 1.0-1.5 s (the hands and sides)." in text
    assert "The head nods (1 time, 0.5-1.5 s)." in text
    assert "The posture stays steady" in text


def test_an_untracked_head_is_said_not_guessed():
    m = _measurements(tracked=False, reason="no face found")
    text = describe(m)
    assert "There is moderate movement over the whole frame" in text and "Bursts of movement" in text
    assert "The head could not be tracked (no face found), so nods, shakes and lean are not described." in text
    assert "nods (" not in text
