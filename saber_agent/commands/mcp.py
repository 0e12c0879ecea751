"""saber-agent mcp: serve the analysis as MCP tools over stdio, for MCP clients and agents."""

from __future__ import annotations

NAME = "mcp"
HELP = "Serve analyze_clip and list_plugins as MCP tools over stdio (needs saber-agent[agents])."


def add_arguments(parser) -> None:
    from saber_agent.commands.analyze import looks

    parser.add_argument("--plugins", help="default perception tools, comma-separated (a call may name others)")
    parser.add_argument("--reasoner", help="default reasoner (a call may name another)")
    parser.add_argument("--max-looks", type=looks, metavar="N", help="second looks per clip (default 2; 0: none)")


def run(args) -> int:
    from saber_agent.agents.mcp_server import serve_stdio
    from saber_agent.errors import UsageError
    from saber_agent.settings import AnalysisSettings

    update: dict = {}
    if args.plugins:
        update["plugins"] = [p.strip() for p in args.plugins.split(",") if p.strip()]
    if args.reasoner is not None:
        if not args.reasoner.strip():  # "--reasoner ''" is no reasoner, not the default one
            raise UsageError("--reasoner names no reasoner; give one, e.g. --reasoner fusion (saber-agent plugins lists them)")
        update["reasoner"] = args.reasoner
    if args.max_looks is not None:
        update["reperception_budget"] = {"max_calls": args.max_looks}
    try:
        settings = AnalysisSettings.model_validate(update)
    except Exception as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    try:
        serve_stdio(settings)
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return 0
