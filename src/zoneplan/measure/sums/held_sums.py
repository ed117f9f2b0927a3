"""One layout's sums over a raster held in parts where it was read (see
:mod:`zoneplan.measure.population.raster_shards`).

Each part is measured where it is with the same routine a whole grid is
(:func:`~zoneplan.measure.sums.zone_sums.grid_sums`), and only what the indicators need comes
back: per zone, the sums of cell area and people, near each line, and per distance block,
and the people no zone takes. Sums are added in the parts' order; the (zone, block) pairs
of each part are put on the lattice of the whole raster (parts' lattices are aligned to
multiples of the block size, so a block is the same square in every part) and pairs that
occur in several parts are added. The figures equal those of the whole raster read in one
process, to rounding (the order of additions differs).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.geometry import project
from zoneplan.measure.grids.cells import Fractions
from zoneplan.measure.grids.squares import DISTANCE_BLOCK_M, Squares
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.measure.population.raster_shards import HeldGrid, RasterShard, not_here
from zoneplan.measure.sums.block_sums import BlockSums, from_keys
from zoneplan.measure.sums.zone_sums import LayoutGeometry, ZoneSums, grid_sums, people_outside

__all__ = ["held_layout_sums", "held_squares"]

PartSums = tuple[list[ZoneSums], Squares | None, dict[str, float]]
"""What one part sends back: the sums (area, then each spread), its lattice of distance
blocks (``None`` without blocks) and the people no zone takes, by spread."""


def _part_sums(shard: RasterShard, geo: LayoutGeometry, fast: bool,
               want_blocks: bool) -> PartSums | None:
    """One part's sums (run where the part is); ``None`` for a part without cells."""
    if len(shard.grid) == 0:
        return None
    fr, sums, sq = grid_sums(shard.grid, shard.counts, geo, fast=fast,
                             want_blocks=want_blocks)
    outside = {k: people_outside(fr, v) for k, v in shard.counts.items()}
    return sums, sq, outside


class _HeldFractions:
    """Stands for the per-cell zone shares, which stay with the parts."""

    def __init__(self, n_zones: int) -> None:
        self.n_zones = n_zones

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        not_here("per-cell zone shares")


def _lattice(squares: list[Squares], size: float = DISTANCE_BLOCK_M) -> Squares:
    """The lattice of the whole raster: the parts' lattices (of squares of ``size``
    metres) joined."""
    if not squares:
        return Squares(index=np.empty(0, dtype=np.intp), nx=0, ny=0, ix0=0, iy0=0,
                       size=size)
    ix0 = min(s.ix0 for s in squares)
    iy0 = min(s.iy0 for s in squares)
    nx = max(s.ix0 + s.nx for s in squares) - ix0
    ny = max(s.iy0 + s.ny for s in squares) - iy0
    return Squares(index=np.empty(0, dtype=np.intp), nx=nx, ny=ny, ix0=ix0, iy0=iy0,
                   size=squares[0].size)


def _merge_blocks(parts: list[tuple[list[BlockSums | None], Squares]], whole: Squares,
                  n_values: int, n_zones: int) -> list[BlockSums]:
    """Each value's (zone, block) sums of all parts, on the whole lattice."""
    n_blocks = len(whole)
    keys: list[NDArray[np.int64]] = []
    vals: list[list[NDArray[np.float64]]] = [[] for _ in range(n_values)]
    for blocks, sq in parts:
        first = blocks[0]
        if first is None or first.block.size == 0:
            continue
        zone = np.repeat(np.arange(n_zones, dtype=np.int64), np.diff(first.start))
        col = first.block % sq.nx + (sq.ix0 - whole.ix0)
        row = first.block // sq.nx + (sq.iy0 - whole.iy0)
        keys.append(zone * n_blocks + row.astype(np.int64) * whole.nx + col)
        for i, b in enumerate(blocks):
            assert b is not None
            vals[i].append(b.value)
    if not keys:
        return from_keys(np.empty(0, dtype=np.int64),
                         [np.empty(0) for _ in range(n_values)], n_zones, n_blocks)
    key, inv = np.unique(np.concatenate(keys), return_inverse=True)
    sums = [np.asarray(np.bincount(inv.ravel(), weights=np.concatenate(v), minlength=key.size),
                       dtype=np.float64) for v in vals]
    return from_keys(key, sums, n_zones, n_blocks)


def held_layout_sums(pop: PopulationLayer, geo: LayoutGeometry, *, fast: bool,
                     want_blocks: bool
                     ) -> tuple[Fractions, ZoneSums, dict[str, ZoneSums], Squares | None,
                                dict[str, float]]:
    """A layout's sums over a held raster, each part measured where it is.

    Parameters
    ----------
    pop
        A population layer on a :class:`~zoneplan.measure.population.raster_shards.HeldGrid`.
    geo
        The layout in the grid's CRS.
    fast, want_blocks
        As for :func:`~zoneplan.measure.sums.zone_sums.grid_sums`.

    Returns
    -------
    fractions, area, people, squares, outside
        A stand-in for the per-cell shares (asking it for cells raises an
        :class:`~zoneplan.errors.InputError`), the area sums (m²), the people sums by
        spread, the whole raster's lattice of distance blocks (``None`` without blocks)
        and the people no zone takes, by spread.
    """
    grid = pop.grid
    assert isinstance(grid, HeldGrid)
    parts: list[PartSums] = [p for p in grid.held.map(_part_sums, geo, fast, want_blocks)
                             if p is not None]
    keys = list(pop.counts)
    n_values, n_zones = 1 + len(keys), len(geo.zones)
    sums = [ZoneSums(total=np.zeros(n_zones), near_any={}, near_line={}, blocks=None)
            for _ in range(n_values)]
    outside = dict.fromkeys(keys, 0.0)
    for part, _, out in parts:  # added in the parts' order, whatever the workers
        for acc, s in zip(sums, part, strict=True):
            acc.total += s.total
            for d, v in s.near_any.items():
                acc.near_any[d] = acc.near_any.get(d, 0.0) + v
            for lid, by_d in s.near_line.items():
                mine = acc.near_line.setdefault(lid, {})
                for d, v in by_d.items():
                    mine[d] = mine.get(d, 0.0) + v
        for k, v in out.items():
            outside[k] += v
    sq: Squares | None = None
    if want_blocks:
        lattices = [p[1] for p in parts if p[1] is not None and len(p[1])]
        sq = _lattice(lattices)
        merged = _merge_blocks([([s.blocks for s in p[0]], p[1]) for p in parts
                                if p[1] is not None and len(p[1])], sq, n_values, n_zones)
        for acc, b in zip(sums, merged, strict=True):
            acc.blocks = b
    return (cast("Fractions", _HeldFractions(n_zones)), sums[0],
            dict(zip(keys, sums[1:], strict=True)), sq, outside)


def _part_squares(shard: RasterShard, cell_map: Any, side: float
                  ) -> tuple[Squares, NDArray[np.float64], NDArray[np.float64]] | None:
    """One part's residents and land area in squares of ``side`` metres (run where the
    part is): the cell map of the part's cells, without the compound sites."""
    if len(shard.grid) == 0:
        return None
    geo = cell_map.geo
    fr = shard.grid.fractions(geo.zones, geo.cuts, tiles=geo.tiles)
    mine = replace(cell_map, grid=shard.grid, fractions=fr,
                   counts=shard.counts[cell_map.spread], sites=[], geo=None)
    return cast("tuple[Squares, NDArray[np.float64], NDArray[np.float64]]", mine.squares(side))


def held_squares(cell_map: Any, side: float
                 ) -> tuple[Squares, NDArray[np.float64], NDArray[np.float64]]:
    """Residents under the plan (people) and land area (m²) in squares of ``side``
    metres over a held raster (see :meth:`~zoneplan.measure.figures.indicators.CellMap.squares`).

    Each part sums its cells into the squares where it is; the squares are added here on
    the lattice of the whole raster. Compound residents go to the square holding their
    site (in one process, to the square of the cell nearest the site: the same square
    unless the site lies within half a cell of a square's edge).
    """
    grid = cell_map.grid
    assert isinstance(grid, HeldGrid) and cell_map.geo is not None
    parts = [p for p in grid.held.map(_part_squares, replace(cell_map, grid=None),
                                      side) if p is not None]
    whole = _lattice([sq for sq, _, _ in parts if len(sq)], side)
    people, area = np.zeros(len(whole)), np.zeros(len(whole))
    for sq, p, a in parts:
        if not len(sq):
            continue
        j = np.arange(len(sq))
        at = ((j // sq.nx + sq.iy0 - whole.iy0) * whole.nx + j % sq.nx + sq.ix0 - whole.ix0)
        people[at] += p
        area[at] += a
    for x, y, n in cell_map.sites:
        pt = shapely.Point(x, y)
        if cell_map.sites_crs is not None:
            pt = project(pt, grid.crs, src=cell_map.sites_crs)
        col = int(np.floor(pt.x / side)) - whole.ix0
        row = int(np.floor(pt.y / side)) - whole.iy0
        if 0 <= col < whole.nx and 0 <= row < whole.ny:
            people[row * whole.nx + col] += n
    return whole, people, area
