"""pydantic's validation errors in zoneplan's own words, each with a suggestion.

:func:`describe` turns one error of a plan (or of any zoneplan model, such as a
``--layer`` option's :class:`~zoneplan.plan.LayerRef`) into a message, a suggestion and
the place in the plan it is about; :func:`plan_error` makes the
:class:`~zoneplan.errors.PlanError` of a whole :class:`pydantic.ValidationError`, with
the line and column of the file when the plan was read from one. No pydantic wording
(``Input should be ...``) and no URL reaches the user.

Examples
--------
>>> from pydantic import ValidationError
>>> from zoneplan.plan.model import LayerRef
>>> try:
...     LayerRef.model_validate({"path": "x.geojson", "units": "bogus"})
... except ValidationError as exc:
...     print(describe(exc.errors()[0], model=LayerRef)[:2])
("'units' must be 'count' or 'density', got 'bogus'", "use one of: 'count', 'density'")
"""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from zoneplan.errors import GeometryError, PlanError, ZoneplanError
from zoneplan.plan.yaml_source import YamlPlaces

__all__ = ["describe", "field_label", "plan_error"]

_SHOWN_CHARS = 60
"""Longest rendering of a wrong value quoted in a message, characters."""
_NUMBER_HINT = "write a plain number such as 2100000 (no commas, units or quotes)"
_TEXT_NUMBER_HINT = ("write a plain number such as 2100000 (no commas, units or quotes; plans "
                     "are read as YAML 1.2: yes, on and 1:40:00 are text, not numbers)")
_BOOL_HINT = "write true or false (plans are read as YAML 1.2: yes, no, on and off are text)"
_KINDS = {"list_type": "a list (lines starting with '- ', or [a, b])",
          "dict_type": "a mapping (key: value lines)",
          "model_type": "a mapping (key: value lines)",
          "model_attributes_type": "a mapping (key: value lines)",
          "tuple_type": "a pair such as [34.45, 31.5]",
          "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
          "int_type": "a whole number", "int_parsing": "a whole number",
          "int_from_float": "a whole number", "float_type": "a number",
          "float_parsing": "a number", "finite_number": "a finite number"}
"""What a value must be, in words, for each pydantic error type about a value's kind."""
_BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "at least"),
           "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}
"""pydantic's bound errors: the context key holding the bound, and the words for it."""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def _field_names_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Valid keys of the mapping at ``loc`` in ``model``."""
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            break
        inner = _models_in(info.annotation)
        if not inner:
            break
        model = inner[0]
    return [info.alias or name for name, info in model.model_fields.items()]


def field_label(loc: tuple[Any, ...]) -> str:
    """A place in a plan as the user would write it: ``zones[3].side``.

    Examples
    --------
    >>> field_label(("zones", 3, "side", "yellow-line"))
    'zones[3].side.yellow-line'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 3] + "..."


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,g}"


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pydantic location without the names of validators and union members."""
    return tuple(p for p in loc if isinstance(p, int) or not (
        isinstance(p, str) and (p.startswith("function-") or "[" in p)))


def describe(err: ErrorDetails, *, model: type[BaseModel], name: str | None = None
             ) -> tuple[str, str, tuple[str | int, ...]]:
    """One pydantic error in plain words.

    Parameters
    ----------
    err
        One of ``ValidationError.errors()``.
    model
        The model that was validated (for the valid keys of a mapping).
    name
        How to name the value (``"'--port'"``); default: its place in the plan.

    Returns
    -------
    tuple
        The message, a suggestion and the place in the plan the error is about.
    """
    loc = _clean_loc(tuple(err["loc"]))
    etype, ctx = err["type"], err.get("ctx") or {}
    field = field_label(loc)
    named = name or (f"'{field}'" if field else "the plan")
    got = f", got {_shown(err.get('input'))}"
    cause = ctx.get("error")
    if isinstance(cause, ZoneplanError):
        inner = cause.loc
        own = isinstance(cause, GeometryError) or inner or not field  # names its feature
        return (cause.message if own else f"{named}: {cause.message}", cause.suggestion or "",
                (*loc, *inner))
    if etype == "extra_forbidden":
        key = str(loc[-1])
        valid = _field_names_at(model, loc[:-1])
        near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        return (f"unknown key '{key}'", f"did you mean '{near[0]}'?" if near else
                "remove it; valid keys here: " + ", ".join(valid), loc)
    if etype == "missing" and loc and isinstance(loc[-1], int):
        return (f"'{field_label(loc[:-1])}' has too few values: value {loc[-1]} is missing",
                "a point is [longitude, latitude]; a range is [low, high]", loc[:-1])
    if etype == "missing":
        return (f"required field '{loc[-1]}' is missing",
                f"add '{loc[-1]}' here; `zoneplan schema` lists every field", loc[:-1])
    if etype in _BOUNDS:
        key, words = _BOUNDS[etype]
        bound = ctx.get(key)
        hint = (f"use a number greater than {_number(bound)}" if key == "gt" else
                f"use {_number(bound)} or more" if key == "ge" else
                "a share is a fraction from 0 to 1: write 25% as 0.25" if bound == 1 else
                f"the largest accepted is {_number(bound)}: a larger figure is a slip; check "
                "the units and the exponent")
        return f"{named} must be {words} {_number(bound)}{got}", hint, loc
    if etype == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        near = difflib.get_close_matches(str(err.get("input")), options, n=1)
        return (f"{named} must be {ctx.get('expected')}{got}",
                (f"did you mean '{near[0]}'? " if near else "") + "use one of: "
                + ", ".join(f"'{o}'" for o in options), loc)
    if etype in ("too_short", "too_long"):
        size = ctx.get("min_length") if etype == "too_short" else ctx.get("max_length")
        words = "at least" if etype == "too_short" else "at most"
        return (f"{named} must hold {words} {size} item{'s' if size != 1 else ''}"
                f" (it holds {ctx.get('actual_length')})",
                "add the missing items" if etype == "too_short" else "remove some", loc)
    if etype == "string_pattern_mismatch":
        return (f"{named} must start with a letter or digit and hold only letters, digits, "
                f"'.', '_' and '-'{got}", "e.g. my-plan-2025", loc)
    if etype == "recursion_loop":
        return (f"{named} refers to itself (a YAML alias inside its own anchor)",
                "write the part out instead of using an alias", loc)
    if etype in _KINDS:
        hint = _NUMBER_HINT if "number" in _KINDS[etype] else \
            "see `zoneplan schema` for the expected format"
        if etype == "string_type" and "date" in str(loc[-1:]):
            hint = "write the date in quotes, e.g. \"2025-11-14\""
        elif etype.startswith("bool"):
            hint = _BOOL_HINT
        elif "number" in _KINDS[etype] and isinstance(err.get("input"), str):
            hint = _TEXT_NUMBER_HINT
        return f"{named} must be {_KINDS[etype]}{got}", hint, loc
    msg = str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    return f"{named}: {msg}", "see `zoneplan schema` for the expected format", loc


def plan_error(exc: ValidationError, *, places: YamlPlaces | None, path: str,
               model: type[BaseModel]) -> PlanError:
    """The :class:`PlanError` for a plan that does not validate (its first problem).

    Parameters
    ----------
    exc
        pydantic's error.
    places
        Where each part of the file is, or None for a plan given as a mapping.
    path
        The plan file, or ``"<plan>"``.
    model
        The model validated.
    """
    errors = exc.errors(include_url=False)
    message, suggestion, loc = describe(errors[0], model=model)
    extra = len(errors) - 1
    if extra:
        message += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    location = places.where(loc) if places is not None else None
    return PlanError(message, path=path, location=location or field_label(loc) or None,
                     suggestion=suggestion, loc=loc)
