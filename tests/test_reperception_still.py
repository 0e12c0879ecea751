"""No frame-rate second look on a still picture (saber_agent/reperception.py `plan`, reperception_rule
`picture_still`): sampling an unchanging picture faster finds nothing new, so the look is refused with
that reason; a moving picture still gets it. Clips are made here with ffmpeg (an image + a tone)."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.api import analyze
from saber_agent.evidence import ClipInfo, PerceptionRequest
from saber_agent.media import Clip, DecodeSettings, clip_cache
from saber_agent.perception import PerceptionTool
from saber_agent.reperception import PICTURE_CHANGE_KEY, picture_still, plan
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth

STILL = "the picture does not change between the sampled frames (a still image)"


def _pattern() -> np.ndarray:
    """A 240x320 checkerboard on a gradient: no face, no person; its edges move when the clip zooms."""
    y, x = np.mgrid[:240, :320]
    board = ((y // 20 + x // 20) % 2).astype(np.float64)
    grey = 50 + 120 * board + 0.2 * x
    return np.repeat(grey[..., None], 3, axis=2).clip(0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("still")
    tone = synth.write_wav(folder / "tone.wav", synth.tone(220.0, 3.0))
    still = synth.make_clip(folder / "still.mp4", _pattern(), tone, seconds=3.0, motion=False)
    moving = synth.make_clip(folder / "moving.mp4", _pattern(), tone, seconds=3.0, motion=True)
    return still, moving


def _body_looks(path):
    # the real body tool (optical flow only: no pose model) measures the clip's picture change and finds no person:
    # thin evidence, so the fusion reasoner asks for a look at 8 fps
    result = analyze(path, plugins=["body"], tool_options={"body": {"backend": "flow"}})
    assert result.evidence.body_lang_desc.status.value == "unavailable"
    return result, [look for look in result.reperceptions if look.request.tool == "body"]


def test_a_still_picture_gets_no_frame_rate_look_and_says_why(registry, clips):
    still, _ = clips
    decodes = clip_cache.decodes
    result, (look,) = _body_looks(still)
    assert look.status == "refused" and look.request.fps == 8.0 and look.asked_by == "reasoner fusion"
    assert look.note.startswith(STILL) and "at 8 fps finds nothing new" in look.note
    assert clip_cache.decodes == decodes + 1  # the first decode only: no denser one
    assert "reperception" not in result.timings and result.rounds == 1
    assert picture_still(clip_cache.peek(still, AnalysisSettings().decode)) is True


def test_a_moving_picture_still_gets_its_frame_rate_look(registry, clips):
    _, moving = clips
    result, (look,) = _body_looks(moving)
    assert look.status == "done" and look.request.fps == 8.0 and look.fps == 8.0 and look.decoded
    assert result.timings["reperception"] > 0
    assert picture_still(clip_cache.peek(moving, AnalysisSettings().decode)) is False


@pytest.fixture(scope="module")
def spoken_still(tmp_path_factory):
    """A real still-image+sound clip: scikit-image's coffee photo (no face) held for the length of espeak-ng speech."""
    from skimage import data

    folder = tmp_path_factory.mktemp("spoken_still")
    said = synth.speak("I cannot believe you did this again. Honestly, I am so tired of it.", folder / "said.wav")
    return synth.make_clip(folder / "coffee.mp4", data.coffee(), said, size=(600, 400), motion=False)


def test_face_and_prosody_alone_refuse_the_frame_rate_look_at_a_still_picture(registry, spoken_still):
    """`--plugins face,prosody` (no body, scene or speakers to measure the picture): the face tool finds no face,
    the fusion reasoner asks for an 8 fps face look, and it was taken (a second decode at 8 fps, a second round,
    "no face visible in 48 sampled frames"). The rule now measures the still picture itself and refuses it."""
    decodes = clip_cache.decodes
    result = analyze(spoken_still, plugins=["face", "prosody"])
    assert result.evidence.facial_exp_desc.status.value == "unavailable" and result.evidence.acoustic_feat.ok
    (look,) = [look for look in result.reperceptions if look.request.tool == "face"]
    assert look.status == "refused" and look.request.fps == 8.0 and look.note.startswith(STILL)
    assert clip_cache.decodes == decodes + 1 and result.rounds == 1
    assert clip_cache.peek(spoken_still, AnalysisSettings().decode).extras[PICTURE_CHANGE_KEY].still


class _Frames(PerceptionTool):
    name, slot, needs = "frames_only", "facial_exp_desc", frozenset({"frames"})

    def perceive(self, clip, settings):  # never run here: plan only reads the name and needs
        raise AssertionError


class _Both(_Frames):
    name, slot, needs = "frames_and_audio", "body_lang_desc", frozenset({"frames", "audio"})


def test_plan_refuses_only_the_looks_a_still_picture_cannot_answer():
    settings = AnalysisSettings()
    info = ClipInfo(path="never-decoded.mp4", duration_s=4.0, has_video=True, sample_fps=2.0)
    tools = {"frames_only": _Frames(), "frames_and_audio": _Both()}
    asked = [
        PerceptionRequest(tool="frames_only", fps=8),  # faster: nothing new on a still picture
        PerceptionRequest(tool="frames_only", fps=8, start_s=1.0),  # a window of the same picture, faster: nothing new
        PerceptionRequest(tool="frames_and_audio", fps=8, start_s=1.0),  # the window's audio may say more
        PerceptionRequest(tool="frames_only", fps=8, options={"backend": "other"}),  # another model may see more
        PerceptionRequest(tool="frames_only", start_s=1.0),  # no faster sampling asked
    ]
    accepted, refused = plan(asked, [], settings.updated(reperception_budget={"max_calls": 5}), info, 1, "t", tools, still=True)
    assert [r.request for r in refused] == asked[:2] and all(r.note.startswith(STILL) for r in refused)
    assert accepted == asked[2:]
    accepted, refused = plan(asked[:1], [], settings, info, 1, "t", tools, still=False)
    assert accepted == asked[:1] and refused == []
    # still=None: read from the decoded clip in the cache; this clip was never decoded, so nothing is refused for it
    assert clip_cache.peek("never-decoded.mp4", DecodeSettings()) is None
    accepted, _ = plan(asked[:1], [], settings, info, 1, "t", tools)
    assert accepted == asked[:1]


def test_picture_still_measures_the_shared_decision_once_when_no_tool_has(clips):
    """Was None when no frame tool had measured it (only face and prosody ran): the rule then took 8 fps looks at
    still pictures. Now measured on demand and cached under the key the frame tools read, whoever asks first."""
    from saber_agent.picture_change import picture_change
    from saber_agent.plugins.picture_change import picture_change as old_name

    assert old_name is picture_change  # the plugin module's old name re-exports the foundation's
    still, moving = clips
    settings = DecodeSettings()
    for path, expected in ((still, True), (moving, False)):
        clip = clip_cache.get(path, settings)
        clip.extras.pop(PICTURE_CHANGE_KEY, None)
        assert picture_still(None) is None
        assert picture_still(clip) is expected  # measured here: no tool had
        measured = clip.extras[PICTURE_CHANGE_KEY]
        assert picture_change(clip) is measured and picture_still(clip) is expected  # once: the frame tools read it
    sound = Clip(ClipInfo(path="sound.wav", has_audio=True), np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), synth.tone(220.0, 1.0))
    assert picture_still(sound) is None and PICTURE_CHANGE_KEY not in sound.extras  # no picture: nothing refused for it
    window = DecodeSettings(window_s=(0.5, 1.5))  # a window's view is peeked as `get` keeps it, never made by peek
    assert clip_cache.peek(still, window) is None and clip_cache.peek(still, settings) is clip_cache.get(still, settings)
    assert clip_cache.peek(still, window) is None
    made = clip_cache.get(still, window)
    assert clip_cache.peek(still, window) is made


def test_one_sampled_frame_is_no_evidence_of_a_still_picture(clips):
    """The trial's 0.5 s short.mp4 had one sampled frame: the 8 fps look (4 frames) was refused as 'a still image'."""
    still, _ = clips
    frames = clip_cache.get(still, DecodeSettings()).frames[:1]
    info = ClipInfo(path="short.mp4", duration_s=0.5, has_video=True, sample_fps=2.0)
    one = Clip(info, frames, np.zeros(1), synth.tone(220.0, 0.5))
    assert picture_still(one) is None
    ask = PerceptionRequest(tool="body", fps=8.0)
    accepted, refused = plan([ask], [], AnalysisSettings(), info, 1, "t", ["body"], still=picture_still(one))
    assert accepted == [ask] and refused == []
