"""Second looks (targeted re-perception) through the graph, on real clips.

The face and transcript plugins are written elsewhere, so the frame-reading tool here is a small
test tool that really measures the frames it is given (OpenCV's Haar face and smile cascades, which
ship in the opencv wheel): its answer depends on the window and frame rate it reads. The audio side
uses the real prosody plugin.
"""

from __future__ import annotations

import json
import re
import time

import av
import cv2
import jsonschema
import numpy as np
import pytest

from saber_agent import hookimpl
from saber_agent.api import analyze
from saber_agent.checking import ConsistencyCheck
from saber_agent.evidence import (
    ClipInfo,
    ModalityCue,
    PerceptionRequest,
    Reperception,
    Slot,
    SlotStatus,
)
from saber_agent.media import clip_cache, decode
from saber_agent.perception import PerceptionTool
from saber_agent.plugins.prosody import measure, prosody_timeline
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import Reasoner
from saber_agent.reperception import (
    REQUEST_TOOL_NAME,
    clip_for,
    plan,
    request_from_tool_call,
    request_tool_schema,
)
from saber_agent.settings import AnalysisSettings, ReperceptionBudget
from saber_agent.testing import synth

FACE_FRAMES = range(41, 48)  # 1.64-1.88 s at 25 fps: between the samples of a 2 fps decode


def glimpse_clip(path, seconds=4.0, fps=25):
    """A 4 s video of a plain gradient in which the astronaut's smiling face shows for 0.28 s only."""
    face = cv2.resize(synth.face_image(), (320, 320))[:240]
    background = np.broadcast_to(
        np.linspace(60, 140, 240)[:, None, None] + np.linspace(0, 40, 320)[None, :, None], (240, 320, 3)
    ).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i in range(int(seconds * fps)):
            image = face if i in FACE_FRAMES else background
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


class GlimpseTool(PerceptionTool):
    """Test tool: finds faces and smiles in the frames it is given (Haar cascades)."""

    name = "glimpse"
    slot = "facial_exp_desc"
    needs = frozenset({"frames"})

    def perceive(self, clip, settings):
        faces_at, smiles = [], 0
        cascades = cv2.data.haarcascades
        face_finder = cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")
        smile_finder = cv2.CascadeClassifier(cascades + "haarcascade_smile.xml")
        for t, frame in zip(clip.frame_times, clip.frames, strict=False):
            grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            found = face_finder.detectMultiScale(grey, 1.1, 5)
            if len(found):
                faces_at.append(round(float(t), 2))
                x, y, w, h = found[0]
                smiles += len(smile_finder.detectMultiScale(grey[y + h // 2 : y + h, x : x + w], 1.1, 5)) > 0
        n = len(clip.frames)
        if not faces_at:
            return Slot.unavailable(f"no face in {n} sampled frames", self.provenance(backend="opencv-haar"))
        return Slot(
            text=f"A face is visible in {len(faces_at)} of {n} sampled frames and smiles in {smiles} of them.",
            status="ok", confidence=round(min(1.0, 0.4 + 0.2 * len(faces_at)), 3),
            measurements={"frames": n, "face_frames": len(faces_at), "smile_frames": smiles, "face_times": faces_at},
            provenance=self.provenance(backend="opencv-haar"),
        )

    def cues(self, slot):
        m = slot.measurements
        if m["smile_frames"] * 2 >= m["face_frames"]:
            return [ModalityCue(modality="face", valence=0.7, arousal=0.55, emotion="happiness", confidence=0.8,
                                basis=f"a smile in {m['smile_frames']} of {m['face_frames']} face frames")]
        return [ModalityCue(modality="face", valence=0.0, emotion="neutral", confidence=0.6, basis="no smile")]


class SlowTool(PerceptionTool):
    """Test tool that takes `seconds` per look (a stand-in for a slow model) and counts samples."""

    name = "slowpoke"
    slot = "body_lang_desc"
    needs = frozenset({"audio"})

    def __init__(self, seconds):
        self.seconds = seconds

    def perceive(self, clip, settings):
        time.sleep(self.seconds)
        return Slot(text=f"{clip.audio.size} samples read", status="ok", confidence=0.9,
                    measurements={"samples": int(clip.audio.size)}, provenance=self.provenance())


class LoudnessTool(PerceptionTool):
    """Test audio tool that measures the whole audio, silence included (no voice-activity decision):
    its evidence is thin when the signal is short, so the rule narrows its second look."""

    name = "loudness"
    slot = "acoustic_feat"
    needs = frozenset({"audio"})

    def perceive(self, clip, settings):
        active = float(np.mean(np.abs(clip.audio) > 0.01)) if clip.audio.size else 0.0
        return Slot(text=f"Sound in {active:.0%} of the audio.", status="ok", confidence=round(min(1.0, active), 3),
                    measurements={"active_share": active, "duration_s": clip.audio.size / clip.sample_rate},
                    provenance=self.provenance())


class ToolCallingReasoner(Reasoner):
    """Stands in for an LLM backend with tool calling: round r 'calls' `request_perception` with the
    r-th JSON arguments (as a model emits them), then answers with the fusion reasoner's analysis."""

    name = "toolcaller"

    def __init__(self, calls=()):
        self.calls = list(calls)

    def reason(self, request, clip=None):
        analysis = FusionReasoner().reason(request, clip)
        asks = [request_from_tool_call(args) for args in self.calls[request.round - 1 : request.round]]
        return analysis.model_copy(update={"perception_requests": asks})


class QuietReasoner(Reasoner):
    """The fusion reasoner's answer with no second look asked for (a reasoner that cannot ask)."""

    name = "quiet"

    def reason(self, request, clip=None):
        return FusionReasoner().reason(request, clip).model_copy(update={"perception_requests": []})


class WantsTwoRounds(ConsistencyCheck):
    name = "wants_two_rounds"

    def check(self, request, analysis):
        return self.outcome(request.round > 2, "not yet")  # the check node sees round = rounds + 1


class Plugin:
    def __init__(self, tools=(), reasoners=(), checks=()):
        self.tools, self.reasoners, self.checks = tools, reasoners, checks

    @hookimpl
    def register_perception_tools(self, register):
        for tool in self.tools:
            register(tool)

    @hookimpl
    def register_reasoners(self, register):
        for cls in self.reasoners:
            register(cls.name, cls, "test reasoner")

    @hookimpl
    def register_checks(self, register):
        for check in self.checks:
            register(check)


@pytest.fixture(scope="module")
def glimpse(tmp_path_factory):
    return glimpse_clip(tmp_path_factory.mktemp("glimpse") / "glimpse.mp4")


@pytest.fixture(scope="module")
def late_speech(tmp_path_factory, hostile_wav):
    """5 s of silence, then a short hostile line: thin prosody over the whole clip."""
    folder = tmp_path_factory.mktemp("late")
    speech = synth.speak("No way.", folder / "no.wav", pitch=30, speed=170)
    audio = decode(speech).audio
    wav = synth.write_wav(folder / "late.wav", np.concatenate([np.zeros(16_000 * 5, np.float32), audio]))
    return synth.make_clip(folder / "late.m4a", None, wav)


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory):
    """A cheerful high voice (about 3 s), then a hostile low one (about 2.7 s)."""
    folder = tmp_path_factory.mktemp("two")
    high = synth.speak("What a lovely surprise, thank you so much.", folder / "high.wav", pitch=90, speed=160)
    low = synth.speak("Get out of my room right now, I am sick of you.", folder / "low.wav", pitch=25, speed=170)
    joined = np.concatenate([decode(high).audio, decode(low).audio])
    return synth.make_clip(folder / "two.m4a", None, synth.write_wav(folder / "two.wav", joined))


# -- a second look changes the conclusion ---------------------------------------------------------


def test_a_denser_second_look_catches_a_brief_smile_and_changes_the_conclusion(registry, glimpse):
    registry.register_module(Plugin(tools=[GlimpseTool()]), "glimpse")
    blind = analyze(glimpse, plugins=["glimpse"], reperception_budget=ReperceptionBudget(max_calls=0))
    assert blind.evidence.facial_exp_desc.status is SlotStatus.unavailable
    assert blind.analysis.basic_emotion == "neutral" and blind.reperceptions == []

    decodes = clip_cache.decodes
    result = analyze(glimpse, plugins=["glimpse"])
    assert clip_cache.decodes == decodes + 1  # the first decode was cached by the blind run; one denser decode
    (look,) = result.reperceptions
    assert look.status == "done" and look.asked_by == "reasoner fusion" and look.kept == "new" and look.changed
    assert look.request.tool == "glimpse" and look.request.fps == 8.0 and look.fps == 8.0 and look.decoded
    assert "2 fps" in look.request.reason and look.before.status is SlotStatus.unavailable
    assert look.after.status is SlotStatus.ok and "unavailable -> ok" in look.note

    face = result.evidence.facial_exp_desc
    assert face.ok and face.measurements["face_frames"] == 3
    assert all(1.6 < t < 1.9 for t in face.measurements["face_times"])
    assert "second look: the whole clip at 8 fps" in face.provenance.backend
    first, second = face.measurements["looks"]  # both looks are kept
    assert first["status"] == "unavailable" and first["reason"] == "no face in 8 sampled frames"
    assert second["measurements"]["face_frames"] == 3

    assert result.analysis.basic_emotion == "happiness" and result.analysis.valence > 0.3
    assert result.rounds == 2 and result.timings["reperception"] > 0


def test_the_rule_narrows_an_audio_look_to_where_the_signal_is(registry, late_speech):
    registry.register_module(Plugin(tools=[LoudnessTool()]), "loudness")
    result = analyze(late_speech, plugins=["loudness"])
    (look,) = result.reperceptions
    assert look.status == "done" and look.request.tool == "loudness"
    assert 4.5 < look.request.start_s < 5.0 and look.request.end_s > 5.5 and look.fps is None
    assert look.before.confidence < 0.5 and "confidence" in look.request.reason
    slot = result.evidence.acoustic_feat
    assert slot.text.startswith("Sound in ") and f" Between {look.request.start_s:g} s and {look.request.end_s:g} s: Sound" in slot.text
    first, second = slot.measurements["looks"]
    # the same sound, now measured over its own window: active share up, duration down
    assert second["measurements"]["active_share"] > 3 * first["measurements"]["active_share"]
    assert slot.measurements["duration_s"] < 1.5 < first["measurements"]["duration_s"]


def test_the_rule_does_not_narrow_a_tool_that_measured_only_the_speech(registry, late_speech):
    result = analyze(late_speech, plugins=["prosody"])
    slot = result.evidence.acoustic_feat
    assert slot.ok and slot.measurements["voice_activity"]["speech_regions"][0][0] > 4.0
    assert [look.request.tool for look in result.reperceptions] == []  # the same speech again would add nothing
    assert slot.text.count("The voice has") == 1


def test_a_tool_call_asks_for_a_window_and_the_real_plugin_measures_it(registry, two_voices):
    registry.register_module(Plugin(reasoners=[ToolCallingReasoner]), "llm")
    call = json.dumps({"tool": "prosody", "start_s": 3.1, "end_s": 5.5, "reason": "the tone seems to change"})
    result = analyze(two_voices, plugins=["prosody"], reasoner="toolcaller", reasoner_options={"calls": [call]})
    (look,) = result.reperceptions
    assert look.asked_by == "reasoner toolcaller" and look.request.reason == "the tone seems to change"
    slot = result.evidence.acoustic_feat
    whole = slot.measurements["looks"][0]["measurements"]
    clip = decode(two_voices)
    expected = measure(clip.window(3.1, 5.5).audio, 16_000)
    assert look.kept == "new" and slot.measurements["f0_mean_hz"] == expected["f0_mean_hz"]
    assert slot.measurements["f0_mean_hz"] < whole["f0_mean_hz"] - 20  # the low, hostile voice alone
    assert "second look: 3.1-5.5 s" in slot.provenance.backend
    assert slot.text.startswith(result.evidence.acoustic_feat.measurements["looks"][0]["text"] + " Between 3.1 s and 5.5 s:")
    # the timeline still covers the whole clip, with the window's own contour spliced in on the clip's clock
    timeline = slot.timelines["prosody"]
    assert timeline.times_s[0] < 0.2 and timeline.times_s[-1] > clip.duration_s - 0.2
    window = prosody_timeline(expected)
    inside = [(t, f) for t, f in zip(timeline.times_s, timeline.series["f0_hz"], strict=False) if 3.1 <= t <= 5.5]
    assert inside == [(t + 3.1, f) for t, f in zip(window.times_s, window.series["f0_hz"], strict=False) if t + 3.1 <= 5.5]


# -- the budget ------------------------------------------------------------------------------------


def test_the_budget_stops_a_reasoner_that_keeps_asking(registry, two_voices):
    registry.register_module(Plugin(reasoners=[ToolCallingReasoner]), "llm")
    calls = [json.dumps({"tool": "prosody", "start_s": r * 0.5, "end_s": r * 0.5 + 3.0}) for r in range(6)]
    result = analyze(
        two_voices, plugins=["prosody"], reasoner="toolcaller", reasoner_options={"calls": calls}, max_rounds=6,
        reperception_budget=ReperceptionBudget(max_calls=2),
    )
    assert [look.status for look in result.reperceptions] == ["done", "done", "refused"]
    assert "budget is spent" in result.reperceptions[-1].note
    assert result.rounds == 3  # the loop ended when the budget did, well before max_rounds


def test_the_seconds_budget_bounds_each_look(registry, two_voices):
    registry.register_module(Plugin(tools=[SlowTool(0.3)], reasoners=[ToolCallingReasoner]), "slow")
    calls = [json.dumps({"tool": "slowpoke", "start_s": r, "end_s": r + 1.0}) for r in range(5)]
    result = analyze(
        two_voices, plugins=["slowpoke"], reasoner="toolcaller", reasoner_options={"calls": calls}, max_rounds=6,
        reperception_budget=ReperceptionBudget(max_calls=5, max_seconds=0.5),
    )
    statuses = [look.status for look in result.reperceptions]
    assert statuses == ["done", "failed", "refused"], statuses
    assert "budget" in result.reperceptions[1].after.reason  # cut at the 0.2 s the budget had left
    assert result.reperceptions[1].kept == "previous"
    assert result.evidence.body_lang_desc.ok  # the failed look did not wipe the evidence


def test_no_look_is_taken_when_no_round_is_left_to_use_it(registry, glimpse):
    registry.register_module(Plugin(tools=[GlimpseTool()]), "glimpse")
    result = analyze(glimpse, plugins=["glimpse"], max_rounds=1)
    assert result.reperceptions == [] and result.rounds == 1


def test_the_check_node_asks_by_rule_when_checks_fail_and_the_reasoner_did_not(registry, glimpse):
    registry.register_module(Plugin(tools=[GlimpseTool()], reasoners=[QuietReasoner], checks=[WantsTwoRounds()]), "q")
    result = analyze(glimpse, plugins=["glimpse"], reasoner="quiet")
    (look,) = result.reperceptions
    assert look.asked_by == "check" and look.status == "done" and look.request.fps == 8.0
    assert result.evidence.facial_exp_desc.ok


# -- the pieces ------------------------------------------------------------------------------------


def test_plan_refuses_what_cannot_or_should_not_run():
    settings = AnalysisSettings(max_rounds=3, reperception_budget=ReperceptionBudget(max_calls=2))
    clip = ClipInfo(path="x.mp4", duration_s=4.0)
    done = Reperception(request=PerceptionRequest(tool="prosody", start_s=1.0), asked_by="t", round=1, status="done")
    asked = [
        PerceptionRequest(tool="face"),
        PerceptionRequest(tool="prosody", start_s=5.0),
        PerceptionRequest(tool="prosody", start_s=1.0, reason="again"),
        PerceptionRequest(tool="prosody", end_s=2.0),
        PerceptionRequest(tool="prosody", end_s=3.0),
    ]
    accepted, refused = plan(asked, [done], settings, clip, 1, "t", ["prosody"])
    assert accepted == [asked[3]]
    notes = [r.note for r in refused]
    assert "no perception tool named 'face'" in notes[0]
    assert "after the clip ends" in notes[1]
    assert notes[2] == "the same look was already taken"
    assert "budget is spent" in notes[3]
    _, late = plan([asked[3]], [], settings, clip, 3, "t", ["prosody"])
    assert "no reasoning round is left" in late[0].note


def test_later_denser_looks_share_the_one_extra_decode(registry, glimpse):
    settings = AnalysisSettings()
    first = clip_for(PerceptionRequest(tool="glimpse", fps=8), str(glimpse), settings, [], reads_frames=True)
    assert first[1] == 8.0 and first[2] is True and first[0].info.n_frames == 32
    taken = Reperception(request=PerceptionRequest(tool="glimpse", fps=8), asked_by="t", round=1, status="done",
                         decoded=True)
    decodes = clip_cache.decodes
    faster = clip_for(PerceptionRequest(tool="glimpse", fps=12), str(glimpse), settings, [taken], reads_frames=True)
    slower = clip_for(PerceptionRequest(tool="glimpse", fps=4, start_s=1.0, end_s=3.0), str(glimpse), settings,
                      [taken], reads_frames=True)
    assert clip_cache.decodes == decodes  # both read the 8 fps decode
    assert faster[1] == 8.0 and faster[2] is False
    assert slower[1] == 4.0 and slower[0].info.n_frames == 8 and slower[0].duration_s == 2.0


def test_the_tool_schema_validates_what_a_model_sends():
    schema = request_tool_schema(["face", "prosody"])
    assert schema["type"] == "function" and schema["function"]["name"] == REQUEST_TOOL_NAME
    parameters = schema["function"]["parameters"]
    assert parameters["properties"]["tool"]["enum"] == ["face", "prosody"] and parameters["required"] == ["tool"]
    args = {"tool": "face", "start_s": 1.5, "end_s": 3.0, "fps": 12, "reason": "the smile is brief"}
    jsonschema.validate(args, parameters)
    assert request_from_tool_call(json.dumps(args)) == PerceptionRequest(**args)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tool": "face", "start": 1.5}, parameters)  # a misspelt key is refused
    for bad in ('{"tool": "face", "start": 1.5}', '{"tool": "face", "start_s": 3, "end_s": 1}', "not json", "[1]"):
        with pytest.raises(ValueError, match=REQUEST_TOOL_NAME):
            request_from_tool_call(bad)


def test_the_cli_reports_second_looks_and_can_turn_them_off(registry, late_speech, capsys):
    from saber_agent.cli import main

    registry.register_module(Plugin(tools=[LoudnessTool()]), "loudness")
    assert main(["analyze", str(late_speech), "--plugins", "loudness"]) == 0
    report = capsys.readouterr().out
    assert "Second looks" in report and "asked by reasoner fusion" in report
    assert re.search(r"- loudness on \d+(\.\d+)?-\d+(\.\d+)? s \(done", report)
    assert main(["analyze", str(late_speech), "--plugins", "loudness", "--max-looks", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reperceptions"] == []

