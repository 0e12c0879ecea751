"""The one-call API: ``analyze(path) -> Result``, through the same compiled graph as everything else."""

from __future__ import annotations

import os

from saber_agent.evidence import Result
from saber_agent.settings import AnalysisSettings


def analyze(path: str | os.PathLike, settings: AnalysisSettings | None = None, **overrides) -> Result:
    """Analyse one clip. `overrides` are AnalysisSettings fields (e.g. ``plugins=["prosody"]``),
    validated (pydantic's ValidationError names a bad one). Raises `saber_agent.media.MediaError`
    for a file that cannot be decoded."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    out = graph.invoke({"clip_path": os.fspath(path)}, context=settings)
    return out["result"]


async def aanalyze(path: str | os.PathLike, settings: AnalysisSettings | None = None, **overrides) -> Result:
    """`analyze` for async callers (UIs, async agents): the same graph through `ainvoke`."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    out = await graph.ainvoke({"clip_path": os.fspath(path)}, context=settings)
    return out["result"]


def sample_clip() -> str:
    """Path of the bundled sample clip (a face photo that speaks, made with espeak-ng and ffmpeg)."""
    from importlib.resources import files

    return str(files("saber_agent") / "samples" / "sample.mp4")
