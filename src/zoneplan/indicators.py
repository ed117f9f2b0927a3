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
from zoneplan.zones import AREA_TOLERANCE_M2, Layout

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
    h_zone = _point_zone(inputs.hospitals, layout, inputs)
    return LayoutCells(cover=cover, near_any=near_any, near_line=near_line,
                       hospital_zone=h_zone,
                       damage_zone=_point_zone(inputs.damage, layout, inputs),
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


def _point_zone(layer: PointLayer | None, layout: Layout, inputs: Inputs) -> list[str | None]:
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
    pop = inputs.population
    grid = pop.grid
    counts = pop.counts[pop_method]
    zones = layout.zones
    zid = [z.id for z in zones]
    terr_area = layout.territory.area
    cover = geo.cover
    base = {z.id: float((counts[cover[z.id][0]] * cover[z.id][1]).sum()) for z in zones}
    layer_total = float(counts.sum())
    base_in_zones = sum(base.values())
    base_remainder = layer_total - base_in_zones
    scale = plan.population.total / layer_total if layer_total > 0 else 0.0
    notes: list[str] = []

    access = {z.id: z.spec.access for z in zones}
    stay = {i: (scale * base[i] if access[i] != "closed" else 0.0) for i in zid}
    out_ = {i: (scale * base[i] if access[i] == "closed" else 0.0) for i in zid}
    displaced = sum(out_.values())
    receivers = [z for z in zones if z.spec.access == "resident"]
    inflow = dict.fromkeys(zid, 0.0)
    unplaced = 0.0
    method = plan.population.relocation
    if displaced > 0:
        if not receivers:
            unplaced = displaced
            notes.append(f"No zone is open to residents, so {displaced:,.0f} displaced people "
                         "have nowhere to go in this plan; they are reported as unplaced.")
        else:
            if method == "area":
                w = np.array([z.area_m2 for z in receivers])
            elif method == "capacity":
                w = np.array([max((z.spec.capacity or 0) - stay[z.id], 0.0) for z in receivers])
                if w.sum() < displaced:
                    notes.append(
                        f"Stated capacity leaves room for {w.sum():,.0f} of {displaced:,.0f} "
                        "displaced people; the rest are spread in proportion to residents.")
                    extra = np.array([stay[z.id] for z in receivers])
                    if extra.sum() <= 0:
                        extra = np.ones(len(receivers))
                    w = w + (displaced - w.sum()) * extra / extra.sum()
            else:
                w = np.array([stay[z.id] for z in receivers])
                if w.sum() <= 0:
                    w = np.array([z.area_m2 for z in receivers])
                    notes.append("Open zones had no residents; displaced people were spread "
                                 "by area instead.")
            w = w / w.sum()
            for z, share in zip(receivers, w, strict=True):
                inflow[z.id] = displaced * float(share)
    residents = {i: stay[i] + inflow[i] for i in zid}
    modelled = plan.population.total
    remainder_residents = scale * base_remainder + unplaced

    # residents per zone cell, per unit of the cell's share in the zone (aligned with
    # cover[zone][0]); a cell cut by a zone edge holds dens * frac in that zone
    zone_density: dict[str, NDArray[np.float64]] = {}
    for z in zones:
        idx, frac = cover[z.id]
        dens = np.zeros(idx.size)
        if residents[z.id] > 0 and idx.size:
            stay_cells = scale * counts[idx] if access[z.id] != "closed" else np.zeros(idx.size)
            if method == "area" or stay[z.id] <= 0:
                area_cells = grid.area_m2[idx]
                in_cells = inflow[z.id] * area_cells / float((area_cells * frac).sum())
            else:
                in_cells = stay_cells * (inflow[z.id] / stay[z.id])
            dens = stay_cells + in_cells
        zone_density[z.id] = dens
    cell_res = cell_base = None
    if cell_arrays:
        cell_res = np.zeros(len(grid))
        for z in zones:
            idx, frac = cover[z.id]
            cell_res[idx] += zone_density[z.id] * frac
        cell_base = counts * scale

    # hospitals and damage
    hosp = inputs.hospitals
    h_zone = geo.hospital_zone
    dmg = inputs.damage
    d_zone = geo.damage_zone
    beds = hosp.values.get("beds") if hosp is not None else None
    dmg_counts = dmg.values["count"] if dmg is not None else None
    dmg_total = float(np.sum(dmg_counts)) if dmg_counts is not None else None

    all_d: list[NDArray[np.float64]] = []
    all_w: list[NDArray[np.float64]] = []

    # reconstruction
    rec = plan.reconstruction
    rec_zones = (rec.zones if rec and rec.zones else [z.id for z in zones if z.spec.reconstruction])
    if rec and rec.allocation:
        rec_share = {i: float(rec.allocation.get(i, 0.0)) for i in zid}
    else:
        rec_area = sum(z.area_m2 for z in zones if z.id in rec_zones)
        rec_share = {z.id: (z.area_m2 / rec_area if z.id in rec_zones and rec_area > 0 else 0.0)
                     for z in zones}
    budget = rec.budget_usd if rec else None

    # forces
    forces_z = dict.fromkeys(zid, 0.0)
    active = [f for f in plan.forces if f.status != "withdrawn"]
    for f in active:
        cov = [i for i in f.zones if i in residents]
        w = np.array([residents[i] for i in cov])
        if w.sum() <= 0:
            w = np.array([next(z.area_m2 for z in zones if z.id == i) for i in cov])
        w = w / w.sum()
        for i, s in zip(cov, w, strict=True):
            forces_z[i] += f.personnel * float(s)
    force_total = float(sum(f.personnel for f in active))
    covered_ids = sorted({i for f in active for i in f.zones})

    def near(zone_id: str, d: float) -> float | None:
        if not layout.lines:
            return None
        idx, frac = cover[zone_id]
        return float((zone_density[zone_id] * frac * geo.near_any[d][idx]).sum())

    zout: dict[str, dict[str, Any]] = {}
    reasons: dict[str, dict[str, str]] = {}
    for z in zones:
        i = z.id
        r: dict[str, str] = {}
        v: dict[str, Any] = {}
        res = residents[i]
        v["area_km2"] = z.area_m2 / 1e6
        v["share_of_territory"] = z.area_m2 / terr_area
        v["residents_baseline"] = base[i]
        v["residents"] = res
        v["displaced_out"] = out_[i]
        v["displaced_in"] = inflow[i]
        v["share_of_residents"] = _div(res, modelled)
        v["density_per_km2"] = _div(res, z.area_m2 / 1e6)
        v["m2_per_person"] = _div(z.area_m2, res)
        if res <= 0:
            r["m2_per_person"] = "no residents under the plan"
        # hospitals
        if hosp is None:
            for k in ("hospitals", "hospital_beds", "beds_per_10k"):
                v[k] = None
                r[k] = "no hospital layer given"
        else:
            mine = [k for k, hz in enumerate(h_zone) if hz == i]
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
        # distances
        v["hospital_distance_median_m"] = v["hospital_distance_p90_m"] = None
        hd = geo.hospital_distance.get(i)
        if hosp is None:
            r["hospital_distance_median_m"] = "no hospital layer given"
        elif res <= 0:
            r["hospital_distance_median_m"] = "no residents under the plan"
        elif hd is None:
            r["hospital_distance_median_m"] = "no hospital in a zone open to these residents"
        else:
            wts = hd.sorted_weights(zone_density[i] * cover[i][1])
            v["hospital_distance_median_m"] = _sorted_quantile(hd.dist_sorted, wts, 0.5)
            v["hospital_distance_p90_m"] = _sorted_quantile(hd.dist_sorted, wts, 0.9)
            all_d.append(hd.dist_sorted)
            all_w.append(wts)
        if "hospital_distance_median_m" in r:
            r["hospital_distance_p90_m"] = r["hospital_distance_median_m"]
        # damage
        if dmg is None:
            v["damaged_structures"] = v["damage_share"] = None
            r["damaged_structures"] = r["damage_share"] = "no damage layer given"
        else:
            assert dmg_counts is not None
            mine = [k for k, dz in enumerate(d_zone) if dz == i]
            v["damaged_structures"] = float(np.sum(dmg_counts[mine])) if mine else 0.0
            v["damage_share"] = _div(v["damaged_structures"], dmg_total)
            if "class" in dmg.values:
                classes = dmg.values["class"]
                by: dict[str, float] = {}
                for j in mine:
                    by[str(classes[j])] = by.get(str(classes[j]), 0.0) + float(dmg_counts[j])
                v["damage_by_class"] = by
        # reconstruction
        v["reconstruction_share"] = rec_share[i]
        if budget is None:
            v["reconstruction_budget_usd"] = v["usd_per_resident"] = None
            r["reconstruction_budget_usd"] = r["usd_per_resident"] = "the plan states no budget"
        else:
            v["reconstruction_budget_usd"] = budget * rec_share[i]
            v["usd_per_resident"] = _div(v["reconstruction_budget_usd"], res)
            if v["usd_per_resident"] is None:
                r["usd_per_resident"] = "no residents under the plan"
        # forces
        if not active:
            v["forces_personnel"] = v["forces_per_1000"] = None
            r["forces_personnel"] = r["forces_per_1000"] = "the plan states no forces"
        else:
            v["forces_personnel"] = forces_z[i]
            v["forces_per_1000"] = _div(forces_z[i], res, 1000) if forces_z[i] > 0 else (
                0.0 if res > 0 else None)
            if v["forces_per_1000"] is None:
                r["forces_per_1000"] = "no residents under the plan"
        # near the lines
        for d, key in zip(NEAR_LINE_M, ("residents_within_500m_of_line",
                                        "residents_within_1km_of_line"), strict=True):
            v[key] = near(i, d)
            if v[key] is None:
                r[key] = "the plan has no lines"
        # compounds
        comps = [c for c in plan.compounds if c.zone == i or (
            c.zone is None and z.geometry.covers(project(shapely.Point(c.location), layout.crs)))]
        v["compounds"] = sum(c.count for c in comps) if plan.compounds else None
        v["compound_capacity"] = (float(sum(c.count * c.capacity for c in comps))
                                  if plan.compounds else None)
        if not plan.compounds:
            r["compounds"] = r["compound_capacity"] = "the plan has no compounds"
        zout[i] = v
        reasons[i] = r

    # totals
    t: dict[str, Any] = {}
    tr: dict[str, str] = {}
    total_res = sum(residents.values())
    t["area_km2"] = terr_area / 1e6
    t["share_of_territory"] = sum(z.area_m2 for z in zones) / terr_area
    t["residents_baseline"] = base_in_zones
    t["residents"] = total_res
    t["displaced_out"] = displaced
    t["displaced_in"] = sum(inflow.values())
    t["share_of_residents"] = _div(total_res, modelled)
    t["density_per_km2"] = _div(total_res, terr_area / 1e6)
    t["m2_per_person"] = _div(terr_area, total_res)
    for k in ("hospitals", "damaged_structures", "compounds", "compound_capacity",
              "forces_personnel", "residents_within_500m_of_line",
              "residents_within_1km_of_line", "reconstruction_budget_usd"):
        vals = [zout[i][k] for i in zid]
        t[k] = None if any(x is None for x in vals) else float(sum(vals))
        if t[k] is None:
            tr[k] = next((reasons[i][k] for i in zid if k in reasons[i]), "not available")
    if t["hospitals"] is not None:
        t["hospitals"] = int(t["hospitals"])
    if t["compounds"] is not None:
        t["compounds"] = int(t["compounds"])
    if hosp is not None:
        known_beds = beds[np.isfinite(beds)] if beds is not None else np.empty(0)
        t["hospital_beds"] = float(known_beds.sum()) if known_beds.size else None
        if t["hospital_beds"] is None:
            tr["hospital_beds"] = "no pre-war bed count is known for these hospitals"
    else:
        t["hospital_beds"] = None
        tr["hospital_beds"] = "no hospital layer given"
    t["beds_per_10k"] = _div(t["hospital_beds"], total_res, 10_000)
    if t["beds_per_10k"] is None:
        tr["beds_per_10k"] = tr.get("hospital_beds", "no residents")
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
    t["damage_share"] = 1.0 if dmg_total else None
    if dmg is not None:
        outside = float(np.sum(dmg_counts[[k for k, dz in enumerate(d_zone) if dz is None]]))  # type: ignore[index]
        t["damaged_structures_outside_zones"] = outside
    else:
        tr["damage_share"] = "no damage layer given"
    t["reconstruction_share"] = float(sum(rec_share.values()))
    t["usd_per_resident"] = _div(budget, total_res) if budget is not None else None
    if budget is None:
        tr["usd_per_resident"] = "the plan states no budget"
    t["forces_per_1000"] = _div(force_total, total_res, 1000) if active else None
    res_cov = sum(residents[i] for i in covered_ids)
    t["forces_per_1000_covered"] = _div(force_total, res_cov, 1000) if active else None
    if not active:
        tr["forces_per_1000"] = tr["forces_per_1000_covered"] = "the plan states no forces"
    elif t["forces_per_1000_covered"] is None:
        tr["forces_per_1000_covered"] = (
            f"no residents under the plan in the zones the forces cover ({', '.join(covered_ids)})")
    t["forces_zones_covered"] = covered_ids
    t["residents_in_covered_zones"] = res_cov if active else None
    # compounds vs displaced
    if plan.compounds:
        n_comp = sum(c.count for c in plan.compounds)
        cap = float(sum(c.count * c.capacity for c in plan.compounds))
        per = cap / n_comp if n_comp else None
        t["compound_capacity_vs_displaced"] = _div(cap, displaced)
        t["compounds_needed_for_displaced"] = (math.ceil(displaced / per) if per else None)
        if displaced <= 0:
            tr["compound_capacity_vs_displaced"] = "nobody is displaced under the plan"
    else:
        t["compound_capacity_vs_displaced"] = t["compounds_needed_for_displaced"] = None
        tr["compound_capacity_vs_displaced"] = tr["compounds_needed_for_displaced"] = (
            "the plan has no compounds")

    # per line
    lines_out: dict[str, dict[str, Any]] = {}
    for lid, ln in layout.lines.items():
        inside = ln.intersection(layout.territory)
        lo: dict[str, Any] = {"length_in_territory_km": inside.length / 1000}
        for d, key in zip(NEAR_LINE_M, ("residents_within_500m", "residents_within_1km"),
                          strict=True):
            f_line = geo.near_line[lid][d]
            lo[key] = float(sum((zone_density[z.id] * cover[z.id][1]
                                 * f_line[cover[z.id][0]]).sum() for z in zones))
        lines_out[lid] = lo

    invariants = {
        "area_conserved": abs(sum(z.area_m2 for z in zones) + layout.remainder.area - terr_area)
        <= 1e-6 * terr_area,
        "residents_conserved": abs(total_res + remainder_residents - modelled) <= 1e-6 * modelled,
        "baseline_conserved": abs(base_in_zones + base_remainder - layer_total)
        <= 1e-6 * max(layer_total, 1.0),
        "remainder_km2": layout.remainder.area / 1e6,
        "remainder_residents": remainder_residents,
        "remainder_residents_baseline": base_remainder,
        "unplaced_residents": unplaced,
        "modelled_total": modelled,
        "baseline_total": layer_total,
    }
    if base_remainder > 1e-6 * max(layer_total, 1):
        notes.append(f"{base_remainder:,.0f} people of the baseline layer lie outside every "
                     "zone (the layer reaches beyond the territory); they are reported as "
                     "the remainder, not dropped.")
    return Metrics(zones=zout, reasons=reasons, totals=t, total_reasons=tr, lines=lines_out,
                   invariants=invariants, notes=notes, cell_residents=cell_res,
                   cell_baseline=cell_base, hospital_zone=h_zone)
