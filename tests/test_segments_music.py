"""Utterances over background music (`--segment utterances`), the defects of new-user trial C, on audio made
here: an espeak-ng voice (`saber_agent.testing.talking_faces.script_audio`) over a chord bed of 196, 247 and
294 Hz swelling at 1.5 Hz, as the trial's clips.

- the music's pitch track (the chord's 247 Hz note) read as a second voice talking over the male one;
- the speaker's F0 median was the music's (252.9 Hz for a ~90 Hz male voice);
- music alone: "1 utterance(s), no identified voice(s)" while the split said "no speech found".
"""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.segment_summary import render
from saber_agent.segments import analyze_segments
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import write_wav
from saber_agent.testing.talking_faces import Line, script_audio

pytest.importorskip("parselmouth")
RATE = 16_000
MALE, FEMALE = ("en+m3", 35), ("en+f3", 70)


def chord(n: int, amplitude: float = 0.10) -> np.ndarray:
    """The trial's music bed: G major (196, 247, 294 Hz), its loudness swelling at 1.5 Hz."""
    t = np.arange(n) / RATE
    notes = sum(amplitude * np.sin(2 * np.pi * f * t) for f in (196.0, 247.0, 294.0))
    return (notes * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t))).astype(np.float32)


def _over_music(path, lines) -> tuple:
    audio, _, truth = script_audio(lines)
    write_wav(path, np.clip(audio + chord(audio.size), -1, 1), RATE)
    return path, truth


@pytest.fixture(scope="module")
def male_over_music(tmp_path_factory):
    lines = [Line("A", "I just got the job! I am so happy and excited, this is the best day of my life.", *MALE)]
    path, _ = _over_music(tmp_path_factory.mktemp("music") / "male_music.wav", lines)
    return analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))


def test_music_under_one_voice_is_not_a_second_voice(male_over_music):
    """Before: "overlapping speech at 0.6-1.4 s" and "at 1.9-3.1 s" (the chord's note against the voice)."""
    result = male_over_music
    assert len(result.segments) == 1
    notes = result.segments[0].notes
    assert not any(n.startswith("overlapping speech") for n in notes), notes
    assert any(n.startswith("background music under the voice") for n in notes)


def test_the_speaker_f0_is_the_voice_s_not_the_music_s(male_over_music):
    """Before: 252.9 Hz (the chord's 247 Hz note). After: the male voice's own frames (espeak-ng en+m3 at pitch
    35: about 90 Hz), or no F0 with the reason."""
    (speaker,) = male_over_music.speakers
    assert speaker.f0_note and "background music" in speaker.f0_note
    if speaker.f0_median_hz is None:
        assert speaker.f0_note.startswith("no F0")
    else:
        assert 60 < speaker.f0_median_hz < 150
    assert "background music" in render(male_over_music)


def test_a_clean_voice_keeps_its_f0_with_no_music_note(tmp_path):
    audio, _, _ = script_audio([Line("A", "My dear old friend died last night, I miss him terribly.", *FEMALE)])
    result = analyze_segments(write_wav(tmp_path / "clean.wav", audio, RATE), AnalysisSettings(plugins=["prosody"], max_rounds=1))
    (speaker,) = result.speakers
    assert 150 < speaker.f0_median_hz < 350 and speaker.f0_note is None
    assert not any("music" in n for s in result.segments for n in s.notes)


def test_music_alone_is_no_speech_in_the_split_and_the_summary(tmp_path):
    """Before: the split said "no speech found" and the summary "1 utterance(s), no identified voice(s)"."""
    path = write_wav(tmp_path / "music.wav", chord(RATE * 6, amplitude=0.2), RATE)
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))
    assert "no speech" in result.split["note"] and result.speakers == []
    assert result.summary.text.startswith("No utterance: no speech found") and "1 utterance(s)" not in result.summary.text
    assert result.segments[0].notes == []  # no voice in it to be overlapped or to carry music
    text = render(result)
    assert "no speech: the whole clip is one segment" in text and "Utterance 1" not in text


def test_plucked_notes_under_a_voice_are_music_in_segment_mode_as_in_the_prosody_tool(tmp_path):
    """An instrument's notes (the plucked guitar line of tests/test_prosody_music.py, 1.5x) under a man's turn: the
    prosody tool's sustained-partials cue calls it music, and segment mode's speaker path now uses the same decision
    (`prosody_music.music_under_voice`). Before: no music note, and a speaker F0 of 117 Hz for a ~90 Hz voice (the
    notes' pitch); on a conversation the notes were also "overlapping speech"."""
    from tests.test_prosody_music import plucked_line

    audio, _, _ = script_audio([Line("A", "I honestly think it changed my life for the better, I get to see my kids every "
                                          "day. It was hard at first, but now I would never go back.", *MALE)])
    path = write_wav(tmp_path / "plucked.wav", np.clip(audio + 1.5 * plucked_line(audio.size), -1, 1), RATE)
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))
    (segment,) = result.segments
    slot = segment.result.evidence.slot("acoustic_feat")
    assert slot.measurements["background"]["kind"] == "music"  # the prosody tool, on the utterance's window
    assert slot.measurements["voice_emotion_withheld"].startswith("singing / music")
    assert any(n.startswith("background music under the voice: an instrument's sustained notes") for n in segment.notes)
    assert not any(n.startswith("overlapping speech") for n in segment.notes)
    (speaker,) = result.speakers
    assert speaker.f0_median_hz is None and speaker.f0_note.startswith("no F0") and "sustained notes" in speaker.f0_note


def test_each_utterance_s_pitch_and_music_are_measured_once(tmp_path, monkeypatch):
    """The voice features (`measure_voice`), the overlapping-speech reading and the speaker's F0 read one pitch track
    and one music decision per utterance (before: two Praat pitch passes and two spectrograms each)."""
    import parselmouth

    from saber_agent.plugins import prosody_music

    counts = {"pitch": 0, "spectrogram": 0}

    def counted(name, original):
        def call(*args, **kwargs):
            counts[name] += 1
            return original(*args, **kwargs)
        return call

    for method in ("to_pitch", "to_pitch_ac", "to_pitch_cc"):
        monkeypatch.setattr(parselmouth.Sound, method, counted("pitch", getattr(parselmouth.Sound, method)))
    monkeypatch.setattr(prosody_music, "spectrogram", counted("spectrogram", prosody_music.spectrogram))
    audio, _, truth = script_audio([Line("A", "Good morning, thanks for coming in so early today.", *MALE),
                                    Line("B", "No problem at all, I was up anyway.", *FEMALE),
                                    Line("A", "We need to talk about the budget.", *MALE)])

    def no_graph(path, window):  # only the speaker pass is counted: no tool runs
        raise RuntimeError("not run here")

    result = analyze_segments(write_wav(tmp_path / "three.wav", audio, RATE), AnalysisSettings(plugins=["prosody"]),
                              run=no_graph)
    assert [s.speaker for s in result.segments] == ["A", "B", "A"]
    assert counts == {"pitch": len(result.segments), "spectrogram": len(result.segments)}, counts
