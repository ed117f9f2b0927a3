"""Evaluate a plan: zones, indicators for the central case and every alternative, ranges.

The central value of each indicator uses the plan's lines and zones as drawn, the
central population spread, the forces pledged by the plan's date and the compounds as
stated. The low-high range spans the alternatives the inputs offer: every alternative
layout (line variants, the line moved by its stated uncertainty both ways, alternative
drawings of the zones; :mod:`zoneplan.measure.figures.variants`) with every member of the
population ensemble, and the stated alternatives for forces, compounds, hospitals and
beds (:mod:`zoneplan.measure.figures.assumptions`). Spreads the population layer marks as
extremes are evaluated and reported apart, never as an end of a range. Every run's
invariants are checked: a run that loses area or people is a bug
(:class:`~zoneplan.errors.InvariantError`). Published figures the plan carries are
checked against the result (:mod:`zoneplan.measure.figures.claims`).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from shapely.geometry import LineString

from zoneplan.errors import InputError, InvariantError
from zoneplan.geometry import geos_errors, project
from zoneplan.io.areas import AreaSet
from zoneplan.measure.figures.assumptions import alternative_assumptions
from zoneplan.measure.figures.by_area import (
    BY_AREA_KEYS,
    AreaTotals,
    area_totals,
    by_area_rows,
    check_rows,
    layout_pieces,
)
from zoneplan.measure.figures.claims import CENTRAL, ClaimRuns, RunBasis
from zoneplan.measure.figures.indicators import Metrics, compute
from zoneplan.measure.figures.relocation import check_compounds
from zoneplan.measure.figures.table import UNSET, ZoneRows
from zoneplan.measure.figures.variants import (
    AS_DRAWN,
    LayoutCase,
    absolute_alternatives,
    layout_cases,
)
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.measure.sums.layout import layout_cells, with_hospitals
from zoneplan.measure.sums.zone_sums import LayoutCells
from zoneplan.measure.zones import Layout, build_layout
from zoneplan.plan import Plan, load_plan
from zoneplan.plan.rules.as_of import plan_as_of
from zoneplan.plan.rules.definitions import ZONE_KEYS
from zoneplan.result import Result, SampleFigures, build_json, is_number

if TYPE_CHECKING:
    from zoneplan.measure.figures.by_area import Piece
    from zoneplan.records import ByAreaRow

__all__ = ["FAST_CELL_M", "Evaluation", "ZoneRanges", "evaluate", "evaluate_inputs",
           "measure_inputs"]

FAST_CELL_M = 250.0
"""Block size (metres) fine population grids are summed into in fast mode."""


_COARSE: weakref.WeakKeyDictionary[Any, tuple[Any, PopulationLayer]] = \
    weakref.WeakKeyDictionary()
"""Per population layer: the territory it was summed over and the layer summed into
:data:`FAST_CELL_M` blocks (copies of the inputs with moved lines share both)."""
_COARSE_LOCK = threading.Lock()
"""Guards :data:`_COARSE`."""


def _fast_population(inputs: Inputs) -> PopulationLayer:
    """The population summed into :data:`FAST_CELL_M` blocks, built once per population
    layer and territory (not once per copy of the inputs: every dragged line makes one)."""
    pop = inputs.population
    with _COARSE_LOCK:  # built once even when the editor's requests ask at the same time
        hit = _COARSE.get(pop)
        if hit is not None and hit[0]() is inputs.territory:
            return hit[1]
        territory = (inputs.territory if pop.crs.equals(inputs.crs)
                     else project(inputs.territory_ll, pop.crs))
        coarse = pop.coarse(territory, FAST_CELL_M)
        _COARSE[pop] = (weakref.ref(inputs.territory), coarse)
        return coarse


Progress = Callable[[str], None]


def _layout(inputs: Inputs, overrides: dict[str, LineString] | None = None) -> Layout:
    return build_layout(inputs, line_overrides=overrides)


def _alternatives(inputs: Inputs, layout: Layout, cells: LayoutCells,
                  progress: Progress | None, by: AreaSet | None = None,
                  incremental: bool = False) -> Iterator[tuple[str, Metrics, RunBasis]]:
    """Every alternative evaluated for the ranges, labelled, one after another (see the
    module docstring; each can be let go once counted), with what it stands for when
    claims are judged; with ``by``, each run's by-area rows are taken while its layout's
    cells are at hand; with ``incremental``, each alternative layout patches its own
    remembered state."""

    def run(lay: Layout, use: Inputs, lay_cells: LayoutCells, **kw: Any) -> Metrics:
        m = compute(lay, use, cells=lay_cells, **kw)
        if by is not None:
            m.by_area = by_area_rows(m, lay_cells, by)
        return m

    pop = inputs.population
    spreads = [pop.central, *(m for m in pop.members if m != pop.central)]
    # on grids finer than FAST_CELL_M the other layouts are measured on blocks of that
    # size: the range's ends shift by far less than the lines' own uncertainty
    coarse = pop.grid.cell_size < FAST_CELL_M
    cases = [LayoutCase(AS_DRAWN, inputs), *layout_cases(inputs, layout)]
    for case in cases:
        first = case.label == AS_DRAWN
        use = case.inputs if first or not coarse else replace(
            case.inputs, population=_fast_population(inputs))
        lay = layout if first else build_layout(use, line_overrides=case.overrides)
        lay_cells = cells if first else layout_cells(lay, use, incremental=incremental,
                                                      slot=case.label)
        for method in spreads:
            if first and method == pop.central:
                continue
            if progress:
                progress(f"alternative: {case.label}, population spread '{method}'")
            label = f"{case.label}; population spread '{method}'" + (
                f" (population summed into {FAST_CELL_M:g} m blocks)" if use.population
                is not pop else "")
            basis = (RunBasis(f"population spread '{method}'", "spread") if first else
                     RunBasis(case.label, "uncertainty" if case.kind == "uncertainty"
                              else "variant", case.sources, note=case.note))
            yield label, run(lay, use, lay_cells, pop_method=method), basis
    for assumed in alternative_assumptions(inputs.plan):
        yield assumed.label, run(layout, inputs, cells, pop_method=pop.central,
                                 assumptions=assumed), RunBasis(assumed.label, "variant",
                                                                date=assumed.date)
    hosp = inputs.hospitals
    if inputs.hospitals_all is not None:
        wider = replace(inputs, hospitals=inputs.hospitals_all)
        label = "hospitals including the low-confidence rows of the built-in table"
        yield (label, run(layout, wider, with_hospitals(cells, layout, wider),
                          pop_method=pop.central), RunBasis(label, "variant"))
    if hosp is not None:
        for end, word in (("beds_low", "smallest"), ("beds_high", "largest")):
            vals = hosp.values.get(end)
            if vals is None or np.array_equal(vals, hosp.values["beds"], equal_nan=True):
                continue
            layer = hosp.with_values({**hosp.values, "beds": vals})
            label = f"hospital beds: the {word} figure sources state"
            yield (label, run(layout, replace(inputs, hospitals=layer), cells,
                              pop_method=pop.central), RunBasis(label, "spread"))


def _by_area(central_run: Metrics, rows: list[list[dict[str, Any]] | None]
             ) -> list[ByAreaRow]:
    """By-area rows of the central run, each with its low-high range over the runs'
    rows (``rows``, the central run's first)."""
    central = central_run.by_area or []
    check_rows(central, central_run)
    spans: dict[tuple[str, str], dict[str, list[float]]] = {}
    for run_rows in rows:
        for r in run_rows or []:
            span = spans.setdefault((r["area"], r["zone"]), {})
            for k in BY_AREA_KEYS:
                if is_number(r[k]):
                    lo, hi = span.get(k, [r[k], r[k]])
                    span[k] = [min(lo, r[k]), max(hi, r[k])]
    return [cast("ByAreaRow", {**r, "ranges": spans.get((r["area"], r["zone"]), {})})
            for r in central]


def _check_invariants(runs: list[tuple[str, dict[str, Any]]], plan_id: str) -> None:
    """Raise :class:`InvariantError` with the figures if any run (its name and
    invariants) loses area or people."""
    for name, inv in runs:
        broken = [k for k in ("area_conserved", "baseline_conserved", "residents_conserved")
                  if not inv[k]]
        if broken:
            raise InvariantError(
                f"plan '{plan_id}', run '{name}': {' and '.join(broken)} "
                f"{'is' if len(broken) == 1 else 'are'} false: zones "
                f"{inv['zone_area_km2']:.6f} km² + remainder {inv['remainder_km2']:.6f} km² "
                f"vs territory {inv['territory_km2']:.6f} km²; baseline in zones "
                f"{inv['baseline_in_zones']:,.3f} + outside "
                f"{inv['remainder_residents_baseline']:,.3f} vs layer "
                f"{inv['baseline_total']:,.3f}"
                + (f" (inside the territory {inv['baseline_in_territory']:,.3f})"
                   if "baseline_in_territory" in inv else "")
                + "; residents in zones "
                f"{inv['residents_in_zones']:,.3f} (on cells {inv['residents_on_cells']:,.3f})"
                f" + remainder {inv['remainder_residents']:,.3f} vs modelled "
                f"{inv['modelled_total']:,.3f}",
                suggestion="this is a bug in zoneplan: rerun with --debug and report it with "
                "the plan")


def _ranges(totals: list[dict[str, Any]]) -> dict[str, Any]:
    """Low-high ranges of the whole-territory figures over the runs' totals."""
    tr: dict[str, Any] = {}
    keys = [k for k in totals[0] if is_number(totals[0][k]) or totals[0][k] is None]
    for k in keys:
        vals = [t[k] for t in totals if is_number(t.get(k))]
        tr[k] = [min(vals), max(vals)] if vals else None
    return tr


FEW_ZONES = 64
"""Up to this many zones, the ranges are counted zone by zone (:meth:`_Spans.add`)."""

_PLAIN_NUMBERS = frozenset({float, int})
_NOT_NUMBERS = frozenset({type(None), type(UNSET), str, bool})


class _Spans:
    """Low-high ranges of every zone's figures, counted run by run (so a run's figures can
    be let go once counted): for each zone and figure, the smallest and largest number
    over the runs, as ``min`` and ``max`` of the numbers in run order give them (the
    same objects: an int stays an int), ``None`` where no run has a number.

    Figures are compared column by column (:class:`~zoneplan.measure.figures.table.ZoneRows`);
    zone by zone only for figures that are not plain numbers or None.
    """

    def __init__(self, zone_ids: list[str]) -> None:
        self.ids = zone_ids
        n = len(zone_ids)
        self.has = {k: np.zeros(n, dtype=bool) for k in ZONE_KEYS}
        self.lo = {k: np.zeros(n) for k in ZONE_KEYS}
        self.hi = {k: np.zeros(n) for k in ZONE_KEYS}
        self.lo_obj: dict[str, list[Any]] = {k: [None] * n for k in ZONE_KEYS}
        self.hi_obj: dict[str, list[Any]] = {k: [None] * n for k in ZONE_KEYS}

    def _column(self, m: Metrics, key: str) -> list[Any]:
        zones = m.zones
        if isinstance(zones, ZoneRows) and zones.table.ids == self.ids:
            return zones.table.cols.get(key) or [None] * len(self.ids)
        return [zones[i].get(key) if i in zones else None for i in self.ids]

    def add(self, m: Metrics) -> None:
        """Count one run's figures."""
        if len(self.ids) <= FEW_ZONES:
            self._add_few(m)
            return
        for key in ZONE_KEYS:
            col = self._column(m, key)
            kinds = set(map(type, col))
            if kinds <= _NOT_NUMBERS - {bool}:
                continue  # no number in this run
            if kinds <= _PLAIN_NUMBERS:
                num = np.ones(len(col), dtype=bool)
                val = np.array(col, dtype=np.float64)
            else:
                num = np.array([type(x) in _PLAIN_NUMBERS or is_number(x) for x in col],
                               dtype=bool)
                val = np.array([float(x) if n else 0.0 for x, n in zip(col, num, strict=True)])
            has = self.has[key]
            first = num & ~has
            low = first | (num & has & (val < self.lo[key]))
            high = first | (num & has & (val > self.hi[key]))
            self.lo[key][low], self.hi[key][high] = val[low], val[high]
            lo_obj, hi_obj = self.lo_obj[key], self.hi_obj[key]
            for z in np.flatnonzero(low).tolist():
                lo_obj[z] = col[z]
            for z in np.flatnonzero(high).tolist():
                hi_obj[z] = col[z]
            has |= num

    def _add_few(self, m: Metrics) -> None:
        """:meth:`add` zone by zone, comparing the numbers themselves (few zones: fewer
        operations than array work per figure)."""
        for key in ZONE_KEYS:
            has, lo, hi = self.has[key], self.lo_obj[key], self.hi_obj[key]
            for z, x in enumerate(self._column(m, key)):
                if type(x) not in _PLAIN_NUMBERS and not is_number(x):
                    continue
                if not has[z]:
                    has[z], lo[z], hi[z] = True, x, x
                    continue
                if x < lo[z]:
                    lo[z] = x
                if x > hi[z]:
                    hi[z] = x

    def block(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The ranges of zones ``start`` to ``stop`` (layout order), one dict per zone:
        ``{figure: [low, high] or None}``."""
        cols = [[[lo, hi] if has else None for has, lo, hi in
                 zip(self.has[k][start:stop].tolist(), self.lo_obj[k][start:stop],
                     self.hi_obj[k][start:stop], strict=True)]
                for k in ZONE_KEYS]  # figure by figure, then turned zone by zone
        return [dict(zip(ZONE_KEYS, spans, strict=True)) for spans in zip(*cols, strict=True)]

    def zones(self) -> ZoneRanges:
        """The ranges, ``{zone id: {figure: [low, high] or None}}``, each zone's made when
        read (:class:`ZoneRanges`); the last call (the numbers compared are let go)."""
        self.lo, self.hi = {}, {}
        return ZoneRanges(self)


class ZoneRanges(Mapping[str, dict[str, Any]]):
    """Every zone's low-high ranges kept as the columns :class:`_Spans` counted them in,
    read as ``{zone id: {figure: [low, high] or None}}``: each zone's dict is made when
    asked for (a new one each time), so thousands of zones do not hold thousands of
    dicts of ranges until they are written.

    Parameters
    ----------
    spans
        The ranges counted.
    """

    def __init__(self, spans: _Spans) -> None:
        self._spans = spans
        self._index = {zid: k for k, zid in enumerate(spans.ids)}

    def __getitem__(self, zone_id: str) -> dict[str, Any]:
        k = self._index[zone_id]
        return self._spans.block(k, k + 1)[0]

    def block(self, start: int, stop: int) -> list[dict[str, Any]]:
        """The ranges of zones ``start`` to ``stop`` (layout order), one dict per zone
        (:class:`~zoneplan.measure.figures.table.RowBlocks`)."""
        return self._spans.block(start, stop)

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans.ids)

    def __len__(self) -> int:
        return len(self._spans.ids)

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._index


def evaluate(
    plan: Plan | str | Path,
    *,
    line_overrides: Mapping[str, LineString | Sequence[Sequence[float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
    by: AreaSet | None = None,
    as_of: str | None = None,
) -> Result:
    """Evaluate a plan and return its measured consequences.

    Parameters
    ----------
    plan
        A :class:`~zoneplan.plan.Plan`, a path to a plan file, or a built-in plan id.
    line_overrides
        Replacement coordinates ([lon, lat] pairs, WGS 84, or a LineString in lon/lat)
        for some of the plan's lines, by line id (used by the live editor and for "what
        if the line ran here").
    ranges
        Whether to evaluate the alternatives for the low-high ranges.
    fast
        Approximate figures, quickly (see :func:`evaluate_inputs`).
    progress
        Called with a short text before each step (for progress display).
    by
        Areas to break the figures down by (:func:`zoneplan.io.areas.read_areas`):
        the result then holds ``by_area`` rows, each with its range.
    as_of
        Evaluate with the facts known at this date (ISO) instead of the plan's own date
        (:func:`zoneplan.plan.rules.as_of.plan_as_of`): line variants, alternatives, forces and
        crossing states dated later are listed in ``later_evidence`` and used nowhere.

    Returns
    -------
    Result
        Zones (a GeoDataFrame), totals, invariants, ranges, sources and provenance;
        ``result.to_dict()`` is the documented JSON.
    """
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    if as_of is not None or not plan.dated:
        plan = plan_as_of(plan, as_of)[0]
    if progress:
        progress("reading layers")
    inputs = prepare(plan)
    return evaluate_inputs(inputs, line_overrides=line_overrides, ranges=ranges, fast=fast,
                           progress=progress, by=by)


def evaluate_inputs(
    inputs: Inputs,
    *,
    line_overrides: Mapping[str, LineString | Sequence[Sequence[float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
    by: AreaSet | None = None,
    incremental: bool = False,
) -> Result:
    """Evaluate prepared inputs (see :func:`evaluate` and :func:`measure_inputs`)."""
    return measure_inputs(inputs, line_overrides=line_overrides, ranges=ranges, fast=fast,
                          progress=progress, by=by, incremental=incremental).result()


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A plan measured, before its result is made: everything :func:`build_json` takes
    but what Monte Carlo draws add (:meth:`result` takes those).

    Attributes
    ----------
    inputs, layout
        The plan with its layers, and its zones as drawn.
    central
        The central case's indicators.
    zone_ranges, total_ranges
        Low-high ranges per zone and for the totals.
    variant_log
        The alternatives the ranges span, in words.
    started
        When the evaluation started (UTC).
    extremes
        Figures under the population layer's extreme spreads, by spread.
    by, by_area, pieces, by_totals
        With ``by``: the areas, the (area, zone) rows with their ranges, the pieces
        of the central layout (metres, in its CRS), and the areas' pre-war residents
        against their published totals.
    fast
        Whether the figures are fast approximations.
    claim_runs, edited
        The published figures' values in every run (to judge them by), and the zones
        drawn from an edited line (zone id to line id).
    notes
        Notes the evaluation adds (alternatives left out of an edited line's ranges).
    """

    inputs: Inputs
    layout: Layout
    central: Metrics
    zone_ranges: Mapping[str, Any]
    total_ranges: dict[str, Any]
    variant_log: list[str]
    started: dt.datetime
    extremes: dict[str, Metrics]
    by: AreaSet | None
    by_area: list[ByAreaRow] | None
    pieces: list[Piece] | None
    fast: bool
    claim_runs: ClaimRuns | None = None
    edited: dict[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    by_totals: AreaTotals | None = None

    def result(self, samples: SampleFigures | None = None) -> Result:
        """The result, its JSON made once, with the draws' percentiles if given."""
        notes = [*self.notes, *([] if not self.fast else [
            "Approximate figures (fast mode, for a line being moved): no ranges; cells cut "
            f"by a line shared on a lattice of points; grids finer than {FAST_CELL_M:g} m "
            "summed into blocks. Evaluate without fast mode for exact figures."])]
        data = build_json(self.inputs, self.layout, self.central, self.zone_ranges,
                          self.total_ranges, self.variant_log, self.started,
                          extremes=self.extremes, by=self.by, by_area=self.by_area,
                          approximate=self.fast, notes=notes, samples=samples,
                          claim_runs=self.claim_runs, edited=self.edited,
                          by_totals=self.by_totals)
        return Result(data=data, layout=self.layout, inputs=self.inputs,
                      metrics=self.central, pieces=self.pieces)


def measure_inputs(
    inputs: Inputs,
    *,
    line_overrides: Mapping[str, LineString | Sequence[Sequence[float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
    by: AreaSet | None = None,
    incremental: bool = False,
) -> Evaluation:
    """Measure prepared inputs: every figure of :func:`evaluate_inputs`, before the
    result is made (:meth:`Evaluation.result`).

    ``fast=True`` gives approximate figures quickly (for a line being dragged): no
    ranges; population grids finer than :data:`FAST_CELL_M` are summed into blocks of
    that size; cells cut by a line are shared out on a 4 x 4 lattice of points instead
    of by exact intersection. The result says so in ``approximate`` and ``notes``.

    ``incremental=True`` (the editor, which moves one vertex at a time) measures again
    only the cells the change since the last such call on the same population grid
    touched (:func:`zoneplan.measure.sums.incremental.incremental_cells`); the figures are
    the same, to rounding.

    Raises
    ------
    InputError
        For ``line_overrides`` naming lines the plan does not have.
    GeometryError
        For ``line_overrides`` that are not lines of [lon, lat] pairs near the territory
        (see :meth:`~zoneplan.measure.inputs.Inputs.with_lines`), for zones that cannot
        be cut, and for any GEOS error on the plan's geometry.
    """
    started = dt.datetime.now(dt.UTC)
    if fast:
        ranges = False
        if inputs.population.grid.cell_size < FAST_CELL_M:
            inputs = replace(inputs, population=_fast_population(inputs))
    if line_overrides:
        inputs = inputs.with_lines(line_overrides)
    with geos_errors(f"the geometry of plan '{inputs.plan.id}'", path=inputs.plan.path):
        return _evaluate_checked(inputs, ranges=ranges, fast=fast, progress=progress,
                                 started=started, by=by, incremental=incremental,
                                 moved=bool(line_overrides))


def _evaluate_checked(inputs: Inputs, *, ranges: bool, fast: bool, progress: Progress | None,
                      started: dt.datetime, by: AreaSet | None,
                      incremental: bool = False, moved: bool = False) -> Evaluation:
    """:func:`measure_inputs` once the line overrides are in ``inputs`` (``moved``: some
    lines are not where the plan draws them)."""
    plan = inputs.plan
    if by is not None and inputs.population.grid.held is not None:
        raise InputError("figures by area (--by) need the population cell by cell, and the "
                         "population raster is held on the workers of a cluster",
                         suggestion="run --by without --scheduler (on a machine that can "
                         "hold the raster), or without --by on the cluster")
    if progress:
        progress("cutting zones")
    layout = _layout(inputs)
    check_compounds(plan, layout, zones=not moved)
    pop = inputs.population
    if progress:
        progress("computing indicators")
    cells = layout_cells(layout, inputs, fast=fast, incremental=incremental)
    central = compute(layout, inputs, pop_method=pop.central, cells=cells, cell_arrays=True)
    extremes: dict[str, Metrics] = {}
    if by is not None:
        central.by_area = by_area_rows(central, cells, by)
    # each run is counted into the ranges and let go: only its name, invariants, totals
    # and by-area rows are kept
    spans = _Spans([z.id for z in layout.zones])
    spans.add(central)
    claim_runs = ClaimRuns.for_claims(plan.claims)
    claim_runs.add(CENTRAL, central.zones, central.totals)
    names, invariants = ["central"], [central.invariants]
    totals, rows = [central.totals], [central.by_area]
    if ranges:
        for name, m, basis in _alternatives(inputs, layout, cells, progress, by, incremental):
            spans.add(m)
            claim_runs.add(basis, m.zones, m.totals)
            names.append(name)
            invariants.append(m.invariants)
            totals.append(m.totals)
            rows.append(m.by_area)
            del m
        extremes = {ex: compute(layout, inputs, pop_method=ex, cells=cells)
                    for ex in pop.extremes}
    if not fast:
        _check_invariants([*zip(names, invariants, strict=True),
                           *((k, m.invariants) for k, m in extremes.items())], plan.id)
    alt_notes = [
        f"The alternative '{alt.id}' ({alt.label}) draws zones as published, so it "
        f"describes the published line{'s' if len(inputs.edited) > 1 else ''} "
        f"({', '.join(sorted(inputs.edited))}), not the edited or shifted one: it is left "
        "out of the ranges." for alt in (absolute_alternatives(inputs) if ranges else [])]
    return Evaluation(inputs=inputs, layout=layout, central=central,
                      zone_ranges=spans.zones(), total_ranges=_ranges(totals),
                      variant_log=names[1:], started=started, extremes=extremes, by=by,
                      by_area=_by_area(central, rows) if by is not None else None,
                      pieces=layout_pieces(central, cells, by) if by is not None else None,
                      fast=fast, claim_runs=claim_runs, edited=inputs.line_zones(),
                      notes=alt_notes,
                      by_totals=(area_totals(central, cells, by, central.by_area or [])
                                 if by is not None else None))
