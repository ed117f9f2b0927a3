"""Comparing plans: zones matched by id, differences, differing territories."""

from __future__ import annotations

import json
from pathlib import Path

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
    return zoneplan.evaluate("green-red-2025-11", ranges=False)


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
