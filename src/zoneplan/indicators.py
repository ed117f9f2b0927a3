"""Indicators per zone and for the whole territory, for one layout and one population spread.

:func:`compute` is pure arithmetic on the per-zone sums of
:func:`~zoneplan.zone_sums.layout_cells`: no file is read, no per-cell array is built,
nothing is rounded. Who moves where is decided by :func:`relocate`; how each zone's
residents lie over its cells by :func:`zone_placements`. A value that cannot be
computed is ``None`` with a reason in ``reasons``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.geometry import project
from zoneplan.grid import CellGrid, Fractions
from zoneplan.inputs import Inputs
from zoneplan.plan import Plan
from zoneplan.zone_sums import NEAR_LINE_M, LayoutCells, ZoneSums, layout_cells
from zoneplan.zones import Layout, Zone

__all__ = ["CellMap", "Metrics", "Placement", "compute", "weighted_quantile", "zone_placements"]



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


def weighted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                      q: float) -> float | None:
    """Weighted quantile (``q`` in 0-1) by the cumulative-weight midpoint rule.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5)
    2.0
    >>> round(weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5), 4)
    2.3333
    >>> weighted_quantile(np.array([5.0]), np.array([0.0]), 0.5) is None
    True
    """
    order = np.argsort(values, kind="stable")
    return _sorted_quantile(values[order], weights[order], q)


def _sorted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                     q: float) -> float | None:
    """:func:`weighted_quantile` for values already sorted ascending."""
    keep = weights > 0
    if not keep.any():
        return None
    v, w = values[keep], weights[keep]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return float(np.interp(q, cw, v))

























def _div(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den * scale




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

    @property
    def displaced(self) -> float:
        """People who must leave closed zones."""
        return sum(self.out.values())


def relocate(zones: list[Zone], base: dict[str, float], layer_total: float,
             plan: Plan) -> Relocation:
    """Placement the modelled total like the baseline, then move people out of closed zones.

    People leave ``closed`` zones and move into ``resident`` zones in proportion to the
    people already there, to area, or to spare stated capacity (the plan's
    ``population.relocation``); ``restricted`` zones keep their residents and take
    nobody in.

    Parameters
    ----------
    zones
        The zones.
    base
        People of the population layer in each zone (its cells times their shares).
    layer_total
        People in the whole layer.
    plan
        The plan (modelled total and relocation rule).
    """
    scale = plan.population.total / layer_total if layer_total > 0 else 0.0
    closed = {z.id for z in zones if z.spec.access == "closed"}
    stay = {i: (0.0 if i in closed else scale * b) for i, b in base.items()}
    out = {i: (scale * b if i in closed else 0.0) for i, b in base.items()}
    displaced = sum(out.values())
    receivers = [z for z in zones if z.spec.access == "resident"]
    inflow = dict.fromkeys(base, 0.0)
    unplaced = 0.0
    notes: list[str] = []
    if displaced > 0 and not receivers:
        unplaced = displaced
        notes.append(f"No zone is open to residents, so {displaced:,.0f} displaced people "
                     "have nowhere to go in this plan; they are reported as unplaced.")
    elif displaced > 0:
        w = _receiving_weights(receivers, stay, displaced, plan.population.relocation, notes)
        for z, share in zip(receivers, w / w.sum(), strict=True):
            inflow[z.id] = displaced * float(share)
    return Relocation(base=base, scale=scale, stay=stay, out=out, inflow=inflow,
                      residents={i: stay[i] + inflow[i] for i in base}, unplaced=unplaced,
                      layer_total=layer_total, base_remainder=layer_total - sum(base.values()),
                      notes=notes)


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
    """The :class:`Placement` of each zone's residents under the plan.

    ``area_m2`` is each zone's area on the population grid (m², the sum of its cells'
    areas times their shares), in the order of ``zones``.
    """
    out: dict[str, Placement] = {}
    for k, z in enumerate(zones):
        per_person = per_m2 = 0.0
        if reloc.residents[z.id] > 0 and area_m2[k] > 0:
            stay = 0.0 if z.spec.access == "closed" else reloc.scale
            if method == "area" or reloc.stay[z.id] <= 0:
                per_person, per_m2 = stay, reloc.inflow[z.id] / float(area_m2[k])
            else:
                per_person = stay * (1.0 + reloc.inflow[z.id] / reloc.stay[z.id])
        out[z.id] = Placement(per_person=per_person, per_m2=per_m2)
    return out


@dataclass(eq=False)
class _Frame:
    """What every indicator family reads (one layout, one population spread)."""

    layout: Layout
    inputs: Inputs
    geo: LayoutCells
    people: ZoneSums
    reloc: Relocation
    placement: dict[str, Placement]
    values: dict[str, dict[str, Any]]
    reasons: dict[str, dict[str, str]]

    @property
    def plan(self) -> Plan:
        return self.inputs.plan

    def set_null(self, zone_id: str, keys: tuple[str, ...], reason: str) -> None:
        for k in keys:
            self.values[zone_id][k] = None
            self.reasons[zone_id][k] = reason

    def residents(self, k: int, people: NDArray[np.float64],
                  area: NDArray[np.float64]) -> Any:
        """Residents under the plan of zone ``k`` from sums of baseline people and area."""
        return self.placement[self.layout.zones[k].id].of(people[k], area[k])


def _people(f: _Frame) -> None:
    terr = f.layout.territory.area
    modelled = f.plan.population.total
    for z in f.layout.zones:
        v, res = f.values[z.id], f.reloc.residents[z.id]
        v["area_km2"] = z.area_m2 / 1e6
        v["share_of_territory"] = z.area_m2 / terr
        v["residents_baseline"] = f.reloc.base[z.id]
        v["residents"] = res
        v["displaced_out"] = f.reloc.out[z.id]
        v["displaced_in"] = f.reloc.inflow[z.id]
        v["share_of_residents"] = _div(res, modelled)
        v["density_per_km2"] = _div(res, z.area_m2 / 1e6)
        v["m2_per_person"] = _div(z.area_m2, res)
        if res <= 0:
            f.reasons[z.id]["m2_per_person"] = "no residents under the plan"


def _hospitals(f: _Frame) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
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
        v["beds_per_10k"] = _div(v["hospital_beds"], res, 10_000)
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
        v["hospital_distance_median_m"] = _sorted_quantile(hd.dist_sorted, wts, 0.5)
        v["hospital_distance_p90_m"] = _sorted_quantile(hd.dist_sorted, wts, 0.9)
        all_d.append(hd.dist_sorted)
        all_w.append(wts)
    return all_d, all_w


def _damage(f: _Frame) -> None:
    dmg = f.inputs.damage
    for z in f.layout.zones:
        if dmg is None:
            f.set_null(z.id, ("damaged_structures", "damage_share"), "no damage layer given")
            continue
        counts = dmg.values["count"]
        mine = [k for k, dz in enumerate(f.geo.damage_zone) if dz == z.id]
        v = f.values[z.id]
        v["damaged_structures"] = float(np.sum(counts[mine])) if mine else 0.0
        v["damage_share"] = _div(v["damaged_structures"], float(np.sum(counts)))
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


def _reconstruction(f: _Frame, shares: dict[str, float]) -> None:
    budget = f.plan.reconstruction.budget_usd if f.plan.reconstruction else None
    for z in f.layout.zones:
        v = f.values[z.id]
        v["reconstruction_share"] = shares[z.id]
        if budget is None:
            f.set_null(z.id, ("reconstruction_budget_usd", "usd_per_resident"),
                       "the plan states no budget")
            continue
        v["reconstruction_budget_usd"] = budget * shares[z.id]
        v["usd_per_resident"] = _div(v["reconstruction_budget_usd"], f.reloc.residents[z.id])
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


def _forces(f: _Frame, personnel: dict[str, float], active: bool) -> None:
    for z in f.layout.zones:
        if not active:
            f.set_null(z.id, ("forces_personnel", "forces_per_1000"), "the plan states no forces")
            continue
        v, res, n = f.values[z.id], f.reloc.residents[z.id], personnel[z.id]
        v["forces_personnel"] = n
        v["forces_per_1000"] = _div(n, res, 1000) if n > 0 else (0.0 if res > 0 else None)
        if v["forces_per_1000"] is None:
            f.reasons[z.id]["forces_per_1000"] = "no residents under the plan"


def _near_lines(f: _Frame) -> None:
    keys = ("residents_within_500m_of_line", "residents_within_1km_of_line")
    for k, z in enumerate(f.layout.zones):
        if not f.layout.lines:
            f.set_null(z.id, keys, "the plan has no lines")
            continue
        for d, key in zip(NEAR_LINE_M, keys, strict=True):
            f.values[z.id][key] = float(f.residents(k, f.people.near_any[d],
                                                    f.geo.area.near_any[d]))


def _compounds(f: _Frame) -> None:
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


SUMMED = ("hospitals", "damaged_structures", "compounds", "compound_capacity",
          "forces_personnel", "residents_within_500m_of_line", "residents_within_1km_of_line",
          "reconstruction_budget_usd")
"""Indicators whose whole-territory value is the sum over zones."""


def _totals(f: _Frame, dist: tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]],
            shares: dict[str, float]) -> tuple[dict[str, Any], dict[str, str]]:
    plan, reloc, zones = f.plan, f.reloc, f.layout.zones
    zid = [z.id for z in zones]
    terr = f.layout.territory.area
    t: dict[str, Any] = {}
    tr: dict[str, str] = {}
    total_res = sum(reloc.residents.values())
    t["area_km2"] = terr / 1e6
    t["share_of_territory"] = sum(z.area_m2 for z in zones) / terr
    t["residents_baseline"] = sum(reloc.base.values())
    t["residents"] = total_res
    t["displaced_out"] = reloc.displaced
    t["displaced_in"] = sum(reloc.inflow.values())
    t["share_of_residents"] = _div(total_res, plan.population.total)
    t["density_per_km2"] = _div(total_res, terr / 1e6)
    t["m2_per_person"] = _div(terr, total_res)
    for k in SUMMED:
        vals = [f.values[i][k] for i in zid]
        t[k] = None if any(x is None for x in vals) else float(sum(vals))
        if t[k] is None:
            tr[k] = next((f.reasons[i][k] for i in zid if k in f.reasons[i]), "not available")
    for k in ("hospitals", "compounds"):
        if t[k] is not None:
            t[k] = int(t[k])
    hosp = f.inputs.hospitals
    beds = hosp.values.get("beds") if hosp is not None else None
    known = beds[np.isfinite(beds)] if beds is not None else np.empty(0)
    t["hospital_beds"] = float(known.sum()) if known.size else None
    if t["hospital_beds"] is None:
        tr["hospital_beds"] = ("no hospital layer given" if hosp is None
                               else "no pre-war bed count is known for these hospitals")
    t["beds_per_10k"] = _div(t["hospital_beds"], total_res, 10_000)
    if t["beds_per_10k"] is None:
        tr["beds_per_10k"] = tr.get("hospital_beds", "no residents")
    all_d, all_w = dist
    if all_d:
        d_all, w_all = np.concatenate(all_d), np.concatenate(all_w)
        if len(all_d) > 1:  # merge the zones' sorted runs
            order = np.argsort(d_all, kind="stable")
            d_all, w_all = d_all[order], w_all[order]
        t["hospital_distance_median_m"] = _sorted_quantile(d_all, w_all, 0.5)
        t["hospital_distance_p90_m"] = _sorted_quantile(d_all, w_all, 0.9)
    else:
        t["hospital_distance_median_m"] = t["hospital_distance_p90_m"] = None
        tr["hospital_distance_median_m"] = tr["hospital_distance_p90_m"] = (
            "no hospital layer given" if hosp is None else "no resident has an open hospital")
    dmg = f.inputs.damage
    dmg_total = float(np.sum(dmg.values["count"])) if dmg is not None else None
    t["damage_share"] = 1.0 if dmg_total else None
    if dmg is not None:
        outside = [k for k, dz in enumerate(f.geo.damage_zone) if dz is None]
        t["damaged_structures_outside_zones"] = float(np.sum(dmg.values["count"][outside]))
    else:
        tr["damage_share"] = "no damage layer given"
    budget = plan.reconstruction.budget_usd if plan.reconstruction else None
    t["reconstruction_share"] = float(sum(shares.values()))
    t["usd_per_resident"] = _div(budget, total_res) if budget is not None else None
    if budget is None:
        tr["usd_per_resident"] = "the plan states no budget"
    _force_totals(plan, t, tr, reloc, total_res)
    _compound_totals(plan, t, tr, reloc.displaced)
    return t, tr


def _force_totals(plan: Plan, t: dict[str, Any], tr: dict[str, str], reloc: Relocation,
                  total_res: float) -> None:
    active = [e for e in plan.forces if e.status != "withdrawn"]
    covered = sorted({i for e in active for i in e.zones})
    personnel = float(sum(e.personnel for e in active))
    res_cov = sum(reloc.residents[i] for i in covered)
    t["forces_per_1000"] = _div(personnel, total_res, 1000) if active else None
    t["forces_per_1000_covered"] = _div(personnel, res_cov, 1000) if active else None
    if not active:
        tr["forces_per_1000"] = tr["forces_per_1000_covered"] = "the plan states no forces"
    elif t["forces_per_1000_covered"] is None:
        tr["forces_per_1000_covered"] = (
            f"no residents under the plan in the zones the forces cover ({', '.join(covered)})")
    t["forces_zones_covered"] = covered
    t["residents_in_covered_zones"] = res_cov if active else None


def _compound_totals(plan: Plan, t: dict[str, Any], tr: dict[str, str],
                     displaced: float) -> None:
    if not plan.compounds:
        t["compound_capacity_vs_displaced"] = t["compounds_needed_for_displaced"] = None
        tr["compound_capacity_vs_displaced"] = tr["compounds_needed_for_displaced"] = (
            "the plan has no compounds")
        return
    n_comp = sum(c.count for c in plan.compounds)
    cap = float(sum(c.count * c.capacity for c in plan.compounds))
    per = cap / n_comp if n_comp else None
    t["compound_capacity_vs_displaced"] = _div(cap, displaced)
    t["compounds_needed_for_displaced"] = math.ceil(displaced / per) if per else None
    if displaced <= 0:
        tr["compound_capacity_vs_displaced"] = "nobody is displaced under the plan"


def _line_values(f: _Frame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lid, ln in f.layout.lines.items():
        lo: dict[str, Any] = {
            "length_in_territory_km": ln.intersection(f.layout.territory).length / 1000}
        for d, key in zip(NEAR_LINE_M, ("residents_within_500m", "residents_within_1km"),
                          strict=True):
            lo[key] = float(sum(f.residents(k, f.people.near_line[lid][d],
                                            f.geo.area.near_line[lid][d])
                                for k in range(len(f.layout.zones))))
        out[lid] = lo
    return out


def _invariants(f: _Frame, total_res: float) -> dict[str, Any]:
    reloc, layout = f.reloc, f.layout
    terr = layout.territory.area
    modelled = f.plan.population.total
    remainder_residents = reloc.scale * reloc.base_remainder + reloc.unplaced
    base_in = sum(reloc.base.values())
    return {
        "area_conserved": abs(sum(z.area_m2 for z in layout.zones) + layout.remainder.area
                              - terr) <= 1e-6 * terr,
        "residents_conserved": abs(total_res + remainder_residents - modelled)
        <= 1e-6 * modelled,
        "baseline_conserved": abs(base_in + reloc.base_remainder - reloc.layer_total)
        <= 1e-6 * max(reloc.layer_total, 1.0),
        "remainder_km2": layout.remainder.area / 1e6,
        "remainder_residents": remainder_residents,
        "remainder_residents_baseline": reloc.base_remainder,
        "unplaced_residents": reloc.unplaced,
        "modelled_total": modelled,
        "baseline_total": reloc.layer_total,
    }


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
                     float(counts.sum()), plan)
    placement = zone_placements(zones, geo.area.total, reloc, plan.population.relocation)
    f = _Frame(layout=layout, inputs=inputs, geo=geo, people=people, reloc=reloc,
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
    totals, total_reasons = _totals(f, dist, shares)
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
    return Metrics(zones=f.values, reasons=f.reasons, totals=totals, total_reasons=total_reasons,
                   lines=_line_values(f), invariants=_invariants(f, totals["residents"]),
                   notes=notes, cell_map=cell_map, hospital_zone=geo.hospital_zone)
