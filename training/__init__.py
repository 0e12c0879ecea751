"""Training: SED supervised fine-tuning and consistency-aware DPO (CA-DPO)."""
