"""Context on a matplotlib map: sea, neighbouring land and boundaries, place names without
collisions, crossings, scale bar, north arrow and a locator inset.

The context comes from the pack (:mod:`zoneplan.pack.context`, with its sources); it is
drawn wherever it falls inside the map, so maps of other territories simply show none.
Every function draws on an axes whose data units are metres of a projected CRS.
Artists that should carry a hover title in SVG get a ``gid``; the functions return
``{gid: title}`` for :func:`zoneplan.render.maps.svgtools.add_titles`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib.patheffects as pe
import shapely
from matplotlib.font_manager import FontProperties
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from zoneplan.geometry import project
from zoneplan.pack.context import CONTEXT_BOUNDS, context_layers, crossing_points, places
from zoneplan.render.maps.labels import TEXT_GROWTH, Box, Label, place_labels
from zoneplan.render.maps.shapes import fill_geometry, plot_lines
from zoneplan.render.style import (
    BOUNDARY_COLOUR,
    CROSSING_COLOUR,
    HALO,
    INK,
    LAND_COLOUR,
    MUTED,
    SEA_COLOUR,
    SEA_TEXT,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from pyproj import CRS

__all__ = [
    "PLACE_CLASSES",
    "draw_context",
    "draw_crossings",
    "draw_places",
    "extent",
    "inset_area",
    "locator_inset",
    "north_arrow",
    "place_dots",
    "scale_bar",
]

PLACE_CLASSES: tuple[tuple[float, float, float, str], ...] = (
    (200_000, 10.0, 3.2, "bold"),
    (50_000, 8.5, 2.6, "normal"),
    (0, 7.0, 2.0, "normal"),
)
"""Place names by 2017 population: (at least, font points, dot radius points, weight):
cities of 200,000 or more largest, then towns of 50,000 or more, then the rest."""
INSET_FRAME = "#CC3311"
"""The main map's frame on the locator inset: Tol's red, the one accent on the inset."""
INSET_BOUNDS = (0.015, 0.715, 0.27, 0.27)
"""Where the locator inset sits in the zones panel (axes fraction: x, y, width, height):
top left, over the sea, where the Strip's shape leaves room."""
CITY_RINGS = (1.0, 1.35, 1.7, 2.1, 2.5, 3.5, 5.0, 7.0)
"""How far (multiples of the usual gap) a city's or town's name may move from its dot to
find room clear of lines and markers; beyond 2.6 gaps a leader joins it to its dot."""
PLACE_RINGS = (1.0, 1.35, 1.7, 2.1, 2.5)
"""How far a smaller place's or a crossing's name may move (never on a leader)."""
HALO_WIDTH = 2.4
"""White halo behind map text, points: legible over fills and hatching."""


def _halo(width: float = HALO_WIDTH) -> list[Any]:
    return [pe.withStroke(linewidth=width, foreground=HALO)]


def _extent_box(ax: Axes) -> BaseGeometry:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return shapely.box(x0, y0, x1, y1)


def _projected_context(crs: CRS) -> list[tuple[str, str, BaseGeometry]]:
    ctx = context_layers()
    return [(k, n, project(g, crs)) for k, n, g in zip(ctx["kind"], ctx["name"], ctx.geometry,
                                                        strict=True)]


def draw_context(ax: Axes, crs: CRS, *, names: bool = True, name_size: float = 9.0,
                 avoid: BaseGeometry | None = None) -> list[Box]:
    """Sea, land and boundaries inside the axes' limits, with sea and country names.

    Parameters
    ----------
    ax
        The map axes (limits already set, in ``crs`` metres).
    crs
        The map's projected CRS.
    names
        Write the sea's and the neighbouring countries' names.
    name_size
        Their font size, points.
    avoid
        An area (data units) the names must not be placed in, e.g. under an inset.

    Returns
    -------
    list of Box
        Display boxes of the names written, for other labels to avoid.
    """
    frame = _extent_box(ax)
    ax.set_facecolor(LAND_COLOUR if _touches_context(frame, crs) else "#FFFFFF")
    layers = [(k, n, g) for k, n, g in _projected_context(crs) if g.intersects(frame)]
    boxes: list[Box] = []
    for kind, _, g in layers:
        if kind == "sea":
            fill_geometry(ax, g.intersection(frame), facecolor=SEA_COLOUR, zorder=0.5)
        elif kind == "land":
            fill_geometry(ax, g.intersection(frame), facecolor=LAND_COLOUR, zorder=0.6)
    for kind, _, g in layers:
        if kind == "boundary":
            plot_lines(ax, g.intersection(frame), color=BOUNDARY_COLOUR, linewidth=0.9,
                       linestyle=(0, (5, 1.5, 1, 1.5)), zorder=1.5)
    if not names:
        return boxes
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for kind, name, g in layers:
        if kind not in ("sea", "land") or name in ("Gaza Strip", "West Bank"):
            continue
        part = g.intersection(frame)
        if avoid is not None:
            part = part.difference(avoid)
        biggest = max(getattr(part, "geoms", [part]), key=lambda p: p.area, default=None)
        if biggest is None or biggest.is_empty or biggest.area < 0.04 * frame.area:
            continue
        p = polylabel(biggest, tolerance=200.0)
        sea = kind == "sea"
        text = "Mediterranean\nSea" if name == "Mediterranean Sea" else name.upper()
        t = ax.text(p.x, p.y, text, ha="center", va="center", fontsize=name_size,
                    style="italic" if sea else "normal", color=SEA_TEXT if sea else MUTED,
                    fontweight="normal" if sea else "bold", zorder=3, linespacing=1.3)
        bb = t.get_window_extent(renderer)
        boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    return boxes


def _touches_context(frame: BaseGeometry, crs: CRS) -> bool:
    return bool(project(shapely.box(*CONTEXT_BOUNDS), crs).intersects(frame))


def draw_crossings(ax: Axes, crs: CRS, *, prefix: str = "",
                   dated: list[dict[str, Any]] | None = None
                   ) -> tuple[dict[str, str], list[Box], list[Label]]:
    """The crossings inside the map: triangles (hollow unless open); ``prefix`` goes
    before their artist ids. ``dated``, a result's ``crossings``, gives each crossing's
    state on the date of the plan's facts; without it, the pack's latest status.

    Returns
    -------
    titles, boxes, labels
        Hover titles by gid; the markers' display boxes; their name labels (to be
        placed with the place names).
    """
    frame = _extent_box(ax)
    titles: dict[str, str] = {}
    boxes: list[Box] = []
    labels: list[Label] = []
    for _, c in crossing_points().iterrows():
        p = project(c.geometry, crs)
        if not frame.contains(p):
            continue
        gid = f"{prefix}crossing-{c['id']}"
        on = next((x for x in dated or [] if x.get("id") == c["id"]), None)
        closed = (not str(on.get("state", "")).startswith("open")) if on else c["closed"]
        ax.plot([p.x], [p.y], marker="^", ms=7, mec=CROSSING_COLOUR, mew=1.2,
                mfc="white" if closed else CROSSING_COLOUR, ls="", zorder=7, gid=gid)
        if on:
            status, when = on.get("status") or f"state {on.get('state')}", None
        else:
            status, when = c["status_text"] or "no status in the pack", c["status_date"]
        titles[gid] = (f"{c['name']} ({c['kind']}): {status}"
                       + (f" ({when})" if when else ""))
        x, y = ax.transData.transform((p.x, p.y))
        boxes.append((x - 5, y - 5, x + 5, y + 5))
        name = str(c["name"]).replace(" Border Crossing", "").replace(" Crossing", "")
        labels.append(_measure(ax, f"{name} crossing", x, y, 7.0, "normal", 6.0))
    return titles, boxes, labels


def _measure(ax: Axes, text: str, x: float, y: float, size: float, weight: str,
             gap_pt: float) -> Label:
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    w, h, _ = renderer.get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), ismath=False)
    px = ax.figure.dpi / 72.0
    return Label(text, x, y, w * TEXT_GROWTH + 2, h + 2, gap_pt * px)


def place_dots(ax: Axes, crs: CRS, *, min_population: float = 0.0) -> list[Box]:
    """Display boxes of the place dots :func:`draw_places` will draw (limits set), for
    labels placed before the place names (a zone's name) to avoid."""
    frame = _extent_box(ax)
    pl = places()
    out: list[Box] = []
    for _, r in pl[pl["population"] >= min_population].iterrows():
        p = project(r.geometry, crs)
        if not frame.contains(p):
            continue
        radius = next(rad for lim, _s, rad, _w in PLACE_CLASSES if r["population"] >= lim)
        x, y = ax.transData.transform((p.x, p.y))
        rpx = radius * ax.figure.dpi / 72.0
        out.append((x - rpx, y - rpx, x + rpx, y + rpx))
    return out


def draw_places(ax: Axes, crs: CRS, *, min_population: float = 0.0,
                obstacles: list[Box] | None = None, extra: list[Label] | None = None,
                prefix: str = "", hard_obstacles: int | None = None,
                between: Callable[[list[Box]], list[Box]] | None = None) -> dict[str, str]:
    """Place names sized by population, placed without collisions, with a dot each.

    Parameters
    ----------
    ax, crs
        The map axes and its CRS.
    min_population
        Leave out places smaller than this (people, 2017).
    obstacles
        Display boxes names must not cover (markers, other names, the inset).
    extra
        Other labels (e.g. crossings) placed after the larger places and before the
        smaller ones.
    prefix
        Put before the dots' artist ids.
    hard_obstacles
        How many of the first ``obstacles`` even the largest places' names avoid (the
        rest, e.g. markers, only smaller names avoid); default all.
    between
        Called once the cities' and towns' names are placed, with their boxes; draws
        other labels (a zone's name) and returns their boxes, which the smaller places'
        names then avoid.

    Returns
    -------
    dict
        Hover titles by gid.
    """
    frame = _extent_box(ax)
    pl = places()
    pl = pl[pl["population"] >= min_population]
    bb = ax.get_window_extent()
    labels: list[tuple[Label, dict[str, Any]]] = []
    dots: list[Box] = []
    titles: dict[str, str] = {}
    for i, (_, r) in enumerate(pl.iterrows()):
        p = project(r.geometry, crs)
        if not frame.contains(p):
            continue
        size, radius, weight = next((s, rad, w) for lim, s, rad, w in PLACE_CLASSES
                                    if r["population"] >= lim)
        x, y = ax.transData.transform((p.x, p.y))
        rpx = radius * ax.figure.dpi / 72.0
        dots.append((x - rpx, y - rpx, x + rpx, y + rpx))
        gid = f"{prefix}place-{i}"
        ax.plot([p.x], [p.y], marker="o", ms=2 * radius, mfc=INK, mec=HALO, mew=0.8, ls="",
                zorder=8, gid=gid)
        pop = "population not published" if r["imputed"] else f"{r['population']:,.0f}"
        titles[gid] = f"{r['name']} ({r['kind']}), 2017 census: {pop}"
        labels.append((_measure(ax, str(r["name"]), x, y, size, weight, radius + 1.5),
                       {"size": size, "weight": weight}))
    frame_px = (bb.x0, bb.y0, bb.x1, bb.y1)
    # cities and towns first, then the rest; every name kept clear of the dots, the
    # other names and the obstacles (lines, markers): a city or town may sit further
    # out, with a leader to its dot; a name with no free position is left out
    first = [lab for lab in labels if lab[1]["size"] >= PLACE_CLASSES[1][1]]
    rest = ([(lab, {"size": 7.0, "weight": "normal"}) for lab in (extra or [])]
            + [lab for lab in labels if lab[1]["size"] < PLACE_CLASSES[1][1]])
    soft = list(obstacles or [])
    n_hard = len(soft) if hard_obstacles is None else hard_obstacles
    hard = [*dots, *soft[:n_hard]]
    inv = ax.transData.inverted()
    taken: list[Box] = []
    for group, obs, rings in ((first, hard, CITY_RINGS), (rest, [*dots, *soft], PLACE_RINGS)):
        if group is rest and between is not None:
            taken += between(list(taken))
        placed = place_labels([lab for lab, _ in group], frame=frame_px,
                              obstacles=[*obs, *taken], rings=rings)
        for p in placed:
            lab, style = group[p.index]
            taken.append(p.box)
            x, y = inv.transform(p.anchor)
            bx0, by0, bx1, by1 = p.box
            ex, ey = min(max(lab.x, bx0), bx1), min(max(lab.y, by0), by1)
            if math.hypot(ex - lab.x, ey - lab.y) > 2.6 * lab.gap:  # far out: a leader
                (px_, py_), (qx, qy) = inv.transform([(lab.x, lab.y), (ex, ey)])
                ax.plot([px_, qx], [py_, qy], color=INK, lw=0.6, zorder=8.5,
                        path_effects=_halo(1.6))
            ax.text(x, y, lab.text, ha="center", va="center", fontsize=style["size"],
                    fontweight=style["weight"], color=INK, zorder=9, path_effects=_halo())
    return titles


def _nice_length(span_m: float) -> float:
    """A round scale-bar length up to a quarter of ``span_m`` (1, 2, 5 × 10^k metres)."""
    target = span_m / 4.0
    k = 10 ** math.floor(math.log10(target))
    return float(max(v * k for v in (1, 2, 5) if v * k <= target))


def _axes_box(ax: Axes, x0: float, y0: float, x1: float, y1: float) -> Box:
    """Display box of a rectangle given in axes fractions."""
    a = ax.transAxes.transform((x0, y0))
    b = ax.transAxes.transform((x1, y1))
    return (float(a[0]), float(a[1]), float(b[0]), float(b[1]))


def scale_bar(ax: Axes, *, corner: tuple[float, float] = (0.62, 0.05),
              fontsize: float = 7.5) -> Box:
    """A two-part scale bar (0, half, full length in km) at ``corner`` (axes fraction);
    returns its display box, for labels to avoid.

    The projected CRS is in metres; a scale bar is true along the map's central area
    (UTM distortion across 50 km is well below 0.1%).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + corner[0] * (x1 - x0), y0 + corner[1] * (y1 - y0)
    h = 0.012 * (y1 - y0)
    half = length / 2
    ax.fill([bx, bx + half, bx + half, bx], [by, by, by + h, by + h], color=INK, zorder=10,
            gid="scale-bar")
    ax.fill([bx + half, bx + length, bx + length, bx + half], [by, by, by + h, by + h],
            facecolor="white", edgecolor=INK, linewidth=0.8, zorder=10)
    for xx, lab in ((bx, "0"), (bx + half, f"{half / 1000:g}"),
                    (bx + length, f"{length / 1000:g} km")):
        ax.text(xx, by + 1.8 * h, lab, ha="center", va="bottom", fontsize=fontsize, zorder=10,
                color=INK, path_effects=_halo(2.0))
    frac = length / (x1 - x0)
    return _axes_box(ax, corner[0] - 0.03, corner[1] - 0.01, corner[0] + frac + 0.05,
                     corner[1] + 0.075)


def north_arrow(ax: Axes, *, at: tuple[float, float] = (0.94, 0.08),
                fontsize: float = 9.0) -> Box:
    """A north arrow at ``at`` (axes fraction); returns its display box. Grid north of the
    projected CRS, which in UTM differs from true north by less than 1° here."""
    x, y = at
    ax.annotate("N", xy=(x, y + 0.075), xytext=(x, y), xycoords="axes fraction",
                ha="center", va="center", fontsize=fontsize, fontweight="bold", color=INK,
                zorder=10, path_effects=_halo(2.0),
                arrowprops={"arrowstyle": "-|>", "color": INK, "lw": 1.3,
                            "shrinkA": fontsize * 0.7, "shrinkB": 0})
    return _axes_box(ax, x - 0.035, y - 0.035, x + 0.035, y + 0.1)


def locator_inset(ax: Axes, crs: CRS, territory: BaseGeometry, *,
                  bounds: tuple[float, float, float, float] = INSET_BOUNDS) -> Box | None:
    """A small map of the region with the territory and the main map's frame.

    Drawn only where the territory lies inside the pack's context area.

    Returns
    -------
    Box or None
        The inset's display box (for labels to avoid), or ``None`` if not drawn.
    """
    region = project(shapely.box(*CONTEXT_BOUNDS), crs)
    if not region.contains(territory.centroid):
        return None
    main = _extent_box(ax)
    ins = ax.inset_axes(bounds, zorder=12)
    x0, x1, y0, y1 = extent(region, pad=0.0)
    ins.set_xlim(x0, x1)
    ins.set_ylim(y0, y1)
    ins.set_aspect("equal", adjustable="box")
    ins.set_xticks([])
    ins.set_yticks([])
    for s in ins.spines.values():
        s.set_edgecolor(MUTED)
        s.set_linewidth(0.8)
    draw_context(ins, crs, names=True, name_size=5.5)
    fill_geometry(ins, territory, facecolor=INK, zorder=2)
    mx0, my0, mx1, my1 = main.bounds
    ins.plot([mx0, mx1, mx1, mx0, mx0], [my0, my0, my1, my1, my0], color=INSET_FRAME, lw=1.0,
             zorder=3)
    bb = ins.get_window_extent(ax.figure.canvas.get_renderer())  # type: ignore[attr-defined]
    return (bb.x0, bb.y0, bb.x1, bb.y1)


def inset_area(ax: Axes, bounds: tuple[float, float, float, float] = INSET_BOUNDS
               ) -> BaseGeometry:
    """The data-unit rectangle the locator inset will cover (limits must be set)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx, by, bw, bh = bounds
    return shapely.box(x0 + bx * (x1 - x0), y0 + by * (y1 - y0), x0 + (bx + bw) * (x1 - x0),
                       y0 + (by + bh) * (y1 - y0))


def extent(geom: BaseGeometry, pad: float = 0.06) -> tuple[float, float, float, float]:
    """Map limits around a geometry, square, padded by ``pad`` of the larger side.

    Returns ``(xmin, xmax, ymin, ymax)`` in the geometry's units.
    """
    minx, miny, maxx, maxy = geom.bounds
    side = max(maxx - minx, maxy - miny) * (1 + 2 * pad)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2

