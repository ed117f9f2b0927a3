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
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InvariantError
from zoneplan.geometry import project
from zoneplan.io.areas import AreaSet
from zoneplan.measure.figures.indicators import Metrics
from zoneplan.measure.inputs import AREA_TOLERANCE_M2
from zoneplan.measure.sums.zone_sums import LayoutCells
from zoneplan.measure.zones import Layout

__all__ = ["BY_AREA_KEYS", "OUTSIDE", "Piece", "by_area_rows", "check_rows", "layout_pieces",
           "pieces"]

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


def _shares(m: Metrics, cells: LayoutCells, areas: AreaSet
            ) -> list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]]:
    """Each piece's cells and share: the zone's own share of each cell (as the zone sums
    count it) divided among the zone's pieces by the exact area of each piece in the cell.
    So the pieces of a zone add up to the zone exactly. Remembered per layout."""
    assert m.layout is not None and m.inputs is not None
    memo: dict[int, list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]]] = \
        m.layout.piece_shares
    if id(areas) in memo:
        return memo[id(areas)]
    pop = m.inputs.population
    out: list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]] = []
    all_pieces = pieces(m.layout, areas)
    for k, z in enumerate(m.layout.zones):
        idx, frac = cells.fractions.for_zone(k)
        order = np.argsort(idx, kind="stable")
        idx, frac = idx[order], frac[order]
        mine = [pc for pc in all_pieces if pc.zone == z.id]
        if not mine or idx.size == 0:
            out += [(pc, np.empty(0, dtype=np.intp), np.empty(0)) for pc in mine]
            continue
        cover = np.zeros((len(mine), idx.size))
        for row, pc in enumerate(mine):
            g = pc.geometry if pop.crs.equals(m.layout.crs) else project(
                pc.geometry, pop.crs, src=m.layout.crs)
            cidx, cfrac = pop.grid.coverage(g)
            pos = np.searchsorted(idx, cidx)
            ok = (pos < idx.size) & (idx[np.minimum(pos, idx.size - 1)] == cidx)
            cover[row, pos[ok]] = cfrac[ok]
        total = cover.sum(axis=0)
        none = total <= 0  # a cell the zone counts but no piece covers: the largest piece
        cover[int(np.argmax([pc.geometry.area for pc in mine])), none] = 1.0
        weights = cover / np.where(none, 1.0, total)
        out += [(pc, idx, frac * weights[row]) for row, pc in enumerate(mine)]
    memo[id(areas)] = out
    return out


def layout_pieces(m: Metrics, cells: LayoutCells, areas: AreaSet) -> list[Piece]:
    """The pieces of a run's layout, in the order of :func:`by_area_rows` (remembered)."""
    return [pc for pc, _, _ in _shares(m, cells, areas)]


def _points_in(layer: Any, layout: Layout, geom: BaseGeometry, values: Any = None) -> float:
    if layer is None or len(layer) == 0:
        return 0.0
    memo = layout.points
    if id(layer) not in memo:
        pts = project(shapely.MultiPoint(layer.points), layout.crs)
        memo[id(layer)] = np.array(list(pts.geoms))
    hit = shapely.covers(geom, memo[id(layer)])
    return float(np.sum(values[hit])) if values is not None else float(np.count_nonzero(hit))


def by_area_rows(m: Metrics, cells: LayoutCells, areas: AreaSet) -> list[dict[str, Any]]:
    """One row per (area, zone) piece, for one run (see the module docstring).

    Parameters
    ----------
    m
        The run's figures.
    cells
        The run's layout cells (:func:`~zoneplan.measure.sums.layout.layout_cells`).
    areas
        The areas to break the figures down by.
    """
    assert m.layout is not None and m.inputs is not None
    inputs, layout = m.inputs, m.layout
    counts = inputs.population.counts[m.pop_method]
    area_m2 = inputs.population.grid.area_values()
    rows: list[dict[str, Any]] = []
    for pc, idx, share in _shares(m, cells, areas):
        people = float(np.dot(counts[idx], share)) if idx.size else 0.0
        cell_area = float(np.dot(area_m2[idx], share)) if idx.size else 0.0
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

