"""Straight segments of lines: exact point-to-segment distances, and segments as lines.

Used to find the cells near a line (:meth:`zoneplan.measure.grids.cells.CellGrid.near_fractions`)
and the cells a cut crosses, segment by segment.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["distance_to_segments", "near_boxes", "segment_lines", "segments"]


def segments(lines: list[BaseGeometry]) -> NDArray[np.float64]:
    """All segments of the lines as an (n, 4) array x0, y0, x1, y1."""
    out = []
    for ln in lines:
        for part in getattr(ln, "geoms", [ln]):
            xy = np.asarray(part.coords)[:, :2]
            if len(xy) >= 2:
                out.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(out) if out else np.empty((0, 4))


def near_boxes(x: NDArray[np.float64], y: NDArray[np.float64], segs: NDArray[np.float64],
                reach: float) -> NDArray[np.intp]:
    """Indices of points inside any segment's bounding box grown by ``reach``."""
    hit = np.zeros(x.size, dtype=bool)
    x0 = np.minimum(segs[:, 0], segs[:, 2]) - reach
    x1 = np.maximum(segs[:, 0], segs[:, 2]) + reach
    y0 = np.minimum(segs[:, 1], segs[:, 3]) - reach
    y1 = np.maximum(segs[:, 1], segs[:, 3]) + reach
    for k in range(len(segs)):
        hit |= (x >= x0[k]) & (x <= x1[k]) & (y >= y0[k]) & (y <= y1[k])
    return np.flatnonzero(hit)


def distance_to_segments(x: NDArray[np.float64], y: NDArray[np.float64],
                          segs: NDArray[np.float64], reach: float = np.inf) -> NDArray[np.float64]:
    """Exact distance (metres) from each point to the nearest segment.

    Points farther than ``reach`` from every segment get ``inf``; each segment is only
    measured against the points inside its bounding box grown by ``reach``.
    """
    out = np.full(x.size, np.inf)
    if segs.size == 0 or x.size == 0:
        return out
    for ax, ay, bx, by in segs:
        if np.isfinite(reach):
            sel = np.flatnonzero((x >= min(ax, bx) - reach) & (x <= max(ax, bx) + reach)
                                 & (y >= min(ay, by) - reach) & (y <= max(ay, by) + reach))
            if sel.size == 0:
                continue
            px, py = x[sel], y[sel]
        else:
            sel = slice(None)  # type: ignore[assignment]
            px, py = x, y
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / ll, 0.0, 1.0) if ll > 0 else 0.0
        ex = px - (ax + t * dx)
        ey = py - (ay + t * dy)
        out[sel] = np.minimum(out[sel], np.sqrt(ex * ex + ey * ey))
    return out


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
