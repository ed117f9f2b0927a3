"""What the editor's page draws, as JSON: the plan's layers and a result's zone polygons.

All coordinates are WGS 84 longitude/latitude in degrees, rounded to 5 decimals (about
1 m) for drawing; the figures themselves come from :mod:`zoneplan.result` unrounded.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from zoneplan.geometry import to_lonlat
from zoneplan.measure.inputs import Inputs
from zoneplan.render.text import ACCESS_COLOURS
from zoneplan.result import Result

__all__ = ["DISPLAY_CELLS", "layers_json", "map_json"]

DISPLAY_CELLS = 20_000
"""Most residents cells sent to the page; finer grids are aggregated for display."""


def layers_json(inputs: Inputs) -> dict[str, Any]:
    """Territory, hospitals and residents per display cell (WGS 84) for the page.

    Parameters
    ----------
    inputs
        A plan's prepared inputs.

    Returns
    -------
    dict
        ``territory`` (a GeoJSON Feature), ``bounds`` (degrees), ``access_colours``,
        ``hospitals`` (a FeatureCollection) and ``residents``: the baseline population's
        central spread summed into square display cells of ``cell_m`` metres (at most
        about :data:`DISPLAY_CELLS` of them), as columns ``lon``, ``lat`` (cell centres,
        degrees), ``people`` (people per cell) and ``per_km2`` (people per km²); cells
        with nobody are left out.
    """
    pop = inputs.population
    grid = pop.grid
    size = max(grid.cell_size, math.sqrt(grid.total_area_m2() / DISPLAY_CELLS))
    sq = grid.squares(size)  # display cells: squares of that size holding the cells
    people, area = sq.sums(pop.counts[pop.central]), sq.sums(grid.area_m2)
    used = np.flatnonzero(area > 0)
    people, area = people[used], area[used]
    xy = sq.centres(used)
    lon, lat = Transformer.from_crs(pop.crs, "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1])
    keep = people > 0
    hospitals: list[dict[str, Any]] = []
    if inputs.hospitals is not None:
        gdf = inputs.hospitals.gdf
        names = gdf["name"] if "name" in gdf.columns else [None] * len(gdf)
        for g, name in zip(gdf.geometry, names, strict=True):
            hospitals.append({"type": "Feature", "properties": {"name": name},
                              "geometry": _round_geojson(g)})
    return {
        "territory": {"type": "Feature", "properties": {"ref": inputs.plan.territory},
                      "geometry": _round_geojson(inputs.territory_ll)},
        "bounds": list(inputs.territory_ll.bounds),
        "access_colours": ACCESS_COLOURS,
        "hospitals": {"type": "FeatureCollection", "features": hospitals},
        "residents": {
            "label": pop.label, "spread": pop.central, "cell_m": size,
            "unit": "people per cell (pre-war baseline); density in people per km²",
            "lon": np.round(lon[keep], 5).tolist(), "lat": np.round(lat[keep], 5).tolist(),
            "people": np.round(people[keep], 1).tolist(),
            "per_km2": np.round(people[keep] / area[keep] * 1e6).tolist(),
        },
    }


def map_json(result: Result) -> dict[str, Any]:
    """Zone polygons (WGS 84, simplified to 5 m for drawing) of a result.

    Parameters
    ----------
    result
        An evaluated plan.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection, one Feature per zone with its ``id``, ``label``,
        ``access`` and ``label_point`` (``[lon, lat]``, degrees: where to write its label).
    """
    feats = []
    for z in result.layout.zones:
        geom = to_lonlat(z.geometry.simplify(5.0), result.layout.crs)
        rp = to_lonlat(_label_point(z.geometry), result.layout.crs)
        feats.append({"type": "Feature", "geometry": _round_geojson(geom),
                      "properties": {"id": z.id, "label": z.spec.label, "access": z.spec.access,
                                     "label_point": [round(rp.x, 5), round(rp.y, 5)]}})
    return {"type": "FeatureCollection", "features": feats}


def _round_geojson(geom: BaseGeometry, digits: int = 5) -> dict[str, Any]:
    """A geometry as a GeoJSON mapping, its coordinates rounded to ``digits`` decimals."""
    g = shapely.transform(geom, lambda a: np.round(a, digits))
    return json.loads(shapely.to_geojson(g))


def _label_point(geom: BaseGeometry) -> BaseGeometry:
    """A point well inside the largest part of a (multi)polygon, for its label.

    ``geom`` is in a projected CRS (metres): the part is simplified to 50 m and the point
    found to within 100 m.
    """
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    if not parts:
        return geom.representative_point()
    big = max(parts, key=lambda g: g.area)
    return polylabel(big.simplify(50.0) if big.simplify(50.0).is_valid else big, tolerance=100.0)
