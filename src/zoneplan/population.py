"""Population layers: people on a grid of cells, with alternative spreads.

A :class:`PopulationLayer` is what every population source becomes — the built-in
pack's dasymetric grid (:mod:`zoneplan.pack`), the user's polygons or points
(:mod:`zoneplan.population_layers`) or a raster (:mod:`zoneplan.raster`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.grid import CellGrid

__all__ = ["PopulationLayer"]


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
    """

    grid: CellGrid
    counts: dict[str, NDArray[np.float64]]
    central: str
    label: str
    date: str
    sources: list[str]
    method: str
    source_details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def crs(self) -> CRS:
        """CRS of the grid."""
        assert self.grid.crs is not None
        return self.grid.crs

    def total(self, method: str | None = None) -> float:
        """Total people under a method (default: central)."""
        return float(self.counts[method or self.central].sum())

    def coarse(self, territory: BaseGeometry, cell_size: float) -> PopulationLayer:
        """The same people summed into square blocks of ``cell_size`` metres.

        Each cell's people go to the block holding its centroid; blocks are the cells of
        a :class:`CellGrid` over ``territory`` (in this layer's CRS), so every total is
        kept. Used for fast approximate figures while a line is dragged over a fine grid.
        """
        blocks = CellGrid.build(territory, cell_size=cell_size, crs=self.grid.crs)
        # blocks are aligned to multiples of cell_size; a (clipped) block's centroid lies
        # inside its square, so flooring it gives the square's index
        bx = np.floor(blocks.x / cell_size).astype(np.int64)
        by = np.floor(blocks.y / cell_size).astype(np.int64)
        cx = np.floor(self.grid.x / cell_size).astype(np.int64)
        cy = np.floor(self.grid.y / cell_size).astype(np.int64)
        x0, y0 = min(bx.min(), cx.min()), min(by.min(), cy.min())
        nx = int(max(bx.max(), cx.max()) - x0 + 1)
        lut = np.full(nx * int(max(by.max(), cy.max()) - y0 + 1), -1, dtype=np.int64)
        lut[(by - y0) * nx + (bx - x0)] = np.arange(len(blocks))
        target = lut[(cy - y0) * nx + (cx - x0)]
        miss = target < 0
        if miss.any():  # a cell whose block kept no area inside the territory
            target[miss] = blocks._tree.nearest(
                shapely.points(self.grid.x[miss], self.grid.y[miss]))
        counts = {m: np.bincount(target, weights=v, minlength=len(blocks)).astype(np.float64)
                  for m, v in self.counts.items()}
        return PopulationLayer(grid=blocks, counts=counts, central=self.central,
                               label=self.label, date=self.date, sources=self.sources,
                               method=f"{self.method} Summed into {cell_size:g} m blocks for "
                               "fast approximate figures.")
