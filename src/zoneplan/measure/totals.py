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

from zoneplan.measure.frame import Frame, div, sorted_quantile
from zoneplan.measure.relocation import Relocation
from zoneplan.measure.zone_sums import NEAR_LINE_M
from zoneplan.plan import Plan

__all__ = ["SUMMED", "invariants", "line_values", "totals"]


SUMMED = ("hospitals", "damaged_structures", "compounds", "compound_capacity",
          "forces_personnel", "residents_within_500m_of_line", "residents_within_1km_of_line",
          "reconstruction_budget_usd")
"""Indicators whose whole-territory value is the sum over zones."""


def totals(f: Frame, dist: tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]],
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
    t["share_of_residents"] = div(total_res, f.inputs.modelled_total)
    t["density_per_km2"] = div(total_res, terr / 1e6)
    t["m2_per_person"] = div(terr, total_res)
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
    t["beds_per_10k"] = div(t["hospital_beds"], total_res, 10_000)
    if t["beds_per_10k"] is None:
        tr["beds_per_10k"] = tr.get("hospital_beds", "no residents")
    all_d, all_w = dist
    if all_d:
        d_all, w_all = np.concatenate(all_d), np.concatenate(all_w)
        if len(all_d) > 1:  # merge the zones' sorted runs
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
        outside = [k for k, dz in enumerate(f.geo.damage_zone) if dz is None]
        t["damaged_structures_outside_zones"] = float(np.sum(dmg.values["count"][outside]))
    else:
        tr["damage_share"] = "no damage layer given"
    budget = plan.reconstruction.budget_usd if plan.reconstruction else None
    t["reconstruction_share"] = float(sum(shares.values()))
    t["usd_per_resident"] = div(budget, total_res) if budget is not None else None
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
    t["forces_per_1000"] = div(personnel, total_res, 1000) if active else None
    t["forces_per_1000_covered"] = div(personnel, res_cov, 1000) if active else None
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
    t["compound_capacity_vs_displaced"] = div(cap, displaced)
    t["compounds_needed_for_displaced"] = math.ceil(displaced / per) if per else None
    if displaced <= 0:
        tr["compound_capacity_vs_displaced"] = "nobody is displaced under the plan"


def line_values(f: Frame) -> dict[str, dict[str, Any]]:
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


def invariants(f: Frame, total_res: float) -> dict[str, Any]:
    reloc, layout = f.reloc, f.layout
    terr = layout.territory.area
    modelled = f.inputs.modelled_total
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
