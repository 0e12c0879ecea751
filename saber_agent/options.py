"""Options of plugins, described from their pydantic model: one row per option for `saber-agent plugins`.

A perception tool declares its options as a pydantic model (`PerceptionTool.options_model`).
`option_rows(model)` turns such a model into plain rows (name, type, default, constraints,
description) that print as text and serialise as JSON.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined, to_jsonable_python

# annotated-types constraint attributes as they read in a listing
_BOUNDS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"), ("min_length", "min length"), ("max_length", "max length"))


def type_name(annotation: Any) -> str:
    """A short readable name for a type annotation: ``int``, ``str | None``, ``{auto,flow}`` for a
    Literal (its choices, as argparse shows them), ``list[float]``, ``tuple[int, int]``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin is typing.Literal:
        return "{" + ",".join(str(a) for a in args) + "}"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        inner = ", ".join("..." if a is Ellipsis else type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))


def option_rows(model: type[BaseModel] | None) -> list[dict[str, Any]] | None:
    """One dict per option of `model`: ``name``, ``type`` (see `type_name`), ``default`` (JSON-safe;
    absent value for a required option), ``required``, ``constraints`` (e.g. ``[">= 0"]``) and
    ``description`` (the field's, else ""). None when there is no model (the options are not declared)."""
    if model is None:
        return None
    rows = []
    for name, field in model.model_fields.items():
        required = field.is_required()
        if required:
            default = None
        elif field.default_factory is not None:
            default = field.default_factory()
        else:
            default = None if field.default is PydanticUndefined else field.default
        constraints = [f"{label} {getattr(m, attr)}" for m in field.metadata for attr, label in _BOUNDS
                       if getattr(m, attr, None) is not None]
        pattern = next((m.pattern for m in field.metadata if getattr(m, "pattern", None)), None)
        if pattern:
            constraints.append(f"matches {pattern}")
        rows.append({
            "name": name, "type": type_name(field.annotation), "default": to_jsonable_python(default, fallback=str),
            "required": required, "constraints": constraints, "description": field.description or "",
        })
    return rows


def option_lines(rows: list[dict[str, Any]] | None, indent: str = "      ") -> list[str]:
    """`option_rows` as text lines: ``name  type = default  (constraints)  description``."""
    if rows is None:
        return [f"{indent}options not declared (any are passed on unchecked)"]
    if not rows:
        return [f"{indent}no options"]
    lines = []
    for row in rows:
        default = "required" if row["required"] else f"= {row['default']!r}"
        kind = f"{row['type']} {default}" + (f" ({', '.join(row['constraints'])})" if row["constraints"] else "")
        lines.append(f"{indent}{row['name']:<18} {kind:<34}  {row['description']}".rstrip())
    return lines
