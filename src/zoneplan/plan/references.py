"""Every id a plan defines is unique and every reference in it names something defined.

:func:`check_references` runs when a :class:`~zoneplan.plan.model.Plan` is built. Its
errors are :class:`~zoneplan.errors.PlanError` with ``loc``, the place in the plan that
holds the duplicate or the reference (e.g. ``("zones", 3, "side", "x")``), which
:mod:`zoneplan.plan.load` turns into a line and column of the plan file.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from zoneplan.errors import PlanError
from zoneplan.pack.line_variants import line_variants
from zoneplan.plan.base import PlanLoc
from zoneplan.plan.commitments import ALLOCATION_TOLERANCE

if TYPE_CHECKING:
    from zoneplan.plan.model import Plan

__all__ = ["check_references"]


def _near(name: str, names: list[str]) -> str:
    near = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _unique_ids(plan: Plan) -> None:
    for kind, key, ids in (("source", "sources", [s.id for s in plan.sources]),
                           ("zone", "zones", [z.id for z in plan.zones]),
                           ("line", "lines", [ln.id for ln in plan.lines])):
        first: dict[str, int] = {}  # where each id is first used (thousands of zones)
        for j, same in enumerate(ids):
            if same in first:
                raise PlanError(
                    f"{kind} id '{same}' is used twice ({key}[{first[same]}] and "
                    f"{key}[{j}])", suggestion=f"give each {kind} its own id",
                    loc=(key, j, "id"))
            first[same] = j


def _cited_sources(plan: Plan) -> None:
    source_ids = sorted({s.id for s in plan.sources})
    cited: list[tuple[str, PlanLoc, list[str]]] = [
        ("population", ("population",), plan.population.sources)]
    for i, ln in enumerate(plan.lines):
        cited.append((f"lines '{ln.id}'", ("lines", i), ln.sources))
        cited += [(f"line variant '{v.id}'", ("lines", i, "variants", j), v.sources)
                  for j, v in enumerate(ln.variants)]
        if ln.uncertainty is not None:
            cited.append((f"lines '{ln.id}' uncertainty", ("lines", i, "uncertainty"),
                          ln.uncertainty.sources))
        if ln.shift is not None:
            cited.append((f"lines '{ln.id}' shift", ("lines", i, "shift"), ln.shift.sources))
    cited += [(f"forces '{f.contributor}'", ("forces", i), f.sources)
              for i, f in enumerate(plan.forces)]
    cited += [(f"compounds '{c.id}'", ("compounds", i), c.sources)
              for i, c in enumerate(plan.compounds)]
    cited += [(f"zones '{z.id}'", ("zones", i), z.sources) for i, z in enumerate(plan.zones)]
    cited += [(f"layers '{k}'", ("layers", k), v.sources) for k, v in plan.layers.items()]
    cited += [(f"alternative '{a.id}'", ("alternatives", i), a.sources)
              for i, a in enumerate(plan.alternatives)]
    cited += [(f"claim '{c.text}'", ("claims", i), [c.source]) for i, c in enumerate(plan.claims)]
    if plan.forces_target:
        cited.append(("forces_target", ("forces_target",), plan.forces_target.sources))
    if plan.reconstruction:
        cited.append(("reconstruction", ("reconstruction",), plan.reconstruction.sources))
    for where, loc, ids in cited:
        for j, sid in enumerate(ids):
            if sid not in source_ids:
                raise PlanError(
                    f"{where} cites source '{sid}', which is not in 'sources'"
                    + _near(sid, source_ids),
                    suggestion="add the source to 'sources', or cite one that is there",
                    loc=(*loc, "sources", j))


def _named_zones_and_lines(plan: Plan) -> None:
    zone_ids = [z.id for z in plan.zones]
    line_ids = [ln.id for ln in plan.lines]
    refs: list[tuple[str, PlanLoc, str]] = []
    refs += [(f"forces '{f.contributor}'", ("forces", i, "zones", j), z)
             for i, f in enumerate(plan.forces) for j, z in enumerate(f.zones)]
    refs += [(f"compounds '{c.id}'", ("compounds", i, "zone"), c.zone)
             for i, c in enumerate(plan.compounds) if c.zone]
    refs += [(f"alternative '{a.id}'", ("alternatives", i, "zones", z), z)
             for i, a in enumerate(plan.alternatives) for z in a.zones]
    refs += [(f"claim '{c.text}'", ("claims", i, "zone"), c.zone)
             for i, c in enumerate(plan.claims) if c.zone is not None]
    if plan.forces_target:
        refs += [("forces_target", ("forces_target", "zones", j), z)
                 for j, z in enumerate(plan.forces_target.zones)]
    if plan.reconstruction:
        refs += [("reconstruction", ("reconstruction", "zones", j), z)
                 for j, z in enumerate(plan.reconstruction.zones or [])]
        refs += [("reconstruction", ("reconstruction", "allocation", z), z)
                 for z in plan.reconstruction.allocation or {}]
    for where, loc, zid in refs:
        if zid not in zone_ids:
            raise PlanError(
                f"{where} names zone '{zid}', which the plan does not define"
                + _near(zid, zone_ids),
                suggestion="zones in this plan: " + (", ".join(zone_ids) or "none"), loc=loc)
    for i, z in enumerate(plan.zones):
        for lid in (z.side or {}):
            if lid not in line_ids:
                raise PlanError(
                    f"zone '{z.id}' refers to line '{lid}', which is not in 'lines'"
                    + _near(lid, line_ids),
                    suggestion="lines in this plan: " + (", ".join(line_ids) or "none"),
                    loc=("zones", i, "side", lid))
    for i, a in enumerate(plan.alternatives):
        for zid, rule in a.zones.items():
            side = rule.get("side") if isinstance(rule, dict) else None
            for lid in side if isinstance(side, dict) else {}:
                if lid not in line_ids:
                    raise PlanError(
                        f"alternative '{a.id}', zone '{zid}' refers to line '{lid}', which "
                        "is not in 'lines'" + _near(str(lid), line_ids),
                        suggestion="lines in this plan: " + (", ".join(line_ids) or "none"),
                        loc=("alternatives", i, "zones", zid, "side", lid))


def _pack_line_variants(plan: Plan) -> None:
    """A line drawn from a pack layer takes the pack's variants: the plan may not state
    its own (one line, one set of variants; :mod:`zoneplan.plan.rules.line_variants`)."""
    facts = line_variants()
    found = next(((ln.id, ("lines", i, key), ln.layer) for i, ln in enumerate(plan.lines)
                  if ln.layer in facts for key in ("variants", "uncertainty")
                  if getattr(ln, key)), None)
    if found is not None:
        lid, loc, layer = found
        raise PlanError(
            f"line '{lid}' is the built-in {layer}, whose {loc[-1]} the pack declares "
            "once for every plan that draws it (so the same line has the same range in "
            f"every plan): a plan may not state its own",
            suggestion=f"remove '{loc[-1]}' from the line (`zoneplan show PLAN --resolved` "
            "lists the pack's); to state variants of your own, draw the line from "
            "'coordinates' or a 'file' instead of the layer",
            loc=loc)


def check_references(plan: Plan) -> None:
    """Check ids are unique and references resolve; then the figures that must agree.

    Raises
    ------
    PlanError
        With ``loc``, the place in the plan at fault.
    """
    _unique_ids(plan)
    _pack_line_variants(plan)
    _cited_sources(plan)
    _named_zones_and_lines(plan)
    if plan.population.relocation == "capacity":
        missing = [z.id for z in plan.zones if z.access == "resident" and z.capacity is None]
        if missing:
            raise PlanError(
                "population.relocation is 'capacity' but these open zones state no "
                f"capacity: {', '.join(missing)}",
                suggestion="add 'capacity' to each of them, or choose another relocation",
                loc=("population", "relocation"))
    if plan.reconstruction and plan.reconstruction.allocation:
        total = sum(plan.reconstruction.allocation.values())
        if abs(total - 1.0) > ALLOCATION_TOLERANCE:
            raise PlanError(
                f"reconstruction.allocation shares add up to {total:g}, not 1 (within "
                f"{ALLOCATION_TOLERANCE:g})",
                suggestion="give each zone its share as a fraction from 0 to 1, e.g. 0.25, "
                "the shares adding up to 1",
                loc=("reconstruction", "allocation"))
