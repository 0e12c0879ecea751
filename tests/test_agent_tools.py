"""The analysis as a LangChain tool, called by a real LangGraph agent loop driven by a scripted chat model.

The chat model is langchain-core's fake chat model (no network, no weights) given a script: it
calls the tool, then answers from what the tool returned. Everything else is real: LangGraph's
prebuilt ReAct agent, its ToolNode, the analysis graph, the prosody plugin and the clip.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

from saber_agent.agents.tools import TOOL_NAME, AnalysisRefused, analyze_clip, make_analysis_tool, summary
from saber_agent.evidence import Result
from saber_agent.settings import AnalysisSettings


class ScriptedChatModel(FakeMessagesListChatModel):
    """langchain-core's fake chat model, with tool binding: each turn is a message, or a function of
    the conversation so far (to answer from a tool's result, as a model would)."""

    responses: list[Any]  # messages, or functions of the conversation that return one
    offered: list = []

    def bind_tools(self, tools, **kwargs):
        self.offered = [convert_to_openai_tool(t) for t in tools]
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        turn = self.responses[min(self.i, len(self.responses) - 1)]
        self.i += 1
        message = turn(messages) if callable(turn) else turn
        return ChatResult(generations=[ChatGeneration(message=message)])


def call(args, call_id="call_1"):
    return AIMessage(content="", tool_calls=[{"name": TOOL_NAME, "args": args, "id": call_id}])


def answer_from_tool(messages):
    """The scripted model's last turn: it reads the tool's JSON and states the conclusion."""
    reply = next(m for m in reversed(messages) if isinstance(m, ToolMessage))
    if reply.status == "error":
        return AIMessage(content=f"The analysis failed: {reply.content}")
    data = json.loads(reply.content)
    return AIMessage(content=f"The speaker shows {data['basic_emotion']} (valence {data['valence']:+.2f}).")


def react_agent(model, tools):
    from langgraph.prebuilt import create_react_agent

    with warnings.catch_warnings():  # moved to langchain.agents.create_agent, which needs the langchain package
        warnings.simplefilter("ignore", DeprecationWarning)
        return create_react_agent(model, tools)


def test_a_langgraph_agent_calls_the_tool_on_a_real_clip(registry, face_speech_clip):
    model = ScriptedChatModel(responses=[call({"clip_path": str(face_speech_clip), "plugins": ["prosody"]}), answer_from_tool])
    tool = make_analysis_tool()
    out = react_agent(model, [tool]).invoke({"messages": [("user", "How does the speaker in this clip feel?")]})

    assert [t["function"]["name"] for t in model.offered] == [TOOL_NAME]
    parameters = model.offered[0]["function"]["parameters"]
    assert set(parameters["properties"]) == {"clip_path", "plugins", "reasoner"} and parameters["required"] == ["clip_path"]

    tool_message = next(m for m in out["messages"] if isinstance(m, ToolMessage))
    result = tool_message.artifact  # the full result model, for the program around the agent
    assert isinstance(result, Result) and result.evidence.acoustic_feat.ok
    assert [r.tool for r in result.tool_runs] == ["prosody"]
    content = json.loads(tool_message.content)  # what the model reads: the compact summary
    assert content == json.loads(json.dumps(summary(result)))
    assert content["saber"]["audio_desc"]["acoustic_feat"].startswith("The voice has")
    final = out["messages"][-1]
    assert final.content == f"The speaker shows {result.analysis.basic_emotion} (valence {result.analysis.valence:+.2f})."


def test_the_async_agent_uses_the_async_path(registry, face_speech_clip):
    model = ScriptedChatModel(responses=[call({"clip_path": str(face_speech_clip), "plugins": ["prosody"]}), answer_from_tool])
    out = asyncio.run(react_agent(model, [make_analysis_tool()]).ainvoke({"messages": [("user", "Feelings?")]}))
    tool_message = next(m for m in out["messages"] if isinstance(m, ToolMessage))
    assert isinstance(tool_message.artifact, Result) and out["messages"][-1].content.startswith("The speaker shows")


def test_a_bad_call_comes_back_to_the_model_as_an_error(registry, tmp_path, face_speech_clip):
    model = ScriptedChatModel(responses=[
        call({"clip_path": str(tmp_path / "missing.mp4")}, "c1"),
        call({"clip_path": str(face_speech_clip), "plugins": ["no-such-tool"]}, "c2"),
        answer_from_tool,
    ])
    out = react_agent(model, [make_analysis_tool()]).invoke({"messages": [("user", "Feelings?")]})
    errors = [m for m in out["messages"] if isinstance(m, ToolMessage)]
    assert [m.status for m in errors] == ["error", "error"]
    assert "missing.mp4: no such file" in errors[0].content
    assert "no perception tool named 'no-such-tool'" in errors[1].content
    assert out["messages"][-1].content.startswith("The analysis failed")  # the agent went on to answer


def test_the_tool_outside_an_agent(registry, face_speech_clip):
    tool = make_analysis_tool()
    content = tool.invoke({"clip_path": str(face_speech_clip), "plugins": ["prosody"]})
    assert json.loads(content)["saber"]["audio_desc"]["acoustic_feat"]
    with pytest.raises(AnalysisRefused, match="no reasoner named 'nope'"):
        analyze_clip(face_speech_clip, reasoner="nope")
    # options are refused by the same check, before decoding (the clip does not exist)
    with pytest.raises(AnalysisRefused, match="invalid reasoner option bogus for fusion"):
        analyze_clip("missing.mp4", settings=AnalysisSettings(reasoner_options={"bogus": 1}))


def test_an_empty_reasoner_from_the_model_means_the_default_and_a_misspelt_one_is_refused(registry):
    """Models fill optional tool fields with "": the tool reads that as "the default" (the CLI, where a person
    typed it, refuses `--reasoner ''`); a misspelt name is refused before any decoding."""
    from saber_agent.agents.tools import _settings

    assert _settings(None, None, "").reasoner == AnalysisSettings().reasoner
    with pytest.raises(AnalysisRefused, match="fusio"):
        _settings(None, None, "fusio")
