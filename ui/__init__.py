"""The Gradio app: `build_app()` builds the Blocks, `launch()` serves it; views are pure functions."""
