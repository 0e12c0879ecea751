"""The clip metadata and the result (saber_agent/evidence.py); the slots and timelines are tested in
tests/test_evidence_slots.py, the cues and answers in tests/test_evidence_analysis.py."""

from saber_agent.evidence import ClipInfo, Evidence, Result, Slot, result_json_schema


def test_result_schema_names_every_part():
    schema = result_json_schema()
    assert {"clip", "evidence", "analysis", "checks", "conflicts", "cues", "rounds"} <= set(schema["properties"])


def test_result_saber_record_has_exact_keys():
    result = Result(clip=ClipInfo(path="x"), evidence=Evidence(video_desc=Slot(text="a room", status="ok")))
    record = result.saber()
    assert set(record) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    assert set(record["audio_desc"]) == {"speech_content", "acoustic_feat"}
    assert record["video_desc"] == "a room"

