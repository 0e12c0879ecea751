"""Exit codes and the user-facing error type shared by the CLI commands."""

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug or a broken dependency: worth a report
EXIT_USAGE = 2  # a wrong option, an unknown plugin or reasoner
EXIT_BAD_INPUT = 3  # the clip (or dataset) cannot be read


class UsageError(Exception):
    """A mistake in how the command was called; printed without a traceback."""
