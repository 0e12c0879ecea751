"""The run view: a run folded from the graph's events into what the page shows, one chunk at a time.

Nothing here imports Gradio or touches files: a run is folded into a `RunView` one
``graph.stream(..., stream_mode="updates")`` chunk at a time (`apply_update`), with a progress line
per node in words. `saber_agent.ui.render` turns a `RunView` into HTML strings and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from saber_agent.cues import merge_cues
from saber_agent.evidence import (
    PERCEPTION_SLOTS,
    SLOT_NAMES,
    SLOT_TITLES,
    Analysis,
    CheckOutcome,
    ClipInfo,
    Conflict,
    ModalityCue,
    Result,
    Slot,
    ToolRun,
)
from saber_agent.ui.advice import no_finding


@dataclass(frozen=True)
class ProgressLine:
    """One line of the run's progress log."""

    stage: str  # decode | perceive | fuse | reason | check | finish | error | other
    text: str
    status: str = "ok"  # ok | warn | fail | info
    elapsed_s: float | None = None


@dataclass(frozen=True)
class RunView:
    """Everything the page shows about one run, folded from the graph's update events."""

    planned: dict[str, str] = field(default_factory=dict)  # slot -> tool chosen for it
    clip: ClipInfo | None = None
    slots: dict[str, Slot] = field(default_factory=dict)
    tool_runs: tuple[ToolRun, ...] = ()
    cues: tuple[ModalityCue, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    analysis: Analysis | None = None
    reasoner: str = ""
    rounds: int = 0
    checks: tuple[CheckOutcome, ...] = ()
    check_history: tuple[tuple[int, tuple[CheckOutcome, ...]], ...] = ()  # (round, outcomes)
    result: Result | None = None
    errors: tuple[str, ...] = ()
    looks: tuple[Any, ...] = ()  # second looks (targeted re-perception), when the graph takes them
    lines: tuple[ProgressLine, ...] = ()
    error: str | None = None  # why the run stopped, for the user
    started: bool = False

    @property
    def finished(self) -> bool:
        return self.result is not None

    @property
    def done_tools(self) -> int:
        return len(self.tool_runs)


def new_run(planned: list[tuple[str, str]] | dict[str, str]) -> RunView:
    """The view of a run that is starting, with the (tool, slot) pairs that will fill slots."""
    pairs = planned.items() if isinstance(planned, dict) else [(slot, tool) for tool, slot in planned]
    return RunView(planned={slot: tool for slot, tool in pairs}, started=True,
                   lines=(ProgressLine("decode", "Checking the upload, then decoding it once for every tool…", "info", 0.0),))


def _model(cls, value):
    if value is None or isinstance(value, cls):
        return value
    return cls.model_validate(value)


def apply_update(view: RunView, chunk: Any, elapsed_s: float | None = None) -> RunView:
    """Fold one ``stream_mode="updates"`` chunk (``{node: update}``) into a new view."""
    if not isinstance(chunk, dict):
        return view
    for node, update in chunk.items():
        if node.startswith("__"):  # interrupts and other markers
            continue
        view = _apply_node(view, node, update if isinstance(update, dict) else {}, elapsed_s)
    return view


def _line(view: RunView, stage: str, text: str, status: str, elapsed_s: float | None) -> RunView:
    return replace(view, lines=view.lines + (ProgressLine(stage, text, status, elapsed_s),))


def _apply_node(view: RunView, node: str, update: dict, elapsed_s: float | None) -> RunView:
    errors = tuple(str(e) for e in update.get("errors") or ())
    if errors:
        view = replace(view, errors=view.errors + errors)
    if node in ("decode", "given"):
        clip = _model(ClipInfo, update.get("clip"))
        view = replace(view, clip=clip)
        view = _line(view, "decode", describe_clip(clip) if clip else "Decoded the clip.", "ok", elapsed_s)
        if view.planned:
            names = ", ".join(view.planned[s] for s in PERCEPTION_SLOTS if s in view.planned)
            view = _line(view, "perceive", f"Perceiving in parallel: {names}", "info", elapsed_s)
        return view
    if node == "perceive":
        slots = {k: _model(Slot, v) for k, v in (update.get("slots") or {}).items()}
        runs = tuple(_model(ToolRun, r) for r in update.get("tool_runs") or ())
        view = replace(view, slots={**view.slots, **slots}, tool_runs=view.tool_runs + runs)
        for run in runs:
            view = _line(view, "perceive", describe_tool_run(run), _STATUS_TONE.get(run.status.value, "info"), elapsed_s)
        if not runs:
            for name, slot in slots.items():
                view = _line(view, "perceive", f"{SLOT_TITLES.get(name, name)}: {slot.status.value}", "info", elapsed_s)
        return view
    if node == "reperceive":
        slots = {k: _model(Slot, v) for k, v in (update.get("slots") or {}).items()}
        looks = tuple(update.get("reperceptions") or ())
        view = replace(view, slots={**view.slots, **slots}, looks=view.looks + looks)
        for look in looks:
            status = str(_field(look, "status") or "done")
            view = _line(view, "reperceive", describe_look(look), "ok" if status == "done" else "warn", elapsed_s)
        return view
    if node == "fuse":
        cues = tuple(_model(ModalityCue, c) for c in update.get("cues") or ())
        conflicts = tuple(_model(Conflict, c) for c in update.get("conflicts") or ())
        view = replace(view, cues=cues, conflicts=conflicts)
        return _line(view, "fuse", describe_fusion(cues, conflicts), "warn" if conflicts else "ok", elapsed_s)
    if node == "reason":
        analysis = _model(Analysis, update.get("analysis"))
        rounds = int(update.get("rounds") or view.rounds + 1)
        view = replace(view, analysis=analysis or view.analysis, reasoner=str(update.get("reasoner") or view.reasoner), rounds=rounds)
        tone = "warn" if errors else "ok"
        return _line(view, "reason", describe_round(rounds, view.reasoner, analysis), tone, elapsed_s)
    if node == "check":
        checks = tuple(_model(CheckOutcome, c) for c in update.get("checks") or ())
        view = replace(view, checks=checks, check_history=view.check_history + ((view.rounds, checks),))
        failed = [c.name for c in checks if not c.passed]
        text = f"Round {view.rounds} checks: {len(checks) - len(failed)}/{len(checks)} passed"
        if update.get("critique"):
            text += f"; critique sent back to the reasoner ({', '.join(failed)})"
        elif failed:
            text += f" ({', '.join(failed)} failed)"
        return _line(view, "check", text, "warn" if failed else "ok", elapsed_s)
    if node == "plan_looks":  # a look it plans is shown when `reperceive` takes it
        return view
    if node == "finish":
        result = _model(Result, update.get("result"))
        if result is None:
            return view
        view = replace(
            view, result=result, slots={n: result.evidence.slot(n) for n in SLOT_NAMES},
            analysis=result.analysis or view.analysis, cues=tuple(result.cues), conflicts=tuple(result.conflicts),
            checks=tuple(result.checks), rounds=result.rounds, reasoner=result.reasoner or view.reasoner,
            looks=tuple(getattr(result, "reperceptions", None) or view.looks),
        )
        verdict = "all checks passed" if result.checks_passed else "some checks still fail"
        return _line(view, "finish", f"Done: {result.rounds} reasoning round(s), {verdict}.",
                     "ok" if result.checks_passed else "warn", elapsed_s)
    return _line(view, "other", f"{node} finished", "info", elapsed_s)


def fail_run(view: RunView, message: str, elapsed_s: float | None = None) -> RunView:
    """The view of a run that stopped with a user-facing error."""
    return replace(_line(view, "error", message, "fail", elapsed_s), error=message)


_STATUS_TONE = {"ok": "ok", "unavailable": "warn", "failed": "fail"}


# -- one-line descriptions -------------------------------------------------------------------


def describe_clip(clip: ClipInfo) -> str:
    parts = []
    if clip.has_video and clip.still_image:
        parts.append(f"still image {clip.picture_text().replace('x', '×')}")
    elif clip.has_video:
        fps = f" at {clip.sample_fps:g} fps" if clip.sample_fps else ""
        parts.append(f"video {clip.picture_text().replace('x', '×')}, {clip.n_frames} frames sampled{fps}")
    if clip.has_audio:
        parts.append("audio 16 kHz mono")
    what = "a still image" if clip.still_image and not clip.has_audio else f"a {clip.duration_s:.1f} s clip"
    text = f"Decoded {what}: " + ("; ".join(parts) or "no media")
    if clip.notes:
        text += " (" + "; ".join(clip.notes) + ")"
    return text


def describe_tool_run(run: ToolRun) -> str:
    title = SLOT_TITLES.get(run.slot, run.slot)
    text = f"{run.tool} → {title}: {run.status.value} in {run.seconds:.2f} s"
    if run.reason and run.status.value != "ok":
        text += f" ({run.reason})"
    return text


def describe_fusion(cues, conflicts) -> str:
    n = len(merge_cues(list(cues)))
    text = f"Fused {n} modality estimate{'s' if n != 1 else ''}"
    if conflicts:
        pairs = ", ".join(" vs ".join(c.modalities) for c in conflicts)
        return f"{text}; {len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}: {pairs}"
    return f"{text}; no conflict"


def describe_round(round_: int, reasoner: str, analysis: Analysis | None) -> str:
    if analysis is None:
        return f"Round {round_}: {reasoner or 'reasoner'} gave no analysis"
    if no_finding(analysis):  # its basic emotion, valence and arousal are defaults, not a reading
        return f"Round {round_}: {reasoner or 'reasoner'} finds no emotion (no modality gave an emotion estimate)"
    labels = ", ".join(analysis.emotions[:3]) or analysis.basic_emotion
    return (f"Round {round_}: {reasoner or 'reasoner'} reads {labels} ({analysis.basic_emotion}), "
            f"valence {analysis.valence:+.2f}, arousal {analysis.arousal:.2f}")


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def describe_look(look: Any) -> str:
    """One second look (targeted re-perception) in words: who asked, which tool, where, what came of it."""
    request = _field(look, "request") or {}
    tool = _field(request, "tool") or "a tool"
    scope = ""
    if callable(getattr(request, "scope", None)):
        try:
            scope = request.scope()
        except Exception:  # a description is not worth failing the page for
            scope = ""
    asked = _field(look, "asked_by")
    status = _field(look, "status") or "done"
    note = _field(look, "note")
    text = "Second look" + (f" asked by {asked}" if asked else "") + f": {tool}" + (f" on {scope}" if scope else "")
    text += f", {status}"
    return text + (f" ({note})" if note else "")
