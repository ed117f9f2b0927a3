"""Reading vector files: any format GDAL reads through pyogrio, GeoParquet and CSV with
lon/lat columns, into WGS 84. Every problem becomes a :class:`DataError` naming the file
and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import email.utils
import errno
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import DataError
from zoneplan.geometry import WGS84, DroppedParts, repair
from zoneplan.plan.load import bytes_limit

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["ENV_MAX_VECTOR_BYTES", "HEBREW_MONTHS", "MAX_VECTOR_BYTES", "VECTOR_SUFFIXES",
           "PolygonFeatures", "feature_name", "filter_rows", "hebrew_date", "max_vector_bytes",
           "numeric_attribute", "parse_date", "read_polygons", "read_vector"]

MAX_VECTOR_BYTES = 2_000_000_000
"""Largest vector file read, bytes. A vector file is read whole into memory (several
times its size once parsed); every real layer of the Strip is under 10 MB, and 2 GB is
about what a machine of 16 GB can still parse. Rasters are not bounded: they are read
window by window. Raised with :data:`ENV_MAX_VECTOR_BYTES`."""

ENV_MAX_VECTOR_BYTES = "ZONEPLAN_MAX_VECTOR_BYTES"
"""Environment variable that replaces :data:`MAX_VECTOR_BYTES` (a whole number of bytes)."""


def max_vector_bytes() -> int:
    """The largest vector file read: ``$ZONEPLAN_MAX_VECTOR_BYTES`` or :data:`MAX_VECTOR_BYTES`.

    Raises
    ------
    DataError
        The variable is not a whole number of bytes.
    """
    return bytes_limit(ENV_MAX_VECTOR_BYTES, MAX_VECTOR_BYTES, DataError)


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
    >>> parse_date("19 באוק׳ 2025, 16:26") is None  # see hebrew_date
    True
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
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

HEBREW_MONTHS: dict[str, int] = {
    "ינו": 1, "פבר": 2, "מרץ": 3, "אפר": 4, "מאי": 5, "יונ": 6, "יול": 7, "אוג": 8,
    "ספט": 9, "אוק": 10, "נוב": 11, "דצמ": 12}
"""Hebrew month names by their first three letters (``אוק׳``, ``אוקטובר``: October), as
Gaza Maps writes the date of some orders (``19 באוק׳ 2025, 16:26``)."""

_HEBREW_DATE = re.compile(r"^\s*(\d{1,2})\s+ב?([\u05d0-\u05ea]{3})[\u05d0-\u05ea]*[\u05f3']?"
                          r"\s+(\d{4})\b")


def hebrew_date(value: Any) -> dt.date | None:
    """Read a date written day, Hebrew month, year (``19 באוק׳ 2025, 16:26``, as in Gaza
    Maps' layer of the order of 19 October 2025); ``None`` for anything else.

    Examples
    --------
    >>> hebrew_date("19 באוק׳ 2025, 16:26")
    datetime.date(2025, 10, 19)
    >>> hebrew_date("3 במרץ 2024")
    datetime.date(2024, 3, 3)
    >>> hebrew_date("31 בנוב׳ 2025") is None  # not a day of November
    True
    >>> hebrew_date("2025-10-19") is None
    True
    """
    m = _HEBREW_DATE.match(str(value)) if isinstance(value, str) else None
    month = HEBREW_MONTHS.get(m.group(2)) if m else None
    if m is None or month is None:
        return None
    try:
        return dt.date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None


def _check_size_and_link(p: Path, what: str) -> None:
    """Refuse a symbolic link that loops and a file larger than :func:`max_vector_bytes`."""
    try:
        st = p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataError(f"the {what} file is a symbolic link that loops (it leads back "
                            "to itself), so it cannot be opened", path=p,
                            suggestion="point the link at the file, or give the file's own "
                            "path") from None
        return  # a missing file is said by the caller
    limit = max_vector_bytes()
    if stat.S_ISREG(st.st_mode) and st.st_size > limit:
        raise DataError(f"the {what} file is {st.st_size:,} bytes; a vector file is read "
                        f"whole, and at most {limit:,} bytes are read", path=p,
                        suggestion="clip the file to the territory or keep only the columns "
                        f"needed (e.g. ogr2ogr -clipsrc); or set {ENV_MAX_VECTOR_BYTES} to "
                        "its size in bytes if this machine has the memory")


def _check_lon_lat(gdf: gpd.GeoDataFrame, p: Path, what: str) -> None:
    """Refuse coordinates that cannot be longitude/latitude in a file read as WGS 84: a
    projected file without a CRS (GeoJSON is lon/lat by definition, RFC 7946)."""
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return
    raise DataError(
        f"the {what} file's coordinates (x {minx:,.0f} to {maxx:,.0f}, y {miny:,.0f} to "
        f"{maxy:,.0f}) are not longitude/latitude, though the file says or implies "
        "lon/lat (GeoJSON always means EPSG:4326): it holds projected coordinates (metres) "
        "without their CRS", path=p,
        suggestion="reproject it to lon/lat (e.g. ogr2ogr -s_srs EPSG:32636 -t_srs EPSG:4326 "
        "out.geojson in.geojson, with the CRS it was made in), or save it as a GeoPackage "
        "with its CRS")

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".parquet", ".geoparquet",
                   ".csv", ".zip", ".kml", ".gml"}
"""File endings :func:`read_vector` accepts."""


def read_vector(path: str | Path, *, what: str, keep_empty: bool = False
                ) -> gpd.GeoDataFrame:
    """Read a vector file into WGS 84, checking it exists, parses, has a CRS and features.

    Parameters
    ----------
    path
        The file.
    what
        What the file is for, used in messages (``"territory"``).
    keep_empty
        Keep features without geometry, and accept a file without features (a
        timeline flags such a layer instead of refusing it); its CRS is still required.

    Raises
    ------
    DataError
        The file does not exist, cannot be read, is in an unknown format, has no CRS
        (none is assumed), or (without ``keep_empty``) holds no features.
    """
    import geopandas as gpd  # here: a run on the built-in pack reads no file

    p = Path(path)
    _check_size_and_link(p, what)
    if not p.exists():
        raise DataError(f"the {what} file does not exist", path=p,
                        suggestion="check the path (relative paths are relative to the plan file)")
    try:
        with p.open("rb"):
            pass
    except PermissionError as exc:
        raise DataError(f"the {what} file cannot be read: permission denied", path=p,
                        suggestion="give yourself read permission (chmod u+r), or copy the "
                        "file somewhere you can read it") from exc
    except IsADirectoryError:
        pass  # a folder of shapefiles: GDAL reads it
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
    if keep_empty:
        return gdf if gdf.crs.equals(WGS84) else gdf.to_crs(WGS84)
    if len(gdf) == 0 or gdf.geometry.isna().all() or gdf.geometry.is_empty.all():
        raise DataError(f"the {what} file holds no features", path=p,
                        suggestion="choose a file that contains geometry")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if gdf.crs.is_geographic:
        _check_lon_lat(gdf, p, what)
    if not gdf.crs.equals(WGS84):
        gdf = gdf.to_crs(WGS84)
    return gdf


def _read_csv_points(p: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

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


def numeric_attribute(gdf: gpd.GeoDataFrame, name: str, path: str) -> np.ndarray[Any, Any]:
    """The attribute ``name`` as float64 numbers (NaN where not a number).

    Raises
    ------
    DataError
        If there is no such attribute; the message lists the attributes there are.
    """
    if name not in gdf.columns:
        cols = [c for c in gdf.columns if c != "geometry"]
        near = difflib.get_close_matches(name, cols, n=1)
        raise DataError(
            f"the attribute '{name}' does not exist",
            path=path,
            suggestion=(f"did you mean '{near[0]}'? " if near else "")
            + f"attributes there: {', '.join(map(str, cols))}",
        )
    import pandas as pd

    vals = pd.to_numeric(gdf[name], errors="coerce").to_numpy(float)
    return vals


def filter_rows(gdf: gpd.GeoDataFrame, where: str | None, path: str) -> gpd.GeoDataFrame:
    """The rows matching the filter ``where`` (such as ``amenity == 'hospital'``; see
    :mod:`zoneplan.plan.filters`: the text is parsed and applied as data, never run).

    Raises
    ------
    FilterError
        If the filter cannot be read, names a column the layer does not have (the message
        names ``path`` and the columns there), or compares a column with a value of
        another kind.
    """
    if not where:
        return gdf
    from zoneplan.io.filter_rows import matching_rows  # only for a layer with a filter
    from zoneplan.plan.filters import parse_filter

    return gdf[matching_rows(parse_filter(where), gdf, source=path)]


@dataclass(eq=False)
class PolygonFeatures:
    """The polygon features of a file, each valid and polygonal, with their attributes.

    Attributes
    ----------
    path
        The file.
    frame
        The features that have polygons, as read (attributes and original geometry).
    numbers
        Each feature's place in the file (1 for the first), row by row of ``frame``.
    polygons
        Each feature's polygons (Polygon or MultiPolygon, WGS 84), row by row of ``frame``.
    """

    path: Path
    frame: gpd.GeoDataFrame
    numbers: list[int]
    polygons: list[BaseGeometry]


def feature_name(number: int, name: Any = None) -> str:
    """A feature as messages name it: its place in the file, and its name if it has one.

    Examples
    --------
    >>> feature_name(3, "Rafah"), feature_name(4, float("nan"))
    ("feature 3 ('Rafah')", 'feature 4')
    """
    text = "" if name is None or str(name).strip() in ("", "nan", "None") else str(name).strip()
    return f"feature {number}" + (f" ('{text}')" if text else "")


def read_polygons(path: str | Path, *, what: str, names: Sequence[str] = ()
                  ) -> PolygonFeatures:
    """Read a file of polygon features, keeping the polygonal parts of each.

    Invalid geometry is repaired (:func:`zoneplan.geometry.repair`, a warning per feature);
    points and lines, alone or in a GeometryCollection beside polygons, are dropped with
    one :class:`~zoneplan.errors.PartsDroppedWarning` naming the features (their place in
    the file, and the first of ``names`` they have); features left with no polygon are left out.

    Parameters
    ----------
    path
        The file.
    what
        What the file is for, used in messages (``"zones"``).
    names
        Attributes that may name the features in messages: the first the file has.

    Raises
    ------
    DataError
        As :func:`read_vector`. A file with no polygon at all gives an empty result: the
        caller says what it needed.
    """
    import pandas as pd

    p = Path(path)
    gdf = read_vector(p, what=what)
    idx = gdf.index
    numbers = (np.asarray(idx, dtype=np.int64) + 1 if pd.api.types.is_integer_dtype(idx)
               else np.arange(1, len(gdf) + 1))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    types = shapely.get_type_id(geoms)
    plain = (np.isin(types, [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
             & shapely.is_valid(geoms))
    field = next((c for c in names if c in gdf.columns and c != "geometry"), None)
    labels = (gdf[field].to_numpy(object) if field is not None
              else np.full(len(gdf), None, dtype=object))
    log = DroppedParts(f"the {what} file {p.name}")
    out = geoms.copy()
    for i in np.flatnonzero(~plain):
        label = feature_name(int(numbers[i]), labels[i])
        g = geoms[i]
        if types[i] in (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON,
                        shapely.GeometryType.GEOMETRYCOLLECTION):
            g = repair(g, what=f"{label} of the {what} file {p.name}")
        out[i] = log.keep(label, g)
    log.warn(stacklevel=2)
    keep = ~shapely.is_empty(out)
    return PolygonFeatures(path=p, frame=gdf[keep], numbers=[int(n) for n in numbers[keep]],
                           polygons=list(out[keep]))
