"""Population rasters held where they were read: parts of the cells on the workers of a
cluster, and only sums brought back.

With an existing cluster (``--scheduler tcp://HOST:PORT``) a population raster is read
in parts of consecutive strips (:data:`SHARD_PIXELS` pixels at most), each on a worker
that opens the file itself, and each part stays in that worker's memory as a
:class:`RasterShard`: the pixel indices, people and territory-edge shares of its cells.
This process keeps a :class:`HeldGrid` and :class:`HeldCounts` that know the totals but
no cell, so the raster may be larger than this machine's memory. Every layout is
measured part by part where the parts are (:mod:`zoneplan.measure.sums.held_sums`); the sums
per zone, line buffer and distance block come back and are added in the parts' order, so
the figures do not depend on the number of workers.

What needs people cell by cell in this process (maps of residents, figures by area with
``--by``) is refused with an :class:`~zoneplan.errors.InputError` that says so.

Where the parts are kept is the caller's business, through a :class:`Hold` (the Dask
backend keeps them as futures on the workers, :class:`KeptHere` in this process): this
module never imports Dask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InputError
from zoneplan.measure.grids.base import Done, Held
from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.grids.raster_grid import RasterGrid
from zoneplan.measure.population.layers import PopulationLayer, coarse_counts

__all__ = ["SHARD_PIXELS", "Done", "Held", "HeldCounts", "HeldGrid", "HeldPopulation", "Hold",
           "KeptHere", "RasterShard", "not_here", "shard_coarse", "shard_summary"]


SHARD_PIXELS = 1 << 26
"""Pixels of the raster window (67 million) read into one part at most: a part of cells
of a 1 m raster is then about 0.5 GB on its worker. Parts are whole strips, decided here
from the raster alone, so the same raster is always cut the same way, whatever the
number of workers."""


class Hold(Protocol):
    """Makes parts where they will be kept: ``hold(fn, jobs)`` keeps ``fn(job)`` for
    each job and returns the :class:`Held` parts, in the jobs' order; ``done`` is told
    the position of each part made."""

    def __call__(self, fn: Callable[[Any], Any], jobs: Sequence[Any],
                 done: Done | None = None) -> Held: ...


class KeptHere:
    """Parts made and kept in this process (the serial backend; tests)."""

    def __init__(self, fn: Callable[[Any], Any], jobs: Sequence[Any],
                 done: Done | None = None) -> None:
        self.parts = []
        for i, job in enumerate(jobs):
            self.parts.append(fn(job))
            if done is not None:
                done(i)

    def __len__(self) -> int:
        return len(self.parts)

    def map(self, fn: Callable[..., Any], *args: Any) -> list[Any]:
        """``fn(part, *args)`` for each part, in order."""
        return [fn(p, *args) for p in self.parts]

    def then(self, fn: Callable[..., Any], *args: Any, done: Done | None = None
             ) -> KeptHere:
        """New parts ``fn(part, *args)``, in place of these."""
        parts, self.parts = self.parts, []
        return KeptHere(lambda p: fn(p, *args), parts, done)


@dataclass(eq=False)
class RasterShard:
    """One part of a raster's cells, on the worker that read it.

    Attributes
    ----------
    grid
        The part's cells, on a window of the part's rows (the same pixels, areas and
        edge shares as in a grid of the whole raster).
    counts
        People per cell, by spread key (``"raster"``).
    rows
        The part's rows in the whole raster window, ``(first, end)``.
    plausible
        The read's counts of implausible values (negative values, densities).
    """

    grid: RasterGrid
    counts: dict[str, NDArray[np.float64]]
    rows: tuple[int, int]
    plausible: Any


def shard_summary(shard: RasterShard) -> tuple[int, float, dict[str, float], Any]:
    """Cells, area (m²), people per spread and plausibility counts of one part."""
    return (len(shard.grid), shard.grid.total_area_m2(),
            {k: float(np.sum(v, dtype=np.float64)) for k, v in shard.counts.items()},
            shard.plausible)


def shard_coarse(shard: RasterShard, blocks: CellGrid, cell_size: float
                 ) -> dict[str, NDArray[np.float64]]:
    """A part's people summed into ``blocks`` (see
    :func:`~zoneplan.measure.population.layers.coarse_counts`), people per block."""
    return coarse_counts(shard.grid, shard.counts, blocks, cell_size)


def not_here(what: str) -> NoReturn:
    """Refuse to give ``what`` (something per cell) of a held raster: an InputError."""
    raise InputError(
        f"{what} of a population raster held on the workers of a cluster are not "
        "available in this process: only sums per zone come back from the workers",
        suggestion="the per-zone figures, ranges and draws need nothing more; for maps of "
        "residents or figures by area (--by), run without --scheduler on a machine that "
        "can hold the raster")


class HeldGrid:
    """The cells of a raster held in parts on the workers: their totals, not the cells.

    Answers what the per-zone measurement asks of a grid as a whole (CRS, cell size,
    number of cells, total area); asking for anything cell by cell raises an
    :class:`~zoneplan.errors.InputError` naming what was asked.

    Attributes
    ----------
    held
        The parts (:class:`RasterShard`), where they are kept.
    crs, area_crs
        The projected CRS areas and distances are measured in.
    raster_crs
        The raster's own CRS.
    cell_size
        Square root of the median pixel area of the whole window, metres.
    """

    def __init__(self, *, held: Held, crs: CRS, raster_crs: CRS, cell_size: float,
                 cells: int, area_m2: float) -> None:
        self.held = held
        self.crs = self.area_crs = crs
        self.raster_crs = raster_crs
        self.cell_size = cell_size
        self._cells = cells
        self._area = area_m2

    def __len__(self) -> int:
        return self._cells

    def total_area_m2(self) -> float:
        """Area of all cells, m² (the parts' areas added)."""
        return self._area

    # everything cell by cell: not in this process
    @property
    def x(self) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell coordinates")

    @property
    def y(self) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell coordinates")

    @property
    def area_m2(self) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell areas")

    @property
    def cells(self) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell outlines")

    def area_values(self) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell areas")

    def centroids(self, idx: Any) -> NoReturn:
        """Not here (see the class)."""
        not_here("cell centroids")

    def coverage(self, polygon: Any) -> NoReturn:
        """Not here (see the class)."""
        not_here("the cells an area covers")

    def fractions(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not here (see the class)."""
        not_here("per-cell zone shares")

    def near_pieces(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Not here (see the class)."""
        not_here("per-cell shares near a line")

    def square_lattice(self, size: float) -> NoReturn:
        """Not here (see the class)."""
        not_here("per-cell blocks")

    def squares(self, size: float) -> NoReturn:
        """Not here (see the class)."""
        not_here("per-cell blocks")

    def subset(self, idx: Any) -> NoReturn:
        """Not here (see the class)."""
        not_here("cells")


class HeldCounts:
    """People per cell of one spread, held on the workers: the total, not the cells."""

    def __init__(self, total: float, cells: int) -> None:
        self.total = total
        self.size = cells
        self.dtype = np.dtype(np.float64)

    def __len__(self) -> int:
        return self.size

    def sum(self, *args: Any, **kwargs: Any) -> float:
        """Total people (the parts' sums added)."""
        return self.total

    def __getitem__(self, key: Any) -> NoReturn:
        not_here("people per cell")

    def __array__(self, *args: Any, **kwargs: Any) -> NoReturn:
        not_here("people per cell")


@dataclass(eq=False)
class HeldPopulation(PopulationLayer):
    """A :class:`~zoneplan.measure.population.layers.PopulationLayer` whose cells are held in
    parts on the workers (``grid`` is a :class:`HeldGrid`, each of ``counts`` a
    :class:`HeldCounts`)."""

    parts: int = field(default=0)

    def coarse(self, territory: BaseGeometry, cell_size: float) -> PopulationLayer:
        """The same people summed into square blocks of ``cell_size`` metres, each part
        summed where it is and the parts' blocks added here (in the parts' order)."""
        grid = self.grid
        assert isinstance(grid, HeldGrid)
        blocks = CellGrid.build(territory, cell_size=cell_size, crs=grid.crs)
        counts = {k: np.zeros(len(blocks)) for k in self.counts}
        for part in grid.held.map(shard_coarse, blocks, cell_size):
            for k, v in part.items():
                counts[k] += v
        return self.summed(blocks, counts, cell_size)
