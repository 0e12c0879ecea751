"""Calibration of an answer's stated confidence against whether its basic emotion is right.

An answer states a confidence `c` in [0, 1] (`Analysis.confidence`: the reasoner's probability that its
`basic_emotion` is right) and is right or wrong (`correct` 1 or 0). Over n answers:

- **ECE**, expected calibration error (Naeini et al., AAAI 2015; Guo et al., "On Calibration of Modern
  Neural Networks", ICML 2017, eq. 3): the confidences are put in M equal-width bins over [0, 1], and
  ``ECE = sum_b (n_b / n) * |acc(b) - conf(b)|``, where acc(b) is the share of right answers in bin b and
  conf(b) their mean confidence. The bins are scikit-learn's (``sklearn.calibration.calibration_curve``,
  ``strategy="uniform"``): bin b holds the confidences in (b/M, (b+1)/M], the first bin also 0. M = 10
  here (`N_BINS`; Guo et al. used 15); empty bins do not count. 0 is perfect; a constant confidence equal
  to the accuracy scores 0 too, so read it with the Brier score and the per-bin table.
- **Brier score of the top label** (Brier, Monthly Weather Review 1950): ``mean((c - correct)^2)``, the
  squared error of the stated confidence as a probability that the answer is right (scikit-learn's
  ``brier_score_loss`` on the correctness); 0 is perfect, always saying 0.5 scores 0.25.
- **Answers marked uncertain** (the fusion adds "uncertain" to the emotions where the evidence barely
  leans) against the others: each group's size and accuracy. A useful mark picks out the wrong answers.
- **Confident wrong** (issue 17: "where the evidence cannot decide, the conclusion says so with low
  confidence rather than a confident wrong label"): the share of the WRONG answers stated with
  confidence >= `CONFIDENT` (0.6).

Answers without a stated confidence (an LLM reasoner's, which states none) count only in the
uncertain/certain accuracies and as `unstated`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

N_BINS = 10
CONFIDENT = 0.6
BINNING = "equal-width bins over [0, 1], right-closed (sklearn calibration_curve, strategy='uniform')"


def _sklearn():
    try:
        from sklearn.calibration import calibration_curve
        from sklearn.metrics import brier_score_loss
    except ImportError:
        from saber_agent.errors import missing_extra

        raise ImportError(missing_extra("calibration scores", "scikit-learn", "batch")) from None
    return calibration_curve, brier_score_loss


def _checked(confidences: Sequence[float], correct: Sequence[bool]) -> tuple[list[float], list[int]]:
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} correctness flags")
    values = [float(c) for c in confidences]
    bad = [c for c in values if not 0.0 <= c <= 1.0]  # NaN fails both comparisons too
    if bad:
        raise ValueError(f"a confidence must lie in [0, 1], got {bad[0]}")
    return values, [int(bool(r)) for r in correct]


@dataclass
class ReliabilityBin:
    """One non-empty bin of the reliability diagram: its bounds, size, mean confidence and accuracy."""

    lower: float
    upper: float
    n: int
    mean_confidence: float
    accuracy: float


def reliability_bins(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> list[ReliabilityBin]:
    """The non-empty equal-width bins (`BINNING`) with their mean confidence and accuracy, from
    ``sklearn.calibration.calibration_curve``; the counts use the same bin rule (``np.searchsorted``)."""
    import numpy as np

    calibration_curve, _ = _sklearn()
    values, right = _checked(confidences, correct)
    if not values:
        return []
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    accuracy, mean_confidence = calibration_curve(right, values, n_bins=n_bins, strategy="uniform", pos_label=1)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], values), minlength=n_bins)
    filled = [b for b in range(n_bins) if counts[b]]
    return [ReliabilityBin(round(float(edges[b]), 6), round(float(edges[b + 1]), 6), int(counts[b]), float(c), float(a))
            for b, c, a in zip(filled, mean_confidence, accuracy, strict=True)]


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> float:
    """ECE over `n_bins` equal-width bins (Guo et al. 2017, eq. 3): the bin-size-weighted mean of
    |accuracy - mean confidence|. 0.0 for no answers."""
    bins = reliability_bins(confidences, correct, n_bins)
    total = sum(b.n for b in bins)
    return sum(b.n / total * abs(b.accuracy - b.mean_confidence) for b in bins) if total else 0.0


def top_label_brier(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Mean squared error of the stated confidence against the answer being right (scikit-learn's
    ``brier_score_loss`` on the correctness, positive class "right"). 0.0 for no answers."""
    _, brier_score_loss = _sklearn()
    values, right = _checked(confidences, correct)
    return float(brier_score_loss(right, values, pos_label=1)) if values else 0.0


@dataclass
class GroupAccuracy:
    n: int
    accuracy: float | None  # None for an empty group


@dataclass
class Calibration:
    """The calibration report of a set of answers (see the module docstring for the definitions)."""

    n: int  # answers with a stated confidence (ECE, Brier, confident wrong are over these)
    unstated: int  # answers without one
    accuracy: float | None
    mean_confidence: float | None
    ece: float | None
    brier: float | None
    wrong: int
    confident_wrong: int  # wrong answers stated with confidence >= `confident_at`
    confident_wrong_share: float | None  # of the wrong answers; None when none is wrong
    uncertain: GroupAccuracy  # every answer marked "uncertain", stated confidence or not
    certain: GroupAccuracy
    bins: list[ReliabilityBin] = field(default_factory=list)
    n_bins: int = N_BINS
    binning: str = BINNING
    confident_at: float = CONFIDENT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _group(right: list[int]) -> GroupAccuracy:
    return GroupAccuracy(len(right), sum(right) / len(right) if right else None)


def calibration(confidences: Sequence[float | None], correct: Sequence[bool], uncertain: Sequence[bool] | None = None,
                n_bins: int = N_BINS, confident_at: float = CONFIDENT) -> Calibration | None:
    """The calibration report of answers given as parallel sequences: each one's stated confidence (None
    where it states none), whether its basic emotion is right, and whether it is marked uncertain
    (default: none is). None when there is no answer."""
    if len(confidences) != len(correct) or (uncertain is not None and len(uncertain) != len(correct)):
        raise ValueError("confidences, correct and uncertain must have one entry per answer")
    if not correct:
        return None
    marks = list(uncertain) if uncertain is not None else [False] * len(correct)
    stated = [(float(c), int(bool(r))) for c, r in zip(confidences, correct, strict=True) if c is not None]
    values, right = _checked([c for c, _ in stated], [r for _, r in stated])
    wrong = [c for c, r in zip(values, right, strict=True) if not r]
    confident_wrong = sum(c >= confident_at for c in wrong)
    return Calibration(
        n=len(values),
        unstated=len(correct) - len(values),
        accuracy=sum(right) / len(right) if right else None,
        mean_confidence=sum(values) / len(values) if values else None,
        ece=expected_calibration_error(values, right, n_bins) if values else None,
        brier=top_label_brier(values, right) if values else None,
        wrong=len(wrong),
        confident_wrong=confident_wrong,
        confident_wrong_share=confident_wrong / len(wrong) if wrong else None,
        uncertain=_group([int(bool(r)) for r, m in zip(correct, marks, strict=True) if m]),
        certain=_group([int(bool(r)) for r, m in zip(correct, marks, strict=True) if not m]),
        bins=reliability_bins(values, right, n_bins) if values else [],
        n_bins=n_bins,
        confident_at=confident_at,
    )


def fit_platt(scores: Sequence[float], correct: Sequence[bool]) -> tuple[float, float]:
    """(A, B) of Platt scaling (Platt 1999): the logistic regression ``P(right) = 1 / (1 + exp(-(A + B * score)))``
    of the answers' correctness on a score, fitted by scikit-learn without a penalty. Needs right and wrong answers."""
    import numpy as np

    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        from saber_agent.errors import missing_extra

        raise ImportError(missing_extra("fitting a confidence mapping", "scikit-learn", "batch")) from None
    right = [int(bool(r)) for r in correct]
    if len(scores) != len(right) or len(set(right)) < 2:
        raise ValueError("fit_platt needs one score per answer and both right and wrong answers")
    model = LogisticRegression(C=np.inf).fit(np.asarray(scores, dtype=float)[:, None], right)
    return float(model.intercept_[0]), float(model.coef_[0, 0])


def platt(score: float, a: float, b: float) -> float:
    """``1 / (1 + exp(-(a + b * score)))``."""
    import math

    return 1.0 / (1.0 + math.exp(-(a + b * score)))


def answer_of(record: dict[str, Any]) -> tuple[str | None, float | None, bool]:
    """(basic emotion, stated confidence or None, marked uncertain) of a results line's prediction."""
    prediction = record.get("prediction") or {}
    confidence = prediction.get("confidence")
    emotions = prediction.get("emotions") or []
    return prediction.get("basic_emotion"), (float(confidence) if confidence is not None else None), "uncertain" in emotions


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_calibration(report: Calibration | dict[str, Any] | None, title: str = "calibration") -> str:
    """The report in a few lines: ECE, Brier, confident-wrong share, uncertain vs certain, the bins."""
    if report is None:
        return f"{title}: no answer"
    r = report.to_dict() if isinstance(report, Calibration) else report
    u, c = r["uncertain"], r["certain"]
    lines = [
        f"{title}: {r['n']} answer(s) with a stated confidence" + (f", {r['unstated']} without" if r["unstated"] else ""),
        f"  ECE ({r['n_bins']} equal-width bins) {_f(r['ece'])}   top-label Brier {_f(r['brier'])}   "
        f"mean confidence {_f(r['mean_confidence'])} vs accuracy {_f(r['accuracy'])}",
        f"  confident wrong (wrong answers with confidence >= {r['confident_at']:g}): {r['confident_wrong']}/{r['wrong']}"
        + (f" = {r['confident_wrong_share']:.3f}" if r["confident_wrong_share"] is not None else ""),
        f"  marked uncertain: {u['n']} answer(s), accuracy {_f(u['accuracy'])}; not marked: {c['n']}, accuracy {_f(c['accuracy'])}",
    ]
    for b in r["bins"]:  # the reliability diagram as rows
        lines.append(f"    confidence ({b['lower']:.1f}, {b['upper']:.1f}]: {b['n']:>4} answer(s), mean confidence "
                     f"{b['mean_confidence']:.3f}, accuracy {b['accuracy']:.3f}")
    return "\n".join(lines)


__all__ = ["BINNING", "CONFIDENT", "N_BINS", "Calibration", "GroupAccuracy", "ReliabilityBin", "answer_of", "calibration",
           "expected_calibration_error", "fit_platt", "platt", "reliability_bins", "render_calibration", "top_label_brier"]
