"""Spanish text sentiment for the "words" cue: a small emotion lexicon of our own, VADER-style scoring.

No Spanish sentiment lexicon that ships offline on PyPI under a clear licence was found in time
(pysentimiento downloads its models from the hub), so this is a hand-written list of everyday
emotional words, written from general Spanish usage (not from any benchmark's transcripts): each
entry a stem that matches the start of a word after accents are stripped (``odi`` matches odio,
odias, odiaba), with a polarity weight and, where it names one, a basic emotion. Scoring follows
the Chinese scorer in `text_sentiment`: each sentiment word counts its weight, scaled by an
intensifier (muy, tan, demasiado ...) and flipped by a negator (no, nunca, jamás, ni, tampoco)
within the three words before it; the sum is squashed into [-1, 1] as VADER does. A negated verb of
ceasing or avoiding ends the negation's reach (`ceasing_verb_es`): "no puedo dejar de llorar", "no paro de
reír", "no pude evitar llorar" assert the crying and the laughing (the negation applies to dejar de, parar de,
cesar de, evitar: "dejar de + infinitivo" is a phase periphrasis of cessation, RAE, *Nueva gramática* 2009, ch. 28;
as in English, `sentiment_en`); "no paro de llorar" read +0.24, "no llorar (+0.5)".

The optional local LLM of `saber_agent` (issue 16) can read the words too; this lexicon is the
default because it costs microseconds per clip, not a 1 GB model.
"""

from __future__ import annotations

import re
import unicodedata

# stem -> (polarity weight, basic emotion or None); stems match word starts, accents stripped
LEXICON_ES: dict[str, tuple[float, str | None]] = {
    # happiness
    "feliz": (1.0, "happiness"), "felic": (1.0, "happiness"), "alegr": (1.0, "happiness"), "content": (1.0, "happiness"),
    "encant": (1.0, "happiness"), "maravill": (1.2, "happiness"), "genial": (1.0, "happiness"), "estupend": (1.0, "happiness"),
    "fantastic": (1.2, "happiness"), "increibl": (0.8, "happiness"), "perfect": (0.8, "happiness"), "precios": (0.8, "happiness"),
    "hermos": (0.8, "happiness"), "bonit": (0.6, "happiness"), "divert": (0.8, "happiness"), "grac": (0.5, "happiness"),
    "amo": (1.0, "happiness"), "amor": (1.0, "happiness"), "querid": (0.6, "happiness"), "te quiero": (1.2, "happiness"),
    "guap": (0.6, "happiness"), "exito": (0.8, "happiness"), "bravo": (1.0, "happiness"),
    "viva": (0.8, "happiness"), "enhorabuena": (1.0, "happiness"), "felicidades": (1.0, "happiness"), "disfrut": (0.8, "happiness"),
    "risa": (0.6, "happiness"), "rie": (0.4, "happiness"), "excelent": (1.0, "happiness"), "lo logr": (1.0, "happiness"),
    "bien": (0.4, None), "buen": (0.5, None), "mejor": (0.4, None), "si": (0.0, None), "gust": (0.6, "happiness"),
    "tranquil": (0.4, None), "calma": (0.3, None), "esperanz": (0.6, "happiness"), "orgullos": (0.8, "happiness"),
    # laughter as transcribed, cheers and colloquial praise (Spain and Latin America)
    "jaja": (1.0, "happiness"), "jeje": (0.8, "happiness"), "jiji": (0.8, "happiness"), "hurra": (1.0, "happiness"),
    "sonre": (0.6, "happiness"),  # sonreír
    "yupi": (1.0, "happiness"), "ole": (0.8, "happiness"), "reir": (0.6, "happiness"), "riendo": (0.6, "happiness"),
    "sonri": (0.6, "happiness"), "carcajad": (0.8, "happiness"), "emocionant": (0.8, "happiness"), "emocionad": (0.8, "happiness"),
    "magnific": (1.0, "happiness"), "fenomenal": (1.0, "happiness"), "guay": (0.8, "happiness"), "cojonud": (1.0, "happiness"),
    "una pasada": (0.8, "happiness"), "de puta madre": (1.0, "happiness"), "que bien": (0.8, "happiness"),
    "lo mejor": (0.8, "happiness"), "por fin": (0.6, "happiness"), "paraiso": (0.6, "happiness"), "brillant": (0.6, "happiness"),
    "delicios": (0.8, "happiness"), "celebr": (0.8, "happiness"), "fiesta": (0.5, "happiness"),
    # anger
    "odio": (-1.2, "anger"), "odia": (-1.2, "anger"), "odie": (-1.2, "anger"),
    "furios": (-1.2, "anger"), "furia": (-1.2, "anger"), "rabia": (-1.2, "anger"),
    "enfad": (-1.0, "anger"), "enoj": (-1.0, "anger"), "cabre": (-1.0, "anger"), "maldit": (-1.2, "anger"),
    "maldi": (-1.0, "anger"), "idiota": (-1.2, "anger"), "imbecil": (-1.2, "anger"), "estupid": (-1.0, "anger"),
    "cabron": (-1.2, "anger"), "cállate": (-1.0, "anger"), "callate": (-1.0, "anger"), "basta": (-0.8, "anger"),
    "largate": (-1.0, "anger"), "fuera": (-0.5, "anger"), "mierda": (-1.2, "anger"), "joder": (-1.0, "anger"),
    "demonios": (-0.8, "anger"), "diablos": (-0.6, "anger"), "mataré": (-1.2, "anger"), "matare": (-1.2, "anger"),
    "mentir": (-0.8, "anger"), "mentiros": (-1.0, "anger"), "traicion": (-1.0, "anger"), "harto": (-1.0, "anger"),
    "culpa": (-0.6, "anger"),
    # sadness
    "triste": (-1.0, "sadness"), "tristeza": (-1.0, "sadness"), "llor": (-1.0, "sadness"), "lagrim": (-1.0, "sadness"),
    "dolor": (-0.8, "sadness"), "duele": (-0.8, "sadness"), "sufr": (-1.0, "sadness"), "muert": (-1.0, "sadness"),
    "murio": (-1.2, "sadness"), "perd": (-0.6, "sadness"), "solo": (-0.2, "sadness"), "soledad": (-0.8, "sadness"),
    "lo siento": (-0.6, "sadness"), "lo sient": (-0.6, "sadness"), "perdon": (-0.4, "sadness"), "echo de menos": (-0.8, "sadness"),
    "extran": (-0.6, "sadness"), "desgracia": (-1.0, "sadness"), "pena": (-0.8, "sadness"), "infeliz": (-1.0, "sadness"),
    "deprimid": (-1.0, "sadness"), "adios": (-0.4, "sadness"), "nunca mas": (-0.6, "sadness"), "desesper": (-1.0, "sadness"),
    # fear
    "miedo": (-1.0, "fear"), "asust": (-1.0, "fear"), "aterr": (-1.2, "fear"), "terror": (-1.2, "fear"),
    "panico": (-1.2, "fear"), "temo": (-0.8, "fear"), "temor": (-0.8, "fear"), "peligr": (-0.8, "fear"),
    "socorro": (-1.2, "fear"), "ayuda": (-0.6, "fear"), "auxilio": (-1.2, "fear"), "cuidado": (-0.6, "fear"),
    "huy": (-0.6, "fear"), "nervios": (-0.6, "fear"), "preocup": (-0.8, "fear"),
    "dios mio": (-0.6, "fear"), "por favor": (-0.3, "fear"), "no me hagas": (-1.0, "fear"), "angusti": (-1.0, "fear"),
    # disgust / contempt
    "asco": (-1.2, "disgust"), "asquer": (-1.2, "disgust"), "repugn": (-1.2, "disgust"), "desprecio": (-1.0, "disgust"),
    "patetic": (-1.0, "disgust"), "ridicul": (-0.8, "disgust"), "horribl": (-1.0, "disgust"), "horror": (-1.0, "fear"),
    "vergüenza": (-0.8, "disgust"), "verguenza": (-0.8, "disgust"), "porqueria": (-1.0, "disgust"), "basura": (-1.0, "disgust"),
    "inutil": (-0.8, "disgust"), "miserabl": (-1.0, "disgust"), "cobarde": (-1.0, "disgust"), "mal": (-0.6, None),
    "terribl": (-1.0, None), "fatal": (-0.8, None), "peor": (-0.6, None), "problema": (-0.4, None),
    # surprise
    "sorpres": (0.2, "surprise"), "no puedo creer": (0.0, "surprise"), "no me lo puedo creer": (0.0, "surprise"),
    "en serio": (0.0, "surprise"), "vaya": (0.0, "surprise"), "cielos": (0.0, "surprise"),
}
NEGATORS_ES = frozenset({"no", "nunca", "jamas", "ni", "tampoco", "nada", "sin"})
INTENSIFIERS_ES = {"muy": 1.5, "tan": 1.5, "tanto": 1.5, "tanta": 1.5, "demasiado": 1.5, "super": 1.5, "realmente": 1.3,
                   "totalmente": 1.3, "absolutamente": 1.5, "mas": 1.2, "poco": 0.5, "algo": 0.7}
NEGATION_WINDOW = 3  # a negator flips a sentiment word at most this many words later
# verbs of ceasing ("dejar de", "parar de", "cesar de") and avoiding ("evitar"), accents folded: stem + an -ar ending
_CEASING_ES = re.compile(r"(?:dej|par|ces|evit)(?:o|a|as|amos|an|e|es|emos|en|ar|ado|ando|aba|abas|abamos|aban|aste|aron|ara|aras"
                         r"|aran|are|aria|arias|arian|aremos)")
_WORD = re.compile(r"[a-zñ]+")
_LAUGH = re.compile(r"\b(?:ja|je|ji)(?:[\s,.!¡]+(?:ja|je|ji)\b)+")


def fold(text: str) -> str:
    """Lower case without accents (ñ kept): the form the lexicon is matched in."""
    text = text.lower().replace("ñ", "\0")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.replace("\0", "ñ")


_PHRASES = sorted((k for k in LEXICON_ES if " " in k), key=len, reverse=True)
_STEMS = sorted((fold(k) for k in LEXICON_ES if " " not in k), key=len, reverse=True)
_BY_FOLDED = {fold(k): v for k, v in LEXICON_ES.items()}


def _match(word: str) -> str | None:
    """The longest stem that starts `word` (a stem of 3 letters or fewer must be the whole word)."""
    for stem in _STEMS:
        if word.startswith(stem) and (len(stem) > 3 or word == stem):
            return stem
    return None


def score_spanish(text: str) -> tuple[float, dict[str, int], list[str], int, int]:
    """(raw sum, emotion counts, evidence like "odio (-1.2)", number of words, exclamations)."""
    folded = _LAUGH.sub("jaja", fold(text))  # "¡Ja, ja, ja!" as whisper writes laughter is one laugh
    for phrase in _PHRASES:  # multi-word entries become one token
        folded = folded.replace(fold(phrase), fold(phrase).replace(" ", "_"))
    tokens = re.findall(r"[a-zñ_]+", folded)
    total, counts, evidence = 0.0, {}, []
    factor, since_negator = 1.0, NEGATION_WINDOW + 1
    for i, token in enumerate(tokens):
        if token in NEGATORS_ES:
            since_negator = 0
            continue
        if ceasing_verb_es(tokens, i):
            since_negator = NEGATION_WINDOW + 1  # "no dejo de llorar": negating "stop" keeps the crying
            continue
        if token in INTENSIFIERS_ES:
            factor *= INTENSIFIERS_ES[token]
            continue
        since_negator += 1
        key = token.replace("_", " ") if "_" in token else _match(token)
        entry = _BY_FOLDED.get(key) if key else None
        if entry is None or (entry[0] == 0 and entry[1] is None):
            factor = 1.0 if since_negator > 1 else factor
            continue
        negated = since_negator <= NEGATION_WINDOW
        weight = entry[0] * factor * (-0.5 if negated else 1.0)  # "no estoy feliz" is less than "triste"
        total += weight
        evidence.append(f"{'no ' if negated else ''}{token.replace('_', ' ')} ({weight:+.1f})")
        if entry[1] and not negated:
            counts[entry[1]] = counts.get(entry[1], 0) + 1
        factor = 1.0
    exclaims = text.count("!") + text.count("¡")
    return total, counts, evidence, len(tokens), exclaims


def ceasing_verb_es(tokens: list[str], i: int) -> bool:
    """Whether folded token i is a verb of ceasing followed by "de" ("dejo de", "paró de", "ha cesado de") or a form
    of "evitar": a negator before it does not reach the words after it (see the module docstring)."""
    if not _CEASING_ES.fullmatch(tokens[i]):
        return False
    return tokens[i].startswith("evit") or tokens[i + 1 : i + 2] == ["de"]


__all__ = ["LEXICON_ES", "ceasing_verb_es", "fold", "score_spanish"]
