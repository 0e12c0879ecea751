"""examples/parent_agent.py runs offline on the bundled sample clip, using saber-agent as a subgraph and as a tool."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_parent_agent_example_runs():
    env = dict(os.environ, SABER_AGENT_PLUGINS="prosody,fusion,checks")  # the offline default, quickly
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "parent_agent.py")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    subgraph, tool, assistant = proc.stdout.strip().splitlines()[-3:]
    assert subgraph.startswith("subgraph: ") and "round(s)" in subgraph
    assert tool == "tool: analyze_clip ran prosody"
    assert assistant.startswith("assistant: The voice alone reads ") and "mean F0" in assistant
