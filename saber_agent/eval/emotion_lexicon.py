"""The emotion-wheel lexicon used by the open-vocabulary metrics (English and Chinese).

EMER / OV-MER style evaluation compares *sets of emotions*, after grouping synonyms: "furious",
"irritated" and "愤怒" all count as one emotion. We group words by the sectors of Plutchik's wheel
(joy, trust, fear, surprise, sadness, disgust, anger, anticipation) plus a ninth, *neutral*, for
calm or unemotional states, which the wheel lacks and the benchmarks need.

Choices worth knowing (they change scores, so they are written down here and in docs/batch.md):

- calm, relaxed, serene, serious and indifferent are **neutral** (not Plutchik's "serenity is mild
  joy"); RAVDESS and MER use "calm" as a near-neutral class.
- sarcasm, irony, contempt, scepticism and disapproval are **disgust** (Plutchik's contempt is
  anger + disgust; we keep it in one sector so a "sarcastic" reading scores against "contemptuous").
- confusion and puzzlement are **surprise** (as in the Junto feeling wheel); tension, worry,
  stress and nervousness are **fear**; embarrassment, guilt, boredom and tiredness are **sadness**;
  gratitude, respect, sincerity and affection are **trust**; curiosity and eagerness are
  **anticipation**; agitation and jealousy are **anger**.
- Words that are emotions only as labels but usually something else in prose ("content" of speech,
  "stress" on a syllable, "interest" rates, "warm" lighting, "serious" injury) are matched only when
  they are a whole label (`sector_of`), never inside free text (`extract_emotions`).

Each sector also carries a point on the valence/arousal plane and its nearest of the seven basic
classes, used to map labels between vocabularies (e.g. onto a benchmark's label set). The word data
(`SECTORS`, `LABEL_ALIASES`) and the tokenizer live in `saber_agent.vocab`; this module holds the rules.
"""

from __future__ import annotations

from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.vocab import (
    ABSENCE_WORDS_EN,
    LABEL_ALIASES,
    NEGATOR_PHRASES_ZH,
    NEGATORS_EN,
    PUNCTUATION,
    SECTORS,
    Sector,
    is_cjk,
    tokenize,
)

SECTOR_NAMES: tuple[str, ...] = tuple(s.name for s in SECTORS)
SECTOR_BY_NAME: dict[str, Sector] = {s.name: s for s in SECTORS}

_BASIC_ALIASES = LABEL_ALIASES  # the seven basic classes and common dataset spellings of them

_WORD_TO_SECTOR: dict[str, str] = {}
_LABEL_TO_SECTOR: dict[str, str] = {}
_CHINESE_TO_SECTOR: dict[str, str] = {}
for _sector in SECTORS:
    for _w in _sector.words:
        _WORD_TO_SECTOR[_w] = _sector.name
    for _w in (*_sector.words, *_sector.label_words):
        _LABEL_TO_SECTOR[_w] = _sector.name
    for _w in _sector.chinese:
        _CHINESE_TO_SECTOR[_w] = _sector.name
_CHINESE_BY_LENGTH = sorted(_CHINESE_TO_SECTOR, key=len, reverse=True)
_MAX_PHRASE = max(len(w.split()) for w in _WORD_TO_SECTOR)

_EN_NEGATORS = NEGATORS_EN | ABSENCE_WORDS_EN
_ZH_NEGATORS = NEGATOR_PHRASES_ZH
_CLAUSE_BREAK = set(PUNCTUATION) | {"but", "yet", "although", "though"}


def _negated(tokens: list[str], index: int, window: int = 3) -> bool:
    for token in reversed(tokens[max(0, index - window):index]):
        if token in _CLAUSE_BREAK:
            return False
        if token in _EN_NEGATORS or token.endswith("n't"):  # the tokenizer reads ’ as '
            return True
    return False


def _chinese_matches(run: str) -> list[str]:
    """Lexicon words in a run of Chinese characters: greedy longest match, negation-aware."""
    found, i = [], 0
    while i < len(run):
        word = next((w for w in _CHINESE_BY_LENGTH if run.startswith(w, i)), None)
        if word is None:
            i += 1
            continue
        before = run[max(0, i - 3):i]
        if not any(neg in before for neg in _ZH_NEGATORS):
            found.append(word)
        i += len(word)
    return found


def extract_emotions(text: str) -> list[str]:
    """Emotion words found in free text (English and Chinese), in order, without repeats.

    Negated mentions ("not angry", "no sign of fear", "没有生气") are skipped.
    """
    tokens = tokenize(text, compounds=True, punctuation=True)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if is_cjk(token):
            found.extend(_chinese_matches(token))
            i += 1
            continue
        matched = 0
        for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i:i + n])
            if phrase in _WORD_TO_SECTOR:
                if not _negated(tokens, i):
                    found.append(phrase)
                matched = n
                break
        i += matched or 1
    return list(dict.fromkeys(found))


def sector_of(label: str) -> str | None:
    """The wheel sector of one emotion label ("furious" -> "anger"), or None if it is not an emotion.

    A label that is a phrase ("slightly annoyed") falls back to the emotion words inside it.
    """
    key = " ".join((label or "").strip().lower().replace("_", " ").split())
    if not key:
        return None
    if key in _LABEL_TO_SECTOR:
        return _LABEL_TO_SECTOR[key]
    if key in _CHINESE_TO_SECTOR:
        return _CHINESE_TO_SECTOR[key]
    if key in SECTOR_BY_NAME:
        return key
    inside = extract_emotions(key)
    return _sector_of_word(inside[0]) if inside else None


def _sector_of_word(word: str) -> str | None:
    return _WORD_TO_SECTOR.get(word) or _CHINESE_TO_SECTOR.get(word)


def sectors_of_text(text: str) -> set[str]:
    """The wheel sectors of the emotions a free text mentions."""
    return {s for w in extract_emotions(text) if (s := _sector_of_word(w))}


def sectors_of_labels(labels) -> set[str]:
    """The wheel sectors of a list of emotion labels (labels that are not emotions are dropped)."""
    return {s for label in labels if (s := sector_of(label))}


def basic_of(label: str) -> str | None:
    """One of the seven basic classes for a label ("joy" -> "happiness", "worried" -> "fear")."""
    key = (label or "").strip().lower()
    if key in BASIC_EMOTIONS:
        return key
    if key in _BASIC_ALIASES:
        return _BASIC_ALIASES[key]
    sector = sector_of(key)
    return SECTOR_BY_NAME[sector].basic if sector else None


__all__ = [
    "SECTORS", "SECTOR_NAMES", "SECTOR_BY_NAME", "Sector", "basic_of", "extract_emotions", "sector_of",
    "sectors_of_labels", "sectors_of_text",
]
