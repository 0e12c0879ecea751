"""saber-agent ui: serve the Gradio app (loopback by default; no public share link is offered)."""

from __future__ import annotations

import argparse
import sys

NAME = "ui"
HELP = "Serve the web app: upload or record a clip, watch the evidence and the reasoning."


def _positive(kind):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
        if number <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0, got {value!r}")
        return number

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it to the network)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    parser.add_argument("--max-upload-mb", type=_positive(float), default=200.0, help="largest upload accepted, in MB (default 200)")
    parser.add_argument("--max-duration", type=_positive(float), default=600.0, help="longest clip accepted, in seconds (default 600)")
    parser.add_argument("--concurrency", type=_positive(int), default=1,
                        help="analyses that run at once; other users queue (default 1)")
    parser.add_argument("--max-rounds", type=_positive(int), default=3, help="default reasoning rounds at most (default 3)")
    parser.add_argument("--reasoner", default="fusion", help="the reasoner selected when the page opens (default fusion)")
    parser.add_argument(
        "--reasoner-option", "-o", type=_reasoner_option, action="append", default=[], metavar="REASONER.KEY=VALUE",
        help="an option for one reasoner's factory, e.g. transformers.model=PATH (repeatable; page users cannot change it)",
    )


def _reasoner_option(value: str) -> tuple[str, str, object]:
    from saber_agent.commands.analyze import _option

    key, parsed = _option(value)
    if "." not in key:
        raise argparse.ArgumentTypeError(f"expected REASONER.KEY=VALUE, got {value!r}")
    reasoner, option = key.split(".", 1)
    return reasoner, option, parsed


def run(args) -> int:
    from saber_agent.errors import EXIT_INTERNAL, UsageError, missing_extra

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: expected 1-65535")
    if args.max_rounds > 10:
        raise UsageError(f"--max-rounds {args.max_rounds}: at most 10")
    try:
        import gradio  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as exc:
        print("saber-agent ui: " + missing_extra("the web app", "gradio and matplotlib", "ui", detail=f"{exc.name} is missing"),
              file=sys.stderr)
        return EXIT_INTERNAL
    from saber_agent.registry import get_registry
    from saber_agent.ui.app import build_app, launch
    from saber_agent.ui.limits import MB, UploadLimits

    options: dict[str, dict] = {}
    for reasoner, key, value in args.reasoner_option:
        options.setdefault(reasoner, {})[key] = value
    registry = get_registry()
    for name, reasoner_options in {args.reasoner: {}, **options}.items():  # unknown names, bad options: exit 2 now
        registry.validate_reasoner_options(name, reasoner_options)
    limits = UploadLimits(max_bytes=int(args.max_upload_mb * MB), max_duration_s=args.max_duration)
    demo = build_app(limits, max_rounds=args.max_rounds, concurrency_limit=args.concurrency,
                     reasoner_options=options, default_reasoner=args.reasoner)
    print(f"saber-agent ui: serving on http://{args.host}:{args.port} (Ctrl+C stops it)", file=sys.stderr)
    try:
        launch(demo, host=args.host, port=args.port)
    finally:
        demo.saber_service.close()
    return 0
