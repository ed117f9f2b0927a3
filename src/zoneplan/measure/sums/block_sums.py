"""Sums per zone and distance block, kept only for the (zone, block) pairs that occur.

Distances to hospitals and crossings are measured from blocks (see
:data:`zoneplan.measure.sums.zone_sums.DISTANCE_BLOCK_M`); every distance indicator needs,
per zone, the people and the area in each block. A dense (zones x blocks) array grows
with zones x blocks (3,882 zones x 22,477 blocks is 700 MB per value) although each
block holds one zone or a few. :class:`BlockSums` keeps the pairs that occur, zone by
zone; :func:`block_sums` builds them for several per-cell values in one pass over the
cells, in chunks, so memory grows with the cells and the pairs, not with
zones x blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from zoneplan.measure.grids.cells import CellIndex, CellValues, Fractions

__all__ = ["CHUNK", "DENSE_LIMIT", "FACTOR_CHUNK", "BlockSums", "block_sums", "cut_weights",
           "dense_block_sums", "first_seen_codes", "from_keys"]

DENSE_LIMIT = 1 << 22
"""Up to this many (zone, block) slots, sums are accumulated in a dense array (faster
for few zones on very fine grids); beyond it, only the pairs that occur are kept."""

DENSE_ROW_SHARE = 16
""":meth:`BlockSums.take` looks blocks up in a dense row of a zone's sums when it is
asked for at least one block in this many of the lattice (a row costs a pass over the
lattice; a binary search per block, for a small zone among thousands, is cheaper)."""

CHUNK = 1 << 18
"""Cells summed at a time, so sums over very large grids need little extra memory."""


@dataclass(eq=False)
class BlockSums:
    """A per-cell value summed per zone and distance block, for the pairs that occur.

    Zone ``k``'s blocks are ``block[start[k]:start[k + 1]]`` (ascending) and their sums
    ``value[start[k]:start[k + 1]]``. Every :class:`BlockSums` built in one call of
    :func:`block_sums` shares ``start`` and ``block``.

    Attributes
    ----------
    start
        Offsets of each zone's pairs, shape (zones + 1,).
    block
        Block index of each pair.
    value
        Sum of the value over the pair's cells, each weighted by its share in the zone
        (people, or m² for areas).
    n_blocks
        Number of blocks in the lattice.
    """

    start: NDArray[np.intp]
    block: NDArray[np.intp]
    value: NDArray[np.float64]
    n_blocks: int

    @property
    def n_zones(self) -> int:
        """Number of zones."""
        return int(self.start.size - 1)

    def positive(self, k: int) -> NDArray[np.intp]:
        """Blocks (ascending) where zone ``k``'s sum is above zero."""
        a, b = self.start[k], self.start[k + 1]
        return self.block[a:b][self.value[a:b] > 0]

    def take(self, k: int, blocks: NDArray[np.integer]) -> NDArray[np.float64]:
        """Zone ``k``'s sums in ``blocks`` (0 where the zone has no cell).

        When many blocks are asked for (:data:`DENSE_ROW_SHARE`), they are looked up in
        a dense row of the zone's sums (:meth:`__getitem__`; a binary search per block,
        in any order, e.g. by distance, is slower then), else by binary search: the same
        values either way."""
        a, b = self.start[k], self.start[k + 1]
        if self.n_blocks <= DENSE_ROW_SHARE * len(blocks):
            return self[k][blocks]
        mine = self.block[a:b]
        pos = np.minimum(np.searchsorted(mine, blocks), max(mine.size - 1, 0))
        hit = (mine[pos] == blocks) if mine.size else np.zeros(len(blocks), dtype=bool)
        return np.where(hit, self.value[a:b][pos] if mine.size else 0.0, 0.0)

    def __getitem__(self, key: int | tuple[int, NDArray[np.integer]]
                    ) -> NDArray[np.float64]:
        """``sums[k]``: zone ``k``'s sums as a dense array over all blocks;
        ``sums[k, blocks]``: as :meth:`take`."""
        if isinstance(key, tuple):
            return self.take(key[0], key[1])
        a, b = self.start[key], self.start[key + 1]
        out = np.zeros(self.n_blocks)
        out[self.block[a:b]] = self.value[a:b]
        return out

    def with_values(self, value: NDArray[np.float64]) -> BlockSums:
        """The same pairs with other sums (e.g. a weighted mixture of spreads)."""
        return replace(self, value=np.asarray(value, dtype=np.float64))


def _pairs(fr: Fractions, block: CellIndex, n_blocks: int, a: int, b: int
           ) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """Keys (zone * n_blocks + block) of the whole cells a..b that lie in a zone, and
    the positions of those cells."""
    z = fr.zone_of[a:b]
    live = np.flatnonzero(z >= 0)
    return (z[live].astype(np.int64) * n_blocks + block[a:b][live].astype(np.int64),
            live + a)


def block_sums(fr: Fractions, values: list[CellValues], block: CellIndex,
               n_blocks: int) -> list[BlockSums]:
    """Sums of each of ``values`` x share in the zone, per zone and block.

    Parameters
    ----------
    fr
        The cells' shares in the zones.
    values
        Per-cell values (m² or people), each summed on its own.
    block
        Block index of each cell (an array, or worked out for the cells asked for).
    n_blocks
        Number of blocks.
    """
    nz = fr.n_zones
    n_cut = fr.cut_cell.size
    cut_keys = np.empty(n_cut, dtype=np.int64)
    for a in range(0, n_cut, CHUNK):  # chunks bound the temporaries of the blocks' lookup
        cut_keys[a:a + CHUNK] = (fr.cut_zone[a:a + CHUNK].astype(np.int64) * n_blocks
                                 + block[fr.cut_cell[a:a + CHUNK]].astype(np.int64))
    if nz * n_blocks <= DENSE_LIMIT:
        dense = [np.zeros(nz * n_blocks) for _ in values]
        for a in range(0, len(fr.zone_of), CHUNK):
            keys, cells = _pairs(fr, block, n_blocks, a, a + CHUNK)
            for out, v in zip(dense, values, strict=True):
                out += np.bincount(keys, weights=v[cells], minlength=out.size)
        for out, v in zip(dense, values, strict=True):
            out += np.bincount(cut_keys, weights=cut_weights(fr, v), minlength=out.size)
        return dense_block_sums([d.reshape(nz, n_blocks) for d in dense])
    parts_k: list[NDArray[np.int64]] = []
    parts_v: list[list[NDArray[np.float64]]] = [[] for _ in values]
    for a in range(0, len(fr.zone_of), CHUNK):
        keys, cells = _pairs(fr, block, n_blocks, a, a + CHUNK)
        codes, uniq = first_seen_codes(keys)
        parts_k.append(np.asarray(uniq, dtype=np.int64))
        for acc, v in zip(parts_v, values, strict=True):
            acc.append(np.asarray(np.bincount(codes, weights=v[cells], minlength=len(uniq)),
                                  dtype=np.float64))
        del keys, cells, codes, uniq  # before the next chunk's are made: no fragments
    # every pair that occurs, sorted; then the entries added to their pair's sum one by
    # one, the chunks' then the cut entries', in chunks: the same sums as one bincount
    # over all entries in that order, without an index per entry at once
    key = np.unique(np.concatenate(
        [*parts_k, *(np.unique(cut_keys[a:a + CHUNK]) for a in range(0, n_cut, CHUNK))]))
    sums = [np.zeros(key.size) for _ in values]
    for i, k in enumerate(parts_k):
        pos = np.searchsorted(key, k)
        for out, acc in zip(sums, parts_v, strict=True):
            np.add.at(out, pos, acc[i])
    for a in range(0, n_cut, CHUNK):
        pos = np.searchsorted(key, cut_keys[a:a + CHUNK])
        cells, share = fr.cut_cell[a:a + CHUNK], fr.cut_frac[a:a + CHUNK]
        for out, v in zip(sums, values, strict=True):
            np.add.at(out, pos, v[cells] * share)
    return from_keys(key, sums, nz, n_blocks)


FACTOR_CHUNK = 1 << 16
"""Keys hashed at a time by :func:`first_seen_codes` (a hash table of 2**18 keys held
14 MB, a peak of a run on a fine raster)."""


def first_seen_codes(keys: NDArray[np.int64]) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    """The distinct keys in the order they first occur, and each entry's place among
    them: ``pandas.factorize(keys, sort=False)``, hashed :data:`FACTOR_CHUNK` keys at a
    time (groups in linear time, without a dense array, in a fraction of the memory).

    >>> import numpy as np
    >>> codes, uniq = first_seen_codes(np.array([7, 3, 7, 5]))
    >>> codes.tolist(), uniq.tolist()
    ([0, 1, 0, 2], [7, 3, 5])
    """
    import pandas as pd

    if keys.size <= FACTOR_CHUNK:
        codes, uniq = pd.factorize(keys, sort=False)
        return np.asarray(codes, dtype=np.intp), np.asarray(uniq, dtype=np.int64)
    parts = [pd.factorize(keys[a:a + FACTOR_CHUNK], sort=False)
             for a in range(0, keys.size, FACTOR_CHUNK)]
    # the parts' distinct keys in order: the whole's first occurrences, in order
    merged, uniq = pd.factorize(np.concatenate([u for _, u in parts]), sort=False)
    codes = np.empty(keys.size, dtype=np.intp)
    at = 0
    for i, (part_codes, part_uniq) in enumerate(parts):
        codes[i * FACTOR_CHUNK:i * FACTOR_CHUNK + part_codes.size] = \
            merged[at:at + part_uniq.size][part_codes]
        at += part_uniq.size
    return codes, np.asarray(uniq, dtype=np.int64)


def cut_weights(fr: Fractions, values: CellValues) -> NDArray[np.float64]:
    """Each cut entry's value: its cell's value times the entry's share, worked out in
    chunks (a cell value array may be computed for the cells asked for)."""
    n = fr.cut_cell.size
    out = np.empty(n)
    for a in range(0, n, CHUNK):
        out[a:a + CHUNK] = values[fr.cut_cell[a:a + CHUNK]] * fr.cut_frac[a:a + CHUNK]
    return out


def dense_block_sums(dense: list[NDArray[np.float64]]) -> list[BlockSums]:
    """:class:`BlockSums` of dense sums, each of shape (zones, blocks), keeping the pairs
    where the first (the cells' area, m²) is above zero, as :func:`block_sums` does.

    Parameters
    ----------
    dense
        Sums per zone and block (m² first, then people), all of one shape.
    """
    if not dense:
        return []
    nz, n_blocks = dense[0].shape
    occur = np.flatnonzero(dense[0].ravel() > 0)
    return from_keys(occur.astype(np.int64), [d.ravel()[occur] for d in dense], nz, n_blocks)


def from_keys(key: NDArray[np.int64], sums: list[NDArray[np.float64]], nz: int,
           n_blocks: int) -> list[BlockSums]:
    """:class:`BlockSums` from sorted, unique keys (zone * n_blocks + block) and the
    sums of each value for each key (m² or people)."""
    zone = key // n_blocks
    start = np.searchsorted(zone, np.arange(nz + 1)).astype(np.intp)
    blk = (key - zone * n_blocks).astype(np.intp)
    return [BlockSums(start=start, block=blk, value=np.asarray(s, dtype=np.float64),
                      n_blocks=n_blocks) for s in sums]
