"""A corpus of bad and unusual inputs, for hardening tests and the bad-input report.

Each case is a file (or a path that is not a regular file) with what a careful tool should do with it:
``error`` (a clear message, exit code 3) or ``partial`` (an analysis whose missing parts are marked).
Needs ffmpeg and espeak-ng (see `saber_agent.testing.synth`).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from saber_agent.testing.synth import _need, face_image, make_clip, speak, write_wav

Expect = Literal["error", "partial"]


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: Expect
    what: str


def _ffmpeg(*args: str) -> None:
    proc = subprocess.run([_need("ffmpeg"), "-y", "-loglevel", "error", *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"ffmpeg failed: {proc.stderr.strip()[-400:]}")


def build(folder: str | Path, long_minutes: float = 10.0) -> list[Case]:
    """Write the corpus into `folder` (idempotent: existing files are reused) and list its cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, expect: Expect, what: str, make) -> None:
        path = folder / name
        if not path.exists() and not path.is_symlink():
            make(path)
        cases.append(Case(name, path, expect, what))

    speech = folder / "_speech.wav"
    if not speech.exists():
        speak("I told you already. This is not what we agreed on, and I am tired of waiting.", speech)
    good = folder / "_good.mp4"
    if not good.exists():
        make_clip(good, face_image(), speech)

    add("empty.mp4", "error", "an empty file", lambda p: p.touch())
    add("truncated.mp4", "error", "the first 2 KB of an mp4", lambda p: p.write_bytes(good.read_bytes()[:2048]))
    add("half.mp4", "partial", "the first half of an mp4 (index intact)", lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]))
    add("text.mp4", "error", "a text file named .mp4", lambda p: p.write_text("not a video\n" * 100))
    add("wav_named.mp4", "partial", "WAV data in a file named .mp4 (wrong container)", lambda p: p.write_bytes(speech.read_bytes()))
    add("corrupt_middle.mp4", "partial", "an mp4 with random bytes over its middle", lambda p: _corrupt(good, p))
    add("audio_only.m4a", "partial", "audio without video", lambda p: make_clip(p, None, speech))
    add("video_only.mp4", "partial", "video without audio", lambda p: make_clip(p, face_image(), None, seconds=3))
    add("silent.mp4", "partial", "a face with a silent audio track",
        lambda p: make_clip(p, face_image(), write_wav(folder / "_silence.wav", np.zeros(48_000, np.float32))))
    add("no_face.mp4", "partial", "speech over a picture with no face", lambda p: make_clip(p, _coffee(), speech))
    add("one_frame.mp4", "partial", "a single video frame", lambda p: make_clip(p, face_image(), None, seconds=0.04, motion=False))
    add("frame_4k.mp4", "partial", "one second of 3840x2160 video",
        lambda p: make_clip(p, face_image(), None, seconds=1.0, size=(3840, 2160), fps=5, motion=False))
    add("vfr.mkv", "partial", "variable frame rate video with speech", lambda p: _vfr(good, p))
    add("odd_rate.wav", "partial", "speech at 11025 Hz", lambda p: _ffmpeg("-i", str(speech), "-ar", "11025", str(p)))
    add("rate_7350.m4a", "partial", "AAC at 7350 Hz", lambda p: _ffmpeg("-i", str(speech), "-ar", "7350", "-c:a", "aac", str(p)))
    add("surround_5_1.mp4", "partial", "5.1 audio (speech on the centre channel)",
        lambda p: _ffmpeg("-i", str(good), "-filter_complex", "[0:a]pan=5.1|FC=c0[a]", "-map", "0:v", "-map", "[a]",
                          "-c:v", "copy", "-c:a", "aac", str(p)))
    add("名字 émotion.mp4", "partial", "a non-ASCII file name", lambda p: p.write_bytes(good.read_bytes()))
    add("loop.mp4", "error", "a symlink loop", lambda p: p.symlink_to(p))
    add("a_directory.mp4", "error", "a directory", lambda p: p.mkdir())
    add("missing.mp4", "error", "a path that does not exist", lambda p: None)
    add(f"long_{long_minutes:g}min.mp4", "partial", f"{long_minutes:g} minutes of video and tone",
        lambda p: _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=5:duration={long_minutes * 60}",
                          "-f", "lavfi", "-i", f"sine=frequency=180:sample_rate=16000:duration={long_minutes * 60}",
                          "-c:v", "libx264", "-preset", "ultrafast", "-crf", "40", "-c:a", "aac", "-b:a", "24k", "-shortest", str(p)))
    return cases


def _corrupt(good: Path, out: Path) -> None:
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(7)
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = rng.integers(0, 256, end - start, dtype=np.uint8).tobytes()
    out.write_bytes(bytes(data))


def _coffee() -> np.ndarray:
    from skimage import data

    return data.coffee()


def _vfr(good: Path, out: Path) -> None:
    # drop frames irregularly and keep their timestamps: a variable frame rate stream
    _ffmpeg("-i", str(good), "-vf", "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,0)'", "-fps_mode", "vfr",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(out))


__all__ = ["Case", "build"]
