"""Exit codes, the user-facing error type shared by the CLI commands, and the one "optional extra missing" message."""

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug or a broken dependency: worth a report
EXIT_USAGE = 2  # a wrong option, an unknown plugin or reasoner
EXIT_BAD_INPUT = 3  # the clip (or dataset) cannot be read
# batch: the run finished and wrote every line, but some clips failed (their error lines say why); its own
# code, so a script tells "look at the error lines" from an internal failure (1) without reading stderr
EXIT_CLIPS_FAILED = 4
EXIT_BROKEN_PIPE = 141  # stdout was closed by its reader (`saber-agent plugins | head -1`): 128 + SIGPIPE, said quietly


class UsageError(Exception):
    """A mistake in how the command was called; printed without a traceback."""


def missing_extra(what: str, needs: str, extra: str, *, detail: str = "", instead: str = "") -> str:
    """The one message for an optional dependency that is not installed, naming the extra to install:

    ``"<what> needs <needs>: pip install 'saber-agent[<extra>]'"``, then ``", or <instead>"`` when
    there is another way (another backend), then ``" (<detail>)"`` (e.g. which module was missing).
    Callers raise it with their own error type (ImportError, ReasonerError, ...) ``from None``.
    """
    message = f"{what} needs {needs}: pip install 'saber-agent[{extra}]'"
    if instead:
        message += f", or {instead}"
    if detail:
        message += f" ({detail})"
    return message
