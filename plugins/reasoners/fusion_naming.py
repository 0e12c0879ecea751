"""Which emotion the fused cues name, and how far a barely leaning conclusion leans: the naming rules of the fusion
reasoner (`plugins.reasoners.fusion`, which re-exports every name here; moved out of it whole).

- `vote`: the basic emotion the cues name, weighted by modality (`MODALITY_WEIGHT`) and confidence, with its certainty;
  the voice renames what the words name only where `renames` allows (a confident reading, or one whose arousal backs
  its emotion, never one torn between two classes: `leads`, `RENAME_LEAD`).
- `lean_reading`: the label and class a weighed lean supports where no cue names one (`emotion_of`), held to what the
  emotion_backing check accepts; `siding` names the emotion of the most confident cue on the conclusion's side.
- `still_cover`, `against_still`: a face cue that is a still picture under a voice (`face_live.STILL_UNDER_VOICE`), and
  the voice or words cues it reads against: there it names nothing and is not weighed.
- `backed`, `founded`: whether a finding (a cue of `FINDING` or more) names a label, and the one it rests on where no
  other finding disputes it: a label only weak estimates name is said as uncertain.
- `agreeing`, `contradicts`: the named emotion against the conclusion's valence sign; `weak_lean`: how far a conclusion
  that barely leans leans (short of `cues.CLEAR_LEAN`); `agreeing_modalities`: whether "The modalities agree" may be said.
- `hostile_class`, `SARCASM_LABELS`, `IRONY_LABELS`: the class and labels of a reading of sarcasm or irony.
"""

from __future__ import annotations

from saber_agent.checking import RUNNER_UP_SHARE, against_neutral, runners_up
from saber_agent.cues import (
    AROUSAL_OF,
    CLEAR_LEAN,
    MIN_CONFIDENCE,
    MIN_LEANING,
    VALENCE_OF,
    basic_readings,
    emotion_sign,
    leans_clearly,
)
from saber_agent.evidence import ModalityCue
from saber_agent.plugins.face_live import STILL_UNDER_VOICE

# How much each modality's estimate counts, before its own confidence.
MODALITY_WEIGHT = {"words": 1.0, "face": 1.0, "voice": 0.8, "body": 0.4, "scene": 0.2}
BASIC = {"happiness", "sadness", "anger", "fear", "disgust", "surprise", "neutral"}


def emotion_of(valence: float, arousal: float) -> tuple[str, str]:
    """(open-vocabulary label, basic class) for a point of the valence/arousal plane: neutral unless the valence
    leans clearly (`cues.leans_clearly`)."""
    if valence > CLEAR_LEAN:
        return ("excited", "happiness") if arousal > 0.6 else ("content", "happiness")
    if valence < -CLEAR_LEAN:
        return ("angry", "anger") if arousal > 0.6 else ("sad", "sadness")
    return ("tense", "neutral") if arousal > 0.7 else ("calm", "neutral")


# The open-vocabulary word the fusion reports for each basic emotion. An emotion's sign is `cues.emotion_sign` (of the
# one table, `cues.VALENCE_OF`), as the checks read it: neutral and surprise have none.
AROUSAL_MARGIN = 0.2  # how much better the voice's arousal must fit its own emotion than the words' for it to rename
OPEN_LABEL = {"happiness": "happy", "sadness": "sad", "anger": "angry", "fear": "afraid", "disgust": "disgusted",
              "surprise": "surprised", "neutral": "neutral"}
SURE = 0.3  # below this certainty the conclusion says it is uncertain
# A cue's emotion is a finding at this confidence or more (`backed`, `founded`): above the default voice reading's
# ceiling of 0.35 (`voice_emotion.default_reading`: "the voice alone is a weak guide to which emotion"), so that
# reading never makes a label sure on its own; words with an emotional word read 0.45 + 0.45 |valence| before the
# transcript's reliability (`text_sentiment`), a trained voice reading 0.3-0.8. Fresh-user trial: a covered mouth,
# clearly negative words that named no class and a voice reading of fear at 0.35 read as a plain "afraid".
FINDING = 0.4
WORDS_FINDING = 0.3  # text_sentiment gives words without any sentiment word a confidence of 0.3 or less
WEAK_LEAN = 0.02  # a fused valence nearer zero than this leans nowhere


def silent(modality: str, cue: ModalityCue) -> bool:
    """Words read as neutral only because they hold no emotional word (confidence under `WORDS_FINDING`)."""
    return modality == "words" and cue.emotion in (None, "neutral") and abs(cue.valence) < 0.05 and cue.confidence < WORDS_FINDING


def cue_sign(cue: ModalityCue) -> int:
    """+1 / -1: the sign of the class a cue names (`emotion_sign`), else of its valence where it leans (by
    `MIN_LEANING`); 0 where neither (neutral words, a body's movement)."""
    return emotion_sign(cue.emotion) or (0 if abs(cue.valence) < MIN_LEANING else (1 if cue.valence > 0 else -1))


def still_cover(cue: ModalityCue | None) -> bool:
    """Whether `cue` is a face the face tool marked a still picture under a voice (`face_live.still_under_speech`: the
    same face pixels in every frame while a voice is heard; its `discount` puts `STILL_UNDER_VOICE` in the basis)."""
    return cue is not None and cue.modality == "face" and STILL_UNDER_VOICE in cue.basis


def against_still(cues: dict[str, ModalityCue]) -> list[ModalityCue]:
    """The voice and words cues of the other sign (`cue_sign`) than a still-cover face (`still_cover`); empty where the
    face is live, signless, or nothing heard reads against it. Such a face is the picture's, not evidence of the
    speaker's feeling: it may agree with the voice, but it names no emotion against it however weakly the voice reads
    (trial H, EmoFilm gio022_rab022 over a smiling photo: a still smile at 0.10 over an angry voice at 0.12 read
    "happy, uncertain"; a confidence threshold would not tell a weak live face from a picture)."""
    face = cues.get("face")
    if not still_cover(face) or not (sign := cue_sign(face)):
        return []
    return [c for m, c in sorted(cues.items()) if m in ("voice", "words") and not silent(m, c) and cue_sign(c) == -sign]


def lean_free(cue: ModalityCue) -> bool:
    """Whether a cue's lean says more than its name: it names no basic class, or only ones of the other sign
    (`plugins.checks.EmotionBacking._lean_free`, the check's rule)."""
    return all(emotion_sign(b) * cue.valence < 0 for b in basic_readings(cue.emotion))


def lean_reading(cues: dict[str, ModalityCue], valence: float, arousal: float, conflicted: bool,
                 voice_probs: dict | None = None) -> tuple[str, str, str]:
    """(open-vocabulary label, basic class, why) that the weighed lean of `cues` supports where no rule names an
    emotion: `emotion_of`, held to what a lean backs (the emotion_backing check's rule, `plugins.checks.EmotionBacking`);
    `why` is a sentence where that moved it, else "". `voice_probs`: the voice reading's probabilities, if any
    (`checking.voice_probabilities`), whose runners-up tell whether the voice reads neutral too.

    Estimates under `MIN_CONFIDENCE` are no findings (`find_conflicts` names no conflict on them either), and a body's
    movement carries no sign. So a clear lean names an emotion of its sign only through a confident cue that leans that
    way (`MIN_LEANING`) and names no class of its own (`lean_free`); where the confident cues that lean that way name
    surprise, which has no sign, it is surprise; where none leans that way, neutral. And a balance that leans nowhere
    clearly is neutral only where a detected conflict's sides cancel, or no confident cue leans clearly to another
    emotion (`checking.against_neutral`; a cue reading neutral backs neutral only then): "neutral" is a finding, not
    the fallback for unsure. A confident clear lean, pulled under `CLEAR_LEAN` by a neutral reading, by weak estimates
    or by signless ones, names its own emotion (the one it reads, or for a cue that names none of its sign, the one its
    lean stands for), which `fusion` then says is uncertain."""
    label, basic = emotion_of(valence, arousal)
    if basic == "neutral":
        against = [] if conflicted else against_neutral(cues, runners_up(voice_probs) if "voice" in cues else set())
        if not against:
            return label, basic, ""
        lead = max(against, key=lambda c: (MODALITY_WEIGHT.get(c.modality, 0.3) * c.confidence, c.modality))
        if lean_free(lead) or lead.emotion not in BASIC:
            label, basic = emotion_of(lead.valence, arousal)
            what = f"the emotion is named from its lean ({basic})"
        else:
            basic, label = lead.emotion, OPEN_LABEL[lead.emotion]
            what = f"the emotion is the one it reads ({basic})"
        others = ("a modality reading neutral does not outweigh a confident clear lean"
                  if any("neutral" in basic_readings(c.emotion) for c in cues.values())
                  else "the rest are weak estimates or carry no sign")
        return label, basic, (f"The weighed balance leans nowhere clearly, but the {lead.modality}, a confident estimate, leans "
                              f"clearly (valence {lead.valence:+.2f}): {what}, with low confidence ({others}; neutral is a "
                              "finding, not the fallback for unsure).")
    sign = 1 if valence > 0 else -1
    side = [c for c in cues.values() if c.confidence >= MIN_CONFIDENCE and c.valence * sign >= MIN_LEANING]
    if any(lean_free(c) for c in side):
        return label, basic, ""
    if any(basic_readings(c.emotion) == {"surprise"} for c in side):
        return OPEN_LABEL["surprise"], "surprise", ""
    if not side:
        return (*emotion_of(0.0, arousal), "Only weak estimates (confidence under "
                f"{MIN_CONFIDENCE}) lean {'positive' if sign > 0 else 'negative'}: no finding, so no emotion is named from the lean.")
    return label, basic, ""


def vote(cues: dict[str, ModalityCue], valence: float, voice_probs: dict | None = None) -> tuple[str | None, float]:
    """The basic emotion the cues name, each weighted by its modality's weight and its confidence, and
    the certainty of that choice (its share of the vote times the best supporting confidence).

    Where the fused valence leans clearly (`cues.leans_clearly`: |v| > `CLEAR_LEAN`), only emotions of that sign take part
    (where none is named, emotions of no sign, and ones of the other sign only where a cue of `MIN_CONFIDENCE` or more
    names them: a weak estimate against the lean is no finding, so nothing is named and the lean names it). Words
    read as neutral only because they hold no emotional word (confidence under `WORDS_FINDING`) do
    not vote: "neutral" wins only as a finding (balanced wording, a calm voice), not as the fallback. And neutral
    takes no part where a confident cue leans clearly to another emotion (`checking.against_neutral`, the
    emotion_backing check's rule): a neutral face does not outvote confidently happy words."""
    scores: dict[str, float] = {}
    support: dict[str, float] = {}
    for modality, cue in cues.items():
        if cue.emotion not in BASIC:
            continue
        weight = MODALITY_WEIGHT.get(modality, 0.3) * cue.confidence
        if cue.emotion == "neutral" and modality == "words" and cue.confidence < WORDS_FINDING:
            continue  # no emotional word at all: an absence of evidence, not a finding of neutrality
        scores[cue.emotion] = scores.get(cue.emotion, 0.0) + weight
        support[cue.emotion] = max(support.get(cue.emotion, 0.0), cue.confidence)
    if leans_clearly(valence):
        fitting = {e: w for e, w in scores.items() if emotion_sign(e) * valence > 0}
        # none of that sign: an emotion against the lean is named only by a finding (a cue of MIN_CONFIDENCE or more);
        # a weak estimate's emotion over another cue's valence names nothing, and the lean names it (`lean_reading`):
        # trial D podcast, "No, I'm much calmer and I sleep better.": a voice's anger at 0.27 over positive words
        # read "angry, uncertain" at valence +0.42
        scores = fitting or {e: w for e, w in scores.items() if not emotion_sign(e) * valence < 0 or support[e] >= MIN_CONFIDENCE}
    if "neutral" in scores and against_neutral(cues, runners_up(voice_probs) if "voice" in cues else set()):
        del scores["neutral"]
    if not scores or not sum(scores.values()):
        return None, 0.0
    best = max(scores, key=scores.get)
    voice, words = cues.get("voice"), cues.get("words")
    if (voice and words and voice.emotion in scores and words.emotion == best != voice.emotion
            and emotion_sign(voice.emotion) * emotion_sign(best) > 0 and renames(voice, words, voice_probs)):
        # words and voice lean the same way but name different emotions ("she is dead" said in fury):
        # the words tell what happened, the delivery how the speaker takes it, so the voice names it where it
        # hears that (`renames`), not wherever it leans the same way
        best = voice.emotion
    return best, round(scores[best] / sum(scores.values()) * support[best], 3)


def backed(cues: dict[str, ModalityCue], basic: str | None) -> bool:
    """Whether a finding names `basic`: a cue of `FINDING` or more whose emotion (read as its basic class, as the
    fusion's rules read cues) is `basic`. A label only weak estimates name is no finding."""
    return any(c.confidence >= FINDING and c.emotion == basic for c in cues.values())


def founded(cues: dict[str, ModalityCue], basic: str | None) -> ModalityCue | None:
    """The finding the label `basic` rests on where no other finding disputes it, else None: the most confident cue
    naming `basic` at `FINDING` or more, leaning clearly its way where `basic` has a sign (`cues.emotion_sign`), while
    every cue that names another class (neutral included) or leans against `basic` (by `MIN_LEANING`) is a weak
    estimate (under `FINDING`); a cue that names no class and leans nowhere (a body's movement) disputes nothing.
    Such a label is said without "uncertain" even where weak or signless cues pull the weighed balance short of a
    clear lean (fresh-user trial: a covered face, sad words at 0.63, a weak voice and the body: "sad, uncertain")."""
    sign = emotion_sign(basic)
    naming = [c for c in cues.values() if c.emotion == basic and c.confidence >= FINDING
              and (not sign or (leans_clearly(c.valence) and c.valence * sign > 0))]
    disputing = [c for c in cues.values() if c.confidence >= FINDING and c.emotion != basic
                 and (c.emotion in BASIC or (sign and c.valence * sign <= -MIN_LEANING))]
    if not naming or disputing:
        return None
    return max(naming, key=lambda c: (MODALITY_WEIGHT.get(c.modality, 0.3) * c.confidence, c.modality))


def leads(voice: ModalityCue, voice_probs: dict | None) -> bool:
    """Whether the voice reading's probabilities (`checking.voice_probabilities`) give the emotion its cue names a lead
    of at least `RENAME_LEAD` over every other class; True where there are none to tell (or they hold no such class)."""
    probs = voice_probs or {}
    if voice.emotion not in probs:
        return True
    return probs[voice.emotion] - max((p for e, p in probs.items() if e != voice.emotion), default=0.0) >= RENAME_LEAD


# How far (a probability) the voice reading's named class must lead its next for the voice to rename the words'
# emotion: a reading torn between two classes names neither (/tmp/trial53 en_angry.wav, "... I am furious with you":
# sadness 0.26, neutral 0.26 renamed the words' anger to sadness; the same audio after 20 s of silence read neutral 0.27,
# sadness 0.24, and stayed anger). Above 0.03, so a change of 0.03 in one probability at a tie does not flip the answer.
RENAME_LEAD = 0.05


def renames(voice: ModalityCue, words: ModalityCue, voice_probs: dict | None = None) -> bool:
    """Whether a voice that leans the way the words do may rename the emotion the words name: only where its
    reading is at least as confident as the words' (a trained or Hugging Face reader), or where it hears what the
    words cannot. That is a reading of at least `MIN_CONFIDENCE` whose arousal (what the voice tells best) fits
    the emotion it names better than the words' emotion, by `AROUSAL_MARGIN` or more on the voice reading's `AROUSAL_OF`: sad
    words said in fury (EmoFilm m_rab046, "¡Está muerta, joder!": voice arousal 0.69, anger). A weak reading whose
    arousal does not back its emotion renames nothing, and the more confident words name it: sad words read
    flatly as "fear" (confidence 0.35 against 0.82, arousal 0.45, nearer sadness than fear), or "I'm furious"
    read as "fear" at arousal 0.43. And never a reading torn between its named class and another (`leads`). A weak
    reading's rename rests on that reading alone, so the answer says "uncertain" (`backed`): blocking it over words that
    are a finding (fresh-user trial: "I am furious with you" said flatly by espeak-ng, renamed sad) cost EmoFilm dev
    m_rab047 (anger: sad words, a voice at arousal 0.80), so it stays."""
    if not leads(voice, voice_probs):
        return False
    if voice.confidence >= words.confidence:
        return True
    if voice.confidence < MIN_CONFIDENCE:
        return False
    a = voice.arousal
    return abs(AROUSAL_OF[words.emotion] - a) - abs(AROUSAL_OF[voice.emotion] - a) >= AROUSAL_MARGIN


def agreeing(named: str, valence: float, cues: dict[str, ModalityCue], voice_probs: dict | None) -> str:
    """`named`, or where its own valence sign contradicts a clearly leaning conclusion (|valence| > `CLEAR_LEAN`; a sad
    voice whose reading still leans positive: "valence +0.37 positive, read as sad"), the most probable emotion of the
    conclusion's sign in the voice reading's probabilities that is as much its reading as the top one (at least
    `RUNNER_UP_SHARE` of it: `checking.voice_runners_up`, the check's rule; "happiness 0.02" is no reading of
    happiness), else the words' emotion if of that sign, else `named` as before. Emotions of no sign (neutral,
    surprise) never contradict."""
    if not leans_clearly(valence):
        # a weak lean (mostly the uncertain conclusions that lean by the weak-lean rule) keeps its name: renaming there
        # cost EmoFilm dev (m_*) voice+words UAR 0.465 -> 0.403 (val.bal unchanged 0.639)
        return named
    sign = 1 if valence > 0 else -1
    if emotion_sign(named) * sign >= 0:
        return named
    top = max((voice_probs or {}).values(), default=0.0)
    fitting = [e for e, p in sorted((voice_probs or {}).items(), key=lambda kv: -kv[1])
               if p > 0 and p >= RUNNER_UP_SHARE * top and emotion_sign(e) * sign > 0]
    if fitting:
        return fitting[0]
    words = cues.get("words")
    if words and words.emotion in BASIC and emotion_sign(words.emotion) * sign > 0 and not silent("words", words):
        return words.emotion
    return named


def siding(cues: dict[str, ModalityCue], valence: float) -> ModalityCue | None:
    """The most confident cue on the side of a clearly leaning conclusion (`cues.leans_clearly`) that names a basic
    emotion of the conclusion's sign (`cues.emotion_sign`; neutral and surprise have none), or None: where a conflict's
    reading names no emotion, the conclusion names this cue's. A weak lean names none: the conflict's sides cancel."""
    if not leans_clearly(valence):
        return None
    side = [c for c in cues.values() if c.valence * valence > 0 and c.emotion in BASIC
            and emotion_sign(c.emotion) * valence > 0]
    return max(side, key=lambda c: (c.confidence, MODALITY_WEIGHT.get(c.modality, 0.3)), default=None)


def weak_lean(named: str) -> float:
    """How far a conclusion that names `named` but barely leans leans: 0.4 of the emotion's usual valence
    (`cues.VALENCE_OF`), always short of a clear lean (`CLEAR_LEAN`; happiness's 0.7 gives 0.24 like the others),
    or 0.2 for an emotion of no sign (neutral, surprise)."""
    if not emotion_sign(named):
        return 0.2
    return min(0.4 * abs(VALENCE_OF[named]), WEAK_CONCLUSION)


WEAK_CONCLUSION = 0.24  # the strongest weak lean: just under CLEAR_LEAN, so a weak lean never reads as a clear one


def contradicts(basic: str | None, valence: float) -> bool:
    """Whether the named basic emotion's usual sign is against the conclusion's valence (a weak lean, which
    `agreeing` leaves named: "afraid" at valence +0.24)."""
    return emotion_sign(basic) * valence < 0 and abs(valence) >= WEAK_LEAN


def agreeing_modalities(cues: dict[str, ModalityCue], valence: float) -> str | None:
    """The tail of "The modalities agree" where they do, for what the conclusion says: at least two modalities
    that can carry a sign (the body's movement carries none; words without an emotional word, `silent`, were not
    weighed) and every one of them reads the conclusion's side (positive, negative, or neutral: within 0.15 of zero,
    as each modality's reading is worded). None where fewer than two modalities carry a sign or any reads another side
    (a neutral face beside confidently happy words does not agree with "happy"). The tail names the body where it was
    set aside, else it is ""."""
    side = (valence > 0.15) - (valence < -0.15)
    signed = {m: c for m, c in cues.items() if m != "body" and not silent(m, c)}
    if len(signed) < 2 or any((c.valence > 0.15) - (c.valence < -0.15) != side for c in signed.values()):
        return None
    return " (the body's movement carries no sign)" if "body" in cues else ""


HOSTILE = {"anger", "disgust"}  # sarcasm needs words or a voice of these: "a smile over hostile words"
# The labels of a reading of sarcasm or irony, by its basic class (sarcasm: `hostile_class`; irony: the arousal): one
# label set, one class (trial C half_silent.mp4 read "sarcastic, contemptuous" as disgust whole and as anger in segment
# mode, across the 0.6 arousal line). Each set holds a word of its class (`vocab.to_basic`: contemptuous and annoyed
# are anger, disgusted disgust).
SARCASM_LABELS = {"anger": ("sarcastic", "contemptuous"), "disgust": ("sarcastic", "disgusted")}
IRONY_LABELS = {"anger": ("ironic", "annoyed"), "disgust": ("ironic", "disgusted")}


def hostile_class(negative: ModalityCue, cues: dict[str, ModalityCue], arousal: float) -> str:
    """The basic class of a smile over hostile words or voice (sarcasm): the hostile class `negative` names, else the
    one the most confident hostile words or voice name (`fusion.masks`' reading), else by the arousal (anger over 0.6,
    disgust under). What the evidence names comes first: the arousal alone put trial C half_silent.mp4 ("I am furious",
    words read anger) at disgust as a whole clip (arousal 0.58) and anger for its one utterance (0.62)."""
    if negative.emotion in HOSTILE:
        return negative.emotion
    hostile = [c for m, c in cues.items() if m in ("words", "voice") and c.emotion in HOSTILE and c.valence <= -MIN_LEANING
               and c.confidence >= MIN_CONFIDENCE]
    if hostile:
        return max(hostile, key=lambda c: (c.confidence, c.modality)).emotion
    return "anger" if arousal > 0.6 else "disgust"
