"""Make real test media: speech with espeak-ng, faces from scikit-image, clips muxed with ffmpeg.

Used by the tests, the benchmarks and the script that rebuilds the bundled sample clip. Needs the
``espeak-ng`` and ``ffmpeg`` programs (Debian packages of the same names).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np


class ToolMissing(RuntimeError):
    """A program needed to make media is not installed."""


def _need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise ToolMissing(f"{program} is not installed (apt-get install {program})")
    return path


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr.strip()[-500:]}")


def speak(text: str, path: str | Path, pitch: int = 50, speed: int = 160, voice: str = "en-us", amplitude: int = 100) -> Path:
    """Speech as a WAV file (espeak-ng; 22.05 kHz mono)."""
    path = Path(path)
    _run([_need("espeak-ng"), "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", str(amplitude), "-w", str(path), text])
    return path


def write_wav(path: str | Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """A mono 16-bit WAV file from float samples in [-1, 1]."""
    path = Path(path)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
    return path


def tone(freq: float, seconds: float, rate: int = 16_000, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def audio_clip(audio: np.ndarray, rate: int = 16_000):
    """An in-memory, audio-only `saber_agent.media.Clip` of mono samples at `rate` Hz (no frames), the samples cut to
    [-1, 1] and float32 as a decoded file's are: a mixed test signal given to a tool as if read from a file."""
    from saber_agent.evidence import ClipInfo
    from saber_agent.media import Clip

    info = ClipInfo(path="<memory>", duration_s=audio.size / rate, has_audio=True, audio_sample_rate=rate)
    return Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), np.clip(audio, -1, 1).astype(np.float32), rate)


def face_image() -> np.ndarray:
    """A real photograph of a smiling face (scikit-image's astronaut, RGB 512x512)."""
    from skimage import data

    return data.astronaut()


def write_png(path: str | Path, rgb: np.ndarray) -> Path:
    import cv2

    path = Path(path)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def make_clip(
    path: str | Path,
    image: np.ndarray | None = None,
    audio: str | Path | None = None,
    seconds: float | None = None,
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    motion: bool = True,
    crf: int = 30,
) -> Path:
    """An MP4 from a still image (gently zooming when `motion`) and/or an audio file.

    With no image the clip is audio-only (an .m4a/.mp4 with one AAC stream); with no audio it is
    video-only. `seconds` defaults to the audio's length.
    """
    ffmpeg = _need("ffmpeg")
    path = Path(path)
    if image is None and audio is None:
        raise ValueError("a clip needs an image, an audio file, or both")
    cmd = [ffmpeg, "-y", "-loglevel", "error"]
    with tempfile.TemporaryDirectory() as tmp:
        if image is not None:
            still = write_png(Path(tmp) / "still.png", image)
            cmd += ["-loop", "1", "-framerate", str(fps), "-i", str(still)]
        if audio is not None:
            cmd += ["-i", str(audio)]
        w, h = size
        if image is not None:
            # letterboxed, never cropped: a portrait photo keeps its face in a wide frame
            vf = f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2"
            if motion:
                # a slow zoom in and out (6 s period) gives the frames real motion with the face in view;
                # `on` (the output frame number) drives it: zoompan restarts `zoom` for every looped input frame
                vf += (f",scale={w * 2}:{h * 2},zoompan=z='1.12+0.12*sin(2*PI*on/({fps}*6))'"
                       f":x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s={w}x{h}:fps={fps}")
            cmd += ["-vf", vf + ",format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf)]
        if audio is not None:
            cmd += ["-c:a", "aac", "-b:a", "48k", "-ar", "16000", "-ac", "1"]
        if seconds is not None:
            cmd += ["-t", f"{seconds:.3f}"]
        elif audio is not None:
            cmd += ["-shortest"]
        cmd += ["-movflags", "+faststart", str(path)]
        _run(cmd)
    return path
