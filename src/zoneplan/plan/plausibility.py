"""Plausibility bounds on the data a plan measures: typed, cited data, and the plan's own.

A population layer can hold numbers no place holds: a raster of 3e38 people per pixel,
a count written with a misplaced exponent. zoneplan refuses them instead of turning them
into figures. The bounds (:data:`CELL_DENSITY`, :data:`TERRITORY_DENSITY`,
:data:`STRUCTURE_DENSITY`) are well above the densest places recorded, so real data never
meet them; a plan whose data go beyond them on purpose says so with ``plausible:``
(:class:`Plausible`: its own bound, or ``allow: true``), and ``zoneplan run
--allow-implausible`` does the same for one run.

Examples
--------
>>> CELL_DENSITY.value, CELL_DENSITY.unit
(2000000.0, 'people per km²')
>>> limit(None, CELL_DENSITY)
2000000.0
>>> limit(Plausible(max_cell_people_per_km2=3e6, note="a stadium"), CELL_DENSITY)
3000000.0
>>> check_density(None, CELL_DENSITY, 3e40, what="population raster p.tif", path="p.tif")
Traceback (most recent call last):
...
zoneplan.errors.DataError: p.tif: population raster p.tif: a cell holds 3e+40 people per km²...
  → check the layer's units ... or pass --allow-implausible
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from zoneplan.errors import DataError, PlausibilityWarning
from zoneplan.plan.base import Flag, Model, Number

__all__ = ["BOUNDS", "CELL_DENSITY", "STRUCTURE_DENSITY", "TERRITORY_DENSITY", "Bound",
           "Plausible",
           "allow_implausible", "check_density", "limit"]


@dataclass(frozen=True, slots=True)
class Bound:
    """A plausibility bound: above it, a figure is a slip, not a fact.

    Attributes
    ----------
    id
        Stable identifier, also the key a plan's ``plausible:`` uses to raise it.
    label
        What is bounded, in words.
    value
        The bound, in ``unit``.
    unit
        Unit of ``value``.
    basis
        The fact the bound stands above, in words.
    source, url
        Where the fact was read.
    """

    id: str
    label: str
    value: float
    unit: str
    basis: str
    source: str
    url: str


CELL_DENSITY = Bound(
    id="max_cell_people_per_km2", label="people per km² in any cell or pixel",
    value=2_000_000.0, unit="people per km²",
    basis="Kowloon Walled City, the densest settlement recorded: about 33,000 people on "
    "2.6 ha in 1987, some 1.3 million per km²",
    source="Wikipedia, 'Kowloon Walled City'",
    url="https://en.wikipedia.org/wiki/Kowloon_Walled_City")
"""No cell of a population layer holds more people per km² than this (a cell's people
over its whole area; a raster's pixels as read)."""

TERRITORY_DENSITY = Bound(
    id="max_territory_people_per_km2", label="people per km² over the whole territory",
    value=500_000.0, unit="people per km²",
    basis="Beach camp (al-Shati), Gaza, among the most crowded places on Earth: over "
    "90,000 refugees on 0.52 km², about 173,000 per km²",
    source="UNRWA, 'Beach Camp' (camp profile)",
    url="https://www.unrwa.org/where-we-work/gaza-strip/beach-camp")
"""A population layer's total over the territory's area is at most this."""

STRUCTURE_DENSITY = Bound(
    id="max_territory_structures_per_km2", label="damaged structures per km² over the "
    "whole territory", value=100_000.0, unit="structures per km²",
    basis="a structure stands on at least 10 m²; the Gaza Strip had some 250,000 "
    "structures on 365 km², about 700 per km² (UNOSAT: 198,273 affected, ~81%, Oct 2025)",
    source="UN Resident Coordinator A. Alakbarov and UNOSAT, as reported by PRC, Oct 2025",
    url="https://prc.org.uk/en/news/7666/un-81-of-gaza-structures-damaged-due-to-relentless"
    "-israeli-bombardment")
"""A damage layer's structures over the territory's area are at most this."""

BOUNDS: dict[str, Bound] = {b.id: b for b in (CELL_DENSITY, TERRITORY_DENSITY,
                                              STRUCTURE_DENSITY)}
"""Every bound, by id."""


class Plausible(Model):
    """What a plan says about data beyond the plausibility bounds (``plausible:``)."""

    max_cell_people_per_km2: Number | None = Field(
        default=None, gt=0, description="Raise the bound on people per km² in any cell "
        f"(default {CELL_DENSITY.value:,.0f}).")
    max_territory_people_per_km2: Number | None = Field(
        default=None, gt=0, description="Raise the bound on people per km² over the "
        f"territory (default {TERRITORY_DENSITY.value:,.0f}).")
    max_territory_structures_per_km2: Number | None = Field(
        default=None, gt=0, description="Raise the bound on damaged structures per km² over "
        f"the territory (default {STRUCTURE_DENSITY.value:,.0f}).")
    allow: Flag = Field(default=False, description="Measure data beyond the bounds anyway "
                        "(each is then a warning, not an error).")
    note: str | None = Field(default=None, description="Why the data go beyond the bounds.")


def limit(plausible: Plausible | None, bound: Bound) -> float:
    """The bound in force: the plan's own where it states one, else ``bound.value``."""
    own = getattr(plausible, bound.id, None) if plausible is not None else None
    return float(own) if own is not None else bound.value


def allow_implausible(plausible: Plausible | None) -> Plausible:
    """``plausible`` with ``allow: true`` (``--allow-implausible``)."""
    return (plausible or Plausible()).model_copy(update={"allow": True})


def check_density(plausible: Plausible | None, bound: Bound, density: float, *, what: str,
                  path: str | Path | None) -> None:
    """Refuse a density above the bound in force (warn instead if the plan allows it).

    Parameters
    ----------
    plausible
        The plan's ``plausible:``, if any.
    bound
        One of :data:`BOUNDS`.
    density
        The measured density, in the bound's unit (the highest cell's, or the
        territory's).
    what
        The layer, for messages (``"population layer 'people'"``).
    path
        The layer's file, if any.

    Raises
    ------
    DataError
        If ``density`` is above the bound (or not a number) and the plan does not allow it.
    """
    top = limit(plausible, bound)
    if density <= top:
        return
    where = "a cell holds" if bound is CELL_DENSITY else "the territory holds"
    shown = f"{density:,.0f}" if density < 1e12 else f"{density:.4g}"
    message = (f"{what}: {where} {shown} {bound.unit}, above the {top:,.0f} no place "
               f"holds ({bound.basis}; {bound.source})")
    if plausible is not None and plausible.allow:
        warnings.warn(f"{path}: {message}; measured anyway (plausible: allow)",
                      PlausibilityWarning, stacklevel=3)
        return
    raise DataError(message, path=path, suggestion=(
        "check the layer's units (units=density for people per km²) and its nodata value; "
        f"if the figures are right, say so in the plan with 'plausible: {{{bound.id}: N, "
        "note: why}' (or 'plausible: {allow: true}'), or pass --allow-implausible"))
