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

The rule (which slots are thin, and the look for each) lives in saber_agent/reperception_rule.py; the
merge of a look into its slot and timelines in saber_agent/reperception_merge.py. This module holds the
tool an LLM calls, the budget and the plan, and taking a look; it re-exports the moved names.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
from pydantic import ValidationError

from saber_agent.evidence import (
    ClipInfo,
    LookResult,
    PerceptionRequest,
    Reperception,
    Slot,
    SlotStatus,
    SlotSummary,
)
from saber_agent.media import Clip, clip_cache
from saber_agent.media_audio import AUDIO_GAPS_KEY
from saber_agent.perception import option_problems
from saber_agent.reperception_merge import merge, merge_timelines, splice
from saber_agent.reperception_rule import (
    ACTIVE_SHARE,
    LOW_CONFIDENCE,
    PICTURE_CHANGE_KEY,
    RELOOK_FPS,
    active_span,
    evidence_gaps,
    mid_sentence,
    picture_still,
)
from saber_agent.settings import AnalysisSettings

REQUEST_TOOL_NAME = "request_perception"
REQUEST_TOOL_DESCRIPTION = (
    "Ask for a second, targeted look at the clip before concluding, when the evidence is too thin: "
    "run one perception tool again on a time window (e.g. the moment a conflict hinges on), at a "
    "higher frame rate (e.g. a face seen in too few frames, a brief expression), or with other options "
    "(e.g. a larger speech model for an unclear transcript). Looks are limited per clip; say why."
)

# the rule and the merge moved out of this module; their names are still read from here
__all__ = [
    "ACTIVE_SHARE", "LOW_CONFIDENCE", "PICTURE_CHANGE_KEY", "PerceptionRequest", "RELOOK_FPS", "REQUEST_TOOL_DESCRIPTION",
    "REQUEST_TOOL_NAME", "active_span", "calls_left", "clip_for", "describe_looks", "evidence_gaps", "merge", "merge_timelines",
    "picture_still", "plan", "request_from_tool_call", "request_tool_schema", "settings_for", "splice", "take_look", "thin_frames",
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
    after_round: int, asked_by: str, tools: Iterable[str], still: bool | None = None,
) -> tuple[list[PerceptionRequest], list[Reperception]]:
    """Which requests to take now, and the refused ones as records saying why. `tools`: the loaded
    tools' names, or a mapping of names to tools (`Registry.tools`), which also refuses a look whose
    options its tool's `options_model` rejects (a model's misspelt option is reported, not run).

    On a still picture a look that only samples frames faster is refused (it would find the same
    picture again: on the trial's still clips such looks cost 1-4 s a clip and found nothing). `still`:
    whether the picture is still; None reads the clip's one still-picture decision (`picture_still`)
    from the decoded clip in the clip cache, measuring it there when no tool has (no decode is made for it)."""
    by_name = tools if isinstance(tools, Mapping) else {}
    known = set(tools)
    if still is None and not clip.still_image:
        still = picture_still(clip_cache.peek(clip.path, settings.decode))
    # a still image (one picture in the file: its one sampled frame is all there is) is still, whatever was measured
    still = still or clip.still_image
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
        elif still and _only_faster(request, by_name.get(request.tool), clip, settings):
            why = (f"the clip is a single still image: sampling it at {request.fps:g} fps finds nothing new" if clip.still_image
                   else f"the picture does not change between the sampled frames (a still image): sampling it at "
                        f"{request.fps:g} fps finds nothing new")
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


def _only_faster(request: PerceptionRequest, tool, clip: ClipInfo, settings: AnalysisSettings) -> bool:
    """The look samples frames faster than the first decode and changes nothing else a still picture
    could answer differently: no other options, and no window unless the tool reads only frames (an
    unknown tool is taken to read frames: only frame tools use `fps`)."""
    first = clip.sample_fps or settings.decode.fps
    if not request.fps or request.fps <= first * 1.01 or request.options:
        return False
    needs = getattr(tool, "needs", None) or frozenset({"frames"})
    return "frames" in needs and (not request.windowed or set(needs) == {"frames"})


# -- taking a look ---------------------------------------------------------------------------------


def _extra_decode_fps(looks: Iterable[Reperception]) -> float | None:
    """The frame rate of this clip's extra decode, if an earlier look made it."""
    return next((look.request.fps for look in looks if look.decoded), None)


def thin_frames(clip: Clip, fps: float) -> Clip:
    """The clip with at most `fps` frames per second kept (the same rule as the first decode's sampling). Its audio is
    the clip's, and so are the decoder's audio gaps (`media_audio.AUDIO_GAPS_KEY`: stretches the decoder filled with
    silence): without them the look's prosody counted a filled gap as a pause."""
    if clip.info.sample_fps is not None and clip.info.sample_fps <= fps:
        return clip
    step, next_t, keep = 1.0 / fps, 0.0, []
    for i, t in enumerate(clip.frame_times):
        if t + 1e-6 >= next_t:
            keep.append(i)
            next_t = (int(t / step) + 1) * step
    info = clip.info.model_copy(update={"sample_fps": round(fps, 4), "n_frames": len(keep)})
    thinned = Clip(info, clip.frames[keep], clip.frame_times[keep], clip.audio, clip.sample_rate)
    if (gaps := clip.extras.get(AUDIO_GAPS_KEY)) is not None:
        thinned.extras[AUDIO_GAPS_KEY] = list(gaps)
    return thinned


def clip_for(
    request: PerceptionRequest, clip_path: str, settings: AnalysisSettings, looks: Iterable[Reperception], reads_frames: bool
) -> tuple[Clip, float | None, bool]:
    """The clip a look reads, the frame rate it samples (None if it reads no frames), and whether
    this look made the clip's one extra decode.

    A higher frame rate than the first decode's needs a denser decode: the first such look makes it,
    at its own rate; later looks share it (thinned to their rate, or at its rate if they ask more).
    The look's clip carries the first clip's voice-activity decision, cut to its window (`_share_voice_activity`).
    """
    looks = list(looks)
    clip = first = clip_cache.get(clip_path, settings.decode)
    decoded = False
    if reads_frames and request.fps and clip.has_video:
        if request.fps > (clip.info.sample_fps or settings.decode.fps) * 1.01:
            dense_fps = _extra_decode_fps(looks)
            decoded = dense_fps is None
            dense_fps = dense_fps or request.fps
            clip = clip_cache.get(clip_path, settings.decode.model_copy(update={"fps": dense_fps}))
        clip = thin_frames(clip, request.fps)
    fps = clip.info.sample_fps if reads_frames and clip.has_video else None
    span = None
    if request.windowed:
        end = request.end_s if request.end_s is not None else clip.duration_s
        span = (request.start_s or 0.0, min(end, clip.duration_s))
        clip = clip.window(*span)
        clip.info.n_frames = len(clip.frames)
    _share_voice_activity(first, clip, span)
    return clip, fps, decoded


def _share_voice_activity(first: Clip, look: Clip, span: tuple[float, float] | None) -> None:
    """Give the look's clip the first decode's voice-activity decision (`saber_agent.voice_activity`), cut to the
    look's window (`span`, seconds on the first clip's clock; None: the whole clip), where the look's audio is
    that clip's audio: a denser decode, a thinned or windowed view of it. A look's tools then hear the speech the
    first pass heard (in segment mode: the whole file's decision, already cut to the utterance), not a new
    detection on the window alone, which can differ (`voice_activity.window_activity`). Nothing is detected here:
    a first clip no tool asked for a decision gives none."""
    from saber_agent.voice_activity import window_activity

    activity = first.extras.get("voice_activity")
    if activity is None or look is first or look.extras.get("voice_activity") is not None:
        return
    rate = first.sample_rate
    audio = first.audio if span is None else first.audio[int(max(0.0, span[0]) * rate): int(max(0.0, span[1]) * rate)]
    if look.sample_rate != rate or look.audio.size != audio.size or not np.array_equal(look.audio, audio):
        return  # another audio: its own decision
    look.extras["voice_activity"] = activity if span is None else window_activity(
        activity, span[0], span[1], rate, what="this second look's window", clock="the analysed clip")


def settings_for(request: PerceptionRequest, settings: AnalysisSettings, seconds_left: float) -> AnalysisSettings:
    """The run settings of one look: its own tool options, and no more time than the budget has left."""
    options = {**settings.options_for(request.tool), **request.options}
    return settings.model_copy(update={
        "tool_options": {**settings.tool_options, request.tool: options},
        "tool_timeout_s": max(0.01, min(settings.tool_timeout_s, seconds_left)),
    })



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
        found += f": {mid_sentence(after.reason)}"
    before = record.before
    was = "empty" if before is None else before.status.value + (
        f" (confidence {before.confidence:.2f})" if before.confidence is not None else ""
    )
    if record.kept == "new":
        return f"{record.slot}: {was} -> {found}; the new look is kept"
    return f"{record.slot}: the look found {found}; the previous evidence ({was}) is kept"
