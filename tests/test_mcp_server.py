"""`saber-agent mcp`: the real server in a subprocess, driven by the mcp package's client over stdio."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from saber_agent.cli import main
from saber_agent.errors import EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]


def server(*args: str) -> StdioServerParameters:
    env = dict(os.environ, SABER_AGENT_PLUGINS="prosody,fusion,checks,exporters")
    return StdioServerParameters(command=sys.executable, args=["-m", "saber_agent.cli", "mcp", *args], env=env, cwd=ROOT)


def test_an_mcp_client_lists_and_calls_the_tools(face_speech_clip, tmp_path):
    async def session():
        async with Client(server(), read_timeout_seconds=120) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            analysed = await client.call_tool("analyze_clip", {"clip_path": str(face_speech_clip), "plugins": ["prosody"]})
            full = await client.call_tool("analyze_clip", {"clip_path": str(face_speech_clip), "plugins": ["prosody"],
                                                           "full": True})
            missing = await client.call_tool("analyze_clip", {"clip_path": str(tmp_path / "gone.mp4")})
            plugins = await client.call_tool("list_plugins", {})
            return tools, analysed, full, missing, plugins

    tools, analysed, full, missing, plugins = asyncio.run(session())
    assert set(tools) == {"analyze_clip", "list_plugins"}
    schema = tools["analyze_clip"].input_schema
    assert schema["required"] == ["clip_path"] and "description" in schema["properties"]["clip_path"]

    assert not analysed.is_error
    summary = analysed.structured_content
    assert summary["saber"]["audio_desc"]["acoustic_feat"].startswith("The voice has")
    assert summary["basic_emotion"] and -1 <= summary["valence"] <= 1
    assert "speech_content" in summary["unavailable"]  # no transcript plugin was run
    assert full.structured_content["evidence"]["acoustic_feat"]["measurements"]["f0_mean_hz"] > 0

    assert missing.is_error and "gone.mp4: no such file" in missing.content[0].text
    assert [t["name"] for t in plugins.structured_content["perception_tools"]] == ["prosody"]


def test_bad_server_options_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["mcp", "--max-looks", "-1"])
    assert exit_.value.code == EXIT_USAGE
    assert "expected 0 or more second looks" in capsys.readouterr().err
