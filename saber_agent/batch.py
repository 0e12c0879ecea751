"""Batch analysis of many clips: one results line per clip, resumable, with an evidence cache.

Inputs: a folder (every media file under it), a glob, a single clip, a manifest (JSONL or CSV with a
clip path per row and optional labels), or an EmoBench-M benchmark JSON (see `saber_agent.emobench`).

Output: a JSONL file, one line per clip (`clip_record`): the clip, its content hash, the SABER JSON,
the labels from the manifest, the prediction (emotions, basic class, valence, arousal), conflicts,
check outcomes, timings and errors. A clip that cannot be analysed becomes an error line and the
batch goes on.

Resumable at any point: each line is appended whole (one write, flush, fsync) after its clip is
done; a restart reads the ids already written and skips them, and drops a trailing half-written
line first (a run killed while writing). So a run killed by SIGKILL and started again ends with every
clip exactly once. Every line records a digest of the analysis settings, and a restart with other
settings into the same file is refused (it would mix two configurations).
"""

from __future__ import annotations

import csv
import glob as globlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from saber_agent.settings import AnalysisSettings

MEDIA_SUFFIXES = frozenset({
    ".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v", ".mpg", ".mpeg", ".flv", ".ts",
    ".wav", ".mp3", ".m4a", ".flac", ".ogg", ".opus", ".aac", ".wma",
})
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
            raise BatchInputError(f"{path}: no media files in this folder ({', '.join(sorted(MEDIA_SUFFIXES))}).")
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
        from saber_agent.emobench import is_emobench, load_benchmark

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


def _media_under(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if Path(name).suffix.lower() in MEDIA_SUFFIXES and not name.startswith("."):
                yield Path(root) / name


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


# -- the results file ----------------------------------------------------------------------------


def settings_digest(settings: AnalysisSettings) -> str:
    """A short digest of the analysis settings, written on every line (mixing two is refused)."""
    return hashlib.sha256(settings.model_dump_json().encode("utf-8")).hexdigest()[:16]


def read_results(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The complete lines of a results file (a trailing half-written line is skipped)."""
    records = []
    with open(path, "rb") as handle:
        data = handle.read()
    lines = data.split(b"\n")
    if not data.endswith(b"\n"):
        lines = lines[:-1]  # a line being written (or cut off by a kill) is not a result yet
    for raw in lines:
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(record, dict) and "id" in record:
            records.append(record)
    return records


class ResultsLog:
    """The append-only results file of one batch, safe against being killed at any instant.

    `open()` repairs the file (drops a trailing partial line, and rewrites it atomically without any
    unreadable line), takes an exclusive lock (a second run on the same file is refused) and returns
    the records already there. `append()` writes one whole line with a single write, then fsyncs.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self.dropped_partial = False
        self.dropped_lines = 0

    def open(self, drop=None) -> list[dict[str, Any]]:
        """Lock, repair, and return the records already written (minus those `drop(record)` rejects)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        records, needs_rewrite = self._repair()
        if drop is not None:
            kept = [r for r in records if not drop(r)]
            if len(kept) != len(records):
                self.dropped_lines += len(records) - len(kept)
                records, needs_rewrite = kept, True
        if needs_rewrite:
            self._rewrite(records)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return records

    def _lock(self) -> None:
        self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: run without one
            return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise BatchConfigError(f"{self.path}: another batch run is writing this file; wait for it or use another --out.") from None

    def _repair(self) -> tuple[list[dict[str, Any]], bool]:
        if not self.path.exists():
            return [], False
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            # the run was killed while writing this line: drop it, that clip is done again
            keep = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)
                handle.flush()
                os.fsync(handle.fileno())
            data = data[:keep]
            self.dropped_partial = True
        records, bad = [], 0
        for raw in data.split(b"\n"):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                bad += 1
                continue
            if not isinstance(record, dict) or "id" not in record:
                bad += 1
                continue
            records.append(record)
        self.dropped_lines += bad
        return records, bad > 0

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.rewrite")
        with open(tmp, "wb") as handle:
            for record in records:
                handle.write(encode_line(record))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def append(self, record: dict[str, Any]) -> None:
        """Append one record as one whole line, flushed and fsynced before returning."""
        if self._fd is None:
            raise RuntimeError("ResultsLog.append before open()")
        data = encode_line(record)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            try:
                os.unlink(self.lock_path)
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> ResultsLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def encode_line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")


# -- one clip ------------------------------------------------------------------------------------


@dataclass
class ClipRunner:
    """Analyses one clip at a time through the graph, with the evidence cache when one is given.

    Built once per process (or per Ray actor): the perception configuration is computed once.
    """

    settings: AnalysisSettings
    cache_dir: str | None = None
    full: bool = False  # also write the whole Result (measurements, tool runs) on each line
    cache: Any = field(init=False, default=None)
    config: dict | None = field(init=False, default=None)
    digest: str = field(init=False, default="")

    def __post_init__(self) -> None:
        from saber_agent.evidence_cache import EvidenceCache, perception_config

        self.digest = settings_digest(self.settings)
        if self.cache_dir:
            self.cache = EvidenceCache(self.cache_dir)
            self.config = perception_config(self.settings)

    def run(self, item: ClipItem) -> dict[str, Any]:
        """The results line of one clip; never raises for a clip's own failure (KeyboardInterrupt does)."""
        from saber_agent.media import MediaError, content_hash

        started = time.perf_counter()
        record: dict[str, Any] = {"id": item.id, "clip": item.path, "content_hash": None, "status": "ok",
                                  "labels": item.labels}
        if item.meta:
            record["meta"] = item.meta
        timings: dict[str, float] = {}
        try:
            t0 = time.perf_counter()
            record["content_hash"] = content_hash(item.path)
            timings["hash"] = round(time.perf_counter() - t0, 4)
            result, cache_state = self._analyze(item, record["content_hash"])
            record.update(clip_record(result, full=self.full))
            record["evidence_cache"] = cache_state
            timings.update(result.timings)
        except MediaError as exc:
            record.update(status="error", error=str(exc))
        except FileNotFoundError:
            record.update(status="error", error=f"{item.path}: no such file.")
        except IsADirectoryError:
            record.update(status="error", error=f"{item.path}: is a directory, not a media file.")
        except OSError as exc:
            record.update(status="error", error=f"{item.path}: cannot be read ({exc.strerror or exc}).")
        except Exception as exc:  # a failure of this clip's analysis must not stop the batch
            record.update(status="error", error=f"{type(exc).__name__}: {exc}")
        timings["total"] = round(time.perf_counter() - started, 4)
        record["timings"] = timings
        record["settings_digest"] = self.digest
        return record

    def _analyze(self, item: ClipItem, digest: str):
        from saber_agent.evidence_cache import cache_key, cacheable
        from saber_agent.graphs import graph

        state: dict[str, Any] = {"clip_path": item.path}
        key = None
        cache_state = "off"
        if self.cache is not None:
            key = cache_key(digest, self.config)
            perception = self.cache.get(key)
            if perception is not None:
                # the same bytes may sit under another name now
                perception.clip = perception.clip.model_copy(update={"path": item.path})
                state["perception"] = perception
                cache_state = "hit"
            else:
                cache_state = "miss"
        # streamed rather than invoked: the state right after the first fan-in is the first-pass
        # perception, before any second look a reasoner asks for (which depends on the reasoner)
        first_pass = final = None
        for values in graph.stream(state, context=self.settings, stream_mode="values"):
            if first_pass is None and "cues" in values:
                first_pass = perception_of(values) if cache_state == "miss" else None
            final = values
        result = final["result"]
        if cache_state == "miss" and first_pass is not None and cacheable(first_pass):
            self.cache.put(key, first_pass, content_hash=digest, config=self.config)
        return result, cache_state


def perception_of(state: dict[str, Any]):
    """The perception in a graph state (a deep copy: later nodes must not change what is cached)."""
    from saber_agent.graphs.state import Perception

    runs = list(state.get("tool_runs") or [])
    slots = state.get("slots") or {}
    return Perception(
        clip=state["clip"],
        slots={run.slot: slots[run.slot].model_copy(deep=True) for run in runs if run.slot in slots},
        tool_runs=[run.model_copy() for run in runs],
    )


def clip_record(result, full: bool = False) -> dict[str, Any]:
    """The per-clip fields of a results line, from a `Result`."""
    analysis = result.analysis
    prediction = None
    if analysis is not None:
        prediction = {
            "emotions": analysis.emotions,
            "basic_emotion": analysis.basic_emotion,
            "valence": analysis.valence,
            "valence_label": analysis.valence_label,
            "arousal": analysis.arousal,
            "conflict_explanation": analysis.conflict_explanation,
        }
    slots = {}
    for name in ("video_desc", "speech_content", "acoustic_feat", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"):
        slot = result.evidence.slot(name)
        slots[name] = {
            "status": slot.status.value,
            "plugin": slot.provenance.plugin if slot.provenance else None,
            "reason": slot.reason,
        }
    record = {
        "saber": result.saber(),
        "prediction": prediction,
        "conflicts": [c.model_dump(mode="json") for c in result.conflicts],
        "cues": [c.model_dump(mode="json") for c in result.cues],
        "checks": [c.model_dump(mode="json") for c in result.checks],
        "checks_passed": result.checks_passed,
        "rounds": result.rounds,
        "reasoner": result.reasoner,
        "slots": slots,
        "duration_s": result.clip.duration_s,
        "errors": result.errors,
    }
    if full:
        record["result"] = result.model_dump(mode="json")
    return record


# -- the batch -----------------------------------------------------------------------------------


@dataclass
class BatchSummary:
    total: int  # clips in the input
    already_done: int  # lines found from an earlier run
    processed: int  # clips analysed by this run
    errors: int  # error lines written by this run
    cache_hits: int
    seconds: float
    out: str
    dropped_partial: bool = False

    def text(self) -> str:
        rate = self.processed / self.seconds * 60 if self.seconds > 0 else 0.0
        parts = [f"{self.processed} clip(s) analysed in {self.seconds:.1f} s ({rate:.1f} clips/min)"]
        if self.already_done:
            parts.append(f"{self.already_done} already done")
        if self.cache_hits:
            parts.append(f"{self.cache_hits} from the evidence cache")
        if self.errors:
            parts.append(f"{self.errors} error(s)")
        return f"{self.out}: " + ", ".join(parts) + "."


def prepare(items: list[ClipItem], out: str | os.PathLike, settings: AnalysisSettings, retry_errors: bool = False):
    """Open the results log, check its settings, and return (log, done ids, items still to do)."""
    log = ResultsLog(out)
    drop = (lambda r: r.get("status") == "error") if retry_errors else None
    try:
        records = log.open(drop=drop)
        digest = settings_digest(settings)
        others = {r.get("settings_digest") for r in records} - {digest}
        if others:
            raise BatchConfigError(
                f"{out}: written with other analysis settings (plugins, reasoner or options differ); "
                "resume with the same settings, or write to another --out."
            )
    except BaseException:
        log.close()
        raise
    done = {r["id"] for r in records}
    todo = [item for item in items if item.id not in done]
    return log, done, todo


def progress_bar(total: int, initial: int, enabled: bool):
    """A tqdm bar on stderr (a no-op object when disabled or tqdm is missing)."""
    if enabled:
        try:
            from tqdm import tqdm

            return tqdm(total=total, initial=initial, unit="clip", file=sys.stderr, dynamic_ncols=True)
        except ImportError:
            pass
    return _NoBar()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


class BatchRun:
    """One batch run's bookkeeping, shared by the local and the Ray runners: the results log (resumed,
    settings checked), what is done and still to do, the progress bar, and the counts."""

    def __init__(
        self, source: str | os.PathLike | list[ClipItem], out: str | os.PathLike, settings: AnalysisSettings,
        retry_errors: bool = False, video_root: str | os.PathLike | None = None, progress: bool = True,
    ) -> None:
        self.items = source if isinstance(source, list) else read_items(source, video_root)
        self.out = os.fspath(out)
        self.started = time.perf_counter()
        self.log, self.done, self.todo = prepare(self.items, out, settings, retry_errors)
        self.written: set[str] = set()
        self.errors = self.hits = 0
        self.bar = progress_bar(len(self.items), len(self.items) - len(self.todo), progress)

    def record(self, record: dict[str, Any]) -> None:
        """Append one clip's line (once per clip: a retried task may deliver a clip twice)."""
        if record["id"] in self.written or record["id"] in self.done:
            return
        self.log.append(record)
        self.written.add(record["id"])
        self.errors += record["status"] == "error"
        self.hits += record.get("evidence_cache") == "hit"
        self.bar.update(1)
        if self.errors:
            self.bar.set_postfix_str(f"{self.errors} error(s)")

    def close(self) -> None:
        self.bar.close()
        self.log.close()

    def summary(self) -> BatchSummary:
        return BatchSummary(
            total=len(self.items), already_done=len(self.items) - len(self.todo), processed=len(self.todo),
            errors=self.errors, cache_hits=self.hits, seconds=time.perf_counter() - self.started, out=self.out,
            dropped_partial=self.log.dropped_partial,
        )


def run_batch(
    source: str | os.PathLike | list[ClipItem],
    out: str | os.PathLike,
    settings: AnalysisSettings | None = None,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    retry_errors: bool = False,
    full: bool = False,
    video_root: str | os.PathLike | None = None,
) -> BatchSummary:
    """Analyse every clip of `source` into the JSONL file `out`, resuming what is already there."""
    settings = settings or AnalysisSettings()
    run = BatchRun(source, out, settings, retry_errors, video_root, progress)
    runner = ClipRunner(settings, os.fspath(cache_dir) if cache_dir else None, full=full)
    try:
        for item in run.todo:
            run.record(runner.run(item))
    finally:
        run.close()
    return run.summary()
