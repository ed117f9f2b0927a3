"""Raster pixels as cells: the pixels of a window inside a territory, without a polygon
per pixel.

A :class:`RasterGrid` keeps only each cell's linear pixel index in the raster window and
answers the same questions a :class:`~zoneplan.grid.CellGrid` does: which cells a
polygon covers and by what fraction of each cell's area; areas, centroids and squares
are derived from the indices when asked for.

How shares are computed (exact, like exactextract):

* Every pixel a zone's boundary passes through gets its exact share of the zone, for
  all zones in one vectorised pass over the boundaries' edges
  (:mod:`zoneplan.measure.grids.coverage`); the work grows with the boundaries' length in
  pixels, not with pixels x zones.
* Every other pixel lies wholly in the zone holding its centre: one rasterisation of
  all zones per strip of at most :data:`~zoneplan.measure.grids.pixels.STRIP_PIXELS` pixels.
* Pixels cut by the territory's edge keep their covered share; whether such a pixel
  lies in a zone is decided by a point inside its covered part, unless a cut crosses it.

Pixel areas are computed analytically in the area CRS (metres): constant when the
raster is in that CRS, otherwise per raster row (a pixel of a latitude-longitude grid
shrinks with the cosine of latitude).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.geometry import project, transform_xy
from zoneplan.measure.grids.cells import (
    CellGrid,
    CellIndex,
    CellValues,
    Near,
    find_sorted,
    match_sorted,
    members,
)
from zoneplan.measure.grids.coverage import geojson_like
from zoneplan.measure.grids.pixels import (
    pixel_boxes,
    release_freed_memory,
)
from zoneplan.measure.grids.raster_shares import (
    polygon_share_pieces,
    polygon_shares,
    zone_fractions,
)
from zoneplan.measure.grids.squares import Squares

__all__ = ["BUFFER_QUAD_SEGS", "RasterGrid"]

BUFFER_QUAD_SEGS = 64
"""Segments per quarter circle of the buffers around lines :meth:`RasterGrid.near_pieces`
measures (under 0.1 m from the true arc at 1 km); the incremental editor builds the same
buffers to find the pixels whose share may differ."""


class RasterGrid(CellGrid):
    """The pixels of a raster window that lie in a territory, as cells.

    Duck-types :class:`~zoneplan.grid.CellGrid` (everything the indicators use) without
    building a polygon per pixel. Cell ``i`` is the pixel at linear index ``lin[i]``
    (``row * width + col``) of the window; cells are in row-major order. Only the
    pixel indices are kept per cell (4 bytes each on windows under 2**31 pixels); areas
    and centroids are derived from them when asked for.

    Attributes
    ----------
    lin
        Linear pixel index of each cell in the window, ascending.
    width, height
        Size of the window, pixels.
    row_area_m2
        Area of one pixel on each row of the window, m² (in ``crs``).
    edge, edge_geoms, edge_frac
        Cells cut by the territory's edge (positions in ``lin``, ascending), their
        pixel clipped to the territory (raster CRS) and the share of the pixel kept.
    cell_size
        Square root of the median pixel area, metres.
    crs
        The projected CRS areas and distances are measured in.
    raster_crs
        The raster's own CRS.
    transform
        Affine transform of the window (raster CRS units).
    windowed
        Shares are followed through this window's pixels only (a :meth:`subset`, for
        the editor's patches): the zones' and buffers' boundaries outside it are left
        out, so the work grows with the window; the shares equal the whole grid's to
        rounding, not to the last bit. False for a grid read from a raster.
    """

    def __init__(self, *, lin: NDArray[np.integer], width: int, height: int,
                 transform: Affine, raster_crs: CRS, crs: CRS,
                 row_area_m2: NDArray[np.float64], edge: NDArray[np.intp],
                 edge_geoms: NDArray[np.object_], edge_frac: NDArray[np.float64]) -> None:
        self.lin = lin
        self.width, self.height = width, height
        self.transform = transform
        self.raster_crs = raster_crs
        self.crs = crs
        self.area_crs: CRS = crs
        self.row_area_m2 = row_area_m2
        self.edge, self.edge_geoms, self.edge_frac = edge, edge_geoms, edge_frac
        self.cell_size = float(np.sqrt(np.median(row_area_m2))) if row_area_m2.size else 0.0
        if edge.size:
            rp = shapely.point_on_surface(edge_geoms)
            self._edge_rx, self._edge_ry = shapely.get_x(rp), shapely.get_y(rp)
        else:
            self._edge_rx = self._edge_ry = np.empty(0)
        self._cells: NDArray[np.object_] | None = None
        self._pxy: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        self._edge_c: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        self._same_crs: bool | None = None
        self.windowed = False

    def __len__(self) -> int:
        return int(self.lin.size)

    # -- per-cell arrays, derived on demand -------------------------------------------
    @property
    def area_m2(self) -> NDArray[np.float64]:
        """Area of each cell inside the territory, m² (a new array on every call)."""
        return _PixelAreas(self)[:]

    @area_m2.setter
    def area_m2(self, value: NDArray[np.float64]) -> None:
        pass

    def area_values(self) -> CellValues:
        """Cell areas (m²), computed only for the cells asked for (no full array)."""
        return _PixelAreas(self)

    def total_area_m2(self) -> float:
        """Area of all cells, m², from the cells per row (no per-cell array built)."""
        starts = np.arange(self.height + 1, dtype=np.int64) * self.width
        per_row = np.diff(find_sorted(self.lin, starts))  # cells are sorted by row
        whole = float(per_row @ self.row_area_m2)
        edge_rows = self.lin[self.edge] // self.width
        return whole - float((self.row_area_m2[edge_rows] * (1.0 - self.edge_frac)).sum())

    def _centres(self, key: slice | NDArray[np.integer] = slice(None)
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centroids of cells ``key`` (a contiguous slice, or indices in any order) in the
        raster CRS; cells cut by the territory's edge: of their part inside it."""
        t, w = self.transform, self.width
        lin = self.lin[key]
        rows = lin // w
        cx = np.asarray(t.c + (lin - rows * w + 0.5) * t.a, dtype=np.float64)
        cy = np.asarray(t.f + (rows + 0.5) * t.e, dtype=np.float64)
        if self.edge.size:
            if self._edge_c is None:
                cent = shapely.centroid(self.edge_geoms)
                self._edge_c = (shapely.get_x(cent), shapely.get_y(cent))
            if isinstance(key, slice):
                start, stop, _ = key.indices(self.lin.size)
                a, b = np.searchsorted(self.edge, [start, stop])
                at, pos = self.edge[a:b] - start, np.arange(a, b)
            else:
                at, pos = members(self.edge, np.asarray(key))
            cx[at] = self._edge_c[0][pos]
            cy[at] = self._edge_c[1][pos]
        return cx, cy

    def _xy(self, key: slice | NDArray[np.integer] = slice(None)
            ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centroids of cells ``key`` (as :meth:`_centres`) in ``crs`` (metres)."""
        cx, cy = self._centres(key)
        return transform_xy(cx, cy, self.area_crs, src=self.raster_crs)

    def centroids(self, idx: NDArray[np.integer]) -> tuple[NDArray[np.float64],
                                                          NDArray[np.float64]]:
        """Centroids (x, y, metres, ``crs``) of cells ``idx``, in any order; cells cut by
        the territory's edge: of their part inside it."""
        return self._xy(np.asarray(idx))

    @property
    def x(self) -> NDArray[np.float64]:
        """Cell centroids, x (metres, ``crs``); a new array on every call."""
        return self._xy()[0]

    @x.setter
    def x(self, value: NDArray[np.float64]) -> None:
        pass

    @property
    def y(self) -> NDArray[np.float64]:
        """Cell centroids, y (metres, ``crs``); a new array on every call."""
        return self._xy()[1]

    @y.setter
    def y(self, value: NDArray[np.float64]) -> None:
        pass

    def squares(self, size: float) -> Squares:
        """The squares of side ``size`` metres holding each cell's centroid.

        Worked out in chunks of cells, so no full-length coordinate array is built.
        """
        sq, block = self.square_lattice(size)
        n = self.lin.size
        if n == 0:
            return sq
        release_freed_memory()  # room for the index, from what earlier steps freed
        index: NDArray[Any] = np.empty(n, dtype=np.int32 if len(sq) < 2**31 else np.intp)
        step = 1 << 18
        for a in range(0, n, step):
            index[a:a + step] = block[a:a + step]
        return replace(sq, index=index)

    def square_lattice(self, size: float) -> tuple[Squares, CellIndex]:
        """The lattice of squares of side ``size`` metres holding the cells' centroids
        (without a per-cell index), and each cell's square worked out on demand.

        The lattice spans the centroids' extent (one pass over the cells, in chunks).
        """
        n = self.lin.size
        if n == 0:
            return Squares.of(np.empty(0), np.empty(0), size), _SquareIndex(self, size, 0, 0, 0)
        step = 1 << 18
        lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
        for a in range(0, n, step):
            x, y = self._xy(slice(a, a + step))
            lo = np.minimum(lo, [x.min(), y.min()])
            hi = np.maximum(hi, [x.max(), y.max()])
        ix0, iy0 = (int(v) for v in np.floor(lo / size))
        nx, ny = (int(v) for v in np.floor(hi / size) - [ix0 - 1, iy0 - 1])
        sq = Squares(index=np.empty(0, dtype=np.intp), nx=nx, ny=ny, ix0=ix0, iy0=iy0,
                     size=size)
        return sq, _SquareIndex(self, size, ix0, iy0, nx)

    # -- CellGrid attributes built only on demand -------------------------------------
    @property
    def cells(self) -> NDArray[np.object_]:
        """Cell polygons in ``crs`` (built on first use: slow for millions of cells)."""
        if self._cells is None:
            rows = self.lin // self.width
            boxes = pixel_boxes(rows, self.lin - rows * self.width, self.transform)
            boxes[self.edge] = self.edge_geoms
            if not self.raster_crs.equals(self.area_crs):
                boxes = np.array(list(project(shapely.GeometryCollection(list(boxes)),
                                              self.area_crs, src=self.raster_crs).geoms))
            self._cells = boxes
        return self._cells

    @cells.setter
    def cells(self, value: NDArray[np.object_]) -> None:
        self._cells = value

    @property
    def px(self) -> NDArray[np.float64]:
        """A point inside each cell (x, metres); the centre for whole pixels."""
        return self._rep()[0]

    @px.setter
    def px(self, value: NDArray[np.float64]) -> None:
        pass

    @property
    def py(self) -> NDArray[np.float64]:
        """A point inside each cell (y, metres)."""
        return self._rep()[1]

    @py.setter
    def py(self, value: NDArray[np.float64]) -> None:
        pass

    def _rep(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self._pxy is None:
            px, py = self._xy()
            if self.edge.size:
                pts = project(shapely.MultiPoint(np.column_stack(
                    [self._edge_rx, self._edge_ry])), self.area_crs, src=self.raster_crs)
                px[self.edge] = shapely.get_x(np.array(list(pts.geoms)))
                py[self.edge] = shapely.get_y(np.array(list(pts.geoms)))
            self._pxy = (px, py)
        return self._pxy

    # -- coverage ----------------------------------------------------------------------
    def to_raster(self, geom: BaseGeometry) -> BaseGeometry:
        """``geom`` (in :attr:`area_crs`) in the raster's own CRS, where pixels are
        measured."""
        if self._same_crs is None:  # compared once: thousands of zones come one by one
            self._same_crs = bool(self.raster_crs.equals(self.area_crs))
        return geom if self._same_crs else project(geom, self.raster_crs, src=self.area_crs)

    def coverage(self, polygon: BaseGeometry) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Cells touched by ``polygon`` (in ``crs``) and the covered fraction of each.

        Returns
        -------
        idx
            Indices of the cells with a covered fraction above zero.
        frac
            Share of each cell's area (inside the territory) covered, unitless (0-1].
        """
        if polygon.is_empty or len(self) == 0:
            return np.empty(0, dtype=np.intp), np.empty(0)
        return polygon_shares(self, self.to_raster(polygon))

    def fractions(self, zones: list[BaseGeometry], cuts: list[BaseGeometry], *,
                  tiles: bool = False, samples: int = 0, covered: bool = False) -> Any:
        """Share of each cell in each of a set of non-overlapping zones (exact).

        See :func:`zoneplan.measure.grids.raster_shares.zone_fractions`: all zones in one
        pass; ``covered``: the zones cover the whole territory. ``tiles`` and
        ``samples`` are accepted for compatibility with :meth:`CellGrid.fractions` and
        not needed (exact, and as fast either way).
        """
        del tiles, samples
        return zone_fractions(self, zones, cuts, covered=covered)

    def near_fractions(self, lines: list[BaseGeometry], distances_m: tuple[float, ...],
                       *, samples: int = 4) -> dict[float, Near]:
        """Cells within each distance (metres) of any of ``lines``, and their share there.

        The share is exact (as :meth:`coverage`) against the lines' buffer (64 segments
        per quarter circle, under 0.1 m from the true arc at 1 km). ``samples`` is
        accepted for compatibility with :meth:`CellGrid.near_fractions`: measuring
        exactly is as fast here as sampling.
        """
        out: dict[float, Near] = {}
        for d in distances_m:
            parts = list(self.near_pieces(lines, d, samples=samples))
            out[d] = ((np.concatenate([p[0] for p in parts]),
                       np.concatenate([p[1] for p in parts])) if parts else
                      (np.empty(0, dtype=np.intp), np.empty(0)))
        return out

    def near_pieces(self, lines: list[BaseGeometry], distance_m: float, *,
                    samples: int = 4) -> Iterator[Near]:
        """:meth:`near_fractions` for one distance, strip by strip (ascending cells), so
        the cells near a long line on a fine raster are never all in memory at once."""
        del samples
        if not lines:
            return
        buf = shapely.buffer(shapely.union_all(lines), distance_m, quad_segs=BUFFER_QUAD_SEGS)
        yield from polygon_share_pieces(self, self.to_raster(buf))


    # -- views for the incremental editor ----------------------------------------------
    def subset(self, idx: NDArray[np.integer]) -> RasterGrid:
        """The cells ``idx`` (ascending) as a grid on the smallest window holding them,
        for measuring part of a grid again (:mod:`zoneplan.measure.sums.incremental`),
        :attr:`windowed`: each cell's answers equal the whole grid's to rounding."""
        sel = np.asarray(idx, dtype=np.intp)
        w = self.width
        lin = self.lin[sel].astype(np.int64)
        if lin.size == 0:
            r0 = c0 = r1 = c1 = 0
            rows = cols = lin
        else:
            rows = lin // w
            cols = lin - rows * w
            r0, c0 = int(rows.min()), int(cols.min())
            r1, c1 = int(rows.max()) + 1, int(cols.max()) + 1
        sub_lin = (rows - r0) * (c1 - c0) + (cols - c0)
        pos, hit = match_sorted(self.edge, sel)
        sub = RasterGrid(lin=sub_lin.astype(self.lin.dtype), width=c1 - c0, height=r1 - r0,
                         transform=self.transform @ Affine.translation(c0, r0),
                         raster_crs=self.raster_crs, crs=self.area_crs,
                         row_area_m2=self.row_area_m2[r0:r1],
                         edge=np.flatnonzero(hit).astype(np.intp),
                         edge_geoms=self.edge_geoms[pos[hit]],
                         edge_frac=self.edge_frac[pos[hit]])
        sub.cell_size = self.cell_size
        sub.windowed = True
        return sub

    def touching(self, geoms: list[BaseGeometry], margin_m: float = 1.0, *,
                 in_raster_crs: bool = False) -> NDArray[np.intp]:
        """Sorted indices of the cells whose pixel touches any of ``geoms`` (in ``crs``,
        or in ``raster_crs`` with ``in_raster_crs``) or a pixel next to one: a margin of
        one pixel each way (at least ``margin_m`` metres on pixels of 1 m and more).
        (GDAL's ``all_touched`` burns a polygon's edges as it burns a line's.)"""
        from rasterio import features

        live = [g if in_raster_crs else self.to_raster(g) for g in geoms
                if g is not None and not g.is_empty]
        if not live or len(self) == 0:
            return np.empty(0, dtype=np.intp)
        shapes = live
        bx = shapely.bounds(np.asarray(live, dtype=object))
        inv = ~self.transform
        corners = [inv @ (x, y) for x in (bx[:, 0].min(), bx[:, 2].max())
                   for y in (bx[:, 1].min(), bx[:, 3].max())]
        c0 = max(int(np.floor(min(c for c, _ in corners))) - 2, 0)
        c1 = min(int(np.floor(max(c for c, _ in corners))) + 3, self.width)
        r0 = max(int(np.floor(min(r for _, r in corners))) - 2, 0)
        r1 = min(int(np.floor(max(r for _, r in corners))) + 3, self.height)
        if c0 >= c1 or r0 >= r1:
            return np.empty(0, dtype=np.intp)
        m = features.rasterize([(g, 1) for g in geojson_like(shapes)],
                               out_shape=(r1 - r0, c1 - c0),
                               transform=self.transform @ Affine.translation(c0, r0),
                               fill=0, dtype="uint8", all_touched=True).astype(bool)
        grown = m.copy()  # one pixel each way
        grown[1:] |= m[:-1]
        grown[:-1] |= m[1:]
        g2 = grown.copy()
        g2[:, 1:] |= grown[:, :-1]
        g2[:, :-1] |= grown[:, 1:]
        rr, cc = np.nonzero(g2)
        pix = (rr.astype(np.int64) + r0) * self.width + cc + c0
        pos, hit = match_sorted(self.lin, pix)
        return pos[hit].astype(np.intp)  # ascending: pixels row by row, cells by pixel


class _SquareIndex:
    """The square of each cell of a :class:`RasterGrid`, worked out for the cells asked
    for (no per-cell array: 4 bytes per cell saved on a 1 m raster).

    A raster in the area CRS takes each pixel's square from per-row and per-column
    tables (the square holding the pixel's centre); a cell cut by the territory's edge
    from its part's centroid, as everywhere else.
    """

    def __init__(self, grid: RasterGrid, size: float, ix0: int, iy0: int, nx: int) -> None:
        self.grid, self.size = grid, size
        self.ix0, self.iy0, self.nx = ix0, iy0, nx
        self.tables: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
        if grid.raster_crs.equals(grid.crs):
            t = grid.transform
            cx = t.c + (np.arange(grid.width) + 0.5) * t.a
            cy = t.f + (np.arange(grid.height) + 0.5) * t.e
            self.tables = ((np.floor(cy / size).astype(np.int64) - iy0) * nx,
                           np.floor(cx / size).astype(np.int64) - ix0)

    def _from_xy(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        return ((np.floor(y / self.size) - self.iy0) * self.nx
                + (np.floor(x / self.size) - self.ix0)).astype(np.int64)

    def __getitem__(self, key: slice | NDArray[np.integer]) -> NDArray[np.integer]:
        g = self.grid
        if self.tables is None:
            x, y = g._xy(key)
            return self._from_xy(x, y)
        if isinstance(key, slice):
            start, stop, _ = key.indices(g.lin.size)
            idx = None
        else:
            idx = np.asarray(key)
        lin = g.lin[key]
        rows = lin // g.width
        out = self.tables[0][rows] + self.tables[1][lin - rows * g.width]
        if g.edge.size:  # cut by the territory's edge: the square of the part's centroid
            if idx is None:
                ea, eb = np.searchsorted(g.edge, [start, stop])
                at, cells = g.edge[ea:eb] - start, g.edge[ea:eb]
            else:
                at, pos = members(g.edge, idx)
                cells = g.edge[pos]
            if cells.size:
                out[at] = self._from_xy(*g.centroids(cells))
        return out


class _PixelAreas:
    """The areas (m²) of a :class:`RasterGrid`'s cells, worked out for the cells asked for."""

    def __init__(self, grid: RasterGrid) -> None:
        self.grid = grid
        self.size = len(grid)

    def __getitem__(self, key: slice | NDArray[np.integer]) -> NDArray[np.float64]:
        g = self.grid
        lin = g.lin[key]
        ra = g.row_area_m2
        if ra.size and np.all(ra == ra[0]):  # a raster in the area CRS: one pixel area
            out = np.full(lin.size, float(ra[0]))
        else:
            out = ra[lin // g.width].astype(np.float64)
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            if step != 1:
                raise ValueError("only contiguous slices are supported")
            a, b = np.searchsorted(g.edge, [start, stop])
            out[g.edge[a:b] - start] *= g.edge_frac[a:b]
        else:
            at, pos = members(g.edge, np.asarray(key))
            out[at] *= g.edge_frac[pos]
        return out
