"""Derived lines: hypothetical withdrawal lines between a line and a land border.

The built-in ``withdrawal-phases`` plan needs lines that leave about 40% and 15% of
the Strip under Israeli control. No official map of those phases was found, so they are
generated here by a documented, reproducible method:

1. The *land border* is the part of the territory's outline on the far side of the
   line (east of the yellow line), less the coast: the boundary of the eastern part
   with everything within 50 m of the line removed; its longest piece, ordered like
   the line (north to south).
2. Both the line and the border are resampled at ``n`` points evenly spaced along
   their length; the phase line at fraction ``t`` joins the points
   ``(1 - t) * line(s) + t * border(s)``. ``t = 0`` is the line itself, ``t = 1`` the
   border.
3. The ends are extended 2 km outwards (collinearly), so the line cuts the territory.
4. ``t`` is found by bisection so that the part on the border's side covers the target
   share of the territory's area (in the projected area CRS).
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from zoneplan.geometry import compass_to_hand, side_of_line

__all__ = ["border_beyond", "interpolate_line", "line_for_share", "share_beyond"]

EXTEND_M = 2000.0


def border_beyond(territory: BaseGeometry, line: LineString, side: str = "east") -> LineString:
    """The territory's outline on ``side`` of ``line``, without the line itself."""
    parts = list(split(territory, line).geoms)
    hand = compass_to_hand(side, line)  # type: ignore[arg-type]
    far = [p for p in parts if side_of_line(p.representative_point(), line) == hand]
    far_part = max(far, key=lambda p: p.area)
    ring = far_part.exterior.difference(line.buffer(50.0))
    pieces = list(getattr(ring, "geoms", [ring]))
    merged = shapely.line_merge(shapely.MultiLineString(pieces))
    border = max(getattr(merged, "geoms", [merged]), key=lambda g: g.length)
    start = shapely.Point(line.coords[0])
    if shapely.Point(border.coords[-1]).distance(start) < shapely.Point(
            border.coords[0]).distance(start):
        border = shapely.reverse(border)
    return border


def _resample(line: LineString, n: int) -> np.ndarray:
    d = np.linspace(0.0, line.length, n)
    pts = shapely.line_interpolate_point(line, d)
    return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])


def _extend(xy: np.ndarray, by: float) -> np.ndarray:
    def ext(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        v = a - b
        return a + v / np.hypot(*v) * by

    return np.vstack([ext(xy[0], xy[1]), xy, ext(xy[-1], xy[-2])])


def interpolate_line(line: LineString, border: LineString, t: float, *, n: int = 40,
                     extend_m: float = EXTEND_M) -> LineString:
    """The line a fraction ``t`` of the way from ``line`` to ``border`` (projected)."""
    xy = (1.0 - t) * _resample(line, n) + t * _resample(border, n)
    return LineString(_extend(xy, extend_m))


def share_beyond(territory: BaseGeometry, line: LineString, side: str = "east") -> float:
    """Share of the territory's area on ``side`` of ``line`` (0-1)."""
    hand = compass_to_hand(side, line)  # type: ignore[arg-type]
    parts = split(territory, line).geoms
    area = sum(p.area for p in parts if side_of_line(p.representative_point(), line) == hand)
    return float(area / territory.area)


def line_for_share(territory: BaseGeometry, line: LineString, target: float, *,
                   side: str = "east", tol: float = 1e-4, crs: CRS | None = None) -> LineString:
    """The interpolated line leaving ``target`` of the territory on ``side`` (projected).

    Examples
    --------
    >>> from shapely.geometry import box, LineString
    >>> terr = box(0, 0, 10_000, 10_000)
    >>> ln = LineString([(5_000, 10_500), (5_000, -500)])
    >>> out = line_for_share(terr, ln, 0.25)
    >>> round(share_beyond(terr, out), 3)
    0.25
    """
    del crs
    border = border_beyond(territory, line, side)
    lo, hi = 0.0, 0.999
    mid = 0.0
    for _ in range(60):
        mid = (lo + hi) / 2
        cand = interpolate_line(line, border, mid)
        if share_beyond(territory, cand, side) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return interpolate_line(line, border, (lo + hi) / 2)


def builtin_phase_lines() -> dict[str, list[tuple[float, float]]]:
    """Regenerate the lines of the built-in ``withdrawal-phases`` plan (lon/lat, 5 decimals)."""
    from zoneplan import pack
    from zoneplan.geometry import area_crs_for, project, to_lonlat

    crs = area_crs_for(pack.outline())
    terr = project(pack.outline(), crs)
    yl = project(pack.yellow_line(), crs)
    out = {}
    for share, name in ((0.40, "phase-2-line"), (0.15, "phase-3-line")):
        ln = to_lonlat(line_for_share(terr, yl, share), crs)
        out[name] = [(round(x, 5), round(y, 5)) for x, y in ln.coords]
    return out
