"""Zones over time as files: the CSV rows, a step chart (PNG) and a self-contained page.

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

__all__ = ["timeline_csv", "timeline_html", "timeline_png", "write_timeline"]


def timeline_csv(data: dict[str, Any]) -> str:
    """The rows as CSV text, full precision.

    Columns: ``date``, ``file``, ``features`` (count), ``area_km2`` (km²),
    ``share_of_territory`` (fraction 0-1), ``residents_prewar`` (people),
    ``hospitals`` (count).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "file", "features", "area_km2", "share_of_territory",
                "residents_prewar", "hospitals"])
    for r in data["rows"]:
        w.writerow([r["date"], r["file"], r["features"], r["area_km2"],
                    r["share_of_territory"], r["residents"], r["hospitals"]])
    return buf.getvalue()


def timeline_png(data: dict[str, Any]) -> bytes:
    """A step chart (PNG bytes) of the share of territory and pre-war residents inside.

    Two axes: the share in percent of the territory, the residents in millions of people.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = np.array([np.datetime64(r["date"]) for r in data["rows"]])
    share = [100 * r["share_of_territory"] for r in data["rows"]]
    res = [r["residents"] / 1e6 for r in data["rows"]]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        ax.step(dates, share, where="post", color="#CC6677", marker="o",
                label="Share of territory inside the zones (%)")
        ax.set_ylabel("% of the territory")
        ax.set_ylim(0, max([*share, 1]) * 1.15)
        ax2 = ax.twinx()
        ax2.step(dates, res, where="post", color="#332288", marker="s", ls="--",
                 label="Pre-war residents inside (millions)")
        ax2.set_ylabel("people (millions, pre-war baseline)")
        ax2.set_ylim(0, max([*res, 0.1]) * 1.15)
        filt = f" — filter: {data['where']}" if data.get("where") else ""
        ax.set_title(f"Zones over time{filt}", fontsize=10, loc="left")
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
        fig.autofmt_xdate()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    return buf.getvalue()


def timeline_html(data: dict[str, Any]) -> str:
    """A self-contained HTML page: two step charts (inline SVG) and the table.

    The charts show the share of the territory inside the zones (%) and the pre-war
    residents inside (people) by date; the table (cards on a phone) gives area in km²,
    share in percent and people rounded for display.
    """
    from zoneplan.render.charts import step_chart
    from zoneplan.render.css import CSS
    from zoneplan.render.html import cards_table
    from zoneplan.render.text import ROUNDING_NOTE, fmt_number, fmt_people_table, fmt_share

    rows = data["rows"]
    dates = [r["date"] for r in rows]
    filt = f" (filter: {data['where']})" if data.get("where") else ""
    charts = (step_chart(dates, [100 * r["share_of_territory"] for r in rows],
                         title=f"Share of the territory inside the zones{filt}",
                         unit="% of the territory", colour="#CC6677",
                         value_fmt=lambda v: f"{v:.1f}%", limit=100)
              + step_chart(dates, [r["residents"] for r in rows],
                           title="Pre-war residents inside the zones", unit="people",
                           colour="#332288", value_fmt=lambda v: f"{v:,.0f}"))
    table = cards_table("timeline-table", ["Date", "File", "Area (km²)", "Share of territory",
                                           "Pre-war residents inside (people)", "Hospitals"],
                        [[escape(r["date"]), f'<span class="file">{escape(Path(r["file"]).name)}'
                          "</span>", fmt_number(r["area_km2"], 1),
                          fmt_share(r["share_of_territory"]), fmt_people_table(r["residents"]),
                          str(r["hospitals"])] for r in rows])
    b = data["baseline"]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>zoneplan timeline</title><style>{CSS}
.file{{overflow-wrap:anywhere;word-break:break-all}}
</style></head><body><main>
<h1>Zones over time</h1>
<p>Territory: {escape(data['territory']['ref'])} ({fmt_number(data['territory']['area_km2'], 1)}
km²). Filter: {escape(str(data.get('where') or 'none'))}. Each value holds from its date
until the next.</p>
<div class="charts">{charts}</div>
<h2>Dates and figures</h2>{table}
<p class="small">Residents: {escape(b['label'])} ({escape(b['date'])}), sources
{escape(', '.join(b['sources']))}. Hospitals: built-in pack (OSM, landmarks).
{escape(ROUNDING_NOTE)}</p></main></body></html>
"""


def write_timeline(data: dict[str, Any], out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write timeline.json, .csv, .png and .html into ``out_dir``, atomically.

    An existing ``out_dir`` is refused (:class:`~zoneplan.errors.OutputExistsError`)
    unless ``overwrite``; with it, only these four files are replaced. Returns ``out_dir``.
    """
    out = Path(out_dir)
    png = timeline_png(data)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "timeline.json").write_text(json.dumps(data, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
        (tmp / "timeline.csv").write_text(timeline_csv(data), encoding="utf-8")
        (tmp / "timeline.png").write_bytes(png)
        (tmp / "timeline.html").write_text(timeline_html(data), encoding="utf-8")
    return out
