"""Cut precision / recall of shot-change detectors on the labelled clips of bench/shots_set.py.

    .venv/bin/python bench/shots_bench.py [SET_DIR] [DETECTORS]  # builds the set there first (default /tmp/shots_set);
                                                                 # DETECTORS: comma-separated names (default all)

Every clip is decoded once by saber_agent.media.decode with the tools' default sampling (DecodeSettings:
2 fps, 640 px) and every detector sees the same sampled RGB frames. A labelled cut at t is found when a
detected cut's first frame is the first sampled frame at or after t (times[c-1] < t <= times[c]); a labelled
gradual change [t0, t1] (a fade through black) when one detected cut's pair overlaps it (t0 < times[c],
times[c-1] < t1); each label takes one detected cut, the others are false.
Figures per split: `dev` (the thresholds were chosen on it), `heldout` (clips `h_*`, written before the
thresholds were frozen) and both. Detectors: `colour` (the histogram rule alone: HSV > SHOT_DISTANCE or grey > GREY_DISTANCE, the
detector before this bench), `structure` (our grid-correlation rule with a camera-motion guard,
bench/shots_structure.py), `shots` (plugins/shots.detect as it stands: AdaptiveDetector on 320 px frames,
padded, then its transients and blank runs decided by the perceptual hash), `shots_adaptive` (the same
AdaptiveDetector alone: the detector before the transients), and PySceneDetect's ContentDetector /
AdaptiveDetector / HashDetector / HistogramDetector / ThresholdDetector fed the same frames through their
per-frame API (process_frame, BGR, min_scene_len=1 since sampled frames are 0.5 s apart); PySceneDetect
is optional (`pip install scenedetect==0.7.2 --no-deps`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from saber_agent.media import decode  # noqa: E402
from saber_agent.plugins import shots  # noqa: E402


def colour_rule(frames: np.ndarray, times: np.ndarray) -> list[int]:
    small = shots.small_frames(frames)
    hsv, grey = shots.shot_distances(small), shots._distances(shots.grey_histograms(small))
    return [i + 1 for i in range(len(hsv)) if hsv[i] > shots.SHOT_DISTANCE or grey[i] > shots.GREY_DISTANCE]


def scenedetect_rule(make):
    """A detector of PySceneDetect fed the sampled frames one by one; cuts as sampled-frame indices."""
    def run(frames: np.ndarray, times: np.ndarray) -> list[int]:
        import cv2
        from scenedetect import FrameTimecode

        detector = make()
        fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 2.0
        cuts = []
        for i, frame in enumerate(frames):
            cuts += detector.process_frame(FrameTimecode(i, fps=fps), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        cuts += detector.post_process(FrameTimecode(len(frames) - 1, fps=fps))
        return sorted({int(c.frame_num) for c in cuts if 0 < int(c.frame_num) < len(frames)})
    return run


def detectors() -> dict:
    from shots_structure import detect as structure_rule

    found = {"colour": colour_rule, "structure": structure_rule, "shots": lambda f, t: shots.detect(f, t).cuts}
    try:
        from scenedetect.detectors import AdaptiveDetector, ContentDetector, HashDetector, HistogramDetector, ThresholdDetector
    except ImportError:
        return found
    found["shots_adaptive"] = lambda f, t: shots.adaptive_cuts(shots.small_frames(f, shots.ADAPTIVE_WIDTH))
    found["sd_content"] = scenedetect_rule(lambda: ContentDetector(min_scene_len=1))
    found["sd_content_edges"] = scenedetect_rule(lambda: ContentDetector(
        threshold=32, min_scene_len=1, weights=ContentDetector.Components(1.0, 0.5, 1.0, 0.2)))
    found["sd_adaptive"] = scenedetect_rule(lambda: AdaptiveDetector(min_scene_len=1, window_width=1))
    found["sd_hash"] = scenedetect_rule(lambda: HashDetector(min_scene_len=1))
    found["sd_histogram"] = scenedetect_rule(lambda: HistogramDetector(min_scene_len=1))
    found["sd_threshold"] = scenedetect_rule(lambda: ThresholdDetector(min_scene_len=1))  # fades through black
    return found


def allowed(cut: float | list[float], times: np.ndarray) -> set[int]:
    """The sampled frames that may start the new shot: for a cut at t, the first frame at or after t; for a gradual
    transition [t0, t1] (a fade through black), any frame c whose pair (c-1, c) overlaps it (t0 < times[c], times[c-1] < t1)."""
    if isinstance(cut, list):
        t0, t1 = cut
        return {c for c in range(1, len(times)) if times[c] > t0 and times[c - 1] < t1}
    return {int(np.searchsorted(times, cut, side="left"))}


def match(cuts: set[int], truth: list[set[int]]) -> tuple[int, int, int]:
    """tp, fp, fn: each labelled change takes at most one detected cut among its allowed frames; the rest are false."""
    free, tp = set(cuts), 0
    for frames in truth:
        hit = sorted(free & frames)
        if hit:
            free.discard(hit[0])
            tp += 1
    return tp, len(free), len(truth) - tp


def evaluate(root: Path, labels: dict, only: list[str] | None = None) -> dict:
    """Per detector: tp/fp/fn, precision, recall, seconds, and the same per kind of clip."""
    rules = {name: rule for name, rule in detectors().items() if not only or name in only}
    tally = {name: {"tp": 0, "fp": 0, "fn": 0, "seconds": 0.0, "kinds": {}} for name in rules}
    for clip_name, label in labels.items():
        clip = decode(root / f"{clip_name}.mp4")
        frames, times = clip.frames, clip.frame_times[: len(clip.frames)]
        truth = [allowed(c, times) for c in label["cuts"]]
        for name, rule in rules.items():
            start = time.perf_counter()
            cuts = set(rule(frames, times))
            t = tally[name]
            t["seconds"] += time.perf_counter() - start
            tp, fp, fn = match(cuts, truth)
            t["tp"] += tp
            t["fp"] += fp
            t["fn"] += fn
            kind = t["kinds"].setdefault(label["kind"], {"tp": 0, "fp": 0, "fn": 0, "clips_wrong": []})
            kind["tp"] += tp
            kind["fp"] += fp
            kind["fn"] += fn
            if fp or fn:
                kind["clips_wrong"].append(clip_name)
    for t in tally.values():
        t["precision"] = round(t["tp"] / max(t["tp"] + t["fp"], 1), 3)
        t["recall"] = round(t["tp"] / max(t["tp"] + t["fn"], 1), 3)
        t["seconds"] = round(t["seconds"], 2)
    return tally


def main() -> None:
    from shots_set import build

    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots_set")
    only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
    labels = build(root)
    for split in ("dev", "heldout", None):
        chosen = {n: v for n, v in labels.items() if split is None or v["split"] == split}
        print(f"== {split or 'all'}: {len(chosen)} clips, {sum(len(v['cuts']) for v in chosen.values())} cuts")
        report(evaluate(root, chosen, only))


def report(tally: dict) -> None:
    for name, t in tally.items():
        print(f"{name:18s} P={t['precision']:.3f} R={t['recall']:.3f} tp={t['tp']} fp={t['fp']} fn={t['fn']} {t['seconds']:.2f}s")
        for kind, k in t["kinds"].items():
            print(f"    {kind:16s} tp={k['tp']} fp={k['fp']} fn={k['fn']} wrong: {', '.join(k['clips_wrong'])}")
    print(json.dumps({n: {k: v for k, v in t.items() if k != 'kinds'} for n, t in tally.items()}))


if __name__ == "__main__":
    main()
