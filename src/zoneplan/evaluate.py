"""Evaluate a plan: zones, indicators for the central case and every alternative, ranges.

The central value of each indicator uses the plan's lines as written and the central
population spread. The low-high range spans every combination of the alternatives the
inputs offer: each line variant (e.g. the yellow line's markers 200-300 m further
west), each population spread, the force target and the compound count/capacity ranges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from shapely.geometry import LineString

from zoneplan.geometry import geos_errors, offset_line, project
from zoneplan.measure.indicators import Metrics, compute
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.measure.population import PopulationLayer
from zoneplan.measure.zone_sums import layout_cells
from zoneplan.measure.zones import Layout, build_layout
from zoneplan.plan import ForceEntry, Plan, load_plan
from zoneplan.plan.definitions import ZONE_KEYS
from zoneplan.result import Result, build_json

__all__ = ["FAST_CELL_M", "evaluate", "evaluate_inputs"]

FAST_CELL_M = 250.0
"""Block size (metres) fine population grids are summed into in fast mode."""


def _fast_population(inputs: Inputs) -> PopulationLayer:
    """The population summed into :data:`FAST_CELL_M` blocks, built once per Inputs."""
    cache: dict[str, Any] = inputs.__dict__.setdefault("_fast", {})
    if "population" not in cache:
        pop = inputs.population
        territory = (inputs.territory if pop.crs.equals(inputs.crs)
                     else project(inputs.territory_ll, pop.crs))
        cache["population"] = pop.coarse(territory, FAST_CELL_M)
    return cache["population"]

Progress = Callable[[str], None]


def _layout(inputs: Inputs, overrides: dict[str, LineString] | None = None) -> Layout:
    return build_layout(inputs, line_overrides=overrides)


def _with_plan(inputs: Inputs, plan: Plan) -> Inputs:
    return replace(inputs, plan=plan)


def _assumption_plans(plan: Plan) -> list[tuple[str, Plan]]:
    """Plans with the stated high/low ends of forces and compounds."""
    out: list[tuple[str, Plan]] = []
    if plan.forces_target is not None:
        t = plan.forces_target
        entry = ForceEntry(contributor=t.label, personnel=t.personnel, kind="troops",
                           zones=t.zones, status="reported", sources=t.sources)
        out.append(("forces target", plan.model_copy(update={"forces": [entry]})))
    if any(c.count_range or c.capacity_range for c in plan.compounds):
        for end, label in ((0, "compounds low"), (1, "compounds high")):
            comps = [
                c.model_copy(update={
                    "count": c.count_range[end] if c.count_range else c.count,
                    "capacity": c.capacity_range[end] if c.capacity_range else c.capacity,
                })
                for c in plan.compounds
            ]
            out.append((label, plan.model_copy(update={"compounds": comps})))
    for _, p in out:
        p._base_dir, p._path = plan.base_dir, plan.path
    return out


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
                           progress=progress)


def evaluate_inputs(
    inputs: Inputs,
    *,
    line_overrides: dict[str, list[tuple[float, float]]] | None = None,
    ranges: bool = True,
    fast: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Evaluate prepared inputs (see :func:`evaluate`).

    ``fast=True`` gives approximate figures quickly (for a line being dragged): no
    ranges; population grids finer than :data:`FAST_CELL_M` are summed into blocks of
    that size; cells cut by a line are shared out on a 4 x 4 lattice of points instead
    of by exact intersection. The result says so in ``approximate`` and ``notes``.

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
                                 started=started)


def _evaluate_checked(inputs: Inputs, *, ranges: bool, fast: bool, progress: Progress | None,
                      started: dt.datetime) -> Result:
    """:func:`evaluate_inputs` once the line overrides are in ``inputs``."""
    plan = inputs.plan
    if progress:
        progress("cutting zones")
    layout = _layout(inputs)
    pop = inputs.population
    if progress:
        progress("computing indicators")
    cells = layout_cells(layout, inputs, fast=fast)
    central = compute(layout, inputs, pop_method=pop.central, cells=cells, cell_arrays=True)
    runs = [central]
    variant_log: list[str] = []
    if ranges:
        layouts: list[tuple[str, Layout]] = [("lines as drawn", layout)]
        for spec in plan.lines:
            for var in spec.variants:
                base = layout.lines[spec.id]
                moved = offset_line(base, var.offset_m, var.towards)
                layouts.append((f"line '{spec.id}' {var.id}", _layout(inputs, {spec.id: moved})))
        # on grids finer than FAST_CELL_M the moved lines are measured on blocks of that
        # size: the range's ends shift by far less than the lines' own uncertainty
        alt_inputs = inputs
        if pop.grid.cell_size < FAST_CELL_M and len(layouts) > 1:
            alt_inputs = replace(inputs, population=_fast_population(inputs))
        for lname, lay in layouts:
            use = inputs if lay is layout else alt_inputs
            lay_cells = cells if lay is layout else layout_cells(lay, use)
            for method in pop.counts:
                if lay is layout and method == pop.central:
                    continue
                if progress:
                    progress(f"alternative: {lname}, population spread '{method}'")
                runs.append(compute(lay, use, pop_method=method, cells=lay_cells))
                variant_log.append(f"{lname}; population spread '{method}'"
                                   + (f" (population summed into {FAST_CELL_M:g} m blocks)"
                                      if use is not inputs else ""))
        for name, alt_plan in _assumption_plans(plan):
            runs.append(compute(layout, _with_plan(inputs, alt_plan), pop_method=pop.central,
                                cells=cells))
            variant_log.append(name)
    zone_ranges, total_ranges = _ranges(runs, [z.id for z in layout.zones])
    data = build_json(inputs, layout, central, zone_ranges, total_ranges, variant_log,
                      started)
    data["approximate"] = fast
    if fast:
        data["notes"].append(
            "Approximate figures (fast mode, for a line being moved): no ranges; cells cut "
            f"by a line shared on a lattice of points; grids finer than {FAST_CELL_M:g} m "
            "summed into blocks. Evaluate without fast mode for exact figures.")
    return Result(data=data, layout=layout, inputs=inputs, metrics=central)
