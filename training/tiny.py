"""A tiny random Qwen2 chat model with a locally trained tokenizer: for tests and dry runs, no download.

`build_tiny_qwen2(folder)` trains a byte-level BPE tokenizer with the `tokenizers` library on a few
hundred lines of SED prompts and SABER-style evidence (English and Chinese), wraps it as a
``PreTrainedTokenizerFast`` with the ChatML special tokens and chat template Qwen2 uses, builds a
``Qwen2ForCausalLM`` from a small config, and saves both (about 1 MB). It loads back with
``from_pretrained(folder)`` like any checkpoint, so SFT, DPO and the transformers reasoner run on it.
"""

from __future__ import annotations

import itertools
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def corpus_lines() -> list[str]:
    """A few hundred lines in the style of what the model will see: prompts, evidence, SED answers."""
    from saber_agent.evidence import BASIC_EMOTIONS, SLOT_TITLES
    from saber_agent.sed_prompt import ANSWER_KEYS, SYSTEM_PROMPT

    faces = ["The speaker smiles broadly", "Her brows are furrowed", "He frowns and looks away", "说话人面带微笑", "她眉头紧锁"]
    voices = ["a loud, harsh voice", "a soft, rising pitch", "a flat, quiet tone", "音调偏高，语速较快", "声音低沉"]
    words = ["I hate this. You ruined everything.", "Thank you, this is wonderful news!", "Why are you late again?",
             "你怎么又迟到了？", "谢谢你，我真的很高兴。"]
    lines = [s.strip() for s in SYSTEM_PROMPT.replace("\n", " ").split(". ") if s.strip()]
    lines += [f'"{k}": ' for k in ANSWER_KEYS] + list(SLOT_TITLES.values()) + list(BASIC_EMOTIONS)
    for face, voice, said, emotion in itertools.islice(
        itertools.product(faces, voices, words, BASIC_EMOTIONS), 320
    ):
        lines.append(f"{face}; {voice}: <transcript>{said}</transcript> The emotion reads as {emotion}, valence -0.45, arousal 0.7.")
    return lines


def build_tiny_qwen2(folder: str | Path, vocab_size: int = 1200, hidden_size: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """Build and save a tiny random Qwen2 chat model and its tokenizer in `folder`; returns the folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(
        corpus_lines(),
        trainers.BpeTrainer(
            vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte: any text encodes
        ),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=4096,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden_size, intermediate_size=hidden_size * 2,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        tie_word_embeddings=True, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    Qwen2ForCausalLM(config).save_pretrained(folder)
    return folder
