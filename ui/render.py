"""The run view rendered: HTML strings, figures and downloads for the page, from a `RunView`.

Pure functions, no Gradio, no files: the page calls them with the view `saber_agent.ui.views`
folds from the graph's events. Every text that came from the clip or a model (transcripts
especially) is HTML-escaped: it is untrusted data. Notes, reasons and errors are shown with their command-line advice
in the app's terms (`saber_agent.ui.advice.for_app`); the result and its downloads keep the original words.
The consistency report tab is rendered by `saber_agent.ui.consistency_report` (re-exported here).
"""

from __future__ import annotations

import html
import json
from typing import Any

from saber_agent.evidence import SLOT_NAMES, SLOT_TITLES, Result, Slot, valence_label
from saber_agent.segments import UNCERTAIN
from saber_agent.ui import plots
from saber_agent.ui import series as S
from saber_agent.ui.advice import for_app, no_finding, uncertain
from saber_agent.ui.consistency_report import agreements, consistency_html  # noqa: F401  (re-exported: the old import path)
from saber_agent.ui.views import RunView

SLOT_BLURBS = {
    "video_desc": "the scene and its context",
    "speech_content": "what is said, verbatim",
    "acoustic_feat": "how it is said: pitch, loudness, voice quality",
    "facial_exp_desc": "facial expressions and their changes",
    "body_lang_desc": "posture, gestures, head movement",
    "sentiment_analysis": "the reasoned conclusion over all evidence",
}

# Feather-style line icons (inline SVG: no icon font, no network, render in any browser).
_ICON_PATHS = {
    "video_desc": '<rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="8.5" cy="8.5" r="1.5"/>'
                  '<polyline points="21 15 16 10 5 21"/>',
    "speech_content": '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>',
    "acoustic_feat": '<polyline points="22 12 18 12 15 21 9 3 6 12 2 12"/>',
    "facial_exp_desc": '<circle cx="12" cy="12" r="10"/><path d="M8 14s1.5 2 4 2 4-2 4-2"/>'
                       '<line x1="9" y1="9" x2="9.01" y2="9"/><line x1="15" y1="9" x2="15.01" y2="9"/>',
    "body_lang_desc": '<circle cx="12" cy="4.5" r="2.5"/><path d="M12 7v7m0 0-4 7m4-7 4 7M5 10l7-1 7 1"/>',
    "sentiment_analysis": '<polygon points="13 2 3 14 12 14 11 22 21 10 12 10 13 2"/>',
}

BADGES = {
    "ok": "ok",
    "unavailable": "unavailable",
    "failed": "failed",
    "running": "running",
    "waiting": "waiting",
    "idle": "no clip yet",
    "unselected": "no plugin",
    "draft": "draft",
    "stopped": "stopped",
}



def format_time(seconds: float | None) -> str:
    """m:ss.s, the way a player shows a position."""
    if seconds is None:
        return "–:––"
    seconds = max(0.0, float(seconds))
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


# -- HTML ------------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def icon(name: str) -> str:
    return ('<svg class="saber-icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{_ICON_PATHS.get(name, "")}</svg>')


def badge(state: str) -> str:
    return f'<span class="saber-badge saber-badge-{_e(state)}">{_e(BADGES.get(state, state))}</span>'


def slot_state(view: RunView | None, name: str) -> tuple[str, Slot | None]:
    """(badge state, slot) of one slot at this point of the run."""
    if view is None or not view.started:
        return "idle", None
    slot = view.slots.get(name)
    if name == "sentiment_analysis":
        if view.result is not None and slot is not None:
            return slot.status.value, slot
        if view.analysis is not None and view.analysis.reasoning.strip():
            draft = Slot(text=view.analysis.reasoning, status="ok")
            return ("stopped" if view.error else "draft"), draft
        return ("stopped" if view.error else "waiting"), None
    if slot is not None:
        return slot.status.value, slot
    if view.error:
        return "stopped", None
    if view.clip is None:
        return "waiting", None
    return ("running" if name in view.planned else "unselected"), None


def slot_card(name: str, state: str, slot: Slot | None, planned_tool: str | None = None, note: str | None = None) -> str:
    """One slot as a card: icon, title, SABER key, status badge, text or reason, provenance."""
    title = SLOT_TITLES.get(name, name)
    if slot is not None and slot.ok and slot.text.strip():
        body = f'<p class="saber-slot-text">{_e(for_app(slot.text))}</p>'
    elif slot is not None and slot.reason:
        body = f'<p class="saber-slot-reason">{_e(for_app(slot.reason))}</p>'
    elif state == "running":
        body = f'<p class="saber-slot-reason"><span class="saber-spinner"></span>{_e(planned_tool or "a tool")} is working…</p>'
    elif state == "unselected":
        body = '<p class="saber-slot-reason">No selected plugin fills this slot.</p>'
    elif state == "idle":
        body = f'<p class="saber-slot-reason">{_e(SLOT_BLURBS.get(name, ""))}</p>'
    elif state == "stopped":
        body = f'<p class="saber-slot-reason">{_e(note or "The run stopped before this slot was filled.")}</p>'
    else:
        body = '<p class="saber-slot-reason"><span class="saber-spinner"></span>Waiting for the evidence…</p>'
    meta = _slot_meta(slot)
    return (
        f'<div class="saber-slot saber-slot-{_e(state)}" data-slot="{_e(name)}" data-status="{_e(state)}">'
        f'<div class="saber-slot-head">{icon(name)}<span class="saber-slot-title">{_e(title)}</span>'
        f'<code class="saber-slot-key">{_e(name)}</code>{badge(state)}</div>{body}{meta}</div>'
    )


def short_model(model: str) -> str:
    """A model as the page names it: a local path by its file name, a hub id or URL as it is."""
    if model.startswith(("/", "./", "../", "~")) or (len(model) > 2 and model[1] == ":"):
        parts = [p for p in model.replace("\\", "/").split("/") if p]
        # a model folder is often just "model": its parent names it
        return "/".join(parts[-2:]) if parts and "." not in parts[-1] else parts[-1] if parts else model
    return model


def _slot_meta(slot: Slot | None) -> str:
    if slot is None:
        return ""
    parts = []
    p = slot.provenance
    if p is not None and p.plugin:
        parts.append(_e(p.plugin + (f" {p.version}" if p.version else "")))
        if p.backend:
            parts.append(_e(p.backend))
        if p.model:
            parts.append(f'<code title="{_e(p.model)}">{_e(short_model(p.model))}</code>')
        if p.seconds is not None:
            parts.append(f"{p.seconds:.2f} s")
    if slot.confidence is not None:
        pct = round(slot.confidence * 100)
        parts.append(f'confidence <span class="saber-meter"><span style="width:{pct}%"></span></span> {pct}%')
    return f'<div class="saber-slot-meta">{" · ".join(parts)}</div>' if parts else ""


def slots_html(view: RunView | None) -> str:
    """The six SABER slots as a grid of cards, each with its status badge."""
    cards = []
    for name in SLOT_NAMES:
        state, slot = slot_state(view, name)
        planned = view.planned.get(name) if view else None
        cards.append(slot_card(name, state, slot, planned, "Not analysed: the run stopped (see the message above)."))
    return f'<div class="saber-slots">{"".join(cards)}</div>'


def progress_html(view: RunView | None) -> str:
    """The run's progress log: each perception tool as it finishes, then each reasoning round."""
    if view is None or not view.lines:
        return ('<div class="saber-progress saber-progress-empty">Progress appears here, node by node: '
                'the decode, each perception tool as it finishes, then each reasoning round and its checks.</div>')
    items = []
    for line in view.lines:
        when = f'<span class="saber-when">{line.elapsed_s:5.1f}s</span>' if line.elapsed_s is not None else ""
        items.append(f'<li class="saber-line saber-line-{_e(line.status)}" data-stage="{_e(line.stage)}">'
                     f'<span class="saber-dot"></span>{when}<span class="saber-line-text">{_e(for_app(line.text))}</span></li>')
    running = view.started and not view.finished and not view.error
    tail = '<li class="saber-line saber-line-info"><span class="saber-spinner"></span>working…</li>' if running else ""
    return f'<ol class="saber-progress">{"".join(items)}{tail}</ol>'


def _meter(value: float | None, low: float, high: float, left: str, right: str, kind: str) -> str:
    """A scale from `low` to `high` with `value` marked; None: no mark (no reading), the track greyed."""
    if value is None:
        track = '<span class="saber-scale-track saber-scale-none" title="no reading"></span>'
    else:
        pos = (min(high, max(low, value)) - low) / (high - low) * 100
        track = f'<span class="saber-scale-track"><span class="saber-scale-mark" style="left:{pos:.1f}%"></span></span>'
    return (f'<div class="saber-scale saber-scale-{kind}"><span class="saber-scale-end">{_e(left)}</span>{track}'
            f'<span class="saber-scale-end">{_e(right)}</span></div>')


def verdict_html(view: RunView | None) -> str:
    """The headline: the conclusion with valence and arousal, or where the run stands."""
    if view is None or not view.started:
        return ('<div class="saber-verdict saber-verdict-idle"><div class="saber-verdict-main">'
                '<div class="saber-verdict-label">Upload or record a clip, then press Analyse</div>'
                '<div class="saber-verdict-sub">The perception tools fill five evidence slots from one decode of '
                'the clip; the reasoner then weighs them, and consistency checks catch unimodal dominance.</div>'
                '</div></div>')
    if view.error:
        return (f'<div class="saber-verdict saber-verdict-error" role="alert"><div class="saber-verdict-main">'
                f'<div class="saber-verdict-label">The clip could not be analysed</div>'
                f'<div class="saber-verdict-sub saber-error-text">{_e(for_app(view.error))}</div></div></div>')
    analysis = view.analysis
    if analysis is None:
        if view.clip is None:
            stage = "Decoding the clip…"
        else:
            stage = f"Perceiving: {view.done_tools} of {len(view.planned)} tools done…" if view.planned else "Reasoning…"
        return (f'<div class="saber-verdict saber-verdict-running"><div class="saber-verdict-main">'
                f'<div class="saber-verdict-label"><span class="saber-spinner"></span>{_e(stage)}</div></div></div>')
    checks = view.checks
    passed = sum(c.passed for c in checks)
    facts = [f"{_e(view.reasoner or 'reasoner')} reasoner", f"{view.rounds} round{'s' if view.rounds != 1 else ''}"]
    if checks:
        facts.append(f"{passed}/{len(checks)} checks passed")
    if view.conflicts:
        facts.append(f"{len(view.conflicts)} conflict{'s' if len(view.conflicts) != 1 else ''}")
    if analysis.voices_heard:
        facts.append(f"{analysis.voices_heard} voices heard")
    if view.result is not None and view.result.timings:
        facts.append(f"{sum(view.result.timings.values()):.1f} s")
    basic = analysis.basic_emotion
    if no_finding(analysis):
        # no modality gave an estimate: the basic "neutral", valence 0.0 and arousal 0.50 are defaults, not a reading
        headline = '<span class="saber-basic saber-basic-none" style="background:#94a3b8">No emotion found</span>'
        facts.insert(0, "no modality gave an emotion estimate")
        scales = (f'<div class="saber-scale-row"><span>valence –</span>{_meter(None, -1, 1, "−", "+", "valence")}</div>'
                  f'<div class="saber-scale-row"><span>arousal –</span>{_meter(None, 0, 1, "calm", "aroused", "arousal")}</div>')
    else:
        facts.insert(0, f"{_e(analysis.valence_label)} valence")
        shown = [e for e in analysis.emotions[:4] if e not in (basic, UNCERTAIN)]
        if uncertain(analysis):  # an emotion named but flagged as no finding: said so, the lean kept as a label
            headline = ('<span class="saber-basic saber-basic-uncertain" style="background:#94a3b8" '
                        f'title="the reasoner leans {_e(basic)} but flags it as no finding">Uncertain</span>'
                        f'<span class="saber-emotion">leans {_e(basic)}</span>')
        else:
            colour = plots.EMOTION_COLOURS.get(basic, "#94a3b8")
            headline = f'<span class="saber-basic" style="background:{colour}">{_e(basic)}</span>'
        headline += "".join(f'<span class="saber-emotion">{_e(e)}</span>' for e in shown)
        scales = (f'<div class="saber-scale-row"><span>valence {analysis.valence:+.2f}</span>'
                  f'{_meter(analysis.valence, -1, 1, "−", "+", "valence")}</div>'
                  f'<div class="saber-scale-row"><span>arousal {analysis.arousal:.2f}</span>'
                  f'{_meter(analysis.arousal, 0, 1, "calm", "aroused", "arousal")}</div>')
    notes = "".join(f'<div class="saber-verdict-note">{_e(for_app(n))}</div>' for n in analysis.notes if n.strip())
    state = "done" if view.finished else "running"
    pending = "" if view.finished else '<span class="saber-spinner"></span>'
    return (
        f'<div class="saber-verdict saber-verdict-{state}"><div class="saber-verdict-main">'
        f'<div class="saber-verdict-label">{pending}{headline}</div>'
        f'<div class="saber-verdict-sub">{" · ".join(facts)}</div>{notes}</div>'
        f'<div class="saber-verdict-scales">{scales}</div></div>'
    )


def transcript_html(view: RunView | None) -> str:
    """The transcript, line by line with timestamps, and the words with theirs when the plugin gives them."""
    slot = view.slots.get("speech_content") if view else None
    if slot is None:
        return '<div class="saber-empty">The transcript appears here once the speech slot is filled.</div>'
    if not slot.ok:
        return f'<div class="saber-empty">No transcript: {_e(slot.reason or slot.status.value)}.</div>'
    m = slot.measurements or {}  # summary values (language, model, sentiment); the timed text is in its timeline
    segments = S.transcript_segments(slot.timelines)
    head = []
    if isinstance(m.get("language"), str):
        prob = S.number(m.get("language_probability"))
        head.append(f"language <b>{_e(m['language'])}</b>" + (f" ({prob:.0%})" if prob is not None else ""))
    model = m.get("model") if isinstance(m.get("model"), str) else slot.provenance.model if slot.provenance else None
    if model:
        head.append(f'model <code title="{_e(model)}">{_e(short_model(model))}</code>')
    sentiment = m.get("sentiment")
    if isinstance(sentiment, dict) and S.number(sentiment.get("valence")) is not None:
        label = sentiment.get("label") or valence_label(sentiment["valence"])
        emotion = f", {sentiment['emotion']}" if isinstance(sentiment.get("emotion"), str) else ""
        head.append(f"words read <b>{_e(label)}</b> ({sentiment['valence']:+.2f}{_e(emotion)})")
    header = f'<div class="saber-transcript-head">{" · ".join(head)}</div>' if head else ""
    notes = [n for n in m.get("notes") or [] if isinstance(n, str)] if isinstance(m.get("notes"), list) else []
    header += "".join(f'<div class="saber-transcript-note">note: {_e(for_app(n))}</div>' for n in notes)
    if not segments:
        return f'{header}<div class="saber-transcript"><p class="saber-transcript-plain">{_e(slot.text)}</p></div>'
    rows = "".join(
        f'<div class="saber-tline"><span class="saber-ts">{format_time(s.start)} – {format_time(s.end)}</span>'
        f'<span class="saber-ttext">{_e(s.text)}</span></div>' for s in segments
    )
    marks = "".join(
        f'<span class="saber-word"><small>{format_time(e.start)}</small>{_e(e.text)}</span>'
        for e in S.sound_events(slot.timelines)[:100]
    )
    if marks:
        rows += f'<div class="saber-tline"><span class="saber-ts">sound events</span><span class="saber-ttext">{marks}</span></div>'
    words = S.transcript_words(slot.timelines)
    detail = ""
    if words:
        chips = "".join(f'<span class="saber-word" title="{format_time(w.start)} – {format_time(w.end)}">'
                        f'<small>{format_time(w.start)}</small>{_e(w.text)}</span>' for w in words[:600])
        detail = f'<details class="saber-words"><summary>{len(words)} words with timestamps</summary><div>{chips}</div></details>'
    return f'{header}<div class="saber-transcript">{rows}</div>{detail}'


# -- plots -----------------------------------------------------------------------------------

PLOT_SLOTS = {"expression": "facial_exp_desc", "prosody": "acoustic_feat", "activity": "body_lang_desc"}
_PLOTTERS = {"expression": plots.expression_figure, "prosody": plots.prosody_figure, "activity": plots.activity_figure}
_PLOT_NAMES = {"expression": "expression timeline", "prosody": "pitch and intensity contours", "activity": "gesture activity"}


def plot_figure(view: RunView | None, kind: str):
    """The figure of one kind ("expression", "prosody", "activity", "cues") for this view, or None."""
    if view is None:
        return None
    if kind == "cues":
        return plots.cues_figure(list(view.cues))
    slot = view.slots.get(PLOT_SLOTS[kind])
    if slot is None or not slot.ok:
        return None
    return _PLOTTERS[kind](slot.timelines)


def plot_note(view: RunView | None, kind: str) -> str:
    """Why a plot is missing (empty when it is shown)."""
    if kind == "cues":
        if view is None or not view.started:
            return '<div class="saber-empty">Per-modality estimates appear here.</div>'
        return "" if view.cues else '<div class="saber-empty">No modality gave an emotion estimate.</div>'
    name = _PLOT_NAMES[kind]
    if view is None or not view.started:
        return f'<div class="saber-empty">The {name} appear{"s" if not name.endswith("s") else ""} here.</div>'
    slot = view.slots.get(PLOT_SLOTS[kind])
    title = SLOT_TITLES[PLOT_SLOTS[kind]].lower()
    if slot is None:
        if view.error or view.finished or PLOT_SLOTS[kind] not in view.planned:
            return f'<div class="saber-empty">No {name}: no plugin filled the {title} slot.</div>'
        return f'<div class="saber-empty"><span class="saber-spinner"></span>Waiting for the {title} slot…</div>'
    if not slot.ok:
        why = _e(for_app(slot.reason) or "no reason given")
        return f'<div class="saber-empty">No {name}: the {title} slot is {slot.status.value} ({why}).</div>'
    if plot_figure(view, kind) is None:
        plugin = slot.provenance.plugin if slot.provenance else "its plugin"
        return f'<div class="saber-empty">No {name}: {_e(plugin)} reported no "{kind}" timeline.</div>'
    return ""


# -- exports ---------------------------------------------------------------------------------


def result_payload(result: Result) -> dict[str, Any]:
    """What the API endpoint returns: the SABER record and the full result, JSON-ready. In the record a
    slot that is not ok says so (`status_text`) instead of an empty string, which would read as "nothing
    found"; the full result keeps each slot's status and reason as fields."""
    from saber_agent.saber_format import to_saber_record

    marked = {name: result.evidence.slot(name).model_copy(update={"text": status_text(result.evidence.slot(name))})
              for name in SLOT_NAMES if not result.evidence.slot(name).ok}
    return {"saber": to_saber_record(result.evidence.with_slots(marked)), "result": json.loads(result.model_dump_json())}


def status_text(slot: Slot) -> str:
    """The record text of a slot that is not ok: its status and reason, e.g.
    ``"[unavailable: no selected plugin fills this slot]"`` for a tool that was not run, or
    ``"[failed: TimeoutError ...]"``."""
    return f"[{slot.status.value}: {slot.reason or 'no reason given'}]"


def saber_json(result: Result) -> str:
    """The plain SABER record as pretty JSON (UTF-8 text kept readable)."""
    return json.dumps(result.saber(), ensure_ascii=False, indent=2)
