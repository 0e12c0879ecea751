"""Cross-modal cues: per-modality emotion estimates and the conflicts between them."""

from __future__ import annotations

from itertools import combinations

from saber_agent.evidence import Conflict, ModalityCue
from saber_agent.vocab import LABEL_ALIASES, to_basic

# Two confident estimates whose valences differ by more than this, with opposite signs, conflict.
CONFLICT_GAP = 0.6
MIN_CONFIDENCE = 0.3
MIN_LEANING = 0.2  # a valence nearer zero than this leans nowhere, so it opposes nothing
# A valence further from zero than this (|v| > CLEAR_LEAN, `leans_clearly`) leans clearly: the one threshold for
# "this reads positive / negative, not neutral". The fusion reasoner calls a fused valence within it neutral and names
# only emotions of its sign beyond it; the emotion_backing check passes a neutral answer only where no confident
# modality leans beyond it. Between MIN_LEANING and CLEAR_LEAN a valence leans (it may oppose another, back an emotion
# of its sign) but not clearly enough to rule out neutral ("It was okay I guess.": +0.23).
CLEAR_LEAN = 0.25
# What a words cue's `mixed` note holds where its sentences take opposite strong polarity (`plugins.sentiment_mixed`):
# mixed feelings or several speakers, not irony. Any other mixed note is possible irony (`plugins.irony`).
MIXED_SENTENCES = "sentences of opposite strong polarity"

# Each basic emotion's usual valence (-1..1) and arousal (0..1): the one table. The default voice reading
# (`plugins.voice_emotion`) weighs these by its class probabilities, so its numbers are the reading's calibration:
# change one only with `bench/real_emotion.py --split dev --plugins prosody` before and after. The fusion reasoner
# and the checks read only the sign (`emotion_sign`): surprise's +0.1 is under MIN_LEANING, so it has none.
# `plugins.face.CIRCUMPLEX` keeps its own numbers on purpose (see there).
VALENCE_OF = {"anger": -0.6, "disgust": -0.5, "fear": -0.6, "happiness": 0.7, "sadness": -0.6, "surprise": 0.1, "neutral": 0.0}
AROUSAL_OF = {"anger": 0.85, "disgust": 0.45, "fear": 0.8, "happiness": 0.7, "sadness": 0.25, "surprise": 0.8, "neutral": 0.3}

# What a face/voice/words disagreement usually means, in the words the method uses.
_READINGS = {
    frozenset({"face", "words"}): "a positive face over negative words (or the reverse) suggests sarcasm, irony or masking",
    frozenset({"face", "voice"}): "the face and the voice disagree, which suggests a masked or performed expression",
    frozenset({"voice", "words"}): "the tone contradicts what is said, which suggests sarcasm or suppressed emotion",
}

_OPPOSITE = "the two modalities point in opposite directions"


def leans_clearly(valence: float) -> bool:
    """Whether a valence (-1..1) leans clearly positive or negative: |valence| > `CLEAR_LEAN`."""
    return abs(valence) > CLEAR_LEAN


def emotion_sign(basic: str | None) -> int:
    """+1 / -1 for a basic emotion of a clear valence (`VALENCE_OF` at least `MIN_LEANING` from zero); 0 for neutral,
    surprise (whose valence goes either way) and anything else."""
    valence = VALENCE_OF.get(basic or "", 0.0)
    return 0 if abs(valence) < MIN_LEANING else (1 if valence > 0 else -1)


def basic_readings(emotion: str | None) -> set[str]:
    """The basic classes a cue's emotion word can stand for (`vocab`): "hostile" -> anger, "contempt" -> anger and
    disgust (vocab's synonym and alias tables disagree on it, and either is a fair reading); none for a word that
    is no emotion ("tense", "agitated")."""
    if not emotion:
        return set()
    found = {to_basic(emotion), LABEL_ALIASES.get(emotion.strip().lower())}
    return {b for b in found if b}


def basic_of(emotion: str | None) -> str | None:
    """The one basic class a reasoner takes a cue's emotion word for (`basic_readings`; `vocab.to_basic` first where
    they are two), or None."""
    if not emotion:
        return None
    return to_basic(emotion) or LABEL_ALIASES.get(emotion.strip().lower())


def merge_cues(cues: list[ModalityCue]) -> dict[str, ModalityCue]:
    """One cue per modality: the most confident one."""
    best: dict[str, ModalityCue] = {}
    for cue in cues:
        if cue.modality not in best or cue.confidence > best[cue.modality].confidence:
            best[cue.modality] = cue
    return best


def find_conflicts(cues: list[ModalityCue], gap: float = CONFLICT_GAP, voices: int | None = None) -> list[Conflict]:
    """Pairs of modalities whose confident valence estimates point in opposite directions (a cue that names neutral
    opposes nothing), and modalities whose own estimate is mixed (`ModalityCue.mixed`: possible irony), as a
    conflict of the modality with itself. `voices`: the distinct voices heard over the whole clip
    (`saber_agent.voices_heard`), where counted; more than one, and each description says the sides may be different
    speakers (`several_speakers`), not one person's sarcasm, irony or masking."""
    per_modality = merge_cues([c for c in cues if c.confidence >= MIN_CONFIDENCE])
    conflicts = []
    for a, b in combinations(sorted(per_modality), 2):
        ca, cb = per_modality[a], per_modality[b]
        if "neutral" in (ca.emotion, cb.emotion):
            continue  # a cue whose emotion is neutral opposes nothing, whatever its small lean (a neutral face is no sarcasm)
        leaning = min(abs(ca.valence), abs(cb.valence)) >= MIN_LEANING
        if leaning and ca.valence * cb.valence < 0 and abs(ca.valence - cb.valence) >= gap:
            reading = _READINGS.get(frozenset({a, b}), _OPPOSITE)
            description = (
                f"{a} reads {_describe(ca)} but {b} reads {_describe(cb)}: {reading}."
            )
            severity = min(1.0, abs(ca.valence - cb.valence) / 2 * min(ca.confidence, cb.confidence) * 2)
            conflicts.append(Conflict(modalities=(a, b), description=description, severity=round(severity, 3)))
    for modality, cue in sorted(per_modality.items()):
        if cue.mixed:  # a conflict inside one modality: the words praise what they call bad
            conflicts.append(Conflict(modalities=(modality, modality), description=f"within the {modality}: {cue.mixed}.",
                                      severity=round(min(1.0, cue.confidence), 3)))
    return several_speakers(conflicts, voices)


SPEAKERS_MARK = "voices are heard in the clip"  # in a description `several_speakers` rewrote


def several_speakers(conflicts: list[Conflict], voices: int | None) -> list[Conflict]:
    """`conflicts` with each description saying its sides may be different speakers where `voices` (distinct voices
    heard over the whole clip) is more than one: a cross-modal reading ("suggests sarcasm, irony or masking") is
    replaced, a mixed modality's note is followed by the caveat. Else `conflicts` as given; a description already
    rewritten stays as it is, so the rewrite can be applied again (the batch writer applies it from
    `Analysis.voices_heard`)."""
    if not voices or voices < 2:
        return conflicts
    out = []
    for conflict in conflicts:
        a, b = conflict.modalities
        text = conflict.description
        if SPEAKERS_MARK not in text:
            if a == b:
                text = (text.rstrip(".") + f"; but {voices} {SPEAKERS_MARK}, so its sides may be different speakers' "
                        f"{a}, not one person's irony or mixed feelings.")
            else:
                known = [r for r in (*_READINGS.values(), _OPPOSITE) if r in text]
                caveat = (f"{voices} {SPEAKERS_MARK}, so the {a} and the {b} may be different speakers' (a face perhaps a "
                          "listener's), not one person's sarcasm, irony or masking")
                text = text.replace(known[0], caveat) if known else text.rstrip(".") + f"; {caveat}."
        out.append(conflict if text == conflict.description else conflict.model_copy(update={"description": text}))
    return out


def reads_as_irony(mixed: str | None) -> bool:
    """Whether a cue's `mixed` note (or a within-modality conflict's description) is possible irony (praise of a bad
    event in one clause), not sentences of opposite polarity (`MIXED_SENTENCES`: mixed feelings or several speakers)."""
    return bool(mixed) and MIXED_SENTENCES not in mixed


def within_modality(conflict: Conflict) -> bool:
    """A conflict inside one modality (mixed polarity in the words), not between two."""
    return conflict.modalities[0] == conflict.modalities[1]


def conflict_name(conflict: Conflict) -> str:
    """The name an explanation gives a conflict, which the cross-modal check looks for: "face vs voice", or for
    mixed polarity inside one modality "mixed words (possible irony)", or "mixed words (opposite sentences)" where its
    sentences take opposite strong polarity (`reads_as_irony`)."""
    a, b = conflict.modalities
    if a != b:
        return f"{a} vs {b}"
    return f"mixed {a} (possible irony)" if reads_as_irony(conflict.description) else f"mixed {a} (opposite sentences)"


def _describe(cue: ModalityCue) -> str:
    tone = "positive" if cue.valence > 0 else "negative"
    if cue.emotion == "neutral":  # a neutral reading is not a negative one, however it leans
        return f"neutral (leaning {tone}, valence {cue.valence:+.2f})" if abs(cue.valence) >= MIN_LEANING else "neutral"
    return f"{tone} ({cue.emotion})" if cue.emotion else tone
