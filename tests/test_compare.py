"""Comparing plans: zones matched by id, differences, differing territories."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml

import zoneplan
from zoneplan import pack
from zoneplan.errors import InputError, OutputExistsError
from zoneplan.plan import load_plan
from zoneplan.render.pages.compare import write_compare
from zoneplan.scenarios.compare import compare, crossing_residents


@pytest.fixture(scope="module")
def green_red() -> zoneplan.Result:
    return zoneplan.evaluate("green-red-2025-11")


def test_same_plan_twice_has_no_differences(green_red: zoneplan.Result) -> None:
    c = compare([green_red, green_red])
    diff = c.data["differences"][0]
    assert diff["residents_moved"] == pytest.approx(0.0)
    assert diff["hospitals_changing_zone"] == []
    assert diff["crossing_residents"]["change"] == pytest.approx(0.0)
    assert [z["id"] for z in c.data["zones"]] == ["green", "red"]
    assert c.data["warnings"] == []
    json.dumps(c.data)


def test_crossing_residents_counts_people_whose_nearest_hospital_is_closed(
        green_red: zoneplan.Result) -> None:
    n = crossing_residents(green_red)
    assert n is not None
    # some red-zone residents live nearest to one of the ten green-zone hospitals,
    # but never more than everyone
    assert 0 < n < 2_100_000


def test_zones_only_in_one_plan_are_shown_as_such(green_red: zoneplan.Result) -> None:
    c = compare([green_red, "baseline-2023"])
    only = {z["id"]: z["in_plans"] for z in c.data["zones"] if len(z["in_plans"]) == 1}
    assert "green" in only and only["green"] == ["green-red-2025-11"]
    assert any("only in" in w for w in c.data["warnings"])
    red = next(z for z in c.data["zones"] if z["id"] == "red")
    assert red["values"]["baseline-2023"] is None
    # no zone id in common: zones cannot be matched, so no "moved" figure is made up
    assert c.data["differences"][0]["residents_moved"] is None
    assert c.data["differences"][0]["hospitals_changing_zone"] == []


def test_differing_territories_warn_and_compare_matching_zones(
        tmp_path: Path, green_red: zoneplan.Result) -> None:
    src = load_plan("green-red-2025-11")
    assert src.path is not None
    data = yaml.safe_load(Path(src.path).read_text())
    outline = gpd.GeoDataFrame(geometry=[pack.outline().simplify(0.003)], crs=4326)
    outline.to_file(tmp_path / "outline.geojson", driver="GeoJSON")
    data["territory"] = "outline.geojson"
    data["id"] = "green-red-simplified"
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    c = compare([green_red, tmp_path / "plan.yaml"])
    assert any("territories differ" in w for w in c.data["warnings"])
    ids = [z["id"] for z in c.data["zones"] if len(z["in_plans"]) == 2]
    assert ids == ["green", "red"]
    assert c.data["differences"][0]["zones"][0]["residents_change"] is not None


def test_one_plan_is_not_a_comparison() -> None:
    with pytest.raises(InputError, match="at least two"):
        compare(["green-red-2025-11"])


def test_compare_html_is_written_once(tmp_path: Path, green_red: zoneplan.Result) -> None:
    c = compare([green_red, green_red])
    out = write_compare(c, tmp_path / "cmp")
    html = (out / "compare.html").read_text()
    assert html.count('class="small-map"') == 2  # one inline SVG map per plan, with a legend
    body = html.split("<main>")[1].split("<h2>Defin")[0]
    assert 'src="http' not in body and 'href="http' not in body and "<script" not in html
    with pytest.raises(OutputExistsError):
        write_compare(c, tmp_path / "cmp")


def test_cli_report_and_compare(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from zoneplan.cli import compare as cli_compare
    from zoneplan.cli import report as cli_report

    app = typer.Typer()
    cli_report.register(app)
    cli_compare.register(app)
    runner = CliRunner()
    r = runner.invoke(app, ["compare", "green-red-2025-11", "green-red-2025-11", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["differences"][0]["residents_moved"] == pytest.approx(0)
    out = tmp_path / "rep"
    out.mkdir()
    r = runner.invoke(app, ["report", "green-red-2025-11", "--out", str(out)])
    assert isinstance(r.exception, OutputExistsError)
    assert list(out.iterdir()) == []


def _square_with_hospitals(tmp_path: Path, square_plan: dict[str, object], *, line_x: float,
                           east_access: str, hospitals: list[tuple[float, float]]) -> Path:
    """The square plan of conftest with its line at ``line_x`` metres from the west edge,
    the east zone's access set, and hospitals at (x, y) metres from the south-west
    corner."""
    from tests.conftest import SQUARE_UTM, utm_to_lonlat, write_geojson

    x0, y0, _, y1 = SQUARE_UTM
    plan = json.loads(json.dumps(square_plan))
    plan["lines"][0]["coordinates"] = [list(utm_to_lonlat(x0 + line_x, y0 - 100)),
                                       list(utm_to_lonlat(x0 + line_x, y1 + 100))]
    plan["zones"][1]["access"] = east_access
    write_geojson(tmp_path / "hospitals.geojson", [
        {"type": "Feature", "properties": {"name": f"h{i}"},
         "geometry": {"type": "Point", "coordinates": list(utm_to_lonlat(x0 + x, y0 + y))}}
        for i, (x, y) in enumerate(hospitals)])
    plan["layers"]["hospitals"] = {"path": "hospitals.geojson"}
    path = tmp_path / f"square-{line_x:g}-{east_access}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_crossing_residents_share_cut_cells_by_area(
        tmp_path: Path, square_plan: dict[str, object]) -> None:
    # The line at 505 m runs down the middle of a column of the 10 m cells (through
    # their centroids), so half of each of those cells is west; the east zone is
    # closed, so all 10,000
    # people live west of it, and the one hospital lies in the closed east zone (1.9 km
    # east, 1 km north): every resident's nearest hospital is across the line, so the
    # count is all 10,000 (by hand). Counting a cut cell wholly in the zone of its
    # centroid (the rule before) left out the west halves of that column: 9,950.5.
    path = _square_with_hospitals(tmp_path, square_plan, line_x=505, east_access="closed",
                                  hospitals=[(1900, 1000)])
    r = zoneplan.evaluate(path)
    assert sum(z["residents"] for z in r.data["zones"]) == pytest.approx(10_000, rel=1e-9)
    assert crossing_residents(r) == pytest.approx(10_000, rel=1e-9)
    # the hospital in the west zone instead: nobody crosses
    path = _square_with_hospitals(tmp_path, square_plan, line_x=505, east_access="closed",
                                  hospitals=[(100, 1000)])
    assert crossing_residents(zoneplan.evaluate(path, ranges=False)) == pytest.approx(0.0)


def test_crossing_residents_none_where_no_zone_is_closed(
        tmp_path: Path, square_plan: dict[str, object]) -> None:
    # both zones open to residents (10,000 people spread evenly: 2,525 on the west
    # 1.01 km², 7,475 on the east 2.99 km²), a hospital in each: whichever is nearest,
    # it lies in no closed zone, so nobody has to cross (by hand: 0)
    path = _square_with_hospitals(tmp_path, square_plan, line_x=505, east_access="resident",
                                  hospitals=[(50, 1000), (1950, 1000)])
    r = zoneplan.evaluate(path)
    assert {z["id"]: z["residents"] for z in r.data["zones"]} == pytest.approx(
        {"west": 2525, "east": 7475}, rel=1e-6)
    assert crossing_residents(r) == pytest.approx(0.0)


def _hand_comparison() -> dict[str, Any]:
    """Two plans, one zone, numbers chosen so that the exact change rounds differently from
    the change of the rounded values (by hand: hospitals 79.4 → 79.6 shows 79 → 80, +1;
    width 2.84 → 3.76 km shows 2.8 → 3.8, +1.0; share 0.5413 → 0.5413 shows 54.1% twice,
    0; reconstruction 0.451 → 0.462 is +1.1 percentage points)."""
    from zoneplan.scenarios.compare import COMPARE_KEYS

    a = dict.fromkeys(COMPARE_KEYS)
    a.update({"hospitals": 79.4, "width_km": 2.84, "share_of_territory": 0.5413,
              "reconstruction_share": 0.451, "area_km2": 196.94})
    b = dict(a)
    b.update({"hospitals": 79.6, "width_km": 3.76, "share_of_territory": 0.54134,
              "reconstruction_share": 0.462})
    exact = {k: (None if a[k] is None else b[k] - a[k]) for k in COMPARE_KEYS}
    return {"plans": [{"id": "p1", "title": "One"}, {"id": "p2", "title": "Two"}],
            "zones": [{"id": "green", "label": "Green", "values": {"p1": a, "p2": b},
                       "changes": {"p2": exact}}],
            "differences": [], "warnings": [], "matches": []}


def test_compare_changes_agree_with_the_shown_values(
        capsys: pytest.CaptureFixture[str]) -> None:
    from types import SimpleNamespace

    from zoneplan.cli.compare import _print_compare
    from zoneplan.plan.rules.definitions import INDICATORS
    from zoneplan.render.pages.compare import _zone_tables

    d = _hand_comparison()
    ind = {k: v.to_dict() for k, v in INDICATORS.items()}
    _print_compare(d, ind)
    rows = {ln.split("│")[1].strip(): [c.strip() for c in ln.split("│")[2:-1]]
            for ln in capsys.readouterr().out.splitlines() if ln.count("│") >= 4}
    assert rows["Hospitals"] == ["79", "80", "+1"]
    assert rows["Width (km)"] == ["2.8", "3.8", "+1.0"]
    assert rows["Share of territory (%)"] == ["54.1%", "54.1%", "0"]
    assert rows["Share of reconstruction (%)"] == ["45.1%", "46.2%", "+1.1 pp"]
    first = SimpleNamespace(to_dict=lambda: {"indicators": ind})
    html = _zone_tables(SimpleNamespace(data=d, results=[first]))  # type: ignore[arg-type]
    assert 'data-label="p2 − p1">+1</td>' in html  # on a phone each figure is named
    html = re.sub(r' data-label="[^"]*"', "", html)
    cells = html.split("<tr>")
    row = {c.split("</td>")[0].removeprefix("<td>"): c for c in cells if c.startswith("<td>")}
    assert "<td>79</td><td>80</td><td>+1</td>" in row["Hospitals"]
    assert "<td>2.8</td><td>3.8</td><td>+1.0</td>" in row["Width (km)"]
    assert "<td>54.1%</td><td>54.1%</td><td>0</td>" in row["Share of territory"]
    assert "<td>+1.1 pp</td>" in row["Share of reconstruction"]
    assert "±" not in html and "+0<" not in html


def test_zones_are_matched_by_place_before_id(tmp_path: Path,
                                               square_plan: dict[str, object]) -> None:
    """Issue 23: a plan whose ids name other places is matched by place (intersection
    over union 1) and says so; the same ids over other places are matched by id and say
    they are not the same place, with their intersection over union."""
    from zoneplan.scenarios.compare import compare

    a = tmp_path / "a.yaml"
    a.write_text(yaml.safe_dump(square_plan, sort_keys=False))
    swapped = json.loads(json.dumps(square_plan))
    swapped["id"] = "swapped"
    swapped["zones"][0]["id"], swapped["zones"][1]["id"] = "east", "west"
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(swapped, sort_keys=False))
    c = compare([zoneplan.evaluate(str(p), ranges=False) for p in (a, b)]).data
    pairs = {(m["zones"][square_plan["id"]], m["zones"]["swapped"]): m["how"]
             for m in c["matches"] if len(m["zones"]) == 2}
    assert set(pairs) == {("west", "east"), ("east", "west")}
    assert all(how.startswith("geometry (IoU 1.000") for how in pairs.values())
    assert pairs[("west", "east")] == ("geometry (IoU 1.000; the zone with the same id "
                                       "'west' overlaps it by IoU 0.000)")
    # the line 400 m further east: the same ids, other places (west 1 km² → 1.8 km²:
    # IoU 1/1.8 = 0.556 by hand), matched by id and said to be another place
    moved = json.loads(json.dumps(square_plan))
    moved["id"] = "moved"
    from tests.conftest import SQUARE_UTM, utm_to_lonlat

    x0, y0, _, y1 = SQUARE_UTM
    moved["lines"][0]["coordinates"] = [list(utm_to_lonlat(x0 + 900, y0 - 100)),
                                        list(utm_to_lonlat(x0 + 900, y1 + 100))]
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump(moved, sort_keys=False))
    c = compare([zoneplan.evaluate(str(p), ranges=False) for p in (a, m)]).data
    hows = {g["zones"][square_plan["id"]]: g["how"] for g in c["matches"]
            if len(g["zones"]) == 2}
    assert hows["west"] == "id, another place (IoU 0.556)"


# --- one plan at two dates (PLAN@DATE, --as-of) -------------------------------------------


@pytest.fixture(scope="module")
def before_after() -> Any:
    """The default plan with the facts of its own date and of 1 March 2026."""
    return compare(["green-red-2025-11@2025-11-14", "green-red-2025-11@2026-03-01"],
                   )


def test_one_plan_at_two_dates_says_what_changed_and_why(before_after: Any) -> None:
    d = before_after.data
    a, b = "green-red-2025-11@2025-11-14", "green-red-2025-11@2026-03-01"
    assert [p["id"] for p in d["plans"]] == [a, b]
    assert [p["as_of"] for p in d["plans"]] == ["2025-11-14", "2026-03-01"]
    green = next(z for z in d["zones"] if z["id"] == "green")
    # crossing_status_history.csv: on 2025-11-14 Kerem Shalom (opening into the green
    # zone) is open for aid, Rafah closed; on 2026-03-01 both closed (28 Feb 2026)
    assert green["values"][a]["crossings_open"] == 1
    assert green["values"][b]["crossings_open"] == 0
    assert green["changes"][b]["crossings_open"] == -1
    # the line as drawn does not move: the central areas are the same
    assert green["changes"][b]["area_km2"] == 0.0
    facts = d["differences"][0]["facts_changed"]
    assert {(f["kind"], f["id"]) for f in facts} == {
        ("crossing state", "kerem_shalom"), ("crossing state", "rafah"),
        ("crossing state", "kissufim"), ("crossing state", "zikim"),
        ("line variant", "markers-200m-west"), ("line variant", "markers-300m-west"),
        ("force", "Indonesia (offered)")}  # Erez: closed since 2025-10-10 on both dates
    zikim = next(f for f in facts if f["id"] == "zikim")
    assert (zikim["from"]["state"], zikim["to"]["state"]) == ("open", "closed")
    assert zikim["date"] == "2026-03-01"
    assert zikim["summary"] == ("Zikim Crossing: open (dated 2025-11-12) → closed "
                                "(dated 2026-03-01)")
    indonesia = next(f for f in facts if f["kind"] == "force")
    assert indonesia["from"] is None and indonesia["to"]["personnel"] == 8000
    assert indonesia["to"]["words"] == "can send up to 8,000 personnel"
    assert [f["date"] for f in facts] == sorted(
        f["date"] for f in facts)  # all full dates or months of one form here
    json.dumps(d)


def test_compare_as_of_applies_to_every_undated_plan() -> None:
    c = compare(["green-red-2025-11", "green-red-2025-11@2025-11-14"], as_of="2026-03-01")
    assert [p["as_of"] for p in c.data["plans"]] == ["2026-03-01", "2025-11-14"]
    kinds = {f["id"]: (f["from"] is None, f["to"] is None)
             for f in c.data["differences"][0]["facts_changed"]}
    assert kinds["markers-200m-west"] == (False, True)  # known on 1 March 2026 only


def test_the_same_plan_at_the_same_date_has_no_facts_changed(green_red: zoneplan.Result
                                                             ) -> None:
    c = compare([green_red, green_red])
    assert c.data["differences"][0]["facts_changed"] == []


@pytest.mark.parametrize("ref, says", [
    ("green-red-2025-11@2026-13-01", "'2026-13-01' is not a date"),
    ("green-red-2025-11@20260301", "'20260301' is not a date"),
    ("green-red-2025-11@", "'' is not a date"),
    ("@2026-03-01", "names no plan before '@'"),
])
def test_a_bad_date_after_at_is_refused_before_any_work(ref: str, says: str,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    import importlib

    ev = importlib.import_module("zoneplan.evaluate")  # the module, not the function

    def boom(*a: Any, **k: Any) -> None:
        raise AssertionError("evaluated before the dates were checked")

    monkeypatch.setattr(ev, "evaluate", boom)
    with pytest.raises(InputError, match=re.escape(says)):
        compare(["green-red-2025-11", ref])
    with pytest.raises(InputError, match="'soon' is not a date"):
        compare(["green-red-2025-11", "green-red-2025-11"], as_of="soon")


def test_fact_changes_by_hand() -> None:
    from zoneplan.scenarios.compare import fact_changes

    def result(forces: list[dict[str, Any]], variants: list[dict[str, Any]]
               ) -> dict[str, Any]:
        return {"plan": {"sources": [{"id": "s1", "date": "2026-01"},
                                     {"id": "model", "date": "2026-12", "assumption": True}]},
                "crossings": [], "forces": forces, "alternatives": [],
                "lines": [{"id": "l", "variants": variants,
                           "uncertainty": {"offset_m": 200, "sources": ["model"]}}]}

    uk = {"contributor": "UK", "status": "reported", "date": "2025-11-14",
          "personnel": 1500, "sources": []}
    var = {"id": "west", "offset_m": 300.0, "towards": "west", "sources": ["s1", "model"]}
    changes = fact_changes(result([uk], []), result([], [var]))
    assert [(c["kind"], c["id"], c["date"]) for c in changes] == [
        ("force", "UK (reported)", "2025-11-14"),
        ("line variant", "west", "2026-01")]  # the assumption's date does not count
    assert changes[0]["summary"] == "force UK (reported) no longer used: reported 1,500 " \
                                    "(dated 2025-11-14)"
    assert changes[1]["summary"] == "l: line variant west added: 300 m west (dated 2026-01)"


def test_cli_compare_at_two_dates_prints_why(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from zoneplan.cli.app import main

    assert main(["compare", "green-red-2025-11@2025-11-14", "green-red-2025-11@2026-03-01",
                 "--out", str(tmp_path / "c")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "Why: dated facts that differ" in printed
    assert "Kerem Shalom Crossing: open (dated 2025-10-20) → closed (dated 2026-02-28)" \
        in printed
    html = (tmp_path / "c" / "compare.html").read_text()
    assert 'id="why"' in html and "Zikim Crossing: open (dated 2025-11-12)" in html
