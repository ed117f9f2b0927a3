"""Headline sentences (:mod:`zoneplan.render.words.headlines`): one concept, one number,
one label."""

from __future__ import annotations

from typing import Any

from zoneplan.render.words.headlines import headlines


def _doc(status: str) -> dict[str, Any]:
    """A two-zone result by hand: the east closed, 895,476 pre-war residents there, of
    whom 849,400 at the modelled total's scale (2,100,000 / 2,213,876 of them)."""
    zone = {"share_of_territory": 0.5, "area_km2": 180.0, "hospitals": 0}
    east = {**zone, "id": "east", "label": "East", "access": "closed", "residents": 0.0,
            "residents_baseline": 895_476.0, "displaced_out": 849_400.0,
            "ranges": {"residents_baseline": [783_600.0, 1_035_500.0],
                       "displaced_out": [743_300.0, 982_200.0]}}
    west = {**zone, "id": "west", "label": "West", "access": "resident",
            "residents": 2_100_000.0, "residents_baseline": 1_318_400.0,
            "displaced_out": 0.0, "ranges": {}}
    return {"plan": {"status": status, "date": "2025-10-10", "as_of": "2025-10-10"},
            "zones": [east, west], "totals": {"residents": 2_100_000.0},
            "lines": [], "alternatives": [], "population": {"ensemble": ["a", "b"]}}


def test_in_force_cannot_return_is_the_displaced_row() -> None:
    text = " ".join(headlines(_doc("in force")))
    # 849,400 rounds to 849,000 for reading; the range ends to three figures
    assert ("849,000 people (range 743,000–982,000, depending on how the population is "
            "spread) are displaced out of zones closed to civilians and cannot return") in text
    assert "('People displaced out of the zone')" in text
    # the pre-war figure is named apart, with its own label, never as "cannot return"
    assert ("895,000 (range 784,000–1.04 million) lived there before the war, of the "
            "pre-war population ('Residents before')") in text
    assert "895,000 people" not in text


def test_reported_would_have_to_leave_the_same_figure() -> None:
    text = " ".join(headlines(_doc("reported")))
    assert "849,000 people (range 743,000–982,000" in text
    assert "would have to leave zones closed to civilians" in text
    assert "895,000" not in text
