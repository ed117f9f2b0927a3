"""Words and numbers for display: formatters and headline sentences.

Everything here is a pure function of the JSON result (``Result.to_dict()``), so the
HTML report, the terminal renderer and the comparison page say the same thing.
Numbers are rounded here, for display only; the JSON keeps full precision.

Examples
--------
>>> fmt_people(2_213_876)
'2.21 million'
>>> fmt_people(822_160.6)
'822,000'
>>> fmt_people(None)
'not available'
>>> fmt_km2(196.905)
'196.9 km²'
>>> fmt_share(0.54133)
'54.1%'
>>> round_parts([0.5413, 0.4587], step=0.001)
[0.541, 0.459]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from zoneplan.result import is_number

__all__ = [
    "ACCESS_WORDS",
    "FLAGGED_NAMES",
    "FLAG_MARK",
    "NA",
    "ROUNDING_NOTE",
    "flags_sentences",
    "fmt_count",
    "fmt_extremes",
    "fmt_km2",
    "fmt_number",
    "fmt_people",
    "fmt_people_table",
    "fmt_range",
    "fmt_share",
    "plan_date",
    "round_parts",
    "round_sig",
    "rounding_note",
    "shown_change",
]

NA = "not available"

def rounding_note(json_file: str = "result.json") -> str:
    """How display rounding works, in words, naming the JSON file that keeps full precision."""
    return _ROUNDING.format(json_file=json_file)


_ROUNDING = (
    "Numbers are rounded for display only; the JSON result ({json_file}) keeps full "
    "precision. In sentences, people are rounded to 3 significant figures (822,161 → "
    "822,000; 2,213,876 → 2.21 million). In tables, people are rounded to the nearest 100, "
    "areas to 0.1 km², shares to 0.1 percentage point, area per person to the nearest "
    "1 m², ratios to 0.1. Columns that add up (people, areas, shares, hospitals) are "
    "rounded with the largest-remainder method, so the rounded rows add up to the rounded "
    "total shown; a row may therefore differ by one rounding step from rounding it alone. "
    "Ratios in a totals row (area per person, per 1,000, per 10,000) are computed for the "
    "whole territory, not added up. Ranges are shown as low–high."
)
ROUNDING_NOTE = rounding_note()
"""How display rounding works, in words, for reports (full precision in result.json)."""

ACCESS_WORDS: dict[str, str] = {
    "resident": "open to residents",
    "restricted": "residents may stay, nobody moves in",
    "closed": "closed to civilians",
}
"""Plain-language meaning of each civilian-access class."""


def round_sig(x: float, sig: int = 3) -> float:
    """Round ``x`` to ``sig`` significant figures.

    Examples
    --------
    >>> round_sig(822160.6)
    822000.0
    >>> round_sig(0.0)
    0.0
    """
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, sig - 1 - math.floor(math.log10(abs(x)))))


def fmt_number(x: float | None, decimals: int = 0) -> str:
    """Thousands-separated number with ``decimals`` decimals; ``None`` → "not available".

    Examples
    --------
    >>> fmt_number(12587.02)
    '12,587'
    >>> fmt_number(2.619, 1)
    '2.6'
    """
    if not is_number(x, finite=True):
        return NA
    assert x is not None
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0  # no "-0"
    return f"{v:,.{decimals}f}"


_SHOWN_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d,]*(\.\d+)?%?$")


def _shown_value(text: str) -> tuple[float, int] | None:
    """A shown number read back with its decimals (``'1,234.5'`` → (1234.5, 1));
    ``None`` for text that is no number (``'—'``, ``'not available'``, ``'yes'``)."""
    t = text.strip()
    if not _SHOWN_NUMBER.match(t):
        return None
    t = t.replace(",", "").rstrip("%").replace("\u2212", "-")
    return float(t), len(t.split(".")[1]) if "." in t else 0


def shown_change(old: str, new: str, *, points: bool = False) -> str:
    """The change from one shown value to another, at the precision they are shown.

    The change is the difference of the rounded values a reader sees, so a table never
    contradicts itself (79 → 80 is ``+1``, 2.8 → 3.8 is ``+1.0``); no change is ``0``;
    a change of shares is in percentage points (``pp``); ``—`` where either value is not
    a number.

    Parameters
    ----------
    old, new
        The values as shown (``'79'``, ``'1,234.5'``, ``'54.1%'``).
    points
        The values are percentages: the change is in percentage points.

    Examples
    --------
    >>> shown_change("79", "80"), shown_change("2.8", "3.8"), shown_change("3.8", "2.8")
    ('+1', '+1.0', '−1.0')
    >>> shown_change("54.1%", "55.2%", points=True), shown_change("12.0%", "12.0%", points=True)
    ('+1.1 pp', '0')
    >>> shown_change("822,200", "1,000,000"), shown_change("—", "5")
    ('+177,800', '—')
    """
    a, b = _shown_value(old), _shown_value(new)
    if a is None or b is None:
        return "—"
    decimals = max(a[1], b[1])
    diff = round(b[0] - a[0], decimals)
    if diff == 0:
        return "0"
    sign = "+" if diff > 0 else "\u2212"
    return f"{sign}{abs(diff):,.{decimals}f}" + (" pp" if points else "")


def fmt_people(x: float | None) -> str:
    """People, rounded to 3 significant figures, in words above a million.

    Parameters
    ----------
    x
        Number of people.

    Examples
    --------
    >>> fmt_people(2_100_000)
    '2.1 million'
    >>> fmt_people(0)
    '0'
    >>> fmt_people(57.4)
    '57'
    """
    if not is_number(x, finite=True):
        return NA
    assert x is not None
    v = round_sig(float(x), 3)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}".rstrip("0").rstrip(".") + " million"
    return f"{v:,.0f}"


def fmt_people_table(x: float | None) -> str:
    """People to the nearest 100, for tables (``None`` → "not available").

    Examples
    --------
    >>> fmt_people_table(822160.6)
    '822,200'
    """
    if not is_number(x, finite=True):
        return NA
    assert x is not None
    return fmt_number(round(float(x) / 100.0) * 100.0)


def fmt_km2(x: float | None) -> str:
    """Area in square kilometres with one decimal (e.g. ``'196.9 km²'``)."""
    return NA if not is_number(x, finite=True) else f"{fmt_number(x, 1)} km²"


def fmt_share(x: float | None, decimals: int = 1) -> str:
    """A fraction (0-1) as a percentage (e.g. ``0.5413`` → ``'54.1%'``)."""
    if not is_number(x, finite=True):
        return NA
    assert x is not None
    return f"{fmt_number(100.0 * x, decimals)}%"


def fmt_count(x: float | None) -> str:
    """A whole count (hospitals, compounds)."""
    return fmt_number(x, 0)


def fmt_range(rng: Sequence[float] | None, fmt: Any = fmt_people) -> str:
    """A low–high range with an en dash; equal ends give one value.

    Examples
    --------
    >>> fmt_range([822160.0, 1156906.0])
    '822,000–1.16 million'
    >>> fmt_range(None)
    'not available'
    """
    if not rng or len(rng) != 2 or not (is_number(rng[0], finite=True)
                                        and is_number(rng[1], finite=True)):
        return NA
    lo, hi = fmt(rng[0]), fmt(rng[1])
    return lo if lo == hi else f"{lo}–{hi}"


MILLIONS_FROM = 100_000.0
"""People from this many on are written in millions beside a range (``1.13 M``)."""


def fmt_extremes(zone: Mapping[str, Any], key: str, sep: str = ", ") -> str:
    """A zone's figures under the population's labelled extreme spreads (its record's
    ``extremes``), each with its label, for beside the range (joined by ``sep``); ``""``
    without them.

    Examples
    --------
    >>> fmt_extremes({"extremes": {"residents_baseline": [
    ...     {"spread": "uniform", "label": "uniform spread", "value": 1_130_818.8},
    ...     {"spread": "points", "label": "locality points", "value": 465_292.7}]}},
    ...     "residents_baseline")
    'extremes: uniform spread 1.13 M, locality points 0.47 M'
    >>> fmt_extremes({"extremes": {}}, "residents_baseline")
    ''
    """
    figs = (zone.get("extremes") or {}).get(key) or []
    parts = []
    for f in figs:
        v = f.get("value")
        if not is_number(v, finite=True):
            continue
        x = float(v)
        shown = f"{x / 1e6:.2f} M" if abs(x) >= MILLIONS_FROM else fmt_people_table(x)
        parts.append(f"{f['label']} {shown}")
    return "extremes: " + sep.join(parts) if parts else ""


def round_parts(values: Sequence[float | None], step: float) -> list[float | None]:
    """Round values to multiples of ``step`` so the rounded values add up.

    The largest-remainder method: every value is rounded down, then the steps still
    missing from the rounded total are given to the values with the largest remainders.
    ``None`` stays ``None`` and counts as 0.

    Parameters
    ----------
    values
        Parts of a whole (people, km², fractions).
    step
        Display precision in the values' unit (100 people, 0.1 km², 0.001 share).

    Returns
    -------
    list
        Rounded parts; their sum equals the sum of the values rounded to ``step``.

    Examples
    --------
    >>> round_parts([1.0 / 3, 1.0 / 3, 1.0 / 3], step=0.001)
    [0.334, 0.333, 0.333]
    >>> round_parts([None, 150.0, 250.0], step=100)
    [None, 200.0, 200.0]
    """
    nums = [float(v) if v is not None and is_number(v, finite=True) else 0.0 for v in values]
    scaled = [v / step for v in nums]
    floors = [math.floor(s + 1e-9) for s in scaled]
    target = round(sum(scaled))
    missing = int(target - sum(floors))
    order = sorted(range(len(nums)), key=lambda i: (scaled[i] - floors[i]), reverse=True)
    for i in order[: max(missing, 0)]:
        floors[i] += 1
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return [float(round(f * step, decimals)) if is_number(v, finite=True) else None
            for v, f in zip(values, floors, strict=True)]


def plan_date(plan: dict[str, Any]) -> str:
    """A result's plan date for reading: the date, or "date unknown" for a quick plan made
    from files that hold no date (``date_known`` false: its ``date`` is only the day whose
    facts were used, never the plan's own).

    Examples
    --------
    >>> plan_date({"date": "2025-10-19"}), plan_date({"date": "2026-12-07", "date_known": False})
    ('2025-10-19', 'date unknown')
    """
    return str(plan.get("date") or "date unknown") if plan.get("date_known", True) \
        else "date unknown"


FLAG_MARK = "⚑"
"""Marks a per-person figure that is not a living condition (a zone's ``flags``)."""


def flags_sentences(zones: list[dict[str, Any]]) -> list[str]:
    """Why each zone's flagged figures (its ``flags``) are not living conditions, a
    sentence per zone.

    Examples
    --------
    >>> flags_sentences([{"label": "Green", "flags": {"m2_per_person": "only 64 residents",
    ...                                               "beds_per_10k": "only 64 residents"}}])
    ['⚑ Green: area per person and beds per 10,000 — only 64 residents.']
    """
    out = []
    for z in zones:
        flags = z.get("flags") or {}
        if not flags:
            continue
        names = [FLAGGED_NAMES.get(k, k) for k in flags]
        said = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        out.append(f"{FLAG_MARK} {z['label']}: {said} — {next(iter(flags.values()))}.")
    return out


FLAGGED_NAMES = {"m2_per_person": "area per person", "beds_per_10k": "beds per 10,000",
                 "usd_per_resident": "US$ per resident",
                 "forces_per_1000": "personnel per 1,000"}
"""The per-person figures in words, for :func:`flags_sentences`."""
