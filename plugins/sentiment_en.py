"""English words read with VADER (Hutto & Gilbert 2014), with the negation scopes VADER misses.

VADER negates a lexicon word when a negator ("not", "never", "don't" ...) is one of the three words
before it, and treats "no" as a negator only right before the word ("no worry"). Spoken sentences
put it further away: "there is no need to worry", "no one was happy", "I don't think it's bad".
`read_english` runs VADER's own per-word loop (`SentimentIntensityAnalyzer.polarity_scores`) and
then, within one clause (split at , . ; : ! ?), lets a negator (VADER's list plus "no") reach the
first lexicon word up to `SCOPE` words after it; a word VADER already negated is left as VADER
scored it. "never so/this" and "without doubt" stay VADER's intensifiers. The word "no" itself is
a negator or a refusal, not an emotion: its valence (-1.2 in VADER) is not counted.

Output: the sentence valence (VADER's compound, with its "but" weighting and punctuation emphasis)
and each token's valence in context, with whether it is negated.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

SCOPE = 4  # words after a negator that it can reach (VADER's own window is 3, "no" only 2)
_CLAUSE_END = tuple(",.;:!?")


@dataclass
class WordScore:
    """One token as VADER splits it (whitespace, punctuation stripped from words longer than 2)."""

    token: str  # lower-case, as VADER sees it
    word: str  # lower-case, punctuation stripped
    lexicon: float | None  # VADER's lexicon valence of the word, None when not in the lexicon
    valence: float  # in context: boosters, capitals and negation applied (before VADER's "but" weighting)
    negated: bool  # a negator governs it (VADER's or ours)


@dataclass
class EnglishReading:
    compound: float  # -1 .. 1, VADER's compound of the whole text with the negation above
    words: list[WordScore]


def read_english(text: str) -> EnglishReading:
    """The text read by VADER with clause-bounded negation scopes (see the module docstring)."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, SentiText

    from saber_agent.plugins.text_sentiment import _vader_analyzer

    analyzer = _vader_analyzer()
    text = _emoji_as_words(text, analyzer.emojis).strip()
    sentitext = SentiText(text)
    tokens = sentitext.words_and_emoticons
    lower = [t.lower() for t in tokens]
    clauses, clause = [], 0
    for raw in text.split():  # SentiText splits on whitespace too: one raw token per VADER token
        clauses.append(clause)
        if raw.rstrip("\"')]}").endswith(_CLAUSE_END):
            clause += 1
    sentiments: list[float] = []
    for i, item in enumerate(tokens):  # VADER's own loop (polarity_scores)
        if lower[i] in BOOSTER_DICT or (lower[i] == "kind" and i + 1 < len(lower) and lower[i + 1] == "of"):
            sentiments.append(0.0)
        else:
            sentiments = analyzer.sentiment_valence(0.0, sentitext, item, i, sentiments)
    words = []
    for i, token in enumerate(lower):
        base = analyzer.lexicon.get(token)
        scoped = _in_scope(lower, clauses, i, analyzer.lexicon)
        negated = scoped
        if token == "no":
            sentiments[i], negated = 0.0, False
        elif base and sentiments[i]:
            negated = sentiments[i] * base < 0  # VADER negated it
            if scoped and not negated:
                sentiments[i] *= N_SCALAR
                negated = True
        words.append(WordScore(token, token.strip(string.punctuation), base, sentiments[i], negated))
    weighted = analyzer._but_check(tokens, list(sentiments))
    compound = float(analyzer.score_valence(weighted, text)["compound"]) if tokens else 0.0
    return EnglishReading(compound, words)


def _in_scope(lower: list[str], clauses: list[int], i: int, lexicon: dict[str, float]) -> bool:
    """Whether a negator of the same clause reaches token i: within SCOPE words before it, with no
    other lexicon word between them (the first sentiment word after a negator takes it)."""
    for j in range(i - 1, max(-1, i - SCOPE - 1), -1):
        if clauses[j] != clauses[i]:
            return False
        word = lower[j].strip(string.punctuation) or lower[j]
        if is_negator(word):
            if word == "never" and {"so", "this"} & set(lower[j + 1 : i]):
                return False  # "never (been) so happy": VADER's intensifier
            if word == "without" and "doubt" in lower[j + 1 : i + 1]:
                return False
            return True
        if lexicon.get(lower[j]):
            return False
    return False


def is_negator(word: str) -> bool:
    """VADER's negators ("not", "never", "nothing", "without" ...), any "n't" word, and "no"."""
    from vaderSentiment.vaderSentiment import NEGATE

    return word == "no" or word in NEGATE or "n't" in word


def _emoji_as_words(text: str, emojis: dict[str, str]) -> str:
    """VADER's emoji step (polarity_scores): each emoji replaced by its description."""
    if not any(ch in emojis for ch in text):
        return text
    out, prev_space = "", True
    for ch in text:
        if ch in emojis:
            out += ("" if prev_space else " ") + emojis[ch]
            prev_space = False
        else:
            out += ch
            prev_space = ch == " "
    return out


__all__ = ["SCOPE", "EnglishReading", "WordScore", "is_negator", "read_english"]
