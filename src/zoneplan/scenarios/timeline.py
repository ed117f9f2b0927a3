"""Zones over time: a series of dated zone layers (evacuation orders, moving lines).

For each layer: the date (given as ``PATH@YYYY-MM-DD``, or the earliest value of a
date field), the union of its polygons after an optional filter, clipped to the
territory, and then

``area_km2``
    Area inside the zones, km² (in the UTM zone of the territory).
``share_of_territory``
    That area divided by the territory's area (fraction 0-1).
``residents``
    Pre-war residents (the built-in baseline grid) inside, cells cut by the zone edge
    counted by covered fraction (people).
``hospitals``
    Hospitals of the built-in pack inside (count).

A layer whose features are all filtered out is a date with nothing inside (share 0).

This module measures and returns the series (a JSON-ready dict); the CSV, chart and page
are drawn by :mod:`zoneplan.render.timeline`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zoneplan.errors import DataError, InputError

__all__ = ["LayerSpec", "parse_date", "parse_layer_arg", "timeline"]

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WHERE = re.compile(r"""^\s*(\w+)\s*(==|!=)\s*(['"])(.*?)\3\s*$""")


@dataclass(frozen=True)
class LayerSpec:
    """A layer file and, if given on the command line, its date."""

    path: Path
    date: dt.date | None = None


def parse_layer_arg(text: str) -> LayerSpec:
    """Parse ``PATH`` or ``PATH@YYYY-MM-DD``.

    Examples
    --------
    >>> parse_layer_arg("zones.geojson@2024-05-06").date
    datetime.date(2024, 5, 6)
    >>> parse_layer_arg("zones.geojson").date is None
    True
    """
    if "@" in text:
        path, _, date = text.rpartition("@")
        if not _ISO.match(date):
            raise InputError(f"'{date}' after @ is not a date written YYYY-MM-DD",
                             path=path, suggestion="write e.g. zones.geojson@2024-05-06")
        try:
            return LayerSpec(Path(path), dt.date.fromisoformat(date))
        except ValueError as exc:
            raise InputError(f"'{date}' is not a valid date ({exc})", path=path,
                             suggestion="write e.g. zones.geojson@2024-05-06") from exc
    return LayerSpec(Path(text))


_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y",
            "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%Y%m%d")


def parse_date(value: Any) -> dt.date | None:
    """Read a date from the formats found in real layers; ``None`` if it cannot be read.

    Understood: ISO 8601 (``2024-05-06``, with a time), RFC 2822 (``Mon, 06 May 2024
    04:51:00 GMT``), ``06/05/2024`` (day first), ``06.05.2024``, ``6 May 2024``,
    ``May 6, 2024``, ``20240506``, and Esri epoch milliseconds.

    Examples
    --------
    >>> parse_date("Sat, 07 Oct 2023 21:59:00 GMT")
    datetime.date(2023, 10, 7)
    >>> parse_date("2024-08-21T09:04:00Z")
    datetime.date(2024, 8, 21)
    >>> parse_date("21/08/2024")
    datetime.date(2024, 8, 21)
    >>> parse_date(1724230800000)
    datetime.date(2024, 8, 21)
    >>> parse_date("19 באוק׳ 2025, 16:26") is None
    True
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if 1e11 < v < 1e14:  # epoch milliseconds (Esri)
            return dt.datetime.fromtimestamp(v / 1000, dt.UTC).date()
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    for f in _FORMATS:
        try:
            return dt.datetime.strptime(text, f).date()
        except ValueError:
            continue
    return None


def _apply_where(gdf: gpd.GeoDataFrame, where: str | None, path: Path) -> gpd.GeoDataFrame:
    if not where:
        return gdf
    clauses = re.split(r"\s+and\s+", where.strip())
    mask = np.ones(len(gdf), dtype=bool)
    for c in clauses:
        m = _WHERE.match(c)
        if not m:
            raise InputError(f"cannot read the filter {where!r}",
                             suggestion="write FIELD == 'value' or FIELD != 'value', joined "
                             "with 'and', e.g. --where \"StatusText == 'Displaced'\"")
        field, op, _, val = m.groups()
        if field not in gdf.columns:
            raise InputError(f"the filter names a field '{field}' this layer does not have",
                             path=path, suggestion="fields: " + ", ".join(
                                 str(c) for c in gdf.columns if c != "geometry"))
        col = gdf[field].astype(str).where(gdf[field].notna(), None)
        hit = (col == val).to_numpy(dtype=bool)
        mask &= hit if op == "==" else ~hit
    return gdf[mask]


def _layer_date(gdf: gpd.GeoDataFrame, spec: LayerSpec, date_field: str | None) -> dt.date:
    if spec.date is not None:
        return spec.date
    how = f"give the date after the file name: {spec.path}@YYYY-MM-DD"
    if not date_field:
        raise InputError("this layer has no date", path=spec.path,
                         suggestion=f"{how}, or name the field holding dates with "
                         "--date-field NAME")
    if date_field not in gdf.columns:
        raise InputError(f"this layer has no field '{date_field}' to take the date from",
                         path=spec.path, suggestion=f"{how}, or choose another --date-field; "
                         "fields: " + ", ".join(str(c) for c in gdf.columns if c != "geometry"))
    values = [v for v in gdf[date_field].tolist() if v is not None and str(v).strip()]
    dates = [parse_date(v) for v in values]
    good = [d for d in dates if d is not None]
    if not good:
        sample = str(values[0]) if values else "(empty)"
        raise InputError(f"the date in field '{date_field}' cannot be read: {sample!r}",
                         path=spec.path, suggestion=how)
    return min(good)


def timeline(
    layers: Sequence[LayerSpec | str],
    *,
    territory: str | Path | None = None,
    date_field: str | None = None,
    where: str | None = None,
) -> dict[str, Any]:
    """Measure each dated zone layer; rows sorted by date.

    Parameters
    ----------
    layers
        Layer files (``PATH`` or ``PATH@YYYY-MM-DD``).
    territory
        A polygon file; default the built-in Gaza outline (``gaza:outline``).
    date_field
        Field holding each feature's date; the layer's date is the earliest value.
    where
        Filter such as ``StatusText == 'Displaced'`` (``==``/``!=``, joined by ``and``).

    Returns
    -------
    dict
        ``rows`` (date, file, features, area_km2, share_of_territory, residents,
        hospitals), ``territory``, ``baseline``, ``units``, ``where``.
    """
    from zoneplan import pack
    from zoneplan.geometry import area_crs_for, project
    from zoneplan.measure.population_sources import builtin_population

    specs = [parse_layer_arg(x) if isinstance(x, str) else x for x in layers]
    if not specs:
        raise InputError("no layers given", suggestion="give one or more zone layer files")
    if territory is None or str(territory) == "gaza:outline":
        terr_ll = pack.outline()
        terr_ref = "gaza:outline"
    else:
        tgdf = _read(Path(territory))
        terr_ll = shapely.union_all(tgdf.to_crs(4326).geometry.to_numpy())
        terr_ref = str(territory)
    pop = builtin_population()
    gcrs = pop.crs
    crs = area_crs_for(terr_ll)
    terr_area = project(terr_ll, crs).area
    base = pop.counts[pop.central]
    hosp = pack.hospitals().to_crs(gcrs)
    hx, hy = hosp.geometry.x.to_numpy(), hosp.geometry.y.to_numpy()
    rows = []
    for spec in specs:
        gdf = _read(spec.path)
        date = _layer_date(gdf, spec, date_field)
        sel = _apply_where(gdf, where, spec.path)
        geoms = [g for g in sel.to_crs(4326).geometry if g is not None and not g.is_empty]
        union_ll = shapely.make_valid(shapely.union_all(geoms)) if geoms else shapely.Polygon()
        inside_ll = union_ll.intersection(terr_ll) if geoms else union_ll
        area = project(inside_ll, crs).area if not inside_ll.is_empty else 0.0
        inside = project(inside_ll, gcrs) if not inside_ll.is_empty else inside_ll
        if inside.is_empty:
            residents, n_h = 0.0, 0
        else:
            idx, frac = pop.grid.coverage(inside)
            residents = float((base[idx] * frac).sum())
            n_h = int(shapely.contains_xy(inside, hx, hy).sum())
        rows.append({"date": date.isoformat(), "file": str(spec.path), "features": len(sel),
                     "features_in_file": len(gdf), "area_km2": area / 1e6,
                     "share_of_territory": area / terr_area, "residents": residents,
                     "hospitals": n_h})
    rows.sort(key=lambda r: (r["date"], r["file"]))
    return {
        "rows": rows,
        "territory": {"ref": terr_ref, "area_km2": terr_area / 1e6},
        "where": where,
        "date_field": date_field,
        "baseline": {"label": pop.label, "date": pop.date, "total": pop.total(),
                     "sources": pop.sources},
        "hospitals_source": "pack-hospitals",
        "units": {"area_km2": "km²", "share_of_territory": "fraction (0-1)",
                  "residents": "people (pre-war baseline)", "hospitals": "count"},
    }


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise DataError("the layer file does not exist", path=path,
                        suggestion="check the path (relative to the working folder)")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise DataError(f"the layer cannot be read ({exc})", path=path,
                        suggestion="give a GeoJSON, GeoPackage or shapefile") from exc
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf
