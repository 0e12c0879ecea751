"""SFT examples: cases in TRL's conversational ``messages`` format, out to JSONL and back.

An example's prompt is exactly what a reasoner sees at inference (`saber_agent.sed_prompt.build_messages`)
and its answer is the SED-ordered JSON (`saber_agent.sed_prompt.target_json`). `read_sft_examples`
reads built SFT JSONL and raw sources (SABER records, analysis results) alike, with the same
line-numbered error report as the cases (`saber_agent.training.cases`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from saber_agent.saber_format import write_jsonl
from saber_agent.sed_prompt import build_messages, target_json
from saber_agent.training.cases import (
    Case,
    DataReport,
    DatasetError,
    OnError,
    case_from_object,
    read_records,
)

ROLES = ("system", "user", "assistant")


def sft_messages(case: Case) -> list[dict[str, str]]:
    """The conversational SFT example of a case: the SED prompt, then the SED-ordered JSON answer."""
    if case.reference is None:
        raise DatasetError("the case has no reference answer", case.line, case.source)
    return build_messages(case.request) + [{"role": "assistant", "content": target_json(case.reference)}]


def sft_record(case: Case) -> dict[str, Any]:
    """One SFT JSONL line: TRL's ``messages`` plus the id and where it came from."""
    where = f"{case.source}:{case.line}" if case.line else case.source
    return {"messages": sft_messages(case), "id": case.id, "source": where}


def validate_messages(messages: Any, line: int | None, source: str) -> list[dict[str, str]]:
    """Check a conversational example: a list of {role, content} turns with text, ending with the assistant."""
    if not isinstance(messages, list) or not messages:
        raise DatasetError("messages: expected a non-empty list of turns", line, source)
    for index, turn in enumerate(messages):
        if not isinstance(turn, dict) or not isinstance(turn.get("content"), str) or turn.get("role") not in ROLES:
            raise DatasetError(f"messages[{index}]: expected {{'role': system|user|assistant, 'content': str}}", line, source)
        if not turn["content"].strip():
            raise DatasetError(f"messages[{index}]: empty text", line, source)
    if messages[-1]["role"] != "assistant":
        raise DatasetError("messages: the last turn must be the assistant's answer", line, source)
    if not any(t["role"] == "user" for t in messages):
        raise DatasetError("messages: no user turn", line, source)
    return [{"role": t["role"], "content": t["content"]} for t in messages]


def read_sft_examples(
    paths: Iterable[str | Path],
    on_error: OnError = "skip",
    allow_empty_slots: bool = False,
    require_consistent: bool = True,
) -> tuple[list[list[dict[str, str]]], DataReport]:
    """Conversational examples from built SFT JSONL (lines with ``messages``) and/or raw sources
    (SABER records, analysis results), converted on the fly."""

    def parse(obj: Any, source: str, line: int) -> list[dict[str, str]]:
        if isinstance(obj, dict) and "messages" in obj:
            return validate_messages(obj["messages"], line, source)
        return sft_messages(case_from_object(obj, source, line, None, allow_empty_slots, require_consistent))

    return read_records(paths, parse, on_error)


def prompt_completion(messages: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Split a conversation into TRL's conversational prompt/completion (the last assistant turn),
    so the loss falls on the answer only."""
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def write_sft(cases: Iterable[Case], path: str | Path) -> int:
    """Write the SFT JSONL of cases (those with a reference answer); returns the number of examples."""
    return write_jsonl(path, (sft_record(c) for c in cases if c.reference is not None))
