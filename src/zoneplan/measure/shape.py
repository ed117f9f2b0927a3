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

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["TRANSECT_STEP_M", "width_m"]

TRANSECT_STEP_M = 100.0
"""Spacing of the transects along the long axis, metres (a Gaza-sized zone gets about 400)."""


def width_m(zone: BaseGeometry) -> float | None:
    """Median width (metres) of a zone across its long axis; ``None`` for an empty zone.

    Parameters
    ----------
    zone
        A (multi)polygon in a projected CRS (metres).
    """
    if zone.is_empty or zone.area <= 0:
        return None
    rect = shapely.minimum_rotated_rectangle(zone)
    xy = np.asarray(rect.exterior.coords)[:4]
    sides = np.diff(np.vstack([xy, xy[:1]]), axis=0)
    lengths = np.hypot(sides[:, 0], sides[:, 1])
    k = int(np.argmax(lengths))
    axis = sides[k] / lengths[k]
    normal = np.array([-axis[1], axis[0]])
    centre = xy.mean(axis=0)
    half_len, half_wid = lengths[k] / 2.0, lengths[(k + 1) % 4] / 2.0 + 1.0
    n = max(math.floor(2 * half_len / TRANSECT_STEP_M), 1)
    offsets = (np.arange(n) + 0.5) / n * 2 * half_len - half_len
    mids = centre[None, :] + offsets[:, None] * axis[None, :]
    a = mids - half_wid * normal[None, :]
    b = mids + half_wid * normal[None, :]
    transects = shapely.linestrings(np.stack([a, b], axis=1))
    shapely.prepare(zone)
    inside = shapely.length(shapely.intersection(transects, zone))
    crossing = inside[inside > 0]
    return float(np.median(crossing)) if crossing.size else None
