"""Result exporters: the full result as JSON, and the plain SABER record."""

from __future__ import annotations

import json

from saber_agent import hookimpl
from saber_agent.evidence import Result


def export_result_json(result: Result) -> str:
    return result.model_dump_json(indent=2)


def export_saber(result: Result) -> str:
    return json.dumps(result.saber(), ensure_ascii=False, indent=4)


@hookimpl
def register_exporters(register):
    register("json", export_result_json, ".json")
    register("saber", export_saber, ".saber.json")
