"""Quick analysis without writing a plan: a territory split by a zones file or a line.

:func:`plan_from_files` builds an in-memory :class:`~zoneplan.plan.Plan` from files:

* ``zones``: each feature of the file is a zone (``zone-1``, ``zone-2``, ...), or with
  ``zone_field`` each distinct value of that attribute (features sharing a value are
  merged); the part of the territory no zone covers is the zone ``rest``. The file is
  read once: each zone names the file and its ``features`` in it (so the plan reads the
  same written out) and carries its polygon (:meth:`~zoneplan.plan.ZoneSpec.carry`).
  Points and lines in the file are dropped with a warning naming the features.
* ``line``: the territory is split in two by the line: zones ``west`` and ``east``
  (``left``/``right`` of the line's direction would be chosen the same way by
  :mod:`zoneplan.measure.zones`; compass sides read better in a report).

What the zones are is the user's to say: ``access`` (``resident``, ``restricted`` or
``closed``) for every zone of the file, or per zone id (``{"zone-1": "closed"}``; also
``rest``, ``west``, ``east``). Without it every zone is ``access: resident`` (nobody is
moved), so residents per zone are the baseline population per zone. The zone ``rest``
stays open to residents unless named. People in closed zones move into the zones open
to them, by the plan format's default rule.

Zones are named from an attribute: ``label_field``, or by default the first name-like
attribute the file has (:data:`zoneplan.io.areas.NAME_FIELDS`, e.g. ``name``); a zone
made of several features takes their distinct names.

Population baseline: the ``population`` layer if one is given; else the built-in
``gaza:population`` when the territory lies in the Gaza Strip (its centroid is inside
the built-in outline); else there is no population to use and an
:class:`~zoneplan.errors.InputError` asks for one. ``population.total`` is the
baseline layer's own total (the plan states none), so figures are not rescaled.

Date and status: the plan's ``date`` is ``date`` if given; else the date the layer holds
in a date attribute (:data:`DATE_FIELDS`, any case: Gaza Maps' ``Date``, ``valid_from``,
...; the formats of :func:`zoneplan.io.vectors.parse_date` and Gaza Maps' Hebrew dates,
:func:`zoneplan.io.vectors.hebrew_date`); a layer holding several dates is refused (a
quick plan has one date: give it). With no date at all the plan is evaluated with the
facts of the day it runs, and says its date is unknown (:attr:`Plan.date_known`), never
that it is dated today. ``status`` is one of the plan format's (``reported``,
``proposed``, ``in force``, ``hypothetical``); if not given, a ``status`` attribute
holding one of them; else a layer of Gaza Maps' orders (features with ``StatusText``, as
:data:`ORDER_FIELD` says) is an order ``in force`` on its date; else ``hypothetical``.
The words of the result follow the status, as for any plan
(:mod:`zoneplan.render.words.headlines`).

Population total: with the built-in baseline, the total the pack knows for the plan's
date (:func:`zoneplan.pack.population_total_on`: the UN planning figure of 2.1 million
from July 2024, the total every built-in plan of those dates models), cited as its
source; with no date, or a date the pack knows no total for, or a population layer of
the user's, the baseline layer's own total (nothing rescaled), and a note says so.

Sources: one synthetic source ``user-files`` naming the files used (and the population
total's source); layer sources are the user's to add in a plan written out later.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from zoneplan import pack
from zoneplan.errors import DataError, InputError
from zoneplan.io.areas import NAME_FIELDS
from zoneplan.io.vectors import (
    hebrew_date,
    numeric_attribute,
    parse_date,
    read_polygons,
    read_vector,
)
from zoneplan.plan import LayerRef, Plan, load_plan

__all__ = ["ACCESS_VALUES", "DATE_FIELDS", "ORDER_FIELD", "STATUSES", "STATUS_FIELDS",
           "check_status", "layer_date", "layer_status", "parse_access", "plan_from_files"]

ACCESS_VALUES = ("resident", "restricted", "closed")
"""What ``--access`` may say of a zone (the plan format's ``access``)."""

STATUSES: tuple[str, ...] = typing.get_args(Plan.model_fields["status"].annotation)
"""What ``--status`` may say: the plan format's statuses."""

DATE_FIELDS = ("date", "valid_from", "date_from", "issued", "issue_date", "order_date")
"""Attributes (any case) a layer's date is read from, the first the layer has."""

STATUS_FIELDS = ("status", "plan_status")
"""Attributes (any case) a layer's status (one of :data:`STATUSES`) is read from."""

ORDER_FIELD = "StatusText"
"""Gaza Maps' attribute of an order's areas (``Displaced``: under an evacuation order;
``Safe``: declared safe). A layer with it is an order as issued: status ``in force`` on
its date."""

_DATE_HOW = "give the zones' date with --date YYYY-MM-DD"


def check_status(status: str) -> str:
    """Check a ``--status``: one of :data:`STATUSES` (any case, ``in-force`` too).

    Examples
    --------
    >>> check_status("In-Force")
    'in force'
    """
    word = status.strip().lower().replace("-", " ").replace("_", " ")
    if word not in STATUSES:
        raise InputError(f"--status '{status}' is not a plan status",
                         suggestion="write one of: " + ", ".join(STATUSES)
                         + " (quote 'in force')")
    return word


def _field(columns: list[str], names: tuple[str, ...]) -> str | None:
    """The first of ``names`` among ``columns``, in any case."""
    lower = {c.lower(): c for c in columns}
    return next((lower[n.lower()] for n in names if n.lower() in lower), None)


def layer_date(frame: Any, path: Path) -> tuple[dt.date, str] | None:
    """The date a layer's features hold in a date attribute (:data:`DATE_FIELDS`), and the
    attribute; ``None`` if the layer has none (or only empty values).

    Raises
    ------
    InputError
        Values that are not dates, or several distinct dates: the file and attribute
        named, and how to give the date.
    """
    field = _field([str(c) for c in frame.columns if c != "geometry"], DATE_FIELDS)
    if field is None:
        return None
    values = [v for v in frame[field].tolist()
              if v is not None and str(v).strip() and str(v) not in ("nan", "NaT", "None")]
    if not values:
        return None
    dates: dict[dt.date, Any] = {}
    for v in values:
        d = parse_date(v) or hebrew_date(v)
        if d is None:
            raise InputError(f"the attribute '{field}' holds {str(v)[:40]!r}, which is not "
                             "a date zoneplan reads", path=path,
                             suggestion=f"{_DATE_HOW} (e.g. --date 2025-10-19)")
        dates.setdefault(d, v)
    if len(dates) > 1:
        shown = ", ".join(d.isoformat() for d in sorted(dates)[:4])
        more = f" and {len(dates) - 4} more" if len(dates) > 4 else ""
        raise InputError(f"the attribute '{field}' holds {len(dates)} different dates "
                         f"({shown}{more}); a quick analysis has one date", path=path,
                         suggestion=f"{_DATE_HOW}, or split the layer by date (zoneplan "
                         "timeline reads each date's layer as one order)")
    return next(iter(dates)), field


def layer_status(frame: Any, path: Path) -> str | None:
    """The status a layer states: one value of :data:`STATUSES` in a status attribute
    (:data:`STATUS_FIELDS`; a ``status`` attribute whose values are not plan statuses
    describes the zones and is not read); ``in force`` for a layer of Gaza Maps' orders
    (:data:`ORDER_FIELD`); else ``None``.

    Raises
    ------
    InputError
        A status attribute with values that are not plan statuses, or several.
    """
    columns = [str(c) for c in frame.columns if c != "geometry"]
    field = _field(columns, STATUS_FIELDS)
    if field is not None:
        values = {str(v).strip().lower() for v in frame[field].tolist()
                  if v is not None and str(v).strip() and str(v) != "nan"}
        # a plain 'status' attribute often says what each zone is ("evacuate"): read as
        # the plan's status only when every value is one; 'plan_status' always is
        describes_zones = field.lower() == "status" and not values <= set(STATUSES)
        if values and not describes_zones:
            if len(values) > 1 or not values <= set(STATUSES):
                raise InputError(f"the attribute '{field}' holds {', '.join(sorted(values))}"
                                 ", not one plan status", path=path,
                                 suggestion="give the status with --status, one of: "
                                 + ", ".join(STATUSES))
            return values.pop()
    if ORDER_FIELD in columns:
        return "in force"
    return None


def parse_access(text: str | None) -> str | dict[str, str] | None:
    """Read ``--access``: one value for every zone, or ``ZONE=VALUE,...``.

    Examples
    --------
    >>> parse_access("closed")
    'closed'
    >>> parse_access("zone-1=closed, rest=restricted")
    {'zone-1': 'closed', 'rest': 'restricted'}
    """
    if text is None:
        return None
    how = ("write one of resident, restricted, closed (for every zone of the file), or "
           "ZONE=VALUE pairs separated by commas, e.g. --access zone-1=closed,zone-2=closed")
    text = text.strip()
    if "=" not in text:
        if text not in ACCESS_VALUES:
            raise InputError(f"--access '{text}' is not one of {', '.join(ACCESS_VALUES)}",
                             suggestion=how)
        return text
    out: dict[str, str] = {}
    for part in (x.strip() for x in text.split(",") if x.strip()):
        zone, _, value = part.partition("=")
        zone, value = zone.strip(), value.strip()
        if not zone or value not in ACCESS_VALUES:
            raise InputError(f"cannot read '{part}' in --access", suggestion=how)
        out[zone] = value
    return out


def _label_field(columns: list[str], label_field: str | None, zones: Path) -> str | None:
    """The attribute naming the zones: the one asked for (which must exist), or the first
    name-like one, or ``None``."""
    if label_field is None:
        return next((c for c in NAME_FIELDS if c in columns), None)
    if label_field not in columns:
        raise DataError(f"the zones have no attribute '{label_field}' to name them by",
                        path=zones, suggestion="attributes there: " + ", ".join(columns))
    return label_field


def _names(values: Any) -> str | None:
    """Distinct non-empty names of a zone's features, joined (at most three named)."""
    names = list(dict.fromkeys(str(v).strip() for v in values
                               if v is not None and str(v).strip() and str(v) != "nan"))
    if not names:
        return None
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _slug(value: Any) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", str(value)).strip("-")
    return s or "zone"


def _zone_specs(zones: Path, zone_field: str | None, label_field: str | None = None
                ) -> tuple[list[dict[str, Any]], dict[str, Any], Any]:
    """The zone specs of a zones file, each zone's polygon (WGS 84) by id, and the file's
    features (for their date and status).

    The file is read once; each zone names its features (``file`` and ``features``), so
    the plan also reads the same when written out, and carries its polygon, so nothing
    is read again.
    """
    read = read_polygons(zones, what="zones",
                         names=[label_field] if label_field else NAME_FIELDS)
    gdf = read.frame
    names_by = _label_field([str(c) for c in gdf.columns if c != "geometry"], label_field,
                            zones)
    if gdf.empty:
        raise DataError("the zones file holds no polygons", path=zones,
                        suggestion="give a file of polygon features, one per zone")
    numbers = np.asarray(read.numbers)
    polys = np.asarray(read.polygons, dtype=object)
    groups: list[tuple[str, str, list[int], Any]] = []
    if zone_field:
        numeric_attribute(gdf, zone_field, str(zones))  # raises naming the attributes there
        by = gdf.groupby(zone_field, sort=True)
        group_of = by.ngroup().to_numpy()
        for k, value in enumerate(by.size().index):
            rows = np.flatnonzero(group_of == k)
            named = _names(gdf[names_by].iloc[rows]) if names_by else None
            part = polys[rows]
            groups.append((_slug(value), named or f"{zone_field} = {value}",
                           [int(n) for n in numbers[rows]],
                           part[0] if len(part) == 1 else shapely.union_all(part)))
    else:
        named_all = list(gdf[names_by]) if names_by else [None] * len(gdf)
        for i, (n, geom, name) in enumerate(zip(numbers, polys, named_all, strict=True),
                                            start=1):
            groups.append((f"zone-{i}", _names([name]) or f"feature {i} of {zones.name}",
                           [int(n)], geom))
    seen: dict[str, int] = {}
    specs: list[dict[str, Any]] = []
    carried: dict[str, Any] = {}
    path = str(zones.resolve())
    for zid, label, features, geom in groups:
        k = seen.get(zid, 0)
        seen[zid] = k + 1
        zid = zid if k == 0 else f"{zid}-{k + 1}"
        if zid == "rest":
            zid = "rest-zone"
        carried[zid] = geom
        specs.append({"id": zid, "label": label, "controller": "(not stated)",
                      "access": "resident", "file": path, "features": features,
                      "sources": ["user-files"]})
    specs.append({"id": "rest", "label": "Rest of the territory", "controller": "(not stated)",
                  "access": "resident", "rest": True, "sources": ["user-files"]})
    return specs, carried, gdf


def _set_access(specs: list[dict[str, Any]], access: str | dict[str, str] | None) -> None:
    """Apply ``access`` to the zone specs: one value to every zone but ``rest``, or per id."""
    if access is None:
        return
    if isinstance(access, str):
        for spec in specs:
            if not spec.get("rest"):
                spec["access"] = access
        return
    ids = [spec["id"] for spec in specs]
    unknown = [z for z in access if z not in ids]
    if unknown:
        raise InputError(f"--access names zone(s) {', '.join(unknown)}, which the quick plan "
                         "does not have", suggestion="zones: " + ", ".join(ids))
    for spec in specs:
        spec["access"] = access.get(spec["id"], spec["access"])


def _in_gaza(territory: Path) -> bool:
    gdf = read_vector(territory, what="territory")
    c = shapely.union_all(list(gdf.geometry)).centroid
    return bool(pack.outline().contains(c))


def plan_from_files(territory: Path, *, zones: Path | None = None, zone_field: str | None = None,
                    line: Path | None = None,
                    layers: dict[str, LayerRef] | None = None,
                    access: str | dict[str, str] | None = None,
                    label_field: str | None = None,
                    date: str | None = None, status: str | None = None) -> Plan:
    """Build a plan splitting ``territory`` by a zones file or by a line.

    Parameters
    ----------
    territory
        Polygon file of the territory (any vector format zoneplan reads).
    zones
        Polygon file: each feature (or each value of ``zone_field``) is a zone; the rest
        of the territory is the zone ``rest``.
    zone_field
        Attribute whose values name the zones.
    line
        Line file splitting the territory into ``west`` and ``east``.
    layers
        Data layers by name (``population``, ``hospitals``, ``damage``).
    access
        What the zones are (see the module docstring): one of :data:`ACCESS_VALUES` for
        every zone of the file (or both sides of a line), or per zone id.
    label_field
        Attribute of ``zones`` whose values name the zones (default: a name-like one).
    date
        The zones' date, ``YYYY-MM-DD`` (default: the layer's date attribute; see the
        module docstring).
    status
        One of :data:`STATUSES` (default: the layer's; else ``hypothetical``).

    Returns
    -------
    Plan
        Dated and with the status as described in the module docstring; zones open to
        residents unless ``access`` says otherwise; the population total of its date.

    Raises
    ------
    InputError
        Neither or both of ``zones`` and ``line``; no population layer outside Gaza; a
        date or status that cannot be read, or a layer with several dates.
    DataError
        Unreadable files, unknown attributes.
    """
    if (zones is None) == (line is None):
        raise InputError("give either a zones file or a line file (exactly one)",
                         suggestion="use --zones FILE [--zone-field NAME] or --line FILE")
    if zone_field and zones is None:
        raise InputError("--zone-field needs --zones", suggestion="add --zones FILE")
    if label_field and zones is None:
        raise InputError("--label-field needs --zones", suggestion="add --zones FILE")
    given_date = _check_date(date) if date is not None else None
    status = check_status(status) if status is not None else None
    layers = dict(layers or {})
    used = [territory] + [p for p in (zones, line) if p is not None]
    used += [Path(r.path) for r in layers.values() if not r.path.startswith("gaza:")]
    today = dt.date.today().isoformat()
    plan: dict[str, Any] = {
        "id": "quick",
        "title": f"{territory.name} split by {(zones or line).name}",  # type: ignore[union-attr]
        "sources": [{"id": "user-files", "publisher": "the user",
                     "title": "files: " + ", ".join(p.name for p in used),
                     "date": today}],
        "territory": str(territory.resolve()),
        "layers": {k: v.model_dump(by_alias=True, exclude_none=True) for k, v in layers.items()},
    }
    carried: dict[str, Any] = {}
    if zones is not None:
        plan["zones"], carried, frame = _zone_specs(zones, zone_field, label_field)
    else:
        assert line is not None
        frame = read_vector(line, what="line")
        plan["zones"] = [
            {"id": side, "label": f"{side.capitalize()} of the line", "controller": "(not stated)",
             "access": "resident", "side": {"line": side}, "sources": ["user-files"]}
            for side in ("west", "east")]
    layer_file: Path = zones or line  # type: ignore[assignment]
    read = layer_date(frame, layer_file) if given_date is None else None
    notes: list[str] = []
    if given_date is not None:
        plan["date"] = given_date
    elif read is not None:
        plan["date"] = read[0].isoformat()
        notes.append(f"The zones' date, {plan['date']}, is read from the attribute "
                     f"'{read[1]}' of {layer_file.name}.")
    else:
        plan["date"] = today  # the facts of the day it runs; the words say "date unknown"
        notes.append(f"The zones' date is unknown ({layer_file.name} has no date attribute "
                     "and no --date was given): figures use the facts known when the run "
                     "was made and the population layer's own total.")
    plan["status"] = status or layer_status(frame, layer_file) or "hypothetical"
    if line is not None:
        plan["lines"] = [{"id": "line", "label": line.name, "date": plan["date"],
                          "sources": ["user-files"], "file": str(line.resolve())}]
    in_gaza = _in_gaza(territory)
    if in_gaza and "hospitals" not in layers:
        plan["layers"]["hospitals"] = {"path": "gaza:hospitals"}
    if "population" in layers:
        baseline = "population"
    elif in_gaza:
        baseline = "gaza:population"
    else:
        raise InputError(
            "there is no population layer for this territory",
            path=territory,
            suggestion="add one, e.g. --layer population=worldpop.tif,units=count",
        )
    plan["population"] = _population(plan, baseline, dated=given_date is not None
                                     or read is not None, notes=notes)
    plan["notes"] = notes
    _set_access(plan["zones"], access)
    result = load_plan(plan, base_dir=Path.cwd())
    result._date_known = given_date is not None or read is not None
    for spec in result.zones:  # read once, here: the plan need not read the file again
        if spec.id in carried:
            spec.carry(carried[spec.id])
    return result


def _check_date(date: str) -> str:
    """Check a ``--date``: a day written ``YYYY-MM-DD``."""
    try:
        return dt.date.fromisoformat(date.strip()).isoformat()
    except ValueError:
        raise InputError(f"--date '{date}' is not a date written YYYY-MM-DD",
                         suggestion="write the zones' date as e.g. --date 2025-10-19"
                         ) from None


def _population(plan: dict[str, Any], baseline: str, *, dated: bool, notes: list[str]
                ) -> dict[str, Any]:
    """The quick plan's population: with the built-in baseline and a date the pack knows a
    total for, that total, its source added to the plan's; else the baseline layer's own
    total (nothing rescaled), with a note saying why."""
    pop: dict[str, Any] = {"date": plan["date"], "sources": ["user-files"],
                           "baseline": baseline, "label": "baseline population layer"}
    if baseline != "gaza:population":
        return pop  # the user's layer: its own total, its own scale
    row = pack.population_total_on(plan["date"]) if dated else None
    if row is None:
        if dated:
            notes.append(f"The pack knows no population total for {plan['date']}: the "
                         "pre-war baseline's own total is modelled.")
        return pop
    if not any(s["id"] == row["source_id"] for s in plan["sources"]):
        plan["sources"].append({"id": row["source_id"], "publisher": row["source_publisher"],
                                "title": row["source_title"], "date": row["source_date"],
                                "url": row["source_url"]})
    return {**pop, "total": int(row["total"]), "label": row["label"],
            "date": row["valid_from"], "sources": [row["source_id"]]}
