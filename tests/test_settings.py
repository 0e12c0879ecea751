"""AnalysisSettings and its nested models refuse unknown keys (a misspelt setting must not run at defaults)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from saber_agent.api import analyze
from saber_agent.media import DecodeSettings
from saber_agent.settings import AnalysisSettings, ReperceptionBudget


def test_unknown_top_level_key_is_refused():
    with pytest.raises(ValidationError, match="bogus_key"):
        AnalysisSettings(bogus_key=1)


@pytest.mark.parametrize("field, value, name", [("decode", {"fpz": 4}, "fpz"),
                                                ("reperception_budget", {"max_cals": 1}, "max_cals")])
def test_unknown_nested_key_is_refused(field, value, name):
    with pytest.raises(ValidationError, match=name):
        AnalysisSettings.model_validate({field: value})


def test_nested_models_refuse_unknown_keys_directly():
    with pytest.raises(ValidationError):
        DecodeSettings(fpz=4)
    with pytest.raises(ValidationError):
        ReperceptionBudget(max_cals=1)


def test_api_overrides_refuse_unknown_keys_before_decoding(tmp_path):
    missing = tmp_path / "x.wav"  # never read: the settings fail first
    with pytest.raises(ValidationError, match="bogus_key"):
        analyze(missing, plugins=["prosody"], bogus_key=1)
    with pytest.raises(ValidationError, match="fpz"):
        analyze(missing, plugins=["prosody"], decode={"fpz": 4})


def test_saved_settings_still_load():
    """What the batch runner and the ray workers store (model_dump / model_dump_json) reloads unchanged."""
    settings = AnalysisSettings(plugins=["prosody"], decode={"fps": 4, "window_s": (1.0, 2.0)},
                                reperception_budget={"max_calls": 1}, tool_options={"transcript": {"language": "en"}})
    assert AnalysisSettings.model_validate(settings.model_dump()) == settings
    assert AnalysisSettings.model_validate_json(settings.model_dump_json()) == settings
    assert settings.updated(max_rounds=2).max_rounds == 2
