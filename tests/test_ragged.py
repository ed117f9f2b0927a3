"""Per-zone arithmetic on flat arrays gives what NumPy gives zone by zone, to the last bit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from zoneplan.measure.figures.frame import sorted_quantile
from zoneplan.measure.sums.ragged import segment_cumsum, segment_sum, sorted_quantiles


def _segments(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Segments of every kind of length: empty, under 8, up to 128, long (several halvings
    of NumPy's pairwise summation), values over many orders of magnitude."""
    rng = np.random.default_rng(seed)
    lens = np.concatenate([rng.integers(0, 20, 400), rng.integers(0, 300, 60),
                           [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 8193, 20_001]])
    rng.shuffle(lens)
    start = np.concatenate([[0], np.cumsum(lens)])
    x = rng.gamma(0.4, size=int(start[-1])) * 10 ** rng.uniform(-3, 5, size=int(start[-1]))
    return x, start


@pytest.mark.parametrize("seed,few", [(1, 64), (2, 64), (2, 100_000)])
def test_sums_and_cumulative_sums_equal_numpy_per_segment(seed: int, few: int,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Many segments emulated, or few summed one by one (``FEW``): the same."""
    from zoneplan.measure.sums import ragged

    monkeypatch.setattr(ragged, "FEW", few)
    x, start = _segments(seed)
    cs, ss = segment_cumsum(x, start), segment_sum(x, start)
    for k, (a, b) in enumerate(itertools.pairwise(start.tolist())):
        assert np.array_equal(cs[a:b], np.cumsum(x[a:b]))
        assert ss[k] == x[a:b].sum()


@pytest.mark.parametrize("seed", [3, 4])
def test_quantiles_equal_sorted_quantile_per_segment(seed: int) -> None:
    x, start = _segments(seed)
    rng = np.random.default_rng(seed)
    w = x * (rng.uniform(size=x.size) > 0.3)  # zero weights, and segments without weight
    v = np.round(rng.uniform(0, 5000, x.size), 0)  # ties
    for a, b in itertools.pairwise(start.tolist()):
        v[a:b] = np.sort(v[a:b])
    qs = (0.0, 0.5, 0.9, 0.999999, 1.0)
    got = sorted_quantiles(v, w, start, qs)
    for i, q in enumerate(qs):
        for k, (a, b) in enumerate(itertools.pairwise(start.tolist())):
            ref = sorted_quantile(v[a:b], w[a:b], q)
            assert (ref is None and np.isnan(got[i][k])) or ref == got[i][k]


def test_zone_rows_built_together_equal_row_by_row() -> None:
    """A table's rows, built together, hold the keys set for each zone in the order the
    keys were first set, as built one zone at a time."""
    from zoneplan.measure.figures.table import ZoneRows, ZoneTable

    rng = np.random.default_rng(7)
    ids = [f"z{k}" for k in range(50)]
    t = ZoneTable(ids)
    t.fill("a", rng.uniform(size=50).tolist())
    t.same(("b", "c"), None, where=[3, 7])
    t.col("d")[5] = "only five"
    t.fill("e", [1] * 50)
    t.fill("b", ["late"], where=[9])
    rows = ZoneRows(t)
    assert [rows[i] for i in ids] == [t.row(k) for k in range(50)]
    assert [list(rows[i]) for i in ("z3", "z5", "z9", "z0")] == [
        ["a", "b", "c", "e"], ["a", "d", "e"], ["a", "b", "e"], ["a", "e"]]
    assert ZoneRows(ZoneTable(ids))["z1"] == {}
