"""Damage, crossings and widths: by hand on the square, and against the real layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point, box

import zoneplan
from zoneplan.measure.crossings import OPENS_INTO_RADIUS_M, opens_into
from zoneplan.measure.shape import width_m

from .conftest import SQUARE_UTM, utm_to_lonlat, write_geojson


@pytest.mark.parametrize("w,length", [(500.0, 2000.0), (1500.0, 2000.0), (3000.0, 40_000.0)])
def test_width_of_rectangles_by_hand(w: float, length: float) -> None:
    assert width_m(box(0, 0, w, length)) == pytest.approx(w, rel=1e-9)
    assert width_m(shapely.affinity.rotate(box(0, 0, length, w), 37.0)) == pytest.approx(
        w, rel=1e-6)


def test_square_zone_widths(square_path: Path) -> None:
    d = zoneplan.evaluate(square_path).to_dict()
    z = {x["id"]: x for x in d["zones"]}
    # west 0.5 km x 2 km, east 1.5 km x 2 km: across their long (north-south) axes
    assert z["west"]["width_km"] == pytest.approx(0.5, rel=1e-6)
    assert z["east"]["width_km"] == pytest.approx(1.5, rel=1e-6)
    assert d["totals"]["width_km"] == pytest.approx(2.0, rel=1e-6)


def test_crossing_opens_into_the_zone_behind_a_strip() -> None:
    terr = box(0, 0, 10_000, 10_000)
    zones = {"strip": box(0, 0, 300, 10_000), "inland": box(300, 0, 10_000, 10_000)}
    # just outside the edge, next to a 300 m strip: the zone behind the strip
    assert opens_into(Point(-100, 5000), terr, zones) == "inland"
    # deep inside the territory: the zone that holds it
    assert opens_into(Point(9000, 9000), terr, zones) == "inland"
    assert OPENS_INTO_RADIUS_M == 1000.0


def test_crossings_and_aid_on_the_square(square_plan: dict[str, Any], tmp_path: Path) -> None:
    x0, y0, x1, _ = SQUARE_UTM
    feats = [
        {"type": "Feature", "properties": {"name": "east gate", "state": "open"},
         "geometry": {"type": "Point", "coordinates": list(utm_to_lonlat(x1 + 50, y0 + 1000))}},
        {"type": "Feature", "properties": {"name": "west gate", "state": "closed"},
         "geometry": {"type": "Point", "coordinates": list(utm_to_lonlat(x0 - 50, y0 + 1000))}},
    ]
    write_geojson(tmp_path / "crossings.geojson", feats)
    square_plan["layers"]["crossings"] = {"path": "crossings.geojson", "status": "state"}
    d = zoneplan.evaluate(zoneplan.load_plan(square_plan, base_dir=tmp_path)).to_dict()
    z = {x["id"]: x for x in d["zones"]}
    assert z["east"]["crossings_open"] == 1 and z["west"]["crossings_open"] == 0
    # the only open crossing opens into the closed east zone: aid for the west passes it
    assert z["west"]["aid_through_closed_zone"] is True
    # from the west zone (x <= 500 m) to the gate at x = 2 km: 1.5 km
    assert z["west"]["crossing_distance_from_zone_m"] == pytest.approx(1500, abs=1)
    # residents of the west zone: 0..500 m from its west edge, 1 km north of the gate line
    med = z["west"]["crossing_distance_median_m"]
    assert 1500 < med < 2200
    assert [c["opens_into"] for c in d["crossings"]] == ["east", "west"]


@pytest.mark.realdata
def test_damage_per_zone_matches_an_independent_count(shared_data: Path) -> None:
    clusters = gpd.read_file(shared_data / "unosat-derived-matteogrifone"
                             / "Damage_Sites_clusters_500m.geojson")
    assert clusters["count"].sum() == 198_308
    r = zoneplan.evaluate("green-red-2025-11", ranges=False)
    zones = r.zones.to_crs(32636)
    pts = clusters.to_crs(32636)
    for z in r.data["zones"]:
        geom = zones.loc[zones["id"] == z["id"], "geometry"].iloc[0]
        count = pts.loc[pts.geometry.covered_by(geom), "count"].sum()
        assert z["damaged_structures"] == pytest.approx(count, abs=0.5)


@pytest.mark.realdata
def test_every_crossing_assigned_as_documented(shared_data: Path) -> None:
    """The four located crossings open into the zone east of the yellow line, both with
    the outline cut by the line and with the zone as published (whose border strips a
    point-in-polygon test would put them in)."""
    zone = gpd.read_file(shared_data / "btselem-nibal" / "IDF_zone_191025.geojson")
    for pid in ("green-red-2025-11", "ceasefire-2025-10"):
        d = zoneplan.evaluate(pid, ranges=False).to_dict()
        east = d["zones"][0]["id"]
        located = [c for c in d["crossings"] if c["located"]]
        assert {c["id"] for c in located} == {"rafah", "kerem_shalom", "erez", "karni"}
        assert all(c["opens_into"] == east for c in located)
        assert all(c["reason"] for c in d["crossings"] if not c["located"])
    plan = zoneplan.load_plan("green-red-2025-11")
    from zoneplan.measure.crossings import crossing_sites
    from zoneplan.measure.inputs import prepare
    from zoneplan.measure.zones import build_layout

    inputs = prepare(plan).with_zone_rules(plan.alternatives[0].zones)
    sites = crossing_sites(inputs.crossings, build_layout(inputs))
    assert all(s.zone == "green" for s in sites if s.x is not None)
    # the published polygon leaves the crossings outside it: a plain point test would not
    # put them in the green zone
    poly = zone.geometry.iloc[0]
    assert not any(poly.covers(Point(float(x), float(y))) for x, y in
                   [(34.27056, 31.22083), (34.54472, 31.55820)])
