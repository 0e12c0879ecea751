"""A recording heard again is clustered once (saber_agent.speakers "fused", REPEAT_FUSED): real espeak-ng speech.

Trial D's podcast.mp3 (two espeak-ng voices, a 12-turn script heard 7.5 times) read 3 voices: the man's two lines
"Welcome back ..." and "That is a good point ..." one voice (A), his four others another (C), both ~89 Hz. Each
line's repeats lie ~0.02 apart, so a voice looked far tighter than its different lines are (0.3-1.05 apart), and the
APART rule parted the man's lines at 0.68. One pass of the script was always two voices."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent import speakers
from saber_agent.speakers import REPEAT_FUSED, Voice, cluster_voices, measure_voice, pair_distances
from tests.test_speakers import RATE, spoken

HOST = ("Welcome back to the show. Today we talk about working from home.",
        "I honestly think it changed my life for the better.",
        "I get to see my kids every day, and that makes me really happy.",
        "But some days I do feel lonely and a bit lost.",
        "What do you miss most about the office?",
        "That is a good point, I had not thought of that.")
GUEST = ("Thanks for having me, it is great to be here.",
         "For me it was hard at first, I was stressed all the time.",
         "I miss the coffee breaks and the jokes with colleagues.",
         "Now I am much calmer, and I sleep better.",
         "I would never go back to a long commute.",
         "Exactly, and that is what we found in our survey.")


@pytest.fixture(scope="module")
def script():
    """The podcast's script once: host (en+m3, pitch 35) and guest (en+f3, pitch 70) in turn, as trial D built it."""
    host = [measure_voice(spoken(text, "en+m3", 35), RATE) for text in HOST]
    guest = [measure_voice(spoken(text, "en+f3", 70), RATE) for text in GUEST]
    return [v for pair in zip(host, guest, strict=True) for v in pair]


def test_a_script_heard_twice_is_still_two_voices(script, monkeypatch):
    assert cluster_voices(script) == ["A", "B"] * 6  # once: two voices
    assert cluster_voices(script * 3) == ["A", "B"] * 18
    host = script[::2]
    assert cluster_voices(host * 3) == ["A"] * 18
    monkeypatch.setattr(speakers, "REPEAT_FUSED", 0.0)  # each repeat a turn of its own: the defect
    assert len(set(cluster_voices(script * 2))) > 2
    assert len(set(cluster_voices(host * 2))) > 1


def test_repeats_are_one_recording_and_different_lines_are_not(script):
    distance = pair_distances(script * 2)
    repeats = np.diagonal(distance, offset=len(script))
    assert repeats.max() < REPEAT_FUSED
    others = distance[: len(script), : len(script)][np.triu_indices(len(script), 1)]
    assert others.min() > 2 * REPEAT_FUSED, others.min()  # one voice's different lines are not one recording


def test_given_distances_repeats_take_their_recording_s_group():
    """Two voices of two like lines each, every line heard 4 times: their repeats (0.01 apart) made each voice's spread
    tiny, so the voices' lines (0.5 apart) were parted by APART x the spread floor (0.6) at 0.65."""
    line = np.repeat(np.arange(4), 4)  # 16 utterances: lines 0, 1 (one voice), 2, 3 (another), each 4 times
    lines = np.array([[0.0, 0.5, 3.0, 3.0], [0.5, 0.0, 3.0, 3.0], [3.0, 3.0, 0.0, 0.5], [3.0, 3.0, 0.5, 0.0]])
    lines[0, 1] = lines[1, 0] = 0.65
    distance = lines[line][:, line] + 0.01 * (line[:, None] == line[None, :])
    np.fill_diagonal(distance, 0.0)
    together = speakers._distinct(distance, REPEAT_FUSED, lambda d: speakers._average_linkage(d, 1.0, speakers.FUSED_SPREAD))
    assert sorted(map(sorted, together)) == [list(range(8)), list(range(8, 16))]
    apart = speakers._average_linkage(distance, 1.0, speakers.FUSED_SPREAD)  # each repeat counted: three voices
    assert len(apart) == 3
    voices = [Voice(np.zeros(14), 2.0) for _ in range(3)]
    assert cluster_voices(voices) == ["A"] * 3  # no frames: bare features at distance 0, one recording, one voice
