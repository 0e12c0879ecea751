"""Structured output for OpenAI-compatible servers: the answer's JSON Schema and how a request asks for it.

`answer_schema` is the JSON Schema of the SED answer (`saber_agent.sed_prompt.ANSWER_KEYS`), its string lengths
bounded by the token budget; `request_schema` is the copy sent in a round that answers a failed ``emotion_backing``
check (only the backed emotions); `response_format` is the request's ``response_format`` for each of the
`JSON_MODES` a server may accept (the `openai` reasoner tries them in order; the `llamacpp` reasoner's grammar is
built from `answer_schema` too). Moved out of `saber_agent.plugins.reasoners.openai_compat`, which re-exports them.
"""

from __future__ import annotations

import copy
from typing import Any

from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.reasoning import ReasoningRequest
from saber_agent.sed_prompt import ANSWER_KEYS

# "auto" tries the others in this order: a JSON Schema, llama-cpp-python's spelling of one, a JSON object, nothing
JSON_MODES = ("auto", "schema", "object_schema", "object", "off")


def answer_schema(max_tokens: int = 512) -> dict[str, Any]:
    """The answer's JSON Schema, for servers that constrain decoding to it.

    The string lengths are bounded by the token budget, so that the reasoning (third in SED order)
    is always reached: a small model otherwise fills the first string until the budget runs out
    (a cut-off answer without reasoning). Worst case one token per character (digits), so the two
    evidence strings together take at most 60% of the budget.
    """
    evidence = max(60, int(max_tokens * 0.3))
    cues = {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": 2}
    return {
        "type": "object",
        "properties": {
            "visual_evidence": {"type": "string", "maxLength": evidence},
            "acoustic_evidence": {"type": "string", "maxLength": evidence},
            "reasoning": {"type": "string", "minLength": 1, "maxLength": max(120, int(max_tokens * 0.8))},
            "emotions": {"type": "array", "items": {"type": "string", "maxLength": 30}, "minItems": 1, "maxItems": 4},
            "basic_emotion": {"type": "string", "enum": list(BASIC_EMOTIONS)},
            "valence": {"type": "number"}, "arousal": {"type": "number"},
            "cues_cited": {"type": "object", "properties": {m: cues for m in ("face", "voice", "words", "body", "scene")}},
            "conflict_explanation": {"type": ["string", "null"], "maxLength": evidence},
        },
        "required": list(ANSWER_KEYS),
    }


def request_schema(schema: dict[str, Any], request: ReasoningRequest) -> dict[str, Any]:
    """The answer's schema as sent for `request`. In a round that answers a failed ``emotion_backing`` check
    (`compact_answer.restricted_emotions`: the check's own rule, `plugins.checks.backed_emotions`), a copy whose
    ``basic_emotion`` enum lists only the emotions the evidence backs, the ``emotions`` items too where they are an
    enum (here they are open words: "sarcastic amusement"), and a cue cited from every modality with evidence
    required (what that rule assumes of the answer); otherwise `schema` itself. `schema` is never changed."""
    from saber_agent.checking import modalities_in
    from saber_agent.plugins.reasoners.compact_answer import require_cues, restricted_emotions

    backed = restricted_emotions(request)
    if not backed:
        return schema
    schema = copy.deepcopy(schema)
    props = schema["properties"]
    props["basic_emotion"] = {**props["basic_emotion"], "enum": list(backed)}
    items = props.get("emotions", {}).get("items", {})
    if "enum" in items:
        items["enum"] = [e for e in items["enum"] if e in backed] or list(backed)
    cues = props.get("cues_cited")
    if cues and "properties" in cues:
        require_cues(cues, [m for m in cues["properties"] if m in modalities_in(request)])
    return schema


def response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The request's ``response_format`` in json mode `mode` (one of `JSON_MODES` but "auto") constraining the answer
    to `schema`, or None ("off": none sent)."""
    if mode == "schema":
        return {"type": "json_schema", "json_schema": {"name": "sed_analysis", "schema": schema, "strict": False}}
    if mode == "object_schema":  # llama-cpp-python's spelling of a schema constraint
        return {"type": "json_object", "schema": schema}
    if mode == "object":
        return {"type": "json_object"}
    return None
