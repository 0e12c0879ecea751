"""Shot changes are detected once per clip (plugins/shots.py) and the scene and body tools agree on them."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from saber_agent.media import decode
from saber_agent.plugins import shots
from saber_agent.plugins.body import BodyTool
from saber_agent.plugins.scene import SceneTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import fit, portrait, write_frames


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory):
    canvas, _ = portrait()
    return write_frames(tmp_path_factory.mktemp("shots") / "cut.mp4", [canvas] * 50 + [fit(data.coffee())] * 50)


def test_one_detection_shared_by_scene_and_body(cut_clip, monkeypatch):
    clip = decode(cut_clip)
    calls = []
    original = shots.detect
    monkeypatch.setattr(shots, "detect", lambda *a: calls.append(1) or original(*a))
    scene = SceneTool().perceive(clip, AnalysisSettings())
    body = BodyTool().perceive(clip, AnalysisSettings())
    assert len(calls) == 1 and clip.extras["shots"].cuts
    found = clip.extras["shots"]
    assert [c["t"] for c in scene.measurements["shot_changes"]] == [round(float(found.times[i]), 2) for i in found.cuts]
    assert body.measurements["shot_changes"] == [c["t"] for c in scene.measurements["shot_changes"]]
    assert body.measurements["shot_changes"] == [2.0]


def test_no_cut_in_a_pan_or_a_still_clip():
    big = data.astronaut()
    frames = np.stack([big[100:356, 4 * i:4 * i + 256] for i in range(40)])
    assert shots.detect(frames, np.arange(40) / 2).cuts == []
    assert shots.detect(frames[:1], np.zeros(1)).cuts == []
    found = shots.detect(np.stack([frames[0], data.coffee()[:256, :256]]), np.array([0.0, 0.5]))
    assert found.cuts == [1] and found.pairs == [0] and found.bounds == [(0, 1), (1, 2)]


def _sampled(path) -> tuple[np.ndarray, np.ndarray]:
    """The clip's frames as the tools sample them (2 fps, decoded once) and their times."""
    clip = decode(path)
    return clip.frames, clip.frame_times[: len(clip.frames)]


def _jitter(frame: np.ndarray, i: int) -> np.ndarray:
    """A talking head is never frozen: a few pixels of sway and sensor noise."""
    rng = np.random.default_rng(i)
    moved = np.roll(frame, int(round(4 * np.sin(i / 4))), axis=1)
    return np.clip(moved + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def same_colour_clips(tmp_path_factory):
    """A shot / reverse shot (the portrait, then mirrored: the same colours) cut at 2.2 s, and three non-cuts."""
    import cv2

    root = tmp_path_factory.mktemp("same_colour")
    canvas, _ = portrait()
    mirrored = np.ascontiguousarray(canvas[:, ::-1])
    big = cv2.resize(data.astronaut(), (1000, 1000), interpolation=cv2.INTER_AREA)
    hand = []
    for i in range(100):  # a hand close to the lens sweeps across the talking head and back
        frame = _jitter(canvas, i).copy()
        cx = int(-100 + 840 * (0.5 - 0.5 * np.cos(2 * np.pi * i / 50)))
        cv2.ellipse(frame, (cx, 230), (110, 140), 20, 0, 360, (205, 150, 120), -1)
        hand.append(frame)
    zoom = [cv2.warpAffine(fit(data.astronaut()), cv2.getRotationMatrix2D((320, 180), 0, 1 + 0.8 * i / 100), (640, 360))
            for i in range(100)]
    return {
        "reverse_shot": write_frames(root / "reverse.mp4", [_jitter(canvas if i < 55 else mirrored, i) for i in range(100)]),
        "pan": write_frames(root / "pan.mp4", [big[300:660, 3 * i:3 * i + 640] for i in range(100)]),
        "zoom": write_frames(root / "zoom.mp4", zoom),
        "hand": write_frames(root / "hand.mp4", hand),
    }


def test_a_cut_between_shots_of_the_same_colours_is_found(same_colour_clips):
    frames, times = _sampled(same_colour_clips["reverse_shot"])
    found = shots.detect(frames, times)
    # the colour histograms barely change: the rule before the structural one missed this cut
    assert max(found.distances) < shots.SHOT_DISTANCE and max(found.grey_distances) < shots.GREY_DISTANCE
    assert found.method == "adaptive" and [round(float(found.times[c]), 1) for c in found.cuts] == [2.5]


@pytest.mark.parametrize("name", ["pan", "zoom", "hand"])
def test_a_pan_a_zoom_or_a_hand_is_not_a_cut(same_colour_clips, name):
    frames, times = _sampled(same_colour_clips[name])
    found = shots.detect(frames, times)
    assert len(frames) == 8 and found.cuts == [], (name, found.structure)


def test_a_flash_or_a_fade_is_not_a_cut():
    """The histogram rule before PySceneDetect read both as cuts."""
    photo = fit(data.astronaut()).astype(np.float64)
    gains = [1.0, 1.0, 0.5, 0.05, 0.0, 0.3, 1.0, 1.0]  # a fade out to black and back in
    found = shots.detect(np.stack([(photo * g).astype(np.uint8) for g in gains]), np.arange(8) / 2)
    assert found.cuts == []
    flash = [photo, photo, 255 - (255 - photo) * 0.25, photo * 0.55, photo * 0.55]  # a flash, then the lights dim
    assert shots.detect(np.stack([f.astype(np.uint8) for f in flash]), np.arange(5) / 2).cuts == []


def test_the_first_and_last_pairs_are_judged():
    photo, other = fit(data.astronaut()), fit(data.coffee())
    assert shots.detect(np.stack([photo, other, other, other]), np.arange(4) / 2).cuts == [1]
    assert shots.detect(np.stack([photo, photo, photo, other]), np.arange(4) / 2).cuts == [3]
    assert shots.detect(np.stack([photo, photo, photo, photo]), np.arange(4) / 2).cuts == []


def test_without_scenedetect_the_colour_rule_decides(monkeypatch):
    """scenedetect missing (a pip install without scripts/install.sh): the histogram rule, said in `method`."""
    import builtins

    real_import = builtins.__import__

    def no_scenedetect(name, *args, **kwargs):
        if name.split(".")[0] == "scenedetect":
            raise ImportError("No module named 'scenedetect'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scenedetect)
    photo, other = fit(data.astronaut()), fit(data.coffee())
    found = shots.detect(np.stack([photo, photo, other]), np.arange(3) / 2)
    assert found.method == "colour" and found.cuts == [2]


def _shot(photo: np.ndarray, n: int, start: int = 0, gain: float = 1.0) -> list[np.ndarray]:
    """n sampled frames of one shot (sway and sensor noise), brightness times `gain`."""
    return [(_jitter(photo, start + i) * gain).astype(np.uint8) for i in range(n)]


def test_a_one_frame_shot_is_two_cuts_a_flash_frame_none():
    """Two neighbouring spikes hide each other from the adaptive ratio; the perceptual hash decides them."""
    import cv2

    a, b, c = fit(data.astronaut()), fit(data.coffee()), fit(data.chelsea())
    times = np.arange(8) / 2
    assert shots.detect(np.stack(_shot(a, 4) + _shot(b, 1) + _shot(a, 3, 5)), times).cuts == [4, 5]  # a flash cut
    assert shots.detect(np.stack(_shot(a, 4) + _shot(b, 1) + _shot(c, 3)), times).cuts == [4, 5]  # a shot 1 frame long
    closer = fit(data.coffee()[120:330, 170:540])  # the same colours: one frame of a cut-in
    assert shots.detect(np.stack(_shot(b, 4) + _shot(closer, 1) + _shot(b, 3, 5)), times).cuts == [4, 5]
    assert shots.adaptive_cuts(shots.small_frames(np.stack(_shot(a, 4) + _shot(b, 1) + _shot(a, 3, 5)), 320)) == []  # before
    white = np.full_like(a, 250)
    assert shots.detect(np.stack(_shot(a, 4) + [white] + _shot(a, 3, 5)), times).cuts == []  # a photographer's flash
    assert shots.detect(np.stack(_shot(a, 4) + _shot(a, 1, 4, 0.3) + _shot(a, 3, 5)), times).cuts == []  # a dip, one shot
    assert shots.detect(np.stack(_shot(a, 4) + _shot(c, 1, 0, 0.3) + _shot(c, 3, 1)), times).cuts == [4]  # a dip, two shots
    # one frame of the picture moved as one (a camera jerk: the body tool's rigid shift) is no shot; two frames
    # there are a jump between two framings, a cut each way (as tests/test_body_rigid.py)
    photo = cv2.resize(data.coffee(), (360, 360), interpolation=cv2.INTER_AREA)
    framed = [np.full((360, 640, 3), 40, np.uint8) for _ in range(8)]
    for i, (frame, x) in enumerate(zip(framed, [20, 20, 20, 20, 200, 20, 20, 20], strict=True)):
        frame[:, x:x + 360] = photo
        framed[i] = _jitter(frame, i)
    assert shots.detect(np.stack(framed), times).cuts == []
    framed[5] = framed[4]
    assert shots.detect(np.stack(framed), times).cuts == [4, 6]
    # a fast pan of 4 frames: the pads' pairs (score 0) around its middle two frames do not make them a transient
    big = cv2.resize(data.astronaut(), (1000, 1000), interpolation=cv2.INTER_AREA)
    assert shots.detect(np.stack([big[300:660, 100 * i:100 * i + 640] for i in range(4)]), times[:4]).cuts == []


def test_a_fade_through_black_changes_the_shot_only_between_two_shots():
    """Broadcast convention: a gradual transition between two shots is a boundary (placed where the picture
    comes back), a fade to black and back to the same shot is not."""
    a, b = fit(data.astronaut()), fit(data.coffee())
    times = np.arange(10) / 2
    gains = [1.0, 1.0, 1.0, 0.5, 0.0, 0.0, 0.5, 1.0, 1.0, 1.0]
    fade = np.stack([(_jitter(a if i < 5 else b, i) * g).astype(np.uint8) for i, g in enumerate(gains)])
    assert shots.detect(fade, times).cuts == [6]
    same = np.stack([(_jitter(a, i) * g).astype(np.uint8) for i, g in enumerate(gains)])
    assert shots.detect(same, times).cuts == []
    # the black between two sampled frames: one dim frame of each shot
    dip = [1.0, 1.0, 1.0, 1.0, 0.35, 0.4, 1.0, 1.0, 1.0, 1.0]
    assert shots.detect(np.stack([(_jitter(a if i < 5 else b, i) * g).astype(np.uint8) for i, g in enumerate(dip)]), times).cuts == [5]
    assert shots.detect(np.stack([(_jitter(a, i) * g).astype(np.uint8) for i, g in enumerate(dip)]), times).cuts == []
    # a fade out at the end (and in at the start) of a clip starts no shot
    ends = [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
    assert shots.detect(np.stack([(_jitter(a, i) * g).astype(np.uint8) for i, g in enumerate(ends)]), times).cuts == []


def test_a_cut_into_or_between_dark_shots_is_kept():
    """A dark picture is no blank frame: an underexposed shot (grey std 1.7-3.6 at 320 px, mean 5-8 levels) has a
    picture its perceptual hash reads. With `BLANK_STD` 3 these frames counted as black, and the cuts touching them
    were dropped (AdaptiveDetector alone, the rule before, found them); noisy camera black still fades as black."""
    a, b = fit(data.astronaut()), fit(data.coffee())
    times = np.arange(6) / 2
    for gain in (0.03, 0.05):
        dark_a, dark_b = ([(_jitter(p, i) * gain).astype(np.uint8) for i in range(3)] for p in (a, b))
        assert shots.detect(np.stack(dark_a + dark_b), times).cuts == [3]  # between two dark shots
        assert shots.detect(np.stack([_jitter(a, i) for i in range(3)] + dark_b), times).cuts == [3]  # into one
    rng = np.random.default_rng(0)
    black = [np.clip(16 + rng.normal(0, 2.5, a.shape), 0, 255).astype(np.uint8) for _ in range(2)]  # sensor noise
    start = [_jitter(a, i) for i in range(3)]
    assert shots.detect(np.stack(start + black + [_jitter(b, i) for i in range(3)]), np.arange(8) / 2).cuts == [5]
    assert shots.detect(np.stack(start + black + [_jitter(a, i + 5) for i in range(3)]), np.arange(8) / 2).cuts == []


def test_a_still_photos_zoom_wobble_is_not_a_cut(tmp_path):
    """Trial 53 phone_rot270.mp4: a still photo with a small zoompan wobble (a 2 s period) read '3 shots, with a cut at
    4.5 s and 7.5 s': sampled pairs that change (the zoom moving) sit next to pairs that do not (the zoom back where it was),
    so AdaptiveDetector's ratio spikes. Both frames of each such pair are one picture (perceptual hashes within
    HASH_CHANGE): no cut."""
    import subprocess

    from saber_agent.testing.synth import face_image, write_png

    still, path = write_png(tmp_path / "still.png", face_image()), tmp_path / "wobble.mp4"
    wobble = "zoompan=z='1+0.05*sin(2*PI*(on+5)/60)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=360x640:fps=30"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-framerate", "30", "-i", str(still), "-vf",
                    f"scale=360:360,pad=360:640:0:140,scale=720:1280,{wobble},format=yuv420p", "-t", "8", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "30", str(path)], check=True)
    frames, times = _sampled(path)
    scaled = shots.small_frames(frames, shots.ADAPTIVE_WIDTH)
    assert len(shots.adaptive_cuts(scaled)) >= 2  # the ratio alone spikes on the wobble (it read 4 cuts)
    assert shots.detect(frames, times).cuts == []


def test_a_looped_zoom_cut_back_to_wide_is_a_cut_a_steady_zoom_none():
    """Trial A: a grey-padded photo zoomed x1.35 about its top-left corner (zoompan's default) over 12 sampled frames, then
    cut back to wide, three times: AdaptiveDetector's ratio and the hash missed both cuts (before: []); `zoom_cuts` finds
    them as one picture scaled x0.74 against the steady x1.025 steps either side. The same zoom run on steadily is no cut."""
    import cv2

    photo = cv2.resize(data.astronaut(), (360, 360), interpolation=cv2.INTER_AREA)
    canvas = np.full((640, 360, 3), 128, np.uint8)
    canvas[140:500] = photo

    def zoomed(z: float) -> np.ndarray:
        return cv2.warpAffine(canvas, np.array([[z, 0, 0], [0, z, 0]], float), (360, 640), flags=cv2.INTER_AREA)

    loop = np.stack([zoomed(z) for z in 1.35 ** (np.arange(12) / 12)] * 3)
    times = np.arange(len(loop)) * 0.8
    assert shots.detect(loop, times).cuts == [12, 24]
    assert shots.detect(np.stack([zoomed(z) for z in 1.35 ** (np.arange(36) / 12)]), times).cuts == []
    step = shots.zoom_step(loop[11], loop[12])
    assert step is not None and 0.7 < step < 0.78, step
