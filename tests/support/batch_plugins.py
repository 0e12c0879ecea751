"""Test-only perception tools for the batch, cache and Ray tests, loaded as a plugin module by path
(``SABER_AGENT_PLUGIN_MODULES`` or ``Registry(modules=[...])``), so Ray actors and subprocesses load
them too.

- ``counting`` measures something real but cheap (the audio's RMS level) and counts, per process,
  how often it perceived and how often it "loaded its model" (once, on first use): the tests read
  these counts to see that a cache hit skips perception and that each Ray actor loads once.
- ``slow`` sleeps for its ``seconds`` option, so a batch runs long enough to be killed mid-run.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

from saber_agent import hookimpl
from saber_agent.evidence import Slot, SlotStatus
from saber_agent.perception import PerceptionTool

COUNTS = {"perceive": 0, "loads": 0}
_lock = threading.Lock()
_model: dict | None = None


def _load_model() -> dict:
    """Stands in for a model load: happens once per process, on first use."""
    global _model
    with _lock:
        if _model is None:
            COUNTS["loads"] += 1
            _model = {"loaded_at": time.time()}
        return _model


class CountingTool(PerceptionTool):
    name = "counting"
    slot = "body_lang_desc"
    needs = frozenset({"audio"})
    version = "1.0"

    def perceive(self, clip, settings):
        _load_model()
        with _lock:
            COUNTS["perceive"] += 1
            calls = COUNTS["perceive"]
        rms = float(np.sqrt(np.mean(clip.audio.astype(np.float64) ** 2))) if clip.has_audio else 0.0
        return Slot(
            text=f"The audio's RMS level is {rms:.5f} over {clip.audio.size} samples.",
            status=SlotStatus.ok,
            confidence=1.0,
            measurements={"rms": rms, "pid": os.getpid(), "loads": COUNTS["loads"], "calls": calls},
            provenance=self.provenance(model="rms-v1"),
        )


class SlowTool(PerceptionTool):
    name = "slow"
    slot = "video_desc"
    version = "1.0"

    def perceive(self, clip, settings):
        seconds = float(settings.options_for(self.name).get("seconds", 0.2))
        time.sleep(seconds)
        return Slot(text=f"Waited {seconds:g} s on a {clip.duration_s:.2f} s clip.", status=SlotStatus.ok, confidence=1.0)


@hookimpl
def register_perception_tools(register):
    register(CountingTool())
    register(SlowTool())
