"""A local OpenAI-compatible server for the `openai` reasoner: llama.cpp's own, from the xllamacpp wheel.

    from saber_agent.plugins.reasoners.llama_server import local_llama_server
    with local_llama_server("qwen2.5-1.5b") as base_url:
        analyze(clip, reasoner="openai", reasoner_options={"base_url": base_url})

or from a shell (serves until interrupted; prints the base URL):

    python -m saber_agent.plugins.reasoners.llama_server --model smollm2-135m --port 8000

xllamacpp is a prebuilt wheel (``pip install 'saber-agent[llama]'``): no compiler, no source build.
`model` is a GGUF path or an offline model's name (`gguf_models`); the bundled SmolLM2-135M is the
default, so this runs offline. The server runs in a child process, so a model that crashes
llama.cpp takes down only the child, and the context manager reports it with the log's tail.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from saber_agent.errors import missing_extra
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
    """Serve `model` on a free 127.0.0.1 port in a child process; yield its base URL (``.../v1``) once
    ``/v1/models`` answers; stop it on exit.

    `model`: a GGUF path or an offline model's name (default: the bundled SmolLM2-135M). One thread by
    default: on a small shared machine llama.cpp's spinning worker threads make two many times slower
    than one. Raises ReasonerError, with the end of the server's log, when the model is missing, or
    the server exits or does not start in `startup_s`.
    """
    import httpx

    path = model_path(model)
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="llama-server-"))) / "server.log"
        log = Path(log)
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__, "--model", path, "--port", str(port), "--n-ctx", str(n_ctx),
                 "--threads", str(threads)],
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
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def model_path(model: str | os.PathLike | None) -> str:
    """The GGUF file to serve: a path, or an offline model's name (default: SmolLM2-135M)."""
    from saber_agent.plugins.reasoners import gguf_models

    name = os.fspath(model) if model is not None else gguf_models.SMOLLM2
    if name.endswith(".gguf") and not Path(name).is_file():
        raise ReasonerError(f"no GGUF file at {name}")
    return gguf_models.resolve(name).path


def serve(path: str, port: int, n_ctx: int = 4096, threads: int = 1, host: str = "127.0.0.1") -> None:
    """Serve the GGUF at `path` over HTTP (OpenAI routes under /v1) until SIGTERM or Ctrl-C."""
    try:
        import xllamacpp
    except ImportError:
        raise ReasonerError(missing_extra("serving", "xllamacpp", "llama")) from None
    params = xllamacpp.CommonParams()
    params.model.path = path
    params.n_ctx, params.n_parallel = int(n_ctx), 1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = int(threads)
    params.port, params.hostnames = int(port), [host]
    params.verbosity = 0
    try:
        server = xllamacpp.Server(params)  # starts serving; stops when the object is released
    except RuntimeError as exc:
        raise ReasonerError(f"llama.cpp could not load {path}: {exc}") from None
    print(f"serving {path} at {server.listening_address}/v1", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    del server


def _tail(log: Path, chars: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a GGUF chat model with llama.cpp (OpenAI-compatible, /v1).")
    parser.add_argument("--model", default=None, help="a .gguf path or an offline model's name (default smollm2-135m)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        serve(model_path(args.model), args.port, args.n_ctx, args.threads, args.host)
    except ReasonerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
