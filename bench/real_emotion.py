"""Emotion accuracy on real labelled speech: EmoFilm Spanish (296 film utterances, 5 emotions).

    .venv/bin/python bench/real_emotion.py                                   # prosody + transcript, fusion
    .venv/bin/python bench/real_emotion.py --plugins prosody                 # the voice alone (fast)
    .venv/bin/python bench/real_emotion.py --tool-option prosody.voice_model=voice.json
    .venv/bin/python bench/real_emotion.py --train-voice voice.json          # fit on m_* (dev) first
    .venv/bin/python bench/real_emotion.py --split dev --limit 20 --out results.jsonl   # 20 spread over the emotions
    .venv/bin/python bench/real_emotion.py --every 4 --cache /tmp/emofilm-slots   # a quarter, spread over the emotions

The corpus is fetched with pip into ~/.cache/saber-agent/emofilm (never into the repository);
see `saber_agent.eval.emofilm` for the labels and the protocol: tune on the male speakers (dev),
report the female speakers (test). Every clip runs through the same graph as `saber-agent analyze`
with the given settings. For each split it prints accuracy, UAR, balanced valence accuracy, the
share called neutral, the confusion matrix and seconds per clip (wall time of the graph, or of the
tools when their slots come from `--cache`).

`--cache DIR` keeps the transcript's slot (or any `--cache-tools`) per clip, tool version and
options, so a second run that changes the reasoner or the voice model does not transcribe again
(the words' sentiment is recomputed from the cached transcript, so lexicon changes and
`transcript.words_reader` apply; a change
to the tool's own code needs a fresh cache folder). With `--cache` each results line says
`evidence_cache`: "hit" (every tool's slot from the cache), "partial" (some) or "miss", and the
seconds per clip are over the clips not from the cache (`emofilm.score`). The results JSONL (`--out`) can
be scored again with `saber-agent eval RESULTS --emofilm`.

Each split's report includes the calibration of the answers' stated confidence (`saber_agent.eval.calibration`).
`--split dev --fit-confidence` fits the fusion's confidence mapping again (Platt scaling of each clip's `backing`,
`plugins/reasoners/fusion_confidence.py`) and prints the two numbers with the calibration they give on dev.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _option(text: str) -> tuple[str, str, object]:
    from saber_agent.commands.analyze import _option as parse

    key, value = parse(text)
    tool, _, name = key.partition(".")
    if not name:
        raise argparse.ArgumentTypeError(f"expected TOOL.KEY=VALUE, got {text!r}")
    return tool, name, value


SLOT_HITS: set[str] = set()  # tools whose slot came from the --cache during the current clip (cleared per clip)


def cache_state(tool_names: set[str]) -> str:
    """The current clip's ``evidence_cache`` flag: "hit" when every tool's slot came from the cache, "partial"
    when some did, "miss" when none did (the results line then carries what `emofilm.score` reads)."""
    hits = SLOT_HITS & tool_names
    return "hit" if hits and hits == tool_names else "partial" if hits else "miss"


def cache_tools(cache: Path, tools) -> None:
    """Wrap each tool's `perceive` in this process with an on-disk cache of its slot (bench only); a slot read
    from the cache adds the tool's name to `SLOT_HITS`."""
    from saber_agent.evidence import Slot

    cache.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        perceive = tool.perceive

        def cached(clip, settings, _tool=tool, _perceive=perceive):
            chosen = settings.options_for(_tool.name)
            reader = chosen.pop("words_reader", "lexicon")  # read again from the cached text: not part of the key
            options = json.dumps(chosen, sort_keys=True, default=str)
            source = Path(clip.info.path).read_bytes() if getattr(clip, "info", None) else b""
            key = hashlib.sha256(f"{_tool.name}|{_tool.version}|{options}|".encode() + source).hexdigest()[:32]
            path = cache / f"{_tool.name}-{key}.json"
            if path.is_file():
                slot = Slot.model_validate_json(path.read_text(encoding="utf-8"))
                if _tool.name == "transcript" and slot.ok:  # as the tool reads them: a clip in several languages part by part
                    from saber_agent.plugins.transcript import reread_words

                    slot.measurements["sentiment"] = reread_words(slot.text, slot.measurements, reader)
                SLOT_HITS.add(_tool.name)
                return slot
            slot = _perceive(clip, settings)
            if slot.status != "failed":
                path.write_text(slot.model_dump_json(), encoding="utf-8")
            return slot

        tool.perceive = cached


def backing_of(result) -> float:
    """How much of the evidence backs the answer's class (`fusion_confidence.backing`, what the fusion's stated
    confidence maps), kept per clip so `--fit-confidence` can fit that mapping again."""
    from saber_agent.cues import merge_cues
    from saber_agent.plugins.reasoners.fusion import as_basic
    from saber_agent.plugins.reasoners.fusion_confidence import backing

    cues = {m: as_basic(c) for m, c in merge_cues(result.cues).items()}
    return round(backing(cues, result.analysis.basic_emotion), 6)


def record_of(row: dict, result, seconds: float) -> dict:
    analysis = result.analysis
    voice = result.evidence.slot("acoustic_feat").measurements.get("voice_emotion") or {}
    words = result.evidence.slot("speech_content")
    return {
        "id": row["id"], "clip": row["path"], "status": "ok", "seconds": round(seconds, 3),
        "labels": {"emotion": row["emotion"], "subset": row["subset"]},
        "prediction": {"basic_emotion": analysis.basic_emotion, "emotions": analysis.emotions,
                       "valence": analysis.valence, "valence_label": analysis.valence_label, "arousal": analysis.arousal,
                       "confidence": analysis.confidence},
        "backing": backing_of(result),
        "voice": {k: voice.get(k) for k in ("emotion", "valence", "arousal", "confidence", "reader")},
        "words": {"text": words.text, "language": words.measurements.get("language"),
                  "sentiment": words.measurements.get("sentiment")} if words.ok else None,
        "conflicts": [c.description for c in result.conflicts],
    }


def fit_confidence(records: list[dict], folds: int = 5) -> str:
    """Platt scaling of the per-clip backing against the basic emotion being right (`eval.calibration.fit_platt`):
    the two numbers for `fusion_confidence.PLATT_A`/`PLATT_B`, with the calibration they give on these clips, in
    sample and `folds`-fold cross-validated (each fold's answers mapped by a fit on the others)."""
    from sklearn.model_selection import StratifiedKFold

    from saber_agent.eval.calibration import calibration, fit_platt, platt, render_calibration

    backing = [r["backing"] for r in records]
    right = [r["labels"]["emotion"] == r["prediction"]["basic_emotion"] for r in records]
    marked = ["uncertain" in r["prediction"]["emotions"] for r in records]
    a, b = fit_platt(backing, right)
    lines = [f"confidence mapping fitted on {len(records)} clips: PLATT_A = {a:.3f}, PLATT_B = {b:.3f}",
             render_calibration(calibration(backing, right, marked), "the backing itself as the confidence"),
             render_calibration(calibration([platt(x, a, b) for x in backing], right, marked), "fitted mapping, in sample")]
    crossed = [0.0] * len(records)
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=0).split(backing, right):
        fa, fb = fit_platt([backing[i] for i in train], [right[i] for i in train])
        for i in held:
            crossed[i] = platt(backing[i], fa, fb)
    lines.append(render_calibration(calibration(crossed, right, marked), f"fitted mapping, {folds}-fold cross-validated"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugins", default="prosody,transcript", help="perception tools (default prosody,transcript)")
    parser.add_argument("--reasoner", default="fusion")
    parser.add_argument("--reasoner-option", "-o", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tool-option", type=_option, action="append", default=[], metavar="TOOL.KEY=VALUE")
    parser.add_argument("--split", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--limit", type=int, help="at most this many clips per split (a quick look), taken round-robin "
                        "over the emotions (labels in name order), not the first N by name (all fear on dev); after --every")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="every K-th clip of each split in name order (a subset spread over the emotions)")
    parser.add_argument("--corpus", type=Path, default=None, help="cache folder of the corpus (default ~/.cache/saber-agent/emofilm)")
    parser.add_argument("--cache", type=Path, help="keep the slots of the --cache-tools per clip here (see the docstring)")
    parser.add_argument("--cache-tools", default="transcript", help="tools whose slots --cache keeps (default transcript)")
    parser.add_argument("--train-voice", type=Path, metavar="MODEL.json",
                        help="first fit a voice model on the dev split (saber-agent train voice) and use it")
    parser.add_argument("--out", type=Path, help="write the results JSONL here")
    parser.add_argument("--json", type=Path, help="write the scores as JSON here")
    parser.add_argument("--fit-confidence", action="store_true",
                        help="fit the fusion's confidence mapping (Platt scaling of the backing, "
                        "plugins/reasoners/fusion_confidence.py) on these clips and print it; dev split only")
    args = parser.parse_args(argv)
    if args.fit_confidence and args.split != "dev":
        parser.error("--fit-confidence fits on the dev split only (the protocol: nothing is chosen on test); use --split dev")
    if args.train_voice and "prosody" not in args.plugins.split(","):
        parser.error("--train-voice: the voice model is read by the prosody tool; add prosody to --plugins")

    from saber_agent.api import analyze
    from saber_agent.commands.analyze import _option as parse_option
    from saber_agent.eval import emofilm
    from saber_agent.registry import get_registry
    from saber_agent.settings import AnalysisSettings

    folder = emofilm.fetch(args.corpus or emofilm.DEFAULT_CACHE)
    tool_options: dict[str, dict] = {}
    for tool, key, value in args.tool_option:
        tool_options.setdefault(tool, {})[key] = value
    if args.train_voice:
        from saber_agent.training.voice import train_voice

        start = time.perf_counter()
        summary = train_voice(emofilm.items(folder, "dev"), args.train_voice)
        print(f"trained {args.train_voice} on the dev split in {time.perf_counter() - start:.0f} s: {summary['note']}")
        tool_options.setdefault("prosody", {})["voice_model"] = str(args.train_voice)
    settings = AnalysisSettings(plugins=[p for p in args.plugins.split(",") if p], reasoner=args.reasoner,
                                reasoner_options=dict(parse_option(o) for o in args.reasoner_option),
                                tool_options=tool_options, reperception_budget={"max_calls": 0})
    if args.cache:
        named = set(args.cache_tools.split(","))
        cache_tools(args.cache, [t for t in get_registry().tools_for(settings) if t.name in named])
    splits = ["dev", "test"] if args.split == "both" else [args.split]
    rows = [r for s in splits for r in emofilm.spread(emofilm.items(folder, s)[:: max(1, args.every)], args.limit)]
    print(f"EmoFilm es: {len(rows)} clips ({', '.join(splits)}); plugins {args.plugins}; reasoner {args.reasoner}; "
          f"tool options {tool_options or '-'}", flush=True)
    records, started = [], time.perf_counter()
    out = args.out.open("w", encoding="utf-8") if args.out else None
    tool_names = {t.name for t in get_registry().tools_for(settings)}
    for n, row in enumerate(rows, 1):
        start = time.perf_counter()
        SLOT_HITS.clear()
        try:
            result = analyze(row["path"], settings)
            record = record_of(row, result, time.perf_counter() - start)
            if args.cache:
                record["evidence_cache"] = cache_state(tool_names)  # a cached slot's time is not the tool's cost
        except Exception as exc:  # a clip that breaks the analysis is counted, not fatal
            record = {"id": row["id"], "clip": row["path"], "status": "error", "error": f"{type(exc).__name__}: {exc}",
                      "labels": {"emotion": row["emotion"], "subset": row["subset"]}}
        records.append(record)
        if out:
            out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            out.flush()
        if n % 25 == 0 or n == len(rows):
            print(f"  {n}/{len(rows)} clips, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    if out:
        out.close()
    errors = [r for r in records if r["status"] != "ok"]
    if errors:
        print(f"{len(errors)} clip(s) failed, e.g. {errors[0]['id']}: {errors[0]['error']}")
    report = emofilm.score(records)
    print(emofilm.render(report))
    if args.fit_confidence:
        print("\n" + fit_confidence([r for r in records if r["status"] == "ok"]))
    if args.json:
        args.json.write_text(json.dumps({"settings": settings.model_dump(), "report": report}, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
