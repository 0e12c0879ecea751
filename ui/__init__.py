"""The Gradio app (extra ``ui``): upload a clip, watch the evidence and the reasoning.

`saber_agent.ui.app.build_app()` builds the page and `launch()` serves it; `views` holds the pure
functions that turn graph events into what the page shows. Gradio is imported only by `app`.
"""
