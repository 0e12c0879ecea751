"""The shared Clip, its decode settings and the media errors (saber_agent/media_clip.py), on made-up arrays (no decode)."""

import numpy as np
import pytest
from pydantic import ValidationError

from saber_agent import media, media_clip
from saber_agent.errors import UsageError
from saber_agent.evidence import ClipInfo
from saber_agent.media_clip import AudioTrackError, Clip, DecodeSettings, MediaError, window_of
from saber_agent.picture_change import BETWEEN_KEY


def _clip(seconds: float = 4.0, fps: float = 2.0) -> Clip:
    times = np.arange(0, seconds, 1 / fps)
    frames = np.zeros((len(times), 4, 4, 3), np.uint8)
    frames[:, 0, 0, 0] = np.arange(len(times))  # each frame knows its index
    audio = np.linspace(-1, 1, int(seconds * media_clip.AUDIO_RATE), dtype=np.float32)
    return Clip(ClipInfo(path="x.mp4", duration_s=seconds, n_frames=len(times)), frames, times, audio)


def test_the_old_import_paths_are_the_same_objects():
    for name in ("Clip", "DecodeSettings", "MediaError", "AudioTrackError", "window_of"):
        assert getattr(media, name) is getattr(media_clip, name), name
    assert issubclass(AudioTrackError, MediaError) and issubclass(AudioTrackError, UsageError)


def test_decode_settings_check_their_window_and_drop_it_for_the_whole_file():
    with pytest.raises(ValidationError, match="window_s"):
        DecodeSettings(window_s=(2.0, 1.0))
    with pytest.raises(ValidationError):
        DecodeSettings(fpz=3)  # a misspelt key is refused, not decoded at the defaults
    settings = DecodeSettings(fps=4, window_s=(1.0, 2.0))
    assert settings.whole() == DecodeSettings(fps=4) and DecodeSettings().whole() is not None


def test_a_window_is_a_view_on_its_own_clock_with_the_decodes_between_samples():
    clip = _clip()
    clip.extras[BETWEEN_KEY] = np.arange(len(clip.frames))
    part = window_of(clip, (1.0, 2.5))
    assert list(part.frames[:, 0, 0, 0]) == [2, 3, 4] and np.allclose(part.frame_times, [0.0, 0.5, 1.0])
    assert part.audio.size == int(1.5 * clip.sample_rate) and part.duration_s == pytest.approx(1.5)
    assert list(part.extras[BETWEEN_KEY]) == [2, 3, 4]
    assert part.info.n_frames == 3 and "window 1.00-2.50 s of the file" in part.info.notes[-1]
    assert np.shares_memory(part.audio, clip.audio)  # a view: nothing copied or decoded again
    assert part.has_video and part.has_audio and not part.audio_is_silent


def test_a_window_says_only_its_own_audio_gaps_on_its_own_clock():
    """A file note "gaps ... at 4.70 s" copied into every utterance window (review: a window at 7.38-12.21 s held no
    gap but said so, beside "times are seconds after the window's start")."""
    from saber_agent.media_audio import AUDIO_GAPS_KEY, gaps_sentence

    clip = _clip()
    clip.extras[AUDIO_GAPS_KEY] = [(0.5, 0.4)]
    dropped = "0.10 s of audio whose timestamps overlapped earlier audio was dropped"
    clip.info = clip.info.model_copy(update={"notes": ["upright", gaps_sentence([(0.5, 0.4)]) + "; " + dropped]})
    holding, clear = window_of(clip, (0.2, 1.5)), window_of(clip, (1.0, 2.5))
    assert holding.info.notes[:2] == ["upright", gaps_sentence([(0.3, 0.4)]) + "; " + dropped]
    assert "0.40 s at 0.30 s" in holding.info.notes[1]
    assert clear.info.notes[:2] == ["upright", dropped] and not any("gaps" in n for n in clear.info.notes)
