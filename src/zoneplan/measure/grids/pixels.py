"""Pixel geometry on raster windows: strips of rows, masks, and exact pixel shares.

The pieces :mod:`zoneplan.measure.grids.raster_grid` and
:mod:`zoneplan.measure.population.raster_population` are built from:

* :func:`strips`: row ranges of at most :data:`STRIP_PIXELS` pixels, ending on the
  raster's block rows when asked, so work and memory stay bounded on any raster size;
* :func:`centre_mask`: the pixels whose centre lies inside a polygon
  (:func:`rasterio.features.rasterize`);
* :func:`boundary_pixels`: the pixels a line touches (``all_touched``), the only ones
  measured exactly;
* :func:`clip_cells`: each pixel clipped to a polygon (the territory's edge), with the
  polygon first cut into :data:`TILE` x :data:`TILE` pixel tiles so each intersection
  is against a small piece.

Shares of pixels inside zones are measured in :mod:`zoneplan.measure.grids.coverage`.

Coordinates are those of the raster (its CRS and affine transform).
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import sys

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["STRIP_PIXELS", "TILE", "boundary_pixels", "centre_mask", "clip_cells",
           "clip_to_boxes", "clip_to_tiles", "pixel_boxes", "release_freed_memory", "strips"]


STRIP_PIXELS = 1 << 21
"""Most pixels handled (read, rasterized) at once: 2.1 million, 8 MB as float32."""

TILE = 32
"""Side (pixels) of the tiles a polygon is cut into before exact pixel intersections."""

def strips(height: int, width: int, *, align: int = 1,
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


def pixel_boxes(rows: NDArray[np.integer], cols: NDArray[np.integer],
                t: Affine) -> NDArray[np.object_]:
    x0 = t.c + cols * t.a
    y0 = t.f + rows * t.e
    x1, y1 = x0 + t.a, y0 + t.e
    return shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1),
                       np.maximum(y0, y1))


def clip_to_tiles(geom: BaseGeometry, tiles: NDArray[np.object_]) -> NDArray[np.object_]:
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


def clip_cells(geom: BaseGeometry, boxes: NDArray[np.object_], rows: NDArray[np.int64],
               cols: NDArray[np.int64], t: Affine) -> NDArray[np.object_]:
    """Each pixel box clipped to ``geom`` (boxes inside it are kept as they are)."""
    out = boxes.copy()
    shapely.prepare(geom)
    inside = shapely.contains_properly(geom, boxes)
    need = np.flatnonzero(~inside)
    if need.size:
        keys, inv = np.unique((rows[need] // TILE) * (1 << 31) + cols[need] // TILE,
                              return_inverse=True)
        tiles = pixel_boxes(keys // (1 << 31), keys % (1 << 31), t @ Affine.scale(TILE))
        out[need] = clip_to_boxes(clip_to_tiles(geom, tiles)[inv.ravel()], boxes[need])
    return out


def clip_to_boxes(pieces: NDArray[np.object_], boxes: NDArray[np.object_]
                  ) -> NDArray[np.object_]:
    """Each piece clipped to its box: rectangle clipping (about twice as fast as a
    general overlay on pixels), with the exact overlay where that gives an invalid shape."""
    b = shapely.bounds(boxes)
    try:  # GEOS's rectangle clipping, each piece by its own box, in one call
        out = np.asarray(shapely.lib.clip_by_rect(pieces, b[:, 0], b[:, 1], b[:, 2], b[:, 3]),
                         dtype=object)
    except (TypeError, AttributeError):  # pragma: no cover - a shapely without it
        out = np.empty(boxes.size, dtype=object)
        out[:] = [shapely.clip_by_rect(p, *r) for p, r in
                  zip(pieces.tolist(), b.tolist(), strict=True)]
    bad = ~shapely.is_valid(out)
    if bad.any():
        out[bad] = shapely.intersection(boxes[bad], pieces[bad])
    return out


def centre_mask(geom: BaseGeometry, shape: tuple[int, int], t: Affine) -> NDArray[np.bool_]:
    from rasterio import features

    if geom.is_empty:
        return np.zeros(shape, dtype=bool)
    return features.rasterize([(geom, 1)], out_shape=shape, transform=t, fill=0,
                              dtype="uint8").astype(bool)


def boundary_pixels(b: BaseGeometry, r0: int, r1: int, width: int,
                    t: Affine) -> NDArray[np.int64]:
    """Sorted linear indices (row * width + col) of pixels in rows r0..r1 touched by lines
    ``b`` (rasterized with ``all_touched``).

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
    ok = (rr >= r0) & (rr < r1) & (cc >= 0) & (cc < width)
    return np.unique(rr[ok] * width + cc[ok])


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
