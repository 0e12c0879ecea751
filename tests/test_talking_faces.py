"""The talking-face clips of the conversation tests (`saber_agent.testing.talking_faces`)."""

from __future__ import annotations

import numpy as np

from saber_agent.testing.talking_faces import RATE, Line, face_tile, script_audio, talking_clip, with_mouth


def test_lines_are_placed_with_their_gaps_and_each_voice_keeps_its_own_track():
    lines = [Line("A", "Hello there.", "en+m3", 35), Line("B", "Good morning to you.", "en+f3", 70, gap_s=-0.3),
             Line("A", "Yes.", "en+m3", 35, gap_s=0.5)]
    audio, tracks, truth = script_audio(lines, lead_s=0.5)
    assert [t[0] for t in truth] == ["A", "B", "A"] and truth[0][1] == 0.5
    assert truth[1][1] < truth[0][2]  # a negative gap: B starts before A ends
    assert abs(truth[2][1] - (truth[1][2] + 0.5)) < 0.02
    assert set(tracks) == {"A", "B"} and audio.size == tracks["A"].size
    inside_b = slice(int(truth[1][1] * RATE) + 800, int(truth[1][2] * RATE) - 800)
    assert np.abs(tracks["B"][inside_b]).max() > 0.1 and np.abs(tracks["B"][: int((truth[1][1] - 0.01) * RATE)]).max() == 0


def test_the_mouth_opens_only_when_drawn_open(tmp_path):
    tile = face_tile()
    assert with_mouth(tile, 0.5) is tile  # closed: nothing drawn
    opened = with_mouth(tile, 10)
    changed = np.argwhere(np.any(opened != tile, axis=2))
    assert 0 < len(changed) < 0.05 * tile.shape[0] * tile.shape[1]  # a small ellipse, on the lower half of the face
    assert changed[:, 0].mean() > tile.shape[0] * 0.3
    path, truth = talking_clip(tmp_path / "one.mp4", [Line("A", "Hello.")], ["A", None])
    assert path.stat().st_size > 1000 and truth[0][0] == "A"
