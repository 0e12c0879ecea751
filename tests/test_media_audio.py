"""The audio side of decoding (saber_agent.media_audio): track choice and a downmix that survives phase inversion.

The end-to-end cases (files made with ffmpeg) are in tests/test_field_media.py; these check the pieces
on arrays and a real stereo file made here.
"""

from __future__ import annotations

import subprocess

import av
import numpy as np
import pytest

from saber_agent.media_audio import AUDIO_RATE, SILENCE_RMS, AudioTrack16k, channel_rms, preferred_audio, rms, silent
from saber_agent.testing.synth import tone, write_wav


def test_silence_is_told_from_sound():
    assert silent(np.zeros(AUDIO_RATE, np.float32)) and silent(np.zeros(0, np.float32))
    assert not silent(tone(220.0, 0.5))
    assert rms(tone(220.0, 0.5)) == pytest.approx(0.3 / np.sqrt(2), rel=1e-3) and rms(np.zeros(0, np.float32)) == 0.0
    assert silent(tone(220.0, 0.5, amplitude=0.99 * SILENCE_RMS * np.sqrt(2))) and not silent(tone(220.0, 0.5, amplitude=2e-4))


def _stereo(path, invert: bool):
    mono = write_wav(path.with_suffix(".mono.wav"), tone(220.0, 1.0))
    pan = "pan=stereo|c0=c0|c1=-1*c0" if invert else "pan=stereo|c0=c0|c1=c0"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(mono), "-af", pan, str(path)], check=True)
    return path


def _decode(path) -> AudioTrack16k:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert preferred_audio(list(container.streams.audio), None) is stream
        track = AudioTrack16k(stream, origin=0.0)
        for frame in container.decode(stream):
            track.add(frame)
        track.flush()
    return track


def test_an_inverted_channel_cancels_the_mix_but_keeps_its_energy(tmp_path):
    inverted = _decode(_stereo(tmp_path / "inverted.wav", invert=True))
    mix = inverted.samples()
    assert silent(mix) and inverted.channel_energy.min() > 100 * max(float(np.sum(mix.astype(np.float64) ** 2)), 1e-12)
    assert channel_rms(inverted, mix.size) == pytest.approx([0.3 / np.sqrt(2)] * 2, rel=0.02)  # each channel: the tone
    ordinary = _decode(_stereo(tmp_path / "ordinary.wav", invert=False))
    assert not silent(ordinary.samples()) and abs(ordinary.samples().size - AUDIO_RATE) < 200


def test_a_phase_cancelled_track_is_listed_as_sound_not_silence(tmp_path):
    from saber_agent.media import decode

    clip = decode(_stereo(tmp_path / "inverted.wav", invert=True))
    track = clip.info.audio_tracks[0]
    assert track.analysed and track.silent is False  # was silent=True: the flag read the cancelled mono mix
    assert not clip.audio_is_silent and any("cancel" in n for n in clip.info.notes)
    quiet = tmp_path / "quiet.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "1", str(quiet)],
                   check=True)
    assert decode(quiet).info.audio_tracks[0].silent is True


def test_nan_samples_of_a_float_wav_decode_as_silence_not_nan(tmp_path):
    """A float WAV can hold NaN: it passed np.clip into Clip.audio, where RMS (NaN) called the track sound and the
    whisper features raised ValueError. Infinity is clipped to full scale."""
    import scipy.io.wavfile

    from saber_agent.media import DecodeSettings, decode

    audio = tone(200, 2.0, amplitude=0.3).astype(np.float32)
    audio[1000:1100] = np.nan
    scipy.io.wavfile.write(tmp_path / "nan.wav", AUDIO_RATE, audio)
    clip = decode(tmp_path / "nan.wav", DecodeSettings())
    assert clip.has_audio and np.isfinite(clip.audio).all() and not clip.audio_is_silent
    assert rms(clip.audio) == pytest.approx(0.3 / np.sqrt(2), rel=0.05)
    audio[:] = np.nan
    scipy.io.wavfile.write(tmp_path / "all_nan.wav", AUDIO_RATE, audio)
    assert decode(tmp_path / "all_nan.wav", DecodeSettings()).audio_is_silent
