"""The consistency report of a run as HTML: reasoning rounds, agreements, conflicts, checks, estimates.

Pure functions, no Gradio: `consistency_html(view)` turns the `RunView` that `saber_agent.ui.views`
folds from the graph's events into the report tab; `agreements(cues)` says in words which pairs of
modalities read the same valence. Every text from the clip or a model is HTML-escaped (untrusted), its
command-line advice put in the app's terms.
Moved out of `saber_agent.ui.render`, which re-exports `agreements` and `consistency_html`.
"""

from __future__ import annotations

import html
from itertools import combinations
from typing import Any

from saber_agent.cues import merge_cues
from saber_agent.evidence import valence_label
from saber_agent.ui.advice import for_app
from saber_agent.ui.views import RunView, describe_look


def _e(value: Any) -> str:
    """Escaped, its command-line advice in the app's terms (`saber_agent.ui.advice.for_app`)."""
    return html.escape(for_app(str(value)), quote=True)


def agreements(cues) -> list[str]:
    """Pairs of modalities whose estimates point the same way, in words."""
    best = merge_cues(list(cues))
    out = []
    for a, b in combinations([m for m in ("face", "voice", "words", "body", "scene") if m in best], 2):
        ca, cb = best[a], best[b]
        la, lb = valence_label(ca.valence), valence_label(cb.valence)
        if la == lb:
            out.append(f"{a} and {b} both read {la} ({ca.emotion or la} / {cb.emotion or lb})")
    return out


def _check_badge(passed: bool) -> str:
    return '<span class="saber-badge saber-badge-ok">pass</span>' if passed else '<span class="saber-badge saber-badge-failed">fail</span>'


def consistency_html(view: RunView | None) -> str:
    """The consistency report: rounds, agreements, conflicts, every check, and each modality's estimate."""
    if view is None or (not view.checks and not view.cues and view.analysis is None):
        return '<div class="saber-empty">The consistency report appears here after the first reasoning round.</div>'
    parts = []
    rounds = view.rounds
    history = ""
    if view.check_history:
        steps = []
        for round_, outcomes in view.check_history:
            failed = [c.name for c in outcomes if not c.passed]
            status = "ok" if not failed else "warn"
            detail = "all checks passed" if not failed else "failed: " + ", ".join(failed)
            steps.append(f'<li class="saber-round saber-round-{status}"><b>Round {round_}</b> {_e(detail)}</li>')
        history = f'<ol class="saber-rounds">{"".join(steps)}</ol>'
    parts.append(f'<section><h4>Reasoning rounds <span class="saber-count">{rounds}</span></h4>{history}</section>')

    agree = agreements(view.cues)
    items = "".join(f"<li>{_e(a)}</li>" for a in agree) or '<li class="saber-muted">No two modalities to compare yet.</li>'
    parts.append(f'<section><h4>Agreements <span class="saber-count">{len(agree)}</span></h4>'
                 f'<ul class="saber-agree">{items}</ul></section>')

    if view.conflicts:
        rows = "".join(
            f'<li><span class="saber-pair">{_e(" vs ".join(c.modalities))}</span> {_e(c.description)}'
            f' <span class="saber-severity" title="severity">severity {c.severity:.2f}</span></li>'
            for c in view.conflicts
        )
        explanation = ""
        if view.analysis is not None and view.analysis.conflict_explanation:
            explanation = f'<p class="saber-explain"><b>How the reasoning resolves it:</b> {_e(view.analysis.conflict_explanation)}</p>'
        parts.append(f'<section><h4>Conflicts <span class="saber-count saber-count-warn">{len(view.conflicts)}</span></h4>'
                     f'<ul class="saber-conflicts">{rows}</ul>{explanation}</section>')
    else:
        parts.append('<section><h4>Conflicts <span class="saber-count">0</span></h4>'
                     '<p class="saber-muted">No modality contradicts another.</p></section>')

    if view.checks:
        rows = "".join(
            f'<tr class="saber-check-{"pass" if c.passed else "fail"}"><td>{_check_badge(c.passed)}</td>'
            f'<td><code>{_e(c.name)}</code></td><td>{_e(c.message)}</td></tr>' for c in view.checks
        )
        parts.append(f'<section><h4>Checks</h4><table class="saber-table"><tbody>{rows}</tbody></table></section>')

    if view.cues:
        best = merge_cues(list(view.cues))
        rows = "".join(
            f'<tr><td><b>{_e(m)}</b></td><td>{_e(c.emotion or "–")}</td><td>{c.valence:+.2f}</td><td>{c.arousal:.2f}</td>'
            f'<td>{c.confidence:.2f}</td><td class="saber-basis">{_e(c.basis)}</td></tr>'
            for m, c in best.items()
        )
        parts.append('<section><h4>Modality estimates</h4><table class="saber-table"><thead><tr><th>modality</th>'
                     '<th>reads</th><th>valence</th><th>arousal</th><th>confidence</th><th>basis</th></tr></thead>'
                     f'<tbody>{rows}</tbody></table></section>')
    if view.looks:
        items = "".join(f"<li>{_e(describe_look(look))}</li>" for look in view.looks)
        parts.append(f'<section><h4>Second looks <span class="saber-count">{len(view.looks)}</span></h4>'
                     f'<ul class="saber-looks">{items}</ul></section>')
    if view.analysis is not None and view.analysis.weighed:
        items = "".join(f"<li>{_e(w)}</li>" for w in view.analysis.weighed)
        parts.append(f'<section><h4>What the reasoner weighed</h4><ul class="saber-weighed">{items}</ul></section>')
    if view.errors:
        items = "".join(f"<li>{_e(e)}</li>" for e in view.errors)
        parts.append(f'<section><h4>Errors</h4><ul class="saber-errors">{items}</ul></section>')
    return f'<div class="saber-report">{"".join(parts)}</div>'
