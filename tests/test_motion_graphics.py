"""On-screen graphics are not body movement (trial D: pip.mp4, vertical_captions.mp4, gallery_4.mp4 read slide,
caption and speaker-frame changes as "bursts of gesture").

Clips built frame by frame from scikit-image's astronaut (tests/support/frames.py), H.264-encoded and decoded at
the default 2 frames per second: a burned-in caption that changes over a still person, slides beside a small
picture-in-picture face, a call's coloured speaker frame switching on and off; and a real gesture (a hand-sized
patch waving between 1.5 and 3.0 s, as in tests/test_body.py) with a caption change on either side, which must
stay a burst; a hand raised in 0.2 s between two sampled frames and held (a step at 2 fps, told from a swap by the
file's own frames). The unit tests run `graphics_changes` on numpy frames (no file: the step rule alone).
"""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.media import decode
from saber_agent.plugins.body import BodyTool
from saber_agent.plugins.motion import region_masks
from saber_agent.plugins.motion_graphics import NAMED_SHARE, graphics_changes, one_frame
from saber_agent.settings import AnalysisSettings
from tests.support.frames import fit, moving_patch, portrait, write_frames

FPS = 25


def captioned(frames: list[np.ndarray], lines: list[tuple[float, str]]) -> list[np.ndarray]:
    """`frames` with a black caption box over the lower body, its text the last of `lines` (start s, text) begun."""
    import cv2

    out = []
    for i, frame in enumerate(frames):
        text = [line for start, line in lines if i / FPS >= start][-1]
        frame = frame.copy()
        cv2.rectangle(frame, (150, 300), (490, 345), (0, 0, 0), -1)
        cv2.putText(frame, text, (160, 332), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        out.append(frame)
    return out


def pip_frames(seconds: float = 7.0) -> list[np.ndarray]:
    """Slides (a title bar and a big line of text, changing at 2.2 and 4.6 s) with a small face inset at the bottom right."""
    import cv2

    face = fit(data.astronaut()[20:340, 100:420], (130, 130))
    slides = [(0.0, "Q3 Results"), (2.2, "Revenue -20%"), (4.6, "Clients lost: 2")]
    frames = []
    for i in range(int(seconds * FPS)):
        img = np.full((360, 640, 3), 245, np.uint8)
        cv2.rectangle(img, (0, 0), (640, 45), (30, 60, 140), -1)
        cv2.putText(img, "ACME Corp - Board update", (15, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.65, (255, 255, 255), 1)
        text = [line for start, line in slides if i / FPS >= start][-1]
        cv2.putText(img, text, (40, 190), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 3)
        img[220:350, 500:630] = face
        frames.append(img)
    return frames


def speaker_frame(seconds: float = 7.0) -> list[np.ndarray]:
    """The portrait with a green active-speaker frame around the picture, on 1.2-3.0 s and from 4.6 s."""
    import cv2

    canvas, _ = portrait()
    frames = []
    for i in range(int(seconds * FPS)):
        frame = canvas.copy()
        if 1.2 <= i / FPS < 3.0 or i / FPS >= 4.6:
            cv2.rectangle(frame, (1, 1), (638, 358), (0, 200, 0), 3)
        frames.append(frame)
    return frames


def raised(t: float) -> tuple[int, int]:  # a hand raised 120 px in 0.2 s at 2.1 s, held before and after
    return 520, int(200 - 120 * min(1.0, max(0.0, (t - 2.1) / 0.2)))


def waving(t: float) -> tuple[int, int]:  # a hand beside the body, waving only between 1.5 s and 3.0 s
    if 1.5 <= t < 3.0:
        return 520, int(150 + 80 * np.sin(2 * np.pi * 1.5 * (t - 1.5)))
    return 520, 150


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("graphics")
    canvas, _ = portrait()
    hand = fit(data.chelsea(), (70, 70))
    lines = [(0.0, "Honestly, this was the worst"), (1.7, "trip of my life."), (3.4, "Everything went wrong.")]
    clips = {
        "captions": captioned([canvas] * int(5.2 * FPS), lines),
        "pip": pip_frames(),
        "speaker_frame": speaker_frame(),
        "gesture_captions": captioned(moving_patch(canvas, hand, waving, 6.0),
                                      [(0.0, "So here it is."), (0.8, "Look at this one!"), (4.3, "That was all.")]),
    }
    clips["raised"] = moving_patch(canvas, hand, raised, 5.0)
    return {name: write_frames(root / f"{name}.mp4", frames) for name, frames in clips.items()}


@pytest.fixture(scope="module")
def slots(paths):
    tool, settings = BodyTool(), AnalysisSettings()
    return {name: tool.perceive(decode(path), settings) for name, path in paths.items()}


@pytest.mark.parametrize("name", ["captions", "pip", "speaker_frame"])
def test_graphics_changes_are_no_gesture(slots, name):
    slot = slots[name]
    m = slot.measurements
    assert m["head"]["tracked"], "the face must be found for the test to mean anything"
    assert m["bursts"] == [], m["bursts"]
    assert all(r["level"] == "little" for r in m["regions"].values()), m["regions"]
    assert "Bursts of" not in slot.text and "There is little body movement" in slot.text
    assert [e for e in m["graphics_changes"] if e["share"] >= NAMED_SHARE], m["graphics_changes"]
    assert "on-screen graphics" in slot.text


def test_the_graphics_changes_are_timed(slots):
    def named(name):
        return [round(e["t"], 1) for e in slots[name].measurements["graphics_changes"] if e["share"] >= NAMED_SHARE]

    assert named("captions") == [2.0, 3.5]  # captions change at 1.7 and 3.4 s: the first sampled frames after (2 fps)
    assert named("pip") == [2.5, 5.0]  # slides at 2.2 and 4.6 s
    assert named("speaker_frame") == [1.5, 3.0, 5.0]  # the frame on at 1.2, off at 3.0, on at 4.6 s


def test_a_real_gesture_beside_caption_changes_stays_a_burst(slots):
    slot = slots["gesture_captions"]
    m = slot.measurements
    assert len(m["bursts"]) == 1, m["bursts"]
    burst = m["bursts"][0]
    assert burst["region"] == "hands_sides" and 1.0 <= burst["start"] <= 1.7 and 2.6 <= burst["end"] <= 3.5
    times = [round(e["t"], 1) for e in m["graphics_changes"] if e["share"] >= NAMED_SHARE]
    assert times == [1.0, 4.5]  # the captions at 0.8 and 4.3 s; nothing during the wave
    assert "Bursts of gesture at 1." in slot.text


# -- the rule on numpy frames ------------------------------------------------------------------------

def frames_with(blocks: dict[int, tuple[int, int, int]], n: int = 10) -> np.ndarray:
    """n grey frames 108x192 of noise-free grey 100; blocks[i] = (x, y, level): from frame i on, a 20x12 block at (x, y)."""
    frames = np.full((n, 108, 192), 100, np.uint8)
    for i in range(n):
        for start, (x, y, level) in sorted(blocks.items()):
            if i >= start:
                frames[i, y:y + 12, x:x + 20] = level
    return frames


def test_a_block_that_swaps_once_is_graphics_and_one_that_keeps_moving_is_not():
    times = np.arange(10) * 0.5
    swap = frames_with({3: (30, 40, 220)})
    result = graphics_changes(swap, times)
    assert [e["t"] for e in result.events] == [1.5] and result.masks[2][45, 40] and result.masks[2].sum() <= 30 * 22  # 20x12, grown 5 px
    assert all(mask is None for k, mask in enumerate(result.masks) if k != 2)

    moving = np.full((10, 108, 192), 100, np.uint8)
    for i in range(10):  # a block sliding 6 px per frame: its pixels change in every pair around each change
        moving[i, 40:52, 20 + 6 * i:40 + 6 * i] = 220
    assert graphics_changes(moving, times).events == []


def test_the_clip_edges_across_a_cut_and_two_frames():
    times = np.arange(10) * 0.5
    first = frames_with({1: (30, 40, 220)})  # changes in the first pair: only the side after it is asked
    assert [e["t"] for e in graphics_changes(first, times).events] == [0.5]
    swap = frames_with({3: (30, 40, 220)})
    assert graphics_changes(swap, times, cuts=[3]).events == []  # the side after crosses a cut: not known to be still
    assert graphics_changes(swap, times, cuts=[2]).events == []  # the change is the cut itself
    assert graphics_changes(swap[2:4], times[2:4]).events == []  # two frames: nothing to compare with


def test_a_change_held_for_less_than_the_hold_is_not_graphics():
    times = np.arange(10) * 0.5
    blink = frames_with({3: (30, 40, 220), 4: (30, 40, 100)})  # on for one frame, off the next: a flick, not a swap
    assert graphics_changes(blink, times).events == []


def test_the_hands_reach_ends_beside_a_small_face():
    head = np.zeros((108, 192), bool)
    regions = region_masks((108, 192), np.array([150.0, 60.0, 10.0, 10.0]), head)  # a 10 px face at the bottom right
    sides = regions["hands_sides"]
    assert not sides[:, :90].any() and sides[:, 100:].any()  # 6 face widths either side of the face's centre (155)
    assert not sides[:35].any() and sides[40:].any()  # 2.5 face heights above its top (60)


def test_the_sentence_names_large_changes_only():
    from saber_agent.plugins.body_text import graphics_sentence

    assert graphics_sentence({}) == "" and graphics_sentence({"graphics_changes": []}) == ""
    flicker = {"t": 1.0, "share": 0.0013, "blobs": 1}  # a few pixels of re-encoding (bench/shots_set.py heads_low_bitrate)
    assert graphics_sentence({"graphics_changes": [flicker]}) == ""
    said = graphics_sentence({"graphics_changes": [flicker, {"t": 2.0, "share": 0.02, "blobs": 1}]})
    assert "at 2.0 s" in said and "1.0 s" not in said and "not counted as movement" in said


def test_a_hand_raised_between_two_sampled_frames_and_held_is_a_burst(slots):
    """At 2 fps the hand moves in one sampled step and holds still on both sides, as a caption does; the file's own
    frames show it rise over five of them, where a caption swaps in one."""
    m = slots["raised"].measurements
    assert len(m["bursts"]) == 1 and m["bursts"][0]["region"] == "hands_sides" and 1.9 <= m["bursts"][0]["start"] <= 2.1
    assert m["graphics_changes"] == []


def test_one_frame_tells_a_swap_from_a_spread_change():
    before, after = np.zeros((4, 4), np.uint8), np.full((4, 4), 200, np.uint8)
    pixels = np.ones((4, 4), bool)
    swap = np.stack([before, before, after, after])
    ramp = np.stack([before] + [np.where(np.arange(4)[:, None] < k, 200, 0).repeat(4, 1).astype(np.uint8) for k in (1, 2, 3, 4)])
    assert (ramp[-1] == after).all()  # row by row, a quarter of the pixels a step: as a moving hand sweeps
    assert one_frame(swap, before, after, pixels) is True
    assert one_frame(ramp, before, after, pixels) is False
    assert one_frame(swap, after, after, pixels) is None  # the decoded frames do not start at the sampled one


def test_the_scene_names_slide_changes_as_content_changes_not_cuts(paths):
    from saber_agent.plugins.scene import SceneTool

    slot = SceneTool().perceive(decode(paths["pip"]), AnalysisSettings())
    assert [round(e["t"], 1) for e in slot.measurements["graphics_changes"]] == [2.5, 5.0]  # slides at 2.2 and 4.6 s
    assert "It is a single continuous shot." in slot.text and "changes in one step at 2.5 s and 5.0 s" in slot.text
    assert "not a cut" in slot.text
    still = SceneTool().perceive(decode(paths["raised"]), AnalysisSettings())  # a hand raised: no graphics to name
    assert still.measurements["graphics_changes"] == [] and "in one step" not in still.text
