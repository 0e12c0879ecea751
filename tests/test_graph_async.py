"""The graph from async code: `ainvoke` and `astream` with per-node updates (no pytest-asyncio needed)."""

from __future__ import annotations

import asyncio
import json
import time

from saber_agent import hookimpl
from saber_agent.api import aanalyze, analyze
from saber_agent.evidence import Slot
from saber_agent.graphs import graph
from saber_agent.perception import PerceptionTool
from saber_agent.settings import AnalysisSettings
from tests.test_reperception import Plugin, ToolCallingReasoner


class Waiting(PerceptionTool):
    """Test tool that takes `seconds` (a stand-in for a model call that releases the GIL)."""

    needs = frozenset({"frames"})

    def __init__(self, name, slot, seconds):
        self.name, self.slot, self.seconds = name, slot, seconds

    def perceive(self, clip, settings):
        time.sleep(self.seconds)
        return Slot(text=f"{self.name} looked at {len(clip.frames)} frames", status="ok", provenance=self.provenance())


class Tools:
    @hookimpl
    def register_perception_tools(self, register):
        register(Waiting("quick", "video_desc", 0.05))
        register(Waiting("slow", "body_lang_desc", 3.0))  # outlasts prosody on a loaded machine


def test_aanalyze_gives_the_same_result_as_analyze(registry, face_speech_clip):
    sync = analyze(face_speech_clip, plugins=["prosody"])
    result = asyncio.run(aanalyze(face_speech_clip, plugins=["prosody"]))
    assert result.evidence.acoustic_feat.measurements == sync.evidence.acoustic_feat.measurements
    assert result.saber() == sync.saber() and result.analysis == sync.analysis


def test_astream_yields_each_tool_as_it_finishes_and_each_round(registry, face_speech_clip):
    registry.register_module(Tools(), "waiting")

    async def collect():
        arrivals = []
        async for chunk in graph.astream(
            {"clip_path": str(face_speech_clip)}, context=AnalysisSettings(plugins=["quick", "slow", "prosody"]),
            stream_mode="updates",
        ):
            (node, update), = chunk.items()
            arrivals.append((node, update or {}, time.perf_counter()))
        return arrivals

    arrivals = asyncio.run(collect())
    nodes = [node for node, _, _ in arrivals]
    assert nodes[0] == "decode" and nodes[1:4].count("perceive") == 3 and nodes[-1] == "finish"
    tools = [u["tool_runs"][0].tool for n, u, _ in arrivals if n == "perceive"]
    assert tools[0] == "quick" and tools[-1] == "slow"
    quick_at = next(t for n, u, t in arrivals if n == "perceive" and u["tool_runs"][0].tool == "quick")
    slow_run = next(u["tool_runs"][0] for n, u, _ in arrivals if n == "perceive" and u["tool_runs"][0].tool == "slow")
    assert quick_at < slow_run.finished  # the quick tool's update arrived while the slow one still ran
    result = arrivals[-1][1]["result"]
    assert result.evidence.video_desc.ok and result.evidence.body_lang_desc.ok


def test_astream_shows_a_second_look_between_reasoning_rounds(registry, face_speech_clip):
    registry.register_module(Plugin(reasoners=[ToolCallingReasoner]), "llm")
    call = json.dumps({"tool": "prosody", "start_s": 1.0, "end_s": 3.0, "reason": "check the middle"})
    settings = AnalysisSettings(plugins=["prosody"], reasoner="toolcaller", reasoner_options={"calls": [call]})

    async def collect():
        return [chunk async for chunk in graph.astream({"clip_path": str(face_speech_clip)}, context=settings,
                                                       stream_mode="updates")]

    chunks = asyncio.run(collect())
    nodes = [next(iter(c)) for c in chunks]
    assert nodes[nodes.index("check"):] == [
        "check", "plan_looks", "reperceive", "fuse", "reason", "check", "plan_looks", "finish",
    ]
    reasons = [c["reason"]["rounds"] for c in chunks if "reason" in c]
    assert reasons == [1, 2]
    (look,) = chunks[nodes.index("reperceive")]["reperceive"]["reperceptions"]
    assert look.request.start_s == 1.0 and look.status == "done"


def test_aanalyze_reports_segment_progress_like_analyze(registry, video_only_clip):
    """Trial E: `analyze` took `progress(done, total, segment)` in segment mode, `aanalyze` did not."""
    seen, awaited, loops = [], [], []

    async def on_the_loop(done, total, segment):
        await asyncio.sleep(0)
        awaited.append((done, total, asyncio.get_running_loop() is loops[0]))

    async def run():
        loops.append(asyncio.get_running_loop())
        plain = await aanalyze(video_only_clip, plugins=["scene"], segment="utterances",
                               progress=lambda i, n, s: seen.append((i, n, s.index)))
        coroutine = await aanalyze(video_only_clip, AnalysisSettings(plugins=["scene"], segment="utterances"), on_the_loop)
        return plain, coroutine

    plain, coroutine = asyncio.run(run())
    total = len(plain.segments)
    assert total >= 1 and [(i, n) for i, n, _ in seen] == [(i, total) for i in range(1, total + 1)]
    assert awaited == [(i, total, True) for i in range(1, total + 1)] and len(coroutine.segments) == total
    sync = []
    analyze(video_only_clip, plugins=["scene"], segment="utterances", progress=lambda i, n, s: sync.append((i, n, s.index)))
    assert sync == seen
