"""Indicators per zone and for the whole territory, for one layout and one population spread.

:func:`compute` is pure arithmetic on arrays: no file is read, nothing is rounded.
A value that cannot be computed is ``None`` with a reason in ``reasons``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from zoneplan.geometry import project
from zoneplan.inputs import Inputs
from zoneplan.layers import PointLayer
from zoneplan.plan import Plan
from zoneplan.zones import AREA_TOLERANCE_M2, Layout, Zone

__all__ = ["LayoutCells", "Metrics", "compute", "layout_cells", "weighted_quantile"]

NEAR_LINE_M = (500.0, 1000.0)
"""Distances from a line (metres) for the residents-near-the-line indicators."""


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
    cell_residents: NDArray[np.float64] | None = None
    cell_baseline: NDArray[np.float64] | None = None
    hospital_zone: list[str | None] = field(default_factory=list)


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


DISTANCE_BLOCK_M = 100.0
"""On grids finer than this (metres), distances to hospitals are measured from the
centres of blocks of this size (error at most half the block diagonal, about 71 m)."""


@dataclass(eq=False)
class LayoutCells:
    """The geometric work for one layout, shared by every population spread."""

    cover: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]]
    near_any: dict[float, NDArray[np.float64]]
    near_line: dict[str, dict[float, NDArray[np.float64]]]
    hospital_zone: list[str | None]
    damage_zone: list[str | None]
    hospital_distance: dict[str, HospitalDistance | None]
    """Per zone: distances to the nearest hospital open to its residents; ``None`` when
    no hospital is open to them."""


def layout_cells(layout: Layout, inputs: Inputs, *, fast: bool = False) -> LayoutCells:
    """Cell shares per zone and near each line, and the zone of each point, for a layout.

    ``fast=True`` shares cells cut by a line out on a lattice of points, and counts a
    cell at the edge of a near-line buffer by its centre (approximate).
    """
    pop = inputs.population
    grid = pop.grid
    same_crs = pop.crs.equals(layout.crs)

    def in_pop_crs(g: Any) -> Any:
        return g if same_crs else project(g, pop.crs, src=layout.crs)

    zones = layout.zones
    cuts = [in_pop_crs(ln) for ln in layout.lines.values()]
    cuts += [in_pop_crs(z.geometry.boundary) for z in zones
             if z.spec.polygon is not None or z.spec.file is not None]
    # the zones tile the grid's own territory (same CRS, no remainder, same area)
    terr_area = layout.territory.area
    tiles = (same_crs and layout.remainder.area <= AREA_TOLERANCE_M2
             and abs(float(grid.area_m2.sum()) - terr_area) <= 1e-7 * terr_area)
    fr = grid.fractions([in_pop_crs(z.geometry) for z in zones], cuts, tiles=tiles,
                        samples=4 if fast else 0)
    cover = {z.id: fr.for_zone(k) for k, z in enumerate(zones)}
    pop_lines = {lid: in_pop_crs(ln) for lid, ln in layout.lines.items()}
    samples = 1 if fast else 4  # fast: a cell at the buffer's edge counts by its centre
    near_any = grid.near_fractions(list(pop_lines.values()), NEAR_LINE_M, samples=samples)
    near_line = {lid: (near_any if len(pop_lines) == 1 else
                       grid.near_fractions([ln], NEAR_LINE_M, samples=samples))
                 for lid, ln in pop_lines.items()}
    h_zone = _point_zone(inputs.hospitals, layout)
    return LayoutCells(cover=cover, near_any=near_any, near_line=near_line,
                       hospital_zone=h_zone,
                       damage_zone=_point_zone(inputs.damage, layout),
                       hospital_distance=_hospital_distances(layout, inputs, cover, h_zone))


def _hospital_distances(
    layout: Layout, inputs: Inputs,
    cover: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]],
    h_zone: list[str | None],
) -> dict[str, HospitalDistance | None]:
    """Straight-line distances from each zone's cells to the nearest open hospital.

    Residents may use hospitals in zones open to residents and in their own zone. On
    grids finer than :data:`DISTANCE_BLOCK_M`, distances are measured from the centres
    of square blocks of that size, and cells share their block's distance.
    """
    hosp = inputs.hospitals
    out: dict[str, HospitalDistance | None] = {}
    if hosp is None or len(hosp) == 0:
        return dict.fromkeys(cover)
    grid = inputs.population.grid
    hp = project(shapely.MultiPoint(list(hosp.gdf.geometry)), inputs.population.crs)
    h_xy = np.array([(p.x, p.y) for p in hp.geoms])
    open_zones = {z.id for z in layout.zones if z.spec.access == "resident"}
    block = DISTANCE_BLOCK_M if grid.cell_size < DISTANCE_BLOCK_M else 0.0
    for z in layout.zones:
        idx = cover[z.id][0]
        allowed = [k for k, hz in enumerate(h_zone) if hz in open_zones or hz == z.id]
        if not allowed or idx.size == 0:
            out[z.id] = None
            continue
        tree = cKDTree(h_xy[allowed])
        x, y = grid.x[idx], grid.y[idx]
        if block:
            x0, y0 = np.floor(x.min() / block), np.floor(y.min() / block)
            bx = (np.floor(x / block) - x0).astype(np.int64)
            by = (np.floor(y / block) - y0).astype(np.int64)
            nx, ny = int(bx.max()) + 1, int(by.max()) + 1
            gx, gy = np.meshgrid((np.arange(nx) + x0 + 0.5) * block,
                                 (np.arange(ny) + y0 + 0.5) * block)
            block_dist = tree.query(np.column_stack([gx.ravel(), gy.ravel()]))[0]
            block_of = by * nx + bx
        else:
            block_dist = tree.query(np.column_stack([x, y]))[0]
            block_of = np.arange(idx.size)
        order = np.argsort(block_dist, kind="stable")
        out[z.id] = HospitalDistance(block_of=block_of, dist_sorted=block_dist[order],
                                     order=order)
    return out


@dataclass(eq=False)
class HospitalDistance:
    """Distances for one zone: the block of each zone cell, and blocks sorted by distance.

    Attributes
    ----------
    block_of
        Block index of each of the zone's cells (aligned with the zone's cover).
    dist_sorted
        Distance (metres) of each block to the nearest open hospital, ascending.
    order
        Block indices in that order.
    """

    block_of: NDArray[np.int64]
    dist_sorted: NDArray[np.float64]
    order: NDArray[np.intp]

    def sorted_weights(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-cell weights summed per block, in ``dist_sorted`` order."""
        per_block = np.bincount(self.block_of, weights=weights,
                                minlength=self.dist_sorted.size)
        return np.asarray(per_block[self.order], dtype=np.float64)


def _div(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den * scale


def _point_zone(layer: PointLayer | None, layout: Layout) -> list[str | None]:
    if layer is None or len(layer) == 0:
        return []
    pts = project(shapely.MultiPoint(list(layer.gdf.geometry)), layout.crs)
    geoms = np.array(list(pts.geoms))
    out: list[str | None] = [None] * len(geoms)
    for z in layout.zones:
        shapely.prepare(z.geometry)
        hit = shapely.covers(z.geometry, geoms)
        for i in np.flatnonzero(hit):
            if out[i] is None:
                out[i] = z.id
    return out


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


def relocate(zones: list[Zone], cover: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]],
             counts: NDArray[np.float64], plan: Plan) -> Relocation:
    """Spread the modelled total like the baseline, then move people out of closed zones.

    People leave ``closed`` zones and move into ``resident`` zones in proportion to the
    people already there, to area, or to spare stated capacity (the plan's
    ``population.relocation``); ``restricted`` zones keep their residents and take
    nobody in.
    """
    base = {z.id: float((counts[cover[z.id][0]] * cover[z.id][1]).sum()) for z in zones}
    layer_total = float(counts.sum())
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


def zone_densities(zones: list[Zone],
                   cover: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]],
                   counts: NDArray[np.float64], area_m2: NDArray[np.float64],
                   reloc: Relocation, method: str) -> dict[str, NDArray[np.float64]]:
    """People per zone cell under the plan, per unit of the cell's share in the zone.

    Aligned with ``cover[zone][0]``; a cell cut by a zone edge holds ``density * share``
    in that zone. Stayers keep the baseline's pattern; newcomers follow it too, or spread
    by area (``area`` relocation, or a zone nobody stayed in).
    """
    out: dict[str, NDArray[np.float64]] = {}
    for z in zones:
        idx, frac = cover[z.id]
        dens = np.zeros(idx.size)
        if reloc.residents[z.id] > 0 and idx.size:
            stay_cells = (np.zeros(idx.size) if z.spec.access == "closed"
                          else reloc.scale * counts[idx])
            if method == "area" or reloc.stay[z.id] <= 0:
                cells = area_m2[idx]
                in_cells = reloc.inflow[z.id] * cells / float((cells * frac).sum())
            else:
                in_cells = stay_cells * (reloc.inflow[z.id] / reloc.stay[z.id])
            dens = stay_cells + in_cells
        out[z.id] = dens
    return out


@dataclass(eq=False)
class _Frame:
    """What every indicator family reads (one layout, one population spread)."""

    layout: Layout
    inputs: Inputs
    geo: LayoutCells
    reloc: Relocation
    density: dict[str, NDArray[np.float64]]
    values: dict[str, dict[str, Any]]
    reasons: dict[str, dict[str, str]]

    @property
    def plan(self) -> Plan:
        return self.inputs.plan

    def set_null(self, zone_id: str, keys: tuple[str, ...], reason: str) -> None:
        for k in keys:
            self.values[zone_id][k] = None
            self.reasons[zone_id][k] = reason

    def weights(self, zone_id: str) -> NDArray[np.float64]:
        """Residents in each of the zone's cells (people)."""
        return self.density[zone_id] * self.geo.cover[zone_id][1]


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
    for z in f.layout.zones:
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
        wts = hd.sorted_weights(f.weights(i))
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
    for z in f.layout.zones:
        if not f.layout.lines:
            f.set_null(z.id, keys, "the plan has no lines")
            continue
        idx = f.geo.cover[z.id][0]
        for d, key in zip(NEAR_LINE_M, keys, strict=True):
            f.values[z.id][key] = float((f.weights(z.id) * f.geo.near_any[d][idx]).sum())


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
            near = f.geo.near_line[lid][d]
            lo[key] = float(sum((f.weights(z.id) * near[f.geo.cover[z.id][0]]).sum()
                                for z in f.layout.zones))
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
    grid = inputs.population.grid
    counts = inputs.population.counts[pop_method]
    zones = layout.zones
    reloc = relocate(zones, geo.cover, counts, plan)
    density = zone_densities(zones, geo.cover, counts, grid.area_m2, reloc,
                             plan.population.relocation)
    f = _Frame(layout=layout, inputs=inputs, geo=geo, reloc=reloc, density=density,
               values={z.id: {} for z in zones}, reasons={z.id: {} for z in zones})
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
    cell_res = cell_base = None
    if cell_arrays:
        cell_res = np.zeros(len(grid))
        for z in zones:
            idx = geo.cover[z.id][0]
            cell_res[idx] += f.weights(z.id)
        cell_base = counts * reloc.scale
    return Metrics(zones=f.values, reasons=f.reasons, totals=totals, total_reasons=total_reasons,
                   lines=_line_values(f), invariants=_invariants(f, totals["residents"]),
                   notes=notes, cell_residents=cell_res, cell_baseline=cell_base,
                   hospital_zone=geo.hospital_zone)
