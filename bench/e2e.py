"""End-to-end benchmark of the default offline analysis on 5 s, 10 s and 60 s clips.

    .venv/bin/python bench/e2e.py [--lengths 5,10,60] [--profile] [--devices cpu,cuda]

For each length, in a fresh process (so peak RSS is that clip's own): per-stage seconds, real-time
factor (analysis seconds / clip seconds), perception parallel efficiency (perception wall / slowest
tool), the decode's share, peak RSS; and, in the same process, a naive baseline where each plugin
decodes the clip itself and the plugins run one after another, with the ratio. Models are warmed up
on a short clip first, so load time is not counted as analysis time. `--profile` writes a
pyinstrument profile of the 10 s analysis to bench/out/profile_e2e_10s.txt.

With several `--devices` (e.g. ``cpu,cuda``, as scripts/gpu_check.sh runs it), each device gets its
table, then one table puts every stage's seconds side by side per clip length, with the ratio, and
says where each model ran. A device that is not present here is skipped with the reason.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
# Varied speech, as a real clip has: a line repeated over and over makes whisper's 30 s windows
# look like a decoding loop (compression ratio 3.6), and faster-whisper then decodes each window
# again at every fallback temperature, which is not what a typical clip costs.
SCRIPT = (
    "I told you this would happen, and you did not listen. Now we have to start again from the beginning. "
    "Honestly, I am not sure we have the time, and the client calls every morning asking for news. "
    "Last week you promised the report by Friday, and then you went quiet for three whole days. "
    "I am not angry about the mistake itself; everybody makes mistakes, and I have made plenty. "
    "What bothers me is that nobody told me, so I heard it from somebody in another department. "
    "Do you understand how that looks when the director asks me a question and I have no answer? "
    "So here is what we are going to do. You will write down every step you took, with the dates. "
    "Tomorrow at nine we sit together, we go through the numbers, and we decide what to fix first. "
    "If we need help from the data team, I will ask them myself before lunch. "
    "And please, next time something breaks, pick up the phone. A two minute call would have saved us a week. "
    "Fine. Go home, get some sleep, and bring coffee tomorrow. We will get through this. "
)


def make_clip(seconds: float) -> Path:
    import hashlib

    from saber_agent.testing import synth
    from saber_agent.testing.synth import face_image, speak
    from saber_agent.testing.synth import make_clip as mux

    OUT.mkdir(parents=True, exist_ok=True)
    # named after the clip maker's source and the script: a clip made by an older synth.py (say, one
    # that cropped the face out of a 16:9 frame) or from another script is made again, not reused
    stamp = hashlib.sha256(Path(synth.__file__).read_bytes() + SCRIPT.encode()).hexdigest()[:8]
    path = OUT / f"e2e_{seconds:g}s_{stamp}.mp4"
    if not path.exists():
        with tempfile.TemporaryDirectory() as tmp:
            words = SCRIPT * max(1, int(seconds / 75) + 1)
            wav = speak(words, Path(tmp) / "speech.wav", speed=150)
            mux(path, face_image(), wav, seconds=seconds, size=(640, 360), fps=25)
    return path


def measure_one(path: Path, profile: bool, device: str) -> dict:
    """Runs in a child process: warm up, analyse, then the naive baseline."""
    from saber_agent.api import analyze
    from saber_agent.media import DecodeSettings, clip_cache, decode
    from saber_agent.registry import get_registry
    from saber_agent.settings import AnalysisSettings

    settings = AnalysisSettings(device=device)
    analyze(make_clip(3), settings)  # load every model once
    clip_cache.clear()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    result = analyze(path, settings)
    if profile:
        profiler.stop()
        (OUT / f"profile_{path.stem.rsplit('_', 1)[0]}.txt").write_text(profiler.output_text(unicode=False, show_all=False))
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tools = {r.tool: r.seconds for r in result.tool_runs}
    placement = {}  # where each model-backed tool ran, as its slot reports it
    for name in ("video_desc", "speech_content", "acoustic_feat", "facial_exp_desc", "body_lang_desc"):
        slot = result.evidence.slot(name)
        m = slot.measurements or {}
        if slot.provenance and m.get("device"):
            placement[slot.provenance.plugin] = " ".join(str(m[k]) for k in ("engine", "device", "compute_type") if m.get(k))

    # naive baseline: each tool decodes the clip itself, one tool after another
    registry = get_registry()
    naive_start = time.perf_counter()
    for name in tools:
        tool = registry.tool(name)
        clip = decode(path, DecodeSettings())
        if not tool.missing_modality(clip):
            tool.perceive(clip, settings)
    naive = time.perf_counter() - naive_start + result.timings.get("reasoning", 0.0)
    return {
        "duration_s": result.clip.duration_s,
        "total_s": total,
        "decode_s": result.timings.get("decode", 0.0),
        "perception_s": result.timings.get("perception", 0.0),
        "reasoning_s": result.timings.get("reasoning", 0.0),
        "tools": tools,
        "peak_rss_mb": peak,
        "rss_after_warmup_mb": rss_before,
        "naive_s": naive,
        "slots_ok": result.evidence.available(),
        "placement": placement,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="5,10,60")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--devices", default="auto", help="comma-separated devices to compare, e.g. cpu,cuda")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--device", default="auto", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(Path(args.one), args.profile, args.device)))
        return

    from saber_agent.devices import DeviceError, resolve_device

    by_device: dict[str, list[dict]] = {}
    for device in [d.strip() for d in args.devices.split(",") if d.strip()]:
        try:
            resolved = resolve_device(device)
        except DeviceError as exc:
            print(f"\n== device {device}: skipped ({exc})")
            continue
        print(f"\n== device {device} ({resolved})")
        rows = [run_child(seconds, device, args.profile) for seconds in [float(s) for s in args.lengths.split(",")]]
        report(rows)
        by_device[device] = rows
    if len(by_device) > 1:
        compare(by_device)


def run_child(seconds: float, device: str, profile: bool) -> dict:
    path = make_clip(seconds)
    cmd = [sys.executable, __file__, "--one", str(path), "--device", device]
    cmd += ["--profile"] if profile and seconds == 10 else []
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if proc.returncode:
        sys.exit(f"benchmark of {path} on {device} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(rows: list[dict]) -> None:
    """Print the table for one device."""
    tools = sorted({t for r in rows for t in r["tools"]})
    print(f"tools: {', '.join(tools)}  (cores: {os.cpu_count()})")
    head = (
        f"{'clip':>6} {'total s':>8} {'RTF':>6} {'decode':>7} {'share':>6} {'percept':>8} "
        f"{'slowest':>8} {'par.eff':>8} {'reason':>7} {'peakMB':>7} {'naive s':>8} {'naive/x':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        slowest = max(r["tools"].values(), default=0.0)
        eff = r["perception_s"] / slowest if slowest else float("nan")
        print(f"{r['duration_s']:>5.0f}s {r['total_s']:>8.2f} {r['total_s'] / r['duration_s']:>6.3f} {r['decode_s']:>7.2f} "
              f"{r['decode_s'] / r['total_s']:>6.1%} {r['perception_s']:>8.2f} {slowest:>8.2f} {eff:>8.2f} {r['reasoning_s']:>7.3f} "
              f"{r['peak_rss_mb']:>7.0f} {r['naive_s']:>8.2f} {r['naive_s'] / r['total_s']:>8.2f}")
    print("\nper-tool seconds:")
    for r in rows:
        print(f"  {r['duration_s']:>5.0f}s  " + "  ".join(f"{t} {r['tools'].get(t, float('nan')):.2f}" for t in tools))
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        growth = b["duration_s"] / a["duration_s"]
        print(f"\ngrowth {a['duration_s']:.0f}s -> {b['duration_s']:.0f}s (x{growth:.0f} length): "
              f"total x{b['total_s'] / a['total_s']:.1f}, "
              f"decode x{b['decode_s'] / max(a['decode_s'], 1e-9):.1f}, "
              f"perception x{b['perception_s'] / max(a['perception_s'], 1e-9):.1f}, "
              f"peak RSS x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}")
    print("targets on 2 cores: RTF <= 0.5 for 10 s; peak RSS <= 2048 MB for 60 s; perception wall / slowest <= 1.3")


def compare(by_device: dict[str, list[dict]]) -> None:
    """Every stage's seconds per device side by side, per clip length, with the first device's ratio to each other."""
    devices = list(by_device)
    base = devices[0]
    print(f"\n== per-stage seconds by device (same run; ratio = {base} / other)")
    for i, first in enumerate(by_device[base]):
        rows = [by_device[d][i] for d in devices]
        print(f"\nclip {first['duration_s']:.0f} s  where: " + "; ".join(
            f"{d}: " + (", ".join(f"{t} {p}" for t, p in sorted(r.get("placement", {}).items())) or "-")
            for d, r in zip(devices, rows, strict=False)
        ))
        head = f"{'stage':<14}" + "".join(f"{d:>10}" for d in devices) + "".join(f"{base + '/' + d:>14}" for d in devices[1:])
        print(head)
        print("-" * len(head))
        tools = sorted({t for r in rows for t in r["tools"]})
        stages = [("total", "total_s"), ("decode", "decode_s"), ("perception", "perception_s")]
        stages += [(f"  {t}", t) for t in tools] + [("reasoning", "reasoning_s")]
        for label, key in stages:
            values = [r.get(key, r["tools"].get(key, float("nan"))) for r in rows]
            ratios = "".join(f"{values[0] / v:>14.2f}" if v else f"{'-':>14}" for v in values[1:])
            print(f"{label:<14}" + "".join(f"{v:>10.3f}" for v in values) + ratios)


if __name__ == "__main__":
    main()
