"""The LangGraph spine, end to end on real clips."""

import threading
import time
from typing import TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from saber_agent import hookimpl
from saber_agent.api import analyze
from saber_agent.checking import ConsistencyCheck
from saber_agent.evidence import SLOT_NAMES, Analysis, Result, Slot, SlotStatus
from saber_agent.graphs import graph
from saber_agent.media import MediaError, clip_cache
from saber_agent.perception import PerceptionTool
from saber_agent.reasoning import Reasoner
from saber_agent.settings import AnalysisSettings


class SleepyTool(PerceptionTool):
    """Test tool that waits (a stand-in for a model call that releases the GIL) and records when it ran."""

    needs = frozenset({"frames"})

    def __init__(self, name, slot, seconds):
        self.name, self.slot, self.seconds = name, slot, seconds

    def perceive(self, clip, settings):
        time.sleep(self.seconds)
        return Slot(text=f"{self.name} saw {len(clip.frames)} frames", status="ok", provenance=self.provenance())


class RaisingTool(PerceptionTool):
    name, slot = "raiser", "body_lang_desc"

    def perceive(self, clip, settings):
        raise RuntimeError("pose model exploded")


class HangingTool(PerceptionTool):
    name, slot = "hanger", "facial_exp_desc"

    def __init__(self):
        self.release = threading.Event()

    def perceive(self, clip, settings):
        self.release.wait(60)
        return Slot(text="too late", status="ok")


class GarbageTool(PerceptionTool):
    name, slot = "garbage", "video_desc"

    def perceive(self, clip, settings):
        return {"text": "not a slot"}


class ToolsPlugin:
    def __init__(self, *tools):
        self.tools = tools

    @hookimpl
    def register_perception_tools(self, register):
        for tool in self.tools:
            register(tool)


def test_sample_shape_on_a_real_clip(registry, face_speech_clip):
    result = analyze(face_speech_clip)
    assert isinstance(result, Result)
    assert result.evidence.acoustic_feat.ok
    assert result.evidence.sentiment_analysis.ok
    assert result.rounds >= 1 and result.checks
    assert set(result.saber()) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    for name in SLOT_NAMES:  # every slot is either filled or says why not
        slot = result.evidence.slot(name)
        assert slot.ok or slot.reason


def test_decodes_once_for_all_branches(registry, face_speech_clip):
    registry.register_module(ToolsPlugin(SleepyTool("a", "video_desc", 0.0), SleepyTool("b", "body_lang_desc", 0.0)), "t")
    before = clip_cache.decodes
    analyze(face_speech_clip)
    assert clip_cache.decodes == before + 1


def test_perception_fans_out_in_parallel(registry, face_speech_clip):
    tools = [SleepyTool("a", "video_desc", 0.6), SleepyTool("b", "body_lang_desc", 0.6), SleepyTool("c", "facial_exp_desc", 0.6)]
    registry.register_module(ToolsPlugin(*tools), "sleepy")
    result = analyze(face_speech_clip, plugins=["a", "b", "c", "prosody"])
    runs = {r.tool: r for r in result.tool_runs}
    assert set(runs) == {"a", "b", "c", "prosody"}
    sleepy = [runs[n] for n in "abc"]
    # all three were running at the same moment: the latest start precedes the earliest finish
    overlap = min(r.finished for r in sleepy) - max(r.started for r in sleepy)
    assert overlap > 0.3, f"overlap {overlap:.3f} s"


def test_a_raising_or_hanging_or_garbage_plugin_fails_only_its_slot(registry, face_speech_clip):
    hanger = HangingTool()
    registry.register_module(ToolsPlugin(RaisingTool(), hanger, GarbageTool()), "faulty")
    try:
        # named first: the in-tree face/body/scene tools fill the same slots and would otherwise win
        result = analyze(face_speech_clip, tool_timeout_s=1.0, plugins=["raiser", "hanger", "garbage", "prosody"])
    finally:
        hanger.release.set()
    ev = result.evidence
    assert ev.body_lang_desc.status is SlotStatus.failed and "pose model exploded" in ev.body_lang_desc.reason
    assert ev.facial_exp_desc.status is SlotStatus.failed and "budget" in ev.facial_exp_desc.reason
    assert ev.video_desc.status is SlotStatus.failed and "not a Slot" in ev.video_desc.reason
    assert ev.acoustic_feat.ok and ev.sentiment_analysis.ok


def test_runs_with_no_perception_plugin(registry, face_speech_clip):
    result = analyze(face_speech_clip, plugins=[])
    assert result.tool_runs == []
    assert result.evidence.acoustic_feat.reason == "no selected plugin fills this slot"
    assert result.analysis is not None and result.evidence.sentiment_analysis.ok


def test_audio_only_and_video_only_inputs(registry, audio_only_clip, video_only_clip):
    assert analyze(audio_only_clip).evidence.acoustic_feat.ok
    video = analyze(video_only_clip)
    assert video.evidence.acoustic_feat.status is SlotStatus.unavailable
    assert video.evidence.acoustic_feat.reason == "the clip has no audio"


def test_silent_audio_marks_the_voice_unavailable(registry, silent_clip):
    result = analyze(silent_clip)
    assert result.evidence.acoustic_feat.status is SlotStatus.unavailable
    assert "silent" in result.evidence.acoustic_feat.reason


def test_unreadable_clip_raises_a_clear_error(registry, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("hello")
    with pytest.raises(MediaError, match="bad.mp4"):
        analyze(bad)


def test_compiled_graph_embeds_as_a_subgraph_node(registry, face_speech_clip):
    class Parent(TypedDict, total=False):
        clip_path: str
        result: Result
        verdict: str

    def decide(state: Parent) -> dict:
        return {"verdict": f"the speaker feels {state['result'].analysis.basic_emotion}"}

    parent = StateGraph(Parent, context_schema=AnalysisSettings)
    parent.add_node("saber", graph)
    parent.add_node("decide", decide)
    parent.add_edge(START, "saber")
    parent.add_edge("saber", "decide")
    parent.add_edge("decide", END)
    out = parent.compile().invoke({"clip_path": str(face_speech_clip)}, context=AnalysisSettings())
    assert out["result"].evidence.acoustic_feat.ok
    assert out["verdict"].startswith("the speaker feels")


def test_stream_updates_name_each_node(registry, face_speech_clip):
    nodes = [
        next(iter(chunk))
        for chunk in graph.stream({"clip_path": str(face_speech_clip)}, context=AnalysisSettings(), stream_mode="updates")
    ]
    assert nodes[0] == "decode" and "perceive" in nodes and nodes[-1] == "finish"
    assert nodes.index("reason") < nodes.index("check")


class NeedsCritique(ConsistencyCheck):
    """Fails until the reasoner has seen a critique: the correction loop must go round once."""

    name = "needs_critique"

    def check(self, request, analysis):
        return self.outcome(bool(request.critique), "answer the critique")


class NeverPasses(ConsistencyCheck):
    name = "never_passes"

    def check(self, request, analysis):
        return self.outcome(False, "impossible to satisfy")


class ChecksPlugin:
    def __init__(self, *checks):
        self.checks = checks

    @hookimpl
    def register_checks(self, register):
        for check in self.checks:
            register(check)


def test_correction_loop_goes_back_with_the_critique(registry, face_speech_clip):
    registry.register_module(ChecksPlugin(NeedsCritique()), "loop")
    result = analyze(face_speech_clip)
    assert result.rounds == 2
    assert "needs_critique: answer the critique" in result.analysis.reasoning


def test_correction_loop_is_bounded(registry, face_speech_clip):
    registry.register_module(ChecksPlugin(NeverPasses()), "stubborn")
    result = analyze(face_speech_clip, max_rounds=3)
    assert result.rounds == 3
    assert not {c.name: c for c in result.checks}["never_passes"].passed
    # the answer kept (no cue invented: the check is the test's own) says it failed, where a caller reading it sees it
    assert result.analysis.notes[-1] == "the answer failed the check(s) never_passes after 3 round(s)"
    assert result.reasoner == "fusion" and result.rejected is None and not result.errors


class Liar(Reasoner):
    """Trial E's custom reasoner: happy, with invented tears, whatever the evidence and the critique say."""

    name = "liar"
    rounds: list[int] = []

    def reason(self, request, clip=None):
        Liar.rounds.append(request.round)
        return Analysis(visual_evidence="tears streaming down the face", reasoning="The person is crying with joy.",
                        emotions=["ecstatic"], basic_emotion="happiness", valence=0.95, arousal=0.9,
                        cues_cited={"face": ["tears streaming down the face"], "voice": ["sobbing voice"]})


class LiarPlugin:
    @hookimpl
    def register_reasoners(self, register):
        register("liar", Liar, "test: invents cues every round")


def test_an_answer_that_still_invents_cues_after_the_last_round_is_replaced_by_the_fusion_answer(registry, face_speech_clip):
    registry.register_module(LiarPlugin(), "liar")
    Liar.rounds = []
    result = analyze(face_speech_clip, plugins=["prosody"], reasoner="liar", max_rounds=2)
    assert Liar.rounds == [1, 2] and result.rounds == 2  # the critique went back; the last round still failed
    assert result.reasoner == "fusion (fallback from liar)"
    assert "tears" not in str(result.analysis.cues_cited) and "tears" not in result.evidence.sentiment_analysis.text
    assert result.rejected is not None and result.rejected.cues_cited["face"] == ["tears streaming down the face"]
    assert {c.name: c for c in result.checks}["grounding"].passed  # the checks of the answer given
    said = [e for e in result.errors if "reasoner 'liar'" in e and "grounding" in e and "after 2 round(s)" in e]
    assert said and said[0] in result.analysis.notes
