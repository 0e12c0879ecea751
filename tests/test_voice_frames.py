"""The voice path's shared frame helpers (saber_agent/voice_frames.py): runs of True, and one utterance's pitch
measured once with the prosody tool's music decision beside it."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.voice_frames import PITCH_STEP_S, true_runs, utterance_pitch


def test_true_runs_are_half_open_index_pairs():
    mask = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    assert true_runs(mask).tolist() == [[0, 2], [4, 5], [6, 9]]
    assert true_runs(np.zeros(4, bool)).shape == (0, 2)
    assert true_runs(np.ones(3, bool)).tolist() == [[0, 3]]
    assert true_runs(np.zeros(0, bool)).shape == (0, 2)


def test_an_utterance_s_pitch_carries_the_music_decision():
    """An espeak-ng man (en+m3, ~90 Hz) alone and over a held chord of 196, 247 and 294 Hz swelling at 1.5 Hz (the
    music bed of tests/test_segments_music.py): the prosody tool's one music decision (`prosody_music.music_under_voice`)
    finds the chord's pitch frames (left out of `f0`) and its sustained partials; clean speech has neither."""
    pytest.importorskip("parselmouth")
    from saber_agent.testing.talking_faces import Line, voice_samples

    rate = 16_000
    voice = voice_samples(Line("A", "I just got the job! I am so happy and excited, this is the best day of my life.",
                               "en+m3", 35))
    t = np.arange(voice.size) / rate
    chord = sum(0.1 * np.sin(2 * np.pi * f * t) for f in (196.0, 247.0, 294.0)) * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t))
    alone = utterance_pitch(voice, rate)
    over = utterance_pitch(np.clip(voice + chord, -1, 1).astype(np.float32), rate)
    assert alone is not None and over is not None
    assert not alone.notes and alone.music_share == 0.0 and alone.notes_share < 0.05
    assert over.notes and over.music_share > 0.5
    voiced = over.f0[over.f0 > 0]  # what is left is the man's, not the chord's notes
    assert voiced.size * PITCH_STEP_S >= 0.2  # some of his voice is left (0.43 s here), not every frame removed
    assert np.median(voiced) < 160 and voiced.max() < 196  # his (~90 Hz), none at the chord's notes (196 Hz and up)
    assert utterance_pitch(np.zeros(rate // 10, np.float32), rate) is None  # under 0.2 s: no track
