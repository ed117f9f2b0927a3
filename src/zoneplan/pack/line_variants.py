"""The variants of the pack's lines, declared once, keyed by the line's layer name.

A line's variants belong to the line, not to a plan: every plan that draws
``gaza:yellow-line`` gets the same set (``data/gaza/line_variants.csv``), so the same
line has the same range in every plan evaluated at the same date (a plan's date still
decides which of them were known, :mod:`zoneplan.plan.rules.as_of`). Three kinds:

``uncertainty``
    The line's course is uncertain by ``offset_m`` metres either way (relative: it moves
    with an edited or shifted line).
``offset``
    The line moved ``offset_m`` metres ``towards`` a side, e.g. a marker report
    (relative, like the uncertainty).
``published zone``
    The area on ``side`` of the line as published, a polygon ``layer`` (absolute: it
    describes the published line only, and drops when the line is edited or shifted).

Plain rows: this module imports nothing but the standard library, so the plan loader
may read it.

Examples
--------
>>> facts = line_variants()["gaza:yellow-line"]
>>> facts.uncertainty.offset_m, [v.id for v in facts.offsets]
(200.0, ['markers-200m-west', 'markers-300m-west'])
>>> facts.published[0].layer, facts.published[0].side
('gaza:zone-east-2025-10-19', 'east')
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoneplan.pack.sources import LINE_VARIANT_SOURCES

__all__ = ["LINE_VARIANTS_FILE", "LineFacts", "LineVariantRow", "line_variant_sources",
           "line_variants"]

LINE_VARIANTS_FILE = Path(__file__).parent / "data" / "gaza" / "line_variants.csv"
"""The table of the pack's line variants."""

KINDS = ("uncertainty", "offset", "published zone")
"""The kinds of variant a row may be."""


@dataclass(frozen=True)
class LineVariantRow:
    """One variant of a pack line (a row of ``line_variants.csv``).

    Attributes
    ----------
    line
        The line's layer name, e.g. ``gaza:yellow-line``.
    id
        The variant's id.
    kind
        One of :data:`KINDS`.
    offset_m
        Metres the line is moved (``uncertainty``: either way; ``offset``: towards
        ``towards``); ``None`` for a published zone.
    towards
        The side an ``offset`` moves the line to.
    layer, side
        A ``published zone``: the pack's polygon layer and the side of the line it is.
    label
        A ``published zone`` in words.
    sources
        Ids of :data:`~zoneplan.pack.sources.LINE_VARIANT_SOURCES`.
    note
        What the variant stands for.
    """

    line: str
    id: str
    kind: str
    offset_m: float | None
    towards: str | None
    layer: str | None
    side: str | None
    label: str | None
    sources: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class LineFacts:
    """Every variant the pack declares for one line."""

    uncertainty: LineVariantRow | None = None
    offsets: list[LineVariantRow] = field(default_factory=list)
    published: list[LineVariantRow] = field(default_factory=list)


def _row(r: dict[str, str]) -> LineVariantRow:
    if r["kind"] not in KINDS:
        raise RuntimeError(f"built-in pack: line_variants.csv, variant '{r['id']}': kind "
                           f"'{r['kind']}' is not one of {', '.join(KINDS)}")
    known = {s["id"] for s in LINE_VARIANT_SOURCES}
    sources = tuple(s.strip() for s in r["sources"].split(";") if s.strip())
    if not sources or not set(sources) <= known:
        raise RuntimeError(f"built-in pack: line_variants.csv, variant '{r['id']}': sources "
                           f"{sources} are not all in LINE_VARIANT_SOURCES")
    return LineVariantRow(
        line=r["line"], id=r["id"], kind=r["kind"],
        offset_m=float(r["offset_m"]) if r["offset_m"] else None,
        towards=r["towards"] or None, layer=r["layer"] or None, side=r["side"] or None,
        label=r["label"] or None, sources=sources, note=r["note"] or None)


@functools.cache
def line_variants() -> dict[str, LineFacts]:
    """The pack's line variants, by the line's layer name (see the module docstring).

    Raises
    ------
    RuntimeError
        A row of the pack's table that is not a variant (a bug in the pack).
    """
    with LINE_VARIANTS_FILE.open(newline="", encoding="utf-8") as fh:
        rows = [_row(r) for r in csv.DictReader(fh)]
    out: dict[str, LineFacts] = {}
    for r in rows:
        f = out.setdefault(r.line, LineFacts())
        if r.kind == "uncertainty":
            out[r.line] = LineFacts(r, f.offsets, f.published)
        elif r.kind == "offset":
            f.offsets.append(r)
        else:
            f.published.append(r)
    return out


def line_variant_sources() -> dict[str, dict[str, Any]]:
    """The sources the pack's line variants cite, by id (plain dicts, the shape of a
    plan's ``sources`` entries)."""
    return {s["id"]: dict(s) for s in LINE_VARIANT_SOURCES}
