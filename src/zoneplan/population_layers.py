"""Population layers from the user's own data, put on a grid of cells.

* GeoTIFF rasters of people per cell (``units: count``) or per km² (``units: density``);
  each pixel becomes a cell, clipped to the territory, keeping the covered fraction of
  its people.
* Polygons with a count attribute (census areas): each polygon's count is spread
  uniformly over its area onto a square grid (:func:`zoneplan.dasymetric.spread_totals`,
  ``"area"`` method), conserving each polygon's total.
* Points with a count attribute: each point's count goes to the cell that holds it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import shapely

from zoneplan.dasymetric import spread_totals
from zoneplan.errors import DataError, InputError
from zoneplan.geometry import area_crs_for, project
from zoneplan.grid import CellGrid
from zoneplan.layers import _apply_where, _attribute, read_vector, territory_geometry
from zoneplan.plan import Plan
from zoneplan.population import PopulationLayer

__all__ = ["RASTER_SUFFIXES", "read_population"]

RASTER_SUFFIXES = {".tif", ".tiff", ".vrt"}


def _cell_size_for(territory_area_m2: float) -> float:
    """A grid cell size giving about 10,000-40,000 cells, rounded to a nice number (m)."""
    raw = math.sqrt(territory_area_m2 / 20_000)
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000]
    return float(min(nice, key=lambda n: abs(n - raw)))


def read_population(plan: Plan, name: str) -> PopulationLayer:
    """Read the plan's layer ``name`` as a population layer on cells.

    Raises
    ------
    DataError
        Missing or unreadable file, no CRS, unknown attribute.
    InputError
        A vector layer without ``count``; negative counts.
    """
    ref = plan.layers[name]
    path = plan.resolve_path(ref.path)
    territory_ll = territory_geometry(plan)
    crs = area_crs_for(territory_ll)
    territory = project(territory_ll, crs)
    if path.suffix.lower() in RASTER_SUFFIXES:
        from zoneplan.raster import raster_population

        return raster_population(path, territory, crs, units=ref.units or "count",
                                 sources=ref.sources)
    gdf = _apply_where(read_vector(path, what=f"population layer '{name}'"), ref.where,
                       str(path))
    if not ref.count:
        raise InputError(
            f"population layer '{name}' needs the attribute that holds the number of people",
            path=path,
            suggestion="add count: <attribute> to the layer (or ,count=NAME on --layer); "
            "attributes there: " + ", ".join(c for c in gdf.columns if c != "geometry"),
        )
    counts = _attribute(gdf, ref.count, str(path))
    if np.any(counts < 0):
        raise DataError(f"population layer '{name}' has negative counts in '{ref.count}'",
                        path=path, suggestion="numbers of people must be zero or more")
    counts = np.nan_to_num(counts)
    grid = CellGrid.build(territory, cell_size=_cell_size_for(territory.area), crs=crs)
    geoms = [project(g, crs) for g in gdf.geometry]
    if all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms):
        values = spread_totals(grid, geoms, list(counts), method="area")
        how = "each polygon's count spread uniformly over its area"
    else:
        pts = shapely.points(np.array([(g.centroid.x, g.centroid.y) for g in geoms]))
        values = np.zeros(len(grid))
        tree = shapely.STRtree(grid.cells)
        pairs = tree.query(pts, predicate="intersects")
        first: dict[int, int] = {}
        for p, c in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            first.setdefault(p, c)
        for p, c in first.items():
            values[c] += counts[p]
        how = "each point's count given to the cell that holds it"
    return PopulationLayer(
        grid=grid,
        counts={"layer": values},
        central="layer",
        label=f"population from {Path(ref.path).name}",
        date="",
        sources=list(ref.sources),
        method=f"{how}, on a {grid.cell_size:g} m grid clipped to the territory",
    )


