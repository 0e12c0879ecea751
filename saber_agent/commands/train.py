"""saber-agent train: build SFT data and CA-DPO pairs, and run SFT or DPO (LoRA, TRL)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "train"
HELP = ("Training: build SFT data (train data) and CA-DPO pairs (train pairs); run SFT / DPO (train sft|dpo); "
        "fit a voice-emotion classifier (train voice).")

DATA_HELP = """Build SFT examples (TRL conversational "messages": the SED prompt over the five evidence slots,
the SED-ordered JSON answer) from SABER records (JSONL, per-clip .json, or folders; English and Chinese)
and analysis results (saber-agent analyze --json output, or JSONL of results). Optionally also write
ms-swift JSONL (messages, videos, audios) for training the Omni model with ms-swift. Bad lines are
reported with their line numbers and skipped (--on-error skip) or stop the run (--on-error fail)."""

PAIRS_HELP = """Build CA-DPO pairs (TRL conversational prompt/chosen/rejected, with meta saying why each rejected
answer lost). Sources: SABER records and analysis results as for `train data`, and media files
(.mp4, .wav, ...), which are analysed first. Chosen: the full-evidence answer that passes every
consistency check. Rejected: answers from one modality only (ablations), with an invented cue
(grounding), or the lowest-scoring of K samples. Conflicting clips come first and are oversampled."""


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _option(value: str) -> tuple[str, object]:
    from saber_agent.commands.analyze import _option as parse

    return parse(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="train_command", metavar="STEP")

    data = sub.add_parser("data", help="build SFT JSONL (and ms-swift JSONL) from SABER records / analysis results",
                          description=DATA_HELP)
    data.add_argument("sources", nargs="+", help="SABER .jsonl/.json files, analysis result .json/.jsonl, or folders")
    data.add_argument("--out", type=Path, required=True, help="SFT JSONL to write (TRL messages format)")
    data.add_argument("--ms-swift", type=Path, help="also write ms-swift JSONL (messages, videos, audios) here")
    data.add_argument("--media-root", type=Path, help="folder that relative video/audio paths (or <id>.mp4/.wav) are under")
    data.add_argument("--on-error", choices=["skip", "fail"], default="skip", help="a bad line: report and skip it (default), or stop")
    data.add_argument("--allow-empty-slots", action="store_true", help="accept SABER records with an empty slot text")
    data.add_argument("--allow-inconsistent", action="store_true",
                      help="also learn from analysis results whose analysis failed a consistency check")

    pairs = sub.add_parser("pairs", help="build CA-DPO preference pairs (prompt/chosen/rejected)", description=PAIRS_HELP)
    pairs.add_argument("sources", nargs="+", help="SABER / result .json/.jsonl files or folders, and media files")
    pairs.add_argument("--out", type=Path, required=True, help="pairs JSONL to write")
    pairs.add_argument("--config", type=Path, help="YAML/TOML with the pair settings (a pairs: section or a flat file)")
    pairs.add_argument("--reasoner", help="reasoner that writes the candidates (default fusion)")
    pairs.add_argument("--reasoner-option", "-o", type=_option, action="append", default=[], metavar="KEY=VALUE",
                       help="an option for the reasoner, e.g. model=PATH (repeatable)")
    pairs.add_argument("--samples", type=int, help="K samples per clip; the lowest-scoring one is a rejected answer (default 0: off)")
    pairs.add_argument("--sample-option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                       help="sampling options for the K samples (default temperature=1.0)")
    pairs.add_argument("--ablations", type=_csv, help="modalities to reason from alone (default face,voice,words)")
    pairs.add_argument("--no-grounding", action="store_true", help="no rejected answers with an invented cue")
    pairs.add_argument("--min-gap", type=float, help="least consistency-score gap between chosen and rejected (default 0.1)")
    pairs.add_argument("--oversample", type=int, help="write the pairs of conflicting clips this many times (default 2)")
    pairs.add_argument("--no-text-cues", action="store_true", help="do not read cues from slot text when evidence has none")
    pairs.add_argument("--plugins", type=_csv, help="perception tools for media sources (default: all)")
    pairs.add_argument("--media-root", type=Path, help="as for train data")
    pairs.add_argument("--on-error", choices=["skip", "fail"], help="a bad line or clip: skip it (default) or stop")
    pairs.add_argument("--verbose", "-v", action="store_true", help="also list every candidate that gave no pair, and why")

    from saber_agent.training.sft import add_override_arguments

    sft = sub.add_parser("sft", help="supervised fine-tuning with TRL SFTTrainer (LoRA)",
                         description="Run SED supervised fine-tuning as a config file says. Multi-GPU: "
                         "accelerate launch -m saber_agent.training.sft --config F")
    add_override_arguments(sft)
    dpo = sub.add_parser("dpo", help="consistency-aware DPO with TRL DPOTrainer (LoRA)",
                         description="Run CA-DPO on pairs from `train pairs` as a config file says. Multi-GPU: "
                         "accelerate launch -m saber_agent.training.dpo --config F")
    add_override_arguments(dpo)
    voice = sub.add_parser("voice", help="fit a voice-emotion classifier (scikit-learn on Whisper / eGeMAPS / prosody features)",
                           description="Fit a small voice-emotion classifier on a labelled manifest (path + emotion "
                           "per row) and save it as JSON; use it with --tool-option prosody.voice_model=FILE.")
    voice.add_argument("manifest", type=Path, help="JSONL/CSV manifest: a clip path and an emotion label per row")
    voice.add_argument("--out", type=Path, required=True, help="the model file to write (.json)")
    voice.add_argument("--features", choices=["whisper+whisper_l1", "whisper", "whisper_l1", "whisper+egemaps", "egemaps", "prosody"],
                       default="whisper+whisper_l1",
                       help="Whisper base encoder embeddings of its last and first layers (default, chosen on EmoFilm dev; needs "
                       "saber-agent[transcript]), of one of them, the last beside openSMILE eGeMAPS functionals, eGeMAPS alone "
                       "(saber-agent[voice]) or our prosody features")
    voice.add_argument("--no-augment", action="store_true", help="do not add sex-shifted copies of the training clips")
    voice.add_argument("--keep-speaker-features", action="store_true",
                       help="keep the features that mostly say who speaks (pitch level, formant frequencies)")
    voice.add_argument("-C", type=float, default=None, dest="c",
                       help="inverse regularisation strength (default 0.01 for the default features, 0.003 other Whisper sets, else 0.1)")
    voice.add_argument("--no-progress", action="store_true",
                       help="no progress on stderr (default: a bar on a terminal, else a line every tenth of the clips)")
    parser.set_defaults(train_parser=parser)


def run(args) -> int:
    step = getattr(args, "train_command", None)
    if step is None:
        args.train_parser.print_help()
        return 2
    return {"data": run_data, "pairs": run_pairs, "sft": run_sft, "dpo": run_dpo, "voice": run_voice}[step](args)


def run_voice(args) -> int:
    from saber_agent.batch import BatchInputError
    from saber_agent.plugins.voice_emotion import VoiceModelUnavailable
    from saber_agent.training.progress import ClipProgress
    from saber_agent.training.voice import read_labelled, train_voice

    if not str(args.out).endswith(".json"):
        print("saber-agent: --out must name a .json file (the prosody tool loads voice models by that suffix)",
              file=sys.stderr)
        return 2
    try:
        rows = read_labelled(args.manifest)
    except BatchInputError as exc:
        print(f"saber-agent: cannot read input: {exc}", file=sys.stderr)
        return 3
    if not rows:
        print(f"saber-agent: {args.manifest} has no rows", file=sys.stderr)
        return 3
    progress = None if args.no_progress else ClipProgress("train voice", len(rows))  # features take seconds a clip
    summary = None
    try:
        summary = train_voice(rows, args.out, args.features, not args.no_augment, args.keep_speaker_features, args.c,
                              progress=progress)
    except (ValueError, VoiceModelUnavailable) as exc:
        print(f"saber-agent: {exc}", file=sys.stderr)
        return 3
    finally:
        if progress is not None:
            progress.close(finished=summary is not None)
    for issue in summary["skipped"][:20]:
        print(f"skipped {issue}", file=sys.stderr)
    print(f"wrote {args.out}: {summary['note']}")
    return 0


def _print_issues(report, limit: int = 50) -> None:
    for issue in report.issues[:limit]:
        print(f"skipped {issue}", file=sys.stderr)
    if len(report.issues) > limit:
        print(f"... and {len(report.issues) - limit} more", file=sys.stderr)


def run_data(args) -> int:
    from saber_agent.training.cases import DataReport, read_cases
    from saber_agent.training.sft_examples import write_sft
    from saber_agent.training.swift import write_ms_swift

    cases, report = read_cases(
        args.sources, args.on_error, args.media_root, args.allow_empty_slots, not args.allow_inconsistent
    )
    _print_issues(report)
    if not cases:
        print(f"saber-agent: no usable record in {', '.join(args.sources)} ({report.summary()})", file=sys.stderr)
        return 3
    count = write_sft(cases, args.out)
    print(f"wrote {count} SFT example(s) to {args.out} ({report.summary()})")
    if args.ms_swift:
        swift = DataReport()
        written = write_ms_swift(cases, args.ms_swift, args.on_error, swift)
        _print_issues(swift)
        print(f"wrote {written} ms-swift record(s) to {args.ms_swift}"
              + (f" ({len(swift.issues)} without media skipped)" if swift.issues else ""))
    return 0


def pair_settings(args):
    from saber_agent.training.config import PairSettings, load_settings

    settings = load_settings(args.config, "pairs") if args.config else PairSettings()
    update: dict = {}
    if args.reasoner is not None:
        if not args.reasoner.strip():  # "--reasoner ''" is no reasoner, not the default one
            from saber_agent.errors import UsageError

            raise UsageError("--reasoner names no reasoner; give one, e.g. --reasoner fusion (saber-agent plugins lists them)")
        update["reasoner"] = args.reasoner
    if args.reasoner_option:
        update["reasoner_options"] = dict(args.reasoner_option)
    if args.samples is not None:
        update["samples"] = args.samples
    if args.sample_option:
        update["sample_options"] = dict(args.sample_option)
    if args.ablations is not None:
        update["ablations"] = args.ablations
    if args.no_grounding:
        update["grounding"] = False
    if args.min_gap is not None:
        update["min_gap"] = args.min_gap
    if args.oversample is not None:
        update["conflict_oversample"] = args.oversample
    if args.no_text_cues:
        update["text_cues"] = False
    if args.plugins is not None:
        update["plugins"] = args.plugins
    if args.on_error:
        update["on_error"] = args.on_error
    try:
        return PairSettings.model_validate({**settings.model_dump(), **update})
    except Exception as exc:
        from saber_agent.errors import UsageError

        raise UsageError(str(exc).splitlines()[0]) from None


def run_pairs(args) -> int:
    from saber_agent.saber_format import write_jsonl
    from saber_agent.settings import AnalysisSettings
    from saber_agent.training.cases import DataReport, cases_from_clips, is_media, read_cases
    from saber_agent.training.pairs import build_pairs

    settings = pair_settings(args)
    media = [s for s in args.sources if is_media(s)]
    data = [s for s in args.sources if not is_media(s)]
    report = DataReport()
    cases = []
    if data:
        # a result whose analysis failed a check still gives evidence; its analysis is only a candidate
        cases += read_cases(data, settings.on_error, args.media_root, require_consistent=False, report=report)[0]
    if media:
        analysis = AnalysisSettings(plugins=settings.plugins, reasoner=settings.reasoner,
                                    reasoner_options=settings.reasoner_options)
        cases += cases_from_clips(media, analysis, settings.on_error, report)[0]
    _print_issues(report)
    if not cases:
        print(f"saber-agent: no usable clip or record ({report.summary()})", file=sys.stderr)
        return 3
    result = build_pairs(cases, settings)
    for line in result.skipped:
        print(f"no pair: {line}", file=sys.stderr)
    if args.verbose:
        for line in result.notes:
            print(f"note: {line}", file=sys.stderr)
    count = write_jsonl(args.out, result.pairs)
    print(f"wrote {count} pair(s) to {args.out}: {result.summary()}")
    kinds: dict[str, int] = {}
    for pair in result.pairs:
        key = pair["meta"]["ablation"] or pair["meta"]["kind"]
        kinds[key] = kinds.get(key, 0) + 1
    if kinds:
        print("rejected answers: " + json.dumps(kinds))
    return 0 if count else 3


def run_sft(args) -> int:
    from saber_agent.training.config import load_settings
    from saber_agent.training.sft import overrides_from, train_sft

    outcome = train_sft(load_settings(args.config, "sft", overrides_from(args)))
    print(f"SFT done at step {outcome.global_step}: adapter in {outcome.output_dir}"
          + (f" (resumed from {outcome.resumed_from})" if outcome.resumed_from else ""))
    return 0


def run_dpo(args) -> int:
    from saber_agent.training.config import load_settings
    from saber_agent.training.dpo import train_dpo
    from saber_agent.training.sft import overrides_from

    outcome = train_dpo(load_settings(args.config, "dpo", overrides_from(args)))
    print(f"DPO done at step {outcome.global_step}: adapter in {outcome.output_dir}"
          + (f" (resumed from {outcome.resumed_from})" if outcome.resumed_from else ""))
    return 0
