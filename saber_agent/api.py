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
    validated (pydantic's ValidationError names a bad one). Names and options are checked before any
    decoding, by the same check as the CLI's (`Registry.validate_settings`): an unknown tool or reasoner
    name raises `saber_agent.registry.UnknownComponentError` (a KeyError) listing the loaded ones, a misspelt
    tool option, a rejected value or options for a tool not in this run `ToolOptionsError`, two named tools
    that fill one slot `ToolSlotError`, a bad reasoner option `ReasonerOptionsError` (all ValueErrors).
    Raises `saber_agent.media.MediaError` for a file that cannot be decoded. A reasoner's answer that still
    fails the grounding check after the last round is replaced by the offline fusion answer (`Result.rejected`
    keeps it; docs/reasoners.md).

    With ``segment="utterances"`` the result is a `SegmentedResult` (one `Result` per utterance,
    speakers, a whole-clip summary; docs/segments.md), and `progress(done, total, segment)` is called
    after each utterance. A whole-clip result counts the voices heard (`Analysis.voices_heard`); more than one
    adds the note "N voices heard: the emotion mixes speakers; use segment mode" (`Analysis.notes`, `flag_voices`)."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    _check_settings(settings)
    if settings.segment == "utterances":
        from saber_agent.segments import analyze_segments

        return analyze_segments(path, settings, progress=progress)
    out = graph.invoke({"clip_path": os.fspath(path)}, context=settings)
    return flag_voices(out["result"], path, settings)


async def aanalyze(path: str | os.PathLike, settings: AnalysisSettings | None = None, progress=None,
                   **overrides) -> Result | SegmentedResult:
    """`analyze` for async callers (UIs, async agents): the same graph through `ainvoke` (utterances:
    in a worker thread). `progress(done, total, segment)` as in `analyze` (segment mode, after each utterance);
    it is called from the worker thread, and a coroutine function is run on the caller's event loop instead
    (each call awaited there before the next utterance)."""
    from saber_agent.graphs import graph

    settings = settings or AnalysisSettings()
    if overrides:
        settings = settings.updated(**overrides)
    _check_settings(settings)
    if settings.segment == "utterances":
        import asyncio
        import inspect

        report = progress
        if progress is not None:
            loop = asyncio.get_running_loop()

            def report(done, total, segment):
                called = progress(done, total, segment)
                if inspect.isawaitable(called):
                    asyncio.run_coroutine_threadsafe(_awaited(called), loop).result()

        return await asyncio.to_thread(analyze, path, settings, report)
    out = await graph.ainvoke({"clip_path": os.fspath(path)}, context=settings)
    return flag_voices(out["result"], path, settings)


async def _awaited(awaitable):
    return await awaitable


def flag_voices(result: Result, path: str | os.PathLike, settings: AnalysisSettings) -> Result:
    """A whole-clip `result` whose reasoner did not flag several voices (any but the fusion reasoner, which counts
    them itself) gets the speaker pass's count (`saber_agent.voices_heard`) where it hears more than one: in
    `analysis.voices_heard`, and the "N voices heard: the emotion mixes speakers; use segment mode" note in
    `analysis.notes`. Only where the clip is still decoded (`clip_cache.peek`: nothing is decoded again) and is no
    window of the file."""
    analysis = result.analysis
    if analysis is None or analysis.voices_heard is not None or settings.decode.window_s is not None:
        return result
    from saber_agent.media import clip_cache
    from saber_agent.voices_heard import voices_heard_or_none

    clip = clip_cache.peek(path, settings.decode)
    heard = voices_heard_or_none(clip) if clip is not None else None  # None: a speaker pass that cannot run here
    if heard is None:
        return result
    if heard.several:
        from saber_agent.cues import several_speakers

        analysis.voices_heard = heard.count
        result.conflicts = several_speakers(result.conflicts, heard.count)
        if (note := heard.note()) not in analysis.notes:
            analysis.notes.append(note)
    return result


def _check_settings(settings: AnalysisSettings) -> None:
    """Unknown names and bad options fail here, before the clip is decoded (nothing is built)."""
    from saber_agent.registry import get_registry

    get_registry().validate_settings(settings)


def sample_clip() -> str:
    """Path of the bundled sample clip (a face photo that speaks, made with espeak-ng and ffmpeg)."""
    from importlib.resources import files

    return str(files("saber_agent") / "samples" / "sample.mp4")
