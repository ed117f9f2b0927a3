"""Charts as hand-written inline SVG: readable on a phone, honest about missing data.

Each chart is drawn in a 360-unit-wide ``viewBox``, close to a phone's width in CSS
pixels, so its 11-13 unit text shows at 11-13 px there; pages cap its width (CSS) so
it does not grow huge on a desktop. Category labels sit above their bars (no squeezed
left margin), axes run from 0 to a round number just above the data or the reference
(never "120%"), and a chart with nothing to draw says so in words instead of showing an
empty frame.

Examples
--------
>>> nice_ceiling(83.2), nice_ceiling(100.0, limit=100), nice_ceiling(0.0)
(100.0, 100.0, 1.0)
>>> html = bar_chart(["A", "B"], [("Beds", [None, None], "#882255")], title="Beds",
...                  unit="beds", reasons=["no residents", None])
>>> 'class="no-data"' in html and "<svg" not in html
True
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Callable, Sequence
from html import escape

from zoneplan.render.style import INK, MUTED
from zoneplan.render.words.text import NA

__all__ = ["CHART_WIDTH", "bar_chart", "nice_ceiling", "order_chart"]

CHART_WIDTH = 360
"""viewBox width of every chart: a phone's CSS width, so text keeps its size there."""
FONT = 12
"""Label size, viewBox units (12 px on a phone)."""
SMALL = 10.5
"""Tick and value size."""
BAR_H = 16
"""Bar thickness."""
GRID = "#DDDDDD"
"""Gridlines: light, behind the bars."""


HALO_ATTRS = ' stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
"""A white halo under chart text, so a reference line or grid line drawn across a
label never runs through its letters."""

def nice_ceiling(v: float, *, limit: float | None = None) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at or above ``v`` (at most ``limit``)."""
    if v <= 0 or not math.isfinite(v):
        return 1.0
    k = 10 ** math.floor(math.log10(v))
    out = next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= v - 1e-12)
    return float(min(out, limit) if limit is not None and v <= limit else out)


def _ticks(top: float) -> list[float]:
    """Ticks from 0 to ``top`` (a :func:`nice_ceiling` value), 4 or 5 steps."""
    k = 10 ** math.floor(math.log10(top))
    m = round(top / k, 6)
    step = {1.0: 0.2, 2.0: 0.5, 2.5: 0.5, 5.0: 1.0}.get(m, m / 4) * k
    return [i * step for i in range(round(top / step) + 1)]


def _fmt_tick(v: float, top: float = 0.0) -> str:
    """A tick label, compact for large axes (``1.2M``, ``250k``)."""
    if top >= 1e6:
        return f"{v / 1e6:g}M" if v else "0"
    if top >= 1e4:
        return f"{v / 1e3:g}k" if v else "0"
    return f"{v:,.0f}" if v >= 10 or v == 0 else f"{v:g}"


def _no_data(title: str, categories: Sequence[str],
             series: Sequence[tuple[str, Sequence[float | None], str]],
             reasons: Sequence[str | None] | None, value_fmt: Callable[[float], str]) -> str:
    items = []
    for i, cat in enumerate(categories):
        vals = []
        for name, values, _ in series:
            v = values[i]
            if v is None:
                why = reasons[i] if reasons and reasons[i] else ""
                vals.append(f"{name}: {NA}" + (f" ({why})" if why else ""))
            else:
                vals.append(f"{name}: {value_fmt(v)}")
        items.append(f"<li><b>{escape(cat)}</b>: {escape('; '.join(vals))}</li>")
    return (f'<figure class="chart"><figcaption class="chart-title">{escape(title)}'
            f'</figcaption><p class="no-data">No zone has a value above zero to chart; '
            f"the figures, in words:</p><ul class=\"no-data\">{''.join(items)}</ul></figure>")


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    title: str,
    unit: str,
    reasons: Sequence[str | None] | None = None,
    reference: tuple[float, str] | None = None,
    value_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    limit: float | None = None,
) -> str:
    """A horizontal grouped bar chart as an HTML ``<figure>`` with inline SVG.

    Parameters
    ----------
    categories
        One label per group (zones), written above its bars.
    series
        ``(name, values, colour)``; a ``None`` value is written as "not available"
        with its reason, not drawn.
    title, unit
        The chart's title and the unit of the axis.
    reasons
        Why a group's values are missing.
    reference
        A standard drawn as a dashed vertical line: ``(value, label)``.
    value_fmt
        Formats the value written at each bar's end (display rounding).
    limit
        Largest axis end (e.g. 100 for percentages).

    Returns
    -------
    str
        ``<figure class="chart">`` holding the SVG and a legend, or, when no value is
        above zero, the figures in words (no empty frame).
    """
    present = [v for _, vals, _ in series for v in vals if v is not None]
    if not any(v > 0 for v in present):
        return _no_data(title, categories, series, reasons, value_fmt)
    top = nice_ceiling(max([*present, reference[0] if reference else 0.0]), limit=limit)
    left, right = 8.0, CHART_WIDTH - 14.0
    scale = (right - left) / top
    y = 6.0
    parts: list[str] = []
    if reference:
        y += 16
    plot_top = y
    for i, cat in enumerate(categories):
        for line in textwrap.wrap(cat, 50)[:2]:
            y += FONT + 2
            parts.append(f'<text x="{left}" y="{y:.1f}" font-size="{FONT}" fill="{INK}"'
                         f"{HALO_ATTRS}>{escape(line)}</text>")
        y += 4
        for name, vals, colour in series:
            v = vals[i]
            if v is None:
                why = reasons[i] if reasons and reasons[i] else ""
                parts.append(f'<text x="{left + 2}" y="{y + BAR_H - 4:.1f}" font-size="{SMALL}" '
                             f'fill="{MUTED}" font-style="italic"{HALO_ATTRS}>{escape(name)}: {NA}'
                             f"{escape(f' ({why})' if why else '')}</text>")
            else:
                w = max(v * scale, 0.0)
                label = escape(value_fmt(v))
                parts.append(f'<rect class="bar" x="{left}" y="{y:.1f}" width="{w:.1f}" '
                             f'height="{BAR_H}" fill="{colour}"><title>{escape(name)}: {label}'
                             f"</title></rect>")
                inside = w > right - left - 48
                tx = left + w - 4 if inside else left + w + 4
                parts.append(f'<text x="{tx:.1f}" y="{y + BAR_H - 4:.1f}" font-size="{SMALL}" '
                             f'fill="{"#fff" if inside else INK}" '
                             f'text-anchor="{"end" if inside else "start"}">{label}</text>')
            y += BAR_H + 3
        y += 6
    axis_y = y
    grid = []
    for t in _ticks(top):
        x = left + t * scale
        grid.append(f'<line x1="{x:.1f}" y1="{plot_top:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" '
                    f'stroke="{GRID}"/>')
        anchor = "start" if t == 0 else "end" if t == top else "middle"
        grid.append(f'<text x="{x:.1f}" y="{axis_y + 13:.1f}" font-size="{SMALL}" '
                    f'fill="{MUTED}" text-anchor="{anchor}">{_fmt_tick(t, top)}</text>')
    y = axis_y + 30
    grid.append(f'<text x="{left}" y="{y - 2:.1f}" font-size="{SMALL}" fill="{MUTED}">'
                f"{escape(unit)}</text>")
    if reference:
        rx = left + reference[0] * scale
        grid.append(f'<line x1="{rx:.1f}" y1="{plot_top - 4:.1f}" x2="{rx:.1f}" '
                    f'y2="{axis_y:.1f}" stroke="{INK}" stroke-width="1.3" '
                    f'stroke-dasharray="5 3"/>')
        anchor = "end" if rx > CHART_WIDTH * 0.6 else "start"
        grid.append(f'<text x="{rx + (-3 if anchor == "end" else 3):.1f}" '
                    f'y="{plot_top - 6:.1f}" font-size="{SMALL}" fill="{INK}" '
                    f'text-anchor="{anchor}">{escape(reference[1])}</text>')
    svg = (f'<svg class="chart-svg" viewBox="0 0 {CHART_WIDTH} {y:.0f}" role="img" '
           f'aria-label="{escape(title)}">{"".join(grid)}{"".join(parts)}</svg>')
    legend = "".join(f'<li><i style="background:{c}"></i>{escape(n)}</li>'
                     for n, _, c in series) if len(series) > 1 else ""
    return (f'<figure class="chart"><figcaption class="chart-title">{escape(title)}'
            f"</figcaption>{svg}"
            + (f'<ul class="chart-legend">{legend}</ul>' if legend else "") + "</figure>")


def order_chart(dates: Sequence[str], values: Sequence[float], *, title: str, unit: str,
                colour: str, flags: Sequence[str | None] | None = None,
                in_force: tuple[Sequence[str], Sequence[float], str] | None = None,
                value_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
                limit: float | None = None) -> str:
    """Dated orders as bars on their dates, as a ``<figure>`` with inline SVG.

    Each order is a thin bar on the day it was issued (it is not drawn as lasting until
    the next one). A flagged order (e.g. the filter matched nothing) is a hollow mark on
    the axis with its reason in the tooltip and the legend. ``in_force`` adds a step line
    ``(dates, values, label)``: a quantity that does hold from one date to the next (the
    union of the orders in force). Dates are ``YYYY-MM-DD``; the value axis runs from 0
    to a round top.
    """
    step_vals = list(in_force[1]) if in_force else []
    if not any(v > 0 for v in [*values, *step_vals]):
        said = "; ".join(f"{d}: {f}" for d, f in zip(dates, flags or [None] * len(dates),
                                                         strict=True) if f)
        return (f'<figure class="chart"><figcaption class="chart-title">{escape(title)}'
                f'</figcaption><p class="no-data">Every value is zero: nothing to chart.'
                f'{escape(" Flagged: " + said + ".") if said else ""}</p></figure>')
    all_dates = [*dates, *(in_force[0] if in_force else [])]
    days_all = [dt.date.fromisoformat(d).toordinal() for d in all_dates]
    d0, d1 = min(days_all) - 1, max(days_all) + 1
    top = nice_ceiling(max([*values, *step_vals]), limit=limit)
    left, right, ytop, ybot = 34.0, CHART_WIDTH - 10.0, 10.0, 150.0
    sx = (right - left) / (d1 - d0)
    sy = (ybot - ytop) / top

    def px(d: int) -> float:
        return left + (d - d0) * sx

    def py(v: float) -> float:
        return ybot - v * sy

    parts = []
    for t in _ticks(top):
        parts.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{right}" y2="{py(t):.1f}" '
                     f'stroke="{GRID}"/><text x="{left - 4}" y="{py(t) + 4:.1f}" '
                     f'font-size="{SMALL}" fill="{MUTED}" text-anchor="end">'
                     f"{_fmt_tick(t, top)}</text>")
    parts.extend(_date_ticks(d0, d1, px, ybot))
    if in_force:
        sdays = [dt.date.fromisoformat(d).toordinal() for d in in_force[0]]
        pts = []
        for i, (d, v) in enumerate(zip(sdays, step_vals, strict=True)):
            if i:
                pts.append(f"{px(d):.1f},{py(step_vals[i - 1]):.1f}")
            pts.append(f"{px(d):.1f},{py(v):.1f}")
        parts.append(f'<polyline class="in-force" points="{" ".join(pts)}" fill="none" '
                     f'stroke="{INK}" stroke-width="1.6" stroke-dasharray="4 2"/>')
    bar_w = max(min(sx * 0.8, 6.0), 2.0)
    flags = list(flags) if flags else [None] * len(dates)
    for ds, v, flag in zip(dates, values, flags, strict=True):
        x = px(dt.date.fromisoformat(ds).toordinal())
        tip = escape(f"{ds}: {value_fmt(v)}" + (f" ({flag})" if flag else ""))
        if flag:
            parts.append(f'<circle class="flagged" cx="{x:.1f}" cy="{ybot:.1f}" r="3.5" '
                         f'fill="#fff" stroke="{MUTED}" stroke-width="1.4"><title>{tip}'
                         f"</title></circle>")
        else:
            parts.append(f'<rect class="bar order" x="{x - bar_w / 2:.1f}" y="{py(v):.1f}" '
                         f'width="{bar_w:.1f}" height="{max(v * sy, 0.0):.1f}" '
                         f'fill="{colour}"><title>{tip}</title></rect>')
    parts.append(f'<line x1="{left}" y1="{ybot}" x2="{right}" y2="{ybot}" stroke="{MUTED}"/>')
    svg = (f'<svg class="chart-svg" viewBox="0 0 {CHART_WIDTH} {ybot + 22:.0f}" role="img" '
           f'aria-label="{escape(title)}">{"".join(parts)}</svg>')
    legend = [f'<li><i style="background:{colour}"></i>one order, on its date</li>']
    if in_force:
        legend.append(f'<li><i style="background:{INK}"></i>{escape(in_force[2])}</li>')
    if any(flags):
        legend.append(f'<li><i style="background:#fff;border:1px solid {MUTED}"></i>'
                      "flagged: nothing measured (see the table)</li>")
    return (f'<figure class="chart"><figcaption class="chart-title">{escape(title)} '
            f'<span class="unit">({escape(unit)})</span></figcaption>{svg}'
            f'<ul class="chart-legend">{"".join(legend)}</ul></figure>')


def _date_ticks(d0: int, d1: int, px: Callable[[int], float], ybot: float) -> list[str]:
    """Tick marks on the date axis: months for short spans, half-years for long ones."""
    first, last = dt.date.fromordinal(d0), dt.date.fromordinal(d1)
    months = (1, 7) if d1 - d0 > 400 else tuple(range(1, 13))
    parts = []
    for year in range(first.year, last.year + 2):
        for month in months:
            dd = dt.date(year, month, 1).toordinal()
            if d0 <= dd <= d1:
                x = px(dd)
                label = (str(year) if month == 1
                         else dt.date(year, month, 1).strftime("%b"))
                parts.append(f'<line x1="{x:.1f}" y1="{ybot}" x2="{x:.1f}" y2="{ybot + 4}" '
                             f'stroke="{MUTED}"/><text x="{x:.1f}" y="{ybot + 16}" '
                             f'font-size="{SMALL}" fill="{MUTED}" text-anchor="middle">'
                             f"{label}</text>")
    return parts
