"""matplotlib figures as SVG text a designer can edit and a page can inline.

Text stays text (``svg.fonttype: none``), ids are stable between runs (a fixed hash
salt), metadata is dropped, and artists drawn with a ``gid`` get a ``<title>`` child so a
browser shows it on hover, with no script.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
from matplotlib.text import Annotation, Text

from zoneplan.render.style import HALO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["HALO_CSS", "SVG_RC", "add_titles", "figure_svg", "halo_css", "vector_text"]

SVG_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "zoneplan",
                          "font.family": "DejaVu Sans"}
"""SVG settings: text as ``<text>`` elements (editable, searchable, sharp at any size),
ids that do not change from run to run, and a font every page falls back from."""
FONT_STACK = "DejaVu Sans, system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
"""What the SVG's text asks for: matplotlib's font first (its widths were used to lay the
map out), then the reader's sans-serif."""


HALO_CSS = ("g[id^='halo-'] text{stroke:#fff;stroke-width:2.4px;paint-order:stroke;"
            "stroke-linejoin:round}")
"""The white halo of map text in SVG, as CSS: matplotlib draws haloed text as outlines,
which a designer cannot edit, so vector output keeps the text and adds the halo here."""


def _halo_width(effects: list[Any]) -> tuple[float, str] | None:
    """The (width in points, colour) of a text's stroke halo path effect, if it has one."""
    for e in effects:
        if isinstance(e, pe.Stroke):
            kw = getattr(e, "_gc", {})
            return float(kw.get("linewidth", 2.0)), str(kw.get("foreground", HALO))
    return None


@contextmanager
def vector_text(fig: Figure, mode: Literal["svg", "pdf"]) -> Iterator[None]:
    """Keep haloed text as text while saving a vector file, with the PNG's halo.

    matplotlib turns text with path effects (our halos) into outlines. Inside this
    context the effects are removed from the text itself, which stays text; the halo is
    drawn as in the PNG, the same width and colour: in SVG each such text sits in a
    ``halo-<width>-N`` group that CSS strokes (``paint-order: stroke``, see
    :func:`figure_svg`); in PDF a copy of the text with only the stroke effect is drawn
    just under it (the halo as a path, the text above it as text).
    """
    changed = []
    added: list[Text] = []
    for i, t in enumerate(fig.findobj(Text)):
        effects = t.get_path_effects()
        if not effects or not t.get_text() or not t.get_visible():
            continue
        halo = _halo_width(effects)
        if mode == "pdf" and isinstance(t, Annotation):
            continue  # its text is placed at draw time: keep its effects (the "N" only)
        changed.append((t, effects, t.get_gid()))
        t.set_path_effects([])
        if halo is None:
            continue
        width, colour = halo
        if mode == "svg":
            t.set_gid(f"halo-{round(width * 10)}-{i}")
        else:
            under = Text()
            under.update_from(t)  # font, alignment, line spacing, transform, clipping
            under.set_position(t.get_position())
            under.set_text(t.get_text())
            under.set_color(colour)
            under.set_zorder(t.get_zorder() - 0.001)
            under.set_path_effects([pe.Stroke(linewidth=width, foreground=colour)])
            if t.axes is not None:
                t.axes.add_artist(under)
            else:
                t.get_figure().add_artist(under)  # type: ignore[union-attr]
            added.append(under)
    try:
        yield
    finally:
        for u in added:
            u.remove()
        for t, effects, gid in changed:
            t.set_path_effects(effects)
            t.set_gid(gid)


def halo_css(svg: str) -> str:
    """CSS giving each ``halo-<width>-N`` group's text its white stroke, ``width`` tenths
    of a point wide (1 pt is one SVG unit in matplotlib's SVG)."""
    widths = sorted({int(w) for w in re.findall(r'<g id="halo-(\d+)-', svg)})
    return HALO_CSS + "".join(
        f"g[id^='halo-{w}-'] text{{stroke-width:{w / 10:g}px}}" for w in widths)


def add_titles(svg: str, titles: dict[str, str], *, prefix: str = "") -> str:
    """Give each element with ``id=gid`` a ``<title>`` (hover text); prefix its id.

    Examples
    --------
    >>> add_titles('<g id="zone-a"><path/></g>', {"zone-a": "Zone A & B"}, prefix="m1-")
    '<g id="m1-zone-a"><title>Zone A &amp; B</title><path/></g>'
    """
    for gid, text in titles.items():
        svg = re.sub(rf'<g id="{re.escape(gid)}">',
                     f'<g id="{prefix}{gid}"><title>{escape(text)}</title>', svg, count=1)
    return svg


def figure_svg(fig: Figure, titles: dict[str, str] | None = None, *, inline: bool = False,
               prefix: str = "", label: str = "", close: bool = True) -> str:
    """The figure as SVG text.

    Parameters
    ----------
    fig
        A matplotlib figure.
    titles
        Hover titles by artist gid.
    inline
        For embedding in HTML: no XML prolog, no fixed width and height (the
        ``viewBox`` scales it to its box), ``role="img"`` and ``aria-label``.
    prefix
        Put before every titled id (several SVGs on one page).
    label
        The ``aria-label`` of an inline SVG.
    close
        Close the figure afterwards.
    """
    buf = io.BytesIO()
    try:
        with plt.rc_context(SVG_RC), vector_text(fig, "svg"):  # type: ignore[arg-type]
            fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        if close:
            plt.close(fig)
    text = buf.getvalue().decode("utf-8")
    text = text.replace("</style>", halo_css(text) + "</style>", 1)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r"font-family: [^;\"]*", f"font-family: {FONT_STACK}", text)
    if titles:
        text = add_titles(text, titles, prefix=prefix)
    if inline:
        text = text[text.index("<svg"):]
        text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                      rf'<svg\1 role="img" aria-label="{escape(label)}"', text, count=1)
    return text
