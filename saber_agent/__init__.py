"""saber-agent: multimodal emotion reasoning over video, in the six-slot SABER schema."""

from saber_agent.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
