"""The fusion answer's stated confidence: the probability that its basic emotion is right (`Analysis.confidence`).

Two steps, both deterministic:

1. `backing`: how much of the evidence backs the answer's class, in [0, 1]: the share of the confidence-weighted
   vote (`fusion_naming.vote`'s weights: modality weight times the cue's confidence; words without an emotional
   word do not vote) that names the answer's class, times the confidence of the most confident cue that names it.
   It is `vote`'s certainty, taken at the class the answer ends on (after any renaming or a reading of a conflict),
   and 0 where no cue names that class (a class read from the lean alone).
2. `stated_confidence`: Platt scaling of the backing (Platt 1999; as in Guo et al., ICML 2017, section 4.1):
   ``1 / (1 + exp(-(PLATT_A + PLATT_B * backing)))``, monotone, so it keeps the backing's order. The two numbers
   were fitted by logistic regression (scikit-learn, no penalty) of "the basic emotion is right" on the backing
   over the EmoFilm dev split only (the male speakers, 114 clips; default settings: prosody and transcript,
   fusion), never on the test split; see `bench/real_emotion.py --fit-confidence`.

Why a mapping at all: the backing alone is not a probability. On EmoFilm dev it averaged 0.22 while 39% of the
answers were right (ECE 0.24, top-label Brier 0.29): most answers were stated far below their odds. And it tells right
from wrong answers little better than chance there (ROC AUC 0.54; the voice decides nearly every clip), so the fitted
mapping is nearly flat: every dev answer is stated between 0.36 and 0.46 (ECE 0.015, Brier 0.238; 5-fold
cross-validated on dev: ECE 0.023, Brier 0.239), and no answer is a confident (>= 0.6) wrong label. Its ceiling, at a
backing of 1 (every modality naming the class with full confidence), is 0.53: no clip of the fitting data had such
evidence, so the fusion does not claim odds it was never measured at; refit where labelled clips with a face and
emotional words exist. The mapping changes no label and no "uncertain" mark.
"""

from __future__ import annotations

import math

from saber_agent.evidence import ModalityCue
from saber_agent.plugins.reasoners.fusion_naming import BASIC, MODALITY_WEIGHT, WORDS_FINDING

PLATT_A = -0.58  # fitted on EmoFilm dev (m_*) only, see the module docstring: -0.579, 0.699 (rounded)
PLATT_B = 0.70


def backing(cues: dict[str, ModalityCue], basic: str) -> float:
    """Share of the confidence-weighted vote naming `basic`, times the best confidence among the cues naming it;
    `cues` as the fusion's rules read them (emotion words as basic classes). 0.0 where no cue names `basic`."""
    weights: dict[str, float] = {}
    for modality, cue in cues.items():
        if cue.emotion not in BASIC:
            continue
        if cue.emotion == "neutral" and modality == "words" and cue.confidence < WORDS_FINDING:
            continue  # no emotional word at all: no vote (as in `vote`)
        weights[modality] = MODALITY_WEIGHT.get(modality, 0.3) * cue.confidence
    total = sum(weights.values())
    naming = [m for m in weights if cues[m].emotion == basic]
    if not total or not naming:
        return 0.0
    return sum(weights[m] for m in naming) / total * max(cues[m].confidence for m in naming)


def stated_confidence(back: float) -> float:
    """The answer's stated probability of being right for a backing in [0, 1] (Platt scaling, see the docstring)."""
    back = min(1.0, max(0.0, back))
    return round(1.0 / (1.0 + math.exp(-(PLATT_A + PLATT_B * back))), 3)


def answer_confidence(cues: dict[str, ModalityCue], basic: str) -> float:
    """The fusion answer's `confidence`: `stated_confidence` of its `backing` (with no cue at all, the mapping's floor:
    an undetermined answer is stated with the lowest confidence the fusion gives)."""
    return stated_confidence(backing(cues, basic))


__all__ = ["PLATT_A", "PLATT_B", "answer_confidence", "backing", "stated_confidence"]
