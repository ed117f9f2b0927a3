"""Indicators per zone, for one layout and one population spread.

:func:`compute` is pure arithmetic on the per-zone sums of
:func:`~zoneplan.measure.zone_sums.layout_cells`: no file is read, no per-cell array is
built, nothing is rounded. Who moves where is decided by
:func:`~zoneplan.measure.relocation.relocate`; whole-territory figures and invariants
by :mod:`zoneplan.measure.totals`. A value that cannot be computed is ``None`` with a
reason in ``reasons``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from zoneplan.geometry import project
from zoneplan.measure.access import access_and_shape, access_totals
from zoneplan.measure.assumptions import Assumptions, central_assumptions
from zoneplan.measure.cells import CellGrid, Fractions
from zoneplan.measure.crossings import CrossingSite, crossing_sites
from zoneplan.measure.frame import Frame, div, weighted_quantile
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.ragged import sorted_quantiles
from zoneplan.measure.relocation import Placement, compound_sites, relocate, zone_placements
from zoneplan.measure.totals import invariants, line_values, totals
from zoneplan.measure.zone_sums import NEAR_LINE_M, LayoutCells, layout_cells
from zoneplan.measure.zones import Layout, Zone
from zoneplan.plan import ForceEntry, Plan

__all__ = ["CellMap", "Metrics", "Placement", "compute", "force_split", "reconstruction_shares",
           "weighted_quantile", "zone_placements"]


@dataclass
class Metrics:
    """Indicator values for one layout and population spread.

    Besides the values, it keeps what breakdowns need: the run's layout and inputs, the
    population spread used, each zone's :class:`Placement` and compound residents.
    """

    zones: dict[str, dict[str, Any]]
    reasons: dict[str, dict[str, str]]
    totals: dict[str, Any]
    total_reasons: dict[str, str]
    lines: dict[str, dict[str, Any]]
    invariants: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    cell_map: CellMap | None = None
    hospital_zone: list[str | None] = field(default_factory=list)
    crossings: list[CrossingSite] = field(default_factory=list)
    layout: Layout | None = None
    inputs: Inputs | None = None
    pop_method: str = ""
    placements: dict[str, Placement] = field(default_factory=dict)
    site_people: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    by_area: list[dict[str, Any]] | None = None

    @property
    def cell_residents(self) -> NDArray[np.float64] | None:
        """Residents under the plan in each cell of the population grid (people)."""
        return None if self.cell_map is None else self.cell_map.residents()

    @property
    def cell_baseline(self) -> NDArray[np.float64] | None:
        """Baseline people in each cell, scaled to the modelled total (people)."""
        return None if self.cell_map is None else self.cell_map.baseline()


@dataclass(eq=False)
class CellMap:
    """What it takes to put residents back on the cells, for maps (built on demand)."""

    grid: CellGrid
    fractions: Fractions
    counts: NDArray[np.float64]
    scale: float
    placements: list[Placement]
    sites: list[tuple[float, float, float]] = field(default_factory=list)
    sites_crs: CRS | None = None

    def residents(self) -> NDArray[np.float64]:
        """Residents under the plan per cell (people); cells in no zone hold none;
        compound residents are in the cell nearest their compound."""
        fr = self.fractions
        per_person = np.array([sp.per_person for sp in self.placements] + [0.0])
        per_m2 = np.array([sp.per_m2 for sp in self.placements] + [0.0])
        area = self.grid.area_m2
        out = per_person[fr.zone_of] * self.counts  # zone -1 (cut or none) picks the 0.0
        if per_m2.any():
            out += per_m2[fr.zone_of] * area
        c, z = fr.cut_cell, fr.cut_zone
        np.add.at(out, c, (per_person[z] * self.counts[c] + per_m2[z] * area[c]) * fr.cut_frac)
        if self.sites:
            gx, gy = self.grid.x, self.grid.y
            for x, y, n in self.sites:
                pt = shapely.Point(x, y)
                if self.sites_crs is not None and self.grid.crs is not None:
                    pt = project(pt, self.grid.crs, src=self.sites_crs)
                out[int(np.argmin((gx - pt.x) ** 2 + (gy - pt.y) ** 2))] += n
        return np.asarray(out, dtype=np.float64)

    def baseline(self) -> NDArray[np.float64]:
        """Baseline people per cell scaled to the modelled total (people)."""
        return np.asarray(self.counts * self.scale, dtype=np.float64)


def _people(f: Frame) -> None:
    terr = f.layout.territory.area
    modelled = f.inputs.modelled_total
    for z in f.layout.zones:
        v, res = f.values[z.id], f.reloc.residents[z.id]
        v["area_km2"] = z.area_m2 / 1e6
        v["share_of_territory"] = z.area_m2 / terr
        v["residents_baseline"] = f.reloc.base[z.id]
        v["residents"] = res
        v["displaced_out"] = f.reloc.out[z.id]
        v["displaced_in"] = f.reloc.inflow[z.id]
        v["share_of_residents"] = div(res, modelled)
        v["density_per_km2"] = div(res, z.area_m2 / 1e6)
        v["m2_per_person"] = div(z.area_m2, res)
        if res <= 0:
            f.reasons[z.id]["m2_per_person"] = "no residents under the plan"


def _beds(f: Frame, zone_id: str, mine: list[int]) -> None:
    """Pre-war beds of a zone's hospitals where a source states them, with coverage."""
    hosp = f.inputs.hospitals
    assert hosp is not None
    v, r = f.values[zone_id], f.reasons[zone_id]
    beds = hosp.values.get("beds")
    known = [float(beds[j]) for j in mine if beds is not None and np.isfinite(beds[j])]
    v["hospitals_with_beds_known"] = len(known)
    if not mine:
        v["hospital_beds"] = 0.0
    elif not known:
        v["hospital_beds"] = None
        r["hospital_beds"] = (f"no source states pre-war beds for the {len(mine)} "
                              f"hospital{'s' if len(mine) > 1 else ''} in this zone")
    else:
        v["hospital_beds"] = float(sum(known))
        if len(known) < len(mine):
            r["hospital_beds"] = (f"beds known for {len(known)} of {len(mine)} hospitals; "
                                  "the sum is a lower bound")


def _hospitals(f: Frame) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Hospitals, beds and distances per zone; returns the distances and residents of
    every zone's run, one zone after another, and how many zones they come from (for the
    totals).

    Residents of compounds are at their sites: their distance to the nearest open
    hospital is measured from the site.
    """
    hosp = f.inputs.hospitals
    zones = f.layout.zones
    in_zone = _by_zone(f.geo.hospital_zone)
    for z in zones:
        i, v, r, res = z.id, f.values[z.id], f.reasons[z.id], f.reloc.residents[z.id]
        if hosp is None:
            f.set_null(i, ("hospitals", "hospitals_with_beds_known", "hospital_beds",
                           "beds_per_10k", "hospital_distance_median_m",
                           "hospital_distance_p90_m"), "no hospital layer given")
            continue
        mine = in_zone.get(i, [])
        v["hospitals"] = len(mine)
        _beds(f, i, mine)
        v["beds_per_10k"] = div(v["hospital_beds"], res, 10_000)
        if v["beds_per_10k"] is None:
            r["beds_per_10k"] = ("no residents under the plan" if res <= 0
                                 else r.get("hospital_beds", "no bed count"))
    if hosp is None:
        return np.empty(0), np.empty(0), 0
    hd = f.geo.hospital_distance
    residents = np.array([f.reloc.residents[z.id] for z in zones], dtype=np.float64)
    use = hd.reach & (residents > 0)
    for k in np.flatnonzero(~use).tolist():
        f.set_null(zones[k].id, ("hospital_distance_median_m", "hospital_distance_p90_m"),
                   "no residents under the plan" if residents[k] <= 0
                   else "no hospital in a zone open to civilians, or in their own zone")
    d, w, start = _distance_runs(f, use)
    med, p90 = sorted_quantiles(d, w, start, (0.5, 0.9))
    for k in np.flatnonzero(use).tolist():
        v = f.values[zones[k].id]
        v["hospital_distance_median_m"] = None if np.isnan(med[k]) else float(med[k])
        v["hospital_distance_p90_m"] = None if np.isnan(p90[k]) else float(p90[k])
    return d, w, int(np.count_nonzero(use))


def _distance_runs(f: Frame, use: NDArray[np.bool_]
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Distances to the nearest open hospital, ascending, and the residents at each, of
    zones ``use``, one zone after another (with the offsets of each zone's run; the
    others' runs are empty): residents spread over a zone's blocks by its placement,
    compound residents at their sites."""
    hd = f.geo.hospital_distance
    zones = f.layout.zones
    nz = len(zones)
    assert f.people.blocks is not None and f.geo.area.blocks is not None
    people, area = f.people.blocks, f.geo.area.blocks
    e_zone = np.repeat(np.arange(nz), np.diff(hd.start))
    sel = np.flatnonzero(use[e_zone])
    ez, pair = e_zone[sel], hd.pair[sel]
    if people.block is area.block and people.start is area.start:  # the same pairs
        pv = people.value[pair]
    else:
        pv = np.concatenate([np.zeros(0)] + [people.take(k, hd.block[hd.start[k]:hd.start[k + 1]])
                                             for k in np.flatnonzero(use).tolist()])
    per_person = np.array([f.placement[z.id].per_person for z in zones])
    per_m2 = np.array([f.placement[z.id].per_m2 for z in zones])
    d = hd.dist[sel]
    w = np.asarray(per_person[ez] * pv + per_m2[ez] * area.value[pair], dtype=np.float64)
    count = np.bincount(ez, minlength=nz)
    with_sites = [k for k in np.flatnonzero(use).tolist() if f.reloc.site_people(zones[k].id)]
    if with_sites:  # compound residents at their sites: those zones' runs again
        start = np.concatenate([[0], np.cumsum(count)])
        d_parts, w_parts = np.split(d, start[1:-1]), np.split(w, start[1:-1])
        for k in with_sites:
            d_parts[k], w_parts[k] = _with_sites(f, zones[k].id, d_parts[k], w_parts[k],
                                                 f.reloc.site_people(zones[k].id))
            count[k] = d_parts[k].size
        d, w = np.concatenate(d_parts), np.concatenate(w_parts)
    return d, w, np.concatenate([[0], np.cumsum(count)]).astype(np.intp)


def _with_sites(f: Frame, zone_id: str, d: NDArray[np.float64], w: NDArray[np.float64],
                sites: list[tuple[float, float, float]]
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distances and weights with compound residents added at their sites, sorted."""
    hosp = f.inputs.hospitals
    assert hosp is not None
    open_zones = {z.id for z in f.layout.zones if z.spec.access == "resident"} | {zone_id}
    allowed = [j for j, hz in enumerate(f.geo.hospital_zone) if hz in open_zones]
    pts = project(shapely.MultiPoint([hosp.gdf.geometry.iloc[j] for j in allowed]),
                  f.layout.crs)
    sd = np.array([pts.distance(shapely.Point(x, y)) for x, y, _ in sites])
    dd = np.concatenate([d, sd])
    ww = np.concatenate([w, [n for _, _, n in sites]])
    order = np.argsort(dd, kind="stable")
    return dd[order], ww[order]


def _by_zone(zone_of: Sequence[str | None]) -> dict[str, list[int]]:
    """The points in each zone, from the zone of each point (one pass, not one per zone).

    Examples
    --------
    >>> _by_zone(["a", None, "b", "a"])
    {'a': [0, 3], 'b': [2]}
    """
    out: dict[str, list[int]] = {}
    for j, zid in enumerate(zone_of):
        if zid is not None:
            out.setdefault(zid, []).append(j)
    return out


def _damage(f: Frame) -> None:
    dmg = f.inputs.damage
    in_zone = _by_zone(f.geo.damage_zone) if dmg is not None else {}
    for z in f.layout.zones:
        if dmg is None:
            f.set_null(z.id, ("damaged_structures", "damage_share", "damage_per_km2"),
                       "no damage layer given")
            continue
        counts = dmg.values["count"]
        mine = np.asarray(in_zone.get(z.id, []), dtype=np.intp)
        v = f.values[z.id]
        v["damaged_structures"] = float(np.sum(counts[mine])) if mine.size else 0.0
        v["damage_share"] = div(v["damaged_structures"], float(np.sum(counts)))
        v["damage_per_km2"] = div(v["damaged_structures"], z.area_m2 / 1e6)
        if "class" in dmg.values:
            by: dict[str, float] = {}
            for j in mine:
                key = str(dmg.values["class"][j])
                by[key] = by.get(key, 0.0) + float(counts[j])
            v["damage_by_class"] = by


def reconstruction_shares(plan: Plan, zones: list[Zone]) -> dict[str, float]:
    """Share of reconstruction per zone: the plan's allocation, else by area."""
    rec = plan.reconstruction
    if rec and rec.allocation:
        return {z.id: float(rec.allocation.get(z.id, 0.0)) for z in zones}
    receiving = set(rec.zones) if rec and rec.zones else {
        z.id for z in zones if z.spec.reconstruction}
    area = sum(z.area_m2 for z in zones if z.id in receiving)
    return {z.id: (z.area_m2 / area if z.id in receiving and area > 0 else 0.0) for z in zones}


def _reconstruction(f: Frame, shares: dict[str, float]) -> None:
    budget = f.plan.reconstruction.budget_usd if f.plan.reconstruction else None
    for z in f.layout.zones:
        v = f.values[z.id]
        v["reconstruction_share"] = shares[z.id]
        if budget is None:
            f.set_null(z.id, ("reconstruction_budget_usd", "usd_per_resident"),
                       "the plan states no budget")
            continue
        v["reconstruction_budget_usd"] = budget * shares[z.id]
        v["usd_per_resident"] = div(v["reconstruction_budget_usd"], f.reloc.residents[z.id])
        if v["usd_per_resident"] is None:
            f.reasons[z.id]["usd_per_resident"] = "no residents under the plan"


def force_split(forces: Sequence[ForceEntry], zones: list[Zone],
                residents: dict[str, float]) -> dict[str, float]:
    """Personnel per zone: an entry covering several zones is split by residents (or area)."""
    out = dict.fromkeys(residents, 0.0)
    area = {z.id: z.area_m2 for z in zones}
    for entry in forces:
        cov = [i for i in entry.zones if i in residents]
        w = np.array([residents[i] for i in cov])
        if w.sum() <= 0:
            w = np.array([area[i] for i in cov])
        for i, share in zip(cov, w / w.sum(), strict=True):
            out[i] += entry.personnel * float(share)
    return out


def _forces(f: Frame, personnel: dict[str, float]) -> None:
    """Personnel counted in each zone and per 1,000 of its residents."""
    plan = f.plan
    stated = bool(plan.forces) or plan.forces_target is not None
    covered = {i for e in f.assumptions.forces for i in e.zones}
    listed = {i for e in plan.forces for i in e.zones} | set(
        plan.forces_target.zones if plan.forces_target else [])
    for z in f.layout.zones:
        if not stated:
            f.set_null(z.id, ("forces_personnel", "forces_per_1000"), "the plan states no forces")
            continue
        v, res, n = f.values[z.id], f.reloc.residents[z.id], personnel[z.id]
        v["forces_personnel"] = n
        if z.id not in covered:
            v["forces_per_1000"] = None
            f.reasons[z.id]["forces_per_1000"] = (
                "no force in the plan covers this zone" if z.id not in listed else
                "no contribution counted in this run covers this zone (the central figure "
                f"counts only those pledged, committed or deployed by {plan.date})")
        elif res <= 0:
            v["forces_per_1000"] = None
            f.reasons[z.id]["forces_per_1000"] = "nobody lives in this zone under the plan"
        else:
            v["forces_per_1000"] = div(n, res, 1000)


def _near_lines(f: Frame) -> None:
    keys = ("residents_within_500m_of_line", "residents_within_1km_of_line")
    for k, z in enumerate(f.layout.zones):
        if not f.layout.lines:
            f.set_null(z.id, keys, "the plan has no lines")
            continue
        for d, key in zip(NEAR_LINE_M, keys, strict=True):
            f.values[z.id][key] = f.near(k, d)


def _compounds(f: Frame) -> None:
    keys = ("compounds", "compound_capacity", "compound_residents")
    for z in f.layout.zones:
        if not f.plan.compounds:
            f.set_null(z.id, keys, "the plan has no compounds")
            continue
        sites = [(s, n) for s, n in zip(f.reloc.sites, f.reloc.in_compounds, strict=True)
                 if s.zone == z.id]
        v = f.values[z.id]
        v["compounds"] = sum(s.compound.count for s, _ in sites)
        v["compound_capacity"] = float(sum(s.capacity for s, _ in sites))
        v["compound_residents"] = float(sum(n for _, n in sites))


def _sites(inputs: Inputs, layout: Layout) -> list[CrossingSite]:
    """The crossings placed on a layout (they depend on the layout only: remembered)."""
    memo: dict[int, list[CrossingSite]] = layout.__dict__.setdefault("_crossings", {})
    key = id(inputs.crossings)
    if key not in memo:
        memo[key] = crossing_sites(inputs.crossings, layout)
    return memo[key]


def _people_outside(geo: LayoutCells, counts: NDArray[np.float64], key: str) -> float:
    """People of spread ``key`` on no zone's cells, summed cell by cell (remembered per
    layout and spread): each cell's people times the share of it no zone takes."""
    memo: dict[str, float] = geo.__dict__.setdefault("_outside", {})
    if key not in memo:
        fr = geo.fractions
        step = 1 << 18  # chunks: no full-length temporary on a fine raster
        outside = 0.0  # people on cells not wholly in a zone...
        for a in range(0, fr.zone_of.size, step):
            none = fr.zone_of[a:a + step] < 0
            outside += float(np.asarray(counts[a:a + step], dtype=np.float64)[none].sum())
        # ...less the shares of cut cells that zones take
        cells, inv = np.unique(fr.cut_cell, return_inverse=True)
        taken = np.bincount(inv.ravel(), weights=fr.cut_frac, minlength=cells.size)
        outside -= float(np.dot(np.asarray(counts[cells], dtype=np.float64),
                                1.0 - np.clip(1.0 - taken, 0.0, 1.0)))
        memo[key] = outside
    return memo[key]


def compute(layout: Layout, inputs: Inputs, *, pop_method: str,
            cells: LayoutCells | None = None, cell_arrays: bool = False,
            assumptions: Assumptions | None = None) -> Metrics:
    """All indicators for one layout and one population spread.

    Parameters
    ----------
    layout
        The zones.
    inputs
        The plan and its layers.
    pop_method
        Key of ``inputs.population.counts`` to use.
    cells
        The layout's :func:`layout_cells`, if already computed.
    cell_arrays
        Also return residents per cell (for maps); off for the alternatives.
    assumptions
        The forces and compounds to count; by default the central ones
        (:func:`~zoneplan.measure.assumptions.central_assumptions`).
    """
    geo = cells or layout_cells(layout, inputs)
    plan = inputs.plan
    counts = inputs.population.counts[pop_method]
    zones = layout.zones
    people = geo.people[pop_method]
    assumed = assumptions or central_assumptions(plan)
    reloc = relocate(zones, {z.id: float(people.total[k]) for k, z in enumerate(zones)},
                     float(counts.sum()), plan, inputs.modelled_total,
                     compound_sites(assumed.compounds, layout))
    placement = zone_placements(zones, geo.area.total, reloc, plan.population.relocation)
    f = Frame(layout=layout, inputs=inputs, geo=geo, people=people, reloc=reloc,
              placement=placement, values={z.id: {} for z in zones},
              reasons={z.id: {} for z in zones}, assumptions=assumed,
              crossings=_sites(inputs, layout))
    shares = reconstruction_shares(plan, zones)
    personnel = force_split(assumed.forces, zones, reloc.residents)
    _people(f)
    dist = _hospitals(f)
    _damage(f)
    _reconstruction(f, shares)
    _forces(f, personnel)
    _near_lines(f)
    _compounds(f)
    access = access_and_shape(f)
    tot, total_reasons = totals(f, dist, shares)
    access_totals(f, access, tot, total_reasons)
    notes = list(reloc.notes)
    outside = _people_outside(geo, counts, pop_method)
    if outside > 1e-6 * max(reloc.layer_total, 1):
        notes.append(f"{outside:,.0f} people of the baseline layer lie on cells outside "
                     "every zone (the layer reaches beyond the territory, or the zones leave "
                     "a remainder); they are reported as the remainder, not dropped.")
    cell_map = None
    if cell_arrays:
        cell_map = CellMap(grid=inputs.population.grid, fractions=geo.fractions,
                           counts=counts, scale=reloc.scale,
                           placements=[placement[z.id] for z in zones],
                           sites=[(x, y, n) for z in zones
                                  for x, y, n in reloc.site_people(z.id)],
                           sites_crs=layout.crs)
    return Metrics(zones=f.values, reasons=f.reasons, totals=tot, total_reasons=total_reasons,
                   lines=line_values(f), invariants=invariants(f, tot["residents"], outside),
                   notes=notes, cell_map=cell_map, hospital_zone=geo.hospital_zone,
                   crossings=f.crossings, layout=layout, inputs=inputs, pop_method=pop_method,
                   placements=placement,
                   site_people={z.id: reloc.site_people(z.id) for z in zones})
