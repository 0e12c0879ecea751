"""saber-agent batch: analyse a folder, glob, manifest or EmoBench-M benchmark into a results JSONL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "batch"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as saber_agent.cli answers any command's Ctrl+C
HELP = "Analyse many clips (folder, glob, manifest, EmoBench-M JSON) into a resumable results JSONL."
EPILOG = (
    "exit status: 0 every clip analysed; 4 the run finished but some clips failed (every line is written: "
    "the failed ones are the lines with \"status\": \"error\" in --out, and stderr says how many); "
    "1 internal error; 2 usage error; 3 unreadable input; 130 interrupted (rerun the same command to resume)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("input", help="a folder, a glob ('clips/**/*.mp4'), a manifest (.jsonl/.csv) or an EmoBench-M .json")
    parser.add_argument("--out", type=Path, required=True, help="the results JSONL (appended to; a rerun resumes)")
    parser.add_argument("--cache", type=Path, help="evidence cache folder: a rerun with another reasoner skips perception")
    parser.add_argument("--video-root", type=Path, help="folder that relative clip paths in the input are relative to")
    parser.add_argument("--retry-errors", action="store_true", help="analyse again the clips that ended as error lines")
    parser.add_argument("--full", action="store_true", help="also write each whole result (measurements, tool runs)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    ray = parser.add_argument_group("Ray (install saber-agent[ray])")
    ray.add_argument("--ray", action="store_true", help="analyse on Ray: a pool of actors, local unless --address")
    ray.add_argument("--address", help="Ray cluster address (e.g. auto, ray://head:10001); default: a local instance")
    ray.add_argument("--workers", type=int, default=2, help="actors in the pool (default 2)")
    ray.add_argument("--cpus-per-worker", type=float, help="CPU share of each actor (default: the cores over workers+1)")
    ray.add_argument("--gpus-per-worker", type=float, help="GPU share of each actor (default: the GPUs over workers, if any)")
    _analysis_options(parser)


# analyze's arguments that name one clip or its output, not how clips are analysed
_NOT_ANALYSIS = {"help", "path", "sample", "json", "format", "out"}


def _analysis_options(parser: argparse.ArgumentParser) -> None:
    """Every analysis option of `saber-agent analyze` (plugins, reasoner, fps, ...), taken from it, so
    the two commands accept the same ones as analyze gains more."""
    from saber_agent.commands import analyze

    donor = argparse.ArgumentParser(add_help=False)
    analyze.add_arguments(donor)
    group = parser.add_argument_group("analysis (as in saber-agent analyze)")
    for action in donor._actions:
        if action.dest not in _NOT_ANALYSIS:
            group._add_action(action)


def _say_skipped(source) -> None:
    """One stderr line when a folder holds files that are not named as media (they are not analysed)."""
    from saber_agent.batch.inputs import not_media_under
    from saber_agent.media_formats import media_types_text

    if not Path(source).is_dir():
        return
    skipped = not_media_under(source)
    if skipped:
        kinds = sorted({p.suffix.lower() or "(no extension)" for p in skipped})
        print(f"saber-agent: skipped {len(skipped)} file(s) in {source} that are not media ({', '.join(kinds[:8])}"
              f"{', ...' if len(kinds) > 8 else ''}); media files are {media_types_text()}.", file=sys.stderr)


def run(args) -> int:
    from saber_agent.batch import BatchConfigError, BatchInputError, read_items, run_batch
    from saber_agent.commands.analyze import check_device, check_out, settings_from_args
    from saber_agent.errors import EXIT_BAD_INPUT, EXIT_CLIPS_FAILED, EXIT_OK, UsageError
    from saber_agent.registry import get_registry

    settings = settings_from_args(args)
    get_registry().validate_settings(settings)  # unknown names and bad options: exit 2 before reading the input
    check_out(args.out, example="results.jsonl")
    if not args.ray:  # on Ray the GPUs are the cluster's, not this machine's
        check_device(settings)
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    try:
        items = read_items(args.input, args.video_root)
    except BatchInputError as exc:
        print(f"saber-agent: cannot read input: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _say_skipped(args.input)
    options = dict(
        settings=settings, cache_dir=args.cache, progress=not args.no_progress,
        retry_errors=args.retry_errors, full=args.full,
    )
    try:
        if args.ray:
            from saber_agent.batch.ray_runner import RayMissing, run_batch_ray

            try:
                summary = run_batch_ray(
                    items, args.out, address=args.address, workers=args.workers,
                    cpus_per_worker=args.cpus_per_worker, gpus_per_worker=args.gpus_per_worker, **options,
                )
            except RayMissing as exc:
                raise UsageError(str(exc)) from None
        else:
            summary = run_batch(items, args.out, **options)
    except BatchConfigError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:  # Ctrl+C: every line written so far is whole (see saber_agent.batch.runner)
        print(f"saber-agent: interrupted; the lines written so far stay in {args.out}: rerun the same command to "
              "resume where it stopped.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if summary.dropped_partial:
        print(f"{args.out}: dropped a half-written last line from an interrupted run; that clip was analysed again.",
              file=sys.stderr)
    print(summary.text(), file=sys.stderr)
    if summary.failed:  # every line is written by now: the exit status only tells a script to look
        print(f"saber-agent: {summary.failed} of {summary.total} clip(s) failed: their errors are the lines with "
              f'"status": "error" in {args.out} (rerun with --retry-errors to analyse them again).', file=sys.stderr)
        return EXIT_CLIPS_FAILED
    return EXIT_OK
