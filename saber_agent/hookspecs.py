"""Every extension point of saber-agent.

Plugins implement these with ``@saber_agent.hookimpl``. "Register" hooks receive a ``register``
callback rather than returning values, so the core owns naming, de-duplication and validation.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("saber_agent")
hookimpl = pluggy.HookimplMarker("saber_agent")


@hookspec
def register_perception_tools(register):
    """Register perception tools: ``register(tool)`` with a `saber_agent.perception.PerceptionTool`."""


@hookspec
def register_reasoners(register):
    """Register reasoner backends: ``register(name, factory, description="")``;
    ``factory(**options)`` returns a `saber_agent.reasoning.Reasoner`."""


@hookspec
def register_checks(register):
    """Register consistency checks: ``register(check)`` with a `saber_agent.checking.ConsistencyCheck`."""


@hookspec
def register_exporters(register):
    """Register result exporters: ``register(name, export, suffix)``; ``export(result) -> str``."""
