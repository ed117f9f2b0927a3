"""One legend, two drawings: matplotlib handles for the print map, HTML for the pages.

:func:`legend_entries` lists what a map shows (zones by colour, access by pattern, lines
by colour and dash, markers, context, density classes) from the result JSON;
:func:`mpl_handles` and :func:`html_legend` draw that list, so the PNG/SVG/PDF map and the
report and comparison pages explain the same symbols in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from zoneplan.render.style import (
    ACCESS_PATTERNS,
    AREA_EDGE,
    BOUNDARY_COLOUR,
    COMPOUND_COLOUR,
    CROSSING_COLOUR,
    DENSITY_COLOURS,
    DENSITY_LABELS,
    HOSPITAL_COLOUR,
    INK,
    PATTERN_INK,
    line_label,
    line_styles,
    svg_dasharray,
    zone_looks,
)

__all__ = ["Entry", "html_legend", "legend_entries", "mpl_handles", "svg_pattern_defs",
           "zone_swatch"]

Kind = Literal["header", "zone", "pattern", "line", "marker", "boundary", "density"]


@dataclass(frozen=True)
class Entry:
    """One legend row.

    Attributes
    ----------
    kind
        What is drawn in the swatch.
    label
        The words.
    colour
        Fill, line or marker colour.
    access
        For ``pattern`` (and ``zone``) rows: the access class whose pattern is drawn.
    dash, width
        For ``line`` rows: matplotlib dash and width (points).
    marker
        For ``marker`` rows: ``P`` (hospital), ``s`` (compound), ``^`` (crossing),
        ``o`` (place).
    hollow
        A hollow marker (a closed crossing).
    casing, casing_width
        For ``line`` rows: the stroke under the line (colour, total width in points), as
        on the map (white under dark lines, dark under a yellow one).
    """

    kind: Kind
    label: str
    colour: str = ""
    access: str = ""
    dash: tuple[float, tuple[float, ...]] | None = None
    width: float = 0.0
    marker: str = ""
    hollow: bool = False
    casing: str = ""
    casing_width: float = 0.0


def legend_entries(d: dict[str, Any], *, context: bool = True, density: bool = False,
                   line_ids: Sequence[str] | None = None, zones: bool = True) -> list[Entry]:
    """The legend of a map of result ``d``.

    Parameters
    ----------
    d
        The result JSON.
    context
        The map shows crossings, place names and boundaries.
    density
        Add the residents' density classes.
    line_ids
        Line ids in the order that fixed their styles (default: the result's lines).
    zones
        List the zones by colour (a comparison lists them per plan instead).
    """
    out: list[Entry] = []
    if zones:
        out.append(Entry("header", "Zones"))
        out += [Entry("zone", z.label, colour=z.colour, access=z.access)
                for z in zone_looks(d["zones"])]
    used = {z.get("access") for z in d["zones"]}
    out.append(Entry("header", "Civilian access"))
    out += [Entry("pattern", p.words[:1].upper() + p.words[1:], access=a)
            for a, p in ACCESS_PATTERNS.items() if a in used]
    lines = {ln["id"]: ln for ln in d.get("lines", [])}
    styles = line_styles(list(line_ids or lines))
    if lines:
        out.append(Entry("header", "Lines"))
        for lid, ln in lines.items():
            st = styles[lid]
            out.append(Entry("line", line_label(ln), colour=st.colour,
                             dash=st.dash, width=st.width, casing=st.casing,
                             casing_width=st.width + st.casing_extra))
    out.append(Entry("header", "Places"))
    if (d.get("totals", {}).get("hospitals") or 0) > 0:
        out.append(Entry("marker", "Hospital", colour=HOSPITAL_COLOUR, marker="P"))
    if d.get("compounds"):
        out.append(Entry("marker", "Compound (planned)", colour=COMPOUND_COLOUR, marker="s"))
    if context:
        as_of = (d.get("plan") or {}).get("as_of")
        closed = (f"Crossing, closed on {as_of}" if d.get("crossings") and as_of
                  else "Crossing, closed (latest status)")
        out += [Entry("marker", "Crossing", colour=CROSSING_COLOUR, marker="^"),
                Entry("marker", closed, colour=CROSSING_COLOUR, marker="^", hollow=True),
                Entry("marker", "Locality (2017 census; larger names, more people)",
                      colour=INK, marker="o"),
                Entry("boundary", "Boundary (OSM 2017)", colour=BOUNDARY_COLOUR,
                      dash=(0, (5, 1.5, 1, 1.5)), width=0.9)]
    by = d.get("by") or {}
    if by:
        out.append(Entry("boundary", f"Area boundary ({by.get('label') or by.get('ref')})",
                         colour=AREA_EDGE, dash=(0, (3, 1.5)), width=1.0))
    if density:
        out.append(Entry("header", "Residents under the plan, people per km²"))
        out += [Entry("density", lab, colour=c)
                for c, lab in zip(DENSITY_COLOURS, DENSITY_LABELS, strict=True)]
    return out


def mpl_handles(entries: Sequence[Entry], *, wrap: int | None = 36,
                labels: Sequence[str] | None = None) -> list[Any]:
    """matplotlib legend handles for the entries (headers as blank, bold-less rows).

    ``labels`` (already wrapped, e.g. to a measured width) replace the entries' words;
    else they are wrapped at ``wrap`` characters.
    """
    import textwrap

    import matplotlib.patheffects as pe
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    out: list[Any] = []
    for i, e in enumerate(entries):
        label = labels[i] if labels is not None else textwrap.fill(e.label, wrap or 10_000)
        if e.kind == "header":
            out.append(Patch(facecolor="none", edgecolor="none", label=label))
        elif e.kind in ("zone", "density"):
            hatch = ACCESS_PATTERNS[e.access].hatch if e.access in ACCESS_PATTERNS else ""
            out.append(Patch(facecolor=e.colour, edgecolor=PATTERN_INK if hatch else "#888888",
                             linewidth=0.5, hatch=hatch or None, label=label))
        elif e.kind == "pattern":
            out.append(Patch(facecolor="white", edgecolor=PATTERN_INK, linewidth=0.5,
                             hatch=ACCESS_PATTERNS[e.access].hatch, label=label))
        elif e.kind in ("line", "boundary"):
            ls = e.dash if e.dash and e.dash[1] else "solid"
            effects = ([pe.Stroke(linewidth=e.casing_width, foreground=e.casing), pe.Normal()]
                       if e.casing else None)
            out.append(Line2D([], [], color=e.colour, lw=e.width, ls=ls, label=label,
                              path_effects=effects))
        else:
            out.append(Line2D([], [], marker=e.marker, ls="", ms=7 if e.marker != "o" else 4,
                              mfc="white" if e.hollow else e.colour, mec=e.colour
                              if e.hollow or e.marker in "^o" else "white", label=label))
    return out


def svg_pattern_defs() -> str:
    """A hidden SVG defining the access patterns (``url(#zp-pattern-<access>)``), to put
    once in a page that uses :func:`html_legend` or patterned map swatches."""
    pats = "".join(
        f'<pattern id="zp-pattern-{a}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<g fill="{PATTERN_INK}" stroke="{PATTERN_INK}">{p.svg}</g></pattern>'
        for a, p in ACCESS_PATTERNS.items() if p.svg)
    return (f'<svg width="0" height="0" style="position:absolute" aria-hidden="true">'
            f"<defs>{pats}</defs></svg>")


def _swatch(e: Entry) -> str:
    """A 26 × 16 inline SVG swatch for an entry."""
    if e.kind == "zone":
        return zone_swatch(e.colour, e.access)
    if e.kind == "density":
        body = f'<rect x="1" y="1" width="24" height="14" fill="{e.colour}" stroke="#888"/>'
    elif e.kind == "pattern":
        fill = f"url(#zp-pattern-{e.access})" if ACCESS_PATTERNS[e.access].svg else "#fff"
        body = f'<rect x="1" y="1" width="24" height="14" fill="{fill}" stroke="#888"/>'
    elif e.kind in ("line", "boundary"):
        dash = svg_dasharray(e.dash, e.width) if e.dash else ""
        halo = (f'<path d="M1 8H25" stroke="{e.casing}" stroke-width="{e.casing_width:g}"/>'
                if e.kind == "line" and e.casing else "")
        body = (f'{halo}<path d="M1 8H25" stroke="{e.colour}" stroke-width="{e.width:g}" '
                f'stroke-dasharray="{dash}" fill="none"/>')
    else:
        fill = "#fff" if e.hollow else e.colour
        shape = {"P": '<path d="M10 3h6v4h4v6h-4v4h-6v-4h-4v-6h4z" transform="translate(0 -2)"/>',
                 "s": '<rect x="8" y="3" width="10" height="10"/>',
                 "^": '<path d="M13 2L19 13H7Z"/>',
                 "o": '<circle cx="13" cy="8" r="3"/>'}.get(e.marker, "")
        body = f'<g fill="{fill}" stroke="{e.colour if e.hollow else "#fff"}">{shape}</g>'
    return (f'<svg class="sw" width="26" height="16" viewBox="0 0 26 16" aria-hidden="true">'
            f"{body}</svg>")


def zone_swatch(colour: str, access: str) -> str:
    """A zone's colour with its access pattern on top, as a small inline SVG (needs
    :func:`svg_pattern_defs` on the page)."""
    pat = ACCESS_PATTERNS.get(access)
    over = (f'<rect x="1" y="1" width="24" height="14" fill="url(#zp-pattern-{access})"/>'
            if pat and pat.svg else "")
    return (f'<svg class="swatch" width="26" height="16" viewBox="0 0 26 16" '
            f'aria-hidden="true"><rect x="1" y="1" width="24" height="14" fill="{colour}" '
            f'stroke="#888"/>{over}</svg>')


def html_legend(entries: Sequence[Entry], *, title: str = "Legend") -> str:
    """The entries as an HTML block (wraps on narrow screens; swatches as inline SVG).

    Needs :func:`svg_pattern_defs` once on the page for the access patterns.
    """
    parts: list[str] = []
    for e in entries:
        if e.kind == "header":
            if parts:
                parts.append("</ul>")
            parts.append(f"<h3>{escape(e.label)}</h3><ul>")
        else:
            parts.append(f"<li>{_swatch(e)}<span>{escape(e.label)}</span></li>")
    if parts:
        parts.append("</ul>")
    return (f'<div class="legend" role="group" aria-label="{escape(title)}">'
            f"{''.join(parts)}</div>")
