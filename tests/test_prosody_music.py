"""Plucked notes under a voice (plugins/prosody_music.py), on espeak-ng speech with a numpy plucked-string line.

The trial (trial D singing_guitar.wav): espeak-ng "la la love" at six pitches over a guitar-like line (a note every
0.5 s of 196-294 Hz with its octave, decaying as exp(-4 t)). Each note decays and the next is another pitch, so the
quantile background estimate (prosody_background) saw none of it (speech 32 dB over it, flatness -7.5 dB, kind
None), the pitch track switched between voice and notes (F0 SD 8.4 semitones) and the voice was read as surprise
0.94: the clip's only emotion cue.
"""

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.plugins.prosody_background import spectrogram
from saber_agent.plugins.prosody_music import MUSIC_SHARE, f0_track, sustained_partials_share
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import audio_clip, speak

RATE = 16_000
NOTES_HZ = (196.0, 247.0, 294.0, 196.0, 247.0, 294.0, 220.0, 262.0)  # the trial's guitar line, one note per 0.5 s


def plucked_line(n: int) -> np.ndarray:
    """The trial's plucked notes: fundamental 0.2 and octave 0.1, decaying exp(-4 t), a new note every 0.5 s."""
    out = np.zeros(n, np.float32)
    for k in range(int(n / (0.5 * RATE)) + 1):
        start = int(k * 0.5 * RATE)
        length = min(RATE, n - start)
        if length <= 0:
            break
        t = np.arange(length) / RATE
        f = NOTES_HZ[k % len(NOTES_HZ)]
        out[start: start + length] += ((0.2 * np.sin(2 * np.pi * f * t) + 0.1 * np.sin(4 * np.pi * f * t))
                                       * np.exp(-4 * t)).astype(np.float32)
    return out


def _norm(audio: np.ndarray) -> np.ndarray:
    return (audio / np.abs(audio).max() * 0.8).astype(np.float32)


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("music")
    speech = decode(speak("I honestly think it changed my life for the better, I get to see my kids every day.",
                          folder / "speech.wav", pitch=35, speed=165, voice="en+m3")).audio
    sung = []  # the trial's "singing": slow syllables at six pitch settings, 0.2 s apart
    for i, pitch in enumerate((30, 45, 60, 45, 30, 60)):
        sung += [decode(speak("la la love", folder / f"la{i}.wav", pitch=pitch, speed=80, voice="en+f2")).audio,
                 np.zeros(RATE // 5, np.float32)]
    lead = np.zeros(RATE // 2, np.float32)
    return {"speech": np.concatenate([lead, _norm(speech), lead]), "sung": np.concatenate([lead, _norm(np.concatenate(sung)), lead])}


@pytest.mark.parametrize("name", ["speech", "sung"])
def test_a_voice_over_plucked_notes_is_said_to_be_over_music_and_no_voice_emotion_is_read(voices, name):
    tool = ProsodyTool()
    clean = tool.perceive(audio_clip(voices[name]), AnalysisSettings())
    slot = tool.perceive(audio_clip(voices[name] + plucked_line(voices[name].size)), AnalysisSettings())
    m = slot.measurements
    print(f"{name}: clean {clean.measurements['background']}; over the notes {m['background']}")
    assert clean.ok and not clean.measurements["background_under_voice"] and tool.cues(clean)
    assert clean.measurements["background"]["sustained_partials_share"] < MUSIC_SHARE / 2
    assert slot.ok and m["background_under_voice"] and m["background"]["kind"] == "music"
    assert m["background"]["sustained_partials_share"] >= MUSIC_SHARE
    assert tool.cues(slot) == []  # no voice emotion from a tune
    assert "voice_emotion" not in m and m["voice_emotion_withheld"].startswith("singing / music")
    assert slot.text.startswith("The voice is measured over background music") and "figures that follow are unreliable" in slot.text
    assert "No voice emotion is read: singing / music" in slot.text


def test_the_voice_s_own_held_harmonics_are_not_sustained_partials(voices):
    """Slow, drawn-out syllables hold their harmonics too, but at the multiples of their own F0: not counted."""
    for audio in voices.values():
        share = sustained_partials_share(spectrogram(audio, RATE), *f0_track(audio, RATE))
        assert share is not None and share < MUSIC_SHARE / 2


def test_too_little_sound_gives_no_share():
    silence = np.zeros(RATE, np.float32)
    assert sustained_partials_share(spectrogram(silence, RATE), *f0_track(silence, RATE)) is None
    short = plucked_line(int(0.6 * RATE))
    assert sustained_partials_share(spectrogram(short, RATE), *f0_track(short, RATE)) is None
