"""saber-agent train voice: fit on a labelled manifest, save JSON, load into the prosody tool's voice cue."""

from __future__ import annotations

import json

import pytest

from saber_agent.cli import main
from saber_agent.plugins.voice_emotion import LinearVoiceModel
from saber_agent.testing.synth import speak

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
    rows.append({"path": str(folder / "calm0.wav"), "emotion": "bored"})  # not a basic emotion: skipped
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_train_voice_on_prosody_features_and_use_it(manifest, tmp_path, capsys):
    out = tmp_path / "voice.json"
    assert main(["train", "voice", str(manifest), "--out", str(out), "--features", "prosody", "--no-augment"]) == 0
    assert "6 rows" in capsys.readouterr().out
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
    assert main(["train", "voice", str(manifest), "--out", str(out)]) == 0
    model = LinearVoiceModel.load(out)
    assert model.feature_set == "egemaps" and model.meta["augmented"] and model.meta["n_rows"] == 12
    assert "F1frequency_sma3nz_amean" not in model.feature_names  # speaker features left out
    assert len(model.feature_names) == 88 - 10


def test_train_voice_refuses_bad_input(tmp_path, capsys):
    assert main(["train", "voice", str(tmp_path / "absent.jsonl"), "--out", str(tmp_path / "v.json")]) == 3
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"path": str(tmp_path / "x.wav"), "emotion": "joy"}) + "\n")
    assert main(["train", "voice", str(one), "--out", str(tmp_path / "v.json")]) == 3
    assert "at least two emotions" in capsys.readouterr().err
    assert main(["train", "voice", str(one), "--out", str(tmp_path / "v.pkl")]) == 2
