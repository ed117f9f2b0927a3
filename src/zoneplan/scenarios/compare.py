"""Compare two or more plans zone by zone, like with like.

Zones of different plans are matched into groups (``matches``): first by the name a
plan gives a zone in ``same_as``; then by place, a zone matching the zone of the other
plan it overlaps with an intersection over union of at least :data:`MATCH_IOU`, even
where another zone has its id (the id then names another place); then by id, saying
when the two are not the same place (with their intersection over union). So
``east``/``west`` of one plan and ``green``/``red`` of another match when they are the
same places, and a user's ``red`` that is not the built-in red zone's place is not
taken for it. A zone in no group with a zone of another plan is
listed alone, with ``null`` for the other plans. Differences are given for each plan
against the first one:

``residents_moved``
    Net number of people who live in a different place: half the sum over the matched
    groups of the absolute change in residents under the plan (people). Only defined
    when every zone of both plans is matched; otherwise ``null`` (the per-group changes
    are still given: half a sum over some of the groups would understate the move).
``zones``
    Per matched group: the change in every indicator of :data:`COMPARE_KEYS`
    (``changes``), and each plan's reconstruction share next to its residents' share
    (fractions).
``hospitals_changing_zone``
    Hospitals (matched by name and position) that lie in one matched zone in the first
    plan and in another matched zone in the second (zones only one plan has are not
    counted: a hospital in ``east`` and then in ``green`` has changed name, not zone).
``crossing_residents``
    People who would have to cross a line to reach a hospital: residents under the plan
    (each cell's shared between its zones by area, as in every figure of ``evaluate``)
    whose nearest hospital, by straight-line distance from the cell's centroid and
    regardless of zones, lies in a zone closed to civilians other than their own (or
    outside every zone). Given per plan and as the change (people).

``facts_changed``
    Why the figures of the same plan differ at two dates (``PLAN@DATE``, or ``as_of``):
    the dated facts each evaluation used (crossing states, force listings, line variants
    and uncertainty, alternative drawings) that are not the same in both, each with its
    ``kind``, ``id``, the fact ``from`` and ``to`` (``null`` where one evaluation has no
    such fact) and a ``summary`` in words (:func:`fact_changes`).

A plan given as ``PLAN@DATE`` (a plan id or file, ``@``, an ISO date) is evaluated with
the facts known at that date (:func:`zoneplan.plan.rules.as_of.plan_as_of`), and ``as_of``
does so for every plan given without a date of its own.

With ``by`` (areas, as for ``zoneplan run --by``), ``by_area`` gives each area's part in
each matched zone group, per plan, with the change against the first plan.

If the plans' territories differ, a warning says so and the comparison is still made
where zone ids match; shares then refer to each plan's own territory.

This module measures and returns data (:class:`Comparison`); the page with maps is drawn
by :mod:`zoneplan.render.pages.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from zoneplan.errors import InputError
from zoneplan.result import is_number

if TYPE_CHECKING:
    from zoneplan.io.areas import AreaSet
    from zoneplan.plan import Plan
    from zoneplan.result import Result

__all__ = ["COMPARE_KEYS", "MATCH_IOU", "Comparison", "compare", "crossing_residents",
           "dated_facts", "fact_changes", "hospital_zones", "match_zones"]

COMPARE_KEYS: tuple[str, ...] = (
    "area_km2", "share_of_territory", "residents_baseline", "residents", "displaced_out",
    "share_of_residents", "m2_per_person", "hospitals", "beds_per_10k", "forces_per_1000",
    "reconstruction_share", "damaged_structures", "damage_share", "width_km",
    "crossings_open",
)
"""Indicators shown side by side (keys of the JSON result's zones)."""

MATCH_IOU = 0.9
"""Zones of two plans are the same place when their intersection over union is at least
this (after ``same_as`` and ids)."""


@dataclass(eq=False)
class Comparison:
    """A comparison: the JSON-ready ``data`` and the evaluated ``results``."""

    data: dict[str, Any]
    results: list[Result]


def _hospital_xy(result: Result) -> tuple[list[str], np.ndarray[Any, Any]] | None:
    """The hospitals' names and positions in the population grid's CRS (metres), in the
    order of the hospital layer (and of ``metrics.hospital_zone``)."""
    h = result.inputs.hospitals
    if h is None or h.gdf is None or len(h.gdf) == 0:
        return None
    gcrs = result.inputs.population.grid.crs or result.layout.crs
    pts = h.gdf.to_crs(gcrs)
    names = [str(n) for n in (h.gdf["name"] if "name" in h.gdf else range(len(h.gdf)))]
    return names, np.column_stack([pts.geometry.x, pts.geometry.y])


def _hospital_zone_index(result: Result) -> np.ndarray[Any, Any]:
    """Position in the layout of the zone each hospital lies in, as ``evaluate`` placed
    it (``metrics.hospital_zone``: the first zone covering it), or the number of zones
    for a hospital in none."""
    pos = {z.id: k for k, z in enumerate(result.layout.zones)}
    none = len(result.layout.zones)
    return np.array([none if z is None else pos[z] for z in result.metrics.hospital_zone],
                    dtype=np.intp)


def hospital_zones(result: Result) -> list[dict[str, Any]]:
    """Each hospital with the id of the zone it lies in (``None`` outside every zone), as
    ``evaluate`` counts it in the zone's hospitals."""
    hx = _hospital_xy(result)
    if hx is None:
        return []
    names, xy = hx
    zones = result.metrics.hospital_zone
    return [{"name": n, "x": float(p[0]), "y": float(p[1]), "zone": z}
            for n, p, z in zip(names, xy, zones, strict=True)]


def crossing_residents(result: Result) -> float | None:
    """People whose nearest hospital lies across a line, in a zone closed to them.

    A cell's residents under the plan are shared between the zones it lies in by area,
    as every figure of ``evaluate`` shares them (the cells' shares in the zones,
    :class:`~zoneplan.measure.grids.cells.Fractions`, summed per zone and per the zone of the
    cell's nearest hospital by :func:`~zoneplan.measure.sums.block_sums.block_sums`, turned
    into residents by each zone's :class:`~zoneplan.measure.figures.relocation.Placement`);
    residents of a compound count from the compound. The nearest hospital is the one
    nearest the cell's centroid (straight line, metres, any zone); it lies across a
    line when its zone is not the residents' own and is closed to civilians, or when it
    lies in no zone.

    Returns
    -------
    float or None
        People (residents under the plan); ``None`` if the plan has no hospital layer,
        or its people are not kept cell by cell here (a raster held on a cluster's
        workers).
    """
    hx = _hospital_xy(result)
    cell_map = result.metrics.cell_map
    if hx is None or cell_map is None or getattr(cell_map.grid, "held", None) is not None:
        return None
    from zoneplan.measure.sums.block_sums import block_sums

    _, hxy = hx
    zones = result.layout.zones
    nz = len(zones)
    h_zone = _hospital_zone_index(result)
    closed = np.array([z.spec.access == "closed" for z in zones] + [True])  # nz: no zone
    grid = cell_map.grid
    tree = cKDTree(hxy)
    # the zone of each cell's nearest hospital (a "block" of block_sums), in chunks
    label = np.empty(len(grid), dtype=np.min_scalar_type(nz))  # one byte for < 256 zones
    gx, gy = np.asarray(grid.x, dtype=float), np.asarray(grid.y, dtype=float)
    for a in range(0, label.size, _CHUNK):
        _, nearest = tree.query(np.column_stack([gx[a:a + _CHUNK], gy[a:a + _CHUNK]]))
        label[a:a + _CHUNK] = h_zone[nearest]
    area, people = block_sums(cell_map.fractions, [grid.area_values(), cell_map.counts],
                              label, nz + 1)
    total = 0.0
    for k, place in enumerate(cell_map.placements):
        across = np.flatnonzero(closed & (np.arange(nz + 1) != k))
        total += float(np.sum(place.of(people.take(k, across), area.take(k, across))))
    sites = [(k, x, y, n) for k, z in enumerate(zones)
             for x, y, n in result.metrics.site_people.get(z.id, [])]
    if sites:  # compound residents: from the compound, in its zone
        from zoneplan.geometry import project

        gcrs = grid.crs
        for k, x, y, n in sites:
            pt = (project(shapely.Point(x, y), gcrs, src=result.layout.crs)
                  if gcrs is not None and not gcrs.equals(result.layout.crs)
                  else shapely.Point(x, y))
            hz = int(h_zone[tree.query([pt.x, pt.y])[1]])
            if hz != k and closed[hz]:
                total += n
    return total


_CHUNK = 1 << 18
"""Cells looked up at a time for their nearest hospital (bounds the temporaries)."""


def _num(v: Any) -> float | None:
    return float(v) if is_number(v) else None


def _diff(a: Any, b: Any) -> float | None:
    x, y = _num(a), _num(b)
    return None if x is None or y is None else y - x


def _evaluated(p: Plan | Result | str | Path, by: AreaSet | None, as_of: str | None
               ) -> Result:
    """``p`` evaluated (a ``PLAN@DATE`` reference with the facts known at its date, any
    other plan with those known at ``as_of`` or at its own date)."""
    from zoneplan.evaluate import evaluate
    from zoneplan.plan import load_plan
    from zoneplan.plan.rules.as_of import check_date, plan_as_of
    from zoneplan.result import Result

    if isinstance(p, Result):
        return p
    date = check_date(as_of) if as_of is not None else None
    if isinstance(p, (str, Path)):
        from zoneplan.plan.rules.as_of import split_dated

        ref, own = split_dated(p)
        date = own or date
        p = load_plan(ref)
    return evaluate(plan_as_of(p, date)[0] if date is not None else p, by=by)


def compare(plans: Sequence[Plan | Result | str | Path], *, by: AreaSet | None = None,
            as_of: str | None = None) -> Comparison:
    """Evaluate (if needed) and compare two or more plans.

    Parameters
    ----------
    plans
        Plans, plan files, built-in plan ids or evaluated results; the first is the one
        the differences are measured from.
        A plan id or file may end in ``@DATE`` (ISO): it is then evaluated with the
        facts known at that date.
    by
        Areas to break the figures down by (:func:`zoneplan.io.areas.read_areas`); plans
        given as results are used as they are (evaluate them with the same ``by``).
    as_of
        Evaluate every plan not given as ``PLAN@DATE`` or as a result with the facts
        known at this date (ISO), instead of its own date.

    Raises
    ------
    InputError
        Fewer than two plans, or a date (``@DATE``, ``as_of``) that is not an ISO date.

    Returns
    -------
    Comparison
        ``data`` is JSON-ready: ``plans``, ``warnings``, ``zones`` (side by side),
        ``differences`` (against the first plan) and ``definitions``.
    """
    if len(plans) < 2:
        raise InputError("a comparison needs at least two plans",
                         suggestion="give two or more plan files or built-in plan ids")
    if as_of is not None:
        from zoneplan.plan.rules.as_of import check_date

        check_date(as_of)
    for p in plans:  # every date checked before any evaluation
        if isinstance(p, (str, Path)):
            from zoneplan.plan.rules.as_of import split_dated

            split_dated(p)
    results = [_evaluated(p, by, as_of) for p in plans]
    dicts = [r.to_dict() for r in results]
    ids = [d["plan"]["id"] for d in dicts]
    if len(set(ids)) != len(ids):  # the same plan at several dates: named by the date
        ids = [f"{pid}@{d['plan']['as_of']}" if d["plan"]["as_of"] != d["plan"]["date"]
               or any(o is not d and o["plan"]["id"] == pid
                      and o["plan"]["as_of"] != d["plan"]["as_of"] for o in dicts)
               else pid for pid, d in zip(ids, dicts, strict=True)]
    if len(set(ids)) != len(ids):
        ids = [f"{pid}#{i + 1}" for i, pid in enumerate(ids)]
    warnings: list[str] = []
    t0 = dicts[0]["territory"]
    for pid, d in zip(ids[1:], dicts[1:], strict=True):
        t = d["territory"]
        if t["ref"] != t0["ref"] or abs(t["area_km2"] - t0["area_km2"]) > 1e-3 * t0["area_km2"]:
            warnings.append(
                f"the territories differ: '{ids[0]}' uses {t0['ref']} ({t0['area_km2']:.1f} km²),"
                f" '{pid}' uses {t['ref']} ({t['area_km2']:.1f} km²); zones are compared where "
                "their ids match, and shares refer to each plan's own territory")
    matches = match_zones(results, ids)
    zones_out = []
    for g in matches:
        values: dict[str, Any] = {}
        for pid, d in zip(ids, dicts, strict=True):
            zid = g["zones"].get(pid)
            z = next((zz for zz in d["zones"] if zz["id"] == zid), None)
            values[pid] = (None if z is None else
                           {"zone": z["id"], "access": z["access"],
                            **{k: z.get(k) for k in COMPARE_KEYS}})
        first = values[ids[0]]
        changes = {pid: ({k: _diff(first.get(k), v.get(k)) for k in COMPARE_KEYS}
                         if first is not None and v is not None else None)
                   for pid, v in values.items() if pid != ids[0]}
        in_plans = [pid for pid in ids if values[pid] is not None]
        zones_out.append({"id": g["key"], "label": g["label"], "in_plans": in_plans,
                          "matched_by": g["how"], "values": values, "changes": changes})
        if len(in_plans) < len(ids):
            warnings.append(f"zone '{g['label']}' is only in {', '.join(in_plans)}")
    crossing = {pid: crossing_residents(r) for pid, r in zip(ids, results, strict=True)}
    hz = {pid: hospital_zones(r) for pid, r in zip(ids, results, strict=True)}
    diffs = [{**_differences(ids[0], pid, zones_out, hz, crossing),
              "facts_changed": fact_changes(dicts[0], d)}
             for pid, d in zip(ids[1:], dicts[1:], strict=True)]
    return Comparison(data={
        "plans": [{"id": pid, "plan_id": d["plan"]["id"], "title": d["plan"]["title"],
                   "date": d["plan"]["date"], "as_of": d["plan"]["as_of"],
                   "territory": d["territory"],
                   "crossing_residents": crossing[pid]}
                  for pid, d in zip(ids, dicts, strict=True)],
        "warnings": warnings,
        "matches": matches,
        "zones": zones_out,
        "differences": diffs,
        "by": dicts[0].get("by") if by is not None else None,
        "by_area": _by_area(matches, ids, dicts) if by is not None else None,
        "definitions": {
            "residents_moved": "Half the sum over the matched zones of the absolute change "
            "in residents under the plan (people): the net number who live in another "
            "place; null unless every zone of both plans is matched (see the per-zone "
            "changes).",
            "matches": f"Zones matched by same_as, then by place (intersection over union "
                       f"at least {MATCH_IOU:g}) where it disagrees with the ids, then by id; "
                       "a match by id of zones that are not the same place says so with "
                       "its intersection over union.",
            "crossing_residents": "Residents under the plan (people; a cell's shared "
            "between its zones by area) whose nearest hospital (straight line from the "
            "cell's centroid, any zone) lies in a zone closed to civilians other than "
            "their own, or outside every zone.",
            "hospitals_changing_zone": "Hospitals (same name and position) in one zone of "
            "both plans in the first and in another zone of both plans in the second.",
            "facts_changed": "The dated facts (crossing states, force listings, line "
            "variants and uncertainty, alternative drawings) one evaluation used and the "
            "other did not, or used in another state: why the figures of one plan differ "
            "between two dates (PLAN@DATE, --as-of).",
        },
    }, results=results)


def dated_facts(d: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """The dated facts an evaluation used, from its JSON result ``d``, by a key naming
    the fact (its kind and what it is about), each as a record with ``kind``, ``id``,
    ``date`` (when it became true or known) and its details.

    Examples
    --------
    >>> d = {"crossings": [{"id": "rafah", "name": "Rafah", "state": "closed",
    ...                     "status": "closed (mixed)", "status_date": "2025-03-18"}],
    ...      "forces": [], "lines": [], "alternatives": []}
    >>> dated_facts(d)[("crossing", "rafah")]["state"]
    'closed'
    """
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for c in d.get("crossings") or []:
        out[("crossing", c["id"])] = {
            "kind": "crossing state", "id": c["id"], "name": c.get("name", c["id"]),
            "state": c.get("state"), "status": c.get("status"), "date": c.get("status_date")}
    for f in d.get("forces") or []:
        key = ("force", f["contributor"], f["status"], str(f.get("date")),
               str(f["personnel"]))
        out[key] = {"kind": "force", "id": f"{f['contributor']} ({f['status']})",
                    "contributor": f["contributor"], "status": f["status"],
                    "personnel": f["personnel"], "words": f.get("words"),
                    "date": f.get("date"), "sources": list(f.get("sources") or [])}
    for ln in d.get("lines") or []:
        for v in ln.get("variants") or []:
            out[("line variant", ln["id"], v["id"])] = {
                "kind": "line variant", "id": v["id"], "line": ln["id"],
                "offset_m": v.get("offset_m"), "towards": v.get("towards"),
                "note": v.get("note"), "sources": list(v.get("sources") or []),
                "date": _source_date(d, v.get("sources") or [])}
        u = ln.get("uncertainty")
        if u:
            out[("line uncertainty", ln["id"])] = {
                "kind": "line uncertainty", "id": f"{ln['id']}-uncertainty",
                "line": ln["id"], "offset_m": u.get("offset_m"), "note": u.get("note"),
                "sources": list(u.get("sources") or []),
                "date": _source_date(d, u.get("sources") or [])}
    for a in d.get("alternatives") or []:
        out[("alternative", a["id"])] = {
            "kind": "alternative", "id": a["id"], "note": a.get("note") or a.get("label"),
            "sources": list(a.get("sources") or []),
            "date": _source_date(d, a.get("sources") or [])}
    return out


def _source_date(d: dict[str, Any], ids: Sequence[str]) -> str | None:
    """The latest date of the plan's sources ``ids`` that are not modelling
    assumptions (as :func:`zoneplan.plan.rules.as_of.fact_date`)."""
    from zoneplan.plan.rules.as_of import _first_day

    srcs = {s["id"]: s for s in (d.get("plan") or {}).get("sources") or []}
    dates = [str(srcs[i]["date"]) for i in ids
             if i in srcs and not srcs[i].get("assumption") and srcs[i].get("date")]
    return max(dates, key=_first_day) if dates else None


def _fact_words(f: dict[str, Any] | None) -> str:
    """A dated fact in a few words (for ``summary``)."""
    if f is None:
        return "none"
    when = f" (dated {f['date']})" if f.get("date") else ""
    if f["kind"] == "crossing state":
        return f"{f['state']}" + (f": {f['status']}" if f.get("status") else when)
    if f["kind"] == "force":
        words = f", \"{f['words']}\"" if f.get("words") else ""
        return f"{f['status']} {f['personnel']:,.0f}{words}{when}"
    if f["kind"] in ("line variant", "line uncertainty"):
        towards = f" {f['towards']}" if f.get("towards") else ""
        off = (f"{f['offset_m']:g} m{towards}"
               if isinstance(f.get("offset_m"), (int, float)) else "")
        return (f"{off}: {f['note']}" if f.get("note") else off) + when
    return f"{f.get('note') or f['id']}{when}"


def fact_changes(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """The dated facts (:func:`dated_facts`) that differ between two evaluations' JSON
    results ``a`` and ``b``: used by one only, or (crossings) in another state.

    Returns
    -------
    list of dict
        ``kind``, ``id``, ``name`` (crossings), ``from`` (the fact in ``a``, or
        ``null``), ``to`` (in ``b``, or ``null``), ``date`` (the later of the two facts'
        dates) and ``summary``; sorted by date, then kind and id.

    Examples
    --------
    >>> def at(state, date):
    ...     return {"crossings": [{"id": "zikim", "name": "Zikim", "state": state,
    ...                            "status": None, "status_date": date}]}
    >>> [c["summary"] for c in fact_changes(at("open", "2025-11-12"),
    ...                                     at("closed", "2026-03-01"))]
    ['Zikim: open (dated 2025-11-12) → closed (dated 2026-03-01)']
    >>> fact_changes(at("open", "2025-11-12"), at("open", "2025-11-12"))
    []
    """
    from zoneplan.plan.rules.as_of import _first_day

    fa, fb = dated_facts(a), dated_facts(b)
    out = []
    for key in list(fa) + [k for k in fb if k not in fa]:
        x, y = fa.get(key), fb.get(key)
        if x == y:
            continue
        f = y or x
        assert f is not None
        name = f.get("name") or (f"{f['line']}: {f['kind']} {f['id']}" if f.get("line")
                                 else f"{f['kind']} {f['id']}")
        if f["kind"] == "crossing state":
            def words(c: dict[str, Any] | None) -> str:
                return "none" if c is None else (
                    f"{c['state']}" + (f" (dated {c['date']})" if c.get("date") else ""))
            summary = f"{name}: {words(x)} → {words(y)}"
        elif x is None:
            summary = f"{name} added: {_fact_words(y)}"
        elif y is None:
            summary = f"{name} no longer used: {_fact_words(x)}"
        else:
            summary = f"{name}: {_fact_words(x)} → {_fact_words(y)}"
        dates = [str(g["date"]) for g in (x, y) if g is not None and g.get("date")]
        out.append({"kind": f["kind"], "id": f["id"],
                    **({"name": f["name"]} if "name" in f else {}),
                    "from": x, "to": y,
                    "date": max(dates, key=_first_day) if dates else None,
                    "summary": summary})
    out.sort(key=lambda c: (_first_day(c["date"] or "0000"), c["kind"], c["id"]))
    return out


def _by_area(matches: list[dict[str, Any]], ids: Sequence[str],
             dicts: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per area and matched zone group: each plan's by-area figures and the change."""
    from zoneplan.measure.figures.by_area import BY_AREA_KEYS

    areas = list(dict.fromkeys(r["area"] for d in dicts for r in d.get("by_area") or []))
    rows = []
    for area in areas:
        for g in matches:
            values: dict[str, Any] = {}
            for pid, d in zip(ids, dicts, strict=True):
                zid = g["zones"].get(pid)
                r = next((x for x in d.get("by_area") or []
                          if x["area"] == area and x["zone"] == zid), None)
                values[pid] = None if zid is None else (
                    {"zone": zid, **{k: (r or {}).get(k, 0.0) for k in BY_AREA_KEYS},
                     "ranges": (r or {}).get("ranges", {})})
                if values[pid] is not None and r is None and not any(
                        x.get("damaged_structures") is not None for x in d.get("by_area") or []):
                    values[pid]["damaged_structures"] = None
            if all(v is None or not v["area_km2"] for v in values.values()):
                continue
            first = values[ids[0]]
            changes = {pid: ({k: _diff(first.get(k), v.get(k)) for k in BY_AREA_KEYS}
                             if first is not None and v is not None else None)
                       for pid, v in values.items() if pid != ids[0]}
            rows.append({"area": area, "group": g["key"], "label": g["label"],
                         "values": values, "changes": changes})
    return rows


def _zone_shapes(result: Result, crs: Any) -> dict[str, Any]:
    from zoneplan.geometry import project, to_lonlat

    return {z.id: project(to_lonlat(z.geometry, result.layout.crs), crs)
            for z in result.layout.zones}


def _iou(a: Any, b: Any) -> float:
    union = a.union(b).area
    return float(a.intersection(b).area / union) if union > 0 else 0.0


def match_zones(results: Sequence[Result], ids: Sequence[str]) -> list[dict[str, Any]]:
    """Groups of zones that are the same place in different plans (see the module doc).

    Returns
    -------
    list of dict
        Per group: ``key`` (a name for the group), ``label``, ``zones`` (plan id → zone
        id) and ``how`` the group was matched.
    """
    crs = results[0].layout.crs
    shapes = [_zone_shapes(r, crs) for r in results]
    specs = [{z.id: z.spec for z in r.layout.zones} for r in results]
    groups: list[dict[str, Any]] = []
    taken: list[set[str]] = [set() for _ in results]

    def add(key: str, label: str, members: dict[int, str], how: str) -> None:
        groups.append({"key": key, "label": label,
                       "zones": {ids[i]: zid for i, zid in members.items()}, "how": how})
        for i, zid in members.items():
            taken[i].add(zid)

    for i, sp in enumerate(specs):  # 1. a name the plans share in same_as
        for zid, spec in sp.items():
            if zid in taken[i] or not spec.same_as:
                continue
            members = {j: next(k for k, s2 in specs[j].items() if s2.same_as == spec.same_as
                               and k not in taken[j])
                       for j in range(len(specs)) if any(
                           s2.same_as == spec.same_as and k not in taken[j]
                           for k, s2 in specs[j].items())}
            add(spec.same_as, spec.label, members, "same_as")
    for i, sp in enumerate(specs):  # 2. the same id, 3. the same place
        for zid, spec in sp.items():
            if zid in taken[i]:
                continue
            members = {i: zid}
            hows: list[str] = []
            for j in range(len(specs)):
                if j == i:
                    continue
                free = [k for k in specs[j] if k not in taken[j]]
                best = max(free, key=lambda k: _iou(shapes[i][zid], shapes[j][k]), default=None)
                best_iou = _iou(shapes[i][zid], shapes[j][best]) if best is not None else 0.0
                same_id = zid in specs[j] and zid not in taken[j]
                id_iou = _iou(shapes[i][zid], shapes[j][zid]) if same_id else 0.0
                # the place first: an id names another place when a zone of the other plan
                # matches this one's place (IoU >= MATCH_IOU) better than the namesake
                if best is not None and best_iou >= MATCH_IOU and (not same_id
                                                                    or best_iou > id_iou):
                    members[j] = best
                    hows.append(f"geometry (IoU {best_iou:.3f})" if not same_id else
                                f"geometry (IoU {best_iou:.3f}; the zone with the same id "
                                f"'{zid}' overlaps it by IoU {id_iou:.3f})")
                elif same_id:
                    members[j] = zid
                    hows.append("id" if id_iou >= MATCH_IOU else
                                f"id, another place (IoU {id_iou:.3f})")
            add(zid, spec.label, dict(sorted(members.items())),
                "; ".join(dict.fromkeys(hows)) or "alone")
    return groups


def _differences(aid: str, bid: str, zones: list[dict[str, Any]],
                 hz: dict[str, list[dict[str, Any]]],
                 crossing: dict[str, float | None]) -> dict[str, Any]:
    both = [g for g in zones if g["values"][aid] is not None and g["values"][bid] is not None]
    alone = [g for g in zones if (g["values"][aid] is None) != (g["values"][bid] is None)]
    moved = (0.5 * sum(abs((_num(g["values"][bid].get("residents")) or 0.0)
                           - (_num(g["values"][aid].get("residents")) or 0.0)) for g in both)
             if not alone else None)
    per_zone = [{"id": g["id"], "zone": {aid: g["values"][aid]["zone"],
                                         bid: g["values"][bid]["zone"]},
                 "changes": g["changes"][bid],
                 "residents_change": g["changes"][bid]["residents"],
                 "m2_per_person_change": g["changes"][bid]["m2_per_person"],
                 "share_of_territory_change": g["changes"][bid]["share_of_territory"],
                 "reconstruction_vs_residents": {
                     aid: [g["values"][aid].get("reconstruction_share"),
                           g["values"][aid].get("share_of_residents")],
                     bid: [g["values"][bid].get("reconstruction_share"),
                           g["values"][bid].get("share_of_residents")]}}
                for g in both]
    group_of = {(pid, g["values"][pid]["zone"]): g["id"] for g in zones
                for pid in (aid, bid) if g["values"][pid] is not None}
    ha = {(h["name"], round(h["x"]), round(h["y"])): group_of.get((aid, h["zone"]))
          for h in hz[aid]}
    matched = {g["id"] for g in both}
    changed = []
    for h in hz[bid]:
        key = (h["name"], round(h["x"]), round(h["y"]))
        was, now = ha.get(key), group_of.get((bid, h["zone"]))
        if key in ha and was != now and was in matched and now in matched:
            changed.append({"name": h["name"], "from": was, "to": now})
    ca, cb = crossing[aid], crossing[bid]
    return {"from": aid, "to": bid, "residents_moved": moved, "zones": per_zone,
            "hospitals_changing_zone": changed,
            "crossing_residents": {aid: ca, bid: cb, "change": _diff(ca, cb)}}
