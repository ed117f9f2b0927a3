"""The built-in Gaza pack: small cited fact tables and the built-in plans, read offline.

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
    The pre-war population on a 250 m grid, built from the governorates, localities,
    damage clusters and municipal boundaries by :mod:`zoneplan.measure` (the pack holds
    facts; spreading them is measurement).
``gaza:zone-east-2025-10-19``
    The zone east of the yellow line as published (IDF map of 19 Oct 2025, Gaza Maps).
``gaza:damage``
    UNOSAT's damaged structures of 11 Oct 2025 in 500 m clusters (198,308 in all).
``gaza:crossings``
    The eight crossings into the Strip, four with coordinates, with dated status.
``gaza:municipalities``
    OCHA's 2019 municipal boundaries.

The built-in plans are YAML files in ``plans/``, written in the plan format of
:mod:`zoneplan.plan`. The pack is data with its readers: it imports nothing of zoneplan
but the geometry primitives, so every other part may use it.
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoneplan.errors import InputError
from zoneplan.pack.sources import PACK_SOURCES

if TYPE_CHECKING:
    from zoneplan.pack.frames import (
        crossings,
        damage,
        governorates,
        hospitals,
        localities,
        municipalities,
    )
    from zoneplan.pack.tables import (
        HOSPITAL_STATUSES,
        MISSING_LOCALITIES_TOTAL,
        PACK_CRS,
        PACK_DIR,
        Rows,
        crossing_history,
        crossing_rows,
        crossing_states_on,
        damage_rows,
        first_day,
        governorate_boundaries,
        governorate_rows,
        hospital_rows,
        locality_rows,
        municipality_rows,
        outline,
        population_total_on,
        population_totals,
        yellow_line,
        zone_east_published,
    )

_LAZY: dict[str, str] = {
    **dict.fromkeys(("HOSPITAL_STATUSES", "MISSING_LOCALITIES_TOTAL", "PACK_CRS", "PACK_DIR",
                     "Rows", "crossing_history", "crossing_rows", "crossing_states_on",
                     "damage_rows", "first_day", "governorate_boundaries",
                     "governorate_rows", "hospital_rows", "locality_rows",
                     "municipality_rows", "outline", "population_total_on", "population_totals",
                     "yellow_line", "zone_east_published"),
                    "zoneplan.pack.tables"),
    **dict.fromkeys(("crossings", "damage", "governorates", "hospitals", "localities",
                     "municipalities"), "zoneplan.pack.frames"),
}
"""Names loaded on first use (PEP 562), by module: the plain readers of
:mod:`zoneplan.pack.tables` need pyproj and shapely, the GeoDataFrames of
:mod:`zoneplan.pack.frames` geopandas; the plan loader (which needs :data:`PLANS_DIR`)
needs neither."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "BUILTIN_LAYERS",
    "DEFAULT_PLAN",
    "HOSPITAL_STATUSES",
    "MISSING_LOCALITIES_TOTAL",
    "PACK_CRS",
    "PACK_DIR",
    "PACK_SOURCES",
    "PLANS_DIR",
    "Rows",
    "builtin_layer",
    "crossing_history",
    "crossing_rows",
    "crossing_states_on",
    "crossings",
    "damage",
    "damage_rows",
    "first_day",
    "governorate_boundaries",
    "governorate_rows",
    "governorates",
    "hospital_rows",
    "hospitals",
    "layer_files",
    "layer_sources",
    "localities",
    "locality_rows",
    "municipalities",
    "municipality_rows",
    "outline",
    "population_total_on",
    "population_totals",
    "yellow_line",
    "zone_east_published",
]

PLANS_DIR = Path(__file__).parent / "plans"
"""Folder of the built-in plans (``<id>.yaml``)."""

DEFAULT_PLAN = "green-red-2025-11"
"""The plan ``zoneplan run`` evaluates when none is named."""

BUILTIN_LAYERS: dict[str, str] = {
    "gaza:outline": "Gaza Strip land outline (OSM 2017, ODbL)",
    "gaza:yellow-line": "Withdrawal ('yellow') line of 19 Oct 2025 (Gaza Maps)",
    "gaza:governorates": "Five governorates with pre-war populations (OCHA, PCBS)",
    "gaza:localities": "33 PCBS 2017 census localities",
    "gaza:hospitals": "38 hospitals (OSM, landmarks) with pre-war beds and latest status",
    "gaza:population": "Pre-war population on a 250 m grid (an ensemble of three spreads)",
    "gaza:zone-east-2025-10-19": "The zone east of the yellow line as published "
                                 "(IDF map of 19 Oct 2025, Gaza Maps)",
    "gaza:damage": "UNOSAT damaged structures of 11 Oct 2025 in 500 m clusters",
    "gaza:crossings": "Eight crossings with their latest dated status (4 located)",
    "gaza:municipalities": "OCHA 2019 municipal boundaries (33 polygons)",
}
"""The built-in layers and what each is."""

_LAYER_SOURCES: dict[str, list[str]] = {
    "gaza:outline": ["osm-outline"],
    "gaza:yellow-line": ["gazamaps-yellow-line"],
    "gaza:governorates": ["ocha-cod-ab", "pcbs-governorates"],
    "gaza:localities": ["pcbs-2017-localities"],
    "gaza:hospitals": ["pack-hospitals", "factpack-hospital-beds"],
    "gaza:population": ["pcbs-governorates", "pcbs-2017-localities", "ocha-cod-ab",
                        "osm-outline", "unosat-cda-2025-10-11", "ocha-municipal-2019"],
    "gaza:zone-east-2025-10-19": ["gazamaps-yellow-line"],
    "gaza:damage": ["unosat-cda-2025-10-11"],
    "gaza:crossings": ["factpack-crossings", "factpack-crossing-history"],
    "gaza:municipalities": ["ocha-municipal-2019"],
}

_LAYER_FILES: dict[str, tuple[str, ...]] = {
    "gaza:outline": ("outline.csv",),
    "gaza:yellow-line": ("yellow_line.csv",),
    "gaza:governorates": ("outline.csv", "governorates.csv", "governorates_meta.csv",
                          "governorate_population.csv", "localities.csv"),
    "gaza:localities": ("localities.csv",),
    "gaza:hospitals": ("hospitals.csv", "hospital_beds.csv"),
    "gaza:population": ("outline.csv", "governorates.csv", "governorates_meta.csv",
                        "governorate_population.csv", "localities.csv",
                        "damage_unosat_2025-10-11.csv", "municipalities.csv"),
    "gaza:zone-east-2025-10-19": ("zone_east_2025-10-19.csv",),
    "gaza:damage": ("damage_unosat_2025-10-11.csv",),
    "gaza:crossings": ("crossings.csv",),
    "gaza:municipalities": ("municipalities.csv",),
}

_READERS = {
    "gaza:outline": "outline",
    "gaza:yellow-line": "yellow_line",
    "gaza:governorates": "governorates",
    "gaza:localities": "localities",
    "gaza:hospitals": "hospitals",
    "gaza:zone-east-2025-10-19": "zone_east_published",
    "gaza:damage": "damage",
    "gaza:crossings": "crossings",
    "gaza:municipalities": "municipalities",
}
"""The reader of each vector layer: a function of :mod:`zoneplan.pack.tables` (a
geometry) or :mod:`zoneplan.pack.frames` (a GeoDataFrame)."""


def layer_sources(name: str) -> list[str]:
    """Source ids (of :data:`PACK_SOURCES`) behind a built-in layer."""
    return list(_LAYER_SOURCES.get(name, []))


def layer_files(name: str) -> tuple[str, ...]:
    """The pack's table files (in :data:`PACK_DIR`) a built-in layer is read from."""
    check_layer_name(name)
    return _LAYER_FILES[name]


def check_layer_name(name: str) -> None:
    """Raise :class:`~zoneplan.errors.InputError` unless ``name`` is a built-in layer."""
    if name not in BUILTIN_LAYERS:
        near = difflib.get_close_matches(name, list(BUILTIN_LAYERS), n=1)
        raise InputError(
            f"there is no built-in layer '{name}'",
            suggestion=(f"did you mean '{near[0]}'? " if near else "")
            + "built-in layers: " + ", ".join(BUILTIN_LAYERS),
        )


def builtin_layer(name: str) -> Any:
    """Return a built-in vector layer by name (see :data:`BUILTIN_LAYERS`).

    ``gaza:population`` is not read here: it is built from the governorates and
    localities by :func:`zoneplan.measure.population.population_sources.builtin_population`.

    Raises
    ------
    InputError
        If there is no such layer; the message lists the ones there are.
    """
    check_layer_name(name)
    if name not in _READERS:
        raise InputError(f"built-in layer '{name}' is a population grid, not a vector layer",
                         suggestion="use it as population.baseline")
    return __getattr__(_READERS[name])()
