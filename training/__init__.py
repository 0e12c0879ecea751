"""Training: SED supervised fine-tuning and consistency-aware DPO (CA-DPO).

- `data`: SABER records and analysis results in; TRL ``messages`` SFT examples and ms-swift JSONL out.
- `pairs`: CA-DPO pairs (chosen full-evidence answers; ablated, ungrounded or sampled rejects) ranked
  by a consistency score.
- `config`: pydantic settings read from YAML/TOML, mapped onto TRL's SFTConfig / DPOConfig.
- `sft`, `dpo`: the TRL trainers with LoRA (peft); runnable under ``accelerate launch``.
- `text_emotion`: the documented rule that reads emotion from slot text; `tiny`: a tiny test model.

Torch, transformers, TRL, peft and datasets are imported inside functions only.
"""
