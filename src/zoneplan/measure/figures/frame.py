"""The frame every indicator family reads and writes, and small shared arithmetic.

Nothing here is rounded; a value that cannot be computed is ``None`` (see :func:`div`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from zoneplan.measure.figures.assumptions import Assumptions
from zoneplan.measure.figures.crossings import CrossingSite
from zoneplan.measure.figures.relocation import Placement, Relocation
from zoneplan.measure.figures.table import ZoneTable
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.ragged import sorted_quantile
from zoneplan.measure.sums.zone_sums import LayoutCells, ZoneSums
from zoneplan.measure.zones import Layout
from zoneplan.plan import Plan

__all__ = ["Frame", "div", "sorted_quantile", "weighted_quantile"]


def weighted_quantile(values: NDArray[np.float64], weights: NDArray[np.float64],
                      q: float) -> float | None:
    """Weighted quantile (``q`` in 0-1) by the cumulative-weight midpoint rule.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5)
    2.0
    >>> round(weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), 0.5), 4)
    2.3333
    >>> weighted_quantile(np.array([5.0]), np.array([0.0]), 0.5) is None
    True
    """
    order = np.argsort(values, kind="stable")
    return sorted_quantile(values[order], weights[order], q)


def div(num: float | None, den: float | None, scale: float = 1.0) -> float | None:
    """``num / den * scale``, or ``None`` when either is missing or ``den`` is not positive.

    Examples
    --------
    >>> div(3.0, 4.0, 100)
    75.0
    >>> div(1.0, 0.0) is None
    True
    """
    if num is None or den is None or den <= 0:
        return None
    return num / den * scale


@dataclass(eq=False)
class Frame:
    """What every indicator family reads and writes (one layout, one population spread).

    Attributes
    ----------
    layout, inputs
        The zones, and the plan with its layers.
    geo
        The layout's cell shares and per-zone sums.
    people
        The per-zone sums of the population spread in use.
    reloc, placement
        Who lives where under the plan, and how over each zone's cells.
    values, reasons
        Indicator values of every zone (filled in by the families, figure by figure),
        and why a value is null.
    assumptions
        The forces and compounds this run counts.
    crossings
        The crossings, placed (:func:`~zoneplan.measure.figures.crossings.crossing_sites`).
    """

    layout: Layout
    inputs: Inputs
    geo: LayoutCells
    people: ZoneSums
    reloc: Relocation
    placement: dict[str, Placement]
    values: ZoneTable
    reasons: ZoneTable
    assumptions: Assumptions
    crossings: list[CrossingSite]

    @property
    def plan(self) -> Plan:
        return self.inputs.plan

    def null(self, keys: tuple[str, ...], reason: str, where: Iterable[int] | None = None
             ) -> None:
        """Set ``keys`` to ``None`` with ``reason``, for every zone or for zones ``where``
        (indices), key by key as a zone's figures are set one after another."""
        at = None if where is None else list(where)
        for k in keys:  # the value, then the reason, key by key (their order in a row)
            self.values.same((k,), None, at)
            self.reasons.same((k,), reason, at)

    def residents(self, k: int, people: NDArray[np.float64],
                  area: NDArray[np.float64]) -> Any:
        """Residents under the plan spread over zone ``k``'s cells, from sums of baseline
        people and area (compound residents, who live at their sites, not included)."""
        return self.placement[self.layout.zones[k].id].of(people[k], area[k])

    def near(self, k: int, distance_m: float, line_id: str | None = None) -> float:
        """Residents of zone ``k`` within ``distance_m`` metres of a line (any line, or
        ``line_id``): those spread over its cells and those in compounds that near."""
        if line_id is None:
            spread = self.residents(k, self.people.near_any[distance_m],
                                    self.geo.area.near_any[distance_m])
            lines = list(self.layout.lines.values())
        else:
            spread = self.residents(k, self.people.near_line[line_id][distance_m],
                                    self.geo.area.near_line[line_id][distance_m])
            lines = [self.layout.lines[line_id]]
        sites = self.reloc.site_people(self.layout.zones[k].id)
        at_sites = sum(n for x, y, n in sites
                       if min(ln.distance(shapely.Point(x, y)) for ln in lines) <= distance_m)
        return float(spread) + float(at_sites)
