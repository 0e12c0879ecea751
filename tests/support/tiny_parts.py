"""Shared parts of the tiny models the tests build (tests/support/omni_tiny.py, tests/support/vlm_tiny.py)."""

from __future__ import annotations

from typing import Any


def bpe_tokenizer(corpus: list[str], special: list[str], vocab_size: int, template: str, **extra: Any):
    """A byte-level BPE tokenizer trained here on `corpus` (no download), with the `special` tokens,
    ``<|im_end|>`` as end of sequence, ``<|endoftext|>`` as padding, and the chat `template`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", **extra)
    tokenizer.chat_template = template
    return tokenizer
