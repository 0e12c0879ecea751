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


# -- the whole-clip voice count (trial B: a clip of two people read as one person's sarcasm) ---------------------------


@pytest.fixture(scope="module")
def two_voice_clip(tmp_path_factory):
    from saber_agent.testing import synth
    from saber_agent.testing.conversation import conversation_audio

    folder = tmp_path_factory.mktemp("voices")
    audio, _ = conversation_audio()  # a man and a woman taking turns, espeak-ng
    return synth.make_clip(folder / "two_voices.m4a", None, synth.write_wav(folder / "two_voices.wav", audio))


def test_a_whole_clip_of_two_voices_is_flagged_and_one_voice_is_not(registry, two_voice_clip, face_speech_clip):
    from saber_agent.report import render

    result = analyze(two_voice_clip, plugins=["prosody"])
    assert result.analysis.voices_heard == 2
    assert result.analysis.notes and result.analysis.notes[0].startswith("2 voices heard: the emotion mixes speakers")
    assert "--segment utterances" in result.analysis.notes[0] and "note: 2 voices heard" in render(result)
    one = analyze(face_speech_clip, plugins=["prosody"])
    assert one.analysis.voices_heard is None and one.analysis.notes == [] and "voices heard" not in render(one)


def register_plain_reasoner(registry, plugin_name: str) -> None:
    """A reasoner "plain" that counts no voices and names no conflict (a stand-in for any LLM reasoner)."""
    from saber_agent import hookimpl
    from saber_agent.evidence import Analysis
    from saber_agent.reasoning import Reasoner

    class Plain(Reasoner):
        name = "plain"

        def reason(self, request, clip=None):
            return Analysis(reasoning="the words and the voice", basic_emotion="neutral")

    class Plugin:
        @hookimpl
        def register_reasoners(self, register):
            register("plain", Plain, description="counts nothing")

    registry.register_module(Plugin(), plugin_name)


def test_a_reasoner_that_counts_no_voices_gets_the_flag_from_the_api(registry, two_voice_clip):
    register_plain_reasoner(registry, "plain_plugin")
    result = analyze(two_voice_clip, plugins=["prosody"], reasoner="plain", max_rounds=1)
    assert result.reasoner == "plain" and result.analysis.voices_heard == 2 and "2 voices heard" in result.analysis.notes[0]
    windowed = analyze(two_voice_clip, plugins=["prosody"], reasoner="plain", max_rounds=1, decode={"window_s": (0.0, 3.0)})
    assert windowed.analysis.voices_heard is None and windowed.analysis.notes == []  # a window: segment mode's own pass


def test_the_graph_flags_several_voices_for_any_reasoner_without_the_api(registry, two_voice_clip):
    """Batch, the web app and agents call the graph, not `analyze`: its last step reads the prosody slot's count
    (`voices_heard.flagged`), so a reasoner that counts nothing still carries the flag, with no clip decoded again."""
    from saber_agent.graphs import graph
    from saber_agent.settings import AnalysisSettings

    register_plain_reasoner(registry, "plain_graph_plugin")
    settings = AnalysisSettings(plugins=["prosody"], reasoner="plain", max_rounds=1)
    result = graph.invoke({"clip_path": str(two_voice_clip)}, context=settings)["result"]
    assert result.evidence.acoustic_feat.measurements["voices_heard"] == 2
    assert result.analysis.voices_heard == 2 and result.analysis.notes[0].startswith("2 voices heard")
