"""A cell grid prepared for draws (measure/grids/band.py): every answer is the wrapped
grid's for lines moved within their stated uncertainty, bit for bit but for the crossed
square cells' shares, measured by numpy, not GEOS (to rounding)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Polygon, box
from shapely.ops import split

from zoneplan.measure.grids.band import BandGrid
from zoneplan.measure.grids.cells import CellGrid, Fractions
from zoneplan.measure.grids.segments import distance_to_segments, pair_distance

NEAR = (500.0, 1000.0)
TERRITORY = box(0, 0, 12_000, 5_000)


def _wiggly(rng: np.random.Generator, u: float) -> LineString:
    """A north-south line near x = 6 km, each vertex moved sideways by at most ``u``."""
    ys = np.linspace(-500, 5_500, 25)
    xs = 6_000 + 300 * np.sin(ys / 900) + rng.uniform(-u, u, ys.size)
    return LineString(np.column_stack([xs, ys]))


def _zones(line: LineString) -> list:
    west, east = sorted(split(TERRITORY, line).geoms, key=lambda g: g.centroid.x)
    return [west, east]


def _same(a: Fractions, b: Fractions) -> bool:
    """The same cells in the same zones, bit for bit; the crossed cells' shares (numpy
    on the prepared grid, GEOS on the grid itself) to 1e-9 of a cell."""
    return all(np.array_equal(getattr(a, k), getattr(b, k))
               for k in ("zone_of", "cut_cell", "cut_zone")) and \
        np.allclose(a.cut_frac, b.cut_frac, rtol=0.0, atol=1e-9)


@pytest.fixture(scope="module")
def grid() -> CellGrid:
    return CellGrid.build(TERRITORY, cell_size=250.0, crs=None)


def _band(grid: CellGrid, u: float) -> BandGrid:
    ref_line = _wiggly(np.random.default_rng(0), 0.0)
    ref = grid.fractions(_zones(ref_line), [ref_line], tiles=True)
    return BandGrid.of(grid, ref, [ref_line], [u], near_m=NEAR)


def test_shares_and_near_shares_are_the_grids(grid: CellGrid) -> None:
    band = _band(grid, 200.0)
    assert 0 < band.band.size < len(grid) / 2  # only a band is tested again
    rng = np.random.default_rng(7)
    for _ in range(15):
        line = _wiggly(rng, 200.0)
        zones = _zones(line)
        assert _same(band.fractions(zones, [line], tiles=True),
                     grid.fractions(zones, [line], tiles=True))
        got = band.near_fractions([line], NEAR)
        for d in NEAR:
            want = grid.near_fractions([line], (d,))[d]
            assert np.array_equal(got[d][0], want[0])
            assert np.array_equal(got[d][1], want[1])
            piece = next(iter(band.near_pieces([line], d)))
            assert np.array_equal(piece[1], want[1])


def test_a_band_narrower_than_the_move_misses_cells(grid: CellGrid) -> None:
    """The check above can fail: lines moved 1.5 km beyond a band stated for 1 m."""
    band = _band(grid, 1.0)
    line = LineString([(c[0] + 1_500.0, c[1]) for c in
                       _wiggly(np.random.default_rng(0), 0.0).coords])
    zones = _zones(line)
    assert not _same(band.fractions(zones, [line], tiles=True),
                     grid.fractions(zones, [line], tiles=True))


def test_other_layouts_are_measured_by_the_grid_itself(grid: CellGrid) -> None:
    band = _band(grid, 200.0)
    thirds = [box(0, 0, 4_000, 5_000), box(4_000, 0, 8_000, 5_000),
              box(8_000, 0, 12_000, 5_000)]
    cuts = [z.boundary for z in thirds]
    assert _same(band.fractions(thirds, cuts), grid.fractions(thirds, cuts))
    assert len(band) == len(grid) and band.cell_size == 250.0


def test_pair_distance_by_hand() -> None:
    segs = np.array([[-1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    d = pair_distance(np.array([0.0, 4.0, 3.0]), np.array([1.0, 0.0, 4.0]), segs,
                      np.array([0, 0, 1]))
    assert d.tolist() == [1.0, 3.0, 5.0]
    # the nearest of both segments, as distance_to_segments gives it
    assert distance_to_segments(np.array([3.0]), np.array([4.0]), segs).tolist() == [
        float(np.hypot(2.0, 4.0))]


def test_clipped_cells_are_shared_through_their_squares() -> None:
    """A territory with a slanted coast: the cells it clips that a line crosses are
    shared by clipping the zone to the cell's whole square (zones lie in the territory,
    so the square's part of a zone is the cell's), as GEOS shares the cell itself; a
    grid not told the territory leaves them to GEOS."""
    coast = Polygon([(0, 0), (12_000, 0), (12_000, 5_000), (0, 3_700)])
    g = CellGrid.build(coast, cell_size=250.0, crs=None)
    ref_line = _wiggly(np.random.default_rng(0), 0.0)

    def zones(line: LineString) -> list:
        return sorted(split(coast, line).geoms, key=lambda z: z.centroid.x)

    ref = g.fractions(zones(ref_line), [ref_line], tiles=True)
    band = BandGrid.of(g, ref, [ref_line], [200.0], near_m=NEAR, territory=coast)
    clipped = np.flatnonzero(~band.box & ~np.isnan(band.square[:, 0]))
    assert clipped.size > 0 and np.isnan(band.square[~band.box & ~np.isin(
        np.arange(len(g)), band.band), 0]).all()
    rng = np.random.default_rng(3)
    shared = 0
    for _ in range(8):
        line = _wiggly(rng, 200.0)
        zs = zones(line)
        got = band.fractions(zs, [line], tiles=True)
        assert _same(got, g.fractions(zs, [line], tiles=True))
        shared += int(np.isin(got.cut_cell, clipped).sum())
    assert shared > 0  # clipped cells were cut, and shared through their squares
    blind = BandGrid.of(g, ref, [ref_line], [200.0], near_m=NEAR)
    assert np.array_equal(~np.isnan(blind.square[:, 0]), blind.box)
