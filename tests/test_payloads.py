"""Tests of zoneplan.web.payloads: the GeoJSON the editor's map is drawn from."""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from zoneplan.web.payloads import _round_geojson


def _via_text(geom: shapely.Geometry, digits: int = 5) -> object:
    """The GeoJSON of GEOS's text, coordinates rounded first (the general path)."""
    g = shapely.transform(geom, lambda a: np.round(a, digits))
    return json.loads(shapely.to_geojson(g))


def test_polygon_with_hole_rounded_by_hand() -> None:
    poly = Polygon([(34.123456, 31.5), (34.2, 31.5), (34.2, 31.600004), (34.123456, 31.5)],
                   holes=[[(34.15, 31.51), (34.16, 31.51), (34.16, 31.520006),
                           (34.15, 31.51)]])
    got = _round_geojson(poly)
    assert got == {"type": "Polygon", "coordinates": [
        [[34.12346, 31.5], [34.2, 31.5], [34.2, 31.6], [34.12346, 31.5]],
        [[34.15, 31.51], [34.16, 31.51], [34.16, 31.52001], [34.15, 31.51]]]}
    assert json.dumps(got) == json.dumps(_via_text(poly))


def test_multipolygon_and_negative_zero_as_geos_writes_them() -> None:
    a = Polygon([(-0.000001, 0), (1, 0), (1, 1), (-0.000001, 0)])
    b = Polygon([(2, 2), (3, 2), (3, 3.123456789), (2, 2)])
    multi = MultiPolygon([a, b])
    got = _round_geojson(multi)
    assert got["type"] == "MultiPolygon"
    assert got["coordinates"][1][0][2] == [3.0, 3.12346]
    assert json.dumps(got) == json.dumps(_via_text(multi))  # -0.0 kept as GEOS keeps it


def test_other_geometries_take_the_general_path() -> None:
    for geom in (Polygon(), MultiPolygon(), shapely.LineString([(0.1234567, 1), (2, 3)]),
                 shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1)])):
        assert json.dumps(_round_geojson(geom)) == json.dumps(_via_text(geom))
