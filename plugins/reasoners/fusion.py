"""The evidence-fusion reasoner: deterministic, no model, and explicit about what it weighed.

It is the offline default. It combines each modality's cue by confidence-weighted valence and
arousal, names every conflict and reads face-versus-words conflicts as sarcasm or masking (the
words carry the message, the face its delivery), and answers any critique from the checks.
Which emotion the cues name, and how far a weak lean leans, are the rules of `fusion_naming`; the answer's
reasoning text, evidence fields and citations are worded in `fusion_text`. Where the whole clip
holds several voices (`saber_agent.voices_heard`), no conflict is read as one person's sarcasm, irony or masking, and
the answer says the emotion mixes speakers (`Analysis.voices_heard`, `Analysis.notes`).
"""

from __future__ import annotations

from saber_agent import hookimpl
from saber_agent.checking import against_neutral, evidence_text, reported, runners_up, voice_probabilities
from saber_agent.cues import (
    CLEAR_LEAN,
    MIN_CONFIDENCE,
    MIN_LEANING,
    basic_of,
    emotion_sign,
    leans_clearly,
    merge_cues,
    reads_as_irony,
)
from saber_agent.evidence import Analysis, ModalityCue
from saber_agent.media import Clip
from saber_agent.plugins.reasoners.fusion_confidence import answer_confidence
from saber_agent.plugins.reasoners.fusion_naming import (  # noqa: F401  (re-exported: the naming rules moved there)
    AROUSAL_MARGIN,
    BASIC,
    FINDING,
    HOSTILE,
    IRONY_LABELS,
    MODALITY_WEIGHT,
    OPEN_LABEL,
    RENAME_LEAD,
    SARCASM_LABELS,
    SURE,
    WEAK_CONCLUSION,
    WEAK_LEAN,
    WORDS_FINDING,
    against_still,
    agreeing,
    agreeing_modalities,
    backed,
    contradicts,
    emotion_of,
    founded,
    hostile_class,
    leads,
    lean_free,
    lean_reading,
    renames,
    siding,
    silent,
    still_cover,
    vote,
    weak_lean,
)
from saber_agent.plugins.reasoners.fusion_text import (  # noqa: F401  (re-exported: the answer's wording moved there)
    cite,
    first_sentence,
    reasoning_text,
    slots_text,
    still_text,
)
from saber_agent.reasoning import Reasoner, ReasoningRequest
from saber_agent.registry import get_registry
from saber_agent.reperception import evidence_gaps
from saber_agent.voices_heard import mixed_speakers_note, whole_clip_voices

# A smile over words or a voice of these emotions is masking, not sarcasm (`masks`): the open-vocabulary reading.
MASKED = {"sadness": ("bittersweet", "masking sadness"), "fear": ("uneasy", "masking fear")}


def masks(negative: ModalityCue, cues: dict[str, ModalityCue]) -> bool:
    """A smile against `negative` (the words or the voice) reads as masking, not sarcasm: `negative` names sadness
    or fear and neither the words nor the voice reads hostile (anger or disgust, leaning negative by at least
    `MIN_LEANING`, confidence `MIN_CONFIDENCE` or more). A negative reading that names no emotion stays sarcasm."""
    hostile = any(c.emotion in HOSTILE and c.valence <= -MIN_LEANING and c.confidence >= MIN_CONFIDENCE
                  for m, c in cues.items() if m in ("words", "voice"))
    return negative.emotion in MASKED and not hostile


def as_basic(cue: ModalityCue) -> ModalityCue:
    """`cue` with its emotion word read as the basic class it stands for (`cues.basic_of`, the vocabulary the checks
    read cues with: "hostile" -> anger, "worried" -> fear, "calm" -> neutral); a word that names no class ("tense",
    "agitated") stays as written, and no rule reads it."""
    basic = basic_of(cue.emotion)
    return cue if not basic or basic == cue.emotion else cue.model_copy(update={"emotion": basic})



class FusionReasoner(Reasoner):
    name = "fusion"
    model = None

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        evidence = request.evidence
        shown = merge_cues(request.cues)  # as the tools wrote them, for the reasoning's wording
        cues = {m: as_basic(c) for m, c in shown.items()}  # what the rules read: "hostile" is anger, as in the checks
        weighed: list[str] = []
        if still_against := against_still(cues):
            # a still picture under a voice (face_live) against what the voice or words read: the picture's expression,
            # not the speaker's; it names nothing and is not weighed (trial H: a photo's smile over an angry voice)
            cues = {m: c for m, c in cues.items() if m != "face"}
            weighed.append(f"face: a still picture under a voice ({shown['face'].emotion}, confidence "
                           f"{shown['face'].confidence:.2f}), not weighed: not the speaker's expression")
        total = v_sum = a_sum = 0.0
        for modality, cue in sorted(cues.items()):
            weight = MODALITY_WEIGHT.get(modality, 0.3) * cue.confidence
            if silent(modality, cue) and len(cues) > 1:
                # words without a single emotional word: an absence of evidence, which would only pull the
                # other modalities' valence towards zero; it neither votes (see `vote`) nor weighs
                weighed.append(f"{modality}: no emotional word (confidence {cue.confidence:.2f}), not weighed")
                continue
            weighed.append(
                f"{modality}: valence {cue.valence:+.2f}, arousal {cue.arousal:.2f}"
                + (f" ({shown[modality].emotion})" if cue.emotion else "") + f", weight {weight:.2f}"
            )
            total += weight
            v_sum += weight * cue.valence
            a_sum += weight * cue.arousal
        valence = v_sum / total if total else 0.0
        arousal = a_sum / total if total else 0.5
        weighed_at = (valence, arousal)  # what the weights give; a rule below may conclude otherwise, and says why
        moved: list[str] = []  # why the conclusion's valence or arousal is not the weighed one, a clause each
        probs = voice_probabilities(request) if "voice" in cues else None  # a reading without its cue is none
        label, basic, lean_note = lean_reading(cues, valence, arousal, bool(request.conflicts), probs)
        emotions = [label] if cues else ["undetermined"]  # no estimate at all is not a finding of calm
        explanation = None
        voices = whole_clip_voices(request, clip)  # distinct voices over the whole clip, None where not counted

        if request.conflicts:
            readings = []
            decided = False  # whether a reading of a conflict (irony, masking, sarcasm) named the emotion
            opposed = False  # whether a modality's sentences take opposite strong polarity (no single emotion there)
            for conflict in request.conflicts:
                a, b = conflict.modalities
                ca, cb = cues.get(a), cues.get(b)
                readings.append(conflict.description)
                if voices and voices > 1 and {a, b} & {"words", "voice"}:
                    # several voices: the words and the voice are several people's (the face perhaps a listener's),
                    # so a disagreement is people differing, not one person's double meaning; no reading names the
                    # emotion (trial B: two people disagreeing, read "sarcastic, contemptuous")
                    readings.append(
                        f"{voices} voices are heard in the clip, so " + (
                            f"the {a} may hold several people's words: their mixed polarity is read as mixed, not as "
                            "one speaker's double meaning." if a == b else
                            f"the {a} and the {b} may be different people's: their disagreement is read as speakers "
                            "differing, not as one person's double meaning or masking."))
                    opposed = opposed or a == b  # several people's mixed words name no single emotion either
                    continue
                if a == b and not reads_as_irony(conflict.description):
                    # sentences of opposite strong polarity (plugins/sentiment_mixed.py): mixed feelings or several
                    # speakers, no irony and no single emotion; the conclusion sides with another modality only where
                    # the weighed balance leans clearly (`siding`), else it names the mix
                    readings.append(f"The {a} hold sentences of opposite strong polarity, read as mixed feelings (or "
                                    "several speakers' words), not as irony: they name no single emotion.")
                    opposed = True
                elif a == b:
                    # mixed polarity inside one modality: praise of a bad event reads as irony, not as joy
                    readings.append(f"The {a} are read as possible irony: the negative event weighs more than the praise.")
                    if valence > -0.2:
                        moved.append(f"irony (the {a} read as irony lean negative: valence at most -0.20)")
                    valence = min(valence, -0.2)
                    decided = True
                    basic = "anger" if arousal > 0.5 else "disgust"
                    emotions = list(IRONY_LABELS[basic])
                elif ca and cb and "face" in (a, b) and {a, b} & {"words", "voice"}:
                    positive, negative = (ca, cb) if ca.valence > cb.valence else (cb, ca)
                    words = cues.get("words")
                    # a weak voice reading against a smile the words agree with is outvoted, not sarcasm
                    outvoted = negative.confidence < SURE or (
                        negative.modality == "voice" and words is not None and words.valence > 0.15
                    )
                    if positive.modality == "face" and outvoted:
                        readings.append(
                            f"The {negative.modality}'s negative reading (confidence {negative.confidence:.2f}) is "
                            "outweighed by the face" + (" and the words" if words is not None and words.valence > 0.15
                                                        else "") + ", so its disagreements are not read as sarcasm "
                            "or masking: the conclusion follows the weighted evidence."
                        )
                    elif positive.modality == "face" and masks(negative, cues):
                        # a smile over sad (or afraid) words or voice, nothing hostile: masking, not sarcasm; the
                        # valence stays the weighed one, and the emotion is the one the smile covers unless the
                        # smile clearly outweighs it
                        felt, whose = negative.emotion, "the words'" if negative.modality == "words" else "the voice's"
                        # "smile" only where the evidence reports one (the grounding check's rule): a positive face
                        # that reads surprise is no smile
                        smile = "smile" if reported("smile", evidence_text(request)) else "positive face"
                        decided = True
                        if valence > CLEAR_LEAN:
                            # the face's own class where it reads one of no sign (a positive face that reads
                            # surprise is no happy one), else the happiness its lean stands for
                            basic = "surprise" if positive.emotion == "surprise" else "happiness"
                            emotions = [OPEN_LABEL[basic], MASKED[felt][0]]
                            side = f"the face, which clearly outweighs {whose} {felt}"
                        else:
                            emotions, basic = list(MASKED[felt]), felt
                            side = (f"the {negative.modality} for the emotion, the {felt} the {smile} covers; the "
                                    f"valence stays the weighed balance of the {smile} and the " + negative.modality)
                        readings.append(
                            f"Nothing in the words or the voice is hostile (anger or disgust), so the {smile} over "
                            f"{whose} {felt} is read as masking or mixed feelings, not sarcasm: the "
                            f"conclusion sides with {side}."
                        )
                    elif positive.modality == "face":
                        # a smile over hostile words: the words carry the message, the smile its delivery
                        if valence > negative.valence * 0.6 or arousal < negative.arousal:
                            own = "the words'" if negative.modality == "words" else "the voice's"
                            moved.append(f"sarcasm (the {negative.modality} {'carry' if negative.modality == 'words' else 'carries'} "
                                         f"the message and the face its delivery: valence at most 0.6 of {own} "
                                         f"{negative.valence:+.2f}, arousal at least {own} {negative.arousal:.2f})")
                        valence = min(valence, negative.valence * 0.6)
                        arousal = max(arousal, negative.arousal)
                        basic = hostile_class(negative, cues, arousal)
                        emotions = list(SARCASM_LABELS[basic])
                        decided = True
            if decided:
                lean_note = ""  # a reading of the conflict named the emotion, not the lean
            elif side := siding(cues, valence):
                lean_note = ""
                # no reading named the emotion: the conclusion leans clearly one way, so it names what the most
                # confident modality on that side reads (an angry face over grudging words is anger, not the
                # "sad" of a negative valence at low arousal); emotion_of only where no modality there names one
                basic = side.emotion
                emotions = [OPEN_LABEL[basic]]
                readings.append(f"The conclusion sides with the {side.modality}, which reads {basic} "
                                f"(confidence {side.confidence:.2f}).")
            elif opposed:
                emotions = ["mixed feelings", "uncertain"]  # no single emotion: the lean's class is stated as no finding
            explanation = (
                " ".join(readings)
                + f" Resolved by weighing every modality by its confidence; the conclusion leans "
                f"{'negative' if valence <= -WEAK_LEAN else 'positive' if valence >= WEAK_LEAN else 'nowhere'} "
                f"(valence {valence:+.2f})."
            )
        else:
            named, certainty = vote(cues, valence, probs)
            if named:
                lean_note = ""  # a cue names the emotion, not the lean
                basic = named
                label = OPEN_LABEL.get(named, named)
                # sure where it rests on a finding no other finding disputes (`founded`: sad words at 0.63 beside a
                # weak voice), or a finding names it and it holds the vote (certainty); an emotion only weak estimates
                # name (a default voice reading, at most 0.35) is no finding however alone it is. Neutral keeps the
                # vote's rule alone: a calm voice tells low arousal, what the voice reads best, and "neutral,
                # uncertain" is scored as no finding at all (`eval.answers.no_finding`), a weak lean off it as a reading
                basis = founded(cues, named) if named != "neutral" else None
                sure = basis is not None or (certainty >= SURE and (named == "neutral" or backed(cues, named)))
                emotions = [label] if sure else [label, "uncertain"]
                if abs(valence) < 0.15 and (named != "neutral" or certainty < SURE):
                    # the cues name an emotion but barely lean: the conclusion leans weakly, the way the weighed
                    # evidence leans (a voice reading's valence weighs every emotion it found, not only its top
                    # one), or as the named emotion does where the evidence leans nowhere, just past the neutral
                    # band, and says it is uncertain (issue 17: a weak lean is said with low confidence; "neutral"
                    # is a finding, not the fallback for unsure). Capping it at the cues' own valence instead (a
                    # trial's neutral voice at +0.07 read "+0.20 positive") labelled 26 of EmoFilm dev's 114 clips'
                    # valence neutral, balanced valence 0.64 -> 0.48; the "uncertain" says what the number cannot.
                    lean = valence if abs(valence) >= WEAK_LEAN else emotion_sign(named)
                    if lean:
                        valence = weak_lean(named) * (1 if lean > 0 else -1)
                        moved.append(
                            f"a weak lean (the cues name {named} but the weighed balance barely leans, so the conclusion "
                            f"leans {'positive' if lean > 0 else 'negative'}, "
                            + ("as the balance does" if abs(weighed_at[0]) >= WEAK_LEAN else f"as {named} does")
                            + f", by {named}'s weak lean, short of a clear lean)")
                        values = [c.valence for c in cues.values()]
                        if "uncertain" not in emotions and not (basis and min(values) <= valence <= max(values)):
                            emotions.append("uncertain")  # a founded label keeps its word where the lean stays in its cues
                    if emotion_sign(named) and abs(valence) < 0.15 and "uncertain" not in emotions:
                        emotions.append("uncertain")  # an emotion of a sign at a valence that reads neutral is no finding
                # the named emotion agrees with the conclusion's valence sign (see `agreeing`)
                if (renamed := agreeing(named, valence, cues, probs)) != named:
                    basic, label = renamed, OPEN_LABEL.get(renamed, renamed)
                    emotions = [label, "uncertain"] if "uncertain" in emotions else [label]
                if contradicts(basic, valence) and "uncertain" not in emotions:
                    emotions.append("uncertain")  # a weak lean against the named emotion's sign is no finding
            elif emotion_sign(basic) and not any(c.confidence >= FINDING and c.valence * emotion_sign(basic) >= MIN_LEANING
                                                 for c in cues.values()) and "uncertain" not in emotions:
                emotions.append("uncertain")  # no cue names it and only weak estimates lean its way: a lean, no finding
            against = against_neutral(cues, runners_up(probs) if "voice" in cues else set())
            if basic != "neutral" and not leans_clearly(valence) and against and not founded(cues, basic):
                # neutral is ruled out by a confident clear lean (the emotion_backing check's rule), but the weighed
                # balance does not follow it clearly: the evidence leans and cannot decide, so the emotion named is no
                # finding (issue 17: "neutral" is a finding, not the fallback for unsure; neither is this emotion),
                # unless a finding no other finding disputes names it (`founded`): weak or signless cues pulled it short
                if "uncertain" not in emotions:
                    emotions.append("uncertain")
                if not lean_note and any(c.emotion == "neutral" for c in cues.values()):
                    lean_note = ("Neutral is ruled out: " + "; ".join(
                        f"the {c.modality} {'lean' if c.modality == 'words' else 'leans'} clearly (valence {c.valence:+.2f}, "
                        f"confidence {c.confidence:.2f})" for c in against)
                        + ", which a modality reading neutral does not outweigh (neutral is a finding, not the fallback "
                        "for unsure).")

        cited = cite(request, cues)
        visual = slots_text(evidence, ("video_desc", "facial_exp_desc", "body_lang_desc"))
        acoustic = slots_text(evidence, ("speech_content", "acoustic_feat"))
        if lean_note and "uncertain" not in emotions:
            # the lean named the emotion from weak estimates or with low confidence (`lean_reading`): no finding, and the
            # labels say so, as every other hedged conclusion's do (a summary of many answers reads the labels)
            emotions.append("uncertain")
        hedged = bool(lean_note) or "uncertain" in emotions  # the conclusion is no finding: nothing "agrees" with it
        reasoning = reasoning_text(request, {m: c for m, c in shown.items() if m in cues}, valence, arousal, emotions,
                                   explanation, basic, weighed_at=weighed_at, moved=moved, hedged=hedged)
        if still_against:
            reasoning += " " + still_text(shown["face"], still_against)
        if lean_note:  # the lean named the emotion (no reading of a conflict, no cue did): say how
            reasoning += " " + lean_note
        if note := mixed_speakers_note(voices or 0):  # first, where no reader misses it
            reasoning = note + (" The conflicts between modalities are therefore not read as one person's sarcasm, "
                                "irony or masking. " if request.conflicts else " ") + reasoning
        return Analysis(
            visual_evidence=visual,
            acoustic_evidence=acoustic,
            reasoning=reasoning,
            emotions=emotions,
            basic_emotion=basic,
            valence=round(max(-1.0, min(1.0, valence)), 3),
            arousal=round(max(0.0, min(1.0, arousal)), 3),
            confidence=answer_confidence(cues, basic),  # the stated probability that `basic` is right
            cues_cited=cited,
            conflict_explanation=explanation,
            weighed=(weighed + ([f"conclusion: valence {valence:+.2f}, arousal {arousal:.2f}, not the weighed "
                                 f"{weighed_at[0]:+.2f}, {weighed_at[1]:.2f}: " + "; ".join(moved)] if moved and cues else [])
                     or ["no modality gave an emotion estimate; the conclusion defaults to neutral"]),
            perception_requests=evidence_gaps(request, get_registry().tools, clip),  # by rule: a second look where evidence is thin
            # the flag only: a count of one would differ between a run that decoded the clip and a rerun over cached
            # perception, which has no clip to count in (the evidence cache's reruns must answer the same)
            voices_heard=voices if voices and voices > 1 else None,
            notes=[note] if note else [],
        )


def undetermined_answer(request: ReasoningRequest, clip: Clip | None, model: object) -> Analysis | None:
    """The answer of a reasoner that asks a model from the evidence text alone, when no modality gave an emotion
    estimate (no cue: music with no face, silence, an empty scene); None when there is a cue to weigh. A model's
    answer would read as a finding there (the 1.5B concluded "neutral, arousal 0.00" on music only), so the model
    is not asked: the conclusion is fusion's "undetermined" (basic neutral, valence 0, arousal 0.50, with its
    second looks at thin evidence), its `weighed` line naming `model` as not asked. A reasoner that perceives the
    raw media itself (`omni`) has evidence of its own and does not use this."""
    if request.cues:
        return None
    analysis = FusionReasoner().reason(request, clip)
    analysis.weighed = [f"no modality gave an emotion estimate, so {model} was not asked: the emotion is undetermined"]
    return analysis


@hookimpl
def register_reasoners(register):
    register("fusion", FusionReasoner, "Deterministic evidence fusion; no model; the offline default.")
