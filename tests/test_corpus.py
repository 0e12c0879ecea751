"""The bad-input corpus through the graph and the CLI: a clear error or partial evidence, never a
crash, never a hang, no temp file left behind."""

import json
import os
import subprocess
import sys

import pytest

from saber_agent.api import analyze
from saber_agent.testing.corpus import build
from saber_agent.evidence import PERCEPTION_SLOTS
from saber_agent.media import MediaError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("corpus"), long_minutes=10)


def test_corpus_has_at_least_fifteen_kinds(corpus):
    assert len(corpus) >= 15
    assert {c.expect for c in corpus} == {"error", "partial"}


def test_graph_gives_a_clear_error_or_partial_evidence(registry, corpus):
    for case in corpus:
        if case.expect == "error":
            with pytest.raises(MediaError) as info:
                analyze(case.path)
            assert case.path.name in str(info.value), case.name
        else:
            result = analyze(case.path)
            assert result.evidence.sentiment_analysis.ok, case.name
            for name in PERCEPTION_SLOTS:
                slot = result.evidence.slot(name)
                assert slot.ok or slot.reason, (case.name, name)


def test_cli_exit_codes_no_traceback_no_hang_no_temp_files(corpus, tmp_path):
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    for case in corpus:
        proc = subprocess.run([sys.executable, "-m", "saber_agent.cli", "analyze", str(case.path), "--json"],
                              capture_output=True, text=True, timeout=300, env=env)
        assert "Traceback" not in proc.stderr, (case.name, proc.stderr[-800:])
        if case.expect == "error":
            assert proc.returncode == 3, (case.name, proc.returncode, proc.stderr)
            assert case.path.name in proc.stderr
        else:
            assert proc.returncode == 0, (case.name, proc.stderr[-800:])
            assert json.loads(proc.stdout)["evidence"]["sentiment_analysis"]["status"] == "ok"
        assert list(tmp.iterdir()) == [], (case.name, list(tmp.iterdir()))
