"""Property tests: areas and residents are conserved on random lines and plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zoneplan
import zoneplan.pack
from zoneplan.errors import GeometryError, PlanError

from .conftest import SQUARE_UTM, utm_to_lonlat

X0, Y0, X1, Y1 = SQUARE_UTM


def _plan(tmp: Path, base: dict[str, Any], line: list[tuple[float, float]], access: list[str],
          relocation: str, total: float) -> zoneplan.Plan:
    plan = dict(base)
    plan["lines"] = [{"id": "cut", "date": "2026", "sources": ["hand"],
                      "coordinates": [list(utm_to_lonlat(x, y)) for x, y in line]}]
    plan["zones"] = [
        {"id": "a", "label": "A", "controller": "x", "access": access[0], "side": {"cut": "left"}},
        {"id": "b", "label": "B", "controller": "y", "access": access[1], "side": {"cut": "right"}},
    ]
    plan["population"] = dict(base["population"], total=total, relocation=relocation)
    return zoneplan.load_plan(plan, base_dir=tmp)


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t0=st.floats(0.05, 0.95), t1=st.floats(0.05, 0.95), bend=st.floats(-800, 800),
    access=st.lists(st.sampled_from(["resident", "restricted", "closed"]), min_size=2,
                    max_size=2),
    relocation=st.sampled_from(["proportional", "area", "none"]),
    total=st.floats(1, 5e6),
)
def test_conservation_on_random_lines(square_plan: dict[str, Any], tmp_path: Path, t0: float,
                                      t1: float, bend: float, access: list[str],
                                      relocation: str, total: float) -> None:
    w = X1 - X0
    line = [(X0 + t0 * w, Y0 - 200), (X0 + (t0 + t1) / 2 * w + bend, (Y0 + Y1) / 2),
            (X0 + t1 * w, Y1 + 200)]
    if "closed" in access and "resident" not in access and relocation != "none":
        # people in a closed zone with nowhere to go: the plan is refused, naming the zone
        with pytest.raises(PlanError, match="nowhere to go") as exc:
            _plan(tmp_path, square_plan, line, access, relocation, total)
        closed = [z for z, a in zip("ab", access, strict=True) if a == "closed"]
        assert all(f"{z}" in str(exc.value) for z in closed)
        return
    plan = _plan(tmp_path, square_plan, line, access, relocation, total)
    try:
        r = zoneplan.evaluate(plan)
    except GeometryError as exc:  # a bent line can leave the square; that must be said
        assert "territory" in str(exc)
        return
    d = r.to_dict()
    zones = d["zones"]
    assert sum(z["area_km2"] for z in zones) == pytest.approx(4.0, rel=1e-9)
    assert sum(z["residents_baseline"] for z in zones) == pytest.approx(10000, rel=1e-9)
    placed = sum(z["residents"] for z in zones) + d["invariants"]["remainder_residents"]
    assert placed == pytest.approx(total, rel=1e-9)
    assert d["invariants"]["area_conserved"] and d["invariants"]["residents_conserved"]
    for z in zones:
        lo, hi = z["ranges"]["residents"]
        assert lo <= z["residents"] + 1e-6 and z["residents"] <= hi + 1e-6
        assert z["residents_within_500m_of_line"] <= z["residents_within_1km_of_line"] + 1e-6
        assert z["residents_within_1km_of_line"] <= z["residents"] * (1 + 1e-9) + 1e-6


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-0.03, 0.0))
def test_builtin_pack_conserves_on_moved_yellow_line(shift: float) -> None:
    """Move the yellow line west by up to ~2.8 km (its ends stay in the sea)."""
    base = zoneplan.load_plan("ceasefire-2025-10")
    coords = [(x + shift, y) for x, y in zoneplan.pack.yellow_line().coords]
    r = zoneplan.evaluate(base, ranges=False, line_overrides={"yellow-line": coords})
    inv = r.data["invariants"]
    assert inv["area_conserved"] and inv["residents_conserved"]
    assert sum(z["residents_baseline"] for z in r.data["zones"]) == pytest.approx(2_213_876)


# ------------------------------------------- the whole territory's figures on open land
# Issue 26: the totals row marked Sphere's 45 m² "met" counting land nobody may live on.

def _square(tmp: Path, base: dict[str, Any], total: float, east: str) -> dict[str, Any]:
    plan = dict(base, zones=[dict(z) for z in base["zones"]])
    plan["zones"][1]["access"] = east
    plan["population"] = dict(base["population"], total=total)
    return zoneplan.evaluate(zoneplan.load_plan(plan, base_dir=tmp), ranges=False).to_dict()


def test_density_and_area_per_person_on_land_open_to_civilians(
        square_plan: dict[str, Any], tmp_path: Path) -> None:
    """The 2 km square, west 1 km² open, east 3 km² closed, 30,000 people: all live on
    the west's 1 km², so 1,000,000 / 30,000 = 33.3 m² each and 30,000 per km², below
    Sphere's 45 m²; over the whole 4 km² it would read 133 m², "met"."""
    t = _square(tmp_path, square_plan, 30_000, "closed")["totals"]
    assert t["area_open_km2"] == pytest.approx(1.0, rel=1e-9)
    assert t["m2_per_person"] == pytest.approx(1_000_000 / 30_000, rel=1e-9)
    assert t["density_per_km2"] == pytest.approx(30_000, rel=1e-9)
    assert t["standards"]["sphere-camp-area"] is False
    # restricted land is lived on: open land is the whole square, 4,000,000 / 30,000 m²
    t = _square(tmp_path, square_plan, 30_000, "restricted")["totals"]
    assert t["area_open_km2"] == pytest.approx(4.0, rel=1e-9)
    assert t["m2_per_person"] == pytest.approx(4_000_000 / 30_000, rel=1e-9)
    assert t["standards"]["sphere-camp-area"] is True


def test_the_words_say_the_totals_are_on_open_land(square_plan: dict[str, Any],
                                                    tmp_path: Path) -> None:
    from rich.console import Console

    from zoneplan.render.pages.html import zone_table_html
    from zoneplan.render.words.terminal import print_result

    d = _square(tmp_path, square_plan, 30_000, "closed")
    console = Console(record=True, width=120)
    print_result(d, console)
    text = console.export_text()
    assert "over the 1.0 km² open to civilians, not the 4.0 km² of the territory" in text
    assert "Sphere's 45 m² of camp area per person on that land: not met" in text
    assert "Density on the 1.0 km² open to civilians" in text
    assert "Area per person on the 1.0 km² open to" in text
    assert "on the 1.0 km² open to civilians" in zone_table_html(d)
