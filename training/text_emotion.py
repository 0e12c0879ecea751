"""Emotion read from slot text: the documented rule behind SABER-record targets and text cues.

SABER records carry text, never measurements, so the emotion labels of a record's target and the
per-modality cues that rank CA-DPO candidates are read from the words. The rule, in full:

1. Words are English tokens (``[a-z]+``, lower-cased) and every two-character window of a Chinese run.
2. A word names an emotion when `saber_agent.vocab.to_basic` maps it to a basic class, unless it is a
   known false friend of that function's substring match (``made`` is not ``mad``, the noun
   ``content`` is not contentment) or is a negated prefix form whose stem maps to the same class
   (``displeased`` is not ``pleased``).
3. Observable cues count too (a smile is happiness, a frown or a shout anger, tears sadness), and in the
   transcript, plainly valenced words (``hate``, ``ruined``, ``wonderful``, ``谢谢``).
4. A mention is dropped when a negator (not, no, never, without, ...; 不 没 无 未 别 in Chinese) comes
   within the three words (Chinese: the one character) before it.
5. The basic class is the most mentioned one (ties: the first mentioned); valence and arousal are the
   means of the classes' values in `CLASS_AFFECT` over all mentions; no mention reads neutral.

Not to be confused with `saber_agent.eval.emotion_lexicon`, which groups open-vocabulary *labels* into
wheel sectors for the EMER / OV-MER metrics. The two stay apart on purpose: this rule reads prose
(negation, false friends, observable cues) to make training targets, that one scores label sets;
changing either changes results, so each is fixed by its own tests. The word data of both (and the
tokenizer) lives in `saber_agent.vocab`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from saber_agent.evidence import SLOT_MODALITY, Evidence, ModalityCue
from saber_agent.vocab import (  # noqa: F401 (the word data, re-exported under the names this module documents)
    FALSE_FRIENDS,
    NEGATORS_EN,
    NEGATORS_ZH,
    OBSERVABLE_WORDS,
    OBSERVABLE_ZH,
    SPEECH_WORDS,
    to_basic,
    tokenize,
)

# Each basic class's (valence, arousal): the values a mention contributes. Not the shared `cues.VALENCE_OF` on
# purpose: these are part of the documented rule behind training targets and CA-DPO ranking (module docstring),
# fixed by its tests; changing them changes built datasets.
CLASS_AFFECT: dict[str, tuple[float, float]] = {
    "happiness": (0.6, 0.6),
    "surprise": (0.2, 0.75),
    "neutral": (0.0, 0.3),
    "anger": (-0.7, 0.8),
    "disgust": (-0.6, 0.5),
    "fear": (-0.6, 0.7),
    "sadness": (-0.6, 0.3),
}

NEGATORS = NEGATORS_EN
_NEGATED_PREFIXES = ("dis", "un", "non", "in")


@dataclass(frozen=True)
class Mention:
    """One emotion mention: the word as written, its basic class, and its position."""

    word: str
    basic: str
    position: int


def _english_class(token: str, extra: dict[str, str] | None, observable: bool) -> str | None:
    if token in FALSE_FRIENDS:
        return None
    if extra and token in extra:
        return extra[token]
    if observable and token in OBSERVABLE_WORDS:
        return OBSERVABLE_WORDS[token]
    basic = to_basic(token)
    if basic is None:
        return None
    for prefix in _NEGATED_PREFIXES:
        stem = token[len(prefix):]
        if token.startswith(prefix) and len(stem) > 2 and to_basic(stem) == basic:
            return None  # "displeased": the prefix negates the stem
    return basic


def emotion_mentions(text: str, extra_words: dict[str, str] | None = None, observable: bool = True) -> list[Mention]:
    """Every emotion mention in `text`, in order, under the module's rule (negated ones dropped)."""
    mentions: list[Mention] = []
    recent: list[str] = []  # the last English tokens, for negation
    position = 0
    for token in tokenize(text):
        if token[0].isascii():
            basic = _english_class(token, extra_words, observable)
            if basic and not (NEGATORS & set(recent[-3:])):
                mentions.append(Mention(token, basic, position))
            recent.append(token)
            position += 1
            continue
        recent.clear()
        mentions.extend(_chinese_mentions(token, position, extra_words, observable))
        position += len(token)
    return mentions


def _chinese_mentions(run: str, start: int, extra: dict[str, str] | None, observable: bool) -> list[Mention]:
    found: list[Mention] = []
    lexicons = [extra or {}] + ([OBSERVABLE_ZH] if observable else [])
    i = 0
    while i < len(run):
        hit = None
        for lexicon in lexicons:  # single characters and words of the cue lexicons
            for word, cls in lexicon.items():
                if not word.isascii() and run.startswith(word, i):
                    hit = (word, cls)
                    break
            if hit:
                break
        if hit is None and i + 2 <= len(run):
            basic = to_basic(run[i : i + 2])
            if basic is not None:
                hit = (run[i : i + 2], basic)
        if hit is None:
            i += 1
            continue
        word, cls = hit
        negated = i > 0 and run[i - 1] in NEGATORS_ZH and word[0] not in NEGATORS_ZH
        if not negated:
            found.append(Mention(word, cls, start + i))
        i += len(word)
    return found


@dataclass(frozen=True)
class TextEmotion:
    """What the rule reads from one text."""

    emotions: list[str]  # the distinct words, in order of first mention
    basic: str
    valence: float
    arousal: float
    mentions: int


def read_emotion(text: str, extra_words: dict[str, str] | None = None, observable: bool = True) -> TextEmotion:
    """The basic class, valence and arousal that `text` states (neutral when it names none)."""
    mentions = emotion_mentions(text, extra_words, observable)
    if not mentions:
        valence, arousal = CLASS_AFFECT["neutral"]
        return TextEmotion([], "neutral", valence, arousal, 0)
    counts = Counter(m.basic for m in mentions)
    first = {}
    for m in mentions:
        first.setdefault(m.basic, m.position)
    basic = max(counts, key=lambda b: (counts[b], -first[b]))
    valence = sum(CLASS_AFFECT[m.basic][0] for m in mentions) / len(mentions)
    arousal = sum(CLASS_AFFECT[m.basic][1] for m in mentions) / len(mentions)
    words: list[str] = []
    for m in mentions:
        if m.word not in words:
            words.append(m.word)
    return TextEmotion(words, basic, round(valence, 3), round(arousal, 3), len(mentions))


def text_cues(evidence: Evidence) -> list[ModalityCue]:
    """One cue per modality whose slot text names an emotion (scene excluded: it is context).

    Confidence grows with the number of mentions (0.4 for one, at most 0.8): a text estimate is
    weaker than a measured one.
    """
    cues = []
    for slot_name, modality in SLOT_MODALITY.items():
        if modality == "scene":
            continue
        slot = evidence.slot(slot_name)
        if not slot.ok:
            continue
        extra = SPEECH_WORDS if modality == "words" else None
        read = read_emotion(slot.text, extra_words=extra, observable=modality != "words")
        if not read.mentions:
            continue
        cues.append(
            ModalityCue(
                modality=modality,
                valence=max(-1.0, min(1.0, read.valence)),
                arousal=max(0.0, min(1.0, read.arousal)),
                emotion=read.basic,
                confidence=round(min(0.8, 0.3 + 0.1 * read.mentions), 3),
                basis="the text mentions " + ", ".join(read.emotions[:4]),
            )
        )
    return cues
