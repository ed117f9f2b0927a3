"""Who lives where under the plan: people leaving closed zones, and where they go.

:func:`relocate` spreads the modelled total like the baseline and moves everyone out of
zones closed to civilians into zones open to them, by the plan's rule;
:func:`zone_placements` says how each zone's residents lie over its cells, so that
every indicator depending on where people are inside a zone is a combination of two
per-zone sums (:class:`Placement`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.errors import PlanError
from zoneplan.geometry import lonlat_of, project
from zoneplan.measure.zones import Layout, Zone
from zoneplan.plan import Compound, Plan, place_in_plan

__all__ = ["CompoundSite", "Placement", "Relocation", "check_compounds", "compound_sites",
           "relocate", "zone_placements"]


@dataclass(frozen=True)
class CompoundSite:
    """A compound where it stands: its zone and its location in the layout's CRS.

    Attributes
    ----------
    compound
        The compound as the run counts it (count, capacity).
    zone
        The zone it lies in (its ``zone`` if the plan names one), or ``None`` outside
        every zone.
    x, y
        Location, metres in the layout's CRS.
    """

    compound: Compound
    zone: str | None
    x: float
    y: float

    @property
    def capacity(self) -> float:
        """People the compounds at this site can hold (count times capacity)."""
        return float(self.compound.count * self.compound.capacity)


def compound_sites(compounds: Sequence[Compound], layout: Layout) -> list[CompoundSite]:
    """Each compound with the zone it lies in (its stated zone, else the zone covering its
    location) and its projected location."""
    out: list[CompoundSite] = []
    for c in compounds:
        pt = project(shapely.Point(c.location), layout.crs)
        zone = c.zone or next((z.id for z in layout.zones if z.geometry.covers(pt)), None)
        out.append(CompoundSite(compound=c, zone=zone, x=float(pt.x), y=float(pt.y)))
    return out


def check_compounds(plan: Plan, layout: Layout, *, zones: bool = True) -> None:
    """Refuse a compound outside the territory, or (``zones``) outside the zone it names.

    A compound houses people where it stands: one outside the territory would house them
    nowhere the plan measures, one in another zone than the plan says would put them in
    the zone the plan does not mean. Checked on the plan's own layout (``zones=False``
    where the lines have been moved, as in the editor: a compound may then fall on the
    other side of a line, and stays in the zone the plan names).

    Raises
    ------
    PlanError
        Naming the compound, where it lies and the line of the plan that places it.
    """
    for i, c in enumerate(plan.compounds):
        pt = project(shapely.Point(c.location), layout.crs)
        where = place_in_plan(plan, ("compounds", i, "location"))
        if not layout.territory.covers(pt):
            lon, lat = lonlat_of(layout.territory.representative_point(), layout.crs)
            raise PlanError(
                f"compound '{c.id}' at {list(c.location)} lies "
                f"{layout.territory.distance(pt) / 1000:,.1f} km outside the territory, so "
                "it would house people nowhere the plan measures", path=plan.path,
                location=where, suggestion="give its location as [longitude, latitude] "
                f"inside the territory (which lies around [{lon}, {lat}]), or remove it")
        if not zones or c.zone is None:
            continue
        named = next(z for z in layout.zones if z.id == c.zone)  # see check_references
        if not named.geometry.covers(pt):
            inside = next((z.id for z in layout.zones if z.geometry.covers(pt)), None)
            raise PlanError(
                f"compound '{c.id}' names zone '{c.zone}' but lies "
                + (f"in zone '{inside}'" if inside else "in no zone"), path=plan.path,
                location=where, suggestion=(f"write zone: {inside}, or " if inside else "")
                + f"move its location into zone '{c.zone}'")


@dataclass(eq=False)
class Relocation:
    """Where the modelled people live under the plan, per zone (people).

    Attributes
    ----------
    base
        Baseline people per zone (the population layer, not rescaled).
    scale
        Modelled total divided by the layer's total.
    stay, out, inflow, residents
        People staying in, leaving, moving into and living in each zone under the plan.
    unplaced
        Displaced people with no zone open to them (reported, never dropped).
    layer_total, base_remainder
        People in the layer; of those, people in no zone.
    notes
        What the model had to decide, in words.
    sites, in_compounds
        The compounds counted, and the displaced people living in each (they are part
        of ``inflow`` and ``residents`` of the compound's zone, and live at its site).
    """

    base: dict[str, float]
    scale: float
    stay: dict[str, float]
    out: dict[str, float]
    inflow: dict[str, float]
    residents: dict[str, float]
    unplaced: float
    layer_total: float
    base_remainder: float
    notes: list[str]
    sites: list[CompoundSite] = field(default_factory=list)
    in_compounds: list[float] = field(default_factory=list)

    @property
    def displaced(self) -> float:
        """People who must leave closed zones."""
        return sum(self.out.values())

    def site_people(self, zone_id: str) -> list[tuple[float, float, float]]:
        """Compound residents of a zone as points: (x, y, people), metres and people."""
        if not self.sites:  # no compound: asked for every zone, so answered at once
            return []
        return [(s.x, s.y, n) for s, n in zip(self.sites, self.in_compounds, strict=True)
                if s.zone == zone_id and n > 0]

    def spread_inflow(self, zone_id: str) -> float:
        """People moving into a zone who are spread over its cells (not in compounds)."""
        if not self.sites:
            return self.inflow[zone_id]
        return self.inflow[zone_id] - sum(n for _, _, n in self.site_people(zone_id))


def relocate(zones: list[Zone], base: dict[str, float], layer_total: float,
             plan: Plan, modelled: float, sites: Sequence[CompoundSite] = ()) -> Relocation:
    """Place the modelled total like the baseline, then move people out of closed zones.

    People leave ``closed`` zones. Compounds take them first, up to their capacity
    (shared in proportion to each site's capacity), and hold them at their sites, in
    whatever zone the compound stands. The rest move into ``resident`` zones in
    proportion to the people already there, to area, or to spare stated capacity (the
    plan's ``population.relocation``), or, with ``relocation: none``, nowhere (they are
    reported as unplaced); ``restricted`` zones keep their residents and take nobody in.

    Parameters
    ----------
    zones
        The zones.
    base
        People of the population layer in each zone (its cells times their shares).
    layer_total
        People in the whole layer.
    plan
        The plan (its relocation rule).
    modelled
        People modelled under the plan.
    sites
        The compounds counted, where they stand (:func:`compound_sites`).
    """
    scale = modelled / layer_total if layer_total > 0 else 0.0
    closed = {z.id for z in zones if z.spec.access == "closed"}
    stay = {i: (0.0 if i in closed else scale * b) for i, b in base.items()}
    out = {i: (scale * b if i in closed else 0.0) for i, b in base.items()}
    displaced = sum(out.values())
    inflow = dict.fromkeys(base, 0.0)
    notes: list[str] = []
    placed_sites = [s for s in sites if s.zone in base]
    for s in sites:
        if s.zone not in base:
            notes.append(f"Compound '{s.compound.id}' lies in no zone of the territory; it "
                         "houses nobody in this evaluation.")
    cap = np.array([s.capacity for s in placed_sites])
    housed = min(displaced, float(cap.sum()))
    in_compounds = list(housed * cap / cap.sum()) if cap.sum() > 0 else [0.0] * len(cap)
    for s, n in zip(placed_sites, in_compounds, strict=True):
        inflow[str(s.zone)] += n
    rest = displaced - housed
    receivers = [z for z in zones if z.spec.access == "resident"]
    unplaced = 0.0
    if rest > 0 and (not receivers or plan.population.relocation == "none"):
        unplaced = rest
        why = ("the plan moves them nowhere in the territory (relocation: none)"
               if receivers else "no zone is open to residents")
        notes.append(f"{rest:,.0f} displaced people have nowhere to go in this plan ({why}); "
                     "they are reported as unplaced.")
    elif rest > 0:
        w = _receiving_weights(receivers, stay, rest, plan.population.relocation, notes)
        for z, share in zip(receivers, w / w.sum(), strict=True):
            inflow[z.id] += rest * float(share)
    return Relocation(base=base, scale=scale, stay=stay, out=out, inflow=inflow,
                      residents={i: stay[i] + inflow[i] for i in base}, unplaced=unplaced,
                      layer_total=layer_total, base_remainder=layer_total - sum(base.values()),
                      notes=notes, sites=placed_sites, in_compounds=in_compounds)


def _receiving_weights(receivers: list[Zone], stay: dict[str, float], displaced: float,
                       method: str, notes: list[str]) -> NDArray[np.float64]:
    """Relative share of the displaced people each open zone receives."""
    if method == "area":
        return np.array([z.area_m2 for z in receivers])
    residents = np.array([stay[z.id] for z in receivers])
    if method == "capacity":
        w = np.array([max((z.spec.capacity or 0) - stay[z.id], 0.0) for z in receivers])
        if w.sum() < displaced:
            notes.append(f"Stated capacity leaves room for {w.sum():,.0f} of {displaced:,.0f} "
                         "displaced people; the rest are spread in proportion to residents.")
            extra = residents if residents.sum() > 0 else np.ones(len(receivers))
            w = w + (displaced - w.sum()) * extra / extra.sum()
        return w
    if residents.sum() <= 0:
        notes.append("Open zones had no residents; displaced people were spread by area "
                     "instead.")
        return np.array([z.area_m2 for z in receivers])
    return residents


@dataclass(frozen=True)
class Placement:
    """How a zone's residents under the plan lie over its cells.

    A cell holding ``count`` people of the baseline layer and ``area`` m² of the zone
    holds ``per_person * count + per_m2 * area`` residents under the plan: stayers and
    newcomers follow the baseline's pattern (``per_person``), or newcomers spread by
    area (``per_m2``, people per m²) under ``area`` relocation or in a zone nobody
    stayed in.
    """

    per_person: float
    per_m2: float

    def of(self, people: float | NDArray[np.float64],
           area: float | NDArray[np.float64]) -> Any:
        """Residents for sums (or arrays) of baseline people and of area (m²)."""
        return self.per_person * people + self.per_m2 * area


def zone_placements(zones: list[Zone], area_m2: NDArray[np.float64], reloc: Relocation,
                 method: str) -> dict[str, Placement]:
    """The :class:`Placement` of each zone's residents under the plan, apart from the
    compound residents (who live at the compounds' sites, :meth:`Relocation.site_people`).

    ``area_m2`` is each zone's area on the population grid (m², the sum of its cells'
    areas times their shares), in the order of ``zones``.
    """
    out: dict[str, Placement] = {}
    for k, z in enumerate(zones):
        per_person = per_m2 = 0.0
        spread_in = reloc.spread_inflow(z.id)  # compound residents live at their sites
        if reloc.stay[z.id] + spread_in > 0 and area_m2[k] > 0:
            stay = 0.0 if z.spec.access == "closed" else reloc.scale
            if method == "area" or reloc.stay[z.id] <= 0:
                per_person, per_m2 = stay, spread_in / float(area_m2[k])
            else:
                per_person = stay * (1.0 + spread_in / reloc.stay[z.id])
        out[z.id] = Placement(per_person=per_person, per_m2=per_m2)
    return out
