"""Readable terminal rendering of a result."""

from __future__ import annotations

import textwrap

from saber_agent.evidence import SLOT_NAMES, SLOT_TITLES, Result

WIDTH = 100


def _wrap(text: str, indent: str = "    ") -> str:
    return "\n".join(textwrap.fill(p, WIDTH, initial_indent=indent, subsequent_indent=indent) for p in text.splitlines() if p.strip())


def _sentence(text: str) -> str:
    """`text` ending as a sentence (a look's note "... finds nothing new" read on into "Why: ...")."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?)" else text + "."


def _short(text: str, chars: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def render(result: Result) -> str:
    """The result as terminal text: clip, the six slots, the conclusion (with the reasoner's conflict
    explanation and cited cues), conflicts and checks."""
    clip = result.clip
    media = []
    if clip.has_video and clip.still_image:
        media.append(f"still image {clip.picture_text()}")
    elif clip.has_video:
        media.append(f"video {clip.picture_text()}, {clip.n_frames} frames at {clip.sample_fps:g} fps")
    if clip.has_audio:
        media.append("audio 16 kHz mono")
    length = [] if clip.still_image and not clip.has_audio else [f"{clip.duration_s:.1f} s"]  # a photo has no length
    lines = [f"{clip.path}  ({'; '.join(length + media) or 'no media'})"]
    lines += [f"  note: {n}" for n in clip.notes]
    for name in SLOT_NAMES:
        slot = result.evidence.slot(name)
        source = f" [{slot.provenance.plugin}]" if slot.provenance and slot.provenance.plugin else ""
        lines.append(f"\n{SLOT_TITLES[name]} ({name}){source}: {slot.status.value}")
        if slot.ok:
            lines.append(_wrap(slot.text))
            notes = slot.measurements.get("notes")
            lines += [_wrap(f"note: {n}") for n in notes if isinstance(n, str)] if isinstance(notes, list) else []
        elif slot.reason:
            lines.append(_wrap(f"({slot.reason})"))
    analysis = result.analysis
    if analysis is not None:
        lines.append("\nConclusion")
        lines.append(
            f"    emotions: {', '.join(analysis.emotions) or '-'}  (basic: {analysis.basic_emotion}; "
            f"valence {analysis.valence:+.2f} {analysis.valence_label}; arousal {analysis.arousal:.2f})"
        )
        lines.append(f"    reasoner: {result.reasoner}, {result.rounds} round(s)")
        lines += [_wrap(f"note: {n}") for n in analysis.notes]  # "2 voices heard: the emotion mixes speakers; ..."
        if analysis.conflict_explanation:
            lines.append(_wrap(f"conflicts explained: {analysis.conflict_explanation}"))
        cited = "; ".join(f"{m}: {' | '.join(_short(c) for c in cues)}" for m, cues in analysis.cues_cited.items() if cues)
        if cited:
            lines.append(_wrap(f"cues cited: {cited}"))
        if analysis.weighed:
            lines.append("    weighed: " + "; ".join(analysis.weighed))
    if result.conflicts:
        lines.append("\nConflicts")
        lines += [_wrap(f"- {c.description}") for c in result.conflicts]
        if analysis is not None and analysis.voices_heard:  # the detection's "suggests sarcasm" assumes one speaker
            lines.append(_wrap(f"({analysis.voices_heard} voices heard: a conflict here may be different people "
                               "disagreeing, not one person's sarcasm, irony or masking)"))
    if result.checks:
        lines.append("\nConsistency checks")
        lines += [f"    [{'pass' if c.passed else 'FAIL'}] {c.name}: {c.message}" for c in result.checks]
    if result.reperceptions:
        lines.append("\nSecond looks")
        for look in result.reperceptions:
            lines.append(_wrap(f"- {look.request.tool} on {look.request.scope()} ({look.status}, asked by {look.asked_by}): "
                               f"{_sentence(look.note)}" + (f" Why: {look.request.reason}" if look.request.reason else "")))
    if result.errors:
        lines.append("\nErrors")
        lines += [_wrap(f"- {e}") for e in result.errors]
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    lines.append(f"\nTimings: {timings}")
    return "\n".join(lines)
