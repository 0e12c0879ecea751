"""Reading dataset files: JSON and JSONL read item by item with line numbers, each bad item reported.

A path is a file (``.jsonl``: one JSON value per line, blank lines skipped; ``.json``: one value, or one
item per element of a top-level list, numbered from 1) or a folder (its ``.json``/``.jsonl`` files,
sorted). `read_records(paths, parse)` applies a parser to each item; an item that is not JSON or that
the parser rejects (raising `SaberFormatError`) becomes a `DatasetError` naming its file and line, which
is counted in the `DataReport` and skipped (``on_error="skip"``) or raised (``on_error="fail"``).
Training cases (`saber_agent.training.cases`), SFT examples and preference pairs are read this way.
Moved out of `saber_agent.training.cases`, which re-exports every name here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from saber_agent.saber_format import SaberFormatError

T = TypeVar("T")

OnError = Literal["skip", "fail"]


class DatasetError(SaberFormatError):
    """A dataset line that cannot be used for training; names its file and line."""


@dataclass
class DataReport:
    """What reading a dataset found: how many items were read and kept, and every bad line."""

    read: int = 0
    kept: int = 0
    issues: list[SaberFormatError] = field(default_factory=list)

    def add(self, issue: SaberFormatError, on_error: OnError) -> None:
        if on_error == "fail":
            raise issue
        self.issues.append(issue)

    def summary(self) -> str:
        text = f"{self.kept} of {self.read} item(s) kept"
        if self.issues:
            text += f", {len(self.issues)} skipped"
        return text


def iter_json_objects(path: Path) -> Iterator[tuple[int | None, Any, SaberFormatError | None]]:
    """(line, value, error) for each item of a file: one per JSONL line; one for a ``.json`` file
    (line None), or one per element of a top-level list (numbered from 1 in place of a line).
    Blank lines are skipped."""
    source = str(path)
    if path.suffix == ".json":
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            yield line, None, DatasetError(f"not valid JSON ({getattr(exc, 'msg', exc)})", line, source)
            return
        if isinstance(value, list):
            for index, item in enumerate(value, start=1):
                yield index, item, None
        else:
            yield None, value, None
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw), None
            except json.JSONDecodeError as exc:
                yield number, None, DatasetError(f"not valid JSON ({exc.msg})", number, source)


def dataset_files(paths: Iterable[str | Path]) -> list[Path]:
    """The data files named: files as given, folders expanded to their ``.json``/``.jsonl`` files (sorted).

    Raises DatasetError for a path that does not exist or a folder with no data file.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl") and p.is_file())
            if not found:
                raise DatasetError("the folder holds no .json or .jsonl file", None, str(path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise DatasetError("no such file or folder", None, str(path))
    return files


def read_records(
    paths: Iterable[str | Path],
    parse: Callable[[Any, str, int], T],
    on_error: OnError = "skip",
    report: DataReport | None = None,
) -> tuple[list[T], DataReport]:
    """`parse(obj, source, line)` over every JSON line of the files; a line it rejects (raising
    SaberFormatError) is counted in the report with its file and line, then skipped or raised."""
    report = report or DataReport()
    records: list[T] = []
    for path in dataset_files(paths):
        for line, obj, error in iter_json_objects(path):
            report.read += 1
            try:
                if error is not None:
                    raise error
                record = parse(obj, str(path), line)
            except SaberFormatError as exc:
                report.add(exc if isinstance(exc, DatasetError) else DatasetError(exc.problem, exc.line, exc.source), on_error)
                continue
            records.append(record)
            report.kept += 1
    return records, report
