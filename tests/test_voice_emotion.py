"""Voice emotion: the calibrated default, a saved linear model, a Hugging Face model, the prosody cue."""

from __future__ import annotations

import json

import numpy as np
import pytest

from saber_agent.plugins import voice_emotion as ve
from saber_agent.testing.synth import speak

RATE = 16_000


def test_a_soft_slow_flat_voice_reads_sad_and_low_arousal():
    reading = ve.default_reading({"alpha_ratio_db": -12.0, "articulation_rate_syl_s": 3.0, "f0_sd_st": 1.5})
    assert reading.emotion == "sadness"
    assert reading.arousal < 0.2
    assert reading.valence < 0
    assert abs(sum(reading.probabilities.values()) - 1) < 1e-3
    # the note gives positions on the 0-1 axes, said as such, beside the measured F0 SD (axes not measured are left out)
    assert "axes 0-1: effort 0.00, pitch variation 0.00 (F0 SD 1.5 st)" in reading.note and "mid energy" not in reading.note


def test_a_lively_voice_is_not_read_as_confident_anger():
    # effortful and fast but very varied: arousal high, yet the default does not claim anger with confidence
    reading = ve.default_reading({"alpha_ratio_db": 0.0, "articulation_rate_syl_s": 7.0, "f0_sd_st": 7.0})
    assert reading.arousal > 0.6
    assert reading.emotion != "anger"
    assert reading.confidence <= 0.35
    assert "weak guide" in reading.note
    assert reading.probabilities["happiness"] > reading.probabilities["sadness"]


def test_no_measurement_gives_a_flat_reading_with_almost_no_confidence():
    reading = ve.default_reading({})
    assert reading.confidence <= 0.05
    assert len(set(reading.probabilities.values())) == 1


def test_alpha_ratio_rises_with_high_frequency_energy():
    t = np.arange(RATE) / RATE
    hum = 0.3 * np.sin(2 * np.pi * 150 * t)
    noise = np.random.default_rng(0).normal(0, 0.1, RATE)
    assert ve.alpha_ratio_db(hum + noise, RATE) > ve.alpha_ratio_db(hum, RATE) + 10
    assert ve.alpha_ratio_db(np.zeros(100), RATE) is None  # too short


def test_spectral_balance_reads_mid_frequency_energy_and_effort_that_comes_and_goes():
    t = np.arange(RATE) / RATE
    dark = 0.3 * np.sin(2 * np.pi * 150 * t) + 0.1 * np.sin(2 * np.pi * 300 * t)
    bright = dark + 0.3 * np.sin(2 * np.pi * 900 * t) + 0.2 * np.sin(2 * np.pi * 1200 * t)
    assert ve.spectral_balance(bright, RATE)["mid_over_low_db"] > ve.spectral_balance(dark, RATE)["mid_over_low_db"] + 10
    hiss = np.random.default_rng(0).normal(0, 0.05, RATE)
    bursts = hiss * (np.floor(t * 4) % 2 == 0)  # high-frequency energy on for 0.25 s, off for 0.25 s
    assert ve.spectral_balance(dark + bursts, RATE)["alpha_sd_db"] > ve.spectral_balance(dark + hiss, RATE)["alpha_sd_db"] + 1.5
    assert ve.spectral_balance(np.zeros(100), RATE) == {}  # too short


def test_the_default_reading_places_anger_and_centres_valence():
    # effortful, little low-frequency energy, flat pitch, steadily pressed: anger, negative
    angry = ve.default_reading({"alpha_ratio_db": 0.0, "mid_over_low_db": 4.0, "f0_sd_st": 3.2, "alpha_sd_db": 5.3})
    assert angry.emotion == "anger" and angry.valence < -0.15 and angry.arousal > 0.6
    # a reading whose probabilities are all equal leans only a little (four negative prototypes to one positive)
    flat = sum(ve.VALENCE_OF[e] / len(ve.PROTOTYPES) for e in ve.PROTOTYPES) - ve.VALENCE_CENTRE
    assert -0.15 < flat < 0


def _model(classes=("anger", "happiness")) -> ve.LinearVoiceModel:
    return ve.LinearVoiceModel(feature_set="prosody", feature_names=["f0_sd_st", "alpha_ratio_db"], classes=list(classes),
                               mean=[3.0, -5.0], scale=[1.0, 2.0], coef=[[-2.0, 1.0], [2.0, -1.0]], intercept=[0.0, 0.0])


def test_linear_model_round_trips_as_json_and_predicts(tmp_path):
    path = _model().save(tmp_path / "voice.json")
    loaded = ve.LinearVoiceModel.load(path)
    p = loaded.predict_proba(np.array([[6.0, -9.0], [1.0, 0.0]]))
    assert p.shape == (2, 2) and np.allclose(p.sum(1), 1)
    assert p[0, 1] > 0.9 and p[1, 0] > 0.9  # varied, soft -> happiness; flat, effortful -> anger
    (tmp_path / "other.json").write_text(json.dumps({"weights": [1]}))
    with pytest.raises(ve.VoiceModelUnavailable, match="not a voice model"):
        ve.LinearVoiceModel.load(tmp_path / "other.json")


def test_a_model_without_sadness_leaves_sadness_to_a_sure_default_reading():
    prior = ve.default_reading({"alpha_ratio_db": -12.0, "mid_over_low_db": -8.0, "f0_sd_st": 1.5, "alpha_sd_db": 5.5})
    assert prior.probabilities["sadness"] > 0.6
    split = ve.combine({"anger": 0.4, "happiness": 0.3, "fear": 0.3}, prior)
    assert max(split, key=split.get) == "sadness"  # the model is unsure and has never seen sadness
    sure = ve.combine({"anger": 0.9, "happiness": 0.05, "fear": 0.05}, prior)
    assert max(sure, key=sure.get) == "anger"
    assert sure["sadness"] == pytest.approx((1 - ve.MODEL_WEIGHT) * prior.probabilities["sadness"], abs=1e-3)
    assert abs(sum(sure.values()) - 1) < 1e-3


def test_read_voice_uses_a_trained_model_and_falls_back_when_it_is_missing(tmp_path):
    path = _model().save(tmp_path / "voice.json")
    t = np.arange(RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    prosody = {"f0_sd_st": 6.5, "articulation_rate_syl_s": 5.0}
    got = ve.read_voice(audio, RATE, prosody, {"voice_model": str(path)})
    assert got["reader"] == "trained:voice.json"
    assert got["probabilities"]["happiness"] > got["probabilities"]["anger"]
    missing = ve.read_voice(audio, RATE, prosody, {"voice_model": str(tmp_path / "absent.json")})
    assert missing["reader"] == "default" and "cannot read" in missing["model_unavailable"]
    cue = ve.voice_cue(got, reliability=0.5)
    assert cue.modality == "voice" and cue.emotion == got["emotion"] and cue.confidence <= 0.4


@pytest.fixture(scope="module")
def tiny_wav2vec2(tmp_path_factory):
    """A tiny random wav2vec2 audio classifier with emotion labels, saved like a hub model (~100 kB)."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    config = transformers.Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, conv_dim=(8, 8),
        conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2,
        classifier_proj_size=8, num_labels=4, id2label={0: "ang", 1: "hap", 2: "sad", 3: "neu"},
        label2id={"ang": 0, "hap": 1, "sad": 2, "neu": 3},
    )
    model = transformers.Wav2Vec2ForSequenceClassification(config)
    folder = tmp_path_factory.mktemp("tiny_w2v2")
    model.save_pretrained(folder)
    transformers.Wav2Vec2FeatureExtractor(sampling_rate=16_000, do_normalize=True).save_pretrained(folder)
    return folder


def test_a_hugging_face_audio_classifier_runs_by_local_path(tiny_wav2vec2):
    model = ve.HFVoiceModel(str(tiny_wav2vec2))
    t = np.arange(8000) / 8000
    probs = model.probabilities((0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), 8000)  # resampled to 16 kHz
    assert set(probs) == {"ang", "hap", "sad", "neu"} and abs(sum(probs.values()) - 1) < 1e-4
    got = ve.read_voice(np.zeros(RATE, np.float32) + 0.01, RATE, {"f0_sd_st": 3.0}, {"voice_model": str(tiny_wav2vec2)})
    assert got["reader"].startswith("hf:") and "model_unavailable" not in got
    assert {"anger", "happiness", "sadness", "neutral"} <= set(got["probabilities"])


def test_a_hub_model_that_is_not_here_is_unavailable(monkeypatch):
    pytest.importorskip("transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    got = ve.read_voice(np.zeros(RATE, np.float32), RATE, {}, {"voice_model": "no-such-org/no-such-emotion-model"})
    assert got["reader"] == "default"
    assert "not available here" in got["model_unavailable"]


def test_the_prosody_tool_gives_the_voice_reading_as_its_cue(tmp_path):
    from saber_agent.media import decode
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.settings import AnalysisSettings

    clip = decode(speak("I cannot believe you did this to me again, honestly.", tmp_path / "s.wav"))
    tool = ProsodyTool()
    slot = tool.perceive(clip, AnalysisSettings())
    assert slot.ok
    reading = slot.measurements["voice_emotion"]
    assert reading["reader"] == "default" and set(reading["probabilities"]) == set(ve.EMOTIONS)
    (cue,) = tool.cues(slot)
    assert cue.modality == "voice" and cue.emotion in ve.EMOTIONS
    assert cue.confidence <= 0.35 and "voice reading (default)" in cue.basis


def test_egemaps_are_computed_at_44_1_khz_whatever_the_input_rate():
    # openSMILE's eGeMAPS functionals shift with the input rate; a 16 kHz clip is upsampled first, so
    # the same sound gives the same features at 16 kHz and at 44.1 kHz (and different ones unresampled)
    pytest.importorskip("opensmile")
    from scipy.signal import resample_poly

    t = np.arange(2 * RATE) / RATE
    audio = (0.3 * np.sin(2 * np.pi * (150 + 30 * np.sin(2 * np.pi * 3 * t)) * t)).astype(np.float32)
    at_16k = ve.egemaps(audio, RATE)
    at_44k = ve.egemaps(resample_poly(audio.astype(np.float64), 441, 160), 44_100)
    key = "F0semitoneFrom27.5Hz_sma3nz_amean"
    assert abs(at_16k[key] - at_44k[key]) < 0.05
    assert abs(at_16k["loudness_sma3_amean"] - at_44k["loudness_sma3_amean"]) < 0.02 * abs(at_44k["loudness_sma3_amean"])


def test_a_model_file_of_the_16_khz_format_asks_to_be_trained_again(tmp_path):
    data = json.loads(_model().save(tmp_path / "voice.json").read_text())
    data["format"] = "saber-agent/voice-linear/1"
    (tmp_path / "old.json").write_text(json.dumps(data))
    with pytest.raises(ve.VoiceModelUnavailable, match="train it again"):
        ve.LinearVoiceModel.load(tmp_path / "old.json")


def test_a_model_path_with_a_tilde_loads_as_the_option_check_found_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _model().save(tmp_path / "tilde_voice.json")
    assert isinstance(ve.load_model("~/tilde_voice.json"), ve.LinearVoiceModel)


@pytest.mark.parametrize("content, said", [
    ({"format": ve.MODEL_FORMAT, "classes": ["anger", "sadness"]}, "not a complete voice model"),
    ("not json", "cannot read the voice model"),
    ([1, 2], "not a voice model written by"),
])
def test_a_damaged_or_foreign_model_file_is_unavailable_not_a_crash(tmp_path, content, said):
    """A model file cut short or edited raised a TypeError that failed the whole prosody slot (its acoustic
    measurements lost); a short `coef` was broadcast into a reading over the wrong classes."""
    path = tmp_path / "voice.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(ve.VoiceModelUnavailable, match=said):
        ve.LinearVoiceModel.load(path)
    (tmp_path / "bytes.json").write_bytes(b"\x89PNG\x00\xff\xfe")
    with pytest.raises(ve.VoiceModelUnavailable, match="cannot read"):
        ve.LinearVoiceModel.load(tmp_path / "bytes.json")
    t = np.arange(RATE) / RATE
    got = ve.read_voice((0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), RATE, {"f0_sd_st": 6.5}, {"voice_model": str(path)})
    assert got["reader"] == "default" and said in got["model_unavailable"]


def test_a_model_whose_arrays_do_not_fit_its_classes_is_refused(tmp_path):
    data = json.loads(_model().save(tmp_path / "voice.json").read_text())
    data["coef"] = data["coef"][:1]  # one row for two classes: predict_proba would broadcast it
    (tmp_path / "short.json").write_text(json.dumps(data))
    with pytest.raises(ve.VoiceModelUnavailable, match=r"coef has shape \(1, 2\), expected \(2, 2\)"):
        ve.LinearVoiceModel.load(tmp_path / "short.json")
    data = json.loads((tmp_path / "voice.json").read_text()) | {"feature_set": "mfcc"}
    (tmp_path / "set.json").write_text(json.dumps(data))
    with pytest.raises(ve.VoiceModelUnavailable, match="unknown feature set 'mfcc'"):
        ve.LinearVoiceModel.load(tmp_path / "set.json")
    assert ve.LinearVoiceModel.load(tmp_path / "voice.json").shape_problem() is None


@pytest.mark.parametrize("field, value", [("coef", [[0.0, float("nan")], [1.0, 1.0]]), ("intercept", [0.0, float("inf")]),
                                          ("scale", [1.0, 0.0])])
def test_a_model_with_nan_infinite_or_zero_numbers_is_refused(tmp_path, field, value):
    """json writes and reads NaN/Infinity: a NaN weight gave NaN probabilities for every emotion and 'anger' as the reading."""
    data = json.loads(_model().save(tmp_path / "voice.json").read_text()) | {field: value}
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ve.VoiceModelUnavailable, match="not all finite"):
        ve.LinearVoiceModel.load(tmp_path / "bad.json")


@pytest.mark.parametrize("field, value", [("feature_names", [["f0_sd_st"], "alpha_ratio_db"]), ("classes", [["anger"], "happiness"]),
                                          ("classes", ["anger", "anger"])])
def test_a_model_with_odd_names_or_classes_is_refused(tmp_path, field, value):
    """A list among the feature names or classes raised TypeError (unhashable) out of read_voice, failing the prosody slot."""
    data = json.loads(_model().save(tmp_path / "voice.json").read_text()) | {field: value}
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ve.VoiceModelUnavailable, match="not distinct strings"):
        ve.LinearVoiceModel.load(tmp_path / "bad.json")
