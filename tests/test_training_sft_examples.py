"""SFT examples: the SED prompt then the SED answer, in TRL's messages format; built JSONL read back and checked."""

import json
from pathlib import Path

from saber_agent.sed_prompt import ANSWER_KEYS, SYSTEM_PROMPT, parse_analysis
from saber_agent.training.cases import read_cases
from saber_agent.training.sft_examples import prompt_completion, read_sft_examples, sft_record, write_sft

DATA = Path(__file__).parent / "data"


def test_sft_example_is_the_sed_prompt_then_the_sed_answer():
    cases, report = read_cases([DATA / "saber_zh.json"])
    assert report.kept == 1 and not report.issues
    example = sft_record(cases[0])
    roles = [m["role"] for m in example["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert example["messages"][0]["content"] == SYSTEM_PROMPT
    user = example["messages"][1]["content"]
    assert user.index("## Visual evidence") < user.index("## Acoustic evidence")
    assert "<transcript>" in user and "你怎么又迟到了" in user
    assert "Reasoning" not in user  # the answer's slot is never part of the prompt
    answer = json.loads(example["messages"][2]["content"])
    assert list(answer) == list(ANSWER_KEYS)
    assert parse_analysis(example["messages"][2]["content"]).basic_emotion == "anger"


def test_sft_reader_validates_built_examples_and_converts_raw_sources(tmp_path):
    cases, _ = read_cases([DATA / "saber_en.json"])
    built = tmp_path / "sft.jsonl"
    write_sft(cases, built)
    good = built.read_text(encoding="utf-8").strip()
    no_answer = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
    empty = json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "  "}]})
    wrong_type = json.dumps({"messages": [{"role": "user", "content": 3}, {"role": "assistant", "content": "x"}]})
    built.write_text("\n".join([good, no_answer, empty, wrong_type]) + "\n", encoding="utf-8")
    examples, report = read_sft_examples([built, DATA / "saber_zh.json"])
    assert len(examples) == 2 and examples[1][-1]["role"] == "assistant"
    assert [(i.line, i.problem) for i in report.issues] == [
        (2, "messages: the last turn must be the assistant's answer"),
        (3, "messages[1]: empty text"),
        (4, "messages[0]: expected {'role': system|user|assistant, 'content': str}"),
    ]
    split = prompt_completion(examples[0])
    assert [m["role"] for m in split["prompt"]] == ["system", "user"] and split["completion"][0]["role"] == "assistant"
