"""EmoBench-M: reading the benchmark, constraining answers to its label sets, the scorer's shapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from saber_agent.batch import BatchInputError, read_items
from saber_agent.eval.emobench import (
    closest_label,
    constrain,
    generation_answer,
    gold_label,
    intent_of,
    labels_from_instruction,
    load_benchmark,
    write_predictions,
)

FIXTURE = Path(__file__).with_name("data") / "emobench_sample.json"


def _record(emotions=(), basic="neutral", valence=0.0, arousal=0.5, conflicts=(), speech="", reasoning="", status="ok"):
    return {
        "status": status,
        "prediction": {"emotions": list(emotions), "basic_emotion": basic, "valence": valence, "arousal": arousal},
        "conflicts": [{"modalities": list(c)} for c in conflicts],
        "saber": {"audio_desc": {"speech_content": speech, "acoustic_feat": ""}, "sentiment_analysis": reasoning},
    }


def test_the_label_sets_are_read_from_the_instructions():
    samples = load_benchmark(FIXTURE)
    assert [s.task for s in samples] == ["classification", "classification", "classification", "joint", "generation"]
    assert samples[0].categories == ["neutral", "negative", "positive"]
    assert samples[1].categories == ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"]
    assert samples[3].categories == ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]
    assert samples[3].intent_categories[:3] == ["questioning", "agreeing", "acknowledging"]
    assert samples[0].instruction.startswith("The person in video says") and samples[1].answer == "{'emotion': 'anger'}"
    assert load_benchmark(FIXTURE, preset="MELD")[0].categories[-1] == "anger"
    assert labels_from_instruction("Describe the clip.") == ([], [])


def test_a_benchmark_is_a_batch_input(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "bench.json")
    items = read_items(tmp_path / "bench.json")
    assert [i.id for i in items] == ["clips/cheerful.mp4", "clips/smile_hostile.mp4"]  # each video once
    assert items[0].path == str(tmp_path / "clips" / "cheerful.mp4")
    (tmp_path / "bad.json").write_text('{"video": "x.mp4"}')
    with pytest.raises(BatchInputError):
        read_items(tmp_path / "bad.json")


def test_answers_are_constrained_to_the_label_set():
    sentiment = ["neutral", "negative", "positive"]
    assert constrain(_record(valence=0.6), sentiment) == "positive"
    assert constrain(_record(valence=-0.05), sentiment) == "neutral"
    five = ["weak negative", "strong negative", "neutral", "strong positive", "weak positive"]
    assert constrain(_record(valence=-0.7), five) == "strong negative"
    assert constrain(_record(valence=0.3), five) == "weak positive"
    meld = ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"]
    assert constrain(_record(["content"], "happiness", 0.5), meld) == "joy"  # same wheel sector
    assert constrain(_record(["sarcastic", "contemptuous"], "anger", -0.5), meld) == "disgust"
    mer = ["happy", "sad", "neutral", "angry", "worried", "surprise"]
    assert constrain(_record(["sarcastic"], "anger", -0.5), mer) == "angry"  # no disgust here: the basic class
    assert constrain(_record(["tense"], "neutral"), mer) == "worried"  # our open-vocabulary label comes first
    assert constrain(_record([], "neutral"), mer) == "neutral"
    # nothing maps by name: the nearest valence/arousal point among the labels that are emotions
    assert closest_label(["zzz"], -0.7, 0.8, ["happy", "angry", "table"]) == "angry"
    assert closest_label(["zzz"], 0.0, 0.5, ["x", "y"]) == "x"


def test_sarcasm_and_humour_answers():
    yes_no = ["true", "false"]
    assert constrain(_record(conflicts=[("face", "words")]), yes_no, "Is the speaker sarcastic?") == "true"
    assert constrain(_record(["sarcastic"]), yes_no, "Is this sarcasm?") == "true"
    assert constrain(_record(["content"]), yes_no, "Is this sarcasm?") == "false"
    assert constrain(_record(speech="that was it <laughter>"), yes_no, "Is this clip funny?") == "true"
    assert constrain(_record(["excited"], arousal=0.7), yes_no, "Is the utterance humorous?") == "true"
    assert constrain(_record(["calm"], arousal=0.2), yes_no, "Is the utterance humorous?") == "false"


def test_intent_rules_and_generation_form():
    intents = ["questioning", "agreeing", "acknowledging", "encouraging", "consoling", "suggesting", "wishing", "neutral"]
    cases = {
        "Why would you do that?": "questioning", "Don't worry, it's okay.": "consoling",
        "Come on, you can do it!": "encouraging", "Good luck tomorrow.": "wishing",
        "Why don't we leave early": "suggesting", "Yes, exactly.": "agreeing", "Thanks for coming over.": "acknowledging",
        "The train leaves at nine.": "neutral", "你今天去哪里了吗": "questioning",
    }
    for speech, intent in cases.items():
        assert intent_of(_record(speech=speech), intents) == intent, speech
    text = generation_answer(_record(reasoning="Perceived first, then reasoned: " + "word " * 60),
                             "explain, at most 10 words, starting with 'The audience laughed because '.")
    assert text.startswith("The audience laughed because perceived first") and len(text.split()) == 10


def test_predictions_in_the_scorers_shapes(tmp_path):
    samples = load_benchmark(FIXTURE)
    records = {
        "clips/cheerful.mp4": _record(["excited"], "happiness", 0.6, 0.7, speech="Hello everyone! I am really glad.",
                                      reasoning="She is glad."),
        # the hostile clip failed: every prediction for it is empty (the scorer counts it invalid)
        "clips/smile_hostile.mp4": _record(status="error"),
    }
    written = write_predictions(samples, records, tmp_path, "bench", video_root=tmp_path)
    classification = json.loads(Path(written["files"]["classification"]).read_text())
    assert [set(r) >= {"video", "expected_value", "predicted_value"} for r in classification] == [True] * 3
    assert [(r["expected_value"], r["predicted_value"]) for r in classification] == [
        ("positive", "positive"), ("anger", ""), ("true", ""),
    ]
    # one valid pair, right: accuracy 1; two invalid
    assert written["scores"]["classification"] == pytest.approx(
        {"n": 3, "invalid": 2, "accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1_score": 1.0})
    joint = [json.loads(line) for line in Path(written["files"]["joint"]).read_text().splitlines()]
    assert joint == [{
        "modal_path": str(tmp_path / "clips" / "cheerful.mp4"), "expected_emotion": "happy",
        "expected_intent": "acknowledging", "predicted_emotion": "happy", "predicted_intent": "acknowledging",
    }]
    assert written["scores"]["joint"]["joint_accuracy"] == 1.0
    generation = json.loads(Path(written["files"]["generation"]).read_text())
    assert generation == [{"video": "clips/cheerful.mp4", "prediction": "The speaker feels she is glad.",
                           "reference": "The speaker feels glad because the audience came and the news is wonderful."}]


def test_gold_answers_in_the_answer_format_are_read():
    assert gold_label("{'emotion': 'anger'}", ["neutral", "anger"]) == "anger"
    assert gold_label("Positive", ["negative", "positive"]) == "positive"
    assert gold_label("weak negative", ["negative", "weak negative"]) == "weak negative"
