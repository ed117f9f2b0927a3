"""Population rasters (GeoTIFF, Cloud-Optimised GeoTIFF, VRT) as cells, no polygon per pixel.

A :class:`RasterGrid` keeps the pixels of a raster that fall inside the territory as
plain arrays (their linear index in the raster window, their area and centre) and
answers the same questions a :class:`~zoneplan.grid.CellGrid` does: which cells a
polygon covers and by what fraction of each cell's area.

How fractions are computed (exact, like exactextract):

* Pixels whose centre lies inside the polygon are found by rasterizing it
  (:func:`rasterio.features.rasterize`); pixels touched by its boundary (rasterized
  with ``all_touched`` and grown by one pixel, so no crossed pixel is missed) are
  measured exactly: the area of the pixel (clipped to the territory) inside the
  polygon, divided by the pixel's area. The polygon is first cut into 32 x 32 pixel
  tiles so each exact intersection is against a small piece.
* Pixels cut by the territory's edge keep the covered fraction of their people.
* Work is done in horizontal strips of at most :data:`STRIP_PIXELS` pixels, so a raster
  larger than memory is read window by window, with a progress bar on a terminal.

Pixel areas are computed analytically in the area CRS (metres): constant when the
raster is in that CRS, otherwise per raster row (a pixel of a latitude-longitude grid
shrinks with the cosine of latitude).

Values are people per pixel (``units="count"``) or people per km² (``"density"``).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import CRSWarning, DataError, PlausibilityWarning
from zoneplan.geometry import project
from zoneplan.grid import CellGrid, CellValues, Near, Squares
from zoneplan.population import PopulationLayer

__all__ = ["STRIP_PIXELS", "RasterGrid", "raster_population", "release_freed_memory"]

STRIP_PIXELS = 1 << 21
"""Most pixels handled (read, rasterized) at once: 2.1 million, 8 MB as float32."""

TILE = 32
"""Side (pixels) of the tiles a polygon is cut into before exact pixel intersections."""

MAX_DENSITY_PER_KM2 = 200_000.0
"""Above this many people per km² a 'count' raster is probably a density raster."""

GROW = False
"""Grow the pixels a line touches by one pixel each way before exact measurement."""

Units = Literal["count", "density"]


def _strips(height: int, width: int, *, align: int = 1,
            offset: int = 0) -> list[tuple[int, int]]:
    """Row ranges of at most :data:`STRIP_PIXELS` pixels; with ``align``, strips end on
    multiples of ``align`` rows counted from ``-offset`` (the raster's block rows)."""
    step = max(1, STRIP_PIXELS // max(width, 1))
    if align > 1:
        step = max(align, step // align * align)
        first = min(height, step - offset % align) if offset % align else step
        cuts = [0, *range(first, height, step), height]
        return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    return [(r, min(r + step, height)) for r in range(0, height, step)]


def _progress(total: int, label: str) -> Any:
    """A rich progress bar on a terminal (only for work of several strips), else None."""
    if total < 3:
        return None
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    prog = Progress(console=console, transient=True)
    prog.start()
    prog.add_task(label, total=total)
    return prog


def _pixel_boxes(rows: NDArray[np.integer], cols: NDArray[np.integer],
                 t: Affine) -> NDArray[np.object_]:
    x0 = t.c + cols * t.a
    y0 = t.f + rows * t.e
    x1, y1 = x0 + t.a, y0 + t.e
    return shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1),
                       np.maximum(y0, y1))


def _covered_area(geom: BaseGeometry, targets: NDArray[np.object_], rows: NDArray[np.integer],
                  cols: NDArray[np.integer], t: Affine) -> NDArray[np.float64]:
    """Area of each target (a pixel or a clipped pixel) inside ``geom``, raster CRS units.

    ``geom`` is first cut into tiles of :data:`TILE` pixels so each pixel is intersected
    with a small piece of it rather than the whole polygon.
    """
    out = np.zeros(targets.size)
    if targets.size == 0:
        return out
    shapely.prepare(geom)
    inside = shapely.contains_properly(geom, targets)
    out[inside] = shapely.area(targets[inside])
    need = np.flatnonzero(~inside & shapely.intersects(geom, targets))
    if need.size == 0:
        return out
    tr, tc = rows[need] // TILE, cols[need] // TILE
    keys, inv = np.unique(tr * (1 << 31) + tc, return_inverse=True)
    kr, kc = keys // (1 << 31), keys % (1 << 31)
    tiles = _pixel_boxes(kr, kc, t @ Affine.scale(TILE))
    pieces = _clip(geom, tiles)
    out[need] = shapely.area(shapely.intersection(targets[need], pieces[inv.ravel()]))
    return out


def _clip(geom: BaseGeometry, tiles: NDArray[np.object_]) -> NDArray[np.object_]:
    """``geom`` clipped to each tile (fast rectangle clipping, exact overlay as fallback)."""
    b = shapely.bounds(tiles)
    try:
        pieces = np.array([shapely.clip_by_rect(geom, *row) for row in b.tolist()],
                          dtype=object)
        bad = ~shapely.is_valid(pieces)
        if bad.any():
            pieces[bad] = shapely.intersection(geom, tiles[bad])
        return np.asarray(pieces)
    except shapely.errors.GEOSException:  # pragma: no cover - degenerate input
        return np.asarray(shapely.intersection(geom, tiles))


def _sampled_share(geom: BaseGeometry, targets: NDArray[np.object_],
                   samples: int) -> NDArray[np.float64]:
    """Share of a samples x samples lattice of points in each target that lies in ``geom``."""
    b = shapely.bounds(targets)
    s = (np.arange(samples) + 0.5) / samples
    fx = (b[:, [0]] + (b[:, [2]] - b[:, [0]]) * np.tile(s, samples)[None, :]).ravel()
    fy = (b[:, [1]] + (b[:, [3]] - b[:, [1]]) * np.repeat(s, samples)[None, :]).ravel()
    tg = np.repeat(targets, samples * samples)
    inside_t = shapely.contains_xy(tg, fx, fy).reshape(-1, samples * samples)
    whole = np.isclose(shapely.area(targets), (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
    inside_t[whole] = True
    inside_g = shapely.contains_xy(geom, fx, fy).reshape(-1, samples * samples)
    n = inside_t.sum(axis=1)
    return np.where(n > 0, (inside_t & inside_g).sum(axis=1) / np.maximum(n, 1), 0.0)


def _clip_cells(geom: BaseGeometry, boxes: NDArray[np.object_], rows: NDArray[np.int64],
                cols: NDArray[np.int64], t: Affine) -> NDArray[np.object_]:
    """Each pixel box clipped to ``geom`` (boxes inside it are kept as they are)."""
    out = boxes.copy()
    shapely.prepare(geom)
    inside = shapely.contains_properly(geom, boxes)
    need = np.flatnonzero(~inside)
    if need.size:
        keys, inv = np.unique((rows[need] // TILE) * (1 << 31) + cols[need] // TILE,
                              return_inverse=True)
        tiles = _pixel_boxes(keys // (1 << 31), keys % (1 << 31), t @ Affine.scale(TILE))
        out[need] = _clip_to_boxes(_clip(geom, tiles)[inv.ravel()], boxes[need])
    return out


def _clip_to_boxes(pieces: NDArray[np.object_], boxes: NDArray[np.object_]
                   ) -> NDArray[np.object_]:
    """Each piece clipped to its box: rectangle clipping (about twice as fast as a
    general overlay on pixels), with the exact overlay where that gives an invalid shape."""
    out = np.empty(boxes.size, dtype=object)
    out[:] = [shapely.clip_by_rect(p, *r) for p, r in
              zip(pieces.tolist(), shapely.bounds(boxes).tolist(), strict=True)]
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.intersection(boxes[bad], pieces[bad])
    return out


def _centre_mask(geom: BaseGeometry, shape: tuple[int, int], t: Affine) -> NDArray[np.bool_]:
    from rasterio import features

    if geom.is_empty:
        return np.zeros(shape, dtype=bool)
    return features.rasterize([(geom, 1)], out_shape=shape, transform=t, fill=0,
                              dtype="uint8").astype(bool)


def _boundary_pixels(b: BaseGeometry, r0: int, r1: int, width: int,
                     t: Affine) -> NDArray[np.int64]:
    """Sorted linear indices (row * width + col) of pixels in rows r0..r1 touched by lines
    ``b`` (rasterized with ``all_touched``; grown by one pixel each way if :data:`GROW`).

    Only the part of the lines within these rows (and one row either side) is burnt.
    """
    from rasterio import features

    if b.is_empty:
        return np.empty(0, dtype=np.int64)
    lo, hi = max(r0 - 1, 0), r1 + 1
    ya, yb = t.f + lo * t.e, t.f + hi * t.e
    xa, xb = t.c, t.c + width * t.a
    b = shapely.clip_by_rect(b, min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
    if b.is_empty:
        return np.empty(0, dtype=np.int64)
    minx, miny, maxx, maxy = b.bounds
    inv = ~t
    cs = [int(np.floor((inv @ (x, y))[0])) for x in (minx, maxx) for y in (miny, maxy)]
    rs = [int(np.floor((inv @ (x, y))[1])) for x in (minx, maxx) for y in (miny, maxy)]
    c_lo, c_hi = max(min(cs) - 1, 0), min(max(cs) + 2, width)
    lo, hi = max(lo, min(rs) - 1), min(hi, max(rs) + 2)
    if c_lo >= c_hi or lo >= hi:
        return np.empty(0, dtype=np.int64)
    m = features.rasterize([(b, 1)], out_shape=(hi - lo, c_hi - c_lo),
                           transform=t @ Affine.translation(c_lo, lo), fill=0, dtype="uint8",
                           all_touched=True)
    rr, cc = np.nonzero(m)
    rr = rr.astype(np.int64) + lo
    cc = cc.astype(np.int64) + c_lo
    if GROW:
        dr, dc = np.meshgrid([-1, 0, 1], [-1, 0, 1])
        rr = (rr[:, None] + dr.ravel()[None, :]).ravel()
        cc = (cc[:, None] + dc.ravel()[None, :]).ravel()
    ok = (rr >= r0) & (rr < r1) & (cc >= 0) & (cc < width)
    return np.unique(rr[ok] * width + cc[ok])


class RasterGrid(CellGrid):
    """The pixels of a raster window that lie in a territory, as cells.

    Duck-types :class:`~zoneplan.grid.CellGrid` (everything the indicators use) without
    building a polygon per pixel. Cell ``i`` is the pixel at linear index ``lin[i]``
    (``row * width + col``) of the window; cells are in row-major order. Only the
    pixel indices are kept per cell (4 bytes each on windows under 2**31 pixels); areas
    and centroids are derived from them when asked for.

    Attributes
    ----------
    cell_size
        Square root of the median pixel area, metres.
    crs
        The projected CRS areas and distances are measured in.
    raster_crs
        The raster's own CRS.
    transform
        Affine transform of the window (raster CRS units).
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

    def __len__(self) -> int:
        return int(self.lin.size)

    # -- per-cell arrays, derived on demand -------------------------------------------
    @property
    def area_m2(self) -> NDArray[np.float64]:
        """Area of each cell inside the territory, m² (a new array on every call)."""
        ra = self.row_area_m2
        if ra.size and np.all(ra == ra[0]):
            out = np.full(self.lin.size, float(ra[0]))
        else:
            out = ra[self.lin // self.width]
        out[self.edge] *= self.edge_frac
        return out

    @area_m2.setter
    def area_m2(self, value: NDArray[np.float64]) -> None:
        pass

    def area_values(self) -> CellValues:
        """Cell areas (m²), computed only for the cells asked for (no full array)."""
        return _PixelAreas(self)

    def _centres(self, sl: slice = slice(None)) -> tuple[NDArray[np.float64],
                                                         NDArray[np.float64]]:
        """Centroids of cells ``sl`` in the raster CRS (edge cells: of their clipped part)."""
        t, w = self.transform, self.width
        lin = self.lin[sl]
        rows = lin // w
        cx = t.c + (lin - rows * w + 0.5) * t.a
        cy = t.f + (rows + 0.5) * t.e
        if self.edge.size:
            if self._edge_c is None:
                cent = shapely.centroid(self.edge_geoms)
                self._edge_c = (shapely.get_x(cent), shapely.get_y(cent))
            start, stop, _ = sl.indices(self.lin.size)
            a, b = np.searchsorted(self.edge, [start, stop])
            cx[self.edge[a:b] - start] = self._edge_c[0][a:b]
            cy[self.edge[a:b] - start] = self._edge_c[1][a:b]
        return np.asarray(cx, dtype=np.float64), np.asarray(cy, dtype=np.float64)

    def _xy(self, sl: slice = slice(None)) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centroids of cells ``sl`` in ``crs`` (metres)."""
        cx, cy = self._centres(sl)
        if self.raster_crs.equals(self.crs):
            return cx, cy
        from pyproj import Transformer

        tf = Transformer.from_crs(self.raster_crs, self.crs, always_xy=True)
        x, y = tf.transform(cx, cy)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

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
        n = self.lin.size
        if n == 0:
            return Squares.of(np.empty(0), np.empty(0), size)
        release_freed_memory()  # room for the index, from what earlier steps freed
        step = 1 << 18
        lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
        for a in range(0, n, step):  # pass 1: the lattice's extent
            x, y = self._xy(slice(a, a + step))
            lo = np.minimum(lo, [x.min(), y.min()])
            hi = np.maximum(hi, [x.max(), y.max()])
        ix0, iy0 = (int(v) for v in np.floor(lo / size))
        nx, ny = (int(v) for v in np.floor(hi / size) - [ix0 - 1, iy0 - 1])
        index: NDArray[Any] = np.empty(n, dtype=np.int32 if nx * ny < 2**31 else np.intp)
        for a in range(0, n, step):  # pass 2: the square of each cell
            x, y = self._xy(slice(a, a + step))
            index[a:a + step] = ((np.floor(y / size) - iy0) * nx
                                 + (np.floor(x / size) - ix0))
        return Squares(index=index, nx=nx, ny=ny, ix0=ix0, iy0=iy0, size=size)

    # -- CellGrid attributes built only on demand -------------------------------------
    @property
    def cells(self) -> NDArray[np.object_]:
        """Cell polygons in ``crs`` (built on first use: slow for millions of cells)."""
        if self._cells is None:
            rows = self.lin // self.width
            boxes = _pixel_boxes(rows, self.lin - rows * self.width, self.transform)
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
    def _to_raster(self, geom: BaseGeometry) -> BaseGeometry:
        return geom if self.raster_crs.equals(self.area_crs) else project(
            geom, self.raster_crs, src=self.area_crs)

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
        return self._coverage_r(self._to_raster(polygon))

    def _coverage_r(self, geom: BaseGeometry, *, edges: BaseGeometry | None = None,
                    samples: int = 0) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Coverage of ``geom`` (raster CRS), all strips together (see :meth:`_coverage_strips`)."""
        parts = list(self._coverage_strips(geom, edges=edges, samples=samples))
        if not parts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        return (np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]))

    def _coverage_strips(self, geom: BaseGeometry, *, edges: BaseGeometry | None = None,
                         samples: int = 0
                         ) -> Iterator[tuple[NDArray[np.intp], NDArray[np.float64]]]:
        """Coverage of ``geom`` (raster CRS), strip by strip, exact only along ``edges``.

        ``edges`` defaults to the polygon's boundary; give the lines a set of zones was
        cut along when the rest of every zone boundary is the territory's edge.
        ``samples`` > 0 measures those pixels on a samples x samples lattice instead.
        """
        t, w = self.transform, self.width
        edges = geom.boundary if edges is None else edges
        minx, miny, maxx, maxy = geom.bounds
        inv = ~t
        rs = [int(np.floor((inv @ (x, y))[1])) for x in (minx, maxx) for y in (miny, maxy)]
        r_lo, r_hi = max(min(rs) - 1, 0), min(max(rs) + 2, self.height)
        shapely.prepare(geom)
        for r0, r1 in _strips(r_hi - r_lo, w):
            r0, r1 = r0 + r_lo, r1 + r_lo
            a, b = _find(self.lin, np.array([r0 * w, r1 * w]))
            if a == b:
                continue
            local = self.lin[a:b] - r0 * w
            mask = _centre_mask(geom, (r1 - r0, w), t @ Affine.translation(0, r0))
            inside = mask.ravel()[local]
            del mask, local
            bnd = _boundary_pixels(edges, r0, r1, w, t)
            pos = _find(self.lin, bnd)
            hit = pos < self.lin.size
            hit[hit] = self.lin[pos[hit]] == bnd[hit]
            ci = pos[hit]
            frac = inside.astype(np.float64)
            # cut by the territory's edge: representative point, exact if on the boundary
            e_sel = (self.edge >= a) & (self.edge < b)
            e_idx = self.edge[e_sel]
            if e_idx.size:
                frac[e_idx - a] = shapely.contains_xy(geom, self._edge_rx[e_sel],
                                                      self._edge_ry[e_sel])
            if ci.size:
                at = np.searchsorted(self.edge, ci)  # both sorted: cheaper than np.isin
                is_edge = at < self.edge.size
                is_edge[is_edge] = self.edge[at[is_edge]] == ci[is_edge]
                targets = np.empty(ci.size, dtype=object)
                lin_c = self.lin[ci].astype(np.int64)
                rows = lin_c // w
                cols = lin_c - rows * w
                targets[~is_edge] = _pixel_boxes(rows[~is_edge], cols[~is_edge], t)
                targets[is_edge] = self.edge_geoms[np.searchsorted(self.edge, ci[is_edge])]
                if samples:
                    frac[ci - a] = _sampled_share(geom, targets, samples)
                else:
                    full = shapely.area(targets)
                    part = _covered_area(geom, targets, rows, cols, t)
                    frac[ci - a] = np.clip(part / np.where(full > 0, full, 1.0), 0.0, 1.0)
            keep = np.flatnonzero(frac > 0)
            yield keep + a, frac[keep]

    def fractions(self, zones: list[BaseGeometry], cuts: list[BaseGeometry], *,
                  tiles: bool = False, samples: int = 0) -> Any:
        """Share of each cell in each of a set of non-overlapping zones (exact).

        As in :meth:`CellGrid.fractions`, ``zones`` must have been cut from the territory
        along ``cuts`` (lines or polygon boundaries, in ``crs``): cells not touched by a
        cut lie wholly in the zone holding their centre (or, for cells cut by the
        territory's edge, a point inside them); cells touched by a cut are measured
        exactly. With ``tiles`` (the zones cover the territory with no remainder), the
        last zone is not rasterized: it holds every cell and share the others leave.
        """
        from zoneplan.grid import Fractions

        live = [c for c in cuts if not c.is_empty]
        edges = self._to_raster(shapely.union_all(live)) if live else shapely.LineString()

        zone_of: NDArray[np.signedinteger] = np.full(
            len(self), -1, dtype=np.int16 if len(zones) < 2**15 else np.int32)
        rows: list[NDArray[np.intp]] = []
        zs: list[NDArray[np.int32]] = []
        vals: list[NDArray[np.float64]] = []
        rest = len(zones) - 1 if tiles and len(zones) > 1 else None
        for k, z in enumerate(zones):
            if z.is_empty or k == rest:
                continue
            for idx, frac in self._coverage_strips(self._to_raster(z), edges=edges):
                whole = frac >= 1.0
                zone_of[idx[whole]] = k
                rows.append(idx[~whole])
                zs.append(np.full(int((~whole).sum()), k, dtype=np.int32))
                vals.append(frac[~whole])
        if rest is not None:
            zone_of[zone_of < 0] = rest
            if rows:
                cut, inv = np.unique(np.concatenate(rows), return_inverse=True)
                left = 1.0 - np.bincount(inv.ravel(), weights=np.concatenate(vals),
                                         minlength=cut.size)
                zone_of[cut] = -1
                keep = left > 1e-12
                rows.append(cut[keep])
                zs.append(np.full(int(keep.sum()), rest, dtype=np.int32))
                vals.append(np.clip(left[keep], 0.0, 1.0))
        empty = np.empty(0)
        release_freed_memory()  # the strips' temporaries, before the sums that follow
        return Fractions(n_zones=len(zones), zone_of=zone_of,
                         cut_cell=np.concatenate(rows) if rows else empty.astype(np.intp),
                         cut_zone=np.concatenate(zs) if zs else empty.astype(np.int32),
                         cut_frac=np.concatenate(vals) if vals else empty)

    def near_fractions(self, lines: list[BaseGeometry], distances_m: tuple[float, ...],
                       *, samples: int = 4) -> dict[float, Near]:
        """Cells within each distance (metres) of any of ``lines``, and their share there.

        Cells wholly inside or outside the lines' buffer (64 segments per quarter
        circle, under 0.1 m from the true arc at 1 km) count 1 or 0; cells its edge
        crosses are measured on a ``samples`` x ``samples`` lattice of points, as
        :meth:`CellGrid.near_fractions` does (``samples=0``: exact area).
        """
        empty = (np.empty(0, dtype=np.intp), np.empty(0))
        if not lines:
            return dict.fromkeys(distances_m, empty)
        merged = shapely.union_all(lines)
        return {d: self._coverage_r(self._to_raster(shapely.buffer(merged, d, quad_segs=64)),
                                    samples=samples)
                for d in distances_m}


class _PixelAreas:
    """The areas (m²) of a :class:`RasterGrid`'s cells, worked out for the cells asked for."""

    def __init__(self, grid: RasterGrid) -> None:
        self.grid = grid
        self.size = len(grid)

    def __getitem__(self, key: slice | NDArray[np.integer]) -> NDArray[np.float64]:
        g = self.grid
        lin = g.lin[key]
        out = g.row_area_m2[lin // g.width].astype(np.float64)
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            if step != 1:
                raise ValueError("only contiguous slices are supported")
            a, b = np.searchsorted(g.edge, [start, stop])
            out[g.edge[a:b] - start] *= g.edge_frac[a:b]
        else:
            pos = np.searchsorted(g.edge, key)
            hit = pos < g.edge.size
            hit[hit] = g.edge[pos[hit]] == key[hit]
            out[hit] *= g.edge_frac[pos[hit]]
        return out


def _row_areas(t: Affine, height: int, width: int, rcrs: CRS, crs: CRS) -> NDArray[np.float64]:
    """Area (m², in ``crs``) of one pixel on each row of the window."""
    if rcrs.equals(crs):
        return np.full(height, abs(t.a * t.e))
    from pyproj import Transformer

    tf = Transformer.from_crs(rcrs, crs, always_xy=True)
    c = width // 2
    rows = np.arange(height)
    xs = t.c + np.array([c, c + 1, c + 1, c]) * t.a
    ys = t.f + (rows[:, None] + np.array([0, 0, 1, 1])[None, :]) * t.e
    px_, py_ = tf.transform(np.broadcast_to(xs, ys.shape).ravel(), ys.ravel())
    qx, qy = np.asarray(px_).reshape(ys.shape), np.asarray(py_).reshape(ys.shape)
    # shoelace formula on the projected quadrilateral
    area = 0.5 * np.abs((qx * np.roll(qy, -1, axis=1) - np.roll(qx, -1, axis=1) * qy).sum(axis=1))
    return np.asarray(area, dtype=np.float64)


def _open(path: Path) -> Any:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not path.exists():
        raise DataError("the population raster does not exist", path=path,
                        suggestion="check the path (relative paths are relative to the plan)")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise DataError(f"the raster cannot be read ({str(exc)[:200]})", path=path,
                        suggestion="check that the file is a complete GeoTIFF; download it "
                        "again if it may be truncated") from exc


def raster_population(path: Path, territory: BaseGeometry, crs: CRS, *, units: str,
                      sources: list[str]) -> PopulationLayer:
    """Read a population raster over ``territory`` (projected, metres, in ``crs``).

    Parameters
    ----------
    path
        GeoTIFF / COG / VRT, one band used (band 1).
    territory
        Territory polygon in ``crs``.
    crs
        Projected CRS (metres) the territory is in.
    units
        ``"count"``: people per pixel; ``"density"``: people per km².
    sources
        Source ids of the layer.

    Raises
    ------
    DataError
        Missing, corrupt or truncated file; no CRS; no overlap with the territory;
        negative values; a rotated raster.

    Warns
    -----
    PlausibilityWarning
        Values declared as counts that would mean more than 200,000 people per km².
    CRSWarning
        The raster covers only part of the territory.
    """
    from rasterio.windows import Window, from_bounds

    src = _open(path)
    with src:
        if src.crs is None:
            raise DataError("the raster has no coordinate reference system (CRS)", path=path,
                            suggestion="assign one, e.g. gdal_edit.py -a_srs EPSG:4326 FILE")
        if src.transform.b != 0 or src.transform.d != 0:
            raise DataError("the raster is rotated (its transform has rotation terms)",
                            path=path, suggestion="warp it to a north-up grid with gdalwarp")
        rcrs = CRS.from_user_input(src.crs)
        terr_r = project(territory, rcrs, src=crs)
        if not shapely.box(*src.bounds).intersects(terr_r):
            raise DataError(
                "the raster does not overlap the territory",
                path=path,
                suggestion=f"the raster covers {tuple(round(v, 4) for v in src.bounds)} in "
                f"{rcrs.to_string()}; check that raster and territory show the same place")
        win = from_bounds(*terr_r.bounds, transform=src.transform)
        win = win.round_offsets(op="floor").round_lengths(op="ceil")
        win = win.intersection(Window(0, 0, src.width, src.height))
        c0, r0w = int(win.col_off), int(win.row_off)
        width, height = int(win.width) + 1, int(win.height) + 1
        width, height = min(width, src.width - c0), min(height, src.height - r0w)
        win = Window(c0, r0w, width, height)
        t = src.window_transform(win)
        scale, offset = float(src.scales[0]), float(src.offsets[0])
        nodata = src.nodata
        per_dataset_mask = nodata is None and any(
            f.name in ("per_dataset", "alpha") for f in src.mask_flag_enums[0])
        row_area = _row_areas(t, height, width, rcrs, crs)
        lin_dtype = np.int32 if width * height < 2**31 else np.int64
        # strips end on block rows, and each strip's blocks are read through a dataset
        # of its own, closed (and its cached blocks freed) before the next strip
        strips = _strips(height, width, align=src.block_shapes[0][0], offset=r0w)
        prog = _progress(2 * len(strips), f"reading {path.name}")
        try:
            # pass 1: which pixels are cells, and the share of those cut by the edge
            lin_parts: list[NDArray[np.integer]] = []
            e_lin: list[NDArray[np.int64]] = []
            e_geom: list[NDArray[np.object_]] = []
            e_frac: list[NDArray[np.float64]] = []
            shapely.prepare(terr_r)
            for s0, s1 in strips:
                mask = _centre_mask(terr_r, (s1 - s0, width), t @ Affine.translation(0, s0))
                bnd = _boundary_pixels(terr_r.boundary, s0, s1, width, t)
                mask.ravel()[bnd - s0 * width] = False
                whole = np.flatnonzero(mask.ravel())
                del mask
                rows, cols = bnd // width, bnd % width
                boxes = _pixel_boxes(rows, cols, t)
                clipped = _clip_cells(terr_r, boxes, rows, cols, t)
                frac = shapely.area(clipped) / shapely.area(boxes)
                ok = (frac > 1e-9) & (frac < 1.0 - 1e-12)
                full_in = bnd[frac >= 1.0 - 1e-12] - s0 * width
                local = np.concatenate([whole, full_in, bnd[ok] - s0 * width])
                del whole, full_in
                local.sort(kind="stable")  # timsort: fast on the mostly sorted runs
                local += s0 * width
                lin_parts.append(local.astype(lin_dtype))
                e_lin.append(bnd[ok])
                e_geom.append(clipped[ok])
                e_frac.append(frac[ok])
                if prog is not None:
                    prog.advance(prog.task_ids[0])
            lin = _join(lin_parts, lin_dtype)
            el = np.concatenate(e_lin)
            eo = np.argsort(el)
            edge = _find(lin, el[eo]).astype(np.intp)
            edge_frac = np.concatenate(e_frac)[eo]
            edge_geoms = np.concatenate(e_geom)[eo]
            # pass 2: the values of those pixels, straight into one array
            counts = np.empty(lin.size)
            plausible = _DensityCheck()
            lowest = 0.0
            for s0, s1 in strips:
                a, b = _find(lin, np.array([s0 * width, s1 * width]))
                if a == b:  # no cell in these rows: nothing to read
                    if prog is not None:
                        prog.advance(prog.task_ids[0])
                    continue
                try:
                    win_s = Window(c0, r0w + s0, width, s1 - s0)
                    with _open(path) as strip_src:
                        data = strip_src.read(1, window=win_s)
                        dmask = (strip_src.read_masks(1, window=win_s) if per_dataset_mask
                                 else None)
                except Exception as exc:  # truncated or corrupt blocks fail here
                    raise DataError(f"the raster cannot be read ({str(exc)[:200]})", path=path,
                                    suggestion="the file may be truncated or damaged; "
                                    "download it again") from exc
                local = lin[a:b] - s0 * width
                raw = data.ravel()[local]
                del data
                v = counts[a:b]
                v[:] = raw
                if nodata is not None:
                    v[(raw == nodata) | (np.isnan(nodata) & np.isnan(v))] = np.nan
                del raw
                if dmask is not None:
                    v[dmask.ravel()[local] == 0] = np.nan
                    del dmask
                if scale != 1.0 or offset != 0.0:
                    v *= scale
                    v += offset
                v[~np.isfinite(v)] = 0.0
                if v.size:
                    lowest = min(lowest, float(v.min()))
                pix_km2 = row_area[local // width + s0] / 1e6
                plausible.add(v, pix_km2)
                if units == "density":
                    v *= pix_km2
                del pix_km2, local
                # pixels cut by the territory's edge keep the covered share of their people
                ea, eb = np.searchsorted(edge, [a, b])
                v[edge[ea:eb] - a] *= edge_frac[ea:eb]
                if prog is not None:
                    prog.advance(prog.task_ids[0])
        finally:
            if prog is not None:
                prog.stop()
    if lowest < 0:
        raise DataError(f"the population raster has negative values (lowest {lowest:g})",
                        path=path, suggestion="set the raster's nodata value (e.g. gdal_edit.py "
                        "-a_nodata -99999 FILE) so empty pixels are not read as people")
    if units == "count":
        plausible.warn(path, float(np.median(row_area)) / 1e6)
    grid = RasterGrid(lin=lin, width=width, height=height, transform=t, raster_crs=rcrs,
                      crs=crs, row_area_m2=row_area, edge=edge, edge_geoms=edge_geoms,
                      edge_frac=edge_frac)
    release_freed_memory()
    covered = _covered_area_m2(grid) / territory.area if territory.area else 0.0
    if covered < 0.99:
        warnings.warn(f"{path}: the raster covers only {covered:.1%} of the territory; "
                      "people outside it are not counted", CRSWarning, stacklevel=2)
    how = ("people per pixel" if units == "count" else "people per km² times pixel area")
    return PopulationLayer(
        grid=grid, counts={"raster": counts}, central="raster",
        label=f"population raster {path.name}", date="", sources=list(sources),
        method=f"raster {path.name} ({how}; {rcrs.to_string()}, pixel "
        f"{grid.cell_size:,.1f} m); pixels cut by the territory or a zone edge count with "
        "their exactly covered fraction (as exactextract does)")


def release_freed_memory() -> None:
    """Hand memory freed by the C allocator back to the operating system (glibc only).

    Reading a large raster strip by strip frees many temporary arrays; glibc keeps most
    of that memory in the process (it is reused, but stays resident) unless asked to
    return it with ``malloc_trim``. Elsewhere this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc (e.g. musl): no-op
        ctypes.CDLL(None).malloc_trim(0)


def _find(sorted_lin: NDArray[np.integer], values: NDArray[np.integer]) -> NDArray[np.intp]:
    """``np.searchsorted`` of pixel indices, in the cells' own integer type (no copy of
    the cell array, which a wider type would force)."""
    return np.searchsorted(sorted_lin, values.astype(sorted_lin.dtype, copy=False))


def _join(parts: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
    """Concatenate and empty ``parts``, freeing each part once copied (low peak memory)."""
    out = np.empty(sum(p.size for p in parts), dtype=dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at:at + part.size] = part
        at += part.size
        del part
    return out


def _covered_area_m2(grid: RasterGrid) -> float:
    """Area of the territory the raster's cells cover, m² (no per-cell array built)."""
    starts = np.arange(grid.height + 1, dtype=np.int64) * grid.width
    per_row = np.diff(_find(grid.lin, starts))  # cells are sorted by row
    whole = float(per_row @ grid.row_area_m2)
    edge_rows = grid.lin[grid.edge] // grid.width
    return whole - float((grid.row_area_m2[edge_rows] * (1.0 - grid.edge_frac)).sum())


class _DensityCheck:
    """Counts, strip by strip, pixels whose 'count' would mean an implausible density."""

    def __init__(self) -> None:
        self.with_people = 0
        self.over = 0
        self.highest = 0.0

    def add(self, values: NDArray[np.float64], pixel_km2: NDArray[np.float64]) -> None:
        """Values (people per pixel) and pixel areas (km²) of some pixels."""
        dens = values / pixel_km2
        self.with_people += int(np.count_nonzero(values > 0))
        self.over += int(np.count_nonzero(dens > MAX_DENSITY_PER_KM2))
        if dens.size:
            self.highest = max(self.highest, float(dens.max()))

    def warn(self, path: Path, pixel_km2: float) -> None:
        """Warn when more than 1% of pixels with people exceed :data:`MAX_DENSITY_PER_KM2`."""
        if self.with_people == 0 or self.over <= 0.01 * self.with_people:
            return
        warnings.warn(
            f"{path}: values declared as counts look like densities: "
            f"{self.over / self.with_people:.1%} of pixels with people hold more than "
            f"{MAX_DENSITY_PER_KM2 * pixel_km2:,.0f} people on {pixel_km2 * 1e6:,.0f} m², i.e. "
            f"over {MAX_DENSITY_PER_KM2:,.0f} people per km² (up to {self.highest:,.0f}), "
            "above the densest places on Earth; if the values are per km², declare "
            "units=density", PlausibilityWarning, stacklevel=4)
