"""Straight segments of lines: exact point-to-segment distances, and segments as lines.

Used to find the cells near a line (:meth:`zoneplan.measure.grids.cells.CellGrid.near_fractions`)
and the cells a cut crosses, segment by segment.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["box_pairs", "distance_to_segments", "measured_pairs", "near_boxes", "pair_distance",
           "segment_lines", "segments"]


def segments(lines: list[BaseGeometry]) -> NDArray[np.float64]:
    """All segments of the lines as an (n, 4) array x0, y0, x1, y1."""
    out = []
    for ln in lines:
        for part in getattr(ln, "geoms", [ln]):
            xy = np.asarray(part.coords)[:, :2]
            if len(xy) >= 2:
                out.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(out) if out else np.empty((0, 4))


def box_pairs(x: NDArray[np.float64], y: NDArray[np.float64], segs: NDArray[np.float64],
               reach: float, order: NDArray[np.intp] | None = None
               ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Every (point, segment) pair with the point inside the segment's bounding box grown
    by ``reach``: point indices and segment indices, grouped by segment.

    The points are sorted by x once; each box's x range is then a run of them (found by
    binary search with the same comparisons, ``>=`` and ``<=``, a loop over the boxes
    would make), and only the points of that run are tested in y. The pairs are the ones
    a test of every point against every box gives, in a fraction of the time.
    """
    x0 = np.minimum(segs[:, 0], segs[:, 2]) - reach
    x1 = np.maximum(segs[:, 0], segs[:, 2]) + reach
    y0 = np.minimum(segs[:, 1], segs[:, 3]) - reach
    y1 = np.maximum(segs[:, 1], segs[:, 3]) + reach
    if order is None:
        order = np.argsort(x, kind="stable")
    xs = x[order]
    lo = np.searchsorted(xs, x0, side="left")  # first point with x >= x0
    hi = np.searchsorted(xs, x1, side="right")  # past the last point with x <= x1
    count = np.maximum(hi - lo, 0)
    total = int(count.sum())
    seg = np.repeat(np.arange(len(segs), dtype=np.intp), count)
    start = np.asarray(lo, dtype=np.intp) - (np.cumsum(count) - count)
    pt = order[np.repeat(start, count) + np.arange(total, dtype=np.intp)]
    py = y[pt]
    keep = (py >= y0[seg]) & (py <= y1[seg])
    return pt[keep].astype(np.intp, copy=False), seg[keep]


def near_boxes(x: NDArray[np.float64], y: NDArray[np.float64], segs: NDArray[np.float64],
                reach: float) -> NDArray[np.intp]:
    """Indices (ascending) of points inside any segment's bounding box grown by
    ``reach``."""
    if segs.size == 0 or x.size == 0:
        return np.empty(0, dtype=np.intp)
    hit = np.zeros(x.size, dtype=bool)
    hit[box_pairs(x, y, segs, reach)[0]] = True
    return np.flatnonzero(hit)


def distance_to_segments(x: NDArray[np.float64], y: NDArray[np.float64],
                          segs: NDArray[np.float64], reach: float = np.inf, *,
                          x_order: NDArray[np.intp] | None = None) -> NDArray[np.float64]:
    """Exact distance (metres) from each point to the nearest segment.

    Points farther than ``reach`` from every segment get ``inf``; each segment is only
    measured against the points inside its bounding box grown by ``reach``. All
    (point, segment) pairs are measured at once, each with the same arithmetic as one
    segment at a time (projection clipped to the segment, then the Euclidean distance),
    and the smallest kept per point: the result does not depend on the order.
    ``x_order``: the points sorted by x (``np.argsort(x)``), if the caller keeps it.
    """
    out = np.full(x.size, np.inf)
    pt, _, dist = measured_pairs(x, y, segs, reach, x_order=x_order)
    if pt.size:
        np.minimum.at(out, pt, dist)
    return out


def measured_pairs(x: NDArray[np.float64], y: NDArray[np.float64],
                   segs: NDArray[np.float64], reach: float = np.inf, *,
                   x_order: NDArray[np.intp] | None = None
                   ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """The (point, segment) pairs :func:`distance_to_segments` measures (each point in
    the segment's bounding box grown by ``reach``; every pair when ``reach`` is
    infinite) and their exact distances (metres), for a caller that needs the pairs too.

    Returns
    -------
    pt, seg, dist
        Point indices, segment indices and distances, one entry per pair.
    """
    if segs.size == 0 or x.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0)
    if np.isfinite(reach):
        pt, seg = box_pairs(x, y, segs, reach, x_order)
    else:
        pt = np.tile(np.arange(x.size, dtype=np.intp), len(segs))
        seg = np.repeat(np.arange(len(segs), dtype=np.intp), x.size)
    if pt.size == 0:
        return pt, seg, np.empty(0)
    return pt, seg, pair_distance(x[pt], y[pt], segs, seg)


def pair_distance(px: NDArray[np.float64], py: NDArray[np.float64],
                  segs: NDArray[np.float64], seg: NDArray[np.intp]) -> NDArray[np.float64]:
    """Exact distance (metres) from each point ``(px[i], py[i])`` to segment
    ``segs[seg[i]]``: the projection clipped to the segment, then the Euclidean distance
    (the arithmetic of :func:`distance_to_segments`, pair by pair)."""
    ax, ay, bx, by = (segs[:, c] for c in range(4))
    dx, dy = bx - ax, by - ay
    ll = dx * dx + dy * dy
    sax, say, sdx, sdy, sll = ax[seg], ay[seg], dx[seg], dy[seg], ll[seg]
    t = np.zeros(seg.size)
    flat = sll > 0  # a segment of no length: its start (t = 0)
    np.divide((px - sax) * sdx + (py - say) * sdy, sll, out=t, where=flat)
    np.clip(t, 0.0, 1.0, out=t)
    ex = px - (sax + t * sdx)
    ey = py - (say + t * sdy)
    return np.asarray(np.sqrt(ex * ex + ey * ey), dtype=np.float64)


def segment_lines(geom: BaseGeometry) -> list[BaseGeometry]:
    """The two-point segments of a line or ring, as LineStrings."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = geom.boundary
    out: list[BaseGeometry] = []
    for part in shapely.get_parts(geom):
        xy = shapely.get_coordinates(part)
        if len(xy) >= 2:
            out.extend(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    return out
