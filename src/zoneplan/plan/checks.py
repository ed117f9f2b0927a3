"""Checks on single values of a plan: dates and the stated bounds on numbers.

The plan model (:mod:`zoneplan.plan.model`) uses these in its fields; the bounds are
named here so that a message can state them. Coordinates are checked by the one
validator for user geometry, :mod:`zoneplan.geometry.validate`.

Examples
--------
>>> check_date("2025-11")
'2025-11'
>>> check_date("2025-02-30")
Traceback (most recent call last):
...
zoneplan.errors.PlanError: '2025-02-30' is not a date in the calendar
  → write the date as YYYY, YYYY-MM or YYYY-MM-DD (ISO 8601), e.g. 2025-11-14
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import Field, Strict

from zoneplan.errors import PlanError

__all__ = ["DATE_RE", "MAX_PEOPLE", "MAX_USD", "People", "check_date"]

MAX_PEOPLE = 10_000_000_000
"""Largest number of people (or personnel, or places in compounds) a plan may state:
ten billion, more than the world's population. A larger figure is a slip (a misplaced
exponent, or a figure in the wrong field)."""
MAX_USD = 1e15
"""Largest budget (US dollars) a plan may state: a thousand trillion, more than the
world's yearly output. A larger figure is a slip."""
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
"""A date as plans write it: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ISO 8601)."""
_DATE_HINT = "write the date as YYYY, YYYY-MM or YYYY-MM-DD (ISO 8601), e.g. 2025-11-14"

People = Annotated[int, Strict(), Field(ge=0, le=MAX_PEOPLE)]
"""A count of people, personnel or compounds: a whole number from 0 to :data:`MAX_PEOPLE`,
written as a number (not ``"10000"``, ``10000.0`` or ``yes``)."""


def check_date(value: str) -> str:
    """Check a date written as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; return it as written.

    Raises
    ------
    PlanError
        If it is not one of those forms, or not a date in the calendar.

    Examples
    --------
    >>> check_date("not-a-date")
    Traceback (most recent call last):
    ...
    zoneplan.errors.PlanError: 'not-a-date' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD
      → write the date as YYYY, YYYY-MM or YYYY-MM-DD (ISO 8601), e.g. 2025-11-14
    """
    m = DATE_RE.match(value)
    if m is None:
        raise PlanError(f"{value[:40]!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD",
                        suggestion=_DATE_HINT)
    year, month, day = (int(g) if g else 1 for g in m.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        raise PlanError(f"{value!r} is not a date in the calendar",
                        suggestion=_DATE_HINT) from None
    return value
