"""Reasoner options (`-o KEY=VALUE`, `analyze(reasoner_options=...)`, `eval --judge-option`) are checked
against the reasoner factory's signature before any decoding and without building the reasoner: an
unknown key, a value its annotation cannot take, or any option for the option-less fusion reasoner is
a usage error (CLI exit 2, the API raises `ReasonerOptionsError`), not a silent fallback to fusion."""

from __future__ import annotations

import asyncio
import json
from typing import Literal

import pytest

from saber_agent import hookimpl
from saber_agent.api import aanalyze, analyze
from saber_agent.cli import main
from saber_agent.registry import ReasonerOptionsError, UnknownComponentError, reasoner_option_problem


class Picky:
    """A third-party reasoner factory with a Literal option; never built here."""

    def __init__(self, mode: Literal["fast", "slow"] = "fast", depth: int = 1, ratio: float = 0.5,
                 verbose: bool = False, seed: int | None = 0, workers: int | None = None) -> None:
        raise AssertionError("the check must not build the reasoner")


def anything(**kwargs):
    raise AssertionError("the check must not build the reasoner")


class PickyPlugin:
    @hookimpl
    def register_reasoners(self, register):
        register("picky", Picky, "test reasoner with typed options")
        register("loose", anything, "test reasoner taking any option")


@pytest.fixture()
def picky(registry):
    registry.register_module(PickyPlugin(), name="picky-plugin")
    return registry


# -- the CLI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args, said", [
    (["--reasoner", "llamacpp", "-o", "bogus=1"],
     "invalid reasoner option bogus for llamacpp: not an option; its options: model, threads, n_ctx"),
    (["--reasoner", "llamacpp", "-o", "thread=2"], "invalid reasoner option thread for llamacpp: not an option (did you mean threads?)"),
    (["--reasoner", "llamacpp", "-o", "threads=abc"], "invalid reasoner option threads='abc' for llamacpp: expected an integer"),
    (["--reasoner", "llamacpp", "-o", "temperature=hot"], "temperature='hot' for llamacpp: expected a number"),
    (["--reasoner", "llamacpp", "-o", "request_looks=maybe"], "request_looks='maybe' for llamacpp: expected true or false"),
    (["--reasoner", "picky", "-o", "mode=sometimes"],
     "invalid reasoner option mode='sometimes' for picky: Input should be 'fast' or 'slow'"),
    (["-o", "model=x"], "invalid reasoner option model for fusion: it takes no options"),
    (["--reasoner", "fusion", "-o", "bogus=1"], "invalid reasoner option bogus for fusion: it takes no options"),
    (["--reasoner", "lamacpp"], "no reasoner named 'lamacpp'"),
])
def test_cli_rejects_bad_reasoner_options_with_exit_2_before_decoding(picky, capsys, tmp_path, args, said):
    missing = tmp_path / "not-there.mp4"  # decoding it would exit 3: exit 2 shows the check came first
    assert main(["analyze", str(missing), "--plugins", "prosody", *args]) == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_batch_rejects_bad_reasoner_options_too(registry, capsys, tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"id": "a", "path": str(tmp_path / "not-there.mp4")}) + "\n")
    code = main(["batch", str(manifest), "--out", str(tmp_path / "r.jsonl"), "--reasoner", "llamacpp", "-o", "threads=abc"])
    assert code == 2
    assert "threads='abc' for llamacpp: expected an integer" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists() or not (tmp_path / "r.jsonl").read_text().strip()


def test_cli_accepts_valid_options_and_then_fails_on_the_clip(registry, capsys, tmp_path):
    """Valid llamacpp options pass the check (the 1.5B model is not loaded: the missing clip stops the run first)."""
    missing = tmp_path / "not-there.mp4"
    code = main(["analyze", str(missing), "--plugins", "prosody", "--reasoner", "llamacpp",
                 "-o", "threads=1", "-o", "temperature=0.2", "-o", "looks=every_round", "-o", "request_looks=false"])
    assert code == 3, capsys.readouterr().err


def test_eval_rejects_a_bad_judge_option(registry, capsys, tmp_path):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps({"id": "a", "clip": "a.mp4", "result": {}}) + "\n")
    code = main(["eval", str(results), "--judge", "llamacpp", "--judge-option", "threads=abc"])
    assert code == 2
    assert "threads='abc' for llamacpp: expected an integer" in capsys.readouterr().err


# -- the validator ---------------------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    {}, {"threads": 1}, {"threads": "2"}, {"threads": None}, {"threads": "auto"}, {"model": "smollm2-135m"},
    {"n_ctx": 8192, "max_tokens": 64, "temperature": 0, "seed": None, "request_looks": True},
    {"temperature": "0.5", "timeout_s": 30, "looks": "every_round", "json_mode": "schema"},
])
def test_valid_llamacpp_options_pass_without_building(registry, options):
    registry.validate_reasoner_options("llamacpp", options)
    assert not registry._reasoner_instances  # nothing was built (building loads the model)


@pytest.mark.parametrize("options, problem", [
    ({"mode": "fast", "depth": 3, "ratio": 1, "verbose": 1, "seed": None, "workers": "auto"}, None),
    ({"mode": "slow", "depth": "4", "ratio": "0.1", "verbose": False, "workers": 2}, None),
    ({"mode": "medium"}, ("mode='medium'", "Input should be 'fast' or 'slow'")),  # pydantic's words, as for tools
    ({"depth": 2.5}, ("depth=2.5", "expected an integer")),
    ({"depth": True}, ("depth=True", "expected an integer")),
    ({"ratio": [1]}, ("ratio=[1]", "expected a number")),
    ({"verbose": "no"}, ("verbose='no'", "expected true or false")),
    ({"seed": "auto"}, ("seed='auto'", "expected an integer")),  # only a None default means "auto"
    ({"workers": "x"}, ("workers='x'", "expected an integer")),
    ({"mdoe": "fast"}, ("mdoe", "not an option (did you mean mode?); its options: mode, depth, ratio, verbose, seed, workers")),
])
def test_option_problem_follows_the_annotations(options, problem):
    assert reasoner_option_problem(Picky, options) == problem


def test_a_kwargs_factory_takes_any_option(picky):
    picky.validate_reasoner_options("loose", {"whatever": [1, 2], "x": "y"})


def test_unknown_reasoner_is_an_unknown_component(registry):
    with pytest.raises(UnknownComponentError, match="no reasoner named 'nope'"):
        registry.validate_reasoner_options("nope", {})


# -- the API ---------------------------------------------------------------------------------------


def test_api_raises_before_decoding(registry, tmp_path):
    missing = str(tmp_path / "not-there.mp4")
    with pytest.raises(ReasonerOptionsError, match="bogus for fusion: it takes no options"):
        analyze(missing, reasoner_options={"bogus": 1})
    with pytest.raises(ValueError, match="threads='abc' for llamacpp: expected an integer"):
        asyncio.run(aanalyze(missing, reasoner="llamacpp", reasoner_options={"threads": "abc"}))
