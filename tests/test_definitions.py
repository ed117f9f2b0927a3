"""Per-person figures of zones of a few residents, or of compound residents in a zone
closed to civilians, are flagged (issue 26: the compounds plan showed 32,818 m² and 1,060
beds per 10,000 for the 6,000 people of its compounds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import zoneplan
from zoneplan.plan.rules.definitions import FEW_RESIDENTS, PER_PERSON_KEYS, per_person_flags


def test_the_threshold_is_a_thousand_residents() -> None:
    values = dict.fromkeys(PER_PERSON_KEYS, 1.0)
    assert FEW_RESIDENTS == 1_000
    assert set(per_person_flags(999.0, "resident", values)) == set(PER_PERSON_KEYS)
    assert per_person_flags(1_000.0, "resident", values) == {}
    assert per_person_flags(999.0, "restricted", {"m2_per_person": 5.0,
                                                  "beds_per_10k": None}).keys() == {
        "m2_per_person"}  # a figure that is null is not flagged: it says nothing
    assert per_person_flags(0.0, "resident", values) == {}  # nobody: the figures are null
    assert set(per_person_flags(50_000.0, "closed", values)) == set(PER_PERSON_KEYS)


def test_a_zone_of_800_people_is_flagged_in_json_and_words(
        square_plan: dict[str, Any], tmp_path: Path) -> None:
    """The 2 km square with 800 people, all on the west's 1 km² (the east closed):
    1,000,000 / 800 = 1,250 m² each, flagged, the figure itself unchanged."""
    from rich.console import Console

    from zoneplan.render.pages.html import zone_table_html
    from zoneplan.render.words.terminal import print_result

    plan = dict(square_plan, population=dict(square_plan["population"], total=800))
    d = zoneplan.evaluate(zoneplan.load_plan(plan, base_dir=tmp_path), ranges=False).to_dict()
    west = next(z for z in d["zones"] if z["id"] == "west")
    assert west["m2_per_person"] == pytest.approx(1_250.0, rel=1e-9)
    assert list(west["flags"]) == ["m2_per_person"]  # no hospitals: no beds per 10,000
    assert "only 800 residents" in west["flags"]["m2_per_person"]
    console = Console(record=True, width=120)
    print_result(d, console)
    text = console.export_text()
    assert "1,250 ⚑" in text and "⚑ West: area per person — only 800 residents" in text
    assert "⚑ West: area per person — only 800 residents" in zone_table_html(d)


def test_the_compounds_of_a_closed_zone_are_flagged() -> None:
    """asc-2025-11: the green zone is closed; its 6,000 residents live in compounds.
    Its 32,818 m² per person and 1,060 beds per 10,000 (636 beds / 6,000 x 10,000) are
    kept, flagged; the red zone's 2.09 million are not."""
    d = zoneplan.evaluate(zoneplan.load_plan("asc-2025-11"), ranges=False).to_dict()
    zones = {z["id"]: z for z in d["zones"]}
    green = zones["green"]
    assert green["residents"] == pytest.approx(6_000, rel=1e-9)
    assert green["beds_per_10k"] == pytest.approx(636 / 6_000 * 10_000, rel=1e-9)
    assert green["m2_per_person"] == pytest.approx(32_817.6, rel=1e-5)
    assert set(green["flags"]) == {"m2_per_person", "beds_per_10k"}
    assert "6,000 residents live in compounds" in green["flags"]["beds_per_10k"]
    assert zones["red"]["flags"] == {}
