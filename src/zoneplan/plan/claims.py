"""Published figures a plan's measurements can be checked against ("claims").

A claim is a figure someone published about a plan — "the area east of the line is 53%
of Gaza", "almost all of ~2 million people live in the red zone" — tied to the
indicator and zone it speaks of. :class:`Claim` is its format; the check itself is
:func:`zoneplan.measure.figures.claims.check_claims`, and the tolerance rule is
:meth:`Claim.interval`.

Examples
--------
>>> c = Claim(text="53% of Gaza lies east of the line", source="efe", indicator=
...           "share_of_territory", zone="green", value=53, unit="percent")
>>> c.interval()
(0.525, 0.535)
>>> Claim(text="about 55%", source="x", indicator="share_of_territory", zone="g",
...       value=55, unit="percent", approximate=True).interval()
(0.5225, 0.5775)
>>> Claim(text="less than half", source="x", indicator="share_of_territory", zone="r",
...       at_most=50, unit="percent").interval()
(-inf, 0.5)
"""

from __future__ import annotations

import decimal
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zoneplan.plan.base import Flag, Number

__all__ = ["APPROXIMATE_TOLERANCE", "UNIT_SCALE", "Claim", "ClaimUnit"]

ClaimUnit = Literal["percent", "fraction", "people", "km2", "km", "m2 per person",
                    "people per km2", "count", "per 1,000", "per 10,000", "m", "structures",
                    "beds", "personnel", "structures per km2"]
"""Units a claim may be stated in."""

UNIT_SCALE: dict[str, float] = {"percent": 0.01}
"""Factor from a claim's unit to the indicator's own unit (percent → fraction)."""

APPROXIMATE_TOLERANCE = 0.05
"""Relative half-width given to approximate wording ("about", "~", "nearly", "roughly"):
5% of the stated value, or half a unit of its last digit, whichever is wider."""


class Claim(BaseModel):
    """A published figure and the measurement it speaks of.

    Exactly one of ``value``, ``range``, ``at_least`` and ``at_most`` is given, in
    ``unit``. ``zone`` names the zone the figure is about; without it, the whole
    territory (the result's totals).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    text: str = Field(description="The figure as published, in a few words.")
    source: str = Field(description="Id of the source (in the plan's or the file's sources).")
    indicator: str = Field(description="Indicator key, e.g. share_of_territory.")
    zone: str | None = Field(default=None, description="Zone id; omitted: whole territory.")
    value: Number | None = None
    range: tuple[Number, Number] | None = None
    at_least: Number | None = None
    at_most: Number | None = None
    unit: ClaimUnit
    approximate: Flag = Field(
        default=False, description="Approximate wording ('about', '~', 'nearly'): the value "
        "is read as ± 5% of itself (see APPROXIMATE_TOLERANCE).")
    note: str | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Claim:
        given = [k for k in ("value", "range", "at_least", "at_most")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'value', 'range', 'at_least' or 'at_most' "
                             "for the claim" + (f" (got {', '.join(given)})" if given else ""))
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"the claim's range {list(self.range)} runs backwards")
        return self

    def claimed(self) -> dict[str, float | list[float] | None]:
        """The figure as stated, in ``unit`` (for the result's ``claims``)."""
        return {"value": self.value, "range": list(self.range) if self.range else None,
                "at_least": self.at_least, "at_most": self.at_most}

    def interval(self) -> tuple[float, float]:
        """The interval (in the indicator's own unit) the claim is read as.

        The tolerance rule: a stated value stands for half a unit of its last digit either
        side ("53%" → 52.5–53.5%; "54.5%" → 54.45–54.55%); a range is widened the same
        way at each end; approximate wording widens a value to ± 5% of itself where
        that is wider; "at least" and "at most" are open on one side (approximate
        wording then widens the bound by 5%).
        """
        scale = UNIT_SCALE.get(self.unit, 1.0)
        if self.value is not None:
            half = _half_digit(self.value)
            if self.approximate:
                half = max(half, APPROXIMATE_TOLERANCE * abs(self.value))
            return ((self.value - half) * scale, (self.value + half) * scale)
        if self.range is not None:
            lo, hi = self.range
            return ((lo - _half_digit(lo)) * scale, (hi + _half_digit(hi)) * scale)
        if self.at_least is not None:
            lo = self.at_least * (1 - APPROXIMATE_TOLERANCE if self.approximate else 1.0)
            return (lo * scale, math.inf)
        assert self.at_most is not None
        lo = self.at_most * (1 - APPROXIMATE_TOLERANCE) if self.approximate else -math.inf
        return (lo * scale, self.at_most * scale)


def _half_digit(x: float) -> float:
    """Half a unit of the last digit of ``x`` as written (53 → 0.5; 54.5 → 0.05).

    Examples
    --------
    >>> _half_digit(53.0), _half_digit(54.5), _half_digit(198.8), _half_digit(2000000.0)
    (0.5, 0.05, 0.05, 0.5)
    """
    exp = decimal.Decimal(repr(float(x))).normalize().as_tuple().exponent
    digits = -int(exp) if isinstance(exp, int) and exp < 0 else 0
    return 0.5 * 10.0 ** (-digits)
