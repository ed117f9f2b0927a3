"""Compare two or more plans zone by zone.

Zones are matched by id. A zone present in only some plans is listed with ``null``
values (and its ``in_plans``) for the others. Differences are given for each plan
against the first one:

``residents_moved``
    Net number of people who live in a different zone: half the sum over the zones of
    the absolute change in residents under the plan (people). Only defined when both
    plans have the same zone ids; otherwise ``null`` (the per-zone changes of the zones
    they share are still given: renaming a zone is not moving people, and half a sum
    over some of the zones would understate the move).
``zones``
    Per matched zone: change in residents (people), in area per person (m² per person),
    in share of territory (fraction), and each plan's reconstruction share next to its
    residents' share (fractions).
``hospitals_changing_zone``
    Hospitals (matched by name and position) that lie in one matched zone in the first
    plan and in another matched zone in the second (zones only one plan has are not
    counted: a hospital in ``east`` and then in ``green`` has changed name, not zone).
``crossing_residents``
    People who would have to cross a line to reach a hospital: residents under the plan
    (grid cell centroids) whose nearest hospital, by straight-line distance and
    regardless of zones, lies in a zone closed to civilians other than their own (or
    outside every zone). Given per plan and as the change (people).

If the plans' territories differ, a warning says so and the comparison is still made
where zone ids match; shares then refer to each plan's own territory.

This module measures and returns data (:class:`Comparison`); the page with maps is drawn
by :mod:`zoneplan.render.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from zoneplan.errors import InputError

if TYPE_CHECKING:
    from zoneplan.plan import Plan
    from zoneplan.result import Result

__all__ = ["COMPARE_KEYS", "Comparison", "compare", "crossing_residents", "hospital_zones"]

COMPARE_KEYS: tuple[str, ...] = (
    "area_km2", "share_of_territory", "residents_baseline", "residents", "displaced_out",
    "share_of_residents", "m2_per_person", "hospitals", "beds_per_10k", "forces_per_1000",
    "reconstruction_share", "damage_share",
)
"""Indicators shown side by side (keys of the JSON result's zones)."""


@dataclass(eq=False)
class Comparison:
    """A comparison: the JSON-ready ``data`` and the evaluated ``results``."""

    data: dict[str, Any]
    results: list[Result]


def _grid_xy(result: Result) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    g = result.inputs.population.grid
    return np.asarray(g.x, dtype=float), np.asarray(g.y, dtype=float)


def _zone_geoms(result: Result) -> list[tuple[str, str, Any]]:
    """(zone id, access, geometry in the grid's CRS)."""
    from zoneplan.geometry import project, to_lonlat

    gcrs = result.inputs.population.grid.crs
    lcrs = result.layout.crs
    out: list[tuple[str, str, Any]] = []
    for z in result.layout.zones:
        geom = z.geometry
        if gcrs is not None and not lcrs.equals(gcrs):
            geom = project(to_lonlat(geom, lcrs), gcrs)
        out.append((z.id, z.spec.access, geom))
    return out


def _hospital_xy(result: Result) -> tuple[list[str], np.ndarray[Any, Any]] | None:
    h = result.inputs.hospitals
    if h is None or h.gdf is None or len(h.gdf) == 0:
        return None
    gcrs = result.inputs.population.grid.crs or result.layout.crs
    pts = h.gdf.to_crs(gcrs)
    names = [str(n) for n in (h.gdf["name"] if "name" in h.gdf else range(len(h.gdf)))]
    return names, np.column_stack([pts.geometry.x, pts.geometry.y])


def _zone_index(xy: np.ndarray[Any, Any], zones: list[tuple[str, str, Any]]
                ) -> np.ndarray[Any, Any]:
    """Index into ``zones`` of the first zone holding each point, or -1."""
    out = np.full(len(xy), -1, dtype=np.intp)
    for k, (_, _, geom) in enumerate(zones):
        shapely.prepare(geom)
        out[(out < 0) & shapely.contains_xy(geom, xy[:, 0], xy[:, 1])] = k
    return out


def _zone_of(xy: np.ndarray[Any, Any], zones: list[tuple[str, str, Any]]) -> list[str | None]:
    ids = [zid for zid, _, _ in zones]
    return [ids[k] if k >= 0 else None for k in _zone_index(xy, zones).tolist()]


def hospital_zones(result: Result) -> list[dict[str, Any]]:
    """Each hospital with the id of the zone it lies in (``None`` outside every zone)."""
    hx = _hospital_xy(result)
    if hx is None:
        return []
    names, xy = hx
    zones = _zone_of(xy, _zone_geoms(result))
    return [{"name": n, "x": float(p[0]), "y": float(p[1]), "zone": z}
            for n, p, z in zip(names, xy, zones, strict=True)]


def crossing_residents(result: Result) -> float | None:
    """People whose nearest hospital lies across a line, in a zone closed to them.

    Returns
    -------
    float or None
        People (residents under the plan); ``None`` if the plan has no hospital layer.
    """
    hx = _hospital_xy(result)
    if hx is None:
        return None
    _, hxy = hx
    zones = _zone_geoms(result)
    closed = np.array([acc == "closed" for _, acc, _ in zones] + [True])  # -1: no zone
    x, y = _grid_xy(result)
    res = np.asarray(result.metrics.cell_residents, dtype=float)
    live = np.flatnonzero(res > 0)
    cells = np.column_stack([x[live], y[live]])
    del x, y
    cell_zone = _zone_index(cells, zones)
    _, nearest = cKDTree(hxy).query(cells)
    hz = _zone_index(hxy, zones)[nearest]
    # nearest hospital in another zone (or in none) that is closed to civilians
    return float(res[live][(hz != cell_zone) & closed[hz]].sum())


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _diff(a: Any, b: Any) -> float | None:
    x, y = _num(a), _num(b)
    return None if x is None or y is None else y - x


def compare(plans: Sequence[Plan | Result | str | Path]) -> Comparison:
    """Evaluate (if needed) and compare two or more plans.

    Parameters
    ----------
    plans
        Plans, plan files, built-in plan ids or evaluated results; the first is the one
        the differences are measured from.

    Returns
    -------
    Comparison
        ``data`` is JSON-ready: ``plans``, ``warnings``, ``zones`` (side by side),
        ``differences`` (against the first plan) and ``definitions``.
    """
    from zoneplan.evaluate import evaluate
    from zoneplan.result import Result

    if len(plans) < 2:
        raise InputError("a comparison needs at least two plans",
                         suggestion="give two or more plan files or built-in plan ids")
    results = [p if isinstance(p, Result) else evaluate(p) for p in plans]
    dicts = [r.to_dict() for r in results]
    ids = [d["plan"]["id"] for d in dicts]
    if len(set(ids)) != len(ids):
        ids = [f"{pid}#{i + 1}" for i, pid in enumerate(ids)]
    warnings: list[str] = []
    t0 = dicts[0]["territory"]
    for pid, d in zip(ids[1:], dicts[1:], strict=True):
        t = d["territory"]
        if t["ref"] != t0["ref"] or abs(t["area_km2"] - t0["area_km2"]) > 1e-3 * t0["area_km2"]:
            warnings.append(
                f"the territories differ: '{ids[0]}' uses {t0['ref']} ({t0['area_km2']:.1f} km²),"
                f" '{pid}' uses {t['ref']} ({t['area_km2']:.1f} km²); zones are compared where "
                "their ids match, and shares refer to each plan's own territory")
    order: list[str] = []
    for d in dicts:
        order += [z["id"] for z in d["zones"] if z["id"] not in order]
    zones_out = []
    for zid in order:
        values: dict[str, Any] = {}
        in_plans = []
        label = zid
        for pid, d in zip(ids, dicts, strict=True):
            z = next((zz for zz in d["zones"] if zz["id"] == zid), None)
            if z is None:
                values[pid] = None
                continue
            in_plans.append(pid)
            label = z["label"]
            values[pid] = {"access": z["access"], **{k: z.get(k) for k in COMPARE_KEYS}}
        zones_out.append({"id": zid, "label": label, "in_plans": in_plans, "values": values})
        if len(in_plans) < len(ids):
            warnings.append(f"zone '{zid}' is only in {', '.join(in_plans)}")
    crossing = {pid: crossing_residents(r) for pid, r in zip(ids, results, strict=True)}
    hz = {pid: hospital_zones(r) for pid, r in zip(ids, results, strict=True)}
    diffs = []
    for pid, d in zip(ids[1:], dicts[1:], strict=True):
        diffs.append(_differences(ids[0], dicts[0], pid, d, hz, crossing))
    return Comparison(data={
        "plans": [{"id": pid, "plan_id": d["plan"]["id"], "title": d["plan"]["title"],
                   "date": d["plan"]["date"], "territory": d["territory"],
                   "crossing_residents": crossing[pid]}
                  for pid, d in zip(ids, dicts, strict=True)],
        "warnings": warnings,
        "zones": zones_out,
        "differences": diffs,
        "definitions": {
            "residents_moved": "Half the sum over the zones of the absolute change in "
            "residents under the plan (people): the net number who live in another zone; "
            "null unless both plans have the same zone ids (see the per-zone changes).",
            "crossing_residents": "Residents under the plan (people) whose nearest hospital "
            "(straight line, any zone) lies in a zone closed to civilians other than their "
            "own, or outside every zone.",
            "hospitals_changing_zone": "Hospitals (same name and position) in one zone of "
            "both plans in the first and in another zone of both plans in the second.",
        },
    }, results=results)


def _differences(aid: str, a: dict[str, Any], bid: str, b: dict[str, Any],
                 hz: dict[str, list[dict[str, Any]]],
                 crossing: dict[str, float | None]) -> dict[str, Any]:
    za = {z["id"]: z for z in a["zones"]}
    zb = {z["id"]: z for z in b["zones"]}
    common = set(za) & set(zb)
    moved = (0.5 * sum(abs((_num(zb[k].get("residents")) or 0.0)
                           - (_num(za[k].get("residents")) or 0.0)) for k in common)
             if set(za) == set(zb) else None)
    per_zone = []
    for k in [z for z in za if z in zb]:
        per_zone.append({
            "id": k,
            "residents_change": _diff(za[k].get("residents"), zb[k].get("residents")),
            "m2_per_person_change": _diff(za[k].get("m2_per_person"), zb[k].get("m2_per_person")),
            "share_of_territory_change": _diff(za[k].get("share_of_territory"),
                                               zb[k].get("share_of_territory")),
            "reconstruction_vs_residents": {
                aid: [za[k].get("reconstruction_share"), za[k].get("share_of_residents")],
                bid: [zb[k].get("reconstruction_share"), zb[k].get("share_of_residents")]},
        })
    ha = {(h["name"], round(h["x"]), round(h["y"])): h["zone"] for h in hz[aid]}
    changed = [{"name": h["name"], "from": ha[key], "to": h["zone"]}
               for h in hz[bid]
               if (key := (h["name"], round(h["x"]), round(h["y"]))) in ha
               and ha[key] != h["zone"] and ha[key] in common and h["zone"] in common]
    ca, cb = crossing[aid], crossing[bid]
    return {"from": aid, "to": bid, "residents_moved": moved, "zones": per_zone,
            "hospitals_changing_zone": changed,
            "crossing_residents": {aid: ca, bid: cb, "change": _diff(ca, cb)}}
