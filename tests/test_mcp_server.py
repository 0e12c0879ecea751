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
    env = dict(os.environ, SABER_AGENT_PLUGINS="prosody,fusion,openai,checks,exporters")
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


# A port where nothing listens: the openai reasoner's connection is refused at once (retries=0), and its
# error, which names the URL, shows that the options given reached the reasoner.
CLOSED = "http://127.0.0.1:9/v1"


def test_a_call_takes_tool_and_reasoner_options_and_refuses_what_it_does_not_know(face_speech_clip):
    clip = str(face_speech_clip)

    async def session():
        async with Client(server("--plugins", "prosody"), read_timeout_seconds=120) as client:
            schema = {t.name: t for t in (await client.list_tools()).tools}["analyze_clip"].input_schema
            calls = {
                "unknown tool": {"clip_path": clip, "tool_options": {"loudness": {"loud_db": -5}}},
                "unknown tool option": {"clip_path": clip, "tool_options": {"prosody": {"loud_db": -5}}},
                "unknown reasoner option": {"clip_path": clip, "reasoner_options": {"loud_db": -5}},
                "misspelt argument": {"clip_path": clip, "tool_option": {"prosody": {"vad": "energy"}}},
                "options reach the reasoner": {"clip_path": clip, "reasoner": "openai",
                                               "reasoner_options": {"base_url": CLOSED, "retries": 0}},
            }
            return schema, {name: await client.call_tool("analyze_clip", args) for name, args in calls.items()}

    schema, results = asyncio.run(session())
    assert schema["additionalProperties"] is False
    assert {"tool_options", "reasoner_options"} <= set(schema["properties"])
    text = {name: r.content[0].text for name, r in results.items()}
    assert results["unknown tool"].is_error and "unknown tool 'loudness'" in text["unknown tool"]
    assert results["unknown tool option"].is_error and "loud_db" in text["unknown tool option"]
    assert results["unknown reasoner option"].is_error and "invalid reasoner option loud_db" in text["unknown reasoner option"]
    assert results["misspelt argument"].is_error
    assert "tool_option" in text["misspelt argument"] and "Extra inputs are not permitted" in text["misspelt argument"]
    reached = results["options reach the reasoner"]
    assert not reached.is_error, text["options reach the reasoner"]
    assert any("127.0.0.1:9" in e for e in reached.structured_content["errors"])  # fell back to fusion, saying why


def test_server_flags_are_the_defaults_of_every_call(face_speech_clip):
    async def session():
        args = ("--plugins", "prosody", "--reasoner", "openai", "-o", f"base_url={CLOSED}", "--reasoner-option", "retries=0")
        async with Client(server(*args), read_timeout_seconds=120) as client:
            default = await client.call_tool("analyze_clip", {"clip_path": str(face_speech_clip)})
            other = await client.call_tool("analyze_clip", {"clip_path": str(face_speech_clip), "reasoner": "fusion"})
            return default, other

    default, other = asyncio.run(session())
    assert not default.is_error and any("127.0.0.1:9" in e for e in default.structured_content["errors"])
    # another reasoner named by the call does not get the openai reasoner's options (fusion takes no base_url)
    assert not other.is_error and not any("127.0.0.1:9" in e for e in other.structured_content["errors"])


@pytest.mark.parametrize(("flags", "said"), [
    (["--tool-option", "loudness.loud_db=-5"], "unknown tool 'loudness'"),
    (["--tool-option", "loud_db=-5"], "expected TOOL.KEY=VALUE"),
    (["--reasoner", "fusion", "-o", "base_url=http://127.0.0.1:8080/v1"], "base_url"),
    (["--fps", "-1"], "fps"),
])
def test_bad_option_flags_stop_the_server_before_it_serves(flags, said, capsys, monkeypatch):
    monkeypatch.setenv("SABER_AGENT_PLUGINS", "prosody,fusion,openai,checks,exporters")
    try:  # argparse exits; a UsageError from the settings is main's return code
        code = main(["mcp", *flags])
    except SystemExit as exc:
        code = exc.code
    assert code == EXIT_USAGE
    assert said in capsys.readouterr().err
