"""Reading layers: rasters by hand, and bad input (exit code 2, message names file and fix)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import yaml
from pyproj import CRS
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

from zoneplan.cli.main import main
from zoneplan.errors import DataError, GeometryError, PlausibilityWarning
from zoneplan.evaluate import evaluate
from zoneplan.geometry import WGS84
from zoneplan.io.quick import plan_from_files
from zoneplan.measure.population.raster_population import raster_population

from .conftest import SQUARE_UTM, square_ring, write_geojson

UTM = CRS.from_epsg(32636)


def _raster(path: Path, data: np.ndarray[Any, Any], *, cell: float = 500.0,
            nodata: float | None = -99999.0) -> Path:
    x0, _, _, y1 = SQUARE_UTM
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="float32", crs="EPSG:32636", nodata=nodata,
                       transform=from_origin(x0, y1, cell, cell)) as dst:
        dst.write(data.astype("float32"), 1)
    return path


def _plan_with_layer(tmp: Path, plan: dict[str, Any], layer: dict[str, Any]) -> Path:
    plan = dict(plan)
    plan["layers"] = {"people": layer}
    p = tmp / "plan.yaml"
    p.write_text(yaml.safe_dump(plan, sort_keys=False))
    return p


def _run(plan: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["run", str(plan), "--format", "json", "--no-ranges"])
    return code, capsys.readouterr().err


def test_raster_by_hand(tmp_path: Path) -> None:
    """A 4 x 4 raster of 500 m pixels (2 km square), 100 people each, one nodata pixel;
    territory the square's western 1.25 km: 2.5 columns x 4 rows, minus the nodata one."""
    data = np.full((4, 4), 100.0)
    data[0, 0] = -99999.0
    tif = _raster(tmp_path / "p.tif", data)
    x0, y0, _, y1 = SQUARE_UTM
    layer = raster_population(tif, box(x0, y0, x0 + 1250, y1), UTM, units="count", sources=[])
    assert layer.total() == pytest.approx(100 * (2.5 * 4 - 1))
    assert float(layer.grid.area_m2.sum()) == pytest.approx(1250 * 2000)
    idx, frac = layer.grid.coverage(box(x0, y0, x0 + 750, y0 + 1000))
    got = float((layer.counts["raster"][idx] * frac).sum())
    assert got == pytest.approx(100 * 1.5 * 2)


def test_density_units_by_hand(tmp_path: Path) -> None:
    """1,000 people per km² on 0.25 km² pixels is 250 people per pixel."""
    tif = _raster(tmp_path / "d.tif", np.full((4, 4), 1000.0))
    layer = raster_population(tif, box(*SQUARE_UTM), UTM, units="density", sources=[])
    assert layer.total() == pytest.approx(4000.0)


def test_raster_in_other_crs_is_not_emptied(tmp_path: Path) -> None:
    """The same square as a lon/lat raster is read, and totals stay the same."""
    ring = square_ring()
    lons, lats = zip(*ring, strict=True)
    res = 0.001
    w = int(np.ceil((max(lons) - min(lons)) / res)) + 2
    h = int(np.ceil((max(lats) - min(lats)) / res)) + 2
    path = tmp_path / "ll.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:4326", nodata=-99999.0,
                       transform=from_origin(min(lons) - res, max(lats) + res, res, res)) as d:
        d.write(np.ones((h, w), dtype="float32"), 1)
    from zoneplan.geometry import project

    terr = project(Polygon(ring), UTM)
    layer = raster_population(path, terr, UTM, units="count", sources=[])
    assert len(layer.grid) > 0
    # about 4 km² of pixels of ~0.0102 km² each
    assert 300 < layer.total() < 450


def test_truncated_raster_exit_2(tmp_path: Path, square_plan: dict[str, Any],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    tif = _raster(tmp_path / "t.tif", np.random.default_rng(0).random((200, 200)) * 10,
                  cell=10.0)
    raw = tif.read_bytes()
    tif.write_bytes(raw[: len(raw) // 3])
    code, err = _run(_plan_with_layer(tmp_path, square_plan, {"path": "t.tif"}), capsys)
    assert code == 2
    assert "t.tif" in err and ("truncated" in err or "cannot be read" in err)


def test_corrupt_vector_exit_2(tmp_path: Path, square_plan: dict[str, Any],
                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": [')
    code, err = _run(_plan_with_layer(tmp_path, square_plan,
                                      {"path": "bad.geojson", "count": "pop"}), capsys)
    assert code == 2 and "bad.geojson" in err and "cannot be read" in err


def test_unknown_format_exit_2(tmp_path: Path, square_plan: dict[str, Any],
                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "people.xyz").write_text("1 2 3\n")
    code, err = _run(_plan_with_layer(tmp_path, square_plan,
                                      {"path": "people.xyz", "count": "pop"}), capsys)
    assert code == 2 and "unknown format" in err and "GeoJSON" in err


def test_shapefile_without_prj_exit_2(tmp_path: Path, square_plan: dict[str, Any],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    gdf = gpd.GeoDataFrame({"pop": [10000]}, geometry=[Polygon(square_ring())], crs=WGS84)
    gdf.to_file(tmp_path / "people.shp")
    (tmp_path / "people.prj").unlink()
    code, err = _run(_plan_with_layer(tmp_path, square_plan,
                                      {"path": "people.shp", "count": "pop"}), capsys)
    assert code == 2 and "people.shp" in err and "CRS" in err and ".prj" in err


def test_missing_attribute_lists_and_suggests(tmp_path: Path, square_plan: dict[str, Any],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(_plan_with_layer(tmp_path, square_plan,
                                      {"path": "people.geojson", "count": "popp"}), capsys)
    assert code == 2
    assert "'popp' does not exist" in err and "did you mean 'pop'" in err
    assert "attributes there: pop" in err


def test_density_declared_as_counts_warns(tmp_path: Path) -> None:
    """80,000 'people' on each 10 m pixel would be 800 million per km²."""
    tif = _raster(tmp_path / "dens.tif", np.full((200, 200), 80_000.0), cell=10.0)
    with pytest.warns(PlausibilityWarning, match="units=density") as rec:
        raster_population(tif, box(*SQUARE_UTM), UTM, units="count", sources=[])
    msg = next(str(w.message) for w in rec if w.category is PlausibilityWarning)
    assert "dens.tif" in msg and "per km²" in msg and "densest" in msg


def test_empty_layer_exit_2(tmp_path: Path, square_plan: dict[str, Any],
                            capsys: pytest.CaptureFixture[str]) -> None:
    write_geojson(tmp_path / "empty.geojson", [])
    code, err = _run(_plan_with_layer(tmp_path, square_plan,
                                      {"path": "empty.geojson", "count": "pop"}), capsys)
    assert code == 2 and "empty.geojson" in err and "no features" in err


def test_zones_outside_territory(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    far = [(lon + 1.0, lat) for lon, lat in square_ring()]
    zones = write_geojson(tmp_path / "far.geojson", [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                           "coordinates": [far]}}])
    from zoneplan.plan import LayerRef

    plan = plan_from_files(tmp_path / "territory.geojson", zones=zones,
                           layers={"population": LayerRef(path=str(tmp_path / "people.geojson"),
                                                          count="pop")})
    with pytest.raises(GeometryError, match="entirely outside the territory") as exc:
        evaluate(plan, ranges=False)
    assert exc.value.exit_code == 2


def test_quick_line_split(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    """The square split by the fixture's line at x = 500 m: west 1 km², east 3 km²."""
    line = square_plan["lines"][0]["coordinates"]
    lf = tmp_path / "line.geojson"
    lf.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": line}}]}))
    from zoneplan.plan import LayerRef

    plan = plan_from_files(tmp_path / "territory.geojson", line=lf,
                           layers={"population": LayerRef(path=str(tmp_path / "people.geojson"),
                                                          count="pop")})
    z = {d["id"]: d for d in evaluate(plan, ranges=False).data["zones"]}
    assert z["west"]["area_km2"] == pytest.approx(1.0, rel=1e-3)
    assert z["east"]["residents"] == pytest.approx(7500, rel=2e-2)


def test_raster_without_crs_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1,
                       dtype="float32") as d:
        d.write(np.ones((4, 4), dtype="float32"), 1)
    with pytest.raises(DataError, match="no coordinate reference system") as exc:
        raster_population(path, box(*SQUARE_UTM), UTM, units="count", sources=[])
    assert "nocrs.tif" in str(exc.value) and "gdal_edit" in str(exc.value)
