"""The app's utterance view (``--segment utterances``, docs/segments.md), as pure functions of a
`SegmentedResult`: a timeline with one row per speaker, each utterance a block coloured by its
valence, and the six slots of the utterance chosen. No Gradio here (tests call these directly)."""

from __future__ import annotations

import html
import logging
import queue
import threading
from collections.abc import Iterator

from saber_agent.evidence import SLOT_NAMES
from saber_agent.segments import UNCERTAIN, UNDETERMINED
from saber_agent.ui.advice import for_app
from saber_agent.ui.limits import media_error_message

log = logging.getLogger(__name__)
ROW_PX = 34
LABEL_PX = 90


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _chip(s) -> str:
    """What an utterance's block and dropdown entry call its emotion: the basic emotion, "undetermined" where no
    modality gave an estimate, "uncertain" where the reasoner named an emotion but flagged it as no finding (the
    summary's "no emotion found"), never the stand-in "neutral" of either; "" when not analysed."""
    if s.emotion is None:
        return ""
    return UNCERTAIN if s.uncertain else s.emotion


def _tip(s) -> str:
    """An utterance's emotion in words, for a block's title: its lean where uncertain, its valence where read."""
    if s.emotion is None:
        return s.error or "?"
    if s.undetermined:  # no finding: the reasoner's default valence 0.0 is no reading
        return f"{UNDETERMINED}: no modality gave an emotion estimate"
    lean = f", leans {s.emotion}" if s.uncertain else ""
    return f"{_chip(s)}{lean} (valence {s.valence:+.2f})"


def _colour(valence: float | None) -> str:
    """Red (negative) through grey to green (positive); grey-blue for an utterance not analysed or undetermined."""
    if valence is None:
        return "#9aa5b1"
    v = max(-1.0, min(1.0, valence))
    return f"hsl({60 + 60 * v:.0f}, {35 + 40 * abs(v):.0f}%, {62 - 12 * abs(v):.0f}%)"


def timeline_html(result, selected: int | None = None) -> str:
    """One row per speaker (and one for utterances with no voice), each utterance a block at its
    time, labelled with its emotion; the selected one outlined."""
    if result is None or not result.segments:
        return '<p class="saber-slot-reason">Analyse by utterance to see who spoke when, and what they felt.</p>'
    total = max(result.clip.duration_s, max(s.end_s for s in result.segments), 1e-6)
    rows = [s.label for s in result.speakers] + (["?"] if any(s.speaker is None for s in result.segments) else [])
    faces = {s.label: s.face for s in result.speakers}
    parts = [f'<div class="saber-segments" data-duration="{total:.2f}" style="position:relative;font-size:12px">']
    for label in rows:
        name = f"Speaker {label}" if label != "?" else "No voice"
        face = f" · {faces[label]}" if faces.get(label) else ""
        parts.append(f'<div class="saber-segment-row" data-speaker="{_e(label)}" style="position:relative;height:{ROW_PX}px;'
                     f'border-bottom:1px solid #e5e7eb"><span style="position:absolute;left:0;top:8px;width:{LABEL_PX}px">'
                     f'<b>{_e(name)}</b>{_e(face)}</span>')
        for s in result.segments:
            if (s.speaker or "?") != label:
                continue
            left, width = s.start_s / total * 100, max(0.4, (s.end_s - s.start_s) / total * 100)
            outline = "outline:2px solid #111;" if s.index == selected else ""
            tip = f"{s.start_s:.1f}-{s.end_s:.1f} s: {_tip(s)}"
            valence = None if s.undetermined else s.valence  # no finding: the reasoner's default 0.0 is no reading
            parts.append(
                f'<div class="saber-segment" data-index="{s.index}" data-valence="{"" if valence is None else f"{valence:.3f}"}" '
                f'title="{_e(tip)}" style="position:absolute;top:4px;height:{ROW_PX - 8}px;'
                f'left:calc({LABEL_PX}px + (100% - {LABEL_PX}px) * {left / 100:.4f});'
                f'width:calc((100% - {LABEL_PX}px) * {width / 100:.4f});background:{_colour(valence)};{outline}'
                f'border-radius:4px;overflow:hidden;white-space:nowrap;padding:0 3px;line-height:{ROW_PX - 8}px">'
                f'{s.index + 1} {_e(_chip(s))}</div>')
        parts.append("</div>")
    parts.append(f'<p style="margin-top:6px">{_e(for_app(result.summary.text))}</p></div>')
    return "".join(parts)


def segment_choices(result) -> list[tuple[str, int]]:
    """(label, index) of every utterance, for a dropdown."""
    if result is None:
        return []
    def said(s) -> str:
        return f"{UNCERTAIN} (leans {s.emotion})" if s.uncertain else s.emotion or "failed"

    return [(f"{s.index + 1} · {s.start_s:.1f}-{s.end_s:.1f} s · {s.speaker or '?'} · {said(s)}", s.index)
            for s in result.segments]


def segment_html(result, index: int | None) -> str:
    """The chosen utterance: who, when, its six SABER slots and its conclusion."""
    from saber_agent.ui.render import slot_card

    if result is None or index is None or not 0 <= int(index) < len(result.segments):
        return ""
    s = result.segments[int(index)]
    who = f"speaker {s.speaker}" if s.speaker else "no identified voice"
    if s.speaker_face:
        who += f", face {s.speaker_face}"
    if s.listeners:
        who += f"; listening: {', '.join(s.listeners)}"
    head = f'<h4 data-segment="{s.index}">Utterance {s.index + 1}: {s.start_s:.1f}-{s.end_s:.1f} s, {_e(who)}</h4>'
    if s.face_reads:
        head += "<p>" + "; ".join(f"face {_e(fid)}, {_e(said)}" for fid, said in s.face_reads.items()) + "</p>"
    if s.result is None:
        return head + f'<p class="saber-slot-reason">{_e(s.error or "not analysed")}</p>'
    cards = [slot_card(name, s.result.evidence.slot(name).status.value, s.result.evidence.slot(name)) for name in SLOT_NAMES]
    a = s.result.analysis
    if a is None:
        verdict = ""
    elif s.undetermined:  # no reading: no valence or arousal is shown for the reasoner's defaults
        verdict = "<p><b>No emotion found</b> (no modality gave an emotion estimate)</p>"
    else:
        named = f"<b>{UNCERTAIN}</b>, leans {_e(a.basic_emotion)}" if s.uncertain else f"<b>{_e(a.basic_emotion)}</b>"
        verdict = f"<p>{named} ({_e(', '.join(a.emotions) or '-')}), valence {a.valence:+.2f}, arousal {a.arousal:.2f}</p>"
    notes = "".join(f'<p class="saber-slot-reason">note: {_e(for_app(n))}</p>' for n in s.notes)
    return head + verdict + notes + '<div class="saber-slots">' + "".join(cards) + "</div>"


def progress_html(lines: list[str], error: str | None = None) -> str:
    """The progress lines, and `error` (the run stopped) as an alert under them."""
    shown = "<br>".join(_e(for_app(line)) for line in lines)
    if error:
        shown += (f'<div class="saber-verdict saber-verdict-error" role="alert" style="margin-top:8px">'
                  f'<div class="saber-verdict-sub saber-error-text">{_e(for_app(error))}</div></div>')
    return shown or "Waiting…"


def failure_message(exc: BaseException, path: str | None = None) -> str:
    """What the page says when the analysis by utterance stops with `exc`: the decoder's own words for a clip it
    cannot read (the server's temp path replaced by the file name), else the error, as the main Analyse button."""
    from saber_agent.media import MediaError

    if isinstance(exc, MediaError):
        return media_error_message(exc, path)
    log.error("analysis by utterance of %s failed", path, exc_info=exc)
    return (f"The analysis by utterance failed: {type(exc).__name__}: {str(exc).rstrip('.')}. "
            "Try another reasoner or fewer plugins.")


def stream_segments(path: str, settings) -> Iterator[tuple[list[str], object | None, str | None]]:
    """Run `analyze_segments` in a worker thread; yield (progress lines, result or None, error or
    None) after each utterance and at the end."""
    from saber_agent.segments import analyze_segments

    updates: queue.Queue = queue.Queue()
    lines: list[str] = ["Splitting the clip into utterances and finding the speakers…"]
    outcome: dict = {}

    def progress(done: int, total: int, segment) -> None:
        said = "failed" if segment.valence is None else segment.said
        updates.put(f"[{done}/{total}] {segment.start_s:.1f}-{segment.end_s:.1f} s, speaker {segment.speaker or '?'}: {said}")

    def work() -> None:
        try:
            outcome["result"] = analyze_segments(path, settings, progress=progress)
        except Exception as exc:  # shown to the user, the server goes on
            outcome["error"] = failure_message(exc, path)
        updates.put(None)

    threading.Thread(target=work, daemon=True).start()
    yield list(lines), None, None
    while (line := updates.get()) is not None:
        lines.append(line)
        yield list(lines), None, None
    yield list(lines), outcome.get("result"), outcome.get("error")
