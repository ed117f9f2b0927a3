"""Orders over time as files: the CSV rows, a chart of orders (PNG) and a self-contained page.

Draws the series that :func:`zoneplan.scenarios.timeline.timeline` measured; computes
no figure of its own. :func:`write_timeline` writes the folder (``timeline.json``,
``timeline.csv``, ``timeline.png``, ``timeline.html``).
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from zoneplan.io.outputs import atomic_dir

__all__ = ["PNG_WIDTH_PX", "credit_lines", "order_maps_html", "timeline_csv", "timeline_html",
           "timeline_png", "write_timeline"]

_SHARE = "#CC6677"
_PEOPLE = "#332288"

PNG_WIDTH_PX = 2520
"""The chart's width in pixels (10.5 in at 240 dpi): sharp in print and on a wide page."""
_PNG_DPI = 240
_CREDIT_WRAP = 170
"""Characters a credit line of the PNG holds before it wraps (7 pt type, 10.5 in)."""


def credit_lines(data: dict[str, Any]) -> list[str]:
    """One credit per order layer, in the series' order: the file, then the sources its
    features name and the catalogue's citation and licence where there are any.

    Examples
    --------
    >>> for line in credit_lines({"rows": [{"file": "/d/a.geojson", "credit": {
    ...         "file": "a.geojson", "sources": ["https://x.test/1"], "more_sources": 2,
    ...         "citation": "Maps Ltd.", "licence": "CC BY"}}, {"file": "b.geojson"}]}):
    ...     print(line)
    a.geojson: sources https://x.test/1 and 2 more; Maps Ltd. (licence: CC BY)
    b.geojson: no source stated in the file
    """
    out = []
    for r in data["rows"]:
        c = r.get("credit") or {}
        parts = []
        if c.get("sources"):
            parts.append("sources " + ", ".join(c["sources"])
                         + (f" and {c['more_sources']} more" if c.get("more_sources") else ""))
        if c.get("citation"):
            parts.append(c["citation"] + (f" (licence: {c['licence']})" if c.get("licence")
                                          else ""))
        name = c.get("file") or Path(r["file"]).name
        out.append(f"{name}: " + ("; ".join(parts) or "no source stated in the file"))
    return list(dict.fromkeys(out))


def _in_force_label(data: dict[str, Any]) -> str:
    return f"in force: orders of the last {data['in_force_days']} days, together"


def timeline_csv(data: dict[str, Any]) -> str:
    """The rows as CSV text, full precision.

    Columns: ``date``, ``kind`` (``order``: one layer on its date; ``in force``: the union
    of the orders in force that day, with ``--in-force``), ``file`` (the orders, joined by
    ``; ``), ``features`` (count), ``area_km2`` (km²), ``share_of_territory`` (fraction
    0-1), ``residents_prewar`` (people), ``hospitals`` (count), ``flag`` (why a row
    measured nothing).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "kind", "file", "features", "area_km2", "share_of_territory",
                "residents_prewar", "hospitals", "flag"])
    for r in data["rows"]:
        w.writerow([r["date"], "order", r["file"], r["features"], r["area_km2"],
                    r["share_of_territory"], r["residents"], r["hospitals"],
                    r.get("flag") or ""])
    for r in data.get("in_force") or []:
        w.writerow([r["date"], f"in force ({data['in_force_days']} days)",
                    "; ".join(r["orders"]), "", r["area_km2"], r["share_of_territory"],
                    r["residents"], r["hospitals"], ""])
    return buf.getvalue()


def timeline_png(data: dict[str, Any]) -> bytes:
    """Two panels (PNG bytes, :data:`PNG_WIDTH_PX` wide): share of the territory (%) and
    pre-war residents (people), with the credits of every order layer below.

    Each order is a bar on its date; a flagged order (nothing matched) is a hollow mark
    on the axis; with ``--in-force`` a dashed step line shows the union in force.
    """
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["rows"]
    dates = np.array([np.datetime64(r["date"]) for r in rows])
    flagged = np.array([bool(r.get("flag")) for r in rows])
    force = data.get("in_force") or []
    fdates = np.array([np.datetime64(r["date"]) for r in force])
    span = (max(dates.max(), fdates.max()) if len(fdates) else dates.max()) - dates.min()
    width = max(float(span / np.timedelta64(1, "D")) / 120.0, 0.8)
    credits = [w for line in ["Order layers:", *credit_lines(data),
                              f"Residents: {data['baseline']['label']}. "
                              + str(data.get("hospitals_rule") or "")]
               for w in textwrap.wrap(line, _CREDIT_WRAP, subsequent_indent="    ")]
    foot_in = 0.16 * len(credits) + 0.15
    fig, axes = plt.subplots(2, 1, figsize=(PNG_WIDTH_PX / _PNG_DPI, 5.8 + foot_in),
                             dpi=_PNG_DPI, sharex=True)
    try:
        panels = ((axes[0], "share_of_territory", 100.0, _SHARE, "% of the territory"),
                  (axes[1], "residents", 1.0, _PEOPLE, "people (pre-war baseline)"))
        for ax, key, k, colour, unit in panels:
            vals = np.array([k * r[key] for r in rows])
            ax.bar(dates[~flagged], vals[~flagged], width=width, color=colour,
                   label="one order, on its date")
            if flagged.any():
                ax.plot(dates[flagged], np.zeros(flagged.sum()), "o", mfc="white",
                        mec="#777777", label="flagged: nothing measured")
            if force:
                ax.step(fdates, [k * r[key] for r in force], where="post", color="#222222",
                        ls="--", lw=1.4, label=_in_force_label(data))
            ax.set_ylabel(unit)
            ax.set_ylim(0, max([*vals, *(k * r[key] for r in force), 1e-9]) * 1.15 or 1)
            ax.legend(fontsize=8, loc="upper left")
        filt = f" — filter: {data['where']}" if data.get("where") else ""
        axes[0].set_title(f"Orders over time{filt}", fontsize=10, loc="left")
        axes[1].yaxis.set_major_formatter(
            matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        fig.autofmt_xdate()
        height = 5.8 + foot_in
        fig.subplots_adjust(left=0.12, right=0.97, top=1 - 0.35 / height,
                            bottom=(foot_in + 0.75) / height)
        fig.align_ylabels(axes)
        fig.text(0.01, (foot_in - 0.05) / height, "\n".join(credits), fontsize=7, va="top",
                 ha="left", linespacing=1.35, color="#333333")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")  # the whole figure: PNG_WIDTH_PX wide
    finally:
        plt.close(fig)
    return buf.getvalue()


def _value_cells(r: dict[str, Any]) -> list[str]:
    from zoneplan.render.words.text import fmt_number, fmt_people_table, fmt_share

    if r.get("flag"):
        return [f'<span class="flag">0 ({escape(r["flag"])})</span>', "0", "0", "0"]
    return [fmt_number(r["area_km2"], 1), fmt_share(r["share_of_territory"]),
            fmt_people_table(r["residents"]), str(r["hospitals"])]


_MAP_W = 160.0
"""A small map's width in SVG units (it scales with its box)."""
_MAPS_OPEN = 24
"""Orders up to which the small maps are shown open; more are folded under a summary."""


def _rings(geo: dict[str, Any] | None) -> list[list[list[float]]]:
    if not geo:
        return []
    polys = [geo["coordinates"]] if geo["type"] == "Polygon" else geo["coordinates"]
    return [ring for poly in polys for ring in poly]


def _path(rings: list[list[list[float]]], xy: Any) -> str:
    out = []
    for ring in rings:
        pts = [xy(x, y) for x, y in ring]
        out.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in pts) + "Z")
    return "".join(out)


def order_maps_html(data: dict[str, Any]) -> str:
    """One small map per order (inline SVG): the territory's outline and the part of it
    the order covers, drawn from the simplified outlines the series holds (WGS 84, drawn
    with longitudes shrunk by the cosine of the middle latitude, north up). Empty when
    the series holds no outlines."""
    from zoneplan.render.words.text import fmt_share

    terr = _rings(data.get("territory", {}).get("outline"))
    rows = data["rows"]
    if not terr or not any(r.get("outline") for r in rows):
        return ""
    xs = [x for ring in terr for x, _ in ring]
    ys = [y for ring in terr for _, y in ring]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    k = float(np.cos(np.radians((y0 + y1) / 2)))
    pad = 4.0
    scale = (_MAP_W - 2 * pad) / max((x1 - x0) * k, 1e-12)
    height = (y1 - y0) * scale + 2 * pad

    def xy(x: float, y: float) -> tuple[float, float]:
        return pad + (x - x0) * k * scale, pad + (y1 - y) * scale

    land = _path(terr, xy)
    maps = []
    for r in rows:
        shape = _path(_rings(r.get("outline")), xy)
        what = (f"nothing measured: {r['flag']}" if r.get("flag") else
                f"{fmt_share(r['share_of_territory'])} of the territory")
        title = f"{r['date']}: {Path(r['file']).name} ({what})"
        maps.append(
            f'<figure class="order-map"><svg viewBox="0 0 {_MAP_W:.0f} {height:.0f}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<path class="land" d="{land}"/>'
            + (f'<path class="order" d="{shape}"/>' if shape else "")
            + f'</svg><figcaption><b>{escape(r["date"])}</b> {escape(what)}</figcaption>'
            "</figure>")
    intro = ("<p class=\"small\">Each map: the territory (grey) and the part one order covers "
             "(red), on its date; outlines simplified to about 50 m for drawing.</p>")
    grid = f'<div class="order-maps">{"".join(maps)}</div>'
    if len(maps) > _MAPS_OPEN:
        return (f'<details class="section" id="order-maps"><summary><h2>Map of each order '
                f"({len(maps)})</h2></summary>{intro}{grid}</details>")
    return f'<h2 id="order-maps">Map of each order</h2>{intro}{grid}'


def _timeline_title(data: dict[str, Any]) -> str:
    """The page's title as a sentence: how many orders, from when to when, measured."""
    from zoneplan.render.pages.html import short_date

    rows = data["rows"]
    n = len(rows)
    where = ("the Gaza Strip" if str(data["territory"]["ref"]).startswith("gaza:")
             else Path(str(data["territory"]["ref"])).name)
    span = (f"of {short_date(rows[0]['date'])}" if n == 1 or rows[0]["date"] == rows[-1]["date"]
            else f"from {short_date(rows[0]['date'])} to {short_date(rows[-1]['date'])}")
    return f"{n} order{'s' if n != 1 else ''} over {where} {span}, measured one by one"


def timeline_html(data: dict[str, Any]) -> str:
    """A self-contained HTML page: two charts of orders (inline SVG) and the tables.

    The charts show each order on its date: the share of the territory it covers (%) and
    the pre-war residents inside (people); with ``--in-force``, a step line for the
    orders in force together. The tables (cards on a phone) give area in km², share in
    percent and people rounded for display; flagged rows say why they are zero.
    """
    from zoneplan.render.pages.charts import order_chart
    from zoneplan.render.pages.css import CSS
    from zoneplan.render.pages.html import cards_table
    from zoneplan.render.words.text import fmt_number, rounding_note

    rows = data["rows"]
    dates = [r["date"] for r in rows]
    flags = [r.get("flag") for r in rows]
    force = data.get("in_force")
    filt = f" (filter: {data['where']})" if data.get("where") else ""

    def step(key: str, k: float) -> tuple[list[str], list[float], str] | None:
        if not force:
            return None
        return [r["date"] for r in force], [k * r[key] for r in force], _in_force_label(data)

    charts = (order_chart(dates, [100 * r["share_of_territory"] for r in rows],
                          title=f"Share of the territory under each order{filt}",
                          unit="% of the territory", colour=_SHARE, flags=flags,
                          in_force=step("share_of_territory", 100.0),
                          value_fmt=lambda v: f"{v:.1f}%", limit=100)
              + order_chart(dates, [r["residents"] for r in rows],
                            title="Pre-war residents under each order", unit="people",
                            colour=_PEOPLE, flags=flags, in_force=step("residents", 1.0),
                            value_fmt=lambda v: f"{v:,.0f}"))
    heads = ["Area (km²)", "Share of territory", "Pre-war residents inside (people)",
             "Hospitals"]
    table = cards_table("timeline-table", ["Date", "Order (file)", *heads],
                        [[escape(r["date"]), f'<span class="file">{escape(Path(r["file"]).name)}'
                          "</span>", *_value_cells(r)] for r in rows], compact=True)
    force_html = ""
    if force:
        force_html = (f'<details class="section" id="in-force"><summary><h2>Orders in force '
                      f"(issued in the last {data['in_force_days']} days; {len(force)} dates)"
                      "</h2></summary>" + cards_table(
                          "in-force-table", ["Date", "Orders in force", *heads],
                          [[escape(r["date"]), str(len(r["orders"])),
                            *_value_cells(r)] for r in force], compact=True) + "</details>")
    n_flag = sum(1 for f in flags if f)
    flag_note = (f" {n_flag} of {len(rows)} rows are flagged: the layer gave nothing to "
                 "measure, and the row says why." if n_flag else "")
    b = data["baseline"]
    credits = "".join(f"<li>{escape(c)}</li>" for c in credit_lines(data))
    rule = str(data.get("hospitals_rule") or "Hospitals: built-in pack (OSM, landmarks).")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>zoneplan timeline</title><style>{CSS}
.file{{overflow-wrap:anywhere;word-break:break-all}} .flag{{font-style:italic}}
.credits li{{overflow-wrap:anywhere}}
.order-maps{{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:.6rem}}
.order-map{{margin:0}}.order-map svg{{width:100%;height:auto;display:block;
border:1px solid var(--line);background:#eaf1f6}}
.order-map .land{{fill:#f0efe9;stroke:#555;stroke-width:.8;vector-effect:non-scaling-stroke}}
.order-map .order{{fill:{_SHARE};fill-opacity:.85;stroke:#7a2035;stroke-width:.6;
vector-effect:non-scaling-stroke;fill-rule:evenodd}}
.order-map figcaption{{font-size:.8rem;line-height:1.3;margin-top:.2rem}}
</style></head><body><main>
<header class="page-head"><h1>{escape(_timeline_title(data))}</h1></header>
<p>Territory: {escape(data['territory']['ref'])} ({fmt_number(data['territory']['area_km2'], 1)}
km²). Filter: {escape(str(data.get('where') or 'none'))}. Each file is read as one order
issued on its date; a row measures that order alone, not what was in force that day.{
" The step line and the second table show the orders issued in the last "
+ str(data['in_force_days']) + " days, together." if force else
" Give --in-force DAYS for the area under orders in force."}{escape(flag_note)}</p>
<div class="charts">{charts}</div>
{order_maps_html(data)}
<h2>Orders</h2>{table}{force_html}
<details class="section" id="credits"><summary><h2>Credits</h2></summary>
<p class="small">Each order layer, with the sources its features name:</p>
<ul class="small credits">{credits}</ul></details>
<p class="small">Residents: {escape(b['label'])} ({escape(b['date'])}), sources
{escape(', '.join(b['sources']))}. {escape(rule)}
{escape(rounding_note("timeline.json"))}</p></main></body></html>
"""


def write_timeline(data: dict[str, Any], out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write timeline.json, .csv, .png and .html into ``out_dir``, atomically.

    An existing ``out_dir`` is refused (:class:`~zoneplan.errors.OutputExistsError`)
    unless ``overwrite``; with it, a folder zoneplan wrote is replaced whole (any other
    folder is refused). Returns ``out_dir``.
    """
    out = Path(out_dir)
    png = timeline_png(data)
    with atomic_dir(out, overwrite=overwrite, command="timeline") as tmp:
        (tmp / "timeline.json").write_text(json.dumps(data, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
        (tmp / "timeline.csv").write_text(timeline_csv(data), encoding="utf-8")
        (tmp / "timeline.png").write_bytes(png)
        (tmp / "timeline.html").write_text(timeline_html(data), encoding="utf-8")
    return out
