"""The self-contained HTML report.

One file that opens with no network: CSS inline (:mod:`zoneplan.render.pages.css`), the map
and charts as inline SVG (text stays text and scales with the screen; map features
carry hover titles), no scripts, no web fonts; links to sources are plain ``<a href>``.
The order follows the reporting habit of humanitarian impact reports: the question, the
headline answers, the map, the tables, the charts, notes and assumptions, sources,
provenance. All text taken from plans and data is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import re
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
    FLAG_MARK,
    NA,
    ROUNDING_NOTE,
    flags_sentences,
    fmt_extremes,
    fmt_number,
    fmt_range,
    fmt_share,
    plan_date,
    round_parts,
)

__all__ = ["CSS", "ReportMap", "by_area_html", "cards_table", "render_report_html",
           "report_title", "short_date", "sources_html", "zone_table_html"]


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
                foot: Sequence[str] | None = None, *, compact: bool = False) -> str:
    """A table that is a table on wide screens and one card per row on phones.

    Cells are HTML (escape text first); each cell after the first is labelled with its
    column's heading for the card view. ``compact`` cards put the labelled cells side by
    side, wrapping, instead of one a line (for rows of a few short figures).
    """
    def tr(cells: Sequence[str]) -> str:
        tds = (f'<td data-label="{_e(h)}">{c}</td>' if i else f"<td>{c}</td>"
               for i, (h, c) in enumerate(zip(heads, cells, strict=True)))
        return "<tr>" + "".join(tds) + "</tr>"

    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    extra = " compact" if compact else ""
    return (f'<div class="table-wrap for-cards"><table class="cards{extra}" id="{table_id}"><thead>'
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
            flags = z.get("flags") or {}
            if "beds_per_10k" in flags:
                beds += _flag(flags["beds_per_10k"])
            st = z.get("standards") or {}
            people.append([name, _e(ACCESS_WORDS.get(z.get("access", ""), z.get("access", ""))),
                           c["area"], c["share"], c["base"], c["res"], c["out"],
                           _e(fmt_number(z.get("m2_per_person")))
                           + (_flag(flags["m2_per_person"]) if "m2_per_person" in flags
                              else ""),
                           _meets(st.get("sphere-camp-area"))])
            services.append([name, c["hosp"], beds, c["forces"],
                             _e(fmt_number(z.get("forces_per_1000"), 1)),
                             _meets(st.get("force-ratio-quinlivan"))])
        else:
            people.append(["In no zone", "", c["area"], c["share"], c["base"], c["res"],
                           c["out"], "", ""])
            services.append(["In no zone", c["hosp"], "", c["forces"], "", ""])
    ts = t.get("standards") or {}
    open_km2 = t.get("area_open_km2")
    on_open = ("" if open_km2 is None else
               f' <span class="na">on the {_e(fmt_number(open_km2, 1))} km² open to '
               "civilians</span>")
    foot1 = ["Total", "", cols["area"][1], cols["share"][1], cols["base"][1], cols["res"][1],
             cols["out"][1], _e(fmt_number(t.get("m2_per_person"))) + on_open,
             _meets(ts.get("sphere-camp-area"))]
    foot2 = ["Total", cols["hosp"][1], _e(fmt_number(t.get("beds_per_10k"), 1)),
             cols["forces"][1], _e(fmt_number(t.get("forces_per_1000"), 1)),
             _meets(ts.get("force-ratio-quinlivan"))]
    heads1 = ["Zone", "Civilian access", "Area (km²)", "Share of territory",
              "Residents before (pre-war, people)", "Residents under the plan (people)",
              "People displaced out of the zone (people)", "Area per person (m²)",
              "Sphere 45 m²"]
    heads2 = ["Zone", "Hospitals", "Beds per 10,000 (lower bound)", "Security personnel",
              "Per 1,000 residents", "20 per 1,000"]
    flagged = "".join(f'<p class="na">{_e(line)}</p>' for line in flags_sentences(zones))
    return ("<h3>Land and people</h3>" + cards_table("zone-table", heads1, people, foot1)
            + "<h3>Hospitals and security</h3>" + cards_table("zone-services", heads2, services,
                                                        foot2) + flagged)


def _flag(why: str) -> str:
    """The mark of a per-person figure that is not a living condition, with why."""
    return f' <span class="na" title="{_e(why)}">{FLAG_MARK}</span>'



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
    # folded like the other long sections: one card per (area, zone) is pages long on a
    # phone (ten cards for five governorates and two zones)
    return (f'<details class="section" id="by-area"><summary><h2>By area: '
            f'{_e(by.get("label"))} ({len(body)} rows)</h2></summary>'
            f"<p>Each row is the part of one area (named by the field "
            f"<code>{_e(by.get('field'))}</code>) that one zone takes; the rows of a zone add "
            "up to the zone's figures and the rows of an area to the area. Ranges in "
            "brackets (low–high). The same table is in <code>by_area.csv</code>.</p>"
            + (f'<p class="small">{_e(by["note"])}</p>' if by.get("note") else "")
            + cards_table("by-area-table", ["Area", "Zone", *(h for _, h, _ in cols)], body,
                          compact=True)
            + "</details>")


def _ranges_html(d: dict[str, Any]) -> str:
    """The "Ranges" note: a short summary (each zone's ranges), the list of every case
    behind them collapsed."""
    keys = [("residents_baseline", "Residents before (people)"),
            ("displaced_out", "People displaced out of the zone (people)"),
            ("area_km2", "Area (km²)"), ("m2_per_person", "Area per person (m²)"),
            ("hospital_distance_median_m", "Median distance to an open hospital (m)")]
    items = []
    for z in d["zones"]:
        rg = z.get("ranges") or {}
        parts = []
        for k, lab in keys:
            if rg.get(k):
                f = (lambda v: fmt_number(v, 1)) if k == "area_km2" else fmt_number
                ext = fmt_extremes(z, k)
                parts.append(f"{_e(lab)}: {_e(fmt_range(rg[k], f))}"
                             + (f" ({_e(ext)}; never an end of the range)" if ext else ""))
        items.append(f"<li><b>{_e(z['label'])}</b>: {'; '.join(parts) or NA}</li>")
    cases = [str(c) for c in d.get("ranges_from", [])]
    full = "".join(f"<li>{_e(c)}</li>" for c in cases)
    return (f"<b>Ranges</b> (low–high) span the {len(cases)} cases the inputs offer (the "
            "central case and its alternatives: where lines run, how residents are spread, "
            "what is counted). Per zone:<ul>" + "".join(items) + "</ul>"
            + (f"<details><summary>All {len(cases)} cases behind the ranges</summary>"
               f'<ol class="small">{full}</ol></details>' if cases else ""))


def _provenance_html(d: dict[str, Any]) -> str:
    p = d.get("provenance", {})
    rows = [[_e(f.get("role")), f"<code>{_e(f.get('path'))}</code>",
             f"<code>{_e(f.get('sha256'))}</code>"] for f in p.get("inputs", [])]
    return (f"<p>zoneplan {_e(p.get('zoneplan_version'))}, Python {_e(p.get('python'))}; "
            f"evaluated {_e(p.get('time_utc'))} (UTC). Plan id <code>"
            f"{_e(d['plan']['id'])}</code>.</p>"
            + cards_table("provenance-table", ["Input", "Path", "SHA-256"], rows))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATED = {"reported": "as reported on", "proposed": "as proposed on",
          "in force": "in force since", "hypothetical": "dated"}
"""How a plan's date reads after its name, by the plan's status."""
_NO_ARTICLE = frozenset({"the", "a", "an", "before", "after", "during", "under", "since",
                         "until", "from"})
"""First words after which a plan's name takes no "The"."""


def short_date(iso: str) -> str:
    """``2025-11-14`` as ``14 Nov 2025`` (a year or year-month as given)."""
    parts = iso.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return iso


def report_title(plan: dict[str, Any]) -> str:
    """The report's title as a sentence, from the plan's title, date and status.

    Examples
    --------
    >>> report_title({"title": "Reported US plan: green zone and red zone",
    ...               "date": "2025-11-14", "status": "reported"})
    'The reported US plan of 14 Nov 2025 (green zone and red zone), measured'
    >>> report_title({"title": "Ceasefire of October 2025: the yellow line in force",
    ...               "date": "2025-10-10", "status": "in force"})
    'The ceasefire of October 2025 (the yellow line in force), measured'
    >>> report_title({"title": "Fenced compounds", "date": "2025-11-25",
    ...               "status": "reported"})
    'Fenced compounds, as reported on 25 Nov 2025, measured'
    >>> report_title({"title": "Alternative safe communities: compounds",
    ...               "date": "2025-11-25", "status": "reported"})
    'The alternative safe communities as reported on 25 Nov 2025 (compounds), measured'
    """
    title = str(plan.get("title") or plan.get("id") or "The plan").strip()
    head, _, rest = title.partition(":")
    head, rest = head.strip(), rest.strip()
    status = str(plan.get("status") or "")
    date = str(plan.get("date") or "") if plan.get("date_known", True) else ""
    named = bool(rest)  # "Kind of plan: what it holds" reads as "The kind of plan (...)"
    if named and head.split()[0].lower() not in _NO_ARTICLE:
        lower = len(head) > 1 and not head[1].isupper()  # "US plan" keeps its capitals
        head = "The " + (head[0].lower() + head[1:] if lower else head)
    when = ""
    if date and not re.search(r"\b(1[89]|20)\d\d\b", head):  # a year in it says when
        if named and status and status.split()[0] in head.lower():
            when = f" of {short_date(date)}"
        else:
            when = f" {_DATED.get(status, 'dated')} {short_date(date)}"
    if rest:
        return f"{head}{when} ({rest}), measured"
    return f"{head}{',' + when + ',' if when else ','} measured"


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
            f"{m.density_svg}</figure>{_damage_figure(m)}</div>{m.legend}"
            "<details class=\"caption\"><summary>How the map is drawn, and its sources</summary><p>"
            f"{m.caption} {m.damage_caption} Hover "
            "over a zone, line or symbol for its figures. Print versions of this map: "
            "<code>map.png</code>, <code>map.svg</code> (editable text) and "
            "<code>map.pdf</code> in this folder.</p></details>")


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
    title = report_title(plan)
    heads = "".join(f"<li>{_e(s)}</li>" for s in headlines(d))
    pop = d.get("population", {})
    notes = [
        f"<b>Residents.</b> {_e(pop.get('modelled_label'))} "
        f"({_e(fmt_number(pop.get('modelled_total')))} people, "
        f"{_e(pop.get('modelled_date'))}) distributed like the "
        f"{_e(pop.get('baseline_label'))} ({_e(fmt_number(pop.get('baseline_total')))} people). "
        f"People in zones closed to civilians are moved into zones open to them (method: "
        f"{_e(pop.get('relocation'))}).<details><summary>How the residents are spread"
        f"</summary><p>{_e(pop.get('baseline_method'))}</p></details>",
        f"<b>Areas</b> are measured in {_e(d['crs_area']['name'])} (EPSG "
        f"{_e(d['crs_area']['epsg'])}); area per person is gross land area, including roads "
        "and rubble, compared with Sphere's 45 m² per person for camps.",
        _ranges_html(d),
        f"<b>Display rounding.</b> {_e(ROUNDING_NOTE)}",
    ]
    more = [_e(n) for n in d.get("notes", [])]
    for z in d["zones"]:
        more += [f"<b>{_e(z['label'])}.</b> {_e(n)}" for n in z.get("notes", [])]
    more_html = (f"<details><summary>The plan's own notes ({len(more)})</summary><ul>"
                 + "".join(f"<li>{n}</li>" for n in more) + "</ul></details>" if more else "")
    ind = d.get("indicators", {})
    defs = "".join(f"<li><b>{_e(v['label'])}</b> ({_e(v['unit'])}): {_e(v['method'])}</li>"
                   for v in ind.values())
    extra = (f"<h3>Map context</h3>{sources_html(extra_sources)}" if extra_sources else "")
    n_src = len(d.get("sources", [])) + len(extra_sources)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{_e(title)} — zoneplan report</title>
<style>{CSS}</style></head>
<body>{svg_pattern_defs()}<main>
<header class="page-head"><p class="meta">zoneplan report · plan
<code>{_e(plan['id'])}</code> · plan dated {_e(plan_date(plan))} · status:
{_e(plan.get('status'))}</p>
<h1 id="question">{_e(title)}</h1></header>
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
<details class="section" id="notes"><summary><h2>Notes and assumptions</h2></summary>
<ul>{''.join(f'<li>{n}</li>' for n in notes)}</ul>{more_html}
<details><summary>What each indicator means</summary><ul>{defs}</ul></details></details>
<details class="section" id="sources"><summary><h2>Sources ({n_src})</h2></summary>
{sources_html(d.get("sources", []))}{extra}</details>
<details class="section" id="provenance"><summary><h2>Provenance</h2></summary>
{_provenance_html(d)}</details>
</main></body></html>
"""
