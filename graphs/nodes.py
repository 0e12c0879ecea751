"""The nodes of the analysis graph. Each reads the typed run context for its settings."""

from __future__ import annotations

import time
from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Send

from saber_agent import reperception
from saber_agent.budget import BudgetExceeded, call_with_budget
from saber_agent.checking import answer_failed, critique_of
from saber_agent.cues import find_conflicts, several_speakers
from saber_agent.devices import device_options, resolve_device
from saber_agent.evidence import (
    PERCEPTION_SLOTS,
    Analysis,
    CheckOutcome,
    Evidence,
    ModalityCue,
    Provenance,
    Result,
    Slot,
    SlotStatus,
    ToolRun,
)
from saber_agent.graphs.state import Perception, State, ToolTask
from saber_agent.media import Clip, clip_cache
from saber_agent.reasoning import ReasoningRequest
from saber_agent.registry import get_registry
from saber_agent.settings import DEFAULT_REASONER, AnalysisSettings
from saber_agent.voices_heard import counted_in, flagged


def settings_of(runtime: Runtime[AnalysisSettings] | None) -> AnalysisSettings:
    context = getattr(runtime, "context", None)
    if context is None:
        return AnalysisSettings()
    if isinstance(context, dict):
        return AnalysisSettings.model_validate(context)
    return context


def start(state: State) -> Literal["given", "decode"]:
    """Decided once: perception given in the input (e.g. from the evidence cache), or decode and perceive."""
    return "given" if state.get("perception") is not None else "decode"


def given(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """A pre-computed `Perception` becomes the state: its clip metadata, slots, tool runs, cues (made
    now for an entry that has none) and second looks. Nothing is decoded."""
    perception = Perception.model_validate(state["perception"])
    registry = get_registry()
    slot_cues, errors = dict(perception.cues), []
    for run in perception.tool_runs:
        if run.slot not in slot_cues and run.slot in perception.slots:
            slot_cues[run.slot], error = cues_of(registry.tool(run.tool), perception.slots[run.slot])
            errors += error
    update = {
        "perception": perception, "decoded": False, "clip": perception.clip, "slots": dict(perception.slots),
        "tool_runs": list(perception.tool_runs), "slot_cues": slot_cues, "looks": dict(perception.looks), "rounds": 0,
    }
    return {**update, "errors": errors} if errors else update


def decode(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Decode the clip once (MediaError propagates: a clip that cannot be read is the caller's error;
    so does DeviceError for a CUDA device that is not here, before anything is decoded or loaded)."""
    settings = settings_of(runtime)
    if settings.device not in ("auto", "cpu"):
        resolve_device(settings.device)  # a GPU asked for but absent: DeviceError, before any decoding
    start = time.perf_counter()
    clip = clip_cache.get(state["clip_path"], settings.decode)
    return {
        "clip": clip.info, "decoded": True, "rounds": 0, "timings": {"decode": round(time.perf_counter() - start, 4)},
    }


def fan_out(state: State, runtime: Runtime[AnalysisSettings]) -> list[Send] | Literal["fuse"]:
    """One `perceive` branch per selected tool, run in parallel."""
    tools = get_registry().tools_for(settings_of(runtime))
    if not tools:
        return "fuse"
    return [Send("perceive", ToolTask(clip_path=state["clip_path"], tool=t.name)) for t in tools]


def perceive(task: ToolTask, runtime: Runtime[AnalysisSettings]) -> dict:
    """Run one perception tool under its budget, and estimate its slot's cues; any failure marks only
    its own slot."""
    settings = settings_of(runtime)
    tool = get_registry().tool(task["tool"])
    clip = clip_cache.get(task["clip_path"], settings.decode)
    started = time.perf_counter()
    slot = _run_tool(tool, clip, settings)
    finished = time.perf_counter()
    if slot.provenance is None:
        slot.provenance = tool.provenance()
    slot.provenance.seconds = round(finished - started, 4)
    run = ToolRun(
        tool=tool.name, slot=tool.slot, status=slot.status, seconds=round(finished - started, 4),
        started=started, finished=finished, reason=slot.reason,
    )
    cues, errors = cues_of(tool, slot)
    update = {"slots": {tool.slot: slot}, "tool_runs": [run], "slot_cues": {tool.slot: cues}}
    return {**update, "errors": errors} if errors else update


def cues_of(tool, slot: Slot) -> tuple[list[ModalityCue], list[str]]:
    """The per-modality cues `tool` reads from its own `slot` (none from a slot that is not ok), and
    the error if its `cues` raised (a broken estimate is reported, never fatal)."""
    if not slot.ok:
        return [], []
    try:
        return [c for c in tool.cues(slot) if isinstance(c, ModalityCue)], []
    except Exception as exc:
        return [], [f"tool {tool.name!r} failed to estimate cues: {type(exc).__name__}: {exc}"]


def _run_tool(tool, clip, settings: AnalysisSettings) -> Slot:
    if why := tool.missing_modality(clip):
        return Slot.unavailable(why, tool.provenance())
    availability = tool.availability()
    if not availability.ready:
        return Slot.unavailable(f"not available here: {availability.detail}", tool.provenance())
    try:
        slot = call_with_budget(lambda: tool.perceive(clip, settings), settings.tool_timeout_s, f"tool {tool.name!r}")
    except BudgetExceeded as exc:
        return Slot.failed(str(exc), tool.provenance())
    except Exception as exc:  # a broken backend fails its slot, never the analysis
        return Slot.failed(f"{type(exc).__name__}: {exc}", tool.provenance())
    if not isinstance(slot, Slot):
        return Slot.failed(f"tool returned {type(slot).__name__}, not a Slot", tool.provenance())
    if slot.ok and not slot.text.strip():
        return Slot.failed("tool reported success but wrote no text", slot.provenance or tool.provenance())
    return slot


def evidence_of(state: State) -> Evidence:
    return Evidence().with_slots(state.get("slots") or {})


def fuse(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Fan-in: merge the slots' cues (in the order the tools ran) and name the conflicts between them.

    The first time through, the first-pass perception is kept in the state (and the output)."""
    slot_cues = state.get("slot_cues") or {}
    order = list(dict.fromkeys([run.slot for run in state.get("tool_runs") or []] + list(slot_cues)))
    cues = [cue for name in order for cue in slot_cues.get(name, [])]
    voices = counted_in((state.get("slots") or {}).get("acoustic_feat"))  # several voices: the sides may be two people
    update: dict = {"cues": cues, "conflicts": find_conflicts(cues, voices=voices), "critique": []}
    if state.get("perception") is None:
        runs = state.get("tool_runs") or []
        update["perception"] = Perception(
            clip=state["clip"], tool_runs=[run.model_copy() for run in runs],
            slots={run.slot: state["slots"][run.slot].model_copy(deep=True) for run in runs if run.slot in state["slots"]},
            cues={name: list(slot_cues[name]) for name in order if name in slot_cues},
        )
        if runs:
            update["timings"] = {"perception": round(max(r.finished for r in runs) - min(r.started for r in runs), 4)}
    return update


def request_of(state: State, settings: AnalysisSettings | None = None) -> ReasoningRequest:
    """What the next reasoning round sees (with `settings`: how many second looks it may still ask for)."""
    round_ = (state.get("rounds") or 0) + 1
    looks = state.get("reperceptions") or []
    return ReasoningRequest(
        evidence=evidence_of(state),
        clip=state["clip"],
        cues=state.get("cues") or [],
        conflicts=state.get("conflicts") or [],
        critique=state.get("critique") or [],
        round=round_,
        looks=looks,
        looks_left=reperception.calls_left(looks, settings, round_) if settings is not None else 0,
    )


FALLBACK = f"{DEFAULT_REASONER} (fallback from "  # the state's "reasoner" when the fusion answered instead: + name + ")"


def reason(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Ask the reasoner for an analysis; if it fails, report it and fall back to the fusion reasoner."""
    settings = settings_of(runtime)
    registry = get_registry()
    request = request_of(state, settings)
    start = time.perf_counter()
    errors: list[str] = []
    name = settings.reasoner
    try:
        entry = registry.reasoners.get(name)
        options = settings.reasoner_options if entry is None else device_options(
            entry.factory, settings.reasoner_options, settings.device, settings.allow_cpu_fallback
        )  # the analysis device reaches every reasoner that takes one
        reasoner = registry.reasoner(name, options)
        clip = clip_for_reasoner(state, settings, reasoner)
        analysis = call_with_budget(
            lambda: reasoner.reason(request, clip), settings.reasoner_timeout_s, f"reasoner {name!r}"
        )
        if not isinstance(analysis, Analysis):
            raise TypeError(f"reasoner returned {type(analysis).__name__}, not an Analysis")
    except Exception as exc:
        errors.append(f"reasoner {name!r} failed in round {request.round}: {type(exc).__name__}: {exc}")
        if name == DEFAULT_REASONER:
            raise
        name = f"{FALLBACK}{settings.reasoner})"
        fallback = registry.reasoner(DEFAULT_REASONER)
        analysis = fallback.reason(request, clip_for_reasoner(state, settings, fallback))
    seconds = time.perf_counter() - start
    previous = (state.get("timings") or {}).get("reasoning", 0.0)
    update = {
        "analysis": analysis,
        "reasoner": name,
        "rounds": request.round,
        "timings": {"reasoning": round(previous + seconds, 4)},
    }
    if errors:
        update["errors"] = errors
    return update


def clip_for_reasoner(state: State, settings: AnalysisSettings, reasoner) -> Clip | None:
    """The decoded clip for a reasoner: always for one that reads media; for an evidence-only one,
    only when this run decoded it anyway (not when perception came precomputed, e.g. from the cache)."""
    if getattr(reasoner, "reads_media", False) or state.get("decoded"):
        return clip_cache.get(state["clip_path"], settings.decode)
    return None


def check(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Run every consistency check; failures become the critique for another round."""
    outcomes = run_checks(request_of(state), state["analysis"])
    return {"checks": outcomes, "critique": critique_of(outcomes)}


def run_checks(request: ReasoningRequest, analysis: Analysis) -> list[CheckOutcome]:
    """Every registered check's outcome on `analysis` (a check that raises is a failed outcome, details "error")."""
    outcomes: list[CheckOutcome] = []
    for check_ in get_registry().checks.values():
        try:
            outcome = check_.check(request, analysis)
        except Exception as exc:  # a broken check is reported, not turned into a critique
            outcome = CheckOutcome(
                name=check_.name, passed=False, message=f"check raised {type(exc).__name__}: {exc}",
                details={"error": True},
            )
        outcomes.append(outcome)
    return outcomes


def plan_looks(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Plan second looks against the clip's budget: the ones the reasoner asked for or, when checks
    failed and it asked for none, the ones that could fill thin evidence (by rule)."""
    settings = settings_of(runtime)
    tools = get_registry().tools
    rounds, looks = state.get("rounds") or 0, state.get("reperceptions") or []
    asked, asked_by = state["analysis"].perception_requests, f"reasoner {state.get('reasoner', '')}"
    if not asked and state.get("critique"):
        thin = request_of(state).model_copy(
            update={"looks": looks, "looks_left": reperception.calls_left(looks, settings, rounds)}
        )
        decoded = clip_cache.get(state["clip_path"], settings.decode) if state.get("decoded") else None
        asked, asked_by = reperception.evidence_gaps(thin, tools, decoded), "check"
    accepted, refused = reperception.plan(asked, looks, settings, state["clip"], rounds, asked_by, tools)
    return {"perception_requests": accepted, "requested_by": asked_by, "reperceptions": refused}


def after_plan(state: State, runtime: Runtime[AnalysisSettings]) -> Literal["reperceive", "reason", "finish"]:
    """A second look first when one was accepted; else back to the reasoner with the critique while
    checks fail and rounds remain."""
    if state.get("perception_requests"):
        return "reperceive"
    if state.get("critique") and (state.get("rounds") or 0) < settings_of(runtime).max_rounds:
        return "reason"
    return "finish"


def reperceive(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Take the accepted second looks (reusing any the given perception holds), merge each into its
    slot, estimate the cues of a slot that now holds the look, and record it; then fuse and reason again."""
    settings = settings_of(runtime)
    registry = get_registry()
    slots = dict(state.get("slots") or {})
    known = state.get("looks") or {}
    looks = list(state.get("reperceptions") or [])
    taken, found, slot_cues, errors = [], {}, {}, []
    for request in state.get("perception_requests") or []:
        tool = registry.tool(request.tool)
        slot, record, result = reperception.take_look(
            request, tool, state["clip_path"], settings, slots, looks + taken,
            state.get("requested_by", ""), state.get("rounds") or 0, run=_run_tool, known=known,
        )
        slots[record.slot] = slot
        taken.append(record)
        found[request.key()] = result
        if record.kept == "new":
            slot_cues[record.slot], error = cues_of(tool, slot)
            errors += error
    previous = (state.get("timings") or {}).get("reperception", 0.0)
    update = {
        "slots": {r.slot: slots[r.slot] for r in taken},
        "reperceptions": taken,
        "looks": found,
        "slot_cues": slot_cues,
        "perception_requests": [],
        "timings": {"reperception": round(previous + sum(r.seconds for r in taken if not r.cached), 4)},
    }
    return {**update, "errors": errors} if errors else update


def finish(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Assemble the result; the analysis's reasoning becomes the sixth slot. Any reasoner's analysis gets the
    several-voices flag where the acoustic slot counted more than one voice (`voices_heard.flagged`)."""
    slots = dict(state.get("slots") or {})
    settings = settings_of(runtime)
    fell_back = failed_last_round(state, settings)
    state = {**state, **fell_back}
    analysis = flagged(state.get("analysis"), slots.get("acoustic_feat"))
    for name in PERCEPTION_SLOTS:
        slots.setdefault(name, Slot.unavailable("no selected plugin fills this slot"))
    if analysis is not None and analysis.reasoning.strip():
        slots["sentiment_analysis"] = Slot(
            text=analysis.reasoning, status=SlotStatus.ok, provenance=Provenance(plugin=state.get("reasoner", ""))
        )
    result = Result(
        clip=state["clip"],
        evidence=Evidence(**slots),
        cues=state.get("cues") or [],
        # a count the reasoner made itself (the fusion, from the clip, without a prosody slot) reaches the conflicts too
        conflicts=several_speakers(state.get("conflicts") or [], analysis.voices_heard if analysis else None),
        analysis=analysis,
        rejected=state.get("rejected"),
        checks=state.get("checks") or [],
        rounds=state.get("rounds") or 0,
        reasoner=state.get("reasoner", ""),
        tool_runs=state.get("tool_runs") or [],
        reperceptions=state.get("reperceptions") or [],
        timings=state.get("timings") or {},
        errors=[*(state.get("errors") or []), *fell_back.get("fallback_errors", [])],
    )
    perception = state.get("perception")
    if perception is not None:
        perception = perception.model_copy(update={"looks": {**perception.looks, **(state.get("looks") or {})}})
    return {"result": result, "perception": perception}


def failed_last_round(state: State, settings: AnalysisSettings) -> dict:
    """What `finish` changes when the last round's answer still failed checks (no rounds left): nothing when
    every check passed (or only a check that raised failed: the answer did not fail it).

    The answer then carries a note naming the checks it failed and after how many rounds. Where `grounding`
    failed (it cites cues that are not in the evidence) and the reasoner is not the offline fusion, the fusion
    answer to the same evidence replaces it (never an invented cue in the answer): the state's "analysis",
    "reasoner", "checks" (the checks of the fusion answer) and "rejected" (the reasoner's answer, for
    inspection) change, and "fallback_errors" says so for `result.errors`."""
    analysis, checks = state.get("analysis"), state.get("checks") or []
    failed = answer_failed(checks)
    if analysis is None or not failed:
        return {}
    rounds, name = state.get("rounds") or 0, state.get("reasoner", "")
    said = f"the answer failed the check(s) {', '.join(failed)} after {rounds} round(s)"
    if "grounding" not in failed or name == DEFAULT_REASONER or name.startswith(FALLBACK):
        return {"analysis": analysis.model_copy(update={"notes": [*analysis.notes, said]})}
    fusion = get_registry().reasoner(DEFAULT_REASONER)
    request = request_of(state).model_copy(update={"critique": []})
    answer = fusion.reason(request, clip_for_reasoner(state, settings, fusion))
    outcomes = run_checks(request, answer)
    why = (f"reasoner {name!r}: {said}; its answer cites cues that are not in the evidence, so the offline "
           f"{DEFAULT_REASONER} answer replaces it (the rejected answer is in result.rejected)")
    still = answer_failed(outcomes)
    notes = [why] + ([f"the {DEFAULT_REASONER} answer failed the check(s) {', '.join(still)}"] if still else [])
    return {
        "analysis": answer.model_copy(update={"notes": [*answer.notes, *notes]}), "rejected": analysis,
        "reasoner": f"{FALLBACK}{name})", "checks": outcomes, "fallback_errors": [why],
    }
