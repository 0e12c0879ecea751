"""The one-call API: ``analyze(path) -> Result``, through the same compiled graph as everything else."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from saber_agent.evidence import Result
from saber_agent.settings import AnalysisSettings

if TYPE_CHECKING:
    from saber_agent.segments import SegmentedResult


def analyze(path: str | os.PathLike, settings: AnalysisSettings | None = None, progress=None,
            **overrides) -> Result | SegmentedResult:
    """Analyse one clip. `overrides` are AnalysisSettings fields (e.g. ``plugins=["prosody"]``),
    validated (pydantic's ValidationError names a bad one). Tool options are checked against the
    tools' declared options before any decoding (`saber_agent.registry.ToolOptionsError`, a ValueError,
    names a misspelt option or a rejected value), and so are reasoner options
    (`saber_agent.registry.ReasonerOptionsError`, a ValueError). Raises `saber_agent.media.MediaError` for a file that
    cannot be decoded.

    With ``segment="utterances"`` the result is a `SegmentedResult` (one `Result` per utterance,
    speakers, a whole-clip summary; docs/segments.md), and `progress(done, total, segment)` is called
    after each utterance."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    _check_tool_options(settings)
    if settings.segment == "utterances":
        from saber_agent.segments import analyze_segments

        return analyze_segments(path, settings, progress=progress)
    out = graph.invoke({"clip_path": os.fspath(path)}, context=settings)
    return out["result"]


async def aanalyze(path: str | os.PathLike, settings: AnalysisSettings | None = None,
                   **overrides) -> Result | SegmentedResult:
    """`analyze` for async callers (UIs, async agents): the same graph through `ainvoke` (utterances:
    in a worker thread)."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    _check_tool_options(settings)
    if settings.segment == "utterances":
        import asyncio

        return await asyncio.to_thread(analyze, path, settings)
    out = await graph.ainvoke({"clip_path": os.fspath(path)}, context=settings)
    return out["result"]


def _check_tool_options(settings: AnalysisSettings) -> None:
    """Tool options the tools do not declare, or values they reject, and reasoner options the reasoner
    does not take, fail here, before any decoding (the reasoner is not built)."""
    from saber_agent.registry import get_registry

    registry = get_registry()
    if settings.tool_options:
        registry.validate_tool_options(settings.tool_options)
    if settings.reasoner_options:
        registry.validate_reasoner_options(settings.reasoner, settings.reasoner_options)


def sample_clip() -> str:
    """Path of the bundled sample clip (a face photo that speaks, made with espeak-ng and ffmpeg)."""
    from importlib.resources import files

    return str(files("saber_agent") / "samples" / "sample.mp4")
