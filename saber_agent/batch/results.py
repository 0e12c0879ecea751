"""The batch results file: one JSON line per clip, appended whole, resumable after a kill (see `ResultsLog`)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from saber_agent.batch.inputs import BatchConfigError
from saber_agent.cues import several_speakers
from saber_agent.settings import AnalysisSettings

# -- the results file ----------------------------------------------------------------------------


def settings_digest(settings: AnalysisSettings) -> str:
    """A short digest of the analysis settings, written on every line (mixing two is refused). Fields
    added later are left out at their defaults, so results files written before them still resume."""
    return hashlib.sha256(settings.model_dump_json(exclude=_later_defaults(settings)).encode("utf-8")).hexdigest()[:16]


def _later_defaults(settings: AnalysisSettings) -> dict:
    """Settings fields added after results files existed, where they hold their defaults (whole-clip runs)."""
    exclude: dict = {}
    if settings.segment == "none":
        exclude["segment"] = True
    if settings.decode.window_s is None:
        exclude["decode"] = {"window_s"}
    return exclude


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
    # a file name that is not UTF-8 reaches Python as lone surrogates: written as JSON escapes (\udce9),
    # they read back to the same name (os.fsencode gives the original bytes)
    return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8", "backslashreplace")


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
            "confidence": analysis.confidence,  # stated probability that basic_emotion is right (None: none stated)
            "conflict_explanation": analysis.conflict_explanation,
            # distinct voices heard over the whole clip where more than one (the emotion mixes speakers), and the
            # answer's caveats ("2 voices heard: ..."): what a multi-voice clip is filtered by
            "voices_heard": analysis.voices_heard,
            "notes": list(analysis.notes),
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
        # several voices: each conflict's description says its sides may be different speakers (`cues.several_speakers`,
        # idempotent: a graph that already counted them wrote it so)
        "conflicts": [c.model_dump(mode="json") for c in several_speakers(result.conflicts, analysis.voices_heard if analysis else None)],
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
