"""Rebuild the bundled sample clip `saber_agent/samples/sample.mp4` (needs espeak-ng and ffmpeg).

A real photograph of a smiling face (scikit-image's astronaut) speaking a cheerful English line.
"""

import tempfile
from pathlib import Path

from saber_agent.testing.synth import face_image, make_clip, speak

LINE = "Hello everyone! I am really glad you came today. This is wonderful news, and I cannot wait to show you."
OUT = Path(__file__).resolve().parent.parent / "saber_agent" / "samples" / "sample.mp4"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        wav = speak(LINE, Path(tmp) / "line.wav", pitch=55, speed=150)
        make_clip(OUT, face_image(), wav, size=(320, 320), fps=15, crf=32)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
