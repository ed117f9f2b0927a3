"""The result of an evaluation, and its JSON form.

The JSON layout is documented in the README ("The JSON result") and kept stable:
every documented key is always present, ``null`` where it does not apply, with the
reason under ``null_reasons``. Numbers are never rounded here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from zoneplan.geometry import WGS84, to_lonlat

if TYPE_CHECKING:
    from zoneplan.measure.indicators import Metrics
    from zoneplan.measure.inputs import Inputs
    from zoneplan.measure.zones import Layout

__all__ = ["Result"]


def _clean(obj: Any) -> Any:
    """Make a structure JSON-safe: NaN/inf become null, tuples become lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # numpy scalar
        return _clean(obj.item())
    return obj


@dataclass(eq=False)
class Result:
    """Measured consequences of a plan.

    Attributes
    ----------
    data
        The JSON-ready result (see :meth:`to_dict`).
    layout
        Territory, lines and zones in the projected area CRS.
    inputs
        The plan and the layers read for it.
    metrics
        The central-case indicators, including per-cell residents for maps.
    """

    data: dict[str, Any]
    layout: Layout
    inputs: Inputs
    metrics: Metrics

    @property
    def plan_id(self) -> str:
        """Id of the evaluated plan."""
        return str(self.data["plan"]["id"])

    @property
    def zones(self) -> gpd.GeoDataFrame:
        """The zones with their indicators as columns, geometry in WGS 84 lon/lat."""
        rows = []
        for z in self.data["zones"]:
            row = {k: v for k, v in z.items()
                   if not isinstance(v, (dict, list))}
            rows.append(row)
        geoms = [to_lonlat(z.geometry, self.layout.crs) for z in self.layout.zones]
        return gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84)

    def zone(self, zone_id: str) -> dict[str, Any]:
        """The JSON object of one zone."""
        for z in self.data["zones"]:
            if z["id"] == zone_id:
                return dict(z)
        raise KeyError(zone_id)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON result as plain Python objects (NaN as ``None``)."""
        return _clean(self.data)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The documented JSON result as text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
