"""saber-agent as a tool for tool-calling agents: a LangChain `StructuredTool` (LangGraph's prebuilt
agents and `ToolNode` take it as is), and the plain functions the MCP server shares with it.

The tool answers a model with a compact JSON summary (the SABER record, the conclusion, conflicts,
failed checks, second looks) and hands the full `Result` to the calling program as the tool
message's artifact. A clip that cannot be read or an unknown plugin comes back as an error message
the model can read, never as an exception that ends the agent's run.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import BaseModel, Field

from saber_agent.errors import missing_extra
from saber_agent.evidence import PERCEPTION_SLOTS, Result
from saber_agent.settings import AnalysisSettings

TOOL_NAME = "analyze_clip"
TOOL_DESCRIPTION = (
    "Analyse the emotion a person expresses in a video or audio clip. Perceives the scene, the speech, "
    "the voice, the face and the body separately, then reasons over all of them and reports the "
    "emotions, valence (-1..1) and arousal (0..1), where the modalities conflict (e.g. a smile over "
    "hostile words: sarcasm), and the six-slot SABER description of the evidence."
)


class AnalyzeClipArgs(BaseModel):
    """The arguments of the `analyze_clip` tool."""

    clip_path: str = Field(description="Path of the video or audio file to analyse, on the machine running the tool.")
    plugins: list[str] | None = Field(
        default=None, description="Perception tools to run, by name (e.g. ['prosody', 'face']); omit for all installed."
    )
    reasoner: str | None = Field(default=None, description="Reasoner backend by name; omit for the default.")


class AnalysisRefused(ValueError):
    """The analysis could not run on these arguments (unreadable clip, unknown plugin or reasoner)."""


def analyze_clip(
    clip_path: str | os.PathLike, plugins: list[str] | None = None, reasoner: str | None = None,
    settings: AnalysisSettings | None = None, tool_options: dict[str, dict[str, Any]] | None = None,
    reasoner_options: dict[str, Any] | None = None,
) -> Result:
    """Analyse one clip with `settings` (defaults) overridden by `plugins`, `reasoner`, `tool_options` and
    `reasoner_options` (merged over the defaults as `_settings` says).

    Raises AnalysisRefused with a one-sentence reason for a clip that cannot be read or a name that
    no loaded plugin registered.
    """
    from saber_agent.api import analyze
    from saber_agent.media import MediaError
    from saber_agent.registry import UnknownComponentError

    settings = _settings(settings, plugins, reasoner, tool_options, reasoner_options)
    try:
        return analyze(clip_path, settings)
    except (MediaError, UnknownComponentError) as exc:
        raise AnalysisRefused(str(exc)) from None


async def aanalyze_clip(
    clip_path: str | os.PathLike, plugins: list[str] | None = None, reasoner: str | None = None,
    settings: AnalysisSettings | None = None, tool_options: dict[str, dict[str, Any]] | None = None,
    reasoner_options: dict[str, Any] | None = None,
) -> Result:
    """`analyze_clip` for async callers."""
    from saber_agent.api import aanalyze
    from saber_agent.media import MediaError
    from saber_agent.registry import UnknownComponentError

    settings = _settings(settings, plugins, reasoner, tool_options, reasoner_options)
    try:
        return await aanalyze(clip_path, settings)
    except (MediaError, UnknownComponentError) as exc:
        raise AnalysisRefused(str(exc)) from None


def _settings(
    settings: AnalysisSettings | None, plugins: list[str] | None, reasoner: str | None,
    tool_options: dict[str, dict[str, Any]] | None = None, reasoner_options: dict[str, Any] | None = None,
) -> AnalysisSettings:
    """The run's settings; unknown names and bad options are refused before anything is decoded (the
    CLI's and the API's check, `Registry.validate_settings`).

    A call's `tool_options` are merged over the defaults tool by tool (``{"loudness": {"loud_db": -5}}`` keeps
    the defaults' other loudness options and other tools' options); the defaults' options of a tool the call's
    `plugins` leave out are dropped, a call's own options for such a tool are refused. A call's
    `reasoner_options` are merged over the defaults' when it keeps the default reasoner, and replace them
    when it names another (the defaults' options belong to the default reasoner)."""
    from pydantic import ValidationError

    from saber_agent.errors import UsageError
    from saber_agent.registry import UnknownComponentError, get_registry

    base = settings or AnalysisSettings()
    update: dict[str, Any] = {}
    if plugins is not None:
        update["plugins"] = plugins
    if reasoner:  # a model calling the tool often fills an optional field with "": that means the default here
        update["reasoner"] = reasoner
    if reasoner_options is not None or update.get("reasoner", base.reasoner) != base.reasoner:
        own = base.reasoner_options if update.get("reasoner", base.reasoner) == base.reasoner else {}
        update["reasoner_options"] = {**own, **(reasoner_options or {})}
    try:
        defaults = {tool: dict(options) for tool, options in base.tool_options.items()}
        if plugins is not None and defaults:
            running = {t.name for t in get_registry().tools_for(base.updated(plugins=plugins, tool_options={}))}
            defaults = {tool: options for tool, options in defaults.items() if tool in running}
        for tool, options in (tool_options or {}).items():
            defaults[tool] = {**defaults.get(tool, {}), **options}
        update["tool_options"] = defaults
        settings = base.updated(**update)
        get_registry().validate_settings(settings)
    except (UnknownComponentError, UsageError) as exc:  # UsageError: bad tool or reasoner options, two tools in one slot
        raise AnalysisRefused(str(exc)) from None
    except ValidationError as exc:  # e.g. options that are not a mapping: say which setting and why
        first = exc.errors()[0]
        raise AnalysisRefused(f"invalid {'.'.join(str(p) for p in first.get('loc', ())) or 'settings'}: {first.get('msg', exc)}") from None
    return settings


def summary(result: Result) -> dict[str, Any]:
    """What a model needs from a result, compactly: the SABER record, the conclusion and its caveats."""
    analysis = result.analysis
    return {
        "clip": {"path": result.clip.path, "duration_s": result.clip.duration_s},
        "saber": result.saber(),
        "emotions": analysis.emotions if analysis else [],
        "basic_emotion": analysis.basic_emotion if analysis else None,
        "valence": analysis.valence if analysis else None,
        "arousal": analysis.arousal if analysis else None,
        "conflicts": [c.description for c in result.conflicts],
        "failed_checks": [f"{c.name}: {c.message}" for c in result.checks if not c.passed],
        "unavailable": {  # perception slots without evidence, and why
            name: result.evidence.slot(name).reason for name in PERCEPTION_SLOTS if not result.evidence.slot(name).ok
        },
        "second_looks": [f"{look.request.tool} on {look.request.scope()}: {look.note}" for look in result.reperceptions],
        "errors": result.errors,
    }


def make_analysis_tool(settings: AnalysisSettings | None = None, name: str = TOOL_NAME):
    """The analysis as a LangChain `StructuredTool` (sync and async), for any tool-calling agent.

    Called by an agent (a `ToolCall`), it returns a `ToolMessage` whose content is the JSON summary
    and whose `artifact` is the full `Result`; `tool.invoke({"clip_path": ...})` returns the summary.
    `settings` are the defaults the model's arguments override.
    """
    try:
        from langchain_core.tools import StructuredTool, ToolException
    except ImportError:
        raise ImportError(missing_extra("the analysis tool", "langchain-core", "agents")) from None

    def run(clip_path: str, plugins: list[str] | None = None, reasoner: str | None = None) -> tuple[str, Result]:
        try:
            result = analyze_clip(clip_path, plugins, reasoner, settings)
        except AnalysisRefused as exc:
            raise ToolException(str(exc)) from None
        return json.dumps(summary(result), ensure_ascii=False), result

    async def arun(clip_path: str, plugins: list[str] | None = None, reasoner: str | None = None) -> tuple[str, Result]:
        try:
            result = await aanalyze_clip(clip_path, plugins, reasoner, settings)
        except AnalysisRefused as exc:
            raise ToolException(str(exc)) from None
        return json.dumps(summary(result), ensure_ascii=False), result

    return StructuredTool.from_function(
        func=run, coroutine=arun, name=name, description=TOOL_DESCRIPTION, args_schema=AnalyzeClipArgs,
        response_format="content_and_artifact", handle_tool_error=True,
    )
