"""zoneplan.measure.sums.zone_sums.zone_totals: the shared-area rule for zones that are not a
plan's layout (a timeline's orders), by hand; the points of a layout grouped by zone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.sums.zone_sums import LayoutCells, zone_totals


def test_cells_cut_by_an_edge_are_shared_by_area() -> None:
    # four 10 m cells in a row (x 0-40 m), 100 people each; a zone from x = 5 m to 25 m
    # (all of the second cell, half of the first and of the third), and a triangle
    # over the fourth cell taking half of it. By hand: 50 + 100 + 50 = 200 people and
    # 200 m² in the first zone; 50 people and 50 m² in the triangle.
    grid = CellGrid.build(box(0, 0, 40, 10), cell_size=10.0, crs=None)
    assert len(grid) == 4
    people = np.full(4, 100.0)
    first = box(5, 0, 25, 10)
    triangle = Polygon([(30, 0), (40, 0), (40, 10)])
    zones = [first, triangle]
    people_sums, area_sums = zone_totals(grid, zones, [z.boundary for z in zones],
                                         [people, grid.area_values()])
    assert people_sums.tolist() == pytest.approx([200.0, 50.0], rel=1e-12)
    assert area_sums.tolist() == pytest.approx([200.0, 50.0], rel=1e-12)


def test_a_zone_missing_the_grid_sums_to_nothing() -> None:
    grid = CellGrid.build(box(0, 0, 20, 10), cell_size=10.0, crs=None)
    far = box(100, 100, 110, 110)
    [sums] = zone_totals(grid, [far], [far.boundary], [np.array([3.0, 4.0])])
    assert sums.tolist() == [0.0]


def test_points_grouped_by_zone_once_per_layout_and_afresh_in_a_copy() -> None:
    """Every run sharing a layout reads the same grouping; a copy with other hospitals
    (``with_hospitals`` uses ``replace``) groups its own."""
    none = cast("Any", None)
    cells = LayoutCells(fractions=none, area=none, people={},
                        hospital_zone=["a", None, "b", "a"], damage_zone=[None, "b", None],
                        hospital_distance=none)
    assert cells.hospitals_by_zone == {"a": [0, 3], "b": [2]}
    assert cells.damage_by_zone == {"b": [1]}
    assert cells.damage_outside == [0, 2]
    assert cells.damage_by_zone is cells.damage_by_zone  # worked out once
    moved = replace(cells, hospital_zone=[None, "b", None, None])
    assert moved.hospitals_by_zone == {"b": [1]}
    assert cells.hospitals_by_zone == {"a": [0, 3], "b": [2]}
