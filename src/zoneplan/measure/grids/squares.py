"""Squares of a fixed side holding cells' centroids: blocks for distances and maps.

A fine grid (a 10 m raster) is summed into squares of 100 m or 250 m where a coarser
view is enough: hospital distances are measured from square centres, maps draw squares,
fast mode sums people into them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["DISTANCE_BLOCK_M", "Squares"]


DISTANCE_BLOCK_M = 100.0
"""On grids finer than this (metres), distances to hospitals are measured from the
centres of square blocks of this size (error at most half the block diagonal, about
71 m)."""


@dataclass(eq=False)
class Squares:
    """Squares of a fixed side, aligned to multiples of it, holding the cells' centroids.

    Square ``j`` has column ``j % nx`` and row ``j // nx``; its lower-left corner is at
    ``((col + ix0) * size, (row + iy0) * size)`` metres.

    Attributes
    ----------
    index
        Square of each cell (its centroid), ``0 <= index < nx * ny``.
    nx, ny
        Columns and rows of the lattice.
    ix0, iy0
        Lattice origin in units of ``size`` (integers).
    size
        Side of a square, metres.

    Examples
    --------
    >>> import numpy as np
    >>> sq = Squares.of(np.array([10.0, 260.0, 30.0]), np.array([5.0, 5.0, 300.0]), 250.0)
    >>> sq.index.tolist(), (sq.nx, sq.ny)
    ([0, 1, 2], (2, 2))
    >>> sq.centres(np.array([3])).tolist()
    [[375.0, 375.0]]
    """

    index: NDArray[np.integer]
    nx: int
    ny: int
    ix0: int
    iy0: int
    size: float

    @classmethod
    def of(cls, x: NDArray[np.float64], y: NDArray[np.float64], size: float) -> Squares:
        """The squares of side ``size`` (metres) holding points ``x``, ``y`` (metres)."""
        if x.size == 0:
            return cls(index=np.empty(0, dtype=np.intp), nx=0, ny=0, ix0=0, iy0=0, size=size)
        ix = np.floor(x / size).astype(np.intp)
        iy = np.floor(y / size).astype(np.intp)
        ix0, iy0 = int(ix.min()), int(iy.min())
        nx = int(ix.max()) - ix0 + 1
        ix -= ix0
        iy -= iy0
        iy *= nx
        iy += ix
        return cls(index=iy, nx=nx, ny=int(iy.max()) // nx + 1, ix0=ix0, iy0=iy0, size=size)

    def __len__(self) -> int:
        return self.nx * self.ny

    def sums(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sum of a per-cell value over each square, shape (squares,)."""
        return np.asarray(np.bincount(self.index, weights=values, minlength=len(self)),
                          dtype=np.float64)

    def centres(self, which: NDArray[np.integer]) -> NDArray[np.float64]:
        """Centres (metres) of squares ``which`` as an (n, 2) array."""
        col, row = which % self.nx, which // self.nx
        return np.column_stack([(col + self.ix0 + 0.5) * self.size,
                                (row + self.iy0 + 0.5) * self.size])
