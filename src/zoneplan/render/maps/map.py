"""The print map: both panels, legend, title, caption and attribution on one page.

``render_map_files`` writes it as PNG (2,400 px wide by default: 12 inches at 200 dpi),
SVG (text kept as text, hover titles on features) and PDF (TrueType fonts embedded, so
text stays editable); :func:`panel_svg` gives one panel alone as inline SVG for pages.

Layout (12 × 7.2 inches): the title and plan line on top; the zones panel (zones by
colour, civilian access by pattern, lines, hospitals, crossings, place names, locator
inset) and the residents panel (people per km² in 1 km squares) side by side; the legend
on the right; the method and the sources at the foot.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from zoneplan.geometry import project
from zoneplan.io.outputs import write_with_atomic
from zoneplan.pack.context import CONTEXT_ATTRIBUTION
from zoneplan.render.maps.legend import legend_entries, mpl_handles
from zoneplan.render.maps.panels import (
    PanelOptions,
    damage_panel,
    density_caption,
    density_panel,
    zones_panel,
)
from zoneplan.render.maps.svgtools import SVG_RC, figure_svg, vector_text
from zoneplan.render.style import INK, MUTED

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
]

MAP_SIZE_IN = (12.0, 7.2)
"""Print map size, inches: two square panels and a legend column, at a page's width."""
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


def _panel_box(fig: Figure, ax: Axes) -> tuple[tuple[float, float, float, float],
                                              tuple[float, float, float, float]]:
    h = fig.bbox.height
    bb = ax.get_position().transformed(fig.transFigure)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (bb.x0, h - bb.y1, bb.x1, h - bb.y0), (x0, x1, y0, y1)


def _map_figure(result: Result, dpi: float) -> tuple[Figure, MapInfo, dict[str, str]]:
    d = result.to_dict()
    fig = plt.figure(figsize=MAP_SIZE_IN, dpi=dpi)
    ax1 = fig.add_axes((0.008, 0.19, 0.39, 0.65))
    ax2 = fig.add_axes((0.402, 0.19, 0.39, 0.65))
    titles = zones_panel(ax1, result)
    t2, side = density_panel(ax2, result, PanelOptions(min_population=50_000, inset=False,
                                                       gid_prefix="density-"))
    titles |= t2
    ax1.set_title("Zones: colour by zone, pattern by civilian access", fontsize=10.5,
                  loc="left", color=INK)
    ax2.set_title("Residents under the plan, people per km²", fontsize=10.5, loc="left",
                  color=INK)
    entries = legend_entries(d, density=True)
    leg = fig.legend(handles=mpl_handles(entries, wrap=34), loc="upper left",
                     bbox_to_anchor=(0.797, 0.865), fontsize=7.2, frameon=False,
                     handlelength=2.2, borderaxespad=0.0, labelspacing=0.45)
    for text, e in zip(leg.get_texts(), entries, strict=True):
        if e.kind == "header":
            text.set_fontweight("bold")
    plan = d["plan"]
    fig.text(0.008, 0.975, str(plan["title"]), fontsize=15, fontweight="bold", va="top",
             color=INK)
    fig.text(0.008, 0.928, f"Plan dated {plan.get('date') or 'unknown'} · status: "
             f"{plan.get('status')} · map made {dt.date.today().isoformat()} · zoneplan "
             f"{d.get('provenance', {}).get('zoneplan_version', '')} · projection "
             f"{d['crs_area']['name']}", fontsize=8.5, va="top", color=MUTED)
    fig.text(0.008, 0.165, textwrap.fill(density_caption(d, side), 205), fontsize=7,
             va="top", color=MUTED)
    fig.text(0.008, 0.08, textwrap.fill(_attribution(d), 205), fontsize=7, va="top",
             color=MUTED)
    for ax in (ax1, ax2):  # place the square panels as drawing would, without drawing
        ax.apply_aspect()
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
        The PNG file to write (12 × 7.2 inches at ``dpi``: 2,400 × 1,440 px by default).
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
