"""saber-agent eval: the report, the plots, and an EmoBench-M run from benchmark to scorer files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from saber_agent.cli import main

FIXTURE = Path(__file__).with_name("data") / "emobench_sample.json"


def test_eval_prints_a_table_writes_plots_and_json(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    lines = [
        {"id": "a", "clip": "/x/a.mp4", "status": "ok", "labels": {},
         "prediction": {"emotions": ["content"], "basic_emotion": "happiness", "valence": 0.5, "valence_label": "positive", "arousal": 0.4},
         "conflicts": [], "saber": {"sentiment_analysis": "pleased"}},
        {"id": "b", "clip": "/x/b.mp4", "status": "ok", "labels": {},
         "prediction": {"emotions": ["sarcastic"], "basic_emotion": "disgust", "valence": -0.4, "valence_label": "negative",
                        "arousal": 0.7},
         "conflicts": [{"modalities": ["face", "words"]}], "saber": {"sentiment_analysis": "mocking"}},
    ]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    manifest = tmp_path / "m.csv"  # joined by clip path (the results' ids are other strings)
    manifest.write_text("path,emotion,split\n/x/a.mp4,happy,agree\n/x/b.mp4,contemptuous,conflict\n")
    assert main(["eval", str(results), "--manifest", str(manifest), "--plots", str(tmp_path / "plots"),
                 "--json", str(tmp_path / "report.json")]) == 0
    out = capsys.readouterr().out
    assert "basic: accuracy" in out and "2 clip(s) from the manifest" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["report"]["splits"]["all"]["basic"]["accuracy"] == 1.0
    assert report["report"]["splits"]["conflict"]["open_vocab"]["f_s"] == 1.0
    assert {Path(p).name for p in report["plots"]} == {"confusion_basic.png", "confusion_valence.png", "splits.png"}


def test_eval_reports_the_calibration_of_stated_confidences(tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    lines = [{"id": i, "status": "ok", "labels": {"emotion": gold}, "conflicts": [], "saber": {"sentiment_analysis": ""},
              "prediction": {"emotions": [basic], "basic_emotion": basic, "valence": -0.5, "valence_label": "negative",
                             "arousal": 0.5, "confidence": confidence}}
             for i, gold, basic, confidence in [("a", "angry", "anger", 0.8), ("b", "sad", "anger", 0.8)]]
    results.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["eval", str(results), "--json", str(tmp_path / "report.json")]) == 0
    out = capsys.readouterr().out
    # one bin (0.7, 0.8]: accuracy 0.5 at confidence 0.8 -> ECE 0.3; Brier (0.04 + 0.64) / 2 = 0.34; b is confident wrong
    assert "calibration: ECE (10 equal-width bins)" in out and "0.300" in out and "0.340" in out
    assert "calibration: confident (>=0.6) share of wrong" in out
    saved = json.loads((tmp_path / "report.json").read_text())["report"]["splits"]["all"]["calibration"]
    assert saved["ece"] == pytest.approx(0.3) and saved["confident_wrong_share"] == 1.0


def test_eval_refuses_what_it_cannot_read_or_do(registry, tmp_path, capsys):
    assert main(["eval", str(tmp_path / "none.jsonl")]) == 3
    (tmp_path / "empty.jsonl").write_text("")
    assert main(["eval", str(tmp_path / "empty.jsonl")]) == 3
    (tmp_path / "r.jsonl").write_text('{"id": "a", "status": "error", "error": "x"}\n')
    assert main(["eval", str(tmp_path / "r.jsonl"), "--judge", "fusion"]) == 2
    assert "cannot answer a free prompt" in capsys.readouterr().err
    (tmp_path / "bench.json").write_text('{"not": "a benchmark"}')
    assert main(["eval", str(tmp_path / "r.jsonl"), "--emobench", str(tmp_path / "bench.json")]) == 3
    assert "not an EmoBench-M benchmark" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "r.jsonl"), "--emobench", str(FIXTURE), "--emobench-preset", "NOPE"]) == 3
    assert "unknown EmoBench-M preset" in capsys.readouterr().err


def test_emobench_from_benchmark_json_to_the_scorers_files(batch_registry, tmp_path, face_speech_clip,
                                                          smile_hostile_clip, capsys):
    bench = tmp_path / "bench.json"
    shutil.copy(FIXTURE, bench)
    (tmp_path / "clips").mkdir()
    shutil.copy(face_speech_clip, tmp_path / "clips" / "cheerful.mp4")
    shutil.copy(smile_hostile_clip, tmp_path / "clips" / "smile_hostile.mp4")
    results = tmp_path / "r.jsonl"
    assert main(["batch", str(bench), "--out", str(results), "--plugins", "prosody", "--no-progress"]) == 0
    assert main(["eval", str(results), "--emobench", str(bench), "--emobench-out", str(tmp_path / "scorer")]) == 0
    out = capsys.readouterr().out
    assert "EmoBench-M" in out and "classification:" in out and "joint:" in out and "generation:" in out
    classification = json.loads((tmp_path / "scorer" / "bench.classification.json").read_text())
    assert len(classification) == 3
    allowed = [["neutral", "negative", "positive"], ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"],
               ["true", "false"]]
    for row, labels in zip(classification, allowed, strict=False):
        assert row["predicted_value"] in labels and row["expected_value"] in labels
    joint = json.loads((tmp_path / "scorer" / "bench.joint.jsonl").read_text().splitlines()[0])
    assert joint["predicted_emotion"] in ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]
    assert joint["modal_path"] == str(tmp_path / "clips" / "cheerful.mp4")
    generation = json.loads((tmp_path / "scorer" / "bench.generation.json").read_text())
    assert generation[0]["prediction"].startswith("The speaker feels ") and len(generation[0]["prediction"].split()) <= 25
