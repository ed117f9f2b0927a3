"""Zones: cutting the territory by lines and polygons, robustly.

:func:`build_layout` turns a plan (and the geometries its layers resolve to) into a
:class:`Layout`: the territory, the lines and the zones, all in the projected area CRS.
Polygon zones are carved out first; what remains is cut by the plan's lines into faces,
and each face goes to the zone whose ``side`` or ``point`` rule it meets, or to the
``rest`` zone. Faces that match two zones are an overlap error; faces that match none
(with no ``rest`` zone) are a gap error; both name the place.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from zoneplan.errors import GeometryError
from zoneplan.geometry import (
    DroppedParts,
    compass_to_hand,
    lonlat_of,
    polygonal,
    project,
    side_of_line,
)
from zoneplan.measure.inputs import AREA_TOLERANCE_M2, Inputs, in_plan
from zoneplan.plan import ZoneSpec

__all__ = ["SLIVER_WIDTH_M", "Layout", "Zone", "build_layout"]

SLIVER_WIDTH_M = 1e-6
"""A zone's part narrower than this on average (twice its area over its perimeter,
metres) is a sliver of rounding, not land: a micrometre, ten thousand times the
rounding of a coordinate of a few hundred kilometres, and far below any drawn edge."""

@dataclass(eq=False)
class Zone:
    """One zone of a layout; ``geometry`` is in the layout's projected CRS (metres)."""

    spec: ZoneSpec
    geometry: BaseGeometry
    _area: tuple[BaseGeometry, float] | None = field(default=None, init=False, repr=False)
    """The geometry whose area was measured, and its area (m²)."""

    @property
    def id(self) -> str:
        """The zone id."""
        return self.spec.id

    @property
    def area_m2(self) -> float:
        """Area, square metres (measured once: indicators ask for it many times)."""
        got = self._area
        if got is None or got[0] is not self.geometry:
            got = self._area = (self.geometry, float(self.geometry.area))
        return float(got[1])


@dataclass(eq=False)
class Layout:
    """Territory, lines and zones in one projected CRS.

    Attributes
    ----------
    crs
        The projected CRS all geometry here is in.
    territory
        The territory polygon.
    lines
        The plan's lines, full length (they may run beyond the territory).
    zones
        The zones, in plan order.
    remainder
        Territory in no zone (empty when zones tile the territory).
    widths_km, sites, piece_shares, area_parts, points
        What is measured once per layout, when first asked for: each zone's width (km,
        :mod:`~zoneplan.measure.figures.access`); the crossings placed on it, by id of the
        crossings layer (:mod:`~zoneplan.measure.figures.indicators`); the by-area pieces'
        cells and shares, and the areas made disjoint with their overlaps, by id of the
        area set, and a point layer's points in the layout's CRS, by id of the layer
        (:mod:`~zoneplan.measure.figures.by_area`).
    point_zones
        The zone id of each point of a point layer (``None``: in no zone), by id of the
        layer, where known before the sums are made (a Monte Carlo draw's, from the
        points its lines cannot reach, :mod:`~zoneplan.scenarios.samples`).
    """

    crs: CRS
    territory: BaseGeometry
    lines: dict[str, LineString]
    zones: list[Zone]
    remainder: BaseGeometry
    notes: list[str] = field(default_factory=list)
    widths_km: list[float | None] | None = field(default=None, init=False, repr=False)
    sites: dict[int, list[Any]] = field(default_factory=dict, init=False, repr=False)
    piece_shares: dict[int, list[Any]] = field(default_factory=dict, init=False, repr=False)
    area_parts: dict[int, Any] = field(default_factory=dict, init=False, repr=False)
    points: dict[int, Any] = field(default_factory=dict, init=False, repr=False)
    point_zones: dict[int, list[str | None]] = field(default_factory=dict, init=False,
                                                      repr=False)


def _where(geom: BaseGeometry, crs: CRS) -> str:
    if geom.is_empty:
        return "nowhere: it is empty"
    lon, lat = lonlat_of(geom.representative_point(), crs)
    return f"near lon {lon}, lat {lat}"


def _cut_by_line(lid: str, line: LineString, line_ll: LineString, territory: BaseGeometry,
                 crs: CRS, territory_ll: BaseGeometry) -> list[BaseGeometry]:
    """The parts the line alone cuts the territory into; errors if it does not cut it."""
    if line.intersects(territory):
        parts = list(split(territory, line).geoms)
        if territory.geom_type == "Polygon" and len(parts) < 2:
            inside = [Point(c) for c in (line.coords[0], line.coords[-1])
                      if territory.contains(Point(c))]
            end = f": its end {_where(inside[0], crs)} lies inside" if inside else ""
            raise GeometryError(
                f"line '{lid}' touches the territory but does not cut it in two{end}",
                suggestion="extend the line so that both ends lie outside the territory",
            )
        return parts
    miss = line.distance(territory)
    swapped = shapely.transform(line_ll, lambda xy: xy[:, ::-1])
    hint = ""
    if swapped.intersects(territory_ll):
        hint = ("its coordinates look swapped: write each point as [longitude, latitude]; ")
    raise GeometryError(
        f"line '{lid}' does not cross the territory: it misses it by {miss:,.0f} m",
        suggestion=hint + "check the line's coordinates (longitude first, WGS 84 degrees)",
    )


def _hand_rule(spec: ZoneSpec, lines: dict[str, LineString]) -> dict[str, str]:
    assert spec.side is not None
    out: dict[str, str] = {}
    for lid, side in spec.side.items():
        try:
            out[lid] = compass_to_hand(side, lines[lid])
        except GeometryError as exc:
            exc.message = f"zone '{spec.id}': {exc.message}"
            raise
    return out


def build_layout(inputs: Inputs, *, line_overrides: dict[str, LineString] | None = None,
                 empty_rest: bool = False) -> Layout:
    """Cut the territory into the plan's zones.

    Parameters
    ----------
    inputs
        The plan with its territory, lines and polygon zones, projected once into the
        area CRS (:func:`zoneplan.measure.inputs.prepare`).
    line_overrides
        Projected lines replacing some of the plan's lines (line variants, live edits).
    empty_rest
        When the territory is cut by lines alone (no polygon zone) and every face goes
        to a zone whole (no gap, no sliver left out), the faces tile the territory and
        the remainder is empty: take it so, instead of subtracting the faces from the
        territory in GEOS, which leaves rounding slivers of about a square micrometre
        where the cut edges were noded (Monte Carlo draws; not to the last bit of
        ``remainder_km2``, so the plan's own layouts keep the exact test: an empty
        remainder only where the zones' union covers the territory).

    Raises
    ------
    GeometryError
        For lines that miss the territory or do not cut it, zones that overlap or leave
        a gap, polygon zones outside the territory.
    """
    plan, crs, territory = inputs.plan, inputs.crs, _own_copy(inputs.territory)
    lines = {**inputs.lines, **(line_overrides or {})}
    line_loc = {ln.id: ("lines", i) for i, ln in enumerate(plan.lines)}
    zone_loc = {z.id: ("zones", i) for i, z in enumerate(plan.zones)}
    cut: dict[str, list[BaseGeometry]] = {}
    for lid, ln in lines.items():
        with in_plan(plan, line_loc.get(lid, ("lines",)), f"line '{lid}'"):
            cut[lid] = _cut_by_line(lid, ln, inputs.lines_ll.get(lid, ln), territory, crs,
                                    inputs.territory_ll)

    specs = plan.zones or [ZoneSpec(id="all", label="Whole territory", controller="(as is)",
                                    access="resident", rest=True)]
    geoms: dict[str, list[BaseGeometry]] = {s.id: [] for s in specs}

    # 1. polygon zones, carved first
    carved = _carve(inputs, [s for s in specs if s.id in inputs.zone_polys], zone_loc)
    for zid, geom in carved:
        geoms[zid].append(geom)
    carved_union = shapely.union_all([g for _, g in carved]) if carved else None
    rest_area = territory.difference(carved_union) if carved_union is not None else territory

    # 2. faces of what remains, cut by the lines
    faces = [g for g in shapely.get_parts(polygonal(rest_area)[0]) if g.area > 0]
    for lid, ln in lines.items():
        nxt: list[BaseGeometry] = []
        with in_plan(plan, line_loc.get(lid, ("lines",)), f"line '{lid}'"):
            for f in faces:
                if shapely.equals_exact(f, territory, 0.0):
                    # the territory itself, vertex for vertex: its parts are those the
                    # line alone cut it into above (the same split, to the last bit)
                    nxt.extend(cut[lid])
                else:
                    nxt.extend(split(f, ln).geoms if f.intersects(ln) else [f])
        faces = nxt

    rule_specs = [s for s in specs if s.side is not None or s.point is not None]
    hands: dict[str, dict[str, str]] = {}
    for s in rule_specs:
        if s.side is not None:
            with in_plan(plan, zone_loc.get(s.id, ("zones",)), f"zone '{s.id}'"):
                hands[s.id] = _hand_rule(s, lines)
    points = {s.id: project(Point(s.point), crs) for s in rule_specs if s.point is not None}
    # each line alone cuts the territory into halves; a face's side of a line is the half
    # holding it (robust for thin faces, unlike a nearest-segment test on the face itself)
    halves: dict[str, dict[str, BaseGeometry]] = {}
    for lid in {lid for h in hands.values() for lid in h}:
        by_hand: dict[str, list[BaseGeometry]] = {"left": [], "right": []}
        for part in cut[lid]:
            by_hand[side_of_line(part.representative_point(), lines[lid])].append(part)
        # (one part is its own union: covers() answers alike, without GEOS's overlay)
        halves[lid] = {k: v[0] if len(v) == 1 else shapely.union_all(v)
                       for k, v in by_hand.items()}
        for h in halves[lid].values():
            shapely.prepare(h)
    rest_spec = next((s for s in specs if s.rest), None)
    gaps: list[BaseGeometry] = []
    for face in faces:
        if face.area <= 0:
            continue
        rp = face.representative_point()
        matched = []
        for s in rule_specs:
            if s.id in hands:
                if all(halves[lid][hand].covers(rp) for lid, hand in hands[s.id].items()):
                    matched.append(s.id)
            elif face.covers(points[s.id]):
                matched.append(s.id)
        if len(matched) > 1:
            raise GeometryError(
                f"zones {', '.join(repr(m) for m in matched)} overlap: a part of "
                f"{face.area / 1e6:,.3f} km² {_where(face, crs)} meets the rules of each",
                suggestion="give the zones different sides of the lines, or points in "
                "different parts",
            )
        if matched:
            geoms[matched[0]].append(face)
        elif rest_spec is not None:
            geoms[rest_spec.id].append(face)
        else:
            gaps.append(face)
    gap_area = sum(g.area for g in gaps)
    if gap_area > AREA_TOLERANCE_M2:
        big = max(gaps, key=lambda g: g.area)
        raise GeometryError(
            f"the zones leave a gap of {gap_area / 1e6:,.3f} km² of the territory in no zone "
            f"(largest piece {_where(big, crs)})",
            suggestion="add a zone with 'rest: true' to take what is left, or change the sides",
        )
    for s in rule_specs:
        if not geoms[s.id]:
            with in_plan(plan, zone_loc.get(s.id, ("zones",)), f"zone '{s.id}'"):
                raise GeometryError(
                    f"zone '{s.id}' is empty: no part of the territory meets its rule",
                    suggestion="check the side of the line (east/west/left/right) or the point",
                )
    slivers: list[BaseGeometry] = []
    zones = [Zone(spec=s, geometry=_one(geoms[s.id], slivers)) for s in specs]
    if empty_rest and not carved and not gaps and not slivers:
        return Layout(crs=crs, territory=inputs.territory, lines=lines, zones=zones,
                      remainder=shapely.Polygon())
    # the carved zones once, with the faces the rules took (not every zone again)
    taken = [g for s in specs if s.id not in inputs.zone_polys for g in geoms[s.id]]
    covered = shapely.union_all([*([carved_union] if carved_union is not None else []),
                                 *taken])
    # what no zone covers; nothing when the zones cover the territory (an exact test,
    # and far quicker than the overlay, which on the edges the zones share with the
    # territory falls back to snapping and may leave rounding slivers)
    remainder = (shapely.Polygon() if shapely.covers(covered, territory)
                 else polygonal(territory.difference(covered))[0])
    if slivers:  # left out of their zones: in none
        remainder = polygonal(shapely.union_all([remainder, *slivers]))[0]
    return Layout(crs=crs, territory=inputs.territory, lines=lines, zones=zones,
                  remainder=remainder)


_HERE = threading.local()
"""This thread's copies of shared geometries (see :func:`_own_copy`)."""


def _own_copy(geom: BaseGeometry) -> BaseGeometry:
    """This thread's copy of a geometry shared between threads (the prepared inputs'
    territory), made once per thread, the same to the last bit.

    Cutting prepares the geometry it cuts (``shapely.ops.split``, the predicates), and
    GEOS's prepared geometries may not be used by two threads at once (libgeos/geos#825);
    the editor evaluates requests on several threads over one territory. The layout
    still names the shared territory, so what is remembered per territory is kept once.
    """
    copies: dict[int, tuple[weakref.ref[BaseGeometry], BaseGeometry]] | None = getattr(
        _HERE, "copies", None)
    if copies is None:
        copies = _HERE.copies = {}
    hit = copies.get(id(geom))
    if hit is not None and hit[0]() is geom:
        return hit[1]
    for key in [k for k, (ref, _) in copies.items() if ref() is None]:
        del copies[key]  # copies of geometries gone
    own = shapely.from_wkb(shapely.to_wkb(geom))
    copies[id(geom)] = (weakref.ref(geom), own)
    return own


def _one(parts: list[BaseGeometry], slivers: list[BaseGeometry]) -> BaseGeometry:
    """A zone's pieces as one Polygon or MultiPolygon (empty when it has none).

    Polygons thinner than :data:`SLIVER_WIDTH_M` beside a larger one (slivers the
    overlays leave where a zone's edge meets the territory's almost along it) are left
    out, into ``slivers``: rounding noise, and GEOS can misjudge the inside of a ring so
    thin (an intersection with the zone then takes whole cells it does not touch).
    """
    if not parts:
        return shapely.Polygon()
    pieces = [q for g in parts for q in shapely.get_parts(g)]
    small = [q.area <= AREA_TOLERANCE_M2 and 2 * q.area < SLIVER_WIDTH_M * q.length
             for q in pieces]
    if any(small) and not all(small):
        slivers += [q for q, tiny in zip(pieces, small, strict=True) if tiny]
        parts = [q for q, tiny in zip(pieces, small, strict=True) if not tiny]
    return polygonal(parts[0] if len(parts) == 1 else shapely.union_all(parts))[0]


def _carve(inputs: Inputs, specs: list[ZoneSpec], zone_loc: dict[str, tuple[str, int]]
           ) -> list[tuple[str, BaseGeometry]]:
    """The polygon zones clipped to the territory, in plan order; errors for a zone with
    no area, one outside the territory, or two that overlap (the first such zone in plan
    order is named, as a zone-by-zone check would). Parts without area that clipping
    leaves (lines where a zone runs along the territory's edge) are dropped, with one
    :class:`~zoneplan.errors.PartsDroppedWarning` naming the zones.

    Built for thousands of zones: areas and clipping are vectorised, a zone wholly inside
    the territory is not clipped at all, and overlaps are looked for only between zones
    whose boxes meet (an STRtree), not between all pairs."""
    if not specs:
        return []
    plan, crs, territory = inputs.plan, inputs.crs, _own_copy(inputs.territory)
    ids = [s.id for s in specs]
    polys = np.asarray([inputs.zone_polys[i] for i in ids], dtype=object)
    with in_plan(plan, ("zones",), f"the zones {', '.join(ids[:3])}"
                 + (" ..." if len(ids) > 3 else "")):
        areas = shapely.area(polys)
        shapely.prepare(territory)
        inter = polys.copy()
        edge = np.flatnonzero(~shapely.contains_properly(territory, polys))
        inter[edge] = shapely.intersection(polys[edge], territory)
        log = DroppedParts("zones clipped to the territory", noun="zone",
                           why=" where they meet its edge")
        for k in edge:
            inter[k] = log.keep(f"zone '{ids[k]}' ({specs[k].label})", inter[k])
        inside = shapely.area(inter)
        tree = shapely.STRtree(inter)
        a, b = tree.query(inter, predicate="intersects")
        a, b = a[a < b], b[a < b]
        shared = shapely.area(shapely.intersection(inter[a], inter[b]))
    over = np.flatnonzero(shared > AREA_TOLERANCE_M2)
    first = {"area": np.flatnonzero(areas <= AREA_TOLERANCE_M2),
             "outside": np.flatnonzero(inside <= AREA_TOLERANCE_M2)}
    at = {kind: int(ks[0]) for kind, ks in first.items() if len(ks)}
    if len(over):  # the later zone of a pair, then the earlier one, as in plan order
        pair = min(over, key=lambda k: (b[k], a[k]))
        at["overlap"] = int(b[pair])
    if at:  # the first bad zone in plan order; for one zone: no area, outside, overlap
        kind = min(at, key=lambda c: (at[c], list(first).index(c) if c in first else 2))
        s, poly = specs[at[kind]], polys[at[kind]]
        with in_plan(plan, zone_loc.get(s.id, ("zones",)), f"zone '{s.id}'"):
            if kind == "area":
                raise GeometryError(
                    f"zone '{s.id}' has no area ({poly.area:.2g} m², {_where(poly, crs)})",
                    suggestion="list the corners of the polygon in order around it")
            if kind == "outside":
                raise GeometryError(
                    f"zone '{s.id}' lies entirely outside the territory "
                    f"(it is {poly.distance(territory):,.0f} m away, {_where(poly, crs)})",
                    suggestion="check that the zone and the territory are the same place and "
                    "that coordinates are [longitude, latitude]",
                )
            ov = inter[a[pair]].intersection(inter[b[pair]])
            raise GeometryError(
                f"zones '{ids[a[pair]]}' and '{s.id}' overlap by {ov.area / 1e6:,.3f} km² "
                f"{_where(ov, crs)}",
                suggestion="redraw the polygons so that they do not overlap",
            )
    log.warn(stacklevel=4)
    return list(zip(ids, inter, strict=True))

