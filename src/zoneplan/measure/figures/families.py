"""The indicator families of every zone: people, hospitals, damage, reconstruction,
forces, residents near the lines, compounds.

Each family fills in its figures for all zones at once, as columns of the frame's
:class:`~zoneplan.measure.figures.table.ZoneTable` (a zone's row holds the same keys, in the
same order, with the same values as when the figures were filled in zone by zone);
loops over zones remain only where a plan states something per zone (forces, compounds,
lines, damage points). Aid access and widths are in :mod:`zoneplan.measure.figures.access`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.measure.figures.frame import Frame, div
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.ragged import sorted_quantiles
from zoneplan.measure.sums.zone_sums import NEAR_LINE_M, by_zone, projected_points
from zoneplan.measure.zones import Zone
from zoneplan.plan import ForceEntry, Plan

__all__ = ["by_zone", "compounds", "damage", "force_split", "forces", "hospitals",
           "near_lines", "no_damage_reason", "people", "reconstruction",
           "reconstruction_shares"]

HOSPITAL_KEYS = ("hospitals", "hospitals_with_beds_known", "hospital_beds", "beds_per_10k",
                 "hospital_distance_median_m", "hospital_distance_p90_m")
"""The hospital indicators, in the order they are set."""

DISTANCE_KEYS = ("hospital_distance_median_m", "hospital_distance_p90_m")

FEW_ZONES = 16
"""Up to this many zones, residents by distance are gathered zone by zone."""


def people(f: Frame) -> None:
    """Area, residents, displacement, shares and density of every zone.

    Parameters
    ----------
    f
        The run's frame; filled in: ``area_km2`` (km²), ``share_of_territory`` and
        ``share_of_residents`` (fractions 0-1), ``residents_baseline``, ``residents``,
        ``displaced_out``, ``displaced_in`` (people), ``density_per_km2`` (people per km²),
        ``m2_per_person`` (m² per person; ``None`` where nobody lives).
    """
    terr = f.layout.territory.area
    modelled = f.inputs.modelled_total
    zones, reloc, v = f.layout.zones, f.reloc, f.values
    area = [z.area_m2 for z in zones]
    res = [reloc.residents[z.id] for z in zones]
    v.fill("area_km2", [a / 1e6 for a in area])
    v.fill("share_of_territory", [a / terr for a in area])
    v.fill("residents_baseline", [reloc.base[z.id] for z in zones])
    v.fill("residents", res)
    v.fill("displaced_out", [reloc.out[z.id] for z in zones])
    v.fill("displaced_in", [reloc.inflow[z.id] for z in zones])
    v.fill("share_of_residents", [div(r, modelled) for r in res])
    v.fill("density_per_km2", [div(r, a / 1e6) for r, a in zip(res, area, strict=True)])
    v.fill("m2_per_person", [div(a, r) for r, a in zip(res, area, strict=True)])
    f.reasons.same(("m2_per_person",), "no residents under the plan",
                   [k for k, r in enumerate(res) if r <= 0])


def _beds(f: Frame, mine: list[list[int]]) -> None:
    """Pre-war beds of each zone's hospitals where a source states them, with coverage
    (``mine``: the hospitals in each zone, by index in the layer)."""
    hosp = f.inputs.hospitals
    assert hosp is not None
    beds = hosp.values.get("beds")
    n = len(mine)
    known_n = [0] * n  # a zone without hospitals: none known, no beds
    total: list[float | None] = [0.0] * n
    why: dict[int, str] = {}
    for k in (k for k in range(n) if mine[k]):
        here = mine[k]
        known = [float(beds[j]) for j in here if beds is not None and np.isfinite(beds[j])]
        known_n[k] = len(known)
        if not known:
            total[k] = None
            why[k] = (f"no source states pre-war beds for the {len(here)} "
                      f"hospital{'s' if len(here) > 1 else ''} in this zone")
        else:
            total[k] = float(sum(known))
            if len(known) < len(here):
                why[k] = (f"beds known for {len(known)} of {len(here)} hospitals; "
                          "the sum is a lower bound")
    f.values.fill("hospitals_with_beds_known", known_n)
    f.values.fill("hospital_beds", total)
    f.reasons.fill("hospital_beds", why.values(), why.keys())


def hospitals(f: Frame) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Hospitals, beds and distances of every zone.

    Residents of compounds are at their sites: their distance to the nearest open
    hospital is measured from the site.

    Parameters
    ----------
    f
        The run's frame; filled in: ``hospitals`` and ``hospitals_with_beds_known``
        (counts), ``hospital_beds`` (beds), ``beds_per_10k`` (beds per 10,000 residents),
        ``hospital_distance_median_m`` and ``hospital_distance_p90_m`` (metres,
        resident-weighted).

    Returns
    -------
    distances, residents, zones
        Distances (metres, ascending within each zone) and the residents (people) at
        each, every measured zone's run one after another, and how many zones they come
        from (for the whole-territory quantiles).
    """
    zones, v, r = f.layout.zones, f.values, f.reasons
    if f.inputs.hospitals is None:
        f.null(HOSPITAL_KEYS, "no hospital layer given")
        return np.empty(0), np.empty(0), 0
    in_zone = f.geo.hospitals_by_zone
    mine = [in_zone.get(z.id, []) for z in zones]
    v.fill("hospitals", [len(m) for m in mine])
    _beds(f, mine)
    res = [f.reloc.residents[z.id] for z in zones]
    per_10k = [div(b, x, 10_000) for b, x in zip(v.col("hospital_beds"), res, strict=True)]
    v.fill("beds_per_10k", per_10k)
    beds_why = r.col("hospital_beds")
    no_rate = [k for k, x in enumerate(per_10k) if x is None]
    r.fill("beds_per_10k", ["no residents under the plan" if res[k] <= 0
                            else (beds_why[k] if isinstance(beds_why[k], str)
                                  else "no bed count") for k in no_rate], no_rate)
    hd = f.geo.hospital_distance
    residents = np.array(res, dtype=np.float64)
    use = hd.reach & (residents > 0)
    nobody = np.flatnonzero(~use & (residents <= 0)).tolist()
    unreached = np.flatnonzero(~use & (residents > 0)).tolist()
    d, w, start = _distance_runs(f, use)
    med, p90 = sorted_quantiles(d, w, start, (0.5, 0.9))
    at = np.flatnonzero(use).tolist()
    for key, q in zip(DISTANCE_KEYS, (med, p90), strict=True):
        col = v.col(key)
        for k, x in zip(at, q[at].tolist(), strict=True):
            col[k] = None if np.isnan(x) else x
    for who, why in ((nobody, "no residents under the plan"),
                     (unreached, "no hospital in a zone open to civilians, or in their own "
                                 "zone")):
        f.null(DISTANCE_KEYS, why, who)
    return d, w, len(at)


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
    if nz <= FEW_ZONES:  # zone by zone: fewer array operations for a few zones
        d_parts, w_parts, counts = [np.empty(0)], [np.empty(0)], [0] * nz
        for k in np.flatnonzero(use).tolist():
            a, b = hd.start[k], hd.start[k + 1]
            pl = f.placement[zones[k].id]
            pv = (people.value[hd.pair[a:b]] if people.block is area.block
                  and people.start is area.start else people.take(k, hd.block[a:b]))
            d = hd.dist[a:b]
            w = np.asarray(pl.per_person * pv + pl.per_m2 * area.value[hd.pair[a:b]],
                           dtype=np.float64)
            sites = f.reloc.site_people(zones[k].id)
            if sites:
                d, w = _with_sites(f, zones[k].id, d, w, sites)
            d_parts.append(d)
            w_parts.append(w)
            counts[k] = d.size
        return (np.concatenate(d_parts), np.concatenate(w_parts),
                np.concatenate([[0], np.cumsum(counts)]).astype(np.intp))
    e_zone = np.repeat(np.arange(nz), np.diff(hd.start))
    sel = np.flatnonzero(use[e_zone])
    ez, pair = e_zone[sel], hd.pair[sel]
    if people.block is area.block and people.start is area.start:  # the same pairs
        pv = people.value[pair]
    else:
        pv = np.concatenate([np.zeros(0)] + [
            people.take(k, hd.block[hd.start[k]:hd.start[k + 1]])
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
    # the points projected once per layer and CRS (each point as projected alone)
    pts = shapely.multipoints(projected_points(hosp, f.layout.crs)[allowed])
    sd = np.array([pts.distance(shapely.Point(x, y)) for x, y, _ in sites])
    dd = np.concatenate([d, sd])
    ww = np.concatenate([w, [n for _, _, n in sites]])
    order = np.argsort(dd, kind="stable")
    return dd[order], ww[order]


def no_damage_reason(inputs: Inputs) -> str:
    """Why the damage figures are ``null``: no layer, or a layer dated after the plan's
    facts (later evidence, :attr:`~zoneplan.measure.inputs.Inputs.damage_later`)."""
    later = inputs.damage_later
    if later is None:
        return "no damage layer given"
    return (f"the damage layer is dated {later.date}, after the date of the plan's facts "
            f"({inputs.plan.facts_date}): later evidence, in no figure (--as-of "
            f"{later.date} counts it)")


def damage(f: Frame) -> None:
    """Damaged structures in each zone (structures), their share of all (0-1) and per km²
    (structures per km²), by class where the layer has classes (structures).

    Parameters
    ----------
    f
        The run's frame (filled in).
    """
    dmg = f.inputs.damage
    if dmg is None:
        f.null(("damaged_structures", "damage_share", "damage_per_km2"),
               no_damage_reason(f.inputs))
        return
    in_zone = f.geo.damage_by_zone
    counts = dmg.values["count"]
    total = float(np.sum(counts))
    zones = f.layout.zones
    n_dmg = []
    for z in zones:
        mine = np.asarray(in_zone.get(z.id, []), dtype=np.intp)
        n_dmg.append(float(np.sum(counts[mine])) if mine.size else 0.0)
    f.values.fill("damaged_structures", n_dmg)
    f.values.fill("damage_share", [div(x, total) for x in n_dmg])
    f.values.fill("damage_per_km2", [div(x, z.area_m2 / 1e6)
                                     for x, z in zip(n_dmg, zones, strict=True)])
    if "class" in dmg.values:
        classes = []
        for z in zones:
            by: dict[str, float] = {}
            for j in np.asarray(in_zone.get(z.id, []), dtype=np.intp):
                key = str(dmg.values["class"][j])
                by[key] = by.get(key, 0.0) + float(counts[j])
            classes.append(by)
        f.values.fill("damage_by_class", classes)


def reconstruction_shares(plan: Plan, zones: list[Zone]) -> dict[str, float]:
    """Share of reconstruction per zone (fraction 0-1): the plan's allocation, else by area
    among the zones that receive it."""
    rec = plan.reconstruction
    if rec and rec.allocation:
        return {z.id: float(rec.allocation.get(z.id, 0.0)) for z in zones}
    receiving = set(rec.zones) if rec and rec.zones else {
        z.id for z in zones if z.spec.reconstruction}
    area = sum(z.area_m2 for z in zones if z.id in receiving)
    return {z.id: (z.area_m2 / area if z.id in receiving and area > 0 else 0.0) for z in zones}


def reconstruction(f: Frame, shares: dict[str, float]) -> None:
    """Each zone's share of reconstruction (``shares``, 0-1), its budget (USD) and budget
    per resident (USD per person), filled into the frame ``f``."""
    zones = f.layout.zones
    budget = f.plan.reconstruction.budget_usd if f.plan.reconstruction else None
    f.values.fill("reconstruction_share", [shares[z.id] for z in zones])
    if budget is None:
        f.null(("reconstruction_budget_usd", "usd_per_resident"), "the plan states no budget")
        return
    usd = [budget * shares[z.id] for z in zones]
    per = [div(b, f.reloc.residents[z.id]) for b, z in zip(usd, zones, strict=True)]
    f.values.fill("reconstruction_budget_usd", usd)
    f.values.fill("usd_per_resident", per)
    f.reasons.same(("usd_per_resident",), "no residents under the plan",
                   [k for k, x in enumerate(per) if x is None])


def force_split(forces: Sequence[ForceEntry], zones: list[Zone],
                residents: dict[str, float]) -> dict[str, float]:
    """Personnel per zone (people): an entry covering several zones is split by residents
    (people per zone, ``residents``), or by area where none live there."""
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


def forces(f: Frame, personnel: dict[str, float]) -> None:
    """Personnel counted in each zone (``personnel``, people) and per 1,000 of its
    residents, filled into the frame ``f``."""
    plan = f.plan
    if not (bool(plan.forces) or plan.forces_target is not None):
        f.null(("forces_personnel", "forces_per_1000"), "the plan states no forces")
        return
    covered = {i for e in f.assumptions.forces for i in e.zones}
    listed = {i for e in plan.forces for i in e.zones} | set(
        plan.forces_target.zones if plan.forces_target else [])
    n_col, ratio = f.values.col("forces_personnel"), f.values.col("forces_per_1000")
    why = f.reasons.col("forces_per_1000")
    for k, z in enumerate(f.layout.zones):
        res, n = f.reloc.residents[z.id], personnel[z.id]
        n_col[k] = n
        if z.id not in covered:
            ratio[k] = None
            why[k] = (
                "no force in the plan covers this zone" if z.id not in listed else
                "no contribution counted in this run covers this zone (the central figure "
                f"counts only those pledged, committed or deployed by {plan.facts_date})")
        elif res <= 0:
            ratio[k] = None
            why[k] = "nobody lives in this zone under the plan"
        else:
            ratio[k] = div(n, res, 1000)


def near_lines(f: Frame) -> None:
    """Residents of each zone (people) within 500 m and 1 km of any line, filled into the
    frame ``f``."""
    keys = ("residents_within_500m_of_line", "residents_within_1km_of_line")
    if not f.layout.lines:
        f.null(keys, "the plan has no lines")
        return
    cols = [f.values.col(key) for key in keys]
    for k in range(len(f.layout.zones)):
        for d, col in zip(NEAR_LINE_M, cols, strict=True):
            col[k] = f.near(k, d)


def compounds(f: Frame) -> None:
    """Compounds in each zone (count), their capacity and the people living in them
    (people), filled into the frame ``f``."""
    keys = ("compounds", "compound_capacity", "compound_residents")
    if not f.plan.compounds:
        f.null(keys, "the plan has no compounds")
        return
    rows = []
    for z in f.layout.zones:
        sites = [(s, n) for s, n in zip(f.reloc.sites, f.reloc.in_compounds, strict=True)
                 if s.zone == z.id]
        rows.append((sum(s.compound.count for s, _ in sites),
                     float(sum(s.capacity for s, _ in sites)),
                     float(sum(n for _, n in sites))))
    for i, key in enumerate(keys):
        f.values.fill(key, [row[i] for row in rows])
