"""The stated assumptions one run is computed under: which forces count, which compounds.

The central run counts the forces pledged, committed or deployed by the plan's date
and the compounds as the plan states them (its latest reported figures). The
alternatives, evaluated for the ranges, are the high end of the forces (everything
planned, reported or offered by the plan's date), the stated target strength, forces
pledged after the plan's date (a dated alternative), and the low and high ends of the
compounds' stated counts and capacities. Rejected and withdrawn contributions never
count.

Examples
--------
>>> from zoneplan.plan import ForceEntry
>>> uk = ForceEntry(contributor="UK", personnel=1500, kind="troops", zones=["g"],
...                 status="reported", sources=["s"])
>>> jo = ForceEntry(contributor="Jordan", personnel=3000, kind="police", zones=["g"],
...                 status="rejected", sources=["s"])
>>> sum(e.personnel for e in committed_forces([uk, jo], "2025-11-14"))
0
>>> sum(e.personnel for e in listed_forces([uk, jo], "2025-11-14"))
1500
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zoneplan.plan import Compound, ForceEntry, Plan
from zoneplan.plan.model import COMMITTED_STATUSES, PROSPECTIVE_STATUSES

__all__ = ["Assumptions", "alternative_assumptions", "central_assumptions",
           "committed_forces", "listed_forces"]


@dataclass(frozen=True)
class Assumptions:
    """The forces and compounds one run counts, and what to call the run.

    Attributes
    ----------
    label
        The run in words, for ``ranges_from`` (empty for the central run).
    forces
        The force entries counted (personnel in the zones they cover).
    compounds
        The compounds counted (count, capacity).
    """

    label: str
    forces: tuple[ForceEntry, ...]
    compounds: tuple[Compound, ...]


def _by(date: str | None, plan_date: str) -> bool:
    """Whether a status dated ``date`` stood by ``plan_date`` (undated: yes). Dates are
    ISO text; a month ("2025-11") counts as standing by any day of that month."""
    return date is None or date[: len(plan_date)] <= plan_date


def committed_forces(forces: Sequence[ForceEntry], plan_date: str) -> list[ForceEntry]:
    """Entries pledged, committed or deployed by ``plan_date`` (the central figure)."""
    return [e for e in forces if e.status in COMMITTED_STATUSES and _by(e.date, plan_date)]


def listed_forces(forces: Sequence[ForceEntry], plan_date: str) -> list[ForceEntry]:
    """Entries committed or merely planned, reported or offered by ``plan_date`` (the high
    end: what planning documents and reports listed)."""
    ok = (*COMMITTED_STATUSES, *PROSPECTIVE_STATUSES)
    return [e for e in forces if e.status in ok and _by(e.date, plan_date)]


def central_assumptions(plan: Plan) -> Assumptions:
    """The central run: committed forces by the plan's date; compounds as stated."""
    return Assumptions(label="", forces=tuple(committed_forces(plan.forces, plan.date)),
                       compounds=tuple(plan.compounds))


def alternative_assumptions(plan: Plan) -> list[Assumptions]:
    """The alternatives evaluated for the ranges, each labelled (see the module doc)."""
    central = central_assumptions(plan)
    out: list[Assumptions] = []
    listed = tuple(listed_forces(plan.forces, plan.date))
    if listed != central.forces:
        out.append(Assumptions("forces as listed in planning documents and reports by "
                               f"{plan.date} (not only pledges)", listed, central.compounds))
    if plan.forces_target is not None:
        t = plan.forces_target
        target = ForceEntry(contributor=t.label, personnel=t.personnel, kind="troops",
                            zones=t.zones, status="planned", sources=t.sources)
        out.append(Assumptions(f"forces at the stated target strength ({t.label})",
                               (target,), central.compounds))
    later = [e for e in plan.forces if e.status in COMMITTED_STATUSES
             and not _by(e.date, plan.date)]
    if later:
        when = max(str(e.date) for e in later)
        out.append(Assumptions(f"forces pledged by {when} (after the plan's date)",
                               tuple(committed_forces(plan.forces, when)), central.compounds))
    if any(c.count_range or c.capacity_range for c in plan.compounds):
        for end, word in ((0, "low"), (1, "high")):
            comps = tuple(
                c.model_copy(update={
                    "count": c.count_range[end] if c.count_range else c.count,
                    "capacity": c.capacity_range[end] if c.capacity_range else c.capacity})
                for c in plan.compounds)
            out.append(Assumptions(f"compounds: {word} end of the stated counts and "
                                   "capacities", central.forces, comps))
    return out
