"""Reading a raster strip by strip gives the same cells, people and shares as reading it
whole; the arrays a RasterGrid derives on demand agree with one another."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin
from shapely.geometry import LineString, Polygon
from shapely.ops import split

from zoneplan.geometry import project
from zoneplan.measure.grids import pixels
from zoneplan.measure.grids.pixels import strips
from zoneplan.measure.grids.raster_grid import RasterGrid
from zoneplan.measure.grids.squares import Squares
from zoneplan.measure.population.raster_population import raster_population

from .conftest import square_ring

UTM = CRS.from_epsg(32636)


def _lonlat_raster(path: Path) -> Path:
    """A tiled lon/lat raster (16 x 16 blocks) with varied values and a nodata hole."""
    lons, lats = zip(*square_ring(), strict=True)
    res = 0.0004
    w = int(np.ceil((max(lons) - min(lons)) / res)) + 4
    h = int(np.ceil((max(lats) - min(lats)) / res)) + 4
    data = np.random.default_rng(7).gamma(0.8, 3.0, size=(h, w)).astype("float32")
    data[h // 3:h // 3 + 5, w // 2:w // 2 + 7] = -99999.0
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:4326", nodata=-99999.0, tiled=True, blockxsize=16,
                       blockysize=16,
                       transform=from_origin(min(lons) - 2 * res, max(lats) + 2 * res, res,
                                             res)) as dst:
        dst.write(data, 1)
    return path


def _territory() -> Polygon:
    """The test square, projected, with a corner cut off diagonally (edge pixels)."""
    sq = project(Polygon(square_ring()), UTM)
    x0, _, _, y1 = sq.bounds
    return sq.difference(Polygon([(x0, y1 - 700), (x0 + 900, y1), (x0, y1)]))


@pytest.mark.parametrize("strip_pixels", [1 << 24, 2000, 40])
def test_strips_match_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 strip_pixels: int) -> None:
    tif = _lonlat_raster(tmp_path / "ll.tif")
    terr = _territory()
    whole = raster_population(tif, terr, UTM, units="count", sources=[])
    monkeypatch.setattr(pixels, "STRIP_PIXELS", strip_pixels)
    part = raster_population(tif, terr, UTM, units="count", sources=[])
    g0, g1 = whole.grid, part.grid
    assert isinstance(g0, RasterGrid) and isinstance(g1, RasterGrid)
    np.testing.assert_array_equal(g0.lin, g1.lin)
    np.testing.assert_array_equal(g0.edge, g1.edge)
    np.testing.assert_allclose(whole.counts["raster"], part.counts["raster"], rtol=1e-12)
    np.testing.assert_allclose(g0.area_m2, g1.area_m2, rtol=1e-12)
    # zone shares along a line, and near-line shares, strip by strip
    x0, y0, x1, y1 = terr.bounds
    line = LineString([((x0 + x1) / 2 - 300, y0 - 10), ((x0 + x1) / 2 + 250, y1 + 10)])
    west, east = shapely.get_parts(split(terr, line))[:2]
    f0 = g0.fractions([west, east], [line])
    f1 = g1.fractions([west, east], [line])
    np.testing.assert_array_equal(f0.zone_of, f1.zone_of)
    np.testing.assert_allclose(f0.cut_frac, f1.cut_frac, rtol=1e-12)
    n0 = g0.near_fractions([line], (300.0,))[300.0]
    n1 = g1.near_fractions([line], (300.0,))[300.0]
    np.testing.assert_array_equal(n0[0], n1[0])
    np.testing.assert_allclose(n0[1], n1[1], rtol=1e-12)
    # every person is in one zone: shares of cut cells add up to 1, up to the slivers
    # left where zones cut in metres are reprojected to the raster's lon/lat
    for fr in (f0, f1):
        people = whole.counts["raster"]
        inside = people[fr.zone_of >= 0].sum() + (people[fr.cut_cell] * fr.cut_frac).sum()
        assert inside == pytest.approx(people.sum(), rel=1e-5)


def test_derived_arrays_agree(tmp_path: Path) -> None:
    """Areas by slice or index, and squares worked out in chunks, match the full arrays."""
    layer = raster_population(_lonlat_raster(tmp_path / "ll.tif"), _territory(), UTM,
                              units="count", sources=[])
    grid = layer.grid
    assert isinstance(grid, RasterGrid) and grid.edge.size > 0
    area = grid.area_m2
    lookup = grid.area_values()
    n = len(grid)
    np.testing.assert_allclose(lookup[0:n], area, rtol=1e-12)
    np.testing.assert_allclose(lookup[5:n // 2], area[5:n // 2], rtol=1e-12)
    pick = np.sort(np.concatenate([grid.edge[::3], np.arange(0, n, 7)]))
    np.testing.assert_allclose(lookup[pick], area[pick], rtol=1e-12)
    # edge cells are smaller than whole pixels; the areas add up to the territory's
    # (pixel areas are measured per row, on the middle column: within 0.01%)
    assert area[grid.edge].max() < np.median(area)
    assert area.sum() == pytest.approx(_territory().area, rel=1e-4)
    sq = grid.squares(100.0)
    ref = Squares.of(grid.x, grid.y, 100.0)
    assert (sq.nx, sq.ny, sq.ix0, sq.iy0) == (ref.nx, ref.ny, ref.ix0, ref.iy0)
    np.testing.assert_array_equal(sq.index, ref.index)


@pytest.mark.parametrize(("height", "width", "align", "offset"),
                         [(4184, 3287, 512, 0), (1000, 3287, 512, 100), (5, 10, 1, 0),
                          (300, 3287, 512, 600), (97, 50, 16, 7)])
def test_strips_cover_rows_on_block_edges(monkeypatch: pytest.MonkeyPatch, height: int,
                                          width: int, align: int, offset: int) -> None:
    monkeypatch.setattr(pixels, "STRIP_PIXELS", 2000)
    bands = strips(height, width, align=align, offset=offset)
    assert bands[0][0] == 0 and bands[-1][1] == height
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bands))
    assert all((end + offset) % align == 0 for _, end in bands[:-1])


def test_tiled_zones_skip_the_last_zone(tmp_path: Path) -> None:
    """Zones that tile the territory: the last zone as the complement gives the same
    shares as measuring it."""
    terr = _territory()
    x0, y0, x1, y1 = terr.bounds
    cell = 37.0
    w, h = int((x1 - x0) / cell) + 3, int((y1 - y0) / cell) + 3
    path = tmp_path / "utm.tif"
    data = np.random.default_rng(3).gamma(0.8, 3.0, size=(h, w)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1,
                       dtype="float32", crs="EPSG:32636", nodata=-99999.0,
                       transform=from_origin(x0 - cell, y1 + cell, cell, cell)) as dst:
        dst.write(data, 1)
    layer = raster_population(path, terr, UTM, units="count", sources=[])
    line = LineString([((x0 + x1) / 2 - 300, y0 - 10), ((x0 + x1) / 2 + 250, y1 + 10)])
    zones = list(shapely.get_parts(split(terr, line)))
    assert len(zones) == 2
    people = layer.counts["raster"]

    def sums(fr: Any) -> np.ndarray[Any, Any]:
        out = np.array([people[fr.zone_of == k].sum() for k in range(2)])
        np.add.at(out, fr.cut_zone, people[fr.cut_cell] * fr.cut_frac)
        return out

    measured = layer.grid.fractions(zones, [line])
    tiled = layer.grid.fractions(zones, [line], tiles=True)
    np.testing.assert_allclose(sums(tiled), sums(measured), rtol=1e-12)
    assert sums(tiled).sum() == pytest.approx(people.sum(), rel=1e-12)


def test_single_precision_above_the_threshold(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Very large rasters keep people per cell in float32 (the raster's own precision):
    the same cells, sums within float32 rounding, and the method says so."""
    from zoneplan.measure.population import raster_population as rp

    tif = _lonlat_raster(tmp_path / "ll.tif")
    terr = _territory()
    double = raster_population(tif, terr, UTM, units="density", sources=[])
    monkeypatch.setattr(rp, "SINGLE_PRECISION_CELLS", 0)
    single = raster_population(tif, terr, UTM, units="density", sources=[])
    a, b = double.counts["raster"], single.counts["raster"]
    assert a.dtype == np.float64 and b.dtype == np.float32
    assert "single precision" in single.method and "single precision" not in double.method
    np.testing.assert_allclose(b, a, rtol=1.2e-7)
    assert float(b.sum(dtype=np.float64)) == pytest.approx(float(a.sum()), rel=1e-7)


def test_square_index_tables_equal_centroids(tmp_path: Path) -> None:
    """The per-row and per-column tables give each cell the square of its centroid (edge
    cells: of their part inside the territory), by slices and by index arrays."""
    terr = _territory()
    x0, _, _, y1 = terr.bounds
    path = tmp_path / "utm.tif"
    data = np.ones((90, 90), dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=90, height=90, count=1,
                       dtype="float32", crs="EPSG:32636",
                       transform=from_origin(x0 - 13.0, y1 + 17.0, 23.0, 23.0)) as dst:
        dst.write(data, 1)
    grid = raster_population(path, terr, UTM, units="count", sources=[]).grid
    assert isinstance(grid, RasterGrid) and grid.edge.size
    sq, block = grid.square_lattice(100.0)
    by_centroid = Squares.of(grid.x, grid.y, 100.0)
    assert (sq.nx, sq.ny, sq.ix0, sq.iy0) == (by_centroid.nx, by_centroid.ny,
                                              by_centroid.ix0, by_centroid.iy0)
    whole = np.concatenate([block[a:a + 97] for a in range(0, len(grid), 97)])
    np.testing.assert_array_equal(whole, by_centroid.index)
    some = np.sort(np.random.default_rng(2).choice(len(grid), 300, replace=False))
    np.testing.assert_array_equal(block[some], by_centroid.index[some])
    np.testing.assert_array_equal(block[grid.edge], by_centroid.index[grid.edge])


def test_lonlat_shares_never_exceed_the_cell(tmp_path: Path) -> None:
    """Zones cut in metres and reprojected to a lon/lat raster leave slivers along the
    territory's edge; no cell's shares add up to more than the cell, and no cell is both
    wholly in a zone and cut."""
    tif = _lonlat_raster(tmp_path / "ll.tif")
    terr = _territory()
    layer = raster_population(tif, terr, UTM, units="count", sources=[])
    x0, y0, x1, y1 = terr.bounds
    line = LineString([((x0 + x1) / 2 - 300, y0 - 10), ((x0 + x1) / 2 + 250, y1 + 10)])
    zones = list(shapely.get_parts(split(terr, line)))
    fr = layer.grid.fractions(zones, [line])
    total = (fr.zone_of >= 0).astype(float)
    np.add.at(total, fr.cut_cell, fr.cut_frac)
    assert total.max() <= 1.0 + 1e-9
    assert not np.any(fr.zone_of[fr.cut_cell] >= 0)


def test_values_in_chunks_from_an_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """A strip's chosen pixels, converted a few at a time from indices counted from an
    offset: the raster's values as float64, NaN at nodata, scale and offset applied."""
    from zoneplan.io import rasters

    path = tmp_path / "v.tif"
    data = np.arange(12, dtype="float32").reshape(3, 4)
    data[1, 2] = -1.0  # nodata
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1,
                       dtype="float32", crs="EPSG:32636", nodata=-1.0,
                       transform=from_origin(0, 30, 10, 10)) as dst:
        dst.write(data, 1)
        dst.scales, dst.offsets = (2.0,), (0.5,)
    win, _ = rasters.open_window(path, shapely.box(0, 0, 40, 30), crs=UTM)
    monkeypatch.setattr(rasters, "VALUE_CHUNK", 2)
    # rows 1-2 of the window; pixels 5, 6, 8, 11 counted from row 0, passed as 105 ...
    got = win.values(1, 3, np.array([101, 102, 104, 107], dtype=np.int32), start=100)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [5 * 2 + 0.5, np.nan, 8 * 2 + 0.5, 11 * 2 + 0.5])


def test_densities_checked_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The density check counts and keeps the highest density as over the whole strip."""
    from zoneplan.measure.population import raster_population as rp

    monkeypatch.setattr(rp, "CHECK_CHUNK", 2)
    check = rp._DensityCheck()
    check.add(np.array([0.0, 3.0, 1.0, 25.0, 2.0]), 1e-4)  # 10 m pixels: 1e-4 km²
    assert (check.with_people, check.over, check.lowest) == (4, 1, 0.0)
    assert check.highest == 25.0 / 1e-4
    per_pixel = rp._DensityCheck()
    per_pixel.add(np.array([1.0, 30.0, 2.5]), np.array([1e-4, 1e-4, 1e-5]))
    assert (per_pixel.with_people, per_pixel.over) == (3, 2)
    assert per_pixel.highest == 30.0 / 1e-4
