"""SED SFT with TRL's SFTTrainer and LoRA on a tiny random Qwen2 the tests build (CPU, offline)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")
pytest.importorskip("peft")

from saber_agent.training.cases import DatasetError  # noqa: E402
from saber_agent.training.config import SFTSettings  # noqa: E402

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


class WeightProbe:
    """Copies one LoRA tensor and one frozen base tensor at the start and the end of training."""

    def __init__(self):
        self.begin, self.end = {}, {}

    def callback(self):
        from transformers import TrainerCallback

        probe = self

        class Probe(TrainerCallback):
            def on_train_begin(self, args, state, control, model=None, **kwargs):
                probe.begin = probe.snapshot(model)

            def on_train_end(self, args, state, control, model=None, **kwargs):
                probe.end = probe.snapshot(model)

        return Probe()

    @staticmethod
    def snapshot(model):
        named = dict(model.named_parameters())
        lora = next(n for n in named if "lora_B" in n and "q_proj" in n)
        base = next(n for n in named if n.endswith("q_proj.base_layer.weight"))
        return {"lora": named[lora].detach().clone(), "base": named[base].detach().clone()}


def sft_settings(model: Path, out: Path, **update) -> SFTSettings:
    values = dict(
        model=str(model), dataset=[str(DATA / "saber_mixed.jsonl"), str(DATA / "saber_zh.json")],
        output_dir=str(out), learning_rate=1e-2, max_steps=3, batch_size=2, save_steps=2, logging_steps=1,
        max_length=2048, lora={"r": 4, "alpha": 8, "dropout": 0.0}, device="cpu", save_merged=True,
    )
    values.update(update)
    return SFTSettings.model_validate(values)


@pytest.fixture(scope="module")
def sft_run(tiny_qwen2, tmp_path_factory):
    from saber_agent.training.sft import train_sft

    out = tmp_path_factory.mktemp("sft") / "run"
    probe = WeightProbe()
    outcome = train_sft(sft_settings(tiny_qwen2, out), callbacks=[probe.callback()])
    return outcome, probe, out


def test_sft_trains_steps_logs_a_loss_and_moves_the_lora_weights(sft_run, tiny_qwen2):
    import torch

    outcome, probe, out = sft_run
    assert outcome.global_step == 3
    assert [e["step"] for e in outcome.losses] == [1, 2, 3]
    assert all(0 < e["loss"] < 20 for e in outcome.losses)
    assert not torch.equal(probe.begin["lora"], probe.end["lora"])  # the adapter learned
    assert float(probe.begin["lora"].abs().max()) == 0.0 < float(probe.end["lora"].abs().max())
    assert torch.equal(probe.begin["base"], probe.end["base"])  # the base stayed frozen
    events = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert [e["step"] for e in events if e["event"] == "log"] == [1, 2, 3]
    assert all("loss" in e and e["steps_per_s"] >= 0 for e in events if e["event"] == "log")
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == str(tiny_qwen2) and adapter["r"] == 4
    manifest = json.loads((out / "saber_training.json").read_text())
    assert manifest["kind"] == "sft" and manifest["adapter"] == str(out) and manifest["global_step"] == 3
    assert manifest["merged"] == str(out / "merged") and (out / "merged" / "model.safetensors").is_file()
    assert (out / "checkpoint-2").is_dir() and (out / "checkpoint-3").is_dir()


def test_bad_dataset_lines_are_reported_and_never_trained_on(sft_run):
    outcome, _, _ = sft_run
    assert outcome.examples == 3  # saber_mixed.jsonl lines 1 and 2, and saber_zh.json
    assert [i.split(", line ")[1].split(":")[0] for i in outcome.issues] == ["3", "4", "5", "7"]


def test_fail_mode_stops_before_training(tiny_qwen2, tmp_path):
    from saber_agent.training.sft import train_sft

    with pytest.raises(DatasetError, match="saber_mixed.jsonl, line 3"):
        train_sft(sft_settings(tiny_qwen2, tmp_path / "run", on_error="fail"))
    assert not (tmp_path / "run").exists()


def test_sft_resumes_from_its_last_checkpoint(sft_run, tiny_qwen2, tmp_path):
    from saber_agent.training.sft import train_sft

    _, _, first = sft_run
    out = tmp_path / "run"
    shutil.copytree(first, out)
    shutil.rmtree(out / "checkpoint-3")  # as if the first run had stopped after step 2
    (out / "progress.jsonl").unlink()
    outcome = train_sft(sft_settings(tiny_qwen2, out, max_steps=4))
    assert outcome.resumed_from == str(out / "checkpoint-2")
    assert outcome.global_step == 4
    events = [json.loads(line) for line in (out / "progress.jsonl").read_text().splitlines()]
    assert events[0]["event"] == "begin" and events[0]["step"] == 2 and events[0]["resumed_from"].endswith("checkpoint-2")
    assert [e["step"] for e in events if e["event"] == "log"] == [3, 4]  # steps 1-2 were not run again
    assert [e["step"] for e in outcome.losses] == [1, 2, 3, 4]  # the history came back with the checkpoint


def test_resume_yes_without_a_checkpoint_is_a_clear_error(tiny_qwen2, tmp_path):
    from saber_agent.training.config import ConfigError

    with pytest.raises(ConfigError, match="no checkpoint-N folder"):
        sft_settings(tiny_qwen2, tmp_path / "empty", resume="yes").resume_from()


def test_the_trained_adapter_and_merged_model_load_into_the_transformers_reasoner(sft_run, tiny_qwen2):
    import torch
    from transformers import AutoModelForCausalLM

    chat = pytest.importorskip(
        "saber_agent.plugins.reasoners.transformers_chat",
        reason="the transformers chat reasoner (plugins/reasoners/transformers_chat.py) is not in the tree yet",
    )
    from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, Slot
    from saber_agent.reasoning import ReasonerError, ReasoningRequest

    _, _, out = sft_run
    tuned = chat.TransformersChatReasoner(model=str(tiny_qwen2), adapter=str(out), max_new_tokens=8, device="cpu", retries=0)
    merged = chat.TransformersChatReasoner(model=str(out / "merged"), max_new_tokens=8, device="cpu", retries=0)
    base = AutoModelForCausalLM.from_pretrained(tiny_qwen2)

    def q_proj(net):
        return dict(net.named_parameters())["model.layers.0.self_attn.q_proj.weight"]

    assert not torch.allclose(q_proj(tuned.net), q_proj(base))  # the trained LoRA is in the weights
    assert torch.allclose(q_proj(tuned.net), q_proj(merged.net), atol=1e-6)  # merged on save == merged on load
    assert "adapter" in tuned.model
    words = ModalityCue(modality="words", valence=-0.8, confidence=0.8, emotion="anger")  # a cue: with none the model is not asked
    evidence = Evidence(speech_content=Slot(text="I hate this.", status="ok"))
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=[words])
    try:
        tuned.reason(request)
    except ReasonerError as exc:
        # a random tiny model writes no usable JSON; what is tested is that it loads and generates
        assert "no usable analysis" in str(exc)


def _run(cmd, cwd, timeout=420):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_accelerate_launch_and_two_process_ddp_dry_runs(tiny_qwen2, tmp_path):
    """The multi-GPU path, as far as a 2-core CPU machine can show it: `accelerate launch` runs the
    module (one CPU process), and torchrun (what `accelerate launch --multi_gpu` uses) runs two
    processes with DDP over gloo that train one step in lockstep."""
    import yaml

    config = tmp_path / "sft.yaml"
    settings = sft_settings(tiny_qwen2, tmp_path / "acc", max_steps=1, save_merged=False).model_dump()
    config.write_text(yaml.safe_dump({"sft": settings}), encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    done = _run([str(bin_dir / "accelerate"), "launch", "--cpu", "--num_processes", "1", "--num_machines", "1",
                 "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "saber_agent.training.sft",
                 "--config", str(config)], REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[sft] step 1/1 loss" in done.stderr
    assert (tmp_path / "acc" / "adapter_model.safetensors").is_file()
    done = _run([str(bin_dir / "torchrun"), "--nproc_per_node", "2", "-m", "saber_agent.training.sft",
                 "--config", str(config), "--output-dir", str(tmp_path / "ddp")], REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    begin = json.loads((tmp_path / "ddp" / "progress.jsonl").read_text().splitlines()[0])
    assert begin["world_size"] == 2
    assert done.stderr.count("[sft] step 1/1 loss") == 1  # only the main process logs
