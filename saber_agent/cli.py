"""The ``saber-agent`` command: it finds its subcommands in `saber_agent.commands`.

Exit codes: 0 success, 1 internal failure, 2 usage error, 3 unreadable input, 4 (batch) finished but some
clips failed, 130 interrupted, 141 stdout closed by its reader (see `saber_agent.errors`).
Set ``SABER_AGENT_DEBUG=1`` to see tracebacks of internal failures.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from saber_agent import __version__
from saber_agent.errors import EXIT_BAD_INPUT, EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_USAGE, UsageError


def _command_modules():
    import saber_agent.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"saber_agent.commands.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saber-agent",
        description="Multimodal emotion reasoning over video clips, in the six-slot SABER schema.",
    )
    parser.add_argument("--version", action="version", version=f"saber-agent {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    from saber_agent.devices import DeviceError
    from saber_agent.media import MediaError
    from saber_agent.native_logs import filtered_stderr
    from saber_agent.registry import UnknownComponentError
    from saber_agent.saber_format import SaberFormatError

    try:
        with filtered_stderr():  # MediaPipe's C++ info lines off the terminal (saber_agent.native_logs)
            code = int(args.run(args) or 0)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return code
    except (UsageError, UnknownComponentError, DeviceError) as exc:
        print(f"saber-agent: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MediaError, SaberFormatError) as exc:
        print(f"saber-agent: cannot read input: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("saber-agent: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _stdout_closed():  # `| head -1`; another pipe (ffmpeg's) is a failure
            return _stdout_gone()
        if os.environ.get("SABER_AGENT_DEBUG"):
            raise
        print(
            f"saber-agent: internal error: {type(exc).__name__}: {exc} "
            "(set SABER_AGENT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (Linux and macOS poll it as an error); True where poll is missing."""
    import select

    if not hasattr(select, "poll"):
        return True
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


def _stdout_gone() -> int:
    """The reader of stdout went away (`saber-agent plugins | head -1`): end quietly, as a command killed by
    SIGPIPE would (Python ignores the signal and raises BrokenPipeError instead). Stdout is pointed at devnull
    so the interpreter's last flush at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing left to flush into it
        pass
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
