"""Meta-tests of the plugin surface (as datasette does it): every hook in `saber_agent/hookspecs.py`
has a `test_hook_<name>` test in this module and a row in README.md's extension-point table.

Each hook test registers a third-party-style plugin object through the real Registry (no entry
points, nothing installed) and checks that what it registers is found, and that a bad registration
is reported as an error instead of taking the registry down.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from saber_agent import hookimpl, hookspecs
from saber_agent.checking import ConsistencyCheck
from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result, Slot
from saber_agent.perception import PerceptionTool
from saber_agent.reasoning import Reasoner
from saber_agent.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "saber_agent_spec"))


def registry_with(plugin: object) -> Registry:
    """A registry that loads nothing installed, with `plugin` registered as if it were installed."""
    registry = Registry(allow=[], entry_points=False).load()
    registry.register_module(plugin, name="third_party")
    return registry


def test_the_hooks_are_found():
    assert len(HOOKS) >= 4 and all(name.startswith("register_") for name in HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert callable(globals().get(f"test_hook_{hook}")), f"write test_hook_{hook} in {Path(__file__).name}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    spec = getattr(hookspecs, hook)
    assert (spec.__doc__ or "").strip(), f"{hook} has no docstring in hookspecs.py"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{hook}\(register\)` \|", readme, re.M), f"{hook} has no row in README.md's extension-point table"


def test_hook_register_perception_tools():
    class Loudness(PerceptionTool):
        name = "loudness"
        slot = "acoustic_feat"
        needs = frozenset({"audio"})

        def perceive(self, clip, settings):
            return Slot(text="quiet", status="ok", provenance=self.provenance())

    class Plugin:
        @hookimpl
        def register_perception_tools(self, register):
            register(Loudness())
            register(object())  # not a tool: reported, not registered

    registry = registry_with(Plugin())
    assert isinstance(registry.tool("loudness"), Loudness)
    assert registry.owners[("perception tool", "loudness")] == "third_party"
    assert any("not a PerceptionTool" in e for e in registry.errors)


def test_hook_register_reasoners():
    class Constant(Reasoner):
        name = "constant"

        def __init__(self, label: str = "neutral"):
            self.label = label

        def reason(self, request, clip=None):
            return Analysis(reasoning="always the same", basic_emotion=self.label)

    class Plugin:
        @hookimpl
        def register_reasoners(self, register):
            register("constant", Constant, description="one label, whatever the evidence")
            register("broken", "not callable")

    registry = registry_with(Plugin())
    assert registry.reasoners["constant"].description == "one label, whatever the evidence"
    built = registry.reasoner("constant", {"label": "happiness"})
    assert isinstance(built, Constant) and built.label == "happiness"
    assert "broken" not in registry.reasoners and any("no callable factory" in e for e in registry.errors)


def test_hook_register_checks():
    class AlwaysPasses(ConsistencyCheck):
        name = "always_passes"

        def check(self, request, analysis):
            return self.outcome(True, "fine")

    class Plugin:
        @hookimpl
        def register_checks(self, register):
            register(AlwaysPasses())
            register(lambda request, analysis: None)  # a function is not a ConsistencyCheck

    registry = registry_with(Plugin())
    assert isinstance(registry.checks["always_passes"], AlwaysPasses)
    assert list(registry.checks) == ["always_passes"] and any("not a ConsistencyCheck" in e for e in registry.errors)


def test_hook_register_exporters():
    class Plugin:
        @hookimpl
        def register_exporters(self, register):
            register("emotion", lambda result: result.analysis.basic_emotion if result.analysis else "", ".txt")
            register("emotion", lambda result: "again", ".txt")  # a duplicate name: the first one stays

    registry = registry_with(Plugin())
    entry = registry.exporter("emotion")
    result = Result(clip=ClipInfo(path="clip.mp4"), evidence=Evidence(), analysis=Analysis(reasoning="r", basic_emotion="sadness"))
    assert entry.suffix == ".txt" and entry.plugin == "third_party" and entry.export(result) == "sadness"
    assert any("already registered" in e for e in registry.errors)
