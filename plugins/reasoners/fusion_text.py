"""The fusion reasoner's words: the reasoning text, the evidence fields and the citations of its answer.

Moved out of `plugins.reasoners.fusion` whole (which re-exports every name here; `FusionReasoner.reason` calls these
once its rules have concluded). Nothing here decides a value: each function says what the rules concluded.

- `reasoning_text`: `Analysis.reasoning`: each modality's reading, the weighed valence and arousal, and where a rule
  (`moved`: a weak lean, irony, sarcasm) concluded another, why; the weak-evidence, disagreement and conflict sentences;
  "The modalities agree" only where `fusion_naming.agreeing_modalities` allows; a failed round's critique, said as
  not revised for.
- `resting_on`: what an uncertain label rests on (the voice's caveat only where that is the voice).
- `still_text`: why a still picture's face under a voice was not taken as the speaker's (`fusion_naming.against_still`).
- `slots_text`: `Analysis.visual_evidence` / `acoustic_evidence`: the first sentence of each available slot.
- `cite`: `Analysis.cues_cited`: per modality, the slots' first sentences and each cue's basis.
"""

from __future__ import annotations

from saber_agent.cues import MIN_CONFIDENCE, basic_of, reads_as_irony
from saber_agent.evidence import SLOT_MODALITY, ModalityCue
from saber_agent.plugins.reasoners.fusion_naming import BASIC, MODALITY_WEIGHT, agreeing_modalities, contradicts
from saber_agent.reasoning import ReasoningRequest


def first_sentence(text: str, limit: int = 220) -> str:
    """`text`'s first sentence, whitespace collapsed, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    for stop in (". ", "。", "! ", "? "):
        if stop in text:
            text = text.split(stop)[0] + stop.strip()
            break
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slots_text(evidence, names) -> str:
    """The first sentence of each available slot in `names`, the speech quoted, joined (the answer's evidence fields)."""
    parts = []
    for name in names:
        slot = evidence.slot(name)
        if slot.ok:
            text = f'"{first_sentence(slot.text)}"' if name == "speech_content" else first_sentence(slot.text)
            parts.append(text)
    return " ".join(parts) if parts else "No evidence was available for these modalities."


def cite(request: ReasoningRequest, cues: dict[str, ModalityCue]) -> dict[str, list[str]]:
    """Per modality, the first sentence of each available slot and each cue's basis (`Analysis.cues_cited`)."""
    cited: dict[str, list[str]] = {}
    for slot_name, modality in SLOT_MODALITY.items():
        slot = request.evidence.slot(slot_name)
        if slot.ok:
            cited.setdefault(modality, []).append(first_sentence(slot.text, 160))
    for modality, cue in cues.items():
        if cue.basis:
            cited.setdefault(modality, []).append(cue.basis)
    return cited


def resting_on(cues: dict[str, ModalityCue], basic: str | None) -> str:
    """What an uncertain label rests on, as a parenthesis (or "" where `basic` is unknown): the cue that weighs most
    among those naming `basic` (`MODALITY_WEIGHT` times confidence; words as written, read as their class), or the
    weighed lean where none names it. The voice's caveat (it tells arousal better than which emotion) is said only
    where the label rests on the voice: sad words at 0.63 beside a voice were said to rest on it (fresh-user trial)."""
    if not basic:
        return ""
    naming = [(m, c) for m, c in cues.items() if basic_of(c.emotion) == basic]
    if not naming:
        return " (no modality names it: it is read from the weighed lean)"
    m, c = max(naming, key=lambda mc: (MODALITY_WEIGHT.get(mc[0], 0.3) * mc[1].confidence, mc[0]))
    if m == "voice":
        return f" (it rests on the voice, confidence {c.confidence:.2f}: the voice alone tells arousal better than which emotion)"
    whose = f"{m}'" if m.endswith("s") else f"{m}'s"  # the words', the face's
    return f" (it rests on the {whose} reading, confidence {c.confidence:.2f})"


def still_text(face: ModalityCue, against: list[ModalityCue]) -> str:
    """The sentence for a still-cover face set aside (`fusion_naming.against_still`): `face` as the tool wrote it,
    `against` the voice or words cues of the other sign."""
    sign = "positive" if face.valence > 0 else "negative"
    other = " and ".join(f"the {c.modality}'{'' if c.modality.endswith('s') else 's'} {'negative' if sign == 'positive' else 'positive'} "
                         f"reading" for c in against)
    return (f"The face is a still picture while a voice speaks ({face.emotion or sign}, valence {face.valence:+.2f}, "
            f"confidence {face.confidence:.2f}): the still picture's expression was not taken as the speaker's, so it "
            f"is not weighed and names no emotion against {other}.")


def reasoning_text(request, cues, valence, arousal, emotions, explanation, basic=None, weighed_at=None, moved=(),
                   hedged=False) -> str:
    """The reasoning text. `weighed_at`: the (valence, arousal) the confidence weights give, where a rule (`moved`,
    a clause each: a weak lean, irony, sarcasm) concluded another; `hedged`: the conclusion is uncertain or a lean
    named it, so no modality "agrees" with it."""
    available = request.evidence.available()
    if not cues:
        # say which evidence there was, as the unimodal_dominance check does (scene context is no modality there)
        held = sorted({SLOT_MODALITY[n] for n in available})
        what = (f"the evidence holds only {', '.join(held)} descriptions, none an estimate" if held
                else "no evidence was available")
        return (
            f"No modality gave an emotion estimate ({what}), so the emotion is undetermined; the neutral class "
            "stands for 'no finding' here, with low confidence."
        )
    def reading(m: str, c: ModalityCue) -> str:
        sign = "positive" if c.valence > 0.15 else "negative" if c.valence < -0.15 else "neutral"
        named = basic_of(c.emotion)  # the word as written is said; its class decides how ("calm" is neutral)
        label = c.emotion if c.emotion and not (named == "neutral" and sign != "neutral") else None
        lean = f"leaning {sign} (valence {c.valence:+.2f})" if named == "neutral" and sign != "neutral" else sign
        if sign == "neutral" and named in BASIC and named != "neutral":
            # not "reads neutral (fear)": the reading names an emotion but its valence barely leans
            lean, label = f"{c.emotion}, barely leaning (valence {c.valence:+.2f})", None
        if c.mixed and not reads_as_irony(c.mixed):  # opposite sentences: no one sign or emotion
            lean, label = f"mixed (sentences of opposite polarity, valence {c.valence:+.2f} on balance)", None
        weak = f"weak, confidence {c.confidence:.2f}: no conflict is named on it" if c.confidence < MIN_CONFIDENCE else ""
        said = "; ".join(x for x in (label, weak) if x)
        return f"the {m} {'read' if m == 'words' else 'reads'} {lean}" + (f" ({said})" if said else "")

    listed = "; ".join(reading(m, c) for m, c in sorted(cues.items()))
    w_valence, w_arousal = weighed_at if weighed_at is not None else (valence, arousal)
    text = (f"Perceived first, then reasoned: {listed}. Weighing these by confidence gives valence {w_valence:+.2f} and "
            f"arousal {w_arousal:.2f}")
    if moved and (f"{w_valence:+.2f}", f"{w_arousal:.2f}") != (f"{valence:+.2f}", f"{arousal:.2f}"):
        # the values stated are the ones concluded, and why they are not the weighed ones
        now = [f"valence {valence:+.2f}"] * (f"{w_valence:+.2f}" != f"{valence:+.2f}") + [
            f"arousal {arousal:.2f}"] * (f"{w_arousal:.2f}" != f"{arousal:.2f}")
        text += (f"; the conclusion takes {' and '.join(now)} instead, by {'; and by '.join(moved)}, and is read as "
                 f"{', '.join(emotions)}.")
    else:
        text += f", read as {', '.join(emotions)}."
    if "uncertain" in emotions:
        text += (f" The evidence is weak: the conclusion leans to {emotions[0]} with low confidence and "
                 f"should not be read as a finding{resting_on(cues, basic)}.")
    apart = not explanation and contradicts(basic, valence)
    if apart:
        # the weak-lean rule keeps the named emotion and the weighed lean apart (see `agreeing`): say so
        text += (f" The emotion named ({emotions[0]}) and the conclusion's lean ({'positive' if valence > 0 else 'negative'},"
                 f" {valence:+.2f}) disagree; neither is a finding on its own.")
    if explanation:
        text += f" Conflict: {explanation}"
    elif not apart and not hedged and (agree := agreeing_modalities(cues, valence)) is not None:
        text += f" The modalities agree{agree}."
    if request.critique:
        # the fusion's rules never read the critique: say it failed, not that this answer revises it
        text += (" The previous round failed the consistency checks: " + "; ".join(request.critique) + ". The fusion's "
                 "rules do not take a critique into account, so this answer is the weighing above, not a revision "
                 "made for the checks.")
    return text
