"""Figures broken down by area: each zone's part of each governorate (or any areas).

For every area and every zone, the piece of the area the zone takes: its km² and share
of the area, pre-war residents on it, residents under the plan on it, hospitals and
damaged structures in it. The pieces partition both the zones and the areas, so the
rows add up to the zones' figures (checked: :func:`check_rows`) and to each area's own;
the part of the territory outside every area is a row of its own (:data:`OUTSIDE`).

Cells are shared between pieces by the exact share of their area in each piece, as for
zones, so a piece's people are exact sums, not re-estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InvariantError
from zoneplan.geometry import project
from zoneplan.io.areas import AreaSet
from zoneplan.measure.indicators import Metrics
from zoneplan.measure.inputs import AREA_TOLERANCE_M2
from zoneplan.measure.zones import Layout

__all__ = ["BY_AREA_KEYS", "OUTSIDE", "Piece", "by_area_rows", "check_rows", "pieces"]

OUTSIDE = "(outside the areas)"
"""The name of the row for the part of the territory in no area."""

BY_AREA_KEYS = ("area_km2", "share_of_area", "residents_baseline", "residents", "hospitals",
                "damaged_structures")
"""The figures each by-area row holds."""


@dataclass(eq=False)
class Piece:
    """The piece of one area one zone takes, in the layout's CRS (metres)."""

    area: str
    zone: str
    geometry: BaseGeometry
    area_total_m2: float


def pieces(layout: Layout, areas: AreaSet) -> list[Piece]:
    """Every non-empty (area, zone) piece, and the pieces of the zones outside all areas."""
    terr = layout.territory
    proj = [project(g, layout.crs).intersection(terr) for g in areas.geometries]
    out: list[Piece] = []
    for name, a in zip(areas.names, proj, strict=True):
        shapely.prepare(a)
        for z in layout.zones:
            g = a.intersection(z.geometry)
            if g.area > 0:
                out.append(Piece(name, z.id, g, a.area))
    covered = shapely.union_all(proj) if proj else shapely.Polygon()
    rest = terr.difference(covered)
    if rest.area > AREA_TOLERANCE_M2:
        for z in layout.zones:
            g = rest.intersection(z.geometry)
            if g.area > 0:
                out.append(Piece(OUTSIDE, z.id, g, rest.area))
    return out


def _memo(m: Metrics, areas: AreaSet) -> list[tuple[Piece, Any, Any]]:
    """Pieces and their cell coverage, remembered per layout."""
    assert m.layout is not None and m.inputs is not None
    memo: dict[int, list[tuple[Piece, Any, Any]]] = m.layout.__dict__.setdefault(
        "_by_area", {})
    key = id(areas)
    if key not in memo:
        pop = m.inputs.population
        out = []
        for pc in pieces(m.layout, areas):
            g = pc.geometry if pop.crs.equals(m.layout.crs) else project(
                pc.geometry, pop.crs, src=m.layout.crs)
            idx, frac = pop.grid.coverage(g)
            out.append((pc, idx, frac))
        memo[key] = out
    return memo[key]


def _points_in(layer: Any, layout: Layout, geom: BaseGeometry, values: Any = None) -> float:
    if layer is None or len(layer) == 0:
        return 0.0
    memo: dict[int, Any] = layout.__dict__.setdefault("_points", {})
    if id(layer) not in memo:
        pts = project(shapely.MultiPoint(list(layer.gdf.geometry)), layout.crs)
        memo[id(layer)] = np.array(list(pts.geoms))
    hit = shapely.covers(geom, memo[id(layer)])
    return float(np.sum(values[hit])) if values is not None else float(np.count_nonzero(hit))


def by_area_rows(m: Metrics, areas: AreaSet) -> list[dict[str, Any]]:
    """One row per (area, zone) piece, for one run (see the module docstring)."""
    assert m.layout is not None and m.inputs is not None
    inputs, layout = m.inputs, m.layout
    counts = inputs.population.counts[m.pop_method]
    area_m2 = inputs.population.grid.area_values()
    rows: list[dict[str, Any]] = []
    for pc, idx, frac in _memo(m, areas):
        people = float(np.dot(counts[idx], frac))
        cell_area = float(np.dot(area_m2[idx], frac))
        place = m.placements[pc.zone]
        at_sites = sum(n for x, y, n in m.site_people.get(pc.zone, [])
                       if pc.geometry.covers(shapely.Point(x, y)))
        dmg = inputs.damage
        rows.append({
            "area": pc.area, "zone": pc.zone,
            "area_km2": pc.geometry.area / 1e6,
            "share_of_area": pc.geometry.area / pc.area_total_m2,
            "residents_baseline": people,
            "residents": float(place.of(people, cell_area)) + at_sites,
            "hospitals": (None if inputs.hospitals is None else
                          int(_points_in(inputs.hospitals, layout, pc.geometry))),
            "damaged_structures": (None if dmg is None else
                                   _points_in(dmg, layout, pc.geometry, dmg.values["count"])),
        })
    return rows


def check_rows(rows: list[dict[str, Any]], m: Metrics, rtol: float = 1e-6) -> None:
    """Rows must add up to each zone's figures; raise :class:`InvariantError` if not.

    (Points lying on a piece boundary shared by two pieces would count twice; hospitals
    and damage are checked to that precision only where the zone's own count allows.)
    """
    for zid, z in m.zones.items():
        mine = [r for r in rows if r["zone"] == zid]
        for key in ("area_km2", "residents_baseline", "residents"):
            total = sum(r[key] for r in mine)
            want = float(z[key] or 0.0)
            if abs(total - want) > rtol * max(abs(want), 1.0):
                raise InvariantError(
                    f"the by-area rows of zone '{zid}' add up to {total:,.6f} {key}, the zone "
                    f"has {want:,.6f}",
                    suggestion="this is a bug in zoneplan: rerun with --debug and report it")

