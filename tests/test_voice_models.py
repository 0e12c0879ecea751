"""Voice-emotion model files and loading (`plugins.voice_models`; moved out of `plugins.voice_emotion`, whose
tests still exercise these through `read_voice`)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from saber_agent.plugins import voice_emotion as ve
from saber_agent.plugins import voice_models as vm


def _model() -> vm.LinearVoiceModel:
    return vm.LinearVoiceModel(feature_set="prosody", feature_names=["f0_sd_st", "alpha_ratio_db"], classes=["anger", "happiness"],
                               mean=[3.0, -5.0], scale=[1.0, 2.0], coef=[[-2.0, 1.0], [2.0, -1.0]], intercept=[0.0, 0.0])


def test_the_old_import_path_gives_the_same_objects():
    for name in vm.__all__:
        assert getattr(ve, name) is getattr(vm, name), name


def test_a_saved_model_loads_once_per_process_and_predicts_what_it_was_saved_with(tmp_path):
    path = _model().save(tmp_path / "voice.json")
    assert json.loads(path.read_text())["format"] == vm.MODEL_FORMAT
    first = vm.load_model(str(path))
    assert first is vm.load_model(str(path))  # cached: a batch loads it once
    x = np.array([[6.0, -9.0], [1.0, 0.0]])
    assert np.allclose(first.predict_proba(x), _model().predict_proba(x))


def test_a_json_file_that_is_not_a_model_is_refused_and_not_cached(tmp_path):
    (tmp_path / "other.json").write_text(json.dumps({"weights": [1]}))
    for _ in range(2):  # a refused file is not remembered as a model
        with pytest.raises(vm.VoiceModelUnavailable, match="not a voice model"):
            vm.load_model(str(tmp_path / "other.json"))
