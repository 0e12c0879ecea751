"""The one "optional extra missing" message, and that no module writes its own."""

from __future__ import annotations

import re
from pathlib import Path

from saber_agent.errors import missing_extra

ROOT = Path(__file__).resolve().parent.parent


def test_missing_extra_names_the_command_to_run():
    assert missing_extra("the MCP server", "mcp 2.x", "agents") == "the MCP server needs mcp 2.x: pip install 'saber-agent[agents]'"
    message = missing_extra("the deepface backend", "deepface", "deepface", instead="use backend=offline", detail="deepface missing")
    assert message == (
        "the deepface backend needs deepface: pip install 'saber-agent[deepface]', or use backend=offline (deepface missing)"
    )


def test_no_module_writes_its_own_install_hint():
    """Every "install saber-agent[...]" in the code goes through missing_extra (docstrings and help aside)."""
    shape = re.compile(r"""["'][^"'\n]*install ['"]?saber-agent\[""")
    offenders = []
    for folder in ("saber_agent", "plugins", "training", "ui", "graphs"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "errors.py":
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if shape.search(line) and "HELP" not in line and "add_argument" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, "use saber_agent.errors.missing_extra: " + ", ".join(offenders)


def _extras() -> set[str]:
    import tomllib

    return set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"])


def test_every_extra_named_in_a_message_exists():
    import ast

    named = []
    for folder in ("saber_agent", "plugins", "training", "ui", "graphs"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "missing_extra":
                    extra = node.args[2] if len(node.args) > 2 else None
                    if isinstance(extra, ast.Constant):
                        named.append((f"{path.relative_to(ROOT)}:{node.lineno}", extra.value))
    assert len(named) >= 20  # the helper is used, not bypassed
    unknown = [f"{where} [{extra}]" for where, extra in named if extra not in _extras()]
    assert not unknown, "no such extra in pyproject.toml: " + ", ".join(unknown)
