"""What each indicator means: label, unit and method, in one table.

The JSON result carries this table under ``indicators`` so every number in it can be
read with its unit and method.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["FEW_RESIDENTS", "INDICATORS", "PER_PERSON_KEYS", "ZONE_KEYS", "Indicator",
           "per_person_flags"]


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator's definition."""

    key: str
    label: str
    unit: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON."""
        # field by field: the same mapping as dataclasses.asdict (every field a str,
        # float or None), without its deep copy, once per indicator per result
        return {f.name: getattr(self, f.name) for f in fields(self)}


_DEFS = [
    Indicator("area_km2", "Area", "km²",
              "Zone polygon area in the projected area CRS (crs_area)."),
    Indicator("share_of_territory", "Share of territory", "fraction (0-1)",
              "Zone area divided by territory area."),
    Indicator("residents_baseline", "Residents before (pre-war baseline)", "people",
              "Sum of the baseline population grid over the zone; cells cut by the zone "
              "boundary count by the fraction of their area inside."),
    Indicator("residents", "Residents under the plan", "people",
              "Modelled total distributed like the baseline, then everyone in zones closed "
              "to civilians moved into zones open to them by the plan's relocation method."),
    Indicator("displaced_out", "People displaced out of the zone", "people",
              "Modelled residents of a zone closed to civilians (the modelled total spread "
              "like the pre-war baseline): for a plan reported, proposed or hypothetical, "
              "people who would have to leave; for a plan in force, people who cannot return "
              "(the zone's pre-war residents at the modelled total's scale; 'Residents "
              "before' counts them at the pre-war total's)."),
    Indicator("displaced_in", "People moving into the zone", "people",
              "Displaced people the zone receives: into its compounds first (up to their "
              "capacity), the rest by the plan's relocation rule."),
    Indicator("share_of_residents", "Share of all residents", "fraction (0-1)",
              "Residents under the plan divided by the modelled total."),
    Indicator("density_per_km2", "Density", "people per km²",
              "Residents under the plan divided by zone area; for the whole territory, "
              "divided by the area of the zones open to civilians (area_open_km2), not by "
              "land closed to them."),
    Indicator("m2_per_person", "Area per person", "m² per person",
              "Gross zone area divided by residents under the plan; for the whole "
              "territory, the area of the zones open to civilians (area_open_km2) divided "
              "by residents, never land closed to them. Compared with Sphere's 45 m² (camp "
              "area) and 3.5 m² (covered space)."),
    Indicator("hospitals", "Hospitals", "count",
              "Hospital points inside the zone; for the built-in table, rows of high and "
              "medium confidence (low-confidence rows are an alternative in the range). A "
              "'where' filter on the hospitals layer selects by operating status."),
    Indicator("hospitals_with_beds_known", "Hospitals whose pre-war beds are known",
              "count", "Hospitals in the zone for which a source states pre-war beds."),
    Indicator("hospital_beds", "Hospital beds (pre-war, where known: at least)", "beds",
              "Sum of the pre-war beds sources state for the zone's hospitals (beds known "
              "for N of M hospitals: a lower bound when N < M); null when no source states "
              "beds for any of them. The range spans the smallest and largest stated "
              "figures."),
    Indicator("beds_per_10k", "Beds per 10,000 residents (lower bound where beds are "
              "known for some hospitals only)", "beds per 10,000 residents",
              "Hospital beds divided by residents under the plan, times 10,000: a lower "
              "bound where beds are known for only some of the zone's hospitals (pre-war "
              "beds; about 16 per 10,000 before the war from WHO's ~3,500 beds, derived)."),
    Indicator("hospital_distance_median_m",
              "Distance to the nearest hospital in a zone open to civilians (median)", "m",
              "Straight-line distance from each resident (grid cell centroid, or compound "
              "site) to the nearest hospital in a zone open to civilians or in their own "
              "zone, whatever its operating status (filter the hospitals layer by status to "
              "count working hospitals only); resident-weighted median."),
    Indicator("hospital_distance_p90_m",
              "Distance to the nearest hospital in a zone open to civilians (90th percentile)",
              "m", "As the median, 90th resident-weighted percentile."),
    Indicator("damaged_structures", "Damaged structures", "structures",
              "Sum of the damage layer's counts for points inside the zone."),
    Indicator("damage_share", "Share of damaged structures", "fraction (0-1)",
              "Damaged structures in the zone divided by all in the territory."),
    Indicator("damage_per_km2", "Damaged structures per km²", "structures per km²",
              "Damaged structures in the zone divided by its area."),
    Indicator("reconstruction_share", "Share of reconstruction", "fraction (0-1)",
              "The plan's allocation of reconstruction; where it states none, zones receiving "
              "reconstruction share it in proportion to their area."),
    Indicator("reconstruction_budget_usd", "Reconstruction budget", "US$",
              "Stated budget times the zone's reconstruction share."),
    Indicator("usd_per_resident", "Reconstruction budget per resident", "US$ per person",
              "Zone budget divided by residents under the plan."),
    Indicator("forces_personnel", "Security personnel", "personnel",
              "Force entries covering the zone; an entry covering several zones is split "
              "in proportion to their residents (or area if none)."),
    Indicator("forces_per_1000", "Security personnel per 1,000 residents",
              "personnel per 1,000 residents",
              "Personnel counted in the zone divided by its residents under the plan, times "
              "1,000; only for zones the forces cover, and for the whole territory only over "
              "those zones. Central: contributions pledged, committed or deployed by the "
              "plan's date; listed or target figures are the high end. Compared with 20 per "
              "1,000 (Quinlivan 1995; FM 3-24: 20-25)."),
    Indicator("residents_within_500m_of_line", "Residents within 500 m of a line", "people",
              "Residents under the plan in the part of the zone within 500 m of any line."),
    Indicator("residents_within_1km_of_line", "Residents within 1 km of a line", "people",
              "Residents under the plan in the part of the zone within 1 km of any line."),
    Indicator("compounds", "Compounds", "count", "Compounds located in the zone."),
    Indicator("compound_capacity", "Compound capacity", "people",
              "Compounds times people per compound; central: the latest reported capacity, "
              "earlier figures as the range."),
    Indicator("width_km", "Width", "km",
              "Median length of the transects across the zone, perpendicular to its long "
              "axis (the long side of its minimum rotated rectangle), laid every 250 m; "
              "for a W x L rectangle, W."),
    Indicator("crossings_open", "Open crossings into the zone", "count",
              "Crossings whose latest dated status is open and which open into the zone: "
              "the zone holding most of the territory within 1 km of the crossing's point "
              "on the territory's edge."),
    Indicator("aid_through_closed_zone", "Aid must pass through a closed zone", "yes/no",
              "For a zone open to civilians: yes when every open crossing lies in or opens "
              "into a zone closed to civilians."),
    Indicator("crossing_distance_median_m",
              "Distance to the nearest open crossing (median)", "m",
              "Straight-line distance from each resident (grid cell centroid, or compound "
              "site) to the nearest open crossing; resident-weighted median."),
    Indicator("crossing_distance_p90_m",
              "Distance to the nearest open crossing (90th percentile)", "m",
              "As the median, 90th resident-weighted percentile."),
    Indicator("crossing_distance_from_zone_m", "Distance from the zone to an open crossing",
              "m", "Straight-line distance from the zone's nearest point to the nearest "
              "open crossing."),
    Indicator("compound_residents", "Residents of compounds", "people",
              "Displaced people housed in the zone's compounds (up to their capacity), "
              "living at the compounds' sites."),
]

INDICATORS: dict[str, Indicator] = {i.key: i for i in _DEFS}

ZONE_KEYS: tuple[str, ...] = tuple(INDICATORS)
"""Indicator keys present (possibly null) on every zone and on the totals."""

PER_PERSON_KEYS: tuple[str, ...] = ("m2_per_person", "beds_per_10k", "usd_per_resident",
                                    "forces_per_1000")
"""Figures divided by a zone's residents: they grow without bound as residents go to
none, so a zone of a few residents (or of residents confined to compounds) reads as
rich in land, beds, money or security that nobody there has."""

FEW_RESIDENTS = 1_000.0
"""Fewer residents under the plan than this (people) and a zone's per-person figures
(:data:`PER_PERSON_KEYS`) are flagged, not read as conditions: a thousand people is about
one town block of the Strip (about 5,800 people per km² across it), and a few dozen
people added or moved change such a zone's figures by several per cent. A figure of our
own, not a published standard."""


def per_person_flags(residents: float | None, access: str,
                     values: dict[str, object]) -> dict[str, str]:
    """Why a zone's per-person figures (:data:`PER_PERSON_KEYS`) must not be read as the
    conditions of its residents, per figure that has a value; ``{}`` for most zones.

    Flagged: a zone of fewer than :data:`FEW_RESIDENTS` residents under the plan (people),
    and a zone closed to civilians whose residents live in compounds (the zone's land,
    hospitals and money are not theirs to use as a town's are).

    Examples
    --------
    >>> flags = per_person_flags(64.0, "resident", {"m2_per_person": 5e4, "beds_per_10k": None})
    >>> list(flags), flags["m2_per_person"][:58]
    (['m2_per_person'], 'only 64 residents under the plan (fewer than 1,000): a per')
    >>> per_person_flags(6000.0, "closed", {"beds_per_10k": 1060.0})["beds_per_10k"][:62]
    'the zone is closed to civilians: its 6,000 residents live in c'
    >>> per_person_flags(2e6, "resident", {"m2_per_person": 80.0})
    {}
    """
    if residents is None or residents <= 0:
        return {}
    if access == "closed":
        why = (f"the zone is closed to civilians: its {residents:,.0f} residents live in "
               "compounds, so figures over the zone's whole land, hospitals and budget are "
               "not their living conditions")
    elif residents < FEW_RESIDENTS:
        why = (f"only {residents:,.0f} residents under the plan (fewer than "
               f"{FEW_RESIDENTS:,.0f}): a per-person figure of so few people is not a "
               "living condition")
    else:
        return {}
    return {k: why for k in PER_PERSON_KEYS if values.get(k) is not None}
