"""Fuzzing every parser of user input with hypothesis: a parser either returns or raises its own
clear error type; it never crashes with anything else."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saber_agent.batch import BatchConfigError, BatchInputError, read_items
from saber_agent.saber_format import SaberFormatError, iter_saber_jsonl
from saber_agent.training.config import ConfigError, load_settings

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=5),
    max_leaves=20,
)
lines = st.one_of(st.text(max_size=200), json_values.map(lambda v: json.dumps(v, ensure_ascii=False)))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.lists(lines, max_size=6))
def test_saber_jsonl_import(tmp_path, rows):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(r.replace("\n", " ") for r in rows), encoding="utf-8")
    errors: list[SaberFormatError] = []
    for number, record in iter_saber_jsonl(path, errors=errors):
        assert number >= 1 and isinstance(record.plain()["video_desc"], str)
    assert all(isinstance(e, SaberFormatError) and e.line for e in errors)


@FUZZ
@given(st.lists(lines, max_size=6), st.sampled_from([".jsonl", ".csv"]))
def test_batch_manifests(tmp_path, rows, suffix):
    path = tmp_path / f"manifest{suffix}"
    path.write_text("\n".join(r.replace("\n", " ") for r in rows), encoding="utf-8")
    try:
        items = read_items(path)
    except (BatchInputError, BatchConfigError):
        return
    assert all(item.path for item in items)


@FUZZ
@given(st.dictionaries(st.sampled_from(["model", "train_file", "output_dir", "learning_rate", "max_steps", "lora", "beta",
                                        "per_device_train_batch_size", "seed", "on_error"]), json_values, max_size=6),
       st.sampled_from(["sft", "dpo"]))
def test_training_configs(tmp_path, data, kind):
    path = tmp_path / "train.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        load_settings(path, kind)
    except ConfigError:
        pass
