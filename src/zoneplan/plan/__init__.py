"""The plan format and everything a plan is checked against.

* :mod:`~zoneplan.plan.model`: the pydantic models of a plan and its parts (with
  :mod:`~zoneplan.plan.base`, :mod:`~zoneplan.plan.commitments` for compounds, forces and
  reconstruction, and :mod:`~zoneplan.plan.claims` for published figures to check);
* :mod:`~zoneplan.plan.load`: reading plan files, mappings and built-in plan ids, with
  the line and column of every problem (YAML read strictly by
  :mod:`~zoneplan.plan.yaml_source`, pydantic's errors in plain words by
  :mod:`~zoneplan.plan.messages`);
* :mod:`~zoneplan.plan.checks`: dates and the stated bounds on numbers;
* :mod:`~zoneplan.plan.standards`: Sphere, WHO and force-ratio standards as typed,
  cited data; :mod:`~zoneplan.plan.plausibility`: the bounds above which a layer's
  figures are slips, and a plan's own (``plausible:``);
* :mod:`~zoneplan.plan.definitions`: what each indicator means (label, unit, method).

The plan layer knows nothing of how layers are read or figures measured.
"""

from __future__ import annotations

from zoneplan.plan.load import (
    DEFAULT_PLAN,
    builtin_plan_ids,
    builtin_plan_path,
    load_plan,
    place_in_plan,
    plan_json_schema,
)
from zoneplan.plan.model import (
    Access,
    Alternative,
    Claim,
    Compound,
    ForceEntry,
    ForceTarget,
    LayerRef,
    LineShift,
    LineSpec,
    LineUncertainty,
    LineVariant,
    Plan,
    Population,
    Reconstruction,
    Source,
    Via,
    ZoneSpec,
)

__all__ = [
    "DEFAULT_PLAN",
    "Access",
    "Alternative",
    "Claim",
    "Compound",
    "ForceEntry",
    "ForceTarget",
    "LayerRef",
    "LineShift",
    "LineSpec",
    "LineUncertainty",
    "LineVariant",
    "Plan",
    "Population",
    "Reconstruction",
    "Source",
    "Via",
    "ZoneSpec",
    "builtin_plan_ids",
    "builtin_plan_path",
    "load_plan",
    "place_in_plan",
    "plan_json_schema",
]
