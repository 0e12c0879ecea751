"""Batch analysis of many clips: one results line per clip, resumable, with an evidence cache.

Inputs: a folder (every media file under it), a glob, a single clip, a manifest (JSONL or CSV with a
clip path per row and optional labels), or an EmoBench-M benchmark JSON (see `saber_agent.eval.emobench`).

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

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from saber_agent.batch.inputs import BatchConfigError, ClipItem, read_items
from saber_agent.batch.results import ResultsLog, clip_record, settings_digest
from saber_agent.evidence import SlotStatus, printable_path
from saber_agent.segment_summary import segmented_record
from saber_agent.settings import AnalysisSettings

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
        from saber_agent.batch.evidence_cache import EvidenceCache, perception_config

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
            if self.settings.segment == "utterances":  # one analysis per utterance, each through the cache
                result, cache_state = self._segments(item, record["content_hash"])
                record.update(segmented_record(result, full=self.full))
            else:
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

    def _segments(self, item: ClipItem, digest: str):
        """The utterance-level result of one clip: each utterance's window analysed by `_analyze`
        (its own evidence-cache entry: the window is part of the decode settings the key holds)."""
        from saber_agent.segments import analyze_segments

        states: list[str] = []

        def run_window(path: str, settings: AnalysisSettings):
            result, state = self._analyze(item, digest, settings)
            states.append(state)
            return result

        result = analyze_segments(item.path, self.settings, run=run_window)
        kinds = set(states)
        return result, (kinds.pop() if len(kinds) == 1 else "partial" if kinds else "off")

    def _analyze(self, item: ClipItem, digest: str, settings: AnalysisSettings | None = None):
        from saber_agent.batch.evidence_cache import cache_key, cacheable, perception_config
        from saber_agent.graphs import graph

        settings = settings or self.settings
        state: dict[str, Any] = {"clip_path": item.path}
        key = None
        cache_state = "off"
        config = self.config if settings is self.settings else None
        if self.cache is not None:
            config = config or perception_config(settings)
            key = cache_key(digest, config)
            perception = self.cache.get(key)
            if perception is not None:
                # the same bytes may sit under another name now
                perception.clip = perception.clip.model_copy(update={"path": printable_path(item.path)})
                state["perception"] = perception
                cache_state = "hit"
            else:
                cache_state = "miss"
        output = graph.invoke(state, context=settings)
        result, perception = output["result"], output.get("perception")
        if perception is not None and cache_state != "off":
            # second looks are perception too: a failed one may be transient, so it is not kept
            looks = {k: v for k, v in perception.looks.items() if v.slot.status is not SlotStatus.failed}
            perception = perception.model_copy(update={"looks": looks})
            given = state.get("perception")
            if cacheable(perception) and (given is None or set(looks) - set(given.looks)):
                self.cache.put(key, perception, content_hash=digest, config=config)
        return result, cache_state


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
    earlier_errors: int = 0  # error lines of this input's clips kept from an earlier run (no --retry-errors)

    @property
    def failed(self) -> int:
        """Clips of this input whose line in the results file is an error line (this run's and earlier ones)."""
        return self.errors + self.earlier_errors

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
    """Open the results log, check its settings, and return (log, {done id: its status}, items still to do)."""
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
    done = {r["id"]: r.get("status") for r in records}  # id -> status of the line already written
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
        from saber_agent.registry import get_registry

        get_registry().validate_settings(settings)  # a misspelt name fails now, not as an error line per clip
        self.items = source if isinstance(source, list) else read_items(source, video_root)
        self.out = os.fspath(out)
        self.started = time.perf_counter()
        self.log, self.done, self.todo = prepare(self.items, out, settings, retry_errors)
        self.written: set[str] = set()
        self.errors = self.hits = 0
        self.earlier_errors = sum(self.done.get(item.id) == "error" for item in self.items)
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
            dropped_partial=self.log.dropped_partial, earlier_errors=self.earlier_errors,
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
