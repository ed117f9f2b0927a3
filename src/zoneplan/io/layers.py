"""The layers a plan refers to: territory, lines, zone polygons, points (hospitals, damage).

Built-in names (``gaza:...``) come from :mod:`zoneplan.pack`; anything else is a file
read by :mod:`zoneplan.io.vectors`. Every problem becomes a :class:`DataError` naming
the file and the fix. Geometries are returned in WGS 84; projecting them is the
caller's (:mod:`zoneplan.measure.inputs`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import DataError, InputError
from zoneplan.geometry import repair
from zoneplan.io.areas import NAME_FIELDS
from zoneplan.io.vectors import filter_rows, numeric_attribute, read_polygons, read_vector
from zoneplan.plan import LayerRef, LineSpec, Plan, ZoneSpec

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CROSSING_STATES",
    "DAMAGE_DATE",
    "HOSPITAL_CENTRAL_CONFIDENCE",
    "PointLayer",
    "crossing_state",
    "crossings_layer",
    "damage_layer",
    "hospital_layer",
    "hospital_layers",
    "line_geometry",
    "territory_geometry",
    "zone_polygon",
    "zone_polygons",
]

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
    polys = read_polygons(plan.resolve_path(plan.territory), what="territory",
                          names=NAME_FIELDS).polygons
    if not polys:
        raise DataError("the territory file holds no polygons", path=plan.territory,
                        suggestion="give a file with the territory as a polygon")
    geom = polys[0] if len(polys) == 1 else shapely.union_all(polys)
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
    """A zone given as a polygon (inline, a built-in layer or a file), WGS 84."""
    return zone_polygons(plan, [spec])[spec.id]


def zone_polygons(plan: Plan, specs: list[ZoneSpec]) -> dict[str, BaseGeometry]:
    """The zones given as polygons (inline, built-in layers or files), WGS 84, by zone id.

    Each file is read once, however many zones it holds (a zone takes the file's
    ``features``, or all of them). A zone built by quick mode carries its polygon
    already (:attr:`ZoneSpec.carried`) and reads nothing. Points and lines in the files
    are dropped with a :class:`~zoneplan.errors.PartsDroppedWarning` naming the features.

    Raises
    ------
    DataError
        A file that cannot be read, holds no polygons, or has fewer features than a zone
        names.
    InputError
        A built-in layer that is not a polygon.
    """
    out: dict[str, BaseGeometry] = {}
    by_file: dict[Path, list[ZoneSpec]] = {}
    for spec in specs:
        if spec.carried is not None:
            out[spec.id] = spec.carried
        elif spec.layer is not None:
            geom = pack.builtin_layer(spec.layer)
            if not _polygonal(geom):
                raise InputError(f"built-in layer '{spec.layer}' is not a polygon",
                                 path=plan.path, location=f"zones '{spec.id}'",
                                 suggestion="use a polygon layer, e.g. "
                                 "gaza:zone-east-2025-10-19")
            out[spec.id] = geom
        elif spec.polygon is not None:
            ring = list(spec.polygon)
            if ring[0] != ring[-1]:
                ring.append(ring[0])
            out[spec.id] = repair(Polygon(ring), what=f"zone '{spec.id}'")
        else:
            assert spec.file is not None
            by_file.setdefault(plan.resolve_path(spec.file), []).append(spec)
    for path, users in by_file.items():
        shown = users[0].file
        what = (f"zone '{users[0].id}'" if len(users) == 1
                else f"zones ({users[0].id}, ...)")
        read = read_polygons(path, what=what, names=NAME_FIELDS)
        at = {n: i for i, n in enumerate(read.numbers)}
        for spec in users:
            numbers = spec.features or read.numbers
            missing = [n for n in numbers if n not in at]
            if missing or not numbers:
                raise DataError(
                    f"the file for zone '{spec.id}' holds no polygons"
                    + (f" as feature {missing[0]}" if missing else ""),
                    path=shown, suggestion="give a file with polygon features" + (
                        f"; it has {len(read.numbers)} with polygons (features are counted "
                        "from 1, in the file's order)" if missing else ""))
            polys = [read.polygons[at[n]] for n in numbers]
            out[spec.id] = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    return {s.id: out[s.id] for s in specs}


class PointLayer:
    """Points with optional per-point numbers (beds, counts), in WGS 84.

    Parameters
    ----------
    points
        One point per row (``None`` or empty where a row has no position).
    values
        Per-point numbers, e.g. ``values["beds"]``; NaN where unknown.
    sources
        Source ids.
    label
        What the points are.
    date
        When the data stand (ISO date text), if known.
    frame
        The rows with all their attributes, or a function making them on first use
        (:attr:`gdf`; only maps and pages ask, so measuring loads no geopandas).
    """

    def __init__(self, points: Sequence[BaseGeometry | None],
                 values: dict[str, np.ndarray[Any, Any]], sources: list[str], label: str,
                 date: str | None = None, *,
                 frame: gpd.GeoDataFrame | Callable[[], gpd.GeoDataFrame]) -> None:
        self.points = list(points)
        self.values = values
        self.sources = sources
        self.label = label
        self.date = date
        self._frame = frame

    @classmethod
    def of_frame(cls, gdf: gpd.GeoDataFrame, values: dict[str, np.ndarray[Any, Any]],
                 sources: list[str], label: str, date: str | None = None) -> PointLayer:
        """The points of a GeoDataFrame in WGS 84 (as :func:`read_vector` gives them)."""
        return cls(list(gdf.geometry), values, sources, label, date, frame=gdf)

    def with_values(self, values: dict[str, np.ndarray[Any, Any]]) -> PointLayer:
        """The same points with other per-point numbers."""
        return PointLayer(self.points, values, self.sources, self.label, self.date,
                          frame=self._frame)

    @property
    def gdf(self) -> gpd.GeoDataFrame:
        """The rows as a GeoDataFrame with their attributes, WGS 84."""
        if callable(self._frame):
            self._frame = self._frame()
        return self._frame

    def __len__(self) -> int:
        return len(self.points)


def _point_layer(plan: Plan, ref: LayerRef, *, what: str) -> gpd.GeoDataFrame:
    path = str(plan.resolve_path(ref.path))
    gdf = filter_rows(read_vector(path, what=what), ref.where, path)
    if not gdf.empty and not (gdf.geom_type == "Point").all():
        gdf = gdf.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf["geometry"] = gdf.geometry.representative_point()
    return gdf


def _pack_rows(name: str) -> pack.Rows:
    """The plain table behind a built-in point layer."""
    readers: dict[str, Callable[[], pack.Rows]] = {
        "gaza:hospitals": pack.hospital_rows, "gaza:damage": pack.damage_rows,
        "gaza:crossings": pack.crossing_rows}
    return readers[name]()


def _kept(name: str, where: str | None) -> NDArray[np.intp]:
    """Positions of the rows of the built-in table ``name`` that ``where`` keeps: all of
    them without a filter. Only with a filter is the table read as a GeoDataFrame (whose
    index is each row's position)."""
    if not where:
        return np.arange(len(_pack_rows(name)), dtype=np.intp)
    return np.asarray(filter_rows(pack.builtin_layer(name), where, name).index, dtype=np.intp)


def _pack_layer(name: str, pos: NDArray[np.intp], values: dict[str, np.ndarray[Any, Any]],
                sources: list[str], label: str, date: str | None = None) -> PointLayer:
    """The rows ``pos`` of the built-in table ``name`` as a point layer."""
    table = _pack_rows(name)

    def frame() -> gpd.GeoDataFrame:
        whole = pack.builtin_layer(name)
        return whole if len(pos) == len(table) else whole.iloc[pos]

    return PointLayer([table.geometry[i] for i in pos], values, sources, label, date,
                      frame=frame)


HOSPITAL_CENTRAL_CONFIDENCE: tuple[str, ...] = ("high", "medium")
"""Confidence levels of built-in hospital rows counted in the central figures; rows of
low confidence (uncorroborated points, one identity guess) are an alternative."""


def _pack_hospitals(pos: NDArray[np.intp], sources: list[str], label: str) -> PointLayer:
    rows = pack.hospital_rows()
    return _pack_layer("gaza:hospitals", pos, {k: rows.numbers(k)[pos] for k in
                                               ("beds", "beds_low", "beds_high")},
                       sources, label)


def hospital_layers(plan: Plan) -> tuple[PointLayer | None, PointLayer | None]:
    """Hospitals: the plan's ``hospitals`` layer, or the pack's for built-in territories.

    Returns the layer the central figures count and, for the built-in hospitals, the
    same with the low-confidence rows too (an alternative for the ranges), else
    ``None``. A ``where`` filter applies to built-in hospitals as to files (e.g.
    ``status != 'not functional'``; see :data:`zoneplan.pack.HOSPITAL_STATUSES`).
    """
    ref = plan.layers.get("hospitals")
    if ref is None and not plan.territory.startswith("gaza:"):
        return None, None
    if ref is None or ref.path.startswith("gaza:"):
        name = ref.path if ref is not None else "gaza:hospitals"
        if name != "gaza:hospitals":
            raise InputError(f"built-in layer '{name}' is not a hospital layer",
                             path=plan.path, location="layers.hospitals",
                             suggestion="use gaza:hospitals or a file of hospital points")
        where = ref.where if ref is not None else None
        pos = _kept(name, where)
        sources = (ref.sources if ref is not None and ref.sources
                   else pack.layer_sources(name))
        central = pos[np.isin(pack.hospital_rows().texts("confidence")[pos],
                              HOSPITAL_CENTRAL_CONFIDENCE)]
        label = "hospitals (built-in pack" + (f"; {where}" if where else "")
        alt = (_pack_hospitals(pos, sources, label + "; with low-confidence rows)")
               if len(central) < len(pos) else None)
        return _pack_hospitals(central, sources, label + "; high and medium confidence)"), alt
    gdf = _point_layer(plan, ref, what="hospitals layer")
    if ref.beds:
        from zoneplan.io.frame_checks import layer_numbers  # pandas: only for a file

        beds = layer_numbers(gdf, ref.beds, ref.path, what="hospitals layer", unknown_ok=True)
    else:
        beds = np.full(len(gdf), np.nan)
    return (PointLayer.of_frame(gdf, {"beds": beds, "beds_low": beds, "beds_high": beds},
                                ref.sources, f"hospitals ({Path(ref.path).name})"), None)


def hospital_layer(plan: Plan) -> PointLayer | None:
    """The hospitals the central figures count (see :func:`hospital_layers`)."""
    return hospital_layers(plan)[0]


DAMAGE_DATE = "2025-10-11"
"""Imagery date of the built-in damage layer (UNOSAT's assessment)."""


def damage_layer(plan: Plan) -> PointLayer | None:
    """Damaged structures: points, each with a ``count`` (1 where no count attribute);
    ``gaza:damage`` is UNOSAT's assessment of 11 Oct 2025 in 500 m clusters."""
    ref = plan.layers.get("damage")
    if ref is None:
        return None
    if ref.path.startswith("gaza:"):
        if ref.path != "gaza:damage":
            raise InputError(f"built-in layer '{ref.path}' is not a damage layer",
                             path=plan.path, location="layers.damage",
                             suggestion="use gaza:damage or a file of damaged structures")
        pos = _kept(ref.path, ref.where)
        return _pack_layer(ref.path, pos, {"count": pack.damage_rows().numbers("count")[pos]},
                           ref.sources or pack.layer_sources(ref.path),
                           "damaged structures (UNOSAT, 500 m clusters)",
                           date=ref.date or DAMAGE_DATE)
    gdf = _point_layer(plan, ref, what="damage layer")
    if ref.count:
        from zoneplan.io.frame_checks import layer_numbers  # pandas: only for a file

        counts = layer_numbers(gdf, ref.count, ref.path, what="damage layer")
    else:
        counts = np.ones(len(gdf))
    values = {"count": counts}
    if ref.damage_class:
        if ref.damage_class not in gdf.columns:
            numeric_attribute(gdf, ref.damage_class, ref.path)  # raises, naming them
        values["class"] = gdf[ref.damage_class].astype(str).to_numpy()
    return PointLayer.of_frame(gdf, values, ref.sources, f"damage ({Path(ref.path).name})",
                               date=ref.date)


CROSSING_STATES: tuple[str, ...] = ("open", "open for people", "closed", "unknown")
"""A crossing's state as zoneplan counts it: ``open`` (for aid or goods, or for
everything: what the aid figures count), ``open for people`` (people only: no aid or
cargo), ``closed`` or ``unknown``."""


def _dated_state(row: dict[str, str]) -> tuple[str, str]:
    """A dated state of the built-in history as (state, status in words with its source)."""
    state = ("closed" if row["state"] == "closed" else
             "open for people" if row["carries"] == "people" else "open")
    words = {"open": "open", "open_limited": "open, limited", "closed": "closed"}.get(
        row["state"], row["state"])
    until = f" until {row['valid_to']}" if row["valid_to"].strip() else ""
    via = f", via {row['via']}" if row["via"].strip() else ""
    return state, (f"{words} ({row['carries']}) from {row['valid_from']}{until} "
                   f"({row['source_publisher']}, {row['source_date']}{via})")


def _last_stated(row: dict[str, str], facts_date: str) -> str:
    """When the source last stated a dated state, as known by ``facts_date``: the later
    of the day it began and its source's date, where that date is a date and not after
    ``facts_date``.

    Examples
    --------
    >>> row = {"valid_from": "2011", "source_date": "2024-02-25"}
    >>> _last_stated(row, "2025-11-14"), _last_stated(row, "2020-01-01")
    ('2024-02-25', '2011')
    >>> _last_stated({"valid_from": "2025-01", "source_date": "n.d."}, "2025-11-14")
    '2025-01'
    """
    said = row.get("source_date", "").strip()
    dates = [row["valid_from"].strip()]
    if (re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", said)
            and pack.first_day(said) <= pack.first_day(facts_date)):
        dates.append(said)
    return max(dates, key=pack.first_day)


def crossing_state(text: object) -> str:
    """``open``, ``closed`` or ``unknown`` from a status as a source words it.

    Examples
    --------
    >>> crossing_state("open, limited: pedestrians both ways")
    'open'
    >>> crossing_state("closed permanently; structures demolished")
    'closed'
    >>> crossing_state(None)
    'unknown'
    """
    t = str(text).strip().lower() if isinstance(text, str) else ""
    if "closed" in t:
        return "closed"
    if "open" in t or "operating" in t:
        return "open"
    return "unknown"


def crossings_layer(plan: Plan) -> PointLayer | None:
    """Crossings: the plan's ``crossings`` layer, or the pack's for built-in territories.

    Values: ``state`` (:data:`CROSSING_STATES`), ``status`` (as the source words it),
    ``status_date``, ``status_stated`` (when the source last stated it, as known by the
    plan's facts date), ``name``, ``id``. Rows without coordinates are kept (empty geometry)
    so they can be listed with the reason.
    """
    ref = plan.layers.get("crossings")
    if ref is None and not plan.territory.startswith("gaza:"):
        return None
    if ref is None or ref.path.startswith("gaza:"):
        name = ref.path if ref is not None else "gaza:crossings"
        if name != "gaza:crossings":
            raise InputError(f"built-in layer '{name}' is not a crossings layer",
                             path=plan.path, location="layers.crossings",
                             suggestion="use gaza:crossings or a file of crossing points")
        pos = _kept(name, ref.where if ref else None)
        rows = pack.crossing_rows()
        on, _ = pack.crossing_states_on(plan.facts_date)
        ids = rows.texts("id")[pos]
        state: list[str] = []
        words: list[str | None] = []
        when: list[str | None] = []
        stated: list[str | None] = []  # when the source last stated it, by the date
        for cid, text, date in zip(ids, rows.texts("status_text")[pos],
                                   rows.texts("status_date")[pos], strict=True):
            if cid in on:  # the dated history, as of the date of the plan's facts
                st, said = _dated_state(on[cid])
                state.append(st)
                words.append(said)
                when.append(on[cid]["valid_from"])
                stated.append(_last_stated(on[cid], plan.facts_date))
            elif date and pack.first_day(str(date)) <= pack.first_day(plan.facts_date):
                state.append(crossing_state(text))
                words.append(text)
                when.append(date)
                stated.append(date)
            else:  # the only status known is dated later
                state.append("unknown")
                words.append(None)
                when.append(None)
                stated.append(None)
        return _pack_layer(name, pos, {"state": np.array(state),
                                       "status": np.array(words, dtype=object),
                                       "status_date": np.array(when, dtype=object),
                                       "status_stated": np.array(stated, dtype=object),
                                       "name": rows.texts("name")[pos],
                                       "id": ids},
                           (ref.sources if ref and ref.sources else pack.layer_sources(name)),
                           "crossings (built-in pack)")
    gdf = _point_layer(plan, ref, what="crossings layer")
    if ref.status is None:
        raise InputError("the crossings layer needs the attribute holding each crossing's "
                         "status", path=ref.path,
                         suggestion="add ,status=ATTRIBUTE to --layer crossings=... (or "
                         "status: in the plan); values containing 'open' or 'closed'")
    if ref.status not in gdf.columns:
        numeric_attribute(gdf, ref.status, ref.path)  # raises, naming the attributes there
    status = gdf[ref.status].to_numpy(object)
    names = (gdf["name"] if "name" in gdf.columns else gdf.index.astype(str)).to_numpy(object)
    return PointLayer.of_frame(gdf, {"state": np.array([crossing_state(t) for t in status]),
                                     "status": status,
                                     "status_date": np.full(len(gdf), ref.date),
                                     "status_stated": np.full(len(gdf), ref.date),
                                     "name": names, "id": names},
                               ref.sources, f"crossings ({Path(ref.path).name})",
                               date=ref.date)
