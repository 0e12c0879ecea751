"""The analysis graph: decode -> perceive (fan-out) -> fuse -> reason -> check -> plan_looks -> finish,
back to reason while checks fail, and plan_looks -> reperceive -> fuse when a second, targeted look is
taken (bounded per clip). A perception given in the input starts at `given` instead of `decode`.

Compiled without a checkpointer, so a parent graph that adds it as a node passes its own down.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from saber_agent.graphs import nodes
from saber_agent.graphs.state import InputState, OutputState, State
from saber_agent.settings import AnalysisSettings


def build_graph() -> StateGraph:
    """The uncompiled graph, for callers that add their own nodes or compile options."""
    builder = StateGraph(State, context_schema=AnalysisSettings, input_schema=InputState, output_schema=OutputState)
    builder.add_node("given", nodes.given)
    builder.add_node("decode", nodes.decode)
    builder.add_node("perceive", nodes.perceive)
    builder.add_node("fuse", nodes.fuse)
    builder.add_node("reason", nodes.reason)
    builder.add_node("check", nodes.check)
    builder.add_node("plan_looks", nodes.plan_looks)
    builder.add_node("reperceive", nodes.reperceive)
    builder.add_node("finish", nodes.finish)
    builder.add_conditional_edges(START, nodes.start, ["given", "decode"])
    builder.add_edge("given", "fuse")
    builder.add_conditional_edges("decode", nodes.fan_out, ["perceive", "fuse"])
    builder.add_edge("perceive", "fuse")
    builder.add_edge("fuse", "reason")
    builder.add_edge("reason", "check")
    builder.add_edge("check", "plan_looks")
    builder.add_conditional_edges("plan_looks", nodes.after_plan, ["reperceive", "reason", "finish"])
    builder.add_edge("reperceive", "fuse")  # a second look changes the evidence: cues and conflicts again
    builder.add_edge("finish", END)
    return builder


graph = build_graph().compile(name="saber-agent")
