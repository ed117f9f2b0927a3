"""Shares of raster cells inside polygons: exact, for all zones at once.

The measuring behind :class:`~zoneplan.measure.grids.raster_grid.RasterGrid`'s
:meth:`~zoneplan.measure.grids.raster_grid.RasterGrid.fractions` (zones),
:meth:`~zoneplan.measure.grids.raster_grid.RasterGrid.coverage` and ``near_fractions`` (one
polygon), on the pixel coverage of :mod:`zoneplan.measure.grids.coverage`: pixels a boundary
passes through get their exact share; the rest lie wholly inside or outside, decided by
their centre in one rasterisation. Pixels cut by the territory's edge are measured
against their part inside the territory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.measure.grids.cells import Fractions, cell_groups, find_sorted, match_sorted
from zoneplan.measure.grids.coverage import (
    StripLabels,
    boundary_coverage,
    boundary_coverage_parts,
    line_pixels,
)
from zoneplan.measure.grids.pixels import STRIP_PIXELS, release_freed_memory, strips

if TYPE_CHECKING:
    from zoneplan.measure.grids.raster_grid import RasterGrid

__all__ = ["SNAP_PIXEL_FRACTION", "WHOLE_TOLERANCE", "cells_at", "polygon_share_pieces",
           "polygon_shares",
           "zone_fractions"]


LABEL_CHUNK = 1 << 18
"""Cells labelled at a time from a strip's rasterised zones (bounded temporaries)."""

WHOLE_TOLERANCE = 1e-10
"""A measured share of a cell within this of 0 or 1 (rounding in the exact
measurement) counts as 0 or 1, so a cell wholly in one zone is not listed as cut."""


def zone_fractions(grid: RasterGrid, zones: list[BaseGeometry], cuts: list[BaseGeometry],
                   *, covered: bool = False) -> Fractions:
    """Share of each cell in each of a set of non-overlapping zones (exact).

    All zones are measured together (:mod:`zoneplan.measure.grids.coverage`), so the work
    grows with the pixels and the zones' boundary length, not with pixels x zones:

    * a pixel no zone boundary passes through lies wholly in the zone holding its
      centre (one rasterisation of all zones per strip of rows);
    * a pixel cut by the territory's edge and by none of ``cuts`` (the lines and
      polygon edges the zones were cut along) lies wholly in the zone holding a
      point inside its part in the territory (as in
      :meth:`~zoneplan.measure.grids.cells.CellGrid.fractions`; this keeps slivers left by
      reprojecting zones out of the shares);
    * every other pixel a zone boundary passes through gets its exact share of each
      such zone, relative to its part inside the territory (the zones lie within
      the territory: they were cut from it). On a raster in another CRS than the
      zones, a pixel cut by both the territory's edge and a cut is overlaid with the
      reprojected zones; with ``covered`` every cut pixel's shares are then scaled to
      add up to the whole of its part inside the territory. (Where two zone edges, or
      a zone edge and the territory's edge, meet at a point that is a corner of one
      polygon only, the point is reckoned in the area CRS and lies a few millimetres
      off the other's edge as drawn in the raster's CRS: the reprojected zones leave
      slivers out, or overlap, and the people there would be lost or counted twice.)

    On a :attr:`~zoneplan.measure.grids.raster_grid.RasterGrid.windowed` grid (a
    subset, for the editor) the zones' boundaries are followed only through its window:
    the shares equal a full pass's to rounding, not to the last bit (see the ``window``
    of :func:`~zoneplan.measure.grids.coverage.boundary_coverage`).

    Parameters
    ----------
    grid
        The raster's cells.
    zones
        Zone polygons in the grid's area CRS, not overlapping.
    cuts
        Lines and polygon edges the zones were cut along (area CRS).
    covered
        The zones cover the whole territory (no remainder): every cell's part inside it
        is shared among the zones in full.
    """
    geoms = [grid.to_raster(z) for z in zones]
    n, w = len(grid), grid.width
    zone_of: NDArray[np.signedinteger] = np.full(  # 1 byte per cell below 127 zones
        n, -1, dtype=np.int8 if len(zones) < 2**7 - 1 else
        np.int16 if len(zones) < 2**15 else np.int32)
    if n == 0 or not zones:
        e = np.empty(0)
        return Fractions(n_zones=len(zones), zone_of=zone_of,
                         cut_cell=e.astype(np.intp), cut_zone=e.astype(np.int32),
                         cut_frac=e)
    r_lo, r_hi = 0, grid.height
    labels = StripLabels(_in_window(grid, geoms) if grid.windowed else geoms)
    for r0, r1 in strips(r_hi - r_lo, w):  # cells by the zone holding their centre
        a, b = find_sorted(grid.lin, np.array([r0 * w, r1 * w]))
        if a == b:
            continue
        label = labels((r1 - r0, w), grid.transform @ Affine.translation(0, r0))
        flat = label.ravel()
        for c in range(a, b, LABEL_CHUNK):  # bounded temporaries, not 3 x 8 MB a strip
            d = min(c + LABEL_CHUNK, b)
            zone_of[c:d] = flat[grid.lin[c:d] - r0 * w] - 1
        del label, flat
    # batch by batch, temporaries let go as soon as used: on a fine raster, thousands of
    # zones have a million boundary pixels, and only 20 of each one's 32 bytes are kept
    kept: tuple[list[NDArray[Any]], ...] = ([], [], [])
    window = (0, grid.height, 0) if grid.windowed else None
    for k, row, col, share in boundary_coverage_parts(geoms, grid.transform, window=window):
        ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < w)
        px = row[ok] * w + col[ok]
        del row, col
        pos, hit = match_sorted(grid.lin, px)
        del px
        kept[0].append(pos[hit].astype(np.intp))
        del pos
        kept[1].append(k[ok][hit].astype(np.int32))
        del k
        kept[2].append(share[ok][hit])
        del share, ok, hit
    cell, zone, frac = (_joined(kept[0], np.intp), _joined(kept[1], np.int32),
                        _joined(kept[2], np.float64))
    del kept
    if grid.edge.size and cell.size:  # shares of the part inside the territory
        epos, ehit = match_sorted(grid.edge, cell)
        crossed = _crossed(grid, cuts, cell[ehit])
        _, by_cut = match_sorted(crossed, cell)
        del crossed
        by_point = ehit & ~by_cut
        if grid.raster_crs.equals(grid.area_crs):  # the zones lie within the territory
            frac[ehit] = frac[ehit] / grid.edge_frac[epos[ehit]]
        else:  # reprojected zones may stray past its edge: overlay with the cell's part
            at = np.flatnonzero(ehit & by_cut)
            eg = grid.edge_geoms[epos[at]]
            part = _overlay(eg, np.asarray(geoms, dtype=object)[zone[at]], grid)
            frac[at] = shapely.area(part) / shapely.area(eg)
        del epos, ehit, by_cut
        keep = ~by_point
        del by_point
        cell = cell[keep]  # one column copied at a time: the old one goes as the
        zone = zone[keep]  # new is bound (1.4 million entries at 16,000 zones on a
        frac = frac[keep]  # 10 m raster, 11 MB a column)
        del keep
        zone_of[grid.edge] = _zone_of_points(geoms, grid._edge_rx, grid._edge_ry)
    np.clip(frac, 0.0, 1.0, out=frac)  # frac is this function's own array
    frac[frac < WHOLE_TOLERANCE] = 0.0
    frac[frac > 1.0 - WHOLE_TOLERANCE] = 1.0
    zone_of[cell] = -1  # cut cells
    live = frac > 0
    cell = cell[live]
    zone = zone[live]
    frac = frac[live]
    del live
    # per cell: shares add up to at most the cell (reprojected zones can overlap by a
    # sliver; zones that do not overlap never exceed it), and to all of it where the
    # zones cover the territory but were reprojected (they leave slivers between them
    # and at the territory's edge); a cell is wholly in a zone only when no other zone
    # has a share of it
    _, inv, alone = cell_groups(cell)
    total = np.bincount(inv, weights=frac)
    if covered and not grid.raster_crs.equals(grid.area_crs):
        total[total <= 0] = 1.0
    else:
        total = np.maximum(total, 1.0)
    frac /= total[inv]  # frac is this function's own copy
    del total, inv
    whole = (frac >= 1.0) & alone
    del alone
    zone_of[cell[whole]] = zone[whole]
    # the strips' temporaries handed back, before the sums that follow; a grid of one
    # strip or less (the editor's patches) frees little, and that took 1 ms per update
    if n > STRIP_PIXELS:
        release_freed_memory()
    part_of = ~whole
    del whole
    cell = cell[part_of]
    zone = zone[part_of]
    frac = frac[part_of]
    return Fractions(n_zones=len(zones), zone_of=zone_of, cut_cell=cell, cut_zone=zone,
                     cut_frac=frac)


def _joined(parts: list[NDArray[Any]], dtype: type) -> NDArray[Any]:
    """``parts`` joined end to end (empty, of ``dtype``, when there are none); the list is
    emptied, so the parts are let go as soon as joined."""
    out = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
    parts.clear()
    return out


SNAP_PIXEL_FRACTION = 1e-9
"""Where GEOS cannot overlay a pixel's part with a reprojected polygon even once the
polygon is made valid (edges that nearly coincide, as a zone's along the territory's
edge), the overlay is made with coordinates snapped to this fraction of a pixel's side
(a share changes by a few parts in a billion)."""


def _overlay(parts: NDArray[np.object_], geoms: Any, grid: RasterGrid) -> NDArray[np.object_]:
    """``parts`` (pixels' parts inside the territory) intersected with ``geoms`` (one
    polygon, or one each; raster CRS), element by element. A polygon reprojected into
    the raster's CRS can come out invalid (parts or edges that nearly touch now
    cross): where the overlay fails, it is made again with the polygon made valid,
    then snapped to :data:`SNAP_PIXEL_FRACTION` of a pixel."""
    try:
        return np.asarray(shapely.intersection(parts, geoms))
    except shapely.errors.GEOSException:
        pass
    size = SNAP_PIXEL_FRACTION * min(abs(grid.transform.a), abs(grid.transform.e))
    others = np.broadcast_to(np.asarray(geoms, dtype=object), parts.shape)
    out = np.empty(parts.size, dtype=object)
    for i, (a, b) in enumerate(zip(parts.tolist(), others.tolist(), strict=True)):
        try:
            out[i] = shapely.intersection(a, b)
        except shapely.errors.GEOSException:
            b = shapely.make_valid(b)
            try:
                out[i] = shapely.intersection(a, b)
            except shapely.errors.GEOSException:
                out[i] = shapely.intersection(a, b, grid_size=size)
    return out


def polygon_shares(grid: RasterGrid, geom: BaseGeometry
                   ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Cells covered by ``geom`` (raster CRS) and the exact covered share of each, all
    strips together (see :func:`polygon_share_pieces`)."""
    parts = list(polygon_share_pieces(grid, geom))
    if not parts:
        return np.empty(0, dtype=np.intp), np.empty(0)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def polygon_share_pieces(grid: RasterGrid, geom: BaseGeometry
                         ) -> Iterator[tuple[NDArray[np.intp], NDArray[np.float64]]]:
    """Cells covered by ``geom`` (raster CRS) and the exact covered share of each, strip
    by strip (ascending cells; at most :data:`~zoneplan.measure.grids.pixels.STRIP_PIXELS`
    pixels at a time, so a wide polygon on a fine raster needs little memory).

    Pixels the polygon's boundary passes through get their exact share
    (:func:`~zoneplan.measure.grids.coverage.boundary_coverage`; for pixels also cut by the
    territory's edge, of their part inside the territory, by overlay); the others lie
    wholly inside or outside, decided by their centre (one rasterisation of the
    polygon's bounding window per strip). On a
    :attr:`~zoneplan.measure.grids.raster_grid.RasterGrid.windowed` grid the boundary is
    followed only through its window, as in :func:`zone_fractions`.
    """
    t, w = grid.transform, grid.width
    _, row, col, share = boundary_coverage(
        [geom], t, window=(0, grid.height, 0) if grid.windowed else None)
    bnd = cells_at(grid, row, col)
    ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < w)
    pos, hit = match_sorted(grid.lin, row[ok] * w + col[ok])
    frac = np.zeros(bnd.size)
    frac[np.searchsorted(bnd, pos[hit])] = share[ok][hit]
    del row, col, share, pos, hit
    epos, ehit = match_sorted(grid.edge, bnd)
    if ehit.any():  # cut by the territory's edge too: the part inside it, by overlay
        eg = grid.edge_geoms[epos[ehit]]
        frac[ehit] = shapely.area(_overlay(eg, geom, grid)) / shapely.area(eg)
    frac = np.clip(frac, 0.0, 1.0)
    frac[frac > 1.0 - WHOLE_TOLERANCE] = 1.0
    minx, miny, maxx, maxy = geom.bounds
    inv = ~t
    corners = [inv @ (x, y) for x in (minx, maxx) for y in (miny, maxy)]
    r_lo = max(int(np.floor(min(c[1] for c in corners))) - 1, 0)
    r_hi = min(int(np.ceil(max(c[1] for c in corners))) + 1, grid.height)
    c_lo = max(int(np.floor(min(c[0] for c in corners))) - 1, 0)
    c_hi = min(int(np.ceil(max(c[0] for c in corners))) + 1, w)
    if c_hi <= c_lo or r_hi <= r_lo:
        return
    shapely.prepare(geom)
    labels = StripLabels(_in_window(grid, [geom]) if grid.windowed else [geom])
    for r0, r1 in strips(r_hi - r_lo, c_hi - c_lo):
        r0, r1 = r0 + r_lo, r1 + r_lo
        a, b = find_sorted(grid.lin, np.array([r0 * w, r1 * w]))
        if a == b:
            continue
        # the polygon's columns within these rows, and the cells there, row by row
        c0, c1 = _columns(geom, t, r0, r1, c_lo, c_hi)
        if c1 <= c0:
            inner = np.empty(0, dtype=np.intp)
        else:
            rows_r = np.arange(r0, r1, dtype=np.int64)
            starts = find_sorted(grid.lin, rows_r * w + c0).astype(np.int64)
            n_row = find_sorted(grid.lin, rows_r * w + c1).astype(np.int64) - starts
            cells = (np.arange(int(n_row.sum()), dtype=np.int64)
                     + np.repeat(starts - (np.cumsum(n_row) - n_row), n_row))
            lin = grid.lin[cells].astype(np.int64)
            label = labels((r1 - r0, c1 - c0), t @ Affine.translation(c0, r0))
            rows = lin // w
            inner = cells[label[rows - r0, lin - rows * w - c0] > 0].astype(np.intp)
            del label, lin, rows, cells
        ba, bb = np.searchsorted(bnd, [a, b])
        b_idx, b_frac = bnd[ba:bb], frac[ba:bb]
        _, on_bnd = match_sorted(b_idx, inner)
        inner = inner[~on_bnd]
        live = b_frac >= WHOLE_TOLERANCE
        idx = np.concatenate([inner, b_idx[live]])
        val = np.concatenate([np.ones(inner.size), b_frac[live]])
        order = np.argsort(idx, kind="stable")
        yield idx[order], val[order]


WINDOW_MARGIN = 2
"""Pixels each way a polygon is kept beyond a grid's window when only the window's
pixels are labelled (:func:`_in_window`)."""


def _in_window(grid: RasterGrid, geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """``geoms`` (raster CRS) clipped to the grid's window, :data:`WINDOW_MARGIN` pixels
    wider each way, to label the window's pixels by their centre: the rasteriser's work
    grows with the rows times the edges it is handed, and a pixel centre in the window
    lies in a clipped polygon exactly when it lies in the polygon (the clipped edges
    keep the polygon's vertices inside the box; only the new ones on the box's sides,
    :data:`WINDOW_MARGIN` pixels away, are worked out). A clip GEOS's rectangle
    clipping leaves invalid is made by the exact overlay."""
    t, m = grid.transform, WINDOW_MARGIN
    xs = (t.c - m * t.a, t.c + (grid.width + m) * t.a)
    ys = (t.f - m * t.e, t.f + (grid.height + m) * t.e)
    rect = (min(xs), min(ys), max(xs), max(ys))
    out = []
    for g in geoms:
        clipped = shapely.clip_by_rect(g, *rect)
        if not clipped.is_valid:
            clipped = shapely.intersection(g, shapely.box(*rect))
        out.append(clipped)
    return out


def _columns(geom: BaseGeometry, t: Affine, r0: int, r1: int, c_lo: int, c_hi: int
             ) -> tuple[int, int]:
    """The columns (first, one past the last) of ``geom``'s part in rows ``r0``-``r1``
    of a north-up raster, within ``c_lo``-``c_hi``, with a pixel's margin."""
    xa, xb = t.c + c_lo * t.a, t.c + c_hi * t.a
    ya, yb = t.f + r0 * t.e, t.f + r1 * t.e
    part = shapely.clip_by_rect(geom, min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
    if part.is_empty:
        return 0, 0
    x0, _, x1, _ = part.bounds
    ca, cb = sorted(((x0 - t.c) / t.a, (x1 - t.c) / t.a))
    return max(int(np.floor(ca)) - 1, c_lo), min(int(np.ceil(cb)) + 1, c_hi)


def cells_at(grid: RasterGrid, row: NDArray[np.int64], col: NDArray[np.int64]) -> NDArray[np.intp]:
    """Cells (ascending) at the given pixels; pixels outside the territory are skipped."""
    ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    lin = np.unique(row[ok] * grid.width + col[ok])
    pos, hit = match_sorted(grid.lin, lin)
    return pos[hit].astype(np.intp)

def _crossed(grid: RasterGrid, cuts: list[BaseGeometry], cells: NDArray[np.intp]
             ) -> NDArray[np.intp]:
    """Cells (ascending) a cut passes through, among them all of ``cells`` that one does.

    Only the cuts whose bounding box comes within a pixel of a block of
    :data:`NEAR_BLOCK` x :data:`NEAR_BLOCK` pixels holding one of ``cells`` are followed
    pixel by pixel (a cut's pixels are its own, whatever other cuts there are): zones drawn
    as thousands of polygons mostly lie away from the territory's edge."""
    live = np.empty(len(cuts), dtype=object)
    live[:] = [grid.to_raster(c) for c in cuts]
    live = live[~shapely.is_empty(live)] if live.size else live
    if live.size == 0 or cells.size == 0:
        return np.empty(0, dtype=np.intp)
    t, w, h = grid.transform, grid.width, grid.height
    lin = grid.lin[cells].astype(np.int64)
    rows = lin // w
    # blocks holding a cell, counted in a summed-area table
    nb_r, nb_c = h // NEAR_BLOCK + 1, w // NEAR_BLOCK + 1
    occupied = np.zeros((nb_r + 1, nb_c + 1), dtype=np.int64)
    occupied[rows // NEAR_BLOCK + 1, (lin - rows * w) // NEAR_BLOCK + 1] = 1
    table = occupied.cumsum(axis=0).cumsum(axis=1)
    # each cut's bounding box in pixels, a pixel wider each way, in blocks
    b = shapely.bounds(live)
    cx = np.sort([(b[:, 0] - t.c) / t.a, (b[:, 2] - t.c) / t.a], axis=0)
    ry = np.sort([(b[:, 1] - t.f) / t.e, (b[:, 3] - t.f) / t.e], axis=0)
    c0 = np.clip(np.floor(cx[0]) - 1, 0, w - 1).astype(np.int64) // NEAR_BLOCK
    c1 = np.clip(np.floor(cx[1]) + 1, 0, w - 1).astype(np.int64) // NEAR_BLOCK + 1
    r0 = np.clip(np.floor(ry[0]) - 1, 0, h - 1).astype(np.int64) // NEAR_BLOCK
    r1 = np.clip(np.floor(ry[1]) + 1, 0, h - 1).astype(np.int64) // NEAR_BLOCK + 1
    held = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    return cells_at(grid, *line_pixels(list(live[held > 0]), t))


NEAR_BLOCK = 16
"""Side (pixels) of the blocks :func:`_crossed` tells cuts near the territory's edge by."""


def _zone_of_points(geoms: list[BaseGeometry], x: NDArray[np.float64],
                    y: NDArray[np.float64]) -> NDArray[np.int32]:
    """Index of the first zone containing each point (raster CRS), or -1."""
    out = np.full(x.size, -1, dtype=np.int32)
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = [None if g.is_empty else g for g in geoms]
    zk, pi = shapely.STRtree(shapely.points(x, y)).query(arr, predicate="contains")
    order = np.lexsort((zk, pi))
    zk, pi = zk[order], pi[order]
    first = np.ones(pi.size, dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    out[pi[first]] = zk[first]
    return out
