"""Zone colours: the plan's own (``colour:`` on a zone), or a colour-blind-safe default.

A zone's colour identifies the zone on every output (maps, pages, the editor, the
GeoPackage style); civilian access is drawn as a pattern on top, never as the colour.
Zones that declare no colour take the next colour of :data:`DEFAULT_ZONE_COLOURS` that
no other zone of the plan uses.

Examples
--------
>>> from zoneplan.plan.model import ZoneSpec
>>> zs = [ZoneSpec(id="a", label="A", controller="x", access="closed", rest=True,
...                colour="#9ACD8E"),
...       ZoneSpec(id="b", label="B", controller="y", access="resident", rest=True)]
>>> zone_colours(zs)
{'a': '#9ACD8E', 'b': '#77AADD'}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneplan.plan.model import ZoneSpec

__all__ = ["DEFAULT_ZONE_COLOURS", "zone_colours"]

DEFAULT_ZONE_COLOURS: tuple[str, ...] = (
    "#77AADD", "#EE8866", "#EEDD88", "#44BB99", "#FFAABB", "#99DDFF", "#BBCC33",
    "#AAAA00", "#DDDDDD",
)
"""Paul Tol's "light" scheme: made for filled areas with labels on top and told apart with
the common colour-vision deficiencies (Tol, *Colour schemes*, SRON/EPS/TN/09-002)."""


def zone_colours(zones: Sequence[ZoneSpec]) -> dict[str, str]:
    """Each zone's fill colour (``'#RRGGBB'``), by zone id.

    Parameters
    ----------
    zones
        The plan's zones, in plan order.

    Returns
    -------
    dict
        The declared colour where there is one; otherwise the first default colour not
        already used by the plan (the palette repeats after nine zones without colours).
    """
    used = {z.colour.upper() for z in zones if z.colour}
    free = [c for c in DEFAULT_ZONE_COLOURS if c.upper() not in used] or list(
        DEFAULT_ZONE_COLOURS)
    out: dict[str, str] = {}
    k = 0
    for z in zones:
        if z.colour:
            out[z.id] = z.colour
        else:
            out[z.id] = free[k % len(free)]
            k += 1
    return out
