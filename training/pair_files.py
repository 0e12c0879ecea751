"""Reading preference-pair files: TRL's conversational ``prompt``/``chosen``/``rejected`` JSONL.

Each line must hold ``prompt`` (a non-empty list of system/user/assistant turns), ``chosen`` and
``rejected`` (non-empty lists of assistant turns), every turn ``{"role": str, "content": str}`` with
non-empty text, and chosen differing from rejected. Other keys (the ``meta`` that pair building writes)
are dropped. A bad line is reported with its file and line number (`DatasetError`) and skipped or
raised (`saber_agent.training.dataset_reading`). Moved out of `saber_agent.training.pairs`, which
re-exports `read_pairs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from saber_agent.training.dataset_reading import DataReport, DatasetError, read_records


def _turns(value: Any, name: str, line: int | None, source: str, roles: tuple[str, ...]) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{name}: expected a non-empty list of turns", line, source)
    for index, turn in enumerate(value):
        if not isinstance(turn, dict) or turn.get("role") not in roles or not isinstance(turn.get("content"), str):
            raise DatasetError(f"{name}[{index}]: expected {{'role': {'|'.join(roles)}, 'content': str}}", line, source)
        if not turn["content"].strip():
            raise DatasetError(f"{name}[{index}]: empty text", line, source)
    return [{"role": t["role"], "content": t["content"]} for t in value]


def read_pairs(paths: Iterable[str], on_error: str = "skip") -> tuple[list[dict[str, Any]], DataReport]:
    """Preference pairs (conversational prompt/chosen/rejected) from JSONL, each line validated."""
    return read_records(paths, _pair, on_error)


def _pair(obj: Any, source: str, line: int) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise DatasetError(f"expected a JSON object, got {type(obj).__name__}", line, source)
    missing = [k for k in ("prompt", "chosen", "rejected") if k not in obj]
    if missing:
        raise DatasetError(f"missing {', '.join(missing)}", line, source)
    pair = {
        "prompt": _turns(obj["prompt"], "prompt", line, source, ("system", "user", "assistant")),
        "chosen": _turns(obj["chosen"], "chosen", line, source, ("assistant",)),
        "rejected": _turns(obj["rejected"], "rejected", line, source, ("assistant",)),
    }
    if pair["chosen"] == pair["rejected"]:
        raise DatasetError("chosen and rejected are the same answer", line, source)
    return pair
