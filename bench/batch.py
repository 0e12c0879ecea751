"""Benchmark: a loop of `saber-agent analyze` vs the batch runner vs Ray, cold and with a warm cache.

    .venv/bin/python bench/batch.py [--clips 20] [--plugins prosody,face] [--workers 2]

Makes N short talking-face clips with saber_agent.testing.synth (espeak-ng speech over the bundled face
photo, about 2-3 s each; cached under bench/out/batch/clips), then times, on the same clips and the
same analysis settings:

1. a loop of `saber-agent analyze CLIP --json` subprocesses (each loads the plugins' models again);
2. `saber-agent batch DIR --cache C` (one process: models load once);
3. `saber-agent batch DIR --cache C' --ray --workers W` (a local Ray instance, one actor per worker);
4. and 5. the batch and Ray runs again into new results files, with the caches of 2. and 3. warm:
   perception is skipped, only the reasoner runs.

Every command is timed end to end (process start, imports, model loads, Ray start), as a user
would run it. Prints a table (clips/min and the ratio to the analyze loop) and writes it as JSON to
bench/out/batch/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from saber_agent.errors import EXIT_CLIPS_FAILED, EXIT_OK

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "batch"

LINES = [
    ("Hello everyone! I am so glad you came today.", "cheerful"),
    ("I hate this. You ruined everything.", "hostile"),
    ("What a wonderful surprise, thank you so much!", "cheerful"),
    ("Get out of my office right now.", "hostile"),
    ("The meeting starts at nine tomorrow morning.", "flat"),
    ("I really love the way you did this.", "cheerful"),
    ("Why would you ever say that to me?", "hostile"),
    ("We won the game, we actually won!", "cheerful"),
    ("I am so tired of your excuses.", "hostile"),
    ("Please put the boxes next to the door.", "flat"),
    ("This is the best day of my life.", "cheerful"),
    ("Stop talking. I do not care anymore.", "hostile"),
    ("Oh great, another meeting. Just what I needed.", "hostile"),
    ("Thank you, that is very kind of you.", "cheerful"),
    ("The report is on the second shelf.", "flat"),
    ("I cannot believe you forgot again.", "hostile"),
    ("Congratulations on your new job!", "cheerful"),
    ("Leave me alone, I mean it.", "hostile"),
    ("The train leaves from platform four.", "flat"),
    ("You did it, I am so proud of you!", "cheerful"),
]
VOICE = {"cheerful": dict(pitch=70, speed=165), "hostile": dict(pitch=25, speed=185), "flat": dict(pitch=45, speed=150)}


def make_clips(n: int) -> Path:
    """n short talking-face clips (made once, then reused)."""
    from saber_agent.testing import synth

    folder = OUT / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    face = None
    for i in range(n):
        text, mood = LINES[i % len(LINES)]
        clip = folder / f"clip{i:02d}_{mood}.mp4"
        if clip.exists():
            continue
        face = face if face is not None else synth.face_image()
        wav = synth.speak(text, folder / f".speech{i:02d}.wav", **VOICE[mood])
        synth.make_clip(clip, face, wav)
        wav.unlink()
    for stale in sorted(folder.glob("clip*.mp4"))[n:]:
        stale.unlink()
    return folder


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "saber_agent.cli", *args]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    # batch exits EXIT_CLIPS_FAILED when some clips failed (every line written): the table counts those errors
    if proc.returncode not in (EXIT_OK, EXIT_CLIPS_FAILED):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds


def errors_in(results: Path) -> int:
    return sum(json.loads(line).get("status") == "error" for line in results.read_text().splitlines() if line.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--plugins", help="comma-separated perception tools (default: every registered one)")
    parser.add_argument("--workers", type=int, default=2, help="Ray actors (default 2)")
    parser.add_argument("--skip-loop", action="store_true", help="skip the analyze loop (the slow baseline)")
    args = parser.parse_args()

    folder = make_clips(args.clips)
    clips = sorted(folder.glob("clip*.mp4"))
    runs = OUT / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    runs.mkdir(parents=True)
    common = ["--plugins", args.plugins] if args.plugins else []
    print(f"{len(clips)} clips in {folder} ({sum(c.stat().st_size for c in clips) / 1e6:.1f} MB); "
          f"plugins: {args.plugins or 'all registered'}; {os.cpu_count()} CPU(s)", file=sys.stderr)

    rows = []

    def record(mode: str, cache: str, seconds: float, results: Path | None) -> None:
        errors = errors_in(results) if results else 0
        rows.append({"mode": mode, "cache": cache, "clips": len(clips), "errors": errors, "seconds": round(seconds, 2),
                     "clips_per_min": round(len(clips) / seconds * 60, 2)})
        print(f"  {mode} ({cache}): {seconds:.1f} s", file=sys.stderr)

    if not args.skip_loop:
        start = time.perf_counter()
        for clip in clips:
            timed(command("analyze", str(clip), "--json", *common))
        record("analyze loop", "none", time.perf_counter() - start, None)

    plain_cache, ray_cache = runs / "cache-batch", runs / "cache-ray"
    batch_out, ray_out = runs / "batch-cold.jsonl", runs / "ray-cold.jsonl"
    seconds = timed(command("batch", str(folder), "--out", str(batch_out), "--cache", str(plain_cache), "--no-progress", *common))
    record("batch", "cold", seconds, batch_out)
    ray_args = ["--ray", "--workers", str(args.workers)]
    seconds = timed(command("batch", str(folder), "--out", str(ray_out), "--cache", str(ray_cache), "--no-progress", *ray_args, *common))
    record(f"ray x{args.workers}", "cold", seconds, ray_out)
    warm_out = runs / "batch-warm.jsonl"
    seconds = timed(command("batch", str(folder), "--out", str(warm_out), "--cache", str(plain_cache), "--no-progress", *common))
    record("batch", "warm", seconds, warm_out)
    ray_warm = runs / "ray-warm.jsonl"
    seconds = timed(command("batch", str(folder), "--out", str(ray_warm), "--cache", str(ray_cache), "--no-progress", *ray_args, *common))
    record(f"ray x{args.workers}", "warm", seconds, ray_warm)

    # the same analysis whichever way it ran
    def by_id(path: Path) -> dict:
        return {r["id"]: (r.get("saber"), r.get("prediction")) for r in map(json.loads, path.read_text().splitlines())}

    same = by_id(batch_out) == by_id(ray_out) == by_id(warm_out) == by_id(ray_warm)

    base = rows[0]["seconds"] if not args.skip_loop else None
    header = f"{'mode':<14} {'cache':<6} {'clips':>5} {'errors':>6} {'seconds':>8} {'clips/min':>10} {'x loop':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = f"{base / row['seconds']:.2f}" if base else "-"
        row["x_loop"] = round(base / row["seconds"], 2) if base else None
        print(f"{row['mode']:<14} {row['cache']:<6} {row['clips']:>5} {row['errors']:>6} {row['seconds']:>8.1f} "
              f"{row['clips_per_min']:>10.1f} {ratio:>7}")
    print(f"results identical across batch/ray and cold/warm (SABER JSON and prediction): {same}")
    (OUT / "results.json").write_text(json.dumps({"rows": rows, "identical": same, "plugins": args.plugins,
                                                 "cpus": os.cpu_count()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
