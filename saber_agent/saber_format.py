"""SABER JSON / JSONL in and out.

A SABER record is the published annotation layout (keys exact)::

    {"video_desc": str,
     "audio_desc": {"speech_content": str, "acoustic_feat": str},
     "facial_exp_desc": str, "body_lang_desc": str, "sentiment_analysis": str}

Export keeps every slot's text byte for byte; Chinese is written as UTF-8, never ``\\u`` escaped.
The ms-swift export for training lives with training (`saber_agent.training.swift`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from saber_agent.evidence import Evidence, Provenance, Slot, SlotStatus

DATASET_PROVENANCE = Provenance(plugin="saber-dataset", version="", backend="annotation")


class SaberFormatError(ValueError):
    """A SABER record that does not have the published layout."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None):
        where = f"{source or 'input'}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.source = source
        self.problem = message


class AudioDesc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    speech_content: str
    acoustic_feat: str


class SaberRecord(BaseModel):
    """One record in the published layout; extra keys (ids, paths, labels) are kept aside."""

    model_config = ConfigDict(extra="allow", strict=True)
    video_desc: str
    audio_desc: AudioDesc
    facial_exp_desc: str
    body_lang_desc: str
    sentiment_analysis: str

    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def plain(self) -> dict[str, Any]:
        return {
            "video_desc": self.video_desc,
            "audio_desc": {
                "speech_content": self.audio_desc.speech_content,
                "acoustic_feat": self.audio_desc.acoustic_feat,
            },
            "facial_exp_desc": self.facial_exp_desc,
            "body_lang_desc": self.body_lang_desc,
            "sentiment_analysis": self.sentiment_analysis,
        }

    def empty_slots(self) -> list[str]:
        flat = flatten(self.plain())
        return [name for name, text in flat.items() if not text.strip()]


def flatten(record: dict[str, Any]) -> dict[str, str]:
    """The six slot texts of a nested SABER record, keyed by slot name."""
    audio = record.get("audio_desc") or {}
    return {
        "video_desc": record.get("video_desc", ""),
        "speech_content": audio.get("speech_content", ""),
        "acoustic_feat": audio.get("acoustic_feat", ""),
        "facial_exp_desc": record.get("facial_exp_desc", ""),
        "body_lang_desc": record.get("body_lang_desc", ""),
        "sentiment_analysis": record.get("sentiment_analysis", ""),
    }


def to_saber_record(evidence: Evidence) -> dict[str, Any]:
    """The plain SABER record of an evidence set (unfilled slots export as empty text)."""
    text = {name: evidence.slot(name).text for name in flatten({})}
    return {
        "video_desc": text["video_desc"],
        "audio_desc": {
            "speech_content": text["speech_content"],
            "acoustic_feat": text["acoustic_feat"],
        },
        "facial_exp_desc": text["facial_exp_desc"],
        "body_lang_desc": text["body_lang_desc"],
        "sentiment_analysis": text["sentiment_analysis"],
    }


def parse_record(obj: Any, line: int | None = None, source: str | None = None) -> SaberRecord:
    """Validate one decoded JSON value as a SABER record."""
    if not isinstance(obj, dict):
        raise SaberFormatError(f"expected a JSON object, got {type(obj).__name__}", line, source)
    try:
        return SaberRecord.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        raise SaberFormatError(f"{field}: {first['msg']}", line, source) from None


def from_saber_record(record: SaberRecord | dict[str, Any]) -> Evidence:
    """Evidence whose slots hold a record's texts (empty texts become unavailable slots)."""
    if isinstance(record, dict):
        record = parse_record(record)
    slots = {}
    for name, text in flatten(record.plain()).items():
        if text.strip():
            slots[name] = Slot(text=text, status=SlotStatus.ok, provenance=DATASET_PROVENANCE)
        else:
            # whitespace is kept: export must give back the record's text byte for byte
            slots[name] = Slot(text=text, reason="empty in the SABER record", provenance=DATASET_PROVENANCE)
    return Evidence(**slots)


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text kept readable."""
    return json.dumps(record, ensure_ascii=False)


def read_saber_json(path: str | Path) -> SaberRecord:
    """Read one pretty-printed SABER record file (as the dataset publishes per clip)."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SaberFormatError(f"not valid JSON ({exc.msg})", exc.lineno, str(path)) from None
    return parse_record(obj, source=str(path))


OnError = Literal["skip", "raise"]


def iter_saber_jsonl(
    path: str | Path,
    on_error: OnError = "skip",
    errors: list[SaberFormatError] | None = None,
    allow_empty_slots: bool = True,
) -> Iterator[tuple[int, SaberRecord]]:
    """Yield (line number, record) from a SABER JSONL file.

    A bad line is raised (``on_error="raise"``) or skipped and appended to ``errors``, so it is
    never silently used. Blank lines are ignored.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise SaberFormatError(f"not valid JSON ({exc.msg})", number, str(path)) from None
                record = parse_record(obj, number, str(path))
                if not allow_empty_slots and (empty := record.empty_slots()):
                    raise SaberFormatError(f"empty text in {', '.join(empty)}", number, str(path))
            except SaberFormatError as exc:
                if on_error == "raise":
                    raise
                if errors is not None:
                    errors.append(exc)
                continue
            yield number, record


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as UTF-8 JSONL (Chinese kept readable, parent folders made); returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(dumps(record) + "\n")
            count += 1
    return count
