"""Everything a plan's evaluation reads, resolved once.

:func:`prepare` reads the territory, lines, zone polygons and data layers a plan names
and keeps them in an :class:`Inputs`, so that variants (line offsets, a line dragged in
the editor) re-use them without reading anything again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyproj import CRS
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from zoneplan import pack
from zoneplan.errors import InputError
from zoneplan.geometry import area_crs_for
from zoneplan.layers import (
    PointLayer,
    damage_layer,
    hospital_layer,
    line_geometry,
    territory_geometry,
    zone_polygon,
)
from zoneplan.plan import Plan
from zoneplan.population import PopulationLayer

__all__ = ["Inputs", "prepare"]


@dataclass(eq=False)
class Inputs:
    """A plan with its layers read and its area CRS chosen."""

    plan: Plan
    crs: CRS
    territory_ll: BaseGeometry
    lines_ll: dict[str, LineString]
    zone_polys_ll: dict[str, BaseGeometry]
    population: PopulationLayer
    hospitals: PointLayer | None
    damage: PointLayer | None
    files: list[dict[str, Any]] = field(default_factory=list)
    data_sources: list[dict[str, Any]] = field(default_factory=list)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _population(plan: Plan) -> PopulationLayer:
    name = plan.population.baseline
    if name == "gaza:population":
        return pack.population()
    if name in plan.layers:
        from zoneplan import population_layers  # optional reader of user population layers

        return population_layers.read_population(plan, name)
    raise InputError(
        f"population.baseline '{name}' is neither a built-in layer nor a layer of the plan",
        path=plan.path,
        location="population.baseline",
        suggestion="use gaza:population, or add the layer under 'layers' and name it here",
    )


def prepare(plan: Plan) -> Inputs:
    """Read what the plan refers to and choose the area CRS."""
    territory = territory_geometry(plan)
    lines = {ln.id: line_geometry(plan, ln) for ln in plan.lines}
    polys = {z.id: zone_polygon(plan, z) for z in plan.zones
             if z.polygon is not None or z.file is not None}
    files: list[dict[str, Any]] = []
    if plan.path:
        p = Path(plan.path)
        files.append({"role": "plan", "path": str(p), "sha256": _sha256(p)})
    used_pack = plan.territory.startswith("gaza:") or plan.population.baseline.startswith("gaza:")
    if used_pack:
        for f in sorted(pack.PACK_DIR.glob("*.csv")):
            files.append({"role": "built-in pack", "path": f"zoneplan/data/gaza/{f.name}",
                          "sha256": _sha256(f)})
    for key, ref in plan.layers.items():
        if not ref.path.startswith("gaza:"):
            p = plan.resolve_path(ref.path)
            if p.is_file():
                files.append({"role": f"layer {key}", "path": str(p), "sha256": _sha256(p)})
    if not plan.territory.startswith("gaza:"):
        p = plan.resolve_path(plan.territory)
        if p.is_file():
            files.append({"role": "territory", "path": str(p), "sha256": _sha256(p)})
    return Inputs(
        plan=plan,
        crs=area_crs_for(territory),
        territory_ll=territory,
        lines_ll=lines,
        zone_polys_ll=polys,
        population=_population(plan),
        hospitals=hospital_layer(plan),
        damage=damage_layer(plan),
        files=files,
        data_sources=list(pack.PACK_SOURCES) if used_pack else [],
    )
