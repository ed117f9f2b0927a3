"""Standards are typed, cited data with the right values and units."""

from __future__ import annotations

import pytest

from zoneplan.plan.rules import standards
from zoneplan.plan.rules.standards import STANDARDS


def test_values_and_units() -> None:
    assert standards.SPHERE_CAMP_AREA.value == 45.0
    assert standards.SPHERE_CAMP_AREA.unit == "m² per person"
    assert standards.SPHERE_COVERED_SPACE.value == 3.5
    assert standards.FORCE_RATIO_QUINLIVAN.value == 20.0
    assert standards.FORCE_RATIO_QUINLIVAN.unit == "personnel per 1,000 residents"
    assert (standards.FORCE_RATIO_FM324.value, standards.FORCE_RATIO_FM324.value_high) == (20, 25)
    assert standards.WHO_BED_DENSITY.value is None  # WHO sets no minimum


@pytest.mark.parametrize("std", STANDARDS, ids=lambda s: s.id)
def test_every_standard_is_cited(std: standards.Standard) -> None:
    assert std.source and std.edition and std.url.startswith("http")
    assert std.indicator
    assert std.comparison in ("min", "max", "none")


def test_meets() -> None:
    s = standards.SPHERE_CAMP_AREA
    assert s.meets(45.0) is True and s.meets(44.9) is False and s.meets(None) is None


def test_ids_unique() -> None:
    ids = [s.id for s in STANDARDS]
    assert len(ids) == len(set(ids))
    assert standards.get("force-ratio-quinlivan") is standards.FORCE_RATIO_QUINLIVAN
