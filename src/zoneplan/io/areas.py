"""Areas to break results down by (``--by``): governorates, municipalities, any polygons.

:func:`read_areas` reads a built-in area layer (``gaza:governorates``,
``gaza:municipalities``) or a polygon file, each area named by an attribute, into an
:class:`AreaSet` in WGS 84.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import DataError, InputError
from zoneplan.geometry import repair
from zoneplan.io.vectors import read_polygons

__all__ = ["BUILTIN_AREAS", "NAME_FIELDS", "POPULATION_FIELD", "AreaSet", "read_areas"]

BUILTIN_AREAS: dict[str, str] = {
    "gaza:governorates": "name",
    "gaza:municipalities": "name",
}
"""Built-in area layers and the attribute naming each area."""

NAME_FIELDS: tuple[str, ...] = ("name", "NAME", "Name", "adm2_name", "ADM2_EN", "adm2_en",
                                "adm1_name", "ADM1_EN", "label", "title")
"""Attributes tried, in order, to name the areas when none is given."""

POPULATION_FIELD = "population"
"""The attribute read as each area's published population, where the areas have it
(``gaza:governorates``: the pack's PCBS totals): by-area rows are compared with it."""


@dataclass(frozen=True)
class AreaSet:
    """Named areas, WGS 84.

    Attributes
    ----------
    ref
        Where they come from (a built-in name or a file path).
    field
        The attribute that names them.
    names, geometries
        Each area's name and polygon (areas sharing a name are merged).
    totals
        Each area's published population (people; summed over areas sharing a name),
        from the attribute :data:`POPULATION_FIELD`; ``None`` where the areas have no
        such attribute or a value is not a number.
    """

    ref: str
    field: str
    names: list[str]
    geometries: list[BaseGeometry]
    totals: list[float] | None = None

    @property
    def label(self) -> str:
        """A short name for titles: the built-in name, or the file's name."""
        return self.ref if self.ref.startswith("gaza:") else Path(self.ref).name


def _pick_field(columns: list[str], field: str | None, ref: str) -> str:
    if field is not None:
        if field not in columns:
            near = difflib.get_close_matches(field, columns, n=1)
            raise DataError(f"the areas have no attribute '{field}'", path=ref,
                            suggestion=(f"did you mean '{near[0]}'? " if near else "")
                            + "attributes there: " + ", ".join(columns))
        return field
    found = next((c for c in NAME_FIELDS if c in columns), None)
    if found is None:
        raise InputError("no attribute names the areas", path=ref,
                         suggestion="give one with --by-field NAME; attributes there: "
                         + ", ".join(columns))
    return found


def read_areas(ref: str, field: str | None = None) -> AreaSet:
    """Read areas to break results down by.

    Parameters
    ----------
    ref
        ``gaza:governorates``, ``gaza:municipalities`` or a polygon file.
    field
        The attribute naming each area; by default the first of :data:`NAME_FIELDS`
        the file has.

    Raises
    ------
    InputError, DataError
        Unknown built-in name, unreadable file, no polygons, no naming attribute.
    """
    if ref.startswith("gaza:"):
        if ref not in BUILTIN_AREAS:
            raise InputError(f"there are no built-in areas called '{ref}'",
                             suggestion="built-in areas: " + ", ".join(BUILTIN_AREAS))
        gdf = pack.builtin_layer(ref)
        field = field or BUILTIN_AREAS[ref]
        gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
        polygons = list(gdf.geometry)
    else:  # points and lines are dropped saying so, as for zone files
        feats = read_polygons(Path(ref), what="areas",
                              names=[field] if field else NAME_FIELDS)
        gdf, polygons = feats.frame, feats.polygons
    if gdf.empty:
        raise DataError("the areas hold no polygons", path=ref,
                        suggestion="give a file of polygons, one per area")
    name_field = _pick_field([str(c) for c in gdf.columns if c != "geometry"], field, ref)
    names: list[str] = []
    geoms: list[BaseGeometry] = []
    pops = _populations(gdf)
    totals: list[float] = []
    for i, (value, geom) in enumerate(zip(gdf[name_field], polygons, strict=True)):
        label = str(value).strip() if value is not None and str(value).strip() else \
            f"(unnamed area {i + 1})"
        g = repair(geom, what=f"area '{label}' in {ref}")
        if label in names:
            k = names.index(label)
            geoms[k] = shapely.union_all([geoms[k], g])
            if pops is not None:
                totals[k] += pops[i]
        else:
            names.append(label)
            geoms.append(g)
            if pops is not None:
                totals.append(pops[i])
    return AreaSet(ref=ref, field=name_field, names=names, geometries=geoms,
                   totals=totals if pops is not None else None)


def _populations(gdf: Any) -> list[float] | None:
    """Each row's :data:`POPULATION_FIELD` (people), or ``None`` if the areas have no such
    attribute or a value is not a finite number of zero or more."""
    if POPULATION_FIELD not in gdf.columns:
        return None
    out: list[float] = []
    for v in gdf[POPULATION_FIELD]:
        try:
            x = float(v)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(x) or x < 0:
            return None
        out.append(x)
    return out
