"""Options of plugins, checked and described the one way: through a pydantic model (extra=forbid).

A perception tool declares its model (`PerceptionTool.options_model`); a reasoner's is built from its
factory's signature (`reasoner_options_model`). `model_problems` checks options against either and
says what is wrong in the same words for both; `option_rows` describes a model for `saber-agent plugins`.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import operator
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
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
            "name": field.alias or name, "type": type_name(field.annotation), "default": to_jsonable_python(default, fallback=str),
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


# -- checking ------------------------------------------------------------------------------------

_EXPECTED = {int: "expected an integer", float: "expected a number", bool: "expected true or false", str: "expected a string"}
# pydantic's type errors, said shortly (its own words for choices and ranges are kept)
_SHORT = {"int_type": int, "int_parsing": int, "int_from_float": int, "float_type": float, "float_parsing": float,
          "bool_type": bool, "bool_parsing": bool, "string_type": str}


def model_problems(model: type[BaseModel], options: Mapping[str, Any], owner: str = "") -> list[tuple[str, str]]:
    """What is wrong with `options` for `model`, one (``key=value`` or ``key``, why) pair per option at
    fault; empty when they are valid. An unknown key's why lists the options (and the closest one);
    `owner` follows "not an option" in it (e.g. " of the face tool")."""
    try:
        model.model_validate(dict(options))
        return []
    except ValidationError as exc:
        errors = exc.errors()
    known = [field.alias or name for name, field in model.model_fields.items()]
    problems, seen = [], set()
    for error in errors:
        loc = error.get("loc", ())
        key = ".".join([str(loc[0]), *(str(part) for part in loc[1:] if isinstance(part, int))]) if loc else ""
        if key in seen:  # a union reports each of its members: the first one says it
            continue
        seen.add(key)
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append((key, f"not an option{owner}{hint}; its options: {', '.join(known)}" if known else "it takes no options"))
        else:
            why = _EXPECTED.get(_SHORT.get(error["type"])) or str(error.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append((f"{key}={error.get('input')!r}" if key else "", why))
    return problems


def reasoner_options_model(factory: Callable[..., Any]) -> type[BaseModel] | None:
    """The options `factory` takes as a pydantic model (extra=forbid): a field per keyword parameter, of
    `_option_type`, never required (the factory says so when built). None when it takes any (``**kwargs``)."""
    try:
        signature = inspect.signature(factory, eval_str=True)
    except Exception:  # an annotation that does not resolve: check the keys only
        try:
            signature = inspect.signature(factory)
        except (TypeError, ValueError):
            return None
    params = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY, p.VAR_KEYWORD)]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    fields = {  # aliased: a parameter may be named like a BaseModel attribute (json, copy, schema)
        f"option_{i}": (_option_type(p.annotation, p.default), Field(None if p.default is p.empty else p.default, alias=p.name))
        for i, p in enumerate(params)
    }
    config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)  # -o model=7 parses as JSON: a number for a str
    return create_model(f"{getattr(factory, '__name__', 'reasoner')}_options", __config__=config, **fields)


def reasoner_option_problem(factory: Callable[..., Any], options: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first option `factory` would not take, as (``key`` or ``key=value``, why), or None."""
    model = reasoner_options_model(factory)
    problems = model_problems(model, options) if model is not None else []
    return problems[0] if problems else None


def _as_given(kind: type, value: Any) -> Any:
    """The factory gets the value as given (it converts ``int(threads)`` itself), not as pydantic
    would convert it: so a bool is no number, and text ("no") is no bool."""
    if (kind is bool and isinstance(value, str)) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(_EXPECTED[kind])
    return value


def _option_type(annotation: Any, default: Any) -> Any:
    """The pydantic type checking a factory parameter's option value: its annotation where that is a
    simple one (int, float, bool, str, None, Literal, unions of them), else Any (not checked)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal or annotation is type(None):
        return annotation
    if annotation in (int, float, bool, str):
        return Annotated[annotation, BeforeValidator(functools.partial(_as_given, annotation))]
    if origin in (typing.Union, types.UnionType):
        members = [_option_type(a, default) for a in args]
        if default is None and len(args) == 2 and type(None) in args and any(a in (int, float) for a in args):
            members.insert(1, Literal["auto"])  # None picks automatically: e.g. llamacpp takes threads=auto
        return Any if Any in members else functools.reduce(operator.or_, members)
    return Any
