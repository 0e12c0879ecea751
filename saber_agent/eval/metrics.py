"""Evaluation of batch results: EMER-style open-vocabulary scores, basic classes, valence, LLM judge.

- **Open vocabulary** (EMER / OV-MER / AffectGPT): the emotions of the prediction and of the gold
  (labels and/or a free-text description) are mapped onto emotion-wheel sectors
  (`saber_agent.eval.emotion_lexicon`), then per clip ``precision = |P ∩ G| / |P|`` and
  ``recall = |P ∩ G| / |G|`` over the sector sets (an empty P scores 0 and 0; a clip whose gold maps
  to no sector is not scored). Precision and recall are averaged over clips and ``F_s`` is the
  harmonic mean of the two averages, as OV-MER computes it. The hit rate is the share of clips whose
  prediction shares at least one sector with the gold.
- **Basic classes**: accuracy and support-weighted F1 over the seven classes (as scikit-learn's
  ``average="weighted"`` with ``zero_division=0``), and the confusion matrix.
- **Valence**: weighted F1 over positive / negative / neutral.
- **LLM judge** (optional): EMER's clue-overlap and label-overlap scores (1-10) from any object with
  ``complete(prompt) -> str`` (`saber_agent.eval.llm_judge`, re-exported here); `reasoner_judge`
  adapts a registered reasoner backend.
- **Calibration** of the answers' stated confidence (``prediction.confidence``) against the basic class
  being right: ECE, top-label Brier, confident-wrong share, accuracy of answers marked "uncertain" vs
  not (`saber_agent.eval.calibration`); only where some answer states a confidence.
- Every report is given for all clips and separately for clips whose modalities **agree** and
  **conflict** (the manifest's ``split``, or the result's named conflicts when none is given), as
  SABER-Test splits them.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from saber_agent.eval.calibration import Calibration, calibration
from saber_agent.eval.emotion_lexicon import basic_of, extract_emotions, sector_of, sectors_of_labels, sectors_of_text
from saber_agent.eval.llm_judge import (  # re-exported: the old import path
    CLUE_PROMPT,
    LABEL_PROMPT,
    Judge,
    JudgeScores,
    ReasonerJudge,
    judge_clip,
    judge_scores,
    parse_judge_score,
    reasoner_judge,
)
from saber_agent.evidence import BASIC_EMOTIONS, valence_label

VALENCE_LABELS = ("negative", "neutral", "positive")
SPLIT_NAMES = ("all", "agree", "conflict")
_VALENCE_WORDS = {
    "positive": "positive", "pos": "positive", "积极": "positive", "正面": "positive", "正向": "positive",
    "negative": "negative", "neg": "negative", "消极": "negative", "负面": "negative", "负向": "negative",
    "neutral": "neutral", "neu": "neutral", "中性": "neutral", "中立": "neutral",
}
_BASIC_VALENCE = {
    "happiness": "positive", "anger": "negative", "disgust": "negative", "fear": "negative",
    "sadness": "negative", "neutral": "neutral",  # surprise has no valence of its own
}


# -- classification ------------------------------------------------------------------------------


@dataclass
class ClassScores:
    """Accuracy, support-weighted precision/recall/F1, per-class scores and the confusion matrix."""

    labels: list[str]
    n: int
    accuracy: float
    weighted_precision: float
    weighted_recall: float
    weighted_f1: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]  # rows: gold, columns: predicted, both in `labels` order

    @property
    def uar(self) -> float:
        """Unweighted average recall: the mean recall over the classes that occur in the gold labels
        (what scikit-learn calls balanced accuracy; the usual headline score of emotion recognition)."""
        recalls = [scores["recall"] for scores in self.per_class.values() if scores["support"]]
        return sum(recalls) / len(recalls) if recalls else 0.0


def classification_scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] | None = None) -> ClassScores | None:
    """Scores of paired gold/predicted labels (None when there is no pair)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if not gold:
        return None
    order = list(labels) if labels else []
    for label in [*gold, *pred]:
        if label not in order:
            order.append(label)
    index = {label: i for i, label in enumerate(order)}
    confusion = [[0] * len(order) for _ in order]
    for g, p in zip(gold, pred, strict=True):
        confusion[index[g]][index[p]] += 1
    n = len(gold)
    per_class: dict[str, dict[str, float]] = {}
    wp = wr = wf = 0.0
    for label, i in index.items():
        tp = confusion[i][i]
        support = sum(confusion[i])
        predicted = sum(row[i] for row in confusion)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
        wp += support * precision
        wr += support * recall
        wf += support * f1
    accuracy = sum(confusion[i][i] for i in range(len(order))) / n
    return ClassScores(order, n, accuracy, wp / n, wr / n, wf / n, per_class, confusion)


# -- open vocabulary -----------------------------------------------------------------------------


@dataclass
class OpenVocabScores:
    """EMER-style set scores over emotion-wheel sectors, averaged over the scored clips."""

    n: int
    hit_rate: float
    precision: float
    recall: float
    f_s: float


def set_precision_recall(pred: set[str], gold: set[str]) -> tuple[float, float]:
    """|P ∩ G| / |P| and |P ∩ G| / |G| (0 and 0 for an empty prediction)."""
    if not pred or not gold:
        return 0.0, 0.0
    common = len(pred & gold)
    return common / len(pred), common / len(gold)


def open_vocab_scores(pairs: Iterable[tuple[set[str], set[str]]]) -> OpenVocabScores | None:
    """Scores of (predicted sectors, gold sectors) pairs; clips with an empty gold set are skipped."""
    precisions, recalls, hits = [], [], []
    for pred, gold in pairs:
        if not gold:
            continue
        p, r = set_precision_recall(pred, gold)
        precisions.append(p)
        recalls.append(r)
        hits.append(1.0 if pred & gold else 0.0)
    if not precisions:
        return None
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    f_s = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return OpenVocabScores(len(precisions), sum(hits) / len(hits), precision, recall, f_s)


# -- one clip ------------------------------------------------------------------------------------


def parse_labels(value: Any) -> list[str]:
    """Emotion labels from a manifest cell: a list, a JSON/Python list in a string, or "a; b, c"."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                parsed = None
        if isinstance(parsed, list):
            return [str(v).strip() for v in parsed if str(v).strip()]
    return [part.strip(" '\"") for part in re.split(r"[,;/|、，；]", text) if part.strip(" '\"")]


def gold_valence(labels: dict[str, Any], basic: str | None) -> str | None:
    """The gold valence: the manifest's (a number or a word), else the gold basic class's."""
    value = labels.get("valence")
    if value is not None and str(value).strip() != "":
        try:
            return valence_label(float(value))
        except (TypeError, ValueError):
            word = _VALENCE_WORDS.get(str(value).strip().lower())
            if word:
                return word
    return _BASIC_VALENCE.get(basic) if basic else None


@dataclass
class ClipSample:
    """What the metrics need of one results line (with its gold labels)."""

    id: str
    status: str
    split: str | None  # "agree" | "conflict" (None for an error line)
    split_source: str  # "manifest" | "result"
    gold_words: list[str] = field(default_factory=list)
    pred_words: list[str] = field(default_factory=list)
    gold_sectors: set[str] = field(default_factory=set)
    pred_sectors: set[str] = field(default_factory=set)
    gold_basic: str | None = None
    pred_basic: str | None = None
    gold_valence: str | None = None
    pred_valence: str | None = None
    pred_confidence: float | None = None  # the answer's stated probability that pred_basic is right, if it states one
    pred_uncertain: bool = False  # the answer marks itself "uncertain"
    gold_description: str | None = None
    pred_description: str = ""
    judged: bool = False
    clue_score: float | None = None
    label_score: float | None = None
    judge_unparsed: int = 0

    @property
    def scored(self) -> bool:
        return self.status == "ok"


def clip_sample(record: dict[str, Any], labels: dict[str, Any] | None = None) -> ClipSample:
    """A results line as a `ClipSample`; `labels` (e.g. from a manifest) override the line's own."""
    labels = {**(record.get("labels") or {}), **(labels or {})}
    gold_labels = parse_labels(labels.get("emotion"))
    description = labels.get("description") or None
    gold_words = list(dict.fromkeys([*gold_labels, *(extract_emotions(description) if description else [])]))
    gold_sectors = sectors_of_labels(gold_labels) | (sectors_of_text(description) if description else set())
    gold_basic = next((b for b in (basic_of(g) for g in gold_labels) if b), None)
    if labels.get("split") in ("agree", "conflict"):
        split, source = labels["split"], "manifest"
    else:
        split, source = ("conflict" if record.get("conflicts") else "agree"), "result"
    sample = ClipSample(
        id=str(record.get("id")), status=record.get("status", "error"), split=split, split_source=source,
        gold_words=gold_words, gold_sectors=gold_sectors, gold_basic=gold_basic,
        gold_valence=gold_valence(labels, gold_basic), gold_description=description,
    )
    prediction = record.get("prediction") or {}
    if sample.scored and prediction:
        words = [*prediction.get("emotions", []), prediction.get("basic_emotion") or ""]
        sample.pred_words = list(dict.fromkeys(w for w in words if w))
        sample.pred_sectors = sectors_of_labels(sample.pred_words)
        sample.pred_basic = prediction.get("basic_emotion")
        sample.pred_valence = prediction.get("valence_label")
        sample.pred_confidence = prediction.get("confidence")
        sample.pred_uncertain = "uncertain" in (prediction.get("emotions") or [])
        sample.pred_description = ((record.get("saber") or {}).get("sentiment_analysis") or "").strip()
    elif sample.scored:
        sample.status = "no-prediction"
    return sample


# -- the report ----------------------------------------------------------------------------------


@dataclass
class SplitReport:
    """The scores of one split (all / agree / conflict)."""

    name: str
    clips: int
    errors: int
    basic: ClassScores | None = None
    valence: ClassScores | None = None
    open_vocab: OpenVocabScores | None = None
    judge: JudgeScores | None = None
    calibration: Calibration | None = None  # of the stated confidence against the basic class being right
    calibration_note: str | None = None  # why answers that state a confidence were not scored for calibration


@dataclass
class EvalReport:
    splits: dict[str, SplitReport]
    split_source: dict[str, int]  # how many clips took their split from the manifest / the result
    unlabelled: int  # scored clips without any gold label

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_report(name: str, samples: Sequence[ClipSample]) -> SplitReport:
    scored = [s for s in samples if s.scored]
    basic = [(s.gold_basic, s.pred_basic) for s in scored if s.gold_basic and s.pred_basic]
    valence = [(s.gold_valence, s.pred_valence) for s in scored if s.gold_valence and s.pred_valence]
    answered = [s for s in scored if s.gold_basic and s.pred_basic]
    stated, note = None, None
    if any(s.pred_confidence is not None for s in answered):
        try:
            stated = calibration([s.pred_confidence for s in answered], [s.gold_basic == s.pred_basic for s in answered],
                                 [s.pred_uncertain for s in answered])
        except (ImportError, ValueError) as exc:  # no scikit-learn, or a confidence out of [0, 1]: the rest stands
            note = str(exc)
    return SplitReport(
        name=name,
        clips=len(samples),
        errors=len(samples) - len(scored),
        basic=classification_scores([g for g, _ in basic], [p for _, p in basic], BASIC_EMOTIONS),
        valence=classification_scores([g for g, _ in valence], [p for _, p in valence], VALENCE_LABELS),
        open_vocab=open_vocab_scores((s.pred_sectors, s.gold_sectors) for s in scored),
        judge=judge_scores(scored),
        calibration=stated,
        calibration_note=note,
    )


def evaluate(
    records: Iterable[dict[str, Any]],
    labels_by_id: dict[str, dict[str, Any]] | None = None,
    judge: Judge | None = None,
) -> EvalReport:
    """Score results lines against their gold labels, for all clips and per agree/conflict split."""
    labels_by_id = labels_by_id or {}
    samples = [clip_sample(r, labels_by_id.get(str(r.get("id")))) for r in records]
    if judge is not None:
        for sample in samples:
            if sample.scored:
                sample.clue_score, sample.label_score, sample.judge_unparsed = judge_clip(judge, sample)
                sample.judged = sample.clue_score is not None or sample.label_score is not None or sample.judge_unparsed > 0
    by_split = {
        "all": samples,
        "agree": [s for s in samples if s.split == "agree"],
        "conflict": [s for s in samples if s.split == "conflict"],
    }
    source = {"manifest": sum(s.split_source == "manifest" for s in samples),
              "result": sum(s.split_source == "result" for s in samples)}
    unlabelled = sum(1 for s in samples if s.scored and not (s.gold_sectors or s.gold_basic or s.gold_valence))
    return EvalReport(
        splits={name: split_report(name, group) for name, group in by_split.items()},
        split_source=source,
        unlabelled=unlabelled,
    )


__all__ = [
    "CLUE_PROMPT", "LABEL_PROMPT", "ClassScores", "ClipSample", "EvalReport", "Judge", "JudgeScores",
    "OpenVocabScores", "ReasonerJudge", "SplitReport", "classification_scores", "clip_sample", "evaluate",
    "gold_valence", "open_vocab_scores", "parse_judge_score", "parse_labels", "reasoner_judge",
    "set_precision_recall", "sector_of",
]
