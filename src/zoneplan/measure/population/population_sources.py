"""Population layers from their sources, put on a grid of cells.

* The built-in pre-war population (``gaza:population``): the pack's governorate totals
  spread over a 250 m grid in three ways built from different inputs, with their
  cell-by-cell median as the central spread (:func:`builtin_population`).
* GeoTIFF rasters of people per cell (``units: count``) or per km² (``units: density``):
  each pixel becomes a cell, clipped to the territory, keeping the covered fraction of
  its people (:mod:`zoneplan.measure.population.raster_population`).
* Polygons with a count attribute (census areas): each polygon's count is spread
  uniformly over its area onto a square grid (:func:`zoneplan.measure.population.dasymetric.
  spread_totals`, ``"area"`` method), conserving each polygon's total.
* Points with a count attribute: each point's count goes to the cell that holds it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import DataError, InputError
from zoneplan.geometry import project, project_all
from zoneplan.io.vectors import filter_rows, read_vector
from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.population.dasymetric import DEFAULT_BANDWIDTH_M, spread_totals
from zoneplan.measure.population.grid_cache import grid_key, load, store
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.plan import Plan
from zoneplan.plan.rules.plausibility import CELL_DENSITY, TERRITORY_DENSITY, check_density

if TYPE_CHECKING:
    from zoneplan.measure.population.raster_population import Hold, Progress

__all__ = ["BUILDING_BANDWIDTH_M", "BUILTIN_POPULATION", "ENSEMBLE", "EXTREMES",
           "POPULATION_CELL_M", "RASTER_SUFFIXES", "SPREADS", "SPREAD_LABELS", "SPREAD_METHODS",
           "builtin_population", "builtin_spreads", "layer_population", "population_for"]

RASTER_SUFFIXES = {".tif", ".tiff", ".vrt"}
"""File endings read as population rasters."""

BUILTIN_POPULATION = "gaza:population"
"""Name of the built-in pre-war population layer."""

POPULATION_CELL_M = 250.0
"""Side of a cell of the built-in population grid, metres."""


BUILDING_BANDWIDTH_M = 500.0
"""Kernel bandwidth (metres) of the building-density spread: the damage clusters are
500 m clusters, so each spreads over about its own extent."""

ENSEMBLE: tuple[str, ...] = ("localities", "buildings", "municipalities")
"""The built-in population's ensemble members, each built from different inputs."""

EXTREMES: tuple[str, ...] = ("uniform", "points")
"""Spreads evaluated and shown as labelled extremes, never as an end of the range."""

SPREADS: tuple[str, ...] = ("median", *ENSEMBLE, *EXTREMES)
"""Every spread of the built-in grid: the central one, the ensemble, the extremes."""

SPREAD_METHODS: dict[str, str] = {
    "median": "cell by cell, the median of the three ensemble members, rescaled so each "
              "governorate keeps its total (central)",
    "localities": "each of the 33 PCBS 2017 census localities holds its share of its "
                  "governorate, spread with an exponential distance kernel (e-folding "
                  f"distance {DEFAULT_BANDWIDTH_M:g} m)",
    "buildings": "in proportion to where buildings stood: UNOSAT's structure counts of "
                 "11 Oct 2025 (500 m clusters, 198,308 structures) as a proxy, spread with "
                 f"an exponential kernel (e-folding distance {BUILDING_BANDWIDTH_M:g} m)",
    "municipalities": "uniform within the OCHA 2019 municipal areas, each holding the 2017 "
                      "populations of the localities inside it; land outside every "
                      "municipal area with a locality holds nobody",
    "uniform": "uniform density within each governorate (a labelled extreme: it puts as "
               "many people in open fields as in towns)",
    "points": "each of the 33 PCBS 2017 census localities holds its share of its "
              "governorate in the one cell nearest it (the locality spread's limit as its "
              "distance goes to zero; a labelled extreme: nobody lives between towns)",
}
"""How each spread of the built-in population puts a governorate's people on cells."""

SPREAD_LABELS: dict[str, str] = {
    "median": "median of the ensemble", "localities": "locality kernel",
    "buildings": "building density", "municipalities": "municipal areas",
    "uniform": "uniform spread", "points": "locality points",
}
"""A short name for each spread, for tables (see :data:`SPREAD_METHODS`)."""


def _municipal_pieces(gov: BaseGeometry, total: float, municipalities: list[BaseGeometry],
                      locs_xy: NDArray[np.float64], weights: NDArray[np.float64]
                      ) -> tuple[list[BaseGeometry], list[float]]:
    """The parts of a governorate in each municipal area, and the governorate's people
    shared among them by the locality weights inside each (none without a locality)."""
    pts = shapely.points(locs_xy)
    pieces: list[BaseGeometry] = []
    w: list[float] = []
    for m in municipalities:
        piece = m.intersection(gov)
        if piece.is_empty or piece.area <= 0:
            continue
        inside = shapely.contains(piece, pts)
        if inside.any() and weights[inside].sum() > 0:
            pieces.append(piece)
            w.append(float(weights[inside].sum()))
    if not pieces:  # no municipal area holds a locality: fall back to the governorate
        return [gov], [total]
    ww = np.asarray(w)
    return pieces, list(total * ww / ww.sum())


def builtin_spreads(cell_size: float = POPULATION_CELL_M
                    ) -> tuple[CellGrid, dict[str, NDArray[np.float64]]]:
    """The built-in grid and its people per cell under each of :data:`SPREADS`, computed
    from the pack's tables (see :func:`builtin_population`, which keeps them)."""
    crs = pack.PACK_CRS
    terr = project(pack.outline(), crs)
    grid = CellGrid.build(terr, cell_size=cell_size, crs=crs)
    gov = pack.governorate_rows()
    locs = pack.locality_rows()
    loc_xy, loc_w = locs.xy(crs), locs.numbers("weight")
    dmg = pack.damage_rows()
    dmg_xy, dmg_w = dmg.xy(crs), dmg.numbers("count")
    munis = [g for g in project_all(pack.municipality_rows().geometry, crs) if not g.is_empty]
    counts = {k: np.zeros(len(grid)) for k in SPREADS}
    for area, total in zip(project_all(gov.geometry, crs), gov.numbers("population"),
                           strict=True):
        pieces, shares = _municipal_pieces(area, total, munis, loc_xy, loc_w)
        part = {
            "localities": spread_totals(grid, [area], [total], method="kernel", points=loc_xy,
                                        weights=loc_w, bandwidth_m=DEFAULT_BANDWIDTH_M),
            "buildings": spread_totals(grid, [area], [total], method="kernel", points=dmg_xy,
                                       weights=dmg_w, bandwidth_m=BUILDING_BANDWIDTH_M),
            "municipalities": spread_totals(grid, pieces, shares, method="area"),
            "uniform": spread_totals(grid, [area], [total], method="area"),
            "points": spread_totals(grid, [area], [total], method="points", points=loc_xy,
                                    weights=loc_w),
        }
        med = _median_rows(np.vstack([part[k] for k in ENSEMBLE]))
        part["median"] = med * (total / med.sum()) if med.sum() > 0 else part["localities"]
        for k, v in part.items():
            counts[k] += v
    return grid, counts


def _median_rows(stack: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.median(stack, axis=0)``, value for value (the middle value of each column, or
    the mean of the two middle ones; NaN where a column holds NaN), without the import
    of ``numpy.ma`` that ``np.median`` makes (about 10 ms of a fresh run).

    >>> import numpy as np
    >>> _median_rows(np.array([[3.0, 1.0], [1.0, np.nan], [2.0, 0.5]])).tolist()
    [2.0, nan]
    >>> _median_rows(np.array([[3.0], [1.0]])).tolist()
    [2.0]
    """
    s = np.sort(stack, axis=0)
    mid = stack.shape[0] // 2
    med = s[mid].copy() if stack.shape[0] % 2 else (s[mid - 1] + s[mid]) / 2
    med[np.isnan(stack).any(axis=0)] = np.nan
    return med


@functools.cache
def builtin_population(cell_size: float = POPULATION_CELL_M) -> PopulationLayer:
    """The built-in pre-war population grid: an ensemble of three spreads.

    Pre-war governorate totals (PCBS, in :func:`zoneplan.pack.governorate_rows`) are
    spread over each governorate on a ``cell_size`` metre grid over the pack's outline in
    three ways built from different inputs (:data:`ENSEMBLE`: census locality points,
    UNOSAT structure counts as a proxy for buildings, OCHA municipal areas). The central
    spread is their cell-by-cell median, rescaled so each governorate keeps its total;
    uniform density is computed as a labelled extreme. Every spread conserves every
    governorate's total (see :data:`SPREAD_METHODS`).

    The grid and spreads are computed once (:func:`builtin_spreads`) and kept between
    runs in the user's cache folder, under a key made of the pack's tables, the code that
    computes them and the libraries' versions (:mod:`zoneplan.measure.population.grid_cache`): a
    kept grid gives the same figures, bit for bit, and any change computes it afresh.
    """
    key = grid_key(cell_size)
    kept = load(key, cell_size=cell_size, names=SPREADS)
    if kept is None:
        kept = builtin_spreads(cell_size)
        store(key, *kept)
    grid, counts = kept
    method = (
        f"Pre-war governorate totals (PCBS) spread over each governorate on a "
        f"{cell_size:g} m grid in three ways built from different inputs: "
        + "; ".join(f"{k}: {SPREAD_METHODS[k]}" for k in ENSEMBLE)
        + f". Central: {SPREAD_METHODS['median']}. The range spans the three; "
        f"labelled extremes, never an end of it: {SPREAD_METHODS['uniform']}; "
        f"{SPREAD_METHODS['points']}. Every spread conserves each governorate's total."
    )
    return PopulationLayer(
        grid=grid,
        counts=counts,
        central="median",
        members=list(ENSEMBLE),
        extremes=list(EXTREMES),
        label="pre-war residents (PCBS governorate totals, 2022-2023)",
        date="2023-10",
        sources=pack.layer_sources(BUILTIN_POPULATION),
        method=method,
        spread_methods={k: SPREAD_METHODS[k] for k in counts},
        spread_labels={k: SPREAD_LABELS[k] for k in counts},
        area_totals=dict(zip(pack.governorate_rows().texts("name"),
                             map(float, pack.governorate_rows().numbers("population")),
                             strict=True)),
    )


@functools.cache
def _builtin_outline() -> BaseGeometry:
    """The outline the built-in grid's cells are clipped to (:data:`pack.PACK_CRS`)."""
    return project(pack.outline(), pack.PACK_CRS)


def _cell_size_for(territory_area_m2: float) -> float:
    """A grid cell size giving about 10,000-40,000 cells, rounded to a nice number (m)."""
    raw = math.sqrt(territory_area_m2 / 20_000)
    nice = [10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000]
    return float(min(nice, key=lambda n: abs(n - raw)))


def population_for(plan: Plan, *, territory: BaseGeometry, crs: CRS,
                   progress: Progress | None = None,
                   hold: Hold | None = None) -> PopulationLayer:
    """The plan's baseline population layer (``population.baseline``).

    Parameters
    ----------
    plan
        The plan.
    territory
        The territory in ``crs`` (projected, metres).
    crs
        The area CRS.
    progress
        Told how far a long read (a large raster) has got.
    hold
        Where a fine raster's cells are read and kept, e.g. on the workers of a cluster
        (see :func:`~zoneplan.measure.population.raster_population.raster_population`).

    Raises
    ------
    InputError
        The baseline names neither the built-in layer nor one of the plan's layers.
    """
    name = plan.population.baseline
    if name == BUILTIN_POPULATION:
        pop = builtin_population()
        if crs.equals(pop.crs) and territory.equals(_builtin_outline()):
            return pop
        # a territory other than the Strip's outline: the grid's cells reach beyond it
        return replace(pop, within_territory=False)
    if name in plan.layers:
        return layer_population(plan, name, territory=territory, crs=crs, progress=progress,
                                hold=hold)
    raise InputError(
        f"population.baseline '{name}' is neither a built-in layer nor a layer of the plan",
        path=plan.path,
        location="population.baseline",
        suggestion=f"use {BUILTIN_POPULATION}, or add the layer under 'layers' and name it here",
    )


def layer_population(plan: Plan, name: str, *, territory: BaseGeometry, crs: CRS,
                     progress: Progress | None = None,
                     hold: Hold | None = None) -> PopulationLayer:
    """Read the plan's layer ``name`` as a population layer on cells over ``territory``
    (a fine raster's cells kept where ``hold`` keeps them, see :func:`population_for`).

    Raises
    ------
    DataError
        Missing or unreadable file, no CRS, unknown attribute.
    InputError
        A vector layer without ``count``; negative counts.
    """
    ref = plan.layers[name]
    path = plan.resolve_path(ref.path)
    if path.suffix.lower() in RASTER_SUFFIXES:
        from zoneplan.measure.population.raster_population import raster_population  # rasters only

        layer = raster_population(path, territory, crs, units=ref.units or "count",
                                  sources=ref.sources, progress=progress, hold=hold)
        return _plausible(plan, name, layer, territory, path)
    gdf = filter_rows(read_vector(path, what=f"population layer '{name}'"), ref.where,
                      str(path))
    if not ref.count:
        raise InputError(
            f"population layer '{name}' needs the attribute that holds the number of people",
            path=path,
            suggestion="add count: <attribute> to the layer (or ,count=NAME on --layer); "
            "attributes there: " + ", ".join(c for c in gdf.columns if c != "geometry"),
        )
    from zoneplan.io.frame_checks import layer_numbers  # pandas: only for a file

    counts = layer_numbers(gdf, ref.count, path, what=f"population layer '{name}'")
    grid = CellGrid.build(territory, cell_size=_cell_size_for(territory.area), crs=crs)
    geoms = [project(g, crs) for g in gdf.geometry]
    if all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms):
        values = spread_totals(grid, geoms, list(counts), method="area")
        how = "each polygon's count spread uniformly over its area"
    else:
        pts = shapely.points(np.array([(g.centroid.x, g.centroid.y) for g in geoms]))
        values = np.zeros(len(grid))
        tree = shapely.STRtree(grid.cells)
        pairs = tree.query(pts, predicate="intersects")
        first: dict[int, int] = {}
        for p, c in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            first.setdefault(p, c)
        for p, c in first.items():
            values[c] += counts[p]
        how = "each point's count given to the cell that holds it"
    return _plausible(plan, name, PopulationLayer(
        grid=grid,
        counts={"layer": values},
        central="layer",
        label=f"population from {Path(ref.path).name}",
        date="",
        sources=list(ref.sources),
        method=f"{how}, on a {grid.cell_size:g} m grid clipped to the territory",
        peak_density=float(values.max(initial=0.0)) / (grid.cell_size ** 2 / 1e6),
    ), territory, path)


def _plausible(plan: Plan, name: str, layer: PopulationLayer, territory: BaseGeometry,
               path: Path) -> PopulationLayer:
    """``layer``, once its people are checked against the plausibility bounds.

    Raises
    ------
    DataError
        A cell (pixel) with more people per km² than :data:`CELL_DENSITY`, a total over
        the territory's area above :data:`TERRITORY_DENSITY` (each unless the plan's
        ``plausible:`` raises the bound or allows it), or a total too large for a number.
    """
    what = f"population layer '{name}'"
    if layer.peak_density is not None:
        check_density(plan.plausible, CELL_DENSITY, layer.peak_density, what=what, path=path)
    total = layer.total()
    if not math.isfinite(total):
        raise DataError(f"{what}: its people add up to more than a number can hold",
                        path=path, suggestion="check the layer's values and units: they "
                        "are far too large")
    if territory.area > 0:
        check_density(plan.plausible, TERRITORY_DENSITY, total / (territory.area / 1e6),
                      what=what, path=path)
    return layer
