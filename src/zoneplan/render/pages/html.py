"""The self-contained HTML report.

One file that opens with no network: CSS inline (:mod:`zoneplan.render.pages.css`), the map
and charts as inline SVG (text stays text and scales with the screen; map features
carry hover titles), no scripts, no web fonts; links to sources are plain ``<a href>``.
The order follows the reporting habit of humanitarian impact reports: the question, the
headline answers, the map, the tables, the charts, notes and assumptions, sources,
provenance. All text taken from plans and data is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from zoneplan.render.maps.legend import svg_pattern_defs, zone_swatch
from zoneplan.render.pages.css import CSS
from zoneplan.render.style import zone_looks
from zoneplan.render.words.checked import claims_html, sources_html
from zoneplan.render.words.distribution import distribution_html
from zoneplan.render.words.headlines import headlines
from zoneplan.render.words.text import (
    ACCESS_WORDS,
    NA,
    ROUNDING_NOTE,
    fmt_number,
    fmt_range,
    fmt_share,
    round_parts,
)

__all__ = ["CSS", "ReportMap", "by_area_html", "cards_table", "render_report_html",
           "sources_html", "zone_table_html"]


@dataclass(frozen=True)
class ReportMap:
    """The report's map: two panels as inline SVG, the legend and the caption (HTML)."""

    zones_svg: str
    density_svg: str
    legend: str
    caption: str
    damage_svg: str | None = None
    damage_caption: str = ""


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


def cards_table(table_id: str, heads: Sequence[str], rows: Sequence[Sequence[str]],
                foot: Sequence[str] | None = None) -> str:
    """A table that is a table on wide screens and one card per row on phones.

    Cells are HTML (escape text first); each cell after the first is labelled with its
    column's heading for the card view.
    """
    def tr(cells: Sequence[str]) -> str:
        tds = (f'<td data-label="{_e(h)}">{c}</td>' if i else f"<td>{c}</td>"
               for i, (h, c) in enumerate(zip(heads, cells, strict=True)))
        return "<tr>" + "".join(tds) + "</tr>"

    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    return (f'<div class="table-wrap for-cards"><table class="cards" id="{table_id}"><thead>'
            f"<tr>{head}</tr></thead><tbody>{''.join(tr(r) for r in rows)}</tbody>"
            + (f"<tfoot>{tr(foot)}</tfoot>" if foot else "") + "</table></div>")


def zone_table_html(d: dict[str, Any]) -> str:
    """The per-zone tables (land and people; services and security), with standards met
    or not and totals rows that add up.

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
    looks = {z.id: z for z in zone_looks(zones)}
    people: list[list[str]] = []
    services: list[list[str]] = []
    for i in range(len(zones) + (1 if rest_needed else 0)):
        c = {k: v[0][i] for k, v in cols.items()}
        if i < len(zones):
            z = zones[i]
            look = looks[z["id"]]
            name = f"{zone_swatch(look.colour, look.access)}{_e(z['label'])}"
            nr = z.get("null_reasons") or {}
            beds = fmt_number(z.get("beds_per_10k"), 1)
            if z.get("beds_per_10k") is None and nr.get("beds_per_10k"):
                beds = f'<span class="na" title="{_e(nr["beds_per_10k"])}">{NA}</span>'
            st = z.get("standards") or {}
            people.append([name, _e(ACCESS_WORDS.get(z.get("access", ""), z.get("access", ""))),
                           c["area"], c["share"], c["base"], c["res"], c["out"],
                           _e(fmt_number(z.get("m2_per_person"))),
                           _meets(st.get("sphere-camp-area"))])
            services.append([name, c["hosp"], beds, c["forces"],
                             _e(fmt_number(z.get("forces_per_1000"), 1)),
                             _meets(st.get("force-ratio-quinlivan"))])
        else:
            people.append(["In no zone", "", c["area"], c["share"], c["base"], c["res"],
                           c["out"], "", ""])
            services.append(["In no zone", c["hosp"], "", c["forces"], "", ""])
    ts = t.get("standards") or {}
    foot1 = ["Total", "", cols["area"][1], cols["share"][1], cols["base"][1], cols["res"][1],
             cols["out"][1], _e(fmt_number(t.get("m2_per_person"))),
             _meets(ts.get("sphere-camp-area"))]
    foot2 = ["Total", cols["hosp"][1], _e(fmt_number(t.get("beds_per_10k"), 1)),
             cols["forces"][1], _e(fmt_number(t.get("forces_per_1000"), 1)),
             _meets(ts.get("force-ratio-quinlivan"))]
    heads1 = ["Zone", "Civilian access", "Area (km²)", "Share of territory",
              "Residents before (pre-war, people)", "Residents under the plan (people)",
              "Must leave (people)", "Area per person (m²)", "Sphere 45 m²"]
    heads2 = ["Zone", "Hospitals", "Beds per 10,000", "Security personnel",
              "Per 1,000 residents", "20 per 1,000"]
    return ("<h3>Land and people</h3>" + cards_table("zone-table", heads1, people, foot1)
            + "<h3>Hospitals and security</h3>" + cards_table("zone-services", heads2, services,
                                                        foot2))


def by_area_html(d: dict[str, Any]) -> str:
    """The by-area table (``--by``): each zone's part of each area, ranges low–high; empty
    without ``--by``. Rows add up to the zones (checked when measured)."""
    from zoneplan.render.words.text import fmt_people_table

    rows = d.get("by_area")
    if not rows:
        return ""
    by = d.get("by") or {}
    labels = {z["id"]: z["label"] for z in d["zones"]}
    cols: list[tuple[str, str, Callable[[float | None], str]]] = [
        ("area_km2", "Area (km²)", lambda v: fmt_number(v, 1)),
        ("share_of_area", "Share of the area", fmt_share),
        ("residents_baseline", "Pre-war residents (people)", fmt_people_table),
        ("residents", "Residents under the plan (people)", fmt_people_table),
        ("hospitals", "Hospitals", lambda v: fmt_number(v)),
        ("damaged_structures", "Damaged structures", lambda v: fmt_number(v))]
    if all(r.get("damaged_structures") is None for r in rows):
        cols.pop()
    body = []
    for r in rows:
        cells = [_e(r["area"]), _e(labels.get(r["zone"], r["zone"]))]
        for key, _, f in cols:
            rng = (r.get("ranges") or {}).get(key)
            shown = f(r.get(key))
            if rng and f(rng[0]) != f(rng[1]):
                shown += f' <span class="range">({_e(f(rng[0]))}–{_e(f(rng[1]))})</span>'
            cells.append(shown)
        body.append(cells)
    return (f'<h2 id="by-area">By area: {_e(by.get("label"))}</h2>'
            f"<p>Each row is the part of one area (named by the field "
            f"<code>{_e(by.get('field'))}</code>) that one zone takes; the rows of a zone add "
            "up to the zone's figures and the rows of an area to the area. Ranges in "
            "brackets (low–high). The same table is in <code>by_area.csv</code>.</p>"
            + cards_table("by-area-table", ["Area", "Zone", *(h for _, h, _ in cols)], body))


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


def _damage_figure(m: ReportMap) -> str:
    if not m.damage_svg:
        return ""
    return (f'<figure id="damage-figure"><figcaption>Damaged structures, by where they were '
            f"counted</figcaption>{m.damage_svg}</figure>")


def _map_html(m: ReportMap | None) -> str:
    if m is None:
        return ""
    return (f'<div class="map-grid" id="map-figure"><figure><figcaption>Zones: colour by zone, '
            f"pattern by civilian access</figcaption>{m.zones_svg}</figure><figure>"
            f"<figcaption>Residents under the plan, people per km²</figcaption>"
            f"{m.density_svg}</figure>{_damage_figure(m)}</div>{m.legend}<p class=\"caption\">"
            f"{m.caption} {m.damage_caption} Hover "
            "over a zone, line or symbol for its figures. Print versions of this map: "
            "<code>map.png</code>, <code>map.svg</code> (editable text) and "
            "<code>map.pdf</code> in this folder.</p>")


def render_report_html(d: dict[str, Any], *, report_map: ReportMap | None,
                       charts: Sequence[str],
                       extra_sources: Sequence[dict[str, Any]] = ()) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    d
        The JSON result.
    report_map
        The map's panels, legend and caption, or ``None`` for no map.
    charts
        Chart ``<figure>`` blocks (inline SVG), in display order.
    extra_sources
        Sources of the map's context layers, listed after the result's.
    """
    plan = d["plan"]
    question = f"What does {plan['title']} mean for the people of {_territory_name(d)}?"
    heads = "".join(f"<li>{_e(s)}</li>" for s in headlines(d))
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
    extra = (f"<h3>Map context</h3>{sources_html(extra_sources)}" if extra_sources else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{_e(plan['title'])} — zoneplan report</title>
<style>{CSS}</style></head>
<body>{svg_pattern_defs()}<main>
<p class="meta">zoneplan report · plan <code>{_e(plan['id'])}</code> · plan dated
{_e(plan.get('date') or 'unknown')} · status: {_e(plan.get('status'))}</p>
<h1 id="question">{_e(question)}</h1>
<p>{_e(plan.get('summary') or '')}</p>
<h2 id="headlines">In brief</h2><ul class="headlines">{heads}</ul>
<h2 id="map">Map</h2>{_map_html(report_map)}
<h2 id="zones">Zones, residents and standards</h2>{zone_table_html(d)}
<p class="small">Numbers rounded for display (see notes); totals computed before rounding
and the rows rounded so they add up. ✓/✗: standard met or not; n/a: cannot be judged
(no residents, or no figure).</p>{by_area_html(d)}
{distribution_html(d)}
<h2 id="claims">Published figures checked</h2>{claims_html(d)}
<h2 id="charts">Charts</h2><div class="charts">{''.join(charts)}</div>
<h2 id="notes">Notes and assumptions</h2><ul>{''.join(f'<li>{n}</li>' for n in notes)}</ul>
<details><summary>What each indicator means</summary><ul>{defs}</ul></details>
<h2 id="sources">Sources</h2>{sources_html(d.get("sources", []))}{extra}
<h2 id="provenance">Provenance</h2>{_provenance_html(d)}
</main></body></html>
"""
