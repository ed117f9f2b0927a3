"""Cell grids: the surface that population is stored on.

A :class:`CellGrid` is a regular square grid in a projected CRS, clipped to the
territory. Values (people per cell) live in plain numpy arrays beside it. The one
operation everything else needs is :meth:`CellGrid.coverage`: which cells a polygon
covers and by what fraction of each cell's area, so that sums over a zone weight
partially covered cells by their covered fraction (the same rule exactextract uses for
rasters).

Examples
--------
A 2 km x 2 km square territory with 1 km cells, cut by a polygon covering its western
half plus a quarter of the eastern cells:

>>> from shapely.geometry import box
>>> g = CellGrid.build(box(0, 0, 2000, 2000), cell_size=1000.0, crs=None)
>>> len(g), float(g.area_m2.sum())
(4, 4000000.0)
>>> idx, frac = g.coverage(box(0, 0, 1250, 2000))
>>> sorted(zip(idx.tolist(), frac.round(3).tolist()))
[(0, 1.0), (1, 0.25), (2, 1.0), (3, 0.25)]
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.measure.grids.base import Held
from zoneplan.measure.grids.segments import (
    distance_to_segments,
    segment_lines,
    segments,
)
from zoneplan.measure.grids.squares import Squares

__all__ = [
    "CellGrid",
    "CellIndex",
    "CellValues",
    "CutShares",
    "Fractions",
    "Near",
    "cell_groups",
    "find_sorted",
    "match_sorted",
    "members",
    "unique_ints",
]


class CellValues(Protocol):
    """A per-cell quantity read by slices or index arrays (an array, or one computed
    for just the cells asked for)."""

    @property
    def size(self) -> int: ...

    def __getitem__(self, key: slice | NDArray[np.integer]) -> NDArray[np.float64]: ...


class CellIndex(Protocol):
    """A per-cell integer (e.g. the cell's distance block) read by slices or index
    arrays (an array, or one computed for just the cells asked for)."""

    def __getitem__(self, key: slice | NDArray[np.integer]) -> NDArray[np.integer]: ...


Near = tuple[NDArray[np.intp], NDArray[np.float64]]
"""Cells near a line: sorted cell indices and the share (0-1] of each cell's area."""


@dataclass(eq=False)
class Fractions:
    """Which zone each cell lies in, with exact shares for cells cut by a zone edge.

    Attributes
    ----------
    n_zones
        Number of zones.
    zone_of
        Zone index of each whole cell, or -1 for cut cells and cells in no zone.
    cut_cell, cut_zone, cut_frac
        For cut cells: cell index, zone index and the share of the cell's area (0-1].
    """

    n_zones: int
    zone_of: NDArray[np.signedinteger]
    cut_cell: NDArray[np.intp]
    cut_zone: NDArray[np.int32]
    cut_frac: NDArray[np.float64]

    @cached_property
    def sorted_cuts(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """The order sorting the cut cells, and the sorted cells (worked out once)."""
        order = np.argsort(self.cut_cell, kind="stable")
        return order, self.cut_cell[order]

    def for_zone(self, k: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Cells of zone ``k`` and the share of each in it."""
        whole = np.flatnonzero(self.zone_of == k)
        sel = self.cut_zone == k
        idx = np.concatenate([whole, self.cut_cell[sel]]).astype(np.intp)
        frac = np.concatenate([np.ones(whole.size), self.cut_frac[sel]])
        return idx, frac


class CutShares:
    """The shares of the cells a set of zones was cut across, zone by zone, as
    :meth:`CellGrid.fractions` and the draws' grid (:mod:`zoneplan.measure.grids.band`)
    gather them: each zone's share of the cut cells it touches, then the last zone's share
    as the remainder when the zones tile the territory.

    Parameters
    ----------
    grid
        The grid the cells belong to.
    cut_idx
        The cut cells (sorted indices).
    """

    def __init__(self, grid: CellGrid, cut_idx: NDArray[np.intp]) -> None:
        self.grid = grid
        self.cut_idx = cut_idx
        self.taken = np.zeros(cut_idx.size)  # share of each cut cell given out so far
        self.rows: list[NDArray[np.intp]] = []
        self.cols: list[NDArray[np.int32]] = []
        self.vals: list[NDArray[np.float64]] = []

    def add(self, k: int, cand: NDArray[np.intp], pos: NDArray[np.intp],
            zone: BaseGeometry, samples: int) -> None:
        """Zone ``k``'s share of the cut cells ``cand`` it touches (``pos``: their
        places in ``cut_idx``)."""
        if cand.size == 0:
            return
        self.add_shares(k, cand, pos, self.grid.cut_share(cand, zone, samples))

    def add_shares(self, k: int, cand: NDArray[np.intp], pos: NDArray[np.intp],
                   part: NDArray[np.float64]) -> None:
        """Zone ``k``'s shares ``part`` (0-1, of each cell's area) of the cut cells
        ``cand`` (``pos``: their places in ``cut_idx``), measured by the caller."""
        keep = part > 0
        self.rows.append(cand[keep].astype(np.intp))
        self.cols.append(np.full(int(keep.sum()), k, dtype=np.int32))
        self.vals.append(np.clip(part[keep], 0.0, 1.0))
        self.taken[pos[keep]] += self.vals[-1]

    def fractions(self, zone_of: NDArray[np.int32], n_zones: int, n_measured: int
                  ) -> Fractions:
        """The :class:`Fractions`, ``zone_of`` giving the whole cells' zones; when fewer
        than ``n_zones`` were measured, the last zone takes what is left of each cut
        cell."""
        cut_idx = self.cut_idx
        rows, cols, vals = self.rows, self.cols, self.vals
        if cut_idx.size:
            zone_of[cut_idx] = -1
            if n_measured < n_zones:
                rest = 1.0 - self.taken
                keep = rest > 1e-12
                rows.append(cut_idx[keep])
                cols.append(np.full(int(keep.sum()), n_zones - 1, dtype=np.int32))
                vals.append(np.clip(rest[keep], 0.0, 1.0))
        return Fractions(
            n_zones=n_zones,
            zone_of=zone_of,
            cut_cell=np.concatenate(rows) if rows else np.empty(0, dtype=np.intp),
            cut_zone=np.concatenate(cols) if cols else np.empty(0, dtype=np.int32),
            cut_frac=np.concatenate(vals) if vals else np.empty(0),
        )



@dataclass(eq=False)
class CellGrid:
    """Square cells clipped to a territory, in a projected CRS (metres).

    Attributes
    ----------
    cells
        Cell polygons (clipped to the territory).
    area_m2
        Area of each clipped cell, square metres.
    x, y
        Centroid of each clipped cell, metres.
    cell_size
        Side of an unclipped cell, metres.
    crs
        The projected CRS.
    """

    cells: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    cell_size: float
    crs: CRS | None
    _tree: shapely.STRtree = field(init=False, repr=False)

    px: NDArray[np.float64] = field(init=False, repr=False)
    py: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tree = shapely.STRtree(self.cells)
        rp = shapely.point_on_surface(self.cells)
        self.px, self.py = shapely.get_x(rp), shapely.get_y(rp)

    def __len__(self) -> int:
        return int(self.cells.size)

    @functools.cached_property
    def _x_sorted(self) -> NDArray[np.intp]:
        """The cells sorted by centroid x (``np.argsort``), computed once per grid."""
        return np.asarray(np.argsort(self.x, kind="stable"), dtype=np.intp)

    def x_order(self) -> NDArray[np.intp]:
        """The cells sorted by centroid x (``np.argsort(x, kind="stable")``), computed
        once per grid: for :func:`~zoneplan.measure.grids.segments.distance_to_segments`'s
        ``x_order``."""
        return self._x_sorted

    @classmethod
    def build(cls, territory: BaseGeometry, *, cell_size: float, crs: CRS | None) -> CellGrid:
        """Cover ``territory`` (projected, metres) with square cells of ``cell_size`` metres.

        Cells are aligned to multiples of ``cell_size`` and clipped to the territory;
        cells left with no area are dropped.
        """
        minx, miny, maxx, maxy = territory.bounds
        x0 = np.floor(minx / cell_size) * cell_size
        y0 = np.floor(miny / cell_size) * cell_size
        xs = np.arange(x0, maxx, cell_size)
        ys = np.arange(y0, maxy, cell_size)
        gx, gy = np.meshgrid(xs, ys)
        boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + cell_size, gy.ravel() + cell_size)
        shapely.prepare(territory)
        hit = shapely.intersects(territory, boxes)
        boxes = boxes[hit]
        inside = shapely.contains_properly(territory, boxes)
        clipped = boxes.copy()
        clipped[~inside] = shapely.intersection(boxes[~inside], territory)
        area = shapely.area(clipped)
        keep = area > 1e-6
        clipped = clipped[keep]
        area = area[keep]
        cent = shapely.centroid(clipped)
        return cls(
            cells=clipped,
            area_m2=area,
            x=shapely.get_x(cent),
            y=shapely.get_y(cent),
            cell_size=float(cell_size),
            crs=crs,
        )

    def coverage(self, polygon: BaseGeometry) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Cells touched by ``polygon`` and the fraction of each cell's area it covers.

        Returns
        -------
        idx
            Indices of the cells with a covered fraction above zero.
        frac
            Covered fraction of each of those cells (0-1], unitless.
        """
        if polygon.is_empty:
            return np.empty(0, dtype=np.intp), np.empty(0)
        idx = self._tree.query(polygon, predicate="intersects")
        if idx.size == 0:
            return idx.astype(np.intp), np.empty(0)
        shapely.prepare(polygon)
        inside = shapely.contains_properly(polygon, self.cells[idx])
        frac = np.ones(idx.size)
        edge = ~inside
        if edge.any():
            part = shapely.intersection(self.cells[idx[edge]], polygon)
            frac[edge] = np.clip(shapely.area(part) / self.area_m2[idx[edge]], 0.0, 1.0)
        keep = frac > 0
        return idx[keep].astype(np.intp), frac[keep]

    def fractions(self, zones: list[BaseGeometry], cuts: list[BaseGeometry], *,
                  tiles: bool = False, samples: int = 0, covered: bool = False
                  ) -> Fractions:
        """Share of each cell in each of a set of non-overlapping zones.

        Cells not crossed by any of ``cuts`` (the lines and polygon edges the zones were
        cut along) lie wholly in the zone containing their representative point; only
        the crossed cells are intersected with the zones. This is exact for zones made
        by cutting the grid's territory, and far faster than intersecting every edge
        cell of every zone.

        Parameters
        ----------
        zones
            Zone polygons in the grid's CRS.
        cuts
            Lines or polygon boundaries along which the zones were cut.
        tiles
            The zones tile the grid's territory (no remainder): the last zone's share of
            a cut cell is then one minus the others', saving one set of intersections.
        samples
            0: cut cells are intersected exactly. N > 0: a cut cell's share in a zone is
            the share of an N x N lattice of points inside it (approximate, faster).
        covered
            The zones cover the whole territory; accepted for compatibility with
            :meth:`RasterGrid.fractions <zoneplan.measure.grids.raster_grid.RasterGrid.fractions>`
            and not needed (zones and cells are in one CRS: shares add up exactly).
        """
        del covered
        n = len(self)
        zone_of = np.full(n, -1, dtype=np.int32)
        cut_idx = self._crossed(cuts)
        n_measured = len(zones) - 1 if tiles and len(zones) > 1 else len(zones)
        cut = CutShares(self, cut_idx)
        # zone by zone, each over the cells in its bounding box only, so the work grows
        # with the cells each zone touches, not with cells x zones
        for k, z in enumerate(zones):
            if z.is_empty:
                continue
            shapely.prepare(z)
            near = np.sort(self._tree.query(z))
            free = near[zone_of[near] < 0]  # cells an earlier zone took are not tested again
            zone_of[free[shapely.contains_xy(z, self.px[free], self.py[free])]] = k
            if k >= n_measured or cut_idx.size == 0:
                continue
            pos, is_cut = match_sorted(cut_idx, near)
            cand, pos = near[is_cut], pos[is_cut]
            touch = shapely.intersects(z, self.cells[cand])
            cut.add(k, cand[touch], pos[touch], z, samples)
        return cut.fractions(zone_of, len(zones), n_measured)

    def cut_share(self, cand: NDArray[np.intp], zone: BaseGeometry, samples: int
                  ) -> NDArray[np.float64]:
        """Share of each cell ``cand`` inside ``zone``: exact (``samples`` 0) or the share
        of an N x N lattice of its points (``samples`` N)."""
        if samples:
            return self._lattice_share(cand, zone, samples)
        return shapely.area(shapely.intersection(self.cells[cand], zone)) / self.area_m2[cand]

    def _crossed(self, cuts: list[BaseGeometry]) -> NDArray[np.intp]:
        """Cells that any of ``cuts`` (lines or polygon boundaries) touches.

        The cuts are queried segment by segment: a long diagonal line's bounding box
        holds most of the grid, its segments' boxes only the cells along it.
        """
        parts = [p for c in cuts if not c.is_empty
                 for p in shapely.get_parts(shapely.line_merge(c) if c.geom_type ==
                                            "MultiLineString" else c)]
        segs = [s for p in parts for s in segment_lines(p)]
        if not segs:
            return np.empty(0, dtype=np.intp)
        hits = self._tree.query(np.asarray(segs), predicate="intersects")[1]
        return unique_ints(hits).astype(np.intp)

    def _lattice(self, idx: NDArray[np.intp], samples: int
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """An N x N lattice of points in each cell's box, and which lie inside the cell."""
        b = shapely.bounds(self.cells[idx])
        t = (np.arange(samples) + 0.5) / samples
        fx = b[:, [0]] + (b[:, [2]] - b[:, [0]]) * np.tile(t, samples)[None, :]
        fy = b[:, [1]] + (b[:, [3]] - b[:, [1]]) * np.repeat(t, samples)[None, :]
        whole = np.isclose(self.area_m2[idx], (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
        inside = np.ones(fx.shape, dtype=bool)
        if not whole.all():
            part = ~whole
            cells = np.repeat(self.cells[idx[part]], samples * samples).reshape(
                int(part.sum()), samples * samples)
            inside[part] = shapely.contains_xy(cells, fx[part], fy[part])
        return fx, fy, inside

    def _lattice_share(self, idx: NDArray[np.intp], zone: BaseGeometry,
                       samples: int) -> NDArray[np.float64]:
        fx, fy, inside = self._lattice(idx, samples)
        hit = inside & shapely.contains_xy(zone, fx, fy)
        n_in = np.maximum(inside.sum(axis=1), 1)
        return np.asarray(hit.sum(axis=1) / n_in, dtype=np.float64)

    @property
    def held(self) -> Held | None:
        """``None``: every cell is in this process
        (see :class:`~zoneplan.measure.grids.base.Grid`)."""
        return None

    def total_area_m2(self) -> float:
        """Area of all cells, m²."""
        return float(self.area_m2.sum())

    def area_values(self) -> CellValues:
        """Cell areas (m²) for sums over many cells (here simply :attr:`area_m2`)."""
        return self.area_m2

    def squares(self, size: float) -> Squares:
        """The squares of side ``size`` metres holding each cell's centroid."""
        return Squares.of(self.x, self.y, size)

    def centroids(self, idx: NDArray[np.integer]) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]:
        """Centroids (x, y, metres) of cells ``idx``."""
        return self.x[idx], self.y[idx]

    def square_lattice(self, size: float) -> tuple[Squares, CellIndex]:
        """:meth:`squares` and the square of each cell (here simply its index array)."""
        sq = self.squares(size)
        return sq, sq.index

    def near_fractions(self, lines: list[BaseGeometry], distances_m: tuple[float, ...],
                       *, samples: int = 4) -> dict[float, Near]:
        """Cells within each distance (metres) of any of ``lines``, and their share there.

        Cells whose centroid is nearer than the distance minus half the cell diagonal
        count fully, farther than the distance plus half the diagonal not at all. Cells
        in between are measured on a ``samples`` x ``samples`` lattice of points inside
        the cell (the share of lattice points within the distance), so their share is
        resolved to 1/samples² of a cell. Distances are exact point-to-segment distances.
        Cells with no share are left out.
        """
        out = {d: np.zeros(len(self)) for d in distances_m}
        if not lines:
            return _sparse(out)
        segs = segments(lines)
        half_diag = self.cell_size * np.sqrt(0.5)
        reach = max(distances_m) + half_diag
        # cells in no segment's box grown by the reach are left at inf
        d = distance_to_segments(self.x, self.y, segs, reach, x_order=self.x_order())
        for dist, arr in out.items():
            arr[d <= dist - half_diag] = 1.0
        mids = {dist: np.flatnonzero((d > dist - half_diag) & (d < dist + half_diag))
                for dist in distances_m}
        mid_all = unique_ints(np.concatenate(list(mids.values())))
        if mid_all.size == 0:
            return _sparse(out)
        fx, fy, inside = self._lattice(mid_all, samples)
        ds = distance_to_segments(fx.ravel(), fy.ravel(), segs,
                                   max(distances_m)).reshape(fx.shape)
        n_in = inside.sum(axis=1)
        for dist, mid in mids.items():
            rows = np.searchsorted(mid_all, mid).astype(np.intp)  # mid is among mid_all
            if rows.size == 0:
                continue
            share = (inside[rows] & (ds[rows] <= dist)).sum(axis=1) / np.maximum(n_in[rows], 1)
            out[dist][mid] = np.where(n_in[rows] > 0, share, d[mid] <= dist)
        return _sparse(out)

    def near_pieces(self, lines: list[BaseGeometry], distance_m: float, *,
                    samples: int = 4) -> Iterator[Near]:
        """:meth:`near_fractions` for one distance, as pieces of cells (here one piece)."""
        yield self.near_fractions(lines, (distance_m,), samples=samples)[distance_m]

    def points(self) -> NDArray[np.float64]:
        """Cell centroids as an (n, 2) array of metres."""
        return np.column_stack([self.x, self.y])

    def subset(self, idx: NDArray[np.integer]) -> CellGrid:
        """The cells ``idx`` (ascending) as a grid of their own, for recomputing part of
        a grid: every per-cell answer of the subset equals the whole grid's."""
        sel = np.asarray(idx, dtype=np.intp)
        return CellGrid(cells=self.cells[sel], area_m2=self.area_m2[sel], x=self.x[sel],
                        y=self.y[sel], cell_size=self.cell_size, crs=self.crs)

    def touching(self, geoms: list[BaseGeometry], margin_m: float = 1.0) -> NDArray[np.intp]:
        """Sorted indices of the cells within ``margin_m`` metres of any of ``geoms``."""
        live = [g for g in geoms if g is not None and not g.is_empty]
        if not live:
            return np.empty(0, dtype=np.intp)
        hits = self._tree.query(np.asarray(live, dtype=object), predicate="dwithin",
                                distance=margin_m)[1]
        return unique_ints(hits).astype(np.intp)


_Int = TypeVar("_Int", bound=np.integer)


def unique_ints(values: NDArray[_Int]) -> NDArray[_Int]:
    """The distinct values of an integer array, ascending: ``np.unique(values)`` without
    its test for masked arrays, which imports ``numpy.ma`` (about 10 ms of a fresh run
    that uses nothing else of it).

    >>> import numpy as np
    >>> unique_ints(np.array([5, 2, 5, 9, 2])).tolist()
    [2, 5, 9]
    """
    s = np.sort(np.asarray(values).ravel())
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def find_sorted(haystack: NDArray[np.integer], needles: NDArray[np.integer]
                ) -> NDArray[np.intp]:
    """``np.searchsorted`` in the haystack's own integer type (a wider type would copy it:
    for millions of cells, on every call)."""
    return np.searchsorted(haystack, needles.astype(haystack.dtype, copy=False))


def cell_groups(cell: NDArray[np.integer]) -> tuple[NDArray[np.integer],
                                                    NDArray[np.signedinteger],
                                                    NDArray[np.bool_]]:
    """The distinct cells (ascending), each entry's cell as its index among them (int32
    when it fits) and whether the entry is its cell's only one.

    The same as ``np.unique(cell, return_inverse=True, return_counts=True)`` (with the
    counts as ``counts[inv] == 1``), in less memory: one sort order and one sorted copy
    at a time, no int64 inverse; on a fine raster thousands of zones cut a million
    cells, and that grouping was the peak of a whole run's memory.

    >>> import numpy as np
    >>> u, inv, alone = cell_groups(np.array([7, 3, 7, 5]))
    >>> u.tolist(), inv.tolist(), alone.tolist()
    ([3, 5, 7], [2, 0, 2, 1], [False, True, False, True])
    """
    m = cell.size
    order = np.argsort(cell, kind="stable")
    ranked = cell[order]
    new = np.ones(m + 1, dtype=bool)  # entry (in sorted order) starts a cell; one past
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:m])
    distinct = ranked[new[:m]]
    del ranked
    rank = np.cumsum(new[:m], dtype=np.int32 if m < 2**31 else np.intp)
    np.subtract(rank, 1, out=rank)
    inv = np.empty(m, dtype=rank.dtype)
    inv[order] = rank
    del rank
    alone = np.empty(m, dtype=bool)
    alone[order] = new[:m] & new[1:]
    return distinct, inv, alone


def match_sorted(haystack: NDArray[np.integer], needles: NDArray[np.integer]
                 ) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each of ``needles`` would sit in the ascending ``haystack``, and whether it is
    there. Searches in the haystack's own integer type (a wider type would copy it).

    >>> import numpy as np
    >>> pos, hit = match_sorted(np.array([2, 5, 9]), np.array([5, 6, 9, 12]))
    >>> pos.tolist(), hit.tolist()
    ([1, 2, 2, 3], [True, False, True, False])
    """
    pos = find_sorted(haystack, needles)
    hit = pos < haystack.size
    hit[hit] = haystack[pos[hit]] == needles[hit]
    return pos, hit


def members(few: NDArray[np.integer], cells: NDArray[np.integer]
            ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Which of ``cells`` are among the ascending ``few`` (e.g. the cells cut by the
    territory's edge): their positions in ``cells`` and in ``few``.

    When ``cells`` are ascending and distinct (a chunk of a grid's cells), only the
    members of ``few`` within their range are looked up among them: far cheaper than a
    search per cell when ``few`` is small.

    >>> import numpy as np
    >>> members(np.array([3, 8, 20]), np.array([1, 3, 4, 8, 9]))
    (array([1, 3]), array([0, 1]))
    """
    cells = np.asarray(cells)
    if cells.size == 0 or few.size == 0:
        e = np.empty(0, dtype=np.intp)
        return e, e
    if cells.size == 1 or bool(np.all(cells[1:] > cells[:-1])):
        a, b = np.searchsorted(few, [cells[0], cells[-1] + 1])
        at = np.searchsorted(cells, few[a:b])
        ok = at < cells.size
        ok[ok] = cells[at[ok]] == few[a:b][ok]
        return at[ok].astype(np.intp), (np.arange(a, b)[ok]).astype(np.intp)
    pos, hit = match_sorted(few, cells)
    return np.flatnonzero(hit).astype(np.intp), pos[hit].astype(np.intp)


def _sparse(dense: dict[float, NDArray[np.float64]]) -> dict[float, Near]:
    out: dict[float, Near] = {}
    for d, arr in dense.items():
        idx = np.flatnonzero(arr > 0)
        out[d] = (idx, arr[idx])
    return out


