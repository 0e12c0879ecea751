"""A conversation clip made at test time: two espeak-ng voices taking turns in front of two faces.

Used by the segment tests (`tests/test_segments.py`) and the long-recording benchmark
(`bench/segments.py`). Needs ``espeak-ng`` and ``ffmpeg`` (see `saber_agent.testing.synth`).
"""

from __future__ import annotations

import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from saber_agent.testing.synth import face_image, make_clip, speak, write_wav

RATE = 16_000


@dataclass(frozen=True)
class Turn:
    """One utterance of the script: who says it (a label), with which espeak-ng voice and pitch (0-99)."""

    speaker: str
    voice: str
    pitch: int
    text: str
    valence: int  # the sign the words carry: +1 or -1 (what a test expects back)


MALE = ("en+m3", 35)
FEMALE = ("en+f3", 70)

# joy, fury, grief, delight: opposite feelings in turn, two voices
SCRIPT = (
    Turn("A", *MALE, "I am so happy today, this is wonderful news and I love it.", +1),
    Turn("B", *FEMALE, "This is outrageous and disgusting, I hate it and I am furious with you.", -1),
    Turn("A", *MALE, "My dear old friend died last night, I miss him terribly and I am heartbroken.", -1),
    Turn("B", *FEMALE, "Thank you, that is lovely and kind, I am delighted and grateful.", +1),
)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as handle:
        rate = handle.getframerate()
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), "<i2").astype(np.float32) / 32768
    return pcm, rate


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples
    n = int(round(samples.size * RATE / rate))
    return np.interp(np.arange(n) * rate / RATE, np.arange(samples.size), samples).astype(np.float32)


def conversation_audio(script=SCRIPT, gap_s: float = 0.9, lead_s: float = 0.5) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The script spoken turn by turn with `gap_s` of silence between turns: 16 kHz mono float32
    samples, and each turn's (start, end) seconds (where its speech is, silence trimmed)."""
    pieces, spans, at = [np.zeros(int(lead_s * RATE), np.float32)], [], lead_s
    with tempfile.TemporaryDirectory() as tmp:
        for i, turn in enumerate(script):
            samples, rate = _read_wav(speak(turn.text, Path(tmp) / f"{i}.wav", pitch=turn.pitch, voice=turn.voice))
            samples = _resample(samples, rate)
            loud = np.flatnonzero(np.abs(samples) > 0.01)
            samples = samples[loud[0]: loud[-1] + 1] if loud.size else samples
            pieces += [samples, np.zeros(int(gap_s * RATE), np.float32)]
            spans.append((at, at + samples.size / RATE))
            at += samples.size / RATE + gap_s
    return np.concatenate(pieces), spans


def two_faces(height: int = 240) -> np.ndarray:
    """Two faces side by side (scikit-image's astronaut, and her mirror image warmed in colour): RGB."""
    import cv2

    face = face_image()[20:340, 100:420]  # the head and shoulders, square
    face = cv2.resize(face, (height, height), interpolation=cv2.INTER_AREA)
    other = face[:, ::-1].astype(np.int16)
    other[..., 0] = np.clip(other[..., 0] + 25, 0, 255)
    gap = np.full((height, height // 3, 3), 40, np.uint8)
    return np.concatenate([face, gap, other.astype(np.uint8)], axis=1)


def conversation_clip(path: str | Path, script=SCRIPT, gap_s: float = 0.9, repeat: int = 1,
                      faces: bool = True) -> tuple[Path, list[tuple[float, float]]]:
    """An MP4 of the script (said `repeat` times over) in front of two faces (a still picture), and
    each turn's (start, end) seconds. `faces=False` makes an audio-only .m4a."""
    audio, spans = conversation_audio(script, gap_s)
    if repeat > 1:
        one = audio.size / RATE
        spans = [(a + k * one, b + k * one) for k in range(repeat) for a, b in spans]
        audio = np.tile(audio, repeat)
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_wav(Path(tmp) / "speech.wav", audio, RATE)
        make_clip(path, two_faces() if faces else None, wav, motion=False, size=(560, 240), fps=5)
    return path, spans


__all__ = ["FEMALE", "MALE", "SCRIPT", "Turn", "conversation_audio", "conversation_clip", "two_faces"]
