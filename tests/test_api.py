"""The Python API checks names and options with the CLI's own check (`Registry.validate_settings`), before
the clip is decoded: a misspelt reasoner or tool fails at once, listing the loaded ones, instead of after
decoding and perception (minutes on a long clip). The clip paths here do not exist, so a check that came
after decoding would raise MediaError instead."""

from __future__ import annotations

import asyncio

import pytest

from saber_agent.api import aanalyze, analyze
from saber_agent.batch import ClipItem, run_batch
from saber_agent.cli import main
from saber_agent.registry import Registry, UnknownComponentError
from saber_agent.settings import AnalysisSettings


def test_a_misspelt_reasoner_fails_before_decoding_and_lists_the_reasoners(registry, tmp_path):
    missing = str(tmp_path / "not-there.mp4")
    with pytest.raises(UnknownComponentError, match=r"no reasoner named 'fusoin'; loaded: .*\bfusion\b"):
        analyze(missing, reasoner="fusoin")
    with pytest.raises(UnknownComponentError, match="no reasoner named 'fusoin'"):
        asyncio.run(aanalyze(missing, reasoner="fusoin"))
    with pytest.raises(UnknownComponentError, match="no reasoner named 'fusoin'"):  # the utterance path too
        analyze(missing, reasoner="fusoin", segment="utterances")


def test_a_misspelt_tool_fails_before_decoding(registry, tmp_path):
    with pytest.raises(UnknownComponentError, match=r"no perception tool named 'prosdy'; loaded: .*\bprosody\b"):
        analyze(str(tmp_path / "not-there.mp4"), plugins=["prosdy"])


def test_the_cli_and_the_api_say_the_same(registry, tmp_path, capsys):
    """One check: the CLI's usage error is the API's exception message."""
    missing = str(tmp_path / "not-there.mp4")
    assert main(["analyze", missing, "--reasoner", "fusoin"]) == 2
    cli_said = capsys.readouterr().err.strip().removeprefix("saber-agent: error: ")
    with pytest.raises(UnknownComponentError) as raised:
        analyze(missing, reasoner="fusoin")
    assert str(raised.value) == cli_said


def test_validate_settings_is_the_one_check(registry):
    registry.validate_settings(AnalysisSettings(plugins=["prosody"], reasoner="fusion"))
    with pytest.raises(UnknownComponentError, match="no reasoner named 'nope'"):
        registry.validate_settings(AnalysisSettings(reasoner="nope"))
    with pytest.raises(ValueError, match="invalid reasoner option bogus for fusion"):
        registry.validate_settings(AnalysisSettings(reasoner_options={"bogus": 1}))
    # the reasoner lookup and its options check share one "unknown reasoner" error
    with pytest.raises(UnknownComponentError, match="no reasoner named 'nope'; loaded: "):
        registry.reasoner("nope")
    with pytest.raises(UnknownComponentError, match="; loaded: none"):
        Registry(allow=[]).load().validate_settings(AnalysisSettings(plugins=[]))


def test_run_batch_fails_before_writing_a_line(registry, tmp_path):
    out = tmp_path / "results.jsonl"
    items = [ClipItem(id="a", path=str(tmp_path / "a.mp4")), ClipItem(id="b", path=str(tmp_path / "b.mp4"))]
    with pytest.raises(UnknownComponentError, match="no reasoner named 'fusoin'"):
        run_batch(items, out, AnalysisSettings(reasoner="fusoin"), progress=False)
    assert not out.exists()  # not two error lines, one per clip
