"""saber-agent analyze: one clip in, the six-slot analysis out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saber_agent.settings import AnalysisSettings

NAME = "analyze"
HELP = "Analyse one clip: perceive, reason, check; print the six SABER slots."


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _option(value: str) -> tuple[str, object]:
    if "=" not in value:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {value!r}")
    key, raw = value.split("=", 1)
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        parsed = raw
    return key.strip(), parsed


def looks(value: str) -> int:
    """--max-looks: a count of second looks, 0 or more."""
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more second looks, got {value!r}")
    return count


def add_option_arguments(parser: argparse.ArgumentParser) -> None:
    """--reasoner-option/-o, --tool-option and --fps: shared by `analyze` and `mcp` (the server's defaults);
    `settings_from_args` reads them."""
    parser.add_argument(
        "--reasoner-option", "-o", type=_option, action="append", default=[], metavar="KEY=VALUE",
        help="an option for the reasoner's factory, e.g. model=PATH (repeatable; values parse as JSON when they can)",
    )
    parser.add_argument(
        "--tool-option", type=_option, action="append", default=[], metavar="TOOL.KEY=VALUE",
        help="an option for one perception tool, e.g. face.backend=offline (repeatable)",
    )
    parser.add_argument("--fps", type=float, help="frames sampled per second (default 2)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="the clip (video or audio file)")
    parser.add_argument("--sample", action="store_true", help="analyse the bundled sample clip")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON (the same as --format json)")
    parser.add_argument("--format", default=None, help="print with a named exporter (json, saber, ...)")
    parser.add_argument("--out", type=Path, help="also write the result (JSON, or --format) to this file")
    parser.add_argument("--plugins", type=_csv, help="comma-separated perception tools to run (default: all)")
    parser.add_argument("--reasoner", default=None, help="reasoner backend (default: fusion)")
    add_option_arguments(parser)
    parser.add_argument(
        "--audio-track", type=int, metavar="N",
        help="analyse the file's N-th audio track, counted from 0 (default: the default track, or the first with sound)",
    )
    parser.add_argument("--max-rounds", type=int, help="reasoning rounds at most, the first included (default 3)")
    parser.add_argument("--tool-timeout", type=float, help="seconds each perception tool may take (default 300)")
    parser.add_argument(
        "--max-looks", type=looks, metavar="N",
        help="second, targeted looks the reasoner or the checks may ask for per clip (default 2; 0: none)",
    )
    parser.add_argument(
        "--segment", choices=("none", "utterances"), default=None,
        help="none (default): one analysis of the whole clip; utterances: one six-slot analysis per utterance, "
             "with speakers and a whole-clip summary (docs/segments.md)",
    )
    parser.add_argument("--device", help="auto, cpu or cuda[:N] for every model-backed tool and reasoner (default auto)")
    parser.add_argument(
        "--allow-cpu-fallback", action="store_true",
        help="when the GPU runs out of memory, load or run that model on the CPU instead of failing",
    )


def settings_from_args(args) -> AnalysisSettings:
    """The run's settings from the parsed flags; a command without some of the flags (`mcp`) leaves those at
    their defaults. Raises UsageError naming the bad flag or setting."""
    from saber_agent.errors import UsageError
    from saber_agent.settings import AnalysisSettings

    args = argparse.Namespace(**{**dict.fromkeys(_SETTINGS_FLAGS), "reasoner_option": [], "tool_option": [], **vars(args)})
    settings = AnalysisSettings()
    update: dict = {}
    if args.plugins is not None:
        if not args.plugins:  # "--plugins ," or "--plugins ''": no tool would run
            raise UsageError("--plugins names no tool; give tool names, e.g. --plugins transcript,prosody (saber-agent plugins lists them)")
        update["plugins"] = args.plugins
    if args.reasoner is not None:
        if not args.reasoner.strip():  # "--reasoner ''": an empty name is no reasoner, not the default one
            raise UsageError("--reasoner names no reasoner; give one, e.g. --reasoner fusion (saber-agent plugins lists them)")
        update["reasoner"] = args.reasoner
    if args.reasoner_option:
        update["reasoner_options"] = dict(args.reasoner_option)
    if args.tool_option:
        tool_options: dict = {}
        for key, value in args.tool_option:
            if "." not in key:
                raise UsageError(f"--tool-option {key}: expected TOOL.KEY=VALUE")
            tool, option = key.split(".", 1)
            tool_options.setdefault(tool, {})[option] = value
        update["tool_options"] = tool_options
    decode = {}
    if args.fps is not None:
        decode["fps"] = args.fps
    if getattr(args, "audio_track", None) is not None:
        decode["audio_track"] = args.audio_track
    if decode:
        update["decode"] = {**settings.decode.model_dump(), **decode}  # validated below
    if args.max_rounds is not None:
        update["max_rounds"] = args.max_rounds
    if args.tool_timeout is not None:
        update["tool_timeout_s"] = args.tool_timeout
    if args.max_looks is not None:
        update["reperception_budget"] = {**settings.reperception_budget.model_dump(), "max_calls": args.max_looks}
    if getattr(args, "segment", None):
        update["segment"] = args.segment
    if args.device:
        update["device"] = args.device
    if getattr(args, "allow_cpu_fallback", False):
        update["allow_cpu_fallback"] = True
    from pydantic import ValidationError

    try:
        return AnalysisSettings.model_validate({**settings.model_dump(), **update})
    except ValidationError as exc:  # say which setting and why, not pydantic's headline
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
        raise UsageError(f"invalid {where}: {str(first.get('msg', exc)).removeprefix('Value error, ')}") from None
    except Exception as exc:
        raise UsageError(str(exc).splitlines()[0] if str(exc) else "invalid settings") from None


_SETTINGS_FLAGS = ("plugins", "reasoner", "fps", "audio_track", "max_rounds", "tool_timeout", "max_looks", "segment", "device",
                   "allow_cpu_fallback")


def check_out(path: Path | None, flag: str = "--out", example: str = "result.json") -> None:
    """An output path that cannot be written as a file (an existing folder, or one under a file) is a
    usage error, reported before any decoding rather than after the whole analysis."""
    from saber_agent.errors import UsageError

    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"{flag} {path}: that is a folder; give a file path, e.g. {path / example}")
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise UsageError(f"{flag} {path}: {parent} is a file, not a folder")


def check_device(settings) -> str:
    """The device the analysis will use, resolved here (a missing GPU is a DeviceError before any decoding)."""
    from saber_agent.devices import resolve_device

    return resolve_device(settings.device)


def _progress(done: int, total: int, segment) -> None:
    """One line per analysed utterance, on stderr (stdout carries the result)."""
    print(f"[{done}/{total}] {segment.start_s:.1f}-{segment.end_s:.1f} s, speaker {segment.speaker or '?'}: {segment.said}",
          file=sys.stderr, flush=True)


def run(args) -> int:
    from saber_agent.api import analyze, sample_clip
    from saber_agent.errors import UsageError
    from saber_agent.registry import get_registry
    from saber_agent.report import render

    if args.sample and args.path:
        raise UsageError(f"give a clip path or --sample (the bundled sample clip), not both (got {args.path!r} and --sample)")
    if args.sample:
        path = sample_clip()
    elif args.path:
        path = args.path
    else:
        raise UsageError("give a clip path, or --sample for the bundled sample clip")
    if args.json and args.format:
        raise UsageError("--json and --format both choose how the result is printed; give one (--format json prints JSON too)")
    settings = settings_from_args(args)
    get_registry().validate_settings(settings)  # the API's own check too; here it comes before the --out/--device checks
    if args.format:
        get_registry().exporter(args.format)  # an unknown exporter is a usage error before any decoding
    check_out(args.out)
    check_device(settings)
    if settings.segment == "utterances":
        from saber_agent.segment_summary import render

        result = analyze(path, settings, progress=_progress)
    else:
        result = analyze(path, settings)
    if args.json:
        text = result.model_dump_json(indent=2)
    elif args.format:
        text = get_registry().exporter(args.format).export(result)
    else:
        text = render(result)
    print(text)
    if args.out:
        exported = text if (args.json or args.format) else result.model_dump_json(indent=2)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(exported + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
