"""A still picture's face: one expression and a steady head at any sampling rate; a changing face keeps its changes."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent import media
from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.plugins import face_still
from saber_agent.plugins.face import STEADY_HEAD, FaceTool, describe, summarize
from saber_agent.plugins.facetrack import build_track
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth

pytest.importorskip("skimage.data")


def frown_image() -> np.ndarray:
    """The astronaut with her mouth box flipped upside down (a frown), as trial 3's MAKE_CLIPS.sh makes it."""
    image = synth.face_image().copy()
    image[130:158, 196:252] = image[130:158, 196:252][::-1]
    return image


@pytest.fixture(scope="module")
def still_clip(media_dir):
    """A still photo, 4 s, H.264: the picture never changes (trial 3's frown_neutral_words.mp4 without the voice)."""
    return synth.make_clip(media_dir / "still_frown.mp4", frown_image(), None, seconds=4.0, size=(512, 512), motion=False)


@pytest.mark.parametrize("fps", [2, 8])
def test_a_still_picture_has_a_steady_head_and_no_shifts(still_clip, fps):
    clip = media.decode(still_clip, media.DecodeSettings(fps=fps))
    slot = FaceTool().perceive(clip, AnalysisSettings())
    assert slot.ok, slot.reason
    m = slot.measurements
    assert m["n_frames"] >= 2 * fps  # the sampling rate asked for
    assert m["still_face"]["face_static"] and m["still_face"]["still_frames"] == m["frames_with_face"]
    assert m["head"]["mean_speed_fw_s"] < STEADY_HEAD and m["head"]["max_speed_fw_s"] < STEADY_HEAD
    assert "The head stays steady" in slot.text
    assert len(m["changes"]) == 1 and m["micro_expressions"] == [] and m["dominant_share"] == 1.0
    assert "shifts over time" not in slot.text and "micro-expression" not in slot.text
    assert "a still picture" in slot.text and f"at {fps} fps" in slot.text
    top = set(slot.timelines["expression"].labels["top"])
    assert top == {m["dominant"]}  # one expression on every frame: the mean
    au = m["action_units"]  # the mesh, too, is the run's mean: no AU flickers on and off
    assert au["frames_with_mesh"] == m["n_frames"] and au["micro_expressions"] == []
    assert set(au["au_present_share"].values()) <= {0.0, 1.0}


def test_without_the_still_averaging_the_classifier_flips_on_the_same_picture(still_clip):
    """The noise `steady` removes is there: the raw per-frame readings of the still clip differ (the box jitters)."""
    from saber_agent.plugins import face_upright
    from saber_agent.plugins.face import OfflineExpressions
    from saber_agent.plugins.facetrack import track_faces

    clip = media.decode(still_clip, media.DecodeSettings(fps=8))
    track = track_faces(clip)
    raw = OfflineExpressions().probabilities(clip, track, face_upright.frame_rolls(None, len(track.times)))
    seen = raw[~np.isnan(raw[:, 0])]
    assert np.ptp(seen, axis=0).max() > 0.01  # the per-frame readings differ on identical pixels
    _, steady, info = face_still.steady(clip.frames, track, raw)
    assert info["face_static"] and np.ptp(steady[~np.isnan(steady[:, 0])], axis=0).max() < 1e-9


def test_a_changing_face_is_not_averaged(media_dir):
    """A smile for 1 s, then the frown for 1 s, then the smile: three still stretches, each kept apart."""
    smile, frown = synth.face_image(), frown_image()
    frames = np.stack([smile] * 3 + [frown] * 3 + [smile] * 3)
    boxes = np.tile([[170.0, 60, 120, 140]], (9, 1))
    assert face_still.still_runs(frames, boxes) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    gap = boxes.copy()
    gap[4] = np.nan  # no face: a run ends there
    assert face_still.still_runs(frames, gap) == [[0, 1, 2], [3], [5], [6, 7, 8]]
    probs = np.full((9, 7), 0.05)
    probs[:3, BASIC_EMOTIONS.index("happiness")] = 0.7
    probs[3:6, BASIC_EMOTIONS.index("sadness")] = 0.7
    probs[6:, BASIC_EMOTIONS.index("happiness")] = 0.7
    probs[4, BASIC_EMOTIONS.index("happiness")] = 0.6  # a flip inside the frown's still stretch: noise, averaged away
    track = build_track(np.arange(9) / 2.0, [b[None] for b in boxes])
    steady_track, steady, info = face_still.steady(frames, track, probs)
    assert info == {**info, "still_frames": 9, "still_runs": 3, "face_static": False}
    m = summarize(steady_track, steady, frame_width=512)
    assert [c["emotion"] for c in m["changes"]] == ["happiness", "sadness", "happiness"]
    assert "The top expression shifts over time" in describe(m)


def test_the_smiling_zooming_clip_keeps_its_frames(face_speech_clip):
    """synth's clip zooms slowly: the face region changes between sampled frames, so nothing is averaged."""
    clip = media.decode(face_speech_clip)
    track = build_track(clip.frame_times, [np.array([[110.0, 20, 100, 110]])] * len(clip.frame_times))
    runs = face_still.still_runs(clip.frames, track.boxes)
    assert sum(len(r) > 1 for r in runs) <= len(runs) // 4  # mostly single frames: the zoom is seen


def test_head_speed_does_not_grow_with_the_sampling_rate():
    """Jitter of +-2 px on a still face reads the same at 2 and 8 fps; a real drift of 40 px/s reads 0.4 fw/s."""
    rng = np.random.default_rng(0)
    for fps in (2, 8):
        times = np.arange(0, 6, 1 / fps)
        jitter = 100 + rng.uniform(-2, 2, (len(times), 2))
        speeds = face_still.windowed_speeds(jitter, times, 100.0, [list(range(len(times)))])
        assert np.mean(speeds) < 0.08, (fps, np.mean(speeds))
        drift = np.stack([100 + 40 * times, np.full_like(times, 100)], axis=1)
        speeds = face_still.windowed_speeds(drift, times, 100.0, [list(range(len(times)))])
        assert np.allclose(speeds, 0.4)


def test_consistently_and_shifts_are_never_said_together():
    times = np.arange(10) / 2.0
    track = build_track(times, [np.array([[100.0, 50, 80, 80]])] * 10)
    probs = np.full((10, 7), 0.05)
    probs[:, BASIC_EMOTIONS.index("anger")] = 0.7
    probs[4] = 0.05
    probs[4, BASIC_EMOTIONS.index("happiness")] = 0.7  # one frame of ten
    text = describe(summarize(track, probs, frame_width=320))
    assert "shifts over time" in text and "consistently" not in text and "mostly angry" in text
