"""saber-agent mcp: serve the analysis as MCP tools over stdio, for MCP clients and agents."""

from __future__ import annotations

NAME = "mcp"
HELP = "Serve analyze_clip and list_plugins as MCP tools over stdio (needs saber-agent[agents])."


def add_arguments(parser) -> None:
    from saber_agent.commands.analyze import _csv, add_option_arguments, looks

    parser.add_argument("--plugins", type=_csv, help="default perception tools, comma-separated (a call may name others)")
    parser.add_argument("--reasoner", help="default reasoner (a call may name another)")
    add_option_arguments(parser)  # as in `saber-agent analyze`: the defaults a call's tool_options / reasoner_options override
    parser.add_argument("--max-looks", type=looks, metavar="N", help="second looks per clip (default 2; 0: none)")


def run(args) -> int:
    from saber_agent.agents.mcp_server import serve_stdio
    from saber_agent.commands.analyze import settings_from_args
    from saber_agent.errors import UsageError
    from saber_agent.registry import get_registry

    settings = settings_from_args(args)  # the analyze command's parsing and messages
    get_registry().validate_settings(settings)  # an unknown tool, reasoner or option stops the server before it serves
    try:
        serve_stdio(settings)
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return 0
