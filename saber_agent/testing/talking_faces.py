"""Talking faces made at test time: espeak-ng voices taking turns (or talking over each other) in front of
drawn faces whose mouths open with their own voice's loudness, so the face mesh sees who speaks.

Used by the segment and speaker-face tests (`tests/test_segments_people.py`). Each face is scikit-image's
astronaut (as `saber_agent.testing.conversation.two_faces`), 240 px square, with a dark ellipse drawn over
her mouth, opened by the speaking voice's RMS over 0.1 s (at most 14 px). A turn's speaker may have no
face on screen (an off-screen voice). Needs ``espeak-ng`` and ``ffmpeg`` (`saber_agent.testing.synth`).
Units: seconds; 16 kHz mono float32 audio; frames RGB uint8, `size` (width, height) pixels.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from saber_agent.testing.conversation import _read_wav, _resample
from saber_agent.testing.synth import _need, face_image, speak, write_wav

RATE = 16_000
TILE = 240  # a face's side, pixels


@dataclass(frozen=True)
class Line:
    """One turn: who says it, with which espeak-ng voice and pitch, and where it starts: `gap_s` after
    the previous turn's end (negative: it starts before that end, the two voices overlap)."""

    speaker: str
    text: str
    voice: str = "en-us"
    pitch: int = 50
    gap_s: float = 0.9


def voice_samples(line: Line) -> np.ndarray:
    """The line spoken by espeak-ng at 16 kHz, leading and trailing silence trimmed, peak 0.8."""
    with tempfile.TemporaryDirectory() as tmp:
        samples, rate = _read_wav(speak(line.text, Path(tmp) / "line.wav", pitch=line.pitch, voice=line.voice))
    samples = _resample(samples, rate)
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    samples = samples[loud[0]: loud[-1] + 1] if loud.size else samples
    return (samples * 0.8).astype(np.float32)


def script_audio(lines: list[Line], lead_s: float = 0.5, tail_s: float = 0.8) -> tuple[np.ndarray, dict[str, np.ndarray], list]:
    """The lines placed on one timeline: the mixed audio, each speaker's own track (for its mouth), and
    the truth [(speaker, start_s, end_s)] per line."""
    placed, at = [], lead_s
    for line in lines:
        samples = voice_samples(line)
        if placed:
            at = placed[-1][2] + line.gap_s
        placed.append((line.speaker, at, at + samples.size / RATE, samples))
    total = int((max(p[2] for p in placed) + tail_s) * RATE) + 1
    mixed = np.zeros(total, np.float32)
    tracks: dict[str, np.ndarray] = {}
    for speaker, start, _, samples in placed:
        i = int(start * RATE)
        own = tracks.setdefault(speaker, np.zeros(total, np.float32))
        own[i: i + samples.size] += samples
        mixed[i: i + samples.size] += samples
    truth = [(speaker, round(a, 2), round(b, 2)) for speaker, a, b, _ in placed]
    return np.clip(mixed, -1, 1), tracks, truth


def face_tile(mirror: bool = False) -> np.ndarray:
    """The astronaut's head and shoulders, TILE px square (mirrored and warmed: a second person)."""
    import cv2

    face = cv2.resize(face_image()[20:340, 100:420], (TILE, TILE), interpolation=cv2.INTER_AREA)
    if mirror:
        face = face[:, ::-1].astype(np.int16)
        face[..., 0] = np.clip(face[..., 0] + 25, 0, 255)
    return np.ascontiguousarray(face.astype(np.uint8))


def with_mouth(tile: np.ndarray, opening_px: float, mirror: bool = False) -> np.ndarray:
    """The tile with its mouth drawn open by `opening_px` (under 1: closed, nothing drawn)."""
    import cv2

    if opening_px < 1:
        return tile
    x, y = (223 - 100) * TILE / 320, (147 - 20) * TILE / 320  # the astronaut's mouth, in tile pixels
    x = TILE - 1 - x if mirror else x
    out = tile.copy()
    cv2.ellipse(out, (int(x), int(y) + 2), (int(0.05 * TILE), max(1, int(opening_px))), 0, 0, 360, (40, 10, 15), -1)
    return out


def _loudness(track: np.ndarray, t: float, half_s: float = 0.05) -> float:
    i, w = int(t * RATE), int(half_s * RATE)
    part = track[max(0, i - w): i + w]
    return float(np.sqrt(np.mean(part ** 2))) if part.size else 0.0


def talking_clip(path: str | Path, lines: list[Line], faces: list[str | None], fps: int = 10,
                 gap_px: int = 80) -> tuple[Path, list]:
    """An MP4 of the lines in front of len(`faces`) faces side by side, left to right: `faces[k]` is the
    speaker whose voice opens face k's mouth (None: a face that never speaks). A speaker not in `faces`
    is off screen. Returns the path and the truth [(speaker, start_s, end_s)] per line."""
    audio, tracks, truth = script_audio(lines)
    tiles = [face_tile(mirror=k % 2 == 1) for k in range(len(faces))]
    gap = np.full((TILE, gap_px, 3), 40, np.uint8)
    width = len(faces) * TILE + (len(faces) - 1) * gap_px
    size = (width + width % 2, TILE)
    path = Path(path)
    ffmpeg = _need("ffmpeg")
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_wav(Path(tmp) / "speech.wav", audio, RATE)
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}",
               "-r", str(fps), "-i", "-", "-i", str(wav), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "64k", "-ar", str(RATE), "-ac", "1", "-shortest", str(path)]
        writer = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        for k in range(int(audio.size / RATE * fps) + 1):
            t = k / fps
            parts = []
            for j, (tile, who) in enumerate(zip(tiles, faces, strict=True)):
                opening = min(14.0, 80 * _loudness(tracks[who], t)) if who in tracks else 0.0
                parts += ([gap] if j else []) + [with_mouth(tile, opening, mirror=j % 2 == 1)]
            frame = np.concatenate(parts, axis=1)
            if frame.shape[1] < size[0]:
                frame = np.pad(frame, ((0, 0), (0, size[0] - frame.shape[1]), (0, 0)))
            writer.stdin.write(np.ascontiguousarray(frame).tobytes())
        writer.stdin.close()
        if writer.wait() != 0:
            raise RuntimeError(f"ffmpeg could not write {path}")
    return path, truth


__all__ = ["Line", "face_tile", "script_audio", "talking_clip", "voice_samples", "with_mouth"]
