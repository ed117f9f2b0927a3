"""Coordinate reference systems: the projected CRS areas are measured in, and projection.

All areas and distances in zoneplan are computed in a projected CRS chosen from the
territory (the UTM zone of its centroid), never in degrees. CRSs are compared with
:meth:`pyproj.CRS.equals`, never as strings.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

__all__ = ["WGS84", "area_crs_for", "lonlat_of", "project", "project_all", "to_lonlat",
           "transform_xy"]

WGS84 = CRS.from_epsg(4326)


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
    """WGS 84 / UTM zone of a point (EPSG 326NN north, 327NN south), worked out from its
    longitude as the EPSG areas of use define the zones (6° bands from 180° W; on a
    band's edge the lower zone; the equator counts as north), without a query of the
    PROJ database (60 ms). Beyond UTM's latitudes (84° N, 80° S): a Lambert azimuthal
    equal-area projection centred on the point."""
    if not -80.0 <= lat <= 84.0:
        return CRS.from_proj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    if not -180.0 <= lon <= 180.0:
        lon = (lon + 180.0) % 360.0 - 180.0
    band = (lon + 180.0) / 6.0
    zone = int(np.ceil(band)) if band > 0 else 1  # a band's edge belongs to the lower zone
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + min(max(zone, 1), 60))


class _Made(threading.local):
    """Transformers made so far in one thread, by pair of CRS definitions."""

    def __init__(self) -> None:
        self.made: dict[tuple[str, str], Transformer] = {}


_TRANSFORMERS = _Made()
"""Transformers made so far, per thread (pyproj's are not to be shared between threads)."""


def _transformer(src: CRS, dst: CRS) -> Transformer:
    """The lon/lat-ordered transformer from ``src`` to ``dst``, made once per thread and
    pair of CRS definitions (making one takes about a quarter of a millisecond)."""
    made = _TRANSFORMERS.made
    key = (src.srs, dst.srs)
    t = made.get(key) if all(key) else None
    if t is None:
        t = Transformer.from_crs(src, dst, always_xy=True)
        if all(key) and len(made) < 64:
            made[key] = t
    return t


def project(geom: BaseGeometry, crs: CRS, *, src: CRS = WGS84) -> BaseGeometry:
    """Project a shapely geometry from ``src`` (default WGS 84 lon/lat) into ``crs``."""
    if src is crs or src.equals(crs):
        return geom
    t = _transformer(src, crs)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def project_all(geoms: Sequence[BaseGeometry], crs: CRS, *, src: CRS = WGS84
                ) -> list[BaseGeometry]:
    """Project many shapely geometries at once (one call to PROJ for all their points).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> [round(p.x) for p in project_all([Point(33, 0), Point(39, 0)], CRS.from_epsg(32636))]
    [500000, 1168882]
    """
    if src is crs or src.equals(crs) or not len(geoms):
        return list(geoms)
    t = _transformer(src, crs)
    out = shapely.transform(np.asarray(geoms, dtype=object),
                            lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    return list(out)


def transform_xy(x: NDArray[np.float64], y: NDArray[np.float64], crs: CRS, *,
                 src: CRS = WGS84) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coordinates ``x``, ``y`` (arrays in ``src``) in ``crs``, with the transformer made
    once per thread."""
    if src is crs or src.equals(crs):
        return x, y
    tx, ty = _transformer(src, crs).transform(x, y)
    return np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)


def to_lonlat(geom: BaseGeometry, crs: CRS) -> BaseGeometry:
    """Project a shapely geometry from ``crs`` back to WGS 84 lon/lat."""
    return project(geom, WGS84, src=crs)


def lonlat_of(point: BaseGeometry, crs: CRS) -> tuple[float, float]:
    """Longitude and latitude (degrees) of a projected point, for messages."""
    p = to_lonlat(point, crs)
    return (round(p.x, 5), round(p.y, 5))
