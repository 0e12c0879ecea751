"""The face expression backends and their choice (plugins/face_backends.py); the backends on real clips
are tested through the tool in tests/test_face.py."""

from __future__ import annotations

import pytest

from saber_agent.plugins import face, face_backends
from saber_agent.plugins.face_backends import choose_backend


def test_the_face_module_still_exports_the_backends():
    # the old import path (tests, other modules) reads the same classes and names
    for name in ("OfflineExpressions", "DeepFaceExpressions", "choose_backend", "BACKENDS", "ENGINES"):
        assert getattr(face, name) is getattr(face_backends, name)


def test_engine_follows_the_device(tmp_path, monkeypatch):
    """auto: torch on a CUDA device, numpy on the CPU (resolved device strings; no GPU is touched)."""
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    assert choose_backend({}, "cpu").engine == "numpy"
    assert choose_backend({}, "cuda:0").engine == "torch"
    assert choose_backend({"engine": "torch"}, "cpu").engine == "torch"
    with pytest.raises(ValueError, match="runs on the CPU only"):
        choose_backend({"engine": "numpy"}, "cuda:1")
    with pytest.raises(ValueError, match="unknown face engine 'tpu'"):
        choose_backend({"engine": "tpu"}, "cpu")
