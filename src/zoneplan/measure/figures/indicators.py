"""Indicators per zone, for one layout and one population spread.

:func:`compute` is pure arithmetic on the per-zone sums of
:func:`~zoneplan.measure.sums.layout.layout_cells`: no file is read, no per-cell array is
built, nothing is rounded. Who moves where is decided by
:func:`~zoneplan.measure.figures.relocation.relocate`; whole-territory figures and invariants
by :mod:`zoneplan.measure.figures.totals`. A value that cannot be computed is ``None`` with a
reason in ``reasons``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from zoneplan.geometry import project
from zoneplan.measure.figures.access import access_and_shape, access_totals
from zoneplan.measure.figures.assumptions import Assumptions, central_assumptions
from zoneplan.measure.figures.crossings import CrossingSite, crossing_sites
from zoneplan.measure.figures.families import (
    compounds,
    damage,
    force_split,
    forces,
    hospitals,
    near_lines,
    people,
    reconstruction,
    reconstruction_shares,
)
from zoneplan.measure.figures.frame import Frame, weighted_quantile
from zoneplan.measure.figures.relocation import (
    Placement,
    compound_sites,
    relocate,
    zone_placements,
)
from zoneplan.measure.figures.table import ZoneRows, ZoneTable
from zoneplan.measure.figures.totals import invariants, line_values, totals
from zoneplan.measure.grids.cells import CellGrid, Fractions
from zoneplan.measure.grids.squares import Squares
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.layout import layout_cells
from zoneplan.measure.sums.zone_sums import (
    LayoutCells,
    LayoutGeometry,
    layout_geometry,
    people_outside,
    people_within,
)
from zoneplan.measure.zones import Layout

__all__ = ["CellMap", "Metrics", "Placement", "compute", "force_split", "reconstruction_shares",
           "weighted_quantile", "zone_placements"]


@dataclass
class Metrics:
    """Indicator values for one layout and population spread.

    Besides the values, it keeps what breakdowns need: the run's layout and inputs, the
    population spread used, each zone's :class:`Placement` and compound residents.
    """

    zones: Mapping[str, dict[str, Any]]
    reasons: Mapping[str, dict[str, str]]
    totals: dict[str, Any]
    total_reasons: dict[str, str]
    lines: dict[str, dict[str, Any]]
    invariants: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    cell_map: CellMap | None = None
    hospital_zone: list[str | None] = field(default_factory=list)
    crossings: list[CrossingSite] = field(default_factory=list)
    layout: Layout | None = None
    inputs: Inputs | None = None
    pop_method: str = ""
    placements: dict[str, Placement] = field(default_factory=dict)
    site_people: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    by_area: list[dict[str, Any]] | None = None

    @property
    def cell_residents(self) -> NDArray[np.float64] | None:
        """Residents under the plan in each cell of the population grid (people)."""
        return None if self.cell_map is None else self.cell_map.residents()

    @property
    def cell_baseline(self) -> NDArray[np.float64] | None:
        """Baseline people in each cell, scaled to the modelled total (people)."""
        return None if self.cell_map is None else self.cell_map.baseline()


@dataclass(eq=False)
class CellMap:
    """What it takes to put residents back on the cells, for maps (built on demand)."""

    grid: CellGrid
    fractions: Fractions
    counts: NDArray[np.float64]
    scale: float
    placements: list[Placement]
    sites: list[tuple[float, float, float]] = field(default_factory=list)
    sites_crs: CRS | None = None
    spread: str = ""
    geo: LayoutGeometry | None = None

    def squares(self, side: float) -> tuple[Squares, NDArray[np.float64], NDArray[np.float64]]:
        """Residents under the plan (people) and land area (m²) summed into squares of
        ``side`` metres aligned to multiples of it: the lattice and the two sums per
        square. On a raster held on a cluster's workers (:attr:`geo` is then the
        layout), each part's squares are summed where the part is
        (:func:`~zoneplan.measure.sums.held_sums.held_squares`)."""
        if self.grid.held is not None:
            from zoneplan.measure.sums.held_sums import held_squares

            return held_squares(self, side)
        sq = self.grid.squares(side)
        people = sq.sums(self.residents())
        area = sq.sums(np.asarray(self.grid.area_m2, dtype=np.float64))
        return replace(sq, index=np.empty(0, dtype=np.intp)), people, area

    def residents(self) -> NDArray[np.float64]:
        """Residents under the plan per cell (people); cells in no zone hold none;
        compound residents are in the cell nearest their compound."""
        fr = self.fractions
        per_person = np.array([sp.per_person for sp in self.placements] + [0.0])
        per_m2 = np.array([sp.per_m2 for sp in self.placements] + [0.0])
        area = self.grid.area_m2
        out = per_person[fr.zone_of] * self.counts  # zone -1 (cut or none) picks the 0.0
        if per_m2.any():
            out += per_m2[fr.zone_of] * area
        c, z = fr.cut_cell, fr.cut_zone
        np.add.at(out, c, (per_person[z] * self.counts[c] + per_m2[z] * area[c]) * fr.cut_frac)
        if self.sites:
            gx, gy = self.grid.x, self.grid.y
            for x, y, n in self.sites:
                pt = shapely.Point(x, y)
                if self.sites_crs is not None and self.grid.crs is not None:
                    pt = project(pt, self.grid.crs, src=self.sites_crs)
                out[int(np.argmin((gx - pt.x) ** 2 + (gy - pt.y) ** 2))] += n
        return np.asarray(out, dtype=np.float64)

    def baseline(self) -> NDArray[np.float64]:
        """Baseline people per cell scaled to the modelled total (people)."""
        return np.asarray(self.counts * self.scale, dtype=np.float64)


def _sites(inputs: Inputs, layout: Layout) -> list[CrossingSite]:
    """The crossings placed on a layout (they depend on the layout only: remembered)."""
    memo: dict[int, list[CrossingSite]] = layout.sites
    key = id(inputs.crossings)
    if key not in memo:
        memo[key] = crossing_sites(inputs.crossings, layout)
    return memo[key]


def _people_outside(geo: LayoutCells, counts: NDArray[np.float64], key: str) -> float:
    """People of spread ``key`` on no zone's cells, summed cell by cell (remembered per
    layout and spread): each cell's people times the share of it no zone takes."""
    memo = geo.outside
    if key not in memo:
        memo[key] = people_outside(geo.fractions, counts)
    return memo[key]


def compute(layout: Layout, inputs: Inputs, *, pop_method: str,
            cells: LayoutCells | None = None, cell_arrays: bool = False,
            assumptions: Assumptions | None = None) -> Metrics:
    """All indicators for one layout and one population spread.

    Parameters
    ----------
    layout
        The zones.
    inputs
        The plan and its layers.
    pop_method
        Key of ``inputs.population.counts`` to use.
    cells
        The layout's :func:`layout_cells`, if already computed.
    cell_arrays
        Also return residents per cell (for maps); off for the alternatives.
    assumptions
        The forces and compounds to count; by default the central ones
        (:func:`~zoneplan.measure.figures.assumptions.central_assumptions`).
    """
    geo = cells or layout_cells(layout, inputs)
    plan = inputs.plan
    counts = inputs.population.counts[pop_method]
    zones = layout.zones
    spread = geo.people[pop_method]
    assumed = assumptions or central_assumptions(plan)
    reloc = relocate(zones, {z.id: float(spread.total[k]) for k, z in enumerate(zones)},
                     inputs.population.total(pop_method), plan, inputs.modelled_total,
                     compound_sites(assumed.compounds, layout))
    placement = zone_placements(zones, geo.area.total, reloc, plan.population.relocation)
    ids = [z.id for z in zones]
    f = Frame(layout=layout, inputs=inputs, geo=geo, people=spread, reloc=reloc,
              placement=placement, values=ZoneTable(ids), reasons=ZoneTable(ids),
              assumptions=assumed, crossings=_sites(inputs, layout))
    shares = reconstruction_shares(plan, zones)
    personnel = force_split(assumed.forces, zones, reloc.residents)
    people(f)
    dist = hospitals(f)
    damage(f)
    reconstruction(f, shares)
    forces(f, personnel)
    near_lines(f)
    compounds(f)
    access = access_and_shape(f)
    tot, total_reasons = totals(f, dist, shares)
    access_totals(f, access, tot, total_reasons)
    notes = list(reloc.notes)
    outside = _people_outside(geo, counts, pop_method)
    if outside > 1e-6 * max(reloc.layer_total, 1):
        notes.append(f"{outside:,.0f} people of the baseline layer lie on cells outside "
                     "every zone (the layer reaches beyond the territory, or the zones leave "
                     "a remainder); they are reported as the remainder, not dropped.")
    cell_map = None
    if cell_arrays:
        held = inputs.population.grid.held is not None
        cell_map = CellMap(grid=inputs.population.grid, fractions=geo.fractions,
                           counts=counts, scale=reloc.scale, spread=pop_method,
                           geo=layout_geometry(layout, inputs) if held else None,
                           placements=[placement[z.id] for z in zones],
                           sites=[(x, y, n) for z in zones
                                  for x, y, n in reloc.site_people(z.id)],
                           sites_crs=layout.crs)
    return Metrics(zones=ZoneRows(f.values), reasons=ZoneRows(f.reasons), totals=tot,
                   total_reasons=total_reasons,
                   lines=line_values(f), invariants=invariants(
                       f, tot["residents"], outside, people_within(inputs, layout, pop_method)),
                   notes=notes, cell_map=cell_map, hospital_zone=geo.hospital_zone,
                   crossings=f.crossings, layout=layout, inputs=inputs, pop_method=pop_method,
                   placements=placement,
                   site_people={z.id: reloc.site_people(z.id) for z in zones})
