"""Training cases: SABER records and our own analysis results in, one `Case` per clip out.

Sources, read line by line with line numbers:

- SABER records as published (English and Chinese): a JSONL file, one pretty-printed ``.json``
  record, or a folder of them. The record's five perception slots are the evidence; its
  ``sentiment_analysis`` is the reasoning of the target (see `analysis_from_saber`).
- Analysis results (`saber_agent.evidence.Result`): ``saber-agent analyze --json`` output, or JSONL
  of results (a line may also wrap it as ``{"result": {...}}``). The evidence, cues and conflicts are
  the prompt; the analysis is the target, used only when it passed every consistency check.
- Media files, analysed through the graph (`cases_from_clips`).

A bad line (not JSON, a missing slot, a wrong type, an empty text, an inconsistent analysis) is
reported with its file and line number and either skipped (``on_error="skip"``) or raised
(``on_error="fail"``): it is never trained on. The cases become SFT examples
(`saber_agent.training.sft_examples`), CA-DPO pairs (`saber_agent.training.pairs`) and ms-swift
JSONL (`saber_agent.training.swift`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from saber_agent.evidence import (
    PERCEPTION_SLOTS,
    SLOT_MODALITY,
    Analysis,
    ClipInfo,
    Evidence,
    Result,
    Slot,
)
from saber_agent.media_formats import AUDIO_SUFFIXES, VIDEO_SUFFIXES, is_media_name
from saber_agent.reasoning import ReasoningRequest
from saber_agent.saber_format import (
    SaberFormatError,
    SaberRecord,
    from_saber_record,
    parse_record,
    to_saber_record,
)
from saber_agent.training.dataset_reading import (  # noqa: F401  (re-exported: the old import path)
    DataReport,
    DatasetError,
    OnError,
    dataset_files,
    iter_json_objects,
    read_records,
)
from saber_agent.training.text_emotion import read_emotion


@dataclass
class Case:
    """One clip's evidence and, where known, its reference answer: the unit of SFT and CA-DPO."""

    id: str
    source: str
    line: int | None
    request: ReasoningRequest  # the full evidence as a reasoner sees it (no reasoning slot, no critique)
    reference: Analysis | None = None  # the SABER-derived target or the result's analysis
    kind: Literal["saber", "result"] = "saber"
    saber: dict[str, Any] | None = None  # the plain SABER record (the ms-swift target)
    videos: list[str] = field(default_factory=list)
    audios: list[str] = field(default_factory=list)


# -- SABER records -------------------------------------------------------------------------------


def _first_sentence(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    for stop in (". ", "。", "！", "? ", "! "):
        if stop in text:
            text = text.split(stop)[0] + stop.strip()
            break
    return text if len(text) <= limit else text[: limit - 1] + "…"


def analysis_from_saber(record: SaberRecord) -> Analysis:
    """The SED target of a SABER record.

    visual evidence = scene + face + body text; acoustic evidence = the quoted speech + the acoustic
    text; reasoning = ``sentiment_analysis``. Emotions, basic class, valence and arousal are read from
    the sentiment text by the rule in `saber_agent.training.text_emotion` (emotion words only, not
    observable cues; no emotion word reads neutral). Each modality cites the first sentence of its
    own slot, so every cited cue is grounded in the evidence. SABER records state no conflict, so
    ``conflict_explanation`` is null.
    """
    plain = record.plain()
    audio = plain["audio_desc"]
    visual = " ".join(t.strip() for t in (plain["video_desc"], plain["facial_exp_desc"], plain["body_lang_desc"]) if t.strip())
    speech = audio["speech_content"].strip()
    acoustic = " ".join(t for t in ((json.dumps(speech, ensure_ascii=False) if speech else ""), audio["acoustic_feat"].strip()) if t)
    read = read_emotion(plain["sentiment_analysis"], observable=False)
    texts = {
        "video_desc": plain["video_desc"], "speech_content": speech, "acoustic_feat": audio["acoustic_feat"],
        "facial_exp_desc": plain["facial_exp_desc"], "body_lang_desc": plain["body_lang_desc"],
    }
    cited = {SLOT_MODALITY[name]: [_first_sentence(text)] for name, text in texts.items() if text.strip()}
    return Analysis(
        visual_evidence=visual,
        acoustic_evidence=acoustic,
        reasoning=plain["sentiment_analysis"].strip(),
        emotions=read.emotions[:5] or [read.basic],
        basic_emotion=read.basic,
        valence=read.valence,
        arousal=read.arousal,
        cues_cited=cited,
        conflict_explanation=None,
    )


def perception_evidence(evidence: Evidence) -> Evidence:
    """The evidence a reasoner is given: the five perception slots, the reasoning slot not yet filled."""
    return evidence.with_slots({"sentiment_analysis": Slot.unavailable("not reasoned yet")})


def _media_from_extra(extra: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    for key in keys:
        value = extra.get(key)
        if isinstance(value, str) and value.strip():
            return [value]
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return list(value)
    return []


def _resolve(paths: list[str], root: Path | None) -> list[str]:
    if root is None:
        return paths
    return [p if Path(p).is_absolute() else str(root / p) for p in paths]


def _sibling_media(stem_path: Path, suffixes: tuple[str, ...]) -> list[str]:
    for suffix in suffixes:
        candidate = stem_path.with_suffix(suffix)
        if candidate.is_file():
            return [str(candidate)]
    return []


def saber_case(record: SaberRecord, source: str, line: int | None, media_root: Path | None = None) -> Case:
    """A Case from a SABER record: media paths from its extra keys (``video``/``videos``/``video_path``,
    ``audio``/...), else files named after the record's ``id`` under `media_root`, else (for a
    per-clip ``.json``) files beside it with the same stem."""
    extra = record.extra()
    record_id = str(extra.get("id") or (Path(source).stem if line is None else f"{Path(source).stem}:{line}"))
    videos = _resolve(_media_from_extra(extra, ("videos", "video", "video_path")), media_root)
    audios = _resolve(_media_from_extra(extra, ("audios", "audio", "audio_path")), media_root)
    if not videos and not audios:
        stems = []
        if media_root is not None and extra.get("id"):
            stems.append(media_root / str(extra["id"]))
        if line is None:
            stems.append(Path(source))
        for stem in stems:
            videos = _sibling_media(stem, VIDEO_SUFFIXES)
            audios = _sibling_media(stem, AUDIO_SUFFIXES)
            if videos or audios:
                break
    evidence = perception_evidence(from_saber_record(record))
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path=videos[0] if videos else (audios[0] if audios else record_id)))
    return Case(
        id=record_id, source=source, line=line, request=request, reference=analysis_from_saber(record),
        kind="saber", saber=record.plain(), videos=videos, audios=audios,
    )


# -- analysis results ----------------------------------------------------------------------------


def result_case(result: Result, source: str, line: int | None, require_consistent: bool = True) -> Case:
    """A Case from an analysis result. Raises DatasetError for a result with no analysis, or (when
    `require_consistent`) one whose analysis failed a consistency check."""
    if result.analysis is None or not result.analysis.reasoning.strip():
        raise DatasetError("the result has no analysis to learn from", line, source)
    failed = [c.name for c in result.checks if not c.passed]
    if require_consistent and failed:
        raise DatasetError(
            f"the analysis failed consistency checks ({', '.join(failed)}); not used as a training target "
            "(allow inconsistent results to use it anyway)",
            line, source,
        )
    evidence = perception_evidence(result.evidence)
    request = ReasoningRequest(evidence=evidence, clip=result.clip, cues=result.cues, conflicts=result.conflicts)
    path = Path(result.clip.path)
    saber = to_saber_record(result.evidence.with_slots({
        "sentiment_analysis": Slot(text=result.analysis.reasoning, status="ok"),
    }))
    return Case(
        id=path.stem or f"{Path(source).stem}:{line}", source=source, line=line, request=request,
        reference=result.analysis, kind="result", saber=saber,
        videos=[result.clip.path] if result.clip.has_video else [],
        # the clip's own audio track: ms-swift (qwen-omni-utils) reads audio out of the video file
        audios=[result.clip.path] if result.clip.has_audio else [],
    )


def parse_result(obj: dict[str, Any], line: int | None, source: str) -> Result:
    """Validate a decoded JSON object as an analysis result (optionally wrapped in ``{"result": ...}``)."""
    if "result" in obj and isinstance(obj["result"], dict):
        obj = obj["result"]
    try:
        return Result.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "result"
        raise DatasetError(f"not a valid analysis result: {where}: {first['msg']}", line, source) from None


def batch_case(obj: dict[str, Any], source: str, line: int | None, require_consistent: bool = True) -> Case:
    """A Case from a ``saber-agent batch`` results line (without ``--full``): its SABER record, cues,
    conflicts, checks and prediction. Slots the run could not fill are empty there, so they are
    unavailable here (with the run's reason), not errors."""
    from saber_agent.evidence import Conflict, ModalityCue

    if obj.get("status") == "error":
        raise DatasetError(f"a failed analysis: {str(obj.get('error'))[:200]}", line, source)
    try:
        record = parse_record(obj["saber"], line, source)
        cues = [ModalityCue.model_validate(c) for c in obj.get("cues") or []]
        conflicts = [Conflict.model_validate(c) for c in obj.get("conflicts") or []]
    except SaberFormatError as exc:
        raise DatasetError(f"saber: {exc.problem}", line, source) from None
    except ValidationError as exc:
        raise DatasetError(f"cues/conflicts: {exc.errors()[0]['msg']}", line, source) from None
    if not record.sentiment_analysis.strip():
        raise DatasetError("the result has no analysis to learn from", line, source)
    failed = [c.get("name", "?") for c in obj.get("checks") or [] if isinstance(c, dict) and not c.get("passed", True)]
    if require_consistent and failed:
        raise DatasetError(
            f"the analysis failed consistency checks ({', '.join(failed)}); not used as a training target "
            "(allow inconsistent results to use it anyway)",
            line, source,
        )
    clip = str(obj.get("clip") or "")
    case = saber_case(record, source, line)
    evidence = case.request.evidence
    for name, info in (obj.get("slots") or {}).items():
        if name in PERCEPTION_SLOTS and isinstance(info, dict) and not evidence.slot(name).ok:
            status = info.get("status") if info.get("status") in ("unavailable", "failed") else "unavailable"
            reason = info.get("reason") if isinstance(info.get("reason"), str) else None
            evidence = evidence.with_slots({name: Slot(status=status, reason=reason or "empty in the results line")})
    reference = case.reference
    prediction = obj.get("prediction") or {}
    if reference is not None and isinstance(prediction, dict):
        reference = reference.model_copy(update={
            k: prediction[k] for k in ("emotions", "basic_emotion", "valence", "arousal", "conflict_explanation") if k in prediction
        })
        reference = Analysis.model_validate(reference.model_dump())  # re-validate the prediction's values
    case.request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path=clip or case.id), cues=cues, conflicts=conflicts)
    case.reference = reference
    case.kind = "result"
    case.id = str(obj.get("id") or (Path(clip).stem if clip else case.id))
    case.videos = [clip] if clip and Path(clip).suffix.lower() in VIDEO_SUFFIXES else []
    heard = evidence.acoustic_feat.ok or evidence.speech_content.ok  # the clip's own audio track, as for results
    case.audios = [clip] if clip and heard and is_media(clip) else []
    return case


def is_saber(obj: dict[str, Any]) -> bool:
    return "audio_desc" in obj or "sentiment_analysis" in obj or "video_desc" in obj


def is_result(obj: dict[str, Any]) -> bool:
    return ("evidence" in obj and "clip" in obj) or isinstance(obj.get("result"), dict)


def case_from_object(
    obj: Any,
    source: str,
    line: int | None,
    media_root: Path | None = None,
    allow_empty_slots: bool = False,
    require_consistent: bool = True,
) -> Case:
    """A Case from one decoded JSON value: a SABER record or an analysis result."""
    if not isinstance(obj, dict):
        raise DatasetError(f"expected a JSON object, got {type(obj).__name__}", line, source)
    if is_result(obj):
        return result_case(parse_result(obj, line, source), source, line, require_consistent)
    if isinstance(obj.get("saber"), dict) or obj.get("status") == "error":
        return batch_case(obj, source, line, require_consistent)
    if "error" in obj and not is_saber(obj):
        raise DatasetError(f"a failed analysis: {str(obj['error'])[:200]}", line, source)
    if not is_saber(obj):
        raise DatasetError(
            "neither a SABER record (video_desc, audio_desc, ...) nor an analysis result (clip, evidence, ...)",
            line, source,
        )
    try:
        record = parse_record(obj, line, source)
    except SaberFormatError as exc:
        raise DatasetError(exc.problem, line, source) from None
    if not allow_empty_slots and (empty := record.empty_slots()):
        raise DatasetError(f"empty text in {', '.join(empty)}", line, source)
    return saber_case(record, source, line, media_root)


# -- reading files: `saber_agent.training.dataset_reading` -------------------------------------


def read_cases(
    paths: Iterable[str | Path],
    on_error: OnError = "skip",
    media_root: str | Path | None = None,
    allow_empty_slots: bool = False,
    require_consistent: bool = True,
    report: DataReport | None = None,
) -> tuple[list[Case], DataReport]:
    """Every usable Case in the files (SABER records and analysis results may be mixed)."""
    root = Path(media_root) if media_root else None
    return read_records(
        paths, lambda obj, source, line: case_from_object(obj, source, line, root, allow_empty_slots, require_consistent),
        on_error, report,
    )


# -- clips ---------------------------------------------------------------------------------------


def is_media(path: str | Path) -> bool:
    return is_media_name(path)  # the project's one list (saber_agent.media_formats)


def cases_from_clips(
    paths: Iterable[str | Path], settings=None, on_error: OnError = "skip", report: DataReport | None = None
) -> tuple[list[Case], DataReport]:
    """Cases from media files, analysed through the graph (`saber_agent.api.analyze`) with `settings`.

    The result's analysis becomes the case's reference whether or not it passed the checks: pair
    building scores it and uses it as the chosen answer only if it does."""
    from saber_agent.api import analyze
    from saber_agent.media import MediaError

    report = report or DataReport()
    cases = []
    for path in paths:
        report.read += 1
        try:
            result = analyze(path, settings)
            cases.append(result_case(result, str(path), None, require_consistent=False))
        except (MediaError, DatasetError) as exc:
            issue = exc if isinstance(exc, DatasetError) else DatasetError(f"cannot analyse the clip: {exc}", None, str(path))
            report.add(issue, on_error)
            continue
        report.kept += 1
    return cases, report
