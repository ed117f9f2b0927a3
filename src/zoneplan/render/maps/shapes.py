"""Shapely geometries as matplotlib artists, directly (no GeoDataFrame per draw).

Polygons become one compound path each, exterior rings counter-clockwise and holes
clockwise so the nonzero fill rule keeps the holes empty; lines become a
``LineCollection``. Also where to write a polygon's label (:func:`label_point`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["fill_geometry", "fill_many", "geometry_path", "label_point", "line_boxes",
           "plot_lines"]


def _polygons(geom: BaseGeometry) -> list[Any]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _lines(geom: BaseGeometry) -> list[Any]:
    if geom.is_empty:
        return []
    if geom.geom_type in ("LineString", "LinearRing"):
        return [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _lines(g)]


def geometry_path(geom: BaseGeometry) -> Path | None:
    """All polygon rings of ``geom`` as one path (``None`` when it has no area).

    Exterior rings are made counter-clockwise and holes clockwise, so the nonzero
    fill rule leaves the holes empty.
    """
    paths = []
    for poly in _polygons(geom):
        rings = [np.asarray(poly.exterior.coords)]
        if poly.exterior.is_ccw is False:
            rings[0] = rings[0][::-1]
        for hole in poly.interiors:
            h = np.asarray(hole.coords)
            rings.append(h[::-1] if hole.is_ccw else h)
        for r in rings:
            codes = np.full(len(r), Path.LINETO, dtype=np.uint8)
            codes[0], codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            paths.append(Path(r, codes))
    return Path.make_compound_path(*paths) if paths else None


def fill_geometry(ax: Axes, geom: BaseGeometry, **kw: Any) -> PathPatch | None:
    """Fill a (multi)polygon; keyword arguments go to :class:`~matplotlib.patches.PathPatch`
    (``facecolor``, ``edgecolor``, ``linewidth``, ``hatch``, ``zorder``, ``gid``...)."""
    path = geometry_path(geom)
    if path is None:
        return None
    kw.setdefault("linewidth", 0)
    patch = PathPatch(path, **kw)
    ax.add_patch(patch)
    return patch


def fill_many(ax: Axes, geoms: Sequence[BaseGeometry], colours: Sequence[Any], **kw: Any
              ) -> PatchCollection:
    """Fill many polygons in one collection (one colour each), e.g. population squares."""
    patches, fc = [], []
    for g, c in zip(geoms, colours, strict=True):
        path = geometry_path(g)
        if path is not None:
            patches.append(PathPatch(path))
            fc.append(c)
    coll = PatchCollection(patches, facecolors=fc, linewidths=0, **kw)
    ax.add_collection(coll)
    return coll


def plot_lines(ax: Axes, geom: BaseGeometry, **kw: Any) -> LineCollection | None:
    """Draw the lines of ``geom``; keyword arguments go to
    :class:`~matplotlib.collections.LineCollection` (``color``, ``linewidth``,
    ``linestyle``, ``zorder``, ``gid``...)."""
    segs = [np.asarray(g.coords) for g in _lines(geom)]
    if not segs:
        return None
    coll = LineCollection(segs, **kw)
    ax.add_collection(coll)
    return coll


def label_point(geom: BaseGeometry) -> BaseGeometry:
    """A point well inside the largest part of a (multi)polygon, for its label.

    ``geom`` is in a projected CRS (metres): the part is simplified to 50 m and the point
    found to within 100 m (the pole of inaccessibility, :func:`shapely.ops.polylabel`).
    """
    from shapely.ops import polylabel

    parts = _polygons(geom)
    if not parts:
        return geom.representative_point()
    big = max(parts, key=lambda g: g.area)
    simple = big.simplify(50.0)
    return polylabel(simple if simple.is_valid and not simple.is_empty else big,
                     tolerance=100.0)


def line_boxes(ax: Axes, geom: BaseGeometry, half_width_pt: float, *, step_pt: float = 2.2
               ) -> list[tuple[float, float, float, float]]:
    """Display boxes covering the lines of ``geom`` as drawn on ``ax`` (limits set), for
    labels to avoid: squares of side ``2 × half_width_pt`` (points, plus a pixel) centred
    every ``step_pt`` points along each line, overlapping so no gap is left between them
    (in points, so a map lays out alike at any resolution).

    Returns
    -------
    list of (x0, y0, x1, y1)
        Display units (pixels), y upwards.
    """
    pt = ax.figure.dpi / 72.0
    step_px = step_pt * pt
    r = max(half_width_pt * pt + 1.0, step_px * 0.6)
    out: list[tuple[float, float, float, float]] = []
    for ln in _lines(geom):
        xy = ax.transData.transform(np.asarray(ln.coords)[:, :2])
        for (x0, y0), (x1, y1) in itertools.pairwise(xy):
            n = max(1, int(np.hypot(x1 - x0, y1 - y0) // step_px))
            for t in np.linspace(0.0, 1.0, n + 1):
                x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
                out.append((float(x - r), float(y - r), float(x + r), float(y + r)))
    return out
