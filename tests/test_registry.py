import textwrap

import pytest

from saber_agent import hookimpl
from saber_agent.perception import PerceptionTool
from saber_agent.registry import PluginError, Registry, UnknownComponentError, load_module
from tests.conftest import IN_TREE

OUT_OF_TREE = textwrap.dedent('''
    """A researcher's scene plugin: one module, outside any package."""
    from saber_agent import hookimpl
    from saber_agent.evidence import Slot
    from saber_agent.perception import PerceptionTool


    class Brightness(PerceptionTool):
        name = "brightness"
        slot = "video_desc"
        needs = frozenset({"frames"})
        version = "1.0"

        def perceive(self, clip, settings):
            level = float(clip.frames.mean())
            return Slot(text=f"The scene's mean brightness is {level:.0f} of 255.", status="ok",
                        measurements={"brightness": level}, provenance=self.provenance())


    @hookimpl
    def register_perception_tools(register):
        register(Brightness())
''')


def test_in_tree_plugins_load_through_entry_points():
    registry = Registry(allow=IN_TREE).load()
    assert {"prosody", "fusion", "checks", "exporters"} <= set(registry.plugin_names())
    assert registry.tool("prosody").slot == "acoustic_feat"
    assert registry.owners[("perception tool", "prosody")] == "prosody"
    assert "fusion" in registry.reasoners
    assert registry.errors == []


def test_allow_list_limits_what_loads():
    registry = Registry(allow=["fusion"]).load()
    assert registry.plugin_names() == ["fusion"]
    assert registry.tools == {}
    with pytest.raises(UnknownComponentError, match="no perception tool named 'prosody'"):
        registry.tool("prosody")


def test_load_is_idempotent():
    registry = Registry(allow=IN_TREE)
    registry.load()
    count = len(registry.tools)
    registry.load()
    assert len(registry.tools) == count


def test_out_of_tree_module_plugin_by_path(tmp_path, monkeypatch, face_speech_clip):
    path = tmp_path / "brightness_plugin.py"
    path.write_text(OUT_OF_TREE)
    monkeypatch.setenv("SABER_AGENT_PLUGIN_MODULES", str(path))
    registry = Registry.from_env().load()
    assert registry.owners[("perception tool", "brightness")] == "brightness_plugin"
    from saber_agent.media import decode
    from saber_agent.settings import AnalysisSettings

    slot = registry.tool("brightness").perceive(decode(face_speech_clip), AnalysisSettings())
    assert slot.ok and "brightness" in slot.text


def test_broken_plugin_module_is_reported_not_raised(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("raise RuntimeError('boom')\n")
    registry = Registry(allow=[], modules=[str(path)]).load()
    assert any("boom" in e for e in registry.errors)
    with pytest.raises(PluginError, match="no such file"):
        load_module(str(tmp_path / "absent.py"))


class Dup(PerceptionTool):
    name = "prosody"
    slot = "acoustic_feat"


class BadSlot(PerceptionTool):
    name = "bad"
    slot = "not_a_slot"


class Plugin:
    @hookimpl
    def register_perception_tools(self, register):
        register(Dup())
        register(BadSlot())
        register("not a tool")

    @hookimpl
    def register_reasoners(self, register):
        raise ValueError("reasoner hook exploded")


def test_core_validates_and_deduplicates_registrations():
    registry = Registry(allow=["prosody"]).load()
    original = registry.tool("prosody")
    registry.register_module(Plugin(), name="sloppy")
    assert registry.tool("prosody") is original
    text = "\n".join(registry.errors)
    assert "already registered by 'prosody'" in text
    assert "not one of" in text
    assert "not a PerceptionTool" in text
    assert "reasoner hook exploded" in text


def test_reasoner_built_once_per_options():
    registry = Registry(allow=["fusion"]).load()
    assert registry.reasoner("fusion") is registry.reasoner("fusion")
    with pytest.raises(UnknownComponentError):
        registry.reasoner("nope")
