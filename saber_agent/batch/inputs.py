"""Batch inputs: a folder, a glob, a single clip, a manifest (JSONL/CSV) or an EmoBench-M JSON, as `ClipItem`s."""

from __future__ import annotations

import csv
import glob as globlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from saber_agent.media_formats import is_media_name, media_types_text

PATH_KEYS = ("path", "clip", "clip_path", "video", "file", "modal_path", "audio")
ID_KEYS = ("id", "name", "clip_id", "sample_id")
LABEL_KEYS = {  # manifest column -> our label name
    "emotion": "emotion", "label": "emotion", "emotions": "emotion", "emotion_label": "emotion",
    "valence": "valence", "sentiment": "valence",
    "split": "split", "consistency": "split",
    "description": "description", "reference": "description", "reason": "description",
}
SPLITS = {
    "agree": "agree", "agreement": "agree", "consistent": "agree", "congruent": "agree", "aligned": "agree",
    "conflict": "conflict", "conflicting": "conflict", "inconsistent": "conflict", "incongruent": "conflict",
}


class BatchInputError(ValueError):
    """An input (folder, glob, manifest) that cannot be read; the message says what to fix."""


class BatchConfigError(ValueError):
    """A results file written with other settings, or already being written by another run."""


class ClipItem(BaseModel):
    """One clip of a batch: its id (unique in the batch), its path, and the labels it came with."""

    id: str
    path: str
    labels: dict[str, Any] = Field(default_factory=dict)  # emotion, valence, split, description
    meta: dict[str, Any] = Field(default_factory=dict)  # the manifest's other columns


# -- inputs --------------------------------------------------------------------------------------


def read_items(source: str | os.PathLike, video_root: str | os.PathLike | None = None) -> list[ClipItem]:
    """The clips of a folder, glob, single file, manifest (.jsonl/.csv) or EmoBench-M JSON.

    Relative paths in a manifest are resolved against `video_root`, else the manifest's folder.
    Duplicate ids keep their first row.
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        items = [_item_for(p) for p in sorted(_media_under(path))]
        if not items:
            raise BatchInputError(f"{path}: no media files in this folder (looked for {media_types_text()}).")
    elif any(ch in text for ch in "*?[") and not path.exists():
        matches = sorted(p for p in globlib.glob(text, recursive=True) if Path(p).is_file())
        if not matches:
            raise BatchInputError(f"{text}: the pattern matches no file.")
        items = [_item_for(Path(p)) for p in matches]
    elif not path.exists():
        raise BatchInputError(f"{path}: no such file or folder.")
    elif path.suffix.lower() == ".jsonl":
        items = _from_rows(_jsonl_rows(path), path, video_root)
    elif path.suffix.lower() == ".csv":
        items = _from_rows(_csv_rows(path), path, video_root)
    elif path.suffix.lower() == ".json":
        from saber_agent.eval.emobench import is_emobench, load_benchmark

        data = _load_json(path)
        if is_emobench(data):
            root = Path(video_root) if video_root else path.parent
            items = [
                ClipItem(id=s.video, path=str(s.path(root)), meta={"emobench": True}) for s in load_benchmark(path)
            ]
        elif isinstance(data, list):
            items = _from_rows(((i + 1, row) for i, row in enumerate(data)), path, video_root)
        else:
            raise BatchInputError(f"{path}: expected a JSON list of clips (a manifest or an EmoBench-M benchmark).")
    else:
        items = [_item_for(path)]
    return _dedupe(items)


def _files_under(folder: Path) -> Iterator[Path]:
    """Every file under `folder`, hidden files and folders left out."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                yield Path(root) / name


def _media_under(folder: Path) -> Iterator[Path]:
    return (p for p in _files_under(folder) if is_media_name(p))


def not_media_under(folder: str | os.PathLike) -> list[Path]:
    """The files a folder batch skips: not named as media (saber_agent.media_formats), hidden ones left out."""
    return sorted(p for p in _files_under(Path(folder)) if not is_media_name(p))


def _item_for(path: Path) -> ClipItem:
    absolute = os.path.abspath(path)
    return ClipItem(id=absolute, path=absolute)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot be read ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise BatchInputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}).") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot be read ({exc}).") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise BatchInputError(f"{path}, line {number}: not valid JSON ({exc.msg}).") from None


def _csv_rows(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BatchInputError(f"{path}: cannot be read as CSV ({exc}).") from None
    for number, row in enumerate(rows, 2):  # line 1 is the header
        yield number, {k.strip(): v for k, v in row.items() if k and v is not None and str(v).strip() != ""}


def _from_rows(rows: Iterable[tuple[int, Any]], manifest: Path, video_root) -> list[ClipItem]:
    root = Path(video_root) if video_root else manifest.parent
    items = []
    for number, row in rows:
        if isinstance(row, str):
            row = {"path": row}
        if not isinstance(row, dict):
            raise BatchInputError(f"{manifest}, row {number}: expected an object with a clip path, got {type(row).__name__}.")
        key = next((k for k in PATH_KEYS if row.get(k)), None)
        if key is None:
            raise BatchInputError(f"{manifest}, row {number}: no clip path (give one of the columns {', '.join(PATH_KEYS)}).")
        raw = str(row[key])
        clip = raw if os.path.isabs(raw) else os.path.abspath(root / raw)
        ident = next((str(row[k]) for k in ID_KEYS if row.get(k) not in (None, "")), clip)
        labels: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        for column, value in row.items():
            if column == key or column in ID_KEYS:
                continue
            name = LABEL_KEYS.get(column.lower())
            if name is None:
                meta[column] = value
            elif name not in labels:
                labels[name] = value
        if "split" in labels:
            split = SPLITS.get(str(labels["split"]).strip().lower())
            if split is None:
                raise BatchInputError(
                    f"{manifest}, row {number}: split {labels['split']!r} is neither 'agree' nor 'conflict'."
                )
            labels["split"] = split
        items.append(ClipItem(id=ident, path=clip, labels=labels, meta=meta))
    if not items:
        raise BatchInputError(f"{manifest}: the manifest lists no clip.")
    return items


def _dedupe(items: list[ClipItem]) -> list[ClipItem]:
    seen: dict[str, ClipItem] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return list(seen.values())

