"""The offline install (`make demo`, scripts/install.sh offline) holds what the analysis imports, not more:
scikit-learn is for training and scoring (the voice and test extras), and the analysis, utterances and
speakers included, runs with it blocked."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from saber_agent.api import analyze
from saber_agent.evidence import PERCEPTION_SLOTS

ROOT = Path(__file__).resolve().parent.parent
# the only modules that import scikit-learn, each under an extra that lists it
SKLEARN_USERS = {"training/voice.py": "voice", "saber_agent/eval/emofilm.py": "voice",
                 "saber_agent/eval/calibration.py": "batch"}  # saber-agent eval's calibration scores


def extras() -> dict[str, list[str]]:
    import tomllib  # Python 3.11+, as in tests/test_errors.py

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]


def closure(extra: str, table: dict[str, list[str]]) -> set[str]:
    """The distribution names an extra installs, its own saber-agent[...] extras followed."""
    names = set()
    for requirement in table[extra]:
        own = re.fullmatch(r"saber-agent\[([^\]]+)\]", requirement)
        if own:
            for inner in own.group(1).split(","):
                names |= closure(inner.strip(), table)
        else:
            names.add(re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower())
    return names


def test_the_offline_install_has_no_scikit_learn():
    table = extras()
    assert "scikit-learn" not in closure("offline", table)
    assert {"faster-whisper", "h5py", "protobuf"} <= closure("offline", table)  # the closure is followed
    for extra in set(SKLEARN_USERS.values()) | {"test"}:
        assert "scikit-learn" in closure(extra, table)


def test_only_training_and_scoring_import_scikit_learn():
    users = set()
    for folder in ("saber_agent", "plugins", "graphs", "ui", "training"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(name.split(".")[0] == "sklearn" for name in names):
                    users.add(path.relative_to(ROOT).as_posix())
    assert users == set(SKLEARN_USERS)


def test_the_analysis_runs_without_scikit_learn(registry, monkeypatch, face_speech_clip):
    """Every in-tree tool and the utterance path (speakers) with `import sklearn` failing."""
    monkeypatch.setitem(sys.modules, "sklearn", None)  # any import of sklearn or a submodule raises ImportError
    result = analyze(face_speech_clip)
    assert [name for name in PERCEPTION_SLOTS if result.evidence.slot(name).status.value == "failed"] == []
    assert result.evidence.sentiment_analysis.ok
    segmented = analyze(face_speech_clip, segment="utterances")
    assert segmented.segments and not segmented.errors
    assert all(s.result is not None and s.speaker for s in segmented.segments)
