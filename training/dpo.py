"""Consistency-aware DPO with TRL's DPOTrainer (LoRA through peft).

    saber-agent train dpo --config dpo.yaml
    accelerate launch --num_processes 2 -m saber_agent.training.dpo --config dpo.yaml   # several GPUs

The dataset is pairs JSONL from ``saber-agent train pairs`` (conversational ``prompt``/``chosen``/
``rejected``); each line is validated and a bad one reported. With LoRA and no ``ref_model``, the
reference is the base model with the adapter switched off (no second copy in memory). To continue
from an SFT adapter, set ``model`` to the SFT run's ``merged`` folder (``save_merged: true``).
"""

from __future__ import annotations

import sys

from saber_agent.training.config import ConfigError, DPOSettings
from saber_agent.training.sft import TrainOutcome, module_main


def dpo_dataset(settings: DPOSettings, paths: list[str]):
    """The datasets.Dataset of pairs (only prompt/chosen/rejected), and the data report."""
    from datasets import Dataset

    from saber_agent.training.pairs import read_pairs

    pairs, report = read_pairs(paths, settings.on_error)
    if not pairs:
        raise ConfigError(f"dataset {', '.join(paths)}: no usable pair ({report.summary()})")
    return Dataset.from_list(pairs), report


def train_dpo(settings: DPOSettings, callbacks: list | None = None) -> TrainOutcome:
    """Run DPO as configured: load, train (resuming when asked), save the adapter and a manifest."""
    from saber_agent.training import modeling
    from saber_agent.training.config import trl_config
    from saber_agent.training.progress import progress_callback

    modeling.require_training_extra()
    modeling.quiet_libraries()
    from trl import DPOTrainer

    device = modeling.training_device(settings)
    train, report = dpo_dataset(settings, settings.dataset)
    if modeling.is_main_process():
        for issue in report.issues:
            print(f"[dpo] skipped {issue}", file=sys.stderr)
    evaluation = dpo_dataset(settings, settings.eval_dataset)[0] if settings.eval_dataset else None
    resumed_from = settings.resume_from()
    tokenizer = modeling.load_tokenizer(settings)
    ref_model = modeling.load_model(settings, device, name=settings.ref_model) if settings.ref_model else None
    trainer = DPOTrainer(
        model=modeling.load_model(settings, device),
        ref_model=ref_model,
        args=trl_config(settings, device),
        train_dataset=train,
        eval_dataset=evaluation,
        processing_class=tokenizer,
        peft_config=settings.lora.peft_config(),
        callbacks=[progress_callback("dpo", settings.output_dir, resumed_from=resumed_from), *(callbacks or [])],
    )
    modeling.quiet_trainer(trainer)
    trainer.train(resume_from_checkpoint=resumed_from)
    manifest = modeling.save_outputs(trainer, tokenizer, settings, "dpo", resumed_from)
    return TrainOutcome(
        output_dir=settings.output_dir, global_step=trainer.state.global_step, losses=manifest["losses"],
        resumed_from=resumed_from, manifest=manifest, issues=[str(i) for i in report.issues],
        examples=len(train),
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m saber_agent.training.dpo`` (what ``accelerate launch`` runs)."""
    return module_main("dpo", train_dpo, argv, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
