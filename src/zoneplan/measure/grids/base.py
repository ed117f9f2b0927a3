"""What every grid is: the surface the per-zone measurement asks for, and where its cells
are kept.

Three kinds of grid implement :class:`Grid`: the built-in cell grid
(:class:`~zoneplan.measure.grids.cells.CellGrid`), a raster's pixels in this process
(:class:`~zoneplan.measure.grids.raster_grid.RasterGrid`) and a raster held in parts on a
cluster's workers (:class:`~zoneplan.measure.population.raster_shards.HeldGrid`). Code
that must tell them apart asks :attr:`Grid.held`, never ``getattr``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from pyproj import CRS

__all__ = ["Done", "Grid", "Held"]


class Held(Protocol):
    """Parts kept where they were made (e.g. in the memory of a cluster's workers)."""

    def __len__(self) -> int: ...

    def map(self, fn: Callable[..., Any], *args: Any) -> list[Any]:
        """``[fn(part, *args) for part in parts]``, each run where its part is; results
        in the parts' order."""
        ...

    def then(self, fn: Callable[..., Any], *args: Any, done: Done | None = None) -> Held:
        """New parts ``fn(part, *args)``, each made and kept where its part is, in place
        of these (which are let go); ``done`` is told the position of each part made."""
        ...


Done = Callable[[int], None]
"""Told the position of each part as it is made (for a progress display)."""


class Grid(Protocol):
    """What the per-zone measurement asks of a grid as a whole.

    Attributes
    ----------
    crs
        The projected CRS areas and distances are measured in (``None`` in tests on bare
        coordinates).
    cell_size
        Side of a cell, metres (a raster's: square root of its median pixel area).
    """

    crs: CRS | None
    cell_size: float

    @property
    def held(self) -> Held | None:
        """The parts the cells are kept in elsewhere (a cluster's workers), or ``None``
        when every cell is in this process."""
        ...

    def __len__(self) -> int: ...

    def total_area_m2(self) -> float:
        """Area of all cells, m²."""
        ...
