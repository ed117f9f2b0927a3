"""Geometry primitives that know nothing of plans or data: the area CRS and projection,
sides of a line, repair and validation of user geometry.

This is the lowest layer of zoneplan: every other part may use it, it uses none of them.
"""

from __future__ import annotations

from zoneplan.geometry.crs import (
    WGS84,
    area_crs_for,
    lonlat_of,
    project,
    project_all,
    to_lonlat,
    transform_xy,
)
from zoneplan.geometry.repair import DroppedParts, describe_dropped, polygonal, repair
from zoneplan.geometry.sides import (
    Side,
    compass_to_hand,
    extend_line,
    offset_line,
    side_of_line,
)
from zoneplan.geometry.validate import (
    MAX_OFFSET_M,
    MAX_PLAN_POINTS,
    NEAR_TERRITORY_DEG,
    check_line,
    check_near,
    check_points,
    check_ring,
    geos_errors,
)

__all__ = ["MAX_OFFSET_M", "MAX_PLAN_POINTS", "NEAR_TERRITORY_DEG", "WGS84", "DroppedParts", "Side",
           "area_crs_for", "check_line", "check_near", "check_points", "check_ring",
           "compass_to_hand", "describe_dropped", "extend_line", "geos_errors", "lonlat_of",
           "offset_line", "polygonal", "project", "project_all", "repair", "side_of_line",
           "to_lonlat", "transform_xy"]
