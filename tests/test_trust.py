"""Figures a fact-checker can stand behind: each rule on a square checked on paper.

The square (conftest.square_plan): 2 km x 2 km, 10,000 people spread evenly, cut by a
north-south line at x = 500 m: west 1 km² holds 2,500, east 3 km² holds 7,500.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import zoneplan
from zoneplan.cli import main
from zoneplan.errors import InvariantError, PlanError
from zoneplan.plan import LayerRef

from .conftest import SQUARE_UTM, square_ring, utm_to_lonlat, write_geojson


def _load(plan: dict[str, Any], tmp: Path) -> zoneplan.Plan:
    return zoneplan.load_plan(plan, base_dir=tmp)


def _eval(plan: dict[str, Any], tmp: Path) -> dict[str, Any]:
    return zoneplan.evaluate(_load(plan, tmp)).to_dict()


def _zone(d: dict[str, Any], zid: str) -> dict[str, Any]:
    return next(z for z in d["zones"] if z["id"] == zid)


# --------------------------------------------------------------------- nobody lost

def test_two_rest_zones_are_refused(square_plan: dict[str, Any], tmp_path: Path) -> None:
    square_plan["lines"] = []
    square_plan["zones"] = [
        {"id": "a", "label": "A", "controller": "x", "access": "resident", "rest": True},
        {"id": "b", "label": "B", "controller": "x", "access": "resident", "rest": True}]
    with pytest.raises(PlanError, match=r"'a', 'b' all say 'rest: true'"):
        _load(square_plan, tmp_path)


def test_closed_zone_with_nowhere_to_go_is_refused(square_plan: dict[str, Any],
                                                   tmp_path: Path) -> None:
    square_plan["zones"][0]["access"] = "restricted"
    with pytest.raises(PlanError, match=r"closed zone\(s\) east have nowhere to go"):
        _load(square_plan, tmp_path)


def test_relocation_none_reports_everyone_unplaced(square_plan: dict[str, Any],
                                                  tmp_path: Path) -> None:
    square_plan["population"]["relocation"] = "none"
    d = _eval(square_plan, tmp_path)
    assert _zone(d, "west")["residents"] == pytest.approx(2500, rel=1e-9)
    inv = d["invariants"]
    assert inv["unplaced_residents"] == pytest.approx(7500, rel=1e-9)
    assert inv["residents_conserved"]
    from zoneplan.render.words.headlines import checks_sentence

    assert "7,500 displaced people have no zone open to them" in checks_sentence(d)


# --------------------------------------------------------------------- nothing ignored

def test_a_layer_nothing_uses_is_refused(square_plan: dict[str, Any], tmp_path: Path) -> None:
    square_plan["layers"]["frobnicate"] = {"path": "people.geojson"}
    with pytest.raises(PlanError, match="layer 'frobnicate' is not used"):
        _load(square_plan, tmp_path)


def test_a_population_layer_not_used_as_baseline_is_refused(square_plan: dict[str, Any],
                                                            tmp_path: Path) -> None:
    square_plan["layers"]["population"] = {"path": "people.geojson", "count": "pop"}
    with pytest.raises(PlanError, match=r"population\.baseline: population"):
        _load(square_plan, tmp_path)


def test_population_layer_replaces_the_baseline(square_plan: dict[str, Any],
                                                tmp_path: Path) -> None:
    ring = [list(p) for p in square_ring()]
    write_geojson(tmp_path / "more.geojson", [{"type": "Feature", "properties": {"n": 20000},
                                               "geometry": {"type": "Polygon",
                                                            "coordinates": [ring]}}])
    plan = _load(square_plan, tmp_path).with_layers(
        {"population": LayerRef(path=str(tmp_path / "more.geojson"), count="n")})
    d = zoneplan.evaluate(plan).to_dict()
    assert d["population"]["baseline_total"] == pytest.approx(20000)
    assert d["population"]["baseline_replaced"] == "people"
    assert _zone(d, "west")["residents_baseline"] == pytest.approx(5000, rel=1e-6)
    from zoneplan.render.words.headlines import headlines

    assert "replacing the plan's baseline (people)" in headlines(d)[0]
    assert any(f["role"] == "layer population" for f in d["provenance"]["inputs"])


def test_unknown_layer_role_on_the_command_line_exits_2(
        square_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", str(square_path), "--layer", "frobnicate=x.geojson"])
    assert code == 2
    assert "'frobnicate' is not a layer role" in capsys.readouterr().err


# --------------------------------------------------------------------- invariants

def test_a_broken_invariant_is_a_bug_exit_1(square_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from zoneplan.measure.figures import indicators

    monkeypatch.setattr(indicators, "_people_outside", lambda geo, counts, key: 123.0)
    with pytest.raises(InvariantError, match="baseline_conserved and residents_conserved are "
                       "false"):
        zoneplan.evaluate(square_path)
    assert main(["run", str(square_path)]) == 1
    assert "baseline in zones 10,000.000 + outside 123.000" in capsys.readouterr().err


# --------------------------------------------------------------------- both ways

def test_uncertainty_moves_the_line_both_ways(square_plan: dict[str, Any],
                                             tmp_path: Path) -> None:
    square_plan["lines"][0]["uncertainty"] = {"offset_m": 100, "sources": ["hand"]}
    d = _eval(square_plan, tmp_path)
    west = _zone(d, "west")
    # the west zone is 0.5 km wide: 0.4 to 0.6 km x 2 km when the line moves 100 m
    assert west["area_km2"] == pytest.approx(1.0, rel=1e-6)
    assert west["ranges"]["area_km2"] == pytest.approx([0.8, 1.2], rel=1e-6)
    assert any("moved 100 m east (its stated uncertainty)" in r for r in d["ranges_from"])
    assert any("moved 100 m west (its stated uncertainty)" in r for r in d["ranges_from"])


def test_an_alternative_drawing_of_a_zone(square_plan: dict[str, Any], tmp_path: Path) -> None:
    x0, y0, _, y1 = SQUARE_UTM
    ring = [list(utm_to_lonlat(x0 + dx, y)) for dx, y in
            ((0, y0), (700, y0), (700, y1), (0, y1), (0, y0))]
    square_plan["alternatives"] = [{"id": "wide", "label": "West as a 700 m band",
                                    "zones": {"west": {"polygon": ring},
                                              "east": {"rest": True}},
                                    "sources": ["hand"]}]
    d = _eval(square_plan, tmp_path)
    assert _zone(d, "west")["ranges"]["area_km2"] == pytest.approx([1.0, 1.4], rel=1e-6)


# --------------------------------------------------------------------- claims

@pytest.mark.parametrize("claim,verdict,why", [
    ({"value": 25, "unit": "percent"}, "consistent", "overlap"),
    ({"value": 30, "unit": "percent"}, "inconsistent", "4.5 percentage points above"),
    ({"at_most": 20, "unit": "percent"}, "inconsistent", "below the lowest"),
    ({"range": [0.2, 0.3], "unit": "fraction"}, "consistent", "overlap"),
    ({"value": 1, "unit": "km2", "indicator": "share_of_territory"}, "not measurable",
     "in km2 but share_of_territory is measured in fraction"),
])
def test_claims_checked_by_hand(square_plan: dict[str, Any], tmp_path: Path,
                                claim: dict[str, Any], verdict: str, why: str) -> None:
    square_plan["claims"] = [{"text": "west share", "source": "hand",
                              "indicator": "share_of_territory", "zone": "west", **claim}]
    c = _eval(square_plan, tmp_path)["claims"][0]
    assert c["verdict"] == verdict and why in c["why"]


def test_a_claim_about_a_null_figure_says_why(square_plan: dict[str, Any],
                                             tmp_path: Path) -> None:
    square_plan["claims"] = [{"text": "east space", "source": "hand", "zone": "east",
                              "indicator": "m2_per_person", "value": 45,
                              "unit": "m2 per person"}]
    c = _eval(square_plan, tmp_path)["claims"][0]
    assert c["verdict"] == "not measurable" and "no residents under the plan" in c["why"]


def test_claims_file_on_the_command_line(square_path: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "claims.yaml"
    f.write_text(yaml.safe_dump({
        "sources": [{"id": "me", "publisher": "Me", "title": "t", "date": "2026"}],
        "claims": [{"text": "west is a quarter", "source": "me", "indicator": "area_km2",
                    "zone": "west", "value": 1.0, "unit": "km2"}]}))
    assert main(["run", str(square_path), "--claims", str(f), "--format", "json"]) == 0
    import json

    d = json.loads(capsys.readouterr().out)
    assert d["claims"][0]["verdict"] == "consistent"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"claims": [{"text": "x", "source": "nobody",
                                               "indicator": "area_km2", "value": 1,
                                               "unit": "km2"}]}))
    assert main(["run", str(square_path), "--claims", str(bad)]) == 2
    assert "cites source 'nobody'" in capsys.readouterr().err


# --------------------------------------------------------------------- forces

def _force(who: str, n: int, status: str, date: str | None = None) -> dict[str, Any]:
    f: dict[str, Any] = {"contributor": who, "personnel": n, "kind": "troops",
                         "zones": ["west"], "status": status, "sources": ["hand"]}
    if date:
        f["date"] = date
    return f


def test_forces_count_pledges_by_the_plan_date(square_plan: dict[str, Any],
                                               tmp_path: Path) -> None:
    square_plan["forces"] = [_force("A", 100, "pledged", "2025-12-01"),
                             _force("B", 400, "reported", "2026-01-01"),
                             _force("C", 1000, "rejected", "2026-01-01"),
                             _force("D", 200, "committed", "2026-06-01")]
    square_plan["forces_target"] = {"label": "target", "personnel": 2000, "zones": ["west"],
                                    "sources": ["hand"]}
    d = _eval(square_plan, tmp_path)
    west = _zone(d, "west")  # 10,000 residents under the plan
    assert west["forces_personnel"] == 100
    assert west["forces_per_1000"] == pytest.approx(10.0)
    # listed by the plan's date (A + B = 50), target (200); the rejected 1,000 never
    # count; D, pledged after the plan's date, is later evidence, in no range
    assert west["ranges"]["forces_per_1000"] == pytest.approx([10.0, 200.0])
    assert d["totals"]["forces_per_1000"] == pytest.approx(10.0)  # only over west
    assert _zone(d, "east")["forces_per_1000"] is None
    labels = " ".join(d["ranges_from"])
    assert "after the plan's date" not in labels
    assert [e["contributor"] for e in d["later_evidence"] if e["kind"] == "force"] == ["D"]
    # as of 2026-06-01, D counts: A + D = 300 personnel, 30 per 1,000
    later = zoneplan.evaluate(_load(square_plan, tmp_path), as_of="2026-06-01").to_dict()
    assert _zone(later, "west")["forces_personnel"] == 300
    assert later["plan"]["as_of"] == "2026-06-01" and later["later_evidence"] == []


def test_a_later_statement_replaces_an_earlier_one(square_plan: dict[str, Any],
                                                   tmp_path: Path) -> None:
    # an offer of 20,000 on the plan's date, cut to 8,000 later (Indonesia, Nov 2025 and
    # Feb 2026): the high end is 20,000 as of the plan's date, 8,000 after the cut
    square_plan["date"] = "2025-11-14"
    square_plan["forces"] = [_force("I", 20000, "offered", "2025-11-14"),
                             _force("I", 8000, "offered", "2026-02")]
    d = _eval(square_plan, tmp_path)
    assert _zone(d, "west")["ranges"]["forces_personnel"] == [0, 20000]
    later = zoneplan.evaluate(_load(square_plan, tmp_path), as_of="2026-02-15").to_dict()
    assert _zone(later, "west")["ranges"]["forces_personnel"] == [0, 8000]


# --------------------------------------------------------------------- compounds

def test_compounds_house_the_displaced_at_their_site(square_plan: dict[str, Any],
                                                    tmp_path: Path) -> None:
    x0, y0, _, _ = SQUARE_UTM
    square_plan["compounds"] = [{"id": "c", "label": "C", "location":
                                 list(utm_to_lonlat(x0 + 1500, y0 + 1000)), "count": 2,
                                 "capacity": 1000, "admission": "vetted",
                                 "sources": ["hand"]}]
    d = _eval(square_plan, tmp_path)
    east, west = _zone(d, "east"), _zone(d, "west")
    assert east["compound_residents"] == east["residents"] == pytest.approx(2000)
    assert west["residents"] == pytest.approx(8000)
    # the site is 1 km from the line: within 1 km, not within 500 m
    assert east["residents_within_1km_of_line"] == pytest.approx(2000)
    assert east["residents_within_500m_of_line"] == pytest.approx(0)
    t = d["totals"]
    assert t["compound_capacity_vs_displaced"] == pytest.approx(2000 / 7500)
    assert t["compounds_needed_for_displaced"] == math.ceil(7500 / 1000)
    assert d["invariants"]["residents_conserved"]


# --------------------------------------------------------------------- words by status

@pytest.mark.parametrize("status,words", [
    ("in force", "are displaced out of zones closed to civilians and cannot return"),
    ("reported", "would have to leave zones closed to civilians"),
    ("hypothetical", "would have to leave zones closed to civilians"),
])
def test_words_follow_the_status(square_plan: dict[str, Any], tmp_path: Path, status: str,
                                 words: str) -> None:
    from zoneplan.render.words.headlines import headlines

    square_plan["status"] = status
    text = " ".join(headlines(_eval(square_plan, tmp_path)))
    assert words in text
    assert ("the model places" if status == "in force" else "the model would place") in text


# --------------------------------------------------------------------- the built-in pack

def test_pack_hospitals_by_confidence_and_beds() -> None:
    d = zoneplan.evaluate("green-red-2025-11").to_dict()
    t = d["totals"]
    assert t["hospitals"] == 33 and t["ranges"]["hospitals"] == [33, 38]
    assert t["hospitals_with_beds_known"] == 12
    assert "beds known for 12 of 33 hospitals" in t["null_reasons"]["hospital_beds"]
    lo, hi = t["ranges"]["hospital_beds"]
    assert lo < t["hospital_beds"] < hi
    assert "nearest hospital in a zone open to civilians" in \
        d["indicators"]["hospital_distance_median_m"]["label"]


def test_pack_hospitals_filtered_by_status() -> None:
    plan = zoneplan.load_plan("green-red-2025-11").with_layers(
        {"hospitals": LayerRef(path="gaza:hospitals", where="status != 'not functional'")})
    d = zoneplan.evaluate(plan, ranges=False).to_dict()
    assert 0 < d["totals"]["hospitals"] < 33


def test_provenance_lists_only_what_was_read() -> None:
    d = zoneplan.evaluate("green-red-2025-11").to_dict()
    paths = {f["path"].rsplit("/", 1)[-1] for f in d["provenance"]["inputs"]}
    assert {"outline.csv", "yellow_line.csv", "hospital_beds.csv",
            "zone_east_2025-10-19.csv"} <= paths
    assert "governorates_alt_within100m.csv" not in paths  # in the pack, never read
    assert {s["id"] for s in d["sources"] if s["kind"] == "data"} >= {
        "osm-outline", "unosat-cda-2025-10-11", "factpack-hospital-beds"}


def test_sources_record_the_original_and_the_copy_read() -> None:
    from zoneplan.render.words.checked import sources_html

    d = zoneplan.evaluate("green-red-2025-11", ranges=False).to_dict()
    guardian = next(s for s in d["plan"]["sources"] if s["id"] == "guardian-2025-11-14")
    assert guardian["publisher"] == "The Guardian" and "magzter" in guardian["via"]["url"]
    page = sources_html(d["sources"])
    i = page.index("<b>The Guardian</b>")
    assert i < page.index("Read via Magzter", i)


def test_the_zone_as_published_is_an_alternative() -> None:
    """The published polygon covers 193.41 km² of the outline (53.17%), the factpack's
    figure; the outline cut by the line gives 54.13%."""
    from zoneplan.plan.rules.line_variants import with_line_variants

    plan, _notes, added = with_line_variants(zoneplan.load_plan("green-red-2025-11"))
    assert added == {"zone-as-published": "yellow-line"}  # the line's, not the plan's
    alt = plan.alternatives[0]
    from zoneplan.measure.inputs import prepare

    inputs = prepare(plan).with_zone_rules(alt.zones)
    from zoneplan.measure.zones import build_layout

    lay = build_layout(inputs)
    green = next(z for z in lay.zones if z.id == "green")
    assert green.area_m2 / lay.territory.area == pytest.approx(0.5317, abs=5e-4)
    d = zoneplan.evaluate(plan).to_dict()
    lo, hi = _zone(d, "green")["ranges"]["share_of_territory"]
    assert lo <= 0.5317 <= hi


def test_pre_war_residents_east_range_both_ways() -> None:
    """The ensemble's central value lies inside its range, and the uniform spread is an
    extreme shown apart, not an end of the range."""
    d = zoneplan.evaluate("green-red-2025-11").to_dict()
    green = _zone(d, "green")
    lo, hi = green["ranges"]["residents_baseline"]
    assert lo < green["residents_baseline"] < hi
    uniform = d["extremes"][0]["zones"]["green"]["residents_baseline"]
    assert d["extremes"][0]["id"] == "uniform" and uniform > hi
