"""Second looks: targeted re-perception when the evidence is too thin to reason on.

A reasoner asks for a `PerceptionRequest` in its answer (`Analysis.perception_requests`): the fusion
reasoner by rule (`evidence_gaps`), an LLM through the `request_perception` tool
(`request_tool_schema`, `request_from_tool_call`). When checks fail and the reasoner asked for
nothing, the check node applies the same rule. The graph's `reperceive` node then runs the tool
again on a window of the clip (`Clip.window`) and/or at a higher frame rate (one extra, denser decode
per clip at most, through the clip cache), merges what it finds into the slot, and records what was
asked, why, and what changed (`Result.reperceptions`). Every clip has a budget of second looks
(`AnalysisSettings.reperception_budget`: calls and tool seconds); a look is taken only while a
reasoning round is left to use it.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from saber_agent.evidence import (
    PERCEPTION_SLOTS,
    SLOT_TITLES,
    ClipInfo,
    LookResult,
    PerceptionRequest,
    Reperception,
    Slot,
    SlotStatus,
    SlotSummary,
    Timeline,
)
from saber_agent.media import Clip, clip_cache
from saber_agent.perception import option_problems
from saber_agent.reasoning import ReasoningRequest
from saber_agent.settings import AnalysisSettings

LOW_CONFIDENCE = 0.5  # an ok slot below this is thin evidence
RELOOK_FPS = 8.0  # the denser sampling the rule asks for (at least twice the first one)
ACTIVE_SHARE = 0.7  # an audio look is narrowed only when the signal covers less than this share of the clip

REQUEST_TOOL_NAME = "request_perception"
REQUEST_TOOL_DESCRIPTION = (
    "Ask for a second, targeted look at the clip before concluding, when the evidence is too thin: "
    "run one perception tool again on a time window (e.g. the moment a conflict hinges on), at a "
    "higher frame rate (e.g. a face seen in too few frames, a brief expression), or with other options "
    "(e.g. a larger speech model for an unclear transcript). Looks are limited per clip; say why."
)

__all__ = [
    "PerceptionRequest", "REQUEST_TOOL_NAME", "calls_left", "clip_for", "describe_looks", "evidence_gaps",
    "merge", "plan", "request_from_tool_call", "request_tool_schema", "take_look",
]


# -- the tool an LLM reasoner calls --------------------------------------------------------------


def request_tool_schema(tools: Iterable[str] | None = None) -> dict[str, Any]:
    """The `request_perception` tool in the OpenAI function-calling format (what `bind_tools` and
    OpenAI-compatible servers accept). `tools` restricts the tool names the model may ask for."""
    parameters = PerceptionRequest.model_json_schema()
    if tools is not None:
        parameters["properties"]["tool"]["enum"] = sorted(tools)
    return {
        "type": "function",
        "function": {"name": REQUEST_TOOL_NAME, "description": REQUEST_TOOL_DESCRIPTION, "parameters": parameters},
    }


def request_from_tool_call(arguments: str | Mapping[str, Any]) -> PerceptionRequest:
    """A model's `request_perception` call arguments (a JSON string or a dict) as a request.

    Raises ValueError naming what is wrong, so a reasoner can tell the model and let it retry.
    """
    try:
        data = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
        return PerceptionRequest.model_validate(data)
    except (json.JSONDecodeError, TypeError, ValidationError) as exc:
        detail = str(exc).splitlines()
        raise ValueError(f"{REQUEST_TOOL_NAME} arguments are invalid: {' '.join(detail[:3])}") from None


def describe_looks(looks: Iterable[Reperception]) -> str:
    """The second looks so far, one line each, for a reasoner's prompt."""
    lines = []
    for look in looks:
        line = f"- {look.request.tool} on {look.request.scope()} ({look.status})"
        if look.note:
            line += f": {look.note}"
        lines.append(line)
    return "\n".join(lines)


# -- the budget ----------------------------------------------------------------------------------


def _taken(looks: Iterable[Reperception]) -> list[Reperception]:
    return [look for look in looks if look.status != "refused"]


def calls_left(looks: Iterable[Reperception], settings: AnalysisSettings, after_round: int) -> int:
    """Second looks still allowed after reasoning round `after_round` (none after the last round: no
    round would be left to use what they find)."""
    if after_round >= settings.max_rounds:
        return 0
    taken = _taken(looks)
    budget = settings.reperception_budget
    if sum(look.seconds for look in taken) >= budget.max_seconds:
        return 0
    return max(0, budget.max_calls - len(taken))


def plan(
    asked: Iterable[PerceptionRequest], looks: list[Reperception], settings: AnalysisSettings, clip: ClipInfo,
    after_round: int, asked_by: str, tools: Iterable[str],
) -> tuple[list[PerceptionRequest], list[Reperception]]:
    """Which requests to take now, and the refused ones as records saying why. `tools`: the loaded
    tools' names, or a mapping of names to tools (`Registry.tools`), which also refuses a look whose
    options its tool's `options_model` rejects (a model's misspelt option is reported, not run)."""
    by_name = tools if isinstance(tools, Mapping) else {}
    known = set(tools)
    left = calls_left(looks, settings, after_round)
    seen = {look.request.key() for look in _taken(looks)}
    accepted: list[PerceptionRequest] = []
    refused: list[Reperception] = []
    for request in asked:
        why = None
        if request.tool not in known:
            why = f"no perception tool named {request.tool!r} (loaded: {', '.join(sorted(known)) or 'none'})"
        elif request.start_s is not None and clip.duration_s and request.start_s >= clip.duration_s:
            why = f"the window starts after the clip ends ({clip.duration_s:g} s)"
        elif request.options and request.tool in by_name and (
            problems := option_problems(by_name[request.tool], {**settings.options_for(request.tool), **request.options})
        ):
            why = "invalid tool option " + "; ".join(problems)
        elif request.key() in seen:
            why = "the same look was already taken"
        elif left <= 0:
            budget = settings.reperception_budget
            why = (
                "no reasoning round is left to use it (max_rounds)" if after_round >= settings.max_rounds
                else f"the budget is spent ({budget.max_calls} look(s), {budget.max_seconds:g} s per clip)"
            )
        if why:
            refused.append(Reperception(request=request, asked_by=asked_by, round=after_round, status="refused", note=why))
            continue
        accepted.append(request)
        seen.add(request.key())
        left -= 1
    return accepted, refused


# -- the rule (what the fusion reasoner and the check node ask for) -------------------------------


def evidence_gaps(
    request: ReasoningRequest, tools: Mapping[str, Any], clip: Clip | None = None
) -> list[PerceptionRequest]:
    """Second looks that could fill thin evidence, by rule, at most one per tool.

    A slot is thin when its tool found nothing although its modality is present, or when it is ok
    with a confidence under LOW_CONFIDENCE (e.g. a face seen in too few frames, a low-probability
    transcript). A tool that reads frames is asked to look again at RELOOK_FPS (a brief expression
    can fall between sparse samples); one that reads only audio is asked to look again at the part
    of the clip that holds the signal, when silence fills much of the rest. `tools` maps tool names to
    the loaded perception tools (e.g. `Registry.tools`).
    """
    if request.looks_left <= 0:
        return []
    looked = {look.request.tool for look in request.looks}
    asks: list[PerceptionRequest] = []
    for name in PERCEPTION_SLOTS:
        slot = request.evidence.slot(name)
        tool = tools.get(slot.provenance.plugin) if slot.provenance else None
        if tool is None or tool.name in looked or _modality_missing(tool, request.clip, clip):
            continue
        thin = _thinness(slot)
        if thin is None or not _ready(tool):
            continue
        if "frames" not in tool.needs and slot.measurements.get("voice_activity"):
            continue  # the tool measured only the speech already: a narrower window holds nothing new
        what = f"{SLOT_TITLES[name]} evidence is thin ({thin})"
        ask = _denser(tool.name, request.clip, what) if "frames" in tool.needs else _narrower(tool.name, clip, what)
        if ask is not None:
            asks.append(ask)
    return asks[: request.looks_left]


def _modality_missing(tool, info: ClipInfo, clip: Clip | None) -> bool:
    if clip is not None:
        return tool.missing_modality(clip) is not None
    return ("frames" in tool.needs and not info.has_video) or ("audio" in tool.needs and not info.has_audio)


def _ready(tool) -> bool:
    try:
        return tool.availability().ready
    except Exception:  # a broken availability probe means no second look, not a failed analysis
        return False


def _thinness(slot: Slot) -> str | None:
    if slot.ok:
        if slot.confidence is not None and slot.confidence < LOW_CONFIDENCE:
            return f"confidence {slot.confidence:.2f}"
        return None
    if slot.status is SlotStatus.unavailable and slot.reason and not slot.reason.startswith("not available here"):
        return f"found nothing: {slot.reason}"
    return None  # a failed tool is not retried by rule: a crash or a timeout is not thin evidence


def _denser(tool: str, info: ClipInfo, what: str) -> PerceptionRequest | None:
    current = info.sample_fps or 0.0
    target = min(max(RELOOK_FPS, 2 * current), info.native_fps or 30.0, 30.0)
    if target <= current * 1.2:
        return None
    return PerceptionRequest(
        tool=tool, fps=round(target, 3),
        reason=f"{what}; at {current:g} fps a brief expression can fall between sampled frames",
    )


def _narrower(tool: str, clip: Clip | None, what: str) -> PerceptionRequest | None:
    span = active_span(clip) if clip is not None else None
    if span is None:
        return None
    start, end = span
    if end - start >= ACTIVE_SHARE * clip.duration_s:
        return None  # the same audio again would give the same answer
    return PerceptionRequest(
        tool=tool, start_s=round(start, 2), end_s=round(end, 2),
        reason=f"{what}; the signal is only in {start:.1f}-{end:.1f} s of {clip.duration_s:.1f} s",
    )


def active_span(clip: Clip, hop_s: float = 0.05, pad_s: float = 0.25) -> tuple[float, float] | None:
    """The span of the audio that holds signal (frames above a tenth of the loudest), padded; None if silent."""
    if clip.audio_is_silent:
        return None
    hop = max(1, int(hop_s * clip.sample_rate))
    n = clip.audio.size // hop
    if n == 0:
        return None
    rms = np.sqrt(np.mean(clip.audio[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    active = np.flatnonzero(rms >= max(1e-3, 0.1 * rms.max()))
    if active.size == 0:
        return None
    duration = clip.audio.size / clip.sample_rate
    return max(0.0, active[0] * hop_s - pad_s), min(duration, (active[-1] + 1) * hop_s + pad_s)


# -- taking a look ---------------------------------------------------------------------------------


def _extra_decode_fps(looks: Iterable[Reperception]) -> float | None:
    """The frame rate of this clip's extra decode, if an earlier look made it."""
    return next((look.request.fps for look in looks if look.decoded), None)


def thin_frames(clip: Clip, fps: float) -> Clip:
    """The clip with at most `fps` frames per second kept (the same rule as the first decode's sampling)."""
    if clip.info.sample_fps is not None and clip.info.sample_fps <= fps:
        return clip
    step, next_t, keep = 1.0 / fps, 0.0, []
    for i, t in enumerate(clip.frame_times):
        if t + 1e-6 >= next_t:
            keep.append(i)
            next_t = (int(t / step) + 1) * step
    info = clip.info.model_copy(update={"sample_fps": round(fps, 4), "n_frames": len(keep)})
    return Clip(info, clip.frames[keep], clip.frame_times[keep], clip.audio, clip.sample_rate)


def clip_for(
    request: PerceptionRequest, clip_path: str, settings: AnalysisSettings, looks: Iterable[Reperception], reads_frames: bool
) -> tuple[Clip, float | None, bool]:
    """The clip a look reads, the frame rate it samples (None if it reads no frames), and whether
    this look made the clip's one extra decode.

    A higher frame rate than the first decode's needs a denser decode: the first such look makes it,
    at its own rate; later looks share it (thinned to their rate, or at its rate if they ask more).
    """
    looks = list(looks)
    clip = clip_cache.get(clip_path, settings.decode)
    decoded = False
    if reads_frames and request.fps and clip.has_video:
        if request.fps > (clip.info.sample_fps or settings.decode.fps) * 1.01:
            dense_fps = _extra_decode_fps(looks)
            decoded = dense_fps is None
            dense_fps = dense_fps or request.fps
            clip = clip_cache.get(clip_path, settings.decode.model_copy(update={"fps": dense_fps}))
        clip = thin_frames(clip, request.fps)
    fps = clip.info.sample_fps if reads_frames and clip.has_video else None
    if request.windowed:
        end = request.end_s if request.end_s is not None else clip.duration_s
        clip = clip.window(request.start_s or 0.0, min(end, clip.duration_s))
        clip.info.n_frames = len(clip.frames)
    return clip, fps, decoded


def settings_for(request: PerceptionRequest, settings: AnalysisSettings, seconds_left: float) -> AnalysisSettings:
    """The run settings of one look: its own tool options, and no more time than the budget has left."""
    options = {**settings.options_for(request.tool), **request.options}
    return settings.model_copy(update={
        "tool_options": {**settings.tool_options, request.tool: options},
        "tool_timeout_s": max(0.01, min(settings.tool_timeout_s, seconds_left)),
    })


def merge(before: Slot | None, look: Slot, request: PerceptionRequest, fps: float | None) -> tuple[Slot, str]:
    """The slot after a look, and which look it holds ("new" or "previous").

    A look that found nothing never replaces evidence. One over the whole clip replaces the slot when
    it is at least as confident as what the slot holds (the same scope, seen better). One over a
    window was asked for because that moment matters: it always leads, and the slot's text keeps the
    earlier description before it. Either way `measurements["looks"]` keeps every look of the slot
    (scope, status, confidence, text, measurements), and the leading look's measurements stay at
    the top, where its tool's `cues` read them. The slot's `timelines` follow the look it holds; a
    window's are moved onto the clip's clock and spliced into the earlier ones (`merge_timelines`).
    """
    scope = request.scope() + (f", sampled at {fps:g} fps" if fps is not None and fps != request.fps else "")
    note = f"second look: {scope}"
    if look.provenance is not None:
        backend = look.provenance.backend
        look.provenance = look.provenance.model_copy(update={"backend": f"{backend}; {note}" if backend else note})
    had = before is not None and before.ok
    history = list(before.measurements.get("looks") or [_look_entry(before, "first look")]) if before else []
    history.append(_look_entry(look, scope))
    if look.ok and (
        not had or request.windowed or before.confidence is None or look.confidence is None
        or look.confidence >= before.confidence
    ):
        text = look.text
        if request.windowed:  # the slot now leads with part of the clip: say which
            end = f"{request.end_s:g} s" if request.end_s is not None else "the end"
            said = f"Between {request.start_s or 0:g} s and {end}: {text}"
            # a window over everything the slot was based on replaces its text; one that says nothing new
            # is not repeated; only a look at part of the evidence is told after the earlier text
            if not had or _window_holds_all(request, before):
                text = said
            elif _says_nothing_new(before.text, look.text):
                text = before.text
            else:
                text = f"{before.text} {said}"
        timelines = merge_timelines(before.timelines if had else {}, look.timelines, request)
        return look.model_copy(update={
            "text": text, "measurements": {**look.measurements, "looks": history}, "timelines": timelines}), "new"
    if before is None:  # nothing to keep: the slot says what the look could not find
        return look.model_copy(update={
            "measurements": {**look.measurements, "looks": history},
            "timelines": merge_timelines({}, look.timelines, request)}), "new"
    return before.model_copy(update={"measurements": {**before.measurements, "looks": history}}), "previous"


def _evidence_span(m: Mapping[str, Any]) -> tuple[float, float] | None:
    """The first and last second a slot's evidence came from, where its measurements say (speech
    regions, words, phrases), else None."""
    regions = m.get("speech_regions") or (m.get("voice_activity") or {}).get("speech_regions")
    if regions:
        return float(regions[0][0]), float(regions[-1][1])
    for key, start, end in (("words", "start", "end"), ("phrases", "start", "end"), ("segments", "start", "end")):
        items = m.get(key)
        if items and isinstance(items, list) and isinstance(items[0], dict) and start in items[0]:
            return float(items[0][start]), float(items[-1][end])
    return None


def _window_holds_all(request: PerceptionRequest, before: Slot, slack_s: float = 0.3) -> bool:
    span = _evidence_span(before.measurements)
    if span is None:
        return False
    end = request.end_s if request.end_s is not None else math.inf
    return (request.start_s or 0.0) - slack_s <= span[0] and span[1] <= end + slack_s


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _says_nothing_new(before: str, look: str) -> bool:
    """The look's text is already in the slot's, word for word (case and punctuation aside)."""
    new = _words(look)
    return not new or new in _words(before)


def merge_timelines(
    before: Mapping[str, Timeline], look: Mapping[str, Timeline], request: PerceptionRequest
) -> dict[str, Timeline]:
    """The slot's timelines after a kept look. A look over the whole clip replaces them. A look over a
    window ran on the window's clock (its 0 s is the window's start): its timelines move onto the
    clip's clock, and each is spliced into the earlier timeline of the same name, so the slot keeps
    the whole clip with the window's denser samples and events inside it."""
    if not request.windowed:
        return dict(look)
    start = request.start_s or 0.0
    end = request.end_s if request.end_s is not None else float("inf")
    out = dict(before)
    for name, window in look.items():
        moved = _shifted(window, start)
        out[name] = splice(before[name], moved, start, end) if name in before else moved
    return out


def _shifted(timeline: Timeline, offset_s: float) -> Timeline:
    return timeline.model_copy(update={
        "times_s": [t + offset_s for t in timeline.times_s],
        "events": [e.model_copy(update={"start_s": e.start_s + offset_s,
                                        "end_s": None if e.end_s is None else e.end_s + offset_s})
                   for e in timeline.events],
    })


def splice(whole: Timeline, window: Timeline, start_s: float, end_s: float) -> Timeline:
    """`whole` with its samples and events in [start_s, end_s] replaced by `window`'s (both on the
    clip's clock). A series or label line only one of them has is a gap (None) in the other's part."""
    def inside(t: float) -> bool:
        return start_s <= t <= end_s

    rows = [(t, whole, i) for i, t in enumerate(whole.times_s) if not inside(t)]
    rows += [(t, window, i) for i, t in enumerate(window.times_s) if inside(t)]
    rows.sort(key=lambda row: row[0])

    def columns(field: str) -> dict[str, list]:
        names = list(dict.fromkeys([*getattr(whole, field), *getattr(window, field)]))
        return {n: [getattr(src, field)[n][i] if n in getattr(src, field) else None for _, src, i in rows] for n in names}

    series = columns("series")
    return Timeline(
        times_s=[t for t, _, _ in rows], series=series, labels=columns("labels"),
        units={k: v for k, v in {**whole.units, **window.units}.items() if k in series},
        events=sorted([e for e in whole.events if not inside(e.start_s)] + [e for e in window.events if inside(e.start_s)],
                      key=lambda e: e.start_s),
        step_s=whole.step_s if whole.step_s == window.step_s else None,
    )


def _look_entry(slot: Slot, scope: str) -> dict[str, Any]:
    return {
        "scope": scope, "status": slot.status.value, "confidence": slot.confidence, "text": slot.text,
        "reason": slot.reason, "measurements": {k: v for k, v in slot.measurements.items() if k != "looks"},
    }


def take_look(
    request: PerceptionRequest, tool, clip_path: str, settings: AnalysisSettings, slots: Mapping[str, Slot],
    looks: list[Reperception], asked_by: str, after_round: int, run: Callable[[Any, Clip, AnalysisSettings], Slot],
    known: Mapping[str, LookResult] | None = None,
) -> tuple[Slot, Reperception, LookResult]:
    """Run one look with `run` (the graph's guarded tool runner) and merge it: (slot now, record, what
    the look found). A look already in `known` (keyed by `PerceptionRequest.key()`, e.g. from the
    evidence cache) is reused: nothing is decoded or run, and the record says `cached`."""
    budget = settings.reperception_budget
    seconds_left = budget.max_seconds - sum(look.seconds for look in _taken(looks))
    reused = (known or {}).get(request.key())
    decoded = False
    if reused is not None:
        found, fps, seconds = reused.slot.model_copy(deep=True), reused.fps, reused.seconds
    else:
        clip, fps, decoded = clip_for(request, clip_path, settings, looks, "frames" in tool.needs)
        started = time.perf_counter()
        found = run(tool, clip, settings_for(request, settings, seconds_left))
        seconds = round(time.perf_counter() - started, 4)
        if found.provenance is None:
            found.provenance = tool.provenance()
        found.provenance.seconds = seconds
    result = LookResult(slot=found.model_copy(deep=True), fps=fps, seconds=seconds)
    before = slots.get(tool.slot)
    slot, kept = merge(before, found, request, fps)
    record = Reperception(
        request=request, asked_by=asked_by, round=after_round,
        status="failed" if found.status is SlotStatus.failed else "done",
        slot=tool.slot, before=SlotSummary.of(before) if before is not None else None, after=SlotSummary.of(found),
        kept=kept, fps=fps, decoded=decoded, seconds=seconds, cached=reused is not None,
    )
    record.note = _change(record)
    return slot, record, result


def _change(record: Reperception) -> str:
    after = record.after
    found = f"{after.status.value}" + (f" (confidence {after.confidence:.2f})" if after.confidence is not None else "")
    if after.status is not SlotStatus.ok and after.reason:
        found += f": {after.reason}"
    before = record.before
    was = "empty" if before is None else before.status.value + (
        f" (confidence {before.confidence:.2f})" if before.confidence is not None else ""
    )
    if record.kept == "new":
        return f"{record.slot}: {was} -> {found}; the new look is kept"
    return f"{record.slot}: the look found {found}; the previous evidence ({was}) is kept"
