"""Reading preference-pair files: each line validated, bad lines reported with their number."""

import json

import pytest

from saber_agent.training import pair_files, pairs
from saber_agent.training.cases import DatasetError
from saber_agent.training.pair_files import read_pairs

PROMPT = [{"role": "system", "content": "You analyse emotions."}, {"role": "user", "content": "A smile over hostile words."}]
CHOSEN = [{"role": "assistant", "content": '{"basic_emotion": "anger"}'}]
REJECTED = [{"role": "assistant", "content": '{"basic_emotion": "happiness"}'}]


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_good_line_keeps_the_three_conversations_and_drops_meta(tmp_path):
    path = write(tmp_path / "p.jsonl", [json.dumps({"prompt": PROMPT, "chosen": CHOSEN, "rejected": REJECTED, "meta": {"id": 1}})])
    found, report = read_pairs([path])
    assert found == [{"prompt": PROMPT, "chosen": CHOSEN, "rejected": REJECTED}]
    assert (report.read, report.kept, report.issues) == (1, 1, [])


def test_bad_lines_are_reported_with_their_line_and_skipped_or_raised(tmp_path):
    good = {"prompt": PROMPT, "chosen": CHOSEN, "rejected": REJECTED}
    path = write(tmp_path / "p.jsonl", [
        json.dumps(good),
        json.dumps({"prompt": PROMPT, "chosen": CHOSEN}),
        json.dumps({**good, "chosen": [{"role": "user", "content": "x"}]}),
        json.dumps({**good, "prompt": []}),
        json.dumps({**good, "rejected": CHOSEN}),
        "not json",
    ])
    found, report = read_pairs([path])
    assert len(found) == 1 and report.kept == 1 and report.read == 6
    problems = [(i.line, i.problem) for i in report.issues]
    assert problems[:4] == [
        (2, "missing rejected"),
        (3, "chosen[0]: expected {'role': assistant, 'content': str}"),
        (4, "prompt: expected a non-empty list of turns"),
        (5, "chosen and rejected are the same answer"),
    ]
    assert problems[4][0] == 6 and problems[4][1].startswith("not valid JSON")
    with pytest.raises(DatasetError, match="line 2"):
        read_pairs([path], on_error="fail")


def test_the_old_import_path_gives_the_same_reader():
    assert pairs.read_pairs is pair_files.read_pairs
