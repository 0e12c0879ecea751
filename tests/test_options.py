"""Options described from their pydantic model (saber_agent/options.py), and `saber-agent plugins` listing them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from saber_agent.cli import main
from saber_agent.options import option_lines, option_rows, reasoner_option_problem, reasoner_options_model, type_name


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["auto", "flow"] = Field("auto", description="which backend")
    rate: float = Field(1.0, ge=0, description="frames per second")
    size: tuple[PositiveInt, PositiveInt] = (368, 368)
    names: list[str] | None = None
    schedule: list[float] = Field(default_factory=lambda: [0.0, 0.2])
    device: str = Field("cpu", pattern=r"^(cpu|cuda)$")
    path: str = Field(description="must be given")


def test_rows_give_name_type_default_constraints_and_description():
    rows = {row["name"]: row for row in option_rows(Sample)}
    assert list(rows) == ["backend", "rate", "size", "names", "schedule", "device", "path"]
    assert rows["backend"] == {"name": "backend", "type": "{auto,flow}", "default": "auto", "required": False,
                               "constraints": [], "description": "which backend"}
    assert rows["rate"]["type"] == "float" and rows["rate"]["constraints"] == [">= 0"]
    assert rows["size"]["type"] == "tuple[int, int]" and rows["size"]["default"] == [368, 368]  # JSON-safe
    assert rows["names"]["type"] == "list[str] | None" and rows["names"]["default"] is None
    assert rows["schedule"]["default"] == [0.0, 0.2]  # a default_factory's value
    assert rows["device"]["constraints"] == ["matches ^(cpu|cuda)$"] and rows["device"]["description"] == ""
    assert rows["path"]["required"] is True and rows["path"]["default"] is None
    json.dumps(rows)  # serialisable as it is


def test_type_names_and_text_lines():
    assert type_name(int | None) == "int | None"
    assert type_name(tuple[int, ...]) == "tuple[int, ...]"
    assert option_rows(None) is None
    lines = option_lines(option_rows(Sample), indent="")
    assert lines[0].split() == ["backend", "{auto,flow}", "=", "'auto'", "which", "backend"]
    assert lines[1].split()[:6] == ["rate", "float", "=", "1.0", "(>=", "0)"]
    assert lines[-1].split()[:3] == ["path", "str", "required"]
    assert option_lines(None) == ["      options not declared (any are passed on unchecked)"]
    assert option_lines([]) == ["      no options"]


def test_plugins_lists_each_tools_options_as_json_and_text(batch_registry, capsys):
    assert main(["plugins", "--json"]) == 0
    tools = {t["name"]: t for t in json.loads(capsys.readouterr().out)["perception_tools"]}
    prosody = {o["name"]: o for o in tools["prosody"]["options"]}
    assert set(prosody) == {"voice_model", "voice_model_device", "vad"}
    assert prosody["voice_model_device"]["type"] == "str" and prosody["voice_model_device"]["default"] == "cpu"
    assert prosody["voice_model_device"]["description"] == "where a Hugging Face voice model runs"
    scene = {o["name"]: o for o in tools["scene"]["options"]}
    assert scene["backend"]["type"] == "{measured,caption}" and scene["max_shots"]["constraints"] == [">= 1"]
    assert tools["counting"]["options"] is None  # a test tool that declares no options model

    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    block = out.split("Perception tools")[1].split("Reasoners")[0]
    prosody_at = block.index("  prosody ")
    device_line = next(line for line in block[prosody_at:].splitlines() if "voice_model_device" in line)
    assert device_line.split()[:4] == ["voice_model_device", "str", "=", "'cpu'"]
    assert device_line.endswith("where a Hugging Face voice model runs")
    counting_at = block.index("  counting ")
    assert block[counting_at:].splitlines()[1].strip() == "options not declared (any are passed on unchecked)"


# -- checking: one model, one way of saying what is wrong, for tools and reasoners ---------------


def test_tools_and_reasoners_say_the_same_words_for_the_same_mistake(registry):
    from saber_agent.perception import option_problems
    from saber_agent.registry import ReasonerOptionsError

    assert option_problems(registry.tools["scene"], {"max_shots": "many"}) == ["scene.max_shots='many': expected an integer"]
    with pytest.raises(ReasonerOptionsError) as caught:
        registry.validate_reasoner_options("llamacpp", {"n_ctx": "many"})
    assert str(caught.value) == "invalid reasoner option n_ctx='many' for llamacpp: expected an integer"
    assert option_problems(registry.tools["scene"], {"backend": "x"}) == [
        "scene.backend='x': Input should be 'measured' or 'caption'"]
    with pytest.raises(ReasonerOptionsError, match="prompt='x' for llamacpp: Input should be 'compact' or 'sed'$"):
        registry.validate_reasoner_options("llamacpp", {"prompt": "x"})


def test_a_reasoner_model_is_built_from_the_factory_signature():
    def factory(json: int = 1, copy: str = "x", paths: list[Path] | None = None, count: int | None = None, *, needed: float):
        raise AssertionError("never built")

    def unresolved(x: NoSuchType = None):  # noqa: F821
        raise AssertionError("never built")

    model = reasoner_options_model(factory)
    assert model.model_config["extra"] == "forbid"
    rows = {row["name"]: row for row in option_rows(model)}
    assert list(rows) == ["json", "copy", "paths", "count", "needed"]  # names BaseModel uses are fine
    assert rows["count"]["type"] == "int | {auto} | None"  # a None default picks automatically: "auto" says so
    assert rows["needed"]["required"] is False  # the factory itself says so when built
    assert reasoner_option_problem(factory, {"json": 2, "copy": 7, "count": "auto", "paths": object()}) is None  # list[Path]: unchecked
    assert reasoner_option_problem(factory, {"json": "x"}) == ("json='x'", "expected an integer")
    assert reasoner_option_problem(factory, {"copy": [1]}) == ("copy=[1]", "expected a string")
    assert reasoner_option_problem(factory, {"count": "some"}) == ("count='some'", "expected an integer")
    assert reasoner_option_problem(factory, {"cuont": 1})[1].startswith("not an option (did you mean count?)")
    assert reasoner_option_problem(unresolved, {"x": [1]}) is None  # an annotation that does not resolve: keys only
    assert reasoner_option_problem(unresolved, {"y": 1}) == ("y", "not an option; its options: x")
    assert reasoner_options_model(lambda **kwargs: None) is None  # takes anything
    assert reasoner_option_problem(lambda: None, {"a": 1}) == ("a", "it takes no options")


def test_plugins_lists_each_reasoners_options_too(registry, capsys):
    assert main(["plugins", "--json"]) == 0
    reasoners = {r["name"]: r for r in json.loads(capsys.readouterr().out)["reasoners"]}
    llamacpp = {o["name"]: o for o in reasoners["llamacpp"]["options"]}
    assert llamacpp["threads"]["type"] == "int | {auto} | None" and llamacpp["prompt"]["default"] == "compact"
    assert reasoners["fusion"]["options"] == []
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out.split("Reasoners")[1]
    assert out.split("  fusion ")[1].splitlines()[1].strip() == "no options"
