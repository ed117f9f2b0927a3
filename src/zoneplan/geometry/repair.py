"""Repairing invalid geometry and keeping the polygonal parts of zones, saying where.

A zone or a territory is an area: a Polygon or a MultiPolygon. Files, clipping and
``make_valid`` can give more: a GeometryCollection of polygons with points or lines
that have no area (where a zone touches the territory's edge, for instance).
:func:`polygonal` keeps the polygons and counts what it dropped; :class:`DroppedParts`
gathers the drops of many features and says them in one
:class:`~zoneplan.errors.PartsDroppedWarning`, naming the features.

Examples
--------
>>> from shapely.geometry import GeometryCollection, LineString, Point, box
>>> geom, dropped = polygonal(GeometryCollection([box(0, 0, 1, 1), LineString([(1, 0),
...                                              (2, 0)]), Point(5, 5)]))
>>> geom.geom_type, geom.area, dropped
('Polygon', 1.0, {'line': 1, 'point': 1})
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import GeometryRepairedWarning, PartsDroppedWarning

__all__ = ["DroppedParts", "describe_dropped", "polygonal", "repair"]

_POLYGONAL = ("Polygon", "MultiPolygon")
_KIND = {shapely.GeometryType.POINT: "point", shapely.GeometryType.MULTIPOINT: "point",
         shapely.GeometryType.LINESTRING: "line", shapely.GeometryType.LINEARRING: "line",
         shapely.GeometryType.MULTILINESTRING: "line"}
_LISTED = 5
"""Features named one by one in a warning; the rest are counted."""


def polygonal(geom: BaseGeometry | None) -> tuple[BaseGeometry, dict[str, int]]:
    """The polygonal parts of a geometry, and how many parts without area were dropped.

    Parameters
    ----------
    geom
        Any geometry (a GeometryCollection, nested or not), or ``None``.

    Returns
    -------
    BaseGeometry
        A Polygon or MultiPolygon: the geometry itself when it is one already, else the
        union of its polygons (an empty Polygon when it has none).
    dict of str to int
        Non-empty parts dropped, by kind (``"point"``, ``"line"``); empty when nothing
        was dropped.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> polygonal(LineString([(0, 0), (1, 1)]))
    (<POLYGON EMPTY>, {'line': 1})
    >>> polygonal(None)
    (<POLYGON EMPTY>, {})
    """
    if geom is None:
        return Polygon(), {}
    if geom.geom_type in _POLYGONAL:
        return geom, {}
    parts = np.asarray(shapely.get_parts(geom))
    while True:  # collections inside collections
        nested = shapely.get_type_id(parts) == shapely.GeometryType.GEOMETRYCOLLECTION
        if not nested.any():
            break
        parts = np.concatenate([parts[~nested], shapely.get_parts(parts[nested])])
    parts = parts[~shapely.is_empty(parts)]
    types = shapely.get_type_id(parts)
    is_poly = np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    dropped = Counter(_KIND.get(shapely.GeometryType(t), "other") for t in types[~is_poly])
    polys = list(parts[is_poly])
    if not polys:
        return Polygon(), dict(sorted(dropped.items()))
    out = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    if out.geom_type not in _POLYGONAL:  # the union of polygons is one, unless empty
        out = Polygon()
    return out, dict(sorted(dropped.items()))


def describe_dropped(dropped: dict[str, int]) -> str:
    """Parts dropped, in words.

    Examples
    --------
    >>> describe_dropped({"line": 6, "point": 1})
    '6 lines and 1 point'
    """
    words = [f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(dropped.items()) if n]
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)


class DroppedParts:
    """Parts without area dropped from many features, said in one warning.

    Parameters
    ----------
    where
        What the features are and where they come from (``"the zones file z.geojson"``).
    noun
        What each is called in the message (``"feature"``, ``"zone"``).
    why
        Where the parts came from, for the message (default: none said).

    Examples
    --------
    >>> import warnings
    >>> from shapely.geometry import GeometryCollection, Point, box
    >>> log = DroppedParts("the zones file z.geojson")
    >>> _ = log.keep("feature 3 ('Rafah')", GeometryCollection([box(0, 0, 1, 1), Point(9, 9)]))
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     log.warn()
    >>> print(w[0].message)
    the zones file z.geojson: 1 feature held parts with no area, which were dropped (its \
polygons are kept): feature 3 ('Rafah'): 1 point
    """

    def __init__(self, where: str, *, noun: str = "feature", why: str = "") -> None:
        self.where = where
        self.noun = noun
        self.why = why
        self.features: list[tuple[str, dict[str, int]]] = []

    def keep(self, name: str, geom: BaseGeometry | None) -> BaseGeometry:
        """The polygonal parts of ``geom`` (see :func:`polygonal`), noting what was dropped
        from the feature ``name``."""
        out, dropped = polygonal(geom)
        if dropped:
            self.features.append((name, dropped))
        return out

    def warn(self, *, stacklevel: int = 2) -> None:
        """Issue one :class:`~zoneplan.errors.PartsDroppedWarning` naming the features
        (the first few, and how many more), if anything was dropped."""
        if not self.features:
            return
        n = len(self.features)
        listed = "; ".join(f"{name}: {describe_dropped(d)}" for name, d in
                           self.features[:_LISTED])
        more = f"; and {n - _LISTED} more" if n > _LISTED else ""
        total = Counter[str]()
        for _, d in self.features:
            total.update(d)
        summary = f" ({describe_dropped(dict(total))} in all)" if n > _LISTED else ""
        warnings.warn(
            f"{self.where}: {n} {self.noun}{'s' if n != 1 else ''} held parts with no area, "
            f"which were dropped{self.why} ({'their' if n != 1 else 'its'} polygons are "
            f"kept): {listed}{more}{summary}",
            PartsDroppedWarning, stacklevel=stacklevel + 1)


def repair(geom: BaseGeometry, *, what: str, crs: CRS | None = None) -> BaseGeometry:
    """Return a valid geometry, warning where the input was invalid.

    A polygonal input stays polygonal: parts without area that ``make_valid`` leaves (a
    spike becomes a line) are dropped, and the warning says so.

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
    dropped: dict[str, int] = {}
    if fixed.geom_type not in _POLYGONAL:
        polys, dropped = polygonal(fixed)
        if not polys.is_empty or geom.geom_type in _POLYGONAL:
            fixed = polys
    lost = f", dropping {describe_dropped(dropped)} with no area" if dropped else ""
    warnings.warn(
        f"{what} had invalid geometry ({reason}); it was repaired with shapely.make_valid"
        f"{lost}. Check the result near that place.",
        GeometryRepairedWarning,
        stacklevel=3,
    )
    return fixed
