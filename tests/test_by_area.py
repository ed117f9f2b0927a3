"""Figures by area (:mod:`zoneplan.measure.figures.by_area`) against published totals.

Expectations by hand: the pack's PCBS governorate totals (factpack
``governorate_population.csv``: North Gaza 448,000, Gaza 754,000, Deir al-Balah 310,820,
Khan Younis 426,056, Rafah 275,000; 2,213,876 in all), and the square of
``conftest.square_plan`` (10,000 people spread evenly over 2 km x 2 km).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import zoneplan
from zoneplan.io.areas import read_areas
from zoneplan.measure.figures.by_area import OUTSIDE, fit_margins

from .conftest import HALVES, square_bands

PCBS = {"North Gaza": 448_000.0, "Gaza": 754_000.0, "Deir al-Balah": 310_820.0,
        "Khan Younis": 426_056.0, "Rafah": 275_000.0}
"""The pack's pre-war governorate totals, read off the factpack by hand."""


def _sums(rows: list[dict[str, Any]], by: str, key: str = "residents_baseline"
          ) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in rows:
        out[r[by]] = out.get(r[by], 0.0) + r[key]
    return out


# --------------------------------------------------------------------- fitting by hand

def test_fit_margins_keeps_the_odds_ratio() -> None:
    # [[1, 1], [1, 3]] to rows (3, 3) and columns (2, 4): a(1 + a) = 3(3 - a)(2 - a),
    # a = 4 - sqrt(7)
    a = 4 - math.sqrt(7)
    t = fit_margins(np.array([[1.0, 1.0], [1.0, 3.0]]), np.array([3.0, 3.0]),
                    np.array([2.0, 4.0]))
    assert t is not None
    assert t.ravel().tolist() == pytest.approx([a, 3 - a, 2 - a, 1 + a], rel=1e-10)
    assert t.sum(axis=1).tolist() == pytest.approx([3.0, 3.0], rel=1e-14)


def test_fit_margins_gives_up_on_an_empty_row_that_should_hold_people() -> None:
    assert fit_margins(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([1.0, 1.0]),
                       np.array([1.0, 1.0])) is None


# --------------------------------------------------------------------- the pack's governorates

@pytest.fixture(scope="module")
def by_governorate() -> dict[str, Any]:
    return zoneplan.evaluate("green-red-2025-11",
                             by=read_areas("gaza:governorates")).to_dict()


def test_governorate_rows_reproduce_the_pcbs_totals(by_governorate: dict[str, Any]) -> None:
    d = by_governorate
    rows = d["by_area"]
    areas = _sums(rows, "area")
    assert areas == pytest.approx(PCBS, abs=1e-6)
    # the zones keep their measured pre-war residents, bit for bit as without --by
    plain = zoneplan.evaluate("green-red-2025-11", ranges=False).to_dict()
    zones = _sums(rows, "zone")
    for z in plain["zones"]:
        assert zones[z["id"]] == pytest.approx(z["residents_baseline"], rel=1e-12)
        with_by = next(x for x in d["zones"] if x["id"] == z["id"])
        assert with_by["residents_baseline"] == z["residents_baseline"]
    # totals add up: over the areas, over the zones, the whole territory
    assert sum(areas.values()) == pytest.approx(2_213_876, rel=1e-12)
    assert d["totals"]["residents_baseline"] == pytest.approx(2_213_876, rel=1e-12)
    # residents under the plan follow and still add up to each zone
    res = _sums(rows, "zone", "residents")
    for z in d["zones"]:
        assert res[z["id"]] == pytest.approx(z["residents"], rel=1e-9)
    assert not any(r["area"] == OUTSIDE for r in rows)


def test_governorate_record_says_what_was_fitted(by_governorate: dict[str, Any]) -> None:
    by = by_governorate["by"]
    assert by["population_field"] == "population" and by["fitted"] is True
    rec = {r["area"]: r for r in by["totals"]}
    assert {k: r["published"] for k, r in rec.items()} == PCBS
    for k, r in rec.items():
        assert r["residents_baseline"] == pytest.approx(PCBS[k], abs=1e-6)
        assert r["difference"] == pytest.approx(r["modelled"] - PCBS[k], abs=1e-9)
    # the model's own figures, before fitting, as the issue found them
    assert round(rec["North Gaza"]["modelled"]) == 445_476
    assert round(rec["Gaza"]["modelled"]) == 757_504
    # the spread conserves every total: the differences move between neighbours only
    assert sum(r["difference"] for r in rec.values()) == pytest.approx(0.0, abs=1e-6)
    assert "North Gaza 445,476 against 448,000 (-2,524)" in by["note"]
    assert "iterative proportional fitting" in by["note"]


def test_each_alternative_is_fitted_too(by_governorate: dict[str, Any]) -> None:
    # every run's rows hold the published totals, so a range of an area's two pieces
    # spans a split of the same total: low of one + high of the other >= the total
    rows = by_governorate["by_area"]
    for area, total in PCBS.items():
        mine = [r for r in rows if r["area"] == area]
        lows = [r["ranges"]["residents_baseline"][0] for r in mine]
        highs = [r["ranges"]["residents_baseline"][1] for r in mine]
        assert sum(lows) <= total + 1e-6 <= sum(highs) + 2e-6


# --------------------------------------------------------------------- other areas

def _halves(tmp: Path, populations: dict[str, float] | None) -> Path:
    """South and north halves of the square (y below / above 1 km), with a
    ``population`` attribute where given."""
    return square_bands(tmp / "halves.geojson", HALVES, populations)


def test_other_published_totals_are_compared_not_imposed(square_path: Path,
                                                         tmp_path: Path) -> None:
    # each half holds 5,000 of the square's evenly spread 10,000; the file says 6,000
    # south and 4,000 north: the rows keep 5,000 each and the record says -1,000/+1,000
    areas = read_areas(str(_halves(tmp_path, {"south": 6000.0, "north": 4000.0})))
    assert areas.totals == [6000.0, 4000.0]
    d = zoneplan.evaluate(square_path, by=areas).to_dict()
    assert _sums(d["by_area"], "area") == pytest.approx({"south": 5000.0, "north": 5000.0},
                                                         rel=1e-9)
    by = d["by"]
    assert by["fitted"] is False and by["population_field"] == "population"
    rec = {r["area"]: r for r in by["totals"]}
    assert rec["south"]["difference"] == pytest.approx(-1000.0, rel=1e-9)
    assert rec["north"]["difference"] == pytest.approx(1000.0, rel=1e-9)
    assert "the rows keep the model's pre-war residents" in by["note"]
    assert "The differences add up to +0" in by["note"]
    assert "south 5,000 against 6,000 (-1,000); north 5,000 against 4,000 (+1,000)" \
        in by["note"]


def test_published_totals_beyond_the_layer_say_where_the_difference_goes(
        square_path: Path, tmp_path: Path) -> None:
    # 7,000 + 8,000 = 15,000 published against the layer's 10,000: the differences add
    # up to -5,000, all of it the layer's total against the published sum
    areas = read_areas(str(_halves(tmp_path, {"south": 7000.0, "north": 8000.0})))
    by = zoneplan.evaluate(square_path, ranges=False, by=areas).to_dict()["by"]
    assert "The differences add up to -5,000" in by["note"]
    assert "the layer puts 10,000 in the territory against the published 15,000 (-5,000)" \
        in by["note"]


def test_areas_without_published_totals_say_so(square_path: Path, tmp_path: Path) -> None:
    areas = read_areas(str(_halves(tmp_path, None)))
    assert areas.totals is None
    by = zoneplan.evaluate(square_path, ranges=False, by=areas).to_dict()["by"]
    assert by["fitted"] is False and by["population_field"] is None
    assert [r["published"] for r in by["totals"]] == [None, None]
    assert "carry no published population" in by["note"]


def test_governorates_from_a_file_with_other_totals_are_not_fitted(tmp_path: Path) -> None:
    # the pack's governorates with every total set to 1,000,000: not the totals the
    # built-in population spreads, so the rows keep the model's 445,476 for North Gaza
    from zoneplan import pack

    gdf = pack.governorates()[["name", "geometry"]].copy()
    gdf["population"] = 1_000_000.0
    path = tmp_path / "govs.geojson"
    path.write_text(gdf.to_json())
    d = zoneplan.evaluate("green-red-2025-11", ranges=False,
                          by=read_areas(str(path))).to_dict()
    assert d["by"]["fitted"] is False
    areas = _sums(d["by_area"], "area")
    assert round(areas["North Gaza"]) == 445_476
    # 2,213,876 against 5,000,000: the differences add up to -2,786,124
    assert "The differences add up to -2,786,124" in d["by"]["note"]
    assert json.loads(json.dumps(d["by"]))  # plain JSON


def test_overlapping_areas_count_the_overlap_once(square_path: Path, tmp_path: Path) -> None:
    # south covers y in [0, 1.2] km, north [1, 2] km of the 2 km square: a 2 km x 200 m
    # band (400,000 m²) lies in both. Counted once, in the area listed first (south):
    # south 2.4 km² holds 6,000 of the evenly spread 10,000, north keeps 1.6 km², 4,000
    areas = read_areas(str(square_bands(tmp_path / "overlap.geojson", {
        "south": (0.0, 1200.0), "north": (1000.0, 2000.0)})))
    d = zoneplan.evaluate(square_path, ranges=False, by=areas).to_dict()
    assert _sums(d["by_area"], "area") == pytest.approx({"south": 6000.0, "north": 4000.0},
                                                         rel=1e-6)
    assert _sums(d["by_area"], "area", "area_km2") == pytest.approx(
        {"south": 2.4, "north": 1.6}, rel=1e-6)
    note = d["by"]["note"]
    assert "1 pair of areas overlap, 400,000 m² in all" in note
    assert "north and south, 400,000 m²" in note and "in the area listed first" in note
