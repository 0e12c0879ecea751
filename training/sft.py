"""SED supervised fine-tuning with TRL's SFTTrainer (LoRA through peft).

    saber-agent train sft --config sft.yaml
    accelerate launch --num_processes 2 -m saber_agent.training.sft --config sft.yaml   # several GPUs

The dataset is built SFT JSONL (``messages``; see ``saber-agent train data``) and/or raw SABER records
and analysis results, converted on the fly. By default the loss falls on the answer only (each
conversation is split into TRL's conversational prompt/completion).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from saber_agent.saber_format import SaberFormatError
from saber_agent.training.config import ConfigError, SFTSettings, load_settings


@dataclass
class TrainOutcome:
    """What a training run produced."""

    output_dir: str
    global_step: int
    losses: list[dict[str, float]] = field(default_factory=list)
    resumed_from: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)  # dataset lines that were skipped
    examples: int = 0  # examples (or pairs) trained on


def sft_dataset(settings: SFTSettings, paths: list[str]):
    """The datasets.Dataset to train on, and the data report (bad lines reported, never trained on)."""
    from datasets import Dataset

    from saber_agent.training.sft_examples import prompt_completion, read_sft_examples

    examples, report = read_sft_examples(
        paths, settings.on_error, settings.allow_empty_slots, settings.require_consistent
    )
    if not examples:
        raise ConfigError(f"dataset {', '.join(paths)}: no usable example ({report.summary()})")
    rows = [prompt_completion(m) if settings.completion_only_loss else {"messages": m} for m in examples]
    return Dataset.from_list(rows), report


def train_sft(settings: SFTSettings, callbacks: list | None = None) -> TrainOutcome:
    """Run SFT as configured: load, train (resuming when asked), save the adapter and a manifest."""

    def make_trainer(device: str, **common: Any):
        from trl import SFTTrainer

        return SFTTrainer(**common)

    return run_training("sft", settings, sft_dataset, make_trainer, callbacks)


def run_training(
    kind: str, settings: Any, dataset: Callable[[Any, list[str]], tuple[Any, Any]],
    make_trainer: Callable[..., Any], callbacks: list | None = None,
) -> TrainOutcome:
    """What SFT and DPO share: check the extra, pick the device, read the data (its skipped lines
    printed once), load tokenizer and model, build the TRL trainer with `make_trainer(device,
    **common arguments)`, train (resuming when asked), save the adapter and the manifest."""
    from saber_agent.training import modeling
    from saber_agent.training.config import trl_config
    from saber_agent.training.progress import progress_callback

    modeling.require_training_extra()
    modeling.quiet_libraries()
    device = modeling.training_device(settings)
    train, report = dataset(settings, settings.dataset)
    if modeling.is_main_process():
        for issue in report.issues:
            print(f"[{kind}] skipped {issue}", file=sys.stderr)
    evaluation = dataset(settings, settings.eval_dataset)[0] if settings.eval_dataset else None
    resumed_from = settings.resume_from()
    tokenizer = modeling.load_tokenizer(settings)
    trainer = make_trainer(
        device,
        model=modeling.load_model(settings, device),
        args=trl_config(settings, device),
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=settings.lora.peft_config(),
        callbacks=[progress_callback(kind, settings.output_dir, resumed_from=resumed_from), *(callbacks or [])],
    )
    modeling.quiet_trainer(trainer)
    trainer.train(resume_from_checkpoint=resumed_from)
    manifest = modeling.save_outputs(trainer, tokenizer, settings, kind, resumed_from)
    return TrainOutcome(
        output_dir=settings.output_dir, global_step=trainer.state.global_step, losses=manifest["losses"],
        resumed_from=resumed_from, manifest=manifest, issues=[str(i) for i in report.issues],
        examples=len(train),
    )


def add_override_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line overrides shared by ``train sft`` and ``train dpo``."""
    parser.add_argument("--config", required=True, type=Path, help="YAML or TOML settings (a flat file or one with an sft:/dpo: section)")
    parser.add_argument("--output-dir", help="override output_dir")
    parser.add_argument("--max-steps", type=int, help="override max_steps (e.g. 1 for a dry run)")
    parser.add_argument("--resume", choices=["auto", "yes", "no"], help="override resume: auto (default), yes (must exist), no")
    parser.add_argument("--device", help="override device: auto, cpu or cuda")


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    return {"output_dir": args.output_dir, "max_steps": args.max_steps, "resume": args.resume, "device": args.device}


def module_main(kind: str, train: Callable[[Any], TrainOutcome], argv: list[str] | None, description: str) -> int:
    """The body of ``python -m saber_agent.training.sft|dpo`` (what ``accelerate launch`` runs):
    parse the overrides, train, print where the adapter went (once, on the main process).
    Exit codes as the CLI's: 2 for a bad config, 3 for a bad dataset line."""
    parser = argparse.ArgumentParser(prog=f"saber_agent.training.{kind}", description=description)
    add_override_arguments(parser)
    args = parser.parse_args(argv)
    try:
        outcome = train(load_settings(args.config, kind, overrides_from(args)))
    except ConfigError as exc:
        print(f"saber-agent train {kind}: error: {exc}", file=sys.stderr)
        return 2
    except SaberFormatError as exc:
        print(f"saber-agent train {kind}: bad dataset line: {exc}", file=sys.stderr)
        return 3
    from saber_agent.training.modeling import is_main_process

    if is_main_process():
        print(f"[{kind}] adapter and tokenizer in {outcome.output_dir} (step {outcome.global_step})", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m saber_agent.training.sft``."""
    return module_main("sft", train_sft, argv, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
