"""Zones of any shape a file or a clip can give: polygons kept, points and lines dropped
with a warning naming the feature, never a crash; quick mode reads its zones file once;
thousands of zones build a layout quickly.

By hand, on the 2 km x 2 km test square (4 km², 10,000 people spread evenly): a zone of
the west 500 m is 1 km² and 2,500 people, whatever points or lines ride along with it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

import zoneplan
from zoneplan.cli.main import main
from zoneplan.errors import GeometryError, PartsDroppedWarning, ZoneplanError
from zoneplan.geometry import DroppedParts, polygonal, to_lonlat
from zoneplan.io.quick import plan_from_files
from zoneplan.measure.inputs import prepare
from zoneplan.measure.zones import build_layout
from zoneplan.plan import LayerRef, load_plan
from zoneplan.render.words.terminal import MAX_ZONE_TABLES, print_result

from .conftest import SQUARE_UTM, write_geojson

TERRITORY = "ocha-cod-ab-pse-2023/gaza_strip_adm1_cod.geojson"
CLIPPED = "derived/yellow_line_zones_oct2025_clipped_to_cod.geojson"
HEXAGONS = "btselem-nibal/UNOSAT_gaza_25-10-11.geojson"
UTM36N = 32636


def _ll(geom: Any) -> dict[str, Any]:
    """A geometry laid out in metres from the square's south-west corner, as GeoJSON
    in lon/lat."""
    from pyproj import CRS

    x0, y0 = SQUARE_UTM[:2]
    moved = shapely.affinity.translate(geom, x0, y0)
    return shapely.geometry.mapping(to_lonlat(moved, CRS.from_epsg(UTM36N)))


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": _ll(geom)}


def _people(tmp_path: Path) -> dict[str, LayerRef]:
    return {"population": LayerRef(path=str(tmp_path / "people.geojson"), count="pop")}


def _quick(tmp_path: Path, features: list[dict[str, Any]], **kw: Any) -> zoneplan.Plan:
    zones = write_geojson(tmp_path / "zones.geojson", features)
    return plan_from_files(tmp_path / "territory.geojson", zones=zones,
                           layers=_people(tmp_path), **kw)


def _zones(result: Any) -> dict[str, dict[str, Any]]:
    return {z["id"]: z for z in result.data["zones"]}


# --- the crash on the project's own data -------------------------------------------------

def test_clipped_yellow_line_zones_run(shared_data: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The zones clipped to the COD outline used to exit 1 ("'NoneType' object has no
    attribute 'is_empty'"): clipped again to the territory, the western zone became a
    GeometryCollection (its polygons and 6 lines along the edge) whose boundary is None.

    Now: exit 0; the lines are dropped with a warning naming the zone and the feature;
    the two zones tile the territory (53.1% and 46.9%, as the file's own areas say) and
    hold every resident of the territory."""
    args = ["run", "--territory", str(shared_data / TERRITORY),
            "--zones", str(shared_data / CLIPPED), "--format", "json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    err = " ".join(err.split())  # as wrapped for the terminal
    assert "zone 'zone-2'" in err and "feature 2 of" in err and "6 lines" in err
    d = json.loads(out)
    z = {x["id"]: x for x in d["zones"]}
    assert z["zone-1"]["share_of_territory"] == pytest.approx(0.531, abs=1e-3)
    assert z["zone-2"]["share_of_territory"] == pytest.approx(0.469, abs=1e-3)
    assert z["rest"]["area_km2"] < 1e-3
    assert sum(x["residents_baseline"] for x in d["zones"]) == pytest.approx(
        d["totals"]["residents_baseline"], rel=1e-9)
    assert d["invariants"]["area_conserved"]
    inputs = [i for i in d["provenance"]["inputs"] if i["path"].endswith(CLIPPED.split("/")[1])]
    assert len(inputs) == 1  # the zones file, once, as an input


# --- polygonal parts ---------------------------------------------------------------------

@pytest.mark.parametrize(("geom", "area", "dropped"), [
    (box(0, 0, 2, 1), 2.0, {}),
    (MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), 2.0, {}),
    (GeometryCollection([box(0, 0, 1, 1), LineString([(1, 0), (3, 0)])]), 1.0, {"line": 1}),
    (GeometryCollection([GeometryCollection([box(0, 0, 1, 1), Point(5, 5)]),
                         box(1, 0, 2, 1), Point(7, 7)]), 2.0, {"point": 2}),
    (LineString([(0, 0), (1, 1)]), 0.0, {"line": 1}),
    (Point(1, 1), 0.0, {"point": 1}),
    (GeometryCollection(), 0.0, {}),
])
def test_polygonal_keeps_the_polygons(geom: Any, area: float, dropped: dict[str, int]) -> None:
    out, lost = polygonal(geom)
    assert out.geom_type in ("Polygon", "MultiPolygon") and out.is_valid
    assert out.area == pytest.approx(area) and lost == dropped


def test_dropped_parts_one_warning_naming_the_first_features() -> None:
    log = DroppedParts("the zones file z.geojson")
    for i in range(1, 9):
        log.keep(f"feature {i}", GeometryCollection([box(0, 0, 1, 1), Point(i, 9)]))
    with pytest.warns(PartsDroppedWarning) as caught:
        log.warn()
    assert len(caught) == 1
    text = str(caught[0].message)
    assert text.startswith("the zones file z.geojson: 8 features")
    assert "feature 1: 1 point" in text and "feature 5" in text and "feature 6" not in text
    assert "and 3 more" in text and "8 points in all" in text


# --- every shape a zones file can hold ---------------------------------------------------

def test_quick_zones_of_every_shape(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    """A GeometryCollection (polygon, line, point), a MultiPolygon with a sliver, a
    polygon with a hole, a polygon running over the territory's edge, a lone point and a
    lone line: polygons kept (the hole stays a hole), the rest dropped with one warning
    naming the file and each feature by number and name."""
    west = box(0, 0, 500, 2000)
    sliver = MultiPolygon([box(600, 0, 900, 500), box(900, 0, 900.001, 500)])
    holed = Polygon([(1000, 0), (1500, 0), (1500, 500), (1000, 500)],
                    [[(1200, 200), (1300, 200), (1300, 300), (1200, 300)]])
    over = box(1600, 1500, 2500, 2500)  # runs 500 m beyond the north-east corner
    features = [
        _feature(GeometryCollection([west, LineString([(0, 0), (0, -50)]), Point(10, 10)]),
                 name="West"),
        _feature(sliver, name="Sliver"),
        _feature(holed),
        _feature(over, name="Corner"),
        _feature(Point(1800, 200), name="Lone point"),
        _feature(LineString([(1700, 100), (1900, 100)])),
    ]
    with pytest.warns(PartsDroppedWarning) as caught:
        plan = _quick(tmp_path, features)
    text = " ".join(str(w.message) for w in caught)
    assert "zones.geojson" in text
    assert "feature 1 ('West'): 1 line and 1 point" in text
    assert "feature 5 ('Lone point'): 1 point" in text and "feature 6: 1 line" in text
    assert [z.id for z in plan.zones] == ["zone-1", "zone-2", "zone-3", "zone-4", "rest"]
    assert [z.features for z in plan.zones[:4]] == [[1], [2], [3], [4]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartsDroppedWarning)
        result = zoneplan.evaluate(plan, ranges=False)
    z = _zones(result)
    assert z["zone-1"]["label"] == "West"
    assert z["zone-1"]["area_km2"] == pytest.approx(1.0, rel=1e-6)
    assert z["zone-1"]["residents_baseline"] == pytest.approx(2500, rel=1e-3)
    assert z["zone-2"]["area_km2"] == pytest.approx(0.15, rel=1e-4)
    assert z["zone-3"]["area_km2"] == pytest.approx(0.25 - 0.01, rel=1e-6)
    assert z["zone-4"]["area_km2"] == pytest.approx(0.4 * 0.5, rel=1e-6)  # clipped
    assert sum(x["area_km2"] for x in z.values()) == pytest.approx(4.0, rel=1e-9)
    assert result.data["invariants"]["area_conserved"]


def test_zones_file_with_no_polygons(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    with pytest.warns(PartsDroppedWarning), pytest.raises(ZoneplanError,
                                                          match="holds no polygons"):
        _quick(tmp_path, [_feature(Point(5, 5)), _feature(LineString([(0, 0), (9, 9)]))])


def test_plan_zone_from_a_file_of_collections(tmp_path: Path,
                                              square_plan: dict[str, Any]) -> None:
    """A plan's ``file:`` zone holding a GeometryCollection, and one naming its
    ``features``: the polygons are read, each file once; lines cut what is left."""
    write_geojson(tmp_path / "zones.geojson", [
        _feature(GeometryCollection([box(0, 0, 500, 1000), Point(0, 0)]), name="SW"),
        _feature(box(0, 1000, 500, 2000), name="NW"),
        _feature(LineString([(0, 0), (5, 5)]), name="stray")])
    plan = dict(square_plan)
    plan["zones"] = [
        {"id": "sw", "label": "SW", "controller": "A", "access": "resident",
         "file": "zones.geojson", "features": [1]},
        {"id": "nw", "label": "NW", "controller": "A", "access": "resident",
         "file": "zones.geojson", "features": [2]},
        {"id": "east", "label": "East", "controller": "B", "access": "closed",
         "side": {"cut": "east"}},
        {"id": "rest", "label": "Rest", "controller": "A", "access": "resident",
         "rest": True}]
    loaded = load_plan(plan, base_dir=tmp_path)
    with pytest.warns(PartsDroppedWarning, match=r"feature 1 \('SW'\): 1 point"):
        inputs = prepare(loaded)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartsDroppedWarning)
        z = _zones(zoneplan.evaluate(loaded, ranges=False))
    assert z["sw"]["area_km2"] == pytest.approx(0.5, rel=1e-6)
    assert z["nw"]["area_km2"] == pytest.approx(0.5, rel=1e-6)
    assert z["east"]["area_km2"] == pytest.approx(3.0, rel=1e-6)
    assert z["rest"]["area_km2"] < 1e-9
    assert [f["path"] for f in inputs.files].count(str(tmp_path / "zones.geojson")) == 1
    bad = dict(plan, zones=[dict(plan["zones"][0], features=[7]), *plan["zones"][1:]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartsDroppedWarning)
        with pytest.raises(ZoneplanError, match="no polygons as feature 7") as exc:
            prepare(load_plan(bad, base_dir=tmp_path))
    assert exc.value.exit_code == 2


def test_features_needs_a_file(square_plan: dict[str, Any], tmp_path: Path) -> None:
    plan = dict(square_plan)
    plan["zones"] = [dict(plan["zones"][0], features=[1]), plan["zones"][1]]
    with pytest.raises(ZoneplanError, match="'features' picks features of the zone's 'file'"):
        load_plan(plan, base_dir=tmp_path)


def test_zone_along_the_edge_then_cut_by_a_line(tmp_path: Path,
                                                square_plan: dict[str, Any]) -> None:
    """A polygon zone that shares the territory's whole southern edge and runs outside
    it: clipped, it leaves lines along the edge (dropped, with a warning naming the
    zone); the line then cuts what is left into west and east."""
    plan = dict(square_plan)
    strip = _ll(box(-100, -300, 2100, 400))["coordinates"][0]
    plan["zones"] = [
        {"id": "south", "label": "South strip", "controller": "A", "access": "resident",
         "polygon": [list(p) for p in strip[:-1]]},
        *plan["zones"]]
    loaded = load_plan(plan, base_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartsDroppedWarning)
        z = _zones(zoneplan.evaluate(loaded, ranges=False))
    assert z["south"]["area_km2"] == pytest.approx(0.8, rel=1e-6)
    assert z["west"]["area_km2"] == pytest.approx(0.8, rel=1e-6)
    assert z["east"]["area_km2"] == pytest.approx(2.4, rel=1e-6)


# --- fuzz: random shapes never crash -----------------------------------------------------

def _shape(kind: str, x: float, y: float, w: float, h: float) -> Any:
    b = box(x, y, x + w, y + h)
    if kind == "holed":
        return b.difference(box(x + w / 4, y + h / 4, x + w / 2, y + h / 2))
    if kind == "collection":
        return GeometryCollection([b, LineString([(x, y), (x - 50, y - 50)]), Point(x, y)])
    if kind == "sliver":
        return MultiPolygon([b, box(x + w + 1, y, x + w + 1.0001, y + h)])
    if kind == "bowtie":  # invalid: repaired
        return Polygon([(x, y), (x + w, y + h), (x + w, y), (x, y + h)])
    if kind == "point":
        return Point(x, y)
    return b


SHAPES = st.lists(st.tuples(
    st.sampled_from(["box", "holed", "collection", "sliver", "bowtie", "point"]),
    st.floats(-300, 2100), st.floats(-300, 2100), st.floats(0.01, 900),
    st.floats(0.01, 900)), min_size=1, max_size=5)


@pytest.mark.slow
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(shapes=SHAPES)
def test_fuzz_zone_shapes(tmp_path: Path, square_plan: dict[str, Any],
                          shapes: list[tuple[str, float, float, float, float]]) -> None:
    """Random zones of every kind (inside, across the edge, outside, overlapping,
    invalid): a result whose areas add up, or zoneplan's own error (exit 2)."""
    features = [_feature(_shape(*s)) for s in shapes]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = zoneplan.evaluate(_quick(tmp_path, features), ranges=False)
    except ZoneplanError as exc:
        assert exc.exit_code == 2 and exc.suggestion
        return
    zones = result.data["zones"]
    assert sum(z["area_km2"] for z in zones) == pytest.approx(4.0, rel=1e-6)
    assert result.data["invariants"]["area_conserved"]


# --- many zones --------------------------------------------------------------------------

def _grid_zones(tmp_path: Path, n: int) -> list[dict[str, Any]]:
    """n x n squares tiling the 2 km test square."""
    step = 2000 / n
    return [_feature(box(i * step, j * step, (i + 1) * step, (j + 1) * step),
                     name=f"cell {i}-{j}") for i in range(n) for j in range(n)]


@pytest.mark.slow
def test_many_zones_build_a_layout(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    """2,500 zones read, checked (overlaps by an index, not by every pair) and cut; they
    tile the square exactly. (Their speed is measured by benchmarks/bench_zones.py.)"""
    plan = _quick(tmp_path, _grid_zones(tmp_path, 50))
    layout = build_layout(prepare(plan))
    assert len(layout.zones) == 2501
    assert sum(z.area_m2 for z in layout.zones) == pytest.approx(4e6, rel=1e-9)
    assert layout.zones[-1].area_m2 < 1e-3  # rest


def test_overlap_named_among_many(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    features = _grid_zones(tmp_path, 10)
    features.append(_feature(box(450, 450, 650, 650), name="overlapping"))
    with pytest.raises(GeometryError, match=r"zones 'zone-23' and 'zone-101' overlap by "
                                            r"0\.022 km²"):
        build_layout(prepare(_quick(tmp_path, features)))


def test_quick_plan_reads_the_zones_file_once(tmp_path: Path, square_plan: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No per-zone temporary files: the zones name the file and their features, carry
    their polygons, and evaluating reads the file no more; written out, the plan reads
    the file once and gives the same figures."""
    import zoneplan.io.vectors as vectors

    plan = _quick(tmp_path, _grid_zones(tmp_path, 4))
    zones_file = str((tmp_path / "zones.geojson").resolve())
    assert all(z.file == zones_file and z.carried is not None for z in plan.zones[:-1])
    reads: list[str] = []
    real = vectors.read_vector

    def counting(path: Any, *, what: str) -> Any:
        reads.append(str(path))
        return real(path, what=what)

    monkeypatch.setattr(vectors, "read_vector", counting)
    first = zoneplan.evaluate(plan, ranges=False)
    assert zones_file not in reads
    again = load_plan(plan.model_dump(exclude_none=True), base_dir=tmp_path)
    assert again.zones[0].carried is None and again.zones[0].features == [1]
    second = zoneplan.evaluate(again, ranges=False)
    assert reads.count(zones_file) == 1
    for a, b in zip(first.data["zones"], second.data["zones"], strict=True):
        assert a["area_km2"] == pytest.approx(b["area_km2"], rel=1e-12)
    paths = [f["path"] for f in first.data["provenance"]["inputs"]]
    assert paths.count(zones_file) == 1
    role = next(f["role"] for f in first.data["provenance"]["inputs"]
                if f["path"] == zones_file)
    assert role == "zones zone-1, zone-2, zone-3 and 13 more"


@pytest.mark.slow
def test_terminal_summarises_many_zones(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    """Beyond MAX_ZONE_TABLES zones, one table of the zones with the most people and the
    rest summed, and a note pointing to --format json/csv; few zones keep a table each."""
    n = 7
    assert n * n > MAX_ZONE_TABLES
    result = zoneplan.evaluate(_quick(tmp_path, _grid_zones(tmp_path, n)), ranges=False)
    console = Console(width=200, record=True, force_terminal=False)
    print_result(result.to_dict(), console)
    text = console.export_text()
    assert f"{n * n + 1} zones: the 15 with the most pre-war residents" in text
    assert f"the other {n * n + 1 - 15} zones" in text and "Whole territory" in text
    assert "--format json" in text and "--format csv" in text
    assert text.count("│ cell ") == 15
    few = zoneplan.evaluate(_quick(tmp_path, _grid_zones(tmp_path, 2)), ranges=False)
    console = Console(width=200, record=True, force_terminal=False)
    print_result(few.to_dict(), console)
    text = console.export_text()
    assert "too many" not in text and text.count("cell ") >= 4


@pytest.mark.slow
def test_hexagons_up_to_the_layout(shared_data: Path) -> None:
    """The 3,882 UNOSAT hexagons over the Strip: read, checked and cut, tiling the
    territory (speed: benchmarks/bench_zones.py)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartsDroppedWarning)
        plan = plan_from_files(shared_data / TERRITORY, zones=shared_data / HEXAGONS)
        layout = build_layout(prepare(plan))
    assert len(layout.zones) == 3883
    total = sum(z.area_m2 for z in layout.zones) + layout.remainder.area
    assert total == pytest.approx(layout.territory.area, rel=1e-9)


@pytest.mark.slow
def test_utm_zone_by_arithmetic_equals_the_proj_database() -> None:
    """The UTM zone worked out from longitude is the one PROJ's database gives (edges of
    bands, the equator, the antimeridian, near the limits of UTM's latitudes)."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info

    from zoneplan.geometry.crs import _utm_crs

    rng = np.random.default_rng(0)
    lons = [-180.0, -174.0, -6.0, 0.0, 30.0, 36.0, 174.0, 180.0,
            *rng.uniform(-180, 180, 6), 34.4, 35.99999]
    for lon in lons:
        for lat in (-79.9, 0.0, 31.4, 83.9):
            infos = query_utm_crs_info(datum_name="WGS 84", area_of_interest=AreaOfInterest(
                float(lon), lat, float(lon), lat))
            infos = sorted(infos, key=lambda i: (not i.name.startswith("WGS 84 / UTM"),
                                                 i.code))
            assert _utm_crs(float(lon), lat).to_epsg() == int(infos[0].code), (lon, lat)
