"""saber-agent as an MCP server (the `mcp` package, 2.x): tools `analyze_clip` and `list_plugins`.

Served over stdio by ``saber-agent mcp``; any MCP client (an IDE, a desktop assistant, another
agent) starts that command and calls the tools. Stdout carries the protocol, so nothing here prints.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from saber_agent.agents.tools import TOOL_DESCRIPTION, AnalysisRefused, AnalyzeClipArgs, aanalyze_clip, summary
from saber_agent.errors import missing_extra
from saber_agent.settings import AnalysisSettings

# The tool's argument descriptions, shared with the LangChain tool (MCP reads them from the annotations).
_ARGS = AnalyzeClipArgs.model_fields

TOOL_OPTIONS = (
    "Options for perception tools, by tool then option, e.g. {\"loudness\": {\"loud_db\": -5}} (as the CLI's "
    "--tool-option loudness.loud_db=-5); merged over the server's defaults. An unknown tool or option is an error."
)
REASONER_OPTIONS = (
    "Options for the reasoner's factory, e.g. {\"base_url\": \"http://127.0.0.1:8080/v1\", \"timeout_s\": 60} for "
    "the openai reasoner (as the CLI's -o KEY=VALUE); merged over the server's defaults when the call keeps the "
    "default reasoner. An unknown option is an error."
)

INSTRUCTIONS = (
    "Multimodal emotion analysis of video and audio clips. Call analyze_clip with the path of a clip on "
    "this machine; list_plugins says which perception tools and reasoners can run here."
)


def build_server(settings: AnalysisSettings | None = None):
    """The MCP server (not yet running); `settings` are the defaults a call's arguments override."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
        from mcp.server.mcpserver.tools import Tool
    except ImportError:
        raise ImportError(missing_extra("the MCP server", "mcp 2.x", "agents")) from None

    from saber_agent import __version__

    async def analyze_clip(
        clip_path: Annotated[str, Field(description=_ARGS["clip_path"].description)],
        plugins: Annotated[list[str] | None, Field(description=_ARGS["plugins"].description)] = None,
        reasoner: Annotated[str | None, Field(description=_ARGS["reasoner"].description)] = None,
        tool_options: Annotated[dict[str, dict[str, Any]] | None, Field(description=TOOL_OPTIONS)] = None,
        reasoner_options: Annotated[dict[str, Any] | None, Field(description=REASONER_OPTIONS)] = None,
        full: Annotated[bool, Field(description="Return the whole result (measurements, timings), not the summary.")] = False,
    ) -> dict[str, Any]:
        try:
            result = await aanalyze_clip(clip_path, plugins, reasoner, settings, tool_options, reasoner_options)
        except AnalysisRefused as exc:
            raise ToolError(str(exc)) from None
        return result.model_dump(mode="json") if full else summary(result)

    def list_plugins() -> dict[str, Any]:
        from saber_agent.commands.plugins import describe

        return describe()

    tools = [
        Tool.from_function(analyze_clip, name="analyze_clip", description=TOOL_DESCRIPTION, structured_output=True),
        Tool.from_function(list_plugins, name="list_plugins", description="The perception tools, reasoners and checks loaded here."),
    ]
    return MCPServer("saber-agent", instructions=INSTRUCTIONS, version=__version__, tools=[_strict(t) for t in tools])


def _strict(tool):
    """`tool` refusing arguments it does not take. MCPServer builds a tool's argument model from the function's
    signature with pydantic's default ``extra="ignore"``, so a misspelt or unsupported argument (e.g.
    ``tool_option``) would be dropped silently and the default used; here the model forbids extra keys
    (pydantic's "Extra inputs are not permitted", an is_error result naming the argument) and the published
    input schema says ``additionalProperties: false``. (`FuncMetadata`'s fields are read at each call.)"""
    from pydantic import ConfigDict

    loose = tool.fn_metadata.arg_model
    strict = type(loose.__name__, (loose,), {"model_config": ConfigDict(extra="forbid"), "__module__": loose.__module__})
    tool.fn_metadata.arg_model = strict
    tool.parameters = strict.model_json_schema(by_alias=True)
    return tool


def serve_stdio(settings: AnalysisSettings | None = None) -> None:
    """Serve over stdin/stdout until the client closes the connection."""
    build_server(settings).run("stdio")
