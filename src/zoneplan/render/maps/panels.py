"""Map panels on a matplotlib axes: the zones panel, the residents panel and the damage
panel.

The zones panel fills each zone with its colour and draws its civilian access as a
pattern on top (:mod:`zoneplan.render.style`), with the lines, hospitals, compounds,
crossings and place names; the residents panel draws people per km² under the plan as
graduated cells (1 km squares or coarser), with the zones outlined; the damage panel
draws the damage layer's points as circles whose area is proportional to the damaged
structures each stands for, over the zones in pale colours. All carry the
context (:mod:`zoneplan.render.maps.basemap`), a scale bar and a north arrow. They are used by
the print map (:mod:`zoneplan.render.maps.map`), the report page and the comparison page.

Each function returns ``{gid: hover title}`` for the artists it drew, for SVG output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from matplotlib.colors import to_rgba

from zoneplan.geometry import project
from zoneplan.render.maps import basemap
from zoneplan.render.maps.shapes import fill_geometry, fill_many, label_point, plot_lines
from zoneplan.render.style import (
    COMPOUND_COLOUR,
    DENSITY_BINS,
    DENSITY_COLOURS,
    HALO,
    HOSPITAL_COLOUR,
    INK,
    PATTERN_INK,
    TERRITORY_EDGE,
    line_label,
    line_styles,
    zone_looks,
)
from zoneplan.render.words.text import ACCESS_WORDS, fmt_km2, fmt_people, fmt_share

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from zoneplan.result import Result

__all__ = [
    "DAMAGE_COLOUR",
    "DISPLAY_SQUARE_M",
    "MAP_MAX_CELLS",
    "PanelOptions",
    "damage_caption",
    "damage_panel",
    "density_caption",
    "density_cells",
    "density_panel",
    "zones_panel",
]

DAMAGE_COLOUR = "#4B2E2A"
"""Damage circles: a dark brown, distinct from every zone colour and from the density scale."""
DAMAGE_MAX_PT = 14.0
"""Diameter (points) of the circle for the largest count; others scale by area."""

DISPLAY_SQUARE_M = 1000.0
"""Residents are drawn in squares of at least 1 km: the built-in grid is modelled from 33
census points with a 1 km kernel, so finer squares would show the model's rings, not
where people are."""
MAP_MAX_CELLS = 20_000
"""At most about this many squares are drawn (larger territories get larger squares)."""
NICE_SIDES_M = (1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000)
"""Square sides the display chooses from, metres."""


@dataclass
class PanelOptions:
    """What a panel shows and how large its text is.

    Attributes
    ----------
    places
        Write place names (``min_population`` and up).
    min_population
        Smallest place named, people (2017).
    inset
        Draw the locator inset (zones panel).
    zone_labels
        Write the zones' names on them.
    marker_scale
        Multiplies marker sizes (small multiples use less than 1).
    text_scale
        Multiplies the scale bar's and north arrow's text.
    line_ids
        Line ids in the order that fixes their styles (default: the plan's order).
    gid_prefix
        Put before every artist id (two panels in one SVG need different ids).
    """

    places: bool = True
    min_population: float = 0.0
    inset: bool = True
    zone_labels: bool = True
    marker_scale: float = 1.0
    text_scale: float = 1.0
    line_ids: list[str] = field(default_factory=list)
    gid_prefix: str = ""


def _frame(ax: Axes, result: Result) -> None:
    x0, x1, y0, y1 = basemap.extent(result.layout.territory)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_edgecolor("#888888")
        s.set_linewidth(0.6)


def _zone_title(z: dict[str, Any]) -> str:
    return (f"{z['label']}: {ACCESS_WORDS.get(z.get('access', ''), z.get('access', ''))}; "
            f"{fmt_km2(z.get('area_km2'))} ({fmt_share(z.get('share_of_territory'))} of the "
            f"territory); residents under the plan {fmt_people(z.get('residents'))}, before "
            f"{fmt_people(z.get('residents_baseline'))}")


def _draw_lines(ax: Axes, result: Result, d: dict[str, Any], opts: PanelOptions,
                titles: dict[str, str]) -> None:
    """The plan's lines, clipped to the territory, by colour and dash over a white halo."""
    lay = result.layout
    info = {ln["id"]: ln for ln in d.get("lines", [])}
    styles = line_styles(opts.line_ids or list(lay.lines))
    clip = lay.territory.buffer(50.0)  # lines end at the coast, not 100 m out to sea
    for lid, line in lay.lines.items():
        st = styles[lid]
        geom = line.intersection(clip)
        plot_lines(ax, geom, color=HALO, linewidth=st.width + 2.2, zorder=5,
                   capstyle="round")
        plot_lines(ax, geom, color=st.colour, linewidth=st.width, linestyle=st.dash, zorder=5.1,
                   gid=f"{opts.gid_prefix}line-{lid}")
        ln = info.get(lid, {})
        km = ln.get("length_in_territory_km")
        titles[f"{opts.gid_prefix}line-{lid}"] = (f"{line_label({'id': lid, **ln})}"
                                 + (f": {km:.1f} km in the territory" if km else ""))


def _draw_markers(ax: Axes, result: Result, opts: PanelOptions,
                  titles: dict[str, str]) -> list[tuple[float, float, float, float]]:
    """Hospitals (crosses) and compounds (squares); returns their display boxes."""
    lay = result.layout
    boxes: list[tuple[float, float, float, float]] = []
    s = opts.marker_scale
    h = result.inputs.hospitals
    if h is not None and h.gdf is not None and len(h.gdf):
        pts = h.gdf.to_crs(lay.crs)
        names = pts["name"] if "name" in pts.columns else [None] * len(pts)
        status = pts["status"] if "status" in pts.columns else [None] * len(pts)
        for i, (g, name, st) in enumerate(zip(pts.geometry, names, status, strict=True)):
            gid = f"{opts.gid_prefix}hospital-{i}"
            ax.plot([g.x], [g.y], marker="P", ms=7 * s, mfc=HOSPITAL_COLOUR, mec="white",
                    mew=0.7, ls="", zorder=6, gid=gid)
            titles[gid] = f"Hospital: {name or '(no name)'}" + (f" ({st})" if st else "")
            x, y = ax.transData.transform((g.x, g.y))
            r = 4.0 * s * ax.figure.dpi / 72.0
            boxes.append((x - r, y - r, x + r, y + r))
    from shapely.geometry import Point

    for i, c in enumerate(result.inputs.plan.compounds):
        p = project(Point(*c.location), lay.crs)
        gid = f"{opts.gid_prefix}compound-{i}"
        ax.plot([p.x], [p.y], marker="s", ms=6.5 * s, mfc=COMPOUND_COLOUR, mec="white",
                mew=0.7, ls="", zorder=6, gid=gid)
        titles[gid] = (f"Compound (planned): {c.label}; {c.count:,} of {c.capacity:,} people "
                       "each")
    return boxes


def zones_panel(ax: Axes, result: Result, opts: PanelOptions | None = None) -> dict[str, str]:
    """The zones by colour with access patterns, lines, markers and context.

    Parameters
    ----------
    ax
        An empty axes (its limits are set here, to the territory with a margin).
    result
        An evaluated plan.
    opts
        What to show.

    Returns
    -------
    dict
        Hover titles by gid.
    """
    opts = opts or PanelOptions()
    d = result.to_dict()
    lay = result.layout
    _frame(ax, result)
    titles: dict[str, str] = {}
    ctx_boxes = basemap.draw_context(ax, lay.crs,
                                     avoid=basemap.inset_area(ax) if opts.inset else None)
    fill_geometry(ax, lay.territory, facecolor="#FFFFFF", zorder=1)
    looks = {z.id: z for z in zone_looks(d["zones"])}
    zd = {z["id"]: z for z in d["zones"]}
    for z in lay.zones:
        look = looks[z.id]
        gid = f"{opts.gid_prefix}zone-{z.id}"
        fill_geometry(ax, z.geometry, facecolor=look.colour, edgecolor="none", zorder=2,
                      gid=gid)
        titles[gid] = _zone_title(zd[z.id])
        if look.pattern.hatch:
            fill_geometry(ax, z.geometry, facecolor="none", edgecolor=PATTERN_INK,
                          hatch=look.pattern.hatch, linewidth=0, zorder=2.1)
        fill_geometry(ax, z.geometry, facecolor="none", edgecolor="#FFFFFF", linewidth=0.9,
                      zorder=2.2)
    fill_geometry(ax, lay.territory, facecolor="none", edgecolor=TERRITORY_EDGE, linewidth=0.8,
                  zorder=2.3)
    _draw_lines(ax, result, d, opts, titles)
    markers = _draw_markers(ax, result, opts, titles)
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.zone_labels:
        fixed += _zone_labels(ax, result, looks)
    if opts.inset:
        ib = basemap.locator_inset(ax, lay.crs, lay.territory)
        if ib:
            fixed.append(ib)
    ct, cboxes, clabels = basemap.draw_crossings(ax, lay.crs, prefix=opts.gid_prefix)
    titles |= ct
    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=[*fixed, *cboxes, *markers], extra=clabels,
                                      prefix=opts.gid_prefix, hard_obstacles=len(fixed))
    return titles


def _zone_labels(ax: Axes, result: Result, looks: dict[str, Any]
                 ) -> list[tuple[float, float, float, float]]:
    """Each zone's short name, bold, at the pole of inaccessibility of its largest part."""
    import matplotlib.patheffects as pe

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for z in result.layout.zones:
        p = label_point(z.geometry)
        t = ax.text(p.x, p.y, looks[z.id].short_label, ha="center", va="center", fontsize=10,
                    fontweight="bold", color=INK, zorder=9,
                    path_effects=[pe.withStroke(linewidth=3, foreground=HALO)])
        bb = t.get_window_extent(renderer)
        boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    return boxes


def density_cells(result: Result) -> tuple[Any, np.ndarray, float]:
    """Squares (clipped to the territory, in the layout's CRS) and their people per km².

    The cells' residents under the plan are summed into squares of
    :data:`DISPLAY_SQUARE_M` or more (at most about :data:`MAP_MAX_CELLS` squares); a
    square's density is its people over its land area. Returns ``(squares, per_km2,
    side_m)``.
    """
    grid = result.inputs.population.grid
    cell_map = result.metrics.cell_map
    assert cell_map is not None, "the central case keeps its cell map"
    want = max(DISPLAY_SQUARE_M, float(np.sqrt(grid.total_area_m2() / MAP_MAX_CELLS)),
               float(grid.cell_size))
    side = float(next((v for v in NICE_SIDES_M if v >= want), np.ceil(want / 1e4) * 1e4))
    sq, people, cover = cell_map.squares(side)
    used = np.flatnonzero(cover > 0)
    xy = sq.centres(used)
    boxes = shapely.box(xy[:, 0] - side / 2, xy[:, 1] - side / 2, xy[:, 0] + side / 2,
                        xy[:, 1] + side / 2)
    crs, lay_crs = result.inputs.population.crs, result.layout.crs
    clipped = shapely.intersection(boxes, project(result.layout.territory, crs, src=lay_crs))
    if not crs.equals(lay_crs):
        clipped = np.array([project(g, lay_crs, src=crs) for g in clipped])
    return clipped, people[used] / (cover[used] / 1e6), side


def density_caption(d: dict[str, Any], side_m: float) -> str:
    """How the residents panel is made, in words (for captions)."""
    pop = d.get("population", {})
    return (f"Residents under the plan per km², in {side_m / 1000:g} km squares: "
            f"{pop.get('modelled_label')} ({pop.get('modelled_date')}) spread like the "
            f"{pop.get('baseline_label')}, people in zones closed to civilians moved into open "
            f"zones ({pop.get('relocation')}). {_sentence(pop.get('baseline_method'))} The "
            "pattern is modelled, not observed.").replace("  ", " ").strip()


def _sentence(text: str | None) -> str:
    """``text`` ending with a full stop (empty for none)."""
    text = (text or "").strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def density_panel(ax: Axes, result: Result, opts: PanelOptions | None = None
                  ) -> tuple[dict[str, str], float]:
    """Residents under the plan as graduated squares, the zones outlined, with context.

    Returns
    -------
    titles, side_m
        Hover titles by gid, and the squares' side in metres (for the caption).
    """
    opts = opts or PanelOptions(places=True, min_population=50_000, inset=False)
    lay = result.layout
    d = result.to_dict()
    _frame(ax, result)
    ctx_boxes = basemap.draw_context(ax, lay.crs)
    cells, dens, side = density_cells(result)
    cls = np.clip(np.searchsorted(DENSITY_BINS, dens, side="right") - 1, 0,
                  len(DENSITY_COLOURS) - 1)
    fill_many(ax, list(cells), [DENSITY_COLOURS[c] for c in cls], zorder=2)
    titles: dict[str, str] = {}
    zd = {z["id"]: z for z in d["zones"]}
    for z in lay.zones:
        gid = f"{opts.gid_prefix}zone-{z.id}"
        fill_geometry(ax, z.geometry, facecolor="none", edgecolor=INK, linewidth=0.7, zorder=3,
                      gid=gid)
        titles[gid] = _zone_title(zd[z.id])
    _draw_lines(ax, result, d, opts, titles)
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=fixed, prefix=opts.gid_prefix)
    return titles, side


def damage_caption(d: dict[str, Any]) -> str:
    """How the damage panel is made, in words (for captions)."""
    used = (d.get("layers_used") or {}).get("damage") or {}
    return (f"Damaged structures: {used.get('label', 'the damage layer')}"
            + (f", as of {used['date']}" if used.get("date") else "")
            + ("; sources: " + ", ".join(used.get("sources") or []) if used.get("sources")
               else "")
            + ". Each circle stands for the structures counted at that point (its area is "
            "proportional to the count); zones in pale colours.")


def damage_panel(ax: Axes, result: Result, opts: PanelOptions | None = None
                 ) -> dict[str, str]:
    """The damage layer as circles sized by count, over the zones in pale colours.

    Returns ``{gid: hover title}``; a result without a damage layer draws the zones only.
    """
    opts = opts or PanelOptions(places=True, min_population=50_000, inset=False)
    lay = result.layout
    d = result.to_dict()
    _frame(ax, result)
    ctx_boxes = basemap.draw_context(ax, lay.crs)
    looks = {lk.id: lk for lk in zone_looks(d["zones"])}
    zd = {z["id"]: z for z in d["zones"]}
    titles: dict[str, str] = {}
    for z in lay.zones:
        gid = f"{opts.gid_prefix}zone-{z.id}"
        fill_geometry(ax, z.geometry, facecolor=to_rgba(looks[z.id].colour, 0.35),
                      edgecolor=INK, linewidth=0.7, zorder=2, gid=gid)
        dz = zd[z.id]
        titles[gid] = (f"{dz['label']}: {fmt_people(dz.get('damaged_structures'))} damaged "
                       f"structures ({fmt_share(dz.get('damage_share'))} of all)")
    _draw_lines(ax, result, d, opts, titles)
    dmg = result.inputs.damage
    if dmg is not None and len(dmg):
        pts = dmg.gdf.to_crs(lay.crs)
        counts = np.asarray(dmg.values["count"], dtype=float)
        top = float(counts.max()) if counts.size and counts.max() > 0 else 1.0
        sizes = (DAMAGE_MAX_PT ** 2) * counts / top
        order = np.argsort(-counts)  # small circles drawn over large ones
        ax.scatter(pts.geometry.x.to_numpy()[order], pts.geometry.y.to_numpy()[order],
                   s=sizes[order], c=DAMAGE_COLOUR, alpha=0.55, linewidths=0.3,
                   edgecolors="white", zorder=4, gid=f"{opts.gid_prefix}damage")
        titles[f"{opts.gid_prefix}damage"] = (
            f"{fmt_people(float(counts.sum()))} damaged structures ({dmg.label}"
            + (f", {dmg.date}" if dmg.date else "") + ")")
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=fixed, prefix=opts.gid_prefix)
    return titles
