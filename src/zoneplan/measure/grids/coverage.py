"""Exact pixel coverage of many polygons at once, from their edges alone.

:func:`boundary_coverage` gives, for every pixel a polygon's boundary passes through,
the share of the pixel's area the polygon covers, exactly (to floating-point rounding),
for any number of polygons in one vectorised pass: no per-pixel or per-polygon
geometry operation. Pixels the boundary does not pass through are wholly inside or
outside; their centre decides (:func:`label_strip`, one rasterisation for all
polygons, as exactextract and rasterstats do).

Method
------
In pixel coordinates (column ``x``, row ``y``; pixels are unit squares), the area of a
polygon ``P`` inside the pixel ``[c, c+1] x [r, r+1]`` is, by Green's theorem applied
row by row,

.. math:: A(r, c) = \\oint_{\\partial P \\cap \\text{row } r}
          \\operatorname{clamp}(x - c, 0, 1)\\, dy ,

the boundary oriented so that exterior rings enclose positive area and holes negative.
Cut every edge where it crosses a pixel line; a piece inside pixel ``(r, c')``
contributes ``∫ (x - c') dy`` to its own pixel and ``∫ dy`` (the full width) to every
pixel left of it in the row, and nothing to the pixels right of it. So

.. math:: A(r, c) = S(r, c) + \\sum_{c' > c} D(r, c'),

with ``S`` the sum of ``∫ (x - c) dy`` and ``D`` the sum of ``∫ dy`` over the pieces in
each pixel: a per-row suffix sum. This is the idea of exactextract's coverage fractions
(Baston, 2022), written as array operations.

References
----------
Baston, D. (2022). exactextract: fast and accurate raster zonal statistics.
https://github.com/isciences/exactextract
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["Coverage", "StripLabels", "Window", "boundary_coverage",
           "boundary_coverage_parts", "geojson_like", "label_strip", "line_pixels"]

Coverage = tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
"""Polygon index, pixel row, pixel column and covered share (0-1] of the pixel."""

Window = tuple[int, int, int]
"""Pixels of rows ``r0`` to ``r1`` (one past the last), from column ``c0`` on, in the
pixel coordinates of a transform: ``(r0, r1, c0)``."""

PIECES_AT_ONCE = 1 << 18
"""Edge pieces worked on at once (about 50 MB of temporaries): polygons are measured in
batches of about this many pieces, and a polygon with a longer boundary (on a fine
raster) in parts of this many, so memory stays bounded."""


def _polygons(geoms: Sequence[BaseGeometry]) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """The polygons in each geometry (collections and multi-parts opened, other parts
    dropped) and the index of the geometry each came from."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    parts, of = shapely.get_parts(arr, return_index=True)
    inner, of_inner = shapely.get_parts(parts, return_index=True)  # multi-parts inside
    poly = shapely.get_type_id(inner) == shapely.GeometryType.POLYGON
    return inner[poly], of[of_inner[poly]].astype(np.intp)


def _segments(parts: NDArray[np.object_], t: Affine
              ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                         NDArray[np.float64], NDArray[np.intp]]:
    """Every segment of linestrings or rings ``parts`` in pixel coordinates (start x, y,
    end x, y; ``t`` maps pixels to the CRS) and the part each belongs to."""
    xy, part = shapely.get_coordinates(parts, return_index=True)
    inv = ~t
    px = inv.a * xy[:, 0] + inv.b * xy[:, 1] + inv.c
    py = inv.d * xy[:, 0] + inv.e * xy[:, 1] + inv.f
    same = part[1:] == part[:-1]  # consecutive vertices of one part
    return (px[:-1][same], py[:-1][same], px[1:][same], py[1:][same],
            part[:-1][same].astype(np.intp))


def _edges(geoms: Sequence[BaseGeometry], t: Affine
           ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                      NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
    """Every ring edge in pixel coordinates (start x, y, end x, y), the sign orienting
    it (exteriors enclose positive area, holes negative) and the polygon it belongs to.

    Parts that are not polygons (points, lines in a collection) are ignored.
    """
    parts, part_of = _polygons(geoms)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    x0, y0, x1, y1, e_ring = _segments(rings, t)
    # the signed area of each ring in pixel space (∮ x dy), to orient it
    signed = np.bincount(e_ring, weights=(x0 + x1) * (y1 - y0) * 0.5, minlength=rings.size)
    exterior = np.ones(rings.size, dtype=bool)
    exterior[1:] = ring_part[1:] != ring_part[:-1]  # a polygon's first ring
    flip = np.where((signed >= 0) == exterior, 1.0, -1.0)
    return x0, y0, x1, y1, flip[e_ring], part_of[ring_part[e_ring]].astype(np.intp)


def _crossings(lo: NDArray[np.float64], hi: NDArray[np.float64]
               ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The first integer strictly above ``lo`` and how many lie strictly below ``hi``."""
    first = np.floor(lo).astype(np.int64) + 1
    count = np.maximum(np.ceil(hi).astype(np.int64) - first, 0)
    return first, count


def _pieces(x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64],
            y1: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.float64],
                                              NDArray[np.float64]]:
    """Cut each edge where it crosses a pixel line: for each piece, its edge and its
    start and end as fractions of the edge (0-1)."""
    n = x0.size
    fx, cx = _crossings(np.minimum(x0, x1), np.maximum(x0, x1))
    fy, cy = _crossings(np.minimum(y0, y1), np.maximum(y0, y1))
    dx, dy = x1 - x0, y1 - y0
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.repeat(np.arange(n), cx)
        kx = fx[ex] + (np.arange(ex.size) - np.repeat(np.cumsum(cx) - cx, cx))
        tx = (kx - x0[ex]) / dx[ex]
        ey = np.repeat(np.arange(n), cy)
        ky = fy[ey] + (np.arange(ey.size) - np.repeat(np.cumsum(cy) - cy, cy))
        ty = (ky - y0[ey]) / dy[ey]
    edge = np.concatenate([np.arange(n), ex, ey, np.arange(n)])
    tt = np.concatenate([np.zeros(n), tx, ty, np.ones(n)])
    order = np.lexsort((tt, edge))
    edge, tt = edge[order], tt[order]
    keep = (edge[1:] == edge[:-1]) & (tt[1:] > tt[:-1])
    return edge[:-1][keep].astype(np.intp), tt[:-1][keep], tt[1:][keep]


def boundary_coverage(geoms: Sequence[BaseGeometry], t: Affine, *,
                      window: Window | None = None) -> Coverage:
    """Covered share of every pixel that each polygon's boundary passes through.

    Parameters
    ----------
    geoms
        Polygons or multipolygons in the raster's CRS (other parts are ignored). They
        may overlap: each is measured on its own.
    t
        The raster's affine transform (pixel to CRS coordinates).
    window
        Only the pixels of these rows, from this column on (see :data:`Window`): the
        rest of the boundary is left out, so the work grows with the window, not the
        whole boundary. The shares there are the same to rounding (not to the last
        bit: the running sum along the rows starts afresh); pixels outside the window
        may be missing or wrong.

    Returns
    -------
    polygon, row, col, share
        One entry per (polygon, pixel) pair: the polygon's index in ``geoms``, the
        pixel's row and column (may lie outside any particular window), and the share
        of the pixel's area inside the polygon, unitless, clipped to [0, 1]. Pixels
        the boundary only touches at a corner or along a side may be missing or carry
        a share of 0 or 1.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> k, r, c, s = boundary_coverage([box(0.5, 0, 2, 1)], Affine.identity())
    >>> [(int(i), int(j), float(v)) for i, j, v in zip(r, c, s) if v > 0]
    [(0, 0, 0.5), (0, 1, 1.0)]
    """
    out: list[list[Any]] = [list(parts) for parts in
                            boundary_coverage_parts(geoms, t, window=window)]
    if not out:
        e = np.empty(0, dtype=np.int64)
        return e.astype(np.intp), e, e, np.empty(0)
    joined = []
    for i in range(4):  # each array joined, and its parts let go, before the next
        joined.append(np.concatenate([o[i] for o in out]))
        for o in out:
            o[i] = None
    return joined[0], joined[1], joined[2], joined[3]


def boundary_coverage_parts(geoms: Sequence[BaseGeometry], t: Affine, *,
                            window: Window | None = None) -> Iterator[Coverage]:
    """:func:`boundary_coverage` in parts, batch by batch of whole polygons (about
    :data:`PIECES_AT_ONCE` edge pieces each, in order): the parts joined are its result,
    so a caller that keeps less of each entry than its four values never holds them
    all at once."""
    x0, y0, x1, y1, sign, poly = _edges(geoms, t)
    if window is not None:  # edges reaching the window's rows, not wholly left of it
        r0, r1, c0 = window
        near = ((np.maximum(y0, y1) > r0) & (np.minimum(y0, y1) < r1)
                & (np.maximum(x0, x1) >= c0))
        x0, y0, x1, y1, sign = x0[near], y0[near], x1[near], y1[near], sign[near]
        poly = poly[near]
    if x0.size == 0:
        return
    lo_c = int(np.floor(min(x0.min(), x1.min()))) - 1
    lo_r = int(np.floor(min(y0.min(), y1.min()))) - 1
    n_c = int(np.ceil(max(x0.max(), x1.max()))) - lo_c + 2
    n_r = int(np.ceil(max(y0.max(), y1.max()))) - lo_r + 2
    grid = (lo_r, lo_c, n_r, n_c)
    # pieces per edge, to work on edges in batches of bounded size: batches of whole
    # polygons (their pixels are theirs alone), a polygon's edges in parts if it is long
    per_edge = (np.abs(np.floor(x1) - np.floor(x0)) + np.abs(np.floor(y1) - np.floor(y0))
                + 2)
    cum = np.cumsum(per_edge)
    ends = np.r_[np.flatnonzero(poly[1:] != poly[:-1]) + 1, x0.size]  # each polygon's end
    want = np.searchsorted(cum, np.arange(PIECES_AT_ONCE, cum[-1] + PIECES_AT_ONCE,
                                          PIECES_AT_ONCE))
    cuts = np.unique(np.r_[0, ends[np.minimum(np.searchsorted(ends, want), ends.size - 1)]])
    edges = (x0, y0, x1, y1, sign, poly)
    carry = 0.0  # the running sum of the pieces' dy, carried from batch to batch
    for a, b in itertools.pairwise(cuts.tolist()):
        sub = np.searchsorted(cum[a:b] - (cum[a - 1] if a else 0.0),
                              np.arange(PIECES_AT_ONCE, PIECES_AT_ONCE + cum[b - 1]
                                        - (cum[a - 1] if a else 0.0), PIECES_AT_ONCE)) + a
        parts, carry = _batch_coverage(edges, [a, *sub[sub < b].tolist(), b], grid, carry,
                                       window)
        yield parts
        del parts


def _batch_coverage(edges: tuple[NDArray[Any], ...], bounds: list[int],
                    grid: tuple[int, int, int, int], carry: float,
                    window: Window | None = None) -> tuple[Coverage, float]:
    """:func:`boundary_coverage` of the whole polygons whose edges are
    ``bounds[0]:bounds[-1]``, their pieces taken ``bounds[i]:bounds[i + 1]`` at a time;
    ``carry`` is the running sum of the pieces' dy so far, continued and returned (so
    every share is what one pass over all polygons gives, to the last bit). With a
    ``window``, only the pieces in its rows, from its first column on, are kept (a
    piece counts for its own pixel and those left of it in its row)."""
    x0, y0, x1, y1, sign, poly = edges
    lo_r, lo_c, n_r, n_c = grid
    keys: list[NDArray[np.int64]] = []
    s_parts: list[NDArray[np.float64]] = []
    d_parts: list[NDArray[np.float64]] = []
    for start, stop in itertools.pairwise(bounds):
        if stop <= start:
            continue
        sl = slice(start, stop)
        e, ta, tb = _pieces(x0[sl], y0[sl], x1[sl], y1[sl])
        ax, ay = x0[sl][e], y0[sl][e]
        ddx, ddy = x1[sl][e] - ax, y1[sl][e] - ay
        xa, xb = ax + ta * ddx, ax + tb * ddx
        del ax, ddx
        ya, yb = ay + ta * ddy, ay + tb * ddy
        del ay, ddy, ta, tb
        mid_x = (xa + xb) * 0.5
        del xa, xb
        col = np.floor(mid_x).astype(np.int64)
        row = np.floor((ya + yb) * 0.5).astype(np.int64)
        dy = (yb - ya) * sign[sl][e]
        del ya, yb
        if window is not None:
            keep = (row >= window[0]) & (row < window[1]) & (col >= window[2])
            mid_x, col, row, dy, e = mid_x[keep], col[keep], row[keep], dy[keep], e[keep]
            del keep
        s_parts.append((mid_x - col) * dy)
        d_parts.append(dy)
        del mid_x
        keys.append((poly[sl][e].astype(np.int64) * n_r + (row - lo_r)) * n_c + (col - lo_c))
        del row, col, e
    if not any(k.size for k in keys):  # no piece in the window
        none = np.empty(0, dtype=np.int64)
        return (none.astype(np.intp), none, none, np.empty(0)), carry
    key, inv = np.unique(np.concatenate(keys), return_inverse=True)
    del keys
    inv = inv.ravel()
    s = np.bincount(inv, weights=np.concatenate(s_parts), minlength=key.size)
    d = np.bincount(inv, weights=np.concatenate(d_parts), minlength=key.size)
    del inv, s_parts, d_parts
    group = key // n_c  # (polygon, row)
    csum = np.cumsum(np.r_[carry, d])[1:]
    last = np.r_[np.flatnonzero(group[1:] != group[:-1]), key.size - 1]
    end = np.repeat(last, np.diff(np.r_[-1, last]))  # last entry of each one's group
    share = np.clip(s + (csum[end] - csum), 0.0, 1.0)
    polygon = (group // n_r).astype(np.intp)
    return (polygon, group % n_r + lo_r, key % n_c + lo_c, share), float(csum[-1])


def line_pixels(lines: Sequence[BaseGeometry], t: Affine
                ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows and columns of the pixels that lines (or polygon boundaries) pass through.

    A line running exactly along a pixel side counts for one of the two pixels it
    separates. Pixels are listed once each, in no particular order.
    """
    arr = np.empty(len(lines), dtype=object)
    arr[:] = list(lines)
    parts = shapely.get_parts(shapely.get_parts(arr))
    polys = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    if polys.any():
        parts = np.concatenate([parts[~polys], shapely.get_rings(parts[polys])])
    x0, y0, x1, y1, _ = _segments(parts, t)
    e, ta, tb = _pieces(x0, y0, x1, y1)
    tm = (ta + tb) * 0.5
    col = np.floor(x0[e] + tm * (x1[e] - x0[e])).astype(np.int64)
    row = np.floor(y0[e] + tm * (y1[e] - y0[e])).astype(np.int64)
    if col.size == 0:
        return row, col
    key = np.unique((row - row.min()) * (col.max() - col.min() + 1) + (col - col.min()))
    width = col.max() - col.min() + 1
    return key // width + row.min(), key % width + col.min()


def label_strip(geoms: Sequence[BaseGeometry], shape: tuple[int, int], t: Affine
                ) -> NDArray[np.int32]:
    """The index + 1 of the polygon holding each pixel's centre (0: none), for
    non-overlapping polygons, in one rasterisation (:class:`StripLabels`, for one strip).

    Parameters
    ----------
    geoms
        Polygons in the raster's CRS (empty ones are skipped).
    shape
        Rows and columns of the window.
    t
        Affine transform of the window.
    """
    return StripLabels(geoms)(shape, t)


class StripLabels:
    """The polygon holding each pixel's centre, strip after strip, for the same polygons.

    Each strip rasterises only the polygons reaching it (found in an STR-tree built
    once); a polygon is handed to the rasteriser as GeoJSON-like coordinates built once,
    from its coordinate arrays, however many strips it reaches (converting shapes was
    the cost of rasterising thousands of zones, or a long line's buffer, per strip).

    Parameters
    ----------
    geoms
        Non-overlapping polygons in the raster's CRS (empty ones are skipped).
    """

    def __init__(self, geoms: Sequence[BaseGeometry]) -> None:
        self.geoms = list(geoms)
        self.live = [k for k, g in enumerate(self.geoms) if g is not None and not g.is_empty]
        self.tree: shapely.STRtree | None = None
        if len(self.live) > 1:
            arr = np.empty(len(self.live), dtype=object)
            arr[:] = [self.geoms[k] for k in self.live]
            self.tree = shapely.STRtree(arr)
        self.shapes: dict[int, Any] = {}

    def __call__(self, shape: tuple[int, int], t: Affine) -> NDArray[np.int32]:
        """The labels of the window ``shape`` (rows, columns) at transform ``t``: index + 1
        of the polygon holding each pixel's centre, 0 for none."""
        from rasterio import features

        live = self.live
        if self.tree is not None:  # only the polygons reaching this window
            h, w = shape
            xs = [t.c, t.c + w * t.a]
            ys = [t.f, t.f + h * t.e]
            window = shapely.box(min(xs), min(ys), max(xs), max(ys))
            live = [live[i] for i in sorted(self.tree.query(window).tolist())]
        if not live:
            return np.zeros(shape, dtype=np.int32)
        new = [k for k in live if k not in self.shapes]
        if new:
            self.shapes.update(zip(new, geojson_like([self.geoms[k] for k in new]),
                                   strict=True))
        shapes = [(self.shapes[k], k + 1) for k in live]
        return np.asarray(features.rasterize(shapes, out_shape=shape, transform=t, fill=0,
                                             dtype="int32"), dtype=np.int32)


def geojson_like(geoms: Sequence[BaseGeometry]) -> list[Any]:
    """Polygons, lines and their multi-part forms as GeoJSON-like mappings with the same
    coordinates (x, y), built from coordinate arrays for all at once
    (``__geo_interface__`` walks each coordinate in Python); any other geometry, or one
    with z, is returned as is."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    out: list[Any] = list(geoms)
    kind = shapely.get_type_id(arr)
    flat = ~shapely.has_z(arr)
    kinds = shapely.GeometryType
    poly = np.flatnonzero(flat & (kind == kinds.POLYGON))
    multi = np.flatnonzero(flat & (kind == kinds.MULTIPOLYGON))
    if poly.size + multi.size:
        which = np.concatenate([poly, multi])
        parts, part_of = shapely.get_parts(arr[which], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        part_rings = _grouped(_coordinate_lists(rings), ring_of, parts.size)
        geom_parts = _grouped(part_rings, part_of, which.size)
        for i, k in enumerate(which.tolist()):
            out[k] = ({"type": "Polygon", "coordinates": geom_parts[i][0]} if i < poly.size
                      else {"type": "MultiPolygon", "coordinates": geom_parts[i]})
    live = flat & ~shapely.is_empty(arr)
    line = np.flatnonzero(live & (kind == kinds.LINESTRING))
    multi = np.flatnonzero(live & (kind == kinds.MULTILINESTRING))
    if line.size + multi.size:
        which = np.concatenate([line, multi])
        parts, part_of = shapely.get_parts(arr[which], return_index=True)
        geom_parts = _grouped(_coordinate_lists(parts), part_of, which.size)
        for i, k in enumerate(which.tolist()):
            out[k] = ({"type": "LineString", "coordinates": geom_parts[i][0]}
                      if i < line.size else
                      {"type": "MultiLineString", "coordinates": geom_parts[i]})
    return out


def _coordinate_lists(parts: NDArray[np.object_]) -> list[Any]:
    """Each ring or linestring's coordinates as a list of [x, y] lists."""
    xy, coord_of = shapely.get_coordinates(parts, return_index=True)
    bounds = np.cumsum(np.bincount(coord_of, minlength=parts.size))[:-1]
    return [c.tolist() for c in np.split(xy, bounds)]


def _grouped(items: list[Any], of: NDArray[np.integer], n: int) -> list[list[Any]]:
    """``items`` gathered into ``n`` lists, item i into list ``of[i]`` (in order)."""
    out: list[list[Any]] = [[] for _ in range(n)]
    for item, g in zip(items, of.tolist(), strict=True):
        out[g].append(item)
    return out
