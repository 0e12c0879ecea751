"""Helpers shared by the batch, cache, Ray and CLI tests (not a test module)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth

PLUGINS = str(Path(__file__).with_name("batch_plugins.py"))  # the test tools, loaded by path
FAST = AnalysisSettings(plugins=["prosody", "counting"])  # cheap, deterministic perception


def counts() -> dict:
    """The test tools' per-process counters (perceive calls, model loads)."""
    return sys.modules["saber_agent_external_batch_plugins"].COUNTS


def make_tones(folder: Path, n: int, seconds: float = 0.6) -> list[Path]:
    """n distinct short WAV clips (a tone whose pitch differs per clip)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [synth.write_wav(folder / f"tone{i:02d}.wav", synth.tone(150 + 20 * i, seconds)) for i in range(n)]


def clip_folder(root: Path, cheerful: Path, hostile: Path, tones: int = 2, broken: bytes = b"this is not a video") -> Path:
    """`root`/clips: two real talking-face clips (a_cheerful.mp4, b_hostile.mp4), `tones` tone clips
    and a broken file (c_broken.mp4)."""
    folder = root / "clips"
    folder.mkdir()
    shutil.copy(cheerful, folder / "a_cheerful.mp4")
    shutil.copy(hostile, folder / "b_hostile.mp4")
    make_tones(folder, tones)
    (folder / "c_broken.mp4").write_bytes(broken)
    return folder
