"""The evidence-fusion reasoner: deterministic, no model, and explicit about what it weighed.

It is the offline default. It combines each modality's cue by confidence-weighted valence and
arousal, names every conflict and reads face-versus-words conflicts as sarcasm or masking (the
words carry the message, the face its delivery), and answers any critique from the checks.
"""

from __future__ import annotations

from saber_agent import hookimpl
from saber_agent.cues import merge_cues
from saber_agent.evidence import SLOT_MODALITY, Analysis, ModalityCue
from saber_agent.media import Clip
from saber_agent.reasoning import Reasoner, ReasoningRequest
from saber_agent.reperception import evidence_gaps

# How much each modality's estimate counts, before its own confidence.
MODALITY_WEIGHT = {"words": 1.0, "face": 1.0, "voice": 0.8, "body": 0.4, "scene": 0.2}
BASIC = {"happiness", "sadness", "anger", "fear", "disgust", "surprise", "neutral"}


def first_sentence(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    for stop in (". ", "。", "! ", "? "):
        if stop in text:
            text = text.split(stop)[0] + stop.strip()
            break
    return text if len(text) <= limit else text[: limit - 1] + "…"


def emotion_of(valence: float, arousal: float) -> tuple[str, str]:
    """(open-vocabulary label, basic class) for a point of the valence/arousal plane."""
    if valence > 0.25:
        return ("excited", "happiness") if arousal > 0.6 else ("content", "happiness")
    if valence < -0.25:
        return ("angry", "anger") if arousal > 0.6 else ("sad", "sadness")
    return ("tense", "neutral") if arousal > 0.7 else ("calm", "neutral")


class FusionReasoner(Reasoner):
    name = "fusion"
    model = None

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        evidence = request.evidence
        cues = merge_cues(request.cues)
        weighed: list[str] = []
        total = v_sum = a_sum = 0.0
        for modality, cue in sorted(cues.items()):
            weight = MODALITY_WEIGHT.get(modality, 0.3) * cue.confidence
            weighed.append(
                f"{modality}: valence {cue.valence:+.2f}, arousal {cue.arousal:.2f}"
                + (f" ({cue.emotion})" if cue.emotion else "") + f", weight {weight:.2f}"
            )
            total += weight
            v_sum += weight * cue.valence
            a_sum += weight * cue.arousal
        valence = v_sum / total if total else 0.0
        arousal = a_sum / total if total else 0.5
        label, basic = emotion_of(valence, arousal)
        emotions = [label]
        explanation = None

        if request.conflicts:
            readings = []
            for conflict in request.conflicts:
                a, b = conflict.modalities
                ca, cb = cues.get(a), cues.get(b)
                readings.append(conflict.description)
                if ca and cb and "face" in (a, b) and {a, b} & {"words", "voice"}:
                    positive, negative = (ca, cb) if ca.valence > cb.valence else (cb, ca)
                    if positive.modality == "face":
                        # a smile over hostile words: the words carry the message, the smile its delivery
                        valence = min(valence, negative.valence * 0.6)
                        arousal = max(arousal, negative.arousal)
                        emotions = ["sarcastic", "contemptuous"]
                        basic = "anger" if arousal > 0.6 else "disgust"
            explanation = (
                " ".join(readings)
                + f" Resolved by weighing every modality by its confidence; the conclusion leans "
                f"{'negative' if valence < 0 else 'positive' if valence > 0 else 'neutral'} (valence {valence:+.2f})."
            )
        else:
            top = max(cues.values(), key=lambda c: c.confidence, default=None)
            if top and top.emotion in BASIC and (top.valence >= 0) == (valence >= 0) and top.confidence >= 0.5:
                basic = top.emotion
                if top.emotion not in emotions:
                    emotions.insert(0, top.emotion)

        cited = self._cite(request, cues)
        visual = self._slots_text(evidence, ("video_desc", "facial_exp_desc", "body_lang_desc"))
        acoustic = self._slots_text(evidence, ("speech_content", "acoustic_feat"))
        reasoning = self._reasoning(request, cues, valence, arousal, emotions, explanation)
        return Analysis(
            visual_evidence=visual,
            acoustic_evidence=acoustic,
            reasoning=reasoning,
            emotions=emotions,
            basic_emotion=basic,
            valence=round(max(-1.0, min(1.0, valence)), 3),
            arousal=round(max(0.0, min(1.0, arousal)), 3),
            cues_cited=cited,
            conflict_explanation=explanation,
            weighed=weighed or ["no modality gave an emotion estimate; the conclusion defaults to neutral"],
            perception_requests=evidence_gaps(request, clip),  # by rule: a second look where evidence is thin
        )

    @staticmethod
    def _slots_text(evidence, names) -> str:
        parts = []
        for name in names:
            slot = evidence.slot(name)
            if slot.ok:
                text = f'"{first_sentence(slot.text)}"' if name == "speech_content" else first_sentence(slot.text)
                parts.append(text)
        return " ".join(parts) if parts else "No evidence was available for these modalities."

    @staticmethod
    def _cite(request: ReasoningRequest, cues: dict[str, ModalityCue]) -> dict[str, list[str]]:
        cited: dict[str, list[str]] = {}
        for slot_name, modality in SLOT_MODALITY.items():
            slot = request.evidence.slot(slot_name)
            if slot.ok:
                cited.setdefault(modality, []).append(first_sentence(slot.text, 160))
        for modality, cue in cues.items():
            if cue.basis:
                cited.setdefault(modality, []).append(cue.basis)
        return cited

    @staticmethod
    def _reasoning(request, cues, valence, arousal, emotions, explanation) -> str:
        available = request.evidence.available()
        if not cues:
            return (
                "No modality gave an emotion estimate "
                f"({len(available)} evidence slot(s) available), so the clip is read as neutral with low confidence."
            )
        listed = "; ".join(
            f"the {m} {'read' if m == 'words' else 'reads'} {'positive' if c.valence > 0.15 else 'negative' if c.valence < -0.15 else 'neutral'}"
            + (f" ({c.emotion})" if c.emotion else "")
            for m, c in sorted(cues.items())
        )
        text = (
            f"Perceived first, then reasoned: {listed}. "
            f"Weighing these by confidence gives valence {valence:+.2f} and arousal {arousal:.2f}, "
            f"read as {', '.join(emotions)}."
        )
        if explanation:
            text += f" Conflict: {explanation}"
        elif len(cues) > 1:
            text += " The modalities agree."
        if request.critique:
            text += " Revised after the consistency checks: " + "; ".join(request.critique) + "."
        return text


@hookimpl
def register_reasoners(register):
    register("fusion", FusionReasoner, "Deterministic evidence fusion; no model; the offline default.")
