"""Static pictures with matplotlib (Agg): the plan map and the report's charts.

The map has two panels with the same extent: on the left the zones coloured by civilian
access, with the lines, compounds and hospitals; on the right the residents under the
plan as a density surface (people per km² in each 250 m cell). Legend, scale bar, north
arrow, title, date and attribution are drawn on the figure.

Colours (Paul Tol's "muted" scheme, distinguishable with the common colour-vision
deficiencies) are fixed so maps can be compared and tested:

==========  =========  ===========================================
access      colour     meaning
==========  =========  ===========================================
resident    #88CCEE    civilians live here; displaced people may move in
restricted  #DDCC77    residents stay, nobody moves in
closed      #CC6677    civilians must leave
==========  =========  ===========================================
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from zoneplan.geometry import project
from zoneplan.io.outputs import write_with_atomic
from zoneplan.render.text import ACCESS_COLOURS, ACCESS_WORDS, NA

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from zoneplan.result import Result

__all__ = [
    "ACCESS_COLOURS",
    "DENSITY_BINS",
    "MapInfo",
    "bar_chart",
    "chart_beds",
    "chart_forces",
    "chart_m2_per_person",
    "chart_reconstruction",
    "chart_shares",
    "draw_zones",
    "render_map",
    "render_map_bytes",
]


LINE_COLOUR = "#222222"
HOSPITAL_COLOUR = "#117733"
COMPOUND_COLOUR = "#332288"
DENSITY_BINS: tuple[float, ...] = (0.0, 1.0, 1_000, 5_000, 10_000, 20_000, 50_000, 1e9)
"""Class limits of the density surface, people per km²."""
_DENSITY_COLOURS = ["#f2f2f2", "#fde725", "#7ad151", "#22a884", "#2a788e", "#414487",
                    "#440154"]
MAP_DPI = 100
MAP_MAX_CELLS = 20_000
"""Finer population grids are summed into squares for the density map (drawing millions
of pixels as polygons would take minutes and show nothing more at this size)."""
MAP_SIZE_IN = (11.0, 7.4)


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
    return ("© OpenStreetMap contributors (outline, hospitals; ODbL). Other sources: "
            + "; ".join(pubs) + ". Full list with dates and links in the report.")


def draw_zones(ax: Axes, result: Result, *, markers: bool = True, fill: bool = True) -> None:
    """Draw the zones (filled by access or outlined), lines, compounds and hospitals."""
    lay = result.layout
    gpd.GeoSeries([lay.territory], crs=lay.crs).plot(
        ax=ax, facecolor="#ffffff" if fill else "none", edgecolor="#555555", linewidth=0.6)
    for z in lay.zones:
        colour = ACCESS_COLOURS.get(z.spec.access, "#BBBBBB")
        gpd.GeoSeries([z.geometry], crs=lay.crs).plot(
            ax=ax, facecolor=colour if fill else "none",
            edgecolor="#444444" if fill else "#222222", linewidth=0.5 if fill else 0.8)
    for line in lay.lines.values():
        xs, ys = line.xy
        ax.plot(xs, ys, color="#ffffff", linewidth=4.0, solid_capstyle="round", zorder=4)
        ax.plot(xs, ys, color=LINE_COLOUR, linewidth=2.0, linestyle=(0, (6, 2)), zorder=5)
    if not markers:
        return
    h = result.inputs.hospitals
    if h is not None and h.gdf is not None and len(h.gdf):
        pts = h.gdf.to_crs(lay.crs)
        ax.scatter(pts.geometry.x, pts.geometry.y, marker="P", s=46, c=HOSPITAL_COLOUR,
                   edgecolors="white", linewidths=0.7, zorder=6)
    comps = list(result.inputs.plan.compounds)
    if comps:
        from shapely.geometry import Point

        cp = [project(Point(*c.location), lay.crs) for c in comps]
        ax.scatter([p.x for p in cp], [p.y for p in cp], marker="s", s=40, c=COMPOUND_COLOUR,
                   edgecolors="white", linewidths=0.7, zorder=6)


def _scale_bar(ax: Axes, length_m: float = 10_000.0) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx, by = x0 + 0.60 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    half = length_m / 2
    ax.fill([bx, bx + half, bx + half, bx], [by, by, by + 400, by + 400], color="#222222",
            zorder=7)
    ax.fill([bx + half, bx + length_m, bx + length_m, bx + half], [by, by, by + 400, by + 400],
            facecolor="white", edgecolor="#222222", zorder=7)
    for xx, lab in ((bx, "0"), (bx + half, f"{half / 1000:g}"), (bx + length_m,
                                                                f"{length_m / 1000:g} km")):
        ax.text(xx, by + 700, lab, ha="center", va="bottom", fontsize=8, zorder=7)


def _north_arrow(ax: Axes) -> None:
    ax.annotate("N", xy=(0.08, 0.95), xytext=(0.08, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=11, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "#222222", "lw": 1.5})


def _panel_box(fig: Figure, ax: Axes) -> tuple[tuple[float, float, float, float],
                                              tuple[float, float, float, float]]:
    h = fig.bbox.height
    bb = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (bb.x0, h - bb.y1, bb.x1, h - bb.y0), (x0, x1, y0, y1)


def _density_cells(result: Result) -> tuple[Any, Any, float]:
    """Polygons and people per km² for the density map; on grids of more than
    :data:`MAP_MAX_CELLS` cells, squares summing the cells (their side in metres, else 0)."""
    import shapely

    grid = result.inputs.population.grid
    res = np.asarray(result.metrics.cell_residents, dtype=float)
    area = np.asarray(grid.area_m2, dtype=float)
    if len(grid) <= MAP_MAX_CELLS:
        return grid.cells, res / (area / 1e6), 0.0
    side = float(np.sqrt(area.sum() / MAP_MAX_CELLS))
    nice = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000)
    side = float(next((v for v in nice if v >= side), np.ceil(side / 1e4) * 1e4))
    sq = grid.squares(side)
    people, cover = sq.sums(res), sq.sums(area)
    used = np.flatnonzero(cover > 0)
    xy = sq.centres(used)
    boxes = shapely.box(xy[:, 0] - side / 2, xy[:, 1] - side / 2, xy[:, 0] + side / 2,
                        xy[:, 1] + side / 2)
    # squares are in the population grid's CRS; the map is in the layout's
    crs, lay_crs = result.inputs.population.crs, result.layout.crs
    clipped = shapely.intersection(boxes, project(result.layout.territory, crs, src=lay_crs))
    if not crs.equals(lay_crs):
        clipped = np.array([project(g, lay_crs, src=crs) for g in clipped])
    return clipped, people[used] / (cover[used] / 1e6), side


def _map_figure(result: Result) -> tuple[Figure, MapInfo]:
    d = result.to_dict()
    lay = result.layout
    fig = plt.figure(figsize=MAP_SIZE_IN, dpi=MAP_DPI)
    ax1 = fig.add_axes((0.02, 0.19, 0.36, 0.68))
    ax2 = fig.add_axes((0.40, 0.19, 0.36, 0.68))
    minx, miny, maxx, maxy = lay.territory.bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    for ax in (ax1, ax2):
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#e9eef2")
    draw_zones(ax1, result)
    # density panel
    cells, dens, square_m = _density_cells(result)
    cmap = ListedColormap(_DENSITY_COLOURS)
    norm = BoundaryNorm(list(DENSITY_BINS), cmap.N)
    gpd.GeoDataFrame({"d": dens}, geometry=list(cells), crs=lay.crs).plot(
        ax=ax2, column="d", cmap=cmap, norm=norm, linewidth=0)
    draw_zones(ax2, result, markers=False, fill=False)
    for ax in (ax1, ax2):
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_xlabel("")
        ax.set_ylabel("")
    ax1.set_title("Zones by civilian access", fontsize=11)
    ax2.set_title("Residents under the plan (people per km²)", fontsize=11)
    if square_m:
        ax2.text(0.5, -0.015, f"Population cells summed into {square_m:,.0f} m squares for "
                 "display", transform=ax2.transAxes, ha="center", va="top", fontsize=8,
                 color="#444444")
    _scale_bar(ax1)
    _scale_bar(ax2)
    _north_arrow(ax1)
    _north_arrow(ax2)
    # legend (right column)
    handles: list[Any] = []
    for z in lay.zones:
        handles.append(Patch(facecolor=ACCESS_COLOURS.get(z.spec.access, "#BBBBBB"),
                             edgecolor="#444444",
                             label=textwrap.fill(f"{z.spec.label}: "
                                                 f"{ACCESS_WORDS.get(z.spec.access, '')}", 34)))
    from matplotlib.lines import Line2D

    for ln in d.get("lines", []):
        handles.append(Line2D([], [], color=LINE_COLOUR, lw=2, ls=(0, (6, 2)),
                              label=textwrap.fill(str(ln.get("label")), 34)))
    handles.append(Line2D([], [], marker="P", ls="", color=HOSPITAL_COLOUR, mec="white",
                          ms=9, label="Hospital"))
    if result.inputs.plan.compounds:
        handles.append(Line2D([], [], marker="s", ls="", color=COMPOUND_COLOUR, mec="white",
                              ms=8, label="Compound (planned)"))
    labels = ["0", "1 – 1,000", "1,000 – 5,000", "5,000 – 10,000", "10,000 – 20,000",
              "20,000 – 50,000", "50,000 or more"]
    handles.append(Patch(facecolor="none", edgecolor="none", label="\nPeople per km²:"))
    handles += [Patch(facecolor=c, edgecolor="#888888", label=lab)
                for c, lab in zip(_DENSITY_COLOURS, labels, strict=True)]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.77, 0.87), fontsize=8,
               frameon=True, title="Legend", title_fontsize=10, borderaxespad=0.2)
    plan = d["plan"]
    fig.text(0.02, 0.965, str(plan["title"]), fontsize=15, fontweight="bold", va="top")
    fig.text(0.02, 0.925, f"Plan dated {plan.get('date') or 'unknown'} · status: "
             f"{plan.get('status')} · map made {dt.date.today().isoformat()} · "
             f"zoneplan {d.get('zoneplan_version')}", fontsize=9, va="top", color="#333333")
    pop = d.get("population", {})
    note = (f"Residents: {pop.get('modelled_label')} ({pop.get('modelled_date')}) spread like "
            f"the {pop.get('baseline_label')}; people in zones closed to civilians moved into "
            f"open zones ({pop.get('relocation')}). Projection: {d['crs_area']['name']}.")
    fig.text(0.02, 0.15, textwrap.fill(note, 150), fontsize=7.5, va="top", color="#333333")
    fig.text(0.02, 0.095, textwrap.fill(_attribution(d), 150), fontsize=7.5, va="top",
             color="#333333")
    fig.canvas.draw()
    info = MapInfo(width=int(fig.bbox.width), height=int(fig.bbox.height),
                   zone_axes=_panel_box(fig, ax1), density_axes=_panel_box(fig, ax2),
                   crs=lay.crs)
    return fig, info


def render_map_bytes(result: Result) -> tuple[bytes, MapInfo]:
    """Render the map to PNG bytes (see :func:`render_map`)."""
    fig, info = _map_figure(result)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=MAP_DPI)
    finally:
        plt.close(fig)
    return buf.getvalue(), info


def render_map(result: Result, path: str | Path, *, overwrite: bool = False) -> MapInfo:
    """Write the map of a result as a PNG, atomically.

    Parameters
    ----------
    result
        An evaluated plan.
    path
        The PNG file to write (1,100 × 740 pixels).
    overwrite
        Replace ``path`` if it exists.

    Returns
    -------
    MapInfo
        Pixel positions of the panels, to locate a point on the image.
    """
    data, info = render_map_bytes(result)
    def _write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_with_atomic(path, _write, overwrite=overwrite)
    return info


# --- charts ---------------------------------------------------------------------------

def _fig_out(fig: Figure, fmt: str) -> bytes | str:
    buf = io.BytesIO()
    try:
        if fmt == "svg":
            with plt.rc_context({"svg.fonttype": "none"}):
                fig.savefig(buf, format="svg", bbox_inches="tight")
            text = buf.getvalue().decode("utf-8")
            text = re.sub(r"<metadata>.*?</metadata>", "", text[text.index("<svg"):],
                          flags=re.S)
            return text
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    title: str,
    unit: str,
    reasons: Sequence[str | None] | None = None,
    reference: tuple[float, str] | None = None,
    value_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    fmt: str = "svg",
) -> bytes | str:
    """A horizontal grouped bar chart; missing values say "not available" and why.

    Parameters
    ----------
    categories
        One label per group (zones).
    series
        ``(name, values, colour)``; a value ``None`` is drawn as text, not as a bar.
    title, unit
        Chart title and the unit of the x axis.
    reasons
        Why a group's values are missing (shown next to "not available").
    reference
        A standard to draw as a vertical line: ``(value, label)``.
    value_fmt
        Formats bar labels (display rounding).
    fmt
        ``"svg"`` (text, for inline HTML) or ``"png"`` (bytes).
    """
    n, k = len(categories), len(series)
    fig, ax = plt.subplots(figsize=(7.5, 1.3 + 0.38 * n * max(k, 1)))
    height = 0.8 / max(k, 1)
    present = [v for _, vals, _ in series for v in vals if v is not None]
    vmax = max([*present, reference[0] if reference else 0.0]) or 1.0
    na_tr = ax.get_yaxis_transform()  # x in axes fraction, y in data
    for j, (name, vals, colour) in enumerate(series):
        first = True
        for i, v in enumerate(vals):
            y = i + (j - (k - 1) / 2) * height
            if v is None:
                why = reasons[i] if reasons and reasons[i] else ""
                ax.text(0.01, y, f"{name}: {NA}" + (f" ({why})" if why else ""), va="center",
                        fontsize=8, color="#555555", transform=na_tr)
                continue
            ax.barh(y, v, height=height * 0.85, color=colour, label=name if first else None)
            first = False
            ax.text(v + vmax * 0.01, y, value_fmt(v), va="center", fontsize=8)
    if reference:
        ax.axvline(reference[0], color="#222222", ls="--", lw=1.2, label=reference[1])
    ax.set_yticks(range(n))
    ax.set_yticklabels([textwrap.fill(c, 26) for c in categories], fontsize=9)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, vmax * 1.2)
    if not present:
        ax.set_xticks([])
    ax.set_xlabel(unit, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.32), ncol=2,
                  frameon=False)
    return _fig_out(fig, fmt)


def _zone_vals(d: dict[str, Any], key: str, scale: float = 1.0) -> list[float | None]:
    out: list[float | None] = []
    for z in d["zones"]:
        v = z.get(key)
        out.append(float(v) * scale if isinstance(v, (int, float)) else None)
    return out


def _labels(d: dict[str, Any]) -> list[str]:
    return [str(z["label"]) for z in d["zones"]]


def _reasons(d: dict[str, Any], key: str) -> list[str | None]:
    return [(z.get("null_reasons") or {}).get(key) for z in d["zones"]]


def _pct(v: float) -> str:
    return f"{v:.1f}%"


def chart_shares(d: dict[str, Any], *, fmt: str = "svg") -> bytes | str:
    """Share of territory against share of residents (under the plan, and before), %."""
    return bar_chart(_labels(d), [
        ("Share of territory", _zone_vals(d, "share_of_territory", 100), "#999933"),
        ("Share of residents under the plan", _zone_vals(d, "share_of_residents", 100),
         "#332288"),
    ], title="Share of land and share of people, by zone", unit="% of the territory's total",
        value_fmt=_pct, fmt=fmt)


def chart_m2_per_person(d: dict[str, Any], *, fmt: str = "svg") -> bytes | str:
    """Gross land area per resident against Sphere's 45 m² camp standard."""
    return bar_chart(_labels(d), [("Area per person", _zone_vals(d, "m2_per_person"),
                                   "#44AA99")],
                     title="Land per person under the plan", unit="m² per person",
                     reasons=_reasons(d, "m2_per_person"),
                     reference=(45.0, "Sphere camp standard: 45 m² per person"), fmt=fmt)


def chart_beds(d: dict[str, Any], *, fmt: str = "svg") -> bytes | str:
    """Hospital beds per 10,000 residents (no normative minimum; WHO indicator)."""
    return bar_chart(_labels(d), [("Beds per 10,000", _zone_vals(d, "beds_per_10k"),
                                   "#882255")],
                     title="Hospital beds per 10,000 residents (WHO sets no minimum)",
                     unit="beds per 10,000 residents", reasons=_reasons(d, "beds_per_10k"),
                     value_fmt=lambda v: f"{v:.1f}", fmt=fmt)


def chart_forces(d: dict[str, Any], *, fmt: str = "svg") -> bytes | str:
    """Security personnel per 1,000 residents against Quinlivan's 20."""
    return bar_chart(_labels(d), [("Personnel per 1,000", _zone_vals(d, "forces_per_1000"),
                                   "#AA4499")],
                     title="Security personnel per 1,000 residents",
                     unit="personnel per 1,000 residents", reasons=_reasons(d, "forces_per_1000"),
                     reference=(20.0, "Quinlivan 1995: 20 per 1,000"),
                     value_fmt=lambda v: f"{v:.1f}", fmt=fmt)


def chart_reconstruction(d: dict[str, Any], *, fmt: str = "svg") -> bytes | str:
    """Reconstruction share against residents' share and damage share, %."""
    return bar_chart(_labels(d), [
        ("Share of reconstruction", _zone_vals(d, "reconstruction_share", 100), "#DDAA33"),
        ("Share of residents", _zone_vals(d, "share_of_residents", 100), "#332288"),
        ("Share of damaged structures", _zone_vals(d, "damage_share", 100), "#BB5566"),
    ], title="Who gets reconstruction: money, people and damage by zone",
        unit="% of the total", reasons=_reasons(d, "damage_share"), value_fmt=_pct, fmt=fmt)
