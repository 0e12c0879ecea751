"""Training settings: YAML/TOML in, validated pydantic models, mapped onto the installed TRL's configs."""

from pathlib import Path

import pytest

from saber_agent.training.config import (
    ConfigError,
    DPOSettings,
    PairSettings,
    SFTSettings,
    last_checkpoint,
    load_settings,
    to_trl_kwargs,
    trl_config,
)

CONFIGS = Path(__file__).parent.parent / "training" / "configs"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_example_configs_validate_in_yaml_and_toml():
    assert isinstance(load_settings(CONFIGS / "sft.example.yaml", "sft"), SFTSettings)
    dpo = load_settings(CONFIGS / "sft.example.yaml", "dpo")
    assert isinstance(dpo, DPOSettings) and dpo.beta == 0.1 and dpo.model == "runs/sft/merged"
    assert isinstance(load_settings(CONFIGS / "sft.example.yaml", "pairs"), PairSettings)
    toml = load_settings(CONFIGS / "sft.example.toml", "sft")
    assert toml.lora.r == 16 and toml.batch_size == 4 and toml.dataset == ["data/sft.jsonl"]


def test_the_accelerate_example_config_is_valid():
    pytest.importorskip("accelerate")
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(CONFIGS / "accelerate_multi_gpu.yaml"))
    assert config.distributed_type.value == "MULTI_GPU" and config.num_processes == 2


def test_a_flat_file_and_overrides(tmp_path):
    path = write(tmp_path / "c.yaml", "model: m\ndataset: d.jsonl\noutput_dir: out\nmax_steps: 5\n")
    settings = load_settings(path, "sft", {"max_steps": 1, "output_dir": None})
    assert settings.dataset == ["d.jsonl"] and settings.max_steps == 1 and settings.output_dir == "out"


@pytest.mark.parametrize("text, message", [
    ("model: m\ndataset: d\noutput_dir: o\nbatch_sise: 2\n", "batch_sise: Extra inputs are not permitted"),
    ("model: m\noutput_dir: o\n", "dataset: Field required"),
    ("model: m\ndataset: []\noutput_dir: o\n", "name at least one dataset"),
    ("dpo: {model: m}\n", "no 'sft' section"),
    ("model: [unclosed\n", "cannot be parsed"),
    ("- a list\n", "expected a mapping"),
])
def test_bad_configs_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(write(tmp_path / "c.yaml", text), "sft")


def test_other_suffixes_and_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="expected a .yaml"):
        load_settings(write(tmp_path / "c.ini", "x"), "sft")
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "none.yaml", "sft")


def test_settings_map_onto_the_installed_trl_configs(tmp_path):
    pytest.importorskip("trl")
    sft = SFTSettings(model="m", dataset=["d"], output_dir=str(tmp_path), batch_size=3, gradient_accumulation_steps=2,
                      epochs=2, learning_rate=1e-3, max_length=512, save_steps=7, trl={"weight_decay": 0.01})
    config = trl_config(sft, "cpu")
    assert type(config).__name__ == "SFTConfig"
    assert (config.per_device_train_batch_size, config.gradient_accumulation_steps, config.num_train_epochs) == (3, 2, 2)
    assert (config.learning_rate, config.max_length, config.save_steps, config.weight_decay) == (1e-3, 512, 7, 0.01)
    assert config.completion_only_loss is True and config.use_cpu is True
    assert config.bf16 is False and config.fp16 is False  # float32 on CPU
    assert config.activation_checkpointing is False  # the transformers 5 name of gradient checkpointing
    dpo = trl_config(DPOSettings(model="m", dataset=["d"], output_dir=str(tmp_path), beta=0.3), "cpu")
    assert type(dpo).__name__ == "DPOConfig" and dpo.beta == 0.3 and dpo.loss_type == ["sigmoid"]
    with pytest.raises(ConfigError, match="not_an_argument is not an argument of SFTConfig"):
        trl_config(sft.model_copy(update={"trl": {"not_an_argument": 1}}), "cpu")


def test_precision_choices():
    base = dict(model="m", dataset=["d"], output_dir="o")
    assert to_trl_kwargs(SFTSettings(**base, precision="bf16"), "cpu")["bf16"] is True
    assert to_trl_kwargs(SFTSettings(**base, precision="fp16"), "cuda")["fp16"] is True
    assert to_trl_kwargs(SFTSettings(**base), "cpu")["bf16"] is False


def test_resume_settings(tmp_path):
    base = dict(model="m", dataset=["d"], output_dir=str(tmp_path))
    assert SFTSettings(**base).resume_from() is None  # auto, nothing to resume
    for step in (2, 10, 4):
        (tmp_path / f"checkpoint-{step}").mkdir()
    (tmp_path / "checkpoint-x").mkdir()
    assert last_checkpoint(tmp_path).name == "checkpoint-10"  # numerically, not by name
    assert SFTSettings(**base).resume_from() == str(tmp_path / "checkpoint-10")
    assert SFTSettings(**base, resume=True).resume_from() == str(tmp_path / "checkpoint-10")
    assert SFTSettings(**base, resume=False).resume_from() is None
    assert SFTSettings(**base, resume=str(tmp_path / "checkpoint-2")).resume_from() == str(tmp_path / "checkpoint-2")
    with pytest.raises(ConfigError, match="no checkpoint folder"):
        SFTSettings(**base, resume=str(tmp_path / "checkpoint-99")).resume_from()


def test_pair_settings_reject_unknown_modalities():
    with pytest.raises(Exception, match="ablations"):
        PairSettings(ablations=["nose"])
