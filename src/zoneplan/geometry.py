"""Geometry helpers: choosing an area CRS, projecting, repairing, sides of a line.

All areas and distances in zoneplan are computed in a projected CRS chosen from the
territory (the UTM zone of its centroid), never in degrees.
"""

from __future__ import annotations

import functools
import warnings
from typing import Literal

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import GeometryError, GeometryRepairedWarning

__all__ = [
    "WGS84",
    "area_crs_for",
    "lonlat_of",
    "project",
    "repair",
    "side_of_line",
    "to_lonlat",
]

WGS84 = CRS.from_epsg(4326)
Side = Literal["east", "west", "north", "south", "left", "right"]


def area_crs_for(geom_lonlat: BaseGeometry) -> CRS:
    """The projected CRS zoneplan measures a territory in: the UTM zone of its centroid.

    Parameters
    ----------
    geom_lonlat
        The territory in WGS 84 longitude/latitude.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> area_crs_for(Point(34.4, 31.4).buffer(0.1)).to_epsg()
    32636
    """
    c = geom_lonlat.centroid
    return _utm_crs(round(c.x, 6), round(c.y, 6))


@functools.lru_cache(maxsize=64)
def _utm_crs(lon: float, lat: float) -> CRS:
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:  # pragma: no cover - only near the poles
        return CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    # prefer the plain "WGS 84 / UTM zone NN[N|S]" code
    infos = sorted(infos, key=lambda i: (not i.name.startswith("WGS 84 / UTM"), i.code))
    return CRS.from_epsg(int(infos[0].code))


def _transformer(src: CRS, dst: CRS) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def project(geom: BaseGeometry, crs: CRS, *, src: CRS = WGS84) -> BaseGeometry:
    """Project a shapely geometry from ``src`` (default WGS 84 lon/lat) into ``crs``."""
    if src.equals(crs):
        return geom
    t = _transformer(src, crs)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom: BaseGeometry, crs: CRS) -> BaseGeometry:
    """Project a shapely geometry from ``crs`` back to WGS 84 lon/lat."""
    return project(geom, WGS84, src=crs)


def lonlat_of(point: BaseGeometry, crs: CRS) -> tuple[float, float]:
    """Longitude and latitude (degrees) of a projected point, for messages."""
    p = to_lonlat(point, crs)
    return (round(p.x, 5), round(p.y, 5))


def repair(geom: BaseGeometry, *, what: str, crs: CRS | None = None) -> BaseGeometry:
    """Return a valid geometry, warning where the input was invalid.

    Parameters
    ----------
    geom
        The geometry to check.
    what
        How to name it in the warning (``"territory"``, ``"zone 'green'"``).
    crs
        CRS of ``geom`` if projected, so the warning can give lon/lat.
    """
    if geom.is_valid:
        return geom
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    if isinstance(fixed, shapely.GeometryCollection):
        polys = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(polys) if polys else fixed
    warnings.warn(
        f"{what} had invalid geometry ({reason}); it was repaired with shapely.make_valid. "
        "Check the result near that place.",
        GeometryRepairedWarning,
        stacklevel=3,
    )
    return fixed


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
