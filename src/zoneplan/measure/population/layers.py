"""Population layers: people on a grid of cells, with alternative spreads.

A :class:`PopulationLayer` is what every population source becomes (see
:mod:`zoneplan.measure.population.population_sources`): the built-in pack's facts spread over a
grid, the user's polygons or points, or a raster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.measure.grids.cells import CellGrid

__all__ = ["PopulationLayer", "coarse_counts"]


@dataclass(eq=False)
class PopulationLayer:
    """People on a grid of cells, with alternative spreads for the range.

    Attributes
    ----------
    grid
        The cells (projected CRS, metres).
    counts
        People per cell under each method; ``counts[central]`` is the central estimate.
    central
        Key of the central method.
    label, date, sources
        What the numbers are, when, and the source ids behind them.
    method
        One paragraph saying how the counts were made.
    members
        The spreads whose spread gives the range (the ensemble); by default the central
        one alone.
    extremes
        Spreads shown as labelled extremes, never as an end of the range.
    spread_methods
        How each spread was made, in words, by key.
    spread_labels
        A short name for each spread, by key, for tables (the key where none is given).
    area_totals
        The published totals every spread conserves, by area name (the built-in grid:
        the pack's governorate totals), or ``None``. By-area rows over areas carrying the
        same totals are fitted to them (:mod:`zoneplan.measure.figures.by_area`).
    peak_density
        The most people per km² on any cell (a raster's pixels, whole), where the reader
        measured it (checked against :data:`zoneplan.plan.rules.plausibility.CELL_DENSITY`).
    within_territory
        Every cell lies inside the territory measured (the grid was clipped to it, as
        rasters and the user's layers are). ``False`` for a grid over a larger area (the
        built-in grid over the whole Strip under a smaller territory): cells then
        straddle the territory's edge, which cuts them as a zone's edge does
        (:func:`zoneplan.measure.sums.zone_sums.layout_geometry`).
    """

    grid: CellGrid
    counts: dict[str, NDArray[np.float64]]
    central: str
    label: str
    date: str
    sources: list[str]
    method: str
    source_details: list[dict[str, Any]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    extremes: list[str] = field(default_factory=list)
    spread_methods: dict[str, str] = field(default_factory=dict)
    spread_labels: dict[str, str] = field(default_factory=dict)
    area_totals: dict[str, float] | None = None
    peak_density: float | None = None
    within_territory: bool = True
    _within: dict[str, tuple[Any, float]] = field(default_factory=dict, init=False,
                                                  repr=False)
    """Each spread's people inside a territory, with the territory (see
    :func:`zoneplan.measure.sums.zone_sums.people_within`)."""
    _totals: dict[str, tuple[Any, float]] = field(default_factory=dict, init=False,
                                                  repr=False)
    """Each spread's total with the array it was summed from (see :meth:`total`)."""

    def __post_init__(self) -> None:
        if not self.members:
            self.members = [self.central]
        unknown = [k for k in (self.central, *self.members, *self.extremes)
                   if k not in self.counts]
        if unknown:
            raise ValueError(f"population spreads {unknown} have no counts")

    @property
    def crs(self) -> CRS:
        """CRS of the grid."""
        assert self.grid.crs is not None
        return self.grid.crs

    def total(self, method: str | None = None) -> float:
        """Total people under a method (default: central); summed once per array (a
        pass over every cell of a fine raster, asked for several times per run)."""
        counts = self.counts[method or self.central]
        memo = self._totals
        got = memo.get(method or self.central)
        if got is None or got[0] is not counts:
            got = memo[method or self.central] = (counts, float(np.sum(counts, dtype=np.float64)))
        return got[1]

    def coarse(self, territory: BaseGeometry, cell_size: float) -> PopulationLayer:
        """The same people summed into square blocks of ``cell_size`` metres.

        Each cell's people go to the block holding its centroid; blocks are the cells of
        a :class:`CellGrid` over ``territory`` (in this layer's CRS), so every total is
        kept. Used for fast approximate figures while a line is dragged over a fine grid.
        """
        blocks = CellGrid.build(territory, cell_size=cell_size, crs=self.grid.crs)
        counts = coarse_counts(self.grid, self.counts, blocks, cell_size)
        return self.summed(blocks, counts, cell_size)

    def summed(self, blocks: CellGrid, counts: dict[str, NDArray[np.float64]],
               cell_size: float) -> PopulationLayer:
        """This layer's spreads summed into ``blocks`` (``counts``, by spread key)."""
        return PopulationLayer(grid=blocks, counts=counts, central=self.central,
                               members=list(self.members), extremes=list(self.extremes),
                               spread_methods=dict(self.spread_methods),
                               spread_labels=dict(self.spread_labels),
                               area_totals=self.area_totals,
                               label=self.label, date=self.date, sources=self.sources,
                               method=f"{self.method} Summed into {cell_size:g} m blocks for "
                               "fast approximate figures.")


def coarse_counts(grid: CellGrid, counts: dict[str, NDArray[np.float64]], blocks: CellGrid,
                  cell_size: float) -> dict[str, NDArray[np.float64]]:
    """People of each spread summed into ``blocks`` (squares of ``cell_size`` metres
    clipped to the territory, see :meth:`PopulationLayer.coarse`), people per block.

    Each cell's people go to the block holding its centroid (the nearest block when its
    square kept no area inside the territory). The sums over several parts of a grid
    add up to the sums over the whole grid.
    """
    sq, square_of = grid.square_lattice(cell_size)  # worked out per chunk
    # blocks are aligned to multiples of cell_size; a (clipped) block's centroid lies
    # inside its square, so flooring it gives the square's index
    bx = np.floor(blocks.x / cell_size).astype(np.int64) - sq.ix0
    by = np.floor(blocks.y / cell_size).astype(np.int64) - sq.iy0
    on = (bx >= 0) & (bx < sq.nx) & (by >= 0) & (by < sq.ny)
    lut = np.full(len(sq), -1, dtype=np.intp)
    lut[by[on] * sq.nx + bx[on]] = np.flatnonzero(on)
    out = {m: np.zeros(len(blocks)) for m in counts}
    step = 1 << 18  # cells at a time, so a fine grid needs little extra memory
    for a in range(0, len(grid), step):
        target = lut[square_of[a:a + step]]
        miss = np.flatnonzero(target < 0)
        if miss.size:  # a cell whose block kept no area inside the territory
            mx, my = grid.centroids(a + miss)
            target[miss] = blocks._tree.nearest(shapely.points(mx, my))
        for m, v in counts.items():
            out[m] += np.bincount(target, weights=v[a:a + step], minlength=len(blocks))
    return out
