"""The evaluation report: a terminal table and plots (matplotlib, Agg backend, written to files)."""

from __future__ import annotations

import os
from pathlib import Path

from saber_agent.errors import missing_extra
from saber_agent.eval.metrics import NO_FINDING, SPLIT_NAMES, ClassScores, EvalReport


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False)))  # noqa: E731
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def metric_rows(report: EvalReport) -> list[tuple[str, list]]:
    """(metric name, value per split) for every metric of the report."""
    splits = [report.splits[name] for name in SPLIT_NAMES]

    def pick(get):
        out = []
        for s in splits:
            try:
                out.append(get(s))
            except AttributeError:  # the split has no such scores (None)
                out.append(None)
        return out

    return [
        ("clips", [s.clips for s in splits]),
        ("errors", [s.errors for s in splits]),
        ("not scored (no whole-clip answer)", [s.unscored for s in splits]),
        *_class_rows("basic", pick, "basic_coverage"),
        *_class_rows("valence", pick, "valence_coverage"),
        ("open vocab: scored", pick(lambda s: s.open_vocab.n)),
        ("open vocab: hit rate", pick(lambda s: s.open_vocab.hit_rate)),
        ("open vocab: precision", pick(lambda s: s.open_vocab.precision)),
        ("open vocab: recall", pick(lambda s: s.open_vocab.recall)),
        ("open vocab: F_s", pick(lambda s: s.open_vocab.f_s)),
        ("calibration: answers with a confidence", pick(lambda s: s.calibration.n)),
        ("calibration: ECE (10 equal-width bins)", pick(lambda s: s.calibration.ece)),
        ("calibration: top-label Brier", pick(lambda s: s.calibration.brier)),
        ("calibration: confident (>=0.6) share of wrong", pick(lambda s: s.calibration.confident_wrong_share)),
        ("calibration: accuracy marked uncertain", pick(lambda s: s.calibration.uncertain.accuracy)),
        ("calibration: accuracy not marked", pick(lambda s: s.calibration.certain.accuracy)),
        ("judge: clips", pick(lambda s: s.judge.n)),
        ("judge: clue overlap (1-10)", pick(lambda s: s.judge.clue_overlap)),
        ("judge: label overlap (1-10)", pick(lambda s: s.judge.label_overlap)),
    ]


def _class_rows(kind: str, pick, covered: str) -> list[tuple[str, list]]:
    """The rows of basic classes or valence: answers scored, how many had a finding, the accuracy over those
    and over all (an answer without a finding counts as wrong), and the weighted F1 over all."""
    return [
        (f"{kind}: scored", pick(lambda s: getattr(s, kind).n)),
        (f"{kind}: with a finding", pick(lambda s: getattr(s, covered).found)),
        (f"{kind}: coverage", pick(lambda s: getattr(s, covered).coverage)),
        (f"{kind}: accuracy over findings", pick(lambda s: getattr(s, covered).accuracy_found)),
        (f"{kind}: accuracy (no finding = wrong)", pick(lambda s: getattr(s, kind).accuracy)),
        (f"{kind}: weighted F1 (no finding = wrong)", pick(lambda s: getattr(s, kind).weighted_f1)),
    ]


def _listed(title: str, reasons: dict[str, str], shown: int = 5) -> str:
    """A note naming up to `shown` clips and why (the rest counted)."""
    lines = [title] + [f"  {clip}: {why}" for clip, why in list(reasons.items())[:shown]]
    if len(reasons) > shown:
        lines.append(f"  ... and {len(reasons) - shown} more (the JSON report lists them all)")
    return "\n".join(lines)


def render(report: EvalReport) -> str:
    """The report as terminal text: metrics per split, then per-class scores of all clips."""
    rows = [[name, *(_fmt(v) for v in values)] for name, values in metric_rows(report)
            if name.startswith(("clips", "errors")) or any(v for v in values)
            or (not name.startswith("not scored") and any(v is not None for v in values))]
    parts = [_table(["metric", *SPLIT_NAMES], rows)]
    source = report.split_source
    parts.append(
        f"agree/conflict split: {source.get('manifest', 0)} clip(s) from the manifest, "
        f"{source.get('result', 0)} from the named conflicts of the result"
    )
    if report.splits["all"].calibration_note:
        parts.append("calibration: not scored: " + report.splits["all"].calibration_note)
    if report.not_scored:
        parts.append(_listed(f"{len(report.not_scored)} line(s) with status ok are not scored (no error): they give no "
                             "answer for the whole clip", report.not_scored))
    if report.no_finding:
        parts.append(_listed(f"{len(report.no_finding)} answer(s) name no emotion: scored as \"{NO_FINDING}\" (wrong), "
                             "not as neutral", report.no_finding))
    if report.unlabelled:
        parts.append(f"{report.unlabelled} analysed clip(s) have no gold label and are not scored")
    basic = report.splits["all"].basic
    if basic is not None:
        per = [[label, _fmt(s["precision"]), _fmt(s["recall"]), _fmt(s["f1"]), str(int(s["support"]))]
               for label, s in basic.per_class.items()
               if label != NO_FINDING and (s["support"] or any(row[basic.labels.index(label)] for row in basic.confusion))]
        parts.append("basic classes, all clips\n" + _table(["class", "precision", "recall", "F1", "support"], per))
    return "\n\n".join(parts)


def _confusion_plot(scores: ClassScores, title: str, path: Path) -> Path:
    import matplotlib.pyplot as plt

    size = max(3.5, 0.6 * len(scores.labels) + 1.5)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    matrix = scores.confusion
    peak = max(max(row) for row in matrix) or 1
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=peak)
    ax.set_xticks(range(len(scores.labels)), scores.labels, rotation=45, ha="right")
    ax.set_yticks(range(len(scores.labels)), scores.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", color="white" if count > peak / 2 else "black")
    ax.set_title(f"{title}\naccuracy {scores.accuracy:.3f}, weighted F1 {scores.weighted_f1:.3f} (n={scores.n})")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _splits_plot(report: EvalReport, path: Path) -> Path:
    import matplotlib.pyplot as plt

    wanted = ["basic: accuracy (no finding = wrong)", "basic: weighted F1 (no finding = wrong)",
              "valence: weighted F1 (no finding = wrong)", "open vocab: hit rate", "open vocab: F_s"]
    rows = [(name, values) for name, values in metric_rows(report) if name in wanted and any(v is not None for v in values)]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(rows) + 2), 4.2))
    width = 0.8 / len(SPLIT_NAMES)
    for k, split in enumerate(SPLIT_NAMES):
        xs = [i + (k - 1) * width for i in range(len(rows))]
        ys = [values[k] or 0.0 for _, values in rows]
        bars = ax.bar(xs, ys, width, label=f"{split} (n={report.splits[split].clips})")
        for bar, (_, values) in zip(bars, rows, strict=False):
            if values[k] is None:
                bar.set_hatch("//")
                bar.set_alpha(0.3)
    ax.set_xticks(range(len(rows)), [name for name, _ in rows], rotation=15, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title("Scores per split: modalities agree vs conflict")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def save_plots(report: EvalReport, out_dir: str | os.PathLike) -> list[Path]:
    """Write the confusion matrices and the per-split bars as PNG files; return their paths."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(missing_extra("plots", "matplotlib", "batch")) from None
    matplotlib.use("Agg", force=True)  # files only: never open a window
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    everything = report.splits["all"]
    if everything.basic is not None:
        paths.append(_confusion_plot(everything.basic, "Basic emotion, all clips", out / "confusion_basic.png"))
    if everything.valence is not None:
        paths.append(_confusion_plot(everything.valence, "Valence, all clips", out / "confusion_valence.png"))
    if any(s.clips for s in report.splits.values()):
        paths.append(_splits_plot(report, out / "splits.png"))
    return paths
