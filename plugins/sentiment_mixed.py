"""Opposite strong polarity across the sentences of the words: mixed feelings, not one reading.

Summed over a whole text, a strongly positive sentence and a strongly negative one cancel only partly, and the
remainder reads as a confident emotion: "I love you so much, you make me so happy. I hate you, get out of my
house, you disgust me." summed to valence +0.27, "happiness", confidence 0.57 (trial C). Each sentence is
therefore also read on its own (the language's scorer, `text_sentiment`): where one sentence reads at least
`STRONG` positive and another at least `STRONG` negative, the words are mixed (`TextSentiment.mixed`, a conflict
inside the words, `cues.find_conflicts`), with no single emotion, the mean of the sentences' valences and a low
confidence (`MIXED_CONFIDENCE`); the description names both sides and their emotions. Which it is, ambivalence
or several speakers' words, the words alone cannot tell.

Sentences shaped as apology, condolence, thanks or congratulation (`irony`'s speech-act lists: "I'm so sorry for
your loss. He was a wonderful man.") are left out: their negative wording is sincere courtesy, not a feeling
opposed to the rest. Irony inside one clause (`irony.possible_irony`) is read first and takes precedence.

`STRONG` = 0.445: one plain sentiment word in the Spanish and Chinese scorers gives 0.447 ("我讨厌你。", "Estoy
triste."; at 0.45 it missed them), "I hate you" -0.57 and "I love you" +0.64 in VADER (VADER's "good" alone, 0.44,
stays under); a hedged or merely polite sentence stays under it ("It was okay I guess." +0.23).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from saber_agent.cues import MIXED_SENTENCES
from saber_agent.plugins.irony import SPEECH_ACTS_EN, SPEECH_ACTS_ES, SPEECH_ACTS_ZH
from saber_agent.plugins.sentiment_es import fold

STRONG = 0.445  # |valence| of a sentence that counts as strongly positive or negative (see the docstring)
MIXED_CONFIDENCE = 0.45  # the words' confidence when mixed: the floor of a reading with evidence (text_sentiment._finish)
_SENTENCES = re.compile(r"[^.!?…。！？\n]+[.!?…。！？\n]*")
_SPEECH_ACTS = {"en": (str.lower, SPEECH_ACTS_EN), "es": (fold, SPEECH_ACTS_ES), "zh": (str, SPEECH_ACTS_ZH)}


@dataclass(frozen=True)
class Sentence:
    """One sentence of the words as its language's scorer reads it alone."""

    text: str
    valence: float  # -1..1
    emotion: str | None  # the basic emotion the scorer names, or None


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its closing punctuation, split at . ! ? … and their CJK forms and at new lines."""
    return [s.strip() for s in _SENTENCES.findall(text or "") if s.strip()]


def felt(text: str, language: str) -> list[str]:
    """The sentences of `text` (`sentences`) less those shaped as apology, condolence, thanks or congratulation
    (the speech-act lists of `language`: "en", "es" or "zh"; another leaves every sentence)."""
    normal, speech_acts = _SPEECH_ACTS.get(language.lower().split("-")[0], (str, None))
    return [s for s in sentences(text) if speech_acts is None or not speech_acts.search(normal(s))]


def opposed(text: str, language: str, read: Callable[[str], tuple[float, str | None]]) -> tuple[list[Sentence], list[Sentence]] | None:
    """(strongly positive sentences, strongly negative ones) of `text` where it holds both, else None.

    `language`: "en", "es" or "zh" (for the speech-act lists; another reads no courtesy). `read(sentence)`: the
    language scorer's (valence, emotion) of one sentence."""
    read_ = [Sentence(s, *read(s)) for s in felt(text, language)]
    positive = [s for s in read_ if s.valence >= STRONG]
    negative = [s for s in read_ if s.valence <= -STRONG]
    return (positive, negative) if positive and negative else None


def describe(positive: list[Sentence], negative: list[Sentence]) -> str:
    """The mixed note of the words cue: both sides, quoted, with their emotions. It holds `cues.MIXED_SENTENCES`,
    which tells it from irony (`cues.reads_as_irony`)."""
    def side(group: list[Sentence]) -> str:
        quoted = "; ".join(f'"{_short(s.text)}" ({s.emotion + ", " if s.emotion else ""}{s.valence:+.2f})' for s in group[:2])
        return quoted + (f" and {len(group) - 2} more" if len(group) > 2 else "")

    return (f"the words hold {MIXED_SENTENCES}: positive {side(positive)}, negative {side(negative)}; mixed feelings, "
            "or several speakers' words, so no single emotion is read from them")


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["MIXED_CONFIDENCE", "STRONG", "Sentence", "describe", "felt", "opposed", "sentences"]
