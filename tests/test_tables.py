"""The analyst's tables: by area, CSV and Excel, shifting a line, comparing like with like,
an 80-column terminal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from rich.console import Console

import zoneplan
from zoneplan.cli import main
from zoneplan.errors import PartsDroppedWarning
from zoneplan.io.areas import read_areas
from zoneplan.render.words.terminal import print_result

from .conftest import HALVES, SQUARE_UTM, square_bands, utm_to_lonlat, write_geojson


def _halves(tmp: Path) -> Path:
    """Two areas over the square: south and north halves (y below / above 1 km)."""
    return square_bands(tmp / "halves.geojson", HALVES)


def test_areas_keep_polygons_and_say_what_they_drop(tmp_path: Path) -> None:
    """An area stored as a GeometryCollection keeps its polygon; a point is no area:
    both are named in one warning, never dropped silently."""
    halves = json.loads(_halves(tmp_path).read_text())["features"]
    south, north = halves
    mid = north["geometry"]["coordinates"][0][0]
    north["geometry"] = {"type": "GeometryCollection", "geometries": [
        north["geometry"], {"type": "Point", "coordinates": mid}]}
    point = {"type": "Feature", "properties": {"name": "well"},
             "geometry": {"type": "Point", "coordinates": mid}}
    path = write_geojson(tmp_path / "mixed.geojson", [south, north, point])
    with pytest.warns(PartsDroppedWarning) as got:
        areas = read_areas(str(path))
    assert areas.names == ["south", "north"]
    assert all(g.geom_type == "Polygon" for g in areas.geometries)
    text = str(got[0].message)
    assert "feature 2 ('north'): 1 point" in text and "feature 3 ('well'): 1 point" in text


def test_by_area_on_the_square_by_hand(square_path: Path, tmp_path: Path) -> None:
    d = zoneplan.evaluate(square_path, by=read_areas(str(_halves(tmp_path)))).to_dict()
    rows = {(r["area"], r["zone"]): r for r in d["by_area"]}
    # each half is 2 km x 1 km; the west zone takes 0.5 km x 1 km of it (25%)
    for half in ("south", "north"):
        west, east = rows[(half, "west")], rows[(half, "east")]
        assert west["area_km2"] == pytest.approx(0.5, rel=1e-6)
        assert west["share_of_area"] == pytest.approx(0.25, rel=1e-6)
        assert west["residents_baseline"] == pytest.approx(1250, rel=1e-6)
        assert west["residents"] == pytest.approx(5000, rel=1e-6)  # everyone moved west
        assert east["residents"] == pytest.approx(0, abs=1e-6)
    # rows add up to the zones
    west_total = sum(r["residents"] for r in d["by_area"] if r["zone"] == "west")
    assert west_total == pytest.approx(10_000, rel=1e-9)


@pytest.mark.slow
def test_csv_and_xlsx(square_path: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    halves = str(_halves(tmp_path))
    assert main(["run", str(square_path), "--format", "csv", "--by", halves]) == 0
    text = capsys.readouterr().out
    zones_part, by_part = text.split("\n\n", 1)
    zrows = list(csv.DictReader(io.StringIO(zones_part)))
    assert [r["zone"] for r in zrows] == ["west", "east", "(whole territory)"]
    assert float(zrows[0]["area_km2"]) == pytest.approx(1.0, rel=1e-6)
    brows = list(csv.DictReader(io.StringIO(by_part)))
    assert {r["area"] for r in brows} == {"south", "north"}
    out = tmp_path / "t.xlsx"
    assert main(["run", str(square_path), "--format", "xlsx", "--out", str(out),
                 "--by", halves]) == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert {"zones", "by area", "sources", "method"} <= set(wb.sheetnames)
    assert main(["run", str(square_path), "--format", "xlsx"]) == 2  # needs --out


@pytest.mark.realdata
def test_by_governorate_shares_agree_with_geopandas(shared_data: Path) -> None:
    """Shares of each governorate east of the line: the built-in run against geopandas on
    the same geometry, and the full-resolution layers (OCHA governorates, the 19 Oct 2025
    zone) in quick mode against an independent overlay in UTM 36N."""
    from zoneplan import pack

    d = zoneplan.evaluate("green-red-2025-11", ranges=False,
                          by=read_areas("gaza:governorates")).to_dict()
    r = zoneplan.evaluate("green-red-2025-11", ranges=False)
    green = r.zones.to_crs(32636)
    green = green.loc[green["id"] == "green", "geometry"].iloc[0]
    gov = pack.governorates().to_crs(32636)
    terr = gpd.GeoSeries([pack.outline()], crs=4326).to_crs(32636).iloc[0]
    for name, geom in zip(gov["name"], gov.geometry, strict=True):
        a = geom.intersection(terr)
        want = a.intersection(green).area / a.area
        row = next(x for x in d["by_area"] if x["area"] == name and x["zone"] == "green")
        assert row["share_of_area"] == pytest.approx(want, abs=1e-9)
    # full resolution
    adm1 = shared_data / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"
    adm2 = shared_data / "ocha-cod-ab-pse-2023" / "gaza_governorates_adm2_cod.geojson"
    zone = shared_data / "btselem-nibal" / "IDF_zone_191025.geojson"
    from zoneplan.io.quick import plan_from_files

    q = zoneplan.evaluate(plan_from_files(adm1, zones=zone), ranges=False,
                          by=read_areas(str(adm2))).to_dict()
    g2 = gpd.read_file(adm2).to_crs(32636)
    z = gpd.read_file(zone).to_crs(32636).union_all()
    t = gpd.read_file(adm1).to_crs(32636).union_all()
    field = read_areas(str(adm2)).field
    for name, geom in zip(g2[field], g2.geometry, strict=True):
        a = geom.intersection(t)
        want = a.intersection(z).area / a.area
        got = sum(x["share_of_area"] for x in q["by_area"]
                  if x["area"] == name and x["zone"] != "rest")
        assert got == pytest.approx(want, abs=1e-6)
    # quick-mode zones take their names from a name-like attribute (issue 10, item 11)
    gov_plan = plan_from_files(adm1, zones=adm2)
    labels = {z.label for z in gov_plan.zones if not z.rest}
    assert labels == {str(v) for v in g2[field]}
    assert "Khan Younis" in labels


def test_shift_a_whole_line(square_plan: dict[str, Any], tmp_path: Path) -> None:
    square_plan["lines"][0]["shift"] = {"offset_m": 250, "towards": "east"}
    d = zoneplan.evaluate(zoneplan.load_plan(square_plan, base_dir=tmp_path)).to_dict()
    west = next(z for z in d["zones"] if z["id"] == "west")
    assert west["area_km2"] == pytest.approx(1.5, rel=1e-6)  # 0.75 km x 2 km


def test_move_the_yellow_line_and_compare(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The README's worked example: two commands."""
    assert main(["show", "green-red-2025-11", "--shift", "yellow-line=1000,west"]) == 0
    moved = tmp_path / "moved.yaml"
    moved.write_text(capsys.readouterr().out)
    assert yaml.safe_load(moved.read_text())["id"] == "green-red-2025-11-shifted"
    assert main(["compare", "green-red-2025-11", str(moved), "--format", "json"]) == 0
    c = json.loads(capsys.readouterr().out)
    green = next(z for z in c["zones"] if z["id"] == "green")
    change = green["changes"]["green-red-2025-11-shifted"]
    assert change["area_km2"] == pytest.approx(46.3, rel=0.1)  # ~1 km x 46 km of line
    assert c["differences"][0]["residents_moved"] is not None


def test_show_resolved_expands_builtin_layers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "green-red-2025-11", "--resolved"]) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    line = doc["lines"][0]
    assert "layer" not in line and len(line["coordinates"]) == 33
    alt = doc["alternatives"][0]["zones"]["green"]
    assert alt == {"layer": "gaza:zone-east-2025-10-19"}  # alternatives keep their names


@pytest.mark.slow
def test_compare_matches_renamed_zones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "ceasefire-2025-10", "green-red-2025-11", "--format", "json"]) == 0
    c = json.loads(capsys.readouterr().out)
    groups = {tuple(sorted(m["zones"].values())): m["how"] for m in c["matches"]}
    assert groups[("east", "green")].startswith("geometry")
    assert groups[("red", "west")].startswith("geometry")
    assert c["differences"][0]["residents_moved"] == pytest.approx(0.0, abs=1e-6)
    assert not c["warnings"]
    assert main(["compare", "ceasefire-2025-10", "green-red-2025-11"]) == 0
    text = capsys.readouterr().out
    assert "People displaced out of the zone" in text and "change" in text
    assert "area_km2" not in text


def test_terminal_fits_80_columns() -> None:
    buf = io.StringIO()
    print_result(zoneplan.evaluate("green-red-2025-11").to_dict(),
                 Console(file=buf, width=80, color_system=None))
    lines = buf.getvalue().splitlines()
    assert max(len(x) for x in lines) <= 80
    assert "…" not in buf.getvalue()  # no number cut
    assert "(%)" in buf.getvalue() and "fraction (0-1)" not in buf.getvalue()


@pytest.mark.slow
def test_report_by_area_files(square_path: Path, tmp_path: Path) -> None:
    halves = str(_halves(tmp_path))
    out = tmp_path / "rep"
    assert main(["report", str(square_path), "--by", halves, "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"by_area.csv", "zones.parquet", "zones.gpkg", "report.html"} <= names
    import pyogrio

    assert "by_area" in [str(x) for x in pyogrio.list_layers(out / "zones.gpkg")[:, 0]]
    pieces = gpd.read_file(out / "zones.gpkg", layer="by_area").to_crs(32636)
    # each piece is what its row says: 0.5 km² (west) and 1.5 km² (east) per half
    assert sorted(pieces.area.round(-2)) == [500_000, 500_000, 1_500_000, 1_500_000]
    assert (pieces.area / 1e6 - pieces["area_km2"]).abs().max() < 1e-3
    zones = gpd.read_parquet(out / "zones.parquet")
    assert set(zones["zone_id"]) == {"west", "east"} and zones.crs.equals("EPSG:4326")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="by-area-table"' in html and "by_area.csv" in html


@pytest.mark.slow
def test_compare_by_area_and_people_to_the_nearest_100(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", "green-red-2025-11", "ceasefire-2025-10", "--by", "gaza:governorates"]
    assert main([*args, "--format", "json"]) == 0
    c = json.loads(capsys.readouterr().out)
    rows = c["by_area"]
    assert {r["area"] for r in rows} == {"North Gaza", "Gaza", "Deir al-Balah",
                                        "Khan Younis", "Rafah"}
    for g in c["zones"]:  # the areas' parts add up to the matched zone, in every plan
        for pid, v in g["values"].items():
            parts = [r["values"][pid]["residents_baseline"] for r in rows
                     if r["group"] == g["id"] and r["values"][pid] is not None]
            assert sum(parts) == pytest.approx(v["residents_baseline"], rel=1e-9)
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "By area" in text
    gaza_green = next(r for r in rows if r["area"] == "Gaza" and r["group"] == "green")
    exact = gaza_green["values"]["green-red-2025-11"]["residents_baseline"]
    assert f"{round(exact / 100) * 100:,.0f}" in text and f"{round(exact):,}" not in text


@pytest.mark.slow
def test_quick_mode_says_what_the_zones_are(square_plan: dict[str, Any], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--access and --label-field: an order map read as what it is, zones by name.

    By hand: the zone is the west strip x < 500 m (1 km², 25%): 2,500 of the 10,000
    people live there; closed, they move to the rest, which ends with all 10,000."""
    x0, y0, _, y1 = SQUARE_UTM
    ring = [list(utm_to_lonlat(x, y)) for x, y in
            ((x0, y0), (x0 + 500, y0), (x0 + 500, y1), (x0, y1), (x0, y0))]
    zones = write_geojson(tmp_path / "orders.geojson", [
        {"type": "Feature", "properties": {"name": "Block 7", "status": "evacuate"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}])
    base = ["run", "--territory", str(tmp_path / "territory.geojson"), "--zones", str(zones),
            "--layer", f"population={tmp_path / 'people.geojson'},count=pop",
            "--format", "json"]
    assert main([*base, "--access", "closed"]) == 0
    d = json.loads(capsys.readouterr().out)
    z = {x["id"]: x for x in d["zones"]}
    assert z["zone-1"]["label"] == "Block 7" and z["zone-1"]["access"] == "closed"
    assert z["rest"]["access"] == "resident"
    assert z["zone-1"]["displaced_out"] == pytest.approx(2500, rel=1e-6)
    assert z["rest"]["residents"] == pytest.approx(10_000, rel=1e-6)
    assert main([*base, "--access", "zone-1=restricted", "--label-field", "status"]) == 0
    d = json.loads(capsys.readouterr().out)
    z = {x["id"]: x for x in d["zones"]}
    assert z["zone-1"]["label"] == "evacuate" and z["zone-1"]["access"] == "restricted"
    assert main([*base[:-2], "--access", "closed"]) == 0  # headlines in words
    out = capsys.readouterr().out
    assert "Block 7: closed to civilians" in out and "would have to leave" in out
    assert main([*base, "--access", "zone-9=closed"]) == 2
    assert "zone-9" in capsys.readouterr().err
    assert main([*base, "--access", "sealed"]) == 2
    assert "resident, restricted, closed" in capsys.readouterr().err
    assert main([*base, "--label-field", "nom"]) == 2
    err = capsys.readouterr().err
    assert "'nom'" in err and "name, status" in err
    assert main(["run", "--access", "closed"]) == 2
    assert "--access needs --territory" in capsys.readouterr().err


def _hand_result() -> dict[str, Any]:
    """A result JSON made by hand: two zones, one share with float noise, one null with
    its reason, a yes/no figure with a range, one by-area row without a damage layer."""
    from zoneplan.plan.rules.definitions import INDICATORS

    keys = ("area_km2", "share_of_territory", "residents", "m2_per_person",
            "aid_through_closed_zone")
    indicators = {k: INDICATORS[k].to_dict() for k in keys}
    west = {"id": "west", "label": "West bank of the river", "access": "resident",
            "area_km2": 1.25, "share_of_territory": 0.9999999999999979,
            "residents": 168519.5037762803, "m2_per_person": 7.41,
            "aid_through_closed_zone": False,
            "ranges": {"area_km2": [1.0, 1.5], "residents": [150000.0, 170000.0],
                       "aid_through_closed_zone": [False, True]},
            "null_reasons": {}}
    east = {"id": "east", "label": "East", "access": "closed", "area_km2": 0.0,
            "share_of_territory": 2.1e-15, "residents": 0.0, "m2_per_person": None,
            "aid_through_closed_zone": None, "ranges": {},
            "null_reasons": {"m2_per_person": "no residents under the plan",
                             "aid_through_closed_zone": "the zone is closed to civilians"}}
    totals = {"area_km2": 1.25, "share_of_territory": 1.0, "residents": 168519.5037762803,
              "m2_per_person": 7.41, "aid_through_closed_zone": None, "ranges": {},
              "null_reasons": {"aid_through_closed_zone": "asked per zone open to "
                                                          "civilians"}}
    by_area = [{"area": "North", "zone": "west", "area_km2": 1.25, "share_of_area": 0.5,
                "residents_baseline": 1000.0, "residents": 2000.0, "hospitals": 1,
                "damaged_structures": None}]
    return {"plan": {"id": "hand", "title": "Hand-made"}, "indicators": indicators,
            "zones": [west, east], "totals": totals, "by_area": by_area, "claims": [],
            "sources": [{"id": "s", "publisher": "P", "title": "T", "date": "2026",
                         "url": None}],
            "ranges_from": [], "population": {}, "notes": []}


def test_xlsx_is_ready_to_paste(tmp_path: Path) -> None:
    """Headers with units, labels not ids, formats that round only what is shown, a frozen
    header, a reason for every empty cell, no range columns for yes/no figures."""
    from openpyxl import load_workbook

    from zoneplan.errors import OutputExistsError
    from zoneplan.render.exports.tables import write_xlsx

    out = tmp_path / "t.xlsx"
    write_xlsx(_hand_result(), out)
    with pytest.raises(OutputExistsError):
        write_xlsx(_hand_result(), out)
    wb = load_workbook(out)
    ws = wb["zones"]
    head = [c.value for c in ws[1]]
    assert head == ["Zone", "Civilian access", "Area (km²)", "Area, low end (km²)",
                    "Area, high end (km²)", "Share of territory (%)",
                    "Residents under the plan (people)",
                    "Residents under the plan, low end (people)",
                    "Residents under the plan, high end (people)",
                    "Area per person (m² per person)", "Aid must pass through a closed zone",
                    "Zone id", "Why cells are empty"]
    assert not any(h.endswith(("_low", "_high")) for h in head)
    assert ws.freeze_panes == "B2" and ws["A1"].font.b
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert list(rows) == ["West bank of the river", "East", "Whole territory"]
    west, east = rows["West bank of the river"], rows["East"]
    col = {h: i for i, h in enumerate(head)}
    # the value is stored unrounded; the format rounds what is shown
    share = west[col["Share of territory (%)"]]
    assert share.value == 0.9999999999999979 and share.number_format == "0.0%"
    people = west[col["Residents under the plan (people)"]]
    assert people.value == 168519.5037762803 and people.number_format == "#,##0"
    assert west[col["Area (km²)"]].number_format == "#,##0.0"
    assert west[col["Aid must pass through a closed zone"]].value == "no"
    assert west[col["Civilian access"]].value == "open to residents"
    # every empty cell has its reason, in a comment and in the row's last column
    empty = east[col["Area per person (m² per person)"]]
    assert empty.value is None and empty.comment.text == "no residents under the plan"
    assert east[col["Area, low end (km²)"]].comment is not None
    why = east[col["Why cells are empty"]].value
    assert "Area per person (m² per person): no residents under the plan" in why
    assert "Aid must pass through a closed zone: the zone is closed to civilians" in why
    for r in ws.iter_rows(min_row=2, max_col=len(head) - 1):
        for c in r:
            assert c.value is not None or c.comment is not None, c.coordinate
    assert ws.column_dimensions["A"].width >= len("West bank of the river")
    by = wb["by area"]
    bhead = [c.value for c in by[1]]
    assert bhead[:2] == ["Area", "Zone"] and "Share of the area in the zone (%)" in bhead
    row = next(by.iter_rows(min_row=2))
    assert row[1].value == "West bank of the river"
    dmg = row[bhead.index("Damaged structures")]
    assert dmg.value is None and dmg.comment.text == "the plan has no damage layer"
    src = wb["sources"]
    url = src[2][[c.value for c in src[1]].index("Url")]
    assert url.value is None and url.comment is not None
