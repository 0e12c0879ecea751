"""A second look's clip keeps the decoder's audio gaps (`media_audio.AUDIO_GAPS_KEY`: stretches of a broken audio
stream the decoder filled with silence): before, `reperception.thin_frames` built the look's clip without them, and a
look's prosody counted a filled gap as a pause."""

from __future__ import annotations

import numpy as np

from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip
from saber_agent.media_audio import AUDIO_GAPS_KEY
from saber_agent.reperception import thin_frames

RATE = 16_000


def dense_clip(seconds: float = 4.0, fps: float = 12.0) -> Clip:
    times = np.arange(0.0, seconds, 1 / fps)
    info = ClipInfo(path="<memory>", duration_s=seconds, has_video=True, has_audio=True, width=8, height=8,
                    sample_fps=fps, n_frames=times.size, audio_sample_rate=RATE)
    audio = np.random.default_rng(0).normal(0, 0.1, int(seconds * RATE)).astype(np.float32)
    audio[int(1.0 * RATE): int(1.5 * RATE)] = 0.0  # the gap the decoder filled
    clip = Clip(info, np.zeros((times.size, 8, 8, 3), np.uint8), times, audio, RATE)
    clip.extras[AUDIO_GAPS_KEY] = [(1.0, 0.5)]
    return clip


def test_a_thinned_look_keeps_the_audio_gaps_and_its_window_cuts_them():
    clip = dense_clip()
    look = thin_frames(clip, 4.0)
    assert look is not clip and look.info.sample_fps == 4.0 and len(look.frames) == 16
    assert look.extras[AUDIO_GAPS_KEY] == [(1.0, 0.5)]
    assert look.extras[AUDIO_GAPS_KEY] is not clip.extras[AUDIO_GAPS_KEY]  # the look's own list
    part = look.window(1.2, 3.0)  # a windowed look: the gap's part inside the window, on the window's clock
    assert [(round(a, 3), round(n, 3)) for a, n in part.extras[AUDIO_GAPS_KEY]] == [(0.0, 0.3)]


def test_a_clip_without_gaps_gives_a_look_without_them():
    clip = dense_clip()
    del clip.extras[AUDIO_GAPS_KEY]
    assert AUDIO_GAPS_KEY not in thin_frames(clip, 4.0).extras
