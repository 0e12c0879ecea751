"""Training settings: pydantic models read from YAML or TOML, mapped onto TRL's SFTConfig / DPOConfig.

One file may hold every section (``sft:``, ``dpo:``, ``pairs:``) or just the fields of one. Field
names are ours and stable; `to_trl_kwargs` maps them onto the argument names of the installed TRL
(checked against TRL 1.16 / transformers 5), and ``trl:`` passes any other SFTConfig / DPOConfig
argument through unchanged (an unknown name is an error, not silently ignored).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

import tomllib
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from saber_agent.errors import UsageError, missing_extra


class ConfigError(UsageError):
    """A training config that cannot be read or does not validate."""


class LoraSettings(BaseModel):
    """LoRA through peft. ``enabled: false`` trains every weight (full fine-tuning)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | str = "all-linear"  # "all-linear" or module names (q_proj, v_proj, ...)
    modules_to_save: list[str] | None = None

    def peft_config(self):
        """The peft LoraConfig, or None when LoRA is off."""
        if not self.enabled:
            return None
        from peft import LoraConfig

        return LoraConfig(
            r=self.r, lora_alpha=self.alpha, lora_dropout=self.dropout, target_modules=self.target_modules,
            modules_to_save=self.modules_to_save, bias="none", task_type="CAUSAL_LM",
        )


class TrainerSettings(BaseModel):
    """What SFT and DPO share: the model, the data, the optimisation, checkpoints and logging."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str  # HF id, local folder, or a .gguf file (dequantized to float32 on load)
    gguf_file: str | None = None  # a GGUF file inside `model` (a folder or HF repo)
    tokenizer: str | None = None  # defaults to the model's
    chat_template: str | None = None  # a Jinja file, for a tokenizer that has none
    dataset: list[str]  # files or folders; see `saber-agent train data --help`
    eval_dataset: list[str] = Field(default_factory=list)
    output_dir: str
    lora: LoraSettings = Field(default_factory=LoraSettings)
    learning_rate: float = Field(default=2e-4, gt=0)
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = Field(default=1, ge=1)  # per device
    gradient_accumulation_steps: int = Field(default=1, ge=1)
    max_length: int | None = Field(default=2048, ge=16)
    warmup_steps: float = Field(default=0, ge=0)
    lr_scheduler: str = "linear"
    seed: int = 42
    save_steps: int = Field(default=100, ge=1)
    save_total_limit: int | None = Field(default=3, ge=1)
    logging_steps: int = Field(default=10, ge=1)
    resume: bool | Literal["auto"] | str = "auto"  # auto: continue from the last checkpoint if there is one
    report_to: list[str] = Field(default_factory=lambda: ["none"])  # e.g. ["tensorboard"], ["wandb"]
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"  # auto: bf16 on a GPU that has it, else fp32
    device: str = "auto"  # auto | cpu | cuda (under accelerate launch, accelerate places each process)
    gradient_checkpointing: bool = False
    on_error: Literal["skip", "fail"] = "skip"  # a bad dataset line: report and skip it, or stop
    allow_empty_slots: bool = False
    require_consistent: bool = True  # analysis results that failed a check are not training targets
    save_merged: bool = False  # also save the LoRA merged into the base weights (output_dir/merged)
    trl: dict[str, Any] = Field(default_factory=dict)  # any other SFTConfig / DPOConfig argument

    @field_validator("dataset", "eval_dataset", "report_to", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, Path)) else value

    @field_validator("dataset")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one dataset file or folder")
        return [str(v) for v in value]

    def resume_from(self) -> str | bool | None:
        """What to pass to ``trainer.train(resume_from_checkpoint=...)``.

        ``auto``: the last ``checkpoint-N`` in output_dir, else a fresh start. ``true``: the last
        checkpoint, which must exist. A path: that checkpoint. ``false``: a fresh start.
        """
        out = Path(self.output_dir)
        value = self.resume.lower() if isinstance(self.resume, str) else self.resume
        if value in (False, "no", "false"):
            return None
        if value in (True, "auto", "yes", "true"):
            last = last_checkpoint(out)
            if last is None and value != "auto":
                raise ConfigError(f"resume: there is no checkpoint-N folder in {out} to resume from")
            return str(last) if last else None
        path = Path(str(self.resume))
        if not path.is_dir():
            raise ConfigError(f"resume: no checkpoint folder {path}")
        return str(path)


class SFTSettings(TrainerSettings):
    """Supervised fine-tuning on SED targets."""

    completion_only_loss: bool = True  # the loss falls on the answer, not on the prompt
    packing: bool = False


class DPOSettings(TrainerSettings):
    """Consistency-aware DPO on pairs from ``saber-agent train pairs``."""

    learning_rate: float = Field(default=5e-6, gt=0)
    beta: float = Field(default=0.1, gt=0)
    loss_type: list[str] | str = "sigmoid"
    ref_model: str | None = None  # None: the base model with the LoRA adapter switched off
    precompute_ref_log_probs: bool = False


class PairSettings(BaseModel):
    """How CA-DPO pairs are built (see `saber_agent.training.pairs`)."""

    model_config = ConfigDict(extra="forbid")

    reasoner: str = "fusion"
    reasoner_options: dict[str, Any] = Field(default_factory=dict)
    ablations: list[Literal["face", "voice", "words", "body"]] = Field(default_factory=lambda: ["face", "voice", "words"])
    grounding: bool = True  # a rejected answer with an invented cue injected
    samples: int = Field(default=0, ge=0)  # K samples from the reasoner; the lowest-scoring is rejected
    sample_options: dict[str, Any] = Field(default_factory=lambda: {"temperature": 1.0})
    max_rounds: int = Field(default=3, ge=1, le=10)  # critique rounds when the chosen answer fails a check
    min_gap: float = Field(default=0.1, ge=0.0)  # the least score gap a pair needs
    check_weights: dict[str, float] = Field(default_factory=lambda: {"label_evidence_agreement": 0.5})
    text_cues: bool = True  # cues read from slot text where the evidence has no measured cue (SABER records)
    prioritize_conflicts: bool = True  # clips whose modalities conflict come first
    conflict_oversample: int = Field(default=2, ge=1)  # and their pairs are written this many times
    max_pairs_per_clip: int | None = Field(default=None, ge=1)
    on_error: Literal["skip", "fail"] = "skip"
    plugins: list[str] | None = None  # perception tools, for clips given as media files


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A YAML (.yaml/.yml) or TOML (.toml) file as a dict."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml", ".json"):
            data = yaml.safe_load(text)
        else:
            raise ConfigError(f"config {path}: expected a .yaml, .yml or .toml file")
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config {path}: cannot be parsed ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path}: expected a mapping of settings at the top level")
    return data


_MODELS = {"sft": SFTSettings, "dpo": DPOSettings, "pairs": PairSettings}


def load_settings(path: str | Path, kind: Literal["sft", "dpo", "pairs"], overrides: dict[str, Any] | None = None):
    """The `kind` section of a config file (or the whole file, when it has no sections), validated."""
    data = read_config_file(path)
    if kind in data:
        section = data[kind]
        if not isinstance(section, dict):
            raise ConfigError(f"config {path}: the {kind!r} section must be a mapping of settings")
    elif any(k in data for k in _MODELS):
        raise ConfigError(f"config {path}: no {kind!r} section (found: {', '.join(k for k in data if k in _MODELS)})")
    else:
        section = data
    section = {**section, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    try:
        return _MODELS[kind].model_validate(section)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or kind}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ConfigError(f"config {path} [{kind}]: {problems}") from None


def last_checkpoint(output_dir: Path) -> Path | None:
    """The ``checkpoint-N`` folder with the highest N in output_dir, if any."""
    if not output_dir.is_dir():
        return None
    found = [p for p in output_dir.iterdir() if p.is_dir() and p.name.startswith("checkpoint-") and p.name[11:].isdigit()]
    return max(found, key=lambda p: int(p.name[11:]), default=None)


def _precision(settings: TrainerSettings, device: str) -> dict[str, bool]:
    if settings.precision == "fp32":
        return {"bf16": False, "fp16": False}
    if settings.precision == "bf16":
        return {"bf16": True, "fp16": False}
    if settings.precision == "fp16":
        return {"bf16": False, "fp16": True}
    if device.startswith("cuda"):
        import torch

        return {"bf16": bool(torch.cuda.is_bf16_supported()), "fp16": False}
    return {"bf16": False, "fp16": False}  # CPU: float32 (bf16 on CPU is slow and lossy here)


def to_trl_kwargs(settings: TrainerSettings, device: str) -> dict[str, Any]:
    """Our settings as keyword arguments of SFTConfig / DPOConfig (TRL 1.16 names)."""
    kwargs: dict[str, Any] = {
        "output_dir": settings.output_dir,
        "learning_rate": settings.learning_rate,
        "num_train_epochs": settings.epochs,
        "max_steps": settings.max_steps,
        "per_device_train_batch_size": settings.batch_size,
        "gradient_accumulation_steps": settings.gradient_accumulation_steps,
        "max_length": settings.max_length,
        "warmup_steps": settings.warmup_steps,
        "lr_scheduler_type": settings.lr_scheduler,
        "seed": settings.seed,
        "save_strategy": "steps",
        "save_steps": settings.save_steps,
        "save_total_limit": settings.save_total_limit,
        "logging_steps": settings.logging_steps,
        "logging_first_step": True,
        "report_to": settings.report_to,
        "gradient_checkpointing": settings.gradient_checkpointing,
        "use_cpu": device == "cpu",
        "disable_tqdm": True,  # our progress callback logs one line per logging step
        "dataloader_num_workers": 0,
        "ddp_find_unused_parameters": False,  # LoRA and full fine-tuning both use every trained weight
        **_precision(settings, device),
    }
    if isinstance(settings, SFTSettings):
        kwargs["completion_only_loss"] = settings.completion_only_loss
        kwargs["packing"] = settings.packing
    if isinstance(settings, DPOSettings):
        kwargs["beta"] = settings.beta
        kwargs["loss_type"] = [settings.loss_type] if isinstance(settings.loss_type, str) else settings.loss_type
        kwargs["precompute_ref_log_probs"] = settings.precompute_ref_log_probs
    kwargs.update(settings.trl)
    return kwargs


def trl_config(settings: TrainerSettings, device: str):
    """The TRL SFTConfig or DPOConfig for these settings (imports TRL)."""
    try:
        from trl import DPOConfig, SFTConfig
    except ImportError as exc:
        raise ConfigError(missing_extra("training", "TRL", "training", detail=str(exc))) from None
    cls = DPOConfig if isinstance(settings, DPOSettings) else SFTConfig
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(settings.trl) - known)
    if unknown:
        raise ConfigError(f"trl: {', '.join(unknown)} is not an argument of {cls.__name__} in the installed TRL")
    kwargs = to_trl_kwargs(settings, device)
    if "activation_checkpointing" in known and "activation_checkpointing" not in settings.trl:
        # transformers 5 renamed gradient_checkpointing; the old name still works but warns
        kwargs["activation_checkpointing"] = kwargs.pop("gradient_checkpointing")
    return cls(**kwargs)
