"""The consistency score of one answer against a clip's full evidence, used to rank CA-DPO candidates.

`consistency_score(request, analysis, checks)` gives a score in [-inf, 1]: the weighted share of the
registered consistency checks the answer passes on the full-evidence request (a check's weight from
``weights``, 1.0 by default; a check that raises counts as failed, as in the graph), minus penalties
that separate answers failing the same checks:

- 0.05 for each available modality the answer never uses (only when two or more are available);
- 0.1 for each conflict its ``conflict_explanation`` does not name (every modality of the conflict);
- 0.1 for each invented or ungrounded cue the checks report (at most 0.3 in all).

Scores and penalties are rounded to 4 decimals. Moved out of `saber_agent.training.pairs`, which
re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from saber_agent.checking import ConsistencyCheck, modalities_in, modalities_used
from saber_agent.evidence import Analysis, CheckOutcome
from saber_agent.reasoning import ReasoningRequest

UNUSED_MODALITY_PENALTY = 0.05
UNNAMED_CONFLICT_PENALTY = 0.1
INVENTED_CUE_PENALTY = 0.1
INVENTED_CUE_PENALTY_MAX = 0.3


class ConsistencyScore(BaseModel):
    """How consistent one answer is with the full evidence."""

    score: float
    share: float  # weighted share of checks passed
    penalties: dict[str, float] = Field(default_factory=dict)
    checks: list[CheckOutcome] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed]


def run_checks(request: ReasoningRequest, analysis: Analysis, checks: Iterable[ConsistencyCheck]) -> list[CheckOutcome]:
    """Every check's outcome; a check that raises counts as failed (as in the graph)."""
    outcomes = []
    for check in checks:
        try:
            outcomes.append(check.check(request, analysis))
        except Exception as exc:
            outcomes.append(CheckOutcome(name=check.name, passed=False, message=f"check raised {type(exc).__name__}: {exc}"))
    return outcomes


def consistency_score(
    request: ReasoningRequest,
    analysis: Analysis,
    checks: Iterable[ConsistencyCheck],
    weights: dict[str, float] | None = None,
) -> ConsistencyScore:
    """Score `analysis` against the full-evidence `request` (see the module docstring for the formula)."""
    weights = weights or {}
    outcomes = run_checks(request, analysis, checks)
    total = sum(weights.get(o.name, 1.0) for o in outcomes)
    share = sum(weights.get(o.name, 1.0) for o in outcomes if o.passed) / total if total else 1.0
    penalties: dict[str, float] = {}
    available = modalities_in(request)
    if len(available) >= 2:
        unused = available - modalities_used(analysis)
        if unused:
            penalties["unused_modalities"] = round(UNUSED_MODALITY_PENALTY * len(unused), 4)
    explanation = (analysis.conflict_explanation or "").lower()
    unnamed = [c for c in request.conflicts if not all(m in explanation for m in c.modalities)]
    if unnamed:
        penalties["unnamed_conflicts"] = round(UNNAMED_CONFLICT_PENALTY * len(unnamed), 4)
    invented = 0
    for outcome in outcomes:
        invented += len(outcome.details.get("invented") or []) + len(outcome.details.get("ungrounded") or [])
    if invented:
        penalties["invented_cues"] = round(min(INVENTED_CUE_PENALTY_MAX, INVENTED_CUE_PENALTY * invented), 4)
    score = round(share - sum(penalties.values()), 4)
    return ConsistencyScore(score=score, share=round(share, 4), penalties=penalties, checks=outcomes)
