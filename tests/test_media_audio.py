"""The audio side of decoding (saber_agent.media_audio): track choice and a downmix that survives phase inversion.

The end-to-end cases (files made with ffmpeg) are in tests/test_field_media.py; these check the pieces
on arrays and a real stereo file made here.
"""

from __future__ import annotations

import subprocess

import av
import numpy as np
import pytest

from saber_agent.media_audio import (
    AUDIO_RATE,
    FRAME,
    SILENCE_RMS,
    AudioTrack16k,
    channel_levels,
    channel_rms,
    preferred_audio,
    rms,
    silent,
    sound_level,
)
from saber_agent.testing.synth import speak, tone, write_wav


def test_silence_is_told_from_sound():
    assert silent(np.zeros(AUDIO_RATE, np.float32)) and silent(np.zeros(0, np.float32))
    assert not silent(tone(220.0, 0.5))
    assert rms(tone(220.0, 0.5)) == pytest.approx(0.3 / np.sqrt(2), rel=1e-3) and rms(np.zeros(0, np.float32)) == 0.0
    assert silent(tone(220.0, 0.5, amplitude=0.99 * SILENCE_RMS * np.sqrt(2))) and not silent(tone(220.0, 0.5, amplitude=2e-4))


LONG_S = 60.0
SPEECH_AT_S = 20.0


def _db(x: float) -> float:
    return 20 * np.log10(max(x, 1e-12))


@pytest.fixture(scope="module")
def said(tmp_path_factory):
    """6.5 s of espeak-ng speech, 16 kHz mono, scaled to 0 dB RMS (times a level gives that level in dBFS)."""
    from saber_agent.media import decode

    path = speak("I told you I would be here on time, and I am here. Now can we please talk about what happened "
                 "yesterday at the office?", tmp_path_factory.mktemp("said") / "said.wav")
    audio = decode(path).audio.astype(np.float64)
    return audio / rms(audio)


def _long(speech: np.ndarray | None, level_db: float, floor: np.ndarray | None = None) -> np.ndarray:
    """LONG_S of `floor` (digital silence by default) with `speech` at `level_db` dBFS RMS from SPEECH_AT_S."""
    out = np.zeros(int(LONG_S * AUDIO_RATE)) if floor is None else floor.astype(np.float64).copy()
    if speech is not None:
        at = int(SPEECH_AT_S * AUDIO_RATE)
        out[at: at + speech.size] += speech * 10 ** (level_db / 20)
    return out.astype(np.float32)


def _dither(seed: int = 0) -> np.ndarray:
    """16-bit TPDF dither, quantized (what a 16-bit recorder writes for silence): -96 dBFS RMS."""
    rng = np.random.default_rng(seed)
    n = int(LONG_S * AUDIO_RATE)
    return np.round(rng.uniform(-0.5, 0.5, n) + rng.uniform(-0.5, 0.5, n)) / 32768


def _hum(level_db: float) -> np.ndarray:
    t = np.arange(int(LONG_S * AUDIO_RATE)) / AUDIO_RATE
    hum = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((50, 1.0), (100, 0.5), (150, 0.3)))  # mains hum and harmonics
    return hum / rms(hum) * 10 ** (level_db / 20)


def _hiss(level_db: float, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(LONG_S * AUDIO_RATE)) * 10 ** (level_db / 20)


@pytest.mark.parametrize("level_db, floor", [(-75, None), (-75, "dither"), (-85, None), (-75, "hiss")])
def test_faint_speech_in_a_long_clip_is_not_silent(said, level_db, floor):
    """The whole-clip RMS diluted 6.5 s of faint speech over 60 s: at -75 dBFS the clip measured -85 dBFS and was
    silent (no voice was looked for, the speech slots said "silent"). Its loudest 0.2 s reach -68 dBFS."""
    under = {"dither": _dither(), "hiss": _hiss(-85), None: None}[floor]
    audio = _long(said, level_db, under)
    assert rms(audio) < SILENCE_RMS  # the former rule: silent
    assert not silent(audio) and sound_level(audio) > 10 ** ((level_db + 4) / 20)  # speech peaks above its mean level
    assert silent(_long(said, level_db - 20, under))  # 20 dB fainter (-95 dBFS at most: a few 16-bit steps): silent


@pytest.mark.parametrize("name", ["zero", "dither", "hum -90 dBFS", "hiss -90 dBFS", "click"])
def test_true_silence_dither_faint_hum_hiss_and_a_click_stay_silent(name):
    click = np.zeros(int(LONG_S * AUDIO_RATE))
    click[AUDIO_RATE * 30: AUDIO_RATE * 30 + 40] = 0.9  # 2.5 ms at -1 dBFS: one frame, no sound
    audio = {"zero": np.zeros(int(LONG_S * AUDIO_RATE)), "dither": _dither(), "hum -90 dBFS": _hum(-90),
             "hiss -90 dBFS": _hiss(-90), "click": click}[name].astype(np.float32)
    assert silent(audio) and sound_level(audio) < SILENCE_RMS
    if name == "click":
        assert rms(audio) > 30 * SILENCE_RMS  # the former rule called the click sound (-45 dBFS over the clip)


def test_the_loudest_fifth_of_a_second_is_an_order_statistic():
    audio = np.zeros(AUDIO_RATE * 10, np.float32)
    at = 32 * FRAME  # 7 whole 32 ms frames (0.224 s) of a tone at -37 dBFS RMS: the 7th loudest frame holds 0.2 s
    audio[at: at + 7 * FRAME] = tone(440.0, 7 * FRAME / AUDIO_RATE, amplitude=0.02)
    assert sound_level(audio) == pytest.approx(0.02 / np.sqrt(2), rel=0.02) and not silent(audio)
    assert rms(audio) < 0.02 / np.sqrt(2) / 6  # the clip's mean is 16.5 dB lower: 10 s of silence around it
    audio[at + 3 * FRAME: at + 7 * FRAME] = 0.0  # only 0.1 s left: the loudest 0.2 s are half silence
    assert silent(audio)
    assert not silent(tone(440.0, 0.1, amplitude=0.01))  # shorter than 0.2 s: all of it counts
    assert silent(np.zeros(100, np.float32)) and sound_level(np.zeros(0, np.float32)) == 0.0


def test_faint_speech_in_a_long_phone_recording_decodes_as_sound(said, tmp_path):
    """End to end: 60 s in AAC (a phone's codec) of 16-bit dither with 6.5 s of speech at -75 dBFS. The track was
    listed silent and the clip noted "the audio track is silent"; it is sound, the voice is found where it is."""
    from saber_agent.media import decode
    from saber_agent.voice_activity import voice_activity

    wav = tmp_path / "faint.wav"
    import scipy.io.wavfile

    scipy.io.wavfile.write(wav, AUDIO_RATE, (_long(said, -75, _dither()) * 32768).round().astype("<i2"))
    m4a = tmp_path / "faint.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "aac", "-b:a", "64k", str(m4a)], check=True)
    clip = decode(m4a)
    assert rms(clip.audio) < SILENCE_RMS  # the whole clip's mean, the former rule, still reads it as silence
    assert not clip.audio_is_silent and clip.info.audio_tracks[0].silent is False
    assert "the audio track is silent" not in clip.info.notes
    regions = voice_activity(clip).regions
    assert regions and SPEECH_AT_S - 0.5 < regions[0][0] < SPEECH_AT_S + 1.0 and regions[-1][1] < SPEECH_AT_S + 8.0


def test_a_phase_inverted_faint_voice_in_a_long_clip_is_found_in_its_channels(said, tmp_path):
    """The channel half of the rule reads each channel's loudest 0.2 s too: faint speech whose stereo channels cancel
    in the mono mix is sound, and the loudest channel is analysed (the whole-track channel RMS was -85 dBFS: silent)."""
    from saber_agent.media import decode

    mono = write_wav(tmp_path / "faint_mono.wav", _long(said, -75, _dither()))
    inverted = tmp_path / "faint_inverted.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(mono), "-af", "pan=stereo|c0=c0|c1=-1*c0", str(inverted)],
                   check=True)
    track = _decode(inverted)
    assert silent(track.samples()) and float(channel_rms(track, track.samples().size).max()) < SILENCE_RMS
    assert float(channel_levels(track).min()) > 2 * SILENCE_RMS
    clip = decode(inverted)
    assert clip.info.audio_tracks[0].silent is False and not clip.audio_is_silent
    assert any("cancel" in n for n in clip.info.notes)


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


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _between(audio: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    return audio[int(start_s * AUDIO_RATE): int(end_s * AUDIO_RATE)]


@pytest.mark.parametrize("kind", ["mkv aac", "ts second track"])
def test_a_gap_in_the_audio_timestamps_is_filled_with_silence(tmp_path, kind):
    """5 s of video; 3 s of a tone whose last second is stamped 2 s later (4-5 s): a stretch of lost packets. The
    decoded frames were put end to end from the first timestamp, so the last second of sound moved to 2-3 s, 2 s early
    against the picture (the trial's audio_gap.mkv: 3 s early; corrupt_mid.ts, a damaged middle: 2.3 s), with no note.
    "ts second track": the first track is silent, the gapped one is decoded in a second pass (`audio_only`)."""
    from saber_agent.media import decode

    gap = "asetpts='if(gte(T,2),PTS+2/TB,PTS)'"
    video = ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:d=5"]
    tone_in = ["-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=48000"]
    if kind == "mkv aac":
        path = tmp_path / "gap.mkv"
        _ffmpeg(*video, *tone_in, "-filter_complex", f"[1:a]{gap}[a]", "-map", "0:v", "-map", "[a]",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path))
    else:
        path = tmp_path / "gap.ts"
        _ffmpeg(*video, "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", *tone_in, "-filter_complex", f"[2:a]{gap}[a]",
                "-map", "0:v", "-map", "1:a", "-map", "[a]", "-t", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-c:a", "mp2", str(path))
    clip = decode(path)
    if kind != "mkv aac":
        assert clip.info.audio_track == 1
    assert abs(clip.audio.size / AUDIO_RATE - 5.0) < 0.1  # was 3.0 s: the gap closed up
    assert rms(_between(clip.audio, 0.2, 1.9)) > 0.05  # the tone (ffmpeg sine: amplitude 1/8) before the gap
    assert silent(_between(clip.audio, 2.1, 3.95))  # the gap is silence ...
    assert rms(_between(clip.audio, 4.1, 4.9)) > 0.05  # ... and the sound after it at its own time
    (note,) = [n for n in clip.info.notes if "gaps" in n]
    assert note.startswith("the audio had gaps of 2.00 s in all (2.00 s at 2.0") and "filled with silence" in note


def test_audio_stamped_over_earlier_audio_is_dropped(tmp_path):
    """A tone whose timestamps step 0.5 s back after 2 s (the muxer spreads the step over a few frames): the overlap is
    dropped, so every later sample stays at its own timestamp and the track ends where its timestamps end (3.5 s,
    not 4 s), with a note."""
    from saber_agent.media import decode

    path = tmp_path / "overlap.ts"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:d=5", "-f", "lavfi", "-i", "sine=f=440:d=4:sample_rate=48000",
            "-filter_complex", "[1:a]asetpts='if(gte(T,2),PTS-0.5/TB,PTS)'[a]", "-map", "0:v", "-map", "[a]",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "mp2", str(path))
    clip = decode(path)
    assert abs(clip.audio.size / AUDIO_RATE - 3.5) < 0.1  # was 4.0 s: the overlapping audio pushed the rest late
    (note,) = [n for n in clip.info.notes if "overlapped" in n]
    assert note.startswith("0.5") and "dropped" in note


@pytest.mark.parametrize("codec, suffix", [("libopus", "webm"), ("aac", "mkv"), ("aac", "mp4")])
def test_ordinary_timestamps_leave_the_audio_as_decoded(tmp_path, codec, suffix):
    """Timestamps rounded to 1 ms (Matroska, WebM) jitter around the samples' own clock: within GAP_TOLERANCE_S the
    chunks follow each other end to end, no silence is put in and no note is made."""
    from saber_agent.media import decode

    path = tmp_path / f"plain.{suffix}"
    video = ["-c:v", "libx264", "-pix_fmt", "yuv420p"] if suffix != "webm" else ["-c:v", "libvpx", "-b:v", "200k"]
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:d=6", "-f", "lavfi", "-i", "sine=f=300:d=6:sample_rate=44100",
            *video, "-c:a", codec, str(path))
    clip = decode(path)
    assert not [n for n in clip.info.notes if "gaps" in n or "overlapped" in n or "no picture" in n or "no sound" in n]
    assert abs(clip.audio.size / AUDIO_RATE - 6.0) < 0.05
    assert sound_level(_between(clip.audio, 0.1, 5.9)) > 0.05
    # no sample of silence put in: every 32 ms frame of the tone is loud
    frames = _between(clip.audio, 0.1, 5.9)
    n = frames.size // FRAME
    assert np.sqrt((frames[: n * FRAME].reshape(n, FRAME).astype(np.float64) ** 2).mean(axis=1)).min() > 0.05
