"""The print map: both panels, legend, title, caption and attribution on one page.

``render_map_files`` writes it as PNG (2,400 px wide by default: 12 inches at 200 dpi),
SVG (text kept as text, hover titles on features) and PDF (TrueType fonts embedded, so
text stays editable); :func:`panel_svg` gives one panel alone as inline SVG for pages.

Layout (12 inches wide, as tall as its content, about 7.2): the title and plan line on
top; the zones panel (zones by colour, civilian access by pattern, lines, hospitals,
crossings, place names, locator inset; with ``--by`` the areas' boundaries) and the
residents panel (people per km² in 1 km squares) side by side with the method under
them; the legend on the right, then with ``--by`` the by-area map (each area named with
the share of it in each zone), and the sources under the shorter column. Every text
block is measured with the renderer and wrapped to its box (:func:`wrap_to_width`).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from zoneplan.geometry import project
from zoneplan.io.outputs import write_with_atomic
from zoneplan.pack.context import CONTEXT_ATTRIBUTION
from zoneplan.render.maps.labels import TEXT_GROWTH
from zoneplan.render.maps.legend import legend_entries, mpl_handles
from zoneplan.render.maps.panels import (
    BY_AREA_NAMED_ZONES,
    PanelOptions,
    by_area_panel,
    damage_panel,
    density_caption,
    density_panel,
    display_side,
    zones_panel,
)
from zoneplan.render.maps.svgtools import SVG_RC, figure_svg, vector_text
from zoneplan.render.style import INK, MUTED
from zoneplan.render.words.text import plan_date

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from zoneplan.result import Result

__all__ = [
    "MAP_DPI",
    "MAP_SIZE_IN",
    "MapInfo",
    "panel_svg",
    "render_map",
    "render_map_bytes",
    "render_map_files",
    "wrap_to_width",
]

MAP_SIZE_IN = (12.0, 7.2)
"""Print map width and starting height, inches: two square panels and a legend column,
at a page's width. The final height is the content's (about 6.4 in; taller with
``--by``), measured, so no text is cut off or overprinted."""
WRAP_SLACK = 1 / TEXT_GROWTH
"""Text is wrapped to this share of its box's measured width: the PNG renderer hints
glyphs to pixels, and a PDF reader or a browser drawing the same font unhinted (or a
fallback font) sets a long line up to a few per cent wider."""
LAYOUT_MARGIN_IN = 0.12
"""Space around the page's content, inches."""
LAYOUT_GAP_IN = 0.14
"""Space between the panels and between the columns, inches."""
LEGEND_COLUMN_CHOICES_IN = (2.6, 2.8, 3.0, 3.2, 3.4)
"""Widths tried for the right column (legend, by-area map, sources), inches: the one
whose column ends nearest the left column's end is used, so no corner is left empty."""
MAP_DPI = 200
"""Default resolution of ``map.png``: 12 in × 200 = 2,400 px wide, enough for a printed
half page at 300 dpi or a full-width web image on a high-density screen."""
PANEL_SIZE_IN = 4.0
"""A panel alone (report page): 4 in = 288 pt, drawn about 1.3 times larger on a phone
(370 CSS px), so 7-10 pt map text reads at 9-13 px there."""


@dataclass(frozen=True)
class MapInfo:
    """Where things are on a rendered map, for tests and image maps.

    Attributes
    ----------
    width, height
        Image size, pixels.
    zone_axes, density_axes
        Each panel's pixel box (x0, y0 from the top-left, x1, y1) and data limits
        (xmin, xmax, ymin, ymax) in the projected CRS, metres.
    crs
        The projected CRS of the panels.
    """

    width: int
    height: int
    zone_axes: tuple[tuple[float, float, float, float], tuple[float, float, float, float]]
    density_axes: tuple[tuple[float, float, float, float], tuple[float, float, float, float]]
    crs: Any

    def to_pixel(self, x: float, y: float, *, panel: str = "zones") -> tuple[int, int]:
        """Pixel (column, row from the top) of a projected point (metres) on a panel."""
        (px0, py0, px1, py1), (x0, x1, y0, y1) = (
            self.zone_axes if panel == "zones" else self.density_axes)
        col = px0 + (x - x0) / (x1 - x0) * (px1 - px0)
        row = py0 + (y1 - y) / (y1 - y0) * (py1 - py0)
        return round(col), round(row)

    def lonlat_to_pixel(self, lon: float, lat: float, *, panel: str = "zones") -> tuple[int, int]:
        """Pixel of a WGS 84 lon/lat point."""
        from shapely.geometry import Point

        p = project(Point(lon, lat), self.crs)
        return self.to_pixel(p.x, p.y, panel=panel)


def _attribution(d: dict[str, Any]) -> str:
    pubs: list[str] = []
    for s in d.get("sources", []):
        if s.get("kind") == "standard":
            continue
        pub = str(s.get("publisher", "")).split(",")[0].split(" via ")[0].strip()
        if pub and pub not in pubs and "OpenStreetMap" not in pub:
            pubs.append(pub)
    return (f"{CONTEXT_ATTRIBUTION} Outline and hospitals: © OpenStreetMap contributors "
            f"(ODbL). Other sources: {'; '.join(pubs)}. Full list with dates and links in "
            "the report.")

TEXT_WIDTHS_KEPT = 50_000
"""How many measured text widths :func:`wrap_to_width` keeps (a few MB at most): the
same lines are measured again for every candidate layout and every map, and laying a
line out costs about 10 µs a character (the shaper loads every glyph)."""
_TEXT_WIDTHS: dict[tuple[Any, ...], float] = {}
"""Measured widths (pixels) by text and what else the width depends on."""


def _panel_box(fig: Figure, ax: Axes) -> tuple[tuple[float, float, float, float],
                                              tuple[float, float, float, float]]:
    h = fig.bbox.height
    bb = ax.get_position().transformed(fig.transFigure)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (bb.x0, h - bb.y1, bb.x1, h - bb.y0), (x0, x1, y0, y1)


def _prefix_stable(text: str) -> bool:
    """Whether every character of ``text`` is set left to right without marks that
    attach across words (no right-to-left or Arabic letters, bidi controls or
    combining marks): then the shaper places a line's first words the same whether or
    not more words follow, so a longer line of the same words is never narrower."""
    return all(_STABLE_CHARS[c] if c in _STABLE_CHARS else _stable_char(c) for c in text)


_STABLE_CHARS: dict[str, bool] = {}
"""Characters checked by :func:`_stable_char`, and whether they keep prefixes stable."""


def _stable_char(c: str) -> bool:
    """Whether character ``c`` keeps line prefixes stable (see :func:`_prefix_stable`),
    remembered in ``_STABLE_CHARS``."""
    import unicodedata

    ok = (unicodedata.bidirectional(c) in _LTR_BIDI_CLASSES
          and not unicodedata.combining(c) and unicodedata.category(c)[0] != "M")
    _STABLE_CHARS[c] = ok
    return ok


_LTR_BIDI_CLASSES = frozenset({"L", "EN", "ES", "ET", "CS", "WS", "ON", "B", "S"})
"""Unicode bidirectional classes set left to right in a left-to-right line (letters,
European digits and their separators, spaces, neutral punctuation): not R/AL (Hebrew,
Arabic), AN, NSM or the embedding/isolate controls, which the shaper reorders."""


def wrap_to_width(text: str, width_px: float, renderer: Any, *, size: float,
                  weight: str = "normal", slack: float = WRAP_SLACK) -> str:
    """``text`` wrapped by words so that no line is wider than ``slack × width_px`` as
    the renderer draws it at ``size`` points (measured, not counted in characters). A
    word wider than the width alone keeps its own line.

    The lines are those of greedy wrapping (each line takes words while it fits). For
    left-to-right text a line's measured width never shrinks as words are added (see
    :func:`_prefix_stable`), so each line's longest fitting run of words is found by
    a search over word counts started from an estimate, measuring a few candidate
    lines instead of every one; other text is measured word by word.
    """
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=SVG_RC["font.family"], size=size, weight=weight)
    # what the width depends on besides the text: the font, its size, the resolution
    # and the hinting settings (the same text measures the same under the same key)
    key = (type(renderer), float(renderer.dpi), prop, plt.rcParams["text.hinting"],
           plt.rcParams["text.hinting_factor"], plt.rcParams["text.usetex"])
    limit = width_px * slack

    def width(s: str) -> float:
        known = _TEXT_WIDTHS.get((s, *key))
        if known is None:
            if len(_TEXT_WIDTHS) >= TEXT_WIDTHS_KEPT:
                _TEXT_WIDTHS.clear()
            known = float(renderer.get_text_width_height_descent(s, prop, ismath=False)[0])
            _TEXT_WIDTHS[(s, *key)] = known
            if s:
                _PX_PER_CHAR[key] = known / len(s)
        return known

    out: list[str] = []
    for para in text.split("\n"):
        words = para.split()
        if not words:
            out.append("")
        elif not _prefix_stable(para):
            out += _greedy_lines(words, width, limit)
        else:
            out += _searched_lines(words, width, limit, key)
    return "\n".join(out)


_PX_PER_CHAR: dict[tuple[Any, ...], float] = {}
"""The last measured width per character (pixels) by font key: only where the search
for a line's end starts, never what decides it."""


def _greedy_lines(words: list[str], width: Any, limit: float) -> list[str]:
    """Greedy wrapping measuring every trial line (any script)."""
    out: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and width(trial) > limit:
            out.append(line)
            line = word
        else:
            line = trial
    out.append(line)
    return out


def _searched_lines(words: list[str], width: Any, limit: float,
                    key: tuple[Any, ...]) -> list[str]:
    """The lines of :func:`_greedy_lines` for text whose line width grows with its
    words: each line's end is the largest word count whose line fits, found by
    galloping from an estimate and then bisecting (a handful of measurements a line)."""
    n = len(words)
    # ends[j]: characters in words[0:j] joined by single spaces
    ends = [0] * (n + 1)
    for j, w in enumerate(words, 1):
        ends[j] = ends[j - 1] + len(w) + (1 if j > 1 else 0)
    out: list[str] = []
    i = 0
    while i < n:
        def fits(j: int, i: int = i) -> bool:
            # a line's first word is kept whatever its width; otherwise the exact
            # negation of the greedy loop's test for a break
            return j == i + 1 or not width(" ".join(words[i:j])) > limit

        # the estimate: as many words as fit at the last measured width per character
        per_char = _PX_PER_CHAR.get(key)
        guess = i + 1
        if per_char:
            budget = limit / per_char + ends[i] + (1 if i else 0)
            while guess + 1 <= n and ends[guess + 1] <= budget:
                guess += 1
        # bracket the line's end: lo words fit, hi do not (n + 1: past the last word)
        if fits(guess):
            lo, step, hi = guess, 1, n + 1
            while lo + step <= n:
                if fits(lo + step):
                    lo += step
                    step *= 2
                else:
                    hi = lo + step
                    break
        else:
            hi, step, lo = guess, 1, i + 1
            while hi - step > i + 1:
                if fits(hi - step):
                    lo = hi - step
                    break
                hi -= step
                step *= 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if fits(mid):
                lo = mid
            else:
                hi = mid
        out.append(" ".join(words[i:lo]))
        i = lo
    return out


@dataclass
class _Block:
    """A block of text laid out in a measured box (inches from the page's top left)."""

    text: Any
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Layout:
    """One candidate layout: its blocks, legend, positions (inches) and how far apart
    the two columns end."""

    col_w: float
    placed: list[_Block]
    legend: Any
    artists: list[Any]
    top: float
    panels_y: float
    side: float
    col_x: float
    by_y: float
    height: float
    unevenness: float


def _height_in(artist: Any, renderer: Any, dpi: float) -> float:
    return float(artist.get_window_extent(renderer).height) / dpi


def _map_figure(result: Result, dpi: float) -> tuple[Figure, MapInfo, dict[str, str]]:
    """Lay the map out in measured boxes, then draw it.

    Every text block is wrapped to its box's width with the renderer's own text
    extents and stacked under the one above it, so nothing overprints; the page is as
    tall as its content, so nothing is cut off. Layout (inches): the title and plan
    line across the top; the two square panels on the left with the method caption
    under them; the legend in the right column, then (with ``--by``) the by-area map,
    and the sources under whichever column ends higher.
    """
    d = result.to_dict()
    w_in = MAP_SIZE_IN[0]
    fig = plt.figure(figsize=MAP_SIZE_IN, dpi=dpi)
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    margin, gap = LAYOUT_MARGIN_IN, LAYOUT_GAP_IN
    square_m = display_side(result)

    def lay_out(col_w: float) -> _Layout:
        left_w = w_in - 2 * margin - col_w - gap
        side = (left_w - gap) / 2
        px = dpi

        def text(s: str, width_in: float, size: float, **kw: Any) -> Any:
            return fig.text(0, 0, wrap_to_width(s, width_in * px, r, size=size,
                                                weight=kw.get("fontweight", "normal")),
                            fontsize=size, va="top", ha="left", **kw)

        plan = d["plan"]
        title = text(str(plan["title"]), w_in - 2 * margin, 15, fontweight="bold",
                     color=INK)
        sub = text(f"Plan dated {plan_date(plan)} · status: "
                   f"{plan.get('status')} · map made {dt.date.today().isoformat()} · zoneplan "
                   f"{d.get('provenance', {}).get('zoneplan_version', '')} · projection "
                   f"{d['crs_area']['name']}", w_in - 2 * margin, 8.5, color=MUTED)
        y = margin
        placed: list[_Block] = [_Block(title, margin, y)]
        y += _height_in(title, r, px) + 0.06
        placed.append(_Block(sub, margin, y))
        y += _height_in(sub, r, px) + 0.18
        top = y
        t1 = text("Zones: colour by zone, pattern by civilian access", side, 10.5, color=INK)
        t2 = text("Residents under the plan, people per km²", side, 10.5, color=INK)
        head = max(_height_in(t1, r, px), _height_in(t2, r, px)) + 0.06
        placed += [_Block(t1, margin, top), _Block(t2, margin + side + gap, top)]
        panels_y = top + head
        # the left column: panels, then the method
        caption = text(density_caption(d, square_m), left_w, 7, color=MUTED)
        left_y = panels_y + side + 0.14
        placed.append(_Block(caption, margin, left_y))
        left_y += _height_in(caption, r, px)
        # the right column: legend (labels wrapped to the column), then the by-area map
        col_x = margin + left_w + gap
        entries = legend_entries(d, density=True)
        leg_size = 7.2
        handle_in = (2.2 + 0.8) * leg_size / 72.0
        labels = [wrap_to_width(e.label, (col_w - handle_in - 0.05) * px, r, size=leg_size,
                                weight="bold" if e.kind == "header" else "normal")
                  for e in entries]
        leg = fig.legend(handles=mpl_handles(entries, labels=labels), loc="upper left",
                         bbox_to_anchor=(0, 1), fontsize=leg_size, frameon=False,
                         handlelength=2.2, handletextpad=0.8, borderaxespad=0.0,
                         borderpad=0.0, labelspacing=0.45)
        for t, e in zip(leg.get_texts(), entries, strict=True):
            if e.kind == "header":
                t.set_fontweight("bold")
        right_y = top + _height_in(leg, r, px) + 0.2
        by_area = bool(d.get("by_area")) and bool(result.pieces)
        by_title = None
        by_y = 0.0
        if by_area:
            by_label = (d.get("by") or {}).get("label")
            order = (", zones in the legend's order" if len(d["zones"]) > BY_AREA_NAMED_ZONES
                     else "")
            by_title = text(f"Share of each area in each zone{order} ({by_label})", col_w, 9,
                            color=INK)
            placed.append(_Block(by_title, col_x, right_y))
            right_y += _height_in(by_title, r, px) + 0.06
            by_y = right_y
            right_y += col_w + 0.14
        # the sources: under whichever column leaves the page shorter
        src_left = text(_attribution(d), left_w, 7, color=MUTED)
        src_right = text(_attribution(d), col_w, 7, color=MUTED)
        h_left, h_right = _height_in(src_left, r, px), _height_in(src_right, r, px)
        if max(left_y + 0.1 + h_left, right_y) <= max(left_y, right_y + h_right):
            src_right.remove()
            placed.append(_Block(src_left, margin, left_y + 0.1))
            left_y += 0.1 + h_left
        else:
            src_left.remove()
            placed.append(_Block(src_right, col_x, right_y))
            right_y += h_right
        artists = [b.text for b in placed] + [leg]
        return _Layout(col_w, placed, leg, artists, top, panels_y, side, col_x, by_y,
                       max(left_y, right_y, panels_y + side) + margin, abs(left_y - right_y))

    # the right column's width that ends both columns closest together (least empty page)
    tried = []
    for col_w in LEGEND_COLUMN_CHOICES_IN:
        lay = lay_out(col_w)
        tried.append((lay.unevenness, col_w))
        for artist in lay.artists:
            artist.remove()
    lay = lay_out(min(tried)[1])
    placed, leg, top, panels_y, side, col_x, by_y, col_w = (
        lay.placed, lay.legend, lay.top, lay.panels_y, lay.side, lay.col_x, lay.by_y,
        lay.col_w)
    # a whole number of pixels, so the saved PNG is as tall as the layout says (the
    # PNG writer truncates a fraction of a pixel)
    h_in = round(lay.height * fig.dpi) / fig.dpi
    by_area = bool(d.get("by_area")) and bool(result.pieces)
    fig.set_size_inches(w_in, h_in)

    def frac(x: float, yy: float) -> tuple[float, float]:
        return x / w_in, 1 - yy / h_in

    for b in placed:
        b.text.set_position(frac(b.x, b.y))
    leg.set_bbox_to_anchor((*frac(col_x, top), 0, 0), transform=fig.transFigure)
    ax1 = fig.add_axes((margin / w_in, 1 - (panels_y + side) / h_in, side / w_in, side / h_in))
    ax2 = fig.add_axes(((margin + side + gap) / w_in, 1 - (panels_y + side) / h_in,
                        side / w_in, side / h_in))
    titles = zones_panel(ax1, result)
    t2d, _ = density_panel(ax2, result, PanelOptions(min_population=50_000, inset=False,
                                                      gid_prefix="density-"))
    titles |= t2d
    if by_area:
        ax3 = fig.add_axes((col_x / w_in, 1 - (by_y + col_w) / h_in, col_w / w_in,
                            col_w / h_in))
        titles |= by_area_panel(ax3, result, PanelOptions(places=False, inset=False,
                                                          gid_prefix="by-area-"))
    info = MapInfo(width=round(fig.bbox.width), height=round(fig.bbox.height),
                   zone_axes=_panel_box(fig, ax1), density_axes=_panel_box(fig, ax2),
                   crs=result.layout.crs)
    return fig, info, titles


def render_map_bytes(result: Result, *, dpi: float = MAP_DPI) -> tuple[bytes, MapInfo]:
    """The print map as PNG bytes and where its panels are."""
    fig, info, _ = _map_figure(result, dpi)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue(), info


def render_map_files(result: Result, *, dpi: float = MAP_DPI) -> tuple[dict[str, bytes], MapInfo]:
    """The print map as ``map.png``, ``map.svg`` and ``map.pdf`` contents, drawn once.

    Returns
    -------
    files, info
        File name → bytes, and the PNG's panel positions.
    """
    fig, info, titles = _map_figure(result, dpi)
    try:
        out: dict[str, bytes] = {}
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        out["map.png"] = buf.getvalue()
        out["map.svg"] = figure_svg(fig, titles, close=False).encode("utf-8")
        buf = io.BytesIO()
        with plt.rc_context(SVG_RC), vector_text(fig, "pdf"):  # type: ignore[arg-type]
            fig.savefig(buf, format="pdf", metadata={"Creator": "zoneplan",
                                                     "CreationDate": None})
        out["map.pdf"] = buf.getvalue()
    finally:
        plt.close(fig)
    return out, info


def render_map(result: Result, path: str | Path, *, overwrite: bool = False,
               dpi: float = MAP_DPI) -> MapInfo:
    """Write the print map of a result as a PNG, atomically.

    Parameters
    ----------
    result
        An evaluated plan.
    path
        The PNG file to write (12 inches wide at ``dpi``, 2,400 px by default, and as tall
        as its content: about 1,280 px for the built-in plan).
    overwrite
        Replace ``path`` if it exists.
    dpi
        Pixels per inch.

    Returns
    -------
    MapInfo
        Pixel positions of the panels, to locate a point on the image.
    """
    data, info = render_map_bytes(result, dpi=dpi)

    def _write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_with_atomic(path, _write, overwrite=overwrite)
    return info


def panel_svg(result: Result, which: Literal["zones", "density", "damage"], *,
              opts: PanelOptions | None = None, size_in: float = PANEL_SIZE_IN,
              prefix: str = "") -> tuple[str, float]:
    """One panel alone as inline SVG (no title or legend: the page gives them).

    Returns
    -------
    svg, side_m
        The SVG text, and for the density panel the squares' side (metres; else 0).
    """
    fig = plt.figure(figsize=(size_in, size_in), dpi=72)
    ax = fig.add_axes((0.005, 0.005, 0.99, 0.99))
    side = 0.0
    if which == "zones":
        titles = zones_panel(ax, result, opts)
        label = "Map of the zones, coloured by zone, with civilian access as a pattern"
    elif which == "damage":
        titles = damage_panel(ax, result, opts)
        label = "Map of damaged structures, circles sized by count, over the zones"
    else:
        titles, side = density_panel(ax, result, opts)
        label = "Map of residents under the plan, people per km²"
    return figure_svg(fig, titles, inline=True, prefix=prefix, label=label), side
