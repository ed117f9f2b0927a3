"""Whole-territory figures, per-line figures and the invariants of one evaluation.

Totals that add up over zones are sums of the zone values; ratios are computed for the
whole territory, never added up. The invariants are checked from the same numbers the
result reports.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zoneplan.measure.figures.families import no_damage_reason
from zoneplan.measure.figures.frame import Frame, div, sorted_quantile
from zoneplan.measure.figures.table import UNSET
from zoneplan.measure.sums.zone_sums import NEAR_LINE_M

__all__ = ["AREA_RTOL", "PEOPLE_RTOL", "SUMMED", "invariants", "line_values", "totals"]


SUMMED = ("hospitals", "hospitals_with_beds_known", "damaged_structures", "compounds",
          "compound_capacity", "compound_residents", "forces_personnel",
          "residents_within_500m_of_line", "residents_within_1km_of_line",
          "reconstruction_budget_usd")
"""Indicators whose whole-territory value is the sum over zones."""


def totals(f: Frame, dist: tuple[NDArray[np.float64], NDArray[np.float64], int],
           shares: dict[str, float]) -> tuple[dict[str, Any], dict[str, str]]:
    """Whole-territory figures of one run, and why any is null.

    ``dist`` holds the distances to the nearest open hospital (metres) and the residents
    at each, of every zone measured, one zone's sorted run after another, and how many
    zones they come from (:func:`zoneplan.measure.figures.indicators.compute`)."""
    plan, reloc, zones = f.plan, f.reloc, f.layout.zones
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
    t["share_of_residents"] = div(total_res, f.inputs.modelled_total)
    # density, area per person and the Sphere check on the land people may live on: the
    # zones open to civilians (residents or restricted), never land closed to them
    open_area = sum(z.area_m2 for z in zones if z.spec.access != "closed")
    t["area_open_km2"] = open_area / 1e6
    t["density_per_km2"] = div(total_res, open_area / 1e6)
    t["m2_per_person"] = div(open_area, total_res)
    if t["m2_per_person"] is None:
        tr["m2_per_person"] = ("no residents under the plan" if open_area > 0
                               else "no zone is open to civilians")
    if t["density_per_km2"] is None:
        tr["density_per_km2"] = "no zone is open to civilians"
    for k in SUMMED:
        vals = f.values.col(k)
        t[k] = None if any(x is None for x in vals) else float(sum(vals))
        if t[k] is None:
            tr[k] = next((x for x in f.reasons.cols.get(k, []) if x is not UNSET),
                         "not available")
    for k in ("hospitals", "hospitals_with_beds_known", "compounds"):
        if t[k] is not None:
            t[k] = int(t[k])
    hosp = f.inputs.hospitals
    zone_beds = f.values.col("hospital_beds")
    known = [b for b in zone_beds if b is not None]
    t["hospital_beds"] = float(sum(known)) if hosp is not None and t["hospitals_with_beds_known"] \
        else None
    if hosp is None:
        tr["hospital_beds"] = "no hospital layer given"
    elif t["hospital_beds"] is None:
        tr["hospital_beds"] = (f"no source states pre-war beds for any of the {t['hospitals']} "
                               "hospitals in the zones")
    elif t["hospitals_with_beds_known"] < t["hospitals"]:
        tr["hospital_beds"] = (f"beds known for {t['hospitals_with_beds_known']} of "
                               f"{t['hospitals']} hospitals; the sum is a lower bound")
    t["beds_per_10k"] = div(t["hospital_beds"], total_res, 10_000)
    if t["beds_per_10k"] is None:
        tr["beds_per_10k"] = tr.get("hospital_beds", "no residents")
    d_all, w_all, runs = dist
    if runs:
        if runs > 1:  # merge the zones' sorted runs
            order = np.argsort(d_all, kind="stable")
            d_all, w_all = d_all[order], w_all[order]
        t["hospital_distance_median_m"] = sorted_quantile(d_all, w_all, 0.5)
        t["hospital_distance_p90_m"] = sorted_quantile(d_all, w_all, 0.9)
    else:
        t["hospital_distance_median_m"] = t["hospital_distance_p90_m"] = None
        tr["hospital_distance_median_m"] = tr["hospital_distance_p90_m"] = (
            "no hospital layer given" if hosp is None else "no resident has an open hospital")
    dmg = f.inputs.damage
    dmg_total = float(np.sum(dmg.values["count"])) if dmg is not None else None
    t["damage_share"] = 1.0 if dmg_total else None
    if dmg is not None:
        outside = f.geo.damage_outside
        t["damaged_structures_outside_zones"] = float(np.sum(dmg.values["count"][outside]))
        t["damage_per_km2"] = div(t["damaged_structures"], terr / 1e6)
        t["damage_share_without_reconstruction"] = float(sum(
            share or 0.0 for share, z in zip(f.values.col("damage_share"), zones, strict=True)
            if shares[z.id] <= 0))
        t["damage_date"] = dmg.date
    else:
        why = no_damage_reason(f.inputs)
        tr["damage_share"] = tr["damage_per_km2"] = why
        t["damage_per_km2"] = t["damage_share_without_reconstruction"] = None
        tr["damage_share_without_reconstruction"] = why
        t["damage_date"] = None
    budget = plan.reconstruction.budget_usd if plan.reconstruction else None
    t["reconstruction_share"] = float(sum(shares.values()))
    t["usd_per_resident"] = div(budget, total_res) if budget is not None else None
    if budget is None:
        tr["usd_per_resident"] = "the plan states no budget"
    _force_totals(f, t, tr)
    _compound_totals(f, t, tr)
    return t, tr


def _force_totals(f: Frame, t: dict[str, Any], tr: dict[str, str]) -> None:
    """Forces per 1,000 residents over the zones the counted forces cover, never over
    the whole territory (which would mix zones the forces do not serve)."""
    plan, reloc = f.plan, f.reloc
    forces = f.assumptions.forces
    covered = sorted({i for e in forces for i in e.zones if i in reloc.residents})
    personnel = float(sum(e.personnel for e in forces))
    res_cov = sum(reloc.residents[i] for i in covered)
    t["forces_zones_covered"] = covered
    t["residents_in_covered_zones"] = res_cov if forces else None
    if not plan.forces and plan.forces_target is None:
        t["forces_per_1000"] = t["forces_per_1000_covered"] = None
        tr["forces_per_1000"] = tr["forces_per_1000_covered"] = "the plan states no forces"
        return
    if not forces:
        t["forces_per_1000"] = t["forces_per_1000_covered"] = None
        tr["forces_per_1000"] = tr["forces_per_1000_covered"] = (
            "no contribution counted in this run (none pledged, committed or deployed by "
            f"{plan.facts_date})")
        return
    ratio = div(personnel, res_cov, 1000)
    t["forces_per_1000"] = t["forces_per_1000_covered"] = ratio
    if ratio is None:
        tr["forces_per_1000"] = tr["forces_per_1000_covered"] = (
            f"nobody lives under the plan in the zones the forces cover ({', '.join(covered)})")


def _compound_totals(f: Frame, t: dict[str, Any], tr: dict[str, str]) -> None:
    """Compound capacity against the people displaced, and how many compounds it would
    take to house them all (at the counted compounds' mean capacity)."""
    sites, displaced = f.reloc.sites, f.reloc.displaced
    keys = ("compound_capacity_vs_displaced", "compounds_needed_for_displaced")
    if not f.plan.compounds:
        for k in keys:
            t[k] = None
            tr[k] = "the plan has no compounds"
        return
    n_comp = sum(s.compound.count for s in sites)
    cap = float(sum(s.capacity for s in sites))
    per = cap / n_comp if n_comp else None
    t["compound_capacity_vs_displaced"] = div(cap, displaced)
    t["compounds_needed_for_displaced"] = math.ceil(displaced / per) if per else None
    if displaced <= 0:
        tr["compound_capacity_vs_displaced"] = "nobody is displaced under the plan"
    if per is None:
        tr["compounds_needed_for_displaced"] = "the compounds counted hold nobody"


def line_values(f: Frame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lid, ln in f.layout.lines.items():
        lo: dict[str, Any] = {
            "length_in_territory_km": ln.intersection(f.layout.territory).length / 1000}
        for d, key in zip(NEAR_LINE_M, ("residents_within_500m", "residents_within_1km"),
                          strict=True):
            lo[key] = float(sum(f.near(k, d, lid) for k in range(len(f.layout.zones))))
        out[lid] = lo
    return out


AREA_RTOL = 1e-9
"""Zone areas plus the remainder must add up to the territory within this relative
tolerance (floating-point noise of the polygon operations is far below it)."""

PEOPLE_RTOL = 1e-6
"""People must add up within this relative tolerance (2 people in 2 million)."""


def invariants(f: Frame, total_res: float, outside: float,
               within: tuple[float, float] | None = None) -> dict[str, Any]:
    """Checks that every square metre and every person is accounted for.

    Each check compares figures computed by different routes: zone polygons against the
    territory polygon; the people the zones' cells hold (``outside`` is the baseline
    layer's people on no zone's cells, summed cell by cell) against the layer's total;
    the residents placed on each zone's cells against the residents the relocation
    assigned it.

    Parameters
    ----------
    f
        The run's frame.
    total_res
        Residents in all zones under the plan (people).
    outside
        People of the baseline layer on no zone's cells (people, unscaled).
    within
        Where the layer's cells reach beyond the territory: its people inside the
        territory and on the remainder, measured straight from the cells
        (:func:`~zoneplan.measure.sums.zone_sums.people_within`; people, unscaled). The people
        in the zones plus those on the remainder must then make the territory's, so
        people lost inside the territory cannot pass for people outside it; the
        territory's people are reported as ``baseline_in_territory``.
    """
    reloc, layout = f.reloc, f.layout
    terr = layout.territory.area
    modelled = f.inputs.modelled_total
    zone_area = sum(z.area_m2 for z in layout.zones)
    base_in = sum(reloc.base.values())
    zones = layout.zones
    per_person = np.array([f.placement[z.id].per_person for z in zones])
    per_m2 = np.array([f.placement[z.id].per_m2 for z in zones])
    spread = (per_person * f.people.total + per_m2 * f.geo.area.total).tolist()
    placed = 0.0
    for z, on_cells in zip(zones, spread, strict=True):  # added up zone by zone, in order
        placed += on_cells
        placed += sum(n for _, _, n in reloc.site_people(z.id))
    remainder_residents = reloc.scale * outside
    checks = {
        "area_conserved": abs(zone_area + layout.remainder.area - terr) <= AREA_RTOL * terr,
        "baseline_conserved": abs(base_in + outside - reloc.layer_total)
        <= PEOPLE_RTOL * max(reloc.layer_total, 1.0)
        and (within is None
             or abs(base_in + within[1] - within[0]) <= PEOPLE_RTOL * max(within[0], 1.0)),
        "residents_conserved": (
            abs(total_res + remainder_residents + reloc.unplaced - modelled)
            <= PEOPLE_RTOL * max(modelled, 1.0)
            and abs(placed - total_res) <= PEOPLE_RTOL * max(modelled, 1.0)),
    }
    territory = {} if within is None else {"baseline_in_territory": within[0]}
    return {
        **checks,
        **territory,
        "remainder_km2": layout.remainder.area / 1e6,
        "remainder_residents": remainder_residents + reloc.unplaced,
        "remainder_residents_baseline": outside,
        "unplaced_residents": reloc.unplaced,
        "modelled_total": modelled,
        "baseline_total": reloc.layer_total,
        "zone_area_km2": zone_area / 1e6,
        "territory_km2": terr / 1e6,
        "residents_in_zones": total_res,
        "residents_on_cells": placed,
        "baseline_in_zones": base_in,
        "tolerance_area": AREA_RTOL,
        "tolerance_people": PEOPLE_RTOL,
    }
