import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saber_agent.evidence import SlotStatus
from saber_agent.saber_format import (
    SaberFormatError,
    dumps,
    from_saber_record,
    iter_saber_jsonl,
    parse_record,
    read_saber_json,
    to_saber_record,
    write_jsonl,
)

DATA = Path(__file__).parent / "data"

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
records = st.fixed_dictionaries({
    "video_desc": texts,
    "audio_desc": st.fixed_dictionaries({"speech_content": texts, "acoustic_feat": texts}),
    "facial_exp_desc": texts,
    "body_lang_desc": texts,
    "sentiment_analysis": texts,
})


@given(records)
def test_saber_record_round_trips_losslessly(record):
    line = dumps(to_saber_record(from_saber_record(record)))
    assert json.loads(line) == record


@given(records)
def test_jsonl_round_trip_keeps_text(tmp_path_factory, record):
    path = tmp_path_factory.mktemp("rt") / "x.jsonl"
    write_jsonl(path, [record, record])
    got = [r.plain() for _, r in iter_saber_jsonl(path, on_error="raise")]
    assert got == [record, record]


@pytest.mark.parametrize("name", ["saber_en.json", "saber_zh.json"])
def test_reads_published_layout_in_both_languages(name):
    record = read_saber_json(DATA / name)
    evidence = from_saber_record(record)
    assert all(evidence.slot(n).status is SlotStatus.ok for n in evidence.available())
    assert len(evidence.available()) == 5
    assert to_saber_record(evidence) == json.loads((DATA / name).read_text(encoding="utf-8"))


def test_chinese_is_written_readable_not_escaped():
    record = read_saber_json(DATA / "saber_zh.json").plain()
    line = dumps(record)
    assert "你怎么又迟到了" in line and "\\u" not in line


def test_bad_lines_are_reported_with_their_numbers_and_skipped():
    errors = []
    good = list(iter_saber_jsonl(DATA / "saber_mixed.jsonl", errors=errors, allow_empty_slots=False))
    assert [n for n, _ in good] == [1, 2]
    assert good[0][1].extra() == {"id": "en-1"}
    assert [e.line for e in errors] == [3, 4, 5, 7]
    assert "not valid JSON" in str(errors[0])
    assert "facial_exp_desc" in str(errors[1])
    assert "body_lang_desc" in str(errors[2])
    assert "empty text in facial_exp_desc" in str(errors[3])


def test_bad_line_raises_when_asked():
    with pytest.raises(SaberFormatError, match="line 3"):
        list(iter_saber_jsonl(DATA / "saber_mixed.jsonl", on_error="raise"))


def test_non_object_is_rejected():
    with pytest.raises(SaberFormatError, match="expected a JSON object"):
        parse_record([1, 2])

