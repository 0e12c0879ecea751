"""Benchmark: a batch run cold, then again with the evidence cache warm, in one process.

    .venv/bin/python bench/evidence_cache.py [--clips 5] [--plugins prosody,face]

Makes N short talking-face clips (the same ones as bench/batch.py, cached under bench/out/batch/clips)
and K "glimpse" clips (speech over a plain picture in which a smiling face shows for 0.28 s, so the
face tool finds nothing at 2 fps and a denser second look is taken), then runs the batch runner over them
twice with one cache folder and the default analysis settings:
cold (decode, perceive, second looks, reason) and warm (perception and second looks come from the
cache; only the reasoner and the checks run). Models are loaded by the cold run, so the warm run's
advantage is what the cache saves, not model loading. Prints seconds, the warm/cold ratio, the second
looks taken and reused, and whether the results are identical.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def glimpse_clip(path: Path, text: str, seconds: float = 4.0, fps: int = 25) -> Path:
    """A clip of a plain gradient in which the bundled face shows for 7 frames (0.28 s), with speech."""
    import subprocess

    import av
    import cv2
    import numpy as np

    from saber_agent.testing import synth

    if path.exists():
        return path
    face = cv2.resize(synth.face_image(), (320, 320))[:240]
    background = np.broadcast_to(
        np.linspace(60, 140, 240)[:, None, None] + np.linspace(0, 40, 320)[None, :, None], (240, 320, 3)
    ).astype(np.uint8)
    silent = path.with_suffix(".silent.mp4")
    with av.open(str(silent), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(int(seconds * fps)):
            image = face if 43 <= i < 50 else background
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    wav = synth.speak(text, path.with_suffix(".wav"), pitch=70, speed=165)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(silent), "-i", str(wav), "-c:v", "copy", "-c:a", "aac",
                    "-shortest", str(path)], check=True)
    silent.unlink()
    wav.unlink()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--glimpses", type=int, default=2)
    parser.add_argument("--plugins", help="comma-separated perception tools (default: every registered one)")
    args = parser.parse_args()
    from batch import make_clips

    from saber_agent.batch import run_batch
    from saber_agent.settings import AnalysisSettings

    folder = make_clips(args.clips)
    for i in range(args.glimpses):
        glimpse_clip(folder / f"glimpse{i:02d}.mp4", ["What a lovely surprise!", "I am so happy for you."][i % 2])
    for stale in sorted(folder.glob("glimpse*.mp4"))[args.glimpses:]:
        stale.unlink()
    settings = AnalysisSettings(plugins=args.plugins.split(",") if args.plugins else None)
    work = Path(tempfile.mkdtemp(prefix="saber-cache-bench-"))
    try:
        seconds, lines = {}, {}
        for run in ("cold", "warm"):
            out = work / f"{run}.jsonl"
            start = time.perf_counter()
            run_batch(str(folder), out, settings, cache_dir=str(work / "cache"), progress=False, full=True)
            seconds[run] = time.perf_counter() - start
            lines[run] = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        def taken(run: str) -> list[dict]:
            return [look for r in lines[run] for look in r["result"]["reperceptions"] if look["status"] == "done"]
        same = [(r["saber"], r["prediction"]) for r in lines["cold"]] == [(r["saber"], r["prediction"]) for r in lines["warm"]]
        hits = sum(r.get("evidence_cache") == "hit" for r in lines["warm"])
        print(f"clips: {len(lines['cold'])}; cache hits on the warm run: {hits}")
        print(f"cold {seconds['cold']:.2f} s, warm {seconds['warm']:.2f} s: warm is {seconds['cold'] / seconds['warm']:.1f}x faster")
        reused = sum(bool(look.get("cached")) for look in taken("warm"))
        print(f"second looks taken: cold {len(taken('cold'))}, warm {len(taken('warm'))} ({reused} reused from the cache)")
        print(f"results identical cold/warm (SABER JSON and prediction): {same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
