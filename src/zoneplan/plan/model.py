"""The plan format: pydantic v2 models of a plan and its parts.

A plan names a territory, the lines drawn on it, the zones those lines (or polygons)
make, the population to model, and what the plan puts in each zone: who controls it,
whether civilians may live there, compounds, forces, reconstruction. Every line, force
entry and numeric assumption cites source ids declared in ``sources``.

Reading a plan file (with line and column in every error) is :mod:`zoneplan.plan.load`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from zoneplan.errors import InputError
from zoneplan.geometry import (
    MAX_OFFSET_M,
    MAX_PLAN_POINTS,
    check_line,
    check_points,
    check_ring,
)
from zoneplan.plan.base import (
    Access,
    DateText,
    Flag,
    LonLat,
    Number,
    Side,
    empty_dict,
    empty_list,
    part_name,
)
from zoneplan.plan.base import Model as _Model
from zoneplan.plan.checks import MAX_PEOPLE, People
from zoneplan.plan.claims import Claim
from zoneplan.plan.commitments import (
    COMMITTED_STATUSES,
    PROSPECTIVE_STATUSES,
    Compound,
    ForceEntry,
    ForceStatus,
    ForceTarget,
    Reconstruction,
)
from zoneplan.plan.references import check_references
from zoneplan.plan.rules.plausibility import Plausible

__all__ = [
    "COMMITTED_STATUSES",
    "LAYER_ROLES",
    "PROSPECTIVE_STATUSES",
    "ZONE_RULES",
    "Access",
    "Alternative",
    "Claim",
    "Compound",
    "ForceEntry",
    "ForceStatus",
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
]

class Via(_Model):
    """The copy of a publication that was read, where it is not the original."""

    publisher: str = Field(description="Who published the copy (a re-post, a mirror, an "
                           "aggregator).")
    url: str
    date: DateText | None = None
    note: str | None = None


class Source(_Model):
    """A publication a plan relies on: the original, and the copy read if not the original."""

    id: str = Field(description="Short id that lines, forces and numbers cite.")
    publisher: str = Field(description="Who published the original.")
    title: str
    date: DateText = Field(description="Publication date, ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD).")
    url: str | None = Field(default=None, description="The original publication's address; "
                            "null where it is not known (say so in 'note').")
    via: Via | None = Field(default=None, description="The copy that was read, where the "
                            "original was not.")
    assumption: bool = Field(default=False, description="A modelling assumption stated by "
                             "whoever wrote the plan, not a published figure: what rests "
                             "on it alone never decides a claim's verdict.")
    note: str | None = None



class LineVariant(_Model):
    """An alternative course of a line, used for the low-high ranges."""

    id: str
    offset_m: Number = Field(gt=0, le=MAX_OFFSET_M, description="Distance the line is "
                            "moved, metres.")
    towards: Side = Field(description="Direction the line is moved.")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class LineUncertainty(_Model):
    """How far either way a line's true course may lie from the line as drawn.

    Evaluated as two variants, the line moved ``offset_m`` to each side, for the ranges.
    """

    offset_m: Number = Field(gt=0, le=50_000, description="Distance either way, metres.")
    sources: list[str] = Field(min_length=1)
    note: str | None = None


class LineShift(_Model):
    """Move a whole line sideways before anything is measured ("what if it ran 1 km
    west?"); its variants and uncertainty then apply around the moved line."""

    offset_m: Number = Field(gt=0, le=50_000, description="Distance the line is moved, metres.")
    towards: Side = Field(description="Direction the line is moved.")
    sources: list[str] = Field(default_factory=empty_list)
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
    variants: list[LineVariant] = Field(default_factory=empty_list)
    uncertainty: LineUncertainty | None = Field(
        default=None, description="Stated uncertainty of the line's course, both ways.")
    shift: LineShift | None = Field(
        default=None, description="Move the whole line sideways (before variants apply).")
    redrawn_from: str | None = Field(
        default=None, description="The published line this one was redrawn from (e.g. "
        "gaza:yellow-line; the editor writes it when it saves a redrawn line): what was "
        "published about that line (a zone as published, published figures about the "
        "zones it draws) does not describe this one, so it is not used for it.")
    note: str | None = None


    @field_validator("coordinates")
    @classmethod
    def _coords(cls, v: list[LonLat] | None, info: ValidationInfo) -> list[LonLat] | None:
        if v is not None:
            check_line(v, what=part_name("line", info), max_points=MAX_PLAN_POINTS)
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


ZONE_RULES: tuple[str, ...] = ("side", "point", "polygon", "file", "layer", "rest")
"""The ways a zone can be made; a zone uses exactly one."""


class ZoneSpec(_Model):
    """A zone: by side(s) of lines, by a point inside it, by a polygon, or the rest."""

    id: str
    label: str
    controller: str
    access: Access = Field(
        description="resident: civilians live there and displaced people may move in; "
        "restricted: residents stay, nobody moves in; closed: civilians must leave."
    )
    reconstruction: Flag = False
    side: dict[str, Side] | None = Field(
        default=None, description="Side of each named line, e.g. {yellow-line: east}."
    )
    point: LonLat | None = Field(default=None, description="[lon, lat] inside the zone.")
    polygon: list[LonLat] | None = Field(default=None, description="Ring of [lon, lat].")
    file: str | None = Field(default=None, description="Vector file of polygons.")
    layer: str | None = Field(default=None, description="Built-in polygon layer, e.g. "
                              "gaza:zone-east-2025-10-19.")
    features: list[Annotated[int, Strict(), Field(ge=1)]] | None = Field(
        default=None, min_length=1, description="With 'file': the features of the file that "
        "make the zone, by their place in it (1 for the first); default every feature.")
    rest: Flag = Field(default=False, description="The part of the territory no other zone takes.")
    capacity: People | None = Field(default=None, description="Residents the zone can take.")
    same_as: str | None = Field(
        default=None, description="A name this zone shares with the same place in other "
        "plans (compared side by side under it), e.g. east-of-yellow-line.")
    colour: str | None = Field(
        default=None, description="Fill colour on maps, pages and in QGIS, as '#RRGGBB' (e.g. "
        "'#8CC68A'); civilian access is shown by a pattern on top. Without it, a "
        "colour-blind-safe palette is used.")
    sources: list[str] = Field(default_factory=empty_list)
    note: str | None = None

    _carried: Any = PrivateAttr(default=None)

    @property
    def carried(self) -> Any:
        """The zone's polygon (WGS 84) as already read from its ``file`` by whoever built
        the plan (quick mode), or ``None``: the file need not be read again."""
        return self._carried

    def carry(self, polygon: Any) -> None:
        """Keep the zone's polygon, read from its ``file`` (WGS 84), with the zone."""
        self._carried = polygon

    @property
    def drawn(self) -> bool:
        """Whether the zone is a drawn polygon (inline, a file or a built-in layer), carved
        out of the territory before the lines cut the rest."""
        return self.polygon is not None or self.file is not None or self.layer is not None

    def with_rule(self, rule: dict[str, Any]) -> ZoneSpec:
        """The same zone made by another rule (one of :data:`ZONE_RULES`)."""
        data = self.model_dump(exclude={*ZONE_RULES, "features"}, exclude_none=True)
        return ZoneSpec.model_validate({**data, **rule})

    @field_validator("colour")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"#[0-9A-Fa-f]{6}", v):
            raise ValueError(f"colour must be written '#RRGGBB' in hexadecimal (got {v!r}), "
                             "e.g. '#8CC68A'")
        return v

    @field_validator("polygon")
    @classmethod
    def _ring(cls, v: list[LonLat] | None, info: ValidationInfo) -> list[LonLat] | None:
        if v is not None:
            check_ring(v, what=part_name("zone", info), max_points=MAX_PLAN_POINTS)
        return v

    @field_validator("point")
    @classmethod
    def _pt(cls, v: LonLat | None, info: ValidationInfo) -> LonLat | None:
        return None if v is None else check_points(
            [v], what=part_name("zone", info) + " point")[0]

    @model_validator(mode="after")
    def _one_rule(self) -> ZoneSpec:
        given = [k for k in ZONE_RULES if k != "rest" and getattr(self, k) is not None]
        if self.rest:
            given.append("rest")
        if len(given) != 1:
            raise ValueError(
                "say how the zone is made with exactly one of 'side', 'point', 'polygon', "
                "'file', 'layer' or 'rest: true'" + (f" (got {', '.join(given)})" if given else "")
            )
        if self.features is not None and self.file is None:
            raise ValueError("'features' picks features of the zone's 'file'; give the file, "
                             "or leave 'features' out")
        return self


LAYER_ROLES: dict[str, str] = {
    "population": "people per cell (a raster, count or density) or polygons or points with "
                  "a count; it replaces the plan's pre-war baseline",
    "hospitals": "hospital points (beds=ATTRIBUTE for pre-war beds; where= to filter)",
    "damage": "damaged structures as points or polygons (count=ATTRIBUTE; class=ATTRIBUTE)",
    "crossings": "crossings into the territory as points (status=ATTRIBUTE holding open or "
                 "closed)",
}
"""The roles a data layer can play; a layer under another name is an error unless the
plan's ``population.baseline`` names it."""


class LayerRef(_Model):
    """A data layer the plan uses (population, hospitals, damage)."""

    path: str = Field(description="File path (relative to the plan) or built-in layer name.")
    units: Literal["count", "density"] | None = None
    count: str | None = Field(default=None, description="Attribute holding a count.")
    beds: str | None = Field(default=None, description="Attribute holding hospital beds.")
    damage_class: str | None = Field(default=None, alias="class")
    where: str | None = Field(default=None, description="Filter on the layer's rows, e.g. "
                              "amenity == 'hospital': comparisons (==, !=, <, <=, >, >=, in, "
                              "not in) of a column with values, joined with and, or, not "
                              "(see zoneplan.plan.filters).")
    status: str | None = Field(default=None, description="Crossings: the attribute holding "
                               "each crossing's status (open, closed).")
    date: DateText | None = Field(default=None, description="When the layer's data stand "
                                  "(e.g. the imagery date of a damage assessment).")
    sources: list[str] = Field(default_factory=empty_list)

    @field_validator("where")
    @classmethod
    def _filter(cls, v: str | None) -> str | None:
        """Read the filter now, so a plan that holds a bad one is refused where it is read
        (``validate`` too); it is applied, never run, when the layer is read."""
        if v is not None:
            # imported here: a plan without filters (the built-in ones) never needs the
            # parser (its ten dataclasses: about 5 ms of a fresh run's CPU)
            from zoneplan.plan.filters import parse_filter

            parse_filter(v, label="")
        return v


class Population(_Model):
    """The population to model and what happens to people in closed zones."""

    total: Annotated[Number | None, Field(
        default=None, gt=0, le=MAX_PEOPLE, description="People to model under the plan; "
        "when omitted, the baseline layer's own total (nothing is rescaled).")]
    date: DateText
    label: str = "modelled population"
    sources: list[str] = Field(min_length=1)
    baseline: str = Field(
        default="gaza:population",
        description="Pre-war baseline population layer: built-in name or a layer id.",
    )
    relocation: Literal["proportional", "area", "capacity", "none"] = Field(
        default="proportional",
        description="How people leaving closed zones are spread over zones open to them: "
        "in proportion to the people already there, to the area, or to stated capacity; "
        "'none': the plan moves them nowhere in the territory (they are reported as "
        "unplaced). Compounds with room take people first.",
    )
    note: str | None = None



class Alternative(_Model):
    """Another way the plan's zones may be drawn (e.g. a zone as published rather than cut
    by a line), evaluated for the ranges."""

    id: str
    label: str
    zones: dict[str, dict[str, Any]] = Field(
        min_length=1, description="Zone id → the rule that draws it in this alternative "
        "(one of side, point, polygon, file, layer, rest).")
    sources: list[str] = Field(min_length=1)
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
    lines: list[LineSpec] = Field(default_factory=empty_list)
    zones: list[ZoneSpec] = Field(default_factory=empty_list)
    population: Population
    layers: dict[str, LayerRef] = Field(default_factory=empty_dict)
    compounds: list[Compound] = Field(default_factory=empty_list)
    forces: list[ForceEntry] = Field(default_factory=empty_list)
    forces_target: ForceTarget | None = None
    reconstruction: Reconstruction | None = None
    alternatives: list[Alternative] = Field(default_factory=empty_list)
    claims: list[Claim] = Field(
        default_factory=empty_list, description="Published figures to check against the "
        "measurements (see the README, 'Published figures checked').")
    plausible: Plausible | None = Field(
        default=None, description="Data beyond zoneplan's plausibility bounds, on purpose: "
        "a bound of the plan's own, or allow: true (see zoneplan.plan.rules.plausibility).")
    notes: list[str] = Field(default_factory=empty_list)

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _path: str | None = PrivateAttr(default=None)
    _baseline_replaced: str | None = PrivateAttr(default=None)
    _places: Any = PrivateAttr(default=None)  # where each part is in the file (plan.load)
    _as_of: str | None = PrivateAttr(default=None)  # the date of the facts (plan.as_of)
    _later: list[dict[str, Any]] = PrivateAttr(default_factory=empty_list)  # set aside
    _full: Any = PrivateAttr(default=None)  # the plan before its later facts were set aside
    _line_notes: list[str] = PrivateAttr(default_factory=empty_list)  # plan.rules.as_of
    _date_known: bool = PrivateAttr(default=True)  # False: a quick plan of unknown date

    @property
    def date_known(self) -> bool:
        """Whether :attr:`date` is the plan's own date. A quick plan made from files with
        no date (:func:`zoneplan.io.quick.plan_from_files`) is evaluated with the facts of
        the day it runs, but its date is unknown, and the words say so."""
        return self._date_known

    @property
    def dated(self) -> bool:
        """Whether the plan's facts have been chosen by a date
        (:func:`zoneplan.plan.rules.as_of.plan_as_of`)."""
        return self._as_of is not None

    @property
    def later_evidence(self) -> list[dict[str, Any]]:
        """Facts dated after :attr:`facts_date`, set aside (see
        :func:`zoneplan.plan.rules.as_of.plan_as_of`)."""
        return self._later

    @property
    def line_notes(self) -> list[str]:
        """What dating the plan says of the variants of the pack's lines it draws: published
        zones that cannot apply, variants set aside as later evidence
        (:func:`zoneplan.plan.rules.as_of.plan_as_of`)."""
        return self._line_notes

    @property
    def facts_date(self) -> str:
        """The date whose facts the evaluation uses: the plan's own, or the date given to
        :func:`zoneplan.plan.rules.as_of.plan_as_of` (``--as-of``)."""
        return self._as_of or self.date

    @property
    def base_dir(self) -> Path:
        """Folder that relative file paths in the plan are resolved against."""
        return self._base_dir

    @property
    def baseline_replaced(self) -> str | None:
        """The pre-war baseline a ``population`` layer given later replaced, if any."""
        return self._baseline_replaced

    @property
    def path(self) -> str | None:
        """The file the plan was read from, if any."""
        return self._path

    def with_layers(self, layers: dict[str, LayerRef]) -> Plan:
        """The plan with data layers added or replaced (e.g. from ``--layer``).

        A ``population`` layer replaces the plan's pre-war baseline, and the plan's notes
        say so.

        Raises
        ------
        InputError
            For a name that is not a layer role (:data:`LAYER_ROLES`).
        """
        unknown = [k for k in layers if k not in LAYER_ROLES]
        if unknown:
            raise InputError(
                f"unknown layer role{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
                suggestion="a layer is one of: " + "; ".join(
                    f"{k} ({v})" for k, v in LAYER_ROLES.items()))
        update: dict[str, Any] = {"layers": {**self.layers, **layers}}
        if "population" in layers and self.population.baseline != "population":
            update["population"] = self.population.model_copy(update={"baseline": "population"})
            update["notes"] = [*self.notes, (
                f"Pre-war residents come from the population layer {layers['population'].path}"
                f", replacing the plan's baseline ({self.population.baseline}).")]
        new = self.model_copy(update=update)
        if "population" in update:
            new._baseline_replaced = self.population.baseline
        return new

    def resolve_path(self, value: str) -> Path:
        """Resolve a file path written in the plan (relative to the plan's folder)."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self._base_dir / p


    @model_validator(mode="after")
    def _references(self) -> Plan:
        check_references(self)
        return self

    @model_validator(mode="after")
    def _rules(self) -> Plan:
        """Rules that keep everybody accounted for and every reference resolvable."""
        rest = [z.id for z in self.zones if z.rest]
        if len(rest) > 1:
            raise ValueError(f"zones {', '.join(repr(r) for r in rest)} all say 'rest: true'; "
                             "only one zone can take the rest of the territory")
        closed = [z.id for z in self.zones if z.access == "closed"]
        open_ = [z.id for z in self.zones if z.access == "resident"]
        if closed and not open_ and self.population.relocation != "none":
            raise ValueError(
                f"people living in the closed zone(s) {', '.join(closed)} have nowhere to go: "
                "no zone is open to residents ('access: resident'). Open a zone to them, or "
                "write population.relocation: none to say the plan moves them nowhere in "
                "the territory (they are then reported as unplaced)")
        for key in self.layers:
            if key not in LAYER_ROLES and key != self.population.baseline:
                raise ValueError(
                    f"layer '{key}' is not used: a layer is one of "
                    f"{', '.join(LAYER_ROLES)}, or the one population.baseline names")
        if "population" in self.layers and self.population.baseline != "population":
            raise ValueError(
                "the plan has a 'population' layer but population.baseline is "
                f"'{self.population.baseline}', so the layer would be ignored; write "
                "population.baseline: population to use it")
        for alt in self.alternatives:
            for zid, rule in alt.zones.items():
                match = next(z for z in self.zones if z.id == zid)  # see check_references
                try:
                    match.with_rule(rule)
                except ValueError as exc:
                    raise ValueError(f"alternative '{alt.id}', zone '{zid}': {exc}") from None
        return self
