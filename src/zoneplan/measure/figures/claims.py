"""Published figures checked against the measurements.

:func:`check_claims` reads each claim as an interval (the rule table
:data:`zoneplan.plan.claims.WORDING_RULES`) and judges it against what zoneplan
measured for the same indicator and zone, run by run (:class:`ClaimRuns`):

* ``restates the plan``: the figure is an input of the plan (its population total,
  which zones are closed, where reconstruction goes, its forces; or the claim says so
  with ``restates``). Shown, never counted as a check.
* ``not measurable``: the figure cannot be computed here (the ``why`` says why).
* ``consistent``: the claim's interval holds the central value, or overlaps the range
  of the *sourced* uncertainty dated no later than the claim (the population spreads,
  the sourced ranges of bed counts, a line's uncertainty where a published source
  states it).
* ``consistent only if …``: only a stated alternative brings the measurement into the
  claim's interval (a line variant, an alternative drawing of the zones, forces
  counted on other terms); the ``why`` and ``only_if`` name it with its source and date.
* ``inconsistent``: nothing sourced reaches the claim. A run resting only on an
  unsourced model assumption (a source marked ``assumption: true``, such as a line's
  digitising uncertainty) never decides a verdict on its own; the ``why`` says when one
  would have reached it.

Every comparison carries an explicit numerical tolerance, :data:`COMPARE_RTOL`.

Examples
--------
>>> from zoneplan.plan import Claim
>>> data = {"indicators": {"share_of_territory": {"unit": "fraction (0-1)"}},
...         "zones": [{"id": "g", "label": "Green zone", "share_of_territory": 0.541,
...                    "access": "closed", "ranges": {}, "null_reasons": {}}],
...         "totals": {"ranges": {}, "null_reasons": {}}, "sources": []}
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
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from typing_extensions import TypedDict

from zoneplan.plan import Claim
from zoneplan.plan.claims import Reading

__all__ = ["CENTRAL", "COMPARE_ATOL", "COMPARE_RTOL", "PLAN_INPUTS", "UNITS", "ClaimRecord",
           "ClaimRuns", "ClaimedRecord", "OnlyIfRecord", "RunBasis", "Verdict", "check_claims"]

Verdict = str
"""``"consistent"``, ``"consistent only if"``, ``"inconsistent"``, ``"restates the
plan"`` or ``"not measurable"``."""

COUNTED = ("consistent", "consistent only if", "inconsistent")
"""The verdicts that count as checks (the others are shown, not counted)."""

COMPARE_RTOL = 1e-9
"""Relative tolerance of every comparison between a measured value and an end of a
claim's interval: values that agree to nine significant digits are equal (a sum of the
same people in another order differs in the last bits; 2,100,000.000000002 is
2,100,000). A value equal to an end within it lies inside a closed end, outside an open
one."""

COMPARE_ATOL = 1e-12
"""Absolute tolerance near zero (in the indicator's unit), beside :data:`COMPARE_RTOL`."""

UNITS: dict[str, str] = {
    "percent": "fraction (0-1)", "fraction": "fraction (0-1)", "km2": "km²", "km": "km",
    "structures per km2": "structures per km²",
    "people": "people", "m2 per person": "m² per person",
    "people per km2": "people per km²", "count": "count",
    "per 1,000": "personnel per 1,000 residents", "per 10,000": "beds per 10,000 residents",
    "m": "m", "structures": "structures", "beds": "beds", "personnel": "personnel",
}
"""The indicator unit each claim unit is compared with."""

PLAN_INPUTS: dict[str, str] = {
    "reconstruction_share": "where the plan puts reconstruction (reconstruction.zones)",
    "reconstruction_budget_usd": "the plan's reconstruction budget",
    "forces_personnel": "the forces the plan lists (forces)",
    "compounds": "the compounds the plan states (compounds)",
    "compound_capacity": "the compounds' stated capacity (compounds)",
}
"""Indicators that are always inputs of the plan: a claim about them restates it."""

_RESIDENTS = ("residents", "share_of_residents")


@dataclass(frozen=True)
class RunBasis:
    """What one run of the evaluation stands for, for judging claims.

    Attributes
    ----------
    label
        The run's case in words (a layout or assumption, without the population spread).
    kind
        ``"central"``; ``"spread"`` (a sourced range: another member of the population
        ensemble, the smallest or largest stated bed counts); ``"uncertainty"`` (a
        line's stated uncertainty); ``"variant"`` (a stated alternative).
    sources
        Ids of the sources the case rests on.
    date
        A date the case is known by beyond its sources' (a dated alternative).
    note
        What the case stands for, as the plan states it.
    """

    label: str
    kind: Literal["central", "spread", "uncertainty", "variant"]
    sources: tuple[str, ...] = ()
    date: str | None = None
    note: str | None = None


CENTRAL = RunBasis("the central case", "central")
"""The basis of the central run."""

Key = tuple[str | None, str]


@dataclass
class ClaimRuns:
    """The values of the figures the claims speak of, in every run of an evaluation.

    Attributes
    ----------
    keys
        (zone id or ``None`` for the whole territory, indicator) pairs to keep.
    runs
        Per run, its basis and the values it gave (``None``: not a number).
    """

    keys: frozenset[Key]
    runs: list[tuple[RunBasis, dict[Key, float | None]]] = field(default_factory=list)

    @classmethod
    def for_claims(cls, claims: Sequence[Claim]) -> ClaimRuns:
        """An empty collector for the figures ``claims`` speak of."""
        return cls(frozenset((c.zone, c.indicator) for c in claims))

    def add(self, basis: RunBasis, zones: Mapping[str, Mapping[str, Any]],
            totals: Mapping[str, Any]) -> None:
        """Keep one run's values (its per-zone figures and totals)."""
        if not self.keys:
            return
        vals: dict[Key, float | None] = {}
        for zone, ind in self.keys:
            row = totals if zone is None else zones.get(zone, {})
            v = row.get(ind)
            vals[(zone, ind)] = (float(v) if isinstance(v, (int, float))
                                 and not isinstance(v, bool) else None)
        self.runs.append((basis, vals))



class ClaimedRecord(TypedDict):
    """A claim's figure as stated (in the claim's unit), and as read."""

    value: float | None
    range: list[float] | None
    at_least: float | None
    at_most: float | None
    wording: str
    """The key of the rule table the words are read by (``stated``, ``about``, ...)."""
    decimals: int
    """The decimals the figure is stated with, in the claim's unit: the precision the
    measurement is shown at beside it (rounded only where it is shown)."""
    interval: list[float | None]
    """``[low, high]`` the claim is read as, in the indicator's unit (``null``: open)."""
    interval_closed: list[bool]
    """Whether each end belongs to the interval."""
    reads_as: str
    """The interval in words, in the claim's unit."""


class OnlyIfRecord(TypedDict):
    """An alternative a "consistent only if" verdict rests on."""

    alternative: str
    """Its label."""
    note: str | None
    sources: list[str]
    """Ids of its sources."""
    date: str | None
    """The latest date of its sources."""
    after_claim: bool
    """Reported after the claim."""
    short: str
    words: str


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
    """``[low, high]`` measured over every alternative, in the indicator's unit."""
    sourced_range: list[float] | None
    """``[low, high]`` over the central run and the sourced ranges known by the claim's
    date, in the indicator's unit."""
    note: str | None
    only_if: list[OnlyIfRecord] | None
    """The alternatives a "consistent only if" rests on."""
    restates: str | None
    """The plan input the figure restates (then shown, never counted)."""
    source_date: str | None
    """The date of the claim's source."""
    seen_via: str | None
    """The re-post the source was read through."""
    about_line: str | None
    """The published (unedited) line whose side the claim's zone is: the claim is about
    that line as published."""
    verdict: Verdict
    """``consistent``, ``consistent only if``, ``inconsistent``, ``restates the plan`` or
    ``not measurable``."""
    counted: bool
    """Whether it counts as a check."""
    why: str
    """The verdict's reason, in words, with the figures."""


def _close(x: float, y: float) -> bool:
    return abs(x - y) <= max(COMPARE_ATOL, COMPARE_RTOL * max(abs(x), abs(y)))


def _above(x: float, lo: float, closed: bool) -> bool:
    """``x`` lies at or above (closed) or strictly above (open) ``lo``, with tolerance."""
    if math.isinf(lo):
        return lo < 0
    return (x >= lo or _close(x, lo)) if closed else (x > lo and not _close(x, lo))


def _below(x: float, hi: float, closed: bool) -> bool:
    if math.isinf(hi):
        return hi > 0
    return (x <= hi or _close(x, hi)) if closed else (x < hi and not _close(x, hi))


def _meets(r: Reading, lo: float, hi: float) -> bool:
    """The closed range ``[lo, hi]`` overlaps the claim's interval (with tolerance)."""
    return _above(hi, r.low, r.low_closed) and _below(lo, r.high, r.high_closed)


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
    if _close(lo, hi):
        return _show(lo, unit, base)
    for extra in range(4):
        a, b = _show(lo, unit, base + extra), _show(hi, unit, base + extra)
        if a != b or lo == hi:
            return a if a == b else f"{a}–{b}"
    return f"{a}–{b}"


def _target(data: dict[str, Any], zone: str | None) -> tuple[dict[str, Any] | None, str]:
    if zone is None:
        return data["totals"], "the whole territory"
    z = next((z for z in data["zones"] if z["id"] == zone), None)
    return z, (z.get("label") or zone) if z else zone


def _restates(c: Claim, data: dict[str, Any]) -> str | None:
    """The plan input a claim restates, or ``None`` when it is a measurement."""
    if c.restates:
        return c.restates
    if c.indicator in PLAN_INPUTS:
        return PLAN_INPUTS[c.indicator]
    if c.indicator in _RESIDENTS:
        if c.zone is None:
            return "the plan's population total (population.total)"
        zones = data.get("zones") or []
        z = next((z for z in zones if z["id"] == c.zone), None)
        if z is None:
            return None
        if z.get("access") == "closed":
            return "the plan's closing of this zone to civilians (zones' access)"
        open_zones = [o for o in zones if o.get("access") == "resident"]
        if len(open_zones) == 1 and open_zones[0]["id"] == c.zone:
            return ("the plan's closing of every other zone to civilians (zones' access): "
                    "all modelled residents are placed here")
    return None


def _date_of(basis: RunBasis, sources: Mapping[str, Mapping[str, Any]]) -> str | None:
    dates = [str(sources[s]["date"]) for s in basis.sources
             if s in sources and sources[s].get("date")]
    if basis.date:
        dates.append(basis.date)
    return max(dates) if dates else None


def _by(date: str | None, claim_date: str | None) -> bool:
    """A fact dated ``date`` was known by ``claim_date`` (undated: yes; month or year
    precision compares by the shorter)."""
    if date is None or claim_date is None:
        return True
    n = min(len(date), len(claim_date))
    return date[:n] <= claim_date[:n]


def _assumed(basis: RunBasis, sources: Mapping[str, Mapping[str, Any]]) -> bool:
    """The case rests only on modelling assumptions (or cites nothing)."""
    return not any(s in sources and not sources[s].get("assumption") for s in basis.sources)


def _name(basis: RunBasis, sources: Mapping[str, Mapping[str, Any]], claim_date: str | None,
          date: str | None) -> dict[str, Any]:
    pubs = [f"{sources[s].get('publisher', s)}, {sources[s].get('date') or 'undated'}"
            for s in basis.sources if s in sources]
    later = date is not None and not _by(date, claim_date)
    said = "; ".join(pubs) + (", after the claim" if later else "")
    return {"alternative": basis.label, "note": basis.note, "sources": list(basis.sources),
            "date": date, "after_claim": later,
            "short": basis.label + (f" ({said})" if said else ""),
            "words": basis.label + (f" — {basis.note.rstrip('.')}" if basis.note else "")
            + (f" ({'; '.join(pubs)})" if pubs else "")
            + (", reported after the claim" if later else "")}


def _judge(c: Claim, r: Reading, central: float, per_run: list[tuple[RunBasis, float]],
           sources: Mapping[str, Mapping[str, Any]], claim_date: str | None
           ) -> tuple[str, str, list[dict[str, Any]] | None, list[float], list[str]]:
    """Verdict, its reason, the alternatives it rests on, the sourced range and the
    assumption-only cases that would have reached the claim."""
    sourced = [central]
    groups: dict[str, tuple[RunBasis, list[float]]] = {}
    assumed: list[str] = []
    for basis, v in per_run:
        date = _date_of(basis, sources)
        if basis.kind == "spread" or (basis.kind == "uncertainty" and not _assumed(
                basis, sources) and _by(date, claim_date)):
            sourced.append(v)
        elif basis.kind == "uncertainty" and _assumed(basis, sources):
            if _meets(r, min(central, v), max(central, v)) and basis.label not in assumed:
                assumed.append(basis.label)  # the line anywhere between counts
        else:
            groups.setdefault(basis.label, (basis, []))[1].append(v)
    srange = [min(sourced), max(sourced)]
    if _meets(r, central, central):
        return "consistent", "it holds the central value", None, srange, assumed
    if _meets(r, *srange):
        return ("consistent", "the sourced range (population spreads and sourced ranges) "
                f"{_pair(srange[0], srange[1], c.unit)} reaches it", None, srange, assumed)
    passing = [_name(b, sources, claim_date, _date_of(b, sources))
               for b, vals in groups.values() if _meets(r, min(vals), max(vals))]
    if passing:
        return ("consistent only if", "only if " + "; or ".join(p["words"] for p in passing),
                passing, srange, assumed)
    return "inconsistent", "", None, srange, assumed


def check_claims(claims: Sequence[Claim], data: dict[str, Any],
                 runs: ClaimRuns | None = None,
                 edited: Mapping[str, str] | None = None,
                 published: Mapping[str, str] | None = None) -> list[ClaimRecord]:
    """Judge each claim against a result's JSON and its runs (see the module docstring).

    Parameters
    ----------
    claims
        The published figures.
    data
        The result's JSON (zones, totals, their ranges and null reasons, indicators,
        sources).
    runs
        The claims' figures in every run of the evaluation (the central run first);
        without it, only the central values and the result's ranges are known, and a
        claim the central value misses is inconsistent unless the range reaches it
        (then "consistent only if" the unnamed alternatives hold).
    edited
        Zones drawn from a line that was edited (zone id → line id): a claim about one
        is about the published line, and is not judged against the edited one (``not
        measurable``, saying so).
    published
        Zones drawn by their side of a published, unedited line (zone id → line id): a
        claim about one is marked as about the published line (``about_line``).

    Returns
    -------
    list of ClaimRecord
        Per claim: ``text``, ``source``, ``indicator``, ``zone``, ``unit``, ``claimed``
        (as stated, its ``wording``, the ``interval`` it is read as in the indicator's
        unit, which ends are ``interval_closed``, and ``reads_as`` in words),
        ``measured`` (central value), ``measured_range`` (low-high over every
        alternative), ``sourced_range`` (over the central run and the sourced ranges
        known by the claim's date), ``verdict``, ``counted`` (whether it counts as a
        check), ``only_if`` (the alternatives a "consistent only if" rests on),
        ``restates`` (the plan input restated), ``source_date``, ``seen_via`` (the
        re-post the source was read through), ``about_line`` (the published line a
        claim about a zone is about, or ``None``) and ``why``.
    """
    sources = {s["id"]: s for s in data.get("sources") or [] if "id" in s}
    as_of = (data.get("plan") or {}).get("as_of")
    later_lines = "; ".join(
        f"{e['id']}, {e.get('date') or 'undated'}" for e in data.get("later_evidence") or []
        if e.get("kind") in ("line variant", "alternative", "line uncertainty"))
    out: list[dict[str, Any]] = []  # each filled in below, then typed
    for c in claims:
        r = c.reading()
        src = sources.get(c.source, {})
        via = (src.get("via") or {}).get("publisher")
        claim_date = str(src["date"]) if src.get("date") else None
        entry: dict[str, Any] = {
            "text": c.text, "source": c.source, "indicator": c.indicator, "zone": c.zone,
            "unit": c.unit, "claimed": {**c.claimed(), "interval": [r.low, r.high],
                                        "interval_closed": [r.low_closed, r.high_closed],
                                        "reads_as": r.text(c.unit)},
            "measured": None, "measured_range": None, "sourced_range": None,
            "note": c.note, "only_if": None, "restates": None, "source_date": claim_date,
            "seen_via": via,
            "about_line": (published or {}).get(c.zone) if c.zone is not None else None}
        out.append(entry)
        seen = f" Source seen through a re-post ({via})." if via else ""
        target, where = _target(data, c.zone)
        if c.zone is not None and c.zone in (edited or {}) and _restates(c, data) is None:
            line = (edited or {})[c.zone]
            entry.update(verdict="not measurable", counted=False,
                         why=f"about the published line: {where} is drawn from line "
                         f"'{line}', which was edited or shifted, so the claim is not "
                         "judged against it")
            continue
        ind = data["indicators"].get(c.indicator)
        if ind is None or target is None:
            what = "indicator" if ind is None else "zone"
            entry.update(verdict="not measurable", counted=False,
                         why=f"zoneplan has no {what} '{c.indicator if ind is None else c.zone}'"
                         " in this result")
            continue
        if UNITS[c.unit] != ind["unit"]:
            entry.update(verdict="not measurable", counted=False,
                         why=f"the claim is in {c.unit} but {c.indicator} is measured in "
                         f"{ind['unit']}")
            continue
        value = target.get(c.indicator)
        rng = (target.get("ranges") or {}).get(c.indicator)
        restated = _restates(c, data)
        if value is None and restated is None:
            reason = (target.get("null_reasons") or {}).get(c.indicator, "not computed")
            entry.update(verdict="not measurable", counted=False,
                         why=f"{c.indicator} of {where}: {reason}")
            continue
        claimed = f"the claim reads as {r.text(c.unit)} ({r.wording})"
        if value is None:
            entry.update(verdict="restates the plan", counted=False, restates=restated,
                         why=f"{claimed}; the figure restates {restated}: shown, not counted")
            continue
        mlo, mhi = (float(rng[0]), float(rng[1])) if rng else (float(value), float(value))
        entry["measured"], entry["measured_range"] = value, [mlo, mhi]
        span = _pair(mlo, mhi, c.unit)
        measured = (f"measured {_show(float(value), c.unit)} for {where}"
                    + (f" (range {span} over the alternatives)" if "–" in span else ""))
        if restated is not None:
            entry.update(verdict="restates the plan", counted=False, restates=restated,
                         why=f"{claimed}; {measured}; the figure restates {restated}: "
                         "shown, not counted." + seen)
            continue
        per_run: list[tuple[RunBasis, float]] = []
        if runs is not None:
            per_run = [(b, v) for b, vals in runs.runs[1:]
                       if (v := vals.get((c.zone, c.indicator))) is not None]
        elif rng:
            per_run = [(RunBasis("one of the alternatives behind the range", "variant"), v)
                       for v in (mlo, mhi)]
        verdict, reason, only_if, srange, assumed = _judge(c, r, float(value), per_run,
                                                           sources, claim_date)
        entry.update(verdict=verdict, counted=True, only_if=only_if, sourced_range=srange)
        if verdict == "inconsistent":
            gap_hi = r.low - mhi if r.low > mhi and not _close(r.low, mhi) else 0.0
            gap_lo = mlo - r.high if mlo > r.high and not _close(mlo, r.high) else 0.0
            scale = 100.0 if c.unit == "percent" else 1.0
            unit_word = (" percentage points" if c.unit == "percent"
                         else f" {c.unit}" if c.unit not in ("fraction", "count") else "")
            if gap_hi > 0 or gap_lo > 0:
                side = "above the highest" if gap_hi > 0 else "below the lowest"
                reason = (f"the claim lies {max(gap_hi, gap_lo) * scale:,.1f}{unit_word} "
                          f"{side} measured value")
            else:
                reason = ("only a run on an unsourced model assumption reaches it ("
                          + "; ".join(assumed) + "), and an assumption does not decide a "
                          "verdict" if assumed else
                          "the measurement lies on an end the claim excludes" if
                          _close(r.low, mhi) or _close(mlo, r.high) else
                          "no sourced run reaches it")
        elif verdict == "consistent" and reason.startswith("it holds"):
            reason = "they overlap (the claim's interval holds the central value)"
        if verdict == "inconsistent" and later_lines:
            reason += (f"; later evidence set aside as of {as_of} ({later_lines}) is not "
                       "used (evaluate with --as-of to use it)")
        entry["why"] = f"{claimed}; {measured}: {reason}.{seen}"
    return [cast("ClaimRecord", e) for e in out]
