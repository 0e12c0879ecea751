import json
import subprocess
import sys

import pytest

from saber_agent import __version__
from saber_agent.cli import main


def test_version():
    out = subprocess.run([sys.executable, "-m", "saber_agent.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"saber-agent {__version__}"


def test_analyze_sample_prints_all_six_slots(registry, capsys):
    assert main(["analyze", "--sample"]) == 0
    out = capsys.readouterr().out
    for title in ("Scene (video_desc)", "Speech (speech_content)", "Acoustic (acoustic_feat)",
                  "Facial expression (facial_exp_desc)", "Body language (body_lang_desc)", "Reasoning (sentiment_analysis)"):
        assert title in out
    assert "Consistency checks" in out


def test_analyze_json_has_the_saber_keys(registry, capsys, face_speech_clip, tmp_path):
    out_file = tmp_path / "r.json"
    assert main(["analyze", str(face_speech_clip), "--json", "--out", str(out_file)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["evidence"]) == {
        "video_desc", "speech_content", "acoustic_feat", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"
    }
    assert json.loads(out_file.read_text()) == result


def test_saber_format_export(registry, capsys, face_speech_clip):
    assert main(["analyze", str(face_speech_clip), "--format", "saber", "--plugins", "prosody"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record["audio_desc"]) == {"speech_content", "acoustic_feat"} and record["audio_desc"]["acoustic_feat"]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.mp4", "no such file"),
    (lambda p: p, "is a directory"),
    (lambda p: (p / "empty.mp4").touch() or p / "empty.mp4", "empty"),
    (lambda p: (p / "t.mp4").write_text("text") and p / "t.mp4", "not a readable"),
])
def test_bad_input_exits_3_without_traceback(registry, capsys, tmp_path, make, message):
    assert main(["analyze", str(make(tmp_path))]) == 3
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_names_exit_2(registry, capsys, face_speech_clip):
    assert main(["analyze", str(face_speech_clip), "--reasoner", "nope"]) == 2
    assert "no reasoner named 'nope'" in capsys.readouterr().err
    assert main(["analyze", str(face_speech_clip), "--plugins", "nope"]) == 2
    assert main(["analyze"]) == 2


@pytest.mark.parametrize("args, message", [
    (["--out", "{tmp}"], "that is a folder; give a file path"),
    (["--out", "{tmp}/file.txt/r.json"], "is a file, not a folder"),
    (["--sample"], "give a clip path or --sample"),
    (["--json", "--format", "saber"], "--json and --format both choose"),
    (["--plugins", ","], "--plugins names no tool"),
    (["--reasoner", ""], "--reasoner names no reasoner"),  # was: quietly the fusion reasoner
    (["--reasoner", " "], "--reasoner names no reasoner"),
    (["--format", "nope"], "no exporter named 'nope'"),
])
def test_contradictory_or_unusable_arguments_exit_2_before_decoding(registry, capsys, tmp_path, args, message):
    """The clip does not exist: reaching the decoder would exit 3 (or, with --sample, analyse the sample)."""
    (tmp_path / "file.txt").write_text("x")
    argv = ["analyze", str(tmp_path / "missing.mp4"), *[a.replace("{tmp}", str(tmp_path)) for a in args]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_batch_out_naming_a_folder_exits_2(registry, capsys, tmp_path):
    assert main(["batch", str(tmp_path / "missing"), "--out", str(tmp_path), "--no-progress"]) == 2
    assert "that is a folder; give a file path, e.g." in capsys.readouterr().err


def test_plugins_lists_slots_and_readiness(registry, capsys):
    assert main(["plugins", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    prosody = {t["name"]: t for t in info["perception_tools"]}["prosody"]
    assert prosody["slot"] == "acoustic_feat" and prosody["ready"] is True
    assert "fusion" in {r["name"] for r in info["reasoners"]}


def test_console_script_runs_the_sample():
    proc = subprocess.run([sys.executable, "-c",
                           "from saber_agent.cli import main; raise SystemExit(main(['analyze','--sample','--json']))"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["evidence"]["sentiment_analysis"]["status"] == "ok"


@pytest.mark.skipif(__import__("saber_agent.devices").devices.cuda_available(), reason="checks the no-GPU error; this machine has a GPU")
def test_device_cuda_without_a_gpu_exits_2_with_one_line(registry, capsys, face_speech_clip):
    assert main(["analyze", str(face_speech_clip), "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("saber-agent: error: device 'cuda' was asked for, but no CUDA GPU is visible here")
    assert main(["batch", str(face_speech_clip), "--out", "unused.jsonl", "--device", "cuda:1"]) == 2
    assert "no CUDA GPU is visible" in capsys.readouterr().err


def test_malformed_device_exits_2(registry, capsys, face_speech_clip):
    assert main(["analyze", str(face_speech_clip), "--device", "gpu"]) == 2
    assert "not one of auto, cpu, cuda, cuda:N" in capsys.readouterr().err


def test_allow_cpu_fallback_flag_reaches_the_settings():
    from saber_agent.cli import build_parser
    from saber_agent.commands.analyze import settings_from_args

    parser = build_parser()
    plain = settings_from_args(parser.parse_args(["analyze", "x.mp4", "--device", "cpu"]))
    allowed = settings_from_args(parser.parse_args(["analyze", "x.mp4", "--allow-cpu-fallback"]))
    assert (plain.device, plain.allow_cpu_fallback) == ("cpu", False)
    assert (allowed.device, allowed.allow_cpu_fallback) == ("auto", True)
    batch = settings_from_args(parser.parse_args(["batch", "clips", "--out", "r.jsonl", "--allow-cpu-fallback"]))
    assert batch.allow_cpu_fallback


@pytest.mark.parametrize("flag, value, message", [
    ("--fps", "-1", "invalid decode.fps: Input should be greater than 0"),
    ("--fps", "0", "invalid decode.fps"),
    ("--max-rounds", "0", "invalid max_rounds"),
    ("--tool-timeout", "-5", "invalid tool_timeout_s"),
    ("--max-looks", "-1", "expected 0 or more second looks"),
])
def test_out_of_range_numbers_exit_2_naming_the_setting(registry, capsys, face_speech_clip, flag, value, message):
    try:
        code = main(["analyze", str(face_speech_clip), flag, value])
    except SystemExit as exc:  # argparse's own type checks exit from inside parse_args
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_api_overrides_are_validated(face_speech_clip):
    from pydantic import ValidationError

    from saber_agent.api import analyze
    from saber_agent.settings import AnalysisSettings

    with pytest.raises(ValidationError, match="max_rounds"):
        analyze(face_speech_clip, max_rounds=0)
    with pytest.raises(ValidationError, match="fps"):
        analyze(face_speech_clip, decode={"fps": -1})
    settings = AnalysisSettings().updated(decode={"fps": 4}, plugins=["prosody"])
    assert settings.decode.fps == 4 and settings.plugins == ["prosody"] and settings.decode.max_frames == 240


def test_a_closed_stdout_pipe_ends_quietly_with_141():
    """`saber-agent plugins | head -1`: the reader is gone; no "internal error", no traceback, 128 + SIGPIPE."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the command writes: every write to stdout fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-c", "from saber_agent.cli import main; raise SystemExit(main(['plugins']))"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr.strip() == "", proc.stderr
