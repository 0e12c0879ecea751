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
- **No finding is not "neutral"** (`saber_agent.eval.answers`): an answer marked "undetermined", or
  "uncertain" with only neutral's stand-in class, names no emotion; it is scored as the class
  ``"no finding"`` (always wrong, a column of the confusion matrix; its open-vocabulary prediction is
  empty), and `Coverage` gives how many answers had a finding, the accuracy over those and over all.
  An undetermined answer has no valence reading either.
- **Utterance-mode lines** are scored by their whole-clip answer where they give one
  (`saber_agent.eval.answers.clip_answer`); a line without one is counted as not scored, with the
  reason, and is no error. Error and not-scored lines belong to no agree/conflict split.
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

from saber_agent.eval.answers import NO_FINDING, clip_answer
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
    status: str  # "ok" (scored), "error" (the line's), "unscored" (an ok line without a whole-clip answer)
    split: str | None  # "agree" | "conflict" (None for a line that is not scored)
    split_source: str | None  # "manifest" | "result" (None for a line that is not scored)
    gold_words: list[str] = field(default_factory=list)
    pred_words: list[str] = field(default_factory=list)
    gold_sectors: set[str] = field(default_factory=set)
    pred_sectors: set[str] = field(default_factory=set)
    gold_basic: str | None = None
    pred_basic: str | None = None  # None on a scored line: the answer names no emotion (`no_finding` says why)
    gold_valence: str | None = None
    pred_valence: str | None = None  # None on a scored line: no valence reading (undetermined)
    pred_confidence: float | None = None  # the answer's stated probability that pred_basic is right, if it states one
    pred_uncertain: bool = False  # the answer marks itself "uncertain"
    gold_description: str | None = None
    pred_description: str = ""
    judged: bool = False
    clue_score: float | None = None
    label_score: float | None = None
    judge_unparsed: int = 0
    no_finding: str | None = None  # why the answer names no emotion
    note: str | None = None  # why an ok line is not scored (no whole-clip answer)
    answer_source: str = "clip"  # what the answer scored is: "clip", "the only utterance", "speaker A's summary", ...

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
    sample = ClipSample(
        id=str(record.get("id")), status=record.get("status", "error"), split=None, split_source=None,
        gold_words=gold_words, gold_sectors=gold_sectors, gold_basic=gold_basic,
        gold_valence=gold_valence(labels, gold_basic), gold_description=description,
    )
    if not sample.scored:
        sample.status = "error"  # a status other than ok is the batch's error line
        return sample
    answer, why = clip_answer(record)
    if answer is None:
        sample.status, sample.note = "unscored", why
        return sample
    if labels.get("split") in ("agree", "conflict"):
        sample.split, sample.split_source = labels["split"], "manifest"
    else:
        sample.split, sample.split_source = ("conflict" if answer.conflicts else "agree"), "result"
    if not answer.no_finding:  # an answer without a finding predicts no emotion word (EMER: an empty P scores 0)
        sample.pred_words = list(dict.fromkeys([*answer.emotions, answer.basic]))
    sample.pred_sectors = sectors_of_labels(sample.pred_words)
    sample.pred_basic = answer.basic
    sample.pred_valence = answer.valence_label
    sample.pred_confidence = answer.confidence
    sample.pred_uncertain = answer.uncertain
    sample.pred_description = answer.description
    sample.no_finding, sample.answer_source = answer.no_finding, answer.source
    return sample


# -- the report ----------------------------------------------------------------------------------


@dataclass
class Coverage:
    """How many labelled answers had a finding, and the accuracy over those and over all of them."""

    n: int  # answers scored against a gold label
    found: int  # of them, answers with a finding (the rest named no emotion, or no valence for valence)
    coverage: float  # found / n
    accuracy_found: float | None  # right answers over `found` (None: no finding)
    accuracy_all: float  # right answers over `n`: an answer without a finding counts as wrong


def coverage(gold: Sequence[str], pred: Sequence[str]) -> Coverage | None:
    """`Coverage` of paired labels, `NO_FINDING` marking an answer without a finding (None when no pair)."""
    if not gold:
        return None
    pairs = list(zip(gold, pred, strict=True))
    found = [(g, p) for g, p in pairs if p != NO_FINDING]
    right = sum(g == p for g, p in found)
    return Coverage(len(pairs), len(found), len(found) / len(pairs), right / len(found) if found else None, right / len(pairs))


@dataclass
class SplitReport:
    """The scores of one split (all / agree / conflict)."""

    name: str
    clips: int
    errors: int  # error lines (the batch could not analyse the clip)
    unscored: int = 0  # ok lines without a whole-clip answer (`EvalReport.not_scored` says why)
    basic: ClassScores | None = None  # over every labelled answer, `NO_FINDING` a predicted class
    basic_coverage: Coverage | None = None
    valence: ClassScores | None = None
    valence_coverage: Coverage | None = None
    open_vocab: OpenVocabScores | None = None
    judge: JudgeScores | None = None
    calibration: Calibration | None = None  # of the stated confidence against the basic class being right
    calibration_note: str | None = None  # why answers that state a confidence were not scored for calibration


@dataclass
class EvalReport:
    splits: dict[str, SplitReport]
    split_source: dict[str, int]  # how many clips took their split from the manifest / the result
    unlabelled: int  # scored clips without any gold label
    not_scored: dict[str, str] = field(default_factory=dict)  # id -> why an ok line has no whole-clip answer
    no_finding: dict[str, str] = field(default_factory=dict)  # id -> why a labelled clip's answer names no emotion

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_report(name: str, samples: Sequence[ClipSample]) -> SplitReport:
    scored = [s for s in samples if s.scored]
    answered = [s for s in scored if s.gold_basic]
    basic = [(s.gold_basic, s.pred_basic or NO_FINDING) for s in answered]
    valence = [(s.gold_valence, s.pred_valence or NO_FINDING) for s in scored if s.gold_valence]
    stated, note = None, None
    if any(s.pred_confidence is not None for s in answered):
        try:  # an answer without a finding is a wrong one at its stated confidence
            stated = calibration([s.pred_confidence for s in answered], [s.gold_basic == s.pred_basic for s in answered],
                                 [s.pred_uncertain for s in answered])
        except (ImportError, ValueError) as exc:  # no scikit-learn, or a confidence out of [0, 1]: the rest stands
            note = str(exc)
    gold_b, pred_b = [g for g, _ in basic], [p for _, p in basic]
    gold_v, pred_v = [g for g, _ in valence], [p for _, p in valence]
    return SplitReport(
        name=name,
        clips=len(samples),
        errors=sum(s.status == "error" for s in samples),
        unscored=sum(s.status == "unscored" for s in samples),
        basic=classification_scores(gold_b, pred_b, BASIC_EMOTIONS),
        basic_coverage=coverage(gold_b, pred_b),
        valence=classification_scores(gold_v, pred_v, VALENCE_LABELS),
        valence_coverage=coverage(gold_v, pred_v),
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
    labelled = [s for s in samples if s.scored and (s.gold_sectors or s.gold_basic or s.gold_valence)]
    return EvalReport(
        splits={name: split_report(name, group) for name, group in by_split.items()},
        split_source=source,
        unlabelled=sum(s.scored for s in samples) - len(labelled),
        not_scored={s.id: s.note or "" for s in samples if s.status == "unscored"},
        no_finding={s.id: s.no_finding for s in labelled if s.no_finding},
    )


__all__ = [
    "CLUE_PROMPT", "LABEL_PROMPT", "NO_FINDING", "ClassScores", "ClipSample", "Coverage", "EvalReport", "Judge", "JudgeScores",
    "OpenVocabScores", "ReasonerJudge", "SplitReport", "classification_scores", "clip_sample", "coverage", "evaluate",
    "gold_valence", "open_vocab_scores", "parse_judge_score", "parse_labels", "reasoner_judge",
    "set_precision_recall", "sector_of",
]
