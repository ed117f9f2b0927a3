"""Published figures checked against the measurements.

:func:`check_claims` reads each claim as an interval (the tolerance rule of
:meth:`zoneplan.plan.Claim.interval`) and compares it with what zoneplan measured for
the same indicator and zone: the central value and its low-high range over every
alternative. A claim is ``consistent`` when its interval overlaps the measured range,
``inconsistent`` when it does not (the ``why`` says by how much), and ``not
measurable`` when the figure cannot be computed here (the ``why`` says why).

Examples
--------
>>> from zoneplan.plan import Claim
>>> data = {"indicators": {"share_of_territory": {"unit": "fraction (0-1)"}},
...         "zones": [{"id": "g", "label": "Green zone", "share_of_territory": 0.541,
...                    "ranges": {"share_of_territory": [0.532, 0.579]},
...                    "null_reasons": {}}], "totals": {"ranges": {}, "null_reasons": {}}}
>>> c = Claim(text="63% east of the line", source="s", indicator="share_of_territory",
...           zone="g", value=63, unit="percent")
>>> check_claims([c], data)[0]["verdict"]
'inconsistent'
>>> c = Claim(text="53-58%", source="s", indicator="share_of_territory", zone="g",
...           range=(53, 58), unit="percent")
>>> check_claims([c], data)[0]["verdict"]
'consistent'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

from typing_extensions import TypedDict

from zoneplan.plan import Claim

__all__ = ["UNITS", "ClaimRecord", "ClaimedRecord", "Verdict", "check_claims"]

Verdict = str
"""``"consistent"``, ``"inconsistent"`` or ``"not measurable"``."""

UNITS: dict[str, str] = {
    "percent": "fraction (0-1)", "fraction": "fraction (0-1)", "km2": "km²", "km": "km",
    "structures per km2": "structures per km²",
    "people": "people", "m2 per person": "m² per person",
    "people per km2": "people per km²", "count": "count",
    "per 1,000": "personnel per 1,000 residents", "per 10,000": "beds per 10,000 residents",
    "m": "m", "structures": "structures", "beds": "beds", "personnel": "personnel",
}
"""The indicator unit each claim unit is compared with."""


class ClaimedRecord(TypedDict):
    """A claim's figure as stated (in the claim's unit), and as read."""

    value: float | None
    range: list[float] | None
    at_least: float | None
    at_most: float | None
    interval: list[float | None]
    """``[low, high]`` the claim is read as, in the indicator's unit (``null``: open)."""


class ClaimRecord(TypedDict):
    """A published figure checked against the measurements (``claims`` in the result).

    The one definition of a claim's record: :func:`check_claims` makes it, the result's
    schema (:mod:`zoneplan.records`) reads it.
    """

    text: str
    """The claim as published."""
    source: str
    """Id of its source."""
    indicator: str
    """The indicator it is about."""
    zone: str | None
    """The zone it is about; ``null``: the whole territory."""
    unit: str
    """The claim's unit."""
    claimed: ClaimedRecord
    measured: float | None
    """The central measured value, in the indicator's unit."""
    measured_range: list[float] | None
    """``[low, high]`` measured over the alternatives, in the indicator's unit."""
    note: str | None
    verdict: Verdict
    """``consistent``, ``inconsistent`` or ``not measurable``."""
    why: str
    """The verdict's reason, in words, with the figures."""


def _show(x: float, unit: str, decimals: int | None = None) -> str:
    """A figure in the claim's unit, for the ``why`` sentence (the numbers in the result's
    fields are not rounded)."""
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    if unit == "percent":
        return f"{x * 100:,.{1 if decimals is None else decimals}f}%"
    if unit == "fraction":
        return f"{x:,.{3 if decimals is None else decimals}f}"
    if decimals is None:
        decimals = 1 if abs(x) < 100 else 0
    return f"{x:,.{decimals}f}"


def _pair(lo: float, hi: float, unit: str) -> str:
    """``lo–hi`` with as many decimals as it takes to tell them apart (up to 3 more)."""
    base = 1 if unit == "percent" else 3 if unit == "fraction" else (
        1 if max(abs(lo), abs(hi)) < 100 else 0)
    for extra in range(4):
        a, b = _show(lo, unit, base + extra), _show(hi, unit, base + extra)
        if a != b or lo == hi:
            return a if a == b else f"{a}–{b}"
    return f"{a}–{b}"


def _target(data: Mapping[str, Any], zone: str | None) -> tuple[Mapping[str, Any] | None, str]:
    if zone is None:
        return data["totals"], "the whole territory"
    z = next((z for z in data["zones"] if z["id"] == zone), None)
    return z, (z.get("label") or zone) if z else zone


def check_claims(claims: Sequence[Claim], data: Mapping[str, Any]) -> list[ClaimRecord]:
    """Check each claim against a result's JSON (see the module docstring).

    Parameters
    ----------
    claims
        The published figures.
    data
        The result's ``zones``, ``totals`` (their figures, ranges and null reasons) and
        ``indicators``.

    Returns
    -------
    list of ClaimRecord
        Per claim: ``text``, ``source``, ``indicator``, ``zone``, ``unit``, ``claimed``
        (as stated, and the ``interval`` it is read as, in the indicator's unit),
        ``measured`` (central value), ``measured_range`` (low-high over the
        alternatives), ``verdict`` and ``why``.
    """
    out: list[ClaimRecord] = []
    for c in claims:
        lo, hi = c.interval()
        entry: dict[str, Any] = {
            "text": c.text, "source": c.source, "indicator": c.indicator, "zone": c.zone,
            "unit": c.unit, "claimed": {**c.claimed(), "interval": [lo, hi]},
            "measured": None, "measured_range": None, "note": c.note}
        target, where = _target(data, c.zone)
        ind = data["indicators"].get(c.indicator)
        if ind is None or target is None:
            what = "indicator" if ind is None else "zone"
            entry.update(verdict="not measurable",
                         why=f"zoneplan has no {what} '{c.indicator if ind is None else c.zone}'"
                         " in this result")
            out.append(cast("ClaimRecord", entry))
            continue
        if UNITS[c.unit] != ind["unit"]:
            entry.update(verdict="not measurable",
                         why=f"the claim is in {c.unit} but {c.indicator} is measured in "
                         f"{ind['unit']}")
            out.append(cast("ClaimRecord", entry))
            continue
        value = target.get(c.indicator)
        rng = (target.get("ranges") or {}).get(c.indicator)
        if value is None:
            reason = (target.get("null_reasons") or {}).get(c.indicator, "not computed")
            entry.update(verdict="not measurable", why=f"{c.indicator} of {where}: {reason}")
            out.append(cast("ClaimRecord", entry))
            continue
        mlo, mhi = (float(rng[0]), float(rng[1])) if rng else (float(value), float(value))
        entry["measured"], entry["measured_range"] = value, [mlo, mhi]
        scale = 100.0 if c.unit == "percent" else 1.0
        span = _pair(mlo, mhi, c.unit)
        measured = (f"measured {_show(float(value), c.unit)} for {where}"
                    + (f" (range {span} over the alternatives)" if "–" in span else ""))
        claimed = (f"the claim reads as {_pair(lo, hi, c.unit)}"
                   if math.isfinite(lo) and math.isfinite(hi) else
                   f"the claim reads as at least {_show(lo, c.unit)}" if math.isfinite(lo)
                   else f"the claim reads as at most {_show(hi, c.unit)}")
        if lo <= mhi and hi >= mlo:
            entry.update(verdict="consistent", why=f"{claimed}; {measured}: they overlap")
        else:
            gap = (lo - mhi) if lo > mhi else (mlo - hi)
            side = "above the highest" if lo > mhi else "below the lowest"
            unit_word = (" percentage points" if c.unit == "percent"
                         else f" {c.unit}" if c.unit not in ("fraction", "count") else "")
            entry.update(verdict="inconsistent",
                         why=f"{claimed}; {measured}: the claim lies "
                         f"{gap * scale:,.1f}{unit_word} {side} measured value")
        out.append(cast("ClaimRecord", entry))
    return out
