"""The built-in pack's tables as GeoDataFrames (WGS 84), for maps, pages and users.

The same rows as the plain readers of :mod:`zoneplan.pack.tables`, which measuring uses;
this module imports geopandas, so it is loaded only when a frame is asked for.
"""

from __future__ import annotations

import functools

import geopandas as gpd

from zoneplan.pack.tables import (
    crossing_rows,
    damage_rows,
    governorate_rows,
    hospital_rows,
    locality_rows,
    municipality_rows,
)

__all__ = ["crossings", "damage", "governorates", "hospitals", "localities", "municipalities"]


@functools.cache
def localities() -> gpd.GeoDataFrame:
    """The 33 PCBS 2017 localities with ``population_2017`` and ``weight``.

    ``weight`` is the 2017 population where published, else an equal share of
    :data:`~zoneplan.pack.tables.MISSING_LOCALITIES_TOTAL` (flagged by ``imputed``).
    """
    gdf = locality_rows().frame()
    return gdf[["name", "kind", "governorate", "pcode", "population_2017", "geometry",
                "imputed", "weight"]]


@functools.cache
def governorates() -> gpd.GeoDataFrame:
    """The five governorates with ``population`` (pre-war baseline), WGS 84."""
    return governorate_rows().frame()


@functools.cache
def hospitals() -> gpd.GeoDataFrame:
    """The 38 hospitals of the pack (columns: see
    :func:`~zoneplan.pack.tables.hospital_rows`)."""
    return hospital_rows().frame()


@functools.cache
def crossings() -> gpd.GeoDataFrame:
    """The eight crossings into the Strip; geometry is empty where no source gives the
    crossing's own coordinates (columns: see :func:`~zoneplan.pack.tables.crossing_rows`)."""
    return crossing_rows().frame()


@functools.cache
def damage() -> gpd.GeoDataFrame:
    """UNOSAT's damaged structures of 11 Oct 2025 in 500 m clusters: points with ``count``
    (structures); the counts sum to 198,308."""
    return damage_rows().frame()


@functools.cache
def municipalities() -> gpd.GeoDataFrame:
    """OCHA's 2019 municipal boundaries (33 polygons, 20 m simplification), WGS 84;
    ``name`` is empty for the polygons OCHA left unnamed."""
    return municipality_rows().frame()
