"""The exact area of a polygon inside many boxes by numpy (measure/grids/box_areas.py):
by hand, and against GEOS's intersection on random polygons with holes."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from zoneplan.measure.grids.box_areas import boundary_edges, box_areas, box_areas_met, is_box


def _areas(poly: object, boxes: list[tuple[float, float, float, float]]) -> list[float]:
    b = np.asarray(boxes, dtype=float)
    return box_areas(poly, b[:, 0], b[:, 1], b[:, 2], b[:, 3]).tolist()


def test_a_triangle_by_hand() -> None:
    """The triangle (0,0) (4,0) (0,4) over unit boxes: a box wholly inside (1), two its
    hypotenuse halves (1/2), one outside (0), one it only touches at a corner (0), one
    straddling the x axis."""
    tri = Polygon([(0, 0), (4, 0), (0, 4)])
    got = _areas(tri, [(0, 0, 1, 1), (3, 0, 4, 1), (1, 2, 2, 3), (4, 4, 5, 5),
                       (4, 0, 5, 1), (2, -1, 3, 1)])
    # (1,2)-(2,3): below x + y = 4 is the triangle (1,2) (2,2) (1,3): 1/2
    # (2,-1)-(3,1): the part y >= 0 and x + y <= 4 is all of [2,3] x [0,1]: 1
    assert got == [1.0, 0.5, 0.5, 0.0, 0.0, 1.0]


def test_orientation_holes_and_parts_by_hand() -> None:
    """A clockwise outer ring counts as an anticlockwise one; a hole is taken out; the
    parts of a multipolygon add up."""
    cw = Polygon([(0, 0), (0, 2), (2, 2), (2, 0)])
    assert not cw.exterior.is_ccw
    assert _areas(cw, [(1, 1, 3, 3), (-1, -1, 1, 3)]) == [1.0, 2.0]
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (1, 3), (3, 3), (3, 1)]])
    assert _areas(ring, [(0, 0, 4, 4), (0.5, 0.5, 1.5, 1.5), (1.5, 1.5, 2.5, 2.5)]) == [
        12.0, 0.75, 0.0]
    two = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    assert _areas(two, [(0.5, 0, 2.5, 1)]) == [1.0]


def test_edges_along_the_box_sides() -> None:
    """A polygon whose edges run along a box's sides covers it whole; one beside it
    shares a side and nothing else."""
    assert _areas(box(0, 0, 2, 2), [(0, 0, 2, 2), (0, 0, 1, 1), (2, 0, 3, 2)]) == [
        4.0, 1.0, 0.0]


def test_random_polygons_against_geos() -> None:
    """Star-shaped polygons with a hole, at projected coordinates (hundreds of km),
    against GEOS on a 250 m grid of boxes: the same areas to 1e-9 of a box."""
    rng = np.random.default_rng(11)
    x0, y0, size = 600_000.0, 3_500_000.0, 250.0
    gx, gy = np.meshgrid(x0 + size * np.arange(-12, 12), y0 + size * np.arange(-12, 12))
    bx0, by0 = gx.ravel(), gy.ravel()
    boxes = shapely.box(bx0, by0, bx0 + size, by0 + size)
    worst = 0.0
    for _ in range(20):
        n = int(rng.integers(5, 60))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        r = rng.uniform(800, 2_800, n)
        shell = np.column_stack([x0 + r * np.cos(ang), y0 + r * np.sin(ang)])
        hole = np.column_stack([x0 + 300 * np.cos(ang[::-1][:8]), y0 + 300 * np.sin(
            ang[::-1][:8])]) if n >= 8 else None
        poly = Polygon(shell, [hole] if hole is not None else [])
        if not poly.is_valid:
            continue
        want = shapely.area(shapely.intersection(boxes, poly))
        got = box_areas(poly, bx0, by0, bx0 + size, by0 + size)
        worst = max(worst, float(np.abs(got - want).max()) / size**2)
        assert abs(got.sum() - poly.area) <= 1e-9 * poly.area
    assert worst < 1e-9


def test_boundary_edges_turn_the_rings() -> None:
    """Outer rings anticlockwise, holes clockwise, whichever way they are stored."""
    _, sign = boundary_edges(box(0, 0, 1, 1))
    assert sign.tolist() == [1.0] * 4  # shapely's box runs anticlockwise
    ring = Polygon([(0, 0), (0, 4), (4, 4), (4, 0)], [[(1, 1), (1, 3), (3, 3), (3, 1)]])
    _, sign = boundary_edges(ring)  # both rings stored clockwise
    assert sign.tolist() == [-1.0] * 4 + [1.0] * 4


def test_which_boxes_the_boundary_passes_through() -> None:
    """Not a box wholly inside, wholly outside, or one the boundary only touches."""
    b = np.array([[1, 1, 2, 2], [5, 5, 6, 6], [4, 0, 5, 1], [3, 3, 5, 5]], dtype=float)
    area, met = box_areas_met(box(0, 0, 4, 4), *b.T)
    assert area.tolist() == [1.0, 0.0, 0.0, 1.0] and met.tolist() == [False, False,
                                                                        False, True]


def test_which_cells_are_boxes() -> None:
    """Only a polygon that is its bounding box, four corners, counts."""
    cells = np.asarray([
        box(0, 0, 1, 1),
        Polygon([(0, 0), (1, 0), (1, 1), (0, 1)]),
        Polygon([(0, 0), (1, 0), (0.5, 1)]),  # clipped: a triangle
        Polygon([(0, 0), (0.5, 0), (1, 0), (1, 1), (0, 1)]),  # a fifth vertex
        Polygon([(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5)]),  # a square turned 45°
        Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], [[(0.5, 0.5), (1, 0.5), (1, 1)]]),
        MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]),
    ], dtype=object)
    assert is_box(cells).tolist() == [True, True, False, False, False, False, False]
