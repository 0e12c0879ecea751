"""Matplotlib figures of the slots' timelines and the per-modality estimates.

Each function takes a slot's `timelines` (name -> `saber_agent.evidence.Timeline`, read through
`saber_agent.ui.series`) or the cues, and returns a `matplotlib.figure.Figure`, or None when there is
nothing to plot. Figures are built with the object API (no pyplot state), so concurrent
requests never draw into each other's figure.
"""

from __future__ import annotations

import math
from typing import Any

from saber_agent.evidence import ModalityCue
from saber_agent.ui import series as S

# One colour per basic class, kept across plots and the page's badges.
EMOTION_COLOURS = {
    "happiness": "#f59e0b", "neutral": "#94a3b8", "sadness": "#3b82f6", "anger": "#ef4444",
    "surprise": "#a855f7", "fear": "#14b8a6", "disgust": "#65a30d", "contempt": "#78716c",
}
MODALITY_COLOURS = {"face": "#f59e0b", "voice": "#6366f1", "words": "#10b981", "body": "#ec4899", "scene": "#64748b"}
INK, GRID = "#334155", "#e2e8f0"


def _figure(height: float = 2.6, rows: int = 1, cols: int = 1, **kwargs):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, height), dpi=100, layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False, **({"sharex": True} if cols == 1 else {}), **kwargs).ravel())
    for ax in axes:
        ax.set_facecolor("white")
        ax.grid(True, color=GRID, linewidth=0.8)
        ax.tick_params(colors=INK, labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#cbd5e1")
    return fig, list(axes)


def _mark_events(ax, events: list[S.Event], colour: str = "#475569") -> None:
    top = ax.get_ylim()[1]
    for event in events[:40]:  # a busy timeline would turn into a barcode
        if event.end is not None and event.end > event.time:
            ax.axvspan(event.time, event.end, color=colour, alpha=0.08, linewidth=0)
        ax.axvline(event.time, color=colour, linewidth=0.8, linestyle=":")
        ax.annotate(event.label, (event.time, top), fontsize=7, color=colour, rotation=90,
                    va="top", ha="right", xytext=(-1, -2), textcoords="offset points")


def expression_figure(timelines: Any):
    """Expression probabilities over time (one line per class), or None."""
    data = S.expression_series(timelines)
    if not data:
        return None
    fig, (ax,) = _figure()
    for name, values in data.lines.items():
        if not any(math.isfinite(v) for v in values):
            continue
        ax.plot(data.times, values, label=name, color=EMOTION_COLOURS.get(name, None), linewidth=1.8,
                marker="o" if len(data.times) < 30 else None, markersize=3)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("probability", color=INK, fontsize=9)
    ax.set_xlabel("time (s)", color=INK, fontsize=9)
    ax.set_title("Facial expression over time", color=INK, fontsize=10, loc="left")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    _mark_events(ax, S.expression_events(timelines))
    return fig


def prosody_figure(timelines: Any):
    """Pitch (F0) and intensity contours on two stacked axes, or None if neither is present."""
    pitch, intensity = S.pitch_series(timelines), S.intensity_series(timelines)
    panels = [(p, label, colour) for p, label, colour in (
        (pitch, "F0 (Hz)", "#6366f1"), (intensity, "intensity (dB)", "#f97316")) if p]
    if not panels:
        return None
    fig, axes = _figure(height=1.7 + 1.3 * len(panels), rows=len(panels))
    for ax, (data, label, colour) in zip(axes, panels, strict=False):
        values = next(iter(data.lines.values()))
        ax.plot(data.times, values, color=colour, linewidth=1.4)
        ax.set_ylabel(label, color=INK, fontsize=9)
    axes[0].set_title("Voice: pitch and intensity contours", color=INK, fontsize=10, loc="left")
    axes[-1].set_xlabel("time (s)", color=INK, fontsize=9)
    events = S.prosody_events(timelines)
    for ax in axes:
        for event in events:
            if event.label == "pause" and event.end is not None:
                ax.axvspan(event.time, event.end, color="#94a3b8", alpha=0.15, linewidth=0)
    emphasis = [e.time for e in events if e.label == "emphasis"]
    if emphasis:
        axes[0].plot(emphasis, [axes[0].get_ylim()[1]] * len(emphasis), "v", color="#334155", markersize=5,
                     label="emphasis", clip_on=False)
        axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    return fig


REGION_COLOURS = ("#ec4899", "#0ea5e9", "#8b5cf6", "#f59e0b", "#10b981", "#64748b")


def activity_figure(timelines: Any):
    """Gesture activity over time (a line per body region), with nods, shakes and bursts marked, or None."""
    data = S.activity_series(timelines)
    if not data:
        return None
    fig, (ax,) = _figure()
    for (name, values), colour in zip(data.lines.items(), REGION_COLOURS * 4, strict=False):
        ax.plot(data.times, values, color=colour, linewidth=1.6, label=name.replace("_", " "))
        if len(data.lines) == 1:
            finite = [v if math.isfinite(v) else 0.0 for v in values]
            ax.fill_between(data.times, finite, color=colour, alpha=0.12, linewidth=0)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("activity", color=INK, fontsize=9)
    ax.set_title("Body: gesture activity over time", color=INK, fontsize=10, loc="left")
    if data.unit:  # units are sentences here ("mean optical flow in the region, ..."): under the axis
        unit = data.unit if len(data.unit) <= 110 else data.unit[:109] + "…"
        ax.set_xlabel(f"time (s)\nactivity: {unit}", color=INK, fontsize=8)
    else:
        ax.set_xlabel("time (s)", color=INK, fontsize=9)
    if len(data.lines) > 1:
        ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    _mark_events(ax, S.body_events(timelines))
    return fig


def cues_figure(cues: list[ModalityCue]):
    """Each modality's valence and arousal side by side: where the modalities agree or pull apart."""
    from saber_agent.cues import merge_cues

    best = merge_cues(list(cues or []))
    if not best:
        return None
    order = [m for m in ("face", "voice", "words", "body", "scene") if m in best]
    fig, (left, right) = _figure(height=max(1.9, 0.95 + 0.42 * len(order)), cols=2, sharey=True,
                                 gridspec_kw={"width_ratios": [2, 1]})
    ys = list(range(len(order)))[::-1]
    for y, modality in zip(ys, order, strict=False):
        cue = best[modality]
        colour = "#10b981" if cue.valence > 0.15 else "#ef4444" if cue.valence < -0.15 else "#94a3b8"
        left.barh(y, cue.valence, color=colour, alpha=0.35 + 0.6 * cue.confidence, height=0.55)
        inside = cue.valence > 0
        left.annotate(f"{cue.emotion or ''}  conf {cue.confidence:.2f}", (0, y), xytext=(-6 if inside else 6, 0),
                      textcoords="offset points", fontsize=7, color=INK, va="center", ha="right" if inside else "left")
        right.barh(y, cue.arousal, color=MODALITY_COLOURS.get(modality, "#64748b"), alpha=0.75, height=0.55)
    left.axvline(0, color="#94a3b8", linewidth=1)
    left.set_xlim(-1.05, 1.05)
    right.set_xlim(0, 1.02)
    left.set_yticks(ys, order)
    left.set_xlabel("valence  (− negative … + positive)", color=INK, fontsize=8)
    right.set_xlabel("arousal  (calm … aroused)", color=INK, fontsize=8)
    left.set_title("Per-modality estimates", color=INK, fontsize=10, loc="left")
    return fig
