"""saber-agent ui: options, a clear message without the extra, and a real server on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from saber_agent.cli import build_parser, main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_options_default_to_loopback_and_offer_no_share_link(capsys):
    args = build_parser().parse_args(["ui"])
    assert (args.host, args.port, args.concurrency) == ("127.0.0.1", 7860, 1)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ui", "--share"])
    assert "--share" in capsys.readouterr().err  # argparse names the unknown option
    with pytest.raises(SystemExit):
        main(["ui", "--help"])
    assert "--share" not in capsys.readouterr().out


def test_bad_values_are_usage_errors(capsys):
    assert main(["ui", "--port", "70000"]) == 2
    assert "--port 70000: expected 1-65535" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["ui", "--max-upload-mb", "0"])


def test_reasoner_options_and_names(capsys):
    args = build_parser().parse_args(["ui", "-o", "transformers.model=/m", "-o", "transformers.max_new_tokens=64"])
    assert args.reasoner_option == [("transformers", "model", "/m"), ("transformers", "max_new_tokens", 64)]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ui", "-o", "model=/m"])
    assert "expected REASONER.KEY=VALUE" in capsys.readouterr().err
    assert main(["ui", "--reasoner", "oracle"]) == 2
    assert "no reasoner named 'oracle'; loaded: " in capsys.readouterr().err
    # a server-side reasoner option is checked at launch (the CLI's check), not at the first upload
    assert main(["ui", "-o", "fusion.bogus=1"]) == 2
    assert "invalid reasoner option bogus for fusion: it takes no options" in capsys.readouterr().err


def test_missing_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gradio", None)  # import gradio now fails as if not installed
    assert main(["ui"]) == 1
    err = capsys.readouterr().err
    assert "the web app needs gradio and matplotlib: pip install 'saber-agent[ui]' (gradio is missing)" in err


def outward_address() -> str | None:
    """This machine's address on a non-loopback interface, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_serves_the_app_on_loopback_only():
    pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
    httpx = pytest.importorskip("httpx")
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "saber_agent.cli", "ui", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline, page = time.time() + 90, None
        while time.time() < deadline and proc.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200 and "SABER Agent" in page.text
        outward = outward_address()
        if outward:
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://{outward}:{port}/", timeout=2)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert f"serving on http://127.0.0.1:{port}" in err
