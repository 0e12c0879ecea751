"""Build a tiny random Qwen2.5-Omni thinker and its processor from local parts (no download, ~1 MB).

Everything is real transformers code: a BPE tokenizer trained here with the Omni special tokens,
WhisperFeatureExtractor(feature_size=128), the Qwen2-VL image and video processors, and a
Qwen2_5OmniThinkerForConditionalGeneration with random weights.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|AUDIO|>", "<|audio_bos|>", "<|audio_eos|>",
           "<|IMAGE|>", "<|VIDEO|>", "<|vision_bos|>", "<|vision_eos|>"]
TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'video' %}<|vision_bos|><|VIDEO|><|vision_eos|>"
    "{% elif part['type'] == 'audio' %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% elif part['type'] == 'image' %}<|vision_bos|><|IMAGE|><|vision_eos|>"
    "{% else %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build(out: Path, full_checkpoint: bool = False) -> Path:
    """Save a tiny thinker (or, with `full_checkpoint`, the full-model layout with ``thinker.`` keys)."""
    import torch
    from transformers import WhisperFeatureExtractor
    from transformers.models.qwen2_5_omni import (
        Qwen2_5OmniConfig,
        Qwen2_5OmniProcessor,
        Qwen2_5OmniThinkerConfig,
        Qwen2_5OmniThinkerForConditionalGeneration,
    )
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
    from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor

    from tests.support.tiny_parts import bpe_tokenizer

    out.mkdir(parents=True, exist_ok=True)
    corpus = ["The speaker smiles while the voice is tense and the words are hostile.",
              '{"visual_evidence": "a smile", "reasoning": "sarcasm", "emotions": ["angry"], "valence": -0.5}'] * 50
    tokenizer = bpe_tokenizer(
        corpus, SPECIAL, 400, TEMPLATE,
        extra_special_tokens={"image_token": "<|IMAGE|>", "audio_token": "<|AUDIO|>", "video_token": "<|VIDEO|>",
                              "vision_bos_token": "<|vision_bos|>", "vision_eos_token": "<|vision_eos|>",
                              "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>"},
    )
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL}
    processor = Qwen2_5OmniProcessor(
        image_processor=Qwen2VLImageProcessor(min_pixels=28 * 28, max_pixels=56 * 56),
        video_processor=Qwen2VLVideoProcessor(min_pixels=28 * 28, max_pixels=56 * 56),
        feature_extractor=WhisperFeatureExtractor(feature_size=128),
        tokenizer=tokenizer, chat_template=TEMPLATE,
    )
    config = Qwen2_5OmniThinkerConfig(
        audio_config=dict(num_mel_bins=128, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=64,
                          d_model=32, output_dim=64, max_source_positions=1500, n_window=100),
        vision_config=dict(depth=1, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=64,
                           fullatt_block_indexes=[0]),
        text_config=dict(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
                         eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"]),
        audio_token_index=ids["<|AUDIO|>"], image_token_index=ids["<|IMAGE|>"], video_token_index=ids["<|VIDEO|>"],
        audio_start_token_id=ids["<|audio_bos|>"], audio_end_token_id=ids["<|audio_eos|>"],
        vision_start_token_id=ids["<|vision_bos|>"], vision_end_token_id=ids["<|vision_eos|>"],
    )
    torch.manual_seed(0)
    thinker = Qwen2_5OmniThinkerForConditionalGeneration(config)
    thinker.generation_config.eos_token_id = ids["<|im_end|>"]
    thinker.generation_config.pad_token_id = ids["<|endoftext|>"]
    processor.save_pretrained(out)
    if not full_checkpoint:
        thinker.save_pretrained(out)
        return out
    # the released layout: a Qwen2_5OmniConfig whose weights carry the "thinker." prefix
    from safetensors.torch import save_file

    full = Qwen2_5OmniConfig(thinker_config=config.to_dict(), enable_audio_output=False)
    full.save_pretrained(out)
    save_file({f"thinker.{k}": v.contiguous() for k, v in thinker.state_dict().items()}, str(out / "model.safetensors"),
              metadata={"format": "pt"})
    assert json.loads((out / "config.json").read_text())["model_type"] == "qwen2_5_omni"
    return out
