"""Reading the layers a plan refers to: territory, lines, zone polygons, points.

Built-in names (``gaza:...``) come from :mod:`zoneplan.pack`; anything else is a file
read with pyogrio through geopandas. Every problem becomes a :class:`DataError` naming
the file and the fix.
"""

from __future__ import annotations

import difflib
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import DataError, InputError
from zoneplan.geometry import WGS84, repair
from zoneplan.plan import LayerRef, LineSpec, Plan, ZoneSpec

__all__ = [
    "PointLayer",
    "damage_layer",
    "hospital_layer",
    "line_geometry",
    "read_vector",
    "territory_geometry",
    "zone_polygon",
]

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet",
                   ".csv", ".zip", ".kml", ".gml"}


def read_vector(path: str | Path, *, what: str) -> gpd.GeoDataFrame:
    """Read a vector file into WGS 84, checking it exists, parses, has a CRS and features.

    Parameters
    ----------
    path
        The file.
    what
        What the file is for, used in messages (``"territory"``).
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"the {what} file does not exist", path=p,
                        suggestion="check the path (relative paths are relative to the plan file)")
    if p.suffix.lower() not in VECTOR_SUFFIXES:
        raise DataError(
            f"unknown format '{p.suffix}' for the {what}",
            path=p,
            suggestion="use GeoJSON, GeoPackage, Shapefile, FlatGeobuf, GeoParquet or CSV "
            "with lon/lat columns",
        )
    try:
        if p.suffix.lower() in {".parquet", ".geoparquet"}:
            gdf = gpd.read_parquet(p)
        elif p.suffix.lower() == ".csv":
            gdf = _read_csv_points(p)
        else:
            gdf = gpd.read_file(p)
    except DataError:
        raise
    except ImportError as exc:
        raise DataError(
            f"reading this {what} file needs a package that is not installed ({exc.name})",
            path=p,
            suggestion=f"pip install {exc.name or 'pyarrow'}",
        ) from exc
    except Exception as exc:  # pyogrio raises several types for corrupt files
        raise DataError(
            f"the {what} file cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
            path=p,
            suggestion="check that the file is complete and in a vector format; open it in "
            "QGIS to see whether it is damaged",
        ) from exc
    if gdf.crs is None:
        raise DataError(
            f"the {what} file has no coordinate reference system (CRS)",
            path=p,
            suggestion="save it with a CRS (e.g. EPSG:4326 for lon/lat), or for a shapefile "
            "add the missing .prj file",
        )
    if len(gdf) == 0 or gdf.geometry.isna().all() or gdf.geometry.is_empty.all():
        raise DataError(f"the {what} file holds no features", path=p,
                        suggestion="choose a file that contains geometry")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    return gdf


def _read_csv_points(p: Path) -> gpd.GeoDataFrame:
    df = pd.read_csv(p)
    cols = {c.lower(): c for c in df.columns}
    lon = next((cols[c] for c in ("lon", "longitude", "x", "lng") if c in cols), None)
    lat = next((cols[c] for c in ("lat", "latitude", "y") if c in cols), None)
    if lon is None or lat is None:
        raise DataError(
            "the CSV file has no lon/lat columns",
            path=p,
            suggestion="name the coordinate columns 'lon' and 'lat' (WGS 84 degrees); "
            f"columns found: {', '.join(map(str, df.columns))}",
        )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df[lon], df[lat]), crs=WGS84)


def _polygonal(geom: BaseGeometry) -> bool:
    return geom.geom_type in ("Polygon", "MultiPolygon")


def territory_geometry(plan: Plan) -> BaseGeometry:
    """The plan's territory as one (multi)polygon in WGS 84."""
    if plan.territory.startswith("gaza:"):
        geom = pack.builtin_layer(plan.territory)
        if not isinstance(geom, Polygon):
            raise InputError(f"built-in layer '{plan.territory}' is not a polygon",
                             path=plan.path, location="territory",
                             suggestion="use gaza:outline")
        return geom
    gdf = read_vector(plan.resolve_path(plan.territory), what="territory")
    polys = [g for g in gdf.geometry if _polygonal(g)]
    if not polys:
        raise DataError("the territory file holds no polygons", path=plan.territory,
                        suggestion="give a file with the territory as a polygon")
    geom = shapely.union_all([repair(g, what=f"territory feature in {plan.territory}")
                              for g in polys])
    if geom.is_empty or geom.area == 0:
        raise DataError("the territory is empty (zero area)", path=plan.territory,
                        suggestion="check the file: its polygons have no area")
    return geom


def line_geometry(plan: Plan, spec: LineSpec) -> LineString:
    """A plan line in WGS 84 (inline, built-in or from a file)."""
    if spec.coordinates is not None:
        return LineString(spec.coordinates)
    if spec.layer is not None:
        geom = pack.builtin_layer(spec.layer)
        if not isinstance(geom, LineString):
            raise InputError(f"built-in layer '{spec.layer}' is not a line", path=plan.path,
                             location=f"lines '{spec.id}'", suggestion="use gaza:yellow-line")
        return geom
    assert spec.file is not None
    gdf = read_vector(plan.resolve_path(spec.file), what=f"line '{spec.id}'")
    merged = shapely.line_merge(shapely.union_all(
        [g for g in gdf.geometry if g.geom_type in ("LineString", "MultiLineString")]))
    if merged.is_empty:
        raise DataError(f"the file for line '{spec.id}' holds no lines", path=spec.file,
                        suggestion="give a file with one LineString feature")
    if merged.geom_type == "MultiLineString":
        raise DataError(
            f"the file for line '{spec.id}' holds {len(merged.geoms)} separate pieces",
            path=spec.file,
            suggestion="join them into one continuous line, or give each as its own line",
        )
    return merged


def zone_polygon(plan: Plan, spec: ZoneSpec) -> BaseGeometry:
    """A zone given as a polygon (inline or file), WGS 84."""
    if spec.polygon is not None:
        ring = list(spec.polygon)
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        return repair(Polygon(ring), what=f"zone '{spec.id}'")
    assert spec.file is not None
    gdf = read_vector(plan.resolve_path(spec.file), what=f"zone '{spec.id}'")
    polys = [repair(g, what=f"zone '{spec.id}' ({spec.file})")
             for g in gdf.geometry if _polygonal(g)]
    if not polys:
        raise DataError(f"the file for zone '{spec.id}' holds no polygons", path=spec.file,
                        suggestion="give a file with polygon features")
    return shapely.union_all(polys)


class PointLayer:
    """Points with optional per-point numbers (beds, counts), in WGS 84.

    Attributes
    ----------
    gdf
        The points.
    values
        Per-point numbers, e.g. ``values["beds"]``; NaN where unknown.
    sources
        Source ids.
    label
        What the points are.
    """

    def __init__(self, gdf: gpd.GeoDataFrame, values: dict[str, np.ndarray[Any, Any]],
                 sources: list[str], label: str) -> None:
        self.gdf = gdf
        self.values = values
        self.sources = sources
        self.label = label

    def __len__(self) -> int:
        return len(self.gdf)


def _attribute(gdf: gpd.GeoDataFrame, name: str, path: str) -> np.ndarray[Any, Any]:
    if name not in gdf.columns:
        cols = [c for c in gdf.columns if c != "geometry"]
        near = difflib.get_close_matches(name, cols, n=1)
        raise DataError(
            f"the attribute '{name}' does not exist",
            path=path,
            suggestion=(f"did you mean '{near[0]}'? " if near else "")
            + f"attributes there: {', '.join(map(str, cols))}",
        )
    vals = pd.to_numeric(gdf[name], errors="coerce").to_numpy(float)
    return vals


def _apply_where(gdf: gpd.GeoDataFrame, where: str | None, path: str) -> gpd.GeoDataFrame:
    if not where:
        return gdf
    try:
        return gdf.query(where)
    except Exception as exc:
        raise DataError(
            f"the filter {where!r} cannot be applied ({exc})",
            path=path,
            suggestion="write it like amenity == 'hospital'; attributes there: "
            + ", ".join(map(str, gdf.columns)),
        ) from exc


def _point_layer(plan: Plan, ref: LayerRef, *, what: str) -> gpd.GeoDataFrame:
    path = str(plan.resolve_path(ref.path))
    gdf = _apply_where(read_vector(path, what=what), ref.where, path)
    if not gdf.empty and not (gdf.geom_type == "Point").all():
        gdf = gdf.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf["geometry"] = gdf.geometry.representative_point()
    return gdf


def hospital_layer(plan: Plan) -> PointLayer | None:
    """Hospitals: the plan's ``hospitals`` layer, or the pack's for built-in territories."""
    ref = plan.layers.get("hospitals")
    if ref is None:
        if not plan.territory.startswith("gaza:"):
            return None
        gdf = pack.hospitals()
        return PointLayer(gdf, {"beds": gdf["beds"].to_numpy(float)},
                          pack.layer_sources("gaza:hospitals"), "hospitals (built-in pack)")
    if ref.path.startswith("gaza:"):
        gdf = pack.builtin_layer(ref.path)
        return PointLayer(gdf, {"beds": gdf["beds"].to_numpy(float)},
                          ref.sources or pack.layer_sources(ref.path), ref.path)
    gdf = _point_layer(plan, ref, what="hospitals layer")
    beds = (_attribute(gdf, ref.beds, ref.path) if ref.beds
            else np.full(len(gdf), np.nan))
    return PointLayer(gdf, {"beds": beds}, ref.sources, f"hospitals ({Path(ref.path).name})")


def damage_layer(plan: Plan) -> PointLayer | None:
    """Damaged structures: points, each with a ``count`` (1 where no count attribute)."""
    ref = plan.layers.get("damage")
    if ref is None:
        return None
    gdf = _point_layer(plan, ref, what="damage layer")
    counts = _attribute(gdf, ref.count, ref.path) if ref.count else np.ones(len(gdf))
    if np.any(counts < 0):
        raise DataError(f"the damage layer has negative counts in '{ref.count}'", path=ref.path,
                        suggestion="counts of damaged structures must be zero or more")
    values = {"count": np.nan_to_num(counts)}
    if ref.damage_class:
        if ref.damage_class not in gdf.columns:
            _attribute(gdf, ref.damage_class, ref.path)  # raises, naming the attributes there
        values["class"] = gdf[ref.damage_class].astype(str).to_numpy()
    return PointLayer(gdf, values, ref.sources, f"damage ({Path(ref.path).name})")
