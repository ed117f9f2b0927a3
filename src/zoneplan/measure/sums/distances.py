"""Straight-line distances from where people live to the nearest hospital open to them.

Distances are measured from distance blocks (squares of
:data:`~zoneplan.measure.sums.zone_sums.DISTANCE_BLOCK_M` on fine grids, else the cells) to
the nearest of some points (:func:`nearest_distances`), remembered per grid and set of
points and worked out only for the blocks asked for (:func:`nearest_distance`).
:func:`hospital_distances` gives every zone its blocks sorted by distance, all zones in
one pass: :mod:`zoneplan.measure.figures.indicators` takes weighted quantiles of them.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zoneplan.measure.grids.cells import unique_ints
from zoneplan.measure.grids.squares import Squares
from zoneplan.measure.sums.block_sums import BlockSums

__all__ = ["BRUTE_FORCE_PAIRS", "DISTANCE_MEMO_SETS", "HospitalDistance", "HospitalDistances",
           "hospital_distances", "nearest_distance", "nearest_distances"]


DISTANCE_MEMO_SETS = 16
"""Distance fields kept per grid (one per set of open hospitals), so a line dragged
without moving a hospital to another zone reuses them."""

BRUTE_FORCE_PAIRS = 1 << 26
"""Up to this many (place, point) pairs, nearest distances are computed directly (a few
dozen hospitals or crossings against every block); beyond, with a k-d tree."""

PAIRS_AT_ONCE = 1 << 17
"""Most (place, point) pairs measured at once by the direct route (bounded temporaries:
about 1 MB each; at 2**19 the four of them were 16 MB, a peak of a run on a fine
raster; each place's distance is the same whatever the batch)."""

_DISTANCE_MEMO: weakref.WeakKeyDictionary[
    Any, OrderedDict[tuple[Any, ...], NDArray[np.float64]]] = weakref.WeakKeyDictionary()
_MEMO_LOCK = threading.Lock()
"""Guards :data:`_DISTANCE_MEMO` (held for its bookkeeping only)."""
_FILL_LOCK = threading.Lock()
"""Held while a field that is not yet complete is filled in or read: a read never sees
a block half written, and a field is never made read-only under a request writing it."""


def nearest_distances(xy: NDArray[np.float64], points: NDArray[np.float64]
                      ) -> NDArray[np.float64]:
    """Distance (metres) from each of ``xy`` to the nearest of ``points``; each place's
    distance depends on that place alone.

    Parameters
    ----------
    xy, points
        Places and points, (n, 2) arrays of x, y in one projected CRS (metres).

    Returns
    -------
    numpy.ndarray
        One distance (metres) per place.
    """
    if len(xy) * len(points) > BRUTE_FORCE_PAIRS:
        from scipy.spatial import cKDTree  # many points: a tree (imported only then)

        return np.asarray(cKDTree(points).query(xy)[0], dtype=np.float64)
    out = np.empty(len(xy))
    step = max(1, PAIRS_AT_ONCE // max(len(points), 1))
    for a in range(0, len(xy), step):
        d2 = ((xy[a:a + step, None, 0] - points[None, :, 0]) ** 2
              + (xy[a:a + step, None, 1] - points[None, :, 1]) ** 2)
        out[a:a + step] = np.sqrt(d2.min(axis=1))
    return out


def nearest_distance(grid: Any, squares: Squares | None, points: NDArray[np.float64],
                     blocks: NDArray[np.integer] | None = None) -> NDArray[np.float64]:
    """Distance (metres) from blocks ``blocks`` of ``squares`` (or cells of ``grid``; all
    of them when ``None``) to the nearest of ``points`` (an (n, 2) array in the grid's
    CRS).

    The field is remembered per grid and set of points, and filled in only for the
    blocks asked for (a zone layout on a fine raster uses a fraction of the lattice);
    asked for all blocks, the remembered field itself is returned.

    Parameters
    ----------
    grid, squares
        The population grid, and its lattice of distance blocks (``None``: the cells are
        the blocks).
    points
        Points, an (n, 2) array in the grid's CRS (metres).
    blocks
        Block (or cell) indices, in any order, repeats allowed.

    Returns
    -------
    numpy.ndarray
        Distance (metres) of each of ``blocks`` (or of every block).
    """
    field = _field(grid, squares, points)
    if not field.flags.writeable:  # complete: read only, shared freely
        return field if blocks is None else field[blocks]
    with _FILL_LOCK:  # filled in by one request at a time
        if field.flags.writeable:
            want = np.arange(field.size) if blocks is None else blocks
            missing = want[np.isnan(field[want])]
            if missing.size:
                missing = unique_ints(missing)
                xy = (squares.centres(missing) if squares is not None
                      else np.column_stack([grid.x, grid.y])[missing])
                field[missing] = nearest_distances(xy, points)
            if blocks is None:
                field.flags.writeable = False
        return field if blocks is None else field[blocks]


def _field(grid: Any, squares: Squares | None, points: NDArray[np.float64]
           ) -> NDArray[np.float64]:
    """The remembered distance field of a grid's blocks (or cells) to ``points`` (NaN
    where not yet worked out), made when first asked for."""
    lattice = (squares.size, squares.ix0, squares.iy0, squares.nx, squares.ny) if squares \
        else (0.0,)
    key = (*lattice, points.tobytes())
    with _MEMO_LOCK:  # the editor's requests run on several threads
        memo = _DISTANCE_MEMO.setdefault(grid, OrderedDict())
        field = memo.get(key)
        if field is None:
            field = np.full(len(squares) if squares is not None else len(grid), np.nan)
            memo[key] = field
            if len(memo) > DISTANCE_MEMO_SETS:
                memo.popitem(last=False)
        else:
            memo.move_to_end(key)
    return field


PICK_SHARE = 0.125
"""Zones holding fewer than this share of a field's blocks are sorted on their own:
picking them out of the field's order passes over all its blocks."""

_ORDERS: dict[int, tuple[weakref.ref[NDArray[np.float64]], int, NDArray[np.intp]]] = {}
"""Per distance field (by id, checked by a weak reference): how many of its blocks were
worked out, and those blocks sorted by distance, ties in block order."""


def _by_distance(field: NDArray[np.float64]) -> NDArray[np.intp]:
    """The blocks of ``field`` worked out so far, sorted by distance (ties in block
    order, as a stable sort of ascending blocks leaves them), remembered per field until
    more of it is worked out: a dragged line asks for the same blocks again and again,
    and the few worked out since are merged into the order remembered (a stable sort of
    a sorted run and a short tail takes one pass)."""
    with contextlib.nullcontext() if not field.flags.writeable else _FILL_LOCK:
        n = field.size if not field.flags.writeable else int(
            np.count_nonzero(~np.isnan(field)))
        with _MEMO_LOCK:
            hit = _ORDERS.get(id(field))
        if hit is not None and hit[0]() is not field:
            hit = None
        if hit is not None and hit[1] == n:
            return hit[2]
        known = (np.arange(field.size, dtype=np.intp) if n == field.size else
                 np.flatnonzero(~np.isnan(field)).astype(np.intp))
        if hit is not None:  # the order so far, then the blocks worked out since
            was = np.zeros(field.size, dtype=bool)
            was[hit[2]] = True
            known = np.concatenate([hit[2], known[~was[known]]])
        vals = field[known]
    at = np.argsort(vals, kind="stable")
    order, dist = known[at], vals[at]
    tie = dist[1:] == dist[:-1]
    if tie.any():  # equal distances in block order
        in_tie = np.zeros(order.size, dtype=bool)
        in_tie[1:] |= tie
        in_tie[:-1] |= tie
        pos = np.flatnonzero(in_tie)
        order[pos] = order[pos[np.lexsort((order[pos], dist[pos]))]]
    with _MEMO_LOCK:
        for k in [k for k, (ref, _, _) in _ORDERS.items() if ref() is None]:
            del _ORDERS[k]  # fields let go
        _ORDERS[id(field)] = (weakref.ref(field), n, order)
    return order


def _sorted_by_distance(field: NDArray[np.float64], blocks: NDArray[np.intp]
                        ) -> NDArray[np.intp] | None:
    """Positions in ``blocks`` (ascending, distinct, all worked out in ``field``) sorted
    by distance, ties in block order: ``np.argsort(field[blocks], kind="stable")``,
    picked out of the field's remembered order (:func:`_by_distance`) without sorting;
    ``None`` if some block is not in that order, or if ``blocks`` are too few of them
    for picking to be quicker than sorting (:data:`PICK_SHARE`)."""
    order = _by_distance(field)
    if blocks.size < PICK_SHARE * order.size:
        return None
    mine = np.zeros(field.size, dtype=bool)
    mine[blocks] = True
    picked = order[mine[order]]
    if picked.size != blocks.size:  # pragma: no cover - a field let go and made again
        return None
    at = np.empty(field.size, dtype=np.intp)  # each block's position in ``blocks``
    at[blocks] = np.arange(blocks.size, dtype=np.intp)
    return at[picked]


@dataclass(eq=False)
class HospitalDistance:
    """Distances for one zone: its blocks sorted by distance.

    Attributes
    ----------
    blocks
        Indices of the blocks (cells on coarse grids) holding some of the zone, in
        ascending order of distance.
    dist_sorted
        Distance (metres) of each of those blocks to the nearest open hospital.
    """

    blocks: NDArray[np.intp]
    dist_sorted: NDArray[np.float64]


@dataclass(eq=False)
class HospitalDistances:
    """For every zone, the blocks holding some of it sorted by their distance to the
    nearest hospital open to its residents, all zones in flat arrays.

    Zone ``k``'s entries are ``start[k]:start[k + 1]``; a zone no hospital is open to,
    or without blocks, has none (and ``reach[k]`` is false).

    Attributes
    ----------
    start
        Offsets of each zone's entries, shape (zones + 1,).
    pair
        Position of each entry's (zone, block) pair in the layout's block sums
        (:class:`~zoneplan.measure.sums.block_sums.BlockSums`; the same for the area and
        every population spread).
    block
        Block of each entry.
    dist
        Distance (metres) of each entry's block to the nearest open hospital, ascending
        within each zone (ties in block order).
    reach
        Whether some hospital is open to each zone's residents and the zone has blocks.
    """

    start: NDArray[np.intp]
    pair: NDArray[np.intp]
    block: NDArray[np.intp]
    dist: NDArray[np.float64]
    reach: NDArray[np.bool_]

    @classmethod
    def empty(cls, n_zones: int) -> HospitalDistances:
        """No zone reaches a hospital (no hospital layer, or no blocks summed)."""
        e = np.empty(0, dtype=np.intp)
        return cls(start=np.zeros(n_zones + 1, dtype=np.intp), pair=e, block=e,
                   dist=np.empty(0), reach=np.zeros(n_zones, dtype=bool))

    def zone(self, k: int) -> HospitalDistance | None:
        """Zone ``k``'s blocks and distances (``None``: no hospital open to it)."""
        if not self.reach[k]:
            return None
        a, b = self.start[k], self.start[k + 1]
        return HospitalDistance(blocks=self.block[a:b], dist_sorted=self.dist[a:b])


def hospital_distances(grid: Any, squares: Squares | None, area: BlockSums,
                       h_xy: NDArray[np.float64], h_zone: Sequence[str | None],
                       zone_ids: Sequence[str], open_ids: set[str]) -> HospitalDistances:
    """Straight-line distances from each zone's blocks to the nearest open hospital.

    Residents may use hospitals in zones open to residents and in their own zone. A
    zone's blocks are those where its area sum is above zero, sorted by distance (ties
    in block order); all zones sharing a set of usable hospitals are measured on one
    remembered field (:func:`nearest_distance`).

    Parameters
    ----------
    grid, squares
        The population grid and its lattice of distance blocks (``None``: the cells).
    area
        The layout's area sums per zone and block (m²).
    h_xy
        Hospital locations, an (n, 2) array in the grid's CRS (metres).
    h_zone
        Zone id of each hospital (``None``: in no zone).
    zone_ids, open_ids
        The zones in layout order, and those open to residents.

    Returns
    -------
    HospitalDistances
        Every zone's blocks and their distances (metres), sorted.
    """
    nz = len(zone_ids)
    h_open = [j for j, hz in enumerate(h_zone) if hz in open_ids]
    own: dict[str, list[int]] = {}
    for j, hz in enumerate(h_zone):
        if hz is not None:
            own.setdefault(hz, []).append(j)
    sets: dict[tuple[int, ...], int] = {}  # each set of usable hospitals, numbered
    set_of = np.empty(nz, dtype=np.intp)
    for k, zid in enumerate(zone_ids):
        usable = tuple(h_open if zid in open_ids or zid not in own
                       else sorted({*h_open, *own[zid]}))
        set_of[k] = sets.setdefault(usable, len(sets))
    if nz <= FEW_ZONES:
        return _few(grid, squares, area, h_xy, list(sets), set_of)
    pos = np.flatnonzero(area.value > 0).astype(np.intp)
    zone = np.repeat(np.arange(nz, dtype=np.intp), np.diff(area.start))[pos]
    dist = np.empty(pos.size)
    reach = np.zeros(nz, dtype=bool)
    entry_set = set_of[zone]
    for usable, s in sets.items():
        if not usable:
            continue
        reach[set_of == s] = True
        sel = np.flatnonzero(entry_set == s)
        if sel.size:
            dist[sel] = nearest_distance(grid, squares, h_xy[list(usable)],
                                         area.block[pos[sel]])
    keep = reach[zone]
    pos, zone, dist = pos[keep], zone[keep], dist[keep]
    order = np.lexsort((dist, zone))  # by zone, then distance; stable: ties in block order
    pos, zone, dist = pos[order], zone[order], dist[order]
    count = np.bincount(zone, minlength=nz)
    start = np.concatenate([[0], np.cumsum(count)]).astype(np.intp)
    return HospitalDistances(start=start, pair=pos, block=area.block[pos].astype(np.intp),
                             dist=dist, reach=reach & (count > 0))


FEW_ZONES = 16
"""Up to this many zones, each zone's distances are taken on its own (fewer array
operations than sorting all zones' together; the same values, in the same order)."""


def _few(grid: Any, squares: Squares | None, area: BlockSums, h_xy: NDArray[np.float64],
         sets: list[tuple[int, ...]], set_of: NDArray[np.intp]) -> HospitalDistances:
    """:func:`hospital_distances` zone by zone (``sets``: the sets of usable hospitals,
    ``set_of``: each zone's)."""
    nz = set_of.size
    pairs: list[NDArray[np.intp]] = []
    dists: list[NDArray[np.float64]] = []
    reach = np.zeros(nz, dtype=bool)
    count = np.zeros(nz, dtype=np.intp)
    for k in range(nz):
        usable = sets[set_of[k]]
        a = int(area.start[k])
        pos = (a + np.flatnonzero(area.value[a:area.start[k + 1]] > 0)).astype(np.intp)
        if not usable or pos.size == 0:
            continue
        pts = h_xy[list(usable)]
        blocks = area.block[pos]
        dist = nearest_distance(grid, squares, pts, blocks)
        order = _sorted_by_distance(_field(grid, squares, pts), blocks)
        if order is None:  # few blocks (or a field made again): sorted here
            order = np.argsort(dist, kind="stable")
        pairs.append(pos[order])
        dists.append(dist[order])
        reach[k], count[k] = True, pos.size
    pair = np.concatenate(pairs) if pairs else np.empty(0, dtype=np.intp)
    return HospitalDistances(start=np.concatenate([[0], np.cumsum(count)]).astype(np.intp),
                             pair=pair, block=area.block[pair].astype(np.intp),
                             dist=np.concatenate(dists) if dists else np.empty(0),
                             reach=reach)
