"""Checking the lines and polygons a user gives, in one place.

Every way a user's geometry reaches zoneplan goes through these checks: the coordinates
of a plan file (through the plan model's validators), ``evaluate(line_overrides=...)``
and the editor's JSON API. A check that fails raises :class:`~zoneplan.errors.GeometryError`
saying which feature, which point and what to do; GEOS errors on user geometry are turned
into the same error by :func:`geos_errors`.

Coordinates are ``[longitude, latitude]`` in degrees (WGS 84).

Examples
--------
>>> check_line([[34.4, 31.4], [34.5, 31.5]], what="line 'cut'").length > 0
True
>>> check_line([[34.4, 31.4]], what="line 'cut'")
Traceback (most recent call last):
...
zoneplan.errors.GeometryError: line 'cut' has 1 point; it needs 2 or more
  → add a point: a line runs from one point to another
>>> check_line([[34.4, float("nan")], [34.5, 31.5]], what="line 'cut'")
Traceback (most recent call last):
...
zoneplan.errors.GeometryError: line 'cut', point 0: expected [longitude, ... got [34.4, nan]
  → write each point as [longitude, latitude] in degrees, e.g. [34.45, 31.5]
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import GeometryError

__all__ = ["FLAT_RATIO", "LAT_LIMIT_DEG", "LON_LIMIT_DEG", "MAX_OFFSET_M", "MAX_PLAN_POINTS",
           "NEAR_TERRITORY_DEG",
           "check_line", "check_near", "check_points", "check_ring", "crossing_point",
           "geos_errors"]

LON_LIMIT_DEG = 180.0
"""Longitudes lie within ``-LON_LIMIT_DEG .. LON_LIMIT_DEG`` degrees."""
LAT_LIMIT_DEG = 90.0
"""Latitudes lie within ``-LAT_LIMIT_DEG .. LAT_LIMIT_DEG`` degrees."""
NEAR_TERRITORY_DEG = 1.0
"""How far (degrees, about 100 km) a user's point may lie outside the territory's
bounding box. Areas are measured in the UTM zone of the territory, which distorts
little within a few hundred kilometres of it; a point farther away is a slip (swapped or
mistyped coordinates), and one near the poles or the antimeridian cannot be projected."""
MAX_OFFSET_M = 100_000.0
"""Largest distance (metres, 100 km) a line variant may move a line. It is wider than
any territory zoneplan is meant for: a larger figure is a unit slip (kilometres written
as metres, or a misplaced exponent)."""
MAX_PLAN_POINTS = 10_000
"""Most points of one line or polygon written in a plan. The Strip's outline has about
1,100 points and the digitised yellow line 33; a line with a point every 10 m along a
100 km border has 10,000. A plan is read by a YAML reader written in Python: a line of
100,000 points took 12 s of CPU to read (and to be refused), where a file of the same
geometry is read by GDAL in a blink. Longer geometry belongs in a file named by the
plan, or simplified."""
FLAT_RATIO = 1e-9
"""A polygon whose area is less than this fraction of its perimeter squared has no area
to speak of: its corners lie on one line (up to the rounding of their decimals)."""
_COORD_DIGITS = 9
"""Decimal places (degrees; about 0.1 mm) to which points are compared when looking for
the place where a line crosses itself."""

_POINT_HINT = "write each point as [longitude, latitude] in degrees, e.g. [34.45, 31.5]"
_SWAP_HINT = "coordinates are [longitude, latitude], WGS 84 — are they swapped?"
_RANGE_HINT = ("coordinates are [longitude, latitude] in degrees (WGS 84): longitude within "
               "-180..180, latitude within -90..90")


def _deg(v: float) -> str:
    """A coordinate as written, without float noise (``179.9999``, ``1e+308``)."""
    return f"{v:.10g}"


def _number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) \
        and math.isfinite(float(v))


def _point(p: Any) -> tuple[float, float] | None:
    """``p`` as two floats, or None if it is not a pair of finite numbers."""
    if isinstance(p, (str, bytes)) or not isinstance(p, (Sequence, np.ndarray)):
        return None
    if len(p) != 2 or not all(_number(v) for v in p):
        return None
    return float(p[0]), float(p[1])


def _show(p: Any) -> str:
    """A point as the user wrote it, short enough for a message."""
    text = repr(list(p)) if isinstance(p, (tuple, list, np.ndarray)) else repr(p)
    return text if len(text) <= 80 else text[:77] + "..."


def check_points(points: Any, *, what: str) -> list[tuple[float, float]]:
    """Check ``[lon, lat]`` pairs: two finite numbers each, within ±180 and ±90 degrees.

    Parameters
    ----------
    points
        A sequence of ``[longitude, latitude]`` pairs, degrees (WGS 84).
    what
        How to name the feature in messages (``"line 'yellow-line'"``).

    Returns
    -------
    list of (float, float)
        The points, as floats.

    Raises
    ------
    GeometryError
        Naming the first bad point, its index and what is wrong with it.

    Examples
    --------
    >>> check_points([[34.5, 31.5]], what="zone 'a' point")
    [(34.5, 31.5)]
    >>> check_points([[34.4, 31.4], [34.5, 131.5]], what="line 'cut'")
    Traceback (most recent call last):
    ...
    zoneplan.errors.GeometryError: line 'cut', point 1: [34.5, 131.5] ... 131.5 is outside -90..90
      → coordinates are [longitude, latitude], WGS 84 — are they swapped?
    """
    if isinstance(points, (str, bytes, dict)) or not isinstance(points, (Sequence, np.ndarray)):
        raise GeometryError(f"{what}: expected a list of [longitude, latitude] points, got "
                            f"{_show(points)}", suggestion=_POINT_HINT)
    out: list[tuple[float, float]] = []
    for i, p in enumerate(points):
        label = f"{what}, point {i}:" if len(points) > 1 else f"{what}:"
        xy = _point(p)
        if xy is None:
            raise GeometryError(f"{label} expected [longitude, latitude] as two finite "
                                f"numbers, got {_show(p)}", suggestion=_POINT_HINT)
        lon, lat = xy
        bad = (f"longitude {_deg(lon)} is outside -{LON_LIMIT_DEG:g}..{LON_LIMIT_DEG:g}"
               if abs(lon) > LON_LIMIT_DEG else
               f"latitude {_deg(lat)} is outside -{LAT_LIMIT_DEG:g}..{LAT_LIMIT_DEG:g}"
               if abs(lat) > LAT_LIMIT_DEG else "")
        if bad:
            swappable = abs(lon) <= LAT_LIMIT_DEG and abs(lat) <= LON_LIMIT_DEG
            raise GeometryError(f"{label} [{_deg(lon)}, {_deg(lat)}] is not a "
                                f"longitude/latitude in degrees: {bad}",
                                suggestion=_SWAP_HINT if swappable else _RANGE_HINT)
        out.append(xy)
    return out


def crossing_point(geom: BaseGeometry) -> tuple[float, float] | None:
    """A place (x, y) where a line crosses or touches itself, or None if it does not.

    Examples
    --------
    >>> crossing_point(LineString([(0, 0), (2, 2), (2, 0), (0, 2)]))
    (1.0, 1.0)
    >>> crossing_point(LineString([(0, 0), (1, 1)])) is None
    True
    """
    noded = shapely.get_coordinates(shapely.node(geom))
    uniq, counts = np.unique(np.round(noded, _COORD_DIGITS), axis=0, return_counts=True)
    coords = shapely.get_coordinates(geom)
    ends = {tuple(np.round(coords[0], _COORD_DIGITS)), tuple(np.round(coords[-1], _COORD_DIGITS))}
    for xy, n in zip(uniq, counts, strict=True):
        if n > 2 or (n > 1 and tuple(xy) not in ends):
            return float(xy[0]), float(xy[1])
    return None


def _near_place(xy: tuple[float, float] | None) -> str:
    return f" near lon {xy[0]:.5f}, lat {xy[1]:.5f}" if xy else " (it runs back along itself)"


def check_line(points: Any, *, what: str, near: tuple[float, ...] | None = None,
               max_points: int | None = None) -> LineString:
    """Check a line of ``[lon, lat]`` points and return it as a LineString.

    Parameters
    ----------
    points
        ``[[lon, lat], ...]``, degrees (WGS 84).
    what
        How to name the line in messages (``"line 'yellow-line'"``).
    near
        ``(minx, miny, maxx, maxy)`` of the territory, degrees: points more than
        :data:`NEAR_TERRITORY_DEG` outside it are refused (see :func:`check_near`).
    max_points
        Most points accepted, if there is a limit.

    Returns
    -------
    LineString
        The line, with repeated consecutive points dropped.

    Raises
    ------
    GeometryError
        For a point that is not a longitude/latitude, fewer than two distinct points, too
        many points, a point far from the territory, or a line that crosses itself (the
        message says where).

    Examples
    --------
    >>> check_line([[34.3, 31.6], [34.5, 31.3], [34.5, 31.5], [34.3, 31.3]], what="line 'x'")
    Traceback (most recent call last):
    ...
    zoneplan.errors.GeometryError: line 'x' crosses itself near lon 34.42000, lat 31.42000
      → move the points so that the line does not loop back over itself
    """
    n = len(points) if isinstance(points, (Sequence, np.ndarray)) else 0
    if max_points is not None and n > max_points:
        raise GeometryError(f"{what} has {n} points; it needs 2 to {max_points}",
                            suggestion="simplify the line")
    pts = check_points(points, what=what)
    if len(pts) < 2:
        raise GeometryError(f"{what} has {len(pts)} point{'s' if len(pts) != 1 else ''}; it "
                            f"needs 2 or more", suggestion="add a point: a line runs from one "
                            "point to another")
    distinct = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
    if len(distinct) < 2:
        raise GeometryError(f"{what} has all its points in one place",
                            suggestion="spread the points out: a line needs two different "
                            "points")
    if near is not None:
        check_near(distinct, near, what=what)
    line = LineString(distinct)
    if not line.is_simple:
        raise GeometryError(f"{what} crosses itself{_near_place(crossing_point(line))}",
                            suggestion="move the points so that the line does not loop back "
                            "over itself")
    return line


def check_ring(points: Any, *, what: str, near: tuple[float, ...] | None = None,
               max_points: int | None = None) -> Polygon:
    """Check a polygon ring of ``[lon, lat]`` points and return the polygon.

    The ring may be closed (last point equal to the first) or not.

    Parameters
    ----------
    points
        ``[[lon, lat], ...]``, degrees (WGS 84).
    what
        How to name the polygon in messages (``"zone 'a'"``).
    near
        The territory's bounds, degrees, as for :func:`check_line`.
    max_points
        Most points accepted, if there is a limit.

    Raises
    ------
    GeometryError
        For a point that is not a longitude/latitude, fewer than three distinct points, too
        many points, no area, or a ring that crosses itself (the message says where).

    Examples
    --------
    >>> check_ring([[0, 0], [2, 2], [2, 0], [0, 2]], what="zone 'a'")
    Traceback (most recent call last):
    ...
    zoneplan.errors.GeometryError: zone 'a' crosses itself near lon 1.00000, lat 1.00000
      → redraw the polygon so that its edges do not cross: list its corners in order around it
    """
    n = len(points) if isinstance(points, (Sequence, np.ndarray)) else 0
    if max_points is not None and n > max_points:
        raise GeometryError(f"{what} has {n:,} points; a polygon here has at most "
                            f"{max_points:,}", suggestion="simplify the polygon, or keep it in "
                            "a file and name the file")
    pts = check_points(points, what=what)
    distinct = list(dict.fromkeys(pts))
    if len(distinct) < 3:
        raise GeometryError(f"{what} has {len(distinct)} distinct point"
                            f"{'s' if len(distinct) != 1 else ''}; a polygon needs at least "
                            "three points", suggestion="list the corners of the polygon, at "
                            "least three")
    if near is not None:
        check_near(distinct, near, what=what)
    ring = pts if pts[0] == pts[-1] else [*pts, pts[0]]
    poly = Polygon(ring)
    hull = shapely.MultiPoint(distinct).convex_hull
    flat = hull.area <= FLAT_RATIO * hull.length ** 2
    if poly.is_valid and not flat:
        return poly
    xy = crossing_point(poly.exterior)
    if flat:
        raise GeometryError(f"{what} has no area: its points lie on one line",
                            suggestion="list the corners of the polygon in order around it")
    raise GeometryError(f"{what} crosses itself{_near_place(xy)}",
                        suggestion="redraw the polygon so that its edges do not cross: "
                        "list its corners in order around it")


def check_near(points: Any, bounds: tuple[float, ...], *, what: str) -> None:
    """Refuse points more than :data:`NEAR_TERRITORY_DEG` outside a bounding box.

    Parameters
    ----------
    points
        ``(lon, lat)`` pairs (degrees), or a geometry whose coordinates are checked.
    bounds
        ``(minx, miny, maxx, maxy)`` of the territory, degrees.
    what
        How to name the feature in messages.

    Raises
    ------
    GeometryError
        Naming the first point too far away; if the point with its coordinates swapped
        would lie near the territory, the suggestion says so.

    Examples
    --------
    >>> check_near([(34.4, 31.4), (31.4, 34.4)], (34.2, 31.2, 34.6, 31.6), what="line 'x'")
    Traceback (most recent call last):
    ...
    zoneplan.errors.GeometryError: line 'x', point 1: [31.4, 34.4] lies more ... the territory
      → coordinates are [longitude, latitude], WGS 84 — are they swapped?
    """
    xy = shapely.get_coordinates(points) if isinstance(points, BaseGeometry) \
        else np.asarray(points, dtype=float).reshape(-1, 2)
    minx, miny, maxx, maxy = bounds
    d = NEAR_TERRITORY_DEG

    def inside(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return (x >= minx - d) & (x <= maxx + d) & (y >= miny - d) & (y <= maxy + d)

    far = ~inside(xy[:, 0], xy[:, 1])
    if not far.any():
        return
    i = int(np.argmax(far))
    swapped = bool(inside(xy[far, 1], xy[far, 0]).all())
    label = f"{what}, point {i}:" if len(xy) > 1 else f"{what}:"
    raise GeometryError(
        f"{label} [{_deg(xy[i, 0])}, {_deg(xy[i, 1])}] lies more than {d:g}° (about "
        "100 km) outside the territory",
        suggestion=_SWAP_HINT if swapped else "move the point back near the territory, or "
        "check that the feature and the territory are the same place")


@contextlib.contextmanager
def geos_errors(what: str, *, path: str | None = None, location: str | None = None,
                ) -> Iterator[None]:
    """Turn a GEOS error on a user's geometry into a :class:`GeometryError` naming it.

    Parameters
    ----------
    what
        The feature (``"zone 'a'"``).
    path, location
        The plan file and the place in it (``"line 12, column 5"``), if known.

    Examples
    --------
    >>> with geos_errors("line 'x'"):
    ...     _ = shapely.linestrings([[0, 0]])
    Traceback (most recent call last):
    ...
    zoneplan.errors.GeometryError: line 'x' cannot be measured (GEOS: IllegalArgumentException: ...)
      → check its coordinates: [longitude, latitude] in degrees, ... edges that do not cross
    """
    try:
        yield
    except shapely.errors.GEOSException as exc:
        raise GeometryError(
            f"{what} cannot be measured (GEOS: {str(exc).strip()})", path=path, location=location,
            suggestion="check its coordinates: [longitude, latitude] in degrees, at least two "
            "distinct points, edges that do not cross") from exc
