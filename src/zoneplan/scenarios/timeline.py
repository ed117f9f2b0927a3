"""Zones over time: a series of dated zone layers, each read as an order on its date.

A layer is one order (an evacuation order, a declared zone, a line as announced): it is
issued on its date and is not assumed to last until the next file. For each layer: the
date (given as ``PATH@YYYY-MM-DD``, or the earliest value of a date field), the union of
its polygons after an optional filter, clipped to the territory, and then

``area_km2``
    Area inside the zones, km² (in the UTM zone of the territory).
``share_of_territory``
    That area divided by the territory's area (fraction 0-1).
``residents``
    Pre-war residents (the built-in baseline grid) inside, cells cut by the zone edge
    counted by covered fraction (people).
``hospitals``
    Hospitals of the built-in pack inside (count), counted by the rule ``zoneplan run``
    uses: rows of high and medium confidence
    (:data:`zoneplan.io.layers.HOSPITAL_CENTRAL_CONFIDENCE`); the series says so under
    ``hospitals_rule``.

Each row also carries ``outline``, the part of the territory it covers as simplified
WGS 84 coordinates for the page's small maps (the territory's is under ``territory``;
never measured: see :func:`outline`), and its layer's ``credit``: the file's name, the
distinct values of its features' source attributes (``Source``, ``credit``,
``attribution``, ...), and the catalogue's citation and licence where the file is a
catalogued dataset.

A layer whose filter matches no feature, whose features have no area (points or lines:
dropped with a warning naming them, as from a GeometryCollection beside its polygons),
or whose features all lie outside the territory, is measured as zero but flagged
(``flag`` names why), so a 0 is never silent.

With ``in_force_days=N`` the series also has ``in_force``: at each order's date and at
each date an order lapses (its date + N days), the union of the orders issued in the last
N days (issued on day ``d``, an order counts on days ``d`` to ``d + N - 1``), measured the
same way. This is how OCHA reports "the share of the Strip under evacuation orders in
force"; N is the analyst's choice, not a property of the orders.

The layers are read here; measuring each order and each union in force is a task on a
backend (:mod:`zoneplan.scenarios.dask_backend`): this process by default, or a Dask
cluster (``scheduler``), all tasks on the same one, with what they share sent once
(:mod:`zoneplan.scenarios.order_figures`). The series is the same wherever it ran.

This module measures and returns the series (a JSON-ready dict); the CSV, chart and page
are drawn by :mod:`zoneplan.render.pages.timeline`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InputError
from zoneplan.geometry import DroppedParts
from zoneplan.io.filter_rows import matching_rows
from zoneplan.io.vectors import feature_name, hebrew_date, parse_date, read_vector
from zoneplan.plan.filters import RowFilter, parse_filter
from zoneplan.scenarios.dask_backend import (
    Backend,
    SerialBackend,
    check_scheduler,
    open_backend,
)
from zoneplan.scenarios.order_figures import (
    M2_PER_KM2,
    OrderFigures,
    build_model,
    measure_in_force,
    measure_order,
)

__all__ = ["FLAG_NO_AREA", "FLAG_NO_FEATURES", "FLAG_NO_MATCH", "FLAG_OUTSIDE",
           "HOSPITALS_RULE", "MAX_IN_FORCE_DAYS", "LayerSpec", "Measured", "layer_credit",
           "outline", "parse_date", "parse_layer_arg", "timeline"]

MAX_IN_FORCE_DAYS = 36_525
"""Longest ``--in-force`` window, days (100 years). An order's lapse date is its issue
date plus the window: a century is beyond any order and any timeline, and a window of
millions of days would reach past the year 9999, the last date Python can hold."""

FLAG_NO_MATCH = "no feature matches the filter"
"""Flag of a layer whose features are all filtered out by ``where``."""
FLAG_NO_FEATURES = "the layer has no features"
"""Flag of an empty layer file."""
FLAG_OUTSIDE = "no feature lies inside the territory"
"""Flag of a layer whose (matching) features all lie outside the territory."""
FLAG_NO_AREA = "no feature has an area (only points or lines)"
"""Flag of a layer whose (matching) features all lie outside the territory."""

HOSPITALS_RULE = (
    "Hospitals: the built-in table's rows of high and medium confidence, as zoneplan run "
    "counts them; its low-confidence rows (uncorroborated points, one identity guess) are "
    "not counted.")
"""The hospital count's rule, in words, for the series and its page."""

OUTLINE_TOLERANCE_DEG = 0.0005
"""How far (degrees, about 50 m at Gaza's latitude) a drawn outline may stray from the
measured shape: outlines are for small maps only, never measured."""
OUTLINE_DECIMALS = 5
"""Decimals an outline's coordinates keep (degrees; 1e-5° is about 1 m)."""


def outline(geom: BaseGeometry) -> dict[str, Any] | None:
    """A shape's polygonal parts as GeoJSON-like WGS 84 coordinates for drawing, simplified
    (:data:`OUTLINE_TOLERANCE_DEG`) and rounded (:data:`OUTLINE_DECIMALS`); ``None`` if it
    has no area. Not used for any figure.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> outline(box(34.123456, 31.5, 34.2, 31.6))["coordinates"][0][2]
    [34.12346, 31.6]
    >>> outline(shapely.Point(0, 0)) is None
    True
    """
    polys = [g for g in shapely.get_parts(shapely.get_parts(geom))
             if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
    if not polys:
        return None
    shape = shapely.simplify(shapely.union_all(polys), OUTLINE_TOLERANCE_DEG,
                             preserve_topology=True)
    shape = shapely.transform(shape, lambda xy: np.round(xy, OUTLINE_DECIMALS))
    if shape.is_empty:
        return None
    gj = shapely.geometry.mapping(shape)

    def lists(x: Any) -> Any:
        return [lists(v) for v in x] if isinstance(x, (list, tuple)) else float(x)

    return {"type": gj["type"], "coordinates": lists(gj["coordinates"])}


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def _apply_where(gdf: gpd.GeoDataFrame, where: RowFilter | None, path: Path
                 ) -> gpd.GeoDataFrame:
    """The features the filter keeps (all without one); applied as data, never run."""
    return gdf if where is None else gdf[matching_rows(where, gdf, source=str(path))]


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
    dates = [parse_date(v) or hebrew_date(v) for v in values]
    unread = [v for v, d in zip(values, dates, strict=True) if d is None]
    if unread or not values:
        sample = str(unread[0])[:40] if unread else "(empty)"
        which = f"{len(unread)} of its {len(values)} values, e.g." if len(unread) > 1 else ""
        raise InputError(f"the date in field '{date_field}' cannot be read: {which}"
                         f"{' ' if which else ''}{sample!r}", path=spec.path,
                         suggestion=f"{how}, or write the dates as YYYY-MM-DD")
    return min(d for d in dates if d is not None)


Measured = Callable[[int, int], None]
"""Told the measurements done and the measurements in all (orders, then unions in
force), as tasks finish."""


@dataclass(frozen=True)
class _Order:
    """One layer as read here: what is sent to a task (``polygons``) and what is not."""

    file: str
    date: dt.date
    features: int
    features_in_file: int
    polygons: list[BaseGeometry]
    credit: dict[str, Any]


def _read_order(spec: LayerSpec, date_field: str | None, where: RowFilter | None
                ) -> _Order:
    """Read a layer: its date, its features after the filter, their polygons in lon/lat."""
    gdf = _read(spec.path)
    date = _layer_date(gdf, spec, date_field)
    sel = _apply_where(gdf, where, spec.path)
    # an order covers an area: points and lines are dropped, saying which features
    log = DroppedParts(f"the layer {spec.path.name}", why=" (an order covers an area)")
    index = sel.index
    numbers = (np.asarray(index, dtype=np.int64) + 1 if pd.api.types.is_integer_dtype(index)
               else np.arange(1, len(sel) + 1))
    polygons = []
    for number, g in zip(numbers.tolist(), sel.geometry, strict=True):
        if g is None or g.is_empty:
            continue
        kept = log.keep(feature_name(number), g)
        if not kept.is_empty:
            polygons.append(kept)
    log.warn()
    return _Order(str(spec.path), date, len(sel), len(gdf), polygons,
                  layer_credit(spec.path, sel if len(sel) else gdf))


SOURCE_FIELDS: tuple[str, ...] = ("source", "sources", "credit", "credits", "attribution",
                                  "publisher", "gazamaps")
"""Attributes (any case) that name where a layer's features come from."""

MAX_CREDITS = 5
"""At most this many distinct source values are listed per layer (then how many more)."""


def layer_credit(path: Path, gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """Where a layer comes from: its file name, the distinct values of its features'
    source attributes (:data:`SOURCE_FIELDS`, at most :data:`MAX_CREDITS`, then how many
    more), and the catalogue's citation and licence when the file name is a catalogued
    dataset's (:mod:`zoneplan.io.catalog`).

    Parameters
    ----------
    path
        The layer file.
    gdf
        Its features (after the filter, when any match).
    """
    from zoneplan.io import catalog

    values: list[str] = []
    for col in gdf.columns:
        if str(col).lower() in SOURCE_FIELDS:
            for v in gdf[col].tolist():
                text = "" if v is None else str(v).strip()
                if text and text.lower() not in ("nan", "none") and text not in values:
                    values.append(text)
    entry = next((e for e in catalog.ENTRIES if e.filename == path.name), None)
    return {"file": path.name, "sources": values[:MAX_CREDITS],
            "more_sources": max(0, len(values) - MAX_CREDITS),
            "citation": None if entry is None else " ".join(entry.citation.split()),
            "licence": None if entry is None else entry.licence}


def _read_territory(territory: str | Path | None) -> tuple[BaseGeometry, str]:
    """The territory in lon/lat and how it was named."""
    if territory is None or str(territory) == "gaza:outline":
        from zoneplan import pack

        return pack.outline(), "gaza:outline"
    tgdf = read_vector(Path(territory), what="territory")
    return shapely.union_all(tgdf.geometry.to_numpy()), str(territory)


def _backend(scheduler: str | None, workers: int | None
             ) -> contextlib.AbstractContextManager[Backend]:
    """This process without Dask (``scheduler`` None), or the backend it names."""
    if scheduler is None:
        return contextlib.nullcontext(SerialBackend())
    return open_backend(scheduler, workers=workers, tasks=measure_order.__module__,
                        work="the layers")


def timeline(
    layers: Sequence[LayerSpec | str],
    *,
    territory: str | Path | None = None,
    date_field: str | None = None,
    where: str | None = None,
    in_force_days: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    on_measured: Measured | None = None,
) -> dict[str, Any]:
    """Measure each dated zone layer as an order on its date; rows sorted by date.

    The layers are read here (every error names its file before any work is sent out);
    the measurement of every order, and of every union in force, is a task on one
    backend, which gets the territory, the baseline grid and the hospitals once
    (:mod:`zoneplan.scenarios.order_figures`). Results are put together in the order the
    tasks were submitted, so the series is the same on every scheduler.

    Parameters
    ----------
    layers
        Layer files (``PATH`` or ``PATH@YYYY-MM-DD``).
    territory
        A polygon file; default the built-in Gaza outline (``gaza:outline``).
    date_field
        Field holding each feature's date; the layer's date is the earliest value.
    where
        Filter such as ``StatusText == 'Displaced'`` (see :mod:`zoneplan.plan.filters`:
        comparisons, ``in``, ``and``/``or``/``not``; read before any layer, never run).
    in_force_days
        If given (days, at least 1), also measure the union of the orders in force: those
        issued in the last ``in_force_days`` days, at each issue and lapse date.
    scheduler
        Where the measurements run: ``None`` (default) in this process, without Dask;
        ``"serial"``, ``"local"`` or a Dask scheduler's address (``tcp://HOST:PORT``), as
        :func:`~zoneplan.scenarios.dask_backend.open_backend` takes them.
    workers
        With ``scheduler="local"``: worker processes (default: one per core).
    on_measured
        Told the measurements done and in all, as they finish (for a progress bar).

    Returns
    -------
    dict
        ``rows`` (date, file, kind, features, flag, area_km2, share_of_territory,
        residents, hospitals), ``in_force`` (with ``in_force_days``), ``territory``,
        ``baseline``, ``units``, ``where``, ``method``, ``notes`` (what the user should
        know about where the work ran: Dask missing).

    Raises
    ------
    InputError
        No layers, a layer without a readable date, a bad filter, ``in_force_days``
        outside 1 to :data:`MAX_IN_FORCE_DAYS`, ``workers`` without
        ``scheduler="local"``, or a scheduler that cannot be used.
    DataError
        A layer or territory file that does not exist, cannot be read or has no CRS
        (none is assumed; see :func:`zoneplan.io.vectors.read_vector`).
    """
    row_filter = parse_filter(where, label="--where ") if where else None  # before all
    if in_force_days is not None and in_force_days < 1:
        raise InputError(f"--in-force must be at least 1 day, not {in_force_days}",
                         suggestion="give the number of days an order stays in force, "
                         "e.g. --in-force 30")
    if in_force_days is not None and in_force_days > MAX_IN_FORCE_DAYS:
        raise InputError(f"--in-force must be 1 to {MAX_IN_FORCE_DAYS:,} days, not "
                         f"{in_force_days:,}", suggestion="give the number of days an order "
                         "stays in force, e.g. --in-force 30")
    if workers is not None and scheduler is None:
        raise InputError("--workers applies to --scheduler local only",
                         suggestion="add --scheduler local, or drop --workers")
    if scheduler is not None:  # a scheduler that cannot be used: said before any reading
        check_scheduler(scheduler, workers)
    from zoneplan.measure.population.population_sources import builtin_population

    specs = [parse_layer_arg(x) if isinstance(x, str) else x for x in layers]
    if not specs:
        raise InputError("no layers given", suggestion="give one or more zone layer files")
    terr_ll, terr_ref = _read_territory(territory)
    orders = sorted((_read_order(s, date_field, row_filter) for s in specs),
                    key=lambda o: (o.date.isoformat(), o.file))
    windows = [] if in_force_days is None else _windows([o.date for o in orders],
                                                        in_force_days)
    total = len(orders) + len(windows)
    done = [0]

    def tick(_: int) -> None:
        done[0] += 1
        if on_measured is not None:
            on_measured(done[0], total)

    told = None if on_measured is None else tick
    with _backend(scheduler, workers) as backend:
        if on_measured is not None:
            on_measured(0, total)
        model = build_model(terr_ll)
        shared = backend.share(model)
        parts: list[OrderFigures] = backend.results(
            [backend.submit(measure_order, shared, o.polygons) for o in orders], told)
        rows = [_row(o, p) for o, p in zip(orders, parts, strict=True)]
        in_force = None
        if in_force_days is not None:
            insides = backend.share(tuple(p.inside for p in parts))
            lives = [[i for i in issued if not rows[i]["flag"]] for _, issued in windows]
            figures = backend.results(
                [backend.submit(measure_in_force, shared, insides, live) for live in lives],
                told)
            in_force = [
                {"date": when.isoformat(), "orders": [rows[i]["file"] for i in live], **f}
                for (when, _), live, f in zip(windows, lives, figures, strict=True)]
        notes = list(backend.notes)
    pop = builtin_population()
    out: dict[str, Any] = {
        "rows": rows,
        "territory": {"ref": terr_ref, "area_km2": model.territory_m2 / M2_PER_KM2,
                      "outline": outline(terr_ll)},
        "where": where,
        "date_field": date_field,
        "in_force_days": in_force_days,
        "baseline": {"label": pop.label, "date": pop.date, "total": pop.total(),
                     "sources": pop.sources},
        "hospitals_source": "pack-hospitals",
        "hospitals_rule": HOSPITALS_RULE,
        "units": {"area_km2": "km²", "share_of_territory": "fraction (0-1)",
                  "residents": "people (pre-war baseline)", "hospitals": "count",
                  "in_force_days": "days"},
        "method": ("Each layer is one order issued on its date; its row measures the "
                   "order alone." + ("" if in_force_days is None else
                   f" 'in_force' measures, at each date an order is issued or lapses, the "
                   f"union of the orders issued in the last {in_force_days} days.")),
        "notes": notes,
    }
    if in_force is not None:
        out["in_force"] = in_force
    return out


def _row(order: _Order, part: OrderFigures) -> dict[str, Any]:
    """A row of the series: the order and its figures; a flag if there was nothing to
    measure."""
    flag = (FLAG_NO_FEATURES if order.features_in_file == 0 else FLAG_NO_MATCH
            if order.features == 0 else FLAG_NO_AREA if not order.polygons else FLAG_OUTSIDE
            if part.inside.is_empty else None)
    return {"date": order.date.isoformat(), "file": order.file, "kind": "order",
            "features": order.features, "features_in_file": order.features_in_file,
            "flag": flag, **part.figures, "credit": order.credit,
            "outline": outline(part.inside)}


def _windows(issued: Sequence[dt.date], days: int) -> list[tuple[dt.date, list[int]]]:
    """Each date an order is issued or lapses, with the orders in force then (positions in
    ``issued``; see the module note).

    Examples
    --------
    >>> d = dt.date(2024, 5, 1)
    >>> [(w.day, live) for w, live in _windows([d, d + dt.timedelta(days=9)], 30)]
    [(1, [0]), (10, [0, 1]), (31, [1]), (9, [])]
    """
    lapse = dt.timedelta(days=days)
    points = sorted(set(issued) | {d + lapse for d in issued})
    return [(when, [i for i, d in enumerate(issued) if d <= when < d + lapse])
            for when in points]


def _read(path: Path, what: str = "layer") -> gpd.GeoDataFrame:
    """A layer file in WGS 84, read by :func:`zoneplan.io.vectors.read_vector` with its
    rules (a file without a CRS is refused, naming it; none is assumed); an empty layer is
    kept, to be flagged."""
    return read_vector(path, what=what, keep_empty=True)
