"""Damage, crossings and widths: by hand on the square, and against the real layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

import zoneplan
from zoneplan.measure.figures.crossings import OPENS_INTO_RADIUS_M, opens_into
from zoneplan.measure.figures.shape import TRANSECT_STEP_M, width_m, widths_m

from .conftest import SQUARE_UTM, utm_to_lonlat, write_geojson


@pytest.mark.parametrize("w,length", [(500.0, 2000.0), (1500.0, 2000.0), (3000.0, 40_000.0)])
def test_width_of_rectangles_by_hand(w: float, length: float) -> None:
    assert width_m(box(0, 0, w, length)) == pytest.approx(w, rel=1e-9)
    assert width_m(shapely.affinity.rotate(box(0, 0, length, w), 37.0)) == pytest.approx(
        w, rel=1e-6)


def _reference_width(zone: Any) -> float | None:
    """A zone's width measured alone, plainly (transect by transect), as zoneplan
    measured it before all zones were measured together."""
    zone = shapely.make_valid(zone) if not zone.is_valid else zone
    polys = [g for g in shapely.get_parts(zone) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys or sum(g.area for g in polys) <= 0:
        return None
    zone = shapely.union_all(polys)
    xy = np.asarray(shapely.minimum_rotated_rectangle(zone).exterior.coords)[:4]
    sides = np.diff(np.vstack([xy, xy[:1]]), axis=0)
    lengths = np.hypot(sides[:, 0], sides[:, 1])
    k = int(np.argmax(lengths))
    axis = sides[k] / lengths[k]
    normal = np.array([-axis[1], axis[0]])
    origin = xy.mean(axis=0)
    seg = np.vstack([np.hstack([c[:-1], c[1:]]) for p in shapely.get_parts(zone)
                     for c in (np.asarray(r.coords)[:, :2] for r in (p.exterior, *p.interiors))])
    u0 = (seg[:, 0] - origin[0]) * axis[0] + (seg[:, 1] - origin[1]) * axis[1]
    u1 = (seg[:, 2] - origin[0]) * axis[0] + (seg[:, 3] - origin[1]) * axis[1]
    v0 = (seg[:, 0] - origin[0]) * normal[0] + (seg[:, 1] - origin[1]) * normal[1]
    v1 = (seg[:, 2] - origin[0]) * normal[0] + (seg[:, 3] - origin[1]) * normal[1]
    half_len = lengths[k] / 2.0
    n = max(int(np.floor(2 * half_len / TRANSECT_STEP_M)), 1)
    widths = []
    for at in (np.arange(n) + 0.5) / n * 2 * half_len - half_len:
        hit = (np.minimum(u0, u1) <= at) & (at < np.maximum(u0, u1))
        du = np.where(u1 != u0, u1 - u0, 1.0)
        vs = np.sort((v0 + (at - u0) * ((v1 - v0) / du))[hit])
        if vs.size >= 2:
            widths.append(float(np.sum(vs[1::2] - vs[0::2])))
    inside = np.array([w for w in widths if w > 0])
    return float(np.median(inside)) if inside.size else None


def test_widths_of_many_zones_at_once_equal_each_alone() -> None:
    """Thousands of zones are measured together; each width is the same as measured
    alone, transect by transect (holes, several parts, invalid and empty zones too)."""
    rng = np.random.default_rng(11)
    zones: list[Any] = [box(0, 0, 10_000, 2_000),
                        box(0, 0, 1, 1).difference(box(0.2, 0.2, 0.4, 0.4)),
                        shapely.Polygon(), shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]),
                        shapely.MultiPolygon([box(0, 0, 1000, 100), box(0, 500, 3000, 800)]),
                        Point(0, 0).buffer(5000).difference(Point(0, 0).buffer(2000)),
                        shapely.GeometryCollection([box(0, 0, 500, 500),
                                                    shapely.LineString([(0, 0), (900, 900)])])]
    for _ in range(150):
        pts = rng.uniform(0, 5000, size=(int(rng.integers(3, 40)), 2))
        zones.append(shapely.convex_hull(shapely.MultiPoint(pts)).buffer(rng.uniform(0, 300)))
        zones.append(shapely.affinity.rotate(box(0, 0, rng.uniform(1, 9000), rng.uniform(1, 900)),
                                             rng.uniform(0, 180)))
    reference = [_reference_width(z) for z in zones]
    assert widths_m(zones) == reference  # all together
    assert [width_m(z) for z in zones] == reference  # each alone (a few zones)


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
    from zoneplan.measure.figures.crossings import crossing_sites
    from zoneplan.measure.inputs import prepare
    from zoneplan.measure.zones import build_layout
    from zoneplan.plan.rules.line_variants import with_line_variants

    # the zone as published comes with the yellow line's variants, not the plan's own
    plan, _notes, _added = with_line_variants(zoneplan.load_plan("green-red-2025-11"))

    inputs = prepare(plan).with_zone_rules(plan.alternatives[0].zones)
    sites = crossing_sites(inputs.crossings, build_layout(inputs))
    assert all(s.zone == "green" for s in sites if s.x is not None)
    # the published polygon leaves the crossings outside it: a plain point test would not
    # put them in the green zone
    poly = zone.geometry.iloc[0]
    assert not any(poly.covers(Point(float(x), float(y))) for x, y in
                   [(34.27056, 31.22083), (34.54472, 31.55820)])


def test_crossing_distances_remembered_per_layout_equal_fresh() -> None:
    """Every run sharing a layout (population spreads, assumptions) reuses the zones'
    blocks sorted by distance to the open crossings; its figures equal those of a fresh
    copy of the layout's cells, which sorts them again."""
    from dataclasses import replace

    from zoneplan.measure.figures.indicators import compute
    from zoneplan.measure.inputs import prepare
    from zoneplan.measure.sums.layout import layout_cells
    from zoneplan.measure.zones import build_layout
    from zoneplan.plan import load_plan

    inputs = prepare(load_plan("green-red-2025-11"))
    layout = build_layout(inputs)
    cells = layout_cells(layout, inputs)
    keys = ("crossing_distance_median_m", "crossing_distance_p90_m")
    for method in inputs.population.counts:
        reused = compute(layout, inputs, pop_method=method, cells=cells)
        fresh = compute(layout, inputs, pop_method=method, cells=replace(cells))
        for zone in reused.zones:
            assert [reused.zones[zone][k] for k in keys] == [fresh.zones[zone][k] for k in keys]
        assert [reused.totals[k] for k in keys] == [fresh.totals[k] for k in keys]
    assert cells.orders  # remembered on the layout's cells
    assert any(reused.zones[z]["crossing_distance_median_m"] is not None for z in reused.zones)
