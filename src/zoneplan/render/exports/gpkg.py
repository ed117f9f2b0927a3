"""GIS files: a styled GeoPackage for QGIS and a GeoParquet file of the zones.

GeoPackage layers (WGS 84 lon/lat, EPSG:4326):

``zones``
    One feature per zone; every indicator of the JSON result as an attribute (full
    precision, null where not applicable), each range as ``<key>_low``/``<key>_high``,
    and each standard judgement as ``meets_<standard>`` (1, 0 or null).
``lines``
    One feature per line of the plan, with its id, label and date.
``hospitals``
    The hospitals the plan used, with their name and the attributes the layer has.
``by_area`` (with ``--by``)
    One feature per (area, zone) piece: ``area``, ``zone_id`` and the by-area figures
    (:data:`zoneplan.measure.figures.by_area.BY_AREA_KEYS`) with ``<key>_low``/``<key>_high``.
``layer_styles``
    QGIS styles for the zones, lines and hospitals (:mod:`zoneplan.render.exports.qml`):
    QGIS opens the file
    with the zones in the plan's colours and access patterns, the lines by colour and dash
    and the hospitals as green crosses, as on the maps.

``zones.parquet`` (:func:`write_geoparquet`) holds the ``zones`` layer as GeoParquet
(the same columns, WGS 84), for pandas, DuckDB, R or any Arrow reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import shapely

from zoneplan.geometry import WGS84, to_lonlat
from zoneplan.io.outputs import write_with_atomic
from zoneplan.plan.rules.definitions import ZONE_KEYS
from zoneplan.result import is_number

if TYPE_CHECKING:
    from zoneplan.result import Result

__all__ = ["by_area_frame", "hospitals_frame", "lines_frame", "write_geoparquet", "write_gpkg",
           "zones_frame"]


def _num(v: Any) -> float | None:
    return float(v) if is_number(v) else None


def zones_frame(result: Result) -> gpd.GeoDataFrame:
    """The zones with their indicators as attributes (WGS 84).

    Indicator columns are floating point (GeoPackage REAL), null where the JSON has null.
    """
    d = result.to_dict()
    rows: list[dict[str, Any]] = []
    for z in d["zones"]:
        row: dict[str, Any] = {"zone_id": z["id"], "label": z["label"],
                               "controller": z.get("controller"), "access": z.get("access"),
                               "reconstruction": int(bool(z.get("reconstruction")))}
        for k in ZONE_KEYS:
            row[k] = _num(z.get(k))
        for k in ZONE_KEYS:
            rng = (z.get("ranges") or {}).get(k)
            row[f"{k}_low"] = _num(rng[0]) if rng else None
            row[f"{k}_high"] = _num(rng[1]) if rng else None
        for sid, ok in (z.get("standards") or {}).items():
            row["meets_" + sid.replace("-", "_")] = None if ok is None else int(ok)
        row["plan_id"] = d["plan"]["id"]
        rows.append(row)
    geoms = [to_lonlat(z.geometry, result.layout.crs) for z in result.layout.zones]
    df = pd.DataFrame(rows)
    for col in df.columns:
        if col not in ("zone_id", "label", "controller", "access", "plan_id"):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return gpd.GeoDataFrame(df, geometry=geoms, crs=WGS84)


def lines_frame(result: Result) -> gpd.GeoDataFrame:
    """The plan's lines (WGS 84) with id, label and date."""
    d = result.to_dict()
    rows = [{"line_id": ln["id"], "label": ln.get("label"), "date": ln.get("date"),
             "plan_id": d["plan"]["id"]} for ln in d.get("lines", [])]
    geoms = [shapely.geometry.shape(ln["geometry"]) for ln in d.get("lines", [])]
    if not rows:
        geoms = [to_lonlat(g, result.layout.crs) for g in result.layout.lines.values()]
        rows = [{"line_id": k, "label": k, "date": None, "plan_id": d["plan"]["id"]}
                for k in result.layout.lines]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=WGS84)


def hospitals_frame(result: Result) -> gpd.GeoDataFrame | None:
    """The hospitals of the evaluation (WGS 84), or ``None`` when the plan has none."""
    h = result.inputs.hospitals
    if h is None or h.gdf is None or not len(h.gdf):
        return None
    keep = [c for c in ("name", "governorate", "type", "beds", "status", "status_date")
            if c in h.gdf.columns]
    return gpd.GeoDataFrame(h.gdf[keep].copy(), geometry=h.gdf.geometry.to_crs(WGS84).values,
                            crs=WGS84)


def by_area_frame(result: Result) -> gpd.GeoDataFrame | None:
    """The (area, zone) pieces with their figures and ranges (WGS 84), or ``None``
    when the result was not broken down by area."""
    from zoneplan.measure.figures.by_area import BY_AREA_KEYS

    rows = result.data.get("by_area")
    if not rows or result.pieces is None:
        return None
    out: list[dict[str, Any]] = []
    for r in rows:
        row: dict[str, Any] = {"area": r["area"], "zone_id": r["zone"]}
        for k in BY_AREA_KEYS:
            row[k] = _num(r.get(k))
            rng = (r.get("ranges") or {}).get(k)
            row[f"{k}_low"] = _num(rng[0]) if rng else None
            row[f"{k}_high"] = _num(rng[1]) if rng else None
        out.append(row)
    geoms = [to_lonlat(pc.geometry, result.layout.crs) for pc in result.pieces]
    return gpd.GeoDataFrame(pd.DataFrame(out), geometry=geoms, crs=WGS84)


def write_geoparquet(result: Result, path: str | Path, *, overwrite: bool = False) -> None:
    """Write the zones with their indicators (:func:`zones_frame`) as GeoParquet, atomically."""
    zones = zones_frame(result)
    write_with_atomic(path, lambda tmp: zones.to_parquet(tmp, index=False),
                      overwrite=overwrite)


def write_gpkg(result: Result, path: str | Path, *, overwrite: bool = False) -> None:
    """Write ``zones.gpkg`` with layers ``zones``, ``lines``, ``hospitals`` (and
    ``by_area`` with ``--by``) and QGIS styles, atomically.

    Parameters
    ----------
    result
        An evaluated plan.
    path
        The GeoPackage to write.
    overwrite
        Replace ``path`` if it exists.
    """
    from zoneplan.render.exports.qml import hospitals_qml, lines_qml, write_layer_styles, zones_qml
    from zoneplan.render.style import line_styles, zone_looks

    d = result.to_dict()
    zones = zones_frame(result)
    lines = lines_frame(result)
    hospitals = hospitals_frame(result)
    by_area = by_area_frame(result)
    styles = {"zones": zones_qml(zone_looks(d["zones"]))}

    def _write(tmp: Path) -> None:
        zones.to_file(tmp, layer="zones", driver="GPKG")
        if len(lines):
            lines.to_file(tmp, layer="lines", driver="GPKG", mode="a")
            ids = [str(x) for x in lines["line_id"]]
            styles["lines"] = lines_qml(line_styles(ids), dict(zip(
                ids, [str(x) for x in lines["label"]], strict=True)))
        if hospitals is not None:
            hospitals.to_file(tmp, layer="hospitals", driver="GPKG", mode="a")
            styles["hospitals"] = hospitals_qml()
        if by_area is not None:
            by_area.to_file(tmp, layer="by_area", driver="GPKG", mode="a")
        write_layer_styles(tmp, styles)

    write_with_atomic(path, _write, overwrite=overwrite)
