"""The scene slot's text (plugins/scene_text.py) on hand-made measurements; the text of real clips is tested
through the tool in tests/test_scene.py and tests/test_picture_area.py."""

from __future__ import annotations

from saber_agent.plugins import scene, scene_text
from saber_agent.plugins.scene_text import describe, motion_words


def test_the_scene_module_still_exports_the_text():
    for name in ("brightness_words", "contrast_words", "temperature_words", "motion_words", "describe"):
        assert getattr(scene, name) is getattr(scene_text, name)
        assert name in scene.__all__


def _measurements(**changes):
    m = {
        "n_frames": 8, "bars": {},
        "lighting": {"brightness_mean": 40.0, "contrast_rms": 70.0, "colour_temperature_k": 3200.0, "shadows_clipped": 0.2,
                     "highlights_clipped": 0.0, "saturation_mean": 0.1},
        "dominant_colours": [{"name": "black", "share": 0.6}, {"name": "brown", "share": 0.3}],
        "motion": {"energy_mean": 0.02, "picture_static": False},
        "shot_changes": [{"t": 2.0}], "shots": [{}, {}],
        "faces": {"max": 1, "frames_with_face": 0.75}, "people": {"bodies": 0},
    }
    return {**m, **changes}


def test_describe_cites_every_measurement():
    text = describe(_measurements())
    assert text.startswith("The scene is very dark (mean brightness 40/255) and high-contrast (RMS contrast 70), "
                           "with a warm, orange cast (about 3200 K).")
    assert "20% of the picture is crushed to black." in text
    assert "Its colours are muted, dominated by black (60%) and brown (30%)." in text
    assert "There is moderate motion in the picture (frame-difference energy 0.020)." in text
    assert "The clip has 2 shots, with a cut at 2.0 s." in text
    assert text.endswith("One face is visible (75% of frames).")


def test_a_static_picture_and_one_frame_are_said_not_guessed():
    assert motion_words(0.02, static=True) == "The picture is static (frame-difference energy 0.020)."
    assert motion_words(None) == "Motion cannot be measured from a single frame."
    text = describe(_measurements(n_frames=1, faces=None))
    assert "Only one frame was available, so motion and shot changes cannot be measured." in text
    assert "Faces could not be counted (no face tracker)." in text and "cut" not in text


def test_a_photo_is_named_as_the_face_tool_names_it_with_no_share_of_frames():
    """A photo (`still_image`): 'a photo (one still image)', faces 'in the photo', as the face tool says (face_summary.describe_photo);
    no '100% of frames' and no 'at once'; counts in their noun's number ('1 full-body figure', not 'figure(s)')."""
    one = describe(_measurements(n_frames=1, still_image=True, faces={"max": 1, "frames_with_face": 1.0},
                                 people={"bodies": 1}))
    assert "It is a photo (one still image): nothing in it moves and it has no shot changes." in one
    assert one.endswith("One face is visible in the photo; a pedestrian detector finds 1 full-body figure.")
    assert "% of frames" not in one and "(s)" not in one
    two = describe(_measurements(n_frames=1, still_image=True, faces={"max": 2, "frames_with_face": 1.0}, people={"bodies": 2}))
    assert two.endswith("2 faces are visible in the photo; a pedestrian detector finds 2 full-body figures.")
    assert "at once" not in two
