"""Reasoner "llamacpp": a GGUF chat model run in-process by llama.cpp (xllamacpp's prebuilt wheel).

    saber-agent analyze clip.mp4 --reasoner llamacpp                      # Qwen2.5-Coder-1.5B, offline
    saber-agent analyze clip.mp4 --reasoner llamacpp -o model=smollm2-135m -o threads=2
    saber-agent analyze clip.mp4 --reasoner llamacpp -o model=/models/any.gguf -o n_ctx=8192

`model` is a GGUF path or an offline model's name (`gguf_models`: ``qwen2.5-1.5b``, the default;
``qwen2.5-0.5b``; ``smollm2-135m``). xllamacpp wraps llama.cpp's own server: requests go to its
OpenAI-style chat handler as Python calls, with no HTTP in between (its HTTP side listens on
127.0.0.1 behind a random key only for `/props`). So everything the `openai` reasoner does applies
unchanged (`OpenAICompatReasoner`, whose one transport method is overridden here): the answer's
JSON Schema becomes a grammar, so the SED answer always parses; the `request_perception` tool is
offered when the model's chat template supports tools (llama.cpp's ``chat_template_caps``), and a
call the model writes as text is read too; unreadable answers are repaired, then reported.

Speed (measured figures in docs/reasoners.md): the model loads once per process through the shared
model registry (`saber_agent.devices.shared_model`); one slot with prompt caching keeps the system
prompt's KV cache between calls (round 2, the judge, the next clip of a batch reuse it); the
prompt and the answer's grammar are the small model's (`compact_answer`: conflicts named in turn,
cues from the evidence, one line of JSON); one constrained call per round answers or asks for a look.
`threads` defaults to one less than the CPU count (at least 1, at most 8): llama.cpp's workers spin,
and on a busy 2-core machine two threads were measured ten times slower than one.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import urllib.request
from pathlib import Path
from typing import Any, Literal, get_args

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.plugins.reasoners import gguf_models
from saber_agent.plugins.reasoners.compact_answer import (
    COMPACT_JSON,
    compact_messages,
    compact_tool,
    lean_schema,
    look_call_schema,
    schema_grammar,
    tidy_answer,
)
from saber_agent.plugins.reasoners.fusion import undetermined_answer
from saber_agent.plugins.reasoners.openai_compat import OpenAICompatReasoner, _Refused, answer_schema
from saber_agent.reasoning import ReasonerError, ReasoningRequest
from saber_agent.sed_prompt import AnalysisParseError, answer_with_repair, parse_analysis

MODEL_KIND = "llamacpp"  # the shared model registry's name for these models


def default_threads() -> int:
    """One less than the CPU count, within 1..8 (spinning workers on a full machine are very slow)."""
    return max(1, min(8, (os.cpu_count() or 2) - 1))


class LlamaEngine:
    """One GGUF model served in-process by xllamacpp.Server (thread-safe; one slot, prompt caching on).

    With `prefix_cache`, the slot's KV cache is saved to the cache folder after a process's first
    answer (unless what it restored already covered most of that prompt) and restored when a later
    process loads the same file (llama.cpp's slot save/restore): the system prompt, the declared tool
    and the evidence block's fixed start are then not computed again by a one-shot CLI run.
    """

    def __init__(self, path: str, n_ctx: int = 4096, threads: int = 1, gpu_layers: int = 0, prefix_cache: bool = True) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise ReasonerError(missing_extra("the llamacpp reasoner", "xllamacpp (a prebuilt wheel)", "llama")) from None
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = int(n_ctx)
        params.n_parallel = 1  # one slot: its KV cache keeps the last prompt, so a shared prefix is not recomputed
        params.cache_prompt = True
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = int(threads)
        params.n_gpu_layers = int(gpu_layers)
        params.port = 0  # the HTTP side: any free loopback port, behind a key only this object knows
        params.hostnames = ["127.0.0.1"]
        self._key = secrets.token_hex(16)
        params.api_keys = [self._key]
        params.verbosity = 0
        self._slot_file = _slot_file(path, n_ctx, gpu_layers) if prefix_cache else None
        if self._slot_file:
            params.slot_save_path = str(self._slot_file.parent) + os.sep  # llama.cpp appends the name as is
        try:
            self.server = xllamacpp.Server(params)
        except RuntimeError as exc:
            raise ReasonerError(f"llama.cpp could not load {path}: {exc} (is it a GGUF chat model?)") from None
        self.path, self.n_ctx, self.threads = str(path), int(n_ctx), int(threads)
        self.url = self.server.listening_address
        self._props: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self.prefix_restored = bool(self._slot_file and self._slot_file.is_file() and self._slot("restore"))
        self._slot_saved = False  # set by the first call (`chat`), which saves the slot when it is worth it

    def _slot(self, action: str) -> bool:
        """Save or restore slot 0's KV cache to or from the slot file (over loopback); False on failure."""
        body = json.dumps({"filename": self._slot_file.name}).encode()
        request = urllib.request.Request(
            f"{self.url}/slots/0?action={action}", data=body,
            headers={"Authorization": f"Bearer {self._key}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=60) as response:
                return response.status == 200
        except (OSError, ValueError):
            return False

    def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An OpenAI-style chat completion body. Raises ValueError for a request llama.cpp rejects
        (unknown response_format, bad tools), ReasonerError for an error body (e.g. context exceeded)."""
        try:
            body = self.server.handle_chat_completions(dict(payload, stream=False))
        except RuntimeError as exc:  # e.g. an answer cut off by max_tokens that its chat parser cannot read
            raise ReasonerError(f"llama.cpp: {exc} ({os.path.basename(self.path)}; a larger max_tokens may help)") from None
        if isinstance(body, dict) and "error" in body:
            error = body["error"] if isinstance(body["error"], dict) else {"message": body["error"]}
            raise ReasonerError(f"llama.cpp: {error.get('message') or error} ({os.path.basename(self.path)})")
        if isinstance(body, dict) and body.get("code") and "choices" not in body:
            raise ReasonerError(f"llama.cpp: {body.get('message') or body}")
        if self._slot_file and not self._slot_saved:
            self._slot_saved = True
            timings = (body.get("timings") or {}) if isinstance(body, dict) else {}
            if not self.prefix_restored or timings.get("prompt_n", 0) > timings.get("cache_n", 0):
                # the first call of this process: saved when nothing was restored, or when the restored
                # prefix covered less than half its prompt (another system prompt or set of tools), so the
                # next process starts from this one's; a failure only costs the next process time
                self._slot("save")
        return body

    def props(self) -> dict[str, Any]:
        """llama.cpp's /props (chat template and its capabilities), read once over loopback."""
        with self._lock:
            if self._props is None:
                request = urllib.request.Request(self.url + "/props", headers={"Authorization": f"Bearer {self._key}"})
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
                try:
                    with opener.open(request, timeout=10) as response:
                        self._props = json.loads(response.read())
                except (OSError, ValueError):
                    self._props = {}
            return self._props

    def supports_tools(self) -> bool:
        """Whether the model's chat template renders tools (Qwen2.5 does; SmolLM2's does not)."""
        caps = self.props().get("chat_template_caps") or {}
        return bool(caps.get("supports_tools") and caps.get("supports_tool_calls"))


def _slot_file(path: str, n_ctx: int, gpu_layers: int) -> Path | None:
    """Where the slot cache of this model file (and context size) is kept; None if no cache folder."""
    from saber_agent.plugins.packaged_weights import cache_dir

    try:
        stat = os.stat(path)
        key = hashlib.sha256(f"{os.path.realpath(path)}|{stat.st_size}|{stat.st_mtime_ns}|{n_ctx}|{gpu_layers}".encode())
        folder = cache_dir() / "llama-slots"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"{key.hexdigest()[:20]}.bin"


def load_engine(path: str, n_ctx: int = 4096, threads: int = 1, gpu_layers: int = 0) -> LlamaEngine:
    """The engine for `path`, loaded once per process (per context size, threads and GPU layers)."""
    from saber_agent.devices import shared_model

    device = "cuda:0" if gpu_layers else "cpu"
    return shared_model(
        MODEL_KIND, os.path.realpath(path), device, lambda _device: LlamaEngine(path, n_ctx, threads, gpu_layers),
        options=(int(n_ctx), int(threads), int(gpu_layers)),
    )


LookPolicy = Literal["after_failed_check", "every_round"]  # when a round offers a second look (`_offers_look`)
LOOK_POLICIES = get_args(LookPolicy)


class LlamaCppReasoner(OpenAICompatReasoner):
    """The SED reasoner over a GGUF model in this process (options: model, threads, n_ctx, max_tokens)."""

    name = "llamacpp"

    def __init__(
        self,
        model: str | None = None,
        threads: int | None = None,
        n_ctx: int = 4096,
        gpu_layers: int = 0,
        max_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = 0,
        parse_retries: int = 1,
        json_mode: Literal["auto", "schema", "object_schema", "object", "off"] = "auto",
        request_looks: bool = True,
        timeout_s: float = 600.0,
        prompt: Literal["compact", "sed"] = "compact",
        looks: LookPolicy = "after_failed_check",
    ) -> None:
        from saber_agent.plugins.reasoners.openai_compat import JSON_MODES

        if json_mode not in JSON_MODES:
            raise ReasonerError(f"json_mode must be one of {', '.join(JSON_MODES)}, not {json_mode!r}")
        if int(n_ctx) < 512:
            raise ReasonerError(f"n_ctx must be at least 512 tokens, not {n_ctx}")
        if prompt not in ("compact", "sed"):
            raise ReasonerError(f"prompt must be compact or sed (the full SED prompt), not {prompt!r}")
        self.prompt = prompt
        if looks not in LOOK_POLICIES:
            raise ReasonerError(f"looks must be one of {', '.join(LOOK_POLICIES)}, not {looks!r}")
        self.looks = looks
        threads = default_threads() if threads in (None, 0, "auto") else int(threads)
        if threads < 1:
            raise ReasonerError(f"threads must be a positive number, not {threads}")
        spec = gguf_models.resolve(model)
        self.engine = load_engine(spec.path, int(n_ctx), threads, int(gpu_layers))
        self.base_url = self.engine.url  # named in error messages
        self.model = spec.title
        self._model_id = spec.name
        self.timeout_s, self.retries = float(timeout_s), 0
        self.parse_retries, self.stream = max(0, int(parse_retries)), False
        self.max_tokens, self.temperature, self.seed = int(max_tokens), float(temperature), seed
        self.json_modes = list(JSON_MODES[1:]) if json_mode == "auto" else [json_mode]
        self._local = threading.local()  # the schema of the request a thread is answering
        self.request_looks = bool(request_looks) and self.engine.supports_tools()
        self._lock = threading.Lock()
        import itertools

        self._draws = itertools.count()
        self.last_timings: dict[str, Any] = {}  # llama.cpp's timings of the last call (prompt and generation tokens/s)

    @property
    def schema(self) -> dict[str, Any]:
        """The answer's JSON Schema for the request this thread is answering (`lean_schema`)."""
        return getattr(self._local, "schema", None) or answer_schema(self.max_tokens)

    @schema.setter
    def schema(self, value: dict[str, Any]) -> None:
        self._local.schema = value

    def reason(self, request: ReasoningRequest, clip=None):
        """One constrained call per round. While second looks are left, the `request_perception` tool is
        offered and the answer's grammar is "the SED answer, or a call written as JSON" (llama.cpp does
        not combine a tool call with a response_format): one call either answers or asks for a look,
        where the generic flow spends a free-text call on the offer and then a structured one. The tool
        is declared in every call of the analysis (with looks left or not), so every round, and the next
        process through the saved slot, shares one prompt prefix that llama.cpp does not compute again."""
        from saber_agent.plugins.reasoners.openai_compat import looked_at_by, schedule_looks, tool_call_in_text

        if (undetermined := undetermined_answer(request, clip, self.model)) is not None:
            return undetermined  # no cue at all: the model is not asked (`fusion.undetermined_answer`)
        answer = lean_schema(self.max_tokens, request)
        tools = looked_at_by(request) if self.request_looks else []
        self._local.tools = [compact_tool(tools)] if tools else None
        self._local.offer = bool(tools) and self._offers_look(request)
        self.schema = answer
        messages = self.messages(request)
        asked, notes = [], []
        try:
            if self._local.offer:
                self.schema = {"anyOf": [answer, look_call_schema(tools)], "x-guidance": COMPACT_JSON}
                said = self._complete(messages)
                self.schema = answer
                call = tool_call_in_text(said)
                if call is None:
                    try:
                        return tidy_answer(parse_analysis(said))
                    except AnalysisParseError:
                        pass  # asked again below, with the answer's schema alone
                else:
                    messages, asked, notes = schedule_looks(messages, [call])
            analysis, attempts = answer_with_repair(
                self._complete, messages, retries=self.parse_retries, source=f"model {self.model!r} (llama.cpp)")
        finally:
            self._local.tools, self._local.offer = None, False
        if attempts > 1:
            analysis.weighed.append(f"answer read on attempt {attempts} after a repair request")
        analysis.weighed.extend(notes)
        analysis.perception_requests = asked[: request.looks_left]
        return tidy_answer(analysis)

    def warm(self, tools: list[str] | None = None) -> dict[str, Any]:
        """Compute the prompt prefix every analysis with these perception tools starts with (the system
        prompt and the declared tool) and save it in the slot cache, so that the first analysis after an
        install does not pay for it (`scripts/install.sh` runs this once). Returns llama.cpp's timings."""
        from saber_agent.evidence import ClipInfo, Evidence
        from saber_agent.registry import get_registry
        from saber_agent.settings import AnalysisSettings

        if tools is None:
            tools = sorted(t.name for t in get_registry().tools_for(AnalysisSettings()))
        request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="warm-up"))
        self._local.tools = [compact_tool(tools)] if tools and self.request_looks else None
        try:
            self._chat(self._payload(self.messages(request), max_tokens=1))
        finally:
            self._local.tools = None
        return dict(self.last_timings)

    def _offers_look(self, request: ReasoningRequest) -> bool:
        """Whether this round offers a second look: while the budget allows one, in every round
        (``looks=every_round``) or only in a round that answers a failed check (``after_failed_check``,
        the default: measured on the 1.5B, an offer in the first round was taken even on clear evidence,
        which doubled the analysis time; see docs/reasoners.md)."""
        if request.looks_left <= 0:
            return False
        return self.looks == "every_round" or bool(request.critique)

    def model_id(self) -> str:
        return self._model_id or "default"

    def messages(self, request: ReasoningRequest) -> list[dict[str, str]]:
        if self.prompt != "compact":
            return super().messages(request)
        return compact_messages(request, looks_offered=bool(getattr(self._local, "offer", False)))

    def _chat(self, payload: dict[str, Any], refusable: bool = False) -> Any:
        request = dict(payload)
        request.pop("model", None)
        if getattr(self._local, "tools", None) and "tools" not in request:  # the same prompt prefix in every call
            # "none": llama.cpp still renders the tools (the prefix stays the same) but reads the answer as plain
            # content, which the grammar (the answer, or a look request written as JSON) already shapes
            request.update(tools=self._local.tools, tool_choice="none")
        request["t_max_predict_ms"] = int(self.timeout_s * 1000)  # llama.cpp stops generating past this
        fmt = request.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            # the schema as llguidance's grammar: llama.cpp's own schema converter (used for response_format)
            # ignores `x-guidance` (COMPACT_JSON) and refuses some patterns, llguidance takes both
            request.pop("response_format")
            request["grammar"] = schema_grammar(fmt["json_schema"]["schema"])
        try:
            body = self.engine.chat(request)
        except ValueError as exc:  # llama.cpp rejected the request before running it
            if refusable:
                raise _Refused(str(exc)) from None
            raise ReasonerError(f"llama.cpp rejected the request: {exc}") from None
        self.last_timings = dict(body.get("timings") or {}) if isinstance(body, dict) else {}
        return body

    def close(self) -> None:
        """Nothing to close per reasoner: the engine is shared and lives as long as the process."""


WARM_HELP = ("Join the llamacpp model into the cache and save the prompt prefix every analysis with the default "
             "perception tools starts with (the system prompt and the declared tool), so that the first analysis "
             "does not compute it. scripts/install.sh runs it once.")


def main(argv: list[str] | None = None) -> int:
    """``python -m saber_agent.plugins.reasoners.llamacpp warm [--model NAME] [--n-ctx N]`` (`WARM_HELP`)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m saber_agent.plugins.reasoners.llamacpp", description=WARM_HELP)
    parser.add_argument("action", choices=["warm"], help="warm: cache the prompt prefix (the only action)")
    parser.add_argument("--model", default=None, help="a GGUF path or an offline model's name (default: the 1.5B)")
    parser.add_argument("--n-ctx", type=int, default=4096, help="the context size analyses will use (part of the cache key)")
    args = parser.parse_args(argv)
    try:
        timings = LlamaCppReasoner(model=args.model, n_ctx=args.n_ctx).warm()
    except ReasonerError as exc:
        print(f"llamacpp warm-up skipped: {exc}")
        return 1
    print(f"llamacpp: prompt prefix cached ({timings.get('prompt_n', 0)} tokens computed, {timings.get('cache_n', 0)} restored)")
    return 0


@hookimpl
def register_reasoners(register):
    register(
        "llamacpp", LlamaCppReasoner,
        "A GGUF chat model in-process via llama.cpp (xllamacpp); offline default Qwen2.5-Coder-1.5B; "
        "options model (name or .gguf path), threads (auto: CPU count - 1), n_ctx, max_tokens, looks "
        "(after_failed_check|every_round), request_looks, prompt (compact|sed), gpu_layers, temperature, seed.",
    )


if __name__ == "__main__":
    raise SystemExit(main())
