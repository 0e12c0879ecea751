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
