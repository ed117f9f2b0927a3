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

import matplotlib.pyplot as plt
from matplotlib.text import Text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["HALO_CSS", "SVG_RC", "add_titles", "figure_svg", "vector_text"]

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


@contextmanager
def vector_text(fig: Figure, mode: Literal["svg", "pdf"]) -> Iterator[None]:
    """Keep haloed text as text while saving a vector file.

    matplotlib turns text with path effects (our halos) into outlines. Inside this
    context the effects are removed: in SVG each such text sits in a ``halo-N`` group
    that :data:`HALO_CSS` strokes in white; in PDF it gets a light white box instead.
    """
    changed = []
    for i, t in enumerate(fig.findobj(Text)):
        effects = t.get_path_effects()
        if not effects or not t.get_text():
            continue
        changed.append((t, effects, t.get_gid(), t.get_bbox_patch()))
        t.set_path_effects([])
        if mode == "svg":
            t.set_gid(f"halo-{i}")
        else:
            t.set_bbox({"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
                        "alpha": 0.7})
    try:
        yield
    finally:
        for t, effects, gid, patch in changed:
            t.set_path_effects(effects)
            t.set_gid(gid)
            if patch is None:
                t.set_bbox(None)


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
    text = text.replace("</style>", HALO_CSS + "</style>", 1)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r"font-family: [^;\"]*", f"font-family: {FONT_STACK}", text)
    if titles:
        text = add_titles(text, titles, prefix=prefix)
    if inline:
        text = text[text.index("<svg"):]
        text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                      rf'<svg\1 role="img" aria-label="{escape(label)}"', text, count=1)
    return text
