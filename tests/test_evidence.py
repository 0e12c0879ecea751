import pytest
from pydantic import ValidationError

from saber_agent.evidence import (
    SLOT_NAMES, Analysis, Evidence, Result, ClipInfo, Slot, SlotStatus, result_json_schema, valence_label,
)


def test_evidence_has_the_six_saber_slots_unavailable_by_default():
    evidence = Evidence()
    assert tuple(Evidence.model_fields) == SLOT_NAMES
    assert all(evidence.slot(n).status is SlotStatus.unavailable for n in SLOT_NAMES)
    assert evidence.available() == []


def test_slot_confidence_is_bounded():
    with pytest.raises(ValidationError):
        Slot(text="x", status="ok", confidence=1.5)


def test_valence_labels():
    assert valence_label(0.5) == "positive"
    assert valence_label(-0.5) == "negative"
    assert valence_label(0.05) == "neutral"


def test_analysis_normalises_emotion_labels():
    assert Analysis(emotions=[" Happy ", "", "JOY"]).emotions == ["happy", "joy"]


def test_result_schema_names_every_part():
    schema = result_json_schema()
    assert {"clip", "evidence", "analysis", "checks", "conflicts", "cues", "rounds"} <= set(schema["properties"])


def test_result_saber_record_has_exact_keys():
    result = Result(clip=ClipInfo(path="x"), evidence=Evidence(video_desc=Slot(text="a room", status="ok")))
    record = result.saber()
    assert set(record) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    assert set(record["audio_desc"]) == {"speech_content", "acoustic_feat"}
    assert record["video_desc"] == "a room"
