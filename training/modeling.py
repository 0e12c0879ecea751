"""Loading the model and tokenizer to train, and saving what training produced.

The model is an HF id, a local folder, or a GGUF file (``model: path/to/x.gguf``, or ``model`` a folder
with ``gguf_file``): transformers dequantizes GGUF weights to float32 on load, so LoRA trains on them
like on any checkpoint. Torch, transformers and peft are imported here, inside the functions.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from saber_agent.errors import missing_extra
from saber_agent.training.config import ConfigError, TrainerSettings

# Written next to the adapter: what was trained on what, for the transformers reasoner and for people.
MANIFEST = "saber_training.json"


def is_main_process() -> bool:
    """True outside distributed runs and on rank 0 inside them (torchrun / accelerate launch set RANK)."""
    return os.environ.get("RANK", "0") == "0"


def require_training_extra():
    """Import the training stack, or raise a clear error naming the extra to install."""
    try:
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
        import trl  # noqa: F401
        from datasets import Dataset  # noqa: F401
    except ImportError as exc:
        raise ConfigError(missing_extra("training", "torch, transformers, trl, peft and datasets", "training", detail=str(exc))) from None


def training_device(settings: TrainerSettings) -> str:
    """``cpu`` or ``cuda``: under ``accelerate launch`` each process is placed by accelerate itself."""
    from saber_agent.devices import DeviceError, resolve_device

    try:
        device = resolve_device(settings.device)
    except DeviceError as exc:
        raise ConfigError(str(exc)) from None
    return "cpu" if device == "cpu" else "cuda"


def model_location(settings: TrainerSettings) -> tuple[str, dict[str, Any]]:
    """(what to pass to from_pretrained, extra kwargs) for a model id, folder or GGUF file."""
    model = settings.model
    if model.endswith(".gguf"):
        path = Path(model)
        if not path.is_file():
            raise ConfigError(f"model {model}: no such GGUF file")
        return str(path.parent), {"gguf_file": path.name}
    if settings.gguf_file:
        return model, {"gguf_file": settings.gguf_file}
    return model, {}


def load_tokenizer(settings: TrainerSettings):
    """The tokenizer, with a pad token and a chat template (both required to train on conversations)."""
    from transformers import AutoTokenizer

    location, extra = model_location(settings)
    try:
        tokenizer = AutoTokenizer.from_pretrained(settings.tokenizer or location, **({} if settings.tokenizer else extra))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the tokenizer of {settings.tokenizer or settings.model}: {exc}") from None
    if settings.chat_template:
        template = Path(settings.chat_template)
        if not template.is_file():
            raise ConfigError(f"chat_template {template}: no such file")
        tokenizer.chat_template = template.read_text(encoding="utf-8")
    if not tokenizer.chat_template:
        raise ConfigError(
            f"the tokenizer of {settings.model} has no chat template; set chat_template to a Jinja file in the config"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(settings: TrainerSettings, device: str, name: str | None = None):
    """The causal LM in float32 (bf16/fp16 mixed precision is the trainer's job), on CPU until the
    trainer moves it."""
    import torch
    from transformers import AutoModelForCausalLM

    location, extra = model_location(settings) if name is None else (name, {})
    if "gguf_file" in extra:
        from transformers import GgufConfig

        # dense float32 weights: a model left in GGUF blocks (or marked quantized) cannot be trained
        extra["quantization_config"] = GgufConfig(dequantize=True)
    try:
        model = AutoModelForCausalLM.from_pretrained(location, dtype=torch.float32, **extra)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load the model {name or settings.model}: {exc}") from None
    if settings.gradient_checkpointing:
        model.config.use_cache = False
    return model


def quiet_trainer(trainer) -> None:
    """Drop the trainer's own dict printer: the progress callback logs each step."""
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)


def save_outputs(trainer, tokenizer, settings: TrainerSettings, kind: str, resumed_from: str | None) -> dict[str, Any]:
    """Save the adapter (or full model) and tokenizer to output_dir, optionally the merged model,
    and a manifest; returns the manifest. Only the main process writes."""
    out = Path(settings.output_dir)
    trainer.save_model(str(out))
    manifest: dict[str, Any] = {
        "kind": kind,
        "base_model": settings.model,
        "gguf_file": model_location(settings)[1].get("gguf_file"),
        "adapter": str(out) if settings.lora.enabled else None,
        "model": None if settings.lora.enabled else str(out),
        "merged": None,
        "global_step": trainer.state.global_step,
        "resumed_from": resumed_from,
        "losses": [
            {"step": e["step"], "loss": e["loss"]} for e in trainer.state.log_history if "loss" in e and "step" in e
        ],
    }
    if not trainer.is_world_process_zero():
        return manifest
    tokenizer.save_pretrained(str(out))
    if settings.save_merged and settings.lora.enabled:
        merged_dir = out / "merged"
        merged = trainer.model.merge_and_unload()
        merged.save_pretrained(str(merged_dir))
        tokenizer.save_pretrained(str(merged_dir))
        manifest["merged"] = str(merged_dir)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def quiet_libraries() -> None:
    """Keep the console to our progress lines: no per-map progress bars, no advisory chatter."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # TRL and peft still call the transformers 5 aliases that warn on every run; nothing for a user to do
    warnings.filterwarnings("ignore", message=r".*is deprecated and will be removed in v6.*", category=FutureWarning)
    try:
        import datasets
        import transformers

        datasets.disable_progress_bars()
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:
        pass
