"""Transcript accuracy: word error rate (WER) and character error rate (CER).

Both are the Levenshtein distance (substitutions + deletions + insertions) between a reference
and a hypothesis, divided by the reference's length, after normalising case, punctuation, SABER
event marks (``<laughter>``), English contractions and whitespace. CER is the usual measure for Chinese, which is written
without spaces between words. The normalisation is ours; the alignment and counting are jiwer's
(``jiwer``, in the ``test`` extra: WER is measured by the tests and the benchmarks).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from saber_agent.errors import missing_extra

_MARK = re.compile(r"<[a-z_]+>")
# English contractions spelled out, as Whisper's English text normaliser does before scoring: "I'm"
# for "I am" is a spelling, not two word errors. ("'s" is left alone: "is", "has" or a possessive.)
_CONTRACTIONS = (
    (r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\blet's\b", "let us"), (r"\bcannot\b", "can not"),
    (r"n't\b", " not"), (r"'m\b", " am"), (r"'re\b", " are"), (r"'ll\b", " will"), (r"'ve\b", " have"), (r"'d\b", " would"),
)


def normalise(text: str) -> str:
    """Lower case, no punctuation or event marks, contractions spelled out ("I'm" -> "i am"), single spaces."""
    text = unicodedata.normalize("NFKC", _MARK.sub(" ", text)).lower()
    text = "".join(ch if (ch.isalnum() or ch in "' ") else " " for ch in text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)  # quotes, not apostrophes
    for pattern, spelled in _CONTRACTIONS:
        text = re.sub(pattern, spelled, text)
    return " ".join(text.split())


def _jiwer():
    try:
        import jiwer
    except ImportError:
        raise ImportError(missing_extra("word and character error rates", "jiwer", "test")) from None
    return jiwer


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance / number of reference words (0 when both are empty)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(_jiwer().wer(ref, hyp))


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Character-level edit distance / number of reference characters, spaces ignored."""
    ref, hyp = normalise(reference).replace(" ", ""), normalise(hypothesis).replace(" ", "")
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(_jiwer().cer(ref, hyp))


def corpus_word_error_rate(pairs: Sequence[tuple[str, str]]) -> float:
    """Total word errors / total reference words over (reference, hypothesis) pairs."""
    normalised = [(normalise(r), normalise(h)) for r, h in pairs]
    scored = [(r, h) for r, h in normalised if r]
    errors = sum(len(h.split()) for r, h in normalised if not r)  # words heard where none were said: insertions
    words = sum(len(r.split()) for r, _ in scored)
    if scored:
        counts = _jiwer().process_words([r for r, _ in scored], [h for _, h in scored])
        errors += counts.substitutions + counts.deletions + counts.insertions
    return errors / words if words else 0.0


__all__ = ["character_error_rate", "corpus_word_error_rate", "normalise", "word_error_rate"]
