"""Who lives where under the plan: people leaving closed zones, and where they go.

:func:`relocate` spreads the modelled total like the baseline and moves everyone out of
zones closed to civilians into zones open to them, by the plan's rule;
:func:`zone_placements` says how each zone's residents lie over its cells, so that
every indicator depending on where people are inside a zone is a combination of two
per-zone sums (:class:`Placement`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zoneplan.measure.zones import Zone
from zoneplan.plan import Plan

__all__ = ["Placement", "Relocation", "relocate", "zone_placements"]


@dataclass(eq=False)
class Relocation:
    """Where the modelled people live under the plan, per zone (people).

    Attributes
    ----------
    base
        Baseline people per zone (the population layer, not rescaled).
    scale
        Modelled total divided by the layer's total.
    stay, out, inflow, residents
        People staying in, leaving, moving into and living in each zone under the plan.
    unplaced
        Displaced people with no zone open to them (reported, never dropped).
    layer_total, base_remainder
        People in the layer; of those, people in no zone.
    notes
        What the model had to decide, in words.
    """

    base: dict[str, float]
    scale: float
    stay: dict[str, float]
    out: dict[str, float]
    inflow: dict[str, float]
    residents: dict[str, float]
    unplaced: float
    layer_total: float
    base_remainder: float
    notes: list[str]

    @property
    def displaced(self) -> float:
        """People who must leave closed zones."""
        return sum(self.out.values())


def relocate(zones: list[Zone], base: dict[str, float], layer_total: float,
             plan: Plan, modelled: float) -> Relocation:
    """Placement the modelled total like the baseline, then move people out of closed zones.

    People leave ``closed`` zones and move into ``resident`` zones in proportion to the
    people already there, to area, or to spare stated capacity (the plan's
    ``population.relocation``); ``restricted`` zones keep their residents and take
    nobody in.

    Parameters
    ----------
    zones
        The zones.
    base
        People of the population layer in each zone (its cells times their shares).
    layer_total
        People in the whole layer.
    plan
        The plan (its relocation rule).
    modelled
        People modelled under the plan.
    """
    scale = modelled / layer_total if layer_total > 0 else 0.0
    closed = {z.id for z in zones if z.spec.access == "closed"}
    stay = {i: (0.0 if i in closed else scale * b) for i, b in base.items()}
    out = {i: (scale * b if i in closed else 0.0) for i, b in base.items()}
    displaced = sum(out.values())
    receivers = [z for z in zones if z.spec.access == "resident"]
    inflow = dict.fromkeys(base, 0.0)
    unplaced = 0.0
    notes: list[str] = []
    if displaced > 0 and not receivers:
        unplaced = displaced
        notes.append(f"No zone is open to residents, so {displaced:,.0f} displaced people "
                     "have nowhere to go in this plan; they are reported as unplaced.")
    elif displaced > 0:
        w = _receiving_weights(receivers, stay, displaced, plan.population.relocation, notes)
        for z, share in zip(receivers, w / w.sum(), strict=True):
            inflow[z.id] = displaced * float(share)
    return Relocation(base=base, scale=scale, stay=stay, out=out, inflow=inflow,
                      residents={i: stay[i] + inflow[i] for i in base}, unplaced=unplaced,
                      layer_total=layer_total, base_remainder=layer_total - sum(base.values()),
                      notes=notes)


def _receiving_weights(receivers: list[Zone], stay: dict[str, float], displaced: float,
                       method: str, notes: list[str]) -> NDArray[np.float64]:
    """Relative share of the displaced people each open zone receives."""
    if method == "area":
        return np.array([z.area_m2 for z in receivers])
    residents = np.array([stay[z.id] for z in receivers])
    if method == "capacity":
        w = np.array([max((z.spec.capacity or 0) - stay[z.id], 0.0) for z in receivers])
        if w.sum() < displaced:
            notes.append(f"Stated capacity leaves room for {w.sum():,.0f} of {displaced:,.0f} "
                         "displaced people; the rest are spread in proportion to residents.")
            extra = residents if residents.sum() > 0 else np.ones(len(receivers))
            w = w + (displaced - w.sum()) * extra / extra.sum()
        return w
    if residents.sum() <= 0:
        notes.append("Open zones had no residents; displaced people were spread by area "
                     "instead.")
        return np.array([z.area_m2 for z in receivers])
    return residents


@dataclass(frozen=True)
class Placement:
    """How a zone's residents under the plan lie over its cells.

    A cell holding ``count`` people of the baseline layer and ``area`` m² of the zone
    holds ``per_person * count + per_m2 * area`` residents under the plan: stayers and
    newcomers follow the baseline's pattern (``per_person``), or newcomers spread by
    area (``per_m2``, people per m²) under ``area`` relocation or in a zone nobody
    stayed in.
    """

    per_person: float
    per_m2: float

    def of(self, people: float | NDArray[np.float64],
           area: float | NDArray[np.float64]) -> Any:
        """Residents for sums (or arrays) of baseline people and of area (m²)."""
        return self.per_person * people + self.per_m2 * area


def zone_placements(zones: list[Zone], area_m2: NDArray[np.float64], reloc: Relocation,
                 method: str) -> dict[str, Placement]:
    """The :class:`Placement` of each zone's residents under the plan.

    ``area_m2`` is each zone's area on the population grid (m², the sum of its cells'
    areas times their shares), in the order of ``zones``.
    """
    out: dict[str, Placement] = {}
    for k, z in enumerate(zones):
        per_person = per_m2 = 0.0
        if reloc.residents[z.id] > 0 and area_m2[k] > 0:
            stay = 0.0 if z.spec.access == "closed" else reloc.scale
            if method == "area" or reloc.stay[z.id] <= 0:
                per_person, per_m2 = stay, reloc.inflow[z.id] / float(area_m2[k])
            else:
                per_person = stay * (1.0 + reloc.inflow[z.id] / reloc.stay[z.id])
        out[z.id] = Placement(per_person=per_person, per_m2=per_m2)
    return out
