"""The self-contained HTML report.

One file that opens with no network: CSS inline, the map as a PNG data URI, charts as
inline SVG, no scripts, no web fonts; links to sources are plain ``<a href>``. The order
follows the reporting habit of humanitarian impact reports: the question, the headline
answers, the map, the table, the charts, notes and assumptions, sources, provenance.
All text taken from plans and data is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape
from typing import Any

from zoneplan.render.checked import claims_html, sources_html
from zoneplan.render.distribution import distribution_html
from zoneplan.render.headlines import headlines
from zoneplan.render.text import (
    ACCESS_WORDS,
    NA,
    ROUNDING_NOTE,
    fmt_number,
    fmt_range,
    fmt_share,
    round_parts,
)

__all__ = ["CSS", "render_report_html", "zone_table_html"]

CSS = """
:root{--ink:#1d1d1f;--muted:#555;--line:#d0d0d0;--bg:#fff;--soft:#f4f6f8}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;
color:var(--ink);background:var(--bg);margin:0;line-height:1.5;font-size:16px}
main{max-width:980px;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.meta{color:var(--muted);font-size:.9rem}
.headlines li{margin:.3rem 0}
.verdict.consistent{color:#1b7837}.verdict.inconsistent{color:#b2182b}
.verdict.not-measurable{color:#7f6000}
figure{margin:1rem 0}
figure img,figure svg{max-width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:.85rem}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left;min-width:11em}
thead th{background:var(--soft);position:sticky;top:0}
tfoot td{font-weight:600;border-top:2px solid var(--ink)}
.ok{color:#1a6b36}.no{color:#9b1c31}.na{color:var(--muted)}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #444;margin-right:.3em;
vertical-align:-.1em}
.charts{display:grid;grid-template-columns:1fr;gap:1rem;max-width:760px}
.charts>figure{min-width:0}
.small{font-size:.85rem;color:var(--muted)}
code{font-size:.85em;word-break:break-all}
a{overflow-wrap:anywhere}
@media (max-width:600px){body{font-size:15px}h1{font-size:1.3rem}main{padding:.6rem}
table{font-size:.8rem}}
@media print{main{max-width:none;padding:0}a{color:inherit}
a[href^="http"]::after{content:" (" attr(href) ")";font-size:.75em;word-break:break-all}
h2{break-after:avoid}figure,tr{break-inside:avoid}thead th{position:static}
.table-wrap{overflow:visible}}
"""

ACCESS_COLOURS_HTML = {"resident": "#88CCEE", "restricted": "#DDCC77", "closed": "#CC6677"}


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _meets(v: bool | None) -> str:
    if v is None:
        return '<span class="na">n/a</span>'
    return '<span class="ok">✓ met</span>' if v else '<span class="no">✗ not met</span>'


def _col(zones: list[dict[str, Any]], key: str, step: float, total: float | None,
         fmt: Callable[[float | None], str]) -> tuple[list[str], str]:
    vals: list[float | None] = [z.get(key) if isinstance(z.get(key), (int, float)) else None
                                for z in zones]
    if total is not None:
        vals = [*vals, total - sum(v or 0.0 for v in vals)]
    parts = round_parts(vals, step)
    total_r = sum(p or 0.0 for p in parts) if any(p is not None for p in parts) else None
    return [fmt(p) for p in parts], fmt(total_r)


def zone_table_html(d: dict[str, Any]) -> str:
    """The per-zone table with standards met or not, and a totals row that adds up.

    If the zones do not cover the whole territory (or all residents), a row "in no
    zone" holds the difference, so each additive column adds up to the totals row.
    """
    zones = list(d["zones"])
    t = d["totals"]
    rest_needed = abs(sum(z.get("area_km2") or 0 for z in zones) - (t.get("area_km2") or 0)) > 1e-6
    def tot(key: str) -> float | None:
        v = t.get(key)
        return float(v) if rest_needed and isinstance(v, (int, float)) else None

    cols: dict[str, tuple[list[str], str]] = {
        "area": _col(zones, "area_km2", 0.1, tot("area_km2"), lambda v: fmt_number(v, 1)),
        "share": _col(zones, "share_of_territory", 0.001, tot("share_of_territory"),
                      lambda v: fmt_share(v)),
        "base": _col(zones, "residents_baseline", 100, tot("residents_baseline"),
                     lambda v: fmt_number(v)),
        "res": _col(zones, "residents", 100, tot("residents"), lambda v: fmt_number(v)),
        "out": _col(zones, "displaced_out", 100, tot("displaced_out"), lambda v: fmt_number(v)),
        "hosp": _col(zones, "hospitals", 1, tot("hospitals"), lambda v: fmt_number(v)),
        "forces": _col(zones, "forces_personnel", 1, tot("forces_personnel"),
                       lambda v: fmt_number(v)),
    }
    head = ("<tr><th>Zone</th><th>Civilian access</th><th>Area (km²)</th>"
            "<th>Share of territory</th><th>Residents before (pre-war, people)</th>"
            "<th>Residents under the plan (people)</th><th>Must leave (people)</th>"
            "<th>Area per person (m²)</th><th>Sphere 45 m²</th><th>Hospitals</th>"
            "<th>Beds per 10,000</th><th>Security personnel</th><th>Per 1,000 residents</th>"
            "<th>20 per 1,000</th></tr>")
    rows = []
    n_rows = len(zones) + (1 if rest_needed else 0)
    for i in range(n_rows):
        if i < len(zones):
            z = zones[i]
            colour = ACCESS_COLOURS_HTML.get(z.get("access", ""), "#bbb")
            name = (f'<span class="swatch" style="background:{colour}"></span>'
                    f"{_e(z['label'])}")
            access = _e(ACCESS_WORDS.get(z.get("access", ""), z.get("access", "")))
            nr = z.get("null_reasons") or {}
            m2 = fmt_number(z.get("m2_per_person"))
            beds = fmt_number(z.get("beds_per_10k"), 1)
            if z.get("beds_per_10k") is None and nr.get("beds_per_10k"):
                beds = f'<span class="na" title="{_e(nr["beds_per_10k"])}">{NA}</span>'
            fp = fmt_number(z.get("forces_per_1000"), 1)
            st = z.get("standards") or {}
            s1, s2 = _meets(st.get("sphere-camp-area")), _meets(st.get("force-ratio-quinlivan"))
        else:
            name, access, m2, beds, fp, s1, s2 = ("In no zone", "", "", "", "", "", "")
        c = {k: v[0][i] for k, v in cols.items()}
        rows.append(f"<tr><td>{name}</td><td>{access}</td><td>{c['area']}</td>"
                    f"<td>{c['share']}</td><td>{c['base']}</td><td>{c['res']}</td>"
                    f"<td>{c['out']}</td><td>{_e(m2)}</td><td>{s1}</td><td>{c['hosp']}</td>"
                    f"<td>{beds}</td><td>{c['forces']}</td><td>{_e(fp)}</td><td>{s2}</td></tr>")
    ts = t.get("standards") or {}
    foot = (f"<tr><td>Total</td><td></td><td>{cols['area'][1]}</td><td>{cols['share'][1]}</td>"
            f"<td>{cols['base'][1]}</td><td>{cols['res'][1]}</td><td>{cols['out'][1]}</td>"
            f"<td>{_e(fmt_number(t.get('m2_per_person')))}</td>"
            f"<td>{_meets(ts.get('sphere-camp-area'))}</td><td>{cols['hosp'][1]}</td>"
            f"<td>{_e(fmt_number(t.get('beds_per_10k'), 1))}</td><td>{cols['forces'][1]}</td>"
            f"<td>{_e(fmt_number(t.get('forces_per_1000'), 1))}</td>"
            f"<td>{_meets(ts.get('force-ratio-quinlivan'))}</td></tr>")
    return (f'<div class="table-wrap"><table id="zone-table"><thead>{head}</thead><tbody>'
            f"{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table></div>")


def _ranges_html(d: dict[str, Any]) -> str:
    items = []
    keys = [("residents_baseline", "Residents before (people)"),
            ("displaced_out", "Must leave (people)"),
            ("area_km2", "Area (km²)"), ("m2_per_person", "Area per person (m²)"),
            ("hospital_distance_median_m", "Median distance to an open hospital (m)")]
    for z in d["zones"]:
        rg = z.get("ranges") or {}
        parts = []
        for k, lab in keys:
            if rg.get(k):
                f = (lambda v: fmt_number(v, 1)) if k == "area_km2" else fmt_number
                parts.append(f"{_e(lab)}: {_e(fmt_range(rg[k], f))}")
        items.append(f"<li><b>{_e(z['label'])}</b>: {'; '.join(parts) or NA}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _provenance_html(d: dict[str, Any]) -> str:
    p = d.get("provenance", {})
    rows = "".join(f"<tr><td>{_e(f.get('role'))}</td><td><code>{_e(f.get('path'))}</code></td>"
                   f"<td><code>{_e(f.get('sha256'))}</code></td></tr>"
                   for f in p.get("inputs", []))
    return (f"<p>zoneplan {_e(p.get('zoneplan_version'))}, Python {_e(p.get('python'))}; "
            f"evaluated {_e(p.get('time_utc'))} (UTC). Plan id <code>"
            f"{_e(d['plan']['id'])}</code>.</p><div class=\"table-wrap\"><table><thead><tr>"
            "<th>Input</th><th>Path</th><th>SHA-256</th></tr></thead><tbody>"
            f"{rows}</tbody></table></div>")


def _territory_name(d: dict[str, Any]) -> str:
    ref = str(d.get("territory", {}).get("ref", ""))
    return "the Gaza Strip" if ref.startswith("gaza:") else ref.rsplit("/", 1)[-1]


def render_report_html(d: dict[str, Any], *, map_png: bytes | None,
                       charts: dict[str, str]) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    d
        The JSON result.
    map_png
        The map image (embedded as a data URI), or ``None``.
    charts
        Chart title → inline SVG text, in display order.
    """
    plan = d["plan"]
    question = f"What does {plan['title']} mean for the people of {_territory_name(d)}?"
    heads = "".join(f"<li>{_e(s)}</li>" for s in headlines(d))
    img = ""
    if map_png is not None:
        b64 = base64.b64encode(map_png).decode("ascii")
        img = (f'<figure id="map-figure"><img src="data:image/png;base64,{b64}" '
               f'alt="Map of the zones of {_e(plan["title"])} coloured by civilian access, '
               'and of residents under the plan per km²" width="1100" height="740">'
               "<figcaption>Zones coloured by civilian access (blue: open to residents; "
               "sand: residents may stay; rose: "
               "closed to civilians); right: residents under the plan per km². © "
               "OpenStreetMap contributors and the sources listed below.</figcaption></figure>")
    chart_html = "".join(f'<figure aria-label="{_e(k)}">{v}</figure>' for k, v in charts.items())
    pop = d.get("population", {})
    notes = [
        f"<b>Residents.</b> {_e(pop.get('modelled_label'))} "
        f"({_e(fmt_number(pop.get('modelled_total')))} people, "
        f"{_e(pop.get('modelled_date'))}) distributed like the "
        f"{_e(pop.get('baseline_label'))} ({_e(fmt_number(pop.get('baseline_total')))} people). "
        f"{_e(pop.get('baseline_method'))} People in zones closed to civilians are moved into "
        f"zones open to them (method: {_e(pop.get('relocation'))}).",
        f"<b>Areas</b> are measured in {_e(d['crs_area']['name'])} (EPSG "
        f"{_e(d['crs_area']['epsg'])}); area per person is gross land area, including roads "
        "and rubble, compared with Sphere's 45 m² per person for camps.",
        "<b>Ranges</b> (low–high) span every alternative the inputs offer: "
        + _e("; ".join(d.get("ranges_from", []))) + "." + _ranges_html(d),
        f"<b>Display rounding.</b> {_e(ROUNDING_NOTE)}",
        *[_e(n) for n in d.get("notes", [])],
    ]
    for z in d["zones"]:
        notes += [f"<b>{_e(z['label'])}.</b> {_e(n)}" for n in z.get("notes", [])]
    ind = d.get("indicators", {})
    defs = "".join(f"<li><b>{_e(v['label'])}</b> ({_e(v['unit'])}): {_e(v['method'])}</li>"
                   for v in ind.values())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{_e(plan['title'])} — zoneplan report</title>
<style>{CSS}</style></head>
<body><main>
<p class="meta">zoneplan report · plan <code>{_e(plan['id'])}</code> · plan dated
{_e(plan.get('date') or 'unknown')} · status: {_e(plan.get('status'))}</p>
<h1 id="question">{_e(question)}</h1>
<p>{_e(plan.get('summary') or '')}</p>
<h2 id="headlines">In brief</h2><ul class="headlines">{heads}</ul>
<h2 id="map">Map</h2>{img}
<h2 id="zones">Zones, residents and standards</h2>{zone_table_html(d)}
<p class="small">Numbers rounded for display (see notes); totals computed before rounding
and the rows rounded so they add up. ✓/✗: standard met or not; n/a: cannot be judged
(no residents, or no figure).</p>
{distribution_html(d)}
<h2 id="claims">Published figures checked</h2>{claims_html(d)}
<h2 id="charts">Charts</h2><div class="charts">{chart_html}</div>
<h2 id="notes">Notes and assumptions</h2><ul>{''.join(f'<li>{n}</li>' for n in notes)}</ul>
<details><summary>What each indicator means</summary><ul>{defs}</ul></details>
<h2 id="sources">Sources</h2>{sources_html(d)}
<h2 id="provenance">Provenance</h2>{_provenance_html(d)}
</main></body></html>
"""
