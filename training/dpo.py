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
from saber_agent.training.sft import TrainOutcome, module_main, run_training


def dpo_dataset(settings: DPOSettings, paths: list[str]):
    """The datasets.Dataset of pairs (only prompt/chosen/rejected), and the data report."""
    from datasets import Dataset

    from saber_agent.training.pairs import read_pairs

    pairs, report = read_pairs(paths, settings.on_error)
    if not pairs:
        raise ConfigError(f"dataset {', '.join(paths)}: no usable pair ({report.summary()})")
    return Dataset.from_list(pairs), report


def train_dpo(settings: DPOSettings, callbacks: list | None = None) -> TrainOutcome:
    """Run DPO as configured: load, train (resuming when asked), save the adapter and a manifest.
    Without `ref_model`, TRL uses the policy with its LoRA adapter disabled as the reference."""

    def make_trainer(device: str, **common):
        from trl import DPOTrainer

        from saber_agent.training import modeling

        ref = modeling.load_model(settings, device, name=settings.ref_model) if settings.ref_model else None
        return DPOTrainer(ref_model=ref, **common)

    return run_training("dpo", settings, dpo_dataset, make_trainer, callbacks)


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m saber_agent.training.dpo`` (what ``accelerate launch`` runs)."""
    return module_main("dpo", train_dpo, argv, __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
