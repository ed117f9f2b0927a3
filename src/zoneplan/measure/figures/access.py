"""Indicator families for aid access and shape: crossings, distances to them, widths.

Per zone: the open crossings that open into it; for zones open to civilians, whether
aid must pass through a zone closed to civilians (every open crossing lies in or opens
into one); the straight-line distance from residents to the nearest open crossing
(resident-weighted median and 90th percentile) and from the zone itself; the zone's
width across its long axis (:mod:`zoneplan.measure.figures.shape`).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.geometry import project
from zoneplan.measure.figures.crossings import aid_through_closed, distance_to_open
from zoneplan.measure.figures.frame import Frame, sorted_quantile
from zoneplan.measure.figures.shape import width_m, widths_m
from zoneplan.measure.sums.zone_sums import block_distances

__all__ = ["ACCESS_KEYS", "access_and_shape", "access_totals"]

ACCESS_KEYS = ("crossings_open", "aid_through_closed_zone", "crossing_distance_median_m",
               "crossing_distance_p90_m", "crossing_distance_from_zone_m")
"""The aid-access indicators."""


def _open_points(f: Frame) -> NDArray[np.float64]:
    """The placed open crossings, in the population grid's CRS, as an (n, 2) array."""
    pts = [shapely.Point(s.x, s.y) for s in f.crossings
           if s.state == "open" and s.x is not None and s.y is not None]
    if not pts:
        return np.empty((0, 2))
    mp = project(shapely.MultiPoint(pts), f.inputs.population.crs, src=f.layout.crs)
    return np.array([(p.x, p.y) for p in mp.geoms])


def _resident_distances(f: Frame, k: int, zone_id: str, pts: NDArray[np.float64]
                        ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Distances (m) to the nearest open crossing and the residents at each, sorted."""
    people, area = f.people.blocks, f.geo.area.blocks
    if people is None or area is None or len(pts) == 0:
        return None
    mine = area.positive(k)
    d = block_distances(f.geo, f.inputs.population.grid, pts)[mine]
    w = np.asarray(f.placement[zone_id].of(people[k, mine], area[k, mine]), dtype=np.float64)
    # the blocks by distance (a stable sort: ties in block order) once per layout, for
    # every run sharing it (spreads, assumptions); then the sort below, if sites are
    # added, passes over one sorted run and a short tail, leaving the order it did
    key = (k, pts.tobytes())
    near = f.geo.orders.get(key)
    if near is None:
        near = f.geo.orders[key] = np.argsort(d, kind="stable")
    d, w = d[near], w[near]
    sites = f.reloc.site_people(zone_id)
    if not sites:
        return d, w
    sp = project(shapely.MultiPoint([(x, y) for x, y, _ in sites]),
                 f.inputs.population.crs, src=f.layout.crs)
    sxy = np.array([(p.x, p.y) for p in sp.geoms])
    sd = np.min(np.hypot(sxy[:, None, 0] - pts[None, :, 0],
                         sxy[:, None, 1] - pts[None, :, 1]), axis=1)
    d = np.concatenate([d, sd])
    w = np.concatenate([w, [n for _, _, n in sites]])
    order = np.argsort(d, kind="stable")
    return d[order], w[order]


def _zone_widths_km(f: Frame) -> list[float | None]:
    """Each zone's width, km, all zones measured together once per layout (widths depend
    on the geometry only, not on the population spread or the assumptions)."""
    if f.layout.widths_km is None:
        f.layout.widths_km = [None if w is None else w / 1000.0
                              for w in widths_m([z.geometry for z in f.layout.zones])]
    return f.layout.widths_km


def _territory_width_km(f: Frame) -> float | None:
    """The territory's width, km (measured once per territory: every layout of a plan
    shares it)."""
    geom = f.layout.territory
    known = _GEOM_WIDTH.get(geom)
    w = known[0] if known is not None else width_m(geom)
    _GEOM_WIDTH[geom] = (w,)
    return None if w is None else w / 1000.0


_GEOM_WIDTH: weakref.WeakKeyDictionary[Any, tuple[float | None]] = weakref.WeakKeyDictionary()
"""Widths (metres) of territories measured so far (every layout of a plan shares one)."""


def access_and_shape(f: Frame) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
    """Fill in width and aid-access indicators; returns the distance runs for the totals."""
    aid = aid_through_closed(f.crossings, f.layout)
    pts = _open_points(f)
    runs_d: list[NDArray[np.float64]] = []
    runs_w: list[NDArray[np.float64]] = []
    widths = _zone_widths_km(f)
    v, r = f.values, f.reasons
    v.fill("width_km", widths)
    r.same(("width_km",), "the zone is empty", [k for k, w in enumerate(widths) if w is None])
    if f.inputs.crossings is None:
        f.null(ACCESS_KEYS, "no crossings layer given")
        return runs_d, runs_w
    n_open, through, from_zone, med, p90 = (v.col(key) for key in (
        "crossings_open", "aid_through_closed_zone", "crossing_distance_from_zone_m",
        "crossing_distance_median_m", "crossing_distance_p90_m"))
    why_aid, why_from = r.col("aid_through_closed_zone"), r.col("crossing_distance_from_zone_m")
    for k, z in enumerate(f.layout.zones):
        n_open[k] = sum(1 for s in f.crossings if s.state == "open" and s.zone == z.id)
        through[k] = aid.get(z.id)
        if z.id not in aid:
            why_aid[k] = "the zone is closed to civilians"
        elif aid[z.id] is None:
            why_aid[k] = "no open crossing with coordinates"
        from_zone[k] = distance_to_open(f.crossings, z.geometry)
        if from_zone[k] is None:
            why_from[k] = "no open crossing with coordinates"
        res = f.reloc.residents[z.id]
        run = _resident_distances(f, k, z.id, pts) if res > 0 else None
        if run is None:
            f.null(("crossing_distance_median_m", "crossing_distance_p90_m"),
                   "no residents under the plan" if res <= 0
                   else "no open crossing with coordinates", [k])
            continue
        med[k] = sorted_quantile(run[0], run[1], 0.5)
        p90[k] = sorted_quantile(run[0], run[1], 0.9)
        runs_d.append(run[0])
        runs_w.append(run[1])
    return runs_d, runs_w


def access_totals(f: Frame, runs: tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]],
                  t: dict[str, Any], tr: dict[str, str]) -> None:
    """Whole-territory aid-access figures and the territory's width."""
    t["width_km"] = _territory_width_km(f)
    if f.inputs.crossings is None:
        for k in ACCESS_KEYS:
            t[k] = None
            tr[k] = "no crossings layer given"
        return
    t["crossings_open"] = sum(1 for s in f.crossings if s.state == "open" and s.zone)
    t["aid_through_closed_zone"] = None
    tr["aid_through_closed_zone"] = "asked per zone open to civilians"
    t["crossing_distance_from_zone_m"] = None
    tr["crossing_distance_from_zone_m"] = "asked per zone"
    d_all, w_all = runs
    if not d_all:
        t["crossing_distance_median_m"] = t["crossing_distance_p90_m"] = None
        tr["crossing_distance_median_m"] = tr["crossing_distance_p90_m"] = (
            "no resident has an open crossing with coordinates")
        return
    d, wt = np.concatenate(d_all), np.concatenate(w_all)
    order = np.argsort(d, kind="stable")
    t["crossing_distance_median_m"] = sorted_quantile(d[order], wt[order], 0.5)
    t["crossing_distance_p90_m"] = sorted_quantile(d[order], wt[order], 0.9)
