"""The geometric work for one layout: which share of each cell lies in each zone, and
the per-zone sums every indicator is built from.

:func:`layout_cells` cuts the population grid by the zones once per layout and takes,
for the cell areas and for each population spread, the sums per zone: plain, near each
line (:data:`NEAR_LINE_M`) and per distance block (:data:`DISTANCE_BLOCK_M`). It also
finds the zone of each hospital and damage point and each zone's distances to the
nearest hospital open to its residents. Per-cell arrays are dropped as soon as their
sums are taken, in chunks of :data:`CHUNK` cells, so very large grids (a 10 m raster)
need little extra memory. :mod:`zoneplan.measure.figures.indicators` turns the sums into figures.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.geometry import project
from zoneplan.io.layers import PointLayer
from zoneplan.measure.grids.cells import (
    CellValues,
    Fractions,
    Near,
    cell_groups,
    match_sorted,
)
from zoneplan.measure.grids.squares import DISTANCE_BLOCK_M, Squares
from zoneplan.measure.inputs import AREA_TOLERANCE_M2, Inputs
from zoneplan.measure.sums.block_sums import CHUNK, BlockSums, block_sums, cut_weights
from zoneplan.measure.sums.distances import (
    HospitalDistance,
    HospitalDistances,
    hospital_distances,
    nearest_distance,
    nearest_distances,
)
from zoneplan.measure.zones import Layout

__all__ = [
    "CHUNK",
    "DISTANCE_BLOCK_M",
    "NEAR_LINE_M",
    "HospitalDistance",
    "HospitalDistances",
    "LayoutCells",
    "LayoutGeometry",
    "LineSet",
    "Summer",
    "ZoneSums",
    "block_distances",
    "by_zone",
    "first_covering_zone",
    "grid_sums",
    "layout_geometry",
    "measured_cells",
    "nearest_distances",
    "people_outside",
    "people_within",
    "projected_points",
    "whole_grid_sums",
    "zone_totals",
]


NEAR_LINE_M = (500.0, 1000.0)
"""Distances from a line (metres) for the residents-near-the-line indicators."""






@dataclass(eq=False)
class ZoneSums:
    """Sums over each zone's cells of a per-cell value times the cell's share in the zone.

    The value is people (one population spread) or area (m²). Every indicator that
    depends on where people live within a zone is a combination of these sums, so no
    per-cell array is built per indicator (see :class:`~zoneplan.indicators.Placement`).

    Attributes
    ----------
    total
        Sum over each zone, shape (zones,).
    near_any
        Per distance (metres): sum over each zone's cells weighted by their share within
        that distance of any line.
    near_line
        The same per line id.
    blocks
        Sums per zone and distance block, for the pairs that occur; ``None`` without
        hospitals or crossings.
    """

    total: NDArray[np.float64]
    near_any: dict[float, NDArray[np.float64]]
    near_line: dict[str, dict[float, NDArray[np.float64]]]
    blocks: BlockSums | None


@dataclass(eq=False)
class LayoutCells:
    """The geometric work for one layout: zone shares of cells and the sums built on them.

    Attributes
    ----------
    fractions
        Share of each cell in each zone.
    area
        :class:`ZoneSums` of cell area (m²).
    people
        :class:`ZoneSums` of each population spread (people), by spread key.
    hospital_zone, damage_zone
        Zone id of each hospital and damage point (``None``: in no zone).
    hospital_distance
        Per zone: its blocks sorted by distance to the nearest hospital open to its
        residents (none when no hospital is open to them).
    squares
        The lattice of distance blocks on grids finer than :data:`DISTANCE_BLOCK_M`
        (``None``: the blocks are the cells).
    outside
        People on no zone's cells, by spread key: known where the sums were made (held
        parts, patched cells), else summed when first asked for
        (:func:`zoneplan.measure.figures.indicators.compute`). A copy made with ``replace`` starts
        empty (its people may differ).
    orders
        Zones' blocks sorted by distance to a set of points, remembered for the runs
        that share this layout (:mod:`zoneplan.measure.figures.access`); a copy starts
        empty.
    """

    fractions: Fractions
    area: ZoneSums
    people: dict[str, ZoneSums]
    hospital_zone: list[str | None]
    damage_zone: list[str | None]
    hospital_distance: HospitalDistances
    squares: Squares | None = None
    outside: dict[str, float] = field(default_factory=dict, init=False, repr=False)
    orders: dict[Any, NDArray[np.intp]] = field(default_factory=dict, init=False, repr=False)

    @functools.cached_property
    def hospitals_by_zone(self) -> dict[str, list[int]]:
        """The hospitals in each zone (:func:`by_zone` of :attr:`hospital_zone`), worked
        out once for the runs that share this layout; a copy starts without it."""
        return by_zone(self.hospital_zone)

    @functools.cached_property
    def damage_by_zone(self) -> dict[str, list[int]]:
        """The damage points in each zone (:func:`by_zone` of :attr:`damage_zone`),
        worked out once for the runs that share this layout."""
        return by_zone(self.damage_zone)

    @functools.cached_property
    def damage_outside(self) -> list[int]:
        """The damage points in no zone, ascending, worked out once per layout."""
        return [k for k, dz in enumerate(self.damage_zone) if dz is None]


def by_zone(zone_of: Sequence[str | None]) -> dict[str, list[int]]:
    """The points in each zone, from the zone of each point (one pass, not one per zone).

    Examples
    --------
    >>> by_zone(["a", None, "b", "a"])
    {'a': [0, 3], 'b': [2]}
    """
    out: dict[str, list[int]] = {}
    for j, zid in enumerate(zone_of):
        if zid is not None:
            out.setdefault(zid, []).append(j)
    return out


def _zone_total(fr: Fractions, values: CellValues,
                near: Near | None = None) -> NDArray[np.float64]:
    """Sum per zone of ``values`` x share in the zone (x share near a line, if given)."""
    nz = fr.n_zones
    acc = np.zeros(nz + 1)  # slot 0: cells cut by a zone edge, or in no zone
    if near is None:
        cut_w = cut_weights(fr, values)
        for a in range(0, values.size, CHUNK):  # chunks bound the temporaries
            acc += np.bincount(fr.zone_of[a:a + CHUNK] + 1, weights=values[a:a + CHUNK],
                               minlength=nz + 1)
    else:
        idx, share = near
        for a in range(0, idx.size, CHUNK):
            i = idx[a:a + CHUNK]
            acc += np.bincount(fr.zone_of[i] + 1, weights=values[i] * share[a:a + CHUNK],
                               minlength=nz + 1)
        if idx.size == 0:
            return np.asarray(acc[1:], dtype=np.float64)
        # cut cells among these (idx is ascending; the cut cells, sorted once, are
        # narrowed to its range first: near-line pieces come strip by strip)
        order, cells = fr.sorted_cuts
        lo, hi = np.searchsorted(cells, [idx[0], idx[-1] + 1])
        sel = order[lo:hi]
        pos, hit = match_sorted(idx, fr.cut_cell[sel])
        sel, pos = sel[hit], pos[hit]
        cut_w = values[fr.cut_cell[sel]] * fr.cut_frac[sel] * share[pos]
        return np.asarray(acc[1:] + np.bincount(fr.cut_zone[sel], weights=cut_w,
                                                minlength=nz), dtype=np.float64)
    return np.asarray(acc[1:] + np.bincount(fr.cut_zone, weights=cut_w, minlength=nz),
                      dtype=np.float64)


LineSet = str | None
"""A set of lines near which people are counted: ``None`` for all lines, else a line id."""


@dataclass(eq=False)
class LayoutGeometry:
    """One layout's geometry in the population grid's CRS (metres): what cells depend on.

    Attributes
    ----------
    zones
        Zone polygons, in layout order.
    cuts
        Lines and drawn zone edges the zones were cut along, and the territory's edge
        where the grid's cells reach beyond it.
    tiles
        The zones tile the grid's own territory (same CRS, no remainder, same area).
    covered
        The zones cover the whole territory (no remainder): a cell's part inside it is
        shared among the zones in full.
    lines
        Each line, by id.
    sets
        The lines near which people are counted: all of them (key ``None``) and, when
        there are several, each alone (key: its id).
    """

    zones: list[BaseGeometry]
    cuts: list[BaseGeometry]
    tiles: bool
    lines: dict[str, BaseGeometry]
    sets: dict[LineSet, list[BaseGeometry]]
    covered: bool = False


_GRID_AREAS: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _grid_area(grid: Any) -> float:
    """The grid's total area, m², remembered per grid (a raster's takes a millisecond)."""
    area = _GRID_AREAS.get(grid)
    if area is None:
        area = _GRID_AREAS[grid] = grid.total_area_m2()
    return float(area)


def layout_geometry(layout: Layout, inputs: Inputs) -> LayoutGeometry:
    """The layout's zones, cuts and lines in the population grid's CRS."""
    pop = inputs.population
    same_crs = pop.crs.equals(layout.crs)

    def in_pop_crs(g: Any) -> Any:
        return g if same_crs else project(g, pop.crs, src=layout.crs)

    cuts = [in_pop_crs(ln) for ln in layout.lines.values()]
    cuts += [in_pop_crs(z.geometry.boundary) for z in layout.zones if z.spec.drawn]
    if not pop.within_territory:
        # cells reach beyond the territory: its edge cuts them as a zone edge does, so a
        # zone made of what is left (``rest``, a side of a line) gets its exact share of
        # each, not the whole cell or nothing by where the cell's centre falls
        cuts.append(in_pop_crs(layout.territory.boundary))
    terr_area = layout.territory.area
    tiles = bool(same_crs and layout.remainder.area <= AREA_TOLERANCE_M2
                 and abs(_grid_area(pop.grid) - terr_area) <= 1e-7 * terr_area)
    lines = {lid: in_pop_crs(ln) for lid, ln in layout.lines.items()}
    sets: dict[LineSet, list[BaseGeometry]] = {None: list(lines.values())}
    if len(lines) > 1:
        sets |= {lid: [ln] for lid, ln in lines.items()}
    return LayoutGeometry(zones=[in_pop_crs(z.geometry) for z in layout.zones], cuts=cuts,
                          tiles=tiles, lines=lines, sets=sets,
                          covered=layout.remainder.area <= AREA_TOLERANCE_M2)


Summer = Callable[..., tuple[Fractions, ZoneSums, dict[str, ZoneSums], "Squares | None",
                              "dict[str, float] | None"]]
"""Sums a layout's zones on a population's grid: ``(population, geometry, *, fast,
want_blocks) -> (fractions, area sums, people sums by spread key, squares, people no zone
takes by spread key, or None when the sums hold it)``. :func:`whole_grid_sums` here; a
raster held in parts has its own (:func:`zoneplan.measure.sums.held_sums.held_layout_sums`).
"""


def whole_grid_sums(pop: Any, geo: LayoutGeometry, *, fast: bool = False,
                    want_blocks: bool = True
                    ) -> tuple[Fractions, ZoneSums, dict[str, ZoneSums], Squares | None, None]:
    """The :data:`Summer` of a grid whose cells are all in this process."""
    fr, sums, sq = grid_sums(pop.grid, pop.counts, geo, fast=fast, want_blocks=want_blocks)
    return fr, sums[0], dict(zip(pop.counts, sums[1:], strict=True)), sq, None


def measured_cells(layout: Layout, inputs: Inputs, *, fast: bool = False,
                   summer: Summer = whole_grid_sums) -> LayoutCells:
    """Cell shares per zone, the sums built on them, and the zone of each point, summed
    by ``summer``.

    ``fast=True`` shares cells cut by a line out on a lattice of points, and counts a
    cell at the edge of a near-line buffer by its centre (approximate). Which summer a
    population takes is chosen in one place,
    :func:`zoneplan.measure.sums.layout.layout_cells`.
    """
    pop = inputs.population
    geo = layout_geometry(layout, inputs)
    h_zone = _point_zone(inputs.hospitals, layout)
    want_blocks = bool(h_zone) or getattr(inputs, "crossings", None) is not None
    fr, area, people, sq, outside = summer(pop, geo, fast=fast, want_blocks=want_blocks)
    out = LayoutCells(fractions=fr, area=area, people=people, hospital_zone=h_zone,
                      damage_zone=_point_zone(inputs.damage, layout),
                      hospital_distance=_hospital_distances(layout, inputs, area, h_zone, sq),
                      squares=sq)
    if outside is not None:
        out.outside.update(outside)
    return out


def grid_sums(grid: Any, counts: Mapping[str, CellValues], geo: LayoutGeometry, *,
              fast: bool = False, want_blocks: bool = True
              ) -> tuple[Fractions, list[ZoneSums], Squares | None]:
    """The cells' shares in the zones and the :class:`ZoneSums` of the cell areas (m²,
    first) and of each of ``counts`` (people), on one grid.

    Parameters
    ----------
    grid
        The cells (a :class:`~zoneplan.measure.grids.cells.CellGrid` or a raster grid).
    counts
        People per cell, by spread key.
    geo
        The layout in the grid's CRS.
    fast
        Share cells cut by a line on a lattice of points, and count a cell at the edge
        of a near-line buffer by its centre (approximate).
    want_blocks
        Also sum per zone and distance block (hospitals or crossings to measure to).

    Returns
    -------
    fractions, sums, squares
        The shares, the sums (area, then ``counts`` in order) and the lattice of
        distance blocks on grids finer than :data:`DISTANCE_BLOCK_M` (``None``: the
        blocks are the cells, or no blocks were summed).
    """
    fr = grid.fractions(geo.zones, geo.cuts, tiles=geo.tiles, samples=4 if fast else 0,
                        covered=geo.covered)
    # what is summed: cell area, then each population spread; every per-cell array is
    # dropped as soon as its sums are taken, so large grids need little extra memory
    values: list[CellValues] = [grid.area_values(), *counts.values()]
    total = [_zone_total(fr, v) for v in values]
    block_totals: list[BlockSums] | list[None] = [None] * len(values)
    sq: Squares | None = None
    if want_blocks:
        if grid.cell_size < DISTANCE_BLOCK_M:
            sq, block_of = grid.square_lattice(DISTANCE_BLOCK_M)  # no per-cell array kept
            block_totals = list(block_sums(fr, values, block_of, len(sq)))
            sq.index = np.empty(0, dtype=np.intp)  # a cell grid's index: not needed again
        else:
            block_totals = list(block_sums(fr, values, np.arange(len(grid)), len(grid)))
    samples = 1 if fast else 4  # fast: a cell at the buffer's edge counts by its centre
    # near any line (key None), and near each line when there are several
    sets = geo.sets
    near: dict[str | None, list[dict[float, NDArray[np.float64]]]] = {
        key: [{} for _ in values] for key in sets}
    # strip by strip on rasters: the cells near a line are never all in memory at once
    for key, lines in sets.items():
        for d in NEAR_LINE_M:
            for i in range(len(values)):
                near[key][i][d] = np.zeros(fr.n_zones)
            for piece in grid.near_pieces(lines, d, samples=samples):
                for i, v in enumerate(values):
                    near[key][i][d] += _zone_total(fr, v, piece)
    line_key = {lid: (lid if len(geo.lines) > 1 else None) for lid in geo.lines}
    sums = [ZoneSums(total=total[i], near_any=near[None][i],
                     near_line={lid: near[k][i] for lid, k in line_key.items()},
                     blocks=block_totals[i]) for i in range(len(values))]
    return fr, sums, sq


def zone_totals(grid: Any, zones: list[BaseGeometry], cuts: list[BaseGeometry],
                values: list[CellValues]) -> list[NDArray[np.float64]]:
    """Sum per zone of each of ``values`` x each cell's share in the zone: the rule of
    :func:`grid_sums` (cells not crossed by ``cuts`` wholly in the zone holding their
    representative point, crossed cells shared by exact area), without its sums near
    lines and per distance block. For zones that are not a plan's layout (a timeline's
    orders).

    Parameters
    ----------
    grid
        The cells (a :class:`~zoneplan.measure.grids.cells.CellGrid` or a raster grid).
    zones
        Non-overlapping polygons in the grid's CRS (metres).
    cuts
        The zones' edges (e.g. their boundaries), in the grid's CRS.
    values
        Per-cell values (people, or m²), each summed on its own.

    Returns
    -------
    list of ndarray
        Per value, its sum per zone, shape (zones,), in the value's unit.
    """
    fr = grid.fractions(zones, cuts)
    return [_zone_total(fr, v) for v in values]


def people_outside(fr: Fractions, counts: CellValues) -> float:
    """People on no zone's cells: each cell's people times the share of it no zone takes
    (people), summed in chunks (no full-length temporary on a fine raster)."""
    outside = 0.0  # people on cells not wholly in a zone...
    for a in range(0, fr.zone_of.size, CHUNK):
        none = fr.zone_of[a:a + CHUNK] < 0
        outside += float(np.asarray(counts[a:a + CHUNK], dtype=np.float64)[none].sum())
    # ...less the shares of cut cells that zones take
    cells, inv, _ = cell_groups(fr.cut_cell)  # np.unique's, in less memory
    taken = np.bincount(inv, weights=fr.cut_frac, minlength=cells.size)
    del inv
    return outside - float(np.dot(np.asarray(counts[cells], dtype=np.float64),
                                  1.0 - np.clip(1.0 - taken, 0.0, 1.0)))


def people_within(inputs: Inputs, layout: Layout, key: str) -> tuple[float, float] | None:
    """People of spread ``key`` inside the territory and on the part of it no zone takes
    (the layout's remainder), measured straight from the cells' shares in each polygon,
    not through the zones (people, unscaled).

    A second route to the territory's people for the invariants: on a grid reaching
    beyond the territory (``within_territory`` false, e.g. the built-in grid under a
    smaller territory) people on no zone's cells are mostly people outside the
    territory, so ``in zones + outside = layer`` alone would not see people lost inside
    it. ``None`` when every cell lies inside the territory (that check then suffices).
    The territory's figure is remembered per population layer and territory.
    """
    pop = inputs.population
    if pop.within_territory:
        return None
    same_crs = pop.crs.equals(layout.crs)

    def on_cells(geom: BaseGeometry) -> float:
        if geom.is_empty:
            return 0.0
        idx, frac = pop.grid.coverage(geom if same_crs else project(geom, pop.crs,
                                                                    src=layout.crs))
        return float(np.dot(np.asarray(pop.counts[key][idx], dtype=np.float64), frac))

    memo = pop._within
    got = memo.get(key)
    if got is None or got[0] is not layout.territory:
        got = memo[key] = (layout.territory, on_cells(layout.territory))
    return got[1], on_cells(layout.remainder)


def _hospital_distances(layout: Layout, inputs: Inputs, area: ZoneSums,
                        h_zone: list[str | None],
                        squares: Squares | None) -> HospitalDistances:
    """Straight-line distances from each zone's blocks to the nearest open hospital
    (:func:`~zoneplan.measure.sums.distances.hospital_distances`).

    Residents may use hospitals in zones open to residents and in their own zone. On
    grids finer than :data:`DISTANCE_BLOCK_M`, distances are measured from the centres
    of square blocks of that size, and cells share their block's distance; otherwise
    from each cell's centroid.
    """
    hosp = inputs.hospitals
    if hosp is None or len(hosp) == 0 or area.blocks is None:
        return HospitalDistances.empty(len(layout.zones))
    hp = projected_points(hosp, inputs.population.crs)
    h_xy = np.column_stack([shapely.get_x(hp), shapely.get_y(hp)])
    return hospital_distances(inputs.population.grid, squares, area.blocks, h_xy, h_zone,
                              [z.id for z in layout.zones],
                              {z.id for z in layout.zones if z.spec.access == "resident"})


_PROJECTED_POINTS: weakref.WeakKeyDictionary[Any, dict[str, NDArray[np.object_]]] = \
    weakref.WeakKeyDictionary()
"""A point layer's points projected into the CRSs asked for (the editor asks again for
every layout), by CRS definition."""


def projected_points(layer: PointLayer, crs: Any) -> NDArray[np.object_]:
    """The layer's points in ``crs``, remembered per layer and CRS definition."""
    memo = _PROJECTED_POINTS.setdefault(layer, {})
    hit = memo.get(crs.srs) if crs.srs else None
    if hit is not None:
        return hit
    pts = project(shapely.MultiPoint(layer.points), crs)
    geoms = np.array(list(pts.geoms))
    if crs.srs and len(memo) < 4:
        memo[crs.srs] = geoms
    return geoms


def _point_zone(layer: PointLayer | None, layout: Layout) -> list[str | None]:
    """Id of the first zone covering each point of ``layer`` (``None``: in no zone)."""
    if layer is None or len(layer) == 0:
        return []
    known = layout.point_zones.get(id(layer))
    if known is not None:
        return known
    first = first_covering_zone(layout, projected_points(layer, layout.crs))
    ids = [z.id for z in layout.zones]
    return [ids[k] if k >= 0 else None for k in first.tolist()]


def first_covering_zone(layout: Layout, geoms: NDArray[np.object_]) -> NDArray[np.intp]:
    """Index of the first zone of ``layout`` covering each point of ``geoms`` (in the
    layout's CRS; -1: in no zone): the zone a hospital or damage point counts in."""
    first = np.full(len(geoms), -1, dtype=np.intp)
    for k, z in enumerate(layout.zones):
        left = np.flatnonzero(first < 0)
        if left.size == 0:
            break
        shapely.prepare(z.geometry)
        first[left[shapely.covers(z.geometry, geoms[left])]] = k
    return first


def block_distances(cells: LayoutCells, grid: Any, points: NDArray[np.float64],
                    blocks: NDArray[np.integer] | None = None) -> NDArray[np.float64]:
    """Distance (metres) from distance blocks ``blocks`` (all when ``None``) of a layout's
    cells to the nearest of ``points`` (an (n, 2) array in the grid's CRS), remembered
    per grid and points."""
    return nearest_distance(grid, cells.squares, points, blocks)
