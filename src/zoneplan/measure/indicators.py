"""Indicators per zone, for one layout and one population spread.

:func:`compute` is pure arithmetic on the per-zone sums of
:func:`~zoneplan.measure.zone_sums.layout_cells`: no file is read, no per-cell array is
built, nothing is rounded. Who moves where is decided by
:func:`~zoneplan.measure.relocation.relocate`; whole-territory figures and invariants
by :mod:`zoneplan.measure.totals`. A value that cannot be computed is ``None`` with a
reason in ``reasons``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.geometry import project
from zoneplan.measure.cells import CellGrid, Fractions
from zoneplan.measure.frame import Frame, div, sorted_quantile, weighted_quantile
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.relocation import Placement, relocate, zone_placements
from zoneplan.measure.totals import invariants, line_values, totals
from zoneplan.measure.zone_sums import NEAR_LINE_M, LayoutCells, layout_cells
from zoneplan.measure.zones import Layout, Zone
from zoneplan.plan import Plan

__all__ = ["CellMap", "Metrics", "Placement", "compute", "force_split", "reconstruction_shares",
           "weighted_quantile", "zone_placements"]


@dataclass
class Metrics:
    """Indicator values for one layout and population spread."""

    zones: dict[str, dict[str, Any]]
    reasons: dict[str, dict[str, str]]
    totals: dict[str, Any]
    total_reasons: dict[str, str]
    lines: dict[str, dict[str, Any]]
    invariants: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    cell_map: CellMap | None = None
    hospital_zone: list[str | None] = field(default_factory=list)

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

    def residents(self) -> NDArray[np.float64]:
        """Residents under the plan per cell (people); cells in no zone hold none."""
        fr = self.fractions
        per_person = np.array([sp.per_person for sp in self.placements] + [0.0])
        per_m2 = np.array([sp.per_m2 for sp in self.placements] + [0.0])
        area = self.grid.area_m2
        out = per_person[fr.zone_of] * self.counts  # zone -1 (cut or none) picks the 0.0
        if per_m2.any():
            out += per_m2[fr.zone_of] * area
        c, z = fr.cut_cell, fr.cut_zone
        np.add.at(out, c, (per_person[z] * self.counts[c] + per_m2[z] * area[c]) * fr.cut_frac)
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


def _hospitals(f: Frame) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Hospitals, beds and distances per zone; returns the distance runs for the totals."""
    hosp = f.inputs.hospitals
    all_d: list[NDArray[np.float64]] = []
    all_w: list[NDArray[np.float64]] = []
    for k, z in enumerate(f.layout.zones):
        i, v, r, res = z.id, f.values[z.id], f.reasons[z.id], f.reloc.residents[z.id]
        if hosp is None:
            f.set_null(i, ("hospitals", "hospital_beds", "beds_per_10k",
                           "hospital_distance_median_m", "hospital_distance_p90_m"),
                       "no hospital layer given")
            continue
        beds = hosp.values.get("beds")
        mine = [k for k, hz in enumerate(f.geo.hospital_zone) if hz == i]
        v["hospitals"] = len(mine)
        known = [float(beds[k]) for k in mine if beds is not None and np.isfinite(beds[k])]
        if mine and not known:
            v["hospital_beds"] = None
            r["hospital_beds"] = "no pre-war bed count is known for these hospitals"
        else:
            v["hospital_beds"] = float(sum(known))
            if len(known) < len(mine):
                r["hospital_beds"] = (f"beds known for {len(known)} of {len(mine)} "
                                      "hospitals; the sum is a lower bound")
        v["beds_per_10k"] = div(v["hospital_beds"], res, 10_000)
        if v["beds_per_10k"] is None:
            r["beds_per_10k"] = ("no residents under the plan" if res <= 0
                                 else r.get("hospital_beds", "no bed count"))
        hd = f.geo.hospital_distance.get(i)
        if res <= 0 or hd is None:
            f.set_null(i, ("hospital_distance_median_m", "hospital_distance_p90_m"),
                       "no residents under the plan" if res <= 0
                       else "no hospital in a zone open to these residents")
            continue
        assert f.people.blocks is not None and f.geo.area.blocks is not None
        wts = np.asarray(f.placement[i].of(f.people.blocks[k, hd.blocks],
                                           f.geo.area.blocks[k, hd.blocks]), dtype=np.float64)
        v["hospital_distance_median_m"] = sorted_quantile(hd.dist_sorted, wts, 0.5)
        v["hospital_distance_p90_m"] = sorted_quantile(hd.dist_sorted, wts, 0.9)
        all_d.append(hd.dist_sorted)
        all_w.append(wts)
    return all_d, all_w


def _damage(f: Frame) -> None:
    dmg = f.inputs.damage
    for z in f.layout.zones:
        if dmg is None:
            f.set_null(z.id, ("damaged_structures", "damage_share"), "no damage layer given")
            continue
        counts = dmg.values["count"]
        mine = [k for k, dz in enumerate(f.geo.damage_zone) if dz == z.id]
        v = f.values[z.id]
        v["damaged_structures"] = float(np.sum(counts[mine])) if mine else 0.0
        v["damage_share"] = div(v["damaged_structures"], float(np.sum(counts)))
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


def force_split(plan: Plan, zones: list[Zone], residents: dict[str, float]) -> dict[str, float]:
    """Personnel per zone: an entry covering several zones is split by residents (or area)."""
    out = dict.fromkeys(residents, 0.0)
    area = {z.id: z.area_m2 for z in zones}
    for entry in (e for e in plan.forces if e.status != "withdrawn"):
        cov = [i for i in entry.zones if i in residents]
        w = np.array([residents[i] for i in cov])
        if w.sum() <= 0:
            w = np.array([area[i] for i in cov])
        for i, share in zip(cov, w / w.sum(), strict=True):
            out[i] += entry.personnel * float(share)
    return out


def _forces(f: Frame, personnel: dict[str, float], active: bool) -> None:
    for z in f.layout.zones:
        if not active:
            f.set_null(z.id, ("forces_personnel", "forces_per_1000"), "the plan states no forces")
            continue
        v, res, n = f.values[z.id], f.reloc.residents[z.id], personnel[z.id]
        v["forces_personnel"] = n
        v["forces_per_1000"] = div(n, res, 1000) if n > 0 else (0.0 if res > 0 else None)
        if v["forces_per_1000"] is None:
            f.reasons[z.id]["forces_per_1000"] = "no residents under the plan"


def _near_lines(f: Frame) -> None:
    keys = ("residents_within_500m_of_line", "residents_within_1km_of_line")
    for k, z in enumerate(f.layout.zones):
        if not f.layout.lines:
            f.set_null(z.id, keys, "the plan has no lines")
            continue
        for d, key in zip(NEAR_LINE_M, keys, strict=True):
            f.values[z.id][key] = float(f.residents(k, f.people.near_any[d],
                                                    f.geo.area.near_any[d]))


def _compounds(f: Frame) -> None:
    comps_all = f.plan.compounds
    for z in f.layout.zones:
        if not comps_all:
            f.set_null(z.id, ("compounds", "compound_capacity"), "the plan has no compounds")
            continue
        comps = [c for c in comps_all if c.zone == z.id or (
            c.zone is None
            and z.geometry.covers(project(shapely.Point(c.location), f.layout.crs)))]
        f.values[z.id]["compounds"] = sum(c.count for c in comps)
        f.values[z.id]["compound_capacity"] = float(sum(c.count * c.capacity for c in comps))


def compute(layout: Layout, inputs: Inputs, *, pop_method: str,
            cells: LayoutCells | None = None, cell_arrays: bool = False) -> Metrics:
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
    """
    geo = cells or layout_cells(layout, inputs)
    plan = inputs.plan
    counts = inputs.population.counts[pop_method]
    zones = layout.zones
    people = geo.people[pop_method]
    reloc = relocate(zones, {z.id: float(people.total[k]) for k, z in enumerate(zones)},
                     float(counts.sum()), plan, inputs.modelled_total)
    placement = zone_placements(zones, geo.area.total, reloc, plan.population.relocation)
    f = Frame(layout=layout, inputs=inputs, geo=geo, people=people, reloc=reloc,
               placement=placement, values={z.id: {} for z in zones},
               reasons={z.id: {} for z in zones})
    shares = reconstruction_shares(plan, zones)
    personnel = force_split(plan, zones, reloc.residents)
    _people(f)
    dist = _hospitals(f)
    _damage(f)
    _reconstruction(f, shares)
    _forces(f, personnel, active=any(e.status != "withdrawn" for e in plan.forces))
    _near_lines(f)
    _compounds(f)
    tot, total_reasons = totals(f, dist, shares)
    notes = list(reloc.notes)
    if reloc.base_remainder > 1e-6 * max(reloc.layer_total, 1):
        notes.append(f"{reloc.base_remainder:,.0f} people of the baseline layer lie outside "
                     "every zone (the layer reaches beyond the territory); they are reported "
                     "as the remainder, not dropped.")
    cell_map = None
    if cell_arrays:
        cell_map = CellMap(grid=inputs.population.grid, fractions=geo.fractions,
                           counts=counts, scale=reloc.scale,
                           placements=[placement[z.id] for z in zones])
    return Metrics(zones=f.values, reasons=f.reasons, totals=tot, total_reasons=total_reasons,
                   lines=line_values(f), invariants=invariants(f, tot["residents"]),
                   notes=notes, cell_map=cell_map, hospital_zone=geo.hospital_zone)
