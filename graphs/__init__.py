"""The LangGraph spine: ``from saber_agent.graphs import graph``."""

from saber_agent.graphs.graph import build_graph, graph

__all__ = ["build_graph", "graph"]
