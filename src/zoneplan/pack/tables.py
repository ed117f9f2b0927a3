"""Readers of the built-in Gaza pack's tables (CSV files in ``data/gaza/``), offline.

Each reader returns plain geometries, or a :class:`Rows` table (columns as lists, one
geometry per row), in WGS 84, and is cached. They need no pandas or geopandas, so a run
on the built-in pack loads neither; :mod:`zoneplan.pack.frames` gives the same tables as
GeoDataFrames. What the tables are and where they come from: ``data/gaza/ATTRIBUTION.md``.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from zoneplan.geometry import WGS84, project, project_all

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "HOSPITAL_STATUSES",
    "MISSING_LOCALITIES_TOTAL",
    "PACK_CRS",
    "PACK_DIR",
    "Rows",
    "crossing_history",
    "crossing_rows",
    "crossing_states_on",
    "damage_rows",
    "first_day",
    "governorate_boundaries",
    "governorate_rows",
    "hospital_rows",
    "hospital_status",
    "locality_rows",
    "municipality_rows",
    "outline",
    "population_total_on",
    "population_totals",
    "yellow_line",
    "zone_east_published",
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


@dataclass(frozen=True, eq=False)
class Rows:
    """A pack table as plain data: named columns, one geometry per row, WGS 84.

    Attributes
    ----------
    columns
        Column name → one value per row, in the order of the GeoDataFrame
        :mod:`zoneplan.pack.frames` makes of it (geometry last).
    geometry
        One shapely geometry per row (``None`` where a row has none), WGS 84.
    """

    columns: dict[str, list[Any]]
    geometry: list[BaseGeometry | None]

    def __len__(self) -> int:
        return len(self.geometry)

    def numbers(self, name: str) -> NDArray[np.float64]:
        """Column ``name`` as float64 (NaN where a value is missing)."""
        return np.asarray(self.columns[name], dtype=float)

    def texts(self, name: str) -> NDArray[np.object_]:
        """Column ``name`` as an object array (``None`` where a value is missing)."""
        out = np.empty(len(self), dtype=object)
        out[:] = self.columns[name]
        return out

    def xy(self, crs: CRS) -> NDArray[np.float64]:
        """The rows' points as an (n, 2) array of coordinates in ``crs``."""
        pts = project_all(self.geometry, crs)
        return np.column_stack([shapely.get_x(pts), shapely.get_y(pts)])

    def frame(self, crs: CRS = WGS84) -> gpd.GeoDataFrame:
        """The table as a GeoDataFrame (geopandas is imported here, on first use)."""
        import geopandas as gpd

        return gpd.GeoDataFrame(dict(self.columns), geometry=self.geometry, crs=crs)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (PACK_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _line_from_rows(rows: list[dict[str, str]]) -> LineString:
    rows = sorted(rows, key=lambda r: int(r["seq"]))
    return LineString([(float(r["lon"]), float(r["lat"])) for r in rows])


def _float(text: str) -> float:
    return float(text) if text.strip() else np.nan


def _points(rows: Sequence[dict[str, str]]) -> list[BaseGeometry | None]:
    """One point per row (``lon``, ``lat``), made in one call (the same points as
    ``Point(lon, lat)`` one by one; a thousand damage clusters in a tenth of the time)."""
    xy = np.array([(float(r["lon"]), float(r["lat"])) for r in rows],
                  dtype=np.float64).reshape(-1, 2)
    return list(shapely.points(xy))


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
def locality_rows() -> Rows:
    """The 33 PCBS 2017 localities: ``name``, ``kind``, ``governorate``, ``pcode``,
    ``population_2017`` (NaN where unpublished), ``imputed`` and ``weight``.

    ``weight`` is the 2017 population where published, else an equal share of
    :data:`MISSING_LOCALITIES_TOTAL` (flagged by ``imputed``).
    """
    rows = _read_csv("localities.csv")
    missing = [r for r in rows if not r["pop_2017"].strip()]
    fill = MISSING_LOCALITIES_TOTAL / len(missing) if missing else 0.0
    pop = [float(r["pop_2017"]) if r["pop_2017"].strip() else np.nan for r in rows]
    return Rows({"name": [r["name"] for r in rows],
                 "kind": [r["kind"] for r in rows],
                 "governorate": [r["governorate"] for r in rows],
                 "pcode": [r["pcode"] for r in rows],
                 "population_2017": pop,
                 "imputed": [bool(np.isnan(p)) for p in pop],
                 "weight": [fill if np.isnan(p) else p for p in pop]},
                _points(rows))


def _mode(values: list[str]) -> str:
    """The most frequent value; of several as frequent, the first in sorted order."""
    counts = Counter(values)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


@functools.cache
def governorate_rows() -> Rows:
    """The five governorates, north to south: ``name``, ``pcode``, ``population``
    (pre-war baseline), ``population_date``, ``population_source``; WGS 84.

    The outline is cut by the governorate boundaries in :data:`PACK_CRS`; each part goes
    to the governorate most of the localities inside it belong to.
    """
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
    locs = locality_rows()
    pts = np.asarray(project_all(locs.geometry, PACK_CRS), dtype=object)
    gov_of = locs.columns["governorate"]
    named: dict[str, list[Any]] = {}
    for part in parts:
        inside = np.flatnonzero(shapely.within(pts, part))
        if inside.size == 0:
            raise RuntimeError("built-in pack: a governorate part holds no locality")
        named.setdefault(_mode([gov_of[i] for i in inside]), []).append(part)
    names = sorted(named, key=lambda n: int(meta[n]["order_north_to_south"]))
    geoms = [shapely.union_all(named[n]) for n in names]
    return Rows({"name": names,
                 "pcode": [meta[n]["pcode"] for n in names],
                 "population": [float(pops[n]["population"]) for n in names],
                 "population_date": [pops[n]["year_or_date"] for n in names],
                 "population_source": [pops[n]["source"] for n in names]},
                project_all(geoms, WGS84, src=PACK_CRS))


HOSPITAL_STATUSES: tuple[str, ...] = ("functional", "partially functional", "not functional",
                                      "unknown")
"""Operating status of a hospital, in WHO's words (the pack maps each source's wording)."""


def hospital_status(text: str) -> str:
    """WHO's operating-status word for a hospital status as a source words it.

    "out of service" (in any wording) is ``not functional``; "operating",
    "functioning", "in service" or "resumed operations" is ``partially functional``,
    since WHO reported no Gaza hospital as fully functional after October 2023 (14 of 36
    partially functioning on 8 Oct 2025); no statement is ``unknown``.

    Examples
    --------
    >>> hospital_status("out of service (MoH list, 27 Sep 2025)")
    'not functional'
    >>> hospital_status("operating, under threat")
    'partially functional'
    >>> hospital_status("resumed operations after rehabilitation (out of service since 2024)")
    'partially functional'
    >>> hospital_status("")
    'unknown'
    """
    t = text.strip().lower()
    if not t:
        return "unknown"
    if t.startswith("resumed operations"):  # "resumed ... (out of service since Feb 2024)"
        return "partially functional"
    if "out of service" in t or "closed" in t or "non-functional" in t:
        return "not functional"
    if any(w in t for w in ("operating", "functioning", "in service", "resumed operations")):
        return "partially functional"
    return "unknown"


@functools.cache
def hospital_rows() -> Rows:
    """The 38 hospitals of the pack, with pre-war beds and the latest dated status.

    Columns: ``name``, ``name_ar``, ``governorate``, ``type``, ``confidence``
    (high/medium/low), ``beds`` (pre-war beds where a source states them, else NaN),
    ``beds_low``/``beds_high`` (the smallest and largest stated figures), ``beds_source``,
    ``status`` (one of :data:`HOSPITAL_STATUSES`), ``status_text`` (as the source words
    it), ``status_date``.
    """
    rows = _read_csv("hospitals.csv")
    beds = {r["hospital_id"]: r for r in _read_csv("hospital_beds.csv")
            if not r["hospital_id"].startswith("#")}
    missing = [r["name"] for r in rows if r["name"] not in beds]
    if missing:  # the tables are joined on the hospital's name
        raise RuntimeError(f"built-in pack: no row in hospital_beds.csv for {missing}")
    b = [beds[r["name"]] for r in rows]
    prewar = [_float(x["beds_prewar"]) for x in b]
    return Rows(
        {
            "name": [r["name"] for r in rows],
            "name_ar": [r["name_ar"] for r in rows],
            "governorate": [r["governorate"] for r in rows],
            "type": [r["type"] or None for r in rows],
            "confidence": [r["confidence"] for r in rows],
            "beds": prewar,
            "beds_low": [_float(x["beds_low"]) if x["beds_low"].strip() else v
                         for x, v in zip(b, prewar, strict=True)],
            "beds_high": [_float(x["beds_high"]) if x["beds_high"].strip() else v
                          for x, v in zip(b, prewar, strict=True)],
            "beds_source": [x["beds_source"] or None for x in b],
            "status": [hospital_status(x["status_latest"]) for x in b],
            "status_text": [x["status_latest"] or None for x in b],
            "status_date": [x["status_date"] or None for x in b],
        },
        _points(rows))


@functools.cache
def crossing_rows() -> Rows:
    """The eight crossings into the Strip; geometry is ``None`` where no source gives the
    crossing's own coordinates (Salah al-Din Gate, Zikim, Kissufim, Sufa).

    Columns: ``id``, ``name``, ``kind`` (people, goods, both), ``status_text`` (the latest
    dated status, as the source words it), ``status_date``, ``note``.
    """
    rows = _read_csv("crossings.csv")
    return Rows({"id": [r["id"] for r in rows], "name": [r["name"] for r in rows],
                 "kind": [r["kind"] for r in rows],
                 "status_text": [r["status_latest"] or None for r in rows],
                 "status_date": [r["status_date"] or None for r in rows],
                 "note": [r["note"] or None for r in rows]},
                [Point(float(r["lon"]), float(r["lat"])) if r["lon"].strip() else None
                 for r in rows])


@functools.cache
def crossing_history() -> tuple[dict[str, str], ...]:
    """The crossings' dated states (``crossing_status_history.csv``), one dict per row:
    ``crossing_id``, ``state`` (open, open_limited, closed), ``carries`` (aid, people,
    mixed, goods), ``valid_from``, ``valid_to`` (half-open; blank: still the latest
    found; month- or year-only where the day was not found), ``source_publisher`` (the
    original), ``source_title``, ``source_date``, ``source_url``, ``via`` (the page read,
    where it is a re-post) and ``quote``."""
    return tuple(_read_csv("crossing_status_history.csv"))


def first_day(text: str) -> str:
    """A date as the first day it may stand for ("2025-07" → "2025-07-01"; "2011" →
    "2011-01-01"), for comparing dates of different precision.

    Examples
    --------
    >>> first_day("2025-07"), first_day("2011"), first_day("2025-11-14")
    ('2025-07-01', '2011-01-01', '2025-11-14')
    """
    t = text.strip()
    return t + "-01-01" if len(t) == 4 else t + "-01" if len(t) == 7 else t


def crossing_states_on(date: str) -> tuple[dict[str, dict[str, str]],
                                           list[dict[str, str]]]:
    """Each crossing's dated state on ``date`` (ISO; a month or year counts from its first
    day), and the states that began after it (later evidence), from
    :func:`crossing_history`.

    A state holds from its ``valid_from`` (the change day belongs to the new state) to its
    ``valid_to``; a crossing with no row covering the date is left out.

    Examples
    --------
    >>> on, later = crossing_states_on("2025-11-14")
    >>> [(k, v["state"]) for k, v in sorted(on.items()) if k != "karni"][:3]
    [('erez', 'closed'), ('kerem_shalom', 'open'), ('kissufim', 'open')]
    >>> on["zikim"]["state"], on["rafah"]["state"]
    ('open', 'closed')
    >>> on["rafah"]["valid_from"], on["rafah"]["valid_to"]
    ('2025-03-18', '2026-02-02')
    """
    day = first_day(date)
    on: dict[str, dict[str, str]] = {}
    later: list[dict[str, str]] = []
    for r in crossing_history():
        start = first_day(r["valid_from"])
        end = first_day(r["valid_to"]) if r["valid_to"].strip() else None
        if start > day:
            later.append(r)
        elif end is None or day < end:
            on[r["crossing_id"]] = r
    return on, later


@functools.cache
def population_totals() -> tuple[dict[str, str], ...]:
    """The Strip's population totals the pack knows, dated (``population_totals.csv``),
    one dict per row: ``total`` (people), ``valid_from`` and ``valid_to`` (half-open;
    blank end: still the latest known; month-only dates count from their first day),
    ``label``, the source (``source_id``, ``source_publisher``, ``source_title``,
    ``source_date``, ``source_url``) and ``note``."""
    return tuple(_read_csv("population_totals.csv"))


def population_total_on(date: str) -> dict[str, str] | None:
    """The row of :func:`population_totals` in force on ``date`` (ISO; a month or year
    counts from its first day), or ``None`` where the pack knows no total for that date
    (between the eve of the war and the first UN planning figure after it).

    Examples
    --------
    >>> population_total_on("2025-10-19")["total"]
    '2100000'
    >>> population_total_on("2023-10-06")["total"]
    '2213876'
    >>> population_total_on("2024-01-15") is None
    True
    """
    day = first_day(date)
    for r in population_totals():
        end = first_day(r["valid_to"]) if r["valid_to"].strip() else None
        if first_day(r["valid_from"]) <= day and (end is None or day < end):
            return r
    return None


@functools.cache
def damage_rows() -> Rows:
    """UNOSAT's damaged structures of 11 Oct 2025 in 500 m clusters: points with ``count``
    (structures); the counts sum to 198,308."""
    rows = _read_csv("damage_unosat_2025-10-11.csv")
    return Rows({"count": [float(r["count"]) for r in rows]}, _points(rows))


@functools.cache
def zone_east_published() -> Polygon:
    """The zone east of the yellow line as published (IDF map of 19 Oct 2025, digitised
    by Gaza Maps): a polygon, WGS 84. It leaves thin strips along the perimeter that
    splitting the outline by the line gives to the east."""
    rows = sorted(_read_csv("zone_east_2025-10-19.csv"), key=lambda r: int(r["seq"]))
    return Polygon([(float(r["lon"]), float(r["lat"])) for r in rows])


@functools.cache
def municipality_rows() -> Rows:
    """OCHA's 2019 municipal boundaries (33 polygons, 20 m simplification), WGS 84:
    ``objectid`` and ``name`` (empty for the polygons OCHA left unnamed)."""
    rows = _read_csv("municipalities.csv")
    return Rows({"objectid": [int(r["objectid"]) for r in rows],
                 "name": [r["name"] for r in rows]},
                [shapely.from_wkt(r["wkt"]) for r in rows])
