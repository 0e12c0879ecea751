"""A whisper the voice detector hears only faintly (saber_agent.voice_activity.FAINT_WHISPER_S), through both speech tools.

The trial's clip (espeak-ng en+whisper at 140 words a minute, peak -37 dBFS): both slots said "audible sound that the voice
detector did not accept as speech" and the emotion was undetermined; with the detector off whisper read it word for word.
The decision itself is tested in tests/test_voice_activity.py, the noise it must not take in bench/faint_whisper.py.
"""

from __future__ import annotations

import pytest

from saber_agent.eval.metrics_text import word_error_rate
from saber_agent.media import decode
from saber_agent.plugins import whisper_models
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.plugins.transcript import TranscriptTool
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import write_wav
from tests.test_voice_activity import TRIAL_WHISPER, slow_faint_whisper

pytest.importorskip("faster_whisper")


@pytest.fixture(scope="module")
def whisper_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faint_whisper")
    return decode(write_wav(folder / "whisper_quiet.wav", slow_faint_whisper(folder)))


@pytest.mark.skipif(whisper_models.bundled_english() is None, reason="the offline English whisper model is not installed")
def test_the_words_of_a_faint_whisper_are_read(whisper_clip):
    tool = TranscriptTool()
    slot = tool.perceive(whisper_clip, AnalysisSettings())
    assert slot.ok, slot.reason
    activity = slot.measurements["voice_activity"]
    assert activity["whispered_regions"] and "faintly" in activity["note"]
    assert word_error_rate(TRIAL_WHISPER, slot.text) < 0.3, slot.text
    (cue,) = tool.cues(slot)
    assert cue.modality == "words" and cue.valence < 0 and "scared" in cue.basis  # the fear is in the words


def test_the_prosody_tool_calls_it_whispered_not_no_voice(whisper_clip):
    slot = ProsodyTool().perceive(whisper_clip, AnalysisSettings())
    assert slot.status.value == "unavailable" and slot.reason.startswith("whispered (unvoiced) speech"), slot.reason
    assert ProsodyTool().cues(slot) == []
