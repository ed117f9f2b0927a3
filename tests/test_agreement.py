"""Agreement with independent computation on real Gaza layers (../shared/data/gaza).

zoneplan's per-zone figures are compared with geopandas/shapely (areas in EPSG:32636,
point-in-polygon joins) and exactextract (raster sums) run directly on the same files.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from zoneplan.evaluate import evaluate
from zoneplan.io.quick import plan_from_files
from zoneplan.plan import LayerRef

pytestmark = pytest.mark.realdata

OUTLINE = "ocha-cod-ab-pse-2023/gaza_strip_adm1_cod.geojson"
GOVS = "ocha-cod-ab-pse-2023/gaza_governorates_adm2_cod.geojson"
ZONE = "btselem-nibal/IDF_zone_191025.geojson"
CLUSTERS = "unosat-derived-matteogrifone/Damage_Sites_clusters_500m.geojson"
HEALTH = "hotosm-osm-2024-05/hotosm_pse_health_facilities_points_gaza.geojson"
UTM = 32636


def _zones_by_geopandas(shared: Path) -> dict[str, object]:
    terr = gpd.read_file(shared / OUTLINE).to_crs(UTM).union_all()
    zone = gpd.read_file(shared / ZONE).to_crs(UTM).union_all().intersection(terr)
    return {"zone-1": zone, "rest": terr.difference(zone)}


@pytest.fixture
def zone_result(shared_data: Path) -> dict[str, dict[str, object]]:
    plan = plan_from_files(
        shared_data / OUTLINE, zones=shared_data / ZONE,
        layers={"damage": LayerRef(path=str(shared_data / CLUSTERS), count="count"),
                "hospitals": LayerRef(path=str(shared_data / HEALTH),
                                      where="amenity == 'hospital'")})
    res = evaluate(plan, ranges=False)
    return {z["id"]: z for z in res.data["zones"]}


def test_zone_areas_agree_with_geopandas(shared_data: Path,
                                         zone_result: dict[str, dict[str, object]]) -> None:
    ref = _zones_by_geopandas(shared_data)
    for zid, geom in ref.items():
        mine = float(zone_result[zid]["area_km2"])  # type: ignore[arg-type]
        want = geom.area / 1e6  # type: ignore[attr-defined]
        assert mine == pytest.approx(want, rel=1e-3), zid
    # SOURCES.md: 193.9 km² of the zone lies inside the OCHA outline
    assert float(zone_result["zone-1"]["area_km2"]) == pytest.approx(193.9, abs=0.1)  # type: ignore[arg-type]


def test_damage_clusters_per_zone_equal_sjoin(shared_data: Path,
                                              zone_result: dict[str, dict[str, object]]) -> None:
    pts = gpd.read_file(shared_data / CLUSTERS).to_crs(UTM)
    assert pts["count"].sum() == 198_308
    ref = _zones_by_geopandas(shared_data)
    zones = gpd.GeoDataFrame({"zid": list(ref)}, geometry=list(ref.values()), crs=UTM)
    joined = gpd.sjoin(pts, zones, predicate="intersects")
    want = joined.groupby("zid")["count"].sum()
    for zid in ref:
        assert zone_result[zid]["damaged_structures"] == float(want.get(zid, 0)), zid


def test_hospitals_per_zone_equal_sjoin(shared_data: Path,
                                        zone_result: dict[str, dict[str, object]]) -> None:
    pts = gpd.read_file(shared_data / HEALTH)
    pts = pts[pts["amenity"] == "hospital"].to_crs(UTM)
    assert len(pts) == 16
    ref = _zones_by_geopandas(shared_data)
    zones = gpd.GeoDataFrame({"zid": list(ref)}, geometry=list(ref.values()), crs=UTM)
    want = gpd.sjoin(pts, zones, predicate="intersects").groupby("zid").size()
    for zid in ref:
        assert zone_result[zid]["hospitals"] == int(want.get(zid, 0)), zid


def test_damage_clusters_per_governorate_equal_sjoin(shared_data: Path) -> None:
    plan = plan_from_files(shared_data / OUTLINE, zones=shared_data / GOVS,
                           zone_field="adm2_pcode",
                           layers={"damage": LayerRef(path=str(shared_data / CLUSTERS),
                                                      count="count")})
    res = evaluate(plan, ranges=False)
    got = {z["id"]: z["damaged_structures"] for z in res.data["zones"]}
    terr = gpd.read_file(shared_data / OUTLINE).to_crs(UTM).union_all()
    govs = gpd.read_file(shared_data / GOVS).to_crs(UTM)
    govs["geometry"] = govs.geometry.intersection(terr)
    pts = gpd.read_file(shared_data / CLUSTERS).to_crs(UTM)
    want = gpd.sjoin(pts, govs, predicate="intersects").groupby("adm2_pcode")["count"].sum()
    assert set(want.index) <= set(got)
    for code, n in want.items():
        assert got[code] == float(n), code


def _worldpop_like(shared: Path, path: Path) -> Path:
    """A raster in WorldPop's format over the OCHA outline: EPSG:4326, 3 arc-seconds,
    float32, nodata -99999, people per pixel."""
    terr = gpd.read_file(shared / OUTLINE).union_all()
    res = 3 / 3600
    x0, y0, x1, y1 = terr.bounds
    x0, y1 = np.floor(x0 / res) * res - res, np.ceil(y1 / res) * res + res
    w, h = int(np.ceil((x1 - x0) / res)) + 2, int(np.ceil((y1 - y0) / res)) + 2
    rng = np.random.default_rng(7)
    data = rng.gamma(0.7, 60.0, size=(h, w)).astype("float32")
    data[rng.random((h, w)) < 0.2] = -99999.0
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(x0, y1, res, res),
                       nodata=-99999.0, compress="lzw") as dst:
        dst.write(data, 1)
    return path


def test_worldpop_raster_sums_agree_with_exactextract(shared_data: Path, tmp_path: Path) -> None:
    from exactextract import exact_extract

    tif = _worldpop_like(shared_data, tmp_path / "pse_ppp_like.tif")
    plan = plan_from_files(shared_data / OUTLINE, zones=shared_data / ZONE,
                           layers={"population": LayerRef(path=str(tif), units="count")})
    res = evaluate(plan, ranges=False)
    got = {z["id"]: z["residents_baseline"] for z in res.data["zones"]}
    ref = _zones_by_geopandas(shared_data)
    gdf = gpd.GeoDataFrame({"zid": list(ref)}, geometry=list(ref.values()), crs=UTM)
    ee = exact_extract(str(tif), gdf.to_crs(4326), ["sum"], include_cols=["zid"],
                       output="pandas")
    for zid, s in zip(ee["zid"], ee["sum"], strict=True):
        assert got[zid] == pytest.approx(float(s), rel=1e-3), zid
    assert res.data["population"]["baseline_total"] == pytest.approx(
        float(ee["sum"].sum()), rel=1e-3)
