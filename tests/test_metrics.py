"""Metrics against hand-computed examples (the arithmetic is written out in each test)."""

from __future__ import annotations

import pytest

from saber_agent.eval.metrics import (
    ClipSample,
    classification_scores,
    clip_sample,
    evaluate,
    gold_valence,
    open_vocab_scores,
    parse_labels,
)


def test_basic_class_accuracy_and_weighted_f1_by_hand():
    gold = ["anger", "anger", "happiness", "neutral", "sadness"]
    pred = ["anger", "happiness", "happiness", "neutral", "neutral"]
    s = classification_scores(gold, pred)
    # anger:     tp 1, support 2, predicted 1 -> P 1,   R 1/2, F1 2*1*0.5/1.5 = 2/3
    # happiness: tp 1, support 1, predicted 2 -> P 1/2, R 1,   F1 2/3
    # neutral:   tp 1, support 1, predicted 2 -> P 1/2, R 1,   F1 2/3
    # sadness:   tp 0, support 1, predicted 0 -> P 0,   R 0,   F1 0
    assert s.accuracy == pytest.approx(3 / 5)
    assert s.weighted_f1 == pytest.approx((2 * 2 / 3 + 2 / 3 + 2 / 3 + 0) / 5)  # = 8/15 = 0.5333
    assert s.weighted_precision == pytest.approx((2 * 1 + 0.5 + 0.5 + 0) / 5)  # = 0.6
    assert s.weighted_recall == pytest.approx((2 * 0.5 + 1 + 1 + 0) / 5)  # = 0.6 (= accuracy, always)
    assert s.per_class["anger"] == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    i = s.labels.index
    assert s.confusion[i("anger")][i("happiness")] == 1 and s.confusion[i("sadness")][i("neutral")] == 1
    assert classification_scores([], []) is None


def test_valence_weighted_f1_by_hand():
    gold = ["positive", "negative", "negative", "neutral"]
    pred = ["positive", "negative", "positive", "negative"]
    s = classification_scores(gold, pred, ["negative", "neutral", "positive"])
    # positive: tp 1, support 1, predicted 2 -> P 1/2, R 1,   F1 2/3
    # negative: tp 1, support 2, predicted 2 -> P 1/2, R 1/2, F1 1/2
    # neutral:  tp 0, support 1, predicted 0 -> F1 0
    assert s.weighted_f1 == pytest.approx((1 * 2 / 3 + 2 * 0.5 + 1 * 0) / 4)  # = 5/12
    assert s.accuracy == pytest.approx(2 / 4)
    assert s.labels == ["negative", "neutral", "positive"]


def test_open_vocabulary_scores_by_hand():
    # clip 1: predicted {anger, disgust}, gold {anger}          -> P 1/2, R 1/1, hit
    # clip 2: predicted {joy}, gold {joy, surprise, sadness}    -> P 1/1, R 1/3, hit
    # clip 3: predicted {neutral}, gold {sadness}                -> P 0,   R 0,   miss
    # clip 4: gold maps to no sector                             -> not scored
    s = open_vocab_scores([
        ({"anger", "disgust"}, {"anger"}),
        ({"joy"}, {"joy", "surprise", "sadness"}),
        ({"neutral"}, {"sadness"}),
        ({"joy"}, set()),
    ])
    precision = (1 / 2 + 1 + 0) / 3  # 1/2
    recall = (1 + 1 / 3 + 0) / 3  # 4/9
    assert s.n == 3
    assert s.precision == pytest.approx(precision) and s.recall == pytest.approx(recall)
    # F_s is the harmonic mean of the averaged precision and recall (OV-MER): 2*(1/2)*(4/9)/(1/2+4/9) = 8/17
    assert s.f_s == pytest.approx(8 / 17)
    assert s.hit_rate == pytest.approx(2 / 3)
    # an empty prediction scores 0 and 0
    assert open_vocab_scores([(set(), {"joy"})]).f_s == 0.0


def _record(id_, emotions, basic, valence_label, conflicts=(), status="ok", reasoning="", labels=None):
    return {
        "id": id_, "status": status, "labels": labels or {},
        "prediction": None if status != "ok" else {
            "emotions": emotions, "basic_emotion": basic, "valence": 0.0, "valence_label": valence_label, "arousal": 0.5,
        },
        "conflicts": [{"modalities": list(c), "description": "", "severity": 0.5} for c in conflicts],
        "saber": {"sentiment_analysis": reasoning},
    }


def test_the_same_examples_through_results_lines_with_splits():
    records = [
        # gold words come from the labels and from the free-text description (negation honoured)
        _record("c1", ["furious", "sarcastic"], "anger", "negative", conflicts=[("face", "words")],
                labels={"description": "She is angry and clearly annoyed, yet not afraid.", "valence": -0.7}),
        _record("c2", ["happy", "excited"], "happiness", "positive",
                labels={"emotion": "joyful; surprised", "description": "又高兴又有点伤心", "split": "conflict"}),
        _record("c3", ["calm"], "neutral", "neutral", labels={"emotion": ["sad"], "valence": "negative"}),
        _record("c4", [], "neutral", "neutral", status="error", labels={"emotion": "happy"}),
    ]
    report = evaluate(records)
    everything, agree, conflict = (report.splits[k] for k in ("all", "agree", "conflict"))
    assert (everything.clips, everything.errors) == (4, 1)
    # c1 takes its split from its named conflict, c2 from the manifest, c3 has none: agree; c4 is an error, in no split
    assert (conflict.clips, agree.clips) == (2, 1) and report.split_source == {"manifest": 1, "result": 2}
    assert (agree.errors, conflict.errors) == (0, 0)
    ov = everything.open_vocab
    # c1: {anger, disgust} vs {anger}; c2: {joy} vs {joy, surprise, sadness}; c3: {neutral} vs {sadness}
    assert ov.n == 3 and ov.f_s == pytest.approx(8 / 17) and ov.hit_rate == pytest.approx(2 / 3)
    # basic classes: c2 happiness/happiness, c3 sadness/neutral (c1 has no gold class, c4 is an error)
    assert everything.basic.n == 2 and everything.basic.accuracy == pytest.approx(1 / 2)
    # valence: c1 -0.7 -> negative/negative; c2 from its gold class happiness -> positive/positive;
    # c3 negative/neutral
    assert everything.valence.n == 3 and everything.valence.accuracy == pytest.approx(2 / 3)
    # conflict split = c1 and c2: both valences right, open vocab (1/2 + 1)/2 precision, (1 + 1/3)/2 recall
    assert conflict.valence.accuracy == 1.0
    assert conflict.open_vocab.precision == pytest.approx(3 / 4) and conflict.open_vocab.recall == pytest.approx(2 / 3)


def test_labels_and_valence_parsing():
    assert parse_labels("['happy', 'relieved']") == ["happy", "relieved"]
    assert parse_labels('["a", "b"]') == ["a", "b"]
    assert parse_labels("happy; excited, 高兴、开心") == ["happy", "excited", "高兴", "开心"]
    assert parse_labels(None) == [] and parse_labels(["x", " "]) == ["x"]
    assert gold_valence({"valence": 2.4}, None) == "positive"  # a MOSI-style score: its sign
    assert gold_valence({"valence": "消极"}, None) == "negative"
    assert gold_valence({}, "sadness") == "negative" and gold_valence({}, "surprise") is None


class FakeJudge:
    """A DETERMINISTIC FAKE judge (not an LLM): it scores by counting shared words, so the test can
    check the prompts, the parsing and the averaging. Real backends are tested in their own tests."""

    def __init__(self, garble: bool = False):
        self.prompts: list[str] = []
        self.garble = garble

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if self.garble:
            return "I cannot rate this."
        if "predicted emotion labels" in prompt:
            return "Score: 4; reason: fake"
        return "score: 8; reason: fake"


def test_an_llm_judge_scores_clue_and_label_overlap():
    records = [
        _record("c1", ["sarcastic"], "disgust", "negative", reasoning="A smile over hostile words: sarcasm.",
                labels={"emotion": "contemptuous", "description": "He mocks her with a smile."}),
        _record("c2", ["content"], "happiness", "positive", reasoning="Relaxed and pleased.",
                labels={"emotion": "happy"}),  # no description: only the label overlap is asked
    ]
    judge = FakeJudge()
    report = evaluate(records, judge=judge)
    scores = report.splits["all"].judge
    assert scores.n == 2 and scores.clue_overlap == 8.0 and scores.label_overlap == 4.0 and scores.unparsed == 0
    assert len(judge.prompts) == 3  # asked once per clip and question, not once per split
    assert "He mocks her with a smile." in judge.prompts[0] and "A smile over hostile words" in judge.prompts[0]
    assert "'contemptuous'" in judge.prompts[1] and "sarcastic, disgust" in judge.prompts[1]
    garbled = evaluate(records, judge=FakeJudge(garble=True)).splits["all"].judge
    assert garbled.clue_overlap is None and garbled.unparsed == 3


def test_a_sample_without_a_prediction_is_not_scored():
    sample = clip_sample({"id": "x", "status": "ok", "prediction": None, "labels": {"emotion": "happy"}})
    assert isinstance(sample, ClipSample) and not sample.scored


# -- scikit-learn cross-check ---------------------------------------------------------------------

LABELS = ("anger", "happiness", "neutral", "sadness", "surprise")


def _label_pairs():
    from hypothesis import strategies as st

    label = st.sampled_from(LABELS)
    return st.lists(st.tuples(label, label), min_size=1, max_size=40)


def test_classification_scores_agree_with_scikit_learn():
    """Accuracy, UAR (balanced accuracy), weighted and per-class precision/recall/F1 and the confusion
    matrix, on random gold/predicted labels (classes only predicted, never gold, included)."""
    pytest.importorskip("sklearn", reason="the test extra (scikit-learn) is not installed")
    from hypothesis import given, settings
    from sklearn import metrics as sk

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(_label_pairs())
    def check(pairs):
        gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
        s = classification_scores(gold, pred)
        assert s.accuracy == pytest.approx(sk.accuracy_score(gold, pred))
        assert s.uar == pytest.approx(sk.balanced_accuracy_score(gold, pred))
        assert s.uar == pytest.approx(sk.recall_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0))
        for ours, average in ((s.weighted_precision, "precision"), (s.weighted_recall, "recall"), (s.weighted_f1, "f1")):
            fn = {"precision": sk.precision_score, "recall": sk.recall_score, "f1": sk.f1_score}[average]
            assert ours == pytest.approx(fn(gold, pred, labels=s.labels, average="weighted", zero_division=0))
        precision, recall, f1, support = sk.precision_recall_fscore_support(gold, pred, labels=s.labels, zero_division=0)
        for i, label in enumerate(s.labels):
            row = s.per_class[label]
            assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx(
                (precision[i], recall[i], f1[i], support[i])
            )
        assert s.confusion == sk.confusion_matrix(gold, pred, labels=s.labels).tolist()

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when a class is predicted but never gold
        check()


def test_uar_by_hand():
    # anger: 2 of 2 recalled; happiness: 1 of 4; sadness (only predicted) does not count
    s = classification_scores(["anger", "anger", "happiness", "happiness", "happiness", "happiness"],
                              ["anger", "anger", "happiness", "sadness", "anger", "anger"])
    assert s.uar == pytest.approx((1.0 + 0.25) / 2) and s.accuracy == pytest.approx(3 / 6)


def test_stated_confidences_are_scored_for_calibration_per_split():
    def stated(id_, emotions, basic, gold, confidence, conflicts=()):
        record = _record(id_, emotions, basic, "negative", conflicts=conflicts, labels={"emotion": gold})
        record["prediction"]["confidence"] = confidence
        return record

    records = [stated("a", ["angry"], "anger", "angry", 0.9), stated("b", ["angry"], "anger", "sad", 0.9),
               stated("c", ["sad", "uncertain"], "sadness", "sad", 0.3, conflicts=[("face", "words")]),
               stated("d", ["afraid", "uncertain"], "fear", "sad", 0.3, conflicts=[("face", "words")])]
    report = evaluate(records)
    everything, conflict = report.splits["all"].calibration, report.splits["conflict"].calibration
    # bins (0.8, 0.9] and (0.2, 0.3]: each two answers, one right: (|0.5 - 0.9| + |0.5 - 0.3|) / 2
    assert everything.ece == pytest.approx(0.3) and everything.brier == pytest.approx((0.01 + 0.81 + 0.49 + 0.09) / 4)
    assert everything.confident_wrong_share == pytest.approx(0.5)  # b (0.9) of the wrong b and d
    assert (everything.uncertain.n, everything.uncertain.accuracy, everything.certain.accuracy) == (2, 0.5, 0.5)
    assert conflict.n == 2 and conflict.ece == pytest.approx(0.2) and conflict.confident_wrong_share == 0.0
    # no stated confidence: no calibration; an unreadable one: a note, the rest of the report stands
    assert evaluate([_record("a", ["angry"], "anger", "negative", labels={"emotion": "angry"})]).splits["all"].calibration is None
    broken = evaluate([stated("a", ["angry"], "anger", "angry", 1.7)]).splits["all"]
    assert broken.calibration is None and "[0, 1]" in broken.calibration_note and broken.basic.accuracy == 1.0
