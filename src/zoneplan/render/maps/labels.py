"""Point labels without collisions: greedy placement by priority.

The way map servers do it (MapServer's ``POSITION AUTO``, Imhof's preferred positions):
labels are placed one by one, most important first; each tries a fixed list of
positions around its point (right, upper right, lower right, left, ... ) and takes the
first whose box overlaps no label already placed, no obstacle and stays inside the
frame. Obstacles are the markers (hospitals, crossings), the plan's lines (as boxes along
them, :func:`zoneplan.render.maps.shapes.line_boxes`), the scale bar, north arrow and
inset, so no name sits on a line or a symbol. A label with no free position is left out
rather than drawn over another. Everything is in display units (pixels or points), y
upwards.

Examples
--------
Two names on the same spot: the second takes the first free position, to the left.

>>> items = [Label("Gaza City", 100, 100, 40, 10), Label("Al-Shati", 100, 100, 36, 8)]
>>> [(p.text, p.position) for p in place_labels(items, frame=(0, 0, 400, 400))]
[('Gaza City', 'E'), ('Al-Shati', 'W')]

A label that fits nowhere is dropped:

>>> place_labels([Label("Wide", 5, 5, 50, 10)], frame=(0, 0, 20, 20))
[]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["POSITIONS", "TEXT_GROWTH", "Box", "Label", "Placed", "overlaps", "place_labels"]

TEXT_GROWTH = 1.06
"""Text boxes measured with the PNG renderer are grown by this factor before placing:
that renderer hints glyphs to pixels, and a PDF reader or a browser drawing the same font
unhinted sets a name a few per cent wider, which must not make it touch its neighbour."""

Box = tuple[float, float, float, float]
"""A rectangle ``(x0, y0, x1, y1)``, display units, y upwards."""

POSITIONS: tuple[tuple[str, float, float], ...] = (
    ("E", 1, 0), ("NE", 1, 1), ("SE", 1, -1), ("W", -1, 0), ("NW", -1, 1), ("SW", -1, -1),
    ("N", 0, 1), ("S", 0, -1),
    # then slid along the point's side (Imhof's sliding positions): above or below with
    # the point under a quarter of the name, beside it with the point at its top or foot
    ("N>", 0.5, 1), ("N<", -0.5, 1), ("S>", 0.5, -1), ("S<", -0.5, -1),
    ("E^", 1, 0.5), ("Ev", 1, -0.5), ("W^", -1, 0.5), ("Wv", -1, -0.5),
)
"""Positions tried, in order, as (name, x direction, y direction) from the point: the
eight classic ones, then eight slid along a side (a direction of 0.5 moves the box by
half of what a full step would)."""


@dataclass(frozen=True)
class Label:
    """A label to place.

    Attributes
    ----------
    text
        What it says.
    x, y
        The point it names, display units.
    width, height
        The text's size, display units.
    gap
        Space between the point and the text (e.g. the marker's radius).
    """

    text: str
    x: float
    y: float
    width: float
    height: float
    gap: float = 3.0


@dataclass(frozen=True)
class Placed:
    """A placed label: its text, position name, box and anchor."""

    text: str
    position: str
    box: Box
    index: int

    @property
    def anchor(self) -> tuple[float, float]:
        """Centre of the box, where to draw the text centred."""
        x0, y0, x1, y1 = self.box
        return (x0 + x1) / 2, (y0 + y1) / 2


def overlaps(a: Box, b: Box, pad: float = 0.0) -> bool:
    """Whether two boxes overlap, each grown by ``pad``.

    >>> overlaps((0, 0, 10, 10), (10.5, 0, 20, 10)), overlaps((0, 0, 10, 10), (9, 9, 20, 20))
    (False, True)
    """
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1]
                or b[3] + pad <= a[1])


def _box(lab: Label, dx: float, dy: float, far: float = 1.0) -> Box:
    """The label's box at a position (``dx``, ``dy`` in -1, 0, 1) around its point,
    ``far`` times the usual gap away."""
    w, h, g = lab.width, lab.height, lab.gap * far
    cx = lab.x + dx * (g + w / 2) if dx else lab.x
    cy = lab.y + dy * (g + h / 2) if dy else lab.y
    if abs(dx) == 1 and abs(dy) == 1:  # diagonals sit a little closer, as on printed maps
        cx -= dx * g * 0.3
        cy -= dy * g * 0.3
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def place_labels(labels: Sequence[Label], *, frame: Box, obstacles: Sequence[Box] = (),
                 pad: float = 1.5, rings: Sequence[float] = (1.0, 1.7, 2.5),
                 positions: Sequence[tuple[str, float, float]] = POSITIONS) -> list[Placed]:
    """Place labels in the given order (most important first) without overlaps.

    Parameters
    ----------
    labels
        Labels, in priority order.
    frame
        The box every label must stay inside.
    obstacles
        Boxes no label may cover (markers, a legend, an inset).
    pad
        Minimum space between two labels, display units.
    rings
        The positions are tried at these multiples of each label's gap, nearest first
        (a name a little further from its dot beats no name).
    positions
        The positions tried at each ring, in order (``("C", 0, 0)`` centres the label
        on its point, e.g. an area's name inside the area).

    Returns
    -------
    list of Placed
        The labels that found room, with their boxes; ``index`` is the position of the
        label in ``labels``.
    """
    taken: list[Box] = list(obstacles)
    out: list[Placed] = []
    fx0, fy0, fx1, fy1 = frame
    for i, lab in enumerate(labels):
        for far, (name, dx, dy) in ((f, p) for f in rings for p in positions):
            b = _box(lab, dx, dy, far)
            if b[0] < fx0 or b[1] < fy0 or b[2] > fx1 or b[3] > fy1:
                continue
            if any(overlaps(b, t, pad) for t in taken):
                continue
            taken.append(b)
            out.append(Placed(lab.text, name, b, i))
            break
    return out
