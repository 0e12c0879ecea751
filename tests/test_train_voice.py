"""saber-agent train voice: fit on a labelled manifest, save JSON, load into the prosody tool's voice cue."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from saber_agent.cli import main
from saber_agent.plugins.voice_emotion import LinearVoiceModel
from saber_agent.testing.synth import speak
from saber_agent.training.progress import ClipProgress

LINES = ["I really cannot stand this any longer.", "Where did you put the keys this time?",
         "Well, we will see about that tomorrow."]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice_train")
    rows = []
    for i, line in enumerate(LINES):
        calm = speak(line, folder / f"calm{i}.wav", pitch=20, speed=110, amplitude=60)
        lively = speak(line, folder / f"lively{i}.wav", pitch=85, speed=220, amplitude=160)
        rows += [{"path": str(calm), "emotion": "sad"}, {"path": str(lively), "emotion": "ANGRY"}]
    rows.append({"id": "bored0", "path": str(folder / "calm0.wav"), "emotion": "bored"})  # not a basic emotion: skipped
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_train_voice_on_prosody_features_and_use_it(manifest, tmp_path, capsys):
    out = tmp_path / "voice.json"
    assert main(["train", "voice", str(manifest), "--out", str(out), "--features", "prosody", "--no-augment"]) == 0
    captured = capsys.readouterr()
    out_text = captured.out
    assert "6 rows" in out_text and "skipped 1 row with labels not naming an emotion: bored (1); accepted: anger" in out_text
    # progress on stderr, a line per clip here (7 rows; not a terminal: lines, no bar); the bored row reads no audio
    progress = [line for line in captured.err.splitlines() if line.startswith("[train voice]")]
    assert progress[0].startswith("[train voice] 1/7 clips (") and progress[-2].startswith("[train voice] 6/7 clips (")
    assert progress[-1].startswith("[train voice] 7 clips read in ") and len(progress) == 7
    model = LinearVoiceModel.load(out)
    assert model.classes == ["anger", "sadness"] and model.feature_set == "prosody"
    assert model.meta["training_accuracy"] == 1.0 and model.meta["class_counts"] == {"sadness": 3, "anger": 3}

    from saber_agent.media import decode
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.settings import AnalysisSettings

    tool = ProsodyTool()
    settings = AnalysisSettings(tool_options={"prosody": {"voice_model": str(out)}})
    lively = tool.perceive(decode(str(manifest.parent / "lively1.wav")), settings)
    calm = tool.perceive(decode(str(manifest.parent / "calm1.wav")), settings)
    assert lively.measurements["voice_emotion"]["reader"] == "trained:voice.json"
    p_lively, p_calm = lively.measurements["voice_emotion"]["probabilities"], calm.measurements["voice_emotion"]["probabilities"]
    assert p_lively["anger"] > p_calm["anger"] and p_calm["sadness"] > p_lively["sadness"]
    assert tool.cues(lively)[0].emotion == "anger"


def test_train_voice_on_egemaps_with_sex_shifted_copies(manifest, tmp_path, capsys):
    pytest.importorskip("opensmile")
    out = tmp_path / "voice.json"
    assert main(["train", "voice", str(manifest), "--out", str(out), "--features", "egemaps"]) == 0
    model = LinearVoiceModel.load(out)
    assert model.feature_set == "egemaps" and model.meta["augmented"] and model.meta["n_rows"] == 12
    assert model.meta["C"] == 0.1
    assert "F1frequency_sma3nz_amean" not in model.feature_names  # speaker features left out
    assert len(model.feature_names) == 88 - 10


def test_train_voice_default_whisper_separates_held_out_voices(manifest, tmp_path, capsys):
    """The default feature set (chosen on EmoFilm dev): Whisper encoder embeddings of the last and first layers."""
    pytest.importorskip("faster_whisper")
    from saber_agent.plugins import whisper_models

    if not whisper_models.multilingual_installed():
        pytest.skip("the multilingual whisper base model is not installed")
    out = tmp_path / "voice.json"
    assert main(["train", "voice", str(manifest), "--out", str(out)]) == 0
    model = LinearVoiceModel.load(out)
    assert model.feature_set == "whisper+whisper_l1" and model.meta["C"] == 0.01 and model.meta["n_rows"] == 12
    assert model.meta["whisper_model"].startswith("base")
    assert model.feature_names[:2] == ["whisper_mean_000", "whisper_mean_001"] and model.feature_names[1023] == "whisper_std_511"
    assert model.feature_names[1024] == "whisper_l1_mean_000" and model.feature_names[-1] == "whisper_l1_std_511"
    assert len(model.feature_names) == 2048

    # clips of a sentence the model never heard, in the two voices: the model itself tells them apart
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.plugins.voice_emotion import features_for
    from saber_agent.settings import AnalysisSettings
    from saber_agent.training.voice import clip_audio

    line = "Nobody told me the meeting had been moved to Friday."
    calm = speak(line, tmp_path / "calm_new.wav", pitch=20, speed=110, amplitude=60)
    lively = speak(line, tmp_path / "lively_new.wav", pitch=85, speed=220, amplitude=160)
    anger = model.classes.index("anger")
    p = {}
    for name, path in (("calm", calm), ("lively", lively)):
        audio, rate = clip_audio(str(path))
        feats = features_for(model.feature_set, audio, rate)
        p[name] = model.predict_proba(np.array([[feats[k] for k in model.feature_names]]))[0]
    assert p["lively"][anger] > 0.5 > p["calm"][anger]

    from saber_agent.media import decode

    # the prosody tool computes the same features at run time: its trained reading leans to anger more than the default
    tool, clip = ProsodyTool(), decode(str(lively))
    reading = tool.perceive(clip, AnalysisSettings(tool_options={"prosody": {"voice_model": str(out)}})).measurements["voice_emotion"]
    default = tool.perceive(clip, AnalysisSettings()).measurements["voice_emotion"]
    assert reading["reader"] == "trained:voice.json" and "model_unavailable" not in reading and default["reader"] == "default"
    assert reading["probabilities"]["anger"] > default["probabilities"]["anger"]


def test_train_voice_refuses_bad_input(tmp_path, capsys):
    assert main(["train", "voice", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "v.json")]) == 3
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"path": str(tmp_path / "x.wav"), "emotion": "joy"}) + "\n")
    assert main(["train", "voice", str(one), "--out", str(tmp_path / "v.json")]) == 3
    err = capsys.readouterr().err
    assert "at least two emotions" in err and "clips read in" not in err  # a failed run does not say it read them all
    assert main(["train", "voice", str(one), "--out", str(tmp_path / "v.json"), "--no-progress"]) == 3
    assert "[train voice]" not in capsys.readouterr().err
    assert main(["train", "voice", str(one), "--out", str(tmp_path / "v.pkl")]) == 2


def test_train_voice_reports_skipped_labels(manifest, tmp_path, capsys):
    """A manifest labelled calm/excited: "excited" names no emotion; the error says so, with counts and the accepted labels."""
    rows = [{"path": str(manifest.parent / f"calm{i}.wav"), "emotion": "calm"} for i in range(3)]
    rows += [{"path": str(manifest.parent / f"lively{i}.wav"), "emotion": "excited"} for i in range(3)]
    rows.append({"id": "bored0", "path": str(manifest.parent / "lively0.wav"), "emotion": "bored"})  # own id: not a duplicate
    path = tmp_path / "calm_excited.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["train", "voice", str(path), "--out", str(tmp_path / "v.json"), "--features", "prosody", "--no-augment"]) == 3
    err = capsys.readouterr().err
    assert "at least two emotions, got ['neutral']" in err
    assert "skipped 4 rows with labels not naming an emotion: excited (3), bored (1)" in err
    assert "accepted: anger, disgust, fear, happiness, sadness, surprise, neutral and aliases such as joy, angry, calm" in err


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_clip_progress_writes_a_line_every_n_clips_or_a_bar_on_a_terminal():
    log = io.StringIO()
    progress = ClipProgress("train voice", 80, stream=log)  # not a terminal: a line every 8 clips (a tenth)
    for n in range(1, 80):
        progress(n, 80)
    progress.close()
    lines = log.getvalue().splitlines()
    assert [line.split()[2] for line in lines[:-1]] == [f"{n}/80" for n in range(8, 80, 8)]
    assert "s left)" in lines[0] and lines[-1].startswith("[train voice] 80 clips read in")  # the 80th row was skipped

    whole = io.StringIO()
    progress = ClipProgress("train voice", 4, stream=whole)
    for n in range(1, 5):
        progress(n, 4)
    progress.close()
    assert whole.getvalue().splitlines()[-1].startswith("[train voice] 4/4 clips (") and "read in" not in whole.getvalue()

    slow = io.StringIO()
    progress = ClipProgress("train voice", 80, stream=slow, every_s=0.0)  # or when every_s passed since the last line
    progress(1, 80)
    progress(2, 80)
    assert slow.getvalue().splitlines()[-1].startswith("[train voice] 2/80 clips")

    terminal = _Terminal()
    progress = ClipProgress("train voice", 5, stream=terminal)
    for n in range(1, 5):
        progress(n, 5)
    progress.close()
    assert "\r" in terminal.getvalue() and "| 5/5 [" in terminal.getvalue()  # tqdm redraws at most every 0.1 s
    assert "[train voice] 1/5 clips (" not in terminal.getvalue()  # the bar, not lines
