"""The print map (``zoneplan report``'s map.png/svg/pdf): a layout that cannot overprint.

The browser test opens the SVG in headless Chromium and measures every ``<text>`` as
the browser draws it: no two may overlap and none may lie outside the drawing. The other
tests check the density classes and squares against hand-made expectations.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely

import zoneplan
from zoneplan.plan.load import builtin_plan_ids
from zoneplan.render.style import DENSITY_BINS, DENSITY_LABELS, line_styles

PLAN = "green-red-2025-11"


def _interval(label: str) -> tuple[float, float]:
    """The [low, high) interval a density label states, people per km²."""
    nums = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", label)]
    if label.startswith("<"):
        return 0.0, nums[0]
    if "or more" in label:
        return nums[0], float("inf")
    assert " to < " in label, label
    return nums[0], nums[1]


def test_density_classes_do_not_overlap() -> None:
    """Each class states its own half-open interval; together they tile [0, inf) without
    a shared bound, and the intervals are the classes the map colours by."""
    got = [_interval(lab) for lab in DENSITY_LABELS]
    assert got == [(0, 1), (1, 1000), (1000, 5000), (5000, 10_000), (10_000, 20_000),
                   (20_000, 50_000), (50_000, float("inf"))]
    for (lo1, hi1), (lo2, hi2) in itertools.pairwise(got):
        assert hi1 == lo2 and lo1 < hi1 <= lo2 < hi2
    # a value on a bound falls in exactly one class, the one starting there
    for v in (1.0, 1000.0, 5000.0, 50_000.0):
        inside = [i for i, (lo, hi) in enumerate(got) if lo <= v < hi]
        assert len(inside) == 1
        assert inside[0] == int(np.searchsorted(DENSITY_BINS, v, side="right")) - 1


def test_yellow_line_is_yellow_over_a_dark_casing() -> None:
    st = line_styles(["yellow-line", "other"])
    assert st["yellow-line"].colour.upper() == "#FFD21F" and st["yellow-line"].casing == "#222222"
    assert st["other"].casing == "#FFFFFF"  # dark lines keep their white casing


@pytest.fixture(scope="module")
def result() -> zoneplan.Result:
    return zoneplan.evaluate(PLAN, ranges=False)


def test_density_squares_lie_in_the_open_zones(result: zoneplan.Result) -> None:
    """Squares are clipped to the zones open to civilians (the red zone, west of the
    line): none reaches into the closed green zone, and they keep every person."""
    from zoneplan.render.maps.panels import density_cells

    cells, dens, side = density_cells(result)
    zones = {z.id: z.geometry for z in result.layout.zones}
    assert {z.id: z.spec.access for z in result.layout.zones} == {"green": "closed",
                                                                   "red": "resident"}
    assert side == 1000.0 and len(cells) > 100
    in_green = shapely.area(shapely.intersection(cells, zones["green"]))
    assert float(in_green.max()) < 1.0  # m²: at most a sliver along the shared edge
    assert float(shapely.area(cells).sum()) <= zones["red"].area + 1.0
    people = float(np.sum(dens * shapely.area(cells) / 1e6))
    assert people == pytest.approx(2_100_000, rel=1e-9)  # the plan's residents
    assert float(dens.min()) > 0  # no empty fringe class along the line


def test_damage_size_legend_counts() -> None:
    from zoneplan.render.maps.panels import damage_sizes

    assert damage_sizes(7431) == [5000.0, 1000.0, 200.0]
    assert damage_sizes(3) == [2.0]


def _zone_label_clashes(ax: Any, res: zoneplan.Result) -> tuple[list[str], list[str]]:
    """The zone names drawn on ``ax`` and those whose box (as the renderer measures the
    text) touches a plan line drawn with its casing, in display units."""
    from matplotlib.text import Text

    renderer = ax.figure.canvas.get_renderer()
    pt = ax.figure.dpi / 72.0
    clip = res.layout.territory.buffer(50.0)
    styles = line_styles(list(res.layout.lines))
    lines = [shapely.transform(ln.intersection(clip), ax.transData.transform).buffer(
        (styles[lid].width + styles[lid].casing_extra) / 2 * pt)
        for lid, ln in res.layout.lines.items()]
    names, clashes = [], []
    for t in ax.findobj(Text):
        if not str(t.get_gid() or "").startswith("zone-label-"):
            continue
        e = t.get_window_extent(renderer)
        box = shapely.box(e.x0, e.y0, e.x1, e.y1)
        names.append(t.get_text())
        clashes += [t.get_text() for g in lines if g.intersects(box)]
    return names, clashes


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", builtin_plan_ids())
def test_zone_names_keep_off_the_lines(plan_id: str) -> None:
    """On the print map and on the report's zones panel, of every built-in plan, every
    zone is named and no name's box touches a line (withdrawal-phases has four thin
    bands: their names go on two lines or out on a leader, never over a line)."""
    import matplotlib.pyplot as plt

    from zoneplan.render.maps.map import _map_figure
    from zoneplan.render.maps.panels import zones_panel

    res = zoneplan.evaluate(plan_id, ranges=False)
    fig, _, _ = _map_figure(res, 100)
    fig2 = plt.figure(figsize=(4, 4), dpi=72)
    ax2 = fig2.add_axes((0.005, 0.005, 0.99, 0.99))
    zones_panel(ax2, res)
    try:
        for ax in (fig.axes[0], ax2):
            names, clashes = _zone_label_clashes(ax, res)
            assert len(names) == len(res.layout.zones), names
            assert clashes == []
    finally:
        plt.close(fig)
        plt.close(fig2)


# -- in the browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def svgs(tmp_path_factory: pytest.TempPathFactory, result: zoneplan.Result
         ) -> dict[str, Path]:
    from zoneplan.io.areas import read_areas
    from zoneplan.render.maps.map import render_map_files

    base = tmp_path_factory.mktemp("maps")
    out = {}
    for name, plan, by in (("plain", PLAN, None), ("by", PLAN, "gaza:governorates"),
                           ("phases", "withdrawal-phases", None)):
        res = (zoneplan.evaluate(plan, ranges=False, by=read_areas(by) if by else None)
               if by or plan != PLAN else result)
        files, _ = render_map_files(res, dpi=100)
        for fname, data in files.items():
            (base / f"{name}-{fname}").write_bytes(data)
        out[name] = base / f"{name}-map.svg"
    return out


@pytest.mark.slow
def test_by_area_map_draws_and_names_the_areas(svgs: dict[str, Path]) -> None:
    """``--by`` adds the areas' boundaries (a legend row), a by-area map naming each area
    with its share in each zone (North Gaza: 68.6% green, 31.4% red, as in by_area.csv),
    and keeps the page inside its viewBox; the plain map has none of it."""
    plain, by = svgs["plain"].read_text(), svgs["by"].read_text()
    assert "Share of each area in each zone" in by and "Area boundary" in by
    for name in ("North Gaza", "Gaza", "Deir al-Balah", "Khan Younis", "Rafah"):
        assert f">{name}<" in by, name  # the area's name as its own line of text
    assert "68.6%" in by and "31.4%" in by
    assert "Share of each area" not in plain and "Area boundary" not in plain
    assert "North Gaza" not in plain
    # the page grew to hold the third map, and the PDF and PNG were written with it
    h = [float(re.search(r'viewBox="0 0 [\d.]+ ([\d.]+)"', t).group(1))  # type: ignore[union-attr]
         for t in (plain, by)]
    assert h[1] > h[0]


TEXT_BOXES_JS = """() => {
  const svg = document.querySelector('svg');
  const frame = svg.getBoundingClientRect();
  return {frame: [frame.left, frame.top, frame.right, frame.bottom],
          texts: [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
            .map(t => { const r = t.getBoundingClientRect();
                        return [t.textContent.trim(), r.left, r.top, r.right, r.bottom]; })};
}"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("name", ["plain", "by", "phases"])
def test_svg_text_never_overlaps_and_stays_inside(browser: Any, svgs: dict[str, Path],
                                                  name: str) -> None:
    """Every ``<text>`` box as Chromium lays it out: inside the SVG's drawing, and no
    two overlapping (by more than 0.5 px, the rounding of adjacent lines of one label)."""
    path = svgs[name]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
              else r.abort())
    page = ctx.new_page()
    page.goto(path.as_uri(), wait_until="load")
    got = page.evaluate(TEXT_BOXES_JS)
    ctx.close()
    fx0, fy0, fx1, fy1 = got["frame"]
    texts = got["texts"]
    assert len(texts) > 60
    outside = [t[0] for t in texts if t[1] < fx0 - 0.5 or t[2] < fy0 - 0.5
               or t[3] > fx1 + 0.5 or t[4] > fy1 + 0.5]
    assert outside == [], f"text outside the drawing: {outside}"
    tol = 0.5
    clashes = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            w = min(a[3], b[3]) - max(a[1], b[1])
            h = min(a[4], b[4]) - max(a[2], b[2])
            if w > tol and h > tol:
                clashes.append((a[0], b[0], round(w, 1), round(h, 1)))
    assert clashes == [], f"overlapping text: {clashes}"


def test_pdf_halo_is_a_stroked_copy_not_a_box() -> None:
    """In PDF a haloed name keeps its text (no path effects) over a copy at the same place
    stroked in white as wide as the PNG's halo, and gets no box behind it."""
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from zoneplan.render.maps.svgtools import vector_text

    fig = plt.figure(figsize=(2, 2))
    ax = fig.add_axes((0, 0, 1, 1))
    t = ax.text(0.3, 0.6, "Gaza City", path_effects=[pe.withStroke(linewidth=2.4,
                                                                   foreground="#FFFFFF")])
    try:
        with vector_text(fig, "pdf"):
            copies = [o for o in fig.findobj(Text) if o is not t and o.get_text() == "Gaza City"]
            assert t.get_path_effects() == [] and t.get_bbox_patch() is None
            assert len(copies) == 1
            (c,) = copies
            assert c.get_position() == (0.3, 0.6) and c.get_zorder() < t.get_zorder()
            (stroke,) = c.get_path_effects()
            assert isinstance(stroke, pe.Stroke) and stroke._gc["linewidth"] == 2.4
        assert len(t.get_path_effects()) == 1  # put back for the PNG
        assert [o for o in fig.findobj(Text) if o.get_text() == "Gaza City"] == [t]
    finally:
        plt.close(fig)


class _CharRenderer:
    """A stand-in renderer: every character is 10 px wide; counts what it measures."""

    dpi = 100.0

    def __init__(self) -> None:
        self.measured: list[str] = []

    def get_text_width_height_descent(self, s: str, prop: Any,
                                      ismath: bool) -> tuple[float, float, float]:
        self.measured.append(s)
        return 10.0 * len(s), 10.0, 2.0


def test_wrap_breaks_where_greedy_wrapping_does() -> None:
    from zoneplan.render.maps.map import wrap_to_width

    r = _CharRenderer()
    # 55 px: two 2-letter words and a space (50 px) fit, three (80 px) do not
    assert wrap_to_width("aa bb cc dd ee", 55, r, size=7.5, slack=1.0) == "aa bb\ncc dd\nee"
    # a word wider than the box keeps its own line; blank paragraphs stay
    assert (wrap_to_width("a enormously b\n\nc", 55, r, size=7.5, slack=1.0)
            == "a\nenormously\nb\n\nc")


def test_wrap_measures_a_few_lines_not_every_trial_line() -> None:
    from zoneplan.render.maps.map import wrap_to_width

    r = _CharRenderer()
    # 200 words of 4 letters: six to a line (29 chars, 290 px <= 300; seven are 340 px)
    words = [f"w{i:03d}" for i in range(200)]
    lines = [" ".join(words[i:i + 6]) for i in range(0, 200, 6)]
    assert wrap_to_width(" ".join(words), 300, r, size=7.25, slack=1.0) == "\n".join(lines)
    # greedy wrapping measures 199 trial lines; the search a few a line
    assert len(r.measured) <= 4 * len(lines)


def test_wrap_measures_every_trial_line_of_right_to_left_text() -> None:
    from zoneplan.render.maps.map import wrap_to_width

    r = _CharRenderer()
    # Arabic: the shaper reorders, so a line's width need not grow with its words
    text = "غزة خان يونس رفح"
    assert wrap_to_width(text, 85, r, size=7.75, slack=1.0) == "غزة خان\nيونس رفح"
    assert r.measured == ["غزة خان", "غزة خان يونس", "يونس رفح"]
