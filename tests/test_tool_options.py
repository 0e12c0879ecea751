"""Tool options are declared (`PerceptionTool.options_model`) and checked before any decoding: a
misspelt option or a rejected value is a usage error (CLI exit 2, `analyze()` raises), a value only
the run can judge still fails just its slot, and a tool that declares nothing accepts anything."""

from __future__ import annotations

import asyncio
import typing

import pytest
from pydantic import BaseModel

from saber_agent import hookimpl, media
from saber_agent.api import aanalyze, analyze, sample_clip
from saber_agent.cli import main
from saber_agent.evidence import ClipInfo, PerceptionRequest, Slot
from saber_agent.perception import PerceptionTool, option_problems
from saber_agent.plugins import body, face, facetrack, prosody, scene, transcript
from saber_agent.registry import ToolOptionsError
from saber_agent.reperception import plan
from saber_agent.settings import AnalysisSettings, ReperceptionBudget

BUILT_IN = {"face": face.FaceTool, "body": body.BodyTool, "scene": scene.SceneTool,
            "prosody": prosody.ProsodyTool, "transcript": transcript.TranscriptTool}


class Echo(PerceptionTool):
    """A third-party tool that declares no options: whatever it is given passes."""

    name = "echo"
    slot = "video_desc"

    def perceive(self, clip, settings):
        return Slot(status="ok", text=f"echo {sorted(settings.options_for(self.name))}", confidence=0.5)


class EchoPlugin:
    @hookimpl
    def register_perception_tools(self, register):
        register(Echo())


# -- the CLI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("option, said", [
    ("face.bakend=x", "face.bakend: not an option of the face tool (did you mean backend?); its options: backend, "),
    ("face.backend=bogus", "face.backend='bogus': Input should be 'offline', 'deepface', 'auto' or 'haar'"),
    ("transcript.chinese_script=klingon", "transcript.chinese_script='klingon'"),
    ("body.min_score=3", "body.min_score=3: Input should be less than or equal to 1"),
    ("scene.max_shots=many", "scene.max_shots='many'"),
    ("prosody.voice_model_device=gpu", "prosody.voice_model_device='gpu'"),
    ("prosody.voice_model=/no/such/voice.json", "no such voice model file: /no/such/voice.json"),
    ("prosody.voice_model=/nonexistent/x.joblib", "no such voice model file or folder: /nonexistent/x.joblib"),
    ("prosody.voice_model=./no-such-folder", "no such voice model file or folder: ./no-such-folder"),
    ("prosody.voice_model=~/no-such-voice-model", "no such voice model file or folder: ~/no-such-voice-model"),
    ("prosody.voice_model=x.joblib", "no such voice model file or folder: x.joblib"),
    ("prosody.voice_model=someone/voice.pkl", "no such voice model file or folder: someone/voice.pkl"),
    ("body.pose_fps=-1", "body.pose_fps=-1: Input should be greater than or equal to 0"),
    ("facee.backend=offline", "tool options for an unknown tool 'facee'; loaded perception tools: body, face, prosody"),
])
def test_cli_rejects_a_bad_option_with_exit_2_before_decoding(registry, capsys, tmp_path, option, said):
    missing = tmp_path / "not-there.mp4"  # decoding it would exit 3: exit 2 shows the check came first
    assert main(["analyze", str(missing), "--plugins", "prosody", "--tool-option", option]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["no-such-org/no-such-emotion-model", "Qwen/Qwen2.5-0.5B", "wav2vec2-base"])
def test_a_hugging_face_id_is_left_to_the_run(registry, capsys, tmp_path, value):
    """An id cannot be checked before the run (absent weights leave the default reading, with the reason):
    the missing clip's exit 3 shows the option passed the check."""
    assert main(["analyze", str(tmp_path / "not-there.mp4"), "--plugins", "prosody", "--tool-option", f"prosody.voice_model={value}"]) == 3


def test_a_voice_model_file_that_is_there_but_unusable_exits_2_before_decoding(registry, capsys, tmp_path):
    """A damaged `train voice` file passed the check, then failed the whole prosody slot (TypeError) or was
    silently replaced by the default reading: it is a usage error like a missing one."""
    (tmp_path / "cut.json").write_text('{"format": "saber-agent/voice-linear/2", "classes": ["anger"]}')
    (tmp_path / "text.json").write_text("not json")
    for name, said in (("cut.json", "cut.json is not a complete voice model"), ("text.json", "cannot read the voice model")):
        assert main(["analyze", str(tmp_path / "not-there.mp4"), "--plugins", "prosody",
                     "--tool-option", f"prosody.voice_model={tmp_path / name}"]) == 2
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_existing_voice_model_folder_passes_the_check(registry, capsys, tmp_path):
    (tmp_path / "model").mkdir()
    assert main(["analyze", str(tmp_path / "not-there.mp4"), "--plugins", "prosody",
                 "--tool-option", f"prosody.voice_model={tmp_path / 'model'}"]) == 3


def test_batch_cli_rejects_a_misspelt_option_too(registry, capsys, tmp_path):
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "r.jsonl"), "--tool-option", "prosody.voice_modle=x.json"]) == 2
    assert "prosody.voice_modle: not an option of the prosody tool (did you mean voice_model?)" in capsys.readouterr().err


def test_a_value_only_the_run_can_judge_fails_its_slot_and_exits_0(registry, capsys):
    missing_model = "/nonexistent/whisper-model"
    assert main(["analyze", "--sample", "--plugins", "transcript", "--json",
                 "--tool-option", f"transcript.model={missing_model}"]) == 0
    out = capsys.readouterr().out
    assert '"status": "failed"' in out and f"no such model folder: {missing_model}" in out


def test_cli_accepts_valid_options_any_case_where_the_tool_did(registry, capsys):
    assert main(["analyze", "--sample", "--plugins", "prosody", "--tool-option", "prosody.voice_model_device=cpu"]) == 0
    # face's options are checked with the run that has face in it (options for a tool not in the run: exit 2)
    registry.validate_settings(AnalysisSettings(plugins=["prosody", "face"],
                                                tool_options={"face": {"backend": "Offline", "landmarks": False}}))


# -- the API ---------------------------------------------------------------------------------------


def test_api_raises_before_decoding(registry, tmp_path):
    missing = tmp_path / "not-there.mp4"
    with pytest.raises(ToolOptionsError, match=r"face\.bakend: not an option"):
        analyze(missing, tool_options={"face": {"bakend": "x"}})
    with pytest.raises(ValueError, match=r"transcript\.beam_size=0"):  # a ValueError for API callers
        analyze(missing, AnalysisSettings(tool_options={"transcript": {"beam_size": 0}}))
    with pytest.raises(media.MediaError):  # valid options: it gets as far as decoding
        analyze(missing, tool_options={"face": {"backend": "haar"}})
    with pytest.raises(ToolOptionsError, match=r"scene\.backend='Caption'"):  # the scene tool never lower-cased it
        asyncio.run(aanalyze(missing, tool_options={"scene": {"backend": "Caption"}}))


def test_sample_with_no_options_and_with_declared_defaults_runs(registry):
    result = analyze(sample_clip(), plugins=["prosody"], tool_options={})
    assert result.evidence.acoustic_feat.ok
    explicit = analyze(sample_clip(), plugins=["prosody"], tool_options={"prosody": prosody.ProsodyOptions().model_dump()})
    assert explicit.evidence.acoustic_feat.text == result.evidence.acoustic_feat.text


# -- the declarations ------------------------------------------------------------------------------


def test_every_built_in_tool_declares_forbidding_options_with_descriptions(registry):
    for name, cls in BUILT_IN.items():
        assert registry.tools[name].options_model is cls.options_model
        model = cls.options_model
        assert issubclass(model, BaseModel) and model.model_config.get("extra") == "forbid", name
        if model is not transcript.TranscriptOptions:  # documented in docs/transcript.md's table
            assert all(field.description for field in model.model_fields.values()), name


def test_declared_choices_and_defaults_match_what_the_tools_check():
    fields = face.FaceOptions.model_fields
    assert typing.get_args(fields["backend"].annotation) == face.BACKENDS
    assert set(typing.get_args(fields["engine"].annotation)) == set(face.ENGINES)
    assert set(typing.get_args(fields["tracker"].annotation)) == set(facetrack.DETECTORS)
    assert typing.get_args(body.BodyOptions.model_fields["backend"].annotation) == body.BACKENDS
    assert body.BodyOptions().pose_fps == body.POSE_FPS
    defaults = {"face": face.FaceOptions(), "body": body.BodyOptions(), "scene": scene.SceneOptions(), "prosody": prosody.ProsodyOptions()}
    assert (defaults["face"].backend, defaults["face"].engine, defaults["face"].detector, defaults["face"].landmarks) == (
        "offline", "auto", "opencv", True)
    assert (defaults["body"].backend, defaults["body"].input_size, defaults["body"].bgr, defaults["body"].min_score) == (
        "auto", (368, 368), True, 0.1)
    assert (defaults["scene"].backend, defaults["scene"].max_shots) == ("measured", 3)
    assert (defaults["prosody"].voice_model, defaults["prosody"].voice_model_device) == (None, "cpu")


@pytest.mark.parametrize("name", ["face", "body", "scene", "prosody"])
def test_declared_defaults_given_explicitly_read_the_same_as_none(name):
    """Every declared default, passed as an option, gives the slot the tool gives without options."""
    clip = media.decode(sample_clip())
    tool = BUILT_IN[name]()
    plain = tool.perceive(clip, AnalysisSettings(device="cpu"))
    explicit = tool.perceive(clip, AnalysisSettings(device="cpu", tool_options={name: tool.options_model().model_dump()}))
    assert (explicit.status, explicit.text, explicit.confidence) == (plain.status, plain.text, plain.confidence)
    assert plain.status.value in ("ok", "unavailable")


def test_a_tool_without_a_declaration_accepts_anything(registry, capsys):
    registry.register_module(EchoPlugin(), name="echo-plugin")
    registry.validate_tool_options({"echo": {"anything": 1, "at": "all"}})
    assert option_problems(Echo(), {"whatever": object()}) == []
    assert main(["analyze", "--sample", "--plugins", "echo", "--json", "--tool-option", "echo.whatever=1"]) == 0
    assert "echo ['whatever']" in capsys.readouterr().out


# -- second looks ----------------------------------------------------------------------------------


def test_a_look_with_invalid_options_is_refused_and_reported():
    settings = AnalysisSettings(max_rounds=3, reperception_budget=ReperceptionBudget(max_calls=3),
                                tool_options={"face": {"backend": "offline"}})
    clip = ClipInfo(path="x.mp4", duration_s=4.0)
    tools = {"face": face.FaceTool(), "echo": Echo()}
    asked = [
        PerceptionRequest(tool="face", options={"bakend": "haar"}),
        PerceptionRequest(tool="face", options={"engine": "quantum"}),
        PerceptionRequest(tool="face", options={"backend": "haar"}, fps=8.0),
        PerceptionRequest(tool="echo", options={"free": "form"}),
    ]
    accepted, refused = plan(asked, [], settings, clip, 1, "reasoner t", tools)
    assert accepted == asked[2:]
    assert [r.status for r in refused] == ["refused", "refused"]
    assert "face.bakend: not an option of the face tool (did you mean backend?)" in refused[0].note
    assert "face.engine='quantum'" in refused[1].note
    # the names-only form (no tool objects) keeps accepting whatever options it is given
    accepted, refused = plan(asked[:1], [], settings, clip, 1, "t", ["face"])
    assert accepted == asked[:1] and not refused
