"""Sides of a line: left/right of its direction, compass sides, and moving a line sideways."""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import GeometryError

__all__ = ["Side", "compass_to_hand", "extend_line", "offset_line", "side_of_line"]

Side = Literal["east", "west", "north", "south", "left", "right"]
"""A side of a line: a compass side, or left/right walking along it."""


def _left_normal_mean(line: shapely.LineString) -> tuple[float, float]:
    xy = np.asarray(line.coords)
    d = np.diff(xy, axis=0)
    # left normal of (dx, dy) is (-dy, dx); weight by segment length (already in d)
    return float(-d[:, 1].sum()), float(d[:, 0].sum())


def side_of_line(point: BaseGeometry, line: shapely.LineString) -> Literal["left", "right"]:
    """Whether ``point`` lies left or right of ``line``, walking along it.

    Uses the segment nearest to the point.

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> side_of_line(Point(-1, 0), LineString([(0, -5), (0, 5)]))
    'left'
    """
    d = line.project(point)
    eps = min(1.0, line.length / 1e6) or 1e-9
    a = line.interpolate(max(d - eps, 0.0))
    b = line.interpolate(min(d + eps, line.length))
    if a.equals(b):  # degenerate; fall back to first segment
        a, b = shapely.Point(line.coords[0]), shapely.Point(line.coords[1])
    cross = (b.x - a.x) * (point.y - a.y) - (b.y - a.y) * (point.x - a.x)
    return "left" if cross > 0 else "right"


def compass_to_hand(side: Side, line: shapely.LineString) -> Literal["left", "right"]:
    """Translate a compass side (east, west, ...) of a line to left/right of its direction.

    Raises
    ------
    GeometryError
        If the line runs so that the compass side is ambiguous.
    """
    if side in ("left", "right"):
        return side
    nx, ny = _left_normal_mean(line)
    comp = {"east": nx, "west": -nx, "north": ny, "south": -ny}[side]
    if abs(comp) < 1e-9 * max(line.length, 1.0):
        raise GeometryError(
            f"cannot tell which side of the line is {side}: the line runs that way",
            suggestion="use side 'left' or 'right' (walking along the line), or a point "
            "inside the zone",
        )
    return "left" if comp > 0 else "right"


def offset_line(line: shapely.LineString, distance_m: float, towards: Side) -> shapely.LineString:
    """Move a projected line sideways by ``distance_m`` metres towards a side.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> offset_line(LineString([(0, 0), (0, 10)]), 2.0, "west").coords[0]
    (-2.0, 0.0)
    """
    hand = compass_to_hand(towards, line)
    d = distance_m if hand == "left" else -distance_m
    moved = shapely.offset_curve(line, d, join_style="mitre", mitre_limit=5.0)
    if moved.geom_type == "MultiLineString":
        moved = max(moved.geoms, key=lambda g: g.length)
    return moved


def extend_line(line: shapely.LineString, by_m: float) -> shapely.LineString:
    """The line with its first and last segments extended by ``by_m`` metres each,
    straight on (a line moved sideways can end inside a territory it crossed before).

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> list(extend_line(LineString([(0, 0), (0, 10)]), 5.0).coords)
    [(0.0, -5.0), (0.0, 15.0)]
    """
    xy = np.asarray(line.coords, dtype=float)
    if len(xy) < 2 or by_m <= 0:
        return line
    for end, nxt in ((0, 1), (-1, -2)):
        d = xy[end] - xy[nxt]
        n = float(np.hypot(*d))
        if n > 0:
            xy[end] = xy[end] + d / n * by_m
    return shapely.LineString(xy)
