"""SABER-LLM / Qwen2.5-Omni: the thinker reads the clip's frames and 16 kHz audio plus the tool evidence.

The prompt follows SABER's instruction order (scene, audio, face and body, then synthesis) and asks
for the SED answer (`saber_agent.sed_prompt`). Only text is generated: the talker (speech output) is never
loaded. A full Omni checkpoint (``Qwen2_5OmniForConditionalGeneration``, as SABER-LLM is released)
has its thinker weights read directly, with their ``thinker.`` prefix mapped away.
"""

from __future__ import annotations

import numpy as np

from saber_agent import hookimpl
from saber_agent.devices import resolve_device, shared_model
from saber_agent.errors import missing_extra
from saber_agent.evidence import Analysis
from saber_agent.media import Clip
from saber_agent.reasoning import Reasoner, ReasonerError, ReasoningRequest
from saber_agent.sed_prompt import SYSTEM_PROMPT, AnalysisParseError, evidence_block, parse_analysis, repair_message

DEFAULT_MODEL = "zhaoxiaoxian/SABER-LLM"

SABER_ORDER = (
    "Watch the video and listen to its audio. Then, using the tool evidence below as well: first "
    "describe the scene and its background; then analyse the audio (what is said, and how); then "
    "analyse the speaker's facial expression and body language; finally synthesize all of it into an "
    "analysis of the speaker's emotional state."
)


def _require():
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ReasonerError(missing_extra("the omni reasoner", "torch and transformers", "omni", detail=f"{exc.name} missing")) from None


def load_thinker(model: str, device: str, dtype: str | None, local_files_only: bool):
    """(processor, thinker) for a thinker-only or a full Omni checkpoint, placed on `device`."""
    import torch
    from transformers import AutoConfig
    from transformers.models.qwen2_5_omni import Qwen2_5OmniProcessor, Qwen2_5OmniThinkerForConditionalGeneration

    torch_dtype = getattr(torch, dtype) if dtype else (torch.bfloat16 if device.startswith("cuda") else torch.float32)
    try:
        config = AutoConfig.from_pretrained(model, local_files_only=local_files_only)
        processor = Qwen2_5OmniProcessor.from_pretrained(model, local_files_only=local_files_only)
        if config.model_type == "qwen2_5_omni":  # the full model: take its thinker, skip the talker
            thinker = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(
                model, config=config.thinker_config, key_mapping={r"^thinker\.": ""},
                dtype=torch_dtype, local_files_only=local_files_only,
            )
        else:
            thinker = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(
                model, dtype=torch_dtype, local_files_only=local_files_only
            )
    except OSError as exc:
        raise ReasonerError(
            f"cannot load the Omni model {model!r} ({str(exc).splitlines()[0]}); give a local path with "
            "-o model=PATH (the hub is not reachable offline)"
        ) from None
    return processor, thinker.to(device).eval()


class OmniReasoner(Reasoner):
    name = "omni"
    reads_media = True

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "auto",
        dtype: str | None = None,
        max_new_tokens: int = 768,
        retries: int = 1,
        frames: int = 8,
        max_pixels: int = 360 * 420,
        local_files_only: bool = True,
        allow_cpu_fallback: bool = False,
    ):
        _require()
        self.model = model
        self.device = resolve_device(device)
        self.dtype = dtype
        self.max_new_tokens = max_new_tokens
        self.retries = retries
        self.frames = max(2, frames)
        self.max_pixels = max_pixels
        self.processor, self.thinker = shared_model(
            "omni-thinker", model, self.device,
            lambda dev: load_thinker(model, dev, dtype, local_files_only),
            options=(dtype,), allow_cpu_fallback=allow_cpu_fallback,
        )

    def sample_frames(self, clip: Clip) -> np.ndarray | None:
        """An even number (the temporal patch is 2) of evenly spaced frames, at most `frames`."""
        n = len(clip.frames)
        if n == 0:
            return None
        count = min(self.frames, n + n % 2)
        count -= count % 2
        index = np.linspace(0, n - 1, count).round().astype(int)
        return clip.frames[index]

    def conversation(self, request: ReasoningRequest, has_video: bool, has_audio: bool) -> list[dict]:
        text = SABER_ORDER + "\n\n" + evidence_block(request)
        if request.critique:
            text += "\n\nYour previous answer failed these consistency checks; fix them:\n" + "\n".join(
                f"- {c}" for c in request.critique
            )
        text += "\n\nAnswer with the JSON object only."
        content = ([{"type": "video"}] if has_video else []) + ([{"type": "audio"}] if has_audio else [])
        return [
            {"role": "system", "content": [{"type": "text", "text": SYSTEM_PROMPT}]},
            {"role": "user", "content": content + [{"type": "text", "text": text}]},
        ]

    def generate(self, conversation: list[dict], frames: np.ndarray | None, audio: np.ndarray | None) -> str:
        import torch

        prompt = self.processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
        kwargs: dict = {"text": prompt, "return_tensors": "pt", "padding": True}
        if frames is not None:
            kwargs["videos"] = [frames]
            # the video size is passed per call: a saved processor's size would override max_pixels
            kwargs["videos_kwargs"] = {"size": {"shortest_edge": 28 * 28, "longest_edge": self.max_pixels}, "fps": 2.0}
        if audio is not None:
            kwargs["audio"] = [audio]
        inputs = self.processor(**kwargs).to(self.thinker.device)
        if "pixel_values_videos" in inputs:
            inputs["pixel_values_videos"] = inputs["pixel_values_videos"].to(self.thinker.dtype)
        if "input_features" in inputs:
            inputs["input_features"] = inputs["input_features"].to(self.thinker.dtype)
        with torch.inference_mode():
            out = self.thinker.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        return self.processor.batch_decode(out[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)[0]

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        frames = self.sample_frames(clip) if clip is not None else None
        audio = clip.audio if clip is not None and clip.has_audio and not clip.audio_is_silent else None
        conversation = self.conversation(request, frames is not None, audio is not None)
        answer = ""
        for _attempt in range(self.retries + 1):
            answer = self.generate(conversation, frames, audio)
            try:
                return parse_analysis(answer)
            except AnalysisParseError as exc:
                conversation = conversation + [
                    {"role": "assistant", "content": [{"type": "text", "text": answer}]},
                    {"role": "user", "content": [{"type": "text", "text": repair_message(str(exc))["content"]}]},
                ]
        excerpt = " ".join(answer.split())[:200]
        raise ReasonerError(f"the Omni model gave no readable analysis after {self.retries + 1} attempt(s): {excerpt!r}")


@hookimpl
def register_reasoners(register):
    register(
        "omni", OmniReasoner,
        f"SABER-LLM / Qwen2.5-Omni thinker over the frames, audio and evidence (default {DEFAULT_MODEL}; -o model=PATH).",
    )
