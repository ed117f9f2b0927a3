"""A plan written out again: with built-in layers expanded to coordinates (so every
vertex is visible), file paths made absolute, and lines shifted on request.

Used by ``zoneplan show PLAN --resolved`` and ``--shift LINE=METRES,TOWARDS``; the
output is itself a plan file.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import LineString, Polygon

from zoneplan import pack
from zoneplan.errors import InputError
from zoneplan.plan import LineShift, Plan
from zoneplan.plan.rules.line_variants import with_line_variants

__all__ = ["plan_document", "shifted"]

COORD_DECIMALS = 5
"""Decimals of written lon/lat coordinates (about 1 m)."""


def _coords(geom: LineString | Polygon) -> list[list[float]]:
    ring = geom.exterior.coords if isinstance(geom, Polygon) else geom.coords
    return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in ring]


def shifted(plan: Plan, shifts: dict[str, LineShift]) -> Plan:
    """The plan with some lines moved sideways, under a new id and title.

    Raises
    ------
    InputError
        For a line id the plan does not have.
    """
    unknown = sorted(set(shifts) - {ln.id for ln in plan.lines})
    if unknown:
        raise InputError(f"no line called {', '.join(unknown)} in plan '{plan.id}'",
                         suggestion="lines in this plan: "
                         + (", ".join(ln.id for ln in plan.lines) or "none"))
    lines = [ln.model_copy(update={"shift": shifts[ln.id]}) if ln.id in shifts else ln
             for ln in plan.lines]
    words = "; ".join(f"{lid} moved {s.offset_m:,.0f} m {s.towards}" for lid, s in shifts.items())
    return plan.model_copy(update={"lines": lines, "id": f"{plan.id}-shifted",
                                   "title": f"{plan.title} ({words})"})


def plan_document(plan: Plan, *, resolved: bool = False) -> dict[str, Any]:
    """The plan as a mapping ready to write as YAML.

    With ``resolved``, built-in lines and zone polygons are written as coordinates and
    file paths as absolute paths (the territory stays named: the plan format names a
    territory by a built-in layer or a file); a line of the pack takes the variants the
    pack declares for it, written out as the line's own, and the pack's published zone
    of it as an alternative (:func:`~zoneplan.plan.rules.line_variants.with_line_variants`).
    """
    if resolved:  # lines of the pack become coordinates: their variants are written out
        plan = with_line_variants(plan)[0]
    doc: dict[str, Any] = plan.model_dump(mode="json", exclude_none=True, by_alias=True)
    if not resolved:
        return doc
    for ln, spec in zip(doc.get("lines", []), plan.lines, strict=True):
        if spec.layer is not None:
            ln.pop("layer")
            ln["coordinates"] = _coords(pack.builtin_layer(spec.layer))
            ln["note"] = (ln.get("note", "") + f" Coordinates of {spec.layer}.").strip()
        elif spec.file is not None:
            ln["file"] = str(plan.resolve_path(spec.file))
    for z, zspec in zip(doc.get("zones", []), plan.zones, strict=True):
        if zspec.layer is not None:
            geom = pack.builtin_layer(zspec.layer)
            if isinstance(geom, Polygon):
                z.pop("layer")
                z["polygon"] = _coords(geom)
        elif zspec.file is not None:
            z["file"] = str(plan.resolve_path(zspec.file))
    if not plan.territory.startswith("gaza:"):
        doc["territory"] = str(plan.resolve_path(plan.territory))
    for ref in doc.get("layers", {}).values():
        if not str(ref.get("path", "")).startswith("gaza:"):
            ref["path"] = str(plan.resolve_path(ref["path"]))
    return doc
