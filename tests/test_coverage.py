"""Exact pixel coverage for many zones at once, against per-pixel overlay.

:mod:`zoneplan.measure.grids.coverage` measures every zone in one vectorised pass; these tests
check it, and the grids built on it, against shapely's overlay of each pixel with each
zone (the slow, obvious way), for random polygons with holes, many zones, pixels cut by
the territory's edge and rasters whose pixels are not square.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, Polygon, box

from zoneplan.measure.grids.cells import CellGrid, Fractions
from zoneplan.measure.grids.coverage import boundary_coverage, line_pixels
from zoneplan.measure.grids.raster_grid import RasterGrid
from zoneplan.measure.population.raster_population import raster_population
from zoneplan.measure.sums import block_sums as block_sums_module
from zoneplan.measure.sums.block_sums import block_sums

UTM = CRS.from_epsg(32636)


def _overlay(geom: Any, t: Affine, rows: np.ndarray[Any, Any],
             cols: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Share of each pixel inside ``geom``, by shapely overlay."""
    corners = [(t.a * (cols + dc) + t.b * (rows + dr) + t.c,
                t.d * (cols + dc) + t.e * (rows + dr) + t.f)
               for dc, dr in ((0, 0), (1, 0), (1, 1), (0, 1))]
    pix = shapely.polygons(np.stack([np.stack(c, axis=-1) for c in corners], axis=1))
    return np.asarray(shapely.area(shapely.intersection(pix, geom)) / shapely.area(pix))


@st.composite
def _shapes(draw: st.DrawFn) -> Any:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["blob", "ring", "multi", "star"]))
    if kind == "blob":
        return shapely.make_valid(Polygon(rng.uniform(0, 300, size=(9, 2))))
    if kind == "ring":
        return Point(150, 150).buffer(rng.uniform(40, 140)).difference(
            Point(140, 160).buffer(rng.uniform(5, 35)))
    if kind == "multi":
        return shapely.union_all([box(*xy, *(xy + rng.uniform(3, 90, 2)))
                                  for xy in rng.uniform(0, 200, size=(4, 2))])
    ang = np.linspace(0, 2 * np.pi, 23, endpoint=False)
    rad = rng.uniform(30, 140, ang.size)
    return Polygon(np.column_stack([150 + rad * np.cos(ang), 150 + rad * np.sin(ang)]))


TRANSFORMS = [from_origin(-7.3, 310.0, 10.0, 10.0), from_origin(0.0, 300.0, 7.0, 3.5),
              Affine(9.0, 2.0, -20.0, 1.5, -8.0, 320.0)]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(shape=_shapes(), which=st.integers(0, len(TRANSFORMS) - 1))
def test_boundary_shares_equal_overlay(shape: Any, which: int) -> None:
    t = TRANSFORMS[which]
    k, row, col, share = boundary_coverage([shape], t)
    assert np.all(k == 0)
    np.testing.assert_allclose(share, _overlay(shape, t, row, col), atol=1e-9)
    # every pixel the boundary crosses is listed
    r, c = line_pixels([shape.boundary], t)
    listed = set(zip(row.tolist(), col.tolist(), strict=True))
    missing = [(i, j) for i, j in zip(r.tolist(), c.tolist(), strict=True)
               if (i, j) not in listed]
    assert not missing or np.allclose(_overlay(shape, t, np.array([m[0] for m in missing]),
                                               np.array([m[1] for m in missing])) % 1, 0)


def test_parts_that_are_not_polygons_are_ignored() -> None:
    gc = shapely.GeometryCollection([box(0, 0, 2.5, 1), LineString([(0, 0), (5, 5)]),
                                     Point(3, 3)])
    k, row, col, share = boundary_coverage([gc, Point(1, 1)], Affine.identity())
    assert set(k.tolist()) == {0}
    np.testing.assert_allclose(share, _overlay(box(0, 0, 2.5, 1), Affine.identity(), row, col))


def _raster_grid(tmp_path: Path, terr: Any, cell: float, transform: Affine | None = None
                 ) -> Any:
    x0, y0, x1, y1 = terr.bounds
    w, h = int((x1 - x0) / cell) + 3, int((y1 - y0) / cell) + 3
    path = tmp_path / "pop.tif"
    data = np.random.default_rng(5).gamma(0.8, 3.0, size=(h, w)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1,
                       dtype="float32", crs="EPSG:32636", nodata=-99999.0,
                       transform=transform or from_origin(x0 - cell, y1 + cell, cell, cell)
                       ) as dst:
        dst.write(data, 1)
    return raster_population(path, terr, UTM, units="count", sources=[])


def _voronoi(terr: Any, n: int, seed: int) -> list[Any]:
    x0, y0, x1, y1 = terr.bounds
    pts = np.random.default_rng(seed).uniform([x0, y0], [x1, y1], size=(n, 2))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts),
                                                       extend_to=terr))
    zones = [c.intersection(terr) for c in cells]
    return [z for z in zones if not z.is_empty]


def _dense(fr: Fractions, n_cells: int) -> np.ndarray[Any, Any]:
    out = np.zeros((n_cells, fr.n_zones))
    whole = fr.zone_of >= 0
    out[np.flatnonzero(whole), fr.zone_of[whole]] = 1.0
    np.add.at(out, (fr.cut_cell, fr.cut_zone), fr.cut_frac)
    return out


def _territory() -> Any:
    sq = box(600_000, 3_480_000, 604_000, 3_483_000)
    return sq.difference(Polygon([(600_000, 3_482_300), (600_900, 3_483_000),
                                  (600_000, 3_483_000)])).difference(
        Point(602_500, 3_481_000).buffer(300))


@pytest.mark.parametrize("n_zones", [2, 60])
def test_raster_fractions_equal_overlay_for_many_zones(tmp_path: Path, n_zones: int) -> None:
    terr = _territory()
    layer = _raster_grid(tmp_path, terr, 47.0)
    grid = layer.grid
    assert isinstance(grid, RasterGrid)
    zones = _voronoi(terr, n_zones, seed=n_zones)
    cuts = [z.boundary for z in zones]
    fr = grid.fractions(zones, cuts)
    got = _dense(fr, len(grid))
    ref = np.stack([shapely.area(shapely.intersection(grid.cells, z)) / grid.area_m2
                    for z in zones], axis=1)
    np.testing.assert_allclose(got, ref, atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-9)


def test_cell_grid_fractions_equal_overlay_for_many_zones() -> None:
    terr = _territory()
    grid = CellGrid.build(terr, cell_size=120.0, crs=UTM)
    zones = _voronoi(terr, 80, seed=2)
    fr = grid.fractions(zones, [z.boundary for z in zones])
    got = _dense(fr, len(grid))
    ref = np.stack([shapely.area(shapely.intersection(grid.cells, z)) / grid.area_m2
                    for z in zones], axis=1)
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_raster_coverage_of_a_polygon_past_the_territory_edge(tmp_path: Path) -> None:
    terr = _territory()
    grid = _raster_grid(tmp_path, terr, 31.0).grid
    poly = Point(600_300, 3_482_500).buffer(900).union(box(603_000, 3_479_000,
                                                           605_000, 3_481_300))
    idx, frac = grid.coverage(poly)
    ref = shapely.area(shapely.intersection(grid.cells, poly)) / grid.area_m2
    got = np.zeros(len(grid))
    got[idx] = frac
    np.testing.assert_allclose(got, ref, atol=1e-9)
    assert np.all(np.diff(idx) > 0)


def test_oblong_pixel_near_line_shares_equal_overlay(tmp_path: Path) -> None:
    terr = _territory()
    x0, _, _, y1 = terr.bounds
    t = from_origin(x0 - 40.3, y1 + 40.1, 35.0, 22.0)
    grid = _raster_grid(tmp_path, terr, 22.0, t).grid
    line = LineString([(600_200, 3_479_900), (602_100, 3_481_700), (604_100, 3_482_100)])
    near = grid.near_fractions([line], (400.0,))[400.0]
    buf = shapely.buffer(line, 400.0, quad_segs=64)
    ref = shapely.area(shapely.intersection(grid.cells, buf)) / grid.area_m2
    got = np.zeros(len(grid))
    got[near[0]] = near[1]
    np.testing.assert_allclose(got, ref, atol=1e-9)


def test_sparse_and_dense_block_sums_agree(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    terr = _territory()
    layer = _raster_grid(tmp_path, terr, 47.0)
    grid = layer.grid
    zones = _voronoi(terr, 40, seed=9)
    fr = grid.fractions(zones, [z.boundary for z in zones])
    sq = grid.squares(200.0)
    values = [grid.area_values(), layer.counts["raster"]]
    dense = block_sums(fr, values, sq.index, len(sq))
    monkeypatch.setattr(block_sums_module, "DENSE_LIMIT", 0)
    monkeypatch.setattr(block_sums_module, "CHUNK", 97)
    sparse = block_sums(fr, values, sq.index, len(sq))
    people = np.asarray(layer.counts["raster"])
    for k in range(len(zones)):
        for d, s in zip(dense, sparse, strict=True):
            np.testing.assert_allclose(d[k], s[k], rtol=1e-12, atol=1e-9)
        blocks = sparse[0].positive(k)
        np.testing.assert_array_equal(blocks, dense[0].positive(k))
        np.testing.assert_allclose(sparse[1][k, blocks], dense[1][k][blocks], rtol=1e-12)
    # the sums per zone add up to the zone's people, block by block and in total
    total = sum(float(s.value.sum()) for s in [sparse[1]])
    assert total == pytest.approx(float(people.sum()), rel=1e-12)


def test_nearest_distances_direct_and_by_tree_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy.spatial import cKDTree

    from zoneplan.measure.sums import distances

    rng = np.random.default_rng(4)
    xy, pts = rng.uniform(0, 40_000, (5_000, 2)), rng.uniform(0, 40_000, (37, 2))
    ref = cKDTree(pts).query(xy)[0]
    np.testing.assert_allclose(distances.nearest_distances(xy, pts), ref, rtol=1e-12)
    monkeypatch.setattr(distances, "BRUTE_FORCE_PAIRS", 0)
    np.testing.assert_allclose(distances.nearest_distances(xy, pts), ref, rtol=1e-12)


def test_batches_of_edge_pieces_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneplan.measure.grids import coverage

    shapes = [Point(150, 150).buffer(120).difference(Point(140, 160).buffer(30)),
              box(3, 3, 290, 40), Polygon([(0, 0), (300, 10), (20, 290)])]
    t = TRANSFORMS[1]
    whole = boundary_coverage(shapes, t)
    for at_once in (7, 300, 5000):  # parts of polygons, and batches of whole ones
        monkeypatch.setattr(coverage, "PIECES_AT_ONCE", at_once)
        batched = boundary_coverage(shapes, t)
        for a, b in zip(whole, batched, strict=True):
            np.testing.assert_array_equal(a, b)  # the same to the last bit


def test_block_lookup_dense_row_and_binary_search_agree(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """BlockSums.take gives the same values from a dense row and by binary search, for
    blocks in any order (by distance), with and without sums."""
    from zoneplan.measure.sums.block_sums import BlockSums

    sums = BlockSums(start=np.array([0, 3, 5]), block=np.array([2, 7, 9, 0, 7]),
                     value=np.array([1.5, 2.5, 3.5, 4.5, 5.5]), n_blocks=100)
    ask = np.array([9, 0, 7, 3, 2, 11])
    monkeypatch.setattr(block_sums_module, "DENSE_ROW_SHARE", 20)
    by_row = [sums.take(k, ask) for k in range(2)]  # 6 x 20 >= 100: a dense row
    by_search = [sums.take(k, ask[:2]) for k in range(2)]  # 2 x 20 < 100: searched
    assert by_row[0].tolist() == [3.5, 0.0, 2.5, 0.0, 1.5, 0.0]
    assert by_row[1].tolist() == [0.0, 4.5, 5.5, 0.0, 0.0, 0.0]
    assert [b.tolist() for b in by_search] == [[3.5, 0.0], [0.0, 4.5]]



def test_shapes_handed_to_the_rasteriser_burn_as_the_geometries() -> None:
    """Polygons converted once from their coordinate arrays (holes, several parts) burn
    the same pixels as the shapely geometries; a polygon with z is handed over as is."""
    from rasterio import features
    from shapely.geometry import MultiPolygon

    from zoneplan.measure.grids.coverage import StripLabels, geojson_like

    shapes = [Point(150, 150).buffer(120).difference(Point(140, 160).buffer(30)),
              MultiPolygon([box(3, 3, 40, 40), box(200, 5, 290, 60)]),
              Polygon([(0, 200, 1), (100, 200, 1), (50, 290, 1)])]
    mapped = geojson_like(shapes)
    assert mapped[2] is shapes[2] and mapped[1]["type"] == "MultiPolygon"
    t = TRANSFORMS[1]
    for a, b in ((shapes, mapped), ([shapes[0]], [mapped[0]])):
        ref = features.rasterize([(g, k + 1) for k, g in enumerate(a)], out_shape=(300, 300),
                                 transform=t, fill=0, dtype="int32")
        got = features.rasterize([(g, k + 1) for k, g in enumerate(b)], out_shape=(300, 300),
                                 transform=t, fill=0, dtype="int32")
        np.testing.assert_array_equal(ref, got)
    labels = StripLabels(shapes)
    whole = labels((300, 300), t)
    assert set(np.unique(whole).tolist()) == {0, 1, 2, 3}
    strip = labels((100, 300), t @ Affine.translation(0, 100))
    np.testing.assert_array_equal(whole[100:200], strip)


def test_cuts_followed_near_the_edge_find_every_crossed_cell(tmp_path: Path) -> None:
    """The cuts followed pixel by pixel are only those near the cells asked about: every
    one of those cells a cut crosses is found, as when following every cut."""
    from zoneplan.measure.grids.raster_shares import _crossed, cells_at

    terr = Point(0, 0).buffer(3000).union(box(-500, -4000, 500, 0))
    grid = _raster_grid(tmp_path, terr, 37.0).grid
    rng = np.random.default_rng(9)
    cuts: list[Any] = [LineString(rng.uniform(-3500, 3500, (3, 2))) for _ in range(40)]
    cuts += [g.boundary for g in _voronoi(terr, 30, 2)]
    cuts += [Polygon(), box(-2950, -50, -2900, 50).boundary]  # empty; one at the edge
    for cells in (grid.edge, np.flatnonzero(rng.uniform(size=len(grid)) < 0.05)):
        every = cells_at(grid, *line_pixels(list(cuts), grid.transform))
        want = cells[np.isin(cells, every)]
        got = _crossed(grid, cuts, cells)
        np.testing.assert_array_equal(np.intersect1d(got, cells), np.unique(want))
        assert want.size > 0


@pytest.mark.parametrize("which", range(len(TRANSFORMS)))
def test_a_window_of_rows_has_the_shares_of_a_full_pass(which: int) -> None:
    """Following the boundary only through a window of rows (from a column on) gives the
    window's pixels the shares the whole boundary gives (to rounding) and, for each,
    overlay's; a polygon that differs only outside the window gives the window the same
    pixels and shares (to rounding: its ring may start elsewhere)."""
    from zoneplan.measure.grids.coverage import boundary_coverage_parts

    t = TRANSFORMS[which]
    star = _star()
    window = (9, 17, 11)
    k, row, col, share = boundary_coverage([star, box(20, 20, 90, 280)], t)
    inside = (row >= 9) & (row < 17) & (col >= 11)
    parts = list(boundary_coverage_parts([star, box(20, 20, 90, 280)], t, window=window))
    wk, wr, wc, ws = (np.concatenate([p[i] for p in parts]) for i in range(4))
    assert np.all((wr >= 9) & (wr < 17) & (wc >= 11))
    full = {(a, b, c): s for a, b, c, s in zip(k[inside].tolist(), row[inside].tolist(),
                                                col[inside].tolist(), share[inside].tolist(),
                                                strict=True)}
    part = {(a, b, c): s for a, b, c, s in zip(wk.tolist(), wr.tolist(), wc.tolist(),
                                                ws.tolist(), strict=True)}
    assert full.keys() == part.keys() and len(full) > 20
    np.testing.assert_allclose([part[p] for p in full], list(full.values()), atol=1e-12)
    np.testing.assert_allclose(ws[wk == 0], _overlay(star, t, wr[wk == 0], wc[wk == 0]),
                               atol=1e-9)
    # a polygon that differs only in rows far from the window: the same shares there
    other = star.union(Polygon([t @ (c, r) for c, r in ((0, 30), (400, 30), (400, 60),
                                                        (0, 60))]))
    _, orow, ocol, oshare = boundary_coverage([other], t, window=window)
    np.testing.assert_allclose(oshare, ws[wk == 0], atol=1e-12)
    np.testing.assert_array_equal(orow, wr[wk == 0])
    np.testing.assert_array_equal(ocol, wc[wk == 0])


def _star() -> Any:
    ang = np.linspace(0, 2 * np.pi, 23, endpoint=False)
    rad = np.random.default_rng(4).uniform(30, 140, ang.size)
    return Polygon(np.column_stack([150 + rad * np.cos(ang), 150 + rad * np.sin(ang)]))


def test_a_subsets_window_alone_gives_the_grids_shares(tmp_path: Path) -> None:
    """Zone and polygon shares of a subset measured on its window alone (the editor's
    patches) equal the whole grid's, to rounding."""
    from zoneplan.measure.grids.raster_shares import polygon_shares, zone_fractions

    terr = _territory()
    grid = _raster_grid(tmp_path, terr, 47.0).grid
    zones = _voronoi(terr, 12, seed=3)
    poly = Point(601_000, 3_481_500).buffer(700)
    x = np.asarray(grid.x)
    idx = np.flatnonzero((x > 601_200) & (x < 602_400))
    sub = grid.subset(idx)
    whole = _dense(grid.fractions(zones, [z.boundary for z in zones]), len(grid))[idx]
    part = _dense(zone_fractions(sub, zones, [z.boundary for z in zones]),
                  len(sub))
    np.testing.assert_allclose(part, whole, atol=1e-12)
    assert ((part > 0) & (part < 1)).sum() > 20
    ref = np.zeros(len(grid))
    ref[grid.coverage(poly)[0]] = grid.coverage(poly)[1]
    got = np.zeros(len(sub))
    s_idx, s_frac = polygon_shares(sub, poly)
    got[s_idx] = s_frac
    np.testing.assert_allclose(got, ref[idx], atol=1e-12)
    assert ((got > 0) & (got < 1)).sum() > 10
    # a subset's own methods measure on its window (what the editor calls); the grid's
    # on the whole
    assert sub.windowed and not grid.windowed
    np.testing.assert_array_equal(
        _dense(sub.fractions(zones, [z.boundary for z in zones]), len(sub)), part)
    own = np.zeros(len(sub))
    own[sub.coverage(poly)[0]] = sub.coverage(poly)[1]
    np.testing.assert_array_equal(own, got)
