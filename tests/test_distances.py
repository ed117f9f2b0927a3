"""Distances to the nearest hospital: zones' blocks sorted by distance, ties in block order,
picked out of a remembered order of the whole field (the editor asks again per update)."""

from __future__ import annotations

import numpy as np

from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.sums.block_sums import BlockSums
from zoneplan.measure.sums.distances import hospital_distances, nearest_distance


def _grid() -> CellGrid:
    """A 4 x 3 grid of 100 m cells, centroids at (50 + 100 i, 50 + 100 j)."""
    xs, ys = np.meshgrid(np.arange(4) * 100.0 + 50.0, np.arange(3) * 100.0 + 50.0)
    n = xs.size
    return CellGrid(cells=np.empty(n, dtype=object), area_m2=np.full(n, 1e4), x=xs.ravel(),
                    y=ys.ravel(), cell_size=100.0, crs=None)  # type: ignore[arg-type]


def _area(blocks_per_zone: list[list[int]], n_blocks: int) -> BlockSums:
    start = np.cumsum([0, *map(len, blocks_per_zone)]).astype(np.intp)
    block = np.array([b for bs in blocks_per_zone for b in bs], dtype=np.intp)
    return BlockSums(start=start, block=block, value=np.ones(block.size), n_blocks=n_blocks)


def test_blocks_sorted_by_distance_ties_in_block_order() -> None:
    grid = _grid()
    # one hospital at the centroid of cell 5 (x 150, y 150): cells 1, 4, 6, 9 are 100 m
    # away (a tie, kept in block order), 0, 2, 8, 10 are 141.42 m away
    h_xy = np.array([[150.0, 150.0]])
    area = _area([[0, 1, 2, 4, 5, 6], [8, 9, 10, 11]], 12)
    got = hospital_distances(grid, None, area, h_xy, ["a"], ["a", "b"], {"a", "b"})
    # zone a: 5 (0 m), then 1, 4, 6 (100 m, block order), then 0, 2 (141.42 m)
    a = got.zone(0)
    assert a is not None
    assert a.blocks.tolist() == [5, 1, 4, 6, 0, 2]
    np.testing.assert_allclose(a.dist_sorted, [0, 100, 100, 100, 2**0.5 * 100,
                                               2**0.5 * 100])
    b = got.zone(1)
    assert b is not None
    assert b.blocks.tolist() == [9, 8, 10, 11]  # 100, 141.42, 141.42, 223.61 m
    # each entry names its (zone, block) pair
    assert area.block[got.pair].tolist() == [5, 1, 4, 6, 0, 2, 9, 8, 10, 11]


def test_remembered_order_follows_a_field_worked_out_further() -> None:
    grid = _grid()
    h_xy = np.array([[390.0, 250.0]])  # near cell 11's corner
    first = hospital_distances(grid, None, _area([[0, 3]], 12), h_xy, ["z"], ["z"], {"z"})
    later = hospital_distances(grid, None, _area([[0, 1, 2, 3, 7, 11]], 12), h_xy, ["z"],
                               ["z"], {"z"})
    d = nearest_distance(grid, None, h_xy)  # every cell
    for got, blocks in ((first, [0, 3]), (later, [0, 1, 2, 3, 7, 11])):
        z = got.zone(0)
        assert z is not None
        want = np.array(blocks)[np.argsort(d[blocks], kind="stable")]
        assert z.blocks.tolist() == want.tolist()
        assert z.dist_sorted.tolist() == d[want].tolist()


def test_ties_worked_out_later_still_in_block_order() -> None:
    grid = _grid()
    h_xy = np.array([[150.0, 150.0]])  # cells 0, 2, 8, 10 all 141.42 m away
    first = hospital_distances(grid, None, _area([[8, 10]], 12), h_xy, ["z"], ["z"], {"z"})
    later = hospital_distances(grid, None, _area([[0, 2, 5, 8, 10]], 12), h_xy, ["z"], ["z"],
                               {"z"})
    a, b = first.zone(0), later.zone(0)
    assert a is not None and b is not None
    assert a.blocks.tolist() == [8, 10]
    assert b.blocks.tolist() == [5, 0, 2, 8, 10]  # the later ties before the earlier ones
    assert b.dist_sorted[0] == 0.0 and len(set(b.dist_sorted[1:].tolist())) == 1
