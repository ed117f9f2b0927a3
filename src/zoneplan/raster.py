"""Population rasters (GeoTIFF) as cells.

Each pixel inside the territory's bounds becomes a cell (its polygon projected into the
area CRS and clipped to the territory). A pixel cut by the territory's edge keeps the
covered fraction of its people, the same rule exactextract applies to partial cells.
Values are people per pixel (``units="count"``) or people per km² (``"density"``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import DataError, PlausibilityWarning
from zoneplan.geometry import project
from zoneplan.grid import CellGrid
from zoneplan.pack import PopulationLayer

__all__ = ["raster_population"]


def raster_population(path: Path, territory: BaseGeometry, crs: CRS, *, units: str,
                      sources: list[str]) -> PopulationLayer:
    """Read a population raster over ``territory`` (projected in ``crs``)."""
    import rasterio
    from rasterio.errors import RasterioIOError
    from rasterio.windows import from_bounds

    if not path.exists():
        raise DataError("the population raster does not exist", path=path,
                        suggestion="check the path")
    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        raise DataError(f"the raster cannot be read ({exc})", path=path,
                        suggestion="check that the file is a complete GeoTIFF") from exc
    with src:
        if src.crs is None:
            raise DataError("the raster has no coordinate reference system (CRS)", path=path,
                            suggestion="assign one, e.g. gdal_edit.py -a_srs EPSG:4326 FILE")
        rcrs = CRS.from_user_input(src.crs)
        terr_r = project(territory, rcrs, src=crs)
        if not shapely.box(*src.bounds).intersects(terr_r):
            raise DataError("the raster does not overlap the territory", path=path,
                            suggestion="check that raster and territory show the same place")
        win = from_bounds(*terr_r.bounds, transform=src.transform).round_offsets().round_lengths()
        try:
            data = src.read(1, window=win, masked=True, boundless=True).astype("float64")
        except Exception as exc:  # truncated files fail here
            raise DataError(f"the raster cannot be read ({exc})", path=path,
                            suggestion="the file may be truncated; download it again") from exc
        scale, offset = src.scales[0], src.offsets[0]
        data = data * scale + offset
        t = src.window_transform(win)
    vals = np.ma.filled(data, 0.0)
    vals[~np.isfinite(vals)] = 0.0
    if np.any(vals < 0):
        raise DataError("the population raster has negative values", path=path,
                        suggestion="set the nodata value of the raster")
    rows, cols = np.nonzero(vals > 0)
    x0 = t.c + cols * t.a
    y0 = t.f + rows * t.e
    boxes = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    full = project(shapely.MultiPolygon(list(boxes)), crs, src=rcrs) if len(boxes) else None
    polys = np.array(list(full.geoms)) if full is not None else np.empty(0, dtype=object)  # type: ignore[attr-defined]
    full_area = shapely.area(polys)
    v = vals[rows, cols]
    if units == "density":
        v = v * full_area / 1e6
    elif units == "count":
        px_km2 = float(np.median(full_area)) / 1e6 if full_area.size else 0
        if px_km2 and np.percentile(v, 99) > 200_000 * px_km2:
            warnings.warn(
                f"{path}: values look like densities (99th percentile "
                f"{np.percentile(v, 99):,.0f} per {px_km2 * 1e6:,.0f} m² pixel would be more "
                "than 200,000 people per km²); declare units=density if they are per km²",
                PlausibilityWarning, stacklevel=2)
    shapely.prepare(territory)
    inside = shapely.contains_properly(territory, polys)
    clipped = polys.copy()
    clipped[~inside] = shapely.intersection(polys[~inside], territory)
    area = shapely.area(clipped)
    keep = area > 0
    frac = np.where(full_area > 0, area / np.where(full_area > 0, full_area, 1), 0)
    cells = clipped[keep]
    cent = shapely.centroid(cells)
    grid = CellGrid(cells=cells, area_m2=area[keep], x=shapely.get_x(cent),
                    y=shapely.get_y(cent), cell_size=float(np.sqrt(np.median(full_area)))
                    if full_area.size else 0.0, crs=crs)
    counts = (v * frac)[keep]
    return PopulationLayer(grid=grid, counts={"raster": counts}, central="raster",
                           label=f"population raster {path.name}", date="",
                           sources=list(sources),
                           method=f"raster {path.name} ({units}); pixels cut by the territory "
                           "edge keep their covered fraction")
