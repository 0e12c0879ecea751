"""Consistency-aware DPO pairs, built automatically from evidence.

For each clip (a `Case`: its full evidence, cues and conflicts, and any reference answer):

- **chosen**: the reasoner's answer over the FULL evidence (retried with the checks' critique, as the
  graph does), or the reference answer, whichever scores higher; it must pass every consistency check,
  or the clip gives no pair (reported).
- **rejected**, each scored against the FULL evidence and kept when it trails the chosen answer by at
  least ``min_gap``:
  - *ablation*: the reasoner's answer when only one modality is left (face, voice or words only; the
    other perception slots are made unavailable and their cues dropped): unimodal-dominant answers;
  - *grounding*: the chosen answer with an invented observable cue injected (tears the evidence never
    reports), which fails the grounding check;
  - *sample*: the lowest-scoring of K samples from the reasoner with sampling options (a temperature).
    A deterministic reasoner (the fusion default) gives K identical samples: they are de-duplicated and
    yield no pair, and the report says so.

The consistency score of an answer (`consistency_score`, in `saber_agent.training.consistency_score`,
re-exported here), in [-inf, 1]: the weighted share of the registered checks it passes on the
full-evidence request, minus penalties for unused modalities, unnamed conflicts and invented cues.

Clips whose modalities conflict come first and their pairs are written ``conflict_oversample`` times:
they are the cases CA-DPO exists for. Pairs use TRL's conversational preference format (``prompt``,
``chosen``, ``rejected``) plus ``meta`` saying why the rejected answer lost.
Pair files are read back by `read_pairs` (in `saber_agent.training.pair_files`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from saber_agent.checking import critique_line, evidence_text
from saber_agent.cues import find_conflicts
from saber_agent.evidence import PERCEPTION_SLOTS, SLOT_MODALITY, Analysis, Slot
from saber_agent.reasoning import Reasoner, ReasoningRequest
from saber_agent.sed_prompt import build_messages, target_json
from saber_agent.training.cases import Case, DataReport
from saber_agent.training.config import ConfigError, PairSettings
from saber_agent.training.consistency_score import (  # noqa: F401  (re-exported: the old import path)
    INVENTED_CUE_PENALTY,
    INVENTED_CUE_PENALTY_MAX,
    UNNAMED_CONFLICT_PENALTY,
    UNUSED_MODALITY_PENALTY,
    ConsistencyScore,
    consistency_score,
    run_checks,
)
from saber_agent.training.pair_files import read_pairs  # noqa: F401  (re-exported: the old import path)
from saber_agent.training.text_emotion import text_cues
from saber_agent.vocab import OBSERVABLE_CUES

MODALITY_SLOT = {modality: slot for slot, modality in SLOT_MODALITY.items()}

# Invented cues for the grounding rejects: (cue word as the grounding check knows it, where it goes, the sentence).
INVENTED_CUES = (
    ("tears", "visual", "Tears run down the speaker's cheeks."),
    ("trembling", "visual", "The speaker's hands are trembling."),
    ("shouting", "acoustic", "The speaker is shouting."),
    ("fist", "visual", "The speaker clenches a fist."),
    ("blush", "visual", "A deep blush spreads over the speaker's face."),
    ("sigh", "acoustic", "The speaker lets out a long sigh."),
)


@dataclass
class Candidate:
    """One answer for a clip, with where it came from and its score on the full evidence."""

    kind: str  # full | reference | ablation | grounding | sample
    analysis: Analysis
    score: ConsistencyScore
    ablation: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        return target_json(self.analysis)


@dataclass
class PairReport:
    """What pair building did: pairs written, clips with none (and why), notes."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    clips: int = 0
    conflict_clips: int = 0
    clips_with_pairs: int = 0
    skipped: list[str] = field(default_factory=list)  # clips that gave no pair, with the reason
    notes: list[str] = field(default_factory=list)  # candidates that were not used, with the reason
    data: DataReport | None = None

    def summary(self) -> str:
        return (
            f"{len(self.pairs)} pair(s) from {self.clips_with_pairs} of {self.clips} clip(s) "
            f"({self.conflict_clips} with conflicting modalities)"
        )


def scoring_request(case: Case, settings: PairSettings) -> ReasoningRequest:
    """The full-evidence request a clip's candidates are produced from and scored against.

    Evidence with no measured cue at all (a SABER record) gets cues read from its text, and the
    conflicts between them, when ``text_cues`` is on.
    """
    request = case.request.model_copy(update={"critique": [], "round": 1})
    if settings.text_cues and not request.cues:
        cues = text_cues(request.evidence)
        request = request.model_copy(update={"cues": cues, "conflicts": find_conflicts(cues)})
    return request


def ablate(request: ReasoningRequest, modality: str) -> ReasoningRequest:
    """The request with only `modality`'s slot left (scene ablated too) and only its cues."""
    keep = MODALITY_SLOT[modality]
    slots = {
        name: Slot.unavailable(f"ablated for CA-DPO: reasoning from the {modality} only")
        for name in PERCEPTION_SLOTS if name != keep
    }
    cues = [c for c in request.cues if c.modality == modality]
    return request.model_copy(update={
        "evidence": request.evidence.with_slots(slots), "cues": cues, "conflicts": find_conflicts(cues), "critique": [],
    })


def inject_invented_cue(request: ReasoningRequest, analysis: Analysis) -> tuple[Analysis, str] | None:
    """`analysis` with an observable cue the evidence never reports added to its evidence, reasoning
    and citations; None when the evidence already mentions every cue we could invent."""
    source = evidence_text(request)
    claimed = f"{analysis.reasoning} {analysis.visual_evidence} {analysis.acoustic_evidence}".lower()
    for cue, where, sentence in INVENTED_CUES:
        stems = OBSERVABLE_CUES.get(cue, (cue,))
        if any(stem in source for stem in stems) or cue in claimed:
            continue
        update: dict[str, Any] = {
            "reasoning": f"{analysis.reasoning} The {cue} give the emotion away.".strip(),
            "cues_cited": {**analysis.cues_cited, "face" if where == "visual" else "voice": [
                *analysis.cues_cited.get("face" if where == "visual" else "voice", []), sentence,
            ]},
        }
        key = "visual_evidence" if where == "visual" else "acoustic_evidence"
        update[key] = f"{getattr(analysis, key)} {sentence}".strip()
        return analysis.model_copy(update=update), cue
    return None


class PairBuilder:
    """Builds CA-DPO pairs for cases with one reasoner and the registered checks."""

    def __init__(self, settings: PairSettings | None = None, registry=None):
        from saber_agent.registry import get_registry

        self.settings = settings or PairSettings()
        self.registry = registry or get_registry()
        self.checks = list(self.registry.checks.values())
        if not self.checks:
            raise ConfigError("no consistency check is registered, so pairs cannot be scored: load the checks plugin")
        self.reasoner: Reasoner = self.registry.reasoner(self.settings.reasoner, self.settings.reasoner_options)
        self._sampler: Reasoner | None = None
        self._sampler_note = ""

    # -- candidates ---------------------------------------------------------------------------

    def score(self, request: ReasoningRequest, analysis: Analysis) -> ConsistencyScore:
        return consistency_score(request, analysis, self.checks, self.settings.check_weights)

    def full_answer(self, request: ReasoningRequest, notes: list[str]) -> Candidate | None:
        """The reasoner over the full evidence, retried with the critique while checks fail."""
        best: Candidate | None = None
        current = request
        for round_ in range(1, self.settings.max_rounds + 1):
            try:
                analysis = self.reasoner.reason(current, None)
            except Exception as exc:
                notes.append(f"full-evidence answer, round {round_}: the reasoner failed ({type(exc).__name__}: {exc})")
                break
            score = self.score(request, analysis)
            if best is None or score.score > best.score.score:
                best = Candidate("full", analysis, score, note=f"round {round_}")
            if score.passed:
                break
            current = request.model_copy(update={
                "critique": [critique_line(o) for o in score.failed], "round": round_ + 1,
            })
        return best

    def ablation_answers(self, request: ReasoningRequest, notes: list[str]) -> list[Candidate]:
        available = {SLOT_MODALITY[n] for n in request.evidence.available()}
        found = []
        for modality in self.settings.ablations:
            if modality not in available:
                notes.append(f"ablation {modality} only: the clip has no {modality} evidence")
                continue
            if available - {"scene"} == {modality}:
                notes.append(f"ablation {modality} only: it is the only modality, nothing to ablate")
                continue
            try:
                analysis = self.reasoner.reason(ablate(request, modality), None)
            except Exception as exc:
                notes.append(f"ablation {modality} only: the reasoner failed ({type(exc).__name__}: {exc})")
                continue
            found.append(Candidate("ablation", analysis, self.score(request, analysis), ablation=f"{modality}_only"))
        return found

    def grounding_answer(self, request: ReasoningRequest, chosen: Candidate, notes: list[str]) -> list[Candidate]:
        injected = inject_invented_cue(request, chosen.analysis)
        if injected is None:
            notes.append("grounding: the evidence mentions every cue we could invent")
            return []
        analysis, cue = injected
        return [Candidate("grounding", analysis, self.score(request, analysis), note=f"invented cue: {cue}")]

    def sampler(self) -> Reasoner:
        """The reasoner built with the sampling options; the plain one when it does not take them."""
        if self._sampler is None:
            options = {**self.settings.reasoner_options, **self.settings.sample_options}
            try:
                self._sampler = self.registry.reasoner(self.settings.reasoner, options)
            except TypeError as exc:
                self._sampler = self.reasoner
                self._sampler_note = (
                    f"reasoner {self.settings.reasoner!r} takes no sampling options ({exc}); sampled without them"
                )
        return self._sampler

    def sample_answers(self, request: ReasoningRequest, notes: list[str]) -> list[Candidate]:
        k = self.settings.samples
        if k < 2:
            return []
        sampler = self.sampler()  # a note on how it was built goes in the run's report, once
        distinct: dict[str, Analysis] = {}
        failures = 0
        for _ in range(k):
            try:
                analysis = sampler.reason(request, None)
            except Exception:
                failures += 1  # an unparseable sample is no answer to rank
                continue
            distinct.setdefault(target_json(analysis), analysis)
        if failures:
            notes.append(f"samples: {failures} of {k} failed")
        if not distinct:
            notes.append("samples: no sample could be read: no sample pair")
            return []
        if len(distinct) == 1:
            notes.append(
                f"samples: the {k - failures} sample(s) are identical (the reasoner is deterministic with these "
                "options): no sample pair"
            )
            return []
        scored = [Candidate("sample", a, self.score(request, a)) for a in distinct.values()]
        lowest = min(scored, key=lambda c: c.score.score)
        lowest.note = f"lowest of {len(distinct)} distinct sample(s) out of {k}"
        return [lowest]

    # -- pairs --------------------------------------------------------------------------------

    def build_case(self, case: Case) -> tuple[list[dict[str, Any]], str | None, list[str]]:
        """(pairs, reason the clip gave none, notes) for one case."""
        notes: list[str] = []
        request = scoring_request(case, self.settings)
        candidates = []
        if (full := self.full_answer(request, notes)) is not None:
            candidates.append(full)
        if case.reference is not None:
            candidates.append(Candidate("reference", case.reference, self.score(request, case.reference)))
        passing = [c for c in candidates if c.score.passed]
        if not passing:
            failures = "; ".join(
                f"{c.kind}: " + ", ".join(o.name for o in c.score.failed) for c in candidates
            ) or "no answer"
            return [], f"no answer passes every consistency check ({failures})", notes
        chosen = max(passing, key=lambda c: (c.score.score, c.kind == "full"))
        rejected = (
            self.ablation_answers(request, notes)
            + (self.grounding_answer(request, chosen, notes) if self.settings.grounding else [])
            + self.sample_answers(request, notes)
        )
        prompt = build_messages(request)
        pairs = []
        for candidate in sorted(rejected, key=lambda c: c.score.score):
            label = candidate.ablation or candidate.kind
            gap = round(chosen.score.score - candidate.score.score, 4)
            if candidate.text == chosen.text:
                notes.append(f"{label}: the same answer as the chosen one")
                continue
            if gap < self.settings.min_gap:
                notes.append(f"{label}: score gap {gap:.2f} is under {self.settings.min_gap:.2f}")
                continue
            pairs.append(self._pair(case, request, prompt, chosen, candidate, gap))
        if self.settings.max_pairs_per_clip:
            pairs = pairs[: self.settings.max_pairs_per_clip]
        return pairs, (None if pairs else "no rejected answer trails the chosen one by the minimum gap"), notes

    def _pair(self, case, request, prompt, chosen: Candidate, rejected: Candidate, gap: float) -> dict[str, Any]:
        failed = [{"name": o.name, "message": o.message} for o in rejected.score.failed]
        label = {
            "ablation": f"ablation ({rejected.ablation.replace('_', ' ') if rejected.ablation else ''})",
            "grounding": f"grounding ({rejected.note})",
            "sample": f"sample ({rejected.note})",
        }.get(rejected.kind, rejected.kind)
        why = f"{label}: " + (
            "failed " + "; ".join(f"{f['name']} ({f['message']})" for f in failed) if failed else "passed every check"
        )
        if rejected.score.penalties:
            why += "; penalties " + ", ".join(f"{k} {v:.2f}" for k, v in rejected.score.penalties.items())
        why += f"; score {rejected.score.score:.2f} vs {chosen.score.score:.2f} (gap {gap:.2f})"
        return {
            "prompt": prompt,
            "chosen": [{"role": "assistant", "content": chosen.text}],
            "rejected": [{"role": "assistant", "content": rejected.text}],
            "meta": {
                "id": case.id,
                "source": f"{case.source}:{case.line}" if case.line else case.source,
                "kind": rejected.kind,
                "ablation": rejected.ablation,
                "chosen_from": chosen.kind,
                "chosen_score": chosen.score.score,
                "rejected_score": rejected.score.score,
                "score_gap": gap,
                "failed_checks": failed,
                "penalties": rejected.score.penalties,
                "why": why,
                "conflict": bool(request.conflicts),
                "conflicts": [c.description for c in request.conflicts],
                "conflict_severity": max((c.severity for c in request.conflicts), default=0.0),
                "reasoner": self.settings.reasoner,
                "copy": 0,
            },
        }

    def build(self, cases: Sequence[Case], report: PairReport | None = None) -> PairReport:
        """Pairs for every case: conflict clips first (most severe first) and oversampled."""
        report = report or PairReport()
        per_case: list[tuple[float, int, list[dict[str, Any]]]] = []
        for index, case in enumerate(cases):
            report.clips += 1
            try:
                pairs, reason, notes = self.build_case(case)
            except Exception as exc:  # one broken clip never stops the run
                if self.settings.on_error == "fail":
                    raise
                pairs, reason, notes = [], f"{type(exc).__name__}: {exc}", []
            where = f"{case.id} ({case.source}{':' + str(case.line) if case.line else ''})"
            report.notes.extend(f"{where}: {n}" for n in notes)
            if reason:
                report.skipped.append(f"{where}: {reason}")
            if not pairs:
                continue
            report.clips_with_pairs += 1
            severity = pairs[0]["meta"]["conflict_severity"] if pairs[0]["meta"]["conflict"] else -1.0
            if pairs[0]["meta"]["conflict"]:
                report.conflict_clips += 1
            per_case.append((severity, index, pairs))
        if self._sampler_note:
            report.notes.insert(0, self._sampler_note)
        if self.settings.prioritize_conflicts:
            per_case.sort(key=lambda item: (-item[0], item[1]))
        for severity, _, pairs in per_case:
            copies = self.settings.conflict_oversample if severity >= 0 else 1
            for copy in range(copies):
                for pair in pairs:
                    report.pairs.append(pair if copy == 0 else {**pair, "meta": {**pair["meta"], "copy": copy}})
        return report


def build_pairs(cases: Sequence[Case], settings: PairSettings | None = None, registry=None) -> PairReport:
    """CA-DPO pairs for `cases` (see the module docstring)."""
    return PairBuilder(settings, registry).build(cases)
