"""The app's look: a Gradio theme and the CSS of the views' HTML (cards, badges, meters, log).

Fonts are the theme's bundled ones or system fonts: the page makes no request outside the server.
Colours go through Gradio's CSS variables where one exists, so dark mode stays readable.
"""

from __future__ import annotations


def theme():
    """The app's Gradio theme (indigo on slate, soft corners)."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="violet",
        neutral_hue="slate",
        radius_size="lg",
        font=("ui-sans-serif", "system-ui", "Liberation Sans", "DejaVu Sans", "sans-serif"),
        font_mono=("ui-monospace", "DejaVu Sans Mono", "monospace"),
    ).set(
        body_background_fill="*neutral_50",
        block_shadow="0 1px 2px rgba(15, 23, 42, .06)",
        button_primary_background_fill="linear-gradient(90deg, *primary_600, *secondary_600)",
        button_primary_background_fill_hover="linear-gradient(90deg, *primary_700, *secondary_700)",
    )


CSS = """
.gradio-container { max-width: 1320px !important; margin: 0 auto; }
footer { opacity: .7; }

/* header */
.saber-header { display: flex; align-items: center; justify-content: space-between; gap: 24px; flex-wrap: wrap;
  padding: 22px 28px; border-radius: 18px; color: #fff;
  background: radial-gradient(circle at 85% 0%, rgba(236,72,153,.55), transparent 45%),
              linear-gradient(120deg, #312e81 0%, #4338ca 45%, #6d28d9 100%);
  box-shadow: 0 10px 30px -12px rgba(67,56,202,.55); }
.saber-header h1 { margin: 0; font-size: 1.75rem; font-weight: 750; letter-spacing: -.01em; color: #fff; }
.saber-header p { margin: 4px 0 0; color: #e0e7ff; font-size: .95rem; max-width: 640px; }
.saber-steps { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 12px; }
.saber-step { font-size: .72rem; padding: 3px 9px; border-radius: 999px; background: rgba(255,255,255,.14);
  border: 1px solid rgba(255,255,255,.22); color: #eef2ff; white-space: nowrap; }
.saber-stats { display: flex; gap: 10px; }
.saber-stat { text-align: center; padding: 8px 14px; border-radius: 12px; background: rgba(255,255,255,.12);
  border: 1px solid rgba(255,255,255,.2); min-width: 78px; }
.saber-stat b { display: block; font-size: 1.35rem; line-height: 1.2; color: #fff; }
.saber-stat span { font-size: .7rem; color: #c7d2fe; text-transform: uppercase; letter-spacing: .06em; }

/* section titles and small print */
.saber-section { font-size: .78rem; font-weight: 700; text-transform: uppercase; letter-spacing: .08em;
  color: var(--body-text-color-subdued); margin: 2px 0 -4px; }
.saber-limits { font-size: .78rem; color: var(--body-text-color-subdued); margin: 0; }
.saber-limits b { color: var(--body-text-color); }
/* a file a picker refused or moved (ui/upload_guard.py): shown until the next upload */
#saber-upload-note { display: none; font-size: .85rem; color: #9a3412; background: #fff7ed; border: 1px solid #fdba74;
  border-radius: 8px; padding: 8px 10px; }

/* verdict */
.saber-verdict { display: flex; gap: 20px; align-items: center; justify-content: space-between; flex-wrap: wrap;
  padding: 16px 20px; border-radius: 14px; border: 1px solid var(--border-color-primary);
  background: var(--block-background-fill); min-height: 74px; }
.saber-verdict-idle { background: linear-gradient(90deg, rgba(99,102,241,.07), rgba(139,92,246,.05)); }
.saber-verdict-error { border-color: #fca5a5; background: #fef2f2; }
.saber-verdict-error .saber-verdict-label { color: #b91c1c; }
.saber-error-text { color: #7f1d1d !important; font-weight: 500; }
.saber-verdict-label { font-size: 1.2rem; font-weight: 700; display: flex; align-items: center; gap: 8px; flex-wrap: wrap;
  color: var(--body-text-color); }
.saber-verdict-sub { color: var(--body-text-color-subdued); font-size: .88rem; margin-top: 4px; }
.saber-basic { color: #fff; padding: 3px 12px; border-radius: 999px; font-size: .95rem; text-transform: capitalize; }
.saber-emotion { padding: 3px 10px; border-radius: 999px; font-size: .85rem; font-weight: 600;
  background: rgba(99,102,241,.1); color: #4338ca; border: 1px solid rgba(99,102,241,.25); }
.saber-verdict-scales { display: grid; gap: 6px; min-width: 280px; }
.saber-scale-row { display: grid; grid-template-columns: 96px 1fr; align-items: center; gap: 8px; font-size: .78rem;
  color: var(--body-text-color-subdued); font-variant-numeric: tabular-nums; }
.saber-scale { display: flex; align-items: center; gap: 6px; font-size: .7rem; }
.saber-scale-track { position: relative; flex: 1; height: 8px; border-radius: 999px; }
.saber-scale-valence .saber-scale-track { background: linear-gradient(90deg, #ef4444, #e2e8f0 50%, #10b981); }
.saber-scale-arousal .saber-scale-track { background: linear-gradient(90deg, #bae6fd, #f97316); }
.saber-scale-mark { position: absolute; top: -4px; width: 4px; height: 16px; margin-left: -2px; border-radius: 2px;
  background: #0f172a; box-shadow: 0 0 0 2px #fff; }
/* no finding: no position on the scales (ui/advice.py) */
.saber-scale .saber-scale-track.saber-scale-none { background: repeating-linear-gradient(90deg, #e2e8f0 0 6px, transparent 6px 10px); }
.saber-basic-none, .saber-basic-uncertain { text-transform: none; }
.saber-verdict-note { font-size: .85rem; margin-top: 6px; color: #92400e; }
/* a codec the browser cannot play: the preview may stay blank (ui/preview.py) */
.saber-preview-note { font-size: .82rem; color: #92400e; margin: 4px 0 0; }

/* slots */
.saber-slots { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.saber-slot { border: 1px solid var(--border-color-primary); border-radius: 14px; padding: 14px 16px;
  background: var(--block-background-fill); border-top: 4px solid #cbd5e1; display: flex; flex-direction: column; gap: 8px;
  box-shadow: 0 1px 2px rgba(15,23,42,.05); }
.saber-slot-ok { border-top-color: #10b981; }
.saber-slot-unavailable { border-top-color: #f59e0b; }
.saber-slot-failed, .saber-slot-stopped { border-top-color: #ef4444; }
.saber-slot-running, .saber-slot-draft { border-top-color: #6366f1; }
.saber-slot[data-slot="sentiment_analysis"] { grid-column: 1 / -1; \
background: linear-gradient(180deg, rgba(99,102,241,.06), transparent 60%), var(--block-background-fill); }
.saber-slot-head { display: flex; align-items: center; gap: 8px; }
.saber-icon { width: 18px; height: 18px; color: #6366f1; flex: none; }
.saber-slot-title { font-weight: 700; color: var(--body-text-color); }
.saber-slot-key { font-size: .7rem; color: var(--body-text-color-subdued); background: var(--background-fill-secondary);
  padding: 1px 6px; border-radius: 6px; }
.saber-slot-head .saber-badge { margin-left: auto; }
.saber-slot-text { margin: 0; line-height: 1.5; font-size: .9rem; color: var(--body-text-color); }
.saber-slot-reason { margin: 0; font-size: .86rem; color: var(--body-text-color-subdued); font-style: italic; }
.saber-slot-meta { margin-top: auto; font-size: .72rem; color: var(--body-text-color-subdued); display: flex; flex-wrap: wrap;
  align-items: center; gap: 2px 6px; }
.saber-slot-meta code { font-size: .7rem; }
.saber-meter { display: inline-block; width: 46px; height: 6px; border-radius: 999px; \
background: #e2e8f0; overflow: hidden; vertical-align: middle; }
.saber-meter span { display: block; height: 100%; background: #6366f1; }

/* badges */
.saber-badge { font-size: .68rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; padding: 2px 8px;
  border-radius: 999px; white-space: nowrap; background: #f1f5f9; color: #475569; border: 1px solid #e2e8f0; }
.saber-badge-ok { background: #ecfdf5; color: #047857; border-color: #a7f3d0; }
.saber-badge-unavailable { background: #fffbeb; color: #b45309; border-color: #fde68a; }
.saber-badge-failed, .saber-badge-stopped { background: #fef2f2; color: #b91c1c; border-color: #fecaca; }
.saber-badge-running, .saber-badge-draft { background: #eef2ff; color: #4338ca; border-color: #c7d2fe; }

/* spinner */
.saber-spinner { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 6px; vertical-align: -1px;
  border: 2px solid rgba(99,102,241,.25); border-top-color: #6366f1; animation: saber-spin .8s linear infinite; }
@keyframes saber-spin { to { transform: rotate(360deg); } }

/* progress */
.saber-progress { list-style: none; margin: 0; padding: 4px 2px; display: grid; gap: 5px; \
font-size: .82rem; max-height: 560px; overflow-y: auto; }
.saber-progress-empty { font-size: .82rem; color: var(--body-text-color-subdued); padding: 6px 2px; }
.saber-line { display: flex; align-items: baseline; gap: 8px; color: var(--body-text-color); line-height: 1.35; }
.saber-when { font-family: var(--font-mono); font-size: .72rem; color: var(--body-text-color-subdued); flex: none; }
.saber-dot { width: 8px; height: 8px; border-radius: 50%; background: #94a3b8; flex: none; transform: translateY(-1px); }
.saber-line-ok .saber-dot { background: #10b981; }
.saber-line-warn .saber-dot { background: #f59e0b; }
.saber-line-fail .saber-dot { background: #ef4444; }
.saber-line-fail .saber-line-text { color: #b91c1c; font-weight: 600; }
.saber-line-info .saber-dot { background: #6366f1; }

/* report, transcript, empty states */
.saber-empty { padding: 18px; border: 1px dashed var(--border-color-primary); border-radius: 12px; text-align: center;
  color: var(--body-text-color-subdued); font-size: .86rem; }
.saber-report { display: grid; gap: 14px; }
.saber-report section { border: 1px solid var(--border-color-primary); border-radius: 12px; \
padding: 12px 16px; background: var(--block-background-fill); }
.saber-report h4 { margin: 0 0 8px; font-size: .85rem; text-transform: uppercase; letter-spacing: .06em; \
color: var(--body-text-color-subdued);
  display: flex; align-items: center; gap: 8px; }
.saber-count { font-size: .72rem; padding: 0 8px; border-radius: 999px; background: #eef2ff; color: #4338ca; }
.saber-count-warn { background: #fffbeb; color: #b45309; }
.saber-report ul, .saber-report ol { margin: 0; padding-left: 18px; font-size: .88rem; line-height: 1.55; }
.saber-rounds { list-style: none; padding-left: 0 !important; display: flex; gap: 8px; flex-wrap: wrap; }
.saber-round { padding: 4px 10px; border-radius: 8px; font-size: .8rem; background: #ecfdf5; color: #065f46; }
.saber-round-warn { background: #fffbeb; color: #92400e; }
.saber-pair { font-weight: 700; text-transform: uppercase; font-size: .72rem; color: #b45309; margin-right: 4px; }
.saber-severity { font-size: .72rem; color: var(--body-text-color-subdued); }
.saber-explain { margin: 8px 0 0; font-size: .86rem; }
.saber-muted { color: var(--body-text-color-subdued); font-size: .86rem; margin: 0; }
.saber-table { width: 100%; border-collapse: collapse; font-size: .82rem; }
.saber-table, .saber-table th, .saber-table td { border: none !important; }
.saber-table th { text-align: left; font-weight: 600; color: var(--body-text-color-subdued); \
border-bottom: 1px solid var(--border-color-primary) !important; padding: 4px 6px; background: none; }
.saber-table td { padding: 5px 6px; border-bottom: 1px solid var(--border-color-primary) !important; \
vertical-align: top; background: none; }
.saber-table tr:last-child td { border-bottom: none !important; }
.saber-basis { color: var(--body-text-color-subdued); font-size: .76rem; }
.saber-transcript-head { font-size: .8rem; color: var(--body-text-color-subdued); margin-bottom: 8px; }
.saber-transcript { display: grid; gap: 6px; }
.saber-tline { display: grid; grid-template-columns: 118px 1fr; gap: 10px; padding: 6px 10px; border-radius: 8px;
  background: var(--background-fill-secondary); font-size: .92rem; }
.saber-ts { font-family: var(--font-mono); font-size: .74rem; color: #4f46e5; padding-top: 2px; }
.saber-transcript-plain { margin: 0; font-size: .92rem; line-height: 1.6; }
.saber-words summary { cursor: pointer; font-size: .8rem; color: var(--body-text-color-subdued); margin-top: 10px; }
.saber-words div { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 8px; }
.saber-word { font-size: .82rem; padding: 2px 6px; border-radius: 6px; border: 1px solid var(--border-color-primary); }
.saber-word small { font-family: var(--font-mono); color: #6366f1; margin-right: 4px; font-size: .66rem; }
.saber-plot-card { gap: 8px; }
.saber-plot-card + .saber-plot-card { margin-top: 6px; }
"""
