"""Evaluate a plan: zones, indicators for the central case and every alternative, ranges.

The central value of each indicator uses the plan's lines and zones as drawn, the
central population spread, the forces pledged by the plan's date and the compounds as
stated. The low-high range spans the alternatives the inputs offer: every alternative
layout (line variants, the line moved by its stated uncertainty both ways, alternative
drawings of the zones; :mod:`zoneplan.measure.variants`) with every member of the
population ensemble, and the stated alternatives for forces, compounds, hospitals and
beds (:mod:`zoneplan.measure.assumptions`). Spreads the population layer marks as
extremes are evaluated and reported apart, never as an end of a range. Every run's
invariants are checked: a run that loses area or people is a bug
(:class:`~zoneplan.errors.InvariantError`). Published figures the plan carries are
checked against the result (:mod:`zoneplan.measure.claims`).
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import LineString

from zoneplan.errors import InputError, InvariantError
from zoneplan.geometry import geos_errors, project
from zoneplan.io.areas import AreaSet
from zoneplan.measure.assumptions import alternative_assumptions
from zoneplan.measure.by_area import BY_AREA_KEYS, by_area_rows, check_rows, layout_pieces
from zoneplan.measure.claims import check_claims
from zoneplan.measure.indicators import Metrics, compute
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.measure.population import PopulationLayer
from zoneplan.measure.variants import AS_DRAWN, LayoutCase, layout_cases
from zoneplan.measure.zone_sums import LayoutCells, layout_cells, with_hospitals
from zoneplan.measure.zones import Layout, build_layout
from zoneplan.plan import Plan, load_plan
from zoneplan.plan.definitions import ZONE_KEYS
from zoneplan.result import Result, build_json

__all__ = ["FAST_CELL_M", "evaluate", "evaluate_inputs"]

FAST_CELL_M = 250.0
"""Block size (metres) fine population grids are summed into in fast mode."""


_COARSE: weakref.WeakKeyDictionary[Any, tuple[Any, PopulationLayer]] = \
    weakref.WeakKeyDictionary()
"""Per population layer: the territory it was summed over and the layer summed into
:data:`FAST_CELL_M` blocks (copies of the inputs with moved lines share both)."""


def _fast_population(inputs: Inputs) -> PopulationLayer:
    """The population summed into :data:`FAST_CELL_M` blocks, built once per population
    layer and territory (not once per copy of the inputs: every dragged line makes one)."""
    pop = inputs.population
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
                  incremental: bool = False) -> list[tuple[str, Metrics]]:
    """Every alternative evaluated for the ranges, labelled (see the module docstring);
    with ``by``, each run's by-area rows are taken while its layout's cells are at hand;
    with ``incremental``, each alternative layout patches its own remembered state."""

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
    out: list[tuple[str, Metrics]] = []
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
            out.append((label, run(lay, use, lay_cells, pop_method=method)))
    for assumed in alternative_assumptions(inputs.plan):
        out.append((assumed.label, run(layout, inputs, cells, pop_method=pop.central,
                                       assumptions=assumed)))
    hosp = inputs.hospitals
    if inputs.hospitals_all is not None:
        wider = replace(inputs, hospitals=inputs.hospitals_all)
        out.append(("hospitals including the low-confidence rows of the built-in table",
                    run(layout, wider, with_hospitals(cells, layout, wider),
                        pop_method=pop.central)))
    if hosp is not None:
        for end, word in (("beds_low", "smallest"), ("beds_high", "largest")):
            vals = hosp.values.get(end)
            if vals is None or np.array_equal(vals, hosp.values["beds"], equal_nan=True):
                continue
            layer = hosp.with_values({**hosp.values, "beds": vals})
            out.append((f"hospital beds: the {word} figure sources state",
                        run(layout, replace(inputs, hospitals=layer), cells,
                            pop_method=pop.central)))
    return out


def _by_area(runs: list[tuple[str, Metrics]]) -> list[dict[str, Any]]:
    """By-area rows of the central run, each with its low-high range over the runs."""
    central = runs[0][1].by_area or []
    check_rows(central, runs[0][1])
    spans: dict[tuple[str, str], dict[str, list[float]]] = {}
    for _, m in runs:
        for r in m.by_area or []:
            span = spans.setdefault((r["area"], r["zone"]), {})
            for k in BY_AREA_KEYS:
                if _numeric(r[k]):
                    lo, hi = span.get(k, [r[k], r[k]])
                    span[k] = [min(lo, r[k]), max(hi, r[k])]
    for r in central:
        r["ranges"] = spans.get((r["area"], r["zone"]), {})
    return central


def _check_invariants(runs: list[tuple[str, Metrics]], plan_id: str) -> None:
    """Raise :class:`InvariantError` with the figures if any run loses area or people."""
    for name, m in runs:
        inv = m.invariants
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
                f"{inv['baseline_total']:,.3f}; residents in zones "
                f"{inv['residents_in_zones']:,.3f} (on cells {inv['residents_on_cells']:,.3f})"
                f" + remainder {inv['remainder_residents']:,.3f} vs modelled "
                f"{inv['modelled_total']:,.3f}",
                suggestion="this is a bug in zoneplan: rerun with --debug and report it with "
                "the plan")


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ranges(runs: list[Metrics], zone_ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    zr: dict[str, Any] = {}
    for i in zone_ids:
        zr[i] = {}
        for k in ZONE_KEYS:
            vals = [m.zones[i][k] for m in runs if i in m.zones and _numeric(m.zones[i].get(k))]
            zr[i][k] = [min(vals), max(vals)] if vals else None
    tr: dict[str, Any] = {}
    keys = [k for k in runs[0].totals if _numeric(runs[0].totals[k]) or runs[0].totals[k] is None]
    for k in keys:
        vals = [m.totals[k] for m in runs if _numeric(m.totals.get(k))]
        tr[k] = [min(vals), max(vals)] if vals else None
    return zr, tr


def evaluate(
    plan: Plan | str | Path,
    *,
    line_overrides: dict[str, list[tuple[float, float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
    by: AreaSet | None = None,
) -> Result:
    """Evaluate a plan and return its measured consequences.

    Parameters
    ----------
    plan
        A :class:`~zoneplan.plan.Plan`, a path to a plan file, or a built-in plan id.
    line_overrides
        Replacement coordinates ([lon, lat] pairs, WGS 84) for some of the plan's lines,
        by line id (used by the live editor and for "what if the line ran here").
    ranges
        Whether to evaluate the alternatives for the low-high ranges.
    fast
        Approximate figures, quickly (see :func:`evaluate_inputs`).
    progress
        Called with a short text before each step (for progress display).
    by
        Areas to break the figures down by (:func:`zoneplan.io.areas.read_areas`):
        the result then holds ``by_area`` rows, each with its range.

    Returns
    -------
    Result
        Zones (a GeoDataFrame), totals, invariants, ranges, sources and provenance;
        ``result.to_dict()`` is the documented JSON.
    """
    if not isinstance(plan, Plan):
        plan = load_plan(plan)
    if progress:
        progress("reading layers")
    inputs = prepare(plan)
    return evaluate_inputs(inputs, line_overrides=line_overrides, ranges=ranges, fast=fast,
                           progress=progress, by=by)


def evaluate_inputs(
    inputs: Inputs,
    *,
    line_overrides: dict[str, list[tuple[float, float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
    by: AreaSet | None = None,
    incremental: bool = False,
) -> Result:
    """Evaluate prepared inputs (see :func:`evaluate`).

    ``fast=True`` gives approximate figures quickly (for a line being dragged): no
    ranges; population grids finer than :data:`FAST_CELL_M` are summed into blocks of
    that size; cells cut by a line are shared out on a 4 x 4 lattice of points instead
    of by exact intersection. The result says so in ``approximate`` and ``notes``.

    ``incremental=True`` (the editor, which moves one vertex at a time) measures again
    only the cells the change since the last such call on the same population grid
    touched (:func:`zoneplan.measure.incremental.incremental_cells`); the figures are
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
                                 started=started, by=by, incremental=incremental)


def _evaluate_checked(inputs: Inputs, *, ranges: bool, fast: bool, progress: Progress | None,
                      started: dt.datetime, by: AreaSet | None,
                      incremental: bool = False) -> Result:
    """:func:`evaluate_inputs` once the line overrides are in ``inputs``."""
    plan = inputs.plan
    if by is not None and getattr(inputs.population.grid, "held", None) is not None:
        raise InputError("figures by area (--by) need the population cell by cell, and the "
                         "population raster is held on the workers of a cluster",
                         suggestion="run --by without --scheduler (on a machine that can "
                         "hold the raster), or without --by on the cluster")
    if progress:
        progress("cutting zones")
    layout = _layout(inputs)
    pop = inputs.population
    if progress:
        progress("computing indicators")
    cells = layout_cells(layout, inputs, fast=fast, incremental=incremental)
    central = compute(layout, inputs, pop_method=pop.central, cells=cells, cell_arrays=True)
    runs: list[tuple[str, Metrics]] = [("central", central)]
    extremes: dict[str, Metrics] = {}
    if by is not None:
        central.by_area = by_area_rows(central, cells, by)
    if ranges:
        runs += _alternatives(inputs, layout, cells, progress, by, incremental)
        extremes = {ex: compute(layout, inputs, pop_method=ex, cells=cells)
                    for ex in pop.extremes}
    if not fast:
        _check_invariants(runs + list(extremes.items()), plan.id)
    zone_ranges, total_ranges = _ranges([m for _, m in runs], [z.id for z in layout.zones])
    data = build_json(inputs, layout, central, zone_ranges, total_ranges,
                      [name for name, _ in runs[1:]], started, extremes=extremes)
    data["claims"] = check_claims(plan.claims, data)
    data["by_area"] = _by_area(runs) if by is not None else None
    data["by"] = ({"ref": by.ref, "label": by.label, "field": by.field,
                   "areas": list(by.names)}
                  if by is not None else None)
    data["approximate"] = fast
    if fast:
        data["notes"].append(
            "Approximate figures (fast mode, for a line being moved): no ranges; cells cut "
            f"by a line shared on a lattice of points; grids finer than {FAST_CELL_M:g} m "
            "summed into blocks. Evaluate without fast mode for exact figures.")
    return Result(data=data, layout=layout, inputs=inputs, metrics=central,
                  pieces=layout_pieces(central, cells, by) if by is not None else None)
