"""What a plan commits to, checked (zoneplan.plan.commitments, measure.figures.relocation):
ranges ordered and holding their value, reconstruction shares, compounds located."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from zoneplan import evaluate, load_plan
from zoneplan.errors import PlanError
from zoneplan.plan.commitments import ALLOCATION_TOLERANCE, Compound

from .conftest import SQUARE_UTM, utm_to_lonlat


def _compound(**kw: Any) -> dict[str, Any]:
    x0, y0, _, _ = SQUARE_UTM
    return {"id": "c1", "label": "C", "location": list(utm_to_lonlat(x0 + 1000, y0 + 1000)),
            "capacity": 100, "admission": "any", "sources": ["hand"], **kw}


@pytest.mark.parametrize(("kw", "says"), [
    ({"count": 2, "count_range": [6, 1]},
     "compound 'c1': count_range [6, 1] runs backwards"),
    ({"count": 7, "count_range": [1, 6]},
     "compound 'c1': count 7 lies outside its count_range [1, 6]"),
    ({"capacity": 6000, "capacity_range": [10000, 25000]},
     "compound 'c1': capacity 6,000 lies outside its capacity_range [10,000, 25,000]"),
    ({"capacity": 6000, "capacity_range": [25000, 6000]},
     "compound 'c1': capacity_range [25,000, 6,000] runs backwards"),
])
def test_compound_ranges(kw: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError) as info:
        Compound.model_validate(_compound(**kw))
    cause = info.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, PlanError) and says in cause.message and cause.suggestion


def test_compound_ranges_that_hold_their_value() -> None:
    c = Compound.model_validate(_compound(count=1, count_range=[1, 6], capacity=6000,
                                          capacity_range=[6000, 25000]))
    assert (c.count_range, c.capacity_range) == ((1, 6), (6000, 25000))


def _plan(square_plan: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**square_plan, **extra}


@pytest.mark.parametrize(("shares", "ok"), [
    ({"west": 0.25, "east": 0.75}, True),
    ({"west": 1 / 3, "east": 2 / 3}, True),
    ({"west": 0.25, "east": 0.75 + 0.9 * ALLOCATION_TOLERANCE}, True),
    ({"west": 0.25, "east": 0.75 + 2 * ALLOCATION_TOLERANCE}, False),
    ({"west": 0.0, "east": 1.0}, True),
    ({"west": -0.5, "east": 1.5}, False),
    ({"west": 0.5}, False),
])
def test_reconstruction_shares(square_plan: dict[str, Any], tmp_path: Path,
                               shares: dict[str, float], ok: bool) -> None:
    data = _plan(square_plan, reconstruction={"allocation": shares})
    if ok:
        assert load_plan(data, base_dir=tmp_path).reconstruction is not None
    else:
        with pytest.raises(PlanError, match="allocation"):
            load_plan(data, base_dir=tmp_path)


def test_a_compound_houses_people_in_the_zone_it_names(square_plan: dict[str, Any],
                                                       tmp_path: Path) -> None:
    plan = load_plan(_plan(square_plan, compounds=[_compound(zone="east")]), base_dir=tmp_path)
    z = {d["id"]: d for d in evaluate(plan, ranges=False).data["zones"]}
    # the east zone is closed: its 7,500 people leave; 100 go to the compound (which
    # stands in the east zone), 7,400 to the west
    assert z["west"]["residents"] == pytest.approx(2_500 + 7_400, rel=1e-9)
    assert z["east"]["residents"] == pytest.approx(100, rel=1e-9)


def test_a_compound_in_another_zone_or_outside_is_refused(square_plan: dict[str, Any],
                                                         tmp_path: Path) -> None:
    plan = load_plan(_plan(square_plan, compounds=[_compound(zone="west")]), base_dir=tmp_path)
    with pytest.raises(PlanError, match="compound 'c1' names zone 'west' but lies in zone "
                       "'east'") as info:
        evaluate(plan, ranges=False)
    assert info.value.suggestion == "write zone: east, or move its location into zone 'west'"
    far = _compound(zone="east", location=[35.65, 31.45])
    (tmp_path / "far.yaml").write_text(yaml.safe_dump(_plan(square_plan, compounds=[far])))
    with pytest.raises(PlanError, match="km outside the territory") as info:
        evaluate(tmp_path / "far.yaml", ranges=False)
    assert info.value.location is not None and info.value.location.startswith("line ")


def test_a_moved_line_does_not_refuse_a_compound(square_plan: dict[str, Any],
                                                 tmp_path: Path) -> None:
    # the editor moves the line east of the compound: it stays in the zone it names
    plan = load_plan(_plan(square_plan, compounds=[_compound(zone="east")]), base_dir=tmp_path)
    x0, y0, _, y1 = SQUARE_UTM
    moved = [utm_to_lonlat(x0 + 1500, y0 - 100), utm_to_lonlat(x0 + 1500, y1 + 100)]
    r = evaluate(plan, ranges=False, line_overrides={"cut": moved})
    z = {d["id"]: d for d in r.data["zones"]}
    assert z["east"]["residents"] == pytest.approx(100, rel=1e-9)
