"""The look shared by every output: zone colours and access patterns, line styles,
markers, context colours and the residents' density classes.

One table for the PNG/SVG/PDF map, the report, the compare and timeline pages, the live
editor and the GeoPackage's QGIS styles, so a zone looks the same everywhere:

* a zone's **colour** is the plan's (``colour:``) or a colour-blind-safe default
  (:mod:`zoneplan.plan.colours`), carried in the result JSON;
* its **civilian access** is a pattern on top of the colour (:data:`ACCESS_PATTERNS`),
  explained in every legend, so access never depends on telling colours apart;
* **lines** differ by colour and dash (:func:`line_styles`).

Examples
--------
>>> access_pattern("closed").words
'diagonal hatching: closed to civilians'
>>> line_styles(["yellow-line", "phase-2-line"])["phase-2-line"].colour
'#AA3377'
>>> st = line_styles(["yellow-line"])["yellow-line"]; st.colour, st.casing
('#FFD21F', '#222222')
>>> density_label(1_000, 5_000)
'1,000 to < 5,000'
>>> svg_dasharray((0, (6, 2)), 2.0)
'12 4'
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zoneplan.plan.colours import zone_colours
from zoneplan.render.words.text import ACCESS_WORDS

__all__ = [
    "ACCESS_PATTERNS",
    "AREA_EDGE",
    "BOUNDARY_COLOUR",
    "COMPOUND_COLOUR",
    "CROSSING_COLOUR",
    "DENSITY_BINS",
    "DENSITY_COLOURS",
    "DENSITY_LABELS",
    "HALO",
    "HOSPITAL_COLOUR",
    "INK",
    "LAND_COLOUR",
    "LINE_COLOUR_WORDS",
    "MUTED",
    "PATTERN_INK",
    "SEA_COLOUR",
    "SEA_TEXT",
    "TERRITORY_EDGE",
    "AccessPattern",
    "LineStyle",
    "ZoneLook",
    "access_pattern",
    "density_label",
    "line_label",
    "line_styles",
    "svg_dasharray",
    "zone_looks",
]

INK = "#222222"
"""Text and outlines: near-black, softer than pure black on print."""
MUTED = "#555555"
"""Secondary text (captions, notes)."""
HALO = "#FFFFFF"
"""Halo behind map text, so names stay legible over any fill."""
SEA_COLOUR = "#D6E6F0"
"""Sea: a pale blue, lighter than every zone colour so zones stand out."""
SEA_TEXT = "#4A6F8A"
"""Sea names, in italic: a darker blue of the sea's hue (cartographic habit)."""
LAND_COLOUR = "#F1EFE9"
"""Land outside the territory: a warm pale grey, neutral beside the zone colours."""
BOUNDARY_COLOUR = "#7A7A7A"
"""Boundaries between land areas (dash-dot), grey so they never read as a plan's line."""
AREA_EDGE = "#3D3D3D"
"""Boundaries of the ``--by`` areas (short dashes): darker than the country boundaries."""
TERRITORY_EDGE = "#444444"
"""The territory's outline."""
HOSPITAL_COLOUR = "#117733"
"""Hospitals: Tol's dark green, a cross marker readable on every zone colour."""
COMPOUND_COLOUR = "#332288"
"""Planned compounds: Tol's indigo squares."""
CROSSING_COLOUR = "#222222"
"""Crossings: dark triangles (hollow when the latest status is closed)."""


@dataclass(frozen=True)
class AccessPattern:
    """How a civilian-access class is drawn on top of the zone colour.

    Attributes
    ----------
    hatch
        matplotlib hatch (``""`` for none).
    svg
        The SVG ``<pattern>`` content in a 8 × 8 tile (empty for none).
    words
        What the legend says.
    """

    hatch: str
    svg: str
    words: str


ACCESS_PATTERNS: dict[str, AccessPattern] = {
    "resident": AccessPattern("", "", f"plain: {ACCESS_WORDS['resident']}"),
    "restricted": AccessPattern("..", '<circle cx="2" cy="2" r="1.1"/><circle cx="6" cy="6" '
                                'r="1.1"/>', f"dots: {ACCESS_WORDS['restricted']}"),
    "closed": AccessPattern("///", '<path d="M-2 2L2 -2M0 8L8 0M6 10L10 6" stroke-width="1.3"/>',
                            f"diagonal hatching: {ACCESS_WORDS['closed']}"),
}
"""Access by pattern: none where people live, dots where nobody may move in, diagonal
hatching where civilians must leave. Patterns are drawn in :data:`PATTERN_INK`."""
PATTERN_INK = "#333333"
"""Colour of the access patterns: dark enough to read on the palest zone colour."""


def access_pattern(access: str) -> AccessPattern:
    """The pattern of an access class (an unknown class is drawn plain)."""
    return ACCESS_PATTERNS.get(access, AccessPattern("", "", str(access)))


@dataclass(frozen=True)
class ZoneLook:
    """A zone as drawn: id, label, fill colour and access pattern."""

    id: str
    label: str
    colour: str
    access: str

    @property
    def pattern(self) -> AccessPattern:
        """The access pattern drawn over the colour."""
        return access_pattern(self.access)

    @property
    def short_label(self) -> str:
        """The label without its parenthesis, for writing on a map."""
        return self.label.split(" (")[0]


def zone_looks(zones: Iterable[Mapping[str, Any]]) -> list[ZoneLook]:
    """The look of each zone of a result JSON (``d["zones"]``), in order.

    A zone without a ``colour`` (JSON from an older zoneplan) takes the default palette.
    """
    zs = list(zones)
    missing = [z for z in zs if not z.get("colour")]
    defaults: dict[str, str] = {}
    if missing:
        from zoneplan.plan.model import ZoneSpec

        defaults = zone_colours([ZoneSpec(id=z["id"], label=str(z.get("label", z["id"])),
                                          controller="", access=z.get("access", "resident"),
                                          rest=True) for z in missing])
    return [ZoneLook(str(z["id"]), str(z.get("label", z["id"])),
                     str(z.get("colour") or defaults[z["id"]]), str(z.get("access", "")))
            for z in zs]


@dataclass(frozen=True)
class LineStyle:
    """How a plan's line is drawn: colour, matplotlib dash and width (points), over a
    casing (a wider stroke under it, ``casing_extra`` points wider) that keeps it visible
    over any fill: white under dark lines, :data:`INK` under light ones (a yellow line)."""

    colour: str
    dash: tuple[float, tuple[float, ...]]
    width: float = 2.0
    casing: str = HALO
    casing_extra: float = 2.2


LINE_STYLES: tuple[LineStyle, ...] = (
    LineStyle(INK, (0, (6, 2))),
    LineStyle("#AA3377", (0, (2, 1.5))),
    LineStyle("#4477AA", (0, (8, 2, 2, 2))),
    LineStyle("#CC6600", (0, (1, 1))),
)
"""Lines of one map differ by colour *and* dash (Tol's dark colours), over a white halo."""


def line_label(line: dict[str, Any]) -> str:
    """How a line is named on a map: its label, or words made from its id when the plan
    gives no label (the result JSON then repeats the id as the label).

    Parameters
    ----------
    line
        One of the result JSON's ``lines`` (``id``, optional ``label``).

    Examples
    --------
    >>> line_label({"id": "yellow-line", "label": "Yellow line (19 Oct 2025)"})
    'Yellow line (19 Oct 2025)'
    >>> line_label({"id": "my_new-line", "label": "my_new-line"}), line_label({"id": "L2"})
    ('My new line', 'L2')
    """
    lid = str(line.get("id", ""))
    label = str(line.get("label") or "")
    if label and label != lid:
        return label
    words = " ".join(w for w in lid.replace("_", "-").split("-") if w)
    return (words[:1].upper() + words[1:]) or lid


LINE_COLOUR_WORDS: dict[str, LineStyle] = {
    "yellow": LineStyle("#FFD21F", (0, ()), 2.2, casing=INK, casing_extra=2.0),
    "orange": LineStyle("#EE7733", (0, ()), 2.0),
    "red": LineStyle("#CC3311", (0, ()), 2.0),
    "blue": LineStyle("#0077BB", (0, ()), 2.0),
    "purple": LineStyle("#AA3377", (0, ()), 2.0),
}
"""Lines named by a colour (an id such as ``yellow-line``: the name the press and the
parties use) are drawn in that colour, solid; the yellow over a dark casing, since a
yellow stroke alone vanishes over pale fills and the yellow density class."""


def line_styles(line_ids: Sequence[str]) -> dict[str, LineStyle]:
    """A style per line id, in order (the styles repeat after four lines).

    A line whose id names a colour (:data:`LINE_COLOUR_WORDS`, e.g. ``yellow-line``)
    is drawn in that colour; the others take :data:`LINE_STYLES` in turn. Pass the same
    ordered ids to every map that should agree (e.g. the union of the compared plans'
    lines), so a line keeps its look from map to map.
    """
    out: dict[str, LineStyle] = {}
    n = 0
    for lid in line_ids:
        if lid in out:
            continue
        words = str(lid).lower().replace("_", "-").replace(" ", "-").split("-")
        named = next((LINE_COLOUR_WORDS[w] for w in words if w in LINE_COLOUR_WORDS), None)
        out[lid] = named if named is not None else LINE_STYLES[n % len(LINE_STYLES)]
        n += 1  # a named line still takes its turn: the others keep their styles
    return out


def svg_dasharray(dash: tuple[float, tuple[float, ...]], width: float) -> str:
    """A matplotlib dash (in multiples of the line width) as an SVG ``stroke-dasharray``."""
    return " ".join(f"{v * width:g}" for v in dash[1])


DENSITY_BINS: tuple[float, ...] = (0.0, 1.0, 1_000, 5_000, 10_000, 20_000, 50_000, 1e9)
"""Class limits of the residents' density, people per km²."""
DENSITY_COLOURS: tuple[str, ...] = ("#F4F4F4", "#FDE725", "#7AD151", "#22A884", "#2A788E",
                                    "#414487", "#440154")
"""Viridis steps (perceptually ordered, colour-blind safe); nobody: a light grey."""


def density_label(low: float, high: float | None) -> str:
    """Legend words of the density class ``low`` to under ``high`` (people per km²),
    so neighbouring classes share no number: a square of 1,000 per km² is in
    "1,000 to < 5,000", never also in "1 to < 1,000"."""
    if high is None:
        return f"{low:,.0f} or more"
    if low == 0:
        return f"< {high:,.0f}"
    return f"{low:,.0f} to < {high:,.0f}"


DENSITY_LABELS: tuple[str, ...] = tuple(
    density_label(lo, hi if i + 2 < len(DENSITY_BINS) else None)
    for i, (lo, hi) in enumerate(itertools.pairwise(DENSITY_BINS)))
"""Legend words of the density classes, people per km² (each class includes its lower
limit and excludes its upper one: "< 1", "1 to < 1,000", ..., "50,000 or more")."""
