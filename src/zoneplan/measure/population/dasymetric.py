"""Population from totals: spread known area totals over a grid (dasymetric mapping).

Two methods, both conserving each area's total exactly:

``"kernel"`` (the built-in central estimate)
    Each weight point *i* inside an area (e.g. a census locality with its population)
    holds a share :math:`s_i = w_i / \\sum_j w_j` of the area's total. That share is
    spread over the area's cells with an exponential distance-decay kernel,
    :math:`k_{ic} = a_c \\exp(-d_{ic} / h)`, normalised so the kernel of each point sums
    to one over the area (:math:`a_c` is the cell's area inside the area, :math:`d_{ic}`
    the distance from the point to the cell centroid, :math:`h` the bandwidth in
    metres). Towns thus hold most people, and the share of a town never leaks into a
    neighbouring area.
``"area"`` (the simple alternative, giving the other end of the range)
    The area's total is spread in proportion to cell area: uniform density.
``"points"`` (a labelled extreme: the kernel's limit as the bandwidth goes to zero)
    Each weight point's share :math:`s_i` of the area's total lies in the one cell of
    the area whose centroid is nearest the point: nobody lives between the points.

How totals are conserved: each area is spread on its own (:func:`spread_totals` with
that one area), over the parts of the cells that lie inside it, and its weights are
normalised to sum to one over those parts. Its people therefore add up to its total
up to floating-point rounding (about 1e-15 relative); nothing is rounded to whole
people. A cell cut by an area boundary receives people from each area it touches.

For users, :func:`spread_to_grid` takes areas and weights as GeoDataFrames and gives
cells as polygons with a ``people`` column; :func:`zoneplan.io.geotiff.write_grid_geotiff`
saves them as a GeoTIFF that zoneplan (or QGIS, or exactextract) reads back as a
population raster.

Examples
--------
One 2 km x 1 km area holding 1,000 people, 1 km cells, uniform spread:

>>> from shapely.geometry import box
>>> from zoneplan.measure.grids.cells import CellGrid
>>> g = CellGrid.build(box(0, 0, 2000, 1000), cell_size=1000.0, crs=None)
>>> spread_totals(g, [box(0, 0, 2000, 1000)], [1000.0], method="area").tolist()
[500.0, 500.0]

With a single weight point at the western cell's centre and a 1 km bandwidth the
western cell gets :math:`1/(1+e^{-1})` of the people:

>>> import numpy as np
>>> pts = np.array([[500.0, 500.0]]); w = np.array([1.0])
>>> out = spread_totals(g, [box(0, 0, 2000, 1000)], [1000.0], method="kernel",
...                     points=pts, weights=w, bandwidth_m=1000.0)
>>> round(float(out[0]), 3), round(float(out.sum()), 6)
(731.059, 1000.0)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InputError, ZoneplanWarning
from zoneplan.geometry import WGS84, area_crs_for
from zoneplan.measure.grids.cells import CellGrid

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DEFAULT_BANDWIDTH_M",
    "spread_to_grid",
    "spread_totals",
]

Method = Literal["kernel", "area"]
METHODS: tuple[str, ...] = ("kernel", "area")

DEFAULT_BANDWIDTH_M = 1000.0
"""Kernel bandwidth (metres): the e-folding distance of a locality's population."""


def spread_totals(
    grid: CellGrid,
    areas: Sequence[BaseGeometry],
    totals: Sequence[float],
    *,
    method: Literal["kernel", "area", "points"],
    points: NDArray[np.float64] | None = None,
    weights: NDArray[np.float64] | None = None,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
) -> NDArray[np.float64]:
    """Spread each area's total over the grid cells.

    Parameters
    ----------
    grid
        Cells to spread onto (projected, metres).
    areas
        Area polygons in the grid's CRS; they should not overlap.
    totals
        People (or any count) in each area.
    method
        ``"kernel"``, ``"area"`` or ``"points"`` (see the module docstring).
    points
        (n, 2) weight point coordinates in the grid's CRS, metres (kernel and points).
    weights
        Weight of each point, e.g. census population (kernel and points).
    bandwidth_m
        Kernel e-folding distance, metres.

    Returns
    -------
    numpy.ndarray
        Count per cell. Each area's cells sum to its total; an area with no weight
        points falls back to the ``"area"`` rule (kernel and points).
    """
    if len(areas) != len(totals):
        raise InputError("areas and totals differ in length")
    if any(t < 0 or not np.isfinite(t) for t in totals):
        raise InputError(
            "an area total is negative or not a number",
            suggestion="population totals must be zero or more",
        )
    if method in ("kernel", "points") and (points is None or weights is None):
        raise InputError(f"the {method} method needs weight points and weights")
    out = np.zeros(len(grid))
    pts_geom = shapely.points(points) if points is not None and len(points) else None
    for area, total in zip(areas, totals, strict=True):
        idx, frac = grid.coverage(area)
        if idx.size == 0:
            if total > 0:
                raise InputError(
                    f"an area holding {total:,.0f} people does not overlap the territory",
                    suggestion="check that the areas and the territory are in the same place",
                )
            continue
        a = grid.area_m2[idx] * frac
        w = a.copy()
        if method in ("kernel", "points") and pts_geom is not None:
            shapely.prepare(area)
            inside = shapely.contains(area, pts_geom)
            ws = np.asarray(weights)[inside]
            if inside.any() and ws.sum() > 0:
                share = ws / ws.sum()
                px, py = np.asarray(points)[inside].T
                d = np.hypot(grid.x[idx][None, :] - px[:, None], grid.y[idx][None, :] - py[:, None])
                if method == "points":  # each share in the cell nearest its point
                    w = np.bincount(np.argmin(d, axis=1), weights=share,
                                    minlength=idx.size).astype(np.float64)
                else:
                    k = a[None, :] * np.exp(-d / bandwidth_m)
                    k /= k.sum(axis=1, keepdims=True)
                    w = (share[:, None] * k).sum(axis=0)
        out[idx] += total * w / w.sum()
    return out


def _polygons(gdf: gpd.GeoDataFrame, crs: CRS) -> list[BaseGeometry]:
    geoms = gdf.geometry.to_crs(crs)
    out: list[BaseGeometry] = []
    for label, g in zip(gdf.index, geoms, strict=True):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            kind = "no geometry" if g is None or g.is_empty else f"a {g.geom_type}"
            raise InputError(
                f"area {label!r} has {kind}, not a polygon",
                suggestion="give the areas as polygons (e.g. governorate boundaries)",
            )
        out.append(g if g.is_valid else shapely.make_valid(g))
    return out


def spread_to_grid(
    areas: gpd.GeoDataFrame,
    total_field: str,
    *,
    weights: gpd.GeoDataFrame | None = None,
    weight_field: str | None = None,
    cell_size_m: float,
    method: Method,
    bandwidth_m: float = DEFAULT_BANDWIDTH_M,
    crs: CRS | None = None,
    by_area: bool = False,
) -> gpd.GeoDataFrame:
    """Spread the people counted in each area over a square grid, conserving each total.

    The grid covers the union of the areas with square cells of ``cell_size_m`` metres,
    aligned to multiples of the cell size and clipped to the areas. Each area is spread
    on its own with :func:`spread_totals` (see the module docstring for both methods), so
    the people it gives to cells add up to its total (to floating-point rounding).

    Parameters
    ----------
    areas
        Polygons with known totals (governorates, municipalities, census tracts), any
        CRS. They should not overlap; where they do, both totals land on the overlap.
    total_field
        Column of ``areas`` holding the number of people in each area (zero or more).
    weights
        Weight features for ``method="kernel"``: points (localities, buildings, damage
        sites); other geometries are replaced by a point inside them. Any CRS.
    weight_field
        Column of ``weights`` holding each feature's weight (e.g. census population, a
        count of buildings); without it every feature weighs 1.
    cell_size_m
        Side of a grid cell, metres.
    method
        ``"kernel"``: each weight point holds its share of its area's total, spread
        with an exponential distance kernel; ``"area"``: uniform density within each
        area.
    bandwidth_m
        Kernel e-folding distance, metres (kernel only).
    crs
        Projected CRS for the grid; by default the UTM zone of the areas' centroid
        (:func:`zoneplan.geometry.area_crs_for`).
    by_area
        Return one row per piece of a cell inside an area (with ``area_id``, the area's
        index label) instead of one row per cell; the pieces of an area sum to its total.

    Returns
    -------
    geopandas.GeoDataFrame
        In the projected CRS, one row per cell: ``cell`` (cell number), ``people``
        (people in the cell), ``area_m2`` (the cell's area inside the areas, square
        metres), ``geometry`` (the cell clipped to the areas). With ``by_area``, an
        ``area_id`` column and one row per cell piece. ``attrs["cell_size_m"]`` holds the
        cell size, for :func:`zoneplan.io.geotiff.write_grid_geotiff`.

    Raises
    ------
    InputError
        A missing field (the message lists the fields there and suggests the nearest),
        negative or missing totals or weights, an unknown method, a geographic ``crs``,
        kernel without weights, weights with the area method.
    DataError
        Areas or weights without a CRS.

    Examples
    --------
    Two 1 km x 2 km areas side by side holding 100 and 300 people, 1 km cells:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> areas = gpd.GeoDataFrame({"pop": [100, 300]},
    ...     geometry=[box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000)], crs="EPSG:32636")
    >>> cells = spread_to_grid(areas, "pop", cell_size_m=1000, method="area", crs=areas.crs)
    >>> sorted(cells["people"].tolist())
    [50.0, 50.0, 150.0, 150.0]
    >>> spread_to_grid(areas, "popn", cell_size_m=1000, method="area", crs=areas.crs)
    Traceback (most recent call last):
    ...
    zoneplan.errors.InputError: the areas have no field 'popn'
      → did you mean 'pop'? fields there: pop
    """
    import geopandas as gpd  # here: the built-in grid spreads with spread_totals alone

    from zoneplan.io.frame_checks import field_values, require_crs

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}",
                         suggestion="use method='kernel' (with weights) or method='area'")
    if not (cell_size_m > 0 and math.isfinite(cell_size_m)):
        raise InputError(f"cell size {cell_size_m!r} m is not a positive number",
                         suggestion="give cell_size_m in metres, e.g. 100")
    if method == "kernel" and not (bandwidth_m > 0 and math.isfinite(bandwidth_m)):
        raise InputError(f"bandwidth {bandwidth_m!r} m is not a positive number",
                         suggestion=f"give bandwidth_m in metres, e.g. {DEFAULT_BANDWIDTH_M:g}")
    if method == "kernel" and weights is None:
        raise InputError("the kernel method needs a weight layer",
                         suggestion="pass weights=<points GeoDataFrame>, or use method='area'")
    if method == "area" and (weights is not None or weight_field is not None):
        raise InputError("weights are only used by the kernel method",
                         suggestion="drop weights=..., or use method='kernel'")
    require_crs(areas, "areas")
    if len(areas) == 0:
        raise InputError("there are no areas to spread", suggestion="give at least one area")
    totals = field_values(areas, total_field, what="areas")
    if crs is None:
        crs = area_crs_for(shapely.union_all(areas.geometry.to_crs(WGS84).to_numpy()))
    elif not CRS.from_user_input(crs).is_projected:
        raise InputError(
            f"the grid CRS {CRS.from_user_input(crs).name!r} is not projected (degrees)",
            suggestion="give a projected CRS in metres (e.g. a UTM zone), or leave crs out",
        )
    crs = CRS.from_user_input(crs)
    polys = _polygons(areas, crs)
    grid = CellGrid.build(shapely.union_all(polys), cell_size=float(cell_size_m), crs=crs)

    pts: NDArray[np.float64] | None = None
    w: NDArray[np.float64] | None = None
    if weights is not None:
        require_crs(weights, "weights")
        w = (field_values(weights, weight_field, what="weights") if weight_field
             else np.ones(len(weights)))
        geoms = weights.geometry.to_crs(crs)
        keep = ~(geoms.isna() | geoms.is_empty).to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rp = shapely.point_on_surface(geoms.to_numpy()[keep])
        pts = np.column_stack([shapely.get_x(rp), shapely.get_y(rp)])
        w = w[keep]

    cell_parts: list[NDArray[np.intp]] = []
    area_parts: list[NDArray[np.intp]] = []
    value_parts: list[NDArray[np.float64]] = []
    empty: list[str] = []
    for j, (poly, total) in enumerate(zip(polys, totals, strict=True)):
        if pts is not None and w is not None and total > 0:
            shapely.prepare(poly)
            inside = shapely.contains_xy(poly, pts[:, 0], pts[:, 1])
            if not (inside.any() and w[inside].sum() > 0):
                empty.append(repr(areas.index[j]))
        try:
            one = spread_totals(grid, [poly], [float(total)], method=method, points=pts,
                                weights=w, bandwidth_m=bandwidth_m)
        except InputError as exc:
            raise InputError(f"area {areas.index[j]!r}: {exc.message}",
                             suggestion=exc.suggestion) from exc
        nz = np.flatnonzero(one)
        cell_parts.append(nz)
        area_parts.append(np.full(nz.size, j, dtype=np.intp))
        value_parts.append(one[nz])
    if empty:
        warnings.warn(
            f"{len(empty)} area(s) hold no weight point ({', '.join(empty[:5])}"
            f"{', ...' if len(empty) > 5 else ''}); their people were spread uniformly "
            "by area",
            ZoneplanWarning,
            stacklevel=2,
        )
    cell = np.concatenate(cell_parts) if cell_parts else np.empty(0, dtype=np.intp)
    area = np.concatenate(area_parts) if area_parts else np.empty(0, dtype=np.intp)
    value = np.concatenate(value_parts) if value_parts else np.empty(0)

    if by_area:
        pieces = shapely.intersection(grid.cells[cell], np.asarray(polys, dtype=object)[area])
        out = gpd.GeoDataFrame(
            {"area_id": areas.index.to_numpy()[area], "cell": cell, "people": value,
             "area_m2": shapely.area(pieces)},
            geometry=pieces, crs=crs)
    else:
        people = np.bincount(cell, weights=value, minlength=len(grid))
        out = gpd.GeoDataFrame(
            {"cell": np.arange(len(grid)), "people": people, "area_m2": grid.area_m2},
            geometry=grid.cells, crs=crs)
    out.attrs["cell_size_m"] = float(cell_size_m)
    return out
