"""Published figures a plan's measurements can be checked against ("claims").

A claim is a figure someone published about a plan — "the area east of the line is 53%
of Gaza", "almost all of ~2 million people live in the red zone" — tied to the
indicator and zone it speaks of. :class:`Claim` is its format; the check itself is
:func:`zoneplan.measure.figures.claims.check_claims`.

A claim's words become an interval by one documented rule table,
:data:`WORDING_RULES` (one :class:`WordingRule` per kind of wording, each with its
basis): a stated figure stands for its precision, "about" for a stated tolerance either
side, "nearly" for the tolerance below and not the figure itself, "more than half" for
(50%, 100%], "split in two" for halves within a stated tolerance, and so on.
:meth:`Claim.reading` gives the interval with its ends marked open or closed.

Examples
--------
>>> c = Claim(text="53% of Gaza lies east of the line", source="efe", indicator=
...           "share_of_territory", zone="green", value=53, unit="percent")
>>> c.interval()
(0.525, 0.535)
>>> c.reading().text("percent")
'[52.5%, 53.5%)'
>>> Claim(text="about 55%", source="x", indicator="share_of_territory", zone="g",
...       value=55, unit="percent", wording="about").reading().text("percent")
'[52.25%, 57.75%]'
>>> Claim(text="nearly 60%", source="x", indicator="share_of_territory", zone="g",
...       value=60, unit="percent", wording="nearly").reading().text("percent")
'[57%, 60%)'
>>> Claim(text="more than half", source="x", indicator="share_of_territory", zone="r",
...       unit="percent", wording="more than half").reading().text("percent")
'(50%, 100%]'
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zoneplan.plan.base import Flag, Number

__all__ = ["ABOUT_TOLERANCE", "APPROXIMATE_TOLERANCE", "HALVES_TOLERANCE_PP",
           "UNIT_SCALE", "UNIT_TOP", "WORDING_RULES", "Claim", "ClaimUnit", "Reading",
           "Wording", "WordingRule"]

ClaimUnit = Literal["percent", "fraction", "people", "km2", "km", "m2 per person",
                    "people per km2", "count", "per 1,000", "per 10,000", "m", "structures",
                    "beds", "personnel", "structures per km2"]
"""Units a claim may be stated in."""

UNIT_SCALE: dict[str, float] = {"percent": 0.01}
"""Factor from a claim's unit to the indicator's own unit (percent → fraction)."""

UNIT_TOP: dict[str, float] = {"percent": 100.0, "fraction": 1.0}
"""The largest value a figure in these units can take (a share is at most the whole);
other units have no top. Every unit has 0 as its bottom: nothing claimed here (areas,
people, shares, counts, distances) is negative."""

ABOUT_TOLERANCE = 0.05
"""Relative half-width read into "about", "around", "approximately", "≈", "~" and, below
the figure only, "nearly": 5% of the stated value (or half a unit of its last digit,
where that is wider). A zoneplan reading convention, stated here and in the README; no
style guide fixes one."""

APPROXIMATE_TOLERANCE = ABOUT_TOLERANCE
"""The former name of :data:`ABOUT_TOLERANCE` (``approximate: true`` reads as
``wording: about``)."""

HALVES_TOLERANCE_PP = 2.5
"""Percentage points either side of 50% read into "split in two", "down the middle" and
"halves": the "about" rule applied to 50% (5% of 50 = 2.5 points)."""

ALMOST_ALL_PERCENT = 90.0
"""The lower end of "almost all" and "nearly all" (percent); the upper end is 100%."""

Wording = Literal["stated", "about", "nearly", "over", "under", "at least", "at most",
                  "range", "more than half", "less than half", "most", "split in two",
                  "almost all"]
"""The kinds of wording a claim may have (see :data:`WORDING_RULES`)."""


@dataclass(frozen=True)
class WordingRule:
    """How one kind of wording becomes an interval.

    Attributes
    ----------
    wording
        The rule's key (``wording:`` in a claim).
    says
        Words it stands for, as published.
    reads_as
        The interval, in words (X is the stated figure; h half a unit of its last
        digit; t = max(h, :data:`ABOUT_TOLERANCE` × X)).
    needs
        What the claim states with it: ``value``, ``range`` or nothing (a fixed figure).
    basis
        Why the rule reads so (its source, or "zoneplan convention").
    """

    wording: str
    says: str
    reads_as: str
    needs: Literal["value", "range", "none"]
    basis: str


_PRECISION = ("the precision of a stated figure: a figure rounded to its last digit stands "
              "for any value that rounds to it (ISO 80000-1:2009, Annex B, rounding of "
              "numbers)")
_CONVENTION = "zoneplan convention (ABOUT_TOLERANCE), stated in the README"
_WORDS = "the words' plain meaning (a strict comparison)"

WORDING_RULES: dict[str, WordingRule] = {r.wording: r for r in (
    WordingRule("stated", "53%; 198.8 km²", "[X − h, X + h)", "value", _PRECISION),
    WordingRule("about", "about, around, approximately, roughly, ≈, ~ X",
                "[X − t, X + t]", "value", _CONVENTION),
    WordingRule("nearly", "nearly, almost, just under X", "[X − t, X)", "value",
                _CONVENTION + "; 'nearly' excludes the figure itself"),
    WordingRule("over", "over, more than, above, exceeds X", "(X, top]", "value", _WORDS),
    WordingRule("under", "under, less than, below X", "[0, X)", "value", _WORDS),
    WordingRule("at least", "at least, no less than X", "[X, top]", "value", _WORDS),
    WordingRule("at most", "at most, no more than, up to X", "[0, X]", "value", _WORDS),
    WordingRule("range", "X–Y", "[X − h(X), Y + h(Y))", "range", _PRECISION),
    WordingRule("more than half", "more than half, over half", "(50%, 100%]", "none", _WORDS),
    WordingRule("less than half", "less than half, under half", "[0%, 50%)", "none", _WORDS),
    WordingRule("most", "most, the majority", "(50%, 100%]", "none", _WORDS),
    WordingRule("split in two", "split in two, down the middle, in half, halves",
                f"[{50 - HALVES_TOLERANCE_PP:g}%, {50 + HALVES_TOLERANCE_PP:g}%]", "none",
                "the 'about' rule applied to 50% (HALVES_TOLERANCE_PP)"),
    WordingRule("almost all", "almost all, nearly all, virtually all",
                f"[{ALMOST_ALL_PERCENT:g}%, 100%]", "none",
                "zoneplan convention (ALMOST_ALL_PERCENT), stated in the README"),
)}
"""The rule table: how each kind of wording becomes an interval (documented in the
README, 'Published figures checked')."""

_FIXED: dict[str, tuple[float, float, bool, bool]] = {
    "more than half": (50.0, 100.0, False, True),
    "less than half": (0.0, 50.0, True, False),
    "most": (50.0, 100.0, False, True),
    "split in two": (50.0 - HALVES_TOLERANCE_PP, 50.0 + HALVES_TOLERANCE_PP, True, True),
    "almost all": (ALMOST_ALL_PERCENT, 100.0, True, True),
}
"""The fixed readings (in percent) of wording that states no figure."""


@dataclass(frozen=True)
class Reading:
    """The interval a claim is read as, in the indicator's own unit.

    Attributes
    ----------
    wording
        The rule used (a key of :data:`WORDING_RULES`).
    low, high
        The ends (``high`` may be ``inf``).
    low_closed, high_closed
        Whether each end belongs to the interval.
    """

    wording: str
    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def text(self, unit: str) -> str:
        """The interval in the claim's unit, ``[`` / ``]`` for an end that belongs to it
        and ``(`` / ``)`` for one that does not."""
        scale = 1.0 / UNIT_SCALE.get(unit, 1.0)
        suffix = "%" if unit == "percent" else ""

        def show(x: float) -> str:
            if math.isinf(x):
                return "∞"
            v = round(x * scale, 10)
            return (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.10g}") + suffix

        return (("[" if self.low_closed else "(") + show(self.low) + ", " + show(self.high)
                + ("]" if self.high_closed else ")"))


class Claim(BaseModel):
    """A published figure and the measurement it speaks of.

    The figure is ``value`` (with ``wording`` stated, about, nearly, over, under, at least
    or at most), ``range`` (wording range), the older ``at_least``/``at_most`` keys, or
    nothing for wording that fixes its own figure ("more than half", "split in two",
    "almost all"; percent only). ``zone`` names the zone the figure is about; without
    it, the whole territory (the result's totals).
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
    wording: Wording | None = Field(
        default=None, description="How the figure is worded (a key of the rule table, "
        "README 'Published figures checked'); omitted: 'stated' for a value, 'range' for "
        "a range.")
    approximate: Flag = Field(
        default=False, description="Older form of wording: about (with at_most: nearly).")
    restates: str | None = Field(
        default=None, description="The plan input the figure restates (e.g. "
        "'population.total'): shown, never counted as a check.")
    note: str | None = None

    @model_validator(mode="after")
    def _one_figure(self) -> Claim:
        given = [k for k in ("value", "range", "at_least", "at_most")
                 if getattr(self, k) is not None]
        rule = WORDING_RULES[self.rule()]
        if rule.needs == "none":
            if given:
                raise ValueError(f"wording '{rule.wording}' fixes its own figure: give no "
                                 f"{', '.join(given)}")
            if self.unit != "percent":
                raise ValueError(f"wording '{rule.wording}' is a share: give unit: percent")
            return self
        if len(given) != 1:
            raise ValueError("give exactly one of 'value', 'range', 'at_least' or 'at_most' "
                             "for the claim" + (f" (got {', '.join(given)})" if given else ""))
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"the claim's range {list(self.range)} runs backwards")
        if self.wording is not None and (
                (rule.needs == "range") != (self.range is not None)
                or self.at_least is not None or self.at_most is not None):
            raise ValueError(f"wording '{rule.wording}' needs "
                             + ("'range'" if rule.needs == "range" else "'value'"))
        return self

    def rule(self) -> str:
        """The key of :data:`WORDING_RULES` this claim is read by."""
        if self.wording is not None:
            return self.wording
        if self.range is not None:
            return "range"
        if self.at_least is not None:
            return "at least"
        if self.at_most is not None:
            return "nearly" if self.approximate else "at most"
        return "about" if self.approximate else "stated"

    def claimed(self) -> dict[str, float | list[float] | str | int | None]:
        """The figure as stated, in ``unit`` (for the result's ``claims``), with the
        ``decimals`` it was stated with (:meth:`decimals`)."""
        return {"value": self.value, "range": list(self.range) if self.range else None,
                "at_least": self.at_least, "at_most": self.at_most, "wording": self.rule(),
                "decimals": self.decimals()}

    def decimals(self) -> int:
        """The decimals the figure is stated with, in ``unit``: the precision a
        measurement is shown at beside it (a range, its finer end; wording that fixes
        its own figure, whole percent).

        Examples
        --------
        >>> Claim(text="about 53%", source="s", indicator="share_of_territory",
        ...       value=53, unit="percent", wording="about").decimals()
        0
        >>> Claim(text="198.8 km²", source="s", indicator="area_km2", value=198.8,
        ...       unit="km2").decimals()
        1
        """
        stated = [v for v in (self.value, self.at_least, self.at_most) if v is not None]
        stated += list(self.range or ())
        return max((_decimals(v) for v in stated), default=0)

    def reading(self) -> Reading:
        """The interval (in the indicator's own unit) the claim is read as, by
        :data:`WORDING_RULES`."""
        rule = self.rule()
        scale = UNIT_SCALE.get(self.unit, 1.0)
        top = UNIT_TOP.get(self.unit, math.inf)

        def make(lo: float, hi: float, lc: bool, hc: bool) -> Reading:
            # an end beyond what the unit allows stops at it, and then holds it
            return Reading(rule, max(lo, 0.0) * scale, min(hi, top) * scale,
                           lc or lo < 0.0, hc or hi > top)

        if rule in _FIXED:
            return make(*_FIXED[rule])
        if rule == "range":
            assert self.range is not None
            lo, hi = self.range
            return make(lo - _half_digit(lo), hi + _half_digit(hi), True, False)
        x = next(v for v in (self.value, self.at_least, self.at_most) if v is not None)
        t = max(_half_digit(x), ABOUT_TOLERANCE * abs(x))
        return {
            "stated": lambda: make(x - _half_digit(x), x + _half_digit(x), True, False),
            "about": lambda: make(x - t, x + t, True, True),
            "nearly": lambda: make(x - t, x, True, False),
            "over": lambda: make(x, top, False, True),
            "under": lambda: make(0.0, x, True, False),
            "at least": lambda: make(x, top, True, True),
            "at most": lambda: make(0.0, x, True, True),
        }[rule]()

    def interval(self) -> tuple[float, float]:
        """The ends of :meth:`reading` (in the indicator's own unit)."""
        r = self.reading()
        return (r.low, r.high)


def _decimals(x: float) -> int:
    """How many decimals ``x`` is written with (53 → 0; 54.5 → 1; 2,000,000 → 0).

    Examples
    --------
    >>> _decimals(53.0), _decimals(54.5), _decimals(0.541), _decimals(2000000.0)
    (0, 1, 3, 0)
    """
    exp = decimal.Decimal(repr(float(x))).normalize().as_tuple().exponent
    return -int(exp) if isinstance(exp, int) and exp < 0 else 0


def _half_digit(x: float) -> float:
    """Half a unit of the last digit of ``x`` as written (53 → 0.5; 54.5 → 0.05).

    Examples
    --------
    >>> _half_digit(53.0), _half_digit(54.5), _half_digit(198.8), _half_digit(2000000.0)
    (0.5, 0.05, 0.05, 0.5)
    """
    return 0.5 * 10.0 ** (-_decimals(x))
