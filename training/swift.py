"""ms-swift JSONL export, for training the Omni model (SABER-LLM's architecture) on the media with ms-swift.

A record is ms-swift's multimodal chat layout: ``messages`` (the user turn holds one ``<video>`` /
``<audio>`` tag per media file, then the SABER-LLM instruction; for training, the assistant turn is
the plain SABER record as JSON, the released model's output format), ``videos`` and ``audios``
(paths). Chinese is written as UTF-8, never ``\\u`` escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from saber_agent.saber_format import dumps, write_jsonl
from saber_agent.training.cases import Case, DataReport, DatasetError, OnError

# The instruction of the released SABER-LLM, in its order: scene, audio, face and body, synthesis.
SABER_INSTRUCTION = (
    "Watch the video and listen to its audio. First describe the scene and its background. "
    "Then analyse the audio: transcribe the speech verbatim, marking sound events such as "
    "<laughter>, and describe the acoustic features (pitch, intensity, speed, voice quality). "
    "Then analyse the speaker's facial expression and body language. Finally synthesize all of "
    "this evidence into an analysis of the speaker's emotional state. Answer with a JSON object "
    "with the keys video_desc, audio_desc (speech_content, acoustic_feat), facial_exp_desc, "
    "body_lang_desc and sentiment_analysis."
)


def _paths(value: str | Sequence[str] | None) -> list[str]:
    return [] if not value else [value] if isinstance(value, str) else list(value)


def to_ms_swift_record(
    videos: str | Sequence[str] | None,
    audios: str | Sequence[str] | None,
    target: dict[str, Any] | None = None,
    instruction: str = SABER_INSTRUCTION,
) -> dict[str, Any]:
    """An ms-swift record over one clip's media (a path or a list of paths each).

    With `target` (a plain SABER record) the assistant turn is added, for supervised training;
    without it the record is an inference request.
    """
    videos, audios = _paths(videos), _paths(audios)
    messages = [{"role": "user", "content": "<video>" * len(videos) + "<audio>" * len(audios) + instruction}]
    if target is not None:
        messages.append({"role": "assistant", "content": dumps(target)})
    return {"messages": messages, "videos": videos, "audios": audios}


def ms_swift_record(case: Case) -> dict[str, Any]:
    """The ms-swift record of a case, its SABER record as the answer. Raises DatasetError without media."""
    if not case.videos and not case.audios:
        raise DatasetError(
            f"no video or audio path for {case.id!r}: add a 'video'/'audio' key to the record, or pass a media root",
            case.line, case.source,
        )
    return to_ms_swift_record(case.videos, case.audios, target=case.saber)


def write_ms_swift(
    cases: Iterable[Case], path: str | Path, on_error: OnError = "skip", report: DataReport | None = None
) -> int:
    """Write ms-swift JSONL; a case without media is reported (and skipped, or raised). Returns the lines written."""
    report = report if report is not None else DataReport()
    records = []
    for case in cases:
        try:
            records.append(ms_swift_record(case))
        except DatasetError as exc:
            report.add(exc, on_error)
    return write_jsonl(path, records)
