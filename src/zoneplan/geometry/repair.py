"""Repairing invalid geometry, saying where it was repaired."""

from __future__ import annotations

import warnings

import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import GeometryRepairedWarning

__all__ = ["repair"]


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
