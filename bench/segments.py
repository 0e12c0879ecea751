"""A long conversation analysed utterance by utterance (``--segment utterances``): time and peak memory.

    .venv/bin/python bench/segments.py [--minutes 10] [--plugins transcript,prosody,...] [--out bench/out/segments.json]

Clip: `saber_agent.testing.conversation`'s four-turn script (two espeak-ng voices, joy / fury / grief /
delight, ~20.6 s) repeated to `--minutes`, in front of two faces (a still picture, 560x240), made
here with espeak-ng and ffmpeg. Measured in this process: wall seconds of each stage (decode, split,
speakers, the utterances), seconds per utterance, peak RSS (``ru_maxrss``), the RSS after the first
ten utterances and at the end (bounded memory: it should not grow with the number of utterances),
and how many segments, speakers and valence signs match the script.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    """The current resident set size (MB), from /proc (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--plugins", default=None, help="comma-separated tools (default: every registered one)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import numpy as np

    from saber_agent.segments import analyze_segments
    from saber_agent.settings import AnalysisSettings
    from saber_agent.testing.conversation import SCRIPT, conversation_audio, conversation_clip

    one_s = conversation_audio()[0].size / 16_000
    repeat = max(1, round(args.minutes * 60 / one_s))
    tmp = Path(tempfile.mkdtemp())
    t0 = time.perf_counter()
    path, spans = conversation_clip(tmp / "long.mp4", repeat=repeat)
    made_s = time.perf_counter() - t0
    settings = AnalysisSettings(plugins=args.plugins.split(",") if args.plugins else None)
    marks: dict[int, float] = {}
    started = time.perf_counter()
    base_rss = rss_mb()

    def progress(done: int, total: int, segment) -> None:
        marks[done] = rss_mb()
        if done % 10 == 0 or done == total:
            print(f"[{done}/{total}] {time.perf_counter() - started:.0f} s, RSS {marks[done]:.0f} MB", flush=True)

    result = analyze_segments(path, settings, progress=progress)
    seconds = time.perf_counter() - started
    expected = [t for _ in range(repeat) for t in SCRIPT]
    found = result.segments
    signs = sum(1 for s, t in zip(found, expected, strict=False) if s.valence is not None and np.sign(s.valence) == t.valence)
    voices = [s.speaker for s in found]
    report = {
        "clip_s": round(result.clip.duration_s, 1), "frames": result.clip.n_frames, "frame_side": max(
            result.clip.width or 0, result.clip.height or 0), "plugins": args.plugins or "all",
        "make_clip_s": round(made_s, 1), "total_s": round(seconds, 1), "stages_s": result.timings,
        "utterances": len(found), "expected_utterances": len(expected),
        "s_per_utterance": round(result.timings.get("segments", 0) / max(1, len(found)), 2),
        "speakers": len(result.speakers), "speaker_labels_match": voices == [t.speaker for t in expected],
        "valence_signs_match": f"{signs}/{len(expected)}", "errors": len(result.errors),
        "rss_before_mb": round(base_rss), "rss_after_10_mb": round(marks.get(10, 0)), "rss_end_mb": round(rss_mb()),
        "peak_rss_mb": round(peak_mb()),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
