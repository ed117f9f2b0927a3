"""The result of an evaluation, and its JSON form.

The JSON layout is documented in the README ("The JSON result") and kept stable:
every documented key is always present, ``null`` where it does not apply, with the
reason under ``null_reasons``. Numbers are never rounded here.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard, cast, overload

import shapely

from zoneplan import __version__, pack
from zoneplan.geometry import WGS84, to_lonlat
from zoneplan.measure.figures.assumptions import central_assumptions
from zoneplan.measure.figures.claims import ClaimRuns, check_claims
from zoneplan.measure.figures.table import RowBlocks
from zoneplan.pack.line_variants import line_variants
from zoneplan.plan.colours import zone_colours
from zoneplan.plan.rules.as_of import STALE_AFTER, age_days, stale
from zoneplan.plan.rules.definitions import INDICATORS, ZONE_KEYS, per_person_flags
from zoneplan.plan.rules.standards import STANDARDS

if TYPE_CHECKING:
    import geopandas as gpd

    from zoneplan.io.areas import AreaSet
    from zoneplan.measure.figures.by_area import AreaTotals, Piece
    from zoneplan.measure.figures.indicators import Metrics
    from zoneplan.measure.inputs import Inputs
    from zoneplan.measure.population.layers import PopulationLayer
    from zoneplan.measure.zones import Layout
    from zoneplan.plan import Plan
    from zoneplan.records import (
        AreaTotalRecord,
        ByAreaRow,
        ByRecord,
        Distribution,
        ExtremeFigure,
        ExtremeRecord,
        ForceRecord,
        ForceTargetRecord,
        IndicatorRecord,
        InputFile,
        LaterEvidenceRecord,
        LayerUsed,
        LineRecord,
        PlanRecord,
        PopulationRecord,
        ResultDocument,
        SamplesRecord,
        StaleAfterRecord,
        StandardRecord,
        TotalsRecord,
        TotalStandards,
        ZoneRecord,
        ZoneStandards,
    )

__all__ = ["COLUMN_ZONES", "INDENT_ZONES", "Result", "SampleFigures", "ZoneRecords",
           "build_json", "is_number", "json_chunks", "json_ready", "json_text"]


def is_number(v: object, *, finite: bool = False) -> TypeGuard[float]:
    """Whether ``v`` is a real number: an int or a float (numpy's float64 too), never a
    bool; with ``finite``, neither NaN nor infinite.

    The one test of "is this figure a number" for the result's values (``None``, a
    string or a bool is not).

    Examples
    --------
    >>> is_number(3), is_number(2.5), is_number(True), is_number(None), is_number("1")
    (True, True, False, False, False)
    >>> is_number(float("nan")), is_number(float("nan"), finite=True)
    (True, False)
    """
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return not finite or math.isfinite(v)


_PLAIN = frozenset({str, int, bool, type(None)})
"""Types :func:`_clean` returns unchanged at once (exactly these, not subclasses)."""


def json_ready(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a result's data made JSON-safe (as :meth:`Result.to_dict`)."""
    return dict(_clean(data))


def _clean(obj: Any) -> Any:
    """Make a structure JSON-safe: NaN/inf become null, tuples become lists."""
    if type(obj) in _PLAIN:  # most leaves: returned as they are, without further tests
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    # the leaves of dicts and lists are tested here: no call for most of them
    plain, finite = _PLAIN, math.isfinite
    if isinstance(obj, dict):
        return {(k if type(k) is str else str(k)):
                (v if type(v) in plain or (type(v) is float and finite(v)) else _clean(v))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple, ZoneRecords)):
        return [v if type(v) in plain or (type(v) is float and finite(v)) else _clean(v)
                for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # numpy scalar
        return _clean(obj.item())
    return obj


@dataclass(eq=False)
class Result:
    """Measured consequences of a plan.

    Attributes
    ----------
    data
        The JSON-ready result (see :meth:`to_dict`).
    layout
        Territory, lines and zones in the projected area CRS.
    inputs
        The plan and the layers read for it.
    metrics
        The central-case indicators, including per-cell residents for maps.
    pieces
        With ``by``: the (area, zone) pieces of the central layout, in its CRS (metres),
        in the order of ``data["by_area"]``; else ``None``.
    """

    data: ResultDocument
    layout: Layout
    inputs: Inputs
    metrics: Metrics
    pieces: list[Piece] | None = None

    @property
    def plan_id(self) -> str:
        """Id of the evaluated plan."""
        return str(self.data["plan"]["id"])

    @property
    def zones(self) -> gpd.GeoDataFrame:
        """The zones with their indicators as columns, geometry in WGS 84 lon/lat."""
        import geopandas as gpd  # here: printing a result needs no GeoDataFrame

        rows = []
        for z in self.data["zones"]:
            row = {k: v for k, v in z.items()
                   if not isinstance(v, (dict, list))}
            rows.append(row)
        geoms = [to_lonlat(z.geometry, self.layout.crs) for z in self.layout.zones]
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84)

    def zone(self, zone_id: str) -> ZoneRecord:
        """The JSON object of one zone (a copy)."""
        for z in self.data["zones"]:
            if z["id"] == zone_id:
                return z.copy()
        raise KeyError(zone_id)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON result as plain Python objects (NaN as ``None``)."""
        return _clean(self.data)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The documented JSON result as text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


INDENT_ZONES = 200
"""Results with more zones than this are written as JSON without indentation: the
indenting encoder is pure Python, about ten times slower (seconds for thousands of
zones); the content is the same."""


def json_text(data: dict[str, Any] | list[dict[str, Any]]) -> str:
    """A result (or a list of results) as JSON text: indented, unless it holds more than
    :data:`INDENT_ZONES` zones."""
    return "".join(json_chunks(data))


def json_chunks(data: dict[str, Any] | list[dict[str, Any]], *, clean: bool = False
                ) -> Iterator[str]:
    """:func:`json_text` in pieces, to write without holding the whole text: results of
    more than :data:`INDENT_ZONES` zones member by member and zone by zone (the same text
    as one ``json.dumps``, whose pieces for thousands of zones take several times the
    memory of the text).

    Parameters
    ----------
    data
        A result's JSON-safe data (:meth:`Result.to_dict`, :func:`json_ready`), or a list
        of them; with ``clean``, a result's data as evaluated (:attr:`Result.data`).
    clean
        Make the data JSON-safe as it is written (the text of :func:`json_ready`'s copy,
        without the copy): each zone is encoded as it is when it holds no NaN, infinity
        or value JSON cannot take (most zones), else from its JSON-safe copy.

    Returns
    -------
    Iterator[str]
        Pieces of the text, to write one after another.
    """
    results = data if isinstance(data, list) else [data]
    zones = sum(len(r.get("zones") or []) for r in results)
    if zones <= INDENT_ZONES:
        yield json.dumps(_clean(data) if clean else data, indent=2, ensure_ascii=False,
                         default=_listed)
        return
    yield from _pieces(data, 3 if isinstance(data, list) else 2, clean)


def _encoded(obj: Any, clean: bool) -> str:
    """``json.dumps(obj)`` (no indentation); with ``clean``, of ``obj`` made JSON-safe."""
    if not clean:
        return json.dumps(obj, ensure_ascii=False, default=_listed)
    try:  # the C encoder refuses NaN, infinity and numpy integers: most zones have none
        return json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError):
        return json.dumps(_clean(obj), ensure_ascii=False)


def _listed(obj: Any) -> list[Any]:
    """:class:`ZoneRecords` as the list it stands for (``json.dumps``'s ``default``)."""
    if isinstance(obj, ZoneRecords):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _pieces(obj: Any, depth: int, clean: bool = False) -> Iterator[str]:
    """``json.dumps(obj, ensure_ascii=False)`` (no indentation) in pieces: members of
    dicts and lists ``depth`` levels down each encoded on their own (with ``clean``, as
    :func:`_clean` makes them)."""
    if depth <= 0 or not isinstance(obj, (dict, list, ZoneRecords)) or not obj:
        yield _encoded(obj, clean)
        return
    if isinstance(obj, dict):
        yield "{"
        for i, (k, v) in enumerate(obj.items()):
            key = k if type(k) is str or not clean else str(k)
            yield (", " if i else "") + json.dumps(key, ensure_ascii=False) + ": "
            yield from _pieces(v, depth - 1, clean)
        yield "}"
        return
    if isinstance(obj, ZoneRecords) and depth == 1:  # records a block at a time: the
        # text of a list is its members' texts joined by ", " between brackets
        for i, block in enumerate(obj.blocks()):
            yield ("[" if i == 0 else ", ") + _encoded(block, clean)[1:-1]
        yield "]"
        return
    yield "["
    for i, v in enumerate(obj):
        if i:
            yield ", "
        yield from _pieces(v, depth - 1, clean)
    yield "]"


def _sources(inputs: Inputs) -> list[dict[str, Any]]:
    out = [s.model_dump(exclude_defaults=True) | {"kind": "plan"} for s in inputs.plan.sources]
    out += [dict(s) | {"kind": "data"} for s in inputs.data_sources]
    out += [{"id": s.id, "publisher": s.source, "title": s.label, "date": s.edition,
             "url": s.url, "kind": "standard"} for s in STANDARDS]
    return out


def _numbers(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if is_number(v)}


def _layers_used(inputs: Inputs) -> dict[str, LayerUsed]:
    """The point layers read: what they are, when they stand, their sources."""
    out: dict[str, LayerUsed] = {}
    for role in ("hospitals", "damage", "crossings"):
        layer = getattr(inputs, role)
        if layer is not None:
            used: LayerUsed = {"label": layer.label, "date": layer.date,
                               "sources": layer.sources, "features": len(layer)}
            if role == "damage":
                used["total"] = float(layer.values["count"].sum())
            out[role] = used
    return out


def _extremes(pop: PopulationLayer, extremes: dict[str, Metrics]) -> list[ExtremeRecord]:
    """Spreads shown as labelled extremes: their figures, never part of a range."""
    return [{"id": k, "label": pop.spread_labels.get(k, k),
             "method": pop.spread_methods.get(k, ""),
             "zones": {zid: _numbers(v) for zid, v in em.zones.items()},
             "totals": _numbers(em.totals)} for k, em in extremes.items()]


@dataclass(frozen=True)
class SampleFigures:
    """What Monte Carlo draws add to a result (see :mod:`zoneplan.scenarios.ensemble`).

    Attributes
    ----------
    zones
        Per zone id, the percentiles of its indicators over the draws.
    totals
        The same for the totals.
    record
        How the draws were made (the result's ``samples``).
    """

    zones: dict[str, Distribution]
    totals: Distribution
    record: SamplesRecord


EXTREME_KEYS: tuple[str, ...] = ("residents_baseline",)
"""Indicators whose figures under the labelled extreme spreads each zone record gives
beside its range (``extremes``)."""


COLUMN_ZONES = INDENT_ZONES
"""Results with more zones than this keep their zone records as columns
(:class:`ZoneRecords`), each record made when it is read (written, rendered), not all
held at once: a zone's record holds about 130 values, several kilobytes as Python
objects."""


BLOCK_ZONES = 256
"""Zone records are made this many at a time (:meth:`_ZoneColumns.records`): the
columns read zone by zone in one zip, a few hundred records held at once."""


def _rows(zones: Mapping[str, dict[str, Any]], ids: list[str], start: int, stop: int
          ) -> list[dict[str, Any]]:
    """The dicts of zones ``start`` to ``stop`` of ``ids`` in a run's ``zones`` (figures,
    null reasons or ranges): made from the columns, without keeping every zone's, where
    they are columns (:class:`~zoneplan.measure.figures.table.RowBlocks`)."""
    if isinstance(zones, RowBlocks):
        return zones.block(start, stop)
    return [zones[zid] for zid in ids[start:stop]]


class _ZoneColumns:
    """What a result's zone records are made of (see :meth:`records`): what the plan says
    of each zone, as columns in layout order, and the figures, ranges, draws and extremes
    it reads from (columns themselves, where they are)."""

    def __init__(self, plan: Plan, layout: Layout, m: Metrics, zr: Mapping[str, Any],
                 samples: SampleFigures | None, pop: PopulationLayer | None = None,
                 extremes: dict[str, Metrics] | None = None) -> None:
        specs = [z.spec for z in layout.zones]
        colours = zone_colours(specs)
        rec_zones = _rec_zones(plan, layout)
        self.ids = [z.id for z in layout.zones]
        self.labels = [s.label for s in specs]
        self.controllers = [s.controller for s in specs]
        self.access = [s.access for s in specs]
        self.notes = [s.note for s in specs]
        self.reconstruction = [i in rec_zones for i in self.ids]
        self.colours = [colours[i] for i in self.ids]
        self.values, self.reasons, self.ranges = m.zones, m.reasons, zr
        self.samples = samples.zones if samples else None
        # of the extreme spreads, only their labels and figures: not their runs' cells
        self.extremes = ([(s, pop.spread_labels.get(s, s), em.zones)
                          for s, em in extremes.items()] if pop and extremes else [])
        std = {s.id: s for s in STANDARDS}
        self.camp, self.covered, self.force = (std["sphere-camp-area"],
                                               std["sphere-covered-space"],
                                               std["force-ratio-quinlivan"])

    def __len__(self) -> int:
        return len(self.ids)

    def _extremes(self, start: int, stop: int) -> list[dict[str, list[ExtremeFigure]]]:
        """The figures of zones ``start`` to ``stop`` under each labelled extreme spread
        (:data:`EXTREME_KEYS`)."""
        if not self.extremes:
            return [{} for _ in range(start, stop)]
        runs = [(s, label, _rows(zones, self.ids, start, stop))
                for s, label, zones in self.extremes]
        return [{key: [{"spread": s, "label": label, "value": rows[i].get(key)}
                       for s, label, rows in runs] for key in EXTREME_KEYS}
                for i in range(stop - start)]

    def records(self, start: int, stop: int) -> list[ZoneRecord]:
        """The records of zones ``start`` to ``stop`` (layout order; new dicts), made
        with the cyclic garbage collector paused: records hold no cycles, and the
        collector's passes over the objects of an evaluation of thousands of zones,
        which the records' dicts set off, took more time than making the records."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._records(start, stop)
        finally:
            if enabled:
                gc.enable()

    def _records(self, start: int, stop: int) -> list[ZoneRecord]:
        """:meth:`records`, the collector paused or not."""
        ids = self.ids
        stop = min(stop, len(ids))
        values = _rows(self.values, ids, start, stop)
        reasons = _rows(self.reasons, ids, start, stop)
        ranges = _rows(self.ranges, ids, start, stop)
        extremes = self._extremes(start, stop)
        samples = self.samples
        out = []
        for i, k in enumerate(range(start, stop)):
            zid, access, note, v = ids[k], self.access[k], self.notes[k], values[i]
            rec: dict[str, Any] = {
                "id": zid,
                "label": self.labels[k],
                "controller": self.controllers[k],
                "access": access,
                "reconstruction": self.reconstruction[k],
                "colour": self.colours[k],
            }
            rec.update(zip(ZONE_KEYS, map(v.get, ZONE_KEYS), strict=True))
            if "damage_by_class" in v:
                rec["damage_by_class"] = v["damage_by_class"]
            standards: ZoneStandards = {
                "sphere-camp-area": self.camp.meets(v["m2_per_person"]),
                "sphere-covered-space": self.covered.meets(v["m2_per_person"]),
                "force-ratio-quinlivan": self.force.meets(v["forces_per_1000"]),
            }
            rec["standards"] = standards  # the keys after the figures, in this order
            rec["ranges"] = ranges[i]
            rec["extremes"] = extremes[i]
            rec["distribution"] = samples.get(zid, {}) if samples is not None else {}
            rec["null_reasons"] = reasons[i]
            rec["flags"] = per_person_flags(v.get("residents"), access, v)
            rec["notes"] = [note] if note else []
            out.append(cast("ZoneRecord", rec))
        return out


class ZoneRecords(Sequence["ZoneRecord"]):
    """A result's zone records (``data["zones"]``) kept as columns: records are made
    when they are read (:data:`BLOCK_ZONES` at a time, new dicts each time) and let go by
    whoever reads them (the JSON is written zone by zone, :func:`json_chunks`), so a
    result of thousands of zones does not hold thousands of records. Read like the list
    of records it stands for (and equal to it); :meth:`Result.to_dict` and
    :func:`json_ready` turn it into that list.

    Parameters
    ----------
    columns
        What the records are made of.
    """

    def __init__(self, columns: _ZoneColumns) -> None:
        self._columns = columns

    def __len__(self) -> int:
        return len(self._columns)

    @overload
    def __getitem__(self, k: int) -> ZoneRecord: ...

    @overload
    def __getitem__(self, k: slice) -> list[ZoneRecord]: ...

    def __getitem__(self, k: int | slice) -> ZoneRecord | list[ZoneRecord]:
        n = len(self)
        if isinstance(k, slice):
            return [r for i in range(n)[k] for r in self._columns.records(i, i + 1)]
        if not -n <= k < n:
            raise IndexError("zone record index out of range")
        return self._columns.records(k % n, k % n + 1)[0]

    def __iter__(self) -> Iterator[ZoneRecord]:
        for start in range(0, len(self), BLOCK_ZONES):
            yield from self._columns.records(start, start + BLOCK_ZONES)

    def blocks(self) -> Iterator[list[ZoneRecord]]:
        """The records, :data:`BLOCK_ZONES` at a time."""
        for start in range(0, len(self), BLOCK_ZONES):
            yield self._columns.records(start, start + BLOCK_ZONES)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ZoneRecords, list, tuple)):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a list, which has none

    def __repr__(self) -> str:
        return f"ZoneRecords({len(self)} zones)"


def _zone_records(plan: Plan, layout: Layout, m: Metrics, zr: Mapping[str, Any],
                  samples: SampleFigures | None, pop: PopulationLayer | None = None,
                  extremes: dict[str, Metrics] | None = None
                  ) -> list[ZoneRecord] | ZoneRecords:
    """One record per zone, in the layout's order (with the figures under the labelled
    extreme spreads of ``pop``, where given): a list, or for more than
    :data:`COLUMN_ZONES` zones, :class:`ZoneRecords` (the same records, made when read)."""
    columns = _ZoneColumns(plan, layout, m, zr, samples, pop, extremes)
    if len(columns) > COLUMN_ZONES:
        return ZoneRecords(columns)
    return columns.records(0, len(columns))


def _totals_record(m: Metrics, tr: dict[str, Any], samples: SampleFigures | None
                   ) -> TotalsRecord:
    """The whole territory's figures, ranges, percentiles and standards."""
    std = {s.id: s for s in STANDARDS}
    standards: TotalStandards = {
        "sphere-camp-area": std["sphere-camp-area"].meets(m.totals["m2_per_person"]),
        "force-ratio-quinlivan": std["force-ratio-quinlivan"].meets(m.totals["forces_per_1000"]),
        "force-ratio-quinlivan-covered-zones":
            std["force-ratio-quinlivan"].meets(m.totals.get("forces_per_1000_covered")),
    }
    return cast("TotalsRecord", {
        **m.totals,
        "ranges": tr,
        "distribution": samples.totals if samples else {},
        "null_reasons": m.total_reasons,
        "standards": standards})


def _line_records(inputs: Inputs, m: Metrics) -> list[LineRecord]:
    """The plan's lines, with what each cuts."""
    return [cast("LineRecord", {
        "id": spec.id, "label": spec.label or spec.id, "date": spec.date,
        "sources": spec.sources,
        "variants": [vv.model_dump(exclude_none=True) for vv in spec.variants],
        "uncertainty": (spec.uncertainty.model_dump(exclude_none=True)
                        if spec.uncertainty else None),
        "variants_from": (spec.layer if spec.layer in line_variants() else "plan"),
        **m.lines[spec.id],
        "geometry": shapely.geometry.mapping(inputs.lines_ll[spec.id])})
        for spec in inputs.plan.lines]


def _population_record(inputs: Inputs) -> PopulationRecord:
    plan, pop = inputs.plan, inputs.population
    return {
        "modelled_total": inputs.modelled_total,
        "modelled_date": plan.population.date,
        "modelled_label": plan.population.label,
        "modelled_sources": plan.population.sources,
        "baseline_total": pop.total(),
        "baseline_label": pop.label,
        "baseline_date": pop.date,
        "baseline_sources": pop.sources,
        "baseline_method": pop.method,
        "baseline_layer": plan.population.baseline,
        "baseline_replaced": plan.baseline_replaced,
        "relocation": plan.population.relocation,
        "spreads": list(pop.counts),
        "central_spread": pop.central,
        "ensemble": list(pop.members),
        "extremes": list(pop.extremes),
        "spread_methods": dict(pop.spread_methods),
    }


def build_json(inputs: Inputs, layout: Layout, m: Metrics, zr: Mapping[str, Any],
               tr: dict[str, Any], variant_log: list[str], started: dt.datetime, *,
               extremes: dict[str, Metrics] | None = None, by: AreaSet | None = None,
               by_area: list[ByAreaRow] | None = None, approximate: bool = False,
               notes: Sequence[str] = (), samples: SampleFigures | None = None,
               claim_runs: ClaimRuns | None = None, edited: Mapping[str, str] | None = None,
               by_totals: AreaTotals | None = None) -> ResultDocument:
    """The documented JSON result (see the README, "The JSON result"), unrounded, made
    once from every part (nothing edits it after).

    Parameters
    ----------
    inputs, layout
        The plan with its layers, and its zones as drawn.
    m
        The central case's indicators.
    zr, tr
        Low-high ranges per zone and for the totals.
    variant_log
        The alternatives the ranges span, in words.
    started
        When the evaluation started (UTC), for the provenance.
    extremes
        Figures under the population layer's extreme spreads, by spread.
    by, by_area, by_totals
        With ``--by``: the areas, the (area, zone) rows with their ranges, and the
        areas' pre-war residents against their published totals.
    approximate
        Whether the figures are fast approximations (the editor's, while a line moves).
    notes
        Notes after the plan's and the model's.
    samples
        With Monte Carlo draws: their percentiles and how they were made.
    claim_runs, edited
        The published figures' values in every run, and the zones drawn from an edited
        line (zone id to line id): what the claims are judged by
        (:func:`~zoneplan.measure.figures.claims.check_claims`).
    """
    plan = inputs.plan
    central = central_assumptions(plan)
    zones = _zone_records(plan, layout, m, zr, samples, inputs.population, extremes)
    totals = _totals_record(m, tr, samples)
    indicators = {k: cast("IndicatorRecord", v.to_dict()) for k, v in INDICATORS.items()}
    plan_record: PlanRecord = {"id": plan.id, "title": plan.title, "date": plan.date,
                   "date_known": plan.date_known, "as_of": plan.facts_date,
                   "status": plan.status, "summary": plan.summary,
                   "sources": [s.model_dump(exclude_defaults=True) for s in plan.sources]}
    sources = _sources(inputs)
    later = _later_evidence(inputs)
    claims = check_claims(plan.claims, {"indicators": indicators, "zones": zones,
                                        "totals": totals, "sources": sources,
                                        "plan": plan_record, "later_evidence": later},
                          claim_runs, edited=edited,
                          published=inputs.published_line_zones())
    pop = inputs.population
    crs = layout.crs
    return {
        "zoneplan_version": __version__,
        "plan": plan_record,
        "territory": {"ref": plan.territory, "area_km2": layout.territory.area / 1e6},
        "crs_area": {"epsg": crs.to_epsg(), "name": crs.name,
                     "method": "UTM zone of the territory's centroid (areas in m², km²)"},
        "population": _population_record(inputs),
        "zones": zones,
        "totals": totals,
        "lines": _line_records(inputs, m),
        "compounds": [c.model_dump(exclude_none=True) for c in plan.compounds],
        "forces": [_force_record(f.model_dump(exclude_none=True), plan.facts_date)
                   for f in plan.forces],
        "forces_target": (cast("ForceTargetRecord", plan.forces_target.model_dump())
                          if plan.forces_target else None),
        "forces_central": {
            "rule": f"contributions pledged, committed or deployed by {plan.facts_date}",
            "personnel": float(sum(e.personnel for e in central.forces)),
            "contributors": [e.contributor for e in central.forces]},
        "alternatives": [a.model_dump(exclude_none=True) for a in plan.alternatives],
        "invariants": m.invariants,
        "ranges_from": [f"central: lines and zones as drawn; population spread "
                        f"'{pop.central}'; forces pledged, committed or deployed by "
                        f"{plan.facts_date}; compounds as stated", *variant_log],
        "extremes": _extremes(pop, extremes or {}),
        "crossings": [c.to_dict(plan.facts_date) for c in m.crossings],
        "stale_after": cast("StaleAfterRecord", STALE_AFTER.to_dict()),
        "later_evidence": later,
        "layers_used": _layers_used(inputs),
        "samples": samples.record if samples else None,
        "claims": claims,
        "by": (_by_record(by, by_totals) if by is not None else None),
        "by_area": by_area,
        "indicators": indicators,
        "standards": [cast("StandardRecord", s.to_dict()) for s in STANDARDS],
        "sources": sources,
        "notes": [*plan.notes, *plan.line_notes, *m.notes, *notes],
        "provenance": {
            "zoneplan_version": __version__,
            "python": platform.python_version(),
            "time_utc": started.isoformat(timespec="seconds"),
            "inputs": cast("list[InputFile]", inputs.files),
        },
        "approximate": approximate,
    }


def _force_record(f: dict[str, Any], as_of: str) -> ForceRecord:
    """A force entry as the plan states it, with how old its status is at ``as_of`` and
    whether that is stale (:data:`~zoneplan.plan.rules.as_of.STALE_AFTER`)."""
    date = f.get("date")
    return cast("ForceRecord", {**f, "age_days": age_days(date, as_of),
                                "stale": stale(date, as_of)})


def _later_evidence(inputs: Inputs) -> list[LaterEvidenceRecord]:
    """Facts dated after the date the plan is evaluated at, set aside: the plan's own
    (:func:`zoneplan.plan.rules.as_of.plan_as_of`), the built-in crossings' later states and
    a damage layer dated later."""
    plan = inputs.plan
    out: list[dict[str, Any]] = [dict(e) for e in plan.later_evidence]
    cr = inputs.crossings
    if cr is not None and "factpack-crossing-history" in cr.sources:
        kept = {str(i) for i in cr.values["id"]}
        out += [{"kind": "crossing state", "id": r["crossing_id"],
                 "state": r["state"], "carries": r["carries"], "date": r["valid_from"],
                 "until": r["valid_to"] or None,
                 "sources": [r["source_publisher"] + (f" (via {r['via']})" if r["via"]
                                                      else "")],
                 "url": r["source_url"], "note": r["quote"]}
                for r in pack.crossing_states_on(plan.facts_date)[1]
                if r["crossing_id"] in kept]
    dmg = inputs.damage_later
    if dmg is not None:  # a damage assessment dated after the plan's facts
        out.append({"kind": "damage assessment", "id": dmg.label, "date": dmg.date,
                    "sources": list(dmg.sources),
                    "note": f"{float(sum(dmg.values['count'])):,.0f} damaged structures "
                    f"in the layer, dated after {plan.facts_date}: in no figure"})
    return cast("list[LaterEvidenceRecord]", out)


def _by_record(by: AreaSet, totals: AreaTotals | None) -> ByRecord:
    """The areas of ``--by``, with their pre-war residents against published totals."""
    return {"ref": by.ref, "label": by.label, "field": by.field, "areas": list(by.names),
            "population_field": totals.field if totals else None,
            "fitted": bool(totals and totals.fitted),
            "totals": cast("list[AreaTotalRecord]", totals.rows if totals else []),
            "note": totals.note if totals else ""}


def _rec_zones(plan: Plan, layout: Layout) -> set[str]:
    rec = plan.reconstruction
    if rec and rec.zones:
        return set(rec.zones)
    if rec and rec.allocation:
        return {k for k, v in rec.allocation.items() if v > 0}
    return {z.id for z in layout.zones if z.spec.reconstruction}
