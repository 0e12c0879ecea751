"""The bad-input corpus through the graph and the CLI: a clear error or partial evidence, never a
crash, never a hang, no temp file left behind."""

import json
import os
import subprocess
import sys

import pytest

from saber_agent.api import analyze
from saber_agent.evidence import PERCEPTION_SLOTS
from saber_agent.media import MediaError
from saber_agent.testing.corpus import build, check_facts, field_cases


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


# --- field media (issue 14): a truthful analysis through the graph, the CLI, a batch and the UI ------


@pytest.fixture(scope="module")
def field(tmp_path_factory):
    return field_cases(tmp_path_factory.mktemp("field"), long_s=60.0)


def _cli_options(case):
    return [arg for tool, options in case.tool_options.items() for key, value in options.items()
            for arg in ("--tool-option", f"{tool}.{key}={value}")]


def test_field_media_kinds(field):
    assert len(field) >= 20 and all(case.facts for case in field)


def test_graph_tells_the_truth_about_field_media(registry, field):
    wrong = []
    for case in field:
        result = analyze(case.path, tool_options=case.tool_options)
        assert result.evidence.sentiment_analysis.ok, case.name
        wrong += check_facts(case, result)
    assert wrong == []


def test_cli_json_on_field_media(field, tmp_path):
    for case in field:
        out = tmp_path / "r.json"
        proc = subprocess.run([sys.executable, "-m", "saber_agent.cli", "analyze", os.fsencode(case.path), "--json",
                               "--out", str(out), "--plugins", "prosody,transcript", *_cli_options(case)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (case.name, proc.stderr[-800:])
        assert json.loads(out.read_text()) == json.loads(proc.stdout), case.name


def test_a_batch_over_field_media_writes_one_line_each(registry, field, tmp_path):
    from saber_agent.batch.inputs import ClipItem
    from saber_agent.batch.runner import run_batch
    from saber_agent.settings import AnalysisSettings

    items = [ClipItem(id=f"c{i}", path=str(case.path)) for i, case in enumerate(field)]
    out = tmp_path / "results.jsonl"
    summary = run_batch(items, out, AnalysisSettings(plugins=["prosody"]), progress=False)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(field) and summary is not None
    assert all(line.get("status", "ok") != "error" for line in lines), [line for line in lines if line.get("status") == "error"]
    named = {os.fsencode(line["clip"]) for line in lines}
    assert {os.fsencode(case.path) for case in field} == named  # the Latin-1 name too, byte for byte


def test_the_ui_shows_field_media(registry, field):
    from saber_agent.ui.limits import UploadLimits
    from saber_agent.ui.service import AnalysisService

    service = AnalysisService(UploadLimits(max_duration_s=300))
    try:
        for case in field:
            if case.name not in ("cover_art.mp3", "music_only.mp4", "rotated_270.mp4") and "latin" not in case.name:
                continue
            views = list(service.stream(str(case.path), service.settings(["prosody", "face"], "fusion")))
            assert views[-1].finished and views[-1].error is None, (case.name, views[-1].error)
            clip = views[-1].result.clip
            json.dumps(views[-1].result.model_dump(mode="json"))  # what the page downloads
            if case.name == "cover_art.mp3":
                assert not clip.has_video
            if case.name == "music_only.mp4":
                assert views[-1].result.evidence.acoustic_feat.reason.startswith("no voice")
    finally:
        service.close()
