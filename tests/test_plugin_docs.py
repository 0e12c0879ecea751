"""The examples of docs/plugins.md, read out of the page and run on the bundled sample clip, so the page cannot rot:
the perception tool, the reasoner with an option, the shell command, and what the page says of a module loaded by path."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from saber_agent import registry as registry_module
from saber_agent.api import analyze, sample_clip
from saber_agent.cli import main
from saber_agent.registry import ReasonerOptionsError, Registry, ToolSlotError, load_module
from tests.conftest import IN_TREE

PAGE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


def examples() -> dict[str, str]:
    """The page's python blocks whose first line names a file (``# loudness_plugin.py``): file name -> code."""
    blocks = re.findall(r"```python\n# (\w+\.py)\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    return {name: code for name, code in blocks}


@pytest.fixture()
def written(tmp_path):
    found = examples()
    assert set(found) == {"loudness_plugin.py", "voice_reasoner.py"}
    for name, code in found.items():
        (tmp_path / name).write_text(code)
    yield tmp_path
    for name in found:
        sys.modules.pop(f"saber_agent_external_{Path(name).stem}", None)


@pytest.fixture()
def loaded(written):
    fresh = Registry(allow=IN_TREE, modules=[str(written / "loudness_plugin.py"), str(written / "voice_reasoner.py")]).load()
    registry_module.set_registry(fresh)
    yield fresh
    registry_module.set_registry(None)


def test_the_examples_register_and_run_on_the_sample(loaded):
    assert loaded.errors == []
    assert loaded.tool("loudness").slot == "acoustic_feat" and "voice_only" in loaded.reasoners
    assert loaded.slot_clashes() == ["loudness also fills acoustic_feat; prosody runs by default, name it with --plugins to use it"]
    result = analyze(sample_clip(), plugins=["loudness"], reasoner="voice_only", reasoner_options={"floor": 0.2},
                     tool_options={"loudness": {"window_s": 0.25}})
    slot = result.evidence.acoustic_feat
    assert slot.ok and slot.provenance.plugin == "loudness" and "dBFS" in slot.text
    assert slot.timelines["loudness"].times_s[:2] == [0.0, 0.25]
    assert [c.modality for c in result.cues] == ["voice"]
    assert result.reasoner == "voice_only" and result.errors == []
    assert result.analysis.cues_cited == {"voice": [slot.text]} and result.analysis.basic_emotion in {"neutral", "surprise"}
    # the floor reaches the factory: above the cue's confidence, the reasoner finds no cue
    high = analyze(sample_clip(), plugins=["loudness"], reasoner="voice_only", reasoner_options={"floor": 0.9})
    assert high.reasoner == "voice_only" and high.analysis.reasoning == "No voice cue reaches the floor."
    # what the page says of options and slots
    with pytest.raises(ReasonerOptionsError):
        loaded.validate_reasoner_options("voice_only", {"flor": 0.2})
    with pytest.raises(ToolSlotError):
        analyze(sample_clip(), plugins=["prosody", "loudness"])


def test_the_shell_command_of_the_page(written, monkeypatch, capsys):
    command = re.search(r"```bash\n(SABER_AGENT_PLUGIN_MODULES=.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S).group(1)
    words = command.replace("\\\n", " ").split()
    modules, args = words[0].split("=", 1)[1], words[2:]
    assert words[1] == "saber-agent" and modules == "./loudness_plugin.py,./voice_reasoner.py"
    monkeypatch.chdir(written)
    monkeypatch.setenv(registry_module.ENV_MODULES, modules)
    registry_module.set_registry(None)
    try:
        assert main([*args, "--json"]) == 0
    finally:
        registry_module.set_registry(None)
    out = capsys.readouterr().out
    assert '"reasoner": "voice_only"' in out and "mean loudness" in out


def test_a_module_loaded_by_path_is_a_second_copy(written, monkeypatch):
    by_path = load_module(str(written / "voice_reasoner.py"))
    assert by_path.__name__ == "saber_agent_external_voice_reasoner"
    monkeypatch.syspath_prepend(str(written))
    import voice_reasoner

    try:
        assert voice_reasoner is not by_path and voice_reasoner.VoiceOnly is not by_path.VoiceOnly
        assert load_module("voice_reasoner") is voice_reasoner  # the dotted form: the one module object
    finally:
        sys.modules.pop("voice_reasoner", None)
