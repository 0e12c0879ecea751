"""A random sweep of realistic cue sets: does the fusion reasoner's answer pass the consistency checks?

    .venv/bin/python -m saber_agent.testing.cue_sweep [--n 20000] [--seed 0] [--examples 2]

The fusion reasoner ignores a critique (its rules are fixed), so an answer of it that fails a check fails
every round: each such set is a disagreement between the two rule sets. The cue sets are shaped like what
the perception tools write (`plugins.face`, `plugins.voice_emotion` / `plugins.prosody`, `plugins.transcript`
through `plugins.text_sentiment`, `plugins.body`), with a share of open-vocabulary emotion words ("hostile",
"worried") such as a third-party tool or an LLM reader may give, which the checks read through `vocab`:

- face: a basic class (the expression model's dominant one) whose sign agrees with the valence (happiness
  only above +0.2, the negative classes only below -0.2, neutral within 0.45 of zero, surprise anywhere),
  confidence 0.2-0.9;
- voice: the voice reading's seven probabilities (`voice_emotion.voice_cue`: the top class, valence the
  probability-weighted `VALENCE_OF` from `VALENCE_CENTRE`, kept in the acoustic slot as the checks and fusion
  read it), confidence up to 0.35 for the default reading or up to 0.9 for a trained one; or the older
  prosody cue (an activity word "agitated" / "calm" / "engaged", confidence at most 0.35);
- words: the lexicon's reading (a class of the valence's sign, surprise, neutral within 0.15 or none; confidence 0.3 without
  an emotion word, else 0.45 + 0.45 |valence|; sometimes mixed: praise of a bad event), or an LLM reader's;
- body: the body tool's own cue (`plugins.body.BodyTool.cues`) of a random activity level and nods or shakes.

Every check of `plugins.checks` runs on the answer; failures are counted per check and per (check, emotion
named, conflict detected). Returns and prints the counts; no network, about 6 s per 20,000 sets on one core.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from dataclasses import dataclass, field

from saber_agent.cues import find_conflicts
from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.reasoning import ReasoningRequest

SLOT_OF = {"face": "facial_exp_desc", "voice": "acoustic_feat", "words": "speech_content", "body": "body_lang_desc"}
NEGATIVE = ("sadness", "anger", "fear", "disgust")
# open-vocabulary words a third-party tool or a model may put in a cue, by the sign they read; "tense" and
# "surprised" go with any valence, the calm words only with a small one
FREE_WORDS = {1: ("joyful", "content", "amused", "pleased"), -1: ("hostile", "worried", "contempt", "frustrated", "hurt"),
              0: ("calm", "indifferent")}
ANY_SIGN = ("tense", "surprised")


def _basic_for(rng: random.Random, valence: float, allow_none: bool, neutral_within: float = 0.45) -> str | None:
    """A basic class a reader could name at this valence: neutral only within `neutral_within` of zero."""
    pool = ([None] if allow_none else []) + ["surprise"] + (["neutral"] if abs(valence) <= neutral_within else [])
    pool += ["happiness"] if valence > 0.2 else list(NEGATIVE) if valence < -0.2 else []
    return rng.choice(pool)


def _free_word(rng: random.Random, valence: float) -> str:
    sign = 1 if valence > 0.2 else -1 if valence < -0.2 else 0
    return rng.choice(FREE_WORDS[sign] + ANY_SIGN + (FREE_WORDS[0] if abs(valence) <= 0.3 and sign else ()))


def _face(rng: random.Random) -> tuple[ModalityCue, dict]:
    v = round(rng.uniform(-0.9, 0.9), 2)
    emotion = _free_word(rng, v) if rng.random() < 0.1 else _basic_for(rng, v, allow_none=False)
    return ModalityCue(modality="face", valence=v, arousal=round(rng.uniform(0.1, 0.9), 2), emotion=emotion,
                       confidence=round(rng.uniform(0.2, 0.9), 2), basis=f"{emotion} facial expression"), {}


def _voice(rng: random.Random) -> tuple[ModalityCue, dict]:
    from saber_agent.plugins.voice_emotion import EMOTIONS, VALENCE_CENTRE, VALENCE_OF, voice_cue

    if rng.random() < 0.15:  # the prosody tool's older cue: an activity word, no reading
        v = round(rng.uniform(-0.75, 0.15), 2)  # 0.3 (pitch variation - 0.5) - 0.6 harshness
        word = rng.choice(("agitated", "calm", "engaged"))
        return ModalityCue(modality="voice", valence=v, arousal=round(rng.uniform(0.1, 0.9), 2), emotion=word,
                           confidence=round(rng.uniform(0.1, 0.35), 2), basis=f"F0 SD, intensity ({word})"), {}
    weights = [rng.gammavariate(0.6, 1.0) for _ in EMOTIONS]
    total = sum(weights) or 1.0
    probs = {e: round(w / total, 4) for e, w in zip(EMOTIONS, weights, strict=True)}
    trained = rng.random() < 0.4
    top = sorted(probs.values(), reverse=True)
    confidence = min(0.9 if trained else 0.35, 0.1 + 1.5 * (top[0] - top[1]) + (0.3 if trained else 0.15))
    reading = {"probabilities": probs, "valence": sum(VALENCE_OF[e] * p for e, p in probs.items()) - VALENCE_CENTRE,
               "arousal": round(rng.uniform(0.1, 0.9), 2), "confidence": round(confidence, 3),
               "reader": "trained" if trained else "default"}
    cue = voice_cue(reading, reliability=round(rng.uniform(0.5, 1.0), 2))
    if rng.random() < 0.1:
        cue = cue.model_copy(update={"emotion": _free_word(rng, cue.valence)})
    return cue, {"voice_emotion": reading}


def _words(rng: random.Random) -> tuple[ModalityCue, dict]:
    v = round(rng.uniform(-0.9, 0.9), 2)
    if rng.random() < 0.2:  # an LLM words reader: a basic class (or an open word), its own confidence
        emotion = _free_word(rng, v) if rng.random() < 0.3 else _basic_for(rng, v, allow_none=False)
        confidence = round(rng.uniform(0.3, 0.9), 2)
    elif rng.random() < 0.2:  # no emotion word at all: neutral, weak
        v, emotion, confidence = round(rng.uniform(-0.04, 0.04), 2), "neutral", round(rng.choice((0.3, 0.21)), 2)
    else:  # `text_sentiment._finish`: neutral only where the valence leans under 0.15
        emotion = _basic_for(rng, v, allow_none=True, neutral_within=0.15)
        confidence = round(min(0.9, 0.45 + 0.45 * abs(v)) * rng.choice((1.0, 0.7)) * rng.uniform(0.5, 1.0), 3)
    mixed = "praises a bad event: 'love' with 'wasting'" if v > 0.2 and rng.random() < 0.1 else None
    return ModalityCue(modality="words", valence=v, arousal=round(rng.uniform(0.1, 0.9), 2), emotion=emotion,
                       confidence=confidence, basis=f"the words read {emotion}", mixed=mixed), {}


def _body(rng: random.Random) -> tuple[ModalityCue, dict]:
    from saber_agent.plugins.body import BodyTool

    level = rng.choice(("little", "slight", "moderate", "lively"))
    gestures = [{"kind": rng.choice(("nod", "shake"))} for _ in range(rng.choice((0, 0, 1, 2)))]
    measurements = {"regions": {"upper_body": {"level": level, "energy_mean": round(rng.uniform(0.1, 8.0), 2)}},
                    "head": {"gestures": gestures}}
    slot = Slot(text="body evidence", status="ok", confidence=rng.choice((0.7, 0.6, 0.4)), measurements=measurements)
    return BodyTool().cues(slot)[0], {}  # the body tool's own cue of these measurements


MAKERS = {"face": _face, "voice": _voice, "words": _words, "body": _body}


def cue_set(rng: random.Random) -> ReasoningRequest:
    """One random request: one to four modalities, each slot ok with a line of text, the conflicts found."""
    modalities = rng.sample(list(MAKERS), rng.randint(1, 4))
    cues, slots = [], {}
    for modality in modalities:
        cue, measurements = MAKERS[modality](rng)
        cues.append(cue)
        slots[SLOT_OF[modality]] = Slot(text=f"{modality} evidence: {cue.basis}.", status="ok", measurements=measurements)
    return ReasoningRequest(evidence=Evidence(**slots), clip=ClipInfo(path="sweep"), cues=cues, conflicts=find_conflicts(cues))


@dataclass
class SweepResult:
    n: int
    failed_sets: int = 0
    by_check: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)  # (check, basic emotion named, conflict detected)
    examples: dict = field(default_factory=dict)  # kind -> [(request, analysis, message)]
    failed: list = field(default_factory=list)  # (index of the set, names of the checks it failed)


def sweep(n: int = 4000, seed: int = 0, examples: int = 2) -> SweepResult:
    """Run the fusion reasoner and every check on `n` random cue sets (`cue_set`, seeded)."""
    from saber_agent.plugins.checks import CrossModalAgreement, EmotionBacking, Grounding, LabelEvidenceAgreement, UnimodalDominance
    from saber_agent.plugins.reasoners.fusion import FusionReasoner

    rng = random.Random(seed)
    checks = (CrossModalAgreement(), Grounding(), UnimodalDominance(), LabelEvidenceAgreement(), EmotionBacking())
    reasoner = FusionReasoner()
    result = SweepResult(n=n)
    for index in range(n):
        request = cue_set(rng)
        analysis: Analysis = reasoner.reason(request)
        failed = [(c.name, o.message) for c in checks if not (o := c.check(request, analysis)).passed]
        if failed:
            result.failed_sets += 1
            result.failed.append((index, sorted(name for name, _ in failed)))
        for name, message in failed:
            kind = (name, analysis.basic_emotion, bool(request.conflicts))
            result.by_check[name] += 1
            result.by_kind[kind] += 1
            if len(result.examples.setdefault(kind, [])) < examples:
                result.examples[kind].append((request, analysis, message))
    return result


def _show(result: SweepResult) -> None:
    print(f"{result.failed_sets} of {result.n} fusion answers fail a check; per check: {dict(result.by_check)}")
    for kind, count in result.by_kind.most_common():
        print(f"{count:5d}  {kind}")
        for request, analysis, message in result.examples[kind]:
            cues = [(c.modality, c.emotion, c.valence, c.confidence, c.arousal) for c in request.cues]
            print(f"       cues {cues}\n       answer {analysis.basic_emotion} {analysis.emotions} valence {analysis.valence:+.3f}"
                  f"\n       {message[:240]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=2, help="example cue sets printed per kind of failure")
    parser.add_argument("--failed-list", help="write 'index check,check' per failing set to this file (to compare runs)")
    args = parser.parse_args(argv)
    result = sweep(args.n, args.seed, args.examples)
    _show(result)
    if args.failed_list:
        with open(args.failed_list, "w") as out:
            out.writelines(f"{i} {','.join(names)}\n" for i, names in result.failed)


if __name__ == "__main__":
    main()
