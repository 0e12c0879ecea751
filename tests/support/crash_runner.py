"""Run one checkpointed analysis in its own process, for tests/test_checkpointing.py.

    python -m tests.support.crash_runner CLIP DB LOG [CRASH_AT]

Every graph node is wrapped so that it appends "start:<node>" and "done:<node>" lines to LOG (a
perception branch adds its tool: "done:perceive:steady"). With CRASH_AT ("fragile" or "reason"),
the process kills itself with SIGKILL inside that step, once the checkpoint file holds the work
finished before it: a hard crash, with no chance to clean up.
"""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

from saber_agent import hookimpl
from saber_agent.agents.checkpointing import analyze_resumable
from saber_agent.evidence import Slot
from saber_agent.graphs import nodes
from saber_agent.perception import PerceptionTool
from saber_agent.registry import get_registry
from saber_agent.settings import AnalysisSettings

CLIP, DB, LOG = sys.argv[1], sys.argv[2], Path(sys.argv[3])
CRASH_AT = sys.argv[4] if len(sys.argv) > 4 else None


def note(line: str) -> None:
    with LOG.open("a") as handle:
        handle.write(line + "\n")


def crash_once_saved(channel: str) -> None:
    """SIGKILL this process once the checkpoint holds a write to `channel` (the saver writes in the background)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with sqlite3.connect(DB) as conn:
            try:
                if conn.execute("SELECT count(*) FROM writes WHERE channel = ?", (channel,)).fetchone()[0]:
                    break
            except sqlite3.OperationalError:  # the table is not there yet
                pass
        time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGKILL)


class Steady(PerceptionTool):
    name, slot, needs = "steady", "video_desc", frozenset({"frames"})

    def perceive(self, clip, settings):
        return Slot(text=f"The scene holds {len(clip.frames)} sampled frames.", status="ok", provenance=self.provenance())


class Fragile(PerceptionTool):
    name, slot, needs = "fragile", "body_lang_desc", frozenset({"frames"})

    def perceive(self, clip, settings):
        if CRASH_AT == "fragile":
            crash_once_saved("tool_runs")  # after the steady branch's result is saved
        return Slot(text="The body is still.", status="ok", provenance=self.provenance())


class Tools:
    @hookimpl
    def register_perception_tools(self, register):
        register(Steady())
        register(Fragile())


def counted(name, fn):
    @functools.wraps(fn)
    def node(state, runtime):
        label = f"{name}:{state['tool']}" if name == "perceive" else name
        note(f"start:{label}")
        if name == "reason" and CRASH_AT == "reason":
            crash_once_saved("cues")  # after the fuse step's result is saved
        out = fn(state, runtime)
        note(f"done:{label}")
        return out

    return node


for node_name in ("decode", "perceive", "fuse", "reason", "check", "reperceive", "finish"):
    setattr(nodes, node_name, counted(node_name, getattr(nodes, node_name)))
get_registry().register_module(Tools(), "crash-tools")

result = analyze_resumable(CLIP, AnalysisSettings(plugins=["steady", "fragile", "prosody"]), db=DB, thread_id="crash-test")
note(f"result:{result.analysis.basic_emotion}:{','.join(result.evidence.available())}")
