"""Population from totals (dasymetric): hand-computed grids, errors, GeoTIFF, the built-in pack.

Every expected value below can be checked on paper. Areas are laid out in UTM 36N
(EPSG:32636) with 1 km cells, so a 2 km x 2 km square holds a 2 x 2 grid:

    +-----+-----+        cells are numbered by CellGrid.build from the south-west,
    | NW  | NE  |        row by row; the tests look cells up by their centre instead.
    +-----+-----+
    | SW  | SE  |        x 0-2000 m, y 0-2000 m (offset to lie near Gaza)
    +-----+-----+
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from pyproj import CRS
from shapely.geometry import Point, Polygon, box

from zoneplan import pack
from zoneplan.errors import DataError, InputError, OutputExistsError, ZoneplanWarning
from zoneplan.io.geotiff import NODATA, GridArrays, grid_arrays, write_grid_geotiff
from zoneplan.measure.population.dasymetric import spread_to_grid
from zoneplan.measure.population.population_sources import builtin_population
from zoneplan.measure.population.raster_population import raster_population

from .conftest import SQUARE_UTM, square_ring

UTM = CRS.from_epsg(32636)
X0, Y0 = SQUARE_UTM[0], SQUARE_UTM[1]  # south-west corner, multiples of 1,000 m
E = math.exp(-1.0)  # kernel weight of a cell 1 bandwidth (1 km) from a point


def _box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _areas(totals: list[float], polys: list[Polygon], crs: CRS | None = UTM) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"pop": totals}, geometry=polys, crs=crs, index=["A", "B"][
        :len(totals)])


def _points(xy: list[tuple[float, float]], w: list[float] | None = None) -> gpd.GeoDataFrame:
    data = {"w": w} if w is not None else {}
    return gpd.GeoDataFrame(data, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=UTM)


def _by_centre(cells: gpd.GeoDataFrame) -> dict[tuple[int, int], float]:
    """People per cell keyed by the cell's centre (metres from the south-west corner)."""
    c = cells.geometry.centroid
    return {(round(x - X0), round(y - Y0)): float(p)
            for x, y, p in zip(c.x, c.y, cells["people"], strict=True)}


WEST, EAST = _box(0, 0, 1000, 2000), _box(1000, 0, 2000, 2000)


# --- the area method -----------------------------------------------------------------

def test_two_areas_100_and_300_on_a_2x2_grid() -> None:
    """West half 100 people, east half 300: 50 in each western cell, 150 in each eastern."""
    cells = spread_to_grid(_areas([100, 300], [WEST, EAST]), "pop", cell_size_m=1000,
                           method="area", crs=UTM)
    assert _by_centre(cells) == {(500, 500): 50.0, (500, 1500): 50.0,
                                 (1500, 500): 150.0, (1500, 1500): 150.0}
    assert cells["area_m2"].tolist() == [1e6] * 4
    assert cells.crs == UTM
    assert cells.attrs["cell_size_m"] == 1000.0


def test_area_boundary_through_cells() -> None:
    """A = the western 500 m strip (1 km², 100 people), B = the rest (3 km², 600 people).

    Each western cell has 0.5 km² of A (50 people) and 0.5 km² of B (600 x 0.5/3 = 100),
    so 150; each eastern cell is 1 km² of B: 600 x 1/3 = 200. Total 700.
    """
    a, b = _box(0, 0, 500, 2000), _box(500, 0, 2000, 2000)
    areas = _areas([100, 600], [a, b])
    cells = spread_to_grid(areas, "pop", cell_size_m=1000, method="area", crs=UTM)
    assert _by_centre(cells) == pytest.approx({(500, 500): 150.0, (500, 1500): 150.0,
                                               (1500, 500): 200.0, (1500, 1500): 200.0})
    pieces = spread_to_grid(areas, "pop", cell_size_m=1000, method="area", crs=UTM,
                            by_area=True)
    assert sorted(pieces.loc[pieces["area_id"] == "A", "people"]) == pytest.approx([50, 50])
    assert sorted(pieces.loc[pieces["area_id"] == "B", "people"]) == pytest.approx(
        [100, 100, 200, 200])
    assert pieces.groupby("area_id")["area_m2"].sum().to_dict() == pytest.approx(
        {"A": 1e6, "B": 3e6})
    # summing the pieces by cell gives the cells
    by_cell = pieces.groupby("cell")["people"].sum()
    assert by_cell.to_numpy() == pytest.approx(cells.set_index("cell")["people"][
        by_cell.index].to_numpy())


def test_clipped_cells_keep_their_area() -> None:
    """A right triangle with legs of 2 km (2 km², 400 people) on 1 km cells: the cell at
    the corner is whole (1 km²: 200 people), the two next to it half covered (0.5 km²:
    100 people each), the far cell only touches the hypotenuse and is dropped."""
    tri = Polygon([(X0, Y0), (X0 + 2000, Y0), (X0, Y0 + 2000)])
    cells = spread_to_grid(_areas([400], [tri]), "pop", cell_size_m=1000, method="area",
                           crs=UTM)
    assert sorted(cells["people"].tolist()) == pytest.approx([100, 100, 200])
    assert sorted(cells["area_m2"].tolist()) == pytest.approx([5e5, 5e5, 1e6])


def test_zero_total_gives_zero_people() -> None:
    cells = spread_to_grid(_areas([0, 300], [WEST, EAST]), "pop", cell_size_m=1000,
                           method="area", crs=UTM)
    assert _by_centre(cells)[(500, 500)] == 0.0
    assert cells["people"].sum() == 300.0


# --- the kernel method ---------------------------------------------------------------

def test_kernel_one_point() -> None:
    """One 2 km x 1 km area of 1,000 people, one point at the western cell's centre,
    bandwidth 1 km: the western cell (distance 0) weighs 1, the eastern (1 km) e^-1,
    so the western cell holds 1000 / (1 + e^-1) = 731.06 people."""
    area = _areas([1000], [_box(0, 0, 2000, 1000)])
    cells = spread_to_grid(area, "pop", weights=_points([(500, 500)]), cell_size_m=1000,
                           method="kernel", bandwidth_m=1000, crs=UTM)
    got = _by_centre(cells)
    assert got[(500, 500)] == pytest.approx(1000 / (1 + E))
    assert got[(1500, 500)] == pytest.approx(1000 * E / (1 + E))
    assert got[(500, 500)] == pytest.approx(731.0586, abs=1e-4)
    assert cells["people"].sum() == pytest.approx(1000, rel=1e-12)


def test_kernel_two_points_with_counts() -> None:
    """Two points of weight 1 (west centre) and 3 (east centre), 400 people: they hold
    100 and 300. The western cell gets 100/(1+e^-1) + 300 e^-1/(1+e^-1) = 153.79."""
    area = _areas([400], [_box(0, 0, 2000, 1000)])
    pts = _points([(500, 500), (1500, 500)], w=[1, 3])
    cells = spread_to_grid(area, "pop", weights=pts, weight_field="w", cell_size_m=1000,
                           method="kernel", bandwidth_m=1000, crs=UTM)
    got = _by_centre(cells)
    assert got[(500, 500)] == pytest.approx((100 + 300 * E) / (1 + E))
    assert got[(1500, 500)] == pytest.approx((300 + 100 * E) / (1 + E))
    assert got[(500, 500)] == pytest.approx(153.7883, abs=1e-4)


def test_kernel_share_stays_in_its_area() -> None:
    """West half 100 people with one point at the SW cell's centre; east half 300 with no
    point. The point's people stay west (SW 100/(1+e^-1), NW 100 e^-1/(1+e^-1)); the east
    falls back to uniform (150, 150), with a warning naming the area."""
    pts = _points([(500, 500)])
    with pytest.warns(ZoneplanWarning, match=r"1 area\(s\) hold no weight point \('B'\)"):
        cells = spread_to_grid(_areas([100, 300], [WEST, EAST]), "pop", weights=pts,
                               cell_size_m=1000, method="kernel", bandwidth_m=1000, crs=UTM)
    got = _by_centre(cells)
    assert got[(500, 500)] == pytest.approx(100 / (1 + E))
    assert got[(500, 1500)] == pytest.approx(100 * E / (1 + E))
    assert got[(1500, 500)] == got[(1500, 1500)] == pytest.approx(150.0)


def test_kernel_points_from_polygons_and_no_weight_field() -> None:
    """Building footprints count as points inside them, each weighing 1: two buildings
    in the west cell, two in the east, so the cells split 50/50 by symmetry."""
    area = _areas([200], [_box(0, 0, 2000, 1000)])
    blds = gpd.GeoDataFrame(geometry=[_box(400, 400, 600, 600), _box(1400, 400, 1600, 600),
                                      _box(400, 400, 600, 600), _box(1400, 400, 1600, 600)],
                            crs=UTM)
    cells = spread_to_grid(area, "pop", weights=blds, cell_size_m=1000, method="kernel",
                           crs=UTM)
    assert sorted(cells["people"].tolist()) == pytest.approx([100, 100])


def test_kernel_zero_weights_fall_back_to_area() -> None:
    area = _areas([200], [_box(0, 0, 2000, 1000)])
    with pytest.warns(ZoneplanWarning, match="spread uniformly"):
        cells = spread_to_grid(area, "pop", weights=_points([(500, 500)], w=[0]),
                               weight_field="w", cell_size_m=1000, method="kernel", crs=UTM)
    assert cells["people"].tolist() == [100.0, 100.0]


def test_weights_in_another_crs() -> None:
    """A lon/lat weight point is reprojected: same result as in metres."""
    area = _areas([1000], [_box(0, 0, 2000, 1000)])
    pts = _points([(500, 500)]).to_crs(4326)
    cells = spread_to_grid(area, "pop", weights=pts, cell_size_m=1000, method="kernel",
                           bandwidth_m=1000, crs=UTM)
    assert _by_centre(cells)[(500, 500)] == pytest.approx(1000 / (1 + E), rel=1e-6)


def test_default_crs_is_the_utm_zone() -> None:
    """Areas in lon/lat near Gaza are gridded in UTM 36N (area_crs_for); total kept."""
    ll = Polygon(square_ring())
    areas = _areas([1234.5], [ll], crs=CRS.from_epsg(4326))
    cells = spread_to_grid(areas, "pop", cell_size_m=500, method="area")
    assert cells.crs.to_epsg() == 32636
    assert cells["people"].sum() == pytest.approx(1234.5, rel=1e-12)
    assert cells["area_m2"].sum() == pytest.approx(4e6, rel=1e-3)


# --- errors --------------------------------------------------------------------------

def test_missing_total_field_lists_and_suggests() -> None:
    areas = _areas([100, 300], [WEST, EAST])
    areas["people_2017"] = 1
    with pytest.raises(InputError) as ei:
        spread_to_grid(areas, "popp", cell_size_m=1000, method="area", crs=UTM)
    assert ei.value.suggestion == "did you mean 'pop'? fields there: pop, people_2017"


def test_missing_weight_field_suggests() -> None:
    with pytest.raises(InputError, match="did you mean 'w'"):
        spread_to_grid(_areas([100], [WEST]), "pop", weights=_points([(500, 500)], w=[1]),
                       weight_field="ww", cell_size_m=1000, method="kernel", crs=UTM)


@pytest.mark.parametrize(("totals", "match"), [
    ([-1, 300], "negative 'pop'"),
    ([float("nan"), 300], "have no number in 'pop'"),
])
def test_bad_totals(totals: list[float], match: str) -> None:
    with pytest.raises(InputError, match=match) as ei:
        spread_to_grid(_areas(totals, [WEST, EAST]), "pop", cell_size_m=1000, method="area",
                       crs=UTM)
    assert ei.value.suggestion


def test_negative_weights() -> None:
    with pytest.raises(InputError, match="negative 'w'"):
        spread_to_grid(_areas([100], [WEST]), "pop", weights=_points([(500, 500)], w=[-2]),
                       weight_field="w", cell_size_m=1000, method="kernel", crs=UTM)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "nearest"}, "unknown method 'nearest'"),
    ({"method": "kernel"}, "kernel method needs a weight layer"),
    ({"method": "area", "weights": "points"}, "only used by the kernel method"),
    ({"method": "area", "cell_size_m": 0}, "not a positive number"),
    ({"method": "area", "crs": CRS.from_epsg(4326)}, "not projected"),
])
def test_bad_options(kwargs: dict[str, object], match: str) -> None:
    opts: dict[str, object] = {"cell_size_m": 1000, "crs": UTM, **kwargs}
    if opts.get("weights") == "points":
        opts["weights"] = _points([(500, 500)])
    with pytest.raises(InputError, match=match) as ei:
        spread_to_grid(_areas([100], [WEST]), "pop", **opts)  # type: ignore[arg-type]
    assert ei.value.suggestion


def test_areas_without_crs() -> None:
    with pytest.raises(DataError, match="no coordinate reference system"):
        spread_to_grid(_areas([100], [WEST], crs=None), "pop", cell_size_m=1000,
                       method="area")


def test_areas_must_be_polygons() -> None:
    areas = gpd.GeoDataFrame({"pop": [5]}, geometry=[Point(X0, Y0)], crs=UTM)
    with pytest.raises(InputError, match="has a Point, not a polygon"):
        spread_to_grid(areas, "pop", cell_size_m=1000, method="area", crs=UTM)


# --- GeoTIFF -------------------------------------------------------------------------

def test_grid_arrays_and_geotiff_by_hand(tmp_path: Path) -> None:
    """The 100/300 grid as a 2 x 2 raster: north row first, west column first."""
    cells = spread_to_grid(_areas([100, 300], [WEST, EAST]), "pop", cell_size_m=1000,
                           method="area", crs=UTM)
    g = grid_arrays(cells)
    assert g.values.tolist() == [[50.0, 150.0], [50.0, 150.0]]
    assert (g.transform.c, g.transform.f, g.transform.a) == (X0, Y0 + 2000, 1000.0)
    tif = tmp_path / "people.tif"
    write_grid_geotiff(cells, tif)
    with rasterio.open(tif) as src:
        assert src.read(1).tolist() == [[50.0, 150.0], [50.0, 150.0]]
        assert src.crs.to_epsg() == 32636
        assert src.nodata == NODATA
        assert src.tags()["units"] == "count"
    with pytest.raises(OutputExistsError):
        write_grid_geotiff(cells, tif)
    write_grid_geotiff(GridArrays(g.values * 2, g.transform, UTM), tif, overwrite=True)
    with rasterio.open(tif) as src:
        assert float(src.read(1).sum()) == 800.0
    assert [p.name for p in tmp_path.iterdir()] == ["people.tif"]  # no temporary left


def test_geotiff_density_reads_back_with_the_same_total(tmp_path: Path) -> None:
    """Clipped edge cells written as densities come back whole through zoneplan's own
    raster reader over the same territory (a triangle): 400 people in, 400 out."""
    tri = Polygon([(X0, Y0), (X0 + 2000, Y0), (X0, Y0 + 2000)])
    cells = spread_to_grid(_areas([400], [tri]), "pop", cell_size_m=1000, method="area",
                           crs=UTM)
    tif = tmp_path / "d.tif"
    write_grid_geotiff(cells, tif, units="density")
    with rasterio.open(tif) as src:
        assert src.read(1).tolist() == [[200.0, NODATA], [200.0, 200.0]]  # per km²
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = raster_population(tif, tri, UTM, units="density", sources=[])
    assert layer.total() == pytest.approx(400.0, rel=1e-9)


def test_grid_arrays_refuses_pieces() -> None:
    pieces = spread_to_grid(_areas([100, 600], [_box(0, 0, 500, 2000), _box(500, 0, 2000, 2000)]),
                            "pop", cell_size_m=1000, method="area", crs=UTM, by_area=True)
    with pytest.raises(InputError, match="several pieces per cell"):
        grid_arrays(pieces)


# --- the built-in pack ---------------------------------------------------------------

def test_pack_governorates_over_localities_conserve_each_total() -> None:
    """The five governorate totals spread over the 33 census localities: each
    governorate's people add up to its total to 1e-9, and the grid is the pack's own
    central population layer (same 250 m cells, same kernel)."""
    gov = pack.governorates()
    locs = pack.localities()
    pieces = spread_to_grid(gov, "population", weights=locs, weight_field="weight",
                            cell_size_m=250, method="kernel", by_area=True)
    got = pieces.groupby("area_id")["people"].sum()
    for i, total in gov["population"].items():
        assert got[i] == pytest.approx(total, rel=1e-9)
    assert len(got) == 5
    cells = spread_to_grid(gov, "population", weights=locs, weight_field="weight",
                           cell_size_m=250, method="kernel")
    assert cells["people"].sum() == pytest.approx(gov["population"].sum(), rel=1e-9)
    builtin = builtin_population()
    assert len(cells) == len(builtin.grid)
    assert np.sort(cells["people"].to_numpy()) == pytest.approx(
        np.sort(builtin.counts["localities"]), abs=1e-6)
    uniform = spread_to_grid(gov, "population", cell_size_m=250, method="area", by_area=True)
    assert uniform.groupby("area_id")["people"].sum().to_numpy() == pytest.approx(
        gov["population"].to_numpy(), rel=1e-9)


def test_points_each_share_in_the_cell_nearest_its_point() -> None:
    # a 3 km x 1 km area of 1,000 people, 1 km cells centred at x = 500, 1500, 2500;
    # points at x = 100 (weight 3) and x = 1900 (weight 1): 750 in the first cell,
    # 250 in the second (1,900 is nearer 1,500 than 2,500), nobody in the third
    from shapely.geometry import box

    from zoneplan.measure.grids.cells import CellGrid
    from zoneplan.measure.population.dasymetric import spread_totals

    g = CellGrid.build(box(0, 0, 3000, 1000), cell_size=1000.0, crs=None)
    order = np.argsort(g.x)
    pts = np.array([[100.0, 500.0], [1900.0, 500.0]])
    out = spread_totals(g, [box(0, 0, 3000, 1000)], [1000.0], method="points", points=pts,
                        weights=np.array([3.0, 1.0]))
    assert out[order].tolist() == [750.0, 250.0, 0.0]
    # an area with no point falls back to uniform density, as the kernel does
    none = spread_totals(g, [box(0, 0, 3000, 1000)], [900.0], method="points",
                         points=np.array([[5000.0, 500.0]]), weights=np.array([1.0]))
    assert none[order].tolist() == pytest.approx([300.0, 300.0, 300.0])
