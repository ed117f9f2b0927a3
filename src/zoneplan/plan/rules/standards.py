"""Standards and benchmarks: typed, cited data.

Indicator code never holds a threshold of its own; it looks the value up here.
Each entry states its value, unit, source, edition and the address it was read from.

Examples
--------
>>> SPHERE_CAMP_AREA.value, SPHERE_CAMP_AREA.unit
(45.0, 'm² per person')
>>> FORCE_RATIO_QUINLIVAN.meets(21.0)
True
>>> get("sphere-camp-area") is SPHERE_CAMP_AREA
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

__all__ = [
    "FORCE_RATIO_FM324",
    "FORCE_RATIO_QUINLIVAN",
    "SPHERE_CAMP_AREA",
    "SPHERE_COVERED_SPACE",
    "STANDARDS",
    "WHO_BED_DENSITY",
    "Standard",
    "get",
]


@dataclass(frozen=True, slots=True)
class Standard:
    """A cited standard or benchmark.

    Attributes
    ----------
    id
        Stable identifier used in results and plans.
    label
        Short human-readable name.
    value
        The threshold, in ``unit``. ``None`` where the source sets no number.
    unit
        Unit of ``value`` (and of the indicator it is compared with).
    comparison
        ``"min"``: the indicator should be at least ``value``;
        ``"max"``: at most; ``"none"``: reference only, no pass/fail.
    indicator
        The result indicator it applies to.
    source, edition, url
        Who says so, in which edition, where it was read.
    value_high
        Upper end where the source gives a range (e.g. FM 3-24's 20-25).
    note
        Caveats in plain words.
    """

    id: str
    label: str
    value: float | None
    unit: str
    comparison: Literal["min", "max", "none"]
    indicator: str
    source: str
    edition: str
    url: str
    value_high: float | None = None
    note: str = ""

    def meets(self, observed: float | None) -> bool | None:
        """Whether ``observed`` meets the standard; ``None`` if it cannot be judged.

        Examples
        --------
        >>> SPHERE_CAMP_AREA.meets(30.0)
        False
        >>> SPHERE_CAMP_AREA.meets(None) is None
        True
        >>> WHO_BED_DENSITY.meets(12.0) is None
        True
        """
        if observed is None or self.value is None or self.comparison == "none":
            return None
        if self.comparison == "min":
            return observed >= self.value
        return observed <= self.value

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON output."""
        # field by field: the same mapping as dataclasses.asdict (every field a str,
        # float or None), without its deep copy, once per indicator per result
        return {f.name: getattr(self, f.name) for f in fields(self)}


SPHERE_CAMP_AREA = Standard(
    id="sphere-camp-area",
    label="Sphere: usable surface area per person in camps",
    value=45.0,
    unit="m² per person",
    comparison="min",
    indicator="m2_per_person",
    source="Sphere Association, The Sphere Handbook, Shelter and settlement; as summarised by "
    "LSHTM and UNHCR (average camp area per person)",
    edition="2018 (4th edition)",
    url="http://conflict.lshtm.ac.uk/page_162.htm",
    note="Includes roads, paths, schools, sanitation, firebreaks, administration, water "
    "storage, distribution areas, markets and small kitchen gardens. Compared here with "
    "gross zone area per resident, which also contains rubble, roads and non-habitable land.",
)

SPHERE_COVERED_SPACE = Standard(
    id="sphere-covered-space",
    label="Sphere: covered living space per person",
    value=3.5,
    unit="m² per person",
    comparison="min",
    indicator="m2_per_person",
    source="Sphere Association, The Sphere Handbook, Shelter and settlement standard 3",
    edition="2018 (4th edition)",
    url="http://spherehandbook.org/en/shelter-and-settlement-standard-3-covered-living-space/",
    note="Covered floor area, not land area; more is often needed in cold or urban "
    "settings (UNHCR 4.5-5.5 m²). zoneplan has no shelter layer, so this is shown as a "
    "floor that gross area per person must at least exceed.",
)

FORCE_RATIO_QUINLIVAN = Standard(
    id="force-ratio-quinlivan",
    label="Security personnel per 1,000 inhabitants (Quinlivan)",
    value=20.0,
    unit="personnel per 1,000 residents",
    comparison="min",
    indicator="forces_per_1000",
    source="James T. Quinlivan, 'Force Requirements in Stability Operations', Parameters "
    "(US Army War College)",
    edition="Winter 1995-96",
    url="https://www.rand.org/pubs/reprints/RP479.html",
    note="Troops plus police; derived from 13 historical cases. Peaceful policing needs "
    "1-4 per 1,000.",
)

FORCE_RATIO_FM324 = Standard(
    id="force-ratio-fm3-24",
    label="Counterinsurgents per 1,000 residents (FM 3-24)",
    value=20.0,
    value_high=25.0,
    unit="personnel per 1,000 residents",
    comparison="min",
    indicator="forces_per_1000",
    source="US Army / USMC, Field Manual 3-24 Counterinsurgency",
    edition="December 2006",
    url="http://council.smallwarsjournal.com/showthread.php?9793-The-Ratio-of-Forces-to-Insurgents",
    note="'20 to 25 counterinsurgents for every 1,000 residents'; a guideline, debated in "
    "later empirical work (CAA 2010, IDA 2010).",
)

WHO_BED_DENSITY = Standard(
    id="who-bed-density",
    label="Hospital bed density (WHO indicator; no normative minimum)",
    value=None,
    unit="beds per 10,000 residents",
    comparison="none",
    indicator="beds_per_10k",
    source="World Health Organization, WHOSIS indicator definitions: hospital beds",
    edition="WHOSIS (accessed late 2026)",
    url="http://www.who.int/whosis/indicators/hospitalbeds/en/index.html",
    note="WHO defines the indicator but sets no minimum; Gaza had about 16 beds per "
    "10,000 before the war (WHO: ~3,500 beds, Nov 2023).",
)

STANDARDS: tuple[Standard, ...] = (
    SPHERE_CAMP_AREA,
    SPHERE_COVERED_SPACE,
    FORCE_RATIO_QUINLIVAN,
    FORCE_RATIO_FM324,
    WHO_BED_DENSITY,
)

_BY_ID = {s.id: s for s in STANDARDS}


def get(standard_id: str) -> Standard:
    """Return the standard with this id.

    Raises
    ------
    KeyError
        If no standard has that id.
    """
    return _BY_ID[standard_id]
