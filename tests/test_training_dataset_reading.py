"""Reading dataset files: JSONL lines and .json items with their numbers, folders expanded, bad items reported."""

import json

import pytest

from saber_agent.saber_format import SaberFormatError
from saber_agent.training import cases, dataset_reading
from saber_agent.training.dataset_reading import DataReport, DatasetError, dataset_files, iter_json_objects, read_records


def test_jsonl_lines_keep_their_numbers_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"x": 1}\n\n{oops\n[2]\n', encoding="utf-8")
    items = list(iter_json_objects(path))
    assert [(line, value) for line, value, _ in items] == [(1, {"x": 1}), (3, None), (4, [2])]
    assert items[1][2].problem.startswith("not valid JSON") and items[1][2].line == 3


def test_a_json_file_is_one_item_or_one_per_list_element(tmp_path):
    one, many, broken = tmp_path / "one.json", tmp_path / "many.json", tmp_path / "broken.json"
    one.write_text(json.dumps({"x": 1}, indent=2), encoding="utf-8")
    many.write_text(json.dumps([{"x": 1}, {"x": 2}]), encoding="utf-8")
    broken.write_text('{\n  "x": \n}', encoding="utf-8")
    assert [(line, v) for line, v, _ in iter_json_objects(one)] == [(None, {"x": 1})]
    assert [(line, v) for line, v, _ in iter_json_objects(many)] == [(1, {"x": 1}), (2, {"x": 2})]
    [(line, value, error)] = iter_json_objects(broken)
    assert value is None and line == 3 and isinstance(error, DatasetError)


def test_folders_expand_to_their_sorted_data_files_and_a_missing_path_is_an_error(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.jsonl", "sub/a.json", "notes.txt"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert dataset_files([tmp_path]) == [tmp_path / "b.jsonl", tmp_path / "sub" / "a.json"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="holds no .json or .jsonl file"):
        dataset_files([tmp_path / "empty"])
    with pytest.raises(DatasetError, match="no such file or folder"):
        dataset_files([tmp_path / "nope.jsonl"])


def parse_even(obj, source, line):
    if obj % 2:
        raise SaberFormatError("odd number", line, source)  # not a DatasetError: read_records converts it
    return obj


def test_read_records_reports_rejected_items_and_skips_or_raises(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text("2\n3\n4\nnope\n", encoding="utf-8")
    found, report = read_records([path], parse_even)
    assert found == [2, 4] and (report.read, report.kept) == (4, 2)
    assert [(type(i), i.line, i.problem) for i in report.issues][0] == (DatasetError, 2, "odd number")
    assert report.issues[1].line == 4 and report.summary() == "2 of 4 item(s) kept, 2 skipped"
    with pytest.raises(DatasetError, match=r"n.jsonl, line 2: odd number"):
        read_records([path], parse_even, on_error="fail")
    shared = DataReport()
    read_records([path], parse_even, report=shared)
    read_records([path], parse_even, report=shared)
    assert (shared.read, shared.kept, len(shared.issues)) == (8, 4, 4)


def test_the_old_import_path_gives_the_same_names():
    for name in ("DataReport", "DatasetError", "OnError", "dataset_files", "iter_json_objects", "read_records"):
        assert getattr(cases, name) is getattr(dataset_reading, name)
