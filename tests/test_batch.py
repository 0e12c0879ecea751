"""Batch runs: inputs, the results file, resuming after SIGKILL, error lines, the evidence cache."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from saber_agent import registry as registry_module
from saber_agent.batch import (
    BatchConfigError,
    BatchInputError,
    ClipItem,
    ResultsLog,
    read_items,
    read_results,
    run_batch,
)
from saber_agent.testing import synth
from tests.support.batch_support import FAST, PLUGINS, clip_folder, make_tones


@pytest.fixture()
def clip_dir(tmp_path, face_speech_clip, smile_hostile_clip):
    """Two real talking-face clips, two tones and a broken file, in one folder."""
    folder = clip_folder(tmp_path, face_speech_clip, smile_hostile_clip)
    (folder / "notes.txt").write_text("not media")
    return folder


# -- inputs --------------------------------------------------------------------------------------


def test_read_a_folder_a_glob_and_a_single_file(clip_dir):
    items = read_items(clip_dir)
    names = [Path(i.path).name for i in items]
    assert names == ["a_cheerful.mp4", "b_hostile.mp4", "c_broken.mp4", "tone00.wav", "tone01.wav"]
    assert all(os.path.isabs(i.path) and i.id == i.path for i in items)
    assert [Path(i.path).name for i in read_items(f"{clip_dir}/*.wav")] == ["tone00.wav", "tone01.wav"]
    assert len(read_items(clip_dir / "tone00.wav")) == 1


def test_read_a_jsonl_and_a_csv_manifest(clip_dir):
    jsonl = clip_dir / "m.jsonl"
    jsonl.write_text(
        '{"path": "a_cheerful.mp4", "emotion": ["happy", "excited"], "valence": 0.8, "split": "consistent", "speaker": "A"}\n'
        "\n"
        '{"id": "x2", "video": "b_hostile.mp4", "label": "angry", "split": "Conflict", "reference": "She smiles but is furious."}\n'
        '{"path": "a_cheerful.mp4", "emotion": "duplicate row: ignored"}\n'
    )
    first, second = read_items(jsonl)
    assert first.id == first.path == str(clip_dir / "a_cheerful.mp4")
    assert first.labels == {"emotion": ["happy", "excited"], "valence": 0.8, "split": "agree"}
    assert first.meta == {"speaker": "A"}
    assert second.id == "x2" and second.labels == {"emotion": "angry", "split": "conflict", "description": "She smiles but is furious."}
    csv = clip_dir / "m.csv"
    csv.write_text("clip,emotion,valence,split,description\ntone00.wav,neutral,,agree,A calm tone.\ntone01.wav,sad,-0.5,,\n")
    a, b = read_items(csv, video_root=clip_dir)
    assert a.labels == {"emotion": "neutral", "split": "agree", "description": "A calm tone."}
    assert b.labels == {"emotion": "sad", "valence": "-0.5"} and b.path == str(clip_dir / "tone01.wav")


def test_bad_inputs_say_what_to_fix(tmp_path):
    with pytest.raises(BatchInputError, match="no such file"):
        read_items(tmp_path / "missing.jsonl")
    with pytest.raises(BatchInputError, match="no media files"):
        read_items(tmp_path)
    with pytest.raises(BatchInputError, match="matches no file"):
        read_items(str(tmp_path / "*.mp4"))
    bad = tmp_path / "m.jsonl"
    bad.write_text('{"path": "a.mp4"}\n{"emotion": "happy"}\n')
    with pytest.raises(BatchInputError, match="row 2: no clip path"):
        read_items(bad)
    bad.write_text('{"path": "a.mp4", "split": "sometimes"}\n')
    with pytest.raises(BatchInputError, match="neither 'agree' nor 'conflict'"):
        read_items(bad)
    bad.write_text('{"path": "a.mp4"}\n{not json\n')
    with pytest.raises(BatchInputError, match="line 2: not valid JSON"):
        read_items(bad)


# -- the results file ----------------------------------------------------------------------------


def test_results_log_drops_a_half_written_line_and_unreadable_lines(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_bytes(b'{"id": "a", "status": "ok"}\nnot json at all\n{"id": "b", "status": "ok"}\n{"id": "c", "sta')
    assert [r["id"] for r in read_results(out)] == ["a", "b"]  # readers skip what is not a whole line
    log = ResultsLog(out)
    records = log.open()
    assert [r["id"] for r in records] == ["a", "b"]
    assert log.dropped_partial and log.dropped_lines == 1
    log.append({"id": "c", "status": "ok", "text": "情绪 ✓"})
    log.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b", "c"]
    assert "情绪 ✓" in lines[-1]  # UTF-8, not escaped


def test_a_second_run_on_the_same_file_is_refused_while_the_first_holds_it(tmp_path):
    first = ResultsLog(tmp_path / "r.jsonl")
    first.open()
    try:
        with pytest.raises(BatchConfigError, match="another batch run"):
            ResultsLog(tmp_path / "r.jsonl").open()
    finally:
        first.close()
    second = ResultsLog(tmp_path / "r.jsonl")
    second.open()
    second.close()


# -- running -------------------------------------------------------------------------------------


def test_a_broken_file_becomes_an_error_line_and_the_batch_goes_on(batch_registry, clip_dir, tmp_path):
    out = tmp_path / "results.jsonl"
    summary = run_batch(clip_dir, out, FAST, progress=False)
    records = {Path(r["clip"]).name: r for r in read_results(out)}
    assert summary.processed == 5 and summary.errors == 1 and len(records) == 5
    broken = records["c_broken.mp4"]
    assert broken["status"] == "error" and "c_broken.mp4" in broken["error"] and "not a readable" in broken["error"]
    # the clips after the broken one were analysed
    for name in ("a_cheerful.mp4", "b_hostile.mp4", "tone00.wav", "tone01.wav"):
        record = records[name]
        assert record["status"] == "ok", record.get("error")
        assert set(record["saber"]) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
        assert record["prediction"]["basic_emotion"] and record["content_hash"] and record["timings"]["total"] > 0
        assert 0 < record["prediction"]["confidence"] < 1  # the fusion states its probability of being right
        assert record["slots"]["acoustic_feat"]["plugin"] == "prosody"
        assert record["evidence_cache"] == "off"
    assert records["b_hostile.mp4"]["saber"]["body_lang_desc"].startswith("The audio's RMS level")
    # a rerun finds everything done and does nothing
    again = run_batch(clip_dir, out, FAST, progress=False)
    assert again.processed == 0 and again.already_done == 5
    assert len(read_results(out)) == 5


def test_retry_errors_and_refusing_mixed_settings(batch_registry, tmp_path):
    folder = tmp_path / "clips"
    make_tones(folder, 2)
    missing = ClipItem(id="gone", path=str(folder / "gone.wav"))
    items = read_items(folder) + [missing]
    out = tmp_path / "r.jsonl"
    run_batch(items, out, FAST, progress=False)
    assert {r["id"]: r["status"] for r in read_results(out)}["gone"] == "error"
    with pytest.raises(BatchConfigError, match="other analysis settings"):
        run_batch(items, out, FAST.model_copy(update={"max_rounds": 1}), progress=False)
    synth.write_wav(folder / "gone.wav", synth.tone(400, 0.5))  # the missing clip appears
    summary = run_batch(items, out, FAST, progress=False, retry_errors=True)
    assert summary.processed == 1
    records = read_results(out)
    assert sorted(r["id"] for r in records) == sorted(i.id for i in items)  # still once each
    assert all(r["status"] == "ok" for r in records)


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the batch ended before {n} lines: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no {n} lines after {timeout} s")


def _batch_process(folder: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, registry_module.ENV_MODULES: PLUGINS, "PYTHONPATH": str(Path(__file__).parents[1])}
    cmd = [sys.executable, "-m", "saber_agent.cli", "batch", str(folder), "--out", str(out), "--no-progress",
           "--plugins", "slow,prosody", "--tool-option", "slow.seconds=0.25"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_batch_killed_mid_run_and_restarted_ends_with_every_clip_once(tmp_path):
    folder = tmp_path / "clips"
    clips = make_tones(folder, 8, seconds=0.4)
    out = tmp_path / "results.jsonl"

    # kill it (SIGKILL: no cleanup at all) once two clips are written
    proc = _batch_process(folder, out)
    _wait_for_lines(out, 2, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    first = read_results(out)
    assert 2 <= len(first) < 8

    # a kill in the middle of writing a line leaves half a line: cut the last line in two
    data = out.read_bytes()
    cut = data.rstrip(b"\n").rfind(b"\n") + 1 + 30
    out.write_bytes(data[:cut])
    assert not out.read_bytes().endswith(b"\n")
    half_done = len(first) - 1

    # restart, and kill it again after at least one more clip
    proc = _batch_process(folder, out)
    _wait_for_lines(out, half_done + 1, proc)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    # restart and let it finish
    proc = _batch_process(folder, out)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    ids = [r["id"] for r in records]
    assert sorted(ids) == sorted(str(c) for c in clips), "every clip exactly once"
    assert len(ids) == len(set(ids)) == 8
    assert all(r["status"] == "ok" and r["saber"]["video_desc"].startswith("Waited 0.25 s") for r in records)
    assert not (tmp_path / "results.jsonl.lock").exists()
