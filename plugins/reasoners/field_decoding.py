"""Field-by-field constrained decoding of the SED answer, for small local chat models.

A small model asked for a JSON object often loops, drops keys or never closes it. Here the
decoder writes the object's structure itself, in SED order, and asks the model only for each
value: the text of the string fields (stopped at their closing quote, each within a token limit),
one open-vocabulary emotion word, the basic class as a choice among the seven (the one the model
finds likeliest; in a round that answers a failed `emotion_backing` check, among the ones the evidence
backs: `compact_answer.restricted_emotions`, the check's own rule), valence and arousal as choices from
a grid, one cited cue per modality that has evidence, and the conflict explanation when the cue stage found a conflict. The model's context
always holds the answer so far, so each value is conditioned on the ones before, exactly as in free
generation; the KV cache is kept across fields, so the prompt is encoded once.

The result is well-formed JSON by construction; what the values say is still the model's.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from saber_agent.evidence import BASIC_EMOTIONS, SLOT_MODALITY
from saber_agent.reasoning import ReasoningRequest

VALENCE_GRID = ("-0.8", "-0.5", "-0.2", "0.0", "0.2", "0.5", "0.8")
AROUSAL_GRID = ("0.1", "0.3", "0.5", "0.7", "0.9")
# Tokens each string value may take (a value stops earlier at its closing quote).
STRING_LIMITS = {"visual_evidence": 64, "acoustic_evidence": 64, "reasoning": 128, "emotion": 8, "cue": 24, "conflict_explanation": 80}


@dataclass
class FieldDecoder:
    """Greedy (temperature 0) or sampled field-by-field decoding on a causal LM with a KV cache."""

    net: Any
    tokenizer: Any
    temperature: float = 0.0
    top_p: float = 0.95
    seed: int = 0
    max_new_tokens: int = 512
    generated: int = field(default=0, init=False)  # tokens the model chose (not the forced ones)

    def __post_init__(self) -> None:
        import torch

        self._torch = torch
        self._keep_last = True
        # transformers 5 renamed `past_key_values` to `cache`; 4.x knows only the old name
        params = inspect.signature(self.net.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        self._generator = torch.Generator().manual_seed(self.seed)
        self._eos = {t for t in _as_list(getattr(self.net.generation_config, "eos_token_id", None)) if t is not None}
        if self.tokenizer.eos_token_id is not None:
            self._eos.add(self.tokenizer.eos_token_id)

    # -- the answer ----------------------------------------------------------------------------------

    def decode(self, prompt: str, request: ReasoningRequest) -> str:
        """The JSON answer to `prompt` (the chat-templated conversation, ending at the assistant turn)."""
        self.generated = 0
        self._cache = None  # the model makes the cache its architecture needs on the first call
        self._logits = None
        self._length = 0
        self._feed(self._encode(prompt))
        answer: dict[str, Any] = {}
        self._force('{"visual_evidence": "')
        answer["visual_evidence"] = self._string("visual_evidence")
        self._force(', "acoustic_evidence": "')
        answer["acoustic_evidence"] = self._string("acoustic_evidence")
        self._force(', "reasoning": "')
        answer["reasoning"] = self._string("reasoning")
        self._force(', "emotions": ["')
        emotion = self._string("emotion")
        answer["emotions"] = [emotion] if emotion else []
        self._force('], "basic_emotion": "')
        answer["basic_emotion"] = self._choose(basic_options(request), suffix='"')
        self._force('", "valence": ')
        answer["valence"] = float(self._choose(VALENCE_GRID, suffix=","))
        self._force(', "arousal": ')
        answer["arousal"] = float(self._choose(AROUSAL_GRID, suffix=","))
        self._force(', "cues_cited": {')
        cited: dict[str, list[str]] = {}
        modalities = _modalities_with_evidence(request)
        for i, modality in enumerate(modalities):
            self._force(("" if i == 0 else ", ") + f'"{modality}": ["')
            cue = self._string("cue")
            self._force('"]')
            if cue:
                cited[modality] = [cue]
        answer["cues_cited"] = cited
        self._force('}, "conflict_explanation": ')
        if request.conflicts:
            self._force('"')
            answer["conflict_explanation"] = self._string("conflict_explanation")
            self._force('"}')
        else:  # the cue stage found no conflict: the prompt asks for null then
            answer["conflict_explanation"] = None
            self._force("null}")
        return json.dumps(answer, ensure_ascii=False)

    # -- the model -----------------------------------------------------------------------------------

    def _encode(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _feed(self, ids: list[int], every_position: bool = False) -> None:
        """Run the model over `ids` after what the cache holds; keep the next token's logits (and, with
        `every_position`, the logits after each of `ids`)."""
        if not ids:
            return
        torch = self._torch
        device = next(self.net.parameters()).device
        inputs = {"input_ids": torch.tensor([ids], device=device), self._cache_arg: self._cache, "use_cache": True}
        with torch.inference_mode():
            if every_position or not self._keep_last:
                out = self.net(**inputs)
            else:
                try:  # the prompt's logits at every position would take hundreds of MB
                    out = self.net(**inputs, logits_to_keep=1)
                except TypeError:
                    self._keep_last = False
                    out = self.net(**inputs)
        self._cache = out.get("cache") or out.get("past_key_values")
        self._all_logits = out.logits[0].float() if every_position else None
        self._logits = out.logits[0, -1].float()
        self._length += len(ids)

    def _rollback(self, n: int) -> None:
        """Forget the last `n` tokens (a negative crop removes tokens in every transformers version)."""
        if n > 0:
            self._cache.crop(-n)
            self._length -= n
            self._logits = None

    def _force(self, text: str) -> None:
        self._feed(self._encode(text))

    def _pick(self) -> int:
        torch = self._torch
        logits = self._logits
        if self.temperature <= 0:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits / self.temperature, dim=-1)
        ordered, index = torch.sort(probs, descending=True)
        keep = torch.cumsum(ordered, dim=-1) - ordered < self.top_p
        ordered = ordered * keep
        choice = torch.multinomial(ordered / ordered.sum(), 1, generator=self._generator)
        return int(index[choice])

    def _pick_opening(self, candidates: int = 20) -> int:
        """The first token of a value: not a closing quote or end of text (a value has at least one
        token); the model's best pick among its top candidates that is not."""
        token = self._pick()
        if token not in self._eos and not self.tokenizer.decode([token]).lstrip().startswith('"'):
            return token
        for other in self._torch.topk(self._logits, candidates).indices.tolist():
            if other not in self._eos and not self.tokenizer.decode([other]).lstrip().startswith('"'):
                return other
        return token

    def _string(self, kind: str) -> str:
        """A string value: the model writes until its closing quote (or the limit, or end of text)."""
        limit = min(STRING_LIMITS[kind], max(1, self.max_new_tokens - self.generated))
        start = self._length
        ids: list[int] = []
        value = ""
        for step in range(limit):
            token = self._pick() if step else self._pick_opening()
            if token in self._eos:
                break
            ids.append(token)
            self.generated += 1
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            end = _closing_quote(text)
            if end is not None or "\n" in text:
                value = text[:end] if end is not None else text.split("\n", 1)[0]
                break
            value = text
            self._feed([token])
        # re-encode the value as it will stand in the answer: the token that held the closing quote may
        # have carried more (e.g. '",'), which must not stay in the context
        self._rollback(self._length - start)
        value = value.strip()
        self._feed(self._encode(json.dumps(value, ensure_ascii=False)[1:-1] + '"'))
        return value

    def _choose(self, options: tuple[str, ...], suffix: str) -> str:
        """The option (scored with `suffix` after it) the model finds likeliest; it then joins the context."""
        first_logits = self._logits
        best, best_score = options[0], float("-inf")
        for option in options:
            score = self._sequence_logprob(first_logits, self._encode(option + suffix))
            if score > best_score:  # ties keep the earlier option: deterministic
                best, best_score = option, score
        self._feed(self._encode(best))
        return best

    def _sequence_logprob(self, first_logits, ids: list[int]) -> float:
        """Mean log-probability of `ids` after the cached context (the mean: options differ in length).

        The cache is left as it was."""
        torch = self._torch
        total = float(torch.log_softmax(first_logits, dim=-1)[ids[0]])
        if len(ids) > 1:
            start = self._length
            self._feed(ids[:-1], every_position=True)  # the logits at each position predict the next id
            logprobs = torch.log_softmax(self._all_logits, dim=-1)
            for position, token in enumerate(ids[1:]):
                total += float(logprobs[position, token])
            self._rollback(self._length - start)
        return total / len(ids)


def basic_options(request: ReasoningRequest) -> tuple[str, ...]:
    """The basic classes the decoder chooses among: the seven, or after a failed `emotion_backing` check only
    the ones the evidence backs (`compact_answer.restricted_emotions`, the same limit as the llamacpp grammar)."""
    from saber_agent.plugins.reasoners.compact_answer import restricted_emotions

    return tuple(restricted_emotions(request) or BASIC_EMOTIONS)


def _closing_quote(text: str) -> int | None:
    """Index of the first unescaped double quote in `text`, or None."""
    escape = False
    for i, ch in enumerate(text):
        if escape:
            escape = False
        elif ch == "\\":
            escape = True
        elif ch == '"':
            return i
    return None


def _modalities_with_evidence(request: ReasoningRequest) -> list[str]:
    found = [SLOT_MODALITY[name] for name in request.evidence.available()]
    found += [c.modality for c in request.cues if c.modality not in found]
    order = ("face", "voice", "words", "body", "scene")
    return [m for m in order if m in found]


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
