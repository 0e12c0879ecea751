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
classes, used to map labels between vocabularies (e.g. onto a benchmark's label set).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saber_agent.evidence import BASIC_EMOTIONS


@dataclass(frozen=True)
class Sector:
    name: str
    valence: float  # -1 .. 1
    arousal: float  # 0 .. 1
    basic: str  # nearest of the seven basic classes
    words: tuple[str, ...]  # English words and phrases, safe to find inside free text
    label_words: tuple[str, ...]  # English words that count only as a whole label
    chinese: tuple[str, ...]  # Chinese words (matched inside text, longest first)


SECTORS: tuple[Sector, ...] = (
    Sector(
        "joy", 0.8, 0.6, "happiness",
        words=(
            "happy", "happiness", "happily", "joy", "joyful", "joyous", "glad", "gladness", "cheerful",
            "cheery", "delighted", "pleased", "pleasure", "contented", "contentment", "satisfied",
            "satisfaction", "excited", "excitement", "elated", "elation", "euphoric", "amused",
            "amusement", "playful", "lighthearted", "light-hearted", "relieved", "proud", "enthusiastic",
            "enthusiasm", "thrilled", "ecstatic", "blissful", "bliss", "jolly", "merry", "gleeful", "glee",
            "optimistic", "upbeat", "humorous", "jubilant", "triumphant", "overjoyed", "carefree",
        ),
        label_words=("content", "delight", "cheer", "pride", "relief", "joyfulness", "happy-go-lucky", "fun"),
        chinese=(
            "高兴", "开心", "快乐", "喜悦", "愉快", "愉悦", "欢乐", "欢喜", "兴奋", "激动", "满意", "满足",
            "欣慰", "欣喜", "得意", "骄傲", "自豪", "幸福", "乐观", "好笑", "有趣", "幽默", "调皮", "释然",
        ),
    ),
    Sector(
        "trust", 0.6, 0.4, "happiness",
        words=(
            "love", "loving", "affection", "affectionate", "fond", "fondness", "tender", "tenderness",
            "caring", "warmth", "trust", "trusting", "grateful", "gratitude", "thankful", "admiration",
            "admiring", "respect", "respectful", "sincere", "sincerity", "friendly", "compassion",
            "compassionate", "sympathetic", "sympathy", "empathy", "empathetic", "accepting", "reverent",
            "reverence", "devoted", "appreciative", "appreciation", "reassured", "confident", "touched",
            "moved", "earnest", "kind", "gentle", "supportive", "encouraging",
        ),
        label_words=("warm", "acceptance", "confidence", "admire"),
        chinese=(
            "感激", "感谢", "谢意", "尊敬", "敬意", "尊重", "钦佩", "赞许", "赞赏", "信任", "真诚", "诚恳",
            "诚挚", "友好", "友善", "亲切", "温柔", "温暖", "关心", "关切", "同情", "爱意", "喜爱", "恭敬",
            "崇敬", "感动", "自信",
        ),
    ),
    Sector(
        "anticipation", 0.2, 0.5, "neutral",
        words=(
            "anticipation", "anticipating", "expectant", "eager", "eagerness", "interested", "curious",
            "curiosity", "inquisitive", "attentive", "hopeful", "intrigued", "vigilant", "determined",
            "determination", "contemplative", "thoughtful", "longing", "yearning",
        ),
        label_words=("interest", "hope", "expectation", "alert", "focused", "engaged"),
        chinese=("期待", "期望", "好奇", "兴趣", "感兴趣", "专注", "坚定", "渴望", "希望", "盼望", "憧憬", "投入"),
    ),
    Sector(
        "surprise", 0.0, 0.8, "surprise",
        words=(
            "surprise", "surprised", "astonished", "astonishment", "amazed", "amazement", "shocked",
            "startled", "stunned", "astounded", "awe", "awed", "disbelief", "incredulous", "confused",
            "confusion", "puzzled", "perplexed", "bewildered", "baffled", "dumbfounded", "flabbergasted",
        ),
        label_words=("shock", "surprising", "unexpected"),
        chinese=(
            "惊讶", "吃惊", "惊奇", "震惊", "惊喜", "意外", "诧异", "困惑", "疑惑", "迷惑", "不解", "茫然",
            "惊愕",
        ),
    ),
    Sector(
        "anger", -0.7, 0.8, "anger",
        words=(
            "anger", "angry", "angrily", "furious", "fury", "rage", "enraged", "irate", "irritated",
            "irritation", "irritable", "annoyed", "annoyance", "frustrated", "frustration", "hostile",
            "hostility", "resentful", "resentment", "indignant", "indignation", "outraged", "outrage",
            "aggressive", "aggression", "agitated", "agitation", "exasperated", "bitter", "bitterness",
            "livid", "impatient", "impatience", "defiant", "fuming", "infuriated", "aggrieved", "vengeful",
            "jealous", "jealousy", "envious", "envy", "mad", "hateful", "hatred", "hate", "grumpy",
            "complaining", "reproachful",
        ),
        label_words=("cross", "heated", "annoying"),
        chinese=(
            "生气", "愤怒", "恼火", "恼怒", "气愤", "愤恨", "烦躁", "不耐烦", "暴躁", "不满", "敌意", "怨恨",
            "埋怨", "抱怨", "责备", "指责", "发火", "激愤", "嫉妒", "烦恼", "怨气", "怒气",
        ),
    ),
    Sector(
        "disgust", -0.6, 0.5, "disgust",
        words=(
            "disgust", "disgusted", "revulsion", "repulsed", "revolted", "contempt", "contemptuous", "scorn",
            "scornful", "disdain", "disdainful", "sarcastic", "sarcasm", "sneering", "mocking", "mockery",
            "derisive", "disapproval", "disapproving", "loathing", "aversion", "distaste", "skeptical",
            "sceptical", "scepticism", "skepticism", "suspicious", "dismissive", "cynical", "ironic",
            "irony", "sardonic", "doubtful", "condescending", "smug",
        ),
        label_words=("critical", "doubt", "disgusting"),
        chinese=(
            "厌恶", "讨厌", "反感", "嫌弃", "鄙视", "蔑视", "轻蔑", "不屑", "讽刺", "嘲讽", "嘲笑", "挖苦",
            "讥讽", "怀疑", "质疑", "恶心",
        ),
    ),
    Sector(
        "sadness", -0.7, 0.25, "sadness",
        words=(
            "sad", "sadness", "sadly", "unhappy", "unhappiness", "sorrow", "sorrowful", "grief", "grieving",
            "mourning", "depressed", "depression", "miserable", "misery", "gloomy", "gloom", "melancholy",
            "melancholic", "heartbroken", "disappointed", "disappointment", "dejected", "despair",
            "despairing", "hopeless", "hopelessness", "helpless", "helplessness", "lonely", "loneliness",
            "hurt", "upset", "regret", "regretful", "remorse", "remorseful", "guilty", "guilt", "ashamed",
            "shame", "embarrassed", "embarrassment", "pensive", "wistful", "tearful", "downcast",
            "discouraged", "resigned", "resignation", "dispirited", "nostalgic", "bored", "boredom",
            "weary", "tired", "exhausted", "self-deprecating", "wronged",
        ),
        label_words=("down", "low", "blue", "sorry"),
        chinese=(
            "悲伤", "难过", "伤心", "痛苦", "哀伤", "悲痛", "失望", "沮丧", "低落", "消沉", "忧郁", "郁闷",
            "孤独", "寂寞", "无奈", "无助", "绝望", "后悔", "懊悔", "愧疚", "内疚", "羞愧", "尴尬", "委屈",
            "心酸", "遗憾", "惋惜", "疲惫", "不开心", "不高兴", "不快",
        ),
    ),
    Sector(
        "fear", -0.6, 0.7, "fear",
        words=(
            "fear", "fearful", "afraid", "scared", "frightened", "terrified", "terror", "horror",
            "horrified", "panic", "panicked", "panicky", "anxious", "anxiety", "worried", "worry",
            "nervous", "nervousness", "tense", "uneasy", "unease", "apprehensive", "apprehension",
            "insecure", "insecurity", "alarmed", "threatened", "dread", "timid", "hesitant", "stressed",
            "overwhelmed", "distressed", "distress", "concerned", "uncertain", "shy", "fright", "on edge",
        ),
        label_words=("concern", "stress", "tension", "alarm", "worrying", "worried-looking"),
        chinese=(
            "害怕", "恐惧", "惊恐", "恐慌", "焦虑", "担心", "担忧", "忧虑", "紧张", "不安", "慌张", "惊慌",
            "畏惧", "胆怯", "害羞", "犹豫", "压力", "惶恐", "忐忑",
        ),
    ),
    Sector(
        "neutral", 0.0, 0.25, "neutral",
        words=(
            "neutral", "calm", "calmly", "calmness", "relaxed", "composed", "composure", "peaceful",
            "serene", "serenity", "tranquil", "indifferent", "indifference", "unemotional", "emotionless",
            "impassive", "expressionless", "detached", "placid", "matter-of-fact", "at ease", "unmoved",
            "nonchalant", "even-tempered",
        ),
        label_words=("serious", "peace", "flat", "neutrality", "none", "normal"),
        chinese=(
            "中性", "平静", "冷静", "淡定", "平和", "镇定", "放松", "轻松", "严肃", "淡然", "冷漠", "面无表情",
            "漠然", "平淡", "无所谓", "中立",
        ),
    ),
)

SECTOR_NAMES: tuple[str, ...] = tuple(s.name for s in SECTORS)
SECTOR_BY_NAME: dict[str, Sector] = {s.name: s for s in SECTORS}

# The seven basic classes and common dataset spellings of them (MELD "joy", MER "worried", ...).
_BASIC_ALIASES = {
    "happiness": "happiness", "happy": "happiness", "joy": "happiness", "excited": "happiness",
    "anger": "anger", "angry": "anger", "mad": "anger", "frustrated": "anger",
    "sadness": "sadness", "sad": "sadness",
    "fear": "fear", "fearful": "fear", "scared": "fear", "worried": "fear", "anxious": "fear",
    "disgust": "disgust", "disgusted": "disgust", "contempt": "disgust",
    "surprise": "surprise", "surprised": "surprise",
    "neutral": "neutral", "calm": "neutral", "none": "neutral",
}
_BASIC_ALIASES.update({"高兴": "happiness", "开心": "happiness", "快乐": "happiness", "愤怒": "anger", "生气": "anger",
                       "悲伤": "sadness", "伤心": "sadness", "恐惧": "fear", "害怕": "fear", "担心": "fear",
                       "厌恶": "disgust", "惊讶": "surprise", "中性": "neutral", "平静": "neutral"})

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

_TOKEN = re.compile(r"[a-z]+(?:['’-][a-z]+)*|[\u4e00-\u9fff]+|[.,;:!?()\[\]\"“”。，；：！？、（）]")
_EN_NEGATORS = {"not", "no", "never", "without", "nor", "neither", "hardly", "barely", "lacks", "lack", "absence", "free"}
_ZH_NEGATORS = ("不", "没", "无", "未", "非", "别", "毫无", "并非")
_CLAUSE_BREAK = set(".,;:!?()[]\"“”。，；：！？、（）") | {"but", "yet", "although", "though"}


def _negated(tokens: list[str], index: int, window: int = 3) -> bool:
    for token in reversed(tokens[max(0, index - window):index]):
        if token in _CLAUSE_BREAK:
            return False
        if token in _EN_NEGATORS or token.endswith("n't") or token.endswith("n’t"):
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
    tokens = _TOKEN.findall((text or "").lower())
    found: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token[0] >= "\u4e00":
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
