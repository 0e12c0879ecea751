"""ms-swift JSONL export: messages with one tag per media file, the SABER record as the answer, media paths."""

import json
from pathlib import Path

import pytest

from saber_agent.saber_format import read_saber_json
from saber_agent.training.cases import DataReport, DatasetError, read_cases
from saber_agent.training.swift import SABER_INSTRUCTION, to_ms_swift_record, write_ms_swift

DATA = Path(__file__).parent / "data"


def test_ms_swift_record_shape():
    target = read_saber_json(DATA / "saber_en.json").plain()
    record = to_ms_swift_record("clip.mp4", "clip.wav", target)
    assert set(record) == {"messages", "videos", "audios"}
    assert record["videos"] == ["clip.mp4"] and record["audios"] == ["clip.wav"]
    user, assistant = record["messages"]
    assert user["role"] == "user" and user["content"] == "<video><audio>" + SABER_INSTRUCTION
    assert json.loads(assistant["content"]) == target
    inference = to_ms_swift_record("clip.mp4", None)
    assert len(inference["messages"]) == 1 and inference["audios"] == []


def test_a_tag_per_media_file():
    record = to_ms_swift_record(["a.mp4", "b.mp4"], ["a.wav"], instruction="Describe.")
    assert record["messages"][0]["content"] == "<video><video><audio>Describe."
    assert record["videos"] == ["a.mp4", "b.mp4"] and record["audios"] == ["a.wav"]


def test_ms_swift_export_with_media_and_without(tmp_path):
    records = tmp_path / "saber.jsonl"
    with_media = json.loads((DATA / "saber_mixed.jsonl").read_text(encoding="utf-8").splitlines()[1])
    with_media.update(video="clips/zh-1.mp4", audio="clips/zh-1.wav")
    without = json.loads((DATA / "saber_mixed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    records.write_text(json.dumps(with_media, ensure_ascii=False) + "\n" + json.dumps(without) + "\n", encoding="utf-8")
    cases, _ = read_cases([records], media_root=tmp_path)
    out = tmp_path / "swift.jsonl"
    report = DataReport()
    assert write_ms_swift(cases, out, report=report) == 1
    swift = json.loads(out.read_text(encoding="utf-8"))
    assert set(swift) == {"messages", "videos", "audios"}
    assert swift["videos"] == [str(tmp_path / "clips/zh-1.mp4")] and swift["audios"] == [str(tmp_path / "clips/zh-1.wav")]
    assert swift["messages"][0]["content"].startswith("<video><audio>")
    assert json.loads(swift["messages"][1]["content"]) == {k: v for k, v in with_media.items() if k not in ("id", "video", "audio")}
    assert "你怎么又迟到了" in out.read_text(encoding="utf-8")  # UTF-8, not \u escapes
    assert report.issues[0].line == 2 and "no video or audio path" in report.issues[0].problem
    with pytest.raises(DatasetError, match="line 2"):
        write_ms_swift(cases, out, on_error="fail")
