"""Second looks reuse the first decode's voice-activity decision (`reperception.clip_for`): a denser decode, a
thinned view and a window of the same audio get that decision (cut to the window), not a new detection on the
window alone, as segment windows do (`voice_activity.window_activity`)."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.evidence import PerceptionRequest
from saber_agent.media import Clip, DecodeSettings, clip_cache, decode
from saber_agent.reperception import _share_voice_activity, clip_for
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth
from saber_agent.voice_activity import voice_activity, window_activity

RATE = 16_000


@pytest.fixture(scope="module")
def pause_and_speech(tmp_path_factory):
    """The zooming astronaut: 1 s of silence, a line, 2.5 s of silence (the detector joins regions under 2 s apart),
    another line, 1 s of silence (about 8.4 s, 25 fps)."""
    folder = tmp_path_factory.mktemp("looks")
    one = decode(synth.speak("I told you this would happen.", folder / "one.wav", pitch=40)).audio
    two = decode(synth.speak("Nobody ever listens to me.", folder / "two.wav", pitch=40)).audio
    quiet = np.zeros(RATE, np.float32)
    audio = np.concatenate([quiet, one, quiet, quiet, quiet[: RATE // 2], two, quiet])
    return synth.make_clip(folder / "looks.mp4", synth.face_image(), synth.write_wav(folder / "looks.wav", audio))


@pytest.fixture()
def settings():
    clip_cache.clear()
    yield AnalysisSettings()
    clip_cache.clear()


def test_a_window_look_reads_the_first_decisions_cut_not_a_new_detection(pause_and_speech, settings):
    first = clip_cache.get(str(pause_and_speech), settings.decode)
    whole = voice_activity(first)  # what the first pass's audio tools decided
    assert len(whole.regions) == 2
    start, end = whole.regions[0][0] + 0.4, whole.regions[1][1]  # starts inside the first line
    look, _, _ = clip_for(PerceptionRequest(tool="prosody", start_s=start, end_s=end), str(pause_and_speech), settings, [],
                          reads_frames=False)
    heard = voice_activity(look)  # what the look's audio tool reads
    cut = window_activity(whole, start, end, RATE)
    assert heard.regions == cut.regions and heard.regions[0][0] == 0.0  # speech from the window's first sample
    assert "cut to this second look's window" in heard.note
    assert len(heard.probabilities) == len(cut.probabilities) and np.array_equal(heard.probabilities, cut.probabilities)


def test_a_denser_look_shares_the_decision_of_the_same_audio(pause_and_speech, settings):
    first = clip_cache.get(str(pause_and_speech), settings.decode)
    whole = voice_activity(first)
    look, fps, decoded = clip_for(PerceptionRequest(tool="face", fps=6), str(pause_and_speech), settings, [], reads_frames=True)
    assert decoded and fps == 6.0 and look is not first
    assert voice_activity(look) is whole
    thinner, fps, _ = clip_for(PerceptionRequest(tool="face", fps=4, start_s=2.0, end_s=5.0), str(pause_and_speech), settings,
                               [], reads_frames=True)
    assert fps == 4.0 and voice_activity(thinner).regions == window_activity(whole, 2.0, 5.0, RATE).regions


def test_a_look_inside_an_utterance_window_cuts_the_utterances_decision(pause_and_speech, settings):
    """Segment mode: the first clip is an utterance's window holding the whole file's decision cut to it (as
    `segments_run` leaves it); a look on part of that window cuts it again, on the window's clock."""
    whole = voice_activity(clip_cache.get(str(pause_and_speech), settings.decode))
    a, b = whole.regions[1][0] - 0.2, whole.regions[1][1] + 0.2
    window = settings.updated(decode={**settings.decode.model_dump(), "window_s": (a, b)})
    clip_cache.get(str(pause_and_speech), window.decode).extras["voice_activity"] = window_activity(whole, a, b, RATE)
    look, _, _ = clip_for(PerceptionRequest(tool="prosody", start_s=0.5, end_s=b - a), str(pause_and_speech), window, [],
                          reads_frames=False)
    heard = voice_activity(look)
    assert heard.regions == window_activity(whole, a + 0.5, b, RATE).regions
    assert "cut to this utterance" in heard.note and "cut to this second look's window" in heard.note


def test_nothing_is_shared_without_a_decision_or_with_other_audio(pause_and_speech, settings):
    first = clip_cache.get(str(pause_and_speech), settings.decode)
    look, _, _ = clip_for(PerceptionRequest(tool="prosody", start_s=1.0, end_s=3.0), str(pause_and_speech), settings, [],
                          reads_frames=False)
    assert "voice_activity" not in look.extras and "voice_activity" not in first.extras  # nothing detected for it
    voice_activity(first)
    other = Clip(first.info, first.frames, first.frame_times, first.audio[::-1].copy(), first.sample_rate)  # not the same audio
    _share_voice_activity(first, other, None)
    assert "voice_activity" not in other.extras
    dense = decode(pause_and_speech, DecodeSettings(fps=6.0))
    assert np.array_equal(dense.audio, first.audio)  # a denser decode's audio is the first decode's: it may share
