"""The one voice-activity decision (saber_agent.voice_activity) on real speech, tones and silence.

The decision as the transcript and prosody tools use it on field media is in tests/test_field_media.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.media import AUDIO_RATE, Clip, decode
from saber_agent.testing.synth import speak, tone, write_wav
from saber_agent.voice_activity import detect, level, speech_signal, voice_activity, voiced_share

pytest.importorskip("faster_whisper")


@pytest.fixture(scope="module")
def late_speech(tmp_path_factory):
    """2 s of silence, then about 2 s of espeak-ng speech, then 1 s of silence: (audio, speech start s)."""
    folder = tmp_path_factory.mktemp("vad")
    said = decode(speak("Hello, this is a short test of the voice detector.", folder / "s.wav")).audio
    return np.concatenate([np.zeros(2 * AUDIO_RATE, np.float32), said, np.zeros(AUDIO_RATE, np.float32)]), 2.0


def test_speech_is_found_where_it_is_and_mapped_back_to_the_clip(late_speech):
    audio, start = late_speech
    found = detect(audio)
    assert found.found and found.detector.startswith("silero")
    first, last = found.regions[0][0], found.regions[-1][1]
    assert start - 0.5 < first < start + 0.3 and last <= audio.size / AUDIO_RATE  # regions are padded 0.4 s
    assert found.speech_s < audio.size / AUDIO_RATE - 1.5  # the leading silence is not speech
    cut = speech_signal(audio, AUDIO_RATE, found)
    assert cut.audio.size < audio.size and abs(float(cut.clip_time(0.0)) - first) < 0.05


def test_a_steady_tone_and_silence_hold_no_voice():
    assert not detect(np.zeros(3 * AUDIO_RATE, np.float32)).found
    assert not detect(tone(220.0, 3.0)).found


def test_audio_the_clip_calls_silent_holds_no_voice(late_speech):
    """One silence rule (media_audio.silent): speech at -81 dBFS RMS was levelled x100 and found by the detector
    (0.0-3.4 s) while Clip.audio_is_silent, which the transcript and prosody tools read, called it silent. The rule
    now reads the loudest 0.2 s (32 ms frames at -80 dBFS): that speech is sound and its voice is looked for; 20 dB
    fainter (its loudest 0.2 s under -80 dBFS, a few 16-bit steps) it is silent and no voice is looked for."""
    faint = late_speech[0][2 * AUDIO_RATE:] * 1e-3
    info = ClipInfo(path="faint", duration_s=faint.size / AUDIO_RATE, has_audio=True)
    assert not Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), faint).audio_is_silent
    assert detect(faint).found
    fainter = faint * 0.1
    assert Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), fainter).audio_is_silent
    found = detect(fainter)
    assert not found.found and found.note == "the audio is silent"


def test_faint_speech_in_a_long_clip_is_looked_for_and_found(late_speech):
    """2.5 s of espeak-ng speech at -75 dBFS RMS in 60 s of 16-bit dither: the whole clip's RMS (-89 dBFS) called it
    silent, so no voice was looked for and the speech slots said "silent". It is found where it is now."""
    said = late_speech[0][2 * AUDIO_RATE: 4 * AUDIO_RATE + AUDIO_RATE // 2]
    rng = np.random.default_rng(0)
    n = 60 * AUDIO_RATE
    audio = np.round(rng.uniform(-0.5, 0.5, n) + rng.uniform(-0.5, 0.5, n)) / 32768  # 16-bit dither, -96 dBFS
    at = 20 * AUDIO_RATE
    audio[at: at + said.size] += said / np.sqrt(np.mean(said.astype(np.float64) ** 2)) * 10 ** (-75 / 20)
    audio = audio.astype(np.float32)
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) < 1e-4  # under the former whole-clip rule: silent
    found = detect(audio)
    assert found.found and 19.5 < found.regions[0][0] < 20.5 and found.regions[-1][1] < 20 + said.size / AUDIO_RATE + 1.0


@pytest.mark.parametrize("level_db", [-60, -40])
def test_a_hum_or_hiss_track_is_sound_but_no_voice(level_db):
    """Above the silence level a hum or hiss is sound (not silent) and the detector hears no voice in it."""
    t = np.arange(10 * AUDIO_RATE) / AUDIO_RATE
    hum = np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 100 * t) + 0.3 * np.sin(2 * np.pi * 150 * t)
    hiss = np.random.default_rng(1).standard_normal(t.size)
    for noise in (hum, hiss):
        audio = (noise / np.sqrt(np.mean(noise**2)) * 10 ** (level_db / 20)).astype(np.float32)
        found = detect(audio)
        assert found.note != "the audio is silent" and not found.found


WHISPERED = ["Please be quiet. Someone is in the house, and I am so scared.", "Do not make a sound. They are right outside the door."]


@pytest.mark.parametrize("sentence", WHISPERED)
def test_whispered_speech_is_speech(tmp_path, sentence):
    """espeak-ng's whisper voice at its default rate: Silero heard it at 0.3-0.6, never 0.8 for 0.2 s, so the
    confidence rule (made against musical onsets, which are pitched) called it no speech while whisper transcribes it
    word for word. It is unpitched (Praat finds no F0) and heard at Silero's own threshold: whispered speech, kept
    over (nearly) the whole sentence."""
    audio = decode(speak(sentence, tmp_path / "w.wav", voice="en-us+whisper", speed=175)).audio
    assert voiced_share(audio) < 0.05
    found = detect(audio)
    assert found.found and found.whispered and found.speech_s > 0.8 * found.duration_s
    assert found.measurements()["whispered_regions"] and not found.dropped


def test_voiced_speech_is_pitched_and_not_called_whispered(late_speech):
    audio = late_speech[0]
    assert voiced_share(audio[2 * AUDIO_RATE: -AUDIO_RATE]) > 0.5  # the check can fail: a voice is pitched
    assert detect(audio).whispered == []


@pytest.mark.parametrize("colour", ["pink", "brown", "pink noise modulated at 4 Hz"])
def test_coloured_and_syllable_rate_noise_is_no_voice(colour):
    """Unpitched sound that is not speech: the whisper rule needs Silero to hear it first, and it does not."""
    rng = np.random.default_rng(3)
    n = 8 * AUDIO_RATE
    freqs = np.fft.rfftfreq(n, 1 / AUDIO_RATE)
    freqs[0] = 1.0
    noise = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / freqs ** (1.0 if colour == "brown" else 0.5), n)
    if "modulated" in colour:
        noise *= 0.55 + 0.45 * np.sin(2 * np.pi * 4 * np.arange(n) / AUDIO_RATE)
    found = detect((noise / np.sqrt(np.mean(noise**2)) * 0.1).astype(np.float32))
    assert not found.found and not found.whispered


def test_quiet_audio_is_levelled_before_detection():
    loud = tone(220.0, 0.5)
    quiet, gain = level(loud * 0.1)
    assert gain == pytest.approx(0.5 / float(np.max(np.abs(loud * 0.1))), rel=1e-3)
    assert float(np.max(np.abs(quiet))) == pytest.approx(0.5, rel=1e-3)
    assert level(loud)[1] == 1.0 or float(np.max(np.abs(loud))) < 0.5
    assert level(loud * 1e-4)[1] == 100.0  # at most 40 dB


def test_the_decision_is_made_once_per_clip(late_speech, tmp_path):
    audio, _ = late_speech
    clip = Clip(ClipInfo(path=str(write_wav(tmp_path / "a.wav", audio))), np.zeros((0, 2, 2, 3), np.uint8),
                np.zeros(0), audio)
    assert voice_activity(clip) is voice_activity(clip) is clip.extras["voice_activity"]


TRIAL_WHISPER = "I have a secret. Please do not tell anyone, I am scared they will find out."


def slow_faint_whisper(folder) -> np.ndarray:
    """The trial's whisper (/tmp/trialD build.py): espeak-ng en+whisper at 140 words a minute, peak -37 dBFS, 0.5 s of
    silence before and 1 s after."""
    said = decode(speak(TRIAL_WHISPER, folder / "slow_whisper.wav", voice="en+whisper", speed=140)).audio
    said = said / np.max(np.abs(said)) * 10 ** (-37 / 20)
    return np.concatenate([np.zeros(AUDIO_RATE // 2), said, np.zeros(AUDIO_RATE)]).astype(np.float32)


def test_a_slow_whisper_alone_in_the_clip_is_speech_heard_faintly(tmp_path):
    """Silero hears this whisper at 0.5 for 64 ms only (under MIN_CONFIDENT_S, so the whisper rule did not keep it and
    both speech slots said "no voice"), at 0.3 for about 0.5 s. With no other speech in the clip, an unpitched region heard
    at 0.3 for FAINT_WHISPER_S is a whisper, kept to its end ("... they will find out", heard at 0.1-0.25) and noted."""
    from saber_agent.voice_activity import FAINT_WHISPER_S, HEARD_PROB, MIN_CONFIDENT_S, WHISPER_PROB, WINDOW

    audio = slow_faint_whisper(tmp_path)
    found = detect(audio)
    heard = {p: float(np.sum(found.probabilities >= p)) * WINDOW / AUDIO_RATE for p in (HEARD_PROB, WHISPER_PROB)}
    assert heard[HEARD_PROB] < MIN_CONFIDENT_S and heard[WHISPER_PROB] >= FAINT_WHISPER_S  # the path this test is about
    assert found.found and found.whispered == found.regions and "faintly" in found.note and not found.dropped
    assert found.regions[0][0] <= 0.6 and found.regions[-1][1] >= audio.size / AUDIO_RATE - 1.1  # the whole whisper


def test_the_faint_whisper_rule_is_only_a_fallback_when_nothing_else_is_speech(tmp_path, late_speech):
    """After a voiced sentence the same faint whisper is not taken on the faint rule (the voiced speech is the clip's voice)."""
    whisper = slow_faint_whisper(tmp_path)
    audio = np.concatenate([late_speech[0], whisper])
    found = detect(audio)
    start = late_speech[0].size / AUDIO_RATE
    assert found.found and found.regions[0][1] < start + 0.5 and not found.whispered and found.note is None


@pytest.mark.parametrize("kind", ["speech-band noise at syllable rate", "band-limited noise bursts", "white noise"])
@pytest.mark.parametrize("seed", [0, 1])
def test_unpitched_noise_is_not_a_faint_whisper(kind, seed):
    """Unpitched like a whisper and alone in the clip, so the faint rule is tried on it: Silero does not hear it at 0.3
    for FAINT_WHISPER_S (at most 0.13 s in bench/faint_whisper.py's noise set)."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = 8 * AUDIO_RATE
    t = np.arange(n) / AUDIO_RATE
    if kind == "white noise":
        noise = rng.standard_normal(n)
    elif kind.startswith("speech-band"):
        noise = sosfilt(butter(4, [300, 3400], "bandpass", fs=AUDIO_RATE, output="sos"), rng.standard_normal(n))
        noise *= np.clip(np.sin(2 * np.pi * 3 * t + 2 * np.sin(2 * np.pi * 0.7 * t)), 0, 1) ** 0.7
    else:
        noise, at = np.zeros(n), 0.3
        while at < 7.5:
            length, lo, i = int(rng.uniform(0.08, 0.3) * AUDIO_RATE), rng.uniform(200, 1500), int(at * AUDIO_RATE)
            band = butter(2, [lo, min(lo + rng.uniform(500, 4000), 7900)], "bandpass", fs=AUDIO_RATE, output="sos")
            noise[i: i + length] += sosfilt(band, rng.standard_normal(length)) * np.hanning(length)
            at += rng.uniform(0.12, 0.45)
    found = detect((noise / np.sqrt(np.mean(noise**2)) * 0.03).astype(np.float32))
    assert not found.found and not found.whispered and found.note is None


def test_a_whisper_alone_in_the_clip_is_kept_to_its_quiet_end(tmp_path):
    """The trial's whisper over white noise 30 dB under it: Silero hears it at 0.5 long enough for the whisper rule, but a
    region taken at 0.3 ended at 4.0 s, before "I am scared they will find out" (heard at 0.1-0.25), and the transcript
    lost the fear. A whisper that is the clip's only speech takes its extent at FAINT_EXTENT_PROB."""
    whisper = slow_faint_whisper(tmp_path)
    level_ = np.sqrt(np.mean(whisper[np.abs(whisper) > 1e-4].astype(np.float64) ** 2))
    audio = (whisper + np.random.default_rng(0).standard_normal(whisper.size) * level_ * 10 ** (-30 / 20)).astype(np.float32)
    found = detect(audio)
    assert found.whispered == found.regions and (found.note is None or "faintly" not in found.note)  # the ordinary rule
    assert found.regions[-1][1] >= audio.size / AUDIO_RATE - 1.1
