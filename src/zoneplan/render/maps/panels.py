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
from zoneplan.render.maps.labels import Box
from zoneplan.render.maps.shapes import (
    fill_geometry,
    fill_many,
    label_point,
    line_boxes,
    plot_lines,
)
from zoneplan.render.style import (
    AREA_EDGE,
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
    "by_area_panel",
    "damage_caption",
    "damage_panel",
    "damage_sizes",
    "density_caption",
    "density_cells",
    "density_panel",
    "display_side",
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
ZONE_LABEL_INSIDE = 0.5
"""A zone's name is placed where at least this share of its box lies on the zone."""
ZONE_LABEL_SIZES = (10.0, 8.5, 7.5)
"""Font sizes (points, bold) tried for a zone's name, largest first: a crowded zone gets
a smaller name rather than one over a line, a marker or a place."""
ZONE_LEADER_RINGS = (1.0, 2.0, 3.5, 5.0, 7.0, 9.0, 12.0, 15.0, 19.0, 24.0, 30.0)
"""How far (multiples of the gap, 4 points) a zone's name may sit from its zone when
the zone has no room for it, joined to it by a leader."""
BY_AREA_NAMED_ZONES = 2
"""Up to this many zones, the by-area map writes each zone's name beside its share;
with more, the shares alone, in the legend's order of the zones (its title says so)."""
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
    ax.apply_aspect()  # the final box now: labels are placed in display units


def _zone_title(z: dict[str, Any]) -> str:
    return (f"{z['label']}: {ACCESS_WORDS.get(z.get('access', ''), z.get('access', ''))}; "
            f"{fmt_km2(z.get('area_km2'))} ({fmt_share(z.get('share_of_territory'))} of the "
            f"territory); residents under the plan {fmt_people(z.get('residents'))}, before "
            f"{fmt_people(z.get('residents_baseline'))}")


def _draw_lines(ax: Axes, result: Result, d: dict[str, Any], opts: PanelOptions,
                titles: dict[str, str]) -> list[Box]:
    """The plan's lines, clipped to the territory, by colour and dash over a casing (white
    under dark lines, dark under a yellow one); returns display boxes along them, for
    labels to avoid."""
    lay = result.layout
    info = {ln["id"]: ln for ln in d.get("lines", [])}
    styles = line_styles(opts.line_ids or list(lay.lines))
    clip = lay.territory.buffer(50.0)  # lines end at the coast, not 100 m out to sea
    boxes: list[Box] = []
    for lid, line in lay.lines.items():
        st = styles[lid]
        geom = line.intersection(clip)
        plot_lines(ax, geom, color=st.casing, linewidth=st.width + st.casing_extra, zorder=5,
                   capstyle="round")
        plot_lines(ax, geom, color=st.colour, linewidth=st.width,
                   linestyle=st.dash if st.dash[1] else "solid", zorder=5.1,
                   gid=f"{opts.gid_prefix}line-{lid}")
        boxes += line_boxes(ax, geom, (st.width + st.casing_extra) / 2)
        ln = info.get(lid, {})
        km = ln.get("length_in_territory_km")
        titles[f"{opts.gid_prefix}line-{lid}"] = (f"{line_label({'id': lid, **ln})}"
                                 + (f": {km:.1f} km in the territory" if km else ""))
    return boxes


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
    area_lines = _draw_area_edges(ax, result)
    line_obs = _draw_lines(ax, result, d, opts, titles)
    markers = _draw_markers(ax, result, opts, titles)
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.inset:
        ib = basemap.locator_inset(ax, lay.crs, lay.territory)
        if ib:
            fixed.append(ib)
    ct, cboxes, clabels = basemap.draw_crossings(ax, lay.crs, prefix=opts.gid_prefix,
                                                 dated=d.get("crossings"))
    titles |= ct
    # the cities' and towns' names first, then the zones' names clear of them, then the
    # smaller places' and the crossings' names clear of both
    dots = (basemap.place_dots(ax, lay.crs, min_population=opts.min_population)
            if opts.places else [])

    def zone_names(names: list[Box]) -> list[Box]:
        if not opts.zone_labels:
            return []
        return _zone_labels(ax, result, looks, [*fixed, *markers, *cboxes, *dots, *names],
                            line_obs)

    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=[*fixed, *line_obs, *area_lines, *markers,
                                                 *cboxes],
                                      extra=clabels, prefix=opts.gid_prefix,
                                      between=zone_names)
    else:
        zone_names([])
    return titles


def _draw_area_edges(ax: Axes, result: Result) -> list[Box]:
    """With ``--by``: the areas' boundaries (thin dark grey lines; their names are on the
    by-area panel); returns display boxes along them."""
    geoms = _area_geometries(result)
    if not geoms:
        return []
    edges = shapely.union_all([shapely.boundary(g) for g in geoms.values()])
    edges = edges.difference(result.layout.territory.boundary.buffer(30.0))
    plot_lines(ax, edges, color=AREA_EDGE, linewidth=1.0, linestyle=(0, (3, 1.5)), zorder=4.5,
               gid="area-edges")
    return line_boxes(ax, edges, 0.5, step_pt=3.0)


def _area_geometries(result: Result) -> dict[str, Any]:
    """The ``--by`` areas inside the territory (layout CRS, metres), by name, in the
    order of the by-area table; empty without ``--by``."""
    from zoneplan.measure.figures.by_area import OUTSIDE

    groups: dict[str, list[Any]] = {}
    for pc in result.pieces or []:
        if pc.area != OUTSIDE:
            groups.setdefault(pc.area, []).append(pc.geometry)
    return {name: shapely.union_all(gs) for name, gs in groups.items()}


def _zone_labels(ax: Axes, result: Result, looks: dict[str, Any], obstacles: list[Box],
                 line_boxes_: list[Box]) -> list[Box]:
    """Each zone's short name, bold, inside the zone and clear of the lines, markers and
    other labels; returns the display boxes taken (names and leaders' dots).

    Where the name's centre may go is computed as an area, in display units: the zone
    (its box's centre kept inside the frame) minus every line grown by the name's box
    and the line's casing (the Minkowski sum of each segment and the box) and minus
    every obstacle grown the same way. The name goes at the pole of inaccessibility of
    the largest part of that area (:func:`shapely.ops.polylabel`), at the largest size of
    :data:`ZONE_LABEL_SIZES`, on one line or wrapped on two, that leaves such an area
    with at least :data:`ZONE_LABEL_INSIDE` of the box on the zone. A zone with room for
    none (a thin band) gets its name nearby, clear of the lines, with a leader to a dot
    in the zone; with no room anywhere it is left out.
    """
    import matplotlib.patheffects as pe

    from zoneplan.render.maps.labels import TEXT_GROWTH, Label, place_labels

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    bb = ax.get_window_extent()
    inv = ax.transData.inverted()
    pt = ax.figure.dpi / 72.0
    pad = 2.0 * pt
    lines = _display_lines(ax, result)
    casing = max((s.width + s.casing_extra for s in line_styles(list(result.layout.lines))
                  .values()), default=0.0) / 2 * pt
    taken: list[Box] = []
    halo = [pe.withStroke(linewidth=3, foreground=HALO)]
    for z in result.layout.zones:
        zone = shapely.transform(z.geometry, ax.transData.transform)
        if zone.is_empty:
            continue
        chosen = None
        t = ax.text(0, 0, "", ha="center", va="center", fontweight="bold", color=INK,
                    zorder=9, linespacing=1.3, path_effects=halo,
                    gid=f"zone-label-{z.id}")
        for size in ZONE_LABEL_SIZES:
            for text in _wrappings(looks[z.id].short_label):
                t.set_text(text)
                t.set_fontsize(size)
                e = t.get_window_extent(renderer)
                hw, hh = e.width * TEXT_GROWTH / 2 + pad, e.height / 2 + pad
                spot = _free_spot(zone, lines, [*obstacles, *taken], hw, hh,
                                  casing, (bb.x0, bb.y0, bb.x1, bb.y1))
                if spot is not None:
                    chosen = (spot, (spot[0] - hw, spot[1] - hh, spot[0] + hw, spot[1] + hh))
                    break
            if chosen is not None:
                break
        if chosen is not None:
            (cx, cy), box = chosen
            t.set_position(tuple(inv.transform((cx, cy))))
            taken.append(box)
            continue
        # no room inside: the name outside, clear of everything, with a leader
        t.set_text(_wrappings(looks[z.id].short_label)[-1])
        t.set_fontsize(ZONE_LABEL_SIZES[-1])
        e = t.get_window_extent(renderer)
        inner = zone.difference(lines.buffer(casing + 1.5 * pt)) if not lines.is_empty else zone
        anchor = label_point(inner if not inner.is_empty else zone)
        lab = Label(t.get_text(), anchor.x, anchor.y, e.width * TEXT_GROWTH + 2 * pad,
                    e.height + 2 * pad, gap=4 * pt)
        placed = place_labels([lab], frame=(bb.x0, bb.y0, bb.x1, bb.y1),
                              obstacles=[*obstacles, *line_boxes_, *taken], pad=0.0,
                              rings=ZONE_LEADER_RINGS)
        if not placed:
            t.remove()
            continue
        box = placed[0].box
        t.set_position(tuple(inv.transform(placed[0].anchor)))
        ex, ey = min(max(anchor.x, box[0]), box[2]), min(max(anchor.y, box[1]), box[3])
        (px_, py_), (qx, qy) = inv.transform([(anchor.x, anchor.y), (ex, ey)])
        ax.plot([px_, qx], [py_, qy], color=INK, lw=0.7, zorder=8.8,
                path_effects=[pe.withStroke(linewidth=2.0, foreground=HALO)])
        ax.plot([px_], [py_], marker="o", ms=3.0, mfc=INK, mec=HALO, mew=0.6, ls="",
                zorder=8.8)
        r = 2.5 * pt
        taken += [box, (anchor.x - r, anchor.y - r, anchor.x + r, anchor.y + r)]
        n = max(1, int(np.hypot(ex - anchor.x, ey - anchor.y) // (2 * pt)))
        xs, ys = np.linspace(anchor.x, ex, n + 1), np.linspace(anchor.y, ey, n + 1)
        taken += [(x - pt, y - pt, x + pt, y + pt)  # the leader: other names keep off it
                  for x, y in zip(xs, ys, strict=True)]
    return taken


def _wrappings(label: str) -> list[str]:
    """``label`` on one line, then split on two at the space nearest its middle (if it
    has one)."""
    words = label.split()
    if len(words) < 2:
        return [label]
    cut = min(range(1, len(words)),
              key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))))
    return [label, " ".join(words[:cut]) + "\n" + " ".join(words[cut:])]


def _display_lines(ax: Axes, result: Result) -> Any:
    """The plan's lines as drawn (clipped to the territory), in display units."""
    clip = result.layout.territory.buffer(50.0)
    geoms = [ln.intersection(clip) for ln in result.layout.lines.values()]
    if not geoms:
        return shapely.GeometryCollection()
    return shapely.transform(shapely.union_all(geoms), ax.transData.transform)


def _grown_segments(lines: Any, hw: float, hh: float) -> Any:
    """The area swept by a ``2 hw × 2 hh`` box centred on every point of ``lines``
    (display units): the union of the hulls of the box at both ends of each segment."""
    parts = [np.asarray(g.coords)[:, :2] for g in shapely.get_parts(
        shapely.line_merge(lines) if lines.geom_type == "MultiLineString" else lines)
        if g.geom_type in ("LineString", "LinearRing")]
    if not parts:
        return shapely.Polygon()
    corners = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    hulls = []
    for xy in parts:
        seg = np.stack([xy[:-1], xy[1:]], axis=1)  # (n, 2 ends, 2)
        pts = (seg[:, :, None, :] + corners[None, None, :, :]).reshape(len(seg), 8, 2)
        hulls.append(shapely.convex_hull(shapely.multipoints(pts)))
    return shapely.union_all(np.concatenate(hulls))


def _free_spot(zone: Any, lines: Any, obstacles: list[Box], hw: float, hh: float,
               casing: float, frame: Box) -> tuple[float, float] | None:
    """Where a ``2 hw × 2 hh`` box may be centred on ``zone`` (display units): clear of
    the lines (grown by ``casing``) and the obstacles, inside the frame, with at least
    :data:`ZONE_LABEL_INSIDE` of it on the zone; the pole of inaccessibility of the
    largest free part, or ``None``."""
    from shapely.ops import polylabel

    fx0, fy0, fx1, fy1 = frame
    if fx1 - fx0 <= 2 * hw or fy1 - fy0 <= 2 * hh:
        return None
    free = zone.intersection(shapely.box(fx0 + hw, fy0 + hh, fx1 - hw, fy1 - hh))
    if free.is_empty:
        return None
    if not lines.is_empty:
        free = free.difference(_grown_segments(lines.simplify(0.5), hw + casing,
                                               hh + casing))
    if free.is_empty:
        return None
    bx0, by0, bx1, by1 = free.bounds
    grown = [shapely.box(o[0] - hw, o[1] - hh, o[2] + hw, o[3] + hh) for o in obstacles
             if o[2] + hw > bx0 and o[0] - hw < bx1 and o[3] + hh > by0 and o[1] - hh < by1]
    if grown:
        free = free.difference(shapely.union_all(grown))
    parts = sorted((p for p in shapely.get_parts(free) if p.geom_type == "Polygon"
                    and p.area > 0), key=lambda p: -p.area)
    for part in parts[:6]:
        p = polylabel(part, tolerance=1.0)
        for x, y in ((p.x, p.y), *_inner_points(part)):
            box = shapely.box(x - hw, y - hh, x + hw, y + hh)
            if box.intersection(zone).area >= ZONE_LABEL_INSIDE * box.area:
                return float(x), float(y)
    return None


def _inner_points(part: Any, n: int = 12) -> list[tuple[float, float]]:
    """Points of a polygon on a grid, deepest first (for a box to try when the pole of
    inaccessibility leaves too little of it on the zone)."""
    x0, y0, x1, y1 = part.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    xs, ys = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(part, xs, ys)
    xs, ys = xs[inside], ys[inside]
    depth = shapely.distance(part.exterior, shapely.points(xs, ys))
    order = np.argsort(-depth)
    return [(float(xs[i]), float(ys[i])) for i in order]


def display_side(result: Result) -> float:
    """Side of the residents panel's squares, metres: :data:`DISPLAY_SQUARE_M`, or the
    next of :data:`NICE_SIDES_M` that keeps about :data:`MAP_MAX_CELLS` squares."""
    grid = result.inputs.population.grid
    want = max(DISPLAY_SQUARE_M, float(np.sqrt(grid.total_area_m2() / MAP_MAX_CELLS)),
               float(grid.cell_size))
    return float(next((v for v in NICE_SIDES_M if v >= want), np.ceil(want / 1e4) * 1e4))


def density_cells(result: Result) -> tuple[Any, np.ndarray, float]:
    """Squares (clipped to the open zones, in the layout's CRS) and their people per km².

    The cells' residents under the plan are summed into squares of
    :data:`DISPLAY_SQUARE_M` or more (at most about :data:`MAP_MAX_CELLS` squares); each
    square is clipped to where the model places people (:func:`open_area`: the zones
    not closed to civilians), and its density is its people over that clipped area
    (so a square cut by the line shows the density of its open part, with no fringe
    of thin squares on the closed side). Returns ``(squares, per_km2, side_m)``.
    """
    cell_map = result.metrics.cell_map
    assert cell_map is not None, "the central case keeps its cell map"
    side = display_side(result)
    sq, people, cover = cell_map.squares(side)
    used = np.flatnonzero(cover > 0)
    xy = sq.centres(used)
    boxes = shapely.box(xy[:, 0] - side / 2, xy[:, 1] - side / 2, xy[:, 0] + side / 2,
                        xy[:, 1] + side / 2)
    crs, lay_crs = result.inputs.population.crs, result.layout.crs
    where = project(open_area(result), crs, src=lay_crs)
    clipped = shapely.intersection(boxes, where)
    area = shapely.area(clipped)
    keep = area > 0
    clipped, area, used = clipped[keep], area[keep], used[keep]
    if not crs.equals(lay_crs):
        clipped = np.array([project(g, lay_crs, src=crs) for g in clipped])
    return clipped, people[used] / (area / 1e6), side


def open_area(result: Result) -> Any:
    """Where the model places people: the union of the zones not closed to civilians
    (layout CRS, metres). Residents of closed zones are moved out of them, so the
    residents panel draws nothing there."""
    zones = [z.geometry for z in result.layout.zones if z.spec.access != "closed"]
    return shapely.union_all(zones) if zones else shapely.Polygon()


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
    line_obs = _draw_lines(ax, result, d, opts, titles)
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=[*fixed, *line_obs], prefix=opts.gid_prefix)
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


def damage_sizes(top: float) -> list[float]:
    """Round counts for the damage size legend: the largest count, a quarter and a
    twentieth of it, each rounded down to 1, 2 or 5 times a power of ten; largest first.

    >>> damage_sizes(7_431)
    [5000.0, 1000.0, 200.0]
    >>> damage_sizes(1)
    [1.0]
    """
    import math

    def nice(v: float) -> float:
        k = 10 ** math.floor(math.log10(v))
        return float(max(m * k for m in (1, 2, 5) if m * k <= v))

    out: list[float] = []
    for v in (top, top / 4, top / 20):
        if v >= 1:
            n = nice(v)
            if n not in out:
                out.append(n)
    return out


def _size_legend(ax: Axes, top: float, text_scale: float) -> Box:
    """Reference circles of the damage panel in its top left corner (over the sea on the
    built-in maps), drawn like the map's circles, in a row with their counts under them;
    returns the display box they take, for labels to avoid."""
    import matplotlib.patheffects as pe

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    sizes = damage_sizes(top)
    fs = 6.5 * text_scale
    pt = ax.figure.dpi / 72.0
    bb = ax.get_window_extent()
    to_axes = ax.transAxes.inverted()
    halo = [pe.withStroke(linewidth=2.0, foreground=HALO)]
    x, y_top = bb.x0 + 6 * pt, bb.y1 - 5 * pt
    tx, ty = to_axes.transform((x, y_top))
    title = ax.text(float(tx), float(ty), "Damaged structures\n(circle area ∝ count)",
                    transform=ax.transAxes, ha="left", va="top", fontsize=fs, color=INK,
                    zorder=11, linespacing=1.3, path_effects=halo)
    e = title.get_window_extent(renderer)
    d_max = DAMAGE_MAX_PT * np.sqrt(sizes[0] / top) * pt  # pixels
    cy = e.y0 - 3 * pt - d_max / 2
    right = e.x1
    bottom = cy
    for v in sizes:
        d = DAMAGE_MAX_PT * np.sqrt(v / top) * pt
        lab = ax.text(0, 0, f"{v:,.0f}", transform=ax.transAxes, ha="center", va="top",
                      fontsize=fs * 0.9, color=INK, zorder=11, path_effects=halo)
        w = max(d, lab.get_window_extent(renderer).width)
        cx = x + w / 2
        ax_x, ax_y = to_axes.transform((cx, cy))
        ax.scatter([ax_x], [ax_y], s=(d / pt) ** 2, c=DAMAGE_COLOUR, alpha=0.55,
                   linewidths=0.3, edgecolors="white", transform=ax.transAxes, zorder=11)
        lx, ly = to_axes.transform((cx, cy - d_max / 2 - 2 * pt))
        lab.set_position((float(lx), float(ly)))
        le = lab.get_window_extent(renderer)
        bottom = min(bottom, le.y0)
        right = max(right, x + w)
        x += w + 6 * pt
    return (float(bb.x0), float(bottom - 2 * pt), float(right + 2 * pt), float(bb.y1))


def by_area_panel(ax: Axes, result: Result, opts: PanelOptions | None = None
                  ) -> dict[str, str]:
    """With ``--by``: the areas outlined and named over the zones in pale colours, each
    with the share of its area in each zone (the by-area table, as a map).

    Returns ``{gid: hover title}``; a result without ``--by`` draws the zones only.
    """
    import matplotlib.patheffects as pe

    from zoneplan.render.maps.labels import POSITIONS, TEXT_GROWTH, Label, place_labels

    opts = opts or PanelOptions(places=False, inset=False)
    lay = result.layout
    d = result.to_dict()
    _frame(ax, result)
    ctx_boxes = basemap.draw_context(ax, lay.crs, names=False)
    looks = {lk.id: lk for lk in zone_looks(d["zones"])}
    titles: dict[str, str] = {}
    for z in lay.zones:
        fill_geometry(ax, z.geometry, facecolor=to_rgba(looks[z.id].colour, 0.45),
                      edgecolor="none", zorder=2)
    line_obs = _draw_lines(ax, result, d, opts, titles)
    areas = _area_geometries(result)
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in d.get("by_area") or []:
        rows.setdefault(str(r["area"]), []).append(r)
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels: list[Label] = []
    texts: list[str] = []
    for i, (name, g) in enumerate(areas.items()):
        gid = f"{opts.gid_prefix}area-{i}"
        fill_geometry(ax, g, facecolor="none", edgecolor=AREA_EDGE, linewidth=1.1, zorder=4.5,
                      gid=gid)
        shares = [(looks[r["zone"]].short_label, r.get("share_of_area"))
                  for r in rows.get(name, []) if r["zone"] in looks]
        titles[gid] = f"{name}: " + "; ".join(f"{fmt_share(v)} in the {lab.lower()}"
                                              for lab, v in shares)
        if len(looks) <= BY_AREA_NAMED_ZONES:
            text = name + "".join(f"\n{lab.removesuffix(' zone')} {fmt_share(v)}"
                                  for lab, v in shares)
        else:  # the shares alone, in the legend's order of the zones (the title says so)
            by_zone = {r["zone"]: r.get("share_of_area") for r in rows.get(name, [])}
            cells = [fmt_share(by_zone.get(zid)) for zid in looks]
            text = name + "\n" + " · ".join(cells[:2]) + "\n" + " · ".join(cells[2:])
        p = label_point(g)
        x, y = ax.transData.transform((p.x, p.y))
        t = ax.text(0, 0, text, fontsize=6.5 * opts.text_scale, linespacing=1.3)
        e = t.get_window_extent(renderer)
        t.remove()
        labels.append(Label(text, x, y, e.width * TEXT_GROWTH + 2, e.height + 2,
                            gap=1.5 * ax.figure.dpi / 72.0))
        texts.append(text)
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    # the names keep off the areas' boundaries too (inside their area, or out on a leader)
    edges = shapely.union_all([shapely.boundary(g) for g in areas.values()]) if areas else None
    edge_obs = (line_boxes(ax, edges.difference(lay.territory.boundary.buffer(30.0)), 0.6,
                           step_pt=3.0) if edges is not None else [])
    bb = ax.get_window_extent()
    placed = place_labels(labels, frame=(bb.x0, bb.y0, bb.x1, bb.y1),
                          obstacles=[*fixed, *line_obs, *edge_obs],
                          positions=(("C", 0, 0), *POSITIONS),
                          rings=(1.0, 4.0, 8.0, 14.0, 20.0, 28.0, 40.0, 55.0))
    inv = ax.transData.inverted()
    for pl in placed:
        x, y = inv.transform(pl.anchor)
        if pl.position != "C":  # a leader from the area's point to the nearest box edge
            lab = labels[pl.index]
            bx0, by0, bx1, by1 = pl.box
            ex, ey = min(max(lab.x, bx0), bx1), min(max(lab.y, by0), by1)
            (px_, py_), (qx, qy) = inv.transform([(lab.x, lab.y), (ex, ey)])
            ax.plot([px_, qx], [py_, qy], color=AREA_EDGE, lw=0.6, zorder=8.9)
            ax.plot([px_], [py_], marker="o", ms=2.5, color=AREA_EDGE, zorder=8.9)
        ax.text(x, y, texts[pl.index], ha="center", va="center", linespacing=1.3,
                fontsize=6.5 * opts.text_scale, color=INK, zorder=9,
                path_effects=[pe.withStroke(linewidth=2.4, foreground=HALO)])
    return titles


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
    line_obs = _draw_lines(ax, result, d, opts, titles)
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
        ctx_boxes.append(_size_legend(ax, top, opts.text_scale))
    fixed = [*ctx_boxes, basemap.scale_bar(ax, fontsize=7.5 * opts.text_scale),
             basemap.north_arrow(ax, fontsize=9.0 * opts.text_scale)]
    if opts.places:
        titles |= basemap.draw_places(ax, lay.crs, min_population=opts.min_population,
                                      obstacles=[*fixed, *line_obs], prefix=opts.gid_prefix)
    return titles
