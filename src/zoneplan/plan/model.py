"""The plan format: pydantic v2 models of a plan and its parts.

A plan names a territory, the lines drawn on it, the zones those lines (or polygons)
make, the population to model, and what the plan puts in each zone: who controls it,
whether civilians may live there, compounds, forces, reconstruction. Every line, force
entry and numeric assumption cites source ids declared in ``sources``.

Reading a plan file (with line and column in every error) is :mod:`zoneplan.plan.load`.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from zoneplan.errors import PlanError
from zoneplan.geometry import MAX_OFFSET_M, check_line, check_points, check_ring
from zoneplan.plan.checks import MAX_PEOPLE, MAX_USD, People, check_date

__all__ = [
    "Access",
    "Compound",
    "ForceEntry",
    "ForceTarget",
    "LayerRef",
    "LineSpec",
    "LineVariant",
    "Plan",
    "Population",
    "Reconstruction",
    "Source",
    "ZoneSpec",
]

Access = Literal["resident", "restricted", "closed"]
Side = Literal["east", "west", "north", "south", "left", "right"]
LonLat = tuple[float, float]
PlanLoc = tuple[str | int, ...]
"""A place in a plan: keys and list indices from the top, e.g. ("zones", 3, "side")."""
DateText = Annotated[
    str,
    BeforeValidator(lambda v: v.isoformat() if isinstance(v, dt.date) else v),
    AfterValidator(check_date),
]
"""A date as text, YYYY, YYYY-MM or YYYY-MM-DD (YAML reads 2025-11-14 as a date; plans
keep it as written)."""



class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True,
                              allow_inf_nan=False)


def _what(kind: str, info: ValidationInfo) -> str:
    """``kind 'id'`` of the part being validated (its id is validated before its geometry)."""
    part_id = info.data.get("id")
    return f"{kind} '{part_id}'" if part_id else kind


class Source(_Model):
    """A publication a plan relies on."""

    id: str = Field(description="Short id that lines, forces and numbers cite.")
    publisher: str
    title: str
    date: DateText = Field(description="Publication date, ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD).")
    url: str | None = None
    note: str | None = None



class LineVariant(_Model):
    """An alternative course of a line, used for the low-high ranges."""

    id: str
    offset_m: float = Field(gt=0, le=MAX_OFFSET_M, description="Distance the line is moved, "
                            "metres.")
    towards: Side = Field(description="Direction the line is moved.")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class LineSpec(_Model):
    """A named polyline: inline [lon, lat] coordinates, a built-in layer or a file."""

    id: str
    label: str | None = None
    date: DateText
    sources: list[str] = Field(min_length=1)
    coordinates: list[LonLat] | None = Field(
        default=None, description="[longitude, latitude] pairs in WGS 84, at least two."
    )
    layer: str | None = Field(default=None, description="Built-in layer, e.g. gaza:yellow-line.")
    file: str | None = Field(default=None, description="Vector file with one line feature.")
    variants: list[LineVariant] = Field(default_factory=list)
    note: str | None = None


    @field_validator("coordinates")
    @classmethod
    def _coords(cls, v: list[LonLat] | None, info: ValidationInfo) -> list[LonLat] | None:
        if v is not None:
            check_line(v, what=_what("line", info))
        return v

    @model_validator(mode="after")
    def _one_geometry(self) -> LineSpec:
        given = [k for k in ("coordinates", "layer", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'coordinates', 'layer' or 'file' for the line"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class ZoneSpec(_Model):
    """A zone: by side(s) of lines, by a point inside it, by a polygon, or the rest."""

    id: str
    label: str
    controller: str
    access: Access = Field(
        description="resident: civilians live there and displaced people may move in; "
        "restricted: residents stay, nobody moves in; closed: civilians must leave."
    )
    reconstruction: bool = False
    side: dict[str, Side] | None = Field(
        default=None, description="Side of each named line, e.g. {yellow-line: east}."
    )
    point: LonLat | None = Field(default=None, description="[lon, lat] inside the zone.")
    polygon: list[LonLat] | None = Field(default=None, description="Ring of [lon, lat].")
    file: str | None = Field(default=None, description="Vector file of polygons.")
    rest: bool = Field(default=False, description="The part of the territory no other zone takes.")
    capacity: People | None = Field(default=None, description="Residents the zone can take.")
    sources: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("polygon")
    @classmethod
    def _ring(cls, v: list[LonLat] | None, info: ValidationInfo) -> list[LonLat] | None:
        if v is not None:
            check_ring(v, what=_what("zone", info))
        return v

    @field_validator("point")
    @classmethod
    def _pt(cls, v: LonLat | None, info: ValidationInfo) -> LonLat | None:
        return None if v is None else check_points([v], what=_what("zone", info) + " point")[0]

    @model_validator(mode="after")
    def _one_rule(self) -> ZoneSpec:
        given = [k for k in ("side", "point", "polygon", "file") if getattr(self, k) is not None]
        if self.rest:
            given.append("rest")
        if len(given) != 1:
            raise ValueError(
                "say how the zone is made with exactly one of 'side', 'point', 'polygon', "
                "'file' or 'rest: true'" + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class LayerRef(_Model):
    """A data layer the plan uses (population, hospitals, damage)."""

    path: str = Field(description="File path (relative to the plan) or built-in layer name.")
    units: Literal["count", "density"] | None = None
    count: str | None = Field(default=None, description="Attribute holding a count.")
    beds: str | None = Field(default=None, description="Attribute holding hospital beds.")
    damage_class: str | None = Field(default=None, alias="class")
    where: str | None = Field(default=None, description="Filter, e.g. amenity == 'hospital'.")
    sources: list[str] = Field(default_factory=list)


class Population(_Model):
    """The population to model and what happens to people in closed zones."""

    total: Annotated[float | None, Field(
        default=None, gt=0, le=MAX_PEOPLE, description="People to model under the plan; "
        "when omitted, the baseline layer's own total (nothing is rescaled).")]
    date: DateText
    label: str = "modelled population"
    sources: list[str] = Field(min_length=1)
    baseline: str = Field(
        default="gaza:population",
        description="Pre-war baseline population layer: built-in name or a layer id.",
    )
    relocation: Literal["proportional", "area", "capacity"] = Field(
        default="proportional",
        description="How people leaving closed zones are spread over zones open to them: "
        "in proportion to the people already there, to the area, or to stated capacity.",
    )
    note: str | None = None



class Compound(_Model):
    """Fenced compounds ("alternative safe communities"): so many of so many people."""

    id: str
    label: str
    location: LonLat
    zone: str | None = None
    count: People = Field(default=1, description="Number of compounds.")
    count_range: tuple[People, People] | None = None
    capacity: People = Field(description="People per compound.")
    capacity_range: tuple[People, People] | None = None
    admission: str
    status: str = "reported"
    sources: list[str] = Field(min_length=1)
    note: str | None = None

    @field_validator("location")
    @classmethod
    def _pt(cls, v: LonLat, info: ValidationInfo) -> LonLat:
        return check_points([v], what=_what("compound", info) + " location")[0]


class ForceEntry(_Model):
    """A contribution of security personnel."""

    contributor: str
    personnel: People
    kind: Literal["troops", "police"]
    zones: list[str] = Field(min_length=1)
    status: Literal["reported", "pledged", "deployed", "withdrawn"]
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class ForceTarget(_Model):
    """A stated target strength, used as the high end of the forces range."""

    label: str
    personnel: People
    zones: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)


class Reconstruction(_Model):
    """Where reconstruction goes, and the budget if stated."""

    zones: list[str] | None = Field(
        default=None, description="Zones receiving it; default: zones with reconstruction: true."
    )
    allocation: dict[str, float] | None = Field(
        default=None, description="Share of effort per zone (adds up to 1)."
    )
    budget_usd: float | None = Field(default=None, ge=0, le=MAX_USD)
    sources: list[str] = Field(default_factory=list)
    note: str | None = None


class Plan(_Model):
    """A partition plan."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str
    date: DateText
    status: Literal["reported", "proposed", "in force", "hypothetical"]
    summary: str | None = None
    sources: list[Source] = Field(min_length=1)
    territory: str = Field(description="Built-in layer (gaza:outline) or a polygon file.")
    lines: list[LineSpec] = Field(default_factory=list)
    zones: list[ZoneSpec] = Field(default_factory=list)
    population: Population
    layers: dict[str, LayerRef] = Field(default_factory=dict)
    compounds: list[Compound] = Field(default_factory=list)
    forces: list[ForceEntry] = Field(default_factory=list)
    forces_target: ForceTarget | None = None
    reconstruction: Reconstruction | None = None
    notes: list[str] = Field(default_factory=list)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _path: str | None = PrivateAttr(default=None)
    _places: Any = PrivateAttr(default=None)  # where each part is in the file (plan.load)

    @property
    def base_dir(self) -> Path:
        """Folder that relative file paths in the plan are resolved against."""
        return self._base_dir

    @property
    def path(self) -> str | None:
        """The file the plan was read from, if any."""
        return self._path

    def resolve_path(self, value: str) -> Path:
        """Resolve a file path written in the plan (relative to the plan's folder)."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self._base_dir / p


    @model_validator(mode="after")
    def _references(self) -> Plan:
        """Check that ids are unique and that every reference names something defined.

        Raises :class:`~zoneplan.errors.PlanError` whose ``loc`` is the place in the plan
        that holds the duplicate or the reference, e.g. ``("zones", 3, "side", "x")``.
        """
        for kind, key, ids in (("source", "sources", [s.id for s in self.sources]),
                               ("zone", "zones", [z.id for z in self.zones]),
                               ("line", "lines", [ln.id for ln in self.lines])):
            for j, same in enumerate(ids):
                if same in ids[:j]:
                    raise PlanError(
                        f"{kind} id '{same}' is used twice ({key}[{ids.index(same)}] and "
                        f"{key}[{j}])",
                        suggestion=f"give each {kind} its own id", loc=(key, j, "id"))
        source_ids = {s.id for s in self.sources}
        zone_ids = [z.id for z in self.zones]
        line_ids = [ln.id for ln in self.lines]
        cited: list[tuple[str, PlanLoc, list[str]]] = [
            ("population", ("population",), self.population.sources)]
        for i, ln in enumerate(self.lines):
            cited.append((f"lines '{ln.id}'", ("lines", i), ln.sources))
            cited += [(f"line variant '{v.id}'", ("lines", i, "variants", j), v.sources)
                      for j, v in enumerate(ln.variants)]
        cited += [(f"forces '{f.contributor}'", ("forces", i), f.sources)
                  for i, f in enumerate(self.forces)]
        cited += [(f"compounds '{c.id}'", ("compounds", i), c.sources)
                  for i, c in enumerate(self.compounds)]
        cited += [(f"zones '{z.id}'", ("zones", i), z.sources) for i, z in enumerate(self.zones)]
        cited += [(f"layers '{k}'", ("layers", k), v.sources) for k, v in self.layers.items()]
        if self.forces_target:
            cited.append(("forces_target", ("forces_target",), self.forces_target.sources))
        if self.reconstruction:
            cited.append(("reconstruction", ("reconstruction",), self.reconstruction.sources))
        for where, loc, ids in cited:
            for j, sid in enumerate(ids):
                if sid not in source_ids:
                    near = difflib.get_close_matches(sid, sorted(source_ids), n=1)
                    hint = f" (did you mean '{near[0]}'?)" if near else ""
                    raise PlanError(
                        f"{where} cites source '{sid}', which is not in 'sources'{hint}",
                        suggestion="add the source to 'sources', or cite one that is there",
                        loc=(*loc, "sources", j))
        zone_refs: list[tuple[str, PlanLoc, str]] = []
        zone_refs += [(f"forces '{f.contributor}'", ("forces", i, "zones", j), z)
                      for i, f in enumerate(self.forces) for j, z in enumerate(f.zones)]
        zone_refs += [(f"compounds '{c.id}'", ("compounds", i, "zone"), c.zone)
                      for i, c in enumerate(self.compounds) if c.zone]
        if self.forces_target:
            zone_refs += [("forces_target", ("forces_target", "zones", j), z)
                          for j, z in enumerate(self.forces_target.zones)]
        if self.reconstruction:
            zone_refs += [("reconstruction", ("reconstruction", "zones", j), z)
                          for j, z in enumerate(self.reconstruction.zones or [])]
            zone_refs += [("reconstruction", ("reconstruction", "allocation", z), z)
                          for z in self.reconstruction.allocation or {}]
        for where, loc, zid in zone_refs:
            if zid not in zone_ids:
                near = difflib.get_close_matches(zid, zone_ids, n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                raise PlanError(
                    f"{where} names zone '{zid}', which the plan does not define{hint}",
                    suggestion="zones in this plan: " + (", ".join(zone_ids) or "none"),
                    loc=loc)
        for i, z in enumerate(self.zones):
            for lid in (z.side or {}):
                if lid not in line_ids:
                    raise PlanError(
                        f"zone '{z.id}' refers to line '{lid}', which is not in 'lines'",
                        suggestion="lines in this plan: " + (", ".join(line_ids) or "none"),
                        loc=("zones", i, "side", lid))
        if self.population.relocation == "capacity":
            missing = [z.id for z in self.zones if z.access == "resident" and z.capacity is None]
            if missing:
                raise PlanError(
                    "population.relocation is 'capacity' but these open zones state no "
                    f"capacity: {', '.join(missing)}",
                    suggestion="add 'capacity' to each of them, or choose another relocation",
                    loc=("population", "relocation"))
        if self.reconstruction and self.reconstruction.allocation:
            total = sum(self.reconstruction.allocation.values())
            if abs(total - 1.0) > 1e-6:
                raise PlanError(
                    f"reconstruction.allocation shares add up to {total}, not 1",
                    suggestion="give each zone its share as a fraction, e.g. 0.25",
                    loc=("reconstruction", "allocation"))
        return self
