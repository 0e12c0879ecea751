"""saber-agent batch: from the command line, with exit codes for the user's mistakes."""

from __future__ import annotations

import json
import shutil

import pytest

from saber_agent.batch import read_results
from saber_agent.cli import main
from saber_agent.errors import EXIT_CLIPS_FAILED, EXIT_INTERNAL
from tests.support.batch_support import make_tones


def test_batch_a_manifest_with_a_cache_then_resume(batch_registry, tmp_path, face_speech_clip, capsys):
    make_tones(tmp_path / "clips", 2)
    shutil.copy(face_speech_clip, tmp_path / "clips" / "talk.mp4")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in [
        {"path": "clips/talk.mp4", "emotion": "happy", "split": "agree"},
        {"path": "clips/tone00.wav", "emotion": "neutral"},
        {"path": "clips/tone01.wav", "emotion": "neutral"},
        {"path": "clips/missing.wav", "emotion": "sad"},
    ]))
    out = tmp_path / "out" / "r.jsonl"
    args = ["batch", str(manifest), "--out", str(out), "--cache", str(tmp_path / "cache"),
            "--plugins", "prosody,counting", "--no-progress"]
    assert main(args) == EXIT_CLIPS_FAILED == 4  # the missing clip failed; the other three lines are written
    err = capsys.readouterr().err
    assert "4 clip(s) analysed" in err and "1 error(s)" in err
    records = {r["id"]: r for r in read_results(out)}
    assert records[str(tmp_path / "clips" / "talk.mp4")]["labels"] == {"emotion": "happy", "split": "agree"}
    assert records[str(tmp_path / "clips" / "missing.wav")]["error"].endswith("missing.wav: no such file.")

    assert main(args) == EXIT_CLIPS_FAILED  # nothing left to do, but the results still hold the missing clip's error line
    err = capsys.readouterr().err
    assert "0 clip(s) analysed" in err and "4 already done" in err and "1 of 4 clip(s) failed" in err
    assert len(read_results(out)) == 4


def test_batch_usage_errors_and_unreadable_inputs(batch_registry, tmp_path, capsys):
    make_tones(tmp_path / "clips", 1)
    out = tmp_path / "r.jsonl"
    assert main(["batch", str(tmp_path / "nothing"), "--out", str(out)]) == 3
    assert "no such file or folder" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "clips"), "--out", str(out), "--plugins", "nope"]) == 2
    assert "no perception tool named 'nope'" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "clips"), "--out", str(out), "--plugins", "prosody", "--no-progress"]) == 0
    assert main(["batch", str(tmp_path / "clips"), "--out", str(out), "--plugins", "counting", "--no-progress"]) == 2
    assert "other analysis settings" in capsys.readouterr().err


def test_batch_exits_4_when_a_clip_failed_after_writing_every_line(batch_registry, tmp_path, face_speech_clip, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(face_speech_clip, folder / "a_good.mp4")
    (folder / "b_broken.mp4").write_bytes(b"this is not a video")
    out = tmp_path / "r.jsonl"
    args = ["batch", str(folder), "--out", str(out), "--plugins", "prosody", "--no-progress"]
    assert main(args) == EXIT_CLIPS_FAILED
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last == (f'saber-agent: 1 of 2 clip(s) failed: their errors are the lines with "status": "error" in {out} '
                    "(rerun with --retry-errors to analyse them again).")
    records = {r["id"]: r for r in read_results(out)}
    good, broken = records[str(folder / "a_good.mp4")], records[str(folder / "b_broken.mp4")]
    assert good["status"] == "ok" and good["slots"]["acoustic_feat"]["status"] == "ok"  # the good clip's work is kept
    assert broken["status"] == "error" and broken["error"]

    # the broken file is replaced by a good one: --retry-errors analyses it again, and the run exits 0
    shutil.copy(face_speech_clip, folder / "b_broken.mp4")
    assert main([*args, "--retry-errors"]) == 0
    err = capsys.readouterr().err
    assert "1 clip(s) analysed" in err and "1 already done" in err and "failed" not in err
    assert [r["status"] for r in read_results(out)] == ["ok", "ok"]


def test_batch_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "exit status: 0 every clip analysed; 4 the run finished but some clips failed" in help_text
    assert "1 internal error; 2 usage error; 3 unreadable input; 130 interrupted" in help_text


def test_an_internal_error_is_not_clips_failed(batch_registry, tmp_path, monkeypatch, capsys):
    """A bug inside the run exits 1, not the "look at the error lines" code. Mock: a RuntimeError from
    run_batch stands in for a bug, which no input can provoke on purpose."""
    import saber_agent.batch

    make_tones(tmp_path / "clips", 1)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(saber_agent.batch, "run_batch", broken)
    monkeypatch.delenv("SABER_AGENT_DEBUG", raising=False)
    code = main(["batch", str(tmp_path / "clips"), "--out", str(tmp_path / "r.jsonl"), "--plugins", "prosody", "--no-progress"])
    assert code == EXIT_INTERNAL == 1 and code != EXIT_CLIPS_FAILED
    assert "internal error: RuntimeError: a bug" in capsys.readouterr().err


def test_the_batch_bench_reads_the_exit_code_not_stderr():
    """bench/batch.py counts a finished run with failed clips (exit 4) and stops on anything else,
    whatever stderr says."""
    import importlib.util
    import sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_batch", Path(__file__).resolve().parents[1] / "bench" / "batch.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.timed([sys.executable, "-c", "raise SystemExit(4)"]) > 0
    with pytest.raises(SystemExit, match=r"failed \(1\)"):  # an internal error, though stderr reads like failed clips
        bench.timed([sys.executable, "-c", "import sys; print('1 of 2 clip(s) failed:', file=sys.stderr); sys.exit(1)"])


def test_ctrl_c_says_that_the_same_command_resumes_and_it_does(batch_registry, tmp_path, monkeypatch, capsys):
    """Ctrl+C during the second clip: exit 130, and stderr says the same command resumes (before it said only
    "saber-agent: interrupted"); the same command then analyses only the clips left. The interrupt is raised by a
    wrapper around the real per-clip run (a signal cannot be sent at a chosen clip)."""
    from saber_agent.batch.runner import ClipRunner

    make_tones(tmp_path / "clips", 3)
    out = tmp_path / "r.jsonl"
    args = ["batch", str(tmp_path / "clips"), "--out", str(out), "--plugins", "prosody", "--no-progress"]
    real = ClipRunner.run
    calls = []

    def interrupted(self, item):
        calls.append(item.id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, item)

    monkeypatch.setattr(ClipRunner, "run", interrupted)
    assert main(args) == 130
    err = capsys.readouterr().err
    assert f"saber-agent: interrupted; the lines written so far stay in {out}: rerun the same command to resume" in err
    assert len(read_results(out)) == 1
    monkeypatch.setattr(ClipRunner, "run", real)
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "2 clip(s) analysed" in err and "1 already done" in err
    assert sorted(r["id"] for r in read_results(out)) == sorted(str(p) for p in (tmp_path / "clips").iterdir())
