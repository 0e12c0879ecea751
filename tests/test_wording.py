"""The shared wording (saber_agent/wording.py): a count's noun in its number, and what a picture tool looked at."""

from saber_agent.plugins import face_live, face_upright
from saber_agent.plugins.pose import _frames_read
from saber_agent.wording import ONE_STILL_IMAGE, counted, looked_at, noun


def test_one_is_singular_and_every_other_count_plural():
    assert [counted(n, "frame") for n in (0, 1, 2)] == ["0 frames", "1 frame", "2 frames"]
    assert noun(1, "sampled frame") == "sampled frame" and noun(3, "sampled frame") == "sampled frames"
    assert counted(2, "person", "people") == "2 people" and counted(1, "person", "people") == "1 person"


def test_a_photo_is_the_one_still_image_and_a_video_its_sampled_frames():
    assert looked_at(1, True) == ONE_STILL_IMAGE == "the one still image"
    assert looked_at(1, False) == "1 sampled frame" and looked_at(12, False) == "12 sampled frames"


def test_the_tools_sentences_use_it():
    """The six hand-written 'frame{s}' choices now read through `counted`/`noun`: '1 frame', never '1 frames'."""
    assert _frames_read({"frames_with_person": 1, "n_frames": 1}) == "1 of 1 frame read"
    assert _frames_read({"frames_with_person": 2, "n_frames": 6}) == "2 of 6 frames read"
    upright = {"roll_deg": 90.0, "turned_deg": 90.0, "frames": 1}
    assert "(by 90 degrees, 1 frame)." in face_upright.sentence(upright)
    assert "(by 90 degrees)." in face_upright.sentence(upright, still_image=True)  # a photo: no count of frames
    mouth = {"hidden": True, "frames_hidden": 1, "frames_read": 1}
    assert "covered by a flat patch in 1 of 1 frame read," in face_live.sentences(None, mouth)
    photo = face_live.sentences(None, mouth, still_image=True)
    assert "covered by a flat patch in the photo, so the expression" in photo and "frame" not in photo
