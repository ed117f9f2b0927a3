"""Types every part of the plan format shares: dates as text, [lon, lat] points, places
in a plan, numbers and flags as YAML 1.2 and JSON write them (never text such as
``"10000"`` or ``yes``), the base model that refuses unknown keys and non-finite numbers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
)

from zoneplan.plan.checks import check_date

__all__ = ["Access", "DateText", "Flag", "LonLat", "Model", "Number", "PlanLoc", "Side",
           "empty_dict", "empty_list", "part_name"]

Access = Literal["resident", "restricted", "closed"]
Side = Literal["east", "west", "north", "south", "left", "right"]
Number = Annotated[float, Strict()]
"""A number written as a number: an integer or a float, never text (``"10000"``) or a
boolean; finite in every :class:`Model` (``allow_inf_nan=False``)."""
Flag = Annotated[bool, Strict()]
"""``true`` or ``false``, never ``yes``, ``on``, ``1`` or text."""
LonLat = tuple[Number, Number]
PlanLoc = tuple[str | int, ...]
"""A place in a plan: keys and list indices from the top, e.g. ("zones", 3, "side")."""
DateText = Annotated[
    str,
    BeforeValidator(lambda v: v.isoformat() if isinstance(v, dt.date) else v),
    AfterValidator(check_date),
]
"""A date as text, YYYY, YYYY-MM or YYYY-MM-DD (YAML reads 2025-11-14 as a date; plans
keep it as written)."""


class Model(BaseModel):
    """Base of every plan model: unknown keys and NaN or infinite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True,
                              allow_inf_nan=False)


def empty_list() -> list[Any]:
    """A new empty list: the default of a plan model's list field.

    Used instead of ``list`` in ``Field(default_factory=...)``: pydantic reads the
    signature of every default factory, and that of a built-in such as ``list`` is parsed
    from its text by :mod:`inspect` with :mod:`tokenize` (about 3 ms of CPU for a fresh
    ``zoneplan run``, most of it compiling tokenize's patterns).

    Examples
    --------
    >>> empty_list() is not empty_list()
    True
    """
    return []


def empty_dict() -> dict[str, Any]:
    """A new empty dict: the default of a plan model's mapping field (see
    :func:`empty_list`)."""
    return {}


def part_name(kind: str, info: ValidationInfo) -> str:
    """``kind 'id'`` of the part being validated (its id is validated before its geometry)."""
    part_id = info.data.get("id")
    return f"{kind} '{part_id}'" if part_id else kind
