"""Distances from points to segments, all pairs at once: hand-computed values, and the same
bits as measuring one segment at a time (the loop they replaced, kept here)."""

from __future__ import annotations

import numpy as np
import pytest

from zoneplan.measure.grids.segments import distance_to_segments, near_boxes


def _one_by_one(x: np.ndarray, y: np.ndarray, segs: np.ndarray,
                reach: float = np.inf) -> np.ndarray:
    """The per-segment loop: each segment against the points in its grown box."""
    out = np.full(x.size, np.inf)
    for ax, ay, bx, by in segs:
        sel = np.flatnonzero((x >= min(ax, bx) - reach) & (x <= max(ax, bx) + reach)
                             & (y >= min(ay, by) - reach) & (y <= max(ay, by) + reach))
        px, py = x[sel], y[sel]
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / ll, 0.0, 1.0) if ll > 0 else 0.0
        ex, ey = px - (ax + t * dx), py - (ay + t * dy)
        out[sel] = np.minimum(out[sel], np.sqrt(ex * ex + ey * ey))
    return out


def _boxes_one_by_one(x: np.ndarray, y: np.ndarray, segs: np.ndarray,
                      reach: float) -> np.ndarray:
    hit = np.zeros(x.size, dtype=bool)
    for ax, ay, bx, by in segs:
        hit |= ((x >= min(ax, bx) - reach) & (x <= max(ax, bx) + reach)
                & (y >= min(ay, by) - reach) & (y <= max(ay, by) + reach))
    return np.flatnonzero(hit)


def test_hand_computed_distances() -> None:
    segs = np.array([[0.0, 0.0, 10.0, 0.0], [20.0, 0.0, 20.0, 0.0]])  # a segment, a point
    x = np.array([5.0, -3.0, 13.0, 20.0, 5.0, 100.0])
    y = np.array([3.0, 4.0, 0.0, -2.0, 0.0, 0.0])
    # above the middle: 3; beyond the start: 5 (3-4-5); between: 3 to the end (10, 0);
    # below the lone point: 2; on the segment: 0; far away: 80 to the point
    assert distance_to_segments(x, y, segs).tolist() == [3.0, 5.0, 3.0, 2.0, 0.0, 80.0]
    near = distance_to_segments(x, y, segs, reach=10.0)  # only boxes grown by 10 m
    assert near[:5].tolist() == [3.0, 5.0, 3.0, 2.0, 0.0] and near[5] == np.inf
    assert near_boxes(x, y, segs, 10.0).tolist() == [0, 1, 2, 3, 4]


def test_nothing_to_measure() -> None:
    x = y = np.array([1.0, 2.0])
    assert np.isinf(distance_to_segments(x, y, np.empty((0, 4)))).all()
    assert distance_to_segments(np.empty(0), np.empty(0), np.ones((2, 4))).size == 0
    assert near_boxes(x, y, np.empty((0, 4)), 5.0).size == 0


@pytest.mark.parametrize("seed", range(40))
def test_same_bits_as_one_segment_at_a_time(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 2000)), int(rng.integers(1, 60))
    x, y = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
    pts = np.cumsum(rng.normal(0, 500, (m + 1, 2)), axis=0) + 5_000
    segs = np.hstack([pts[:-1], pts[1:]])
    if seed % 2:  # points and ends on whole hundreds: ties on the boxes' edges
        x, y, segs = np.round(x, -2), np.round(y, -2), np.round(segs, -2)
    if m > 2:
        segs[1, 2:] = segs[1, :2]  # a segment of no length
    order = np.argsort(x, kind="stable")
    for reach in (np.inf, 0.0, 100.0, 500.0 + 125.0 * np.sqrt(2.0)):
        expected = _one_by_one(x, y, segs, reach)
        assert np.array_equal(distance_to_segments(x, y, segs, reach), expected)
        # the points' order by x kept by the caller (a grid's cells) changes nothing
        assert np.array_equal(distance_to_segments(x, y, segs, reach, x_order=order),
                              expected)
        if np.isfinite(reach):
            assert np.array_equal(near_boxes(x, y, segs, reach),
                                  _boxes_one_by_one(x, y, segs, reach))


def test_whole_grid_with_its_x_order_finds_the_boxes_candidates() -> None:
    """The editor's near-line cells: one pass over all points with their x order kept
    finds the same points, at the same distances, as measuring the boxes' points alone."""
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 5000, 3000), rng.uniform(0, 5000, 3000)
    x[:50] = 1000.0  # ties in x: the stable order
    segs = np.array([[1000.0, 1000.0, 1800.0, 1400.0], [1800.0, 1400.0, 1800.0, 2600.0]])
    reach = 500.0
    cand = near_boxes(x, y, segs, reach)
    d_cand = distance_to_segments(x[cand], y[cand], segs, reach)
    d_all = distance_to_segments(x, y, segs, reach, x_order=np.argsort(x, kind="stable"))
    assert np.array_equal(np.flatnonzero(d_all <= reach), cand[d_cand <= reach])
    assert np.array_equal(d_all[cand], d_cand)
    # by hand: a point 300 m straight below the first segment's start is 300 m away
    assert distance_to_segments(np.array([1000.0]), np.array([700.0]), segs, reach,
                                x_order=np.array([0]))[0] == 300.0
