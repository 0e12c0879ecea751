"""The transcript tool's options and the model they choose (`plugins/transcript_options.py`)."""

import numpy as np
import pytest

from saber_agent.plugins import whisper_models
from saber_agent.plugins.transcript_options import TranscriptOptions, choose_model, cpu_threads
from saber_agent.plugins.whisper_models import ModelUnavailable


def test_an_unknown_language_code_is_a_usage_error_before_decoding(tmp_path):
    """`transcript.language=xx` fails the option check (exit 2) before the clip is read, like body.backend=bogus;
    the codes are faster-whisper's own list, read without loading a model."""
    from pydantic import ValidationError

    from saber_agent.cli import main

    with pytest.raises(ValidationError, match="not a Whisper language code"):
        TranscriptOptions(language="xx")
    assert TranscriptOptions(language=" ES ").language == "es" and TranscriptOptions(language=None).language is None
    missing = tmp_path / "never_read.wav"  # a bad option is reported first: 2, not 3 (unreadable input)
    assert main(["analyze", str(missing), "--plugins", "transcript", "--tool-option", "transcript.language=xx"]) == 2


def test_a_named_model_is_looked_up_locally_and_never_detects_a_language(tmp_path):
    """A model option other than "auto" is that model or an error naming it (nothing downloaded), and the given
    language (or none) is forced without a detection."""
    audio = np.zeros(16_000, np.float32)
    with pytest.raises(ModelUnavailable, match="no such model folder"):
        choose_model(audio, 16_000, [], TranscriptOptions(model=str(tmp_path / "missing")), "cpu", 0)
    english = whisper_models.bundled_english()
    if english is None:
        pytest.skip("the offline tiny.en model is not installed (saber-agent[transcript])")
    spec, language, detection = choose_model(audio, 16_000, [], TranscriptOptions(model=english.path, language="es"), "cpu", 0)
    assert spec.path == english.path and language == "es" and detection is None


def test_cpu_threads_are_the_option_or_one_per_core_at_most_4():
    assert cpu_threads(TranscriptOptions(cpu_threads=3)) == 3
    assert 1 <= cpu_threads(TranscriptOptions()) <= 4
