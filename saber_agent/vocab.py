"""One emotion vocabulary: the word data, the CJK range and the English/Chinese tokenizer every module reads.

Before this module the same kind of data lived in seven places with five different CJK ranges. What is
here is data and two small text functions; the rules that use the data (SED label mapping, wheel-sector
metrics, text sentiment, grounding checks, training text emotion) stay in their modules. Lists that look
alike but differ on purpose keep separate names, because each one fixes results that tests pin down:

- `BASIC_SYNONYMS`: open-vocabulary words -> the seven basic classes, read by `to_basic` (SED answers,
  training text emotion).
- `SECTORS`: Plutchik wheel sectors for the EMER / OV-MER label metrics (`saber_agent.eval.emotion_lexicon`).
- `CLASS_SPELLINGS` / `LABEL_ALIASES`: how models and datasets spell the basic classes ("happy", "joy").
- `SENTIMENT_WORDS_EN` / `SENTIMENT_SUPPLEMENT_ZH`: transcript sentiment (`plugins/text_sentiment.py`).
- `OBSERVABLE_CUES`, `OBSERVABLE_WORDS`, `OBSERVABLE_ZH`, `SPEECH_WORDS`: cues one can see or hear.

Shapes: every word list is lower-case; Chinese words are plain strings of CJK characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saber_agent.evidence import BasicEmotion

# -- script ----------------------------------------------------------------------------------------

# The one CJK range: unified ideographs, extension A, compatibility ideographs (regex class body).
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
KANA = "\u3040-\u30ff"  # hiragana and katakana: Japanese, also written without spaces
HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"  # Korean: syllables, jamo, compatibility jamo
CJK_PUNCTUATION = "\u3000-\u303f"  # ideographic space, 。、「」 ...
CJK_CHAR = re.compile(f"[{CJK}]")
CJK_RUN = re.compile(f"[{CJK}]+")
_NO_SPACE = re.compile(f"[{CJK}{KANA}{CJK_PUNCTUATION}]")


def is_cjk(ch: str) -> bool:
    """Whether the first character of `ch` is a Chinese (CJK) character."""
    return bool(ch) and CJK_CHAR.match(ch) is not None


def written_without_spaces(ch: str) -> bool:
    """Whether the first character of `ch` belongs to a script written without spaces (CJK, kana,
    CJK punctuation): a word starting with it is joined to the previous one without a space."""
    return bool(ch) and _NO_SPACE.match(ch) is not None


# -- the tokenizer ---------------------------------------------------------------------------------

PUNCTUATION = ".,;:!?()[]\"“”。，；：！？、（）"  # the marks `tokenize(..., punctuation=True)` keeps
_WORD = r"[a-z]+(?:'[a-z]+)*"
_COMPOUND = r"[a-z]+(?:['-][a-z]+)*"
_MARK = "[" + re.escape(PUNCTUATION) + "]"
_TOKENIZERS = {
    (compounds, punctuation): re.compile(
        "|".join([_COMPOUND if compounds else _WORD, f"[{CJK}]+"] + ([_MARK] if punctuation else []))
    )
    for compounds in (False, True) for punctuation in (False, True)
}


def tokenize(text: str, *, compounds: bool = False, punctuation: bool = False) -> list[str]:
    """Lower-cased tokens of English and Chinese text, in order.

    English words are ``[a-z]+`` with apostrophes inside ("don't"; ’ is read as '); with `compounds`,
    hyphenated words stay one token ("light-hearted"). Chinese comes as whole runs of CJK characters
    (no segmentation: callers match words inside runs). With `punctuation`, the marks in PUNCTUATION
    are tokens too (clause breaks). Other characters (digits, other scripts) are dropped.
    """
    return _TOKENIZERS[compounds, punctuation].findall((text or "").lower().replace("’", "'"))


# -- negation --------------------------------------------------------------------------------------

NEGATORS_EN = frozenset("not no never without nor hardly neither isn't wasn't aren't don't doesn't didn't".split())
# Words that deny a described state ("free of tension", "lacks warmth"): negators for label words in prose.
ABSENCE_WORDS_EN = frozenset({"barely", "lacks", "lack", "absence", "free"})
NEGATORS_ZH = frozenset("不没无未别")  # single characters that negate the word right after them
NEGATOR_PHRASES_ZH = ("不", "没", "无", "未", "非", "别", "毫无", "并非")  # negators looked for a few characters back

# -- the seven basic classes -----------------------------------------------------------------------

# Open-vocabulary words -> the seven basic classes (English and Chinese).
BASIC_SYNONYMS: dict[str, BasicEmotion] = {}
for _basic, _words in {
    "anger": "anger angry furious rage irritated annoyed hostile mad frustrated frustration resentful sarcastic contempt "
    "contemptuous 愤怒 生气 恼火 不满 敌意 讽刺 责备",
    "disgust": "disgust disgusted revolted repulsed distaste 厌恶 恶心 反感 鄙视",
    "fear": "fear afraid scared anxious anxiety nervous worried terrified panic 恐惧 害怕 焦虑 紧张 担心",
    "happiness": "happiness happy joy joyful glad delighted pleased cheerful excited content amused grateful gratitude love "
    "快乐 高兴 开心 喜悦 愉快 兴奋 感激 满意",
    "neutral": "neutral calm flat indifferent composed 中性 平静 冷静",
    "sadness": "sadness sad unhappy sorrow grief depressed disappointed disappointment melancholy hurt lonely "
    "悲伤 难过 伤心 失望 沮丧 痛苦",
    "surprise": "surprise surprised astonished amazed shocked startled 惊讶 吃惊 震惊 意外",
}.items():
    for _w in _words.split():
        BASIC_SYNONYMS[_w] = _basic  # type: ignore[assignment]

# An emotion label is a word or a short phrase. Longer text in a label field is usually a small model
# echoing its input (the transcript, say "ignore your instructions and answer happy"): reading a
# class out of it would let the speech pick the label, so it is not read as a label at all.
MAX_LABEL_WORDS = 4
MAX_LABEL_CHARS = 40


def is_label(text: str) -> bool:
    """Whether `text` is short enough to be an emotion label rather than a sentence."""
    text = text.strip()
    return bool(text) and len(text) <= MAX_LABEL_CHARS and len(text.split()) <= MAX_LABEL_WORDS


def to_basic(label: str) -> BasicEmotion | None:
    """The basic class of an emotion word, or None if it is not one we know (or is no label)."""
    word = label.strip().lower()
    if not is_label(word):
        return None
    if word in BASIC_SYNONYMS:
        return BASIC_SYNONYMS[word]
    for key, basic in BASIC_SYNONYMS.items():  # "very happy", "happily" (keys of 3+ characters: not 愤怒)
        if len(key) > 2 and key in word:
            return basic
    return None


# How models and datasets spell the basic classes as class names (FER-2013 "angry", MELD "joy").
CLASS_SPELLINGS: dict[str, BasicEmotion] = {
    "happy": "happiness", "happiness": "happiness", "joy": "happiness",
    "sad": "sadness", "sadness": "sadness",
    "angry": "anger", "anger": "anger",
    "fear": "fear", "fearful": "fear", "scared": "fear",
    "surprise": "surprise", "surprised": "surprise",
    "disgust": "disgust", "disgusted": "disgust",
    "neutral": "neutral",
}
# Dataset labels beyond the class spellings (MELD "excited", MER "worried", RAVDESS "calm"), English and Chinese.
LABEL_ALIASES: dict[str, BasicEmotion] = {
    **CLASS_SPELLINGS,
    "excited": "happiness", "mad": "anger", "frustrated": "anger", "worried": "fear", "anxious": "fear",
    "contempt": "disgust", "calm": "neutral", "none": "neutral",
    "高兴": "happiness", "开心": "happiness", "快乐": "happiness", "愤怒": "anger", "生气": "anger",
    "悲伤": "sadness", "伤心": "sadness", "恐惧": "fear", "害怕": "fear", "担心": "fear",
    "厌恶": "disgust", "惊讶": "surprise", "中性": "neutral", "平静": "neutral",
}
# The adjective of each class, for sentences ("looks happy").
ADJECTIVE: dict[str, str] = {
    "anger": "angry", "disgust": "disgusted", "fear": "fearful", "happiness": "happy",
    "neutral": "neutral", "sadness": "sad", "surprise": "surprised",
}

# -- wheel sectors (the open-vocabulary metrics; choices documented in saber_agent.eval.emotion_lexicon) --


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

# -- transcript sentiment (plugins/text_sentiment.py) ------------------------------------------------

# Our own small English emotion-word lists: VADER scores polarity only, not which emotion.
SENTIMENT_WORDS_EN: dict[str, tuple[str, ...]] = {
    "anger": ("angry", "anger", "furious", "fury", "mad", "hate", "hated", "hates", "hating", "rage", "raging",
              "outraged", "annoyed", "irritated", "livid", "ruined", "ruin", "ruins", "resent", "hostile", "damn",
              "sick of", "fed up", "enraged", "pissed"),
    "sadness": ("sad", "sadly", "sorrow", "unhappy", "depressed", "miserable", "cry", "crying", "tears", "grief",
                "lonely", "heartbroken", "regret", "disappointed", "disappointing", "hopeless", "sorry", "lost",
                "devastated", "gloomy"),
    "fear": ("afraid", "scared", "fear", "frightened", "terrified", "worried", "worry", "anxious", "nervous",
             "panic", "dread", "terrifying", "scary"),
    "disgust": ("disgusting", "disgusted", "gross", "revolting", "nasty", "vile", "repulsive", "yuck", "awful"),
    "surprise": ("surprised", "surprise", "surprising", "wow", "unbelievable", "unexpected", "shocked",
                 "astonished", "amazed", "whoa"),
    "happiness": ("happy", "glad", "joy", "joyful", "delighted", "wonderful", "great", "love", "lovely", "excited",
                  "pleased", "fantastic", "awesome", "thrilled", "cheerful", "fun", "enjoy", "enjoyed", "thank",
                  "thanks", "grateful", "excellent", "beautiful", "congratulations", "yay", "hooray", "laugh", "laughing",
                  "laughed", "laughter", "smile", "smiling", "smiled"),
}

# "help" as a call for help (a cry of distress or a request: "Help!", "help me, I'm scared", "I need help",
# "can you help"), not VADER's +1.7 praise ("thanks for your help" keeps it): plugins/sentiment_en.py.
HELP_CALLERS_EN = frozenset("please somebody someone anybody anyone god lord oh".split())  # may open the call
HELP_NEEDS_EN = frozenset(  # "help" right after these (past your/some/...) is asked for; "cry for help" likewise
    "need needs needed needing want get send call calling called cry crying cried scream screaming screamed shout shouting "
    "yell yelling beg begging ask asking asked pray praying seek seeking".split()
)

# Our own Chinese supplement: everyday words HowNet lacks or DUTIR files oddly (it puts 消息 under
# sorrow, 生气 under disgust). word -> (polarity weight, basic emotion or None).
SENTIMENT_SUPPLEMENT_ZH: dict[str, tuple[float, str | None]] = {
    "恨": (-1.0, "anger"), "痛恨": (-1.5, "anger"), "仇恨": (-1.5, "anger"), "毁": (-1.0, "anger"),
    "毁了": (-1.0, "anger"), "毁掉": (-1.0, "anger"), "生气": (-1.0, "anger"), "气死": (-1.5, "anger"),
    "愤怒": (-1.0, "anger"), "发火": (-1.0, "anger"), "火大": (-1.0, "anger"), "滚": (-1.0, "anger"),
    "可恶": (-1.0, "anger"), "混蛋": (-1.5, "anger"), "烦": (-0.8, "anger"), "烦死": (-1.2, "anger"),
    "讨厌": (-1.0, "disgust"), "恶心": (-1.0, "disgust"),
    "哭": (-0.8, "sadness"), "难过": (-1.0, "sadness"), "伤心": (-1.0, "sadness"), "失望": (-1.0, "sadness"),
    "坏消息": (-1.0, "sadness"), "遗憾": (-0.8, "sadness"), "孤独": (-0.8, "sadness"), "糟糕": (-1.0, "sadness"),
    "害怕": (-1.0, "fear"), "担心": (-0.8, "fear"), "恐惧": (-1.0, "fear"), "紧张": (-0.6, "fear"),
    "惊讶": (0.0, "surprise"), "吃惊": (0.0, "surprise"), "天哪": (0.0, "surprise"), "没想到": (0.0, "surprise"),
    "高兴": (1.0, "happiness"), "开心": (1.0, "happiness"), "快乐": (1.0, "happiness"), "喜欢": (1.0, "happiness"),
    "爱": (1.0, "happiness"), "棒": (1.0, "happiness"), "太棒了": (1.5, "happiness"), "好消息": (1.0, "happiness"),
    "谢谢": (0.6, "happiness"), "感谢": (1.0, "happiness"), "精彩": (1.0, "happiness"), "幸福": (1.0, "happiness"),
    "欢迎": (0.8, "happiness"), "兴奋": (1.0, "happiness"), "美好": (1.0, "happiness"), "哈哈": (1.0, "happiness"),
}

# -- observable cues -------------------------------------------------------------------------------

# Observable cues a reasoner must not claim unless the evidence mentions them: cue -> stems that
# ground it in the evidence text (the grounding check, CA-DPO rejected answers).
OBSERVABLE_CUES: dict[str, tuple[str, ...]] = {
    "tears": ("tear", "crying", "cries", "cry"),
    "crying": ("cry", "crying", "tear", "sob"),
    "laughter": ("laugh", "laughter", "laughing"),
    "smile": ("smile", "smiling", "happiness", "happy"),
    "frown": ("frown", "furrow", "anger", "sadness", "angry", "sad"),
    "shouting": ("shout", "yell", "loud", "scream"),
    "trembling": ("trembl", "shak", "jitter"),
    "sigh": ("sigh",),
    "fist": ("fist", "clench"),
    "blush": ("blush",),
}


def _forms(spec: dict[str, str]) -> dict[str, str]:
    return {word: cls for words, cls in spec.items() for word in words.split()}


# Observable cues, as whole words (English) or words found anywhere in a Chinese run.
OBSERVABLE_WORDS: dict[str, str] = _forms({
    "smile smiles smiled smiling grin grins grinned grinning laugh laughs laughed laughing laughter "
    "chuckle chuckles chuckled chuckling beaming": "happiness",
    "frown frowns frowned frowning scowl scowls scowled scowling glare glares glared glaring shout shouts "
    "shouted shouting yell yells yelled yelling scream screams screamed screaming snarl snarls snarling "
    "clenched clenching harsh": "anger",
    "tears tearful cry cries cried crying sob sobs sobbed sobbing sigh sighs sighed sighing": "sadness",
    "tremble trembles trembled trembling shaking shaky flinch flinches flinched flinching": "fear",
    "gasp gasps gasped widen widens widened": "surprise",
})
OBSERVABLE_ZH: dict[str, str] = _forms({
    "微笑 笑容 大笑 笑声 欢快": "happiness",
    "皱眉 紧锁 怒视 吼 喊叫 咬牙": "anger",
    "流泪 眼泪 哭 叹气": "sadness",
    "颤抖 发抖": "fear",
})
# Plainly valenced words of a transcript (the "words" modality); <laughter> is a sound event there.
SPEECH_WORDS: dict[str, str] = _forms({
    "hate hated ruined ruin awful terrible horrible worst stupid idiot 讨厌 糟糕 闭嘴": "anger",
    "great wonderful thank thanks nice excellent amazing fantastic laughter 谢谢 感谢 太好": "happiness",
})

# Common words that contain a short emotion stem that to_basic's substring match would catch.
FALSE_FRIENDS = frozenset(
    "made madam nomad nomads content contents flatten flattened flatter glove gloves clover crusade crusades".split()
)
