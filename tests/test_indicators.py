"""Hand-computed tests: a 2 km square split 25/75 (see conftest.square_plan)."""

from __future__ import annotations

from pathlib import Path

import pytest

import zoneplan


@pytest.fixture
def result(square_path: Path) -> zoneplan.Result:
    return zoneplan.evaluate(square_path)


def test_areas_split_25_75(result: zoneplan.Result) -> None:
    west, east = result.zone("west"), result.zone("east")
    assert west["area_km2"] == pytest.approx(1.0, rel=1e-6)
    assert east["area_km2"] == pytest.approx(3.0, rel=1e-6)
    assert west["share_of_territory"] == pytest.approx(0.25, rel=1e-6)
    assert result.data["crs_area"]["epsg"] == 32636


def test_residents_by_hand(result: zoneplan.Result) -> None:
    west, east = result.zone("west"), result.zone("east")
    assert west["residents_baseline"] == pytest.approx(2500, rel=1e-6)
    assert east["residents_baseline"] == pytest.approx(7500, rel=1e-6)
    # east is closed: everyone moves west
    assert east["residents"] == 0
    assert east["displaced_out"] == pytest.approx(7500, rel=1e-6)
    assert west["residents"] == pytest.approx(10000, rel=1e-6)
    assert west["m2_per_person"] == pytest.approx(100.0, rel=1e-6)
    assert west["density_per_km2"] == pytest.approx(10000, rel=1e-6)
    assert west["standards"]["sphere-camp-area"] is True


def test_nulls_have_reasons(result: zoneplan.Result) -> None:
    east = result.zone("east")
    assert east["m2_per_person"] is None
    assert "no residents" in east["null_reasons"]["m2_per_person"]
    assert east["hospitals"] is None  # no hospital layer for a user territory
    assert east["null_reasons"]["hospitals"] == "no hospital layer given"


def test_reconstruction_share(result: zoneplan.Result) -> None:
    assert result.zone("east")["reconstruction_share"] == 1.0
    assert result.zone("west")["reconstruction_share"] == 0.0


def test_near_line_by_hand(result: zoneplan.Result) -> None:
    # the line is at x = 500 m; everything within 500 m of it on the west side is the
    # whole west zone (0..500 m): all 10,000 residents live within 500 m.
    west = result.zone("west")
    assert west["residents_within_500m_of_line"] == pytest.approx(10000, rel=1e-3)
    assert west["residents_within_1km_of_line"] == pytest.approx(10000, rel=1e-3)


def test_invariants(result: zoneplan.Result) -> None:
    inv = result.data["invariants"]
    assert inv["area_conserved"] and inv["residents_conserved"]
    assert inv["remainder_km2"] == pytest.approx(0.0, abs=1e-9)


def test_relocation_by_area(square_path: Path, tmp_path: Path) -> None:
    import yaml

    plan = yaml.safe_load(square_path.read_text())
    plan["zones"][1]["access"] = "resident"
    plan["zones"].append({"id": "x", "label": "X", "controller": "C", "access": "closed",
                          "point": [0, 0]})
    plan["zones"].pop()  # keep two zones: no closed zone, nothing moves
    plan["population"]["relocation"] = "area"
    p = zoneplan.load_plan(plan, base_dir=tmp_path)
    r = zoneplan.evaluate(p)
    assert r.zone("west")["residents"] == pytest.approx(2500, rel=1e-6)
    assert r.zone("east")["displaced_in"] == 0
