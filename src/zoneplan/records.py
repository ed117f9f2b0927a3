"""The records of the JSON result, as typed dictionaries, and its JSON Schema.

Each record of ``zoneplan run --format json`` is a TypedDict here: the whole result
(:class:`ResultDocument`), a zone (:class:`ZoneRecord`), the totals, a force, a line,
the provenance and the rest; the claim and crossing records are defined where they are
made (:mod:`zoneplan.measure.figures.claims`, :mod:`zoneplan.measure.figures.crossings`).
:func:`zoneplan.result.build_json` makes one document, once; nothing edits it after.

:func:`result_schema` turns the records into the result's JSON Schema (draft 2020-12):
every key of every record required (``null`` where a figure cannot be computed), no key
the record does not name, the indicators described with their label, unit and method
from :data:`zoneplan.plan.rules.definitions.INDICATORS`. ``zoneplan schema --result`` prints
it; ``docs/result.schema.json`` is a copy (a test checks it is current).

A record's values are what the JSON holds: numbers that are not finite are written as
``null`` (:func:`zoneplan.result.json_ready`), so every number may also be ``null``
where the record says ``float | None``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, TypeAdapter, with_config
from typing_extensions import TypedDict

from zoneplan.measure.figures.claims import ClaimedRecord, ClaimRecord
from zoneplan.measure.figures.crossings import CrossingRecord
from zoneplan.plan.rules.definitions import INDICATORS

__all__ = ["AreaTotalRecord", "ByAreaRow", "ByRecord", "ClaimRecord", "CrossingRecord",
           "Distribution", "ExtremeFigure",
           "ForceRecord", "Percentiles", "ProvenanceRecord", "Range", "ResultDocument",
           "SamplesRecord", "TotalsRecord", "ZoneRecord", "result_schema", "result_schema_text"]

_STRICT = ConfigDict(extra="forbid", use_attribute_docstrings=True)
"""Every record (:data:`_RECORDS`): no key it does not name, docstrings as descriptions."""

Range = tuple[float, float]  # low-high over the alternatives, in the figure's unit
Count = int | None  # a count; null where it cannot be computed
Number = float | None
"""A figure in its unit; ``null`` where it cannot be computed (why: ``null_reasons``)."""


class Percentiles(TypedDict):
    """Percentiles of one figure over the Monte Carlo draws, in the figure's unit."""

    p5: float
    """5th percentile of the draws (linear interpolation)."""
    p50: float
    """Median of the draws."""
    p95: float
    """95th percentile of the draws."""
    n: int
    """Draws in which the figure could be computed."""


Distribution = dict[str, Percentiles | None]
"""Per indicator, its percentiles over the draws; ``null`` where it never could be
computed; ``{}`` without ``--samples``."""


class Figures(TypedDict):
    """The indicators of a zone and of the whole territory (units in ``indicators``)."""

    area_km2: Number
    share_of_territory: Number
    residents_baseline: Number
    residents: Number
    displaced_out: Number
    displaced_in: Number
    share_of_residents: Number
    density_per_km2: Number
    m2_per_person: Number
    hospitals: Count
    hospitals_with_beds_known: Count
    hospital_beds: Number
    beds_per_10k: Number
    hospital_distance_median_m: Number
    hospital_distance_p90_m: Number
    damaged_structures: Number
    damage_share: Number
    damage_per_km2: Number
    reconstruction_share: Number
    reconstruction_budget_usd: Number
    usd_per_resident: Number
    forces_personnel: Number
    forces_per_1000: Number
    residents_within_500m_of_line: Number
    residents_within_1km_of_line: Number
    compounds: Count
    compound_capacity: Number
    width_km: Number
    crossings_open: Count
    aid_through_closed_zone: bool | None
    crossing_distance_median_m: Number
    crossing_distance_p90_m: Number
    crossing_distance_from_zone_m: Number
    compound_residents: Number


ZoneStandards = TypedDict("ZoneStandards", {
    "sphere-camp-area": bool | None,
    "sphere-covered-space": bool | None,
    "force-ratio-quinlivan": bool | None,
})
"""A zone's figures against the standards (``null`` where the figure is)."""


class ZoneHead(TypedDict):
    """What the plan says of a zone (the first keys of :class:`ZoneRecord`)."""

    id: str
    """The zone's id in the plan."""
    label: str
    """The zone's name."""
    controller: str
    """Who controls it, as the plan says."""
    access: Literal["resident", "restricted", "closed"]
    """Who may live there: residents, restricted, or closed to civilians."""
    reconstruction: bool
    """Whether it receives reconstruction."""
    colour: str
    """Its colour on maps (#rrggbb)."""


class ExtremeFigure(TypedDict):
    """A figure under one labelled extreme spread of the population (never a range end)."""

    spread: str
    """The spread's key (as in ``population.extremes``)."""
    label: str
    """Its short name, e.g. ``uniform spread``, ``locality points``."""
    value: Number
    """The figure under that spread, in the indicator's unit."""


class ZoneRecord(ZoneHead, Figures):
    """One zone: what the plan says of it, and its figures."""

    damage_by_class: NotRequired[dict[str, float]]
    """Damaged structures by damage class (structures), where the layer has classes."""
    standards: ZoneStandards
    """Whether the zone meets each standard (``true``/``false``/``null``)."""
    ranges: dict[str, Range | None]
    """Per indicator, ``[low, high]`` over all alternatives, in its unit; ``null`` where
    never computable."""
    extremes: dict[str, list[ExtremeFigure]]
    """Per indicator shown with them (``residents_baseline``), its figure under each
    labelled extreme spread of the population, shown beside the range, never an end of
    it; ``{}`` where the layer has no extremes or the ranges were not evaluated."""
    distribution: Distribution
    """With ``--samples``: per indicator, percentiles of the draws; ``{}`` without."""
    null_reasons: dict[str, str]
    """Per indicator that is ``null``, why."""
    flags: dict[str, str]
    """Per per-person figure (area per person, beds per 10,000, US$ per resident, forces
    per 1,000) that must not be read as a living condition, why: a zone of fewer than
    1,000 residents, or of compound residents in a zone closed to civilians
    (:func:`zoneplan.plan.rules.definitions.per_person_flags`). ``{}`` for most zones."""
    notes: list[str]
    """The plan's note on the zone."""


TotalStandards = TypedDict("TotalStandards", {
    "sphere-camp-area": bool | None,
    "force-ratio-quinlivan": bool | None,
    "force-ratio-quinlivan-covered-zones": bool | None,
})
"""The whole territory's figures against the standards."""


class TotalsRecord(Figures):
    """The indicators of the whole territory (forces per 1,000 only over the zones the
    forces cover)."""

    area_open_km2: Number
    """Area of the zones open to civilians (``resident`` or ``restricted``), km²: the land
    the whole territory's ``density_per_km2``, ``m2_per_person`` and Sphere check are
    computed on (land closed to civilians is nobody's living space)."""
    damaged_structures_outside_zones: NotRequired[Number]
    """Damaged structures in no zone (structures), with a damage layer."""
    damage_share_without_reconstruction: Number
    """Share of damaged structures in zones without reconstruction (fraction 0-1)."""
    damage_date: str | None
    forces_zones_covered: list[str]
    """Zones some force covers."""
    residents_in_covered_zones: Number
    """Residents under the plan in the zones the forces cover (people)."""
    forces_per_1000_covered: Number
    """Personnel per 1,000 residents of the zones the forces cover."""
    compound_capacity_vs_displaced: Number
    """Compound capacity divided by people displaced (ratio)."""
    compounds_needed_for_displaced: Count
    """Compounds of the stated capacity the displaced would need (count)."""
    ranges: dict[str, Range | None]
    """Per indicator, ``[low, high]`` over all alternatives, in its unit."""
    distribution: Distribution
    """With ``--samples``: per indicator, percentiles of the draws; ``{}`` without."""
    null_reasons: dict[str, str]
    """Per indicator that is ``null``, why."""
    standards: TotalStandards
    """Whether the territory meets each standard."""


class ForceRecord(TypedDict):
    """A force contribution, as the plan states it."""

    contributor: str
    personnel: int
    """Personnel (people)."""
    kind: Literal["troops", "police"]
    zones: list[str]
    status: str
    """listed, reported, pledged, committed or deployed."""
    date: NotRequired[str]
    """When the status was reported (ISO 8601)."""
    sources: list[str]
    note: NotRequired[str]
    words: NotRequired[str]
    """The source's own words for the offer or pledge."""
    age_days: NotRequired[int | None]
    """Days from ``date`` to ``plan.as_of``."""
    stale: NotRequired[bool | None]
    """Whether the status is older than ``stale_after.days`` at ``plan.as_of``."""


class StaleAfterRecord(TypedDict):
    """How old a stated status may be at ``plan.as_of`` before it is flagged as stale."""

    days: int
    """Days."""
    reason: str
    source: str


class ForceTargetRecord(TypedDict):
    """The force's stated full strength."""

    label: str
    personnel: int
    """Personnel (people)."""
    zones: list[str]
    sources: list[str]


class ForcesCentral(TypedDict):
    """What the central figure counts of the forces."""

    rule: str
    personnel: float
    """Personnel counted (people)."""
    contributors: list[str]


class InputFile(TypedDict):
    """A file the result was computed from."""

    role: str
    path: str
    """Its path (the pack's files relative to the package)."""
    sha256: str
    """Its SHA-256, hex."""


class ProvenanceRecord(TypedDict):
    """What made the result, and when."""

    zoneplan_version: str
    python: str
    time_utc: str
    """When the evaluation started (ISO 8601, UTC, to the second)."""
    inputs: list[InputFile]
    """The files read, each with its SHA-256."""


class PlanRecord(TypedDict):
    """The plan evaluated."""

    id: str
    title: str
    date: str
    """The plan's date (ISO 8601); where ``date_known`` is false, the day whose facts were
    used (the run's), not the plan's."""
    date_known: bool
    """False for a quick plan made from files that hold no date (no ``--date``, no date
    attribute): its date is unknown, and the words say so."""
    as_of: str
    """The date whose facts were used: the plan's own, or ``--as-of`` (ISO 8601)."""
    status: str
    """reported, proposed, in force or hypothetical."""
    summary: str | None
    sources: list[dict[str, Any]]


class LaterEvidenceRecord(TypedDict):
    """A fact dated after ``plan.as_of``, set aside: in no figure, range, draw or
    verdict."""

    kind: str
    """``line variant``, ``alternative``, ``line uncertainty``, ``force``, ``crossing
    state`` or ``damage assessment``."""
    id: str
    date: str | None
    """When it became known (ISO 8601)."""
    sources: list[str]
    note: NotRequired[str | None]
    line: NotRequired[str]
    """The line a line variant or uncertainty moves."""
    offset_m: NotRequired[float]
    """A line variant's offset, metres."""
    towards: NotRequired[str]
    contributor: NotRequired[str]
    personnel: NotRequired[float]
    """A force entry's personnel, people."""
    status: NotRequired[str]
    words: NotRequired[str]
    state: NotRequired[str]
    carries: NotRequired[str]
    until: NotRequired[str | None]
    url: NotRequired[str]


class TerritoryRecord(TypedDict):
    """The territory the zones split."""

    ref: str
    """The territory's file or built-in layer."""
    area_km2: float
    """Its area (km²) in the area CRS."""


class CrsRecord(TypedDict):
    """The projected CRS areas and distances are computed in."""

    epsg: int | None
    name: str
    method: str


class PopulationRecord(TypedDict):
    """The population layers: modelled (under the plan) and baseline (pre-war)."""

    modelled_total: float
    """People under the plan, in all."""
    modelled_date: str | None
    modelled_label: str | None
    modelled_sources: list[str]
    baseline_total: float
    """Pre-war residents in the baseline layer (people)."""
    baseline_label: str
    baseline_date: str | None
    baseline_sources: list[str]
    baseline_method: str
    baseline_layer: str | None
    baseline_replaced: str | None
    relocation: str
    """How the displaced are placed."""
    spreads: list[str]
    central_spread: str
    ensemble: list[str]
    extremes: list[str]
    spread_methods: dict[str, str]


class LineRecord(TypedDict):
    """A line of the plan, with what it cuts."""

    id: str
    label: str
    date: str | None
    sources: list[str]
    variants: list[dict[str, Any]]
    """Alternative courses, as stated (those known by the facts' date)."""
    uncertainty: dict[str, Any] | None
    """How far the line may be off, as stated."""
    variants_from: str
    """Who declares the variants and uncertainty: ``plan``, or the pack's layer the line
    is drawn from (e.g. ``gaza:yellow-line``), whose variants every plan drawing it shares."""
    length_in_territory_km: Number
    """Length inside the territory (km)."""
    residents_within_500m: Number
    """Residents under the plan within 500 m of the line (people)."""
    residents_within_1km: Number
    """Residents under the plan within 1 km of the line (people)."""
    geometry: dict[str, Any]
    """The line, GeoJSON, WGS 84 lon/lat."""


class ExtremeRecord(TypedDict):
    """Figures under a labelled extreme spread of the population (never a range end)."""

    id: str
    label: str
    """A short name, e.g. ``uniform spread``, ``locality points``."""
    method: str
    zones: dict[str, dict[str, float]]
    """Per zone, its numeric indicators."""
    totals: dict[str, float]
    """The numeric totals."""


class LayerUsed(TypedDict):
    """A point layer read."""

    label: str
    date: str | None
    sources: list[str]
    features: int
    """Points in the layer (count)."""
    total: NotRequired[float]
    """Damage: the structures counted in all (structures)."""


class LinesDrawn(TypedDict):
    """How a line was drawn in the Monte Carlo draws."""

    id: str
    moved: bool
    offset_m: float | None
    """Largest displacement (m), both ways."""
    correlation_m: float | None
    """Correlation length along the line (m)."""


class SamplesRecord(TypedDict):
    """With ``--samples``: how the Monte Carlo draws were made."""

    n: int
    """Draws per plan."""
    seed: int
    method: str
    """What is drawn and how, in words."""
    scheduler: str
    workers: int
    percentiles: list[float]
    lines: list[LinesDrawn]
    spreads: list[str]
    force_cases: int
    redraws: int
    """Line draws rejected and drawn again."""
    measured_on_blocks: bool
    notes: list[str]


class AreaTotalRecord(TypedDict):
    """With ``--by``: an area's pre-war residents against its published total."""

    area: str
    published: Number
    """The area's published population (people); ``null`` where the areas carry none."""
    modelled: float
    """The model's pre-war residents in the area, before any fitting (people)."""
    residents_baseline: float
    """Pre-war residents as the by-area rows give them (people)."""
    difference: Number
    """``modelled`` minus ``published`` (people)."""


class ByRecord(TypedDict):
    """With ``--by``: the areas the figures are broken down by."""

    ref: str
    label: str
    field: str | None
    areas: list[str]
    population_field: str | None
    """The attribute holding the areas' published population, if any."""
    fitted: bool
    """Whether the rows' pre-war residents were fitted to the published totals (when
    these are the totals the population layer spreads)."""
    totals: list[AreaTotalRecord]
    """Per area (and outside every area, where people live there), modelled against
    published."""
    note: str
    """Where the difference between modelled and published totals goes, in words."""


class ByAreaRow(TypedDict):
    """With ``--by``: one (area, zone) piece."""

    area: str
    zone: str
    area_km2: Number
    """Area of the piece (km²)."""
    share_of_area: Number
    """Fraction (0-1) of the area in the zone."""
    residents_baseline: Number
    """Pre-war residents (people)."""
    residents: Number
    """Residents under the plan (people)."""
    hospitals: Count
    damaged_structures: NotRequired[Number]
    """Damaged structures (structures), with a damage layer."""
    ranges: dict[str, Range | None]
    """Per figure, ``[low, high]`` over the alternatives."""


class IndicatorRecord(TypedDict):
    """What an indicator means."""

    key: str
    label: str
    unit: str
    method: str


class StandardRecord(TypedDict):
    """A standard the figures are compared with."""

    id: str
    label: str
    value: float | None
    unit: str
    comparison: Literal["min", "max", "none"]
    indicator: str
    source: str
    edition: str
    url: str
    value_high: float | None
    note: str | None


class ResultDocument(TypedDict):
    """The JSON result of one plan (``zoneplan run --format json``)."""

    zoneplan_version: str
    plan: PlanRecord
    territory: TerritoryRecord
    crs_area: CrsRecord
    population: PopulationRecord
    zones: Sequence[ZoneRecord]  # many zones: zoneplan.result.ZoneRecords, read as a list
    totals: TotalsRecord
    lines: list[LineRecord]
    compounds: list[dict[str, Any]]
    """The plan's compounds, as stated."""
    forces: list[ForceRecord]
    forces_target: ForceTargetRecord | None
    forces_central: ForcesCentral
    alternatives: list[dict[str, Any]]
    """The plan's alternative drawings of zones, as stated."""
    invariants: dict[str, float | bool]
    """Area and people conserved, each checked by independent routes, with the figures."""
    ranges_from: list[str]
    """The alternatives evaluated for the ranges, in words."""
    extremes: list[ExtremeRecord]
    crossings: list[CrossingRecord]
    stale_after: StaleAfterRecord
    """Statuses (crossings, forces) older than this at ``plan.as_of`` are ``stale``."""
    later_evidence: list[LaterEvidenceRecord]
    """Facts dated after ``plan.as_of``, set aside."""
    layers_used: dict[str, LayerUsed]
    samples: SamplesRecord | None
    claims: list[ClaimRecord]
    by: ByRecord | None
    by_area: list[ByAreaRow] | None
    indicators: dict[str, IndicatorRecord]
    standards: list[StandardRecord]
    sources: list[dict[str, Any]]
    """Plan, data and standards sources (``kind``)."""
    notes: list[str]
    provenance: ProvenanceRecord
    approximate: bool
    """``true`` only for fast figures while a line is dragged in the editor."""


_RECORDS = (Percentiles, Figures, ZoneHead, ExtremeFigure, ZoneRecord, TotalsRecord,
            ForceRecord, ForceTargetRecord, ForcesCentral, InputFile, ProvenanceRecord, PlanRecord,
            TerritoryRecord, CrsRecord, PopulationRecord, LineRecord, ExtremeRecord, LayerUsed,
            LinesDrawn, SamplesRecord, AreaTotalRecord, ByRecord, ByAreaRow, IndicatorRecord,
            StandardRecord, ResultDocument, ZoneStandards, TotalStandards, ClaimRecord,
            ClaimedRecord, CrossingRecord, StaleAfterRecord)
for _record in _RECORDS:
    with_config(_STRICT)(_record)


def _describe(props: dict[str, Any]) -> None:
    """Describe each indicator among ``props`` by its label, unit and method."""
    for key, prop in props.items():
        ind = INDICATORS.get(key)
        if ind is not None:
            prop["description"] = f"{ind.label} ({ind.unit}). {ind.method}"


def result_schema() -> dict[str, Any]:
    """The JSON result's JSON Schema (draft 2020-12), made from the records.

    Returns
    -------
    dict
        The schema of one result (a list of them is printed for several plans).
    """
    schema = TypeAdapter(ResultDocument).json_schema(mode="serialization")
    defs = schema["$defs"]
    for name in (ZoneRecord.__name__, TotalsRecord.__name__):
        _describe(defs[name]["properties"])
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    out["title"] = "zoneplan result"
    return out


def result_schema_text() -> str:
    """:func:`result_schema` as indented JSON text (``zoneplan schema --result``)."""
    return json.dumps(result_schema(), indent=2, ensure_ascii=False)
