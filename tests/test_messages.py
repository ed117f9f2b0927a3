"""Bad input: each case gives exit code 2 and a message a non-programmer can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import zoneplan
from zoneplan.cli.main import main
from zoneplan.errors import DataError, GeometryError, PlanError

from .conftest import SQUARE_UTM, utm_to_lonlat


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    cap = capsys.readouterr()
    return code, cap.err + cap.out


def write_plan(tmp_path: Path, plan: dict[str, Any], name: str = "plan.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(plan, sort_keys=False))
    return p


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("id: x\ntitle: [unclosed\ndate: 2025\n")
    code, msg = run_cli(["validate", str(p)], capsys)
    assert code == 2
    assert "YAML syntax error" in msg and "line 3" in msg and "column" in msg
    assert "Traceback" not in msg


def test_unknown_key_suggests_nearest(square_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    text = square_path.read_text().replace("zones:", "zonez:")
    square_path.write_text(text)
    code, msg = run_cli(["validate", str(square_path)], capsys)
    assert code == 2
    assert "unknown key 'zonez'" in msg and "did you mean 'zones'" in msg
    assert "line " in msg


def test_missing_required_field(square_plan: dict[str, Any], tmp_path: Path) -> None:
    del square_plan["population"]["date"]
    p = write_plan(tmp_path, square_plan)
    with pytest.raises(PlanError, match=r"required field 'date' is missing") as exc:
        zoneplan.load_plan(p)
    assert exc.value.location and exc.value.location.startswith("line")


@pytest.mark.parametrize("value,expect", [(-5, "greater than 0"), ("many", "must be a number")])
def test_bad_population(square_plan: dict[str, Any], tmp_path: Path, value: Any,
                        expect: str, capsys: pytest.CaptureFixture[str]) -> None:
    square_plan["population"]["total"] = value
    code, msg = run_cli(["validate", str(write_plan(tmp_path, square_plan))], capsys)
    assert code == 2
    assert expect in msg and "population.total" in msg


def test_line_missing_territory_says_by_how_much(square_plan: dict[str, Any],
                                                 tmp_path: Path) -> None:
    _, y0, x1, y1 = SQUARE_UTM
    square_plan["lines"][0]["coordinates"] = [
        list(utm_to_lonlat(x1 + 3000, y0)), list(utm_to_lonlat(x1 + 3000, y1))]
    with pytest.raises(GeometryError, match=r"misses it by 3,000 m"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_swapped_coordinates_are_named(square_plan: dict[str, Any], tmp_path: Path) -> None:
    line = square_plan["lines"][0]["coordinates"]
    square_plan["lines"][0]["coordinates"] = [[lat, lon] for lon, lat in line]
    with pytest.raises(GeometryError, match=r"swapped"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_coordinates_out_of_range(square_plan: dict[str, Any], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    square_plan["lines"][0]["coordinates"][0] = [34.5, 131.5]
    code, msg = run_cli(["validate", str(write_plan(tmp_path, square_plan))], capsys)
    assert code == 2 and "latitude 131.5 is outside -90..90" in msg


def test_line_that_does_not_cut(square_plan: dict[str, Any], tmp_path: Path) -> None:
    x0, y0, _, _ = SQUARE_UTM
    square_plan["lines"][0]["coordinates"] = [
        list(utm_to_lonlat(x0 + 500, y0 - 100)), list(utm_to_lonlat(x0 + 500, y0 + 900))]
    with pytest.raises(GeometryError, match=r"does not cut it in two"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def _poly(bounds: tuple[float, float, float, float]) -> list[list[float]]:
    x0, y0, x1, y1 = bounds
    return [list(utm_to_lonlat(x, y)) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]


def test_overlapping_zones_named(square_plan: dict[str, Any], tmp_path: Path) -> None:
    x0, y0, x1, y1 = SQUARE_UTM
    square_plan["lines"] = []
    square_plan["zones"] = [
        {"id": "a", "label": "A", "controller": "x", "access": "resident",
         "polygon": _poly((x0, y0, x0 + 1200, y1))},
        {"id": "b", "label": "B", "controller": "x", "access": "resident",
         "polygon": _poly((x0 + 1000, y0, x1, y1))},
    ]
    with pytest.raises(GeometryError, match=r"zones 'a' and 'b' overlap by 0\.4\d\d km² near lon"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_gap_between_zones_named(square_plan: dict[str, Any], tmp_path: Path) -> None:
    # only the west zone is defined by its side; the east part is in no zone
    square_plan["zones"] = square_plan["zones"][:1]
    with pytest.raises(GeometryError, match=r"leave a gap of 3\.000 km²"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_polygon_zones_rest_becomes_zone(square_plan: dict[str, Any], tmp_path: Path) -> None:
    x0, y0, _, y1 = SQUARE_UTM
    square_plan["lines"] = []
    square_plan["zones"] = [
        {"id": "a", "label": "A", "controller": "x", "access": "resident",
         "polygon": _poly((x0 - 100, y0 - 100, x0 + 1000, y1 + 100))},
        {"id": "rest", "label": "Rest", "controller": "y", "access": "resident", "rest": True},
    ]
    r = zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))
    assert r.zone("a")["area_km2"] == pytest.approx(2.0, rel=1e-6)
    assert r.zone("rest")["area_km2"] == pytest.approx(2.0, rel=1e-6)
    assert r.zone("a")["residents"] == pytest.approx(5000, rel=1e-6)


def test_zone_outside_territory(square_plan: dict[str, Any], tmp_path: Path) -> None:
    _, y0, x1, y1 = SQUARE_UTM
    square_plan["lines"] = []
    square_plan["zones"] = [
        {"id": "far", "label": "Far", "controller": "x", "access": "resident",
         "polygon": _poly((x1 + 5000, y0, x1 + 6000, y1))},
        {"id": "rest", "label": "Rest", "controller": "y", "access": "resident", "rest": True},
    ]
    with pytest.raises(GeometryError, match=r"zone 'far' lies entirely outside the territory"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_file_without_crs(square_plan: dict[str, Any], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[box(*SQUARE_UTM)], crs=None)
    gdf.to_file(tmp_path / "nocrs.shp")
    (tmp_path / "nocrs.prj").unlink(missing_ok=True)
    square_plan["territory"] = "nocrs.shp"
    code, msg = run_cli(["validate", str(write_plan(tmp_path, square_plan))], capsys)
    assert code == 2
    assert "no coordinate reference system" in msg and "nocrs.shp" in msg and ".prj" in msg


def test_empty_territory(square_plan: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "empty.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    square_plan["territory"] = "empty.geojson"
    with pytest.raises(DataError, match="holds no features"):
        zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))


def test_plan_file_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    code, msg = run_cli(["run", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "does not exist" in msg and "zoneplan plans" in msg


def test_unknown_builtin_plan_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, msg = run_cli(["run", "green-red-2025"], capsys)
    assert code == 2 and "did you mean 'green-red-2025-11'" in msg


def test_source_reference_must_exist(square_plan: dict[str, Any], tmp_path: Path) -> None:
    square_plan["lines"][0]["sources"] = ["hnad"]
    with pytest.raises(PlanError, match=r"cites source 'hnad'.*did you mean 'hand'"):
        zoneplan.load_plan(write_plan(tmp_path, square_plan))


def test_debug_shows_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, msg = run_cli(["--debug", "run", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "Traceback" in msg


def test_invalid_territory_repaired_with_warning(square_plan: dict[str, Any],
                                                 tmp_path: Path) -> None:
    from zoneplan.errors import GeometryRepairedWarning

    x0, y0, x1, y1 = SQUARE_UTM
    # a bow-tie: the ring crosses itself in the middle of the square
    bow = [utm_to_lonlat(x, y) for x, y in ((x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0))]
    (tmp_path / "bow.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"Polygon","coordinates":[' + str([list(p) for p in bow]) + "]}}]}")
    square_plan["territory"] = "bow.geojson"
    square_plan["lines"] = []
    square_plan["zones"] = []
    with pytest.warns(GeometryRepairedWarning, match=r"Self-intersection\[34\.\d+ 31\.\d+\]"):
        r = zoneplan.evaluate(zoneplan.load_plan(write_plan(tmp_path, square_plan)))
    assert r.data["territory"]["area_km2"] == pytest.approx(2.0, rel=1e-3)
