"""Perception speed: each perception tool alone, then all together through the graph, on one 10 s clip.

    .venv/bin/python bench/perception.py [--repeat 3] [--seconds 10] [-o transcript.cpu_threads=1 ...]

The clip (640x360, 25 fps, the astronaut's face letterboxed, espeak-ng speech) is made once and
cached under bench/out/. It is decoded once; each registered perception tool (face, transcript,
prosody, scene, body: whichever are installed) is warmed up on it (models load), then timed alone on a
fresh copy of the decoded clip (nothing shared between runs, e.g. no cached face track), then all
run together through the compiled graph, which reads the same decoded clip from the clip cache.

Printed: each tool's seconds alone (wall, and the process's CPU seconds over all its threads) and
inside the parallel run, the perception stage's wall time, wall / slowest tool alone (target <= 1.3
on 2 cores: the tools must overlap, not queue), wall / sum of tools alone (1.0 = no overlap at all),
and wall / clip duration. Medians of `--repeat` runs. The load average and the cores actually free
to this process (CPU/wall of one busy thread per core, before and after) are printed too: on a
shared machine other processes take cores, and with one core free no parallel stage can overlap. `-o tool.option=value` sets a tool option
(e.g. ``-o transcript.cpu_threads=1``) to compare thread settings.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
LINE = ("I am really glad you came today, this is wonderful news. We worked on it for months, "
        "and now everyone can finally see what we built together. ")


def make_clip(seconds: float) -> Path:
    """A 640x360 clip of a visible face with speech (made once, cached in bench/out/)."""
    import numpy as np

    from saber_agent.testing.synth import face_image, speak
    from saber_agent.testing.synth import make_clip as mux

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"perception_{seconds:g}s.mp4"
    if path.exists():
        return path
    face = face_image()
    # letterboxed into 16:9 so the face is not cropped away (the clip maker fills the frame)
    canvas = np.full((360, 640, 3), 30, np.uint8)
    import cv2

    canvas[:, 140:500] = cv2.resize(face, (360, 360), interpolation=cv2.INTER_AREA)
    with tempfile.TemporaryDirectory() as tmp:
        wav = speak(LINE * max(1, int(seconds / 8) + 1), Path(tmp) / "speech.wav", speed=150)
        mux(path, canvas, wav, seconds=seconds, size=(640, 360), fps=25)
    return path


def cpu_seconds() -> float:
    """CPU seconds this process has used so far, over all its threads (native ones included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_cores(seconds: float = 0.4) -> float:
    """How many cores this process gets right now: CPU/wall of one busy native thread per core.

    On a shared machine other processes may take cores; every wall time below depends on this.
    """
    from concurrent.futures import ThreadPoolExecutor

    import cv2
    import numpy as np

    image = np.random.default_rng(0).integers(0, 255, (360, 640), np.uint8)
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)  # one busy thread per worker, no pool of OpenCV's own

    def spin(_):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            cv2.GaussianBlur(image, (31, 31), 0)  # releases the GIL

    try:
        start_cpu, start = cpu_seconds(), time.perf_counter()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            list(pool.map(spin, range(os.cpu_count() or 1)))
        return (cpu_seconds() - start_cpu) / (time.perf_counter() - start)
    finally:
        cv2.setNumThreads(previous)


def tool_options(pairs: list[str]) -> dict[str, dict]:
    """``["transcript.cpu_threads=1"]`` -> ``{"transcript": {"cpu_threads": 1}}`` (values read as JSON when they parse)."""
    options: dict[str, dict] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        tool, _, option = key.partition(".")
        if not (tool and option and raw):
            raise SystemExit(f"-o {pair!r}: write it as tool.option=value")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options.setdefault(tool, {})[option] = value
    return options


def fresh(clip):
    """A copy of the decoded clip with nothing cached in it (arrays shared, extras empty)."""
    from saber_agent.media import Clip

    return Clip(clip.info, clip.frames, clip.frame_times, clip.audio, clip.sample_rate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--option", action="append", default=[], help="tool.option=value")
    args = parser.parse_args()

    from saber_agent.api import analyze
    from saber_agent.media import clip_cache, decode
    from saber_agent.registry import get_registry
    from saber_agent.settings import AnalysisSettings

    path = make_clip(args.seconds)
    cores_before = free_cores()
    settings = AnalysisSettings(tool_options=tool_options(args.option))
    decode_start = time.perf_counter()
    clip = decode(path, settings.decode)
    decode_s = time.perf_counter() - decode_start
    registry = get_registry()
    tools = [t for t in registry.selected_tools(None)]
    expected = ("face", "transcript", "prosody", "scene", "body")
    missing = [name for name in expected if name not in registry.tools]
    ready = []
    for tool in tools:
        availability = tool.availability()
        if availability.ready:
            ready.append(tool)
        else:
            missing.append(f"{tool.name} ({availability.detail})")
    names = [t.name for t in ready]
    settings = settings.model_copy(update={"plugins": names})

    for tool in ready:  # warm-up: models load once per process, before any timing
        tool.perceive(fresh(clip), settings)

    alone: dict[str, list[float]] = {t.name: [] for t in ready}
    alone_cpu: dict[str, list[float]] = {t.name: [] for t in ready}
    graph_cpu: list[float] = []
    loads: list[float] = []
    together: dict[str, list[float]] = {t.name: [] for t in ready}
    walls: list[float] = []
    statuses: dict[str, str] = {}
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])
        for tool in ready:
            cpu, start = cpu_seconds(), time.perf_counter()
            tool.perceive(fresh(clip), settings)
            alone[tool.name].append(time.perf_counter() - start)
            alone_cpu[tool.name].append(cpu_seconds() - cpu)
        clip_cache.clear()
        clip_cache.put(path, settings.decode, fresh(clip))  # the graph reads this decode: no second one
        cpu = cpu_seconds()
        result = analyze(path, settings)
        graph_cpu.append(cpu_seconds() - cpu)
        walls.append(result.timings["perception"])
        for run in result.tool_runs:
            together[run.tool].append(run.seconds)
            statuses[run.tool] = run.status.value

    cores_after = free_cores()
    med = {name: statistics.median(v) for name, v in alone.items()}
    med_cpu = {name: statistics.median(v) for name, v in alone_cpu.items()}
    par = {name: statistics.median(v) for name, v in together.items()}
    wall = statistics.median(walls)
    slowest = max(med, key=med.get)
    total = sum(med.values())
    duration = clip.info.duration_s

    print(f"clip: {path.name}, {duration:.1f} s, {clip.info.width}x{clip.info.height}, {len(clip.frames)} frames sampled "
          f"at {clip.info.sample_fps:g} fps; decoded once in {decode_s:.2f} s")
    print(f"cores: {os.cpu_count()}, repeats: {args.repeat} (medians), python {sys.version.split()[0]}, "
          f"load average during the runs: {min(loads):.1f}-{max(loads):.1f}; "
          f"cores free to this process (measured before/after): {cores_before:.2f}/{cores_after:.2f}")
    if settings.tool_options:
        print(f"tool options: {json.dumps(settings.tool_options)}")
    if missing:
        print(f"not measured (not registered or not ready here): {', '.join(missing)}")
    head = f"{'tool':<12}{'alone s':>9}{'alone cpu s':>13}{'in graph s':>12}{'status':>9}"
    print()
    print(head)
    print("-" * len(head))
    for name in names:
        print(f"{name:<12}{med[name]:>9.3f}{med_cpu[name]:>13.3f}{par.get(name, float('nan')):>12.3f}{statuses.get(name, '?'):>9}")
    print("-" * len(head))
    print(f"{'sum alone':<12}{total:>9.3f}{sum(med_cpu.values()):>13.3f}")
    print(f"{'graph':<12}{wall:>9.3f}{statistics.median(graph_cpu):>13.3f}   (perception wall; CPU of the whole graph run)")
    print()
    rows = [
        ("perception wall (graph)", f"{wall:.3f} s", ""),
        (f"wall / slowest alone ({slowest})", f"{wall / med[slowest]:.2f}", "target <= 1.3"),
        ("wall / sum alone", f"{wall / total:.2f}", "1.0 = tools ran one after another"),
        ("wall / clip duration", f"{wall / duration:.3f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>9}  {note}")
    print(f"\nall perception walls: {', '.join(f'{w:.3f}' for w in walls)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
