"""EmoBench-M: read its benchmark JSON, and write our predictions in the shapes its scorer reads.

The benchmark (Emo-gml/EmoBench-M) is a JSON list of samples in the LLaVA conversation layout::

    {"video": "MELD/dia1_utt2.mp4",
     "conversations": [{"from": "human", "value": "<video>\\n... Choose one of the following labels
                        as your final answer: neutral, surprise, fear, sadness, joy, disgust, anger. ..."},
                       {"from": "gpt", "value": "joy"}]}

Videos are relative to a video root. The label set is per dataset; we read it from the sample
(``categories`` / ``intent_categories``), else from the instruction's "Choose one ...: a, b, c", else
from a named preset (`PRESETS`, the label sets of the benchmark's own scorer configuration).

Its scorer (``EmoBench-M-eval.py``) reads three shapes, which `write_predictions` writes:

- classification: a JSON list of ``{"video", "expected_value", "predicted_value"}``;
- joint emotion/intent (MC-EIU): JSONL of ``{"modal_path", "expected_emotion", "expected_intent",
  "predicted_emotion", "predicted_intent"}``;
- generation (e.g. SMILE's "why did the audience laugh"): a JSON list of
  ``{"video", "prediction", "reference"}``.

Our analysis does not read the instruction (it perceives and reasons the same way for every task),
so each answer is derived from the result and constrained to the task's label set:
sentiment sets from the valence (five-way sets by its magnitude), emotion sets by the closest allowed
label (same text, then same emotion-wheel sector, then nearest valence/arousal point), sarcasm
(true/false) from a named face-versus-words/voice conflict or a sarcastic/ironic reading, humour
(true/false) from laughter in the transcript or an amused, aroused reading, and the intent from
keyword rules over the transcript. These rules are assumptions of ours, not the benchmark's.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from saber_agent.eval.answers import MARKS
from saber_agent.eval.emotion_lexicon import SECTOR_BY_NAME, sector_of, sectors_of_labels
from saber_agent.evidence import valence_label

Task = Literal["classification", "joint", "generation"]

# The label sets in the benchmark's scorer configuration.
PRESETS: dict[str, list[str]] = {
    "FGMSA": ["weak negative", "strong negative", "neutral", "strong positive", "weak positive"],
    "ch-simsv2s": ["neutral", "negative", "positive"],
    "MOSI": ["neutral", "negative", "positive"],
    "SIMS": ["neutral", "negative", "positive"],
    "MOSEI": ["neutral", "negative", "positive"],
    "funny": ["true", "false"],
    "MUSTARD": ["true", "false"],
    "MELD": ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"],
    "mer2023": ["happy", "sad", "neutral", "angry", "worried", "surprise"],
    "RAVDSS-song": ["neutral", "calm", "happy", "sad", "angry", "fearful"],
    "RAVDSS-speech": ["neutral", "calm", "happy", "sad", "angry", "fearful", "surprised", "disgust"],
}
MC_EIU_EMOTIONS = ["happy", "surprise", "sad", "disgust", "anger", "fear", "neutral"]
MC_EIU_INTENTS = ["questioning", "agreeing", "acknowledging", "encouraging", "consoling", "suggesting", "wishing", "neutral"]

_SENTIMENT = {"positive", "negative", "neutral", "weak positive", "strong positive", "weak negative", "strong negative"}
_BINARY = ({"true", "false"}, {"yes", "no"})


class BenchmarkSample(BaseModel):
    """One EmoBench-M sample."""

    index: int
    video: str  # as written in the benchmark (relative to the video root)
    instruction: str = ""
    answer: str = ""
    categories: list[str] = Field(default_factory=list)
    intent_categories: list[str] = Field(default_factory=list)
    task: Task = "classification"

    def path(self, root: str | os.PathLike) -> Path:
        video = Path(self.video)
        return video if video.is_absolute() else Path(root) / video


def is_emobench(data: Any) -> bool:
    """Whether decoded JSON looks like an EmoBench-M benchmark (a list of video + instruction samples)."""
    return (
        isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "video" in data[0]
        and any(k in data[0] for k in ("conversations", "instruction", "prompt", "question"))
    )


def _split_options(text: str) -> list[str]:
    parts = re.split(r",|\bor\b|\band\b|/|;", text)
    return [p.strip().strip("'\"“”‘’ ").lower() for p in parts if p.strip().strip("'\"“”‘’ ")]


_LABELS_RE = [
    re.compile(r"labels? as your final answer\s*:\s*(.+?)(?:\.\s|\.$|$|\n)", re.I),
    re.compile(r"choose one emotion\s*:\s*(.+?)(?:\.\s|\.$|$|\n)", re.I),
    re.compile(
        r"(?:choose|select|pick) (?:one|a label) (?:from|of|among)(?: the following)?(?: labels| options)?"
        r"\s*:\s*(.+?)(?:\.\s|\.$|$|\n)",
        re.I,
    ),
    re.compile(r"(?:labels|options|categories)\s*(?:are|:)\s*(.+?)(?:\.\s|\.$|$|\n)", re.I),
]
_INTENTS_RE = re.compile(r"choose one intent\s*:\s*(.+?)(?:\.\s|\.$|$|\n)", re.I)


def labels_from_instruction(instruction: str) -> tuple[list[str], list[str]]:
    """(emotion/answer labels, intent labels) listed in an instruction, or empty lists."""
    intents = _split_options(m.group(1)) if (m := _INTENTS_RE.search(instruction)) else []
    for pattern in _LABELS_RE:
        if match := pattern.search(instruction):
            return _split_options(match.group(1)), intents
    return [], intents


def load_benchmark(
    path: str | os.PathLike,
    categories: Sequence[str] | None = None,
    intent_categories: Sequence[str] | None = None,
    task: Task | None = None,
    preset: str | None = None,
) -> list[BenchmarkSample]:
    """The samples of a benchmark JSON. Explicit `categories` / `preset` win over what samples say."""
    from saber_agent.batch import BatchInputError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot be read as an EmoBench-M benchmark JSON ({exc}).") from None
    if not is_emobench(data):
        raise BatchInputError(f"{path}: not an EmoBench-M benchmark (a JSON list of samples with 'video' and 'conversations').")
    if preset and preset not in PRESETS and preset != "MC-EIU":
        raise BatchInputError(f"unknown EmoBench-M preset {preset!r}; known: {', '.join([*PRESETS, 'MC-EIU'])}.")
    samples = []
    for index, raw in enumerate(data):
        if not isinstance(raw, dict) or not raw.get("video"):
            raise BatchInputError(f"{path}: sample {index} has no 'video'.")
        turns = raw.get("conversations") or []
        instruction = str(
            raw.get("instruction") or raw.get("prompt") or raw.get("question") or (turns[0].get("value", "") if turns else "")
        )
        instruction = instruction.replace("<video>", "").replace("<audio>", "").strip()
        answer = str(raw.get("answer") or raw.get("expected_value") or (turns[1].get("value", "") if len(turns) > 1 else "")).strip()
        found, found_intents = labels_from_instruction(instruction)
        cats = list(categories or []) or ([*PRESETS[preset]] if preset in PRESETS else []) or raw.get("categories") or found
        intents = (
            list(intent_categories or []) or (MC_EIU_INTENTS if preset == "MC-EIU" else [])
            or raw.get("intent_categories") or found_intents
        )
        if preset == "MC-EIU" and not categories:
            cats = MC_EIU_EMOTIONS
        kind: Task = task or ("joint" if intents else "classification" if cats else "generation")
        samples.append(BenchmarkSample(
            index=index, video=str(raw["video"]), instruction=instruction, answer=answer,
            categories=[str(c).lower() for c in cats], intent_categories=[str(c).lower() for c in intents], task=kind,
        ))
    return samples


# -- constrained answers -------------------------------------------------------------------------


def _first_category(text: str, categories: Sequence[str]) -> str | None:
    """The category a free answer names (whole words, earliest in the text; longer names first on ties)."""
    best = None
    for cat in sorted(categories, key=len, reverse=True):
        match = re.search(r"(?<![a-z])" + re.escape(cat) + r"(?![a-z])", text.lower())
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), cat)
    return best[1] if best else None


def gold_label(answer: str, categories: Sequence[str]) -> str:
    """The gold answer as one of the categories when it names one ("{'emotion': 'joy'}" -> "joy")."""
    text = answer.strip().lower()
    if text in categories:
        return text
    return _first_category(text, categories) or text


def _sentiment(valence: float, categories: Sequence[str]) -> str:
    label = valence_label(valence)
    if label != "neutral" and f"strong {label}" in categories:
        return f"{'strong' if abs(valence) >= 0.5 else 'weak'} {label}"
    return label if label in categories else categories[0]


def _is_sarcastic(record: dict[str, Any]) -> bool:
    words = {w.lower() for w in ((record.get("prediction") or {}).get("emotions") or [])}
    if words & {"sarcastic", "ironic", "sarcasm", "irony", "mocking"}:
        return True
    for conflict in record.get("conflicts") or []:
        pair = set(conflict.get("modalities") or [])
        if "face" in pair and pair & {"words", "voice"}:
            return True
    return False


def _is_humorous(record: dict[str, Any]) -> bool:
    speech = ((record.get("saber") or {}).get("audio_desc") or {}).get("speech_content", "")
    if re.search(r"<\s*laugh", speech, re.I) or "笑声" in speech:
        return True
    prediction = record.get("prediction") or {}
    sectors = sectors_of_labels(prediction.get("emotions") or [])
    return "joy" in sectors and float(prediction.get("arousal", 0.0)) > 0.55


def constrain(record: dict[str, Any], categories: Sequence[str], instruction: str = "") -> str:
    """Our answer for a classification sample, as one of its `categories`."""
    categories = [c.lower() for c in categories]
    if not categories:
        raise ValueError("the sample has no label set to answer in (give categories or a preset)")
    prediction = record.get("prediction") or {}
    valence = float(prediction.get("valence", 0.0))
    arousal = float(prediction.get("arousal", 0.5))
    if set(categories) <= _SENTIMENT:
        return _sentiment(valence, categories)
    for yes_no in _BINARY:
        if set(categories) == yes_no:
            yes, no = sorted(yes_no, key=lambda c: c not in ("true", "yes"))
            text = instruction.lower()
            if re.search(r"humou?r|funny|laugh|joke", text) and not re.search(r"sarcas|iron", text):
                return yes if _is_humorous(record) else no
            return yes if _is_sarcastic(record) else no
    # the reasoner's marks ("uncertain", "undetermined") are no emotion words: "uncertain" would read as fear
    labels = [e for e in prediction.get("emotions") or [] if e not in MARKS]
    return closest_label([*labels, prediction.get("basic_emotion") or ""], valence, arousal, categories)


def closest_label(labels: Iterable[str], valence: float, arousal: float, categories: Sequence[str]) -> str:
    """The allowed category closest to our labels: for each of our labels in turn, the same text or
    else the same wheel sector; failing all, the category whose sector's valence/arousal point is
    nearest ours (categories that are no emotion are skipped)."""
    labels = [label.strip().lower() for label in labels if label and label.strip()]
    sectors = {c: sector_of(c) for c in categories}
    for label in labels:  # our labels in our order of preference (open-vocabulary first, basic last)
        if label in categories:
            return label
        sector = sector_of(label)
        for cat in categories:
            if sector and sectors[cat] == sector:
                return cat
    placed = [(c, SECTOR_BY_NAME[s]) for c, s in sectors.items() if s]
    if not placed:
        return categories[0]
    return min(placed, key=lambda cs: (cs[1].valence - valence) ** 2 + (cs[1].arousal - arousal) ** 2)[0]


# Keyword rules for the speaker's intent (MC-EIU's eight), English and Chinese, checked in this order.
_INTENT_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("consoling", re.compile(r"sorry (?:to hear|for your)|it'?s (?:ok|okay|alright|all right)|don'?t (?:worry|cry|be sad)"
                             r"|别难过|没关系|别担心|会好的", re.I)),
    ("encouraging", re.compile(r"you can do it|go for it|come on|keep going|don'?t give up|you'?ve got this|加油|你可以的|坚持", re.I)),
    ("wishing", re.compile(r"\bi hope\b|\bi wish\b|good luck|happy birthday|congratulations|merry christmas|祝|希望你", re.I)),
    ("suggesting", re.compile(r"\byou should\b|why don'?t|\blet'?s\b|how about|maybe you|we could|建议|不如|要不|应该", re.I)),
    ("questioning", re.compile(r"\?|？|^(?:what|why|how|when|where|who|which|do|does|did|is|are|can|could|would|will)\b"
                               r"|吗|呢|为什么|怎么", re.I)),
    ("agreeing", re.compile(r"^(?:yes|yeah|yep|right|exactly|sure|of course|absolutely|i agree)\b|\bi agree\b|对的|是的|同意|没错", re.I)),
    ("acknowledging", re.compile(r"\bthanks?\b|thank you|\bok(?:ay)?\b|i see|got it|\bhey\b|\bhi\b|\bhello\b|谢谢|知道了|好的|嗯", re.I)),
)


def intent_of(record: dict[str, Any], intents: Sequence[str]) -> str:
    """The speaker's intent from the transcript, as one of `intents` (neutral when no rule fires)."""
    speech = ((record.get("saber") or {}).get("audio_desc") or {}).get("speech_content", "") or ""
    speech = re.sub(r"<[^>]+>", " ", speech).strip()
    for intent, pattern in _INTENT_RULES:
        if intent in intents and pattern.search(speech):
            return intent
    return "neutral" if "neutral" in intents else intents[0]


def generation_answer(record: dict[str, Any], instruction: str = "") -> str:
    """Our free-text answer (the holistic reasoning), in the form the instruction asks for."""
    text = " ".join(((record.get("saber") or {}).get("sentiment_analysis") or "").split())
    if start := re.search(r"starting with\s*['\"“‘](.+?)['\"”’]", instruction, re.I):
        prefix = start.group(1).strip()
        if not text.lower().startswith(prefix.lower()):
            text = f"{prefix} {text[:1].lower() + text[1:]}" if text else prefix
    if limit := re.search(r"at most (\d+) words", instruction, re.I):
        words = text.split()
        text = " ".join(words[: int(limit.group(1))])
    return text


# -- writing what the scorer reads ---------------------------------------------------------------


def write_predictions(
    samples: Sequence[BenchmarkSample],
    records: dict[str, dict[str, Any]],
    out_dir: str | os.PathLike,
    stem: str,
    video_root: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Write the scorer's files for `samples` from results lines keyed by video; return paths and scores.

    A sample without a results line (or with an error line) gets an empty prediction, which the
    scorer counts as invalid.
    """
    from saber_agent.eval.metrics import classification_scores

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(video_root) if video_root else Path(".")
    by_task: dict[str, list] = {"classification": [], "joint": [], "generation": []}
    allowed: list[list[str]] = []  # each classification row's label set, for counting valid rows
    for sample in samples:
        record = records.get(sample.video)
        ok = record is not None and record.get("status") == "ok"
        if sample.task == "classification":
            expected = gold_label(sample.answer, sample.categories)
            predicted = constrain(record, sample.categories, sample.instruction) if ok else ""
            allowed.append(sample.categories)
            by_task["classification"].append({
                "video": sample.video, "expected_value": expected, "predicted_value": predicted,
                "raw_predicted_value": ", ".join((record or {}).get("prediction", {}).get("emotions", []) if ok else []),
            })
        elif sample.task == "joint":
            by_task["joint"].append({
                "modal_path": str(sample.path(root)),
                "expected_emotion": _first_category(sample.answer, sample.categories) or "",
                "expected_intent": _first_category(sample.answer, sample.intent_categories) or "",
                "predicted_emotion": constrain(record, sample.categories, sample.instruction) if ok else "",
                "predicted_intent": intent_of(record, sample.intent_categories) if ok else "",
            })
        else:
            by_task["generation"].append({
                "video": sample.video, "prediction": generation_answer(record, sample.instruction) if ok else "",
                "reference": sample.answer,
            })
    written: dict[str, Any] = {"files": {}, "scores": {}}
    if rows := by_task["classification"]:
        path = out / f"{stem}.classification.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written["files"]["classification"] = str(path)
        valid = [r for r, cats in zip(rows, allowed, strict=False) if r["expected_value"] in cats and r["predicted_value"] in cats]
        scores = classification_scores([r["expected_value"] for r in valid], [r["predicted_value"] for r in valid])
        written["scores"]["classification"] = {
            "n": len(rows), "invalid": len(rows) - len(valid),
            **({"accuracy": scores.accuracy, "precision": scores.weighted_precision,
                "recall": scores.weighted_recall, "f1_score": scores.weighted_f1} if scores else {}),
        }
    if rows := by_task["joint"]:
        path = out / f"{stem}.joint.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        written["files"]["joint"] = str(path)
        valid = [r for r in rows if all(r[k] for k in ("expected_emotion", "expected_intent", "predicted_emotion", "predicted_intent"))]
        joint = classification_scores(
            [f"{r['expected_emotion']}_{r['expected_intent']}" for r in valid],
            [f"{r['predicted_emotion']}_{r['predicted_intent']}" for r in valid],
        )
        emotion = classification_scores([r["expected_emotion"] for r in valid], [r["predicted_emotion"] for r in valid])
        intent = classification_scores([r["expected_intent"] for r in valid], [r["predicted_intent"] for r in valid])
        written["scores"]["joint"] = {
            "n": len(rows), "invalid": len(rows) - len(valid),
            **({"joint_accuracy": joint.accuracy, "joint_f1": joint.weighted_f1,
                "emotion_accuracy": emotion.accuracy, "emotion_f1": emotion.weighted_f1,
                "intent_accuracy": intent.accuracy, "intent_f1": intent.weighted_f1} if joint else {}),
        }
    if rows := by_task["generation"]:
        path = out / f"{stem}.generation.json"
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written["files"]["generation"] = str(path)
        written["scores"]["generation"] = {"n": len(rows), "empty": sum(1 for r in rows if not r["prediction"])}
    return written
