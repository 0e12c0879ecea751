"""Consistency checks: agreement across modalities, grounding, unimodal dominance, label/evidence fit, emotion backing."""

from __future__ import annotations

from saber_agent import hookimpl
from saber_agent.checking import (
    ConsistencyCheck,
    against_neutral,
    content_words,
    evidence_text,
    modalities_in,
    modalities_used,
    reported,
    voice_runners_up,
)
from saber_agent.cues import (
    CLEAR_LEAN,
    MIN_CONFIDENCE,
    MIN_LEANING,
    basic_readings,
    conflict_name,
    emotion_sign,
    merge_cues,
    reads_as_irony,
    within_modality,
)
from saber_agent.evidence import Analysis, CheckOutcome, Conflict, ModalityCue
from saber_agent.reasoning import ReasoningRequest
from saber_agent.vocab import OBSERVABLE_CUES, tokenize


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
        # mixed polarity inside one modality: the explanation must say how it reads it, as irony or not
        return not within_modality(conflict) or any(reads_mixed(w) for w in tokenize(explanation))


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
        invented = [cue for cue in OBSERVABLE_CUES if cue in claimed and not reported(cue, source)]
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
            scene = " (scene context is not one)" if "video_desc" in request.evidence.available() else ""
            found = f"only {next(iter(available))}" if available else "no modality"
            return self.outcome(True, f"{found} available{scene}", available=sorted(available))
        used = modalities_used(analysis) & available
        if len(used) < 2:
            return self.outcome(
                False,
                f"the analysis relies on {', '.join(sorted(used)) or 'no modality'} although "
                f"{', '.join(sorted(available))} are available; weigh them all",
                available=sorted(available), used=sorted(used),
            )
        # what gave an estimate is used; a modality only cited (a transcript whose words gave none) is said apart
        weighed = sorted(used & {c.modality for c in request.cues})
        cited = sorted(used - set(weighed))
        said = "; ".join(x for x in (f"uses {', '.join(weighed)}" if weighed else "",
                                     f"cites {', '.join(cited)}, which gave no estimate" if cited else "") if x)
        return self.outcome(True, said, available=sorted(available), used=sorted(used))


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


# Sarcasm and irony say the opposite of what is meant, to mock: what they express is contempt or annoyance, so a
# conflict read as either backs these classes ("sarcastic", "contemptuous" and "annoyed" are anger words in
# vocab.BASIC_SYNONYMS, "contempt" is disgust in vocab.LABEL_ALIASES), not sadness or fear.
IRONY_EMOTIONS = frozenset({"anger", "disgust"})
# The one irony word list. Stems of a reading that commits to sarcasm or irony (English, Chinese 讽刺 / 反讽 / 嘲讽 /
# 嘲笑): these back anger or disgust over a cross-modal conflict (`EmotionBacking._read_as_irony`). An English
# stem must start the word ("environment" holds "iron", "hammock" "mock"); a Chinese one may sit anywhere in
# its run (`vocab.tokenize` does not segment Chinese). `plugins.irony` detects irony in the speech and reads no
# explanation: it has no list of these words.
COMMITTED_IRONY = ("iron", "sarcas", "mock", "contempt", "scorn", "sneer", "讽", "嘲")
# Readings of a mixed modality that commit to no irony ("mixed feelings", "ambivalent"): with the committed ones,
# the words that say how an explanation reads mixed polarity (`reads_mixed`); they back no anger.
UNCOMMITTED_READINGS = ("mixed", "ambivalen")


def commits_to_irony(word: str) -> bool:
    """Whether a token (`vocab.tokenize`) is a word of sarcasm or irony: "ironic", "mocking", "反讽"."""
    return any(word.startswith(stem) if stem.isascii() else stem in word for stem in COMMITTED_IRONY)


def reads_mixed(word: str) -> bool:
    """Whether a token says how an explanation reads a mixed modality: as irony (`commits_to_irony`) or as
    mixed feelings ("mixed", "ambivalent")."""
    return commits_to_irony(word) or word.startswith(UNCOMMITTED_READINGS)


def own_words(text: str, conflicts: list[Conflict]) -> set[str]:
    """The words of `text` the reasoner wrote itself: every word outside a two-word run copied from a detected
    conflict's description, and outside the conflict names (which the compact answer's grammar writes for it).
    A copied "suggests sarcasm, irony or masking" offers readings; it commits to none."""
    lowered = (text or "").lower()
    for conflict in conflicts:
        lowered = lowered.replace(conflict_name(conflict).lower(), " ")
    tokens = tokenize(lowered)
    copied_pairs = set()
    for conflict in conflicts:
        source = tokenize(conflict.description)
        copied_pairs |= set(zip(source, source[1:], strict=False))
    copied = set()
    for i, pair in enumerate(zip(tokens, tokens[1:], strict=False)):
        if pair in copied_pairs:
            copied |= {i, i + 1}
    return {t for i, t in enumerate(tokens) if i not in copied}


class EmotionBacking(ConsistencyCheck):
    """The emotion the analysis names is backed by the evidence: some modality reads it, or leans its way without
    naming an emotion of its own, or a detected conflict the analysis names explains it (sarcasm or irony: anger,
    disgust; opposite leans that cancel: neutral). Label/evidence agreement compares valences; this compares the
    emotion class, which can be wrong at a fitting valence (a smile over sad words read as anger)."""

    name = "emotion_backing"
    description = "The emotion named is one a modality reads or leans toward, or a named conflict explains it."

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        if not request.cues:
            return self.outcome(True, "not applicable: no modality gave an emotion estimate", applicable=False)
        emotion = analysis.basic_emotion
        cues = merge_cues(request.cues)
        readings = {m: sorted(basic_readings(c.emotion)) for m, c in cues.items()}
        details = {"emotion": emotion, "readings": readings, "applicable": True}
        naming = sorted({c.modality for c in request.cues if emotion in basic_readings(c.emotion)}
                        | ({"voice"} if "voice" in cues and emotion in voice_runners_up(request) else set()))
        leaning = {m: c for m, c in cues.items() if c.confidence >= MIN_CONFIDENCE and abs(c.valence) >= MIN_LEANING}
        named_conflicts = self._named_conflicts(request, analysis)
        sign = emotion_sign(emotion)
        if emotion == "neutral":
            # neutral is a finding, not the fallback for unsure: a modality reading neutral backs it only where no
            # confident modality leans clearly to another emotion (`checking.against_neutral`, the fusion's rule too;
            # "leans clearly" is `cues.leans_clearly`: "It was okay I guess.", +0.23, does not rule neutral out)
            against = against_neutral(cues, voice_runners_up(request) if "voice" in cues else set())
            details["against"] = [c.modality for c in against]
            if not against:
                said = f"{' and '.join(naming)} read(s) neutral" if naming else "no confident modality leans clearly"
                return self.outcome(True, said, backed_by=naming, **details)
            if named_conflicts:
                return self.outcome(True, f"neutral as the balance of the named conflict ({named_conflicts[0]})", **details)
            return self.outcome(False, self._critique(emotion, cues, leaning, request, against), **details)
        if naming:
            return self.outcome(True, f"{' and '.join(naming)} read(s) {emotion}", backed_by=naming, **details)
        if sign:
            # a modality that leans this way but names no emotion (or none of the seven classes: "tense",
            # "agitated"), or names one of the other sign (a reading torn between emotions, whose valence weighs
            # them all), backs any emotion of that sign, where the analysis says it weighed that modality
            used = modalities_used(analysis)
            unnamed = [m for m, c in leaning.items() if c.valence * sign > 0 and self._lean_free(c) and m in used]
            if unnamed:
                return self.outcome(True, f"{emotion} fits the {' and '.join(unnamed)}' {'positive' if sign > 0 else 'negative'} "
                                    "lean (no emotion named there)", backed_by=unnamed, **details)
        if emotion in IRONY_EMOTIONS:
            ironic = self._read_as_irony(request, analysis)
            if ironic:
                return self.outcome(True, f"{emotion} from the named conflict {ironic}, read as sarcasm or irony", **details)
        return self.outcome(False, self._critique(emotion, cues, leaning, request), **details)

    @staticmethod
    def _lean_free(cue: ModalityCue) -> bool:
        """Whether the cue's lean says more than its name: it names no basic emotion, or only ones of the other sign."""
        return all(emotion_sign(b) * cue.valence < 0 for b in basic_readings(cue.emotion))

    @staticmethod
    def _named_conflicts(request: ReasoningRequest, analysis: Analysis) -> list[str]:
        explanation = (analysis.conflict_explanation or "").lower()
        return [conflict_name(c) for c in request.conflicts if CrossModalAgreement._addressed(c, explanation)]

    @staticmethod
    def _read_as_irony(request: ReasoningRequest, analysis: Analysis) -> str | None:
        """The name of a detected conflict the analysis names and reads as irony: a mixed modality (the detection
        itself is of possible irony), or two modalities where the analysis commits to sarcasm or irony in its own
        words (its conflict explanation or its open-vocabulary labels), not in words copied from the detection."""
        explanation = (analysis.conflict_explanation or "").lower()
        named = [c for c in request.conflicts if CrossModalAgreement._addressed(c, explanation)]
        for conflict in named:
            if within_modality(conflict) and reads_as_irony(conflict.description):  # not opposite sentences
                return conflict_name(conflict)
        words = own_words(explanation, request.conflicts) | {w for e in analysis.emotions for w in tokenize(e)}
        if named and any(commits_to_irony(w) for w in words):
            return conflict_name(named[0])
        return None

    @staticmethod
    def _critique(emotion: str, cues: dict[str, ModalityCue], leaning: dict[str, ModalityCue], request,
                  against: list[ModalityCue] | None = None) -> str:
        """What the evidence reads, and what would back the answer: sent back to the reasoner. For a neutral answer
        ruled out by confident clear leans (`against`, `checking.against_neutral`), which modalities rule it out and how
        confidently, and no neutral among the options."""
        def reading(m: str, c: ModalityCue) -> str:
            what = c.emotion or "no emotion"
            return f"{m} {'read' if m == 'words' else 'reads'} {what} (valence {c.valence:+.2f})"

        said = "; ".join(reading(m, c) for m, c in sorted(cues.items()))
        named = sorted(({b for c in cues.values() for b in basic_readings(c.emotion)}
                        | (voice_runners_up(request) if "voice" in cues else set())) - ({"neutral"} if against else set()))
        options = [f"an emotion a modality reads ({', '.join(named)})"] if named else []
        lean_free = [m for m, c in sorted(leaning.items()) if EmotionBacking._lean_free(c)]
        if lean_free:
            options.append("one of the sign " + ", ".join(
                f"the {m} leans ({'positive' if leaning[m].valence > 0 else 'negative'})" for m in lean_free))
        # no "or read the face vs words conflict as sarcasm": the structured reasoners answer this critique with only
        # `backed_emotions(request)` open (a conflict named by its label, read as nothing more), which backs anger or
        # disgust through a mixed modality, never a cross-modal one; sarcasm must be the model's own words, which no
        # grammar can require honestly (one that wrote them would commit the model to nothing)
        if emotion == "neutral" and request.conflicts:
            options.append(f"name the {' / '.join(conflict_name(c) for c in request.conflicts)} conflict whose sides cancel")
        if against:  # neutral ruled out by confident clear leans
            confident = "; ".join(f"the {c.modality} {'read' if c.modality == 'words' else 'reads'} {c.emotion or 'no emotion'} "
                                  f"at valence {c.valence:+.2f}, confidence {c.confidence:.2f}" for c in against)
            return (f"the analysis names neutral, but neutral is a finding, not the fallback for unsure, and a confident "
                    f"modality (confidence {MIN_CONFIDENCE} or more, no neutral reading of its own) leans clearly "
                    f"(|valence| > {CLEAR_LEAN}) to another emotion: {confident} (all: {said}); name "
                    + ", or ".join(options or ["what a modality reads"])
                    + "; where the evidence cannot decide, name the emotion it leans to and say you are uncertain")
        why = "no modality reads it or leans its way without naming another emotion, and no named conflict explains it"
        return f"the analysis names {emotion}, but {why}: {said}; name " + ", or ".join(options or ["what a modality reads"])


def backed_emotions(request: ReasoningRequest, analysis: Analysis | None = None) -> list[str]:
    """The basic emotions `EmotionBacking` passes for this request (in `BASIC_EMOTIONS` order): each tried as the
    analysis's `basic_emotion`, the rest of `analysis` as given, so the rule stays the check's own. Without an
    analysis, the answer a grammar can guarantee (`compact_answer.lean_schema` in a round after this check failed):
    one cue cited from every modality with evidence, each detected conflict named by its label and read as nothing
    more; so anger or disgust count through irony only for a mixed modality, never for a copied cross-modal hedge."""
    from saber_agent.evidence import BASIC_EMOTIONS

    if analysis is None:
        explanation = "; ".join(f"{conflict_name(c)}: " for c in request.conflicts) or None
        analysis = Analysis(cues_cited={m: [m] for m in modalities_in(request)}, conflict_explanation=explanation)
    check = EmotionBacking()
    return [e for e in BASIC_EMOTIONS if check.check(request, analysis.model_copy(update={"basic_emotion": e})).passed]


@hookimpl
def register_checks(register):
    for check in (CrossModalAgreement(), Grounding(), UnimodalDominance(), LabelEvidenceAgreement(), EmotionBacking()):
        register(check)
