"""Figures broken down by area: each zone's part of each governorate (or any areas).

For every area and every zone, the piece of the area the zone takes: its km² and share
of the area, pre-war residents on it, residents under the plan on it, hospitals and
damaged structures in it. The pieces partition both the zones and the areas, so the
rows add up to the zones' figures (checked: :func:`check_rows`) and to each area's own;
the part of the territory outside every area is a row of its own (:data:`OUTSIDE`).

Cells are shared between pieces by the exact share of their area in each piece, as for
zones, so a piece's people are exact sums, not re-estimates.

**Published totals.** Areas may carry a published population (``population``, e.g. the
PCBS totals of ``gaza:governorates``). A cell across an area's edge holds people of both
sides and is shared by area, so the model's people in an area differ a little from its
published total, though the spread conserved every total (North Gaza 445,476 against
448,000 for the default plan). When the areas carry the very totals the population layer
conserves (:attr:`~zoneplan.measure.population.layers.PopulationLayer.area_totals`: the
built-in population and the pack's governorates) and hold the territory's people, the
pre-war residents of the pieces are fitted to both margins by iterative proportional
fitting (:func:`fit_margins`): every area gets its published total, every zone keeps its
measured pre-war residents, and inside an area each piece is scaled by one factor per
area and one per zone; residents under the plan follow (:func:`by_area_rows`). Otherwise
the rows keep the model's figures and :func:`area_totals` says where the difference
between modelled and published totals lies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import InvariantError
from zoneplan.geometry import project
from zoneplan.io.areas import AreaSet
from zoneplan.measure.figures.indicators import Metrics
from zoneplan.measure.inputs import AREA_TOLERANCE_M2
from zoneplan.measure.sums.zone_sums import LayoutCells
from zoneplan.measure.zones import Layout

__all__ = [
    "BY_AREA_KEYS",
    "FIT_RTOL",
    "OUTSIDE",
    "AreaTotals",
    "Piece",
    "area_totals",
    "by_area_rows",
    "check_rows",
    "disjoint_areas",
    "fit_margins",
    "layout_pieces",
    "overlap_sentence",
    "pieces",
]

FIT_RTOL = 1e-12
"""Relative tolerance to which :func:`fit_margins` meets both margins."""
FIT_ITERATIONS = 1000
"""Most rounds of :func:`fit_margins` (two areas × two zones take a few dozen)."""
SAME_TOTAL_RTOL = 1e-9
"""Published totals equal the layer's own (and the territory's people their sum) to
this relative tolerance for the rows to be fitted to them."""

OUTSIDE = "(outside the areas)"
"""The name of the row for the part of the territory in no area."""

BY_AREA_KEYS = ("area_km2", "share_of_area", "residents_baseline", "residents", "hospitals",
                "damaged_structures")
"""The figures each by-area row holds."""


@dataclass(eq=False)
class Piece:
    """The piece of one area one zone takes, in the layout's CRS (metres)."""

    area: str
    zone: str
    geometry: BaseGeometry
    area_total_m2: float


def disjoint_areas(layout: Layout, areas: AreaSet
                   ) -> tuple[list[BaseGeometry], list[tuple[str, str, float]]]:
    """The areas within the territory, in the layout's CRS, made disjoint: where two
    overlap (boundaries digitised apart leave slivers counted twice), the overlap stays
    with the area listed first. Returns the areas and each overlap found as
    ``(area listed later, area listed first, m²)``, overlaps of at most
    :data:`~zoneplan.measure.inputs.AREA_TOLERANCE_M2` left out of the list. Remembered
    per layout."""
    memo = layout.area_parts
    if id(areas) not in memo:
        memo[id(areas)] = _disjoint(layout, areas)
    parts: tuple[list[BaseGeometry], list[tuple[str, str, float]]] = memo[id(areas)]
    return parts


def _disjoint(layout: Layout, areas: AreaSet
              ) -> tuple[list[BaseGeometry], list[tuple[str, str, float]]]:
    proj = [project(g, layout.crs).intersection(layout.territory) for g in areas.geometries]
    tree = shapely.STRtree(proj)
    out: list[BaseGeometry] = []
    overlaps: list[tuple[str, str, float]] = []
    for i, g in enumerate(proj):
        earlier = []
        for j in (int(j) for j in tree.query(g, predicate="overlaps") if j < i):
            m2 = float(g.intersection(proj[j]).area)
            if m2 > AREA_TOLERANCE_M2:
                overlaps.append((areas.names[i], areas.names[j], m2))
                earlier.append(j)
        # areas that only touch, or overlap by less than the tolerance, are left as read
        out.append(g.difference(shapely.union_all([proj[j] for j in earlier]))
                   if earlier else g)
    return out, overlaps


OVERLAPS_LISTED = 3
"""The largest overlaps named in :func:`overlap_sentence`; the rest are counted."""


def overlap_sentence(overlaps: list[tuple[str, str, float]]) -> str:
    """The overlaps of :func:`disjoint_areas` in words ("" when there are none)."""
    if not overlaps:
        return ""
    big = sorted(overlaps, key=lambda o: -o[2])[:OVERLAPS_LISTED]
    listed = "; ".join(f"{a} and {b}, {m2:,.0f} m²" for a, b, m2 in big)
    total = sum(o[2] for o in overlaps)
    return (f"{len(overlaps)} pair{'s' if len(overlaps) != 1 else ''} of areas overlap, "
            f"{total:,.0f} m² in all (largest: {listed}): each overlap is counted once, in "
            "the area listed first, so the rows add up to the zones.")


def pieces(layout: Layout, areas: AreaSet) -> list[Piece]:
    """Every non-empty (area, zone) piece, and the pieces of the zones outside all areas.
    Overlapping areas are made disjoint first (:func:`disjoint_areas`)."""
    terr = layout.territory
    proj, _ = disjoint_areas(layout, areas)
    out: list[Piece] = []
    for name, a in zip(areas.names, proj, strict=True):
        shapely.prepare(a)
        for z in layout.zones:
            g = a.intersection(z.geometry)
            if g.area > 0:
                out.append(Piece(name, z.id, g, a.area))
    covered = shapely.union_all(proj) if proj else shapely.Polygon()
    rest = terr.difference(covered)
    if rest.area > AREA_TOLERANCE_M2:
        for z in layout.zones:
            g = rest.intersection(z.geometry)
            if g.area > 0:
                out.append(Piece(OUTSIDE, z.id, g, rest.area))
    return out


def _shares(m: Metrics, cells: LayoutCells, areas: AreaSet
            ) -> list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]]:
    """Each piece's cells and share: the zone's own share of each cell (as the zone sums
    count it) divided among the zone's pieces by the exact area of each piece in the cell.
    So the pieces of a zone add up to the zone exactly. Remembered per layout."""
    assert m.layout is not None and m.inputs is not None
    memo: dict[int, list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]]] = \
        m.layout.piece_shares
    if id(areas) in memo:
        return memo[id(areas)]
    pop = m.inputs.population
    out: list[tuple[Piece, NDArray[np.intp], NDArray[np.float64]]] = []
    all_pieces = pieces(m.layout, areas)
    for k, z in enumerate(m.layout.zones):
        idx, frac = cells.fractions.for_zone(k)
        order = np.argsort(idx, kind="stable")
        idx, frac = idx[order], frac[order]
        mine = [pc for pc in all_pieces if pc.zone == z.id]
        if not mine or idx.size == 0:
            out += [(pc, np.empty(0, dtype=np.intp), np.empty(0)) for pc in mine]
            continue
        cover = np.zeros((len(mine), idx.size))
        for row, pc in enumerate(mine):
            g = pc.geometry if pop.crs.equals(m.layout.crs) else project(
                pc.geometry, pop.crs, src=m.layout.crs)
            cidx, cfrac = pop.grid.coverage(g)
            pos = np.searchsorted(idx, cidx)
            ok = (pos < idx.size) & (idx[np.minimum(pos, idx.size - 1)] == cidx)
            cover[row, pos[ok]] = cfrac[ok]
        total = cover.sum(axis=0)
        none = total <= 0  # a cell the zone counts but no piece covers: the largest piece
        cover[int(np.argmax([pc.geometry.area for pc in mine])), none] = 1.0
        weights = cover / np.where(none, 1.0, total)
        out += [(pc, idx, frac * weights[row]) for row, pc in enumerate(mine)]
    memo[id(areas)] = out
    return out


def layout_pieces(m: Metrics, cells: LayoutCells, areas: AreaSet) -> list[Piece]:
    """The pieces of a run's layout, in the order of :func:`by_area_rows` (remembered)."""
    return [pc for pc, _, _ in _shares(m, cells, areas)]


def _points_in(layer: Any, layout: Layout, geom: BaseGeometry, values: Any = None) -> float:
    if layer is None or len(layer) == 0:
        return 0.0
    memo = layout.points
    if id(layer) not in memo:
        pts = project(shapely.MultiPoint(layer.points), layout.crs)
        memo[id(layer)] = np.array(list(pts.geoms))
    hit = shapely.covers(geom, memo[id(layer)])
    return float(np.sum(values[hit])) if values is not None else float(np.count_nonzero(hit))


def _modelled(m: Metrics, cells: LayoutCells, areas: AreaSet
              ) -> tuple[list[Piece], NDArray[np.float64], NDArray[np.float64]]:
    """Each piece, its modelled pre-war residents (people) and its area on the
    population grid (m², cells times their shares)."""
    assert m.inputs is not None
    counts = m.inputs.population.counts[m.pop_method]
    area_m2 = m.inputs.population.grid.area_values()
    shares = _shares(m, cells, areas)
    people = np.array([float(np.dot(counts[idx], sh)) if idx.size else 0.0
                       for _, idx, sh in shares])
    cell_area = np.array([float(np.dot(area_m2[idx], sh)) if idx.size else 0.0
                          for _, idx, sh in shares])
    return [pc for pc, _, _ in shares], people, cell_area


def by_area_rows(m: Metrics, cells: LayoutCells, areas: AreaSet) -> list[dict[str, Any]]:
    """One row per (area, zone) piece, for one run (see the module docstring).

    Pre-war residents are the model's, or fitted to the areas' published totals where
    the areas carry the totals the population layer conserves (:func:`fitted_people`);
    residents under the plan are placed on them as on the zone's cells.

    Parameters
    ----------
    m
        The run's figures.
    cells
        The run's layout cells (:func:`~zoneplan.measure.sums.layout.layout_cells`).
    areas
        The areas to break the figures down by.
    """
    assert m.layout is not None and m.inputs is not None
    inputs, layout = m.inputs, m.layout
    all_pieces, modelled, cell_area = _modelled(m, cells, areas)
    people = fitted_people(m, all_pieces, modelled, areas)
    if people is None:
        people = modelled
    rows: list[dict[str, Any]] = []
    for pc, n, a in zip(all_pieces, people, cell_area, strict=True):
        place = m.placements[pc.zone]
        at_sites = sum(k for x, y, k in m.site_people.get(pc.zone, [])
                       if pc.geometry.covers(shapely.Point(x, y)))
        dmg = inputs.damage
        rows.append({
            "area": pc.area, "zone": pc.zone,
            "area_km2": pc.geometry.area / 1e6,
            "share_of_area": pc.geometry.area / pc.area_total_m2,
            "residents_baseline": float(n),
            "residents": float(place.of(float(n), float(a))) + at_sites,
            "hospitals": (None if inputs.hospitals is None else
                          int(_points_in(inputs.hospitals, layout, pc.geometry))),
            "damaged_structures": (None if dmg is None else
                                   _points_in(dmg, layout, pc.geometry, dmg.values["count"])),
        })
    return rows


def fit_margins(table: NDArray[np.float64], rows: NDArray[np.float64],
                cols: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """``table`` scaled by one factor per row and one per column so that its rows add up
    to ``rows`` and its columns to ``cols`` (iterative proportional fitting, Deming and
    Stephan 1940); ``None`` if it does not meet both within :data:`FIT_RTOL` in
    :data:`FIT_ITERATIONS` rounds (a row or column of zeros that should hold people).

    The last step scales the rows, so the row sums are met to rounding.

    Examples
    --------
    Scaling keeps the table's odds ratio (1·3 / 1·1 = 3): with rows 3, 3 and columns
    2, 4 the top-left cell ``a`` solves ``a(1 + a) = 3(3 - a)(2 - a)``, so
    ``a = 4 - √7``:

    >>> t = fit_margins(np.array([[1.0, 1.0], [1.0, 3.0]]), np.array([3.0, 3.0]),
    ...                 np.array([2.0, 4.0]))
    >>> np.round(t, 6).tolist()
    [[1.354249, 1.645751], [0.645751, 2.354249]]
    """
    t = np.array(table, dtype=np.float64)

    def scale(sums: NDArray[np.float64], want: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.divide(want, sums, out=np.ones_like(sums), where=sums > 0)

    for _ in range(FIT_ITERATIONS):
        t *= scale(t.sum(axis=1), rows)[:, None]
        t *= scale(t.sum(axis=0), cols)[None, :]
        r = t.sum(axis=1)
        if np.all(np.abs(r - rows) <= FIT_RTOL * np.maximum(np.abs(rows), 1.0)):
            t *= scale(r, rows)[:, None]
            c = t.sum(axis=0)
            if np.all(np.abs(c - cols) <= FIT_RTOL * np.maximum(np.abs(cols), 1.0)):
                return t
    return None


def _published(m: Metrics, areas: AreaSet) -> dict[str, float] | None:
    """The areas' published totals by name, if they are the totals the population layer
    conserves (same names, same figures); else ``None``."""
    assert m.inputs is not None
    own = m.inputs.population.area_totals
    if areas.totals is None or own is None or set(own) != set(areas.names):
        return None
    pub = dict(zip(areas.names, areas.totals, strict=True))
    same = all(abs(pub[k] - v) <= SAME_TOTAL_RTOL * max(abs(v), 1.0) for k, v in own.items())
    return pub if same else None


def fitted_people(m: Metrics, all_pieces: list[Piece], modelled: NDArray[np.float64],
                  areas: AreaSet) -> NDArray[np.float64] | None:
    """Pre-war residents of each piece fitted to the areas' published totals and the
    zones' measured pre-war residents (:func:`fit_margins`), or ``None`` where the rows
    keep the model's figures: the areas carry no totals, or not the ones the population
    layer conserves, or the territory does not hold the areas' people (some lie outside
    it, or in the territory outside every area)."""
    pub = _published(m, areas)
    if pub is None:
        return None
    whole = float(np.sum(modelled))
    outside = float(sum(n for pc, n in zip(all_pieces, modelled, strict=True)
                        if pc.area == OUTSIDE))
    published = sum(pub.values())
    if (abs(whole - published) > SAME_TOTAL_RTOL * max(published, 1.0)
            or outside > SAME_TOTAL_RTOL * max(published, 1.0)):
        return None
    names = list(areas.names)
    zones = [z.id for z in m.layout.zones] if m.layout is not None else []
    table = np.zeros((len(names), len(zones)))
    where: list[tuple[int, int] | None] = []
    for pc, n in zip(all_pieces, modelled, strict=True):
        if pc.area == OUTSIDE:
            where.append(None)
            continue
        a, z = names.index(pc.area), zones.index(pc.zone)
        table[a, z] += n
        where.append((a, z))
    cols = np.array([float(m.zones[z]["residents_baseline"] or 0.0) for z in zones])
    fit = fit_margins(table, np.array([pub[k] for k in names]), cols)
    if fit is None:
        return None
    ratio = np.divide(fit, table, out=np.ones_like(fit), where=table > 0)
    return np.array([0.0 if w is None else n * ratio[w]
                     for n, w in zip(modelled, where, strict=True)])


@dataclass(frozen=True)
class AreaTotals:
    """Each area's pre-war residents against its published total, and how the by-area
    rows treat the difference.

    Attributes
    ----------
    field
        The attribute holding the published totals (``None`` where the areas have none).
    fitted
        Whether the rows were fitted to the published totals (see the module docstring).
    rows
        Per area (and the part of the territory outside every area, where people live
        there): ``area``, ``published`` (people, or ``None``), ``modelled`` (the model's
        pre-war residents in it, people), ``residents_baseline`` (as the rows give
        them), ``difference`` (modelled minus published, or ``None``).
    note
        The same in words: where the difference goes.
    """

    field: str | None
    fitted: bool
    rows: list[dict[str, Any]]
    note: str


def _people(x: float) -> str:
    return f"{x:,.0f}"


def area_totals(m: Metrics, cells: LayoutCells, areas: AreaSet,
                rows: list[dict[str, Any]]) -> AreaTotals:
    """The central run's areas against their published totals (:class:`AreaTotals`);
    ``rows`` are its by-area rows (:func:`by_area_rows`)."""
    from zoneplan.io.areas import POPULATION_FIELD

    all_pieces, modelled, _ = _modelled(m, cells, areas)
    fitted = fitted_people(m, all_pieces, modelled, areas) is not None
    pub = dict(zip(areas.names, areas.totals, strict=True)) if areas.totals else {}
    out: list[dict[str, Any]] = []
    for name in [*areas.names, OUTSIDE]:
        mod = float(sum(n for pc, n in zip(all_pieces, modelled, strict=True)
                        if pc.area == name))
        given = sum(r["residents_baseline"] for r in rows if r["area"] == name)
        if name == OUTSIDE and mod <= 0.5 and given <= 0.5:
            continue
        p = pub.get(name)
        out.append({"area": name, "published": p, "modelled": mod,
                    "residents_baseline": given,
                    "difference": None if p is None else mod - p})
    field = POPULATION_FIELD if areas.totals is not None else None
    off = [r for r in out if r["difference"] is not None and abs(r["difference"]) >= 0.5]
    listed = "; ".join(f"{r['area']} {_people(r['modelled'])} against {_people(r['published'])}"
                       f" ({r['difference']:+,.0f})" for r in off)
    if fitted:
        note = ("Pre-war residents by area equal the areas' published totals (attribute "
                f"'{field}'), the totals the population layer spreads: "
                + (f"the model put {listed}, as cells across an area's edge hold people of "
                   "both sides and are counted by area; " if off else "")
                + "each (area, zone) piece is scaled, one factor per area and one per zone "
                "(iterative proportional fitting), so every area holds its published total "
                "and every zone its measured pre-war residents; within each piece people "
                "keep the model's distribution, and residents under the plan follow.")
    elif areas.totals is None:
        outside = next((r["modelled"] for r in out if r["area"] == OUTSIDE), 0.0)
        note = (f"The areas carry no published population (no attribute '{POPULATION_FIELD}'):"
                " pre-war residents by area are the model's, cells across an area's edge "
                "counted by the share of their area in each"
                + (f"; {_people(outside)} live in the territory outside every area "
                   f"(row '{OUTSIDE}')" if outside > 0.5 else "") + ".")
    else:
        whole = float(np.sum(modelled))
        outside = next((r["modelled"] for r in out if r["area"] == OUTSIDE), 0.0)
        published = sum(pub.values())
        total_diff = sum(r["difference"] for r in out if r["difference"] is not None)
        note = (f"The areas' published totals (attribute '{field}') are not the totals the "
                "population layer spreads, so the rows keep the model's pre-war residents"
                + (f": {listed}" if off else "") + ". "
                f"The differences add up to {total_diff:+,.0f}: the layer puts "
                f"{_people(whole)} in the territory against the published "
                f"{_people(published)} ({whole - published:+,.0f})"
                + (f", {_people(outside)} of them outside every area (row '{OUTSIDE}')"
                   if outside > 0.5 else "")
                + "; the rest moves between neighbouring areas through cells across their "
                "edges and adds up to zero.")
    assert m.layout is not None
    overlaps = overlap_sentence(disjoint_areas(m.layout, areas)[1])
    note = f"{note} {overlaps}" if overlaps else note
    return AreaTotals(field=field, fitted=fitted, rows=out, note=note)


def check_rows(rows: list[dict[str, Any]], m: Metrics, rtol: float = 1e-6) -> None:
    """Rows must add up to each zone's figures; raise :class:`InvariantError` if not.

    (Points lying on a piece boundary shared by two pieces would count twice; hospitals
    and damage are checked to that precision only where the zone's own count allows.)
    """
    for zid, z in m.zones.items():
        mine = [r for r in rows if r["zone"] == zid]
        for key in ("area_km2", "residents_baseline", "residents"):
            total = sum(r[key] for r in mine)
            want = float(z[key] or 0.0)
            if abs(total - want) > rtol * max(abs(want), 1.0):
                raise InvariantError(
                    f"the by-area rows of zone '{zid}' add up to {total:,.6f} {key}, the zone "
                    f"has {want:,.6f}",
                    suggestion="this is a bug in zoneplan: rerun with --debug and report it")

