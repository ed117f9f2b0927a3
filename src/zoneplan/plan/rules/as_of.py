"""A plan with the facts known at a date: later facts set aside as later evidence.

Every dated fact a plan states — a line variant or an alternative drawing of zones (dated
by its sources), a force listing, offer or pledge (its ``date``) — became known on a
date. An evaluation uses the facts known by the plan's date, or by another date
(``--as-of``); facts dated after it are listed as *later evidence* and enter neither the
central figure, the ranges, the draws nor the verdicts. A source marked ``assumption:
true`` is a modelling assumption, not a dated fact, and is never set aside. Crossing
states are chosen by the same date where they are read (:func:`zoneplan.io.layers.
crossings_layer`).

Dates of different precision compare from their first day ("2026-02" is known by
2026-02-15; "2026" by 2026-01-01).

Examples
--------
>>> from zoneplan.plan import load_plan
>>> plan, later = plan_as_of(load_plan("green-red-2025-11"))
>>> plan.facts_date, [v.id for v in plan.lines[0].variants]
('2025-11-14', [])
>>> sorted(e["id"] for e in later if e["kind"] == "line variant")
['markers-200m-west', 'markers-300m-west']
>>> plan, later = plan_as_of(load_plan("green-red-2025-11"), "2026-02-15")
>>> [v.id for v in plan.lines[0].variants]
['markers-200m-west', 'markers-300m-west']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoneplan.errors import InputError
from zoneplan.pack.line_variants import line_variants
from zoneplan.plan.model import Plan, Source
from zoneplan.plan.rules.line_variants import with_line_variants

__all__ = ["STALE_AFTER", "StaleAfter", "age_days", "check_date", "fact_date", "known_by",
           "plan_as_of", "split_dated", "stale"]


def _first_day(text: str) -> str:
    t = text.strip()
    return t + "-01-01" if len(t) == 4 else t + "-01" if len(t) == 7 else t


def known_by(date: str | None, as_of: str) -> bool:
    """Whether a fact dated ``date`` was known by ``as_of`` (undated: yes)."""
    return date is None or _first_day(date) <= _first_day(as_of)


@dataclass(frozen=True)
class StaleAfter:
    """How old a stated status may be, at the date a plan is evaluated at, before the
    text flags it as stale (possibly out of date).

    Attributes
    ----------
    days
        The age beyond which a status is stale (days, from the date its source last
        stated it to the evaluation date; a month or year counts from its first day).
    reason
        Why this age.
    source
        Where the reason's figures come from.
    """

    days: int
    reason: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``stale_after`` in the result)."""
        return {"days": self.days, "reason": self.reason, "source": self.source}


STALE_AFTER = StaleAfter(
    days=90,
    reason="Crossings into Gaza changed state often: of the 30 states in the pack's dated "
    "history that have ended (October 2023 to March 2026, Karni and Sufa aside), 14 "
    "(47%) ended within 90 days and the median lasted 110 days, so a status last stated "
    "more than 90 days before the evaluation date is about as likely as not to have "
    "changed since. Force listings, offers and pledges changed as quickly (Indonesia's "
    "offer of 14 Nov 2025 was replaced in February 2026). A model's choice, not a "
    "published standard; it flags text and changes no figure.",
    source="zoneplan pack, crossing_status_history.csv (valid_from to valid_to of each "
           "ended state)")
"""Statuses (crossing states, force listings) older than this at the evaluation date are
flagged as stale in the text and the JSON (``stale``); no figure depends on it."""


def age_days(stated: str | None, as_of: str) -> int | None:
    """Days from ``stated`` (when a status was last stated) to ``as_of``, each read from
    its first day; ``None`` when ``stated`` is not a date.

    Examples
    --------
    >>> age_days("2024-02-25", "2025-11-14"), age_days("2025-11", "2025-11-14")
    (628, 13)
    >>> age_days("n.d.", "2025-11-14") is None
    True
    """
    if stated is None or _ISO.fullmatch(stated.strip()) is None:
        return None
    try:
        return (dt.date.fromisoformat(_first_day(as_of))
                - dt.date.fromisoformat(_first_day(stated))).days
    except ValueError:
        return None


def stale(stated: str | None, as_of: str, rule: StaleAfter = STALE_AFTER) -> bool | None:
    """Whether a status last stated on ``stated`` is older than ``rule.days`` at
    ``as_of`` (``None`` when its date is not known).

    Examples
    --------
    >>> stale("2025-08-16", "2025-11-14"), stale("2025-08-15", "2025-11-14")
    (False, True)
    >>> stale(None, "2025-11-14") is None
    True
    """
    age = age_days(stated, as_of)
    return None if age is None else age > rule.days


def fact_date(source_ids: Sequence[str], sources: dict[str, Source]) -> str | None:
    """The date a fact resting on ``source_ids`` became known: its latest published
    source's date (modelling assumptions are not dated facts); ``None`` if none is
    dated."""
    dates = [sources[s].date for s in source_ids
             if s in sources and not sources[s].assumption and sources[s].date]
    return max(dates, key=_first_day) if dates else None


_ISO = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
"""A date as the facts are dated: YYYY, YYYY-MM or YYYY-MM-DD."""


def check_date(as_of: str, *, where: str = "--as-of") -> str:
    """``as_of`` if it is an ISO date (YYYY-MM-DD, YYYY-MM or YYYY), else an
    :class:`~zoneplan.errors.InputError` naming ``where`` it was given.

    Examples
    --------
    >>> check_date("2026-03-01")
    '2026-03-01'
    >>> try:
    ...     check_date("2026-13-01")
    ... except InputError as e:
    ...     print(str(e).splitlines()[0])
    --as-of: '2026-13-01' is not a date
    """
    ok = _ISO.fullmatch(as_of.strip()) is not None
    if ok:
        try:
            dt.date.fromisoformat(_first_day(as_of))
        except ValueError:
            ok = False
    if not ok:
        raise InputError(f"'{as_of}' is not a date", location=where,
                         suggestion="give an ISO date: YYYY-MM-DD (or YYYY-MM, YYYY), "
                         "e.g. 2025-11-14")
    return as_of.strip()


_check = check_date


def split_dated(ref: str | Path) -> tuple[str | Path, str | None]:
    """A plan reference with an optional date: ``PLAN@DATE`` (a plan id or file, ``@``,
    then an ISO date) split into the plan and the date; a reference without ``@``, or an
    existing file whose name holds one, has no date.

    Raises
    ------
    InputError
        A date after ``@`` that is not an ISO date, or nothing before it.

    Examples
    --------
    >>> split_dated("green-red-2025-11@2026-03-01")
    ('green-red-2025-11', '2026-03-01')
    >>> split_dated("green-red-2025-11")
    ('green-red-2025-11', None)
    """
    text = str(ref)
    if "@" not in text or Path(text).exists():
        return ref, None
    plan, date = text.rsplit("@", 1)
    if not plan:
        raise InputError(f"'{text}' names no plan before '@'", location=text,
                         suggestion="write PLAN@DATE, e.g. green-red-2025-11@2026-03-01")
    check_date(date, where=text)
    return (Path(plan) if isinstance(ref, Path) else plan), date.strip()


_SET_ASIDE = ("lines", "alternatives", "forces")
"""The parts of a plan whose later facts :func:`plan_as_of` sets aside."""


def _undated(plan: Plan) -> Plan:
    """The plan with every fact back, whatever date it was evaluated at: the parts set
    aside come from the plan before dating, everything else (claims or layers added
    since, where it was read from) from ``plan`` itself."""
    full = plan._full
    if full is None:
        return plan
    out = plan.model_copy(update={k: getattr(full, k) for k in _SET_ASIDE})
    out._as_of, out._later, out._full = None, [], None
    return out


def plan_as_of(plan: Plan, as_of: str | None = None) -> tuple[Plan, list[dict[str, Any]]]:
    """The plan with only the facts known by ``as_of`` (default: the plan's date), and the
    later facts set aside (see the module docstring).

    Returns
    -------
    Plan
        A copy whose ``facts_date`` is the date used; line variants, alternatives and
        force entries dated after it removed.
    list of dict
        The later evidence: ``kind`` ("line variant", "alternative", "line
        uncertainty", "force"), ``id``, ``date``, ``sources``, ``note`` and, for forces,
        ``contributor``, ``personnel``, ``status`` and ``words``.

    Raises
    ------
    InputError
        ``as_of`` that is not an ISO date.
    """
    full = _undated(plan)
    date = _check(as_of) if as_of else full.date
    plan, line_notes, from_pack = with_line_variants(full)
    sources = {s.id: s for s in plan.sources}
    later: list[dict[str, Any]] = []
    lines = []
    for spec in plan.lines:
        keep = []
        for var in spec.variants:
            when = fact_date(var.sources, sources)
            if known_by(when, date):
                keep.append(var)
            else:
                later.append({"kind": "line variant", "id": var.id, "line": spec.id,
                              "date": when, "sources": list(var.sources), "note": var.note,
                              "offset_m": var.offset_m, "towards": var.towards})
        unc = spec.uncertainty
        if unc is not None and not known_by(fact_date(unc.sources, sources), date):
            later.append({"kind": "line uncertainty", "id": f"{spec.id}-uncertainty",
                          "line": spec.id, "date": fact_date(unc.sources, sources),
                          "sources": list(unc.sources), "note": unc.note})
            unc = None
        lines.append(spec.model_copy(update={"variants": keep, "uncertainty": unc}))
    alts = []
    for alt in plan.alternatives:
        when = fact_date(alt.sources, sources)
        if known_by(when, date):
            alts.append(alt)
        else:
            later.append({"kind": "alternative", "id": alt.id, "date": when,
                          "sources": list(alt.sources), "note": alt.note or alt.label,
                          **({"line": from_pack[alt.id]} if alt.id in from_pack else {})})
    forces = []
    for e in plan.forces:
        if known_by(e.date, date):
            forces.append(e)
        else:
            later.append({"kind": "force", "id": f"{e.contributor} ({e.status})",
                          "contributor": e.contributor, "personnel": e.personnel,
                          "status": e.status, "words": e.words, "date": e.date,
                          "sources": list(e.sources), "note": e.note})
    out = plan.model_copy(update={"lines": lines, "alternatives": alts, "forces": forces})
    out._as_of, out._later, out._full = date, later, full
    out._line_notes = line_notes + _pack_lines_dated(plan, later, date)
    return out, later


def _pack_lines_dated(plan: Plan, later: list[dict[str, Any]], date: str) -> list[str]:
    """For each line drawn from a pack layer whose variants are partly later evidence, a
    note saying so: the same line may show a wider range in a plan of a later date."""
    out = []
    for spec in plan.lines:
        if spec.layer not in line_variants():
            continue
        set_aside = [e for e in later if e.get("line") == spec.id]
        if not set_aside:
            continue
        ids = "; ".join(f"{e['id']}, {e.get('date') or 'undated'}" for e in set_aside)
        out.append(
            f"Line '{spec.id}' takes the variants the pack declares for {spec.layer}, the "
            "same in every plan that draws it; "
            f"{len(set_aside)} of them {'is' if len(set_aside) == 1 else 'are'} dated after "
            f"{date} and set aside as later evidence ({ids}), so a plan evaluated at a "
            "later date may show another range for the same line.")
    return out
