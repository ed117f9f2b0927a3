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
from zoneplan.pack.context import context_layers, crossing_points, places
from zoneplan.render.maps.shapes import label_point
from zoneplan.render.style import (
    ACCESS_PATTERNS,
    DENSITY_BINS,
    DENSITY_COLOURS,
    DENSITY_LABELS,
    PATTERN_INK,
    line_styles,
    svg_dasharray,
    zone_looks,
)
from zoneplan.result import Result

__all__ = ["DISPLAY_CELLS", "layers_json", "map_json"]

DISPLAY_CELLS = 20_000
"""Most residents cells sent to the page; finer grids are aggregated for display."""
VIEW_PAD = 0.08
"""Margin around the territory in the editor's view, as a share of its larger side: room
for the sea, the neighbouring land and the names."""


def layers_json(inputs: Inputs) -> dict[str, Any]:
    """Territory, hospitals and residents per display cell (WGS 84) for the page.

    Parameters
    ----------
    inputs
        A plan's prepared inputs.

    Returns
    -------
    dict
        ``territory`` (a GeoJSON Feature), ``bounds`` (degrees), ``view`` (the bounds
        with a margin, degrees), ``patterns`` (each access class's SVG pattern and its
        words), ``context`` (land, sea and boundaries clipped to the view, a
        FeatureCollection), ``places`` (name, population, lon, lat; most populous first),
        ``crossings`` (name, closed, status, lon, lat),
        ``hospitals`` (a FeatureCollection), ``damage`` (``label``, ``date``,
        ``sources`` and columns ``lon``, ``lat``, ``count``: damaged structures per point;
        ``null`` without a damage layer) and ``residents``: the baseline population's
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
    damage = None
    if inputs.damage is not None and len(inputs.damage):
        pts = inputs.damage.gdf.to_crs(4326)
        damage = {"label": inputs.damage.label, "date": inputs.damage.date,
                  "sources": inputs.damage.sources,
                  "lon": np.round(pts.geometry.x.to_numpy(), 5).tolist(),
                  "lat": np.round(pts.geometry.y.to_numpy(), 5).tolist(),
                  "count": np.asarray(inputs.damage.values["count"], dtype=float).tolist()}
    x0, y0, x1, y1 = inputs.territory_ll.bounds
    pad = VIEW_PAD * max(x1 - x0, y1 - y0)
    view = shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    return {
        "territory": {"type": "Feature", "properties": {"ref": inputs.plan.territory},
                      "geometry": _round_geojson(inputs.territory_ll)},
        "bounds": list(inputs.territory_ll.bounds),
        "view": list(view.bounds),
        "patterns": {a: {"svg": p.svg, "words": p.words, "ink": PATTERN_INK}
                     for a, p in ACCESS_PATTERNS.items()},
        "density": {"bins": list(DENSITY_BINS), "colours": list(DENSITY_COLOURS),
                    "labels": list(DENSITY_LABELS)},
        # each line as the print map draws it (colour, dashes; widths in points there)
        "line_styles": {lid: {"colour": st.colour, "casing": st.casing,
                              "dash": svg_dasharray(st.dash, st.width) if st.dash[1] else ""}
                        for lid, st in line_styles([ln.id for ln in inputs.plan.lines]).items()},
        **_context_json(view, _dated_crossings(inputs)),
        "hospitals": {"type": "FeatureCollection", "features": hospitals},
        "damage": damage,
        "residents": {
            "label": pop.label, "spread": pop.central, "cell_m": size,
            "unit": "people per cell (pre-war baseline); density in people per km²",
            "lon": np.round(lon[keep], 5).tolist(), "lat": np.round(lat[keep], 5).tolist(),
            "people": np.round(people[keep], 1).tolist(),
            "per_km2": np.round(people[keep] / area[keep] * 1e6).tolist(),
        },
    }


def _dated_crossings(inputs: Inputs) -> dict[str, tuple[str, str, str]]:
    """Each crossing's (state, status, date) on the date of the plan's facts."""
    cr = inputs.crossings
    if cr is None:
        return {}
    v = cr.values
    return {str(i): (str(st), str(tx or ""), str(dt or ""))
            for i, st, tx, dt in zip(v["id"], v["state"], v["status"], v["status_date"],
                                     strict=True)}


def _context_json(view: BaseGeometry,
                  dated: dict[str, tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """Context layers, places and crossings inside ``view`` (lon/lat), for the page."""
    feats = []
    ctx = context_layers()
    for kind, name, g in zip(ctx["kind"], ctx["name"], ctx.geometry, strict=True):
        part = g.intersection(view)
        if part.is_empty:
            continue
        props: dict[str, Any] = {"kind": kind, "name": name}
        if kind in ("sea", "land") and part.area > 0.05 * view.area:
            big = max(getattr(part, "geoms", [part]), key=lambda q: q.area)
            lp = polylabel(big, tolerance=0.002)
            props["label_point"] = [round(lp.x, 5), round(lp.y, 5)]
        feats.append({"type": "Feature", "properties": props,
                      "geometry": _round_geojson(part)})
    pl = places()
    inside = [(r["name"], float(r["population"]), g.x, g.y)
              for (_, r), g in zip(pl.iterrows(), pl.geometry, strict=True)
              if view.contains(g)]
    cr = crossing_points()
    dated = dated or {}
    cross = [{"name": str(r["name"]),
              **({"closed": not dated[r["id"]][0].startswith("open"),
                  "status": dated[r["id"]][1], "date": dated[r["id"]][2]}
                 if r["id"] in dated else
                 {"closed": bool(r["closed"]), "status": r["status_text"] or "",
                  "date": r["status_date"] or ""}),
              "lon": round(g.x, 5), "lat": round(g.y, 5)}
             for (_, r), g in zip(cr.iterrows(), cr.geometry, strict=True) if view.contains(g)]
    return {"context": {"type": "FeatureCollection", "features": feats},
            "places": [{"name": n, "population": round(p), "lon": round(x, 5),
                        "lat": round(y, 5)} for n, p, x, y in inside],
            "crossings": cross}


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
        ``access``, ``colour`` (the plan's, or the default palette's) and ``label_point``
        (``[lon, lat]``, degrees: where to write its label).
    """
    feats = []
    looks = {z.id: z for z in zone_looks(result.data["zones"])}  # ids and colours only
    for z in result.layout.zones:
        geom = to_lonlat(z.geometry.simplify(5.0), result.layout.crs)
        rp = to_lonlat(label_point(z.geometry), result.layout.crs)
        feats.append({"type": "Feature", "geometry": _round_geojson(geom),
                      "properties": {"id": z.id, "label": z.spec.label, "access": z.spec.access,
                                     "colour": looks[z.id].colour,
                                     "label_point": [round(rp.x, 5), round(rp.y, 5)]}})
    return {"type": "FeatureCollection", "features": feats}


def _round_geojson(geom: BaseGeometry, digits: int = 5) -> dict[str, Any]:
    """A geometry as a GeoJSON mapping, its coordinates rounded to ``digits`` decimals.

    A non-empty two-dimensional (multi)polygon, as every zone of an update is, is
    written from its rings' coordinates directly: the same numbers as GEOS's GeoJSON
    text read back (it writes each double as the shortest text that reads back as it),
    without the text; anything else goes through :func:`shapely.to_geojson`.
    """
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon") and not geom.is_empty and not geom.has_z:
        polys = geom.geoms if kind == "MultiPolygon" else (geom,)
        coords = [[np.round(np.asarray(ring.coords), digits).tolist()
                   for ring in (p.exterior, *p.interiors)] for p in polys]
        return {"type": kind, "coordinates": coords if kind == "MultiPolygon" else coords[0]}
    g = shapely.transform(geom, lambda a: np.round(a, digits))
    return json.loads(shapely.to_geojson(g))
