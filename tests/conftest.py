"""Shared fixtures: real media made with espeak-ng, ffmpeg and scikit-image's face photo.

Tests load only the in-tree plugins (never whatever else is installed on the machine).
"""

from __future__ import annotations

import importlib.metadata
import os

import numpy as np
import pytest

from saber_agent import media
from saber_agent import registry as registry_module
from saber_agent.testing import synth

IN_TREE = sorted(
    ep.name for ep in importlib.metadata.entry_points(group="saber_agent") if ep.value.startswith("saber_agent.plugins.")
)
os.environ[registry_module.ENV_ALLOW] = ",".join(IN_TREE)
# keep every local Ray instance of the tests on 127.0.0.1 (see saber_agent.batch.ray_runner.init_ray)
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.pop(registry_module.ENV_MODULES, None)

CHEERFUL = "Hello everyone! I am really glad you came today. This is wonderful news."
HOSTILE = "I hate this. You ruined everything and I am furious with you."


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_wav(media_dir):
    return synth.speak(CHEERFUL, media_dir / "cheerful.wav", pitch=55, speed=150)


@pytest.fixture(scope="session")
def hostile_wav(media_dir):
    return synth.speak(HOSTILE, media_dir / "hostile.wav", pitch=30, speed=175)


@pytest.fixture(scope="session")
def face_speech_clip(media_dir, speech_wav):
    """The astronaut's smiling face, speaking a cheerful line (320x240, 25 fps, AAC)."""
    return synth.make_clip(media_dir / "face_speech.mp4", synth.face_image(), speech_wav)


@pytest.fixture(scope="session")
def smile_hostile_clip(media_dir, hostile_wav):
    """A smiling face over hostile words: the sarcasm case."""
    return synth.make_clip(media_dir / "smile_hostile.mp4", synth.face_image(), hostile_wav)


@pytest.fixture(scope="session")
def audio_only_clip(media_dir, speech_wav):
    return synth.make_clip(media_dir / "audio_only.m4a", None, speech_wav)


@pytest.fixture(scope="session")
def video_only_clip(media_dir):
    return synth.make_clip(media_dir / "video_only.mp4", synth.face_image(), None, seconds=3.0)


@pytest.fixture(scope="session")
def silent_clip(media_dir):
    silence = synth.write_wav(media_dir / "silence.wav", np.zeros(16_000 * 3, np.float32))
    return synth.make_clip(media_dir / "silent.mp4", synth.face_image(), silence)


@pytest.fixture()
def registry():
    """A fresh registry of the in-tree plugins, installed as the process-wide one for the test."""
    fresh = registry_module.Registry(allow=IN_TREE).load()
    registry_module.set_registry(fresh)
    media.clip_cache.clear()
    yield fresh
    registry_module.set_registry(None)


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory):
    """A tiny random Qwen2 chat model with a locally trained tokenizer, built once (~1 MB, no download)."""
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from saber_agent.training.tiny import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny_qwen2"))


@pytest.fixture()
def batch_registry():
    """The in-tree plugins plus the test tools of tests/support/batch_plugins.py, installed process-wide."""
    from tests.support.batch_support import PLUGINS

    fresh = registry_module.Registry(allow=IN_TREE, modules=[PLUGINS]).load()
    assert not fresh.errors, fresh.errors
    registry_module.set_registry(fresh)
    media.clip_cache.clear()
    yield fresh
    registry_module.set_registry(None)
