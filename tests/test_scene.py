"""The scene plugin on real clips built from scikit-image photographs (encoded with ffmpeg)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from skimage import data

from saber_agent.api import analyze
from saber_agent.evidence import SlotStatus
from saber_agent.media import DecodeSettings, decode
from saber_agent.plugins import scene, scene_caption
from saber_agent.plugins.scene import SceneTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import fit, portrait, write_frames

FPS = 25


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Clips whose content is known: a cut at 2.0 s, dark/bright, warm/cool, a pan, a portrait."""
    import cv2

    root = tmp_path_factory.mktemp("scene")
    coffee, cat = fit(data.coffee()), fit(data.chelsea())
    photo = fit(data.astronaut()).astype(np.float64)
    big = cv2.resize(data.astronaut(), (1000, 1000), interpolation=cv2.INTER_AREA)
    face, _ = portrait()
    still = lambda image, seconds=2.0: [image.astype(np.uint8)] * int(seconds * FPS)  # noqa: E731
    return {
        "cut": write_frames(root / "cut.mp4", still(coffee) + still(cat)),
        "dark": write_frames(root / "dark.mp4", still(photo * 0.22)),
        "bright": write_frames(root / "bright.mp4", still(255 - (255 - photo) * 0.35)),
        "warm": write_frames(root / "warm.mp4", still(photo * [1.0, 0.8, 0.5])),
        "cool": write_frames(root / "cool.mp4", still(photo * [0.5, 0.8, 1.0])),
        "pan": write_frames(root / "pan.mp4", [big[300:660, 8 * i:8 * i + 640] for i in range(45)]),
        "static": write_frames(root / "static.mp4", still(big[300:660, 0:640], 1.8)),
        "portrait": write_frames(root / "portrait.mp4", still(face)),
    }


def perceive(path, **options) -> scene.Slot:
    settings = AnalysisSettings(tool_options={"scene": options} if options else {})
    return SceneTool().perceive(decode(path, DecodeSettings(fps=2)), settings)


def test_a_cut_between_two_stills_is_found_at_its_time(clips):
    slot = perceive(clips["cut"])
    assert slot.ok
    changes = slot.measurements["shot_changes"]
    assert len(changes) == 1, changes
    # frames are sampled every 0.5 s: the cut at 2.0 s lies between the two frames that straddle it
    assert changes[0]["after_t"] < 2.0 <= changes[0]["t"] + 0.05 and changes[0]["t"] - changes[0]["after_t"] < 0.6
    assert [s["colour"] is not None for s in slot.measurements["shots"]] == [True, True]
    assert "2 shots, with a cut at 2.0 s" in slot.text


def test_stills_are_one_shot_without_motion(clips):
    slot = perceive(clips["static"])
    assert slot.measurements["shot_changes"] == []
    assert slot.measurements["motion"]["changed_fraction_mean"] < 0.005
    assert "single continuous shot" in slot.text and "static" in slot.text


def test_brightness_follows_a_dark_and_a_bright_clip(clips):
    dark, bright = perceive(clips["dark"]), perceive(clips["bright"])
    d, b = dark.measurements["lighting"], bright.measurements["lighting"]
    assert d["brightness_mean"] < 50 < 180 < b["brightness_mean"]
    assert "very dark" in dark.text and "bright" in bright.text and "dark" not in bright.text
    assert dark.measurements["dominant_colours"][0]["name"] == "black"
    assert bright.measurements["dominant_colours"][0]["name"] in ("white", "light grey")


def test_colour_temperature_and_names_follow_a_warm_and_a_cool_tint(clips):
    warm, cool = perceive(clips["warm"]), perceive(clips["cool"])
    kw, kc = warm.measurements["lighting"]["colour_temperature_k"], cool.measurements["lighting"]["colour_temperature_k"]
    assert kw < 4000 < 8000 < kc
    assert "warm" in warm.text and "cool" in cool.text
    warm_names = {c["name"] for c in warm.measurements["dominant_colours"]}
    cool_names = {c["name"] for c in cool.measurements["dominant_colours"]}
    assert warm_names & {"orange", "brown"} and not warm_names & {"blue", "navy"}
    assert cool_names & {"blue", "navy", "light blue"} and not cool_names & {"orange"}


def test_a_pan_has_more_motion_than_a_still(clips):
    pan, still = perceive(clips["pan"]), perceive(clips["static"])
    assert pan.measurements["motion"]["energy_mean"] > 20 * max(still.measurements["motion"]["energy_mean"], 1e-4)
    assert pan.measurements["motion"]["changed_fraction_mean"] > 0.3
    assert "strong motion" in pan.text
    assert pan.measurements["shot_changes"] == []  # a pan is not a cut


def test_a_small_movement_in_a_still_scene_is_little_motion_and_a_cut_between_stills_is_static(clips, tmp_path):
    """The scene's former 'static' rule (frame-difference energy < 0.004) called this clip static; the clip's one
    still-picture decision (saber_agent/picture_change.py) sees a 24x8 pixel mouth open and close."""
    photo = fit(data.astronaut())
    opened = photo.copy()
    opened[200:208, 308:332] = 20
    slot = perceive(write_frames(tmp_path / "mouth.mp4", ([photo] * FPS + [opened] * FPS) * 2))
    motion = slot.measurements["motion"]
    assert motion["energy_mean"] < 0.004 and motion["picture_static"] is False
    assert "little motion" in slot.text and "static" not in slot.text
    cut = perceive(clips["cut"])  # two stills: the cut is not motion within a shot
    assert cut.measurements["motion"]["picture_static"] is True and "static" in cut.text

def test_faces_and_people_are_counted(clips):
    portrait_slot, coffee_slot = perceive(clips["portrait"]), perceive(clips["cut"])
    assert portrait_slot.measurements["faces"]["max"] == 1
    assert portrait_slot.measurements["people"]["estimate"] >= 1
    assert "One face is visible" in portrait_slot.text
    assert coffee_slot.measurements["faces"]["max"] == 0
    assert coffee_slot.measurements["people"]["estimate"] == 0  # no pedestrian invented in a coffee cup
    assert "No face was found: the face detector misses faces under about " in coffee_slot.text  # not "No face is visible"


def test_measurements_are_json_with_a_timeline(clips):
    slot = perceive(clips["cut"])
    text = json.dumps(slot.measurements)
    assert "NaN" not in text
    timeline = slot.measurements["timeline"]
    assert len(timeline["t"]) == len(timeline["brightness"]) == len(timeline["shot_distance"]) == slot.measurements["n_frames"]
    assert max(d for d in timeline["shot_distance"] if d is not None) > scene.SHOT_DISTANCE
    one = slot.timelines["scene"]  # the one timeline format: the same columns, the cut as an event
    assert one.times_s == timeline["t"] and one.series["brightness"] == timeline["brightness"]
    assert set(one.units) == set(one.series) and [e.kind for e in one.events].count("cut") == len(slot.measurements["shot_changes"]) >= 1


def test_a_one_frame_video_gives_a_truthful_slot(tmp_path):
    path = tmp_path / "one.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                    "-frames:v", "1", "-pix_fmt", "yuv420p", str(path)], check=True)
    clip = decode(path)
    assert len(clip.frames) == 1
    slot = SceneTool().perceive(clip, AnalysisSettings())
    assert slot.ok and "It is a photo (one still image)" in slot.text  # a one-frame video is one picture
    assert slot.measurements["shot_changes"] == [] and slot.measurements["motion"]["energy_mean"] is None


def test_caption_backend_falls_back_to_the_measurements_when_the_model_cannot_load(clips, monkeypatch):
    # model hubs are unreachable here: offline mode makes the real loader fail fast, as it would
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    slot = perceive(clips["cut"], backend="caption", model="saber-agent-tests/no-such-vlm")
    assert slot.ok
    caption = slot.measurements["caption"]
    assert caption["status"] == "unavailable" and caption["model"] == "saber-agent-tests/no-such-vlm"
    assert caption["reason"]
    assert "unavailable" in slot.provenance.backend and slot.provenance.model == "saber-agent-tests/no-such-vlm"
    assert slot.text.startswith("The scene is")  # the measured description, nothing invented
    # the failure is remembered: the next clip does not try to load it again
    assert ("saber-agent-tests/no-such-vlm", "cpu") in scene_caption._load_failures


def test_caption_backend_runs_a_local_vision_language_model(clips, tmp_path_factory, monkeypatch):
    """A tiny random Qwen2-VL built here, loaded by path through AutoModelForImageTextToText."""
    pytest.importorskip("transformers")
    from saber_agent.devices import models
    from tests.support.vlm_tiny import build

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(build(tmp_path_factory.mktemp("vlm")))
    slot = perceive(clips["cut"], backend="caption", model=path, max_shots=2)
    caption = slot.measurements["caption"]
    assert caption["status"] == "ok", caption
    first, second = caption["captions"]  # one per shot, from inside each shot
    assert first["t"] < 2.0 <= second["t"]
    said = " ".join(c["text"] for c in caption["captions"] if c["text"])
    if said:  # random weights: whatever it says comes first, then the measured description
        assert slot.text.startswith(said) and slot.provenance.backend == "opencv+caption"
    assert "cut at 2.0 s" in slot.text and slot.provenance.model == path
    loads = models.loads
    perceive(clips["dark"], backend="caption", model=path)
    assert models.loads == loads  # loaded once per process


def test_caption_backend_without_a_model_says_so(clips):
    slot = perceive(clips["cut"], backend="caption")
    assert slot.ok and "needs a model" in slot.measurements["caption"]["reason"]


def test_unknown_backend_fails_the_slot(clips):
    slot = perceive(clips["cut"], backend="magic")
    assert slot.status is SlotStatus.failed and "magic" in slot.reason


def test_end_to_end_through_the_graph(registry, face_speech_clip, clips):
    result = analyze(face_speech_clip, plugins=["scene", "prosody"])
    video = result.evidence.video_desc
    assert video.ok and video.provenance.plugin == "scene" and video.provenance.seconds is not None
    assert "scene" in {r.tool for r in result.tool_runs}
    cut = analyze(clips["cut"], plugins=["scene"])
    assert "cut at 2.0 s" in cut.evidence.video_desc.text
    assert cut.saber()["video_desc"] == cut.evidence.video_desc.text
