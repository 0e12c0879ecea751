"""The Gradio app: `build_app()` makes the page, `launch()` serves it.

The page is a thin adapter: `AnalysisService` checks the upload and streams the graph, the pure
functions in `views` turn each update into HTML and figures, and this module only wires them to
components. The same analysis is a named API endpoint, ``/analyze``, for `gradio_client`.
"""

from __future__ import annotations

import atexit
import html
import os
from typing import Any

from saber_agent.media_formats import MEDIA_SUFFIXES, media_types_text
from saber_agent.ui import preview, render, segments_view, style, views
from saber_agent.ui.advice import for_app
from saber_agent.ui.limits import UploadLimits, UploadRejected, probe
from saber_agent.ui.service import AnalysisFailed, AnalysisService
from saber_agent.ui.upload_guard import FILE_TAB, NOTE_ID, upload_guard_head

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
PLOT_KINDS = ("expression", "prosody", "activity", "cues")
PLOT_TITLES = {
    "expression": "Facial expression probabilities",
    "prosody": "Pitch and intensity contours",
    "activity": "Gesture activity",
    "cues": "Per-modality estimates",
}
MEDIA_TYPES = sorted(MEDIA_SUFFIXES)  # the one list (saber_agent.media_formats), shared with batch folder scanning


def chosen_path(source_tab: str, video_path: str | None, audio_path: str | None, file_path: str | None) -> str | None:
    """The clip of the tab in view, else whichever tab holds one."""
    first = {"video": video_path, "audio": audio_path, "file": file_path}.get(source_tab)
    return first or video_path or audio_path or file_path


def header_html(tools, reasoners, checks: int) -> str:
    ready = sum(t.ready for t in tools)
    steps = ["decode once", "perceive in parallel", "fuse cues", "reason: visual → acoustic → synthesis",
             "check & correct"]
    chips = "".join(f'<span class="saber-step">{i}. {html.escape(s)}</span>' for i, s in enumerate(steps, 1))
    stats = [(f"{ready}/{len(tools)}", "tools ready"), (str(len(reasoners)), "reasoners"), (str(checks), "checks")]
    boxes = "".join(f'<div class="saber-stat"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>' for v, k in stats)
    return (
        '<div class="saber-header"><div><h1>SABER Agent</h1>'
        '<p>Multimodal emotion reasoning over video: scene, speech, voice, face and body are perceived '
        'separately, then reasoned over together, with every agreement and conflict between them made explicit.</p>'
        f'<div class="saber-steps">{chips}</div></div><div class="saber-stats">{boxes}</div></div>'
    )


def reasoner_label(name: str, description: str, limit: int = 34) -> str:
    """A dropdown label: the name and the first clause of the description, kept short."""
    short = description.split(";")[0].split(". ")[0].strip().rstrip(".")
    if len(short) > limit:
        short = short[: limit - 1].rstrip() + "…"
    return f"{name} — {short}" if short else name


def parse_plugins(value: Any) -> list[str] | None:
    """The API's `plugins` argument: a list of names, a comma-separated string, or null (every tool)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(p, str) for p in value):
        return [p.strip() for p in value if p.strip()]
    raise UploadRejected("plugins must be a list of perception tool names, a comma-separated string, or null.")


def build_app(
    limits: UploadLimits | None = None,
    *,
    service: AnalysisService | None = None,
    max_rounds: int = 3,
    reasoner_options: dict[str, dict] | None = None,
    default_reasoner: str = "fusion",
    concurrency_limit: int = 1,
    max_queue: int = 16,
    delete_cache: tuple[int, int] = (600, 3600),
):
    """Build the Gradio Blocks of the app (nothing is served until `launch`).

    `concurrency_limit` analyses run at once, the other requests queue (at most `max_queue`);
    uploads older than `delete_cache[1]` seconds are deleted every `delete_cache[0]` seconds.
    `reasoner_options` (reasoner name -> factory options) are fixed here, by whoever serves the app:
    page users pick a reasoner but cannot point it at other models or URLs.
    """
    import gradio as gr

    os.environ.setdefault("MPLBACKEND", "Agg")  # figures render off-screen on a server
    # Gradio runs every event step inside matplotlib.use(...); pyplot imported here, before any analysis, so no
    # step ever meets a half-imported module (trial G: a bare "Error" in every box of an Utterances run, while an
    # earlier `plugins.landmarks.import_mediapipe` swapped a placeholder in for matplotlib during mediapipe's import).
    import matplotlib.pyplot  # noqa: F401

    from saber_agent.registry import get_registry

    if service is None:
        service = AnalysisService(limits, max_rounds=max_rounds, reasoner_options=reasoner_options,
                                  default_reasoner=default_reasoner)
        atexit.register(service.close)
    limits = service.limits
    tools = service.tools()
    reasoners = service.reasoners()
    default_tools = [t.name for t in tools if t.ready]

    with gr.Blocks(title="SABER Agent · multimodal emotion reasoning", delete_cache=delete_cache,
                   analytics_enabled=False) as demo:
        source = gr.State("video")
        gr.HTML(header_html(tools, reasoners, len(get_registry().checks)))
        with gr.Row(equal_height=False):
            with gr.Column(scale=4, min_width=340):
                gr.HTML('<div class="saber-section">1 · Clip</div>')
                with gr.Tabs():
                    with gr.Tab("Video", id="video") as video_tab:
                        video = gr.Video(sources=["upload", "webcam"], format=None, label="Video clip", height=250,
                                         elem_id="saber-video")
                        video_note = gr.HTML("", elem_id="saber-video-note")  # a codec the browser cannot play
                    with gr.Tab("Audio only", id="audio") as audio_tab:
                        audio = gr.Audio(sources=["upload", "microphone"], type="filepath", format=None,
                                         label="Audio clip", elem_id="saber-audio")
                        audio_note = gr.HTML("", elem_id="saber-audio-note")
                    # the browser's video picker takes only what it knows as video/* (not a GIF or PNG, not .mxf,
                    # often not .ts): this one takes every extension of saber_agent.media_formats, and a file the
                    # other tabs refuse is handed to it (ui/upload_guard.py)
                    with gr.Tab(FILE_TAB, id="file") as file_tab:
                        media_file = gr.File(file_types=MEDIA_TYPES, type="filepath", elem_id="saber-file",
                                             label="Picture (PNG, JPG, GIF, ...) or video or audio in any listed format "
                                                   "(MXF, TS, M2TS, 3GP, WMV, ...)")
                gr.HTML('<div class="saber-upload-note" style="display:none"></div>', elem_id=NOTE_ID)
                gr.HTML(f'<p class="saber-limits">Video, audio or a picture, <b>{html.escape(limits.describe())}</b>. '
                        'Analysed on this server; uploads are deleted after a while.</p>')
                gr.HTML('<div class="saber-section">2 · Evidence and reasoning</div>')
                plugins = gr.CheckboxGroup(
                    choices=[(t.label, t.name) for t in tools], value=default_tools, label="Perception tools",
                    info="Each fills one evidence slot; a slot with no tool is marked unavailable.",
                    elem_id="saber-plugins",
                )
                reasoner = gr.Dropdown(
                    choices=[(reasoner_label(n, d), n) for n, d in reasoners],
                    value=reasoners[0][0] if reasoners else None, label="Reasoner", elem_id="saber-reasoner",
                )
                with gr.Accordion("Advanced", open=False):
                    rounds = gr.Slider(1, 10, value=service.max_rounds, step=1, label="Reasoning rounds at most",
                                       info="Failed consistency checks send a critique back to the reasoner.")
                run = gr.Button("Analyse", variant="primary", size="lg", elem_id="saber-run")
                gr.HTML('<div class="saber-section">Progress</div>')
                progress = gr.HTML(render.progress_html(None), elem_id="saber-progress")
            with gr.Column(scale=7, min_width=480):
                verdict = gr.HTML(render.verdict_html(None), elem_id="saber-verdict")
                with gr.Tabs():
                    with gr.Tab("Evidence", id="evidence"):
                        slots = gr.HTML(render.slots_html(None), elem_id="saber-slots")
                    with gr.Tab("Timelines", id="timelines"):
                        notes, figures = {}, {}
                        for kind in PLOT_KINDS:
                            with gr.Column(elem_classes=["saber-plot-card"]):
                                notes[kind] = gr.HTML(render.plot_note(None, kind), elem_id=f"saber-note-{kind}")
                                figures[kind] = gr.Plot(label=PLOT_TITLES[kind], show_label=False, visible=False, format="png",
                                                        elem_id=f"saber-plot-{kind}")
                    with gr.Tab("Transcript", id="transcript"):
                        transcript = gr.HTML(render.transcript_html(None), elem_id="saber-transcript")
                    with gr.Tab("Consistency", id="consistency"):
                        report = gr.HTML(render.consistency_html(None), elem_id="saber-report")
                    with gr.Tab("Utterances", id="utterances"):  # --segment utterances (ui/segments_view.py)
                        by_utterance = gr.Button("Analyse by utterance (speakers, one analysis each)",
                                                 elem_id="saber-run-segments")
                        segments_state = gr.State(None)
                        segments_progress = gr.HTML(segments_view.progress_html([]), elem_id="saber-segments-progress")
                        segments_timeline = gr.HTML(segments_view.timeline_html(None), elem_id="saber-segments")
                        segment_pick = gr.Dropdown(choices=[], value=None, label="Utterance", elem_id="saber-segment-pick")
                        segment_slots = gr.HTML("", elem_id="saber-segment-slots")
                    with gr.Tab("Export", id="export"):
                        with gr.Row():
                            download_saber = gr.DownloadButton("SABER JSON", visible=False, variant="primary",
                                                               elem_id="saber-download-saber")
                            download_result = gr.DownloadButton("Full result JSON", visible=False,
                                                                elem_id="saber-download-result")
                        record = gr.JSON(label="SABER record", value=None, elem_id="saber-json")

        # The API endpoint's own inputs: never shown, called by gradio_client as /analyze.
        with gr.Column(visible=False):
            api_clip = gr.File(label="clip", file_types=MEDIA_TYPES)
            api_plugins = gr.JSON(label="plugins")
            api_reasoner = gr.Textbox(label="reasoner")
            api_rounds = gr.Number(label="max_rounds", precision=0)
            api_result = gr.JSON(label="result")
            api_trigger = gr.Button("analyze")

        outputs = [verdict, progress, slots, transcript, report, record, download_saber, download_result,
                   *notes.values(), *figures.values()]

        def page(view: views.RunView, drawn: set[str], files: tuple[str, str] | None = None) -> dict:
            out: dict = {
                verdict: render.verdict_html(view), progress: render.progress_html(view),
                slots: render.slots_html(view), transcript: render.transcript_html(view),
                report: render.consistency_html(view),
            }
            for kind in PLOT_KINDS:
                out[notes[kind]] = render.plot_note(view, kind)
                if kind in drawn:
                    out[figures[kind]] = gr.skip()
                    continue
                figure = render.plot_figure(view, kind)
                if figure is not None:
                    drawn.add(kind)
                    out[figures[kind]] = gr.update(value=figure, visible=True)
                else:
                    out[figures[kind]] = gr.skip()
            if files is not None:
                out[record] = view.result.saber() if view.result else None
                out[download_saber] = gr.update(value=files[0], visible=True)
                out[download_result] = gr.update(value=files[1], visible=True)
            else:
                out[record] = gr.skip()
                out[download_saber] = gr.skip()
                out[download_result] = gr.skip()
            return out

        def reset() -> dict:
            out = {figure: gr.update(value=None, visible=False) for figure in figures.values()}
            out.update({record: None, download_saber: gr.update(value=None, visible=False),
                        download_result: gr.update(value=None, visible=False)})
            return out

        def analyse(source_tab, video_path, audio_path, file_path, chosen, reasoner_name, max_rounds_):
            path = chosen_path(source_tab, video_path, audio_path, file_path)
            run_dir = None
            drawn: set[str] = set()
            try:
                try:
                    settings = service.settings(chosen or [], reasoner_name, max_rounds_)
                except UploadRejected as exc:
                    view = views.fail_run(views.new_run([]), str(exc), 0.0)
                    gr.Warning(str(exc))
                    yield {**page(view, drawn), **reset()}
                    return
                first = True
                for view in service.stream(path, settings):
                    files = None
                    if view.result is not None:
                        run_dir = service.new_run_dir()
                        saber_path, result_path = service.write_exports(view.result, run_dir, path)
                        files = (str(saber_path), str(result_path))
                    out = page(view, drawn, files)
                    if first:  # clear the previous run's figures and downloads
                        out = {**out, **reset()}
                        first = False
                    if view.error:
                        gr.Warning(view.error)
                    yield out
            finally:
                # by now Gradio has copied the downloads into its own cache; ours are no longer needed
                service.discard(run_dir)

        def analyze_api(clip, plugin_names, reasoner_name, max_rounds_):
            """Analyse one clip: the six SABER slots (a slot not run or not filled reads "[unavailable: why]"
            or "[failed: why]", never ""), labels, conflicts and checks as JSON."""
            try:
                settings = service.settings(parse_plugins(plugin_names), reasoner_name or None,
                                            int(max_rounds_) if max_rounds_ is not None else None)
                result = service.analyze(clip, settings)
            except (UploadRejected, AnalysisFailed) as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            return render.result_payload(result)

        def analyse_segments(source_tab, video_path, audio_path, file_path, chosen, reasoner_name, max_rounds_):
            """The Utterances tab's run. Whatever goes wrong is said as the main Analyse button says it: a warning
            and an alert in the progress box, the other boxes left as they were (never a bare "Error" in each)."""
            path = chosen_path(source_tab, video_path, audio_path, file_path)
            lines: list[str] = []
            try:
                try:
                    settings = service.settings(chosen or [], reasoner_name, max_rounds_).updated(segment="utterances")
                    if not path:
                        raise UploadRejected(service.no_clip_message())
                    probe(path, service.limits)
                except UploadRejected as exc:
                    gr.Warning(str(exc))
                    yield gr.skip(), segments_view.progress_html([], str(exc)), gr.skip(), gr.skip(), gr.skip()
                    return
                for lines, result, error in segments_view.stream_segments(path, settings):
                    if error:
                        gr.Warning(for_app(error))
                    if result is None:
                        yield gr.skip(), segments_view.progress_html(lines, error), gr.skip(), gr.skip(), gr.skip()
                        continue
                    yield (result, segments_view.progress_html(lines), segments_view.timeline_html(result, 0),
                           gr.update(choices=segments_view.segment_choices(result), value=0),
                           segments_view.segment_html(result, 0))
            except Exception as exc:  # a fault of the page itself: said, and the server goes on
                message = segments_view.failure_message(exc, path)
                gr.Warning(message)
                yield gr.skip(), segments_view.progress_html(lines, message), gr.skip(), gr.skip(), gr.skip()

        def pick_segment(result, index):
            return segments_view.timeline_html(result, index), segments_view.segment_html(result, index)

        by_utterance.click(
            analyse_segments, [source, video, audio, media_file, plugins, reasoner, rounds],
            [segments_state, segments_progress, segments_timeline, segment_pick, segment_slots],
            api_visibility="private", concurrency_id="analysis",
        )
        segment_pick.change(pick_segment, [segments_state, segment_pick], [segments_timeline, segment_slots],
                            api_visibility="private", queue=False)
        # the page plays the upload as it is: a note where the browser cannot (HEVC, AVI, ...), the analysis unaffected
        video.change(preview.preview_note, video, video_note, api_visibility="private", queue=False)
        audio.change(preview.preview_note, audio, audio_note, api_visibility="private", queue=False)
        video_tab.select(lambda: "video", None, source, api_visibility="private", queue=False)
        audio_tab.select(lambda: "audio", None, source, api_visibility="private", queue=False)
        file_tab.select(lambda: "file", None, source, api_visibility="private", queue=False)
        run.click(
            lambda: gr.update(interactive=False, value="Analysing…"), None, run, api_visibility="private", queue=False,
        ).then(
            analyse, [source, video, audio, media_file, plugins, reasoner, rounds], outputs, api_visibility="private",
            concurrency_id="analysis",
        ).then(
            lambda: gr.update(interactive=True, value="Analyse"), None, run, api_visibility="private", queue=False,
        )
        api_trigger.click(
            analyze_api, [api_clip, api_plugins, api_reasoner, api_rounds], api_result, api_name="analyze",
            concurrency_id="analysis",
        )

    demo.queue(default_concurrency_limit=concurrency_limit, max_size=max_queue)
    demo.saber_service = service  # launch() reads the upload limit from here
    return demo


def launch(
    demo=None,
    host: str = DEFAULT_HOST,
    port: int | None = DEFAULT_PORT,
    *,
    prevent_thread_lock: bool = False,
    quiet: bool = False,
):
    """Serve the app on `host`:`port` (loopback by default; never a public share link).

    Returns (FastAPI app, local URL). Only Gradio's own upload and cache folders are served:
    `allowed_paths` is empty, so no other file can be fetched through the app.
    """
    demo = demo if demo is not None else build_app()
    service = getattr(demo, "saber_service", None)
    limits = service.limits if service is not None else UploadLimits()
    app, url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        theme=style.theme(),
        css=style.CSS,
        head=upload_guard_head(MEDIA_SUFFIXES, media_types_text()),  # no upload refused without a word
        allowed_paths=[],
        max_file_size=limits.max_bytes,
        footer_links=["api"],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        show_error=False,
    )
    return app, url
