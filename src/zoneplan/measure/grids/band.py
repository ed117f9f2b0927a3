"""A cell grid prepared for many layouts that differ only in a band along moving lines.

Monte Carlo draws (:mod:`zoneplan.scenarios.samples`) cut the territory along lines
moved sideways by at most their stated uncertainty ``u``. Every moved point lies within
``u`` of the line's reference position, and so does every point of a moved segment (a
mix of its moved ends), so the zones of two draws differ only within ``u`` of the
reference lines. :class:`BandGrid` wraps a :class:`~zoneplan.measure.grids.cells.CellGrid`
with what every draw shares, worked out once:

* the zone of every cell whose representative point lies outside that band (plus a
  margin), as the reference layout gives it: a draw only tests the cells in the band
  and the cells its cuts cross, with the grid's own tests in the grid's own order;
* the cells whose centroid may lie within reach of a line (the largest near-line
  distance, half a cell diagonal and ``u``, plus a margin): distances to a draw's lines
  are measured from these cells only, both near-line distances at once.

Every answer is the one :class:`~zoneplan.measure.grids.cells.CellGrid` gives: the same
cells in the same zones, the same arithmetic per (point, segment) pair, in the same
order; only cells whose answer cannot differ from the reference are skipped. The one
difference: a square cell a cut crosses is shared between the zones by clipping the
zone's edges to it in numpy (:mod:`~zoneplan.measure.grids.box_areas`), not by a GEOS
intersection per cell, which is as exact but differs in rounding (about 1e-12 of a
cell; ``tests/test_band.py`` checks draw by draw). Everything else is the wrapped
grid's.

Examples
--------
A 4 km x 1 km territory cut by a north-south line at x = 2,000 m, which may be off by
100 m: only the cells within that, a cell's diagonal and a margin of a cell of it are
tested again (not the two columns at either end).

>>> from shapely.geometry import LineString, box
>>> from zoneplan.measure.grids.cells import CellGrid
>>> g = CellGrid.build(box(0, 0, 4000, 1000), cell_size=500.0, crs=None)
>>> line = LineString([(2000, -10), (2000, 1010)])
>>> west, east = box(0, 0, 2000, 1000), box(2000, 0, 4000, 1000)
>>> ref = g.fractions([west, east], [line], tiles=True)
>>> b = BandGrid.of(g, ref, [line], [100.0], near_m=(100.0,))
>>> sorted(set(g.x[b.band].tolist()))
[750.0, 1250.0, 1750.0, 2250.0, 2750.0, 3250.0]
>>> moved = LineString([(2050, -10), (2050, 1010)])
>>> zones = [box(0, 0, 2050, 1000), box(2050, 0, 4000, 1000)]
>>> a = b.fractions(zones, [moved], tiles=True)
>>> e = g.fractions(zones, [moved], tiles=True)
>>> bool((a.zone_of == e.zone_of).all() and (a.cut_frac == e.cut_frac).all())
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.measure.grids.box_areas import box_areas_met, is_box
from zoneplan.measure.grids.cells import CellGrid, CutShares, Fractions, Near
from zoneplan.measure.grids.segments import (
    distance_to_segments,
    measured_pairs,
    pair_distance,
    segment_lines,
    segments,
)

__all__ = ["BAND_MARGIN_CELLS", "NEAR_SETS_KEPT", "SHARE_ROUNDING", "BandGrid"]

BAND_MARGIN_CELLS = 1.0
"""Margin added to every band, in cell sides (beyond a cell's diagonal): far more than
any rounding of a moved point (nanometres), so no cell near the edge of the band is
wrongly left out."""

SHARE_ROUNDING = 1e-9
"""A crossed square's share of a zone (0-1) below which the numpy clipping's answer
(right to about 1e-12) is not taken: GEOS tells whether the zone touches the cell, and
measures its share if so, as the grid itself does."""

NEAR_SETS_KEPT = 8
"""Sets of lines whose near-line shares a :class:`BandGrid` keeps: a layout asks for its
lines together and, with several lines, for each alone; the fixed lines' answers are
then found again in every draw."""


def _within(x: NDArray[np.float64], y: NDArray[np.float64], lines: list[BaseGeometry],
            reach: list[float]) -> NDArray[np.intp]:
    """Indices (ascending) of the points within ``reach[i]`` metres of ``lines[i]``."""
    hit = np.zeros(x.size, dtype=bool)
    for ln, r in zip(lines, reach, strict=True):
        hit |= distance_to_segments(x, y, segments([ln]), r) <= r
    return np.flatnonzero(hit).astype(np.intp)


def _squares(grid: CellGrid, box: NDArray[np.bool_], band: NDArray[np.intp],
             territory: BaseGeometry | None) -> NDArray[np.float64]:
    """:attr:`BandGrid.square`: each whole square's box; for a clipped cell in the band,
    its square of the grid (aligned with the whole squares) where that square and the
    cell have the same area in ``territory`` (GEOS, once; to 1e-9 of a square): then
    they have the same part of it, and so the same part of any zone within it."""
    out = np.full((len(grid), 4), np.nan)
    out[box] = shapely.bounds(grid.cells[box])
    if territory is None or not box.any():
        return out
    clip = band[~box[band]]
    if clip.size == 0:
        return out
    cs = grid.cell_size
    ref = out[np.flatnonzero(box)[0]]
    x0 = ref[0] + np.floor((grid.x[clip] - ref[0]) / cs) * cs
    y0 = ref[1] + np.floor((grid.y[clip] - ref[1]) / cs) * cs
    squares = shapely.box(x0, y0, x0 + cs, y0 + cs)
    shapely.prepare(territory)
    same = np.abs(shapely.area(shapely.intersection(squares, territory))
                  - shapely.area(shapely.intersection(grid.cells[clip], territory))
                  ) <= 1e-9 * cs * cs
    same &= shapely.covers(squares, shapely.centroid(grid.cells[clip]))
    keep = clip[same]
    out[keep] = np.column_stack([x0, y0, x0 + cs, y0 + cs])[same]
    return out


@dataclass(eq=False)
class BandGrid:
    """A :class:`~zoneplan.measure.grids.cells.CellGrid` with what every layout of a
    set of draws shares (see the module docstring); otherwise the grid itself.

    Attributes
    ----------
    base
        The wrapped grid.
    n_zones
        Number of zones of every layout measured.
    band
        Cells (ascending) whose representative point lies within the band: tested again
        for each layout.
    zone_of
        The reference layout's zone of each cell, -1 in the band (and on cut cells).
    near_cells
        Cells (ascending) whose centroid may lie within reach of a line.
    near_order
        Positions in ``near_cells`` sorted by centroid x.
    near_m
        The near-line distances measured together (metres).
    box
        Whether each cell is a whole square (its polygon its bounding box): which cuts
        cross it is decided by numpy, not GEOS.
    square
        The square (x0, y0, x1, y1, metres) whose part in a zone is the cell's part in
        it: the cell's own box, or for a cell the territory's edge clipped, in the band,
        its square of the grid when the square and the cell have the same part of the
        territory (zones lie within the territory); NaN for other cells. A zone's share
        of such a cell is measured by numpy (:mod:`~zoneplan.measure.grids.box_areas`),
        not GEOS.
    """

    base: CellGrid
    n_zones: int
    band: NDArray[np.intp]
    zone_of: NDArray[np.int32]
    near_cells: NDArray[np.intp]
    near_order: NDArray[np.intp]
    near_m: tuple[float, ...]
    box: NDArray[np.bool_]
    square: NDArray[np.float64]
    _memo: dict[Any, dict[float, Near]] = field(default_factory=dict, init=False,
                                                repr=False)
    _lattices: dict[int, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_],
                               NDArray[np.float64]]] = field(default_factory=dict,
                                                             init=False, repr=False)

    @classmethod
    def of(cls, grid: CellGrid, reference: Fractions, lines: list[BaseGeometry],
           offsets_m: list[float], *, near_m: tuple[float, ...],
           territory: BaseGeometry | None = None) -> BandGrid:
        """Prepare ``grid`` for layouts cut along ``lines`` (their reference positions,
        in the grid's CRS) moved by at most ``offsets_m`` (metres; 0 for a line that
        does not move), whose reference layout has the shares ``reference``.

        ``near_m`` are the distances (metres) near-line shares are asked for;
        ``territory`` (in the grid's CRS) the one every layout's zones lie in, if known.
        """
        margin = BAND_MARGIN_CELLS * grid.cell_size
        diag = grid.cell_size * np.sqrt(2.0)
        moving = [(ln, u) for ln, u in zip(lines, offsets_m, strict=True) if u > 0]
        band = np.union1d(_within(grid.px, grid.py, [ln for ln, _ in moving],
                                  [u + diag + margin for _, u in moving]),
                          reference.cut_cell).astype(np.intp)
        zone_of = reference.zone_of.astype(np.int32, copy=True)
        zone_of[band] = -1
        zone_of[reference.cut_cell] = -1
        half_diag = grid.cell_size * np.sqrt(0.5)
        reach = max(near_m) + half_diag + margin
        near_cells = _within(grid.x, grid.y, list(lines),
                             [reach + u for u in offsets_m])
        near_order = np.argsort(grid.x[near_cells], kind="stable").astype(np.intp)
        box = is_box(grid.cells)
        return cls(base=grid, n_zones=reference.n_zones, band=band, zone_of=zone_of,
                   near_cells=near_cells, near_order=near_order,
                   near_m=tuple(float(d) for d in near_m), box=box,
                   square=_squares(grid, box, band, territory))

    def __len__(self) -> int:
        return len(self.base)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "base":
            raise AttributeError(name)
        return getattr(self.base, name)

    def fractions(self, zones: list[BaseGeometry], cuts: list[BaseGeometry], *,
                  tiles: bool = False, samples: int = 0, covered: bool = False
                  ) -> Fractions:
        """:meth:`CellGrid.fractions <zoneplan.measure.grids.cells.CellGrid.fractions>`
        of a layout of the draws, testing only the band and the cells the cuts cross."""
        if len(zones) != self.n_zones:  # not a layout of the draws: the grid's own
            return self.base.fractions(zones, cuts, tiles=tiles, samples=samples,
                                       covered=covered)
        g = self.base
        zone_of = self.zone_of.copy()
        cut_idx = self._crossed(cuts)
        mask = np.zeros(len(g), dtype=bool)
        mask[self.band] = True
        mask[cut_idx] = True
        test = np.flatnonzero(mask)  # the band and the crossed cells, ascending
        zone_of[test] = -1
        n_measured = len(zones) - 1 if tiles and len(zones) > 1 else len(zones)
        cut = CutShares(g, cut_idx)
        for k, z in enumerate(zones):
            if z.is_empty:
                continue
            shapely.prepare(z)
            # a point a zone contains lies in its box, and so does a cell it intersects:
            # the grid's box query before each test changes nothing
            free = test[zone_of[test] < 0]
            zone_of[free[shapely.contains_xy(z, g.px[free], g.py[free])]] = k
            if k >= n_measured or cut_idx.size == 0:
                continue
            if samples:
                touch = shapely.intersects(z, g.cells[cut_idx])
                cut.add(k, cut_idx[touch], np.flatnonzero(touch), z, samples)
            else:
                cut.add_shares(k, cut_idx, np.arange(cut_idx.size, dtype=np.intp),
                               self._cut_share(cut_idx, z))
        return cut.fractions(zone_of, len(zones), n_measured)

    def _cut_share(self, cand: NDArray[np.intp], zone: BaseGeometry
                   ) -> NDArray[np.float64]:
        """Exact share of each cell ``cand`` inside ``zone`` (0-1, of the cell's area; 0
        for a cell it does not touch): of a cell with a :attr:`square` by clipping the
        zone's edges to that square in numpy
        (:func:`~zoneplan.measure.grids.box_areas.box_areas_met`); of other cells, and
        of squares whose share comes out below :data:`SHARE_ROUNDING` though an edge of
        the zone passes through them, by GEOS, as :meth:`CellGrid.cut_share
        <zoneplan.measure.grids.cells.CellGrid.cut_share>` does; a square no edge
        passes through is wholly in the zone (1) or out of it (0). The two agree to
        rounding (about 1e-12 of a cell), not to the last bit."""
        g = self.base
        part = np.zeros(cand.size)
        b = self.square[cand]
        box = ~np.isnan(b[:, 0])
        met = np.ones(cand.size, dtype=bool)
        if box.any():
            b = b[box]
            area, met[box] = box_areas_met(zone, b[:, 0], b[:, 1], b[:, 2], b[:, 3])
            part[box] = area / g.area_m2[cand[box]]
        # a square no zone edge passes through lies wholly in the zone or out of it
        part[box & ~met] = np.where(part[box & ~met] > 0.5, 1.0, 0.0)
        geos = np.flatnonzero(~box | ((part < SHARE_ROUNDING) & met))
        if geos.size:
            touch = geos[shapely.intersects(zone, g.cells[cand[geos]])]
            part[geos] = 0.0
            part[touch] = g.cut_share(cand[touch], zone, 0)
        return part

    def _crossed(self, cuts: list[BaseGeometry]) -> NDArray[np.intp]:
        """The cells any of ``cuts`` touches, as :meth:`CellGrid._crossed
        <zoneplan.measure.grids.cells.CellGrid._crossed>` finds them: the same segments,
        each tested against the cells in its box; a square cell by numpy (the segment
        meets it unless all four corners lie on one side of its line), a cell the
        territory's edge clipped by GEOS's ``intersects``. The two can differ only for a
        segment that just touches a square's corner or side (within rounding), whose
        share is then 0 or 1 either way."""
        g = self.base
        parts = [p for c in cuts if not c.is_empty
                 for p in shapely.get_parts(shapely.line_merge(c) if c.geom_type ==
                                            "MultiLineString" else c)]
        segs = np.asarray([s for p in parts for s in segment_lines(p)], dtype=object)
        if not segs.size:
            return np.empty(0, dtype=np.intp)
        seg, cell = g._tree.query(segs)
        hit = np.zeros(seg.size, dtype=bool)
        box = self.box[cell]
        if box.any():  # a segment meets a square its box meets unless it passes it by
            xy = shapely.get_coordinates(segs).reshape(-1, 4)[seg[box]]
            b = shapely.bounds(g.cells[cell[box]])
            dx, dy = xy[:, 2] - xy[:, 0], xy[:, 3] - xy[:, 1]
            side = np.stack([dx * (b[:, i] - xy[:, 1]) - dy * (b[:, j] - xy[:, 0])
                             for j, i in ((0, 1), (2, 1), (2, 3), (0, 3))], axis=1)
            hit[box] = (side.min(axis=1) <= 0.0) & (side.max(axis=1) >= 0.0)
        if not box.all():
            hit[~box] = shapely.intersects(segs[seg[~box]], g.cells[cell[~box]])
        return np.unique(cell[hit]).astype(np.intp)

    def near_fractions(self, lines: list[BaseGeometry], distances_m: tuple[float, ...],
                       *, samples: int = 4) -> dict[float, Near]:
        """:meth:`CellGrid.near_fractions
        <zoneplan.measure.grids.cells.CellGrid.near_fractions>`, measured from
        :attr:`near_cells` only (no other cell comes within reach), on their lattices of
        points made once (:meth:`_near_lattice`)."""
        nc = self.near_cells
        if not lines:
            return {d: (np.empty(0, dtype=np.intp), np.empty(0)) for d in distances_m}
        g = self.base
        segs = segments(lines)
        half_diag = g.cell_size * np.sqrt(0.5)
        # distances of the near cells only: every other cell is beyond reach (inf); the
        # pairs distance_to_segments measures, kept (measured_pairs)
        # (and every pair a lattice point of a cell may come within reach by: a cell's
        # farthest point can lie farther than half a diagonal from its centroid; the
        # extra pairs change no distance within reach)
        d = np.full(nc.size, np.inf)
        far = float(self._near_lattice(samples)[3].max()) if segs.size and nc.size else 0.0
        pt, seg, dc = measured_pairs(g.x[nc], g.y[nc], segs,
                                     max(distances_m) + max(half_diag, far),
                                     x_order=self.near_order)
        np.minimum.at(d, pt, dc)
        out: dict[float, Near] = {}
        for dist in distances_m:
            arr = np.zeros(nc.size)
            arr[d <= dist - half_diag] = 1.0
            is_mid = (d > dist - half_diag) & (d < dist + half_diag)
            mid = np.flatnonzero(is_mid)
            if mid.size:
                at = np.zeros(nc.size, dtype=np.intp)
                at[mid] = np.arange(mid.size)
                on = is_mid[pt]
                inside, within = self._lattice_within(mid, segs, dist, samples,
                                                      (at[pt[on]], seg[on], dc[on]))
                n_in = inside.sum(axis=1)
                share = (inside & within).sum(axis=1) / np.maximum(n_in, 1)
                arr[mid] = np.where(n_in > 0, share, d[mid] <= dist)
            keep = np.flatnonzero(arr > 0)  # near_cells ascend: so do the cells kept
            out[dist] = (nc[keep], arr[keep])
        return out

    def _near_lattice(self, samples: int) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                    NDArray[np.bool_], NDArray[np.float64]]:
        """The grid's lattice of points in each of :attr:`near_cells` (x, y, inside the
        cell; each row what the grid makes for that cell alone) and each cell's reach:
        its farthest lattice point from its centroid plus a metre. Made once per
        ``samples``."""
        got = self._lattices.get(samples)
        if got is None:
            g, nc = self.base, self.near_cells
            fx, fy, inside = g._lattice(nc, samples)
            r = np.hypot(fx - g.x[nc][:, None], fy - g.y[nc][:, None]).max(axis=1) + 1.0
            got = self._lattices[samples] = (fx, fy, inside, r)
        return got

    def _lattice_within(self, mid: NDArray[np.intp], segs: NDArray[np.float64],
                        dist: float, samples: int,
                        pairs: tuple[NDArray[np.intp], NDArray[np.intp],
                                     NDArray[np.float64]]
                        ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """The grid's lattice of points in the near cells at positions ``mid`` of
        :attr:`near_cells`: which lie inside the cell, and which lie within ``dist``
        metres of a segment. ``pairs``: (position in ``mid``, segment, distance from the
        cell's centroid to the segment) of every pair that can come within ``dist``
        (more pairs change nothing: each is tested on its own, the answers or-ed).

        A point ``p`` of a cell with centroid ``c`` is within ``dist`` of segment ``s``
        only if ``|c s| <= dist + |p c|``, and surely is when ``|c s| + |p c|`` falls
        short of ``dist`` by more than any rounding (a metre here): the points of a
        (cell, segment) pair in between are measured with the arithmetic of
        :func:`~zoneplan.measure.grids.segments.distance_to_segments`, so a point is
        within exactly when the grid's own test says so. A cell with a sure pair has
        all its points within: its other pairs are not measured.
        """
        lx, ly, lin, lr = self._near_lattice(samples)
        fx, fy, inside, r = lx[mid], ly[mid], lin[mid], lr[mid]
        m = samples * samples
        pt, seg, dc = pairs
        sure = dc + r[pt] < dist
        within = np.zeros(fx.shape, dtype=bool)
        within[pt[sure]] = True
        test = ~sure & (dc <= dist + r[pt])
        test[test] = ~within[pt[test], 0]  # a cell already all within: nothing to test
        pt, seg = pt[test], seg[test]
        flat = (np.repeat(pt * m, m).reshape(-1, m) + np.arange(m)).ravel()
        hit = pair_distance(fx.ravel()[flat], fy.ravel()[flat], segs,
                            np.repeat(seg, m)) <= dist
        within.ravel()[flat[hit]] = True
        return inside, within

    def near_pieces(self, lines: list[BaseGeometry], distance_m: float, *,
                    samples: int = 4) -> Iterator[Near]:
        """:meth:`near_fractions` for one distance, as one piece: every distance of
        :attr:`near_m` is measured at the first call for a set of lines and kept for
        the next (a layout asks for each distance in turn), for the last
        :data:`NEAR_SETS_KEPT` sets of lines (a line that does not move is near the same
        cells in every draw)."""
        if distance_m not in self.near_m:
            yield self.near_fractions(lines, (distance_m,), samples=samples)[distance_m]
            return
        segs = segments(lines) if lines else np.empty((0, 4))
        key = (segs.tobytes(), segs.shape, samples)
        memo = self._memo
        got = memo.pop(key, None)
        if got is None:
            got = self.near_fractions(lines, self.near_m, samples=samples)
            while len(memo) >= NEAR_SETS_KEPT:
                del memo[next(iter(memo))]  # the set of lines used longest ago
        memo[key] = got
        yield got[distance_m]
