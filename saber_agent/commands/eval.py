"""saber-agent eval: score a results JSONL against its labels; a table, plots, EmoBench-M predictions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from saber_agent.commands.analyze import _option

NAME = "eval"
HELP = "Score batch results: open-vocabulary (EMER), basic classes, valence, per agree/conflict split; EmoBench-M."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="the results JSONL written by saber-agent batch")
    parser.add_argument("--manifest", type=Path, help="labels (JSONL/CSV manifest); default: the labels in the results")
    parser.add_argument("--plots", type=Path, help="write plots (confusion matrices, per-split bars) to this folder")
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--judge", metavar="REASONER", help="score clue and label overlap with this LLM reasoner backend")
    parser.add_argument("--judge-option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                        help="an option for the judge's factory (repeatable)")
    parser.add_argument("--emofilm", action="store_true",
                        help="results of EmoFilm clips (bench/real_emotion.py): also score per split (dev m_*, test f_*): "
                        "accuracy, UAR, balanced valence accuracy, share called neutral, confusion")
    bench = parser.add_argument_group("EmoBench-M")
    bench.add_argument("--emobench", type=Path, help="the benchmark JSON the results were run on: write its scorer's files")
    bench.add_argument("--emobench-out", type=Path, help="folder for the scorer's files (default: next to the results)")
    bench.add_argument("--emobench-preset", help="label set by dataset name when the samples do not list one (e.g. MELD)")
    bench.add_argument("--video-root", type=Path, help="folder the benchmark's video paths are relative to")


def run(args) -> int:
    from saber_agent.batch import BatchInputError, read_items, read_results
    from saber_agent.errors import EXIT_BAD_INPUT, UsageError
    from saber_agent.eval.metrics import evaluate, reasoner_judge
    from saber_agent.eval.report import render, save_plots

    if not args.results.is_file():
        print(f"saber-agent: cannot read input: {args.results}: no such results file.", file=sys.stderr)
        return EXIT_BAD_INPUT
    records = read_results(args.results)
    if not records:
        print(f"saber-agent: cannot read input: {args.results}: holds no result line.", file=sys.stderr)
        return EXIT_BAD_INPUT
    labels = {}
    if args.manifest:
        try:
            items = read_items(args.manifest, args.video_root)
        except BatchInputError as exc:
            print(f"saber-agent: cannot read input: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        by_id = {item.id: item.labels for item in items}
        by_path = {item.path: item.labels for item in items}
        for record in records:
            found = by_id.get(str(record["id"])) or by_path.get(str(record.get("clip")))
            if found:
                labels[str(record["id"])] = found
    judge = None
    if args.judge:
        from saber_agent.registry import get_registry

        get_registry().validate_reasoner_options(args.judge, dict(args.judge_option))  # before building it
        try:
            judge = reasoner_judge(args.judge, dict(args.judge_option))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    report = evaluate(records, labels, judge)
    print(render(report))
    summary: dict = {"report": report.to_dict()}
    if args.plots:
        paths = save_plots(report, args.plots)
        print("\nplots: " + ", ".join(str(p) for p in paths))
        summary["plots"] = [str(p) for p in paths]
    if args.emofilm:
        from saber_agent.eval import emofilm

        summary["emofilm"] = emofilm.score(records)
        print("\nEmoFilm (Spanish) per split\n" + emofilm.render(summary["emofilm"]))
    if args.emobench:
        try:
            summary["emobench"] = _emobench(args, records)
        except BatchInputError as exc:
            print(f"saber-agent: cannot read input: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _emobench(args, records) -> dict:
    from saber_agent.eval.emobench import load_benchmark, write_predictions

    samples = load_benchmark(args.emobench, preset=args.emobench_preset)
    out = args.emobench_out or args.results.parent / "emobench"
    root = args.video_root or args.emobench.parent
    by_video = {str(r["id"]): r for r in records}
    written = write_predictions(samples, by_video, out, args.emobench.stem, root)
    print("\nEmoBench-M")
    for task, path in written["files"].items():
        scores = written["scores"].get(task, {})
        shown = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in scores.items())
        print(f"  {task}: {path}  ({shown})")
    return written
