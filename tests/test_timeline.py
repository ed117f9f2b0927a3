"""Timeline of dated zone layers: dates, filters, untidy real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import GeometryCollection, LineString, Point, box
from typer.testing import CliRunner

from zoneplan.cli.app import app, main
from zoneplan.errors import DataError, InputError, PartsDroppedWarning
from zoneplan.render.pages.timeline import timeline_csv, write_timeline
from zoneplan.scenarios import timeline as timeline_module
from zoneplan.scenarios.dask_backend import dask_missing
from zoneplan.scenarios.timeline import (
    FLAG_NO_AREA,
    FLAG_NO_MATCH,
    FLAG_OUTSIDE,
    parse_date,
    timeline,
)

REPO = Path(__file__).resolve().parents[1]
NIBAL = REPO / ".." / "shared" / "data" / "gaza" / "btselem-nibal"


def _need_real_data() -> None:
    if not NIBAL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NIBAL} is missing (required under CI=true)")
        pytest.skip("../shared/data is not present")


def _layer(tmp_path: Path, name: str, status: list[str], dates: list[str] | None) -> Path:
    # squares inside the northern Gaza Strip (Gaza City), lon/lat
    geoms = [box(34.44 + 0.01 * i, 31.50, 34.45 + 0.01 * i, 31.51) for i in range(len(status))]
    cols: dict[str, list[str]] = {"StatusText": status}
    if dates is not None:
        cols["Date"] = dates
    p = tmp_path / name
    gpd.GeoDataFrame(cols, geometry=geoms, crs=4326).to_file(p, driver="GeoJSON")
    return p


@pytest.mark.parametrize("text,expected", [
    ("Mon, 06 May 2024 04:51:00 GMT", dt.date(2024, 5, 6)),
    ("2024-05-06", dt.date(2024, 5, 6)),
    ("06/05/2024", dt.date(2024, 5, 6)),
    ("6 May 2024", dt.date(2024, 5, 6)),
    ("19 באוק׳ 2025, 16:26", None),
    ("", None),
])
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_layer_without_date_field_names_file_and_field(tmp_path: Path) -> None:
    p = _layer(tmp_path, "a.geojson", ["Displaced"], None)
    with pytest.raises(InputError) as ei:
        timeline([str(p)], date_field="Date")
    msg = str(ei.value)
    assert str(p) in msg and "'Date'" in msg and "@YYYY-MM-DD" in msg and "StatusText" in msg
    with pytest.raises(InputError, match="--date-field"):
        timeline([str(p)])


def test_unreadable_date_says_how_to_give_it(tmp_path: Path) -> None:
    p = _layer(tmp_path, "soon.geojson", ["Displaced", "Displaced"], ["2024-05-06", "soon"])
    with pytest.raises(InputError) as ei:
        timeline([str(p)], date_field="Date")
    assert str(p) in str(ei.value) and f"{p}@YYYY-MM-DD" in str(ei.value)
    assert "'soon'" in str(ei.value)  # one unreadable value is enough to stop
    d = timeline([f"{p}@2025-10-19"], date_field="Date")
    assert d["rows"][0]["date"] == "2025-10-19"


def test_hebrew_dates_of_gaza_maps_are_read(tmp_path: Path) -> None:
    p = _layer(tmp_path, "he.geojson", ["Displaced", "Displaced"],
               ["19 באוק׳ 2025, 16:26", "21 באוק׳ 2025, 09:00"])
    d = timeline([str(p)], date_field="Date")
    assert d["rows"][0]["date"] == "2025-10-19"  # the earliest of the layer's dates


def test_filter_all_out_is_share_zero_and_dates_sort(tmp_path: Path) -> None:
    a = _layer(tmp_path, "a.geojson", ["Safe", "Safe"], ["2024-08-29", "2024-08-30"])
    b = _layer(tmp_path, "b.geojson", ["Displaced", "Safe"], ["Sat, 07 Oct 2023 21:59:00 GMT"] * 2)
    d = timeline([str(a), str(b)], date_field="Date", where="StatusText == 'Displaced'")
    assert [r["date"] for r in d["rows"]] == ["2023-10-07", "2024-08-29"]
    first, second = d["rows"]
    assert second["share_of_territory"] == 0 and second["residents"] == 0
    assert second["flag"] == FLAG_NO_MATCH and first["flag"] is None
    # one 0.01° square ≈ 0.95 km x 1.11 km ≈ 1.05 km²
    assert first["area_km2"] == pytest.approx(1.05, rel=0.05)
    assert first["residents"] > 0
    assert timeline_csv(d).count("\n") == 3


def test_bad_filter(tmp_path: Path) -> None:
    a = _layer(tmp_path, "a.geojson", ["Safe"], ["2024-08-29"])
    with pytest.raises(InputError, match="at character 12: '~' is not accepted: write 'not'"):
        timeline([str(a)], date_field="Date", where="StatusText ~ 'x'")


@pytest.mark.slow
def test_real_files_fifteen_dates(tmp_path: Path) -> None:
    _need_real_data()
    files = sorted(NIBAL.glob("IDF_zone_*.geojson"))
    assert len(files) == 15
    rel = [os.path.relpath(f, REPO) for f in files]
    old = Path.cwd()
    os.chdir(REPO)
    try:  # every date from the layers' Date attribute, the Hebrew one of 191025 included
        d = timeline(rel, date_field="Date", where="StatusText == 'Displaced'")
    finally:
        os.chdir(old)
    rows = d["rows"]
    assert len(rows) == 15
    assert rows[0]["date"] == "2023-10-07" and rows[-1]["date"] == "2025-10-19"
    assert [r["file"] for r in rows if r["date"] == "2025-10-19"] == [
        next(f for f in rel if "191025" in f)]
    assert all(0 <= r["share_of_territory"] <= 1 for r in rows)
    assert [r for r in rows if r["features"] == 0], "some layers hold only 'Safe' blocks"
    assert all(r["share_of_territory"] == 0 for r in rows if r["features"] == 0)
    out = write_timeline(d, tmp_path / "tl")
    assert sorted(p.name for p in out.iterdir()) == [".zoneplan-output", "timeline.csv",
                                                     "timeline.html", "timeline.json",
                                                     "timeline.png"]


def test_cli_commands_registered(tmp_path: Path) -> None:
    a = _layer(tmp_path, "a.geojson", ["Displaced"], ["2024-08-29"])
    r = CliRunner().invoke(app, ["timeline", str(a), "--date-field", "Date", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("date,kind,file")
    r = CliRunner().invoke(app, ["timeline", str(a), "--date-field", "Nope"])
    assert isinstance(r.exception, InputError)


def _square_layer(tmp_path: Path, name: str, cells: list[int], date: str) -> Path:
    """Squares 0.01° wide in a row across Gaza City, by index; one order on ``date``."""
    geoms = [box(34.44 + 0.01 * i, 31.50, 34.45 + 0.01 * i, 31.51) for i in cells]
    p = tmp_path / name
    gpd.GeoDataFrame({"StatusText": ["Displaced"] * len(cells)}, geometry=geoms,
                     crs=4326).to_file(p, driver="GeoJSON")
    return Path(f"{p}@{date}")


def test_orders_in_force_union_by_hand(tmp_path: Path) -> None:
    a = _square_layer(tmp_path, "a.geojson", [0, 1], "2024-05-01")
    b = _square_layer(tmp_path, "b.geojson", [1, 2], "2024-05-10")
    d = timeline([str(a), str(b)], in_force_days=30)
    one = d["rows"][0]["area_km2"] / 2  # one square
    assert d["rows"][1]["area_km2"] == pytest.approx(2 * one, rel=1e-3)
    force = {r["date"]: r for r in d["in_force"]}
    # issued 1 May and 10 May; each lapses 30 days later (31 May, 9 June)
    assert list(force) == ["2024-05-01", "2024-05-10", "2024-05-31", "2024-06-09"]
    assert force["2024-05-01"]["area_km2"] == pytest.approx(2 * one, rel=1e-3)
    assert force["2024-05-10"]["area_km2"] == pytest.approx(3 * one, rel=1e-3)  # overlap once
    assert force["2024-05-31"]["area_km2"] == pytest.approx(2 * one, rel=1e-3)
    assert force["2024-05-31"]["orders"] == [str(b)[:-11]]
    assert force["2024-06-09"]["area_km2"] == 0 and force["2024-06-09"]["orders"] == []
    assert 0 < force["2024-05-10"]["residents"] < (d["rows"][0]["residents"]
                                                   + d["rows"][1]["residents"])
    csv_text = timeline_csv(d)
    assert csv_text.count("in force (30 days)") == 4
    with pytest.raises(InputError, match="at least 1 day"):
        timeline([str(a)], in_force_days=0)


def test_flags_and_page_say_what_the_files_are(tmp_path: Path) -> None:
    a = _square_layer(tmp_path, "a.geojson", [0], "2024-05-01")
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"StatusText": ["Displaced"]}, geometry=[box(35.0, 32.0, 35.01, 32.01)],
                     crs=4326).to_file(far, driver="GeoJSON")
    d = timeline([str(a), f"{far}@2024-06-01"], in_force_days=10)
    assert d["rows"][1]["flag"] == FLAG_OUTSIDE and d["rows"][1]["area_km2"] == 0
    out = write_timeline(d, tmp_path / "tl")
    html = (out / "timeline.html").read_text(encoding="utf-8")
    assert 'class="bar order"' in html and 'class="in-force"' in html
    assert 'class="flagged"' in html and FLAG_OUTSIDE in html
    assert "one order, on its date" in html
    assert "timeline.json" in html and "result.json" not in html
    assert "until the next" not in html
    r = CliRunner().invoke(app, ["timeline", str(a), f"{far}@2024-06-01", "--in-force", "10"])
    assert r.exit_code == 0, r.output
    assert "lies inside the territory" in r.output and "Orders in force" in r.output


def test_points_and_lines_are_no_area_and_are_named(tmp_path: Path) -> None:
    """A polygon stored with a point in a GeometryCollection keeps its area; a layer of
    points alone measures 0, flagged as having no area (not as lying outside), and the
    dropped features are named in a warning."""
    mixed = tmp_path / "mixed.geojson"
    gc = GeometryCollection([box(34.44, 31.50, 34.45, 31.51), Point(34.445, 31.505)])
    gpd.GeoDataFrame({"StatusText": ["Displaced", "Displaced"]},
                     geometry=[gc, LineString([(34.44, 31.5), (34.46, 31.52)])],
                     crs=4326).to_file(mixed, driver="GeoJSON")
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame({"StatusText": ["Displaced"]}, geometry=[Point(34.445, 31.505)],
                     crs=4326).to_file(pts, driver="GeoJSON")
    plain = _square_layer(tmp_path, "plain.geojson", [0], "2024-05-01")
    with pytest.warns(PartsDroppedWarning) as got:
        d = timeline([f"{mixed}@2024-05-01", f"{pts}@2024-05-02", str(plain)])
    text = " ".join(str(w.message) for w in got)
    assert "mixed.geojson" in text and "feature 1: 1 point" in text and "feature 2: 1 line" in text
    assert "points.geojson" in text
    rows = {Path(r["file"]).name: r for r in d["rows"]}
    assert rows["mixed.geojson"]["area_km2"] == pytest.approx(rows["plain.geojson"]["area_km2"])
    assert rows["mixed.geojson"]["flag"] is None
    assert rows["points.geojson"]["flag"] == FLAG_NO_AREA
    assert rows["points.geojson"]["area_km2"] == 0


# -- where the layers are measured ---------------------------------------------------------

def test_progress_counts_orders_then_unions_in_force(tmp_path: Path) -> None:
    a = _square_layer(tmp_path, "a.geojson", [0, 1], "2024-05-01")
    b = _square_layer(tmp_path, "b.geojson", [1, 2], "2024-05-10")
    told: list[tuple[int, int]] = []
    d = timeline([str(a), str(b)], in_force_days=30, on_measured=lambda n, t: told.append((n, t)))
    total = len(d["rows"]) + len(d["in_force"])  # 2 orders, 4 dates in force
    assert told == [(n, total) for n in range(total + 1)]
    assert d["notes"] == []


def test_layers_are_read_before_a_cluster_is_opened(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be read fails as in this process, naming it, with no cluster."""
    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cluster was opened before the layers were read")

    monkeypatch.setattr(timeline_module, "open_backend", no_cluster)
    a = _square_layer(tmp_path, "a.geojson", [0], "2024-05-01")
    with pytest.raises(DataError, match="does not exist") as ei:
        timeline([str(a), str(tmp_path / "gone.geojson")], scheduler="local")
    assert "gone.geojson" in str(ei.value)
    with pytest.raises(InputError, match="has no date") as ei:
        timeline([str(a), str(a)[:-11]], scheduler="local")
    assert "a.geojson@YYYY-MM-DD" in str(ei.value)


def test_without_dask_the_layers_are_measured_here_with_a_note(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _square_layer(tmp_path, "a.geojson", [0, 1], "2024-05-01")
    here = timeline([str(a)], in_force_days=5)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    d = timeline([str(a)], in_force_days=5, scheduler="local")
    assert d["notes"] == [dask_missing("the layers")]
    assert {**d, "notes": []} == here
    r = CliRunner().invoke(app, ["timeline", str(a), "--scheduler", "local", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "note: Dask is not installed" in r.stderr and "the layers ran serially" in r.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--workers", "2"], "--workers applies to --scheduler local only"),
    (["--scheduler", "nowhere"], "unknown scheduler 'nowhere'"),
    (["--workers", "0", "--scheduler", "local"], "--workers"),
    (["--workers", "2", "--scheduler", "serial"], "--workers applies to --scheduler local"),
])
def test_scheduler_options_misused_exit_2(tmp_path: Path, args: list[str], says: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    a = _square_layer(tmp_path, "a.geojson", [0], "2024-05-01")
    assert main(["timeline", str(a), *args]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_bad_scheduler_is_said_before_any_layer_is_read(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """An unknown --scheduler, or --workers it cannot take, is refused before the layers
    are read (which can take long)."""
    read: list[object] = []
    monkeypatch.setattr(timeline_module, "_read_order", lambda *a: read.append(a))
    a = _square_layer(tmp_path, "a.geojson", [0], "2024-05-01")
    with pytest.raises(InputError, match="unknown scheduler"):
        timeline([str(a)], scheduler="nowhere")
    with pytest.raises(InputError, match="--workers applies"):
        timeline([str(a)], scheduler="tcp://127.0.0.1:9", workers=2)
    assert read == []


def _without_crs(tmp_path: Path, name: str) -> Path:
    """A shapefile of one square in lon/lat whose .prj is missing: a file without a CRS."""
    p = tmp_path / name
    gpd.GeoDataFrame({"Date": ["2024-05-06"]}, geometry=[box(34.44, 31.50, 34.45, 31.51)],
                     crs=4326).to_file(p)
    p.with_suffix(".prj").unlink()
    assert gpd.read_file(p).crs is None
    return p


def test_a_layer_without_a_crs_is_refused_naming_it(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # read as every other file is read (zoneplan.io.vectors): no CRS is assumed
    bare = _without_crs(tmp_path, "bare.shp")
    with pytest.raises(DataError, match="no coordinate reference system") as ei:
        timeline([f"{bare}@2024-05-06"])
    assert "bare.shp" in str(ei.value)
    assert main(["timeline", f"{bare}@2024-05-06"]) == 2
    err = capsys.readouterr().err
    assert "bare.shp" in err and "no coordinate reference system" in err
    assert "Traceback" not in err


def test_a_territory_without_a_crs_is_refused_naming_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layer = _layer(tmp_path, "a.geojson", ["Displaced"], ["2024-05-06"])
    bare = _without_crs(tmp_path, "outline.shp")
    assert main(["timeline", str(layer), "--date-field", "Date",
                 "--territory", str(bare)]) == 2
    err = capsys.readouterr().err
    assert "outline.shp" in err and "territory file has no coordinate reference system" in err


def test_a_projected_layer_is_measured_as_in_lon_lat(tmp_path: Path) -> None:
    # the same squares written in UTM 36N: the same figures (to rounding)
    ll = _layer(tmp_path, "ll.geojson", ["Displaced", "Displaced"], ["2024-05-06"] * 2)
    utm = tmp_path / "utm.gpkg"
    gpd.read_file(ll).to_crs(32636).to_file(utm)
    a, b = (timeline([str(p)], date_field="Date")["rows"][0] for p in (ll, utm))
    for key in ("area_km2", "share_of_territory", "residents"):
        assert b[key] == pytest.approx(a[key], rel=1e-9)
    assert a["hospitals"] == b["hospitals"]


def test_hospitals_counted_as_run_counts_them_and_said(tmp_path: Path) -> None:
    """An order over the whole Strip counts the hospitals `zoneplan run` counts for the
    whole Strip (the built-in table's high- and medium-confidence rows: 33 of 38), and
    the page and the terminal say which rows are counted."""
    import zoneplan
    from zoneplan import pack

    whole = tmp_path / "whole.geojson"
    gpd.GeoDataFrame({"StatusText": ["Displaced"]}, geometry=[box(34.1, 31.1, 34.7, 31.7)],
                     crs=4326).to_file(whole, driver="GeoJSON")
    d = timeline([f"{whole}@2024-05-01"])
    table = pack.hospitals()
    assert len(table) == 38 and (table["confidence"] == "low").sum() == 5
    assert d["rows"][0]["hospitals"] == 33
    run = zoneplan.evaluate("baseline-2023", ranges=False).to_dict()
    assert run["totals"]["hospitals"] == d["rows"][0]["hospitals"]
    assert "high and medium confidence" in d["hospitals_rule"]
    out = write_timeline(d, tmp_path / "tl")
    from html import escape

    assert escape(d["hospitals_rule"]) in (out / "timeline.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["timeline", f"{whole}@2024-05-01"])
    assert r.exit_code == 0 and "low-confidence rows" in r.output


def test_every_order_layer_is_credited_on_the_page_and_the_png(tmp_path: Path) -> None:
    from PIL import Image

    from zoneplan.render.pages.timeline import PNG_WIDTH_PX

    a = tmp_path / "a.geojson"
    gpd.GeoDataFrame({"StatusText": ["Displaced", "Displaced"],
                      "Source": ["https://maps.test/1", "https://maps.test/1"]},
                     geometry=[box(34.44, 31.50, 34.45, 31.51), box(34.45, 31.50, 34.46, 31.51)],
                     crs=4326).to_file(a, driver="GeoJSON")
    b = _square_layer(tmp_path, "b.geojson", [2], "2024-05-10")
    d = timeline([f"{a}@2024-05-01", str(b)])
    credits = {Path(r["file"]).name: r["credit"] for r in d["rows"]}
    assert credits["a.geojson"]["sources"] == ["https://maps.test/1"]  # once, not twice
    assert credits["b.geojson"]["sources"] == []
    out = write_timeline(d, tmp_path / "tl")
    html = (out / "timeline.html").read_text(encoding="utf-8")
    assert "a.geojson: sources https://maps.test/1" in html
    assert "b.geojson: no source stated in the file" in html
    with Image.open(out / "timeline.png") as png:
        assert png.size[0] == PNG_WIDTH_PX >= 2400
    # a catalogued file is credited with the catalogue's citation and licence
    from zoneplan.scenarios.timeline import layer_credit

    c = layer_credit(Path("IDF_zone_191025.geojson"), gpd.GeoDataFrame(geometry=[]))
    assert c["citation"] and "Gaza Maps" in c["citation"] and c["licence"]


def test_each_order_has_an_outline_and_a_small_map(tmp_path: Path) -> None:
    """The series holds each order's covered part as rounded WGS 84 coordinates (the two
    squares of order a, merged: corners by hand) and the page draws one map per order; a
    flagged order has no outline and its map says why."""
    from zoneplan.render.pages.timeline import timeline_html

    a = _square_layer(tmp_path, "a.geojson", [0, 1], "2024-05-01")
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"StatusText": ["Displaced"]}, geometry=[box(35.0, 32.0, 35.01, 32.01)],
                     crs=4326).to_file(far, driver="GeoJSON")
    d = timeline([str(a), f"{far}@2024-06-01"])
    geo = d["rows"][0]["outline"]
    assert geo["type"] == "Polygon"
    corners = {tuple(p) for p in geo["coordinates"][0]}
    assert corners == {(34.44, 31.5), (34.46, 31.5), (34.46, 31.51), (34.44, 31.51)}
    assert d["rows"][1]["flag"] and d["rows"][1]["outline"] is None
    terr = d["territory"]["outline"]
    assert terr["type"] in ("Polygon", "MultiPolygon")
    flat = json.dumps(terr["coordinates"])
    assert not re.search(r"\.\d{6,}", flat)  # five decimals at most
    html = timeline_html(d)
    assert html.count('class="order-map"') == 2
    assert html.count('class="order"') == 1  # the flagged order covers nothing
    assert "nothing measured" in html.split('id="order-maps"')[1]
