"""Crossings into the territory: which zone each opens into, and what that means for aid.

Crossings sit on the border, often just outside the territory's outline, and zone
polygons leave thin strips along the border, so a plain point-in-polygon test puts a
crossing on the wrong side. The rule here: a crossing is snapped to the nearest point of
the territory's edge (unless it lies more than :data:`OPENS_INTO_RADIUS_M` inside the
territory, where it stays where it is), and it **opens into the zone holding the
largest share of the territory within** :data:`OPENS_INTO_RADIUS_M` **of that point**.
A strip a few hundred metres wide cannot outweigh the zone behind it.

For each zone open to civilians, aid access asks whether every open crossing lies in or
opens into a zone closed to civilians: aid must then pass through a closed zone.

Examples
--------
>>> from shapely.geometry import box, Point
>>> from pyproj import CRS
>>> zones = {"strip": box(0, 0, 100, 4000), "inland": box(100, 0, 4000, 4000)}
>>> opens_into(Point(-50, 2000), box(0, 0, 4000, 4000), zones)
'inland'
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any, NotRequired

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points
from typing_extensions import TypedDict

from zoneplan.geometry import project
from zoneplan.io.layers import PointLayer
from zoneplan.measure.zones import Layout

__all__ = ["OPENS_INTO_RADIUS_M", "CrossingRecord", "CrossingSite", "aid_through_closed",
           "crossing_sites", "distance_to_open", "opens_into", "placed_crossings"]

OPENS_INTO_RADIUS_M = 1000.0
"""Radius (metres) of the disc around a crossing's point on the territory's edge whose
largest zone the crossing opens into: wide enough that border strips (the published
19 Oct 2025 zone leaves strips of a few hundred metres) do not decide."""


class CrossingRecord(TypedDict):
    """A crossing in the result (``crossings``)."""

    id: str
    """The crossing's id in the layer."""
    name: str
    state: str
    """``open``, ``closed`` or ``unknown``, from its latest dated status."""
    status: str | None
    """The status as the source words it."""
    status_date: str | None
    """The status's date (ISO 8601)."""
    opens_into: str | None
    """The zone it opens into; ``null`` when it is not located."""
    located: bool
    """Whether it has coordinates."""
    reason: str | None
    """Why it is not placed, when it is not."""
    status_stated: NotRequired[str | None]
    """When the source last stated the status, as known by ``plan.as_of`` (ISO 8601)."""
    status_age_days: NotRequired[int | None]
    """Days from ``status_stated`` to ``plan.as_of``."""
    stale: NotRequired[bool | None]
    """Whether the status is older than ``stale_after.days`` at ``plan.as_of`` (possibly
    out of date); ``null`` when its date is not known."""


@dataclass(frozen=True)
class CrossingSite:
    """A crossing as the evaluation uses it.

    Attributes
    ----------
    id, name
        The crossing.
    state
        ``open``, ``closed`` or ``unknown`` (from its latest dated status).
    status, status_date
        The status as the source words it, and its date.
    zone
        The zone it opens into; ``None`` when it has no coordinates.
    x, y
        The point on the territory's edge it is measured from (metres, layout CRS);
        ``None`` without coordinates.
    reason
        Why it is not placed, when it is not.
    stated
        When the source last stated the status (ISO 8601), as known by the date of the
        plan's facts; ``None`` if not known.
    """

    id: str
    name: str
    state: str
    status: str | None
    status_date: str | None
    zone: str | None
    x: float | None
    y: float | None
    reason: str | None = None
    stated: str | None = None

    def to_dict(self, as_of: str | None = None) -> CrossingRecord:
        """The JSON form (``crossings`` in the result); with ``as_of`` (the date of the
        plan's facts), how old the status is then and whether it is stale
        (:data:`~zoneplan.plan.rules.as_of.STALE_AFTER`)."""
        out: CrossingRecord = {
            "id": self.id, "name": self.name, "state": self.state, "status": self.status,
            "status_date": self.status_date, "opens_into": self.zone,
            "located": self.x is not None, "reason": self.reason}
        if as_of is not None:
            from zoneplan.plan.rules.as_of import age_days, stale

            out["status_stated"] = self.stated
            out["status_age_days"] = age_days(self.stated, as_of)
            out["stale"] = stale(self.stated, as_of)
        return out


def opens_into(point: BaseGeometry, territory: BaseGeometry,
               zones: dict[str, BaseGeometry], *, tree: shapely.STRtree | None = None,
               disc: BaseGeometry | None = None) -> str | None:
    """The zone a crossing at ``point`` opens into (see the module docstring).

    ``tree``, an STRtree of ``zones``' geometries in their order, lets many crossings
    share one index: only zones near the crossing are intersected. ``disc``, if given,
    is :func:`_disc` of the point and territory, worked out before.
    """
    disc = _disc(point, territory) if disc is None else disc
    ids = list(zones)
    near = (sorted(int(k) for k in tree.query(disc)) if tree is not None
            else range(len(ids)))
    shares = {ids[k]: zones[ids[k]].intersection(disc).area for k in near
              if not zones[ids[k]].is_empty}
    best = max(shares, key=lambda k: shares[k]) if shares else None
    return best if best is not None and shares[best] > 0 else None


def _disc(point: BaseGeometry, territory: BaseGeometry) -> BaseGeometry:
    """The part of the territory within :data:`OPENS_INTO_RADIUS_M` of the point on its
    edge a crossing at ``point`` is measured from (it depends on the territory only)."""
    edge = territory.boundary
    at = point
    if not territory.contains(point) or edge.distance(point) <= OPENS_INTO_RADIUS_M:
        at = nearest_points(edge, point)[0]
    return at.buffer(OPENS_INTO_RADIUS_M, quad_segs=32).intersection(territory)


_PLACED: weakref.WeakKeyDictionary[Any, tuple[Any, str, list[Any]]] = \
    weakref.WeakKeyDictionary()
"""Per crossings layer: the territory and CRS last placed on, and each crossing's
projected point, its point on the territory's edge and its disc (none of which depend
on the zones, so a dragged line reuses them)."""


def _placed(layer: PointLayer, layout: Layout) -> list[Any]:
    """Each crossing's (projected point, point it is measured from, disc), or ``None``
    without coordinates; remembered per layer, territory and CRS."""
    hit = _PLACED.get(layer)
    if hit is not None and hit[0]() is layout.territory and hit[1] == layout.crs.srs:
        return hit[2]
    out: list[Any] = []
    edge = layout.territory.boundary
    for geom in layer.points:
        if geom is None or geom.is_empty:
            out.append(None)
            continue
        pt = project(geom, layout.crs)
        at = pt if (layout.territory.contains(pt)
                    and edge.distance(pt) > OPENS_INTO_RADIUS_M) else nearest_points(edge,
                                                                                   pt)[0]
        out.append((pt, at, _disc(pt, layout.territory)))
    if layout.crs.srs:
        _PLACED[layer] = (weakref.ref(layout.territory), layout.crs.srs, out)
    return out


def placed_crossings(layer: PointLayer, layout: Layout) -> list[Any]:
    """Each crossing's (projected point, point it is measured from, disc), or ``None``
    without coordinates, as :func:`crossing_sites` places them (remembered per layer,
    territory and CRS: they do not depend on the zones)."""
    return _placed(layer, layout)


def _text(v: Any) -> str | None:
    return v if isinstance(v, str) and v.strip() else None


def crossing_sites(layer: PointLayer | None, layout: Layout) -> list[CrossingSite]:
    """Every crossing of the layer, placed where it can be (see the module docstring)."""
    if layer is None:
        return []
    zones = {z.id: z.geometry for z in layout.zones}
    tree = shapely.STRtree(list(zones.values()))
    out: list[CrossingSite] = []
    v = layer.values
    for k, placed in enumerate(_placed(layer, layout)):
        cid, name, state = str(v["id"][k]), str(v["name"][k]), str(v["state"][k])
        status, when = _text(v["status"][k]), _text(v["status_date"][k])
        stated = _text(v["status_stated"][k]) if "status_stated" in v else when
        if placed is None:
            out.append(CrossingSite(cid, name, state, status, when, zone=None, x=None, y=None,
                                    reason="no source gives the crossing's own coordinates",
                                    stated=stated))
            continue
        pt, at, disc = placed
        out.append(CrossingSite(cid, name, state, status, when,
                                zone=opens_into(pt, layout.territory, zones, tree=tree,
                                                disc=disc),
                                x=float(at.x), y=float(at.y), stated=stated))
    return out


def aid_through_closed(sites: list[CrossingSite], layout: Layout) -> dict[str, bool | None]:
    """For each zone not closed to civilians: whether every open crossing lies in or
    opens into a zone closed to civilians (``None`` when no open crossing is placed)."""
    access = {z.id: z.spec.access for z in layout.zones}
    open_sites = [s for s in sites if s.state == "open" and s.zone is not None]
    out: dict[str, bool | None] = {}
    for z in layout.zones:
        if z.spec.access == "closed":
            continue
        if not open_sites:
            out[z.id] = None
            continue
        out[z.id] = all(access[str(s.zone)] == "closed" and s.zone != z.id for s in open_sites)
    return out


def distance_to_open(sites: list[CrossingSite], geom: BaseGeometry) -> float | None:
    """Straight-line distance (metres) from a zone to the nearest open crossing."""
    pts = [shapely.Point(s.x, s.y) for s in sites
           if s.state == "open" and s.x is not None and s.y is not None]
    if not pts or geom.is_empty:
        return None
    return float(np.min([geom.distance(p) for p in pts]))
