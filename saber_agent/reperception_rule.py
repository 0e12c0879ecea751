"""The second-look rule: which slots are thin evidence, and the look that could fill each.

What the fusion reasoner and the check node ask for (`evidence_gaps`): a slot its tool left empty
although its modality is present, or an ok slot with a confidence under LOW_CONFIDENCE. A tool that
reads frames is asked to look again at RELOOK_FPS frames per second; one that reads only audio, at
the span that holds signal (`active_span`, seconds on the clip's clock) when silence fills much of
the rest. A frame-rate look is no use on a still picture (`picture_still`: sampling the same picture
faster finds nothing new); `reperception.plan` refuses it there, with that reason, and on a photo
(`ClipInfo.still_image`: one picture) the rule does not ask for it. Moved out of
saber_agent/reperception.py, which re-exports the public names here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from saber_agent.evidence import PERCEPTION_SLOTS, SLOT_TITLES, ClipInfo, PerceptionRequest, Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.media_audio import SILENCE_RMS
from saber_agent.picture_change import PICTURE_CHANGE_KEY, picture_change  # noqa: F401  (PICTURE_CHANGE_KEY re-exported)
from saber_agent.reasoning import ReasoningRequest

LOW_CONFIDENCE = 0.5  # an ok slot below this is thin evidence
RELOOK_FPS = 8.0  # the denser sampling the rule asks for (at least twice the first one)
ACTIVE_SHARE = 0.7  # an audio look is narrowed only when the signal covers less than this share of the clip


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


def picture_still(clip: Clip | None) -> bool | None:
    """Whether the clip's picture does not change between its sampled frames (a photo with sound, a black
    or static screen): the one decision the frame tools share (`saber_agent.picture_change`), measured here
    when no tool has yet (e.g. `--plugins face,prosody`: no body, scene or speakers ran; the decision was then
    missing and an 8 fps look was taken at a still picture) and cached in ``clip.extras`` for the rest.
    None when there is no decoded clip, it has no picture or only one sampled frame: then no look is refused for it. Decided on the
    first sampling, whose decode also compares the frames it did not sample (`picture_change.BetweenSamples`), so
    a change that falls wholly between two sampled frames is seen; not where that watch is missing (frames made
    in memory, a decode thinned while reading a file of no declared duration)."""
    if clip is None or not clip.has_video:
        return None
    return picture_change(clip).decided  # None for one sampled frame: one frame shows no change, nor its absence


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
        return f"found nothing: {mid_sentence(slot.reason)}"
    return None  # a failed tool is not retried by rule: a crash or a timeout is not thin evidence


def mid_sentence(text: str) -> str:
    """`text` (a slot's reason, which may be written as a sentence: "No face was found ...") as it reads inside another
    sentence: its first word lower-cased where it is a plain capitalised word ("No", "The", "A"); a name or an acronym
    ("MediaPipe", "GPU") is kept as written."""
    word = text.split(" ", 1)[0].rstrip(".,:;")
    if word.isalpha() and word[0].isupper() and (word[1:].islower() or word == "A"):
        return text[0].lower() + text[1:]
    return text


def _denser(tool: str, info: ClipInfo, what: str) -> PerceptionRequest | None:
    if info.still_image:  # a photo: one picture, no frame rate to raise and nothing between frames to miss
        return None
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
    """The span of the audio that holds signal (frames above a tenth of the loudest and the silence level of the one
    silence rule, `media_audio.SILENCE_RMS`), padded; None if silent. The floor was -60 dBFS: faint speech that the
    rule calls sound (under -60 dBFS in a phone recording with low gain) had no span."""
    if clip.audio_is_silent:
        return None
    hop = max(1, int(hop_s * clip.sample_rate))
    n = clip.audio.size // hop
    if n == 0:
        return None
    rms = np.sqrt(np.mean(clip.audio[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    active = np.flatnonzero(rms >= max(SILENCE_RMS, 0.1 * rms.max()))
    if active.size == 0:
        return None
    duration = clip.audio.size / clip.sample_rate
    return max(0.0, active[0] * hop_s - pad_s), min(duration, (active[-1] + 1) * hop_s + pad_s)
