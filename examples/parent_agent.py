"""A parent agent that uses saber-agent two ways, offline, on the bundled sample clip.

1. As a subgraph: the compiled analysis graph is one node of the parent graph (it shares the
   parent's `clip_path` and `result` keys and inherits whatever checkpointer the parent uses).
2. As a tool: an assistant node (a chat model that calls tools, and LangGraph's `ToolNode`) asks
   for a second, voice-only analysis through the `analyze_clip` tool, then answers the user.

The chat model here is scripted (langchain-core's fake chat model with tool binding), so the
example runs with no network and no model weights; swap in any LangChain chat model that supports
tool calling (``ChatOpenAI(base_url=...)`` against vLLM or llama.cpp, for instance).

    python examples/parent_agent.py [CLIP]      # needs saber-agent[agents]
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, TypedDict

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, tools_condition

from saber_agent.agents.tools import TOOL_NAME, make_analysis_tool
from saber_agent.api import sample_clip
from saber_agent.evidence import Result
from saber_agent.graphs import graph as saber_graph
from saber_agent.settings import AnalysisSettings


class ScriptedChatModel(FakeMessagesListChatModel):
    """A stand-in for a tool-calling chat model: each turn is a message or a function of the conversation."""

    responses: list[Any]

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        turn = self.responses[min(self.i, len(self.responses) - 1)]
        self.i += 1
        return ChatResult(generations=[ChatGeneration(message=turn(messages) if callable(turn) else turn)])


class ParentState(TypedDict, total=False):
    clip_path: str
    result: Result  # written by the saber subgraph
    messages: Annotated[list[AnyMessage], add_messages]


def brief(state: ParentState) -> dict:
    """After the subgraph: hand its conclusion to the assistant as the user's question."""
    analysis = state["result"].analysis
    return {"messages": [HumanMessage(
        f"The full analysis of {state['clip_path']} reads {analysis.basic_emotion} (valence {analysis.valence:+.2f}). "
        "Does the voice alone agree?"
    )]}


def build_parent(model) -> Any:
    tool = make_analysis_tool()
    assistant_model = model.bind_tools([tool])

    def assistant(state: ParentState) -> dict:
        return {"messages": [assistant_model.invoke(state["messages"])]}

    parent = StateGraph(ParentState, context_schema=AnalysisSettings)
    parent.add_node("saber", saber_graph)  # saber-agent as a subgraph
    parent.add_node("brief", brief)
    parent.add_node("assistant", assistant)
    parent.add_node("tools", ToolNode([tool]))  # saber-agent as a tool
    parent.add_edge(START, "saber")
    parent.add_edge("saber", "brief")
    parent.add_edge("brief", "assistant")
    parent.add_conditional_edges("assistant", tools_condition, ["tools", END])
    parent.add_edge("tools", "assistant")
    return parent.compile()


def scripted_model(clip: str) -> ScriptedChatModel:
    def answer(messages):
        voice = json.loads(next(m for m in reversed(messages) if isinstance(m, ToolMessage)).content)
        return AIMessage(
            f"The voice alone reads {voice['basic_emotion']} (valence {voice['valence']:+.2f}); "
            f"acoustic evidence: {voice['saber']['audio_desc']['acoustic_feat']}"
        )

    ask = AIMessage("", tool_calls=[{"name": TOOL_NAME, "args": {"clip_path": clip, "plugins": ["prosody"]}, "id": "voice"}])
    return ScriptedChatModel(responses=[ask, answer])


def main(argv: list[str]) -> int:
    clip = argv[0] if argv else sample_clip()
    app = build_parent(scripted_model(clip))
    out = app.invoke({"clip_path": clip}, context=AnalysisSettings())
    analysis = out["result"].analysis
    print(f"subgraph: {analysis.basic_emotion}, valence {analysis.valence:+.2f}, {out['result'].rounds} round(s)")
    tool_reply = next(m for m in out["messages"] if isinstance(m, ToolMessage))
    print(f"tool: {TOOL_NAME} ran {', '.join(r.tool for r in tool_reply.artifact.tool_runs)}")
    print(f"assistant: {out['messages'][-1].content}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
