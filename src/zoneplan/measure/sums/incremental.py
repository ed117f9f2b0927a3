"""The editor's figures, updated incrementally: when a vertex moves, only the cells in
the band it sweeps are measured again.

:func:`incremental_cells` gives the same :class:`~zoneplan.measure.sums.zone_sums.LayoutCells`
as :func:`~zoneplan.measure.sums.layout.layout_cells` (to rounding: every sum is a sum of
non-negative terms taken afresh, in another order). It keeps, per population grid, mode
(exact or fast) and layout slot, the previous layout's per-cell state: the zone shares
of each cell (:class:`~zoneplan.measure.grids.cells.Fractions`), the near-line shares and the
sums per *tile* (the distance blocks on grids finer than
:data:`~zoneplan.measure.sums.zone_sums.DISTANCE_BLOCK_M`, otherwise each cell). For a new
layout it finds the cells whose answers may differ:

* cells touching the symmetric difference of each zone's old and new polygon, or a
  segment of the cut lines that is in one layout and not the other (a cell crossed by a
  cut is measured exactly, one that is not lies wholly in one zone);
* cells whose near-line share may differ: on a raster, pixels touching the symmetric
  difference of the old and new buffers around the lines; on a cell grid, cells whose
  centroid lies within the largest distance plus a cell diagonal of a changed segment.

All of it is compared as the grid measures it: a raster in its own CRS (projected
vertex by vertex, a long edge whose end moved shifts along its whole length, by
millimetres, in a lon/lat raster).

Those cells (with a margin) are measured again on a :meth:`subset` of the grid, by the
grid's own methods (a raster's shares exact, as
:func:`~zoneplan.measure.grids.raster_shares.zone_fractions` and
:func:`~zoneplan.measure.grids.raster_shares.polygon_shares` give them), so each cell's answer
is the one a full computation gives (on a raster to rounding: the zones' and buffers'
boundaries are followed only through the subset's window, ``RasterGrid.windowed``); the
per-cell state is patched and the sums of the tiles holding them are taken again. The
sums per distance block are handed out as
:class:`~zoneplan.measure.sums.block_sums.BlockSums` (:func:`dense_block_sums`). When more
than :data:`FULL_SHARE` of the cells changed, or the zones, lines or population differ
in kind, everything is computed afresh. Grids of more than :data:`MAX_CELLS` cells, and
layouts with more than :data:`~zoneplan.measure.sums.block_sums.DENSE_LIMIT` (zone, tile)
pairs, keep no state: :func:`~zoneplan.measure.sums.layout.layout_cells` measures them
strip by strip, in bounded memory. Memory otherwise: per grid, mode and alternative
layout (line variants follow the dragged line) a small pool of states, dropped with the
grid (weakly keyed): for each cell its zone (1-4 bytes), two near-line shares per line
set (8 bytes each), its tile and its place in tile order (4 bytes each on grids under
2**31 cells), about 110 MB for a 10 m raster of the Gaza Strip; per tile, a sum per zone
for each value and line set.

Several requests at once (the editor's server answers them on worker threads): each
takes a state of its own from the pool (the one whose lines are nearest its own, so the
patch stays small), patches it privately and gives it back; requests never share a state
while it is being patched, and none waits for another unless the pool is at its bound
(:data:`MAX_STATES`, and :data:`STATE_CELLS` cells in all). Which state a request starts
from does not change its figures: every cell's shares are the grid's own and every tile
sum is taken afresh from them in one fixed order, so the figures are those of a serial
evaluation of the same request, bit for bit on a cell grid (``tests/test_app.py`` checks
it with threads; on a raster, to rounding: a patch's window depends on what changed).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.measure.grids.box_areas import boundary_edges
from zoneplan.measure.grids.cells import CellGrid, CellValues, Fractions, Near, match_sorted
from zoneplan.measure.grids.raster_grid import BUFFER_QUAD_SEGS, RasterGrid
from zoneplan.measure.grids.raster_shares import polygon_shares
from zoneplan.measure.grids.segments import distance_to_segments, segments
from zoneplan.measure.grids.squares import Squares
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.block_sums import CHUNK, DENSE_LIMIT, dense_block_sums
from zoneplan.measure.sums.zone_sums import (
    DISTANCE_BLOCK_M,
    NEAR_LINE_M,
    LayoutCells,
    LayoutGeometry,
    LineSet,
    ZoneSums,
    _hospital_distances,
    _point_zone,
    layout_geometry,
    measured_cells,
)
from zoneplan.measure.zones import Layout

__all__ = ["BUFFER_QUAD_SEGS", "FULL_SHARE", "MAX_CELLS", "MAX_STATES", "STATE_CELLS",
           "incremental_cells"]

FULL_SHARE = 0.25
"""Share of the cells above which a layout is computed afresh rather than patched."""

MAX_CELLS = 1 << 24
"""Grids of more cells than this (16.8 million: a 2.5 m raster of the Gaza Strip has 58
million) keep no per-cell state (it would take over 400 MB); they are measured afresh."""

MAX_STATES = 8
"""Most states kept per grid, mode and layout slot: as many requests as this patch at
once; more wait for a state to be given back."""

STATE_CELLS = 1 << 23
"""Most cells held in the states of one grid, mode and slot together, but always one
state (8.4 million: a 10 m raster of the Gaza Strip, 3.6 million cells, about 110 MB of
state each, keeps two states at most; the built-in 250 m grid :data:`MAX_STATES`)."""


@dataclass(eq=False)
class _Measured:
    """A layout's geometry as the grid measures it (a raster: in its own CRS): zones, the
    edges cells are cut along, and (rasters) the buffers near-line shares are taken on."""

    zones: list[BaseGeometry]
    edges: list[BaseGeometry]
    buffers: dict[LineSet, dict[float, BaseGeometry]]


@dataclass(eq=False)
class _Tiles:
    """The grid's cells grouped into tiles: ``order[start[t]:start[t + 1]]`` are tile t's."""

    index: NDArray[np.integer]
    order: NDArray[np.integer]
    start: NDArray[np.intp]
    squares: Squares | None


@dataclass(eq=False)
class _State:
    """The per-cell state of the last layout measured on a grid, and its tile sums.

    ``part_total[i]`` is the sum per zone and tile of value ``i`` (cell area in m², then
    each spread in people) times the zone share; ``part_out[i]`` per tile of the value
    times the share in no zone; ``part_near[i][key][d]`` as ``part_total`` times the
    share within ``d`` metres of the lines of ``key``. ``near[key][d]`` is each cell's
    share (0-1) within ``d`` metres of those lines. Only ``fr`` is ever handed out, and
    it is replaced, never changed; the rest is patched in place.
    """

    fingerprint: tuple[Any, ...]
    counts: list[weakref.ref[Any]]
    geo: LayoutGeometry
    measured: _Measured
    fr: Fractions
    near: dict[LineSet, dict[float, NDArray[np.float64]]]
    part_total: list[NDArray[np.float64]]
    part_out: list[NDArray[np.float64]]
    part_near: list[dict[LineSet, dict[float, NDArray[np.float64]]]]
    segs: frozenset[tuple[float, ...]] = frozenset()


_LOCK = threading.RLock()
"""Guards the tables below and every pool's free list (never held while measuring)."""


@dataclass(eq=False)
class _Pool:
    """The states of one grid, mode and slot: ``free`` ones (last given back last), and
    how many exist in all (free or being patched by a request)."""

    bound: int
    free: list[_State] = field(default_factory=list)
    count: int = 0
    ready: threading.Condition = field(default_factory=lambda: threading.Condition(_LOCK))

    @contextmanager
    def state(self, segs: frozenset[tuple[float, ...]]) -> Iterator[list[_State | None]]:
        """Hold a state for one request: ``box[0]`` is the free state whose lines are
        nearest ``segs`` (``None``: start afresh); set ``box[0]`` to the state to give
        back, or leave ``None`` to drop it (an update that failed half-way)."""
        with self.ready:
            while not self.free and self.count >= self.bound:
                self.ready.wait()
            if self.free:
                k = min(range(len(self.free)), key=lambda i: (
                    len(self.free[i].segs ^ segs), -i))
                old: _State | None = self.free.pop(k)
            else:
                old = None
                self.count += 1
        box: list[_State | None] = [old]
        try:
            yield box
        finally:
            with self.ready:
                st = box[0]
                if st is None:
                    self.count -= 1
                else:
                    self.free.append(st)
                self.ready.notify()


_STATES: weakref.WeakKeyDictionary[Any, dict[tuple[bool, str | None], _Pool]] = \
    weakref.WeakKeyDictionary()
_TILES: weakref.WeakKeyDictionary[Any, _Tiles] = weakref.WeakKeyDictionary()


def _pool(grid: CellGrid, fast: bool, slot: str | None) -> _Pool:
    """The pool of states of ``grid`` for a mode and slot (made when first asked for)."""
    with _LOCK:
        pools = _STATES.setdefault(grid, {})
        hit = pools.get((fast, slot))
        if hit is None:
            bound = max(1, min(MAX_STATES, STATE_CELLS // max(len(grid), 1)))
            hit = pools[fast, slot] = _Pool(bound=bound)
        return hit


def _segment_set(geo: LayoutGeometry) -> frozenset[tuple[float, ...]]:
    """The segments of a layout's cut lines and line sets, to find the nearest state."""
    lines = [*geo.cuts, *(ln for ls in geo.sets.values() for ln in ls)]
    return frozenset(map(tuple, segments(lines).tolist())) if lines else frozenset()


def incremental_cells(layout: Layout, inputs: Inputs, *, fast: bool = False,
                      slot: str | None = None) -> LayoutCells:
    """:func:`~zoneplan.measure.sums.layout.layout_cells`, reusing the previous layout's
    per-cell work on the same grid (see the module docstring).

    Parameters
    ----------
    layout
        The zones and lines (projected CRS, metres).
    inputs
        The prepared inputs; their population grid keys the remembered state.
    fast
        As in :func:`~zoneplan.measure.sums.layout.layout_cells` (approximate shares).
    slot
        Which remembered layout of the grid to start from: ``None`` the editor's own,
        else one per alternative layout (a line variant follows the dragged line).

    Returns
    -------
    LayoutCells
        Equal to a full computation's to rounding: each cell's shares are the ones the
        grid gives (on a raster whose pixel corners are not exact binary fractions, a
        lon/lat one, to about 1e-10 of a pixel: a subset's window moves the corners by
        the last bit), and every sum is a fresh sum of non-negative terms.
    """
    pop = inputs.population
    grid = pop.grid
    if len(grid) > MAX_CELLS or len(layout.zones) * _n_tiles(grid) > DENSE_LIMIT:
        return measured_cells(layout, inputs, fast=fast)  # no state: bounded memory
    geo = layout_geometry(layout, inputs)
    values: list[CellValues] = [grid.area_values(), *pop.counts.values()]
    fingerprint = (fast, len(geo.zones), tuple(z.id for z in layout.zones), geo.tiles,
                   tuple(geo.sets), tuple(pop.counts))
    segs = _segment_set(geo)
    with _pool(grid, fast, slot).state(segs) as box:
        old, box[0] = box[0], None  # patched in place: dropped if an update fails
        st = None
        if old is not None and old.fingerprint == fingerprint and all(
                r() is c for r, c in zip(old.counts, pop.counts.values(), strict=True)):
            st = _update(grid, old, geo, values, fast)
        if st is None:
            st = _full(grid, geo, values, fast, fingerprint, list(pop.counts.values()))
        st.segs = segs
        out = _cells(layout, inputs, st, grid)  # read before another request patches it
        box[0] = st
    return out


def _n_tiles(grid: CellGrid) -> int:
    """Number of tiles of the grid (see :func:`_tiles_of`), without building them."""
    return len(_tiles_of(grid).start) - 1 if grid.cell_size < DISTANCE_BLOCK_M else len(grid)


def _tiles_of(grid: CellGrid) -> _Tiles:
    """The grid's tiles (remembered per grid): distance blocks on fine grids, else cells;
    the blocks are those of :meth:`~zoneplan.measure.grids.cells.CellGrid.square_lattice`, as
    :func:`~zoneplan.measure.sums.layout.layout_cells` sums them."""
    with _LOCK:
        hit = _TILES.get(grid)
    if hit is not None:
        return hit
    n = len(grid)
    sq: Squares | None = None
    if grid.cell_size < DISTANCE_BLOCK_M:
        full = grid.squares(DISTANCE_BLOCK_M)
        index: NDArray[np.integer] = full.index
        n_tiles = len(full)
        sq = Squares(index=np.empty(0, dtype=np.intp), nx=full.nx, ny=full.ny, ix0=full.ix0,
                     iy0=full.iy0, size=full.size)
        order: NDArray[np.integer] = np.argsort(index, kind="stable").astype(
            np.int32 if n < 2**31 else np.intp)
    else:
        index = order = np.arange(n, dtype=np.intp)
        n_tiles = n
    start = np.zeros(n_tiles + 1, dtype=np.intp)
    np.cumsum(np.bincount(index, minlength=n_tiles), out=start[1:])
    tiles = _Tiles(index=index, order=order, start=start, squares=sq)
    with _LOCK:  # two requests may make them at once: the first kept is used by all
        return _TILES.setdefault(grid, tiles)


def _samples(fast: bool) -> tuple[int, int]:
    """Lattice sides for zone shares and near shares, as ``layout_cells`` uses them."""
    return (4 if fast else 0), (1 if fast else 4)


def _measured(grid: CellGrid, geo: LayoutGeometry) -> _Measured:
    """The layout's geometry as ``grid`` measures it: on a raster, zones, cut lines and
    near-line buffers in the raster's CRS, as :meth:`RasterGrid.fractions` and
    :meth:`RasterGrid.near_pieces` take them; on a cell grid the zones and cut lines as
    they are."""
    if not isinstance(grid, RasterGrid):
        return _Measured(zones=geo.zones, edges=geo.cuts, buffers={})
    buffers: dict[LineSet, dict[float, BaseGeometry]] = {}
    for key, lines in geo.sets.items():
        merged = shapely.union_all(lines) if lines else shapely.LineString()
        buffers[key] = {d: grid.to_raster(shapely.buffer(merged, d,
                                                           quad_segs=BUFFER_QUAD_SEGS))
                        for d in NEAR_LINE_M}
    return _Measured(zones=[grid.to_raster(z) for z in geo.zones],
                     edges=[grid.to_raster(c) for c in geo.cuts if not c.is_empty],
                     buffers=buffers)


def _in_cell_order(fr: Fractions) -> Fractions:
    """The same shares with the cut cells' entries in ascending (cell, zone) order."""
    order = np.lexsort((fr.cut_zone, fr.cut_cell))
    return Fractions(n_zones=fr.n_zones, zone_of=fr.zone_of,
                     cut_cell=fr.cut_cell[order].astype(np.intp),
                     cut_zone=fr.cut_zone[order], cut_frac=fr.cut_frac[order])


def _full(grid: CellGrid, geo: LayoutGeometry, values: list[CellValues], fast: bool,
          fingerprint: tuple[Any, ...], counts: list[Any]) -> _State:
    """The state of a layout measured afresh."""
    s_zone, s_near = _samples(fast)
    fr = _in_cell_order(grid.fractions(geo.zones, geo.cuts, tiles=geo.tiles, samples=s_zone,
                                        covered=geo.covered))
    near = {key: {d: _dense(n, len(grid)) for d, n in
                  grid.near_fractions(lines, NEAR_LINE_M, samples=s_near).items()}
            for key, lines in geo.sets.items()}
    tiles = _tiles_of(grid)
    n_t, nz = tiles.start.size - 1, fr.n_zones
    st = _State(fingerprint=fingerprint, counts=[weakref.ref(c) for c in counts], geo=geo,
                measured=_measured(grid, geo), fr=fr, near=near,
                part_total=[np.zeros((nz, n_t)) for _ in values],
                part_out=[np.zeros(n_t) for _ in values],
                part_near=[{key: {d: np.zeros((nz, n_t)) for d in NEAR_LINE_M}
                            for key in geo.sets} for _ in values])
    _fill(st, tiles, np.arange(n_t, dtype=np.intp), values)
    return st


def _changed_segments(old: list[BaseGeometry], new: list[BaseGeometry]
                      ) -> NDArray[np.float64]:
    """Segments (an (n, 4) array x0, y0, x1, y1) in one set of lines and not the other."""
    a, b = segments(old), segments(new)
    diff = set(map(tuple, a.tolist())) ^ set(map(tuple, b.tolist()))
    return np.array(sorted(diff), dtype=np.float64).reshape(-1, 4)


def _as_lines(segs: NDArray[np.float64]) -> list[BaseGeometry]:
    return list(shapely.linestrings(segs.reshape(-1, 2, 2))) if len(segs) else []


def _edges_of(geom: BaseGeometry) -> NDArray[np.float64]:
    """Every edge of a (multi)polygon's rings as (x0, y0, x1, y1), its ends in sorted
    order (an edge and its reverse are one)."""
    e = boundary_edges(geom)[0]  # a new array, the edges as the rings store them
    swap = (e[:, 0] > e[:, 2]) | ((e[:, 0] == e[:, 2]) & (e[:, 1] > e[:, 3]))
    e[swap] = e[swap][:, [2, 3, 0, 1]]
    return e


def _difference_of(old: BaseGeometry, new: BaseGeometry) -> BaseGeometry:
    """The symmetric difference of two polygons, worked out in the box holding the edges
    that are in one and not the other (a near-line buffer changes only around the moved
    vertices). Outside that box both have the same edges, so the same boundary, and so
    the same inside: every edge with an end outside the box is in both, and an edge with
    both ends inside a box lies in it. The polygons are clipped to the box a metre wider
    each way (the same edges cross its sides, cut at the same points) before the overlay;
    where GEOS cannot, the whole polygons are overlaid."""
    if not all(g.geom_type in ("Polygon", "MultiPolygon") for g in (old, new)):
        return shapely.symmetric_difference(old, new)
    ea, eb = _edges_of(old), _edges_of(new)
    rows = np.concatenate([ea, eb])
    rows = rows[np.lexsort(rows.T[::-1])]
    same = np.all(rows[1:] == rows[:-1], axis=1)  # as the next row
    alone = np.ones(len(rows), dtype=bool)
    alone[1:] &= ~same
    alone[:-1] &= ~same
    odd = rows[alone]
    if odd.size == 0 and len(ea) == len(eb):
        return shapely.Polygon()
    if odd.size == 0:  # pragma: no cover - an edge twice in one polygon
        return shapely.symmetric_difference(old, new)
    xs, ys = odd[:, [0, 2]], odd[:, [1, 3]]
    box = (xs.min() - 1.0, ys.min() - 1.0, xs.max() + 1.0, ys.max() + 1.0)
    try:
        a, b = shapely.clip_by_rect(old, *box), shapely.clip_by_rect(new, *box)
        if shapely.is_valid(a) and shapely.is_valid(b):
            return shapely.symmetric_difference(a, b)
    except shapely.errors.GEOSException:  # pragma: no cover - degenerate clip
        pass
    return shapely.symmetric_difference(old, new)


def _touching(grid: CellGrid, geoms: list[BaseGeometry]) -> NDArray[np.intp]:
    """Cells touching any of ``geoms``, given as the grid measures (a raster: its CRS)."""
    if isinstance(grid, RasterGrid):
        return grid.touching(geoms, in_raster_crs=True)
    return grid.touching(geoms)


def _changed_cells(grid: CellGrid, old: _State, geo: LayoutGeometry,
                   new: _Measured) -> NDArray[np.intp]:
    """Cells (ascending) whose zone or near-line shares may differ between the layouts."""
    was = old.measured
    regions = _distinct([shapely.symmetric_difference(a, b)
                         for a, b in zip(was.zones, new.zones, strict=True)])
    regions += _as_lines(_changed_segments(was.edges, new.edges))
    parts = []
    for key, lines in geo.sets.items():
        if isinstance(grid, RasterGrid):  # touched with the zones' regions, in one pass
            regions += [_difference_of(was.buffers[key][d], new.buffers[key][d])
                        for d in NEAR_LINE_M]
            continue
        segs = _changed_segments(old.geo.sets[key], lines)
        if len(segs) == 0:
            continue
        reach = max(NEAR_LINE_M) + 2 * grid.cell_size * np.sqrt(0.5) + 1.0
        # the grid's cells sorted by x are kept per grid: the same (cell, segment) pairs
        # in the boxes, each at the same exact distance, as testing the boxes' cells alone
        dist = distance_to_segments(grid.x, grid.y, segs, reach, x_order=grid.x_order())
        parts.append(np.flatnonzero(dist <= reach))
    touched = _touching(grid, regions)
    return np.unique(np.concatenate([touched, *parts])).astype(np.intp) if parts else touched


def _distinct(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """``geoms`` without a geometry equal, coordinate for coordinate in the same order,
    to the one kept before it (:func:`shapely.equals_exact`, no tolerance): the cells
    touching it are the same. Two zones that trade ground with each other alone, as
    the two sides of one dragged line, have the same symmetric difference."""
    out: list[BaseGeometry] = []
    for g in geoms:
        if not out or not shapely.equals_exact(out[-1], g, 0.0):
            out.append(g)
    return out


def _update(grid: CellGrid, old: _State, geo: LayoutGeometry, values: list[CellValues],
            fast: bool) -> _State | None:
    """The new layout's state: the old one patched in place, or ``None`` when too much
    changed."""
    measured = _measured(grid, geo)
    try:
        changed = _changed_cells(grid, old, geo, measured)
    except shapely.errors.GEOSException:  # pragma: no cover - degenerate geometry
        return None
    if changed.size > FULL_SHARE * len(grid):
        return None
    st = old
    st.geo, st.measured = geo, measured
    if changed.size == 0:
        return st
    s_zone, s_near = _samples(fast)
    sub = grid.subset(changed)
    # (a raster's subset follows the zones' boundaries through its window only)
    fr_sub = sub.fractions(geo.zones, geo.cuts, tiles=geo.tiles, samples=s_zone,
                           covered=geo.covered)
    zone_of = old.fr.zone_of.copy()
    zone_of[changed] = fr_sub.zone_of
    _, drop = match_sorted(changed, old.fr.cut_cell)  # both ascending
    st.fr = _in_cell_order(Fractions(
        n_zones=old.fr.n_zones, zone_of=zone_of,
        cut_cell=np.concatenate([old.fr.cut_cell[~drop], changed[fr_sub.cut_cell]]),
        cut_zone=np.concatenate([old.fr.cut_zone[~drop],
                                 fr_sub.cut_zone.astype(old.fr.cut_zone.dtype)]),
        cut_frac=np.concatenate([old.fr.cut_frac[~drop], fr_sub.cut_frac])))
    for key, lines in geo.sets.items():
        for d, (idx, share) in _near(sub, lines, measured.buffers.get(key), s_near).items():
            arr = st.near[key][d]
            arr[changed] = 0.0
            arr[changed[idx]] = share
    tiles = _tiles_of(grid)
    _fill(st, tiles, np.unique(tiles.index[changed]).astype(np.intp), values)
    return st


def _near(grid: CellGrid, lines: list[BaseGeometry],
          buffers: dict[float, BaseGeometry] | None, samples: int) -> dict[float, Near]:
    """Each cell's share within each of :data:`~zoneplan.measure.sums.zone_sums.NEAR_LINE_M`
    of ``lines``: on a raster, on the buffers already made (raster CRS), exactly as
    :meth:`RasterGrid.near_pieces` measures them; on a cell grid by its own method."""
    if isinstance(grid, RasterGrid) and buffers is not None:
        return {d: polygon_shares(grid, buffers[d]) if lines else
                (np.empty(0, dtype=np.intp), np.empty(0)) for d in NEAR_LINE_M}
    return grid.near_fractions(lines, NEAR_LINE_M, samples=samples)


def _gather(start: NDArray[np.integer], count: NDArray[np.integer]) -> NDArray[np.intp]:
    """Positions ``start[i] .. start[i] + count[i] - 1`` for every i, concatenated."""
    total = int(count.sum())
    base = np.asarray(start, dtype=np.intp) - (np.cumsum(count) - count)
    return np.repeat(base, count) + np.arange(total, dtype=np.intp)


def _fill(st: _State, tiles: _Tiles, sel: NDArray[np.intp], values: list[CellValues]) -> None:
    """Take the sums of tiles ``sel`` (ascending) again from the per-cell state, in place,
    a chunk of about :data:`~zoneplan.measure.sums.zone_sums.CHUNK` cells at a time."""
    n_cells = max(int(tiles.start[-1]), 1)
    step = max(1, int(CHUNK * (tiles.start.size - 1) / n_cells))
    fr, nz = st.fr, st.fr.n_zones
    for a in range(0, sel.size, step):
        s = sel[a:a + step]
        ns = s.size
        count = tiles.start[s + 1] - tiles.start[s]
        cells = tiles.order[_gather(tiles.start[s], count)].astype(np.intp)
        tl = np.repeat(np.arange(ns, dtype=np.intp), count)
        z = fr.zone_of[cells].astype(np.intp)
        lo = np.searchsorted(fr.cut_cell, cells, "left")
        e_count = np.searchsorted(fr.cut_cell, cells, "right") - lo
        entry = _gather(lo, e_count)
        e_cell = np.repeat(np.arange(cells.size, dtype=np.intp), e_count)
        e_frac = fr.cut_frac[entry]
        whole = z >= 0
        key_w = z[whole] * ns + tl[whole]
        key_c = fr.cut_zone[entry].astype(np.intp) * ns + tl[e_cell]
        taken = np.bincount(e_cell, weights=e_frac, minlength=cells.size)
        # the share of each cell no zone takes, as indicators._people_outside counts it
        # (a whole cell that also has cut entries, as rounding leaves on lon/lat rasters,
        # gives back those entries' shares)
        outside = np.where(whole, -np.minimum(taken, 1.0), np.clip(1.0 - taken, 0.0, 1.0))
        shares = {key: {d: arr[cells] for d, arr in by_d.items()}
                  for key, by_d in st.near.items()}

        keys = (key_w, whole, key_c, e_cell, e_frac)
        for i, v in enumerate(values):
            vc = v[cells]
            st.part_total[i][:, s] = _by_zone(vc, keys, nz, ns)
            st.part_out[i][s] = np.bincount(tl, weights=vc * outside, minlength=ns)
            for key, by_d in shares.items():
                for d, sh in by_d.items():
                    st.part_near[i][key][d][:, s] = _by_zone(vc * sh, keys, nz, ns)


def _by_zone(w: NDArray[np.float64], keys: tuple[Any, ...], nz: int,
             ns: int) -> NDArray[np.float64]:
    """Sum per zone and tile (shape (nz, ns)) of per-cell values ``w`` times the zone
    share: whole cells by their zone, cut cells by each of their entries. ``keys`` are
    (zone x ns + tile of whole cells, which cells are whole, the same for each cut
    entry, the cell of each entry, its share)."""
    key_w, whole, key_c, e_cell, e_frac = keys
    acc = np.bincount(key_w, weights=w[whole], minlength=nz * ns).astype(np.float64, copy=False)
    acc += np.bincount(key_c, weights=w[e_cell] * e_frac, minlength=nz * ns)
    return acc.reshape(nz, ns)


def _dense(near: Near, n: int) -> NDArray[np.float64]:
    """Sparse near shares as one share per cell (0 where a cell has none)."""
    out = np.zeros(n)
    out[near[0]] = near[1]
    return out


def _cells(layout: Layout, inputs: Inputs, st: _State, grid: CellGrid) -> LayoutCells:
    """The :class:`LayoutCells` of a state: sums over the tiles, points in zones."""
    pop = inputs.population
    n_val = len(st.part_total)
    h_zone = _point_zone(inputs.hospitals, layout)
    blocks = bool(h_zone) or getattr(inputs, "crossings", None) is not None
    tiles = _tiles_of(grid)
    lines = list(layout.lines)
    line_key = {lid: (lid if len(lines) > 1 else None) for lid in lines}
    near = [{key: {d: np.asarray(p.sum(axis=1), dtype=np.float64) for d, p in by_d.items()}
             for key, by_d in st.part_near[i].items()} for i in range(n_val)]
    per_block = dense_block_sums(st.part_total) if blocks else [None] * n_val
    sums = [ZoneSums(total=np.asarray(st.part_total[i].sum(axis=1), dtype=np.float64),
                     near_any=near[i][None],
                     near_line={lid: near[i][k] for lid, k in line_key.items()},
                     blocks=per_block[i])
            for i in range(n_val)]
    sq = None
    if blocks and tiles.squares is not None:
        sq = Squares(index=np.empty(0, dtype=np.intp), nx=tiles.squares.nx,
                     ny=tiles.squares.ny, ix0=tiles.squares.ix0, iy0=tiles.squares.iy0,
                     size=tiles.squares.size)
    area = sums[0]
    out = LayoutCells(fractions=st.fr, area=area,
                      people=dict(zip(pop.counts, sums[1:], strict=True)),
                      hospital_zone=h_zone, damage_zone=_point_zone(inputs.damage, layout),
                      hospital_distance=_hospital_distances(layout, inputs, area, h_zone, sq),
                      squares=sq)
    # people on no zone's cells, per spread (what indicators.compute would sum cell by cell)
    out.outside.update({key: float(st.part_out[i + 1].sum())
                        for i, key in enumerate(pop.counts)})
    return out
