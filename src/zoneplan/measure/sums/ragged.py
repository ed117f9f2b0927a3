"""Arithmetic on ragged arrays: many segments of one array at once, value for value as on
each segment alone.

Indicators of thousands of zones are taken from flat arrays holding every zone's
values one zone after another (zone ``k``'s are ``start[k]:start[k + 1]``). The
functions here give, for all zones in a few array operations, the same numbers NumPy
gives for each zone's slice alone, to the last bit: :func:`segment_cumsum` as
``np.cumsum``, :func:`segment_sum` as ``np.sum`` (NumPy's pairwise summation: eight
accumulators, blocks of 128, halves above), :func:`sorted_quantiles` as
:func:`sorted_quantile` (``np.interp`` on the midpoints of the
cumulative weights). So figures do not depend on how many zones are measured together.

Examples
--------
>>> import numpy as np
>>> x, start = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([0, 2, 5])
>>> segment_cumsum(x, start).tolist(), segment_sum(x, start).tolist()
([1.0, 3.0, 3.0, 7.0, 12.0], [3.0, 12.0])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["segment_cumsum", "segment_sum", "sorted_quantile", "sorted_quantiles"]

_BLOCK = 128
"""NumPy's pairwise summation adds up to this many values with eight accumulators."""

FEW = 64
"""Up to this many segments, each is summed by NumPy itself, one after another (fewer
array operations than the emulation)."""


def _rows(x: NDArray[np.float64], start: NDArray[np.intp], n: NDArray[np.intp],
          width: int) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.intp]]:
    """Segments (starts ``start``, lengths ``n`` at most ``width``) as rows of a
    zero-padded array; the mask of real values and their positions in ``x``."""
    col = np.arange(width)
    real = col[None, :] < n[:, None]
    at = (start[:, None] + col[None, :])[real]
    rows = np.zeros((n.size, width))
    rows[real] = x[at]
    return rows, real, at


def segment_cumsum(x: NDArray[np.float64], start: NDArray[np.integer]
                   ) -> NDArray[np.float64]:
    """``np.cumsum`` of each segment ``x[start[k]:start[k + 1]]``, all in one array.

    Segments of similar length are padded with zeros into rows and summed along the rows
    (sequentially, as ``np.cumsum`` sums), at most twice the work of one pass.

    Parameters
    ----------
    x
        The values, segment after segment (any unit; the sums are in the same).
    start
        Offsets of the segments, shape (segments + 1,), ascending.

    Returns
    -------
    numpy.ndarray
        The running sums, shape of ``x``.
    """
    st = np.asarray(start, dtype=np.intp)
    n = np.diff(st)
    out = np.empty(x.size)
    if n.size <= FEW:
        for a, b in itertools.pairwise(st.tolist()):
            out[a:b] = np.cumsum(x[a:b])
        return out
    live = n > 0
    level = np.zeros(n.size, dtype=np.intp)
    level[live] = np.ceil(np.log2(n[live])).astype(np.intp)
    for lv in np.unique(level[live]).tolist():
        k = np.flatnonzero(live & (level == lv))
        rows, real, at = _rows(x, st[k], n[k], int(n[k].max()))
        out[at] = np.cumsum(rows, axis=1)[real]
    return out


def segment_sum(x: NDArray[np.float64], start: NDArray[np.integer]) -> NDArray[np.float64]:
    """``np.sum`` of each segment ``x[start[k]:start[k + 1]]`` (0.0 for an empty one), the
    same to the last bit: NumPy's pairwise summation, all segments at once.

    Parameters
    ----------
    x
        The values, segment after segment (any unit; the sums are in the same).
    start
        Offsets of the segments, shape (segments + 1,), ascending.

    Returns
    -------
    numpy.ndarray
        One sum per segment.
    """
    st = np.asarray(start, dtype=np.intp)
    if st.size - 1 <= FEW:
        return np.array([x[a:b].sum() for a, b in itertools.pairwise(st.tolist())],
                        dtype=np.float64)
    return _pairwise(x, st[:-1], np.diff(st))


def _pairwise(x: NDArray[np.float64], first: NDArray[np.intp], n: NDArray[np.intp]
              ) -> NDArray[np.float64]:
    """Pairwise sums of the runs ``x[first[k]:first[k] + n[k]]``."""
    out = np.zeros(n.size)
    small = np.flatnonzero(n < 8)  # one by one, from 0.0
    if small.size:
        rows, _, _ = _rows(x, first[small], n[small], 7)
        acc = np.zeros(small.size)
        for c in range(7):
            acc += rows[:, c]
        out[small] = acc
    mid = np.flatnonzero((n >= 8) & (n <= _BLOCK))  # eight accumulators, then the rest
    if mid.size:
        nn = n[mid]
        full = nn - nn % 8
        rows, _, _ = _rows(x, first[mid], full, _BLOCK)
        r = rows[:, :8].copy()
        for b in range(8, _BLOCK, 8):
            r += rows[:, b:b + 8]
        acc = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5])
                                                              + (r[:, 6] + r[:, 7]))
        tail, _, _ = _rows(x, first[mid] + full, nn - full, 7)
        for c in range(7):
            acc += tail[:, c]
        out[mid] = acc
    big = np.flatnonzero(n > _BLOCK)  # halves (multiples of eight), each summed alike
    if big.size:
        half = n[big] // 2
        half -= half % 8
        both = _pairwise(x, np.concatenate([first[big], first[big] + half]),
                         np.concatenate([half, n[big] - half]))
        out[big] = both[:big.size] + both[big.size:]
    return out


def sorted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                     q: float) -> float | None:
    """:func:`weighted_quantile` for values already sorted ascending."""
    keep = weights > 0
    if not keep.any():
        return None
    v, w = values[keep], weights[keep]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return float(np.interp(q, cw, v))


def sorted_quantiles(values: NDArray[np.float64], weights: NDArray[np.float64],
                     start: NDArray[np.integer], qs: Sequence[float]
                     ) -> list[NDArray[np.float64]]:
    """Weighted quantiles ``qs`` (0-1) of each segment of ``values`` (sorted ascending
    within each segment) by the cumulative-weight midpoint rule: for each ``q``, per
    segment what :func:`sorted_quantile` gives for its slice
    alone, NaN for a segment without positive weight.

    Parameters
    ----------
    values
        Values (e.g. distances, metres), ascending within each segment.
    weights
        The weight of each value (e.g. people); zero weights are left out.
    start
        Offsets of the segments, shape (segments + 1,).
    qs
        The quantiles wanted, each in 0-1.

    Returns
    -------
    list of numpy.ndarray
        For each ``q``, one quantile per segment, in the unit of ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> v, w = np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.0, 1.0, 2.0, 0.0])
    >>> [q.tolist() for q in sorted_quantiles(v, w, np.array([0, 3, 4]), [0.5])]
    [[2.3333333333333335, nan]]
    """
    st = np.asarray(start, dtype=np.intp)
    nseg = st.size - 1
    if nseg <= FEW:  # few segments: each alone
        pairs = list(itertools.pairwise(st.tolist()))
        return [np.array([_nan(sorted_quantile(values[a:b], weights[a:b], q)) for a, b in pairs],
                         dtype=np.float64) for q in qs]
    seg = np.repeat(np.arange(nseg), np.diff(st))
    keep = weights > 0
    v, w, seg = values[keep], weights[keep], seg[keep]
    count = np.bincount(seg, minlength=nseg)
    ks = np.concatenate([[0], np.cumsum(count)]).astype(np.intp)
    cw = segment_cumsum(w, ks) - 0.5 * w
    cw /= segment_sum(w, ks)[seg]
    return [_interp(q, cw, v, ks, count) for q in qs]


def _nan(x: float | None) -> float:
    """``x``, or NaN for ``None``."""
    return float("nan") if x is None else x


def _interp(q: float, x: NDArray[np.float64], y: NDArray[np.float64],
            start: NDArray[np.intp], count: NDArray[np.intp]) -> NDArray[np.float64]:
    """``np.interp(q, x_k, y_k)`` for each segment ``k`` (x ascending within it), as
    NumPy computes it; NaN for an empty segment."""
    out = np.full(count.size, np.nan)
    live = np.flatnonzero(count > 0)
    seg = np.repeat(np.arange(count.size), count)
    j = np.bincount(seg, weights=(x <= q), minlength=count.size).astype(np.intp) - 1
    a, n, j = start[live], count[live], j[live]
    last = a + n - 1
    # below the first point, or at or past the last: the end values
    res = np.where(j < 0, y[a], y[last])
    inner = np.flatnonzero((j >= 0) & (j < n - 1))
    i = a[inner] + j[inner]
    at_point = x[i] == q
    slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
    with np.errstate(invalid="ignore", over="ignore"):
        val = slope * (q - x[i]) + y[i]
        again = np.isnan(val)
        val[again] = slope[again] * (q - x[i + 1][again]) + y[i + 1][again]
        flat = np.isnan(val) & (y[i] == y[i + 1])
    val[flat] = y[i][flat]
    res[inner] = np.where(at_point, y[i], val)
    out[live] = res
    return out
