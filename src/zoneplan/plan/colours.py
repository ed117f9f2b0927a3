"""Zone colours: the plan's own (``colour:`` on a zone), or a colour-blind-safe default.

A zone's colour identifies the zone on every output (maps, pages, the editor, the
GeoPackage style); civilian access is drawn as a pattern on top, never as the colour.
A zone that declares no colour but names one (a whole word of its id or label, such as
"Green zone" or ``red``, and not a line's colour such as "east of the yellow line") takes
that colour from :data:`WORD_COLOURS`; any other zone takes the next colour of
:data:`DEFAULT_ZONE_COLOURS` that no other zone of the plan uses.

Examples
--------
>>> from zoneplan.plan.model import ZoneSpec
>>> zs = [ZoneSpec(id="a", label="A", controller="x", access="closed", rest=True,
...                colour="#9ACD8E"),
...       ZoneSpec(id="b", label="B", controller="y", access="resident", rest=True)]
>>> zone_colours(zs)
{'a': '#9ACD8E', 'b': '#77AADD'}
>>> colour_word("Green zone (east of the yellow line)"), colour_word("West of the red line")
('green', None)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneplan.plan.model import ZoneSpec

__all__ = ["DEFAULT_ZONE_COLOURS", "WORD_COLOURS", "colour_word", "zone_colours"]

DEFAULT_ZONE_COLOURS: tuple[str, ...] = (
    "#77AADD", "#EE8866", "#EEDD88", "#44BB99", "#FFAABB", "#99DDFF", "#BBCC33",
    "#AAAA00", "#DDDDDD",
)
"""Paul Tol's "light" scheme: made for filled areas with labels on top and told apart with
the common colour-vision deficiencies (Tol, *Colour schemes*, SRON/EPS/TN/09-002)."""


WORD_COLOURS: dict[str, str] = {
    "green": "#9ACD8E", "red": "#CC3D3D", "yellow": "#EEDD88", "blue": "#77AADD",
    "orange": "#EE8866", "grey": "#BBBBBB", "gray": "#BBBBBB", "purple": "#AA88CC",
    "violet": "#AA88CC", "pink": "#FFAABB", "brown": "#B08F6A", "teal": "#44BB99",
    "cyan": "#99DDFF", "olive": "#BBCC33", "black": "#555555", "white": "#F4F4F4",
}
"""The fill a zone named by a colour word takes when it declares none. Green and red are
the built-in plans' green and red zones; yellow, blue, orange, pink, teal, cyan and olive
are the matching colours of Paul Tol's "light" scheme (:data:`DEFAULT_ZONE_COLOURS`);
grey, purple, brown, black and white are pale enough for labels on top."""

_WORD = re.compile(r"[a-z]+")


def colour_word(text: str) -> str | None:
    """The first colour word of ``text`` (whole words, any case) that names no line.

    A colour word followed by "line" ("the yellow line") is the colour of a line, not of
    the zone, and is skipped.

    Parameters
    ----------
    text
        A zone's id or label.
    """
    words = _WORD.findall(text.lower())
    for i, w in enumerate(words):
        if w in WORD_COLOURS and (i + 1 == len(words) or words[i + 1] not in ("line", "lines")):
            return w
    return None


def zone_colours(zones: Sequence[ZoneSpec]) -> dict[str, str]:
    """Each zone's fill colour (``'#RRGGBB'``), by zone id.

    Parameters
    ----------
    zones
        The plan's zones, in plan order.

    Returns
    -------
    dict
        The declared colour where there is one; else the colour the zone's id or label
        names (:func:`colour_word`); otherwise the first default colour not already used
        by the plan (the palette repeats after nine zones without colours).
    """
    named = {z.id: WORD_COLOURS[w] for z in zones if not z.colour
             for w in [colour_word(z.id) or colour_word(z.label)] if w}
    used = {z.colour.upper() for z in zones if z.colour} | {c.upper() for c in named.values()}
    free = [c for c in DEFAULT_ZONE_COLOURS if c.upper() not in used] or list(
        DEFAULT_ZONE_COLOURS)
    out: dict[str, str] = {}
    k = 0
    for z in zones:
        if z.colour:
            out[z.id] = z.colour
        elif z.id in named:
            out[z.id] = named[z.id]
        else:
            out[z.id] = free[k % len(free)]
            k += 1
    return out
