"""The exact area of a polygon inside each of many axis-aligned boxes, by numpy.

What ``shapely.area(shapely.intersection(boxes, polygon))`` gives, without building an
intersection per box: the Monte Carlo draws' grid (:mod:`zoneplan.measure.grids.band`)
shares the square cells a drawn line crosses between the zones this way.

The method. Project the plane onto a box ``B`` by clamping each coordinate into the
box's range (the nearest point of ``B``). For a point ``q`` inside ``B`` the segment
from any point ``p`` to its projection stays outside ``B``'s interior, so moving the
polygon's boundary onto its projection never crosses ``q``: the projected boundary
winds around ``q`` as the boundary does. The area of polygon and box in common is
therefore the area the projected boundary encloses, ``∮ x dy`` in coordinates with the
origin at the box's lower left corner. Within a boundary edge, between the places it
crosses the box's four side lines, the projection is affine: its image is the segment
between the projected ends of that piece. An edge wholly left of the box projects onto
the left side (``x = 0``), one wholly below or above onto a side where ``dy = 0``: they
add nothing, so only edges meeting the strip from the box to the right (``x > x0``,
``y0 < y < y1``) are worked through.

This is as exact as GEOS's intersection and area: both sum products of coordinates
once per edge piece, differing in rounding only (a few units in the last place of a
box's area; ``tests/test_box_areas.py`` checks against GEOS).

Examples
--------
A 2 x 2 square with a 1 x 1 hole, against a box over its right half and one beyond it:

>>> from shapely.geometry import Polygon
>>> square = Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], [[(0.5, 0.5), (1.5, 0.5),
...                  (1.5, 1.5), (0.5, 1.5)]])
>>> box_areas(square, np.array([1.0, 3.0]), np.array([0.0, 0.0]),
...           np.array([2.0, 4.0]), np.array([2.0, 2.0])).tolist()
[1.5, 0.0]
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["boundary_edges", "box_areas", "box_areas_met", "is_box"]


def boundary_edges(polygon: BaseGeometry) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The edges of a (multi)polygon's rings, each ring turned so that the polygon lies
    on its left (outer rings anticlockwise, holes clockwise).

    Returns
    -------
    edges
        (n, 4) array of x0, y0, x1, y1 (the polygon's coordinate units).
    sign
        +1 where the edge runs as the ring is stored, -1 where the ring is turned.
    """
    parts = shapely.get_parts(polygon)
    parts = parts[~shapely.is_empty(parts)]
    if parts.size == 0:
        return np.empty((0, 4)), np.empty(0)
    rings = shapely.get_rings(parts)
    outer = np.zeros(rings.size, dtype=bool)
    starts = np.cumsum(shapely.get_num_interior_rings(parts) + 1) - \
        (shapely.get_num_interior_rings(parts) + 1)
    outer[starts] = True
    ccw = shapely.is_ccw(rings)
    ring_sign = np.where(outer == ccw, 1.0, -1.0)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    edges = np.hstack([xy[:-1], xy[1:]])[same]
    return edges, ring_sign[ring[:-1][same]]


def is_box(cells: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Whether each polygon is exactly its bounding box (four corners, in ring order,
    no hole): a square cell the territory's edge did not clip."""
    n = cells.size
    out = np.zeros(n, dtype=bool)
    simple = (shapely.get_num_coordinates(cells) == 5) & \
        (shapely.get_num_interior_rings(cells) == 0) & \
        (shapely.get_type_id(cells) == 3)
    idx = np.flatnonzero(simple)
    if idx.size == 0:
        return out
    xy = shapely.get_coordinates(cells[idx]).reshape(idx.size, 5, 2)
    b = shapely.bounds(cells[idx])
    on_x = (xy[:, :4, 0] == b[:, [0]]) | (xy[:, :4, 0] == b[:, [2]])
    on_y = (xy[:, :4, 1] == b[:, [1]]) | (xy[:, :4, 1] == b[:, [3]])
    step = xy[:, 1:] != xy[:, :-1]  # each side changes exactly one coordinate
    one = step[:, :, 0] != step[:, :, 1]
    closed = (xy[:, 0] == xy[:, 4]).all(axis=1)
    flat = (b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])
    out[idx] = on_x.all(axis=1) & on_y.all(axis=1) & one.all(axis=1) & closed & flat
    return out


def _strip_pairs(edges: NDArray[np.float64], x0: NDArray[np.float64],
                 y0: NDArray[np.float64], x1: NDArray[np.float64], y1: NDArray[np.float64]
                 ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Every (box, edge) pair with the edge meeting the strip from the box to the right:
    ``max x > x0``, ``min y < y1``, ``max y > y0`` (the others add nothing).

    The boxes are sorted by ``y0`` once; the boxes an edge's y range can meet are then a
    run of them (from ``min y`` less the tallest box to ``max y``, by binary search),
    and only those are tested, with the comparisons above."""
    lo_y = np.minimum(edges[:, 1], edges[:, 3])
    hi_y = np.maximum(edges[:, 1], edges[:, 3])
    hi_x = np.maximum(edges[:, 0], edges[:, 2])
    order = np.argsort(y0, kind="stable")
    ys = y0[order]
    tall = float(np.max(y1 - y0))
    first = np.searchsorted(ys, lo_y - tall, side="left")
    count = np.maximum(np.searchsorted(ys, hi_y, side="left") - first, 0)
    total = int(count.sum())
    e = np.repeat(np.arange(len(edges), dtype=np.intp), count)
    start = first - (np.cumsum(count) - count)
    box = order[np.repeat(start, count) + np.arange(total, dtype=np.intp)]
    keep = (hi_x[e] > x0[box]) & (lo_y[e] < y1[box]) & (hi_y[e] > y0[box])
    return box[keep].astype(np.intp, copy=False), e[keep]


def box_areas(polygon: BaseGeometry | tuple[NDArray[np.float64], NDArray[np.float64]],
              x0: NDArray[np.float64], y0: NDArray[np.float64], x1: NDArray[np.float64],
              y1: NDArray[np.float64]) -> NDArray[np.float64]:
    """Area of ``polygon`` inside each box ``[x0, x1] x [y0, y1]`` (square units of the
    coordinates; m² in a projected CRS).

    Parameters
    ----------
    polygon
        A valid Polygon or MultiPolygon, or its :func:`boundary_edges`.
    x0, y0, x1, y1
        The boxes' corners (``x0 < x1``, ``y0 < y1``), one entry per box.

    Returns
    -------
    ndarray
        The area in common with each box, ``>= 0`` up to rounding (a negative
        rounding residue of a box the polygon only touches is possible).
    """
    return box_areas_met(polygon, x0, y0, x1, y1)[0]


def box_areas_met(polygon: BaseGeometry | tuple[NDArray[np.float64], NDArray[np.float64]],
                  x0: NDArray[np.float64], y0: NDArray[np.float64],
                  x1: NDArray[np.float64], y1: NDArray[np.float64]
                  ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """:func:`box_areas`, and whether the polygon's boundary passes through each box's
    interior (an edge crossing it, not only touching its sides): where it does not, the
    box lies wholly inside the polygon or wholly outside (``>= 0`` areas exactly 0 or
    the box's, up to rounding)."""
    edges, sign = boundary_edges(polygon) if not isinstance(polygon, tuple) else polygon
    m = x0.size
    met = np.zeros(m, dtype=bool)
    if m == 0 or edges.shape[0] == 0:
        return np.zeros(m), met
    box, e = _strip_pairs(edges, x0, y0, x1, y1)
    if box.size == 0:
        return np.zeros(m), met
    ex0, ey0, ex1, ey1 = edges.T
    sx, sy = (x1 - x0)[box], (y1 - y0)[box]
    ax, ay = ex0[e] - x0[box], ey0[e] - y0[box]  # the box's lower left corner at 0, 0
    bx, by = ex1[e] - x0[box], ey1[e] - y0[box]
    dx, dy = bx - ax, by - ay
    # where the edge crosses the lines x = 0, x = w, y = 0, y = h: breaks in (0, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.stack([-ax / dx, (sx - ax) / dx, -ay / dy, (sy - ay) / dy], axis=1)
    cross[~((cross > 0.0) & (cross < 1.0))] = 1.0  # not within the edge: no break
    t = np.sort(np.hstack([np.zeros((box.size, 1)), cross, np.ones((box.size, 1))]),
                axis=1)
    end = t == 1.0
    px = np.where(end, bx[:, None], ax[:, None] + t * dx[:, None])
    py = np.where(end, by[:, None], ay[:, None] + t * dy[:, None])
    np.minimum(np.maximum(px, 0.0, out=px), sx[:, None], out=px)  # onto the box
    np.minimum(np.maximum(py, 0.0, out=py), sy[:, None], out=py)
    part = ((px[:, :-1] + px[:, 1:]) * (py[:, 1:] - py[:, :-1])).sum(axis=1)
    # an edge passes through the box's interior where a piece of it between two breaks
    # runs inside (its middle strictly within both ranges)
    tm = 0.5 * (t[:, :-1] + t[:, 1:])
    cx = ax[:, None] + tm * dx[:, None]
    cy = ay[:, None] + tm * dy[:, None]
    inside = ((cx > 0.0) & (cx < sx[:, None]) & (cy > 0.0) & (cy < sy[:, None])
              & (t[:, 1:] > t[:, :-1])).any(axis=1)
    met[box[inside]] = True
    return np.asarray(np.bincount(box, weights=0.5 * part * sign[e], minlength=m),
                      dtype=np.float64), met
