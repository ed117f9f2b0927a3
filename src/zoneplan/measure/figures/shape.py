"""The shape of a zone: how wide it is across its long axis.

"A narrow coastal strip" is a claim about width, so zoneplan measures it: the zone's
long axis is the long side of its minimum rotated rectangle; transects perpendicular to
that axis are laid every :data:`TRANSECT_STEP_M` metres along it, and each transect's
length inside the zone (all its pieces) is measured. The width is the median of those
lengths over the transects that cross the zone. For a rectangle W x L every transect is
W long, so the width is W exactly.

Examples
--------
>>> from shapely.geometry import box
>>> round(width_m(box(0, 0, 10_000, 2_000)), 6)
2000.0
>>> round(width_m(box(0, 0, 2_000, 10_000)), 6)
2000.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

__all__ = ["TRANSECT_STEP_M", "width_m", "widths_m"]

TRANSECT_STEP_M = 250.0
"""Spacing of the transects along the long axis, metres: a 40 km zone gets 160, enough for
a stable median, and a zone is measured in a few milliseconds."""

FEW_ZONES = 8
"""Up to this many zones, :func:`widths_m` measures each alone (:func:`width_m`)."""

PAIRS_AT_ONCE = 1 << 22
"""Most (segment, transect) pairs tested at once: zones are measured in batches of about
this many pairs, so thousands of zones take one pass and memory stays bounded."""


def width_m(zone: BaseGeometry) -> float | None:
    """Median width (metres) of a zone across its long axis; ``None`` for an empty zone.

    Each transect's length inside the zone is found from where it crosses the zone's
    rings (sorted along the transect, paired inside-outside: the even-odd rule), so holes
    and several parts count as they should.

    Parameters
    ----------
    zone
        A (multi)polygon in a projected CRS (metres).
    """
    zone = shapely.make_valid(zone) if not zone.is_valid else zone
    polys = [g for g in shapely.get_parts(zone) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys or sum(g.area for g in polys) <= 0:
        return None
    zone = shapely.union_all(polys)
    rect = shapely.minimum_rotated_rectangle(zone)
    xy = np.asarray(rect.exterior.coords)[:4]
    sides = np.diff(np.vstack([xy, xy[:1]]), axis=0)
    lengths = np.hypot(sides[:, 0], sides[:, 1])
    k = int(np.argmax(lengths))
    axis = sides[k] / lengths[k]
    normal = np.array([-axis[1], axis[0]])
    origin = xy.mean(axis=0)
    seg, _ = _segments(np.asarray([zone], dtype=object))
    # each segment's ends in the (along the axis, across it) frame
    u0 = (seg[:, 0] - origin[0]) * axis[0] + (seg[:, 1] - origin[1]) * axis[1]
    u1 = (seg[:, 2] - origin[0]) * axis[0] + (seg[:, 3] - origin[1]) * axis[1]
    v0 = (seg[:, 0] - origin[0]) * normal[0] + (seg[:, 1] - origin[1]) * normal[1]
    v1 = (seg[:, 2] - origin[0]) * normal[0] + (seg[:, 3] - origin[1]) * normal[1]
    half_len = lengths[k] / 2.0
    n = max(math.floor(2 * half_len / TRANSECT_STEP_M), 1)
    at = (np.arange(n) + 0.5) / n * 2 * half_len - half_len
    lo, hi = np.minimum(u0, u1), np.maximum(u0, u1)
    # half-open spans, so a transect through a vertex counts the crossing once: the
    # transects at >= lo and < hi (``at`` ascends), segment by segment
    first = np.searchsorted(at, lo, side="left")
    count = np.maximum(np.searchsorted(at, hi, side="left") - first, 0)
    seg_i = np.repeat(np.arange(lo.size), count)
    t = (np.repeat(first - (np.cumsum(count) - count), count)
         + np.arange(int(count.sum()))).astype(np.intp)
    du = np.where(u1 != u0, u1 - u0, 1.0)
    slope = (v1 - v0) / du
    widths, _ = _transect_widths(t, v0[seg_i] + (at[t] - u0[seg_i]) * slope[seg_i], n)
    inside = widths[widths > 0]
    if not inside.size:
        return None
    # np.median's arithmetic (no NaN here: widths > 0); np.median itself imports numpy.ma
    return float(_medians(np.zeros(inside.size, dtype=np.intp), inside, 1)[0])


def _areas(zones: Sequence[BaseGeometry]) -> NDArray[np.object_]:
    """Each zone as the union of its polygonal parts (repaired if invalid), or ``None``
    for a zone without area."""
    arr = np.empty(len(zones), dtype=object)
    arr[:] = list(zones)
    bad = ~shapely.is_valid(arr)
    if bad.any():
        arr[bad] = shapely.make_valid(arr[bad])
    parts, owner = shapely.get_parts(arr, return_index=True)
    keep = np.isin(shapely.get_type_id(parts),
                   [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON])
    parts, owner = parts[keep], owner[keep]
    n_parts = np.bincount(owner, minlength=arr.size)
    has_area = np.bincount(owner, weights=shapely.area(parts), minlength=arr.size) > 0
    out = np.full(arr.size, None, dtype=object)
    single = np.flatnonzero(has_area & (n_parts == 1))
    if single.size:  # one part: the union of that part alone, all zones in one call
        first = np.searchsorted(owner, single)
        out[single] = shapely.union_all(parts[first][:, None], axis=1)
    for k in np.flatnonzero(has_area & (n_parts > 1)).tolist():
        out[k] = shapely.union_all(list(parts[owner == k]))
    return out


def widths_m(zones: Sequence[BaseGeometry]) -> list[float | None]:
    """:func:`width_m` of each zone (metres; ``None`` for an empty zone), all zones
    together: the arithmetic of each zone is that of :func:`width_m` alone, value for
    value, so the widths are the same to the last bit however many zones are measured.

    Parameters
    ----------
    zones
        (Multi)polygons in a projected CRS (metres).

    Returns
    -------
    list of float or None
        Each zone's median width across its long axis, metres.
    """
    if len(zones) <= FEW_ZONES:  # a few: each alone (fewer array operations)
        return [width_m(z) for z in zones]
    geoms = _areas(zones)
    live = np.flatnonzero(geoms != None)  # noqa: E711 (elementwise on objects)
    out: list[float | None] = [None] * len(geoms)
    if live.size == 0:
        return out
    g = geoms[live]
    rect = shapely.minimum_rotated_rectangle(g)
    ring = shapely.get_exterior_ring(rect)
    if not (shapely.get_num_coordinates(ring) == 5).all():  # pragma: no cover
        raise ValueError("a zone with an area has a rectangle of 4 corners")
    xy = shapely.get_coordinates(ring).reshape(-1, 5, 2)[:, :4]  # a rectangle's corners
    sides = np.roll(xy, -1, axis=1) - xy
    lengths = np.hypot(sides[:, :, 0], sides[:, :, 1])
    k = np.argmax(lengths, axis=1)
    at_k = np.arange(k.size)
    long_side = lengths[at_k, k]
    axis = sides[at_k, k] / long_side[:, None]
    normal = np.column_stack([-axis[:, 1], axis[:, 0]])
    origin = xy.mean(axis=1)
    half_len = long_side / 2.0
    n_tr = np.maximum(np.floor(2 * half_len / TRANSECT_STEP_M), 1).astype(np.int64)
    seg, seg_zone = _segments(g)
    n_seg = np.bincount(seg_zone, minlength=g.size)
    pairs = n_seg * n_tr
    medians = np.full(g.size, np.nan)
    a = 0
    while a < g.size:  # batches of zones of at most PAIRS_AT_ONCE pairs (or one zone)
        b = a + max(1, int(np.searchsorted(np.cumsum(pairs[a:]), PAIRS_AT_ONCE, "right")))
        medians[a:b] = _batch_medians(seg, seg_zone, a, b, axis, normal, origin, half_len,
                                      n_tr)
        a = b
    for i, m in zip(live.tolist(), medians.tolist(), strict=True):
        out[i] = None if np.isnan(m) else m
    return out


def _segments(zones: NDArray[np.object_]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """All ring segments of (multi)polygons, exteriors and holes, as (n, 4) x0 y0 x1 y1,
    with the zone of each; each zone's segments part by part, ring by ring."""
    polys, p_zone = shapely.get_parts(zones, return_index=True)
    rings, r_poly = shapely.get_rings(polys, return_index=True)
    xy, r_of = shapely.get_coordinates(rings, return_index=True)
    same = r_of[1:] == r_of[:-1]
    seg = np.hstack([xy[:-1][same], xy[1:][same]])
    return seg, p_zone[r_poly[r_of[:-1][same]]]


def _batch_medians(seg: NDArray[np.float64], seg_zone: NDArray[np.intp], a: int, b: int,
                   axis: NDArray[np.float64], normal: NDArray[np.float64],
                   origin: NDArray[np.float64], half_len: NDArray[np.float64],
                   n_tr: NDArray[np.int64]) -> NDArray[np.float64]:
    """Median transect width of zones ``a``-``b`` (NaN: no transect inside)."""
    s0, s1 = np.searchsorted(seg_zone, [a, b])
    sg, zs = seg[s0:s1], seg_zone[s0:s1]
    ox, oy = origin[zs, 0], origin[zs, 1]
    ax, ay, nx, ny = axis[zs, 0], axis[zs, 1], normal[zs, 0], normal[zs, 1]
    # each segment's ends in its zone's (along the axis, across it) frame
    u0 = (sg[:, 0] - ox) * ax + (sg[:, 1] - oy) * ay
    u1 = (sg[:, 2] - ox) * ax + (sg[:, 3] - oy) * ay
    v0 = (sg[:, 0] - ox) * nx + (sg[:, 1] - oy) * ny
    v1 = (sg[:, 2] - ox) * nx + (sg[:, 3] - oy) * ny
    lo, hi = np.minimum(u0, u1), np.maximum(u0, u1)
    du = np.where(u1 != u0, u1 - u0, 1.0)
    slope = (v1 - v0) / du
    # transects: zone z's are t_start[z] .. t_start[z] + n_tr[z], at positions along the axis
    n = n_tr[a:b]
    t_start = np.cumsum(n) - n
    t_zone = np.repeat(np.arange(a, b), n)
    j = np.arange(int(n.sum())) - np.repeat(t_start, n)
    at = (j + 0.5) / n_tr[t_zone] * 2 * half_len[t_zone] - half_len[t_zone]
    # every (segment, transect) pair of a zone, segment by segment
    per_seg = n[zs - a]
    p_seg = np.repeat(np.arange(zs.size), per_seg)
    p_t = (t_start[zs - a][p_seg]
           + np.arange(int(per_seg.sum())) - np.repeat(np.cumsum(per_seg) - per_seg, per_seg))
    # half-open spans, so a transect through a vertex counts the crossing once
    hit = (lo[p_seg] <= at[p_t]) & (at[p_t] < hi[p_seg])
    p_seg, p_t = p_seg[hit], p_t[hit]
    vals = v0[p_seg] + (at[p_t] - u0[p_seg]) * slope[p_seg]
    widths, crossed = _transect_widths(p_t, vals, at.size)
    zone_w = t_zone[crossed] - a
    keep = widths > 0
    return _medians(zone_w[keep], widths[keep], b - a)


def _medians(group: NDArray[np.intp], values: NDArray[np.float64], n: int
             ) -> NDArray[np.float64]:
    """``np.median`` of the values of each group (NaN for an empty group): the middle
    value, or the mean of the two middle values, as ``np.median`` takes them."""
    order = np.lexsort((values, group))
    v = values[order]
    count = np.bincount(group, minlength=n)
    start = np.cumsum(count) - count
    out = np.full(n, np.nan)
    odd = np.flatnonzero(count % 2 == 1)
    out[odd] = v[start[odd] + count[odd] // 2]
    even = np.flatnonzero((count % 2 == 0) & (count > 0))
    mid = start[even] + count[even] // 2
    out[even] = (v[mid - 1] + v[mid]) / 2
    return out


def _transect_widths(t: NDArray[np.intp], vals: NDArray[np.float64], n_transects: int
                     ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Length inside the zone of each transect crossed at least twice, and those
    transects: transect ``t[i]`` crosses a ring at ``vals[i]`` (pairs in segment order);
    its crossings sorted and paired (second minus first, fourth minus third...), the
    differences summed in order.

    All transects at once; one with an odd number of crossings (a degenerate vertex) or
    with 8 pairs or more is measured alone with ``np.sum``, so every width is the same to
    the last bit as measured one transect at a time."""
    order = np.lexsort((vals, t))
    t, vals = t[order], vals[order]
    count = np.bincount(t, minlength=n_transects)
    alone = (count % 2 == 1) | (count >= 16)
    start = np.cumsum(count) - count
    rank = np.arange(t.size) - np.repeat(start, count)
    second = np.flatnonzero(~alone[t] & (rank % 2 == 1))
    out = np.zeros(n_transects)
    np.add.at(out, t[second], vals[second] - vals[second - 1])  # in order, from 0.0
    for tt in np.flatnonzero(alone & (count >= 2)).tolist():
        vs = vals[start[tt]:start[tt] + count[tt]]
        out[tt] = float(np.sum(vs[1::2] - vs[0::2]))
    crossed = np.flatnonzero(count >= 2)
    return out[crossed], crossed
