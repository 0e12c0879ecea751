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

INSTRUCTIONS = (
    "Multimodal emotion analysis of video and audio clips. Call analyze_clip with the path of a clip on "
    "this machine; list_plugins says which perception tools and reasoners can run here."
)


def build_server(settings: AnalysisSettings | None = None):
    """The MCP server (not yet running); `settings` are the defaults a call's arguments override."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        raise ImportError(missing_extra("the MCP server", "mcp 2.x", "agents")) from None

    from saber_agent import __version__

    server = MCPServer("saber-agent", instructions=INSTRUCTIONS, version=__version__)

    @server.tool(name="analyze_clip", description=TOOL_DESCRIPTION, structured_output=True)
    async def analyze_clip(
        clip_path: Annotated[str, Field(description=_ARGS["clip_path"].description)],
        plugins: Annotated[list[str] | None, Field(description=_ARGS["plugins"].description)] = None,
        reasoner: Annotated[str | None, Field(description=_ARGS["reasoner"].description)] = None,
        full: Annotated[bool, Field(description="Return the whole result (measurements, timings), not the summary.")] = False,
    ) -> dict[str, Any]:
        try:
            result = await aanalyze_clip(clip_path, plugins, reasoner, settings)
        except AnalysisRefused as exc:
            raise ToolError(str(exc)) from None
        return result.model_dump(mode="json") if full else summary(result)

    @server.tool(name="list_plugins", description="The perception tools, reasoners and checks loaded here.")
    def list_plugins() -> dict[str, Any]:
        from saber_agent.commands.plugins import describe

        return describe()

    return server


def serve_stdio(settings: AnalysisSettings | None = None) -> None:
    """Serve over stdin/stdout until the client closes the connection."""
    build_server(settings).run("stdio")
