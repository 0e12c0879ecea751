"""Consistency checks: agreement across modalities, grounding, unimodal dominance, label/evidence fit."""

from __future__ import annotations

from saber_agent import hookimpl
from saber_agent.checking import ConsistencyCheck, content_words, evidence_text, modalities_in, modalities_used
from saber_agent.cues import conflict_name, merge_cues, within_modality
from saber_agent.evidence import Analysis, CheckOutcome
from saber_agent.reasoning import ReasoningRequest
from saber_agent.vocab import OBSERVABLE_CUES


class CrossModalAgreement(ConsistencyCheck):
    name = "cross_modal_agreement"
    description = "Face, voice and words agree, or each conflict between them is named in the analysis."

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        if not request.conflicts:
            n = len(merge_cues(request.cues))
            return self.outcome(True, f"{n} modality estimate(s), no conflict", conflicts=[])
        explanation = (analysis.conflict_explanation or "").lower()
        unnamed = [c for c in request.conflicts if not self._addressed(c, explanation)]
        pairs = [conflict_name(c) for c in request.conflicts]
        if unnamed:
            missing = "; ".join(conflict_name(c) for c in unnamed)
            return self.outcome(False, f"the conflict(s) {missing} are not named in the conflict explanation", conflicts=pairs)
        return self.outcome(True, f"conflict(s) {', '.join(pairs)} named", conflicts=pairs)


    @staticmethod
    def _addressed(conflict, explanation: str) -> bool:
        if not all(m in explanation for m in conflict.modalities):
            return False
        # mixed polarity inside one modality: the explanation must say how it reads it (irony or not)
        return not within_modality(conflict) or any(w in explanation for w in IRONY_WORDS)


IRONY_WORDS = ("iron", "sarcas", "mixed", "ambivalen", "mock")


class Grounding(ConsistencyCheck):
    name = "grounding"
    description = "Every cue the analysis cites, and every observable cue it mentions, exists in the evidence."

    min_overlap = 0.5

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        source = evidence_text(request)
        source_words = content_words(source)
        ungrounded = []
        for modality, cues in analysis.cues_cited.items():
            for cue in cues:
                words = content_words(cue)
                if words and len(words & source_words) / len(words) < self.min_overlap:
                    ungrounded.append(f"{modality}: {cue!r}")
        claimed = f"{analysis.reasoning} {analysis.visual_evidence} {analysis.acoustic_evidence}".lower()
        invented = [
            cue for cue, stems in OBSERVABLE_CUES.items()
            if cue in claimed and not any(stem in source for stem in stems)
        ]
        if ungrounded or invented:
            parts = []
            if ungrounded:
                parts.append("cited cues not found in the evidence: " + "; ".join(ungrounded[:5]))
            if invented:
                parts.append("mentions cues the evidence never reports: " + ", ".join(invented))
            return self.outcome(False, "; ".join(parts), ungrounded=ungrounded, invented=invented)
        return self.outcome(True, "every cited cue is found in the evidence")


class UnimodalDominance(ConsistencyCheck):
    name = "unimodal_dominance"
    description = "With two or more modalities available, the analysis uses at least two of them."

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        available = modalities_in(request)
        if len(available) < 2:
            return self.outcome(True, f"only {len(available)} modality available", available=sorted(available))
        used = modalities_used(analysis) & available
        if len(used) < 2:
            return self.outcome(
                False,
                f"the analysis relies on {', '.join(sorted(used)) or 'no modality'} although "
                f"{', '.join(sorted(available))} are available; weigh them all",
                available=sorted(available), used=sorted(used),
            )
        return self.outcome(True, f"uses {', '.join(sorted(used))}", available=sorted(available), used=sorted(used))


class LabelEvidenceAgreement(ConsistencyCheck):
    name = "label_evidence_agreement"
    description = "The conclusion's valence fits the evidence, unless a conflict explains the difference."

    max_gap = 0.6
    # how far beyond every modality's own valence an explained conflict may still take the conclusion
    side_margin = 0.35

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        cues = merge_cues(request.cues)
        weight = sum(c.confidence for c in cues.values())
        if not weight:
            return self.outcome(True, "no cue to compare with")
        evidence_valence = sum(c.valence * c.confidence for c in cues.values()) / weight
        gap = abs(analysis.valence - evidence_valence)
        opposite = analysis.valence * evidence_valence < 0
        details = {"evidence_valence": round(evidence_valence, 3), "analysis_valence": analysis.valence}
        if not (opposite and gap > self.max_gap):
            return self.outcome(True, "the conclusion fits the evidence", **details)
        if not (request.conflicts and analysis.conflict_explanation):
            return self.outcome(
                False,
                f"the conclusion's valence {analysis.valence:+.2f} contradicts the evidence's {evidence_valence:+.2f} "
                "and no conflict explains it",
                **details,
            )
        # an explained conflict lets the conclusion side with one modality (or read a mixed one as irony, which
        # reverses it), not go past all of them: a conflict is no licence for any valence
        sides = [c.valence for c in cues.values()] + [-c.valence for c in cues.values() if c.mixed]
        low, high = min(sides) - self.side_margin, max(sides) + self.side_margin
        if not low <= analysis.valence <= high:
            return self.outcome(
                False,
                f"the conclusion's valence {analysis.valence:+.2f} goes beyond every modality's own "
                f"({min(sides):+.2f} to {max(sides):+.2f}); a conflict explains siding with one, not going past all",
                **details, modality_range=[round(min(sides), 3), round(max(sides), 3)],
            )
        return self.outcome(True, "the conclusion sides with one modality of an explained conflict", **details)


@hookimpl
def register_checks(register):
    for check in (CrossModalAgreement(), Grounding(), UnimodalDominance(), LabelEvidenceAgreement()):
        register(check)
