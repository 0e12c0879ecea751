"""saber-agent train data | pairs | sft | dpo, through the real CLI entry point."""

import json
from pathlib import Path

import pytest

from saber_agent.cli import main

DATA = Path(__file__).parent / "data"


def test_train_without_a_step_prints_help(capsys):
    assert main(["train"]) == 2
    assert "data" in capsys.readouterr().out


def test_train_data_writes_sft_and_ms_swift_and_reports_bad_lines(tmp_path, capsys):
    records = tmp_path / "saber.jsonl"
    lines = (DATA / "saber_mixed.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["video"] = "en-1.mp4"
    lines[0] = json.dumps(first)
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc = main(["train", "data", str(records), "--out", str(tmp_path / "sft.jsonl"),
               "--ms-swift", str(tmp_path / "swift.jsonl"), "--media-root", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0
    assert "wrote 2 SFT example(s)" in out and "2 of 6 item(s) kept, 4 skipped" in out
    assert "wrote 1 ms-swift record(s)" in out
    for line in (3, 4, 5, 7):
        assert f"saber.jsonl, line {line}:" in err
    sft = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["id"] for e in sft] == ["en-1", "zh-1"] and sft[0]["messages"][-1]["role"] == "assistant"
    swift = json.loads((tmp_path / "swift.jsonl").read_text(encoding="utf-8"))
    assert swift["videos"] == [str(tmp_path / "en-1.mp4")]


def test_train_data_fail_mode_exits_with_bad_input(tmp_path, capsys):
    rc = main(["train", "data", str(DATA / "saber_mixed.jsonl"), "--out", str(tmp_path / "x.jsonl"), "--on-error", "fail"])
    assert rc == 3
    assert "saber_mixed.jsonl, line 3: not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()


def test_train_pairs_from_saber_records(tmp_path, capsys, registry):
    out = tmp_path / "pairs.jsonl"
    rc = main(["train", "pairs", str(DATA / "saber_en.json"), str(DATA / "saber_zh.json"), "--out", str(out),
               "--samples", "2", "--ablations", "face,words", "-v"])
    stdout, err = capsys.readouterr()
    assert rc == 0
    assert "wrote 6 pair(s)" in stdout and '"face_only": 2' in stdout and '"grounding": 2' in stdout
    assert "identical (the reasoner is deterministic" in err
    pair = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert set(pair) == {"prompt", "chosen", "rejected", "meta"}


def test_train_pairs_usage_errors(tmp_path, capsys, registry):
    assert main(["train", "pairs", str(DATA / "saber_en.json"), "--out", str(tmp_path / "p.jsonl"), "--reasoner", "nope"]) == 2
    assert "no reasoner named 'nope'" in capsys.readouterr().err
    assert main(["train", "pairs", str(DATA / "saber_en.json"), "--out", str(tmp_path / "p.jsonl"), "--ablations", "nose"]) == 2


def test_train_sft_config_errors_are_usage_errors(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("sft: {model: m, output_dir: o}\n")
    assert main(["train", "sft", "--config", str(config)]) == 2
    assert "dataset: Field required" in capsys.readouterr().err


def test_train_sft_and_dpo_run_from_the_cli(tmp_path, capsys, tiny_qwen2, registry):
    pytest.importorskip("trl")
    import yaml

    pairs = tmp_path / "pairs.jsonl"
    assert main(["train", "pairs", str(DATA / "saber_en.json"), "--out", str(pairs), "--ablations", "face"]) == 0
    common = dict(model=str(tiny_qwen2), max_steps=1, batch_size=2, logging_steps=1, device="cpu",
                  lora={"r": 2, "alpha": 4}, max_length=2048)
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({
        "sft": {**common, "dataset": [str(DATA / "saber_zh.json")], "output_dir": str(tmp_path / "sft")},
        "dpo": {**common, "dataset": [str(pairs)], "output_dir": str(tmp_path / "dpo")},
    }), encoding="utf-8")
    capsys.readouterr()
    assert main(["train", "sft", "--config", str(config)]) == 0
    out, err = capsys.readouterr()
    assert "SFT done at step 1" in out and "[sft] step 1/1 loss" in err
    assert main(["train", "dpo", "--config", str(config), "--max-steps", "2"]) == 0
    out, err = capsys.readouterr()
    assert "DPO done at step 2" in out and "[dpo] step 2/2 loss" in err
    assert (tmp_path / "dpo" / "adapter_model.safetensors").is_file()
