"""CA-DPO with TRL's DPOTrainer and LoRA on a tiny random Qwen2 the tests build (CPU, offline)."""

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("trl")
pytest.importorskip("peft")

from saber_agent.training.cases import read_cases  # noqa: E402
from saber_agent.training.config import DPOSettings  # noqa: E402
from tests.test_training_sft import WeightProbe  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    from saber_agent import registry as registry_module
    from saber_agent.training.pairs import build_pairs
    from tests.conftest import IN_TREE

    registry_module.set_registry(registry_module.Registry(allow=IN_TREE).load())
    try:
        cases, _ = read_cases([DATA / "saber_en.json", DATA / "saber_zh.json"])
        report = build_pairs(cases)
    finally:
        registry_module.set_registry(None)
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    lines = [json.dumps(p, ensure_ascii=False) for p in report.pairs]
    lines.insert(1, json.dumps({"prompt": report.pairs[0]["prompt"], "chosen": report.pairs[0]["chosen"]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(report.pairs)


def dpo_settings(model, pairs, out, **update) -> DPOSettings:
    values = dict(
        model=str(model), dataset=[str(pairs)], output_dir=str(out), learning_rate=1e-2, max_steps=3,
        batch_size=2, save_steps=2, logging_steps=1, max_length=2048, beta=0.1,
        lora={"r": 4, "alpha": 8, "dropout": 0.0}, device="cpu",
    )
    values.update(update)
    return DPOSettings.model_validate(values)


@pytest.fixture(scope="module")
def dpo_run(tiny_qwen2, pairs_file, tmp_path_factory):
    from saber_agent.training.dpo import train_dpo

    out = tmp_path_factory.mktemp("dpo") / "run"
    probe = WeightProbe()
    outcome = train_dpo(dpo_settings(tiny_qwen2, pairs_file[0], out), callbacks=[probe.callback()])
    return outcome, probe, out


def test_dpo_trains_steps_logs_a_loss_and_moves_the_lora_weights(dpo_run, pairs_file):
    import torch

    outcome, probe, out = dpo_run
    assert outcome.global_step == 3 and [e["step"] for e in outcome.losses] == [1, 2, 3]
    # the policy starts equal to its reference (LoRA B is zero), so the first DPO loss is ln 2
    assert outcome.losses[0]["loss"] == pytest.approx(0.6931, abs=1e-3)
    assert outcome.losses[-1]["loss"] < outcome.losses[0]["loss"]
    assert not torch.equal(probe.begin["lora"], probe.end["lora"])
    assert torch.equal(probe.begin["base"], probe.end["base"])
    events = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert any("rewards/margins" in e for e in events if e["event"] == "log")
    assert outcome.examples == pairs_file[1]  # the bad line 2 was reported, not trained on
    assert len(outcome.issues) == 1 and "line 2: missing rejected" in outcome.issues[0]
    assert json.loads((out / "saber_training.json").read_text())["kind"] == "dpo"


def test_dpo_resumes_from_its_last_checkpoint(dpo_run, tiny_qwen2, pairs_file, tmp_path):
    from saber_agent.training.dpo import train_dpo

    _, _, first = dpo_run
    out = tmp_path / "run"
    shutil.copytree(first, out)
    shutil.rmtree(out / "checkpoint-3")  # as if the first run had stopped after step 2
    outcome = train_dpo(dpo_settings(tiny_qwen2, pairs_file[0], out))
    assert outcome.resumed_from == str(out / "checkpoint-2") and outcome.global_step == 3
    assert [e["step"] for e in outcome.losses] == [1, 2, 3]
    begins = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines() if '"begin"' in line]
    assert begins[-1]["step"] == 2 and begins[-1]["resumed_from"].endswith("checkpoint-2")
