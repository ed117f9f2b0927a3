"""Grids of people as rasters: cells laid out as a 2-D array, written as a GeoTIFF.

The cells are the square grid :func:`zoneplan.measure.population.dasymetric.spread_to_grid` gives
(polygons in a projected CRS, metres, with a ``people`` column); :func:`grid_arrays`
lays them out row by row from the north, and :func:`write_grid_geotiff` saves them as a
GeoTIFF that zoneplan (or QGIS, or exactextract) reads back as a population raster.

Examples
--------
A 2 km x 2 km grid of 1 km cells, 100 people in the west column, 300 in the east:

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> cells = gpd.GeoDataFrame(
...     {"people": [50.0, 150.0, 50.0, 150.0]},
...     geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000),
...               box(0, 1000, 1000, 2000), box(1000, 1000, 2000, 2000)],
...     crs="EPSG:32636")
>>> g = grid_arrays(cells, cell_size_m=1000)
>>> g.values.tolist(), g.transform.c, g.transform.f
([[50.0, 150.0], [50.0, 150.0]], 0.0, 2000.0)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS

from zoneplan.errors import InputError
from zoneplan.io.frame_checks import field_values, require_crs
from zoneplan.io.outputs import write_with_atomic

__all__ = ["NODATA", "GridArrays", "grid_arrays", "write_grid_geotiff"]

NODATA = -99999.0
"""Value written for pixels outside every area (the value WorldPop uses)."""


@dataclass(frozen=True, eq=False)
class GridArrays:
    """A grid of values as a raster: array, georeference and units.

    Attributes
    ----------
    values
        2-D array, row 0 at the top (north); :data:`NODATA` outside every cell.
    transform
        Affine transform from (col, row) to projected coordinates, metres.
    crs
        The projected CRS.
    units
        ``"count"`` (people per pixel) or ``"density"`` (people per km² of the pixel's
        part inside the areas).
    """

    values: NDArray[np.float64]
    transform: Affine
    crs: CRS
    units: Literal["count", "density"] = "count"


def grid_arrays(
    cells: gpd.GeoDataFrame,
    *,
    units: Literal["count", "density"] = "count",
    cell_size_m: float | None = None,
    value_field: str = "people",
) -> GridArrays:
    """Lay the cells from
    :func:`~zoneplan.measure.population.dasymetric.spread_to_grid` out as a 2-D array.

    Parameters
    ----------
    cells
        One row per cell (not ``by_area``), projected CRS.
    units
        ``"count"``: people per pixel. ``"density"``: people per km² of the cell's part
        inside the areas; read back as a density raster over the same areas, a
        partly covered edge cell then keeps all its people.
    cell_size_m
        Cell size, metres; by default ``cells.attrs["cell_size_m"]``.
    value_field
        Column with the people per cell.

    Raises
    ------
    InputError
        Unknown cell size or units, cells not in a projected CRS, several pieces per
        cell, or a value that is missing or negative.
    DataError
        Cells without a CRS.
    """
    cs = cell_size_m if cell_size_m is not None else cells.attrs.get("cell_size_m")
    if cs is None:
        raise InputError("the cell size of the grid is not known",
                         suggestion="pass cell_size_m=<metres>")
    require_crs(cells, "cells")
    if not CRS.from_user_input(cells.crs).is_projected:
        raise InputError("the cells are not in a projected CRS",
                         suggestion="use the cells spread_to_grid returns (metres)")
    if "area_id" in cells.columns and cells["cell"].duplicated().any():
        raise InputError("the cells hold several pieces per cell (by_area=True)",
                         suggestion="spread again without by_area, or sum the pieces by 'cell'")
    vals = field_values(cells, value_field, what="cells")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rp = shapely.point_on_surface(cells.geometry.to_numpy())
    ix = np.floor(shapely.get_x(rp) / cs).astype(np.int64)
    iy = np.floor(shapely.get_y(rp) / cs).astype(np.int64)
    if units == "density":
        area = shapely.area(cells.geometry.to_numpy())
        vals = np.divide(vals * 1e6, area, out=np.zeros_like(vals), where=area > 0)
    elif units != "count":
        raise InputError(f"unknown units {units!r}", suggestion="use 'count' or 'density'")
    col, row = ix - ix.min(), iy.max() - iy
    arr = np.full((int(row.max()) + 1, int(col.max()) + 1), NODATA)
    arr[row, col] = vals
    transform = Affine(cs, 0.0, float(ix.min() * cs), 0.0, -cs, float((iy.max() + 1) * cs))
    return GridArrays(arr, transform, CRS.from_user_input(cells.crs), units)


def write_grid_geotiff(
    grid: gpd.GeoDataFrame | GridArrays,
    path: str | Path,
    *,
    overwrite: bool = False,
    units: Literal["count", "density"] = "count",
) -> None:
    """Write a grid of people as a single-band float64 GeoTIFF, atomically.

    Parameters
    ----------
    grid
        Cells from :func:`~zoneplan.measure.population.dasymetric.spread_to_grid` (laid out with
        :func:`grid_arrays` and ``units``) or a :class:`GridArrays`.
    path
        The GeoTIFF to write.
    overwrite
        Replace ``path`` if it exists (else :class:`~zoneplan.errors.OutputExistsError`).
    units
        ``"count"`` (people per pixel) or ``"density"`` (people per km²); ignored when
        ``grid`` is a :class:`GridArrays`. Stored in the file's ``units`` tag.
    """
    import rasterio

    g = grid if isinstance(grid, GridArrays) else grid_arrays(grid, units=units)

    def _write(tmp: Path) -> None:
        profile: dict[str, Any] = {
            "driver": "GTiff", "width": g.values.shape[1], "height": g.values.shape[0],
            "count": 1, "dtype": "float64", "crs": g.crs.to_wkt(), "transform": g.transform,
            "nodata": NODATA, "compress": "deflate",
        }
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(g.values, 1)
            dst.update_tags(units=g.units, description=(
                "people per pixel" if g.units == "count" else "people per km²"))

    write_with_atomic(path, _write, overwrite=overwrite)
