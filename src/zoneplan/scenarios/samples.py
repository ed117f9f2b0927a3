"""Monte Carlo draws of a plan: where its lines run, how people are spread, what it states.

One draw evaluates a plan once with

* each line that states an uncertainty moved within it, differently along its length
  (:mod:`zoneplan.scenarios.line_draws`); lines without a stated uncertainty stay put;
* the pre-war population spread as a random mixture of the population layer's ensemble
  members, with weights uniform over all mixtures (Dirichlet with every concentration
  :data:`SPREAD_CONCENTRATION`); every member keeps each governorate's total, so every
  mixture does too;
* one of the force cases the plan states (pledged by its date, as listed, at target
  strength, pledged later), each as likely, and each compound's count and capacity
  drawn uniformly, as whole numbers, within their stated ranges.

Line variants and alternative drawings of the zones are reported positions, not an
uncertainty: they stay in the min-max ranges and are not drawn; neither are the
hospital rows of low confidence, the bed figures or the labelled extreme spreads.

Draw ``i`` takes its random numbers from ``SeedSequence(seed, spawn_key=(i, part,
...))`` (the ``i``-th child of ``SeedSequence(seed).spawn(n)``, then one child per part
drawn), so its figures depend on the seed and ``i`` alone: not on which worker computes
it, nor on the chunks the draws are cut into, nor on the other plans of a batch (every
plan uses the same draws: common random numbers). :func:`evaluate_chunk` is what a
worker runs; :mod:`zoneplan.scenarios.ensemble` reduces the draws to percentiles.

On population grids finer than :data:`~zoneplan.evaluate.FAST_CELL_M` the draws are
measured on blocks of that size, as the ranges' alternative layouts are.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString

from zoneplan.errors import GeometryError
from zoneplan.evaluate import FAST_CELL_M
from zoneplan.geometry import project
from zoneplan.measure.figures.assumptions import (
    Assumptions,
    alternative_assumptions,
    central_assumptions,
)
from zoneplan.measure.figures.crossings import (
    CrossingSite,
    crossing_sites,
    opens_into,
    placed_crossings,
)
from zoneplan.measure.figures.indicators import Metrics, compute
from zoneplan.measure.grids.band import BandGrid
from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.layout import layout_cells
from zoneplan.measure.sums.zone_sums import (
    NEAR_LINE_M,
    LayoutCells,
    ZoneSums,
    first_covering_zone,
    layout_geometry,
    projected_points,
)
from zoneplan.measure.zones import Layout, build_layout
from zoneplan.plan import Compound, ForceEntry
from zoneplan.plan.rules.definitions import ZONE_KEYS
from zoneplan.result import is_number
from zoneplan.scenarios.line_draws import LINE_CORRELATION_M, LineJitter

__all__ = ["MAX_REDRAWS", "MIXTURE", "SPREAD_CONCENTRATION", "ChunkResult",
           "Draw", "Key", "SampleModel", "build_model", "draw", "evaluate_chunk", "evaluate_draw"]

SPREAD_CONCENTRATION = 1.0
"""Dirichlet concentration of every ensemble member's weight: 1 makes every mixture of
the members equally likely (no member, and no blend, favoured)."""

MIXTURE = "mixture"
"""Key of a draw's population mixture among the spreads it is computed with."""

MAX_REDRAWS = 20
"""Line draws tried per sample before giving up: a drawn line that crosses itself or no
longer cuts the territory is drawn again (and counted)."""

SITE_MARGIN_M = 10.0
"""A crossing's disc (:data:`~zoneplan.measure.figures.crossings.OPENS_INTO_RADIUS_M`)
farther than a moving line's uncertainty plus this many metres from the line's reference
position lies where no draw changes the zones: far more than any rounding of a moved
point (nanometres)."""

_LINES, _SPREAD, _FORCES, _COMPOUNDS = range(4)  # the parts of a draw, each its own stream

Key = tuple[str | None, str]
"""An indicator of the result: (zone id, or ``None`` for the whole territory; key)."""


@dataclass(eq=False)
class SampleModel:
    """What every draw of one plan needs: sent once to each worker.

    Attributes
    ----------
    inputs
        The plan's inputs, with only the ensemble members' spreads (summed into blocks on
        fine grids, see the module docstring).
    jitters
        The lines that move, ready for drawing.
    fixed_lines
        Ids of the lines that state no uncertainty (not moved).
    members
        The population ensemble members mixed.
    force_options
        The force cases drawn from (each as likely).
    compounds
        The plan's compounds (counts and capacities drawn within their ranges).
    keys
        The indicators recorded per draw, in the order of a draw's values.
    blocks
        Whether the draws are measured on blocks of a fine grid.
    cell_inputs
        ``inputs`` with the grid prepared for the drawn layouts
        (:class:`~zoneplan.measure.grids.band.BandGrid`: only cells within reach of the
        moving lines are measured again), for the cell shares and sums; ``None``: the
        grid as it is.
    sites
        The crossings as the central layout places them, each with whether every drawn
        layout places it so (:func:`_reference_sites`); ``None``: placed on each layout
        (no crossings layer, or no line moves).
    points
        The hospitals' and damage points' zones on the central layout, and the points
        a draw may put in another zone (:func:`_reference_points`).
    fixed
        The layout and its sums when no line moves, made once where the draws run.
    """

    inputs: Inputs
    jitters: tuple[LineJitter, ...]
    fixed_lines: tuple[str, ...]
    members: tuple[str, ...]
    force_options: tuple[tuple[ForceEntry, ...], ...]
    compounds: tuple[Compound, ...]
    keys: tuple[Key, ...]
    blocks: bool
    cell_inputs: Inputs | None = None
    sites: tuple[tuple[CrossingSite, bool], ...] | None = None
    points: tuple[PointBand, ...] = ()
    fixed: tuple[Layout, LayoutCells] | None = field(default=None, init=False, repr=False)


@dataclass(frozen=True, eq=False)
class PointBand:
    """A point layer's zones on the central layout, and the points near a moving line.

    Attributes
    ----------
    role
        The layer's attribute of :class:`~zoneplan.measure.inputs.Inputs`
        (``"hospitals"``, ``"damage"``).
    zones
        Zone id of each point on the central layout (``None``: in no zone).
    near
        Points (ascending) within a moving line's uncertainty plus
        :data:`SITE_MARGIN_M` of its reference position: the others lie in the same zone
        on every drawn layout.
    geoms
        Those points, projected into the layout's CRS.
    """

    role: str
    zones: list[str | None]
    near: NDArray[np.intp]
    geoms: NDArray[np.object_]


@dataclass(frozen=True, eq=False)
class Draw:
    """The random choices of one sample.

    Attributes
    ----------
    index
        The draw's number, 0 to n - 1.
    lines
        Moved lines (projected, metres) by id.
    weights
        Weight of each ensemble member in the population mixture (they add up to 1).
    assumptions
        The forces and compounds counted.
    redraws
        Line draws rejected (crossing themselves, or not cutting the territory).
    """

    index: int
    lines: dict[str, LineString]
    weights: NDArray[np.float64]
    assumptions: Assumptions
    redraws: int


@dataclass(eq=False)
class ChunkResult:
    """The figures of a run of draws, as a worker returns them.

    Attributes
    ----------
    indices
        The draws' numbers.
    values
        One row per draw, one column per :attr:`SampleModel.keys` (NaN: not computable).
    redraws
        Line draws rejected in all.
    broken
        Draws whose invariants failed: (draw number, the checks that failed).
    """

    indices: NDArray[np.int64]
    values: NDArray[np.float64]
    redraws: int
    broken: list[tuple[int, str]]


def _rng(seed: int, index: int, part: int, *extra: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, part, *extra)))


def _tag(text: str) -> int:
    """A stable number for an id (its CRC-32), to give each line and compound a stream."""
    return zlib.crc32(text.encode("utf-8"))


def _sampling_inputs(inputs: Inputs) -> tuple[Inputs, bool]:
    """The inputs draws are computed on: the ensemble members only; blocks on fine grids."""
    pop = inputs.population
    blocks = pop.grid.cell_size < FAST_CELL_M
    if blocks:
        terr = (inputs.territory if pop.crs.equals(inputs.crs)
                else project(inputs.territory_ll, pop.crs))
        pop = pop.coarse(terr, FAST_CELL_M)
    members = list(pop.members)
    pop = replace(pop, counts={k: pop.counts[k] for k in members}, central=members[0],
                  members=members, extremes=[])
    return replace(inputs, population=pop), blocks


def _force_options(inputs: Inputs) -> tuple[tuple[ForceEntry, ...], ...]:
    """The central forces and every stated alternative that changes them, once each."""
    plan = inputs.plan
    options = [central_assumptions(plan).forces]
    for alt in alternative_assumptions(plan):
        if alt.forces not in options:
            options.append(alt.forces)
    return tuple(options)


def build_model(inputs: Inputs, layout: Layout, central: Metrics, *,
                correlation_m: float = LINE_CORRELATION_M) -> SampleModel:
    """Everything the draws of one plan need.

    Parameters
    ----------
    inputs, layout
        The central case's inputs and layout (its projected lines are moved).
    central
        The central case's indicators (which totals exist).
    correlation_m
        Correlation length of line displacements along the lines (metres).
    """
    plan = inputs.plan
    jitters, fixed = [], []
    for spec in plan.lines:
        if spec.uncertainty is None:
            fixed.append(spec.id)
        else:
            jitters.append(LineJitter.of(spec.id, layout.lines[spec.id],
                                         offset_m=spec.uncertainty.offset_m,
                                         correlation_m=correlation_m))
    use, blocks = _sampling_inputs(inputs)
    keys: list[Key] = [(z.id, k) for z in layout.zones for k in ZONE_KEYS]
    keys += [(None, k) for k, v in central.totals.items()
             if v is None or is_number(v)]
    return SampleModel(inputs=use, jitters=tuple(jitters), fixed_lines=tuple(fixed),
                       members=tuple(use.population.members),
                       force_options=_force_options(inputs),
                       compounds=tuple(plan.compounds), keys=tuple(keys), blocks=blocks,
                       cell_inputs=_band_inputs(use, layout, jitters),
                       sites=_reference_sites(use, layout, jitters),
                       points=_reference_points(use, layout, jitters))


def _reference_points(use: Inputs, layout: Layout, jitters: list[LineJitter]
                      ) -> tuple[PointBand, ...]:
    """The hospitals' and damage points' zones on the central layout, and which points
    a draw may move to another zone: those within a moving line's uncertainty (plus
    :data:`SITE_MARGIN_M`) of its reference position (the zones of the draws differ
    only there)."""
    if not jitters:
        return ()
    out = []
    for role in ("hospitals", "damage"):
        layer = getattr(use, role)
        if layer is None or len(layer) == 0:
            continue
        geoms = projected_points(layer, layout.crs)
        first = first_covering_zone(layout, geoms)
        ids = [z.id for z in layout.zones]
        near = np.zeros(len(geoms), dtype=bool)
        for j in jitters:
            near |= shapely.distance(layout.lines[j.line_id], geoms) \
                <= j.offset_m + SITE_MARGIN_M
        idx = np.flatnonzero(near).astype(np.intp)
        out.append(PointBand(role=role, zones=[ids[k] if k >= 0 else None
                                               for k in first.tolist()],
                             near=idx, geoms=geoms[idx]))
    return tuple(out)


def _reference_sites(use: Inputs, layout: Layout, jitters: list[LineJitter]
                     ) -> tuple[tuple[CrossingSite, bool], ...] | None:
    """The crossings placed on the central layout, each with whether no draw can place
    it otherwise: a crossing without coordinates opens into no zone on any layout; one
    whose disc lies in one zone alone and farther than every moving line's uncertainty
    (plus :data:`SITE_MARGIN_M`) from its reference position meets the same zone, and no
    other, on every drawn layout (the zones of the draws differ only within the
    uncertainty of the lines' reference positions)."""
    layer = use.crossings
    if layer is None or not jitters:
        return None
    sites = crossing_sites(layer, layout)
    out = []
    for site, placed in zip(sites, placed_crossings(layer, layout), strict=True):
        if placed is None:
            out.append((site, True))
            continue
        disc = placed[2]
        shares = [z.id for z in layout.zones
                  if not z.geometry.is_empty and z.geometry.intersection(disc).area > 0]
        far = all(disc.distance(layout.lines[j.line_id]) > j.offset_m + SITE_MARGIN_M
                  for j in jitters)
        out.append((site, far and shares == [site.zone]))
    return tuple(out)


def _place_sites(model: SampleModel, layout: Layout) -> None:
    """Place the crossings on a drawn layout as :func:`~zoneplan.measure.figures.crossings.
    crossing_sites` would, reusing the central layout's sites that no draw can change,
    and remember them on the layout (where the indicators look first)."""
    layer = model.inputs.crossings
    if model.sites is None or layer is None:
        return
    sites = [s for s, _ in model.sites]
    moved = [k for k, (_, fixed) in enumerate(model.sites) if not fixed]
    if moved:
        zones = {z.id: z.geometry for z in layout.zones}
        tree = shapely.STRtree(list(zones.values()))
        placed = placed_crossings(layer, layout)
        for k in moved:
            pt, _, disc = placed[k]
            sites[k] = replace(sites[k], zone=opens_into(pt, layout.territory, zones,
                                                         tree=tree, disc=disc))
    layout.sites[id(layer)] = sites


def _place_points(model: SampleModel, layout: Layout) -> None:
    """The zone of every hospital and damage point on a drawn layout: the central
    layout's, but for the points near a moving line, found again; remembered on the
    layout (where the sums look first)."""
    ids = [z.id for z in layout.zones]
    for pb in model.points:
        zones = list(pb.zones)
        for i, k in zip(pb.near.tolist(), first_covering_zone(layout, pb.geoms).tolist(),
                        strict=True):
            zones[i] = ids[k] if k >= 0 else None
        layout.point_zones[id(getattr(model.inputs, pb.role))] = zones


def _band_inputs(use: Inputs, layout: Layout, jitters: list[LineJitter]) -> Inputs | None:
    """``use`` with its cell grid prepared for layouts whose lines move by at most their
    stated uncertainty (:class:`~zoneplan.measure.grids.band.BandGrid`); ``None`` when no
    line moves, or the grid is not a cell grid in the layout's CRS."""
    pop = use.population
    if not jitters or type(pop.grid) is not CellGrid or not pop.crs.equals(layout.crs):
        return None
    geo = layout_geometry(layout, use)
    reference = pop.grid.fractions(geo.zones, geo.cuts, tiles=geo.tiles, covered=geo.covered)
    offset = {j.line_id: j.offset_m for j in jitters}
    band = BandGrid.of(pop.grid, reference, list(geo.lines.values()),
                       [offset.get(lid, 0.0) for lid in geo.lines], near_m=NEAR_LINE_M,
                       territory=layout.territory)
    # a BandGrid answers as the cell grid it wraps (every other attribute is the grid's)
    return replace(use, population=replace(pop, grid=cast("CellGrid", band)))


def _compound(c: Compound, rng: np.random.Generator) -> Compound:
    count = int(rng.integers(c.count_range[0], c.count_range[1] + 1)) if c.count_range \
        else c.count
    cap = int(rng.integers(c.capacity_range[0], c.capacity_range[1] + 1)) \
        if c.capacity_range else c.capacity
    return c.model_copy(update={"count": count, "capacity": cap})


def draw(model: SampleModel, seed: int, index: int, *, attempt: int = 0) -> Draw:
    """The random choices of draw ``index`` (``attempt`` > 0: lines drawn again)."""
    lines: dict[str, LineString] = {}
    redraws = 0
    for j in model.jitters:
        rng = _rng(seed, index, _LINES, _tag(j.line_id), attempt)
        for _ in range(MAX_REDRAWS):
            moved = j.draw(rng)
            if moved.is_simple:
                break
            redraws += 1
        else:
            raise GeometryError(f"line '{j.line_id}': {MAX_REDRAWS} draws in a row cross "
                                "themselves", suggestion="state a smaller uncertainty or a "
                                "longer correlation length (--correlation-m)")
        lines[j.line_id] = moved
    k = len(model.members)
    weights = (_rng(seed, index, _SPREAD).dirichlet(np.full(k, SPREAD_CONCENTRATION))
               if k > 1 else np.ones(1))
    forces = model.force_options[int(_rng(seed, index, _FORCES).integers(
        len(model.force_options)))]
    comps = tuple(_compound(c, _rng(seed, index, _COMPOUNDS, _tag(c.id)))
                  for c in model.compounds)
    return Draw(index=index, lines=lines, weights=weights,
                assumptions=Assumptions(label="", forces=forces, compounds=comps),
                redraws=redraws)


def _weighted(arrays: list[NDArray[np.float64]], weights: NDArray[np.float64]
              ) -> NDArray[np.float64]:
    """``sum(w * a)``, added up in the order given (the same on every machine)."""
    out = weights[0] * arrays[0]
    for w, a in zip(weights[1:], arrays[1:], strict=True):
        out = out + w * a
    return np.asarray(out, dtype=np.float64)


def _mix(parts: list[ZoneSums], weights: NDArray[np.float64]) -> ZoneSums:
    """The zone sums of a weighted mixture of spreads (sums are linear in people)."""
    def comb(arrays: list[NDArray[np.float64]]) -> NDArray[np.float64]:
        return _weighted(arrays, weights)

    first = parts[0]
    return ZoneSums(
        total=comb([p.total for p in parts]),
        near_any={d: comb([p.near_any[d] for p in parts]) for d in first.near_any},
        near_line={lid: {d: comb([p.near_line[lid][d] for p in parts]) for d in by}
                   for lid, by in first.near_line.items()},
        blocks=None if first.blocks is None else first.blocks.with_values(
            comb([p.blocks.value for p in parts if p.blocks is not None])))


def _metrics(model: SampleModel, layout: Layout, cells: LayoutCells,
             d: Draw) -> Metrics:
    """The indicators of one draw's layout, population mixture and assumptions."""
    inputs = model.inputs
    if len(model.members) == 1:
        return compute(layout, inputs, pop_method=model.members[0], cells=cells,
                       assumptions=d.assumptions)
    pop = inputs.population
    counts = _weighted([pop.counts[k] for k in model.members], d.weights)
    mixed = replace(inputs, population=replace(pop, counts={**pop.counts, MIXTURE: counts}))
    sums = _mix([cells.people[k] for k in model.members], d.weights)
    return compute(layout, mixed, pop_method=MIXTURE,
                   cells=replace(cells, people={**cells.people, MIXTURE: sums}),
                   assumptions=d.assumptions)


def _values(model: SampleModel, m: Metrics) -> NDArray[np.float64]:
    out = np.full(len(model.keys), np.nan)
    for i, (zid, k) in enumerate(model.keys):
        v = (m.zones[zid] if zid is not None else m.totals).get(k)
        if is_number(v):
            out[i] = float(v)
    return out


def _fixed_layout(model: SampleModel) -> tuple[Layout, LayoutCells]:
    """The layout of a plan whose lines do not move, and its sums (built once)."""
    if model.fixed is None:
        layout = build_layout(model.inputs)
        model.fixed = (layout, layout_cells(layout, model.inputs))
    return model.fixed


def _drawn_layout(model: SampleModel, seed: int, index: int) -> tuple[Draw, Layout, int]:
    """Draw ``index`` and its layout; line draws that do not cut the territory into the
    zones are drawn again. Returns the draw, its layout and the line draws rejected."""
    redraws = 0
    for attempt in range(MAX_REDRAWS):
        d = draw(model, seed, index, attempt=attempt)
        redraws += d.redraws
        try:
            return d, build_layout(model.inputs, line_overrides=d.lines, empty_rest=True), \
                redraws
        except GeometryError:
            redraws += 1
    raise GeometryError(f"draw {index}: no drawn position of the lines cuts the territory "
                        f"in {MAX_REDRAWS} attempts", suggestion="check that the lines reach "
                        "beyond the territory by more than their stated uncertainty")


def evaluate_draw(model: SampleModel, seed: int, index: int
                  ) -> tuple[NDArray[np.float64], int, str]:
    """The figures of draw ``index``: its values (in :attr:`SampleModel.keys` order), the
    line draws rejected, and the invariants that failed (empty if none).

    Raises
    ------
    GeometryError
        No line draw in :data:`MAX_REDRAWS` attempts cuts the territory into the zones.
    """
    if not model.jitters:  # no line moves: one layout serves every draw
        d = draw(model, seed, index)
        layout, cells = _fixed_layout(model)
        m = _metrics(model, layout, cells, d)
        redraws = 0
    else:
        d, layout, redraws = _drawn_layout(model, seed, index)
        _place_sites(model, layout)
        _place_points(model, layout)
        m = _metrics(model, layout, layout_cells(layout, model.cell_inputs or model.inputs),
                     d)
    broken = [k for k in ("area_conserved", "baseline_conserved", "residents_conserved")
              if not m.invariants[k]]
    return _values(model, m), redraws, ", ".join(broken)


def evaluate_chunk(model: SampleModel, seed: int, indices: list[int]) -> ChunkResult:
    """The figures of some draws (what one task computes on a worker)."""
    rows, redraws, broken = [], 0, []
    for i in indices:
        vals, r, bad = evaluate_draw(model, seed, i)
        rows.append(vals)
        redraws += r
        if bad:
            broken.append((i, bad))
    return ChunkResult(indices=np.asarray(indices, dtype=np.int64),
                       values=np.vstack(rows) if rows else np.empty((0, len(model.keys))),
                       redraws=redraws, broken=broken)
