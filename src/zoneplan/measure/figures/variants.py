"""The other ways a plan's lines and zones may run, evaluated for the ranges.

Every alternative layout is one of:

* a line variant the plan states (``variants``: e.g. the marker blocks reported 200 m
  and 300 m west of the mapped line);
* the line moved by its stated uncertainty to either side (``uncertainty``), so the
  range goes both ways;
* an alternative drawing of the zones (``alternatives``: e.g. the zone as published,
  where a polygon exists, rather than the territory cut by the line).

Each is evaluated with every member of the population ensemble; the central case is
the lines and zones as drawn with the central spread.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import LineString

from zoneplan.errors import GeometryError
from zoneplan.geometry import compass_to_hand, offset_line
from zoneplan.measure.inputs import Inputs
from zoneplan.measure.zones import Layout

__all__ = ["LayoutCase", "layout_cases"]

AS_DRAWN = "lines and zones as drawn"
"""The label of the central layout."""


@dataclass(frozen=True)
class LayoutCase:
    """One layout to evaluate: its label, its inputs, and lines that replace the plan's.

    Attributes
    ----------
    label
        The case in words, for ``ranges_from``.
    inputs
        The plan and layers (an alternative drawing of zones changes the plan's zones).
    overrides
        Projected lines replacing the plan's (line variants), or ``None``.
    """

    label: str
    inputs: Inputs
    overrides: dict[str, LineString] | None = None


def _compass(line: LineString, hand: str) -> str:
    """The compass side (east, west, north, south) that is ``hand`` of ``line``, if any."""
    for side in ("east", "west", "north", "south"):
        try:
            if compass_to_hand(side, line) == hand:
                return side
        except GeometryError:
            continue
    return hand


def layout_cases(inputs: Inputs, layout: Layout) -> list[LayoutCase]:
    """The alternative layouts of a plan (not the central one), labelled.

    Parameters
    ----------
    inputs
        The prepared inputs of the central case.
    layout
        The central layout (its projected lines are moved for the line variants).
    """
    plan = inputs.plan
    out: list[LayoutCase] = []
    for spec in plan.lines:
        base = layout.lines[spec.id]
        for var in spec.variants:
            out.append(LayoutCase(
                f"line '{spec.id}' moved {var.offset_m:g} m {var.towards} ({var.id})", inputs,
                {spec.id: offset_line(base, var.offset_m, var.towards)}))
        if spec.uncertainty is not None:
            u = spec.uncertainty.offset_m
            for hand in ("left", "right"):
                out.append(LayoutCase(
                    f"line '{spec.id}' moved {u:g} m {_compass(base, hand)} (its stated "
                    "uncertainty)", inputs, {spec.id: offset_line(base, u, hand)}))
    for alt in plan.alternatives:
        out.append(LayoutCase(f"{alt.label} ({alt.id})", inputs.with_zone_rules(alt.zones)))
    return out
