"""One tool per slot: which tool fills a slot another installed tool also fills, and what a run that names both does.

The third-party tool here is installed for real: a ``*.dist-info`` folder with an ``entry_points.txt`` on
``sys.path`` (what ``pip install`` leaves), found by ``importlib.metadata`` before or after saber-agent's own.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
import textwrap

import pytest

from saber_agent import hookimpl
from saber_agent import registry as registry_module
from saber_agent.cli import main
from saber_agent.evidence import Slot
from saber_agent.perception import PerceptionTool
from saber_agent.registry import Registry, ToolOptionsError, ToolSlotError
from saber_agent.settings import AnalysisSettings
from tests.conftest import IN_TREE

LOUDNESS = textwrap.dedent('''
    """A third-party loudness tool filling acoustic_feat, the prosody tool's slot."""
    import numpy as np
    from pydantic import BaseModel, ConfigDict, Field

    from saber_agent import hookimpl
    from saber_agent.evidence import Slot
    from saber_agent.perception import PerceptionTool


    class LoudnessOptions(BaseModel):
        model_config = ConfigDict(extra="forbid")
        window_s: float = Field(0.5, gt=0, le=5, description="RMS window in seconds")


    class Loudness(PerceptionTool):
        name = "loudness"
        slot = "acoustic_feat"
        needs = frozenset({"audio"})
        options_model = LoudnessOptions

        def perceive(self, clip, settings):
            rms = float(np.sqrt(np.mean(np.square(clip.audio)))) if clip.audio.size else 0.0
            return Slot(text=f"LOUDNESS {rms:.4f}", status="ok", measurements={"rms": rms}, provenance=self.provenance())


    @hookimpl
    def register_perception_tools(register):
        register(Loudness())
''')


def install(folder, module: str = "saber_test_loudness") -> None:
    """Lay out what `pip install` leaves for a package with one `saber_agent` entry point."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(LOUDNESS)
    dist = folder / f"{module}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[saber_agent]\nloudness = {module}\n")


@pytest.fixture(params=["before", "after"])
def installed(request, tmp_path, monkeypatch):
    """The loudness plugin installed on sys.path before or after saber-agent's own entry points."""
    install(tmp_path / "site")
    where = str(tmp_path / "site")
    monkeypatch.setattr(sys, "path", [where, *sys.path] if request.param == "before" else [*sys.path, where])
    importlib.invalidate_caches()
    names = [ep.name for ep in importlib.metadata.entry_points(group="saber_agent")]
    assert "loudness" in names and (names.index("loudness") < names.index("prosody")) == (request.param == "before")
    fresh = Registry(allow=[*IN_TREE, "loudness"]).load()
    assert fresh.errors == [] and "loudness" in fresh.tools
    registry_module.set_registry(fresh)
    yield fresh
    registry_module.set_registry(None)
    sys.modules.pop("saber_test_loudness", None)


def test_a_builtin_tool_wins_its_slot_whatever_the_install_order(installed):
    chosen = {t.slot: t.name for t in installed.tools_for(AnalysisSettings())}
    assert chosen["acoustic_feat"] == "prosody"
    assert installed.default_tools()["acoustic_feat"].name == "prosody"
    assert {t.slot: t.name for t in installed.tools_for(AnalysisSettings(plugins=["loudness"]))} == {"acoustic_feat": "loudness"}


def test_the_clash_is_said(installed, capsys):
    note = "loudness also fills acoustic_feat; prosody runs by default, name it with --plugins to use it"
    assert installed.slot_clashes() == [note]
    assert main(["plugins"]) == 0
    assert note in capsys.readouterr().out
    assert main(["plugins", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["slot_clashes"] == [note]


def test_two_named_tools_for_one_slot_are_a_usage_error(installed, capsys):
    settings = AnalysisSettings(plugins=["prosody", "loudness"])
    with pytest.raises(ToolSlotError, match="prosody and loudness both fill the slot acoustic_feat.*loudness would not run"):
        installed.validate_settings(settings)
    assert isinstance(ToolSlotError("x"), ValueError)  # the API's callers catch ValueError
    assert main(["analyze", "--sample", "--json", "--plugins", "prosody,loudness"]) == 2
    captured = capsys.readouterr()
    assert "prosody and loudness both fill the slot acoustic_feat" in captured.err and captured.out == ""
    installed.validate_settings(AnalysisSettings(plugins=["prosody", "prosody", "transcript"]))  # a repeated name is no clash


def test_options_for_a_tool_not_in_the_run_are_a_usage_error(installed, capsys, tmp_path):
    from saber_agent.api import analyze

    with pytest.raises(ToolOptionsError, match=r"loudness is not in this run's tools: prosody; add loudness to plugins"):
        installed.validate_settings(AnalysisSettings(plugins=["prosody"], tool_options={"loudness": {"window_s": 1}}))
    with pytest.raises(ToolOptionsError, match=r"loudness also fills acoustic_feat, where prosody runs by default"):
        analyze(tmp_path / "absent.mp4", tool_options={"loudness": {"window_s": 1}})  # the API: before any decoding
    assert main(["analyze", "--sample", "--plugins", "prosody", "--tool-option", "loudness.window_s=1"]) == 2
    assert "loudness is not in this run's tools: prosody" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "r.jsonl"), "--plugins", "prosody",
                 "--tool-option", "loudness.window_s=1"]) == 2
    assert "loudness is not in this run's tools" in capsys.readouterr().err
    # named, its options run with it
    installed.validate_settings(AnalysisSettings(plugins=["loudness"], tool_options={"loudness": {"window_s": 1}}))


def test_the_named_tool_runs_on_the_sample(installed, capsys):
    assert main(["analyze", "--sample", "--json", "--plugins", "loudness,transcript", "--tool-option", "loudness.window_s=1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["evidence"]["acoustic_feat"]["text"].startswith("LOUDNESS")


class SameSlotTools:
    """A plugin registering two video_desc tools, in the given order."""

    def __init__(self, *names):
        self.names = names

    @hookimpl
    def register_perception_tools(self, register):
        for name in self.names:
            register(type(name, (PerceptionTool,), {"name": name, "slot": "video_desc", "perceive": lambda s, c, st: Slot()})())


def test_a_slot_no_builtin_fills_goes_to_the_name_that_sorts_first():
    for order in (["zeta", "alpha"], ["alpha", "zeta"]):
        registry = Registry(allow=[]).load()
        registry.register_module(SameSlotTools(*order), name="two")
        assert [t.name for t in registry.tools_for(AnalysisSettings())] == ["alpha"]
        assert registry.slot_clashes() == ["zeta also fills video_desc; alpha runs by default, name it with --plugins to use it"]
