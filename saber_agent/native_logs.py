"""Native libraries' informational log lines kept off the command line's stderr.

MediaPipe and TensorFlow Lite write C++ log lines straight to file descriptor 2 (not through Python's
`sys.stderr`, so Python cannot silence them), about eight on every analysis:

    INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    W0000 00:00:1796045886.181644    6801 inference_feedback_manager.cc:114] Feedback manager requires ...

Their ``GLOG_minloglevel`` / ``TF_CPP_MIN_LOG_LEVEL`` switches do not reach these (absl logging before
``absl::InitializeLog``). `filtered_stderr` puts a pipe in front of descriptor 2 for the length of a
command and forwards every line except those: informational and warning lines in the absl/glog format
(``I``/``W`` + date), and the two fixed lines above. Errors (``E``/``F`` lines) and everything else,
Python's own output included, pass unchanged. ``SABER_AGENT_NATIVE_LOGS=1`` (or ``SABER_AGENT_DEBUG=1``)
turns the filter off.

The command line filters for a whole command. Library code (the Python API, the UI, a batch worker)
filters only where the lines come from: `native_logs_filtered` around MediaPipe's graphs while they
are built and first run (plugins/landmarks.py). It is one filter shared by every thread: the first
thread in puts it in front of descriptor 2, the last one out takes it away, so threads that overlap
(face and body perception run in parallel) do not swap descriptor 2 in and out of order.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

NOISE = re.compile(
    rb"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\] "  # absl/glog info and warning lines
    rb"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)"
)


def is_noise(line: bytes) -> bool:
    """Whether a line (bytes, with or without its newline) is a native informational log line."""
    return bool(NOISE.match(line))


@contextlib.contextmanager
def filtered_stderr(enabled: bool | None = None) -> Iterator[None]:
    """Filter descriptor 2 (see the module docstring) while the block runs; on exit every line written
    in it has been forwarded, and descriptor 2 is the original again. A no-op when disabled, or when
    descriptor 2 cannot be duplicated (e.g. closed)."""
    if enabled is None:
        enabled = not (os.environ.get("SABER_AGENT_NATIVE_LOGS") or os.environ.get("SABER_AGENT_DEBUG"))
    if not enabled:
        yield
        return
    try:
        original = os.dup(2)
    except OSError:
        yield
        return
    read_end, write_end = os.pipe()

    def forward() -> None:
        # chunks, not lines: a progress bar redraws with "\r" and no newline, and must show at once; only
        # an unfinished line that may still become a noise line (they start with I or W) waits for its end
        pending = b""
        try:
            while chunk := os.read(read_end, 65536):
                *lines, pending = (pending + chunk).split(b"\n")
                out = b"".join(line + b"\n" for line in lines if not is_noise(line))
                if pending and not (pending[:1] in (b"I", b"W") and len(pending) < 512):
                    out, pending = out + pending, b""
                if out:
                    os.write(original, out)
            if pending and not is_noise(pending):
                os.write(original, pending)
        finally:
            os.close(read_end)
            os.close(original)  # here, not in the main thread: a child holding the pipe keeps the reader going

    thread = threading.Thread(target=forward, name="saber-agent-stderr", daemon=True)
    thread.start()
    _flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        _flush()
        os.dup2(original, 2)  # closes the pipe's last write end: the reader sees the end and stops
        thread.join(timeout=5)


_shared_lock = threading.Lock()
_shared_depth = 0
_shared_filter: contextlib.AbstractContextManager | None = None


@contextlib.contextmanager
def native_logs_filtered() -> Iterator[None]:
    """`filtered_stderr`, shared by every thread for as long as one of them is inside (see the module docstring):
    for library code around a native library's calls. Other threads' output meanwhile passes, filtered the same."""
    global _shared_depth, _shared_filter
    with _shared_lock:
        if _shared_depth == 0:
            _shared_filter = filtered_stderr()
            _shared_filter.__enter__()
        _shared_depth += 1
    try:
        yield
    finally:
        with _shared_lock:
            _shared_depth -= 1
            if _shared_depth == 0:
                done, _shared_filter = _shared_filter, None
                done.__exit__(None, None, None)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
