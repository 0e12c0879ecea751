"""The nodes of the analysis graph. Each reads the typed run context for its settings."""

from __future__ import annotations

import time
from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Send

from saber_agent import reperception
from saber_agent.budget import BudgetExceeded, call_with_budget
from saber_agent.cues import find_conflicts
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


def settings_of(runtime: Runtime[AnalysisSettings] | None) -> AnalysisSettings:
    context = getattr(runtime, "context", None)
    if context is None:
        return AnalysisSettings()
    if isinstance(context, dict):
        return AnalysisSettings.model_validate(context)
    return context


def selected_tools(settings: AnalysisSettings):
    """The tools this run uses: at most one per slot (the first named or registered wins)."""
    chosen, seen = [], set()
    for tool in get_registry().selected_tools(settings.plugins):
        if tool.slot in seen:
            continue
        seen.add(tool.slot)
        chosen.append(tool)
    return chosen


def decode(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Decode the clip once (MediaError propagates: a clip that cannot be read is the caller's error;
    so does DeviceError for a CUDA device that is not here, before anything is decoded or loaded).

    With a pre-computed `perception` in the input, nothing is decoded here: its clip metadata, slots
    and tool runs become the state, and `fan_out` goes straight to `fuse`.
    """
    if state.get("perception") is not None:
        given = Perception.model_validate(state["perception"])
        return {"clip": given.clip, "slots": dict(given.slots), "tool_runs": list(given.tool_runs), "rounds": 0}
    settings = settings_of(runtime)
    if settings.device not in ("auto", "cpu"):
        resolve_device(settings.device)  # a GPU asked for but absent: DeviceError, before any decoding
    start = time.perf_counter()
    clip = clip_cache.get(state["clip_path"], settings.decode)
    return {"clip": clip.info, "timings": {"decode": round(time.perf_counter() - start, 4)}, "rounds": 0}


def fan_out(state: State, runtime: Runtime[AnalysisSettings]) -> list[Send] | Literal["fuse"]:
    """One `perceive` branch per selected tool, run in parallel (none when perception was given)."""
    if state.get("perception") is not None:
        return "fuse"
    tools = selected_tools(settings_of(runtime))
    if not tools:
        return "fuse"
    return [Send("perceive", ToolTask(clip_path=state["clip_path"], tool=t.name)) for t in tools]


def perceive(task: ToolTask, runtime: Runtime[AnalysisSettings]) -> dict:
    """Run one perception tool under its budget; any failure marks only its own slot."""
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
    return {"slots": {tool.slot: slot}, "tool_runs": [run]}


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


def slot_tools(state: State) -> dict[str, str]:
    """Slot name -> the tool whose `cues` read it: the one that filled it, or took the look it now holds."""
    owners = {run.slot: run.tool for run in state.get("tool_runs") or []}
    owners.update({look.slot: look.request.tool for look in state.get("reperceptions") or [] if look.kept == "new"})
    return owners


def fuse(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Fan-in: gather each modality's cues and name the conflicts between them."""
    registry = get_registry()
    slots = state.get("slots") or {}
    cues: list[ModalityCue] = []
    errors: list[str] = []
    for slot_name, tool_name in slot_tools(state).items():
        slot = slots.get(slot_name)
        if slot is None or not slot.ok:
            continue
        tool = registry.tool(tool_name)
        try:
            found = tool.cues(slot)
            cues.extend(c for c in found if isinstance(c, ModalityCue))
        except Exception as exc:
            errors.append(f"tool {tool_name!r} failed to estimate cues: {type(exc).__name__}: {exc}")
    update: dict = {"cues": cues, "conflicts": find_conflicts(cues), "critique": []}
    if errors:
        update["errors"] = errors
    runs = state.get("tool_runs") or []
    if runs and state.get("perception") is None:  # a given perception's runs did not happen in this run
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
        name = f"{DEFAULT_REASONER} (fallback from {settings.reasoner})"
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
    if getattr(reasoner, "reads_media", False) or state.get("perception") is None:
        return clip_cache.get(state["clip_path"], settings.decode)
    return None


def check(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Run every consistency check; failures become the critique for another round.

    Second looks the reasoner asked for are planned here against the clip's budget; when checks fail
    and the reasoner asked for none, the check node asks by rule for what could fill thin evidence.
    """
    settings = settings_of(runtime)
    rounds, looks = state.get("rounds") or 0, state.get("reperceptions") or []
    request = request_of(state)
    analysis = state["analysis"]
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
    critique = [f"{o.name}: {o.message}" for o in outcomes if not o.passed and not o.details.get("error")]
    asked, asked_by = analysis.perception_requests, f"reasoner {state.get('reasoner', '')}"
    if not asked and critique:  # checks failed and the reasoner asked for nothing: ask by rule
        thin = request.model_copy(update={"looks": looks, "looks_left": reperception.calls_left(looks, settings, rounds)})
        decoded = clip_cache.get(state["clip_path"], settings.decode) if state.get("perception") is None else None
        asked, asked_by = reperception.evidence_gaps(thin, decoded), "check"
    accepted, refused = reperception.plan(asked, looks, settings, state["clip"], rounds, asked_by, get_registry().tools)
    return {
        "checks": outcomes, "critique": critique,
        "perception_requests": accepted, "requested_by": asked_by, "reperceptions": refused,
    }


def after_check(state: State, runtime: Runtime[AnalysisSettings]) -> Literal["reperceive", "reason", "finish"]:
    """A second look first when one was accepted; else back to the reasoner with the critique while
    checks fail and rounds remain."""
    if state.get("perception_requests"):
        return "reperceive"
    if state.get("critique") and (state.get("rounds") or 0) < settings_of(runtime).max_rounds:
        return "reason"
    return "finish"


def reperceive(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Take the accepted second looks, merge each into its slot and record it; then fuse and reason again."""
    settings = settings_of(runtime)
    registry = get_registry()
    slots = dict(state.get("slots") or {})
    looks = list(state.get("reperceptions") or [])
    taken: list = []
    for request in state.get("perception_requests") or []:
        slot, record = reperception.take_look(
            request, registry.tool(request.tool), state["clip_path"], settings, slots, looks + taken,
            state.get("requested_by", ""), state.get("rounds") or 0, run=_run_tool,
        )
        slots[record.slot] = slot
        taken.append(record)
    previous = (state.get("timings") or {}).get("reperception", 0.0)
    return {
        "slots": {r.slot: slots[r.slot] for r in taken},
        "reperceptions": taken,
        "perception_requests": [],
        "timings": {"reperception": round(previous + sum(r.seconds for r in taken), 4)},
    }


def finish(state: State, runtime: Runtime[AnalysisSettings]) -> dict:
    """Assemble the result; the analysis's reasoning becomes the sixth slot."""
    analysis = state.get("analysis")
    slots = dict(state.get("slots") or {})
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
        conflicts=state.get("conflicts") or [],
        analysis=analysis,
        checks=state.get("checks") or [],
        rounds=state.get("rounds") or 0,
        reasoner=state.get("reasoner", ""),
        tool_runs=state.get("tool_runs") or [],
        reperceptions=state.get("reperceptions") or [],
        timings=state.get("timings") or {},
        errors=state.get("errors") or [],
    )
    return {"result": result}
