"""Readers of the built-in Gaza pack's tables (CSV files in ``data/gaza/``), offline.

Each reader returns plain geometries or GeoDataFrames in WGS 84 and is cached. What
the tables are and where they come from: ``data/gaza/ATTRIBUTION.md``.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from zoneplan.geometry import WGS84, project

__all__ = [
    "MISSING_LOCALITIES_TOTAL",
    "PACK_CRS",
    "PACK_DIR",
    "governorate_boundaries",
    "governorates",
    "hospitals",
    "localities",
    "outline",
    "yellow_line",
]

PACK_DIR = Path(__file__).parent / "data" / "gaza"
"""Folder of the pack's tables."""
PACK_CRS = CRS.from_epsg(32636)
MISSING_LOCALITIES_TOTAL = 41_434.0
"""People in the four 2017 localities without a published figure (derived).

PCBS 2017 preliminary Strip total 1,899,291 minus the North Gaza and Gaza totals
(1,021,575) minus the 25 southern localities with figures (836,282); see
``ATTRIBUTION.md``. Split equally between the four localities, as within-governorate
weights only.
"""

def _read_csv(name: str) -> list[dict[str, str]]:
    with (PACK_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _line_from_rows(rows: list[dict[str, str]]) -> LineString:
    rows = sorted(rows, key=lambda r: int(r["seq"]))
    return LineString([(float(r["lon"]), float(r["lat"])) for r in rows])


@functools.cache
def outline() -> Polygon:
    """The Gaza Strip land outline, WGS 84 lon/lat."""
    rows = sorted(_read_csv("outline.csv"), key=lambda r: int(r["seq"]))
    return Polygon([(float(r["lon"]), float(r["lat"])) for r in rows])


@functools.cache
def yellow_line() -> LineString:
    """The 19 October 2025 withdrawal line, WGS 84 lon/lat, north to south."""
    return _line_from_rows(_read_csv("yellow_line.csv"))


@functools.cache
def governorate_boundaries() -> dict[str, LineString]:
    """The four internal governorate boundaries (west to east), WGS 84."""
    rows = _read_csv("governorates.csv")
    names = sorted({r["boundary"] for r in rows})
    return {n: _line_from_rows([r for r in rows if r["boundary"] == n]) for n in names}


@functools.cache
def localities() -> gpd.GeoDataFrame:
    """The 33 PCBS 2017 localities with ``population_2017`` and ``weight``.

    ``weight`` is the 2017 population where published, else an equal share of
    :data:`MISSING_LOCALITIES_TOTAL` (flagged by ``imputed``).
    """
    rows = _read_csv("localities.csv")
    missing = [r for r in rows if not r["pop_2017"].strip()]
    fill = MISSING_LOCALITIES_TOTAL / len(missing) if missing else 0.0
    data = {
        "name": [r["name"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "governorate": [r["governorate"] for r in rows],
        "pcode": [r["pcode"] for r in rows],
        "population_2017": [float(r["pop_2017"]) if r["pop_2017"].strip() else np.nan
                            for r in rows],
    }
    gdf = gpd.GeoDataFrame(
        data,
        geometry=[Point(float(r["lon"]), float(r["lat"])) for r in rows],
        crs=WGS84,
    )
    gdf["imputed"] = gdf["population_2017"].isna()
    gdf["weight"] = gdf["population_2017"].fillna(fill)
    return gdf


@functools.cache
def governorates() -> gpd.GeoDataFrame:
    """The five governorates with ``population`` (pre-war baseline), WGS 84."""
    meta = {r["name"]: r for r in _read_csv("governorates_meta.csv")}
    pops = {r["governorate"]: r for r in _read_csv("governorate_population.csv")
            if r["primary"] == "1"}
    terr = project(outline(), PACK_CRS)
    parts = [terr]
    for line in governorate_boundaries().values():
        pl = project(line, PACK_CRS)
        nxt: list[BaseGeometry] = []
        for p in parts:
            nxt.extend(split(p, pl).geoms if p.intersects(pl) else [p])
        parts = nxt
    locs = localities().to_crs(PACK_CRS)
    named: dict[str, list[Any]] = {}
    for part in parts:
        inside = locs[locs.within(part)]
        if inside.empty:
            raise RuntimeError("built-in pack: a governorate part holds no locality")
        name = inside["governorate"].mode().iloc[0]
        named.setdefault(name, []).append(part)
    names = sorted(named, key=lambda n: int(meta[n]["order_north_to_south"]))
    geoms = [shapely.union_all(named[n]) for n in names]
    gdf = gpd.GeoDataFrame(
        {
            "name": names,
            "pcode": [meta[n]["pcode"] for n in names],
            "population": [float(pops[n]["population"]) for n in names],
            "population_date": [pops[n]["year_or_date"] for n in names],
            "population_source": [pops[n]["source"] for n in names],
        },
        geometry=geoms,
        crs=PACK_CRS,
    ).to_crs(WGS84)
    return gdf


@functools.cache
def hospitals() -> gpd.GeoDataFrame:
    """The 38 hospitals of the pack. ``beds`` is empty: no per-hospital figures shipped."""
    rows = _read_csv("hospitals.csv")
    return gpd.GeoDataFrame(
        {
            "name": [r["name"] for r in rows],
            "name_ar": [r["name_ar"] for r in rows],
            "governorate": [r["governorate"] for r in rows],
            "type": [r["type"] or None for r in rows],
            "confidence": [r["confidence"] for r in rows],
            "beds": [np.nan] * len(rows),
        },
        geometry=[Point(float(r["lon"]), float(r["lat"])) for r in rows],
        crs=WGS84,
    )
