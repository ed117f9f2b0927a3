"""Vector formats end to end: the same damage points in every format give the same totals.

Points lie inside the Gaza outline, two in the south (Rafah, east of the yellow line:
the default plan's green zone) and two in the north (Gaza City, west of it: red),
each at least 2 km from the line and from the coast, so which zone holds them does not
depend on rounding. Nothing here touches the network.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from pyproj import CRS
from shapely.geometry import Point, Polygon

from zoneplan import pack
from zoneplan.cli.main import main
from zoneplan.geometry import WGS84, project, to_lonlat
from zoneplan.io.vectors import read_vector

SOUTH = [(34.300, 31.300), (34.302, 31.301)]  # green zone (east of the yellow line)
NORTH = [(34.460, 31.520), (34.458, 31.519)]  # red zone (west of it)
COUNTS = [3, 5, 7, 11]  # damaged structures per point: south 8, north 18
CLASSES = ["Destroyed", "Severely Damaged", "Moderately Damaged", "Possibly Damaged"]
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None
UTM = CRS.from_epsg(32636)


def _damage() -> gpd.GeoDataFrame:
    pts = [Point(xy) for xy in SOUTH + NORTH]
    assert all(pack.outline().contains(p) for p in pts)
    return gpd.GeoDataFrame({"n": COUNTS, "site": ["a", "b", "c", "d"]}, geometry=pts,
                            crs=WGS84)


def _write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = gdf.drop(columns="geometry")
        df["lon"], df["lat"] = gdf.geometry.x, gdf.geometry.y
        df.to_csv(path, index=False)
    elif suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile",
                  ".fgb": "FlatGeobuf"}[suffix]
        gdf.to_file(path, driver=driver)
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["run", "--format", "json", "--no-ranges", *args])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    return code, json.loads(cap.out)


def _zones(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {z["id"]: z for z in result["zones"]}


FORMATS = [
    pytest.param("d.geojson", id="geojson"),
    pytest.param("d.gpkg", id="geopackage"),
    pytest.param("d.shp", id="shapefile"),
    pytest.param("d.fgb", id="flatgeobuf"),
    pytest.param("d.parquet", id="geoparquet", marks=pytest.mark.skipif(
        not HAS_PYARROW, reason="GeoParquet needs pyarrow, which is not installed "
        "(pip install pyarrow)")),
    pytest.param("d.csv", id="csv-lon-lat"),
]


@pytest.mark.parametrize("name", FORMATS)
def test_read_vector_formats(tmp_path: Path, name: str) -> None:
    path = _write(_damage(), tmp_path / name)
    gdf = read_vector(path, what="damage layer")
    assert gdf.crs.equals(WGS84)
    assert len(gdf) == 4
    gdf = gdf.sort_values("site")  # FlatGeobuf's spatial index reorders features
    assert gdf["n"].astype(float).tolist() == COUNTS
    assert gdf.geometry.x.tolist() == pytest.approx([xy[0] for xy in SOUTH + NORTH])


@pytest.mark.parametrize("name", FORMATS)
def test_damage_layer_end_to_end(tmp_path: Path, name: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(_damage(), tmp_path / name)
    _, res = _run(["--layer", f"damage={path},count=n"], capsys)
    z = _zones(res)
    assert res["totals"]["damaged_structures"] == 26.0
    assert res["totals"]["damaged_structures_outside_zones"] == 0.0
    assert z["green"]["damaged_structures"] == 8.0
    assert z["red"]["damaged_structures"] == 18.0
    assert z["green"]["damage_share"] == pytest.approx(8 / 26)


def test_damage_layer_in_a_projected_crs(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A GeoPackage in UTM 36N is reprojected, not emptied."""
    path = _write(_damage().to_crs(UTM), tmp_path / "utm.gpkg")
    _, res = _run(["--layer", f"damage={path},count=n"], capsys)
    assert _zones(res)["red"]["damaged_structures"] == 18.0


def test_damage_without_count_counts_points(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(_damage(), tmp_path / "d.fgb")
    _, res = _run(["--layer", f"damage={path}"], capsys)
    assert res["totals"]["damaged_structures"] == 4.0


def test_geoparquet_without_pyarrow_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Where pyarrow is missing (simulated: geopandas raises the ImportError it raises
    then), the message names the file and the package to install."""
    def no_pyarrow(*args: object, **kwargs: object) -> None:
        raise ImportError("Missing optional dependency 'pyarrow.parquet'. pyarrow is "
                          "required for Parquet support.", name="pyarrow")

    monkeypatch.setattr(gpd, "read_parquet", no_pyarrow)
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1 not really")
    code = main(["run", "--format", "json", "--no-ranges", "--layer", f"damage={path}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "pyarrow" in err and "d.parquet" in err


# --- damage by UNOSAT class ----------------------------------------------------------

@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv"])
def test_damage_by_class_adds_up(tmp_path: Path, suffix: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """South: Destroyed 3, Severely Damaged 5; north: Moderately 7, Possibly 11 and one
    more Destroyed (2). Each zone's classes add up to its damaged structures."""
    pts = [*SOUTH, *NORTH, (34.459, 31.521)]
    gdf = gpd.GeoDataFrame({"n": [*COUNTS, 2],
                            "Main_Damage_Site_Class": [*CLASSES, "Destroyed"]},
                           geometry=[Point(xy) for xy in pts], crs=WGS84)
    path = _write(gdf, tmp_path / f"unosat{suffix}")
    _, res = _run(["--layer", f"damage={path},count=n,class=Main_Damage_Site_Class"], capsys)
    z = _zones(res)
    assert z["green"]["damage_by_class"] == {"Destroyed": 3.0, "Severely Damaged": 5.0}
    assert z["red"]["damage_by_class"] == {"Moderately Damaged": 7.0, "Possibly Damaged": 11.0,
                                           "Destroyed": 2.0}
    for zone in z.values():
        assert sum(zone["damage_by_class"].values()) == zone["damaged_structures"]
    assert res["totals"]["damaged_structures"] == 28.0


def test_damage_class_missing_attribute_suggests(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    gdf = _damage()
    gdf["Main_Damage_Site_Class"] = "Destroyed"
    path = _write(gdf, tmp_path / "d.gpkg")
    code = main(["run", "--format", "json", "--no-ranges", "--layer",
                 f"damage={path},count=n,class=Main_Damage_Class"])
    err = capsys.readouterr().err
    assert code == 2
    assert "did you mean 'Main_Damage_Site_Class'?" in err


# --- an H3-style hexagon population grid (Kontur-like GeoPackage) --------------------

def _hexagons(lon: float, lat: float, ring: int, radius_m: float) -> list[Polygon]:
    """Pointy-top hexagons of circumradius ``radius_m`` around a centre: the centre and
    its neighbours out to ``ring`` steps (1 + 6 + 12 ... cells, like an H3 k-ring)."""
    c = project(Point(lon, lat), UTM)
    w = math.sqrt(3) * radius_m
    out = []
    for q in range(-ring, ring + 1):
        for r in range(max(-ring, -q - ring), min(ring, -q + ring) + 1):
            cx, cy = c.x + w * (q + r / 2), c.y + 1.5 * radius_m * r
            corners = [(cx + radius_m * math.cos(math.radians(30 + 60 * k)),
                        cy + radius_m * math.sin(math.radians(30 + 60 * k))) for k in range(6)]
            out.append(to_lonlat(Polygon(corners), UTM))
    return out


def _plan_with_population(tmp: Path, layer: str) -> Path:
    plan = yaml.safe_load((Path(pack.__file__).parent / "plans" / "green-red-2025-11.yaml")
                          .read_text(encoding="utf-8"))
    plan["population"]["baseline"] = "pop"
    plan["layers"] = {"pop": {"path": layer, "count": "population"}}
    path = tmp / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_hexagon_population_layer_conserves_total(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Seven 300 m hexagons around Rafah (green) and seven around Gaza City (red), each
    with a population; the baseline in each zone is its hexagons' sum, exactly."""
    south = _hexagons(*SOUTH[0], ring=1, radius_m=300)
    north = _hexagons(*NORTH[0], ring=1, radius_m=300)
    assert len(south) == len(north) == 7
    outline = pack.outline()
    assert all(outline.contains(h) for h in south + north)
    pops = [1000.0, 200.5, 300.0, 400.0, 0.0, 600.0, 700.0,
            50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 12345.25]
    hexes = gpd.GeoDataFrame({"h3": [f"88{k:013x}" for k in range(14)], "population": pops},
                             geometry=south + north, crs=WGS84)
    hexes.to_file(tmp_path / "kontur.gpkg", driver="GPKG")
    _, res = _run([str(_plan_with_population(tmp_path, "kontur.gpkg"))], capsys)
    z = _zones(res)
    assert res["totals"]["residents_baseline"] == pytest.approx(sum(pops), rel=1e-9)
    assert z["green"]["residents_baseline"] == pytest.approx(sum(pops[:7]), rel=1e-9)
    assert z["red"]["residents_baseline"] == pytest.approx(sum(pops[7:]), rel=1e-9)
    assert res["population"]["baseline_total"] == pytest.approx(sum(pops), rel=1e-12)
    assert res["population"]["baseline_label"] == "population from kontur.gpkg"


def test_results_with_many_zones_are_written_unindented(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The same JSON either way; indented up to INDENT_ZONES zones, compact beyond."""
    import json

    from zoneplan import result

    data = {"zones": [{"id": f"zone-{i}", "residents": i * 1.5} for i in range(3)],
            "totals": {"residents": 4.5}}
    pretty = result.json_text(data)
    assert "\n  " in pretty and json.loads(pretty) == data
    monkeypatch.setattr(result, "INDENT_ZONES", 2)
    compact = result.json_text(data)
    assert "\n" not in compact and json.loads(compact) == data
    assert "\n" not in result.json_text([data, data])  # a list of results counts all zones
