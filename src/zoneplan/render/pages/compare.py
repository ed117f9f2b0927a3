"""Plans side by side as a page: small-multiple maps with a legend, the differences and
the zones side by side.

Draws the :class:`~zoneplan.scenarios.compare.Comparison` that
:func:`zoneplan.scenarios.compare.compare` measured; computes no figure of its own.
:func:`write_compare` writes the folder (``compare.html``, ``compare.json``).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoneplan.io.outputs import atomic_dir
from zoneplan.scenarios.compare import COMPARE_KEYS

if TYPE_CHECKING:
    from zoneplan.result import Result
    from zoneplan.scenarios.compare import Comparison

__all__ = ["compare_html", "compare_title", "textwrap_title", "write_compare"]


SMALL_MAP_IN = 3.2
"""A small multiple's size, inches (230 pt): two or three side by side on a desktop, one
per row on a phone, where it is drawn about 1.6 times larger."""


def _small_map(result: Result, line_ids: list[str], prefix: str) -> str:
    """One plan's zones as an inline SVG panel: zones, lines (styles shared across the
    plans), hospitals, crossings, the largest places, scale bar and north arrow."""
    from zoneplan.render.maps.map import panel_svg
    from zoneplan.render.maps.panels import PanelOptions

    opts = PanelOptions(min_population=150_000, inset=False, zone_labels=False,
                        marker_scale=0.7, line_ids=line_ids, gid_prefix=prefix)
    svg, _ = panel_svg(result, "zones", opts=opts, size_in=SMALL_MAP_IN, prefix=prefix)
    return svg


def textwrap_title(text: str, width: int = 40) -> str:
    """Wrap a title for a small map, ``width`` characters a line."""
    import textwrap

    return textwrap.fill(text, width)


def _change(f: Any, old: dict[str, Any] | None, new: dict[str, Any] | None, key: str) -> str:
    """The change of ``key`` from ``old`` to ``new`` as shown (formatter ``f``): the
    difference of the shown values (:func:`~zoneplan.render.words.text.shown_change`),
    shares in percentage points."""
    from zoneplan.render.words.text import fmt_share, shown_change

    if old is None or new is None or old.get(key) is None or new.get(key) is None:
        return "—"
    return shown_change(f(old[key]), f(new[key]), points=f is fmt_share)


def _zone_tables(cmp: Comparison) -> str:
    """One small table per zone, with a column for each plan that has the zone."""
    from zoneplan.render.pages.html import cards_table
    from zoneplan.render.words.text import fmt_number, fmt_people_table, fmt_share

    d = cmp.data
    ind = cmp.results[0].to_dict().get("indicators", {}) if cmp.results else {}
    fmts = {"area_km2": lambda v: fmt_number(v, 1), "residents": fmt_people_table,
            "residents_baseline": fmt_people_table, "displaced_out": fmt_people_table,
            "m2_per_person": fmt_number, "hospitals": fmt_number,
            "forces_per_1000": lambda v: fmt_number(v, 1),
            "beds_per_10k": lambda v: fmt_number(v, 1), "damaged_structures": fmt_number,
            "width_km": lambda v: fmt_number(v, 1), "crossings_open": fmt_number}
    out: list[str] = []
    for z in d["zones"]:
        pids = [p["id"] for p in d["plans"] if z["values"].get(p["id"]) is not None]
        first = d["plans"][0]["id"]
        deltas = [p for p in pids if p != first and first in pids
                  and (z.get("changes") or {}).get(p) is not None]
        heads = ["Indicator", *pids, *(f"{p} − {first}" for p in deltas)]
        rows = []
        for k in COMPARE_KEYS:
            f = fmts.get(k, fmt_share)
            meta = ind.get(k, {})
            unit = str(meta.get("unit") or "")
            show = unit and unit != "count" and "fraction" not in unit and "per " not in unit
            label = f"{meta.get('label', k)}" + (f" ({unit})" if show else "")
            rows.append([escape(label),
                         *(escape(f(z["values"][p].get(k))) for p in pids),
                         *(escape(_change(f, z["values"][first], z["values"][p], k))
                           for p in deltas)])
        only = ("" if len(pids) == len(d["plans"])
                else f'<p class="small">Only in {escape(", ".join(pids))}.</p>')
        out.append(f"<h3>{escape(z['label'])}</h3>{only}"
                   + cards_table(f"zone-{len(out) + 1}", heads, rows, compact=True))
    return "".join(out)


def _by_area_tables(cmp: Comparison) -> str:
    """With ``--by``: one table per area, the matched zones' parts in each plan and the
    change against the first; empty otherwise."""
    from zoneplan.render.pages.html import cards_table
    from zoneplan.render.words.text import fmt_number, fmt_people_table, fmt_share

    rows = cmp.data.get("by_area")
    if not rows:
        return ""
    ids = [p["id"] for p in cmp.data["plans"]]
    figures: list[tuple[str, str, Any]] = [
        ("area_km2", "Area (km²)", lambda v: fmt_number(v, 1)),
        ("share_of_area", "Share of the area", fmt_share),
        ("residents_baseline", "Pre-war residents (people)", fmt_people_table),
        ("residents", "Residents under the plan (people)", fmt_people_table),
        ("hospitals", "Hospitals", fmt_number)]
    heads = ["Zone and figure", *ids, *(f"{p} − {ids[0]}" for p in ids[1:])]
    out: list[str] = []
    for area in dict.fromkeys(r["area"] for r in rows):
        body = []
        for r in (x for x in rows if x["area"] == area):
            for key, label, f in figures:
                vals = ["—" if r["values"][p] is None else escape(f(r["values"][p].get(key)))
                        for p in ids]
                ch = ["—" if (r["changes"] or {}).get(p) is None
                      else escape(_change(f, r["values"][ids[0]], r["values"][p], key))
                      for p in ids[1:]]
                body.append([f"{escape(r['label'])}: {escape(label)}", *vals, *ch])
        out.append(f"<h3>{escape(area)}</h3>"
                   + cards_table(f"by-area-{len(out) + 1}", heads, body, compact=True))
    by = cmp.data.get("by") or {}
    return (f'<h2 id="by-area">By area: {escape(str(by.get("label")))}</h2><p>Each area\'s part '
            "in each matched zone, per plan; people to the nearest 100.</p>" + "".join(out))


def compare_title(plans: list[dict[str, Any]]) -> str:
    """The comparison's title as a sentence: each plan named by its title, date and status
    (:func:`~zoneplan.render.pages.html.report_title`), "compared".

    Examples
    --------
    >>> compare_title([{"title": "Reported US plan: two zones", "date": "2025-11-14",
    ...                 "status": "reported"}, {"title": "Hypothetical phases: three zones",
    ...                 "date": "2025-11-01", "status": "hypothetical"}])
    'The reported US plan of 14 Nov 2025 (two zones) and the hypothetical phases of 1 Nov 2025 (three zones), compared'
    """  # noqa: E501
    from zoneplan.render.pages.html import report_title

    names = [report_title(p).removesuffix(", measured").removesuffix(",") for p in plans]
    names = [names[0], *(n[0].lower() + n[1:] if n.startswith("The ") else n
                         for n in names[1:])]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{joined}, compared"


def compare_html(cmp: Comparison) -> str:
    """A self-contained HTML page: small-multiple maps with a legend, the differences, the
    zones side by side.

    Numbers are rounded for display only (people to the nearest 100, shares in percent);
    the page loads nothing from outside.
    """
    from zoneplan.pack.context import CONTEXT_ATTRIBUTION
    from zoneplan.render.maps.legend import html_legend, legend_entries, svg_pattern_defs
    from zoneplan.render.pages.css import CSS
    from zoneplan.render.words.text import fmt_people_table, rounding_note

    d = cmp.data
    ids = [p["id"] for p in d["plans"]]
    e = escape
    line_ids: list[str] = []
    for r in cmp.results:
        line_ids += [lid for lid in r.layout.lines if lid not in line_ids]
    maps = []
    for i, (p, r) in enumerate(zip(d["plans"], cmp.results, strict=True)):
        rd = r.to_dict()
        zones_legend = html_legend([x for x in legend_entries(rd, context=False)
                                    if x.kind == "zone"], title=f"Zones of {p['id']}")
        maps.append(f'<figure class="small-map"><figcaption><b>{e(p["title"])}</b> '
                    f'<code>{e(p["id"])}</code></figcaption>{_small_map(r, line_ids, f"m{i}-")}'
                    f"{zones_legend}</figure>")
    merged: dict[str, Any] = {"zones": [z for r in cmp.results for z in r.to_dict()["zones"]],
              "lines": [], "totals": {"hospitals": 1},
              "compounds": [c for r in cmp.results for c in r.to_dict().get("compounds", [])]}
    seen: set[str] = set()
    for r in cmp.results:
        for ln in r.to_dict().get("lines", []):
            if ln["id"] not in seen:
                seen.add(ln["id"])
                merged["lines"].append(ln)
    common = html_legend(legend_entries(merged, zones=False, line_ids=line_ids),
                         title="Legend of the maps")
    diffs = "".join(
        f"<li><b>{e(x['from'])} → {e(x['to'])}</b>: residents moved (net) "
        + (e(fmt_people_table(x["residents_moved"])) + " people"
           if x["residents_moved"] is not None
           else "not comparable (the plans' zones differ; see the per-zone changes)")
        + "; people whose nearest hospital "
        f"is across a line in a closed zone: "
        f"{e(fmt_people_table(x['crossing_residents'][x['from']]))}"
        f" → {e(fmt_people_table(x['crossing_residents'][x['to']]))}; hospitals changing zone: "
        f"{e(', '.join(h['name'] + ' (' + str(h['from']) + '→' + str(h['to']) + ')' for h in x['hospitals_changing_zone']) or 'none')}</li>"  # noqa: E501
        for x in d["differences"])
    why = "".join(
        f"<h3>{e(x['from'])} → {e(x['to'])}</h3><ul>"
        + "".join(f"<li>{e(f['summary'])}</li>" for f in x["facts_changed"]) + "</ul>"
        for x in d["differences"] if x.get("facts_changed"))
    if why:
        why = ('<h2 id="why">Why: dated facts that differ</h2><p class="small">Crossing '
               "states, force listings, line variants and alternative drawings that one "
               "evaluation used and the other did not, or in another state (the facts as of "
               "each plan's date, or the date after @).</p>" + why)
    warn = "".join(f"<li>{e(w)}</li>" for w in d["warnings"])
    matched = "".join(
        f"<li><b>{e(m['label'])}</b>: "
        + ", ".join(f"{e(pid)} <code>{e(zid)}</code>" for pid, zid in m["zones"].items())
        + f" — matched by {e(m['how'])}</li>"
        for m in d.get("matches", []) if len(m["zones"]) > 1 and m["how"] != "id")
    defs = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in d["definitions"].items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>zoneplan comparison</title><style>{CSS}
.maps{{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}}
.small-map{{margin:0}}.small-map svg{{width:100%;height:auto;border:1px solid var(--line)}}
.small-map .legend{{columns:1;margin:.3rem 0}}
</style></head><body>{svg_pattern_defs()}<main>
<header class="page-head"><h1>{e(compare_title([r.to_dict()["plan"] for r in cmp.results]))}</h1>
<p class="meta">zoneplan · plans <code>{e(', '.join(ids))}</code></p></header>
<p class="meta">Facts as of
{e(', '.join(str(p.get('as_of') or p['date']) for p in d['plans']))}</p>
<h2>Maps</h2><div class="maps">{''.join(maps)}</div>{common}
<p class="caption">Each map: the zones by colour with civilian access as a pattern, the
plans' lines clipped to the territory (the same line looks the same on every map), hospitals,
crossings and the largest places; same scale on every map. {e(CONTEXT_ATTRIBUTION)}</p>
{f'<h2>Warnings</h2><ul>{warn}</ul>' if warn else ''}
<h2>Differences (against {e(ids[0])})</h2><ul>{diffs}</ul>
{why}
{f'<h2>How zones were matched</h2><ul>{matched}</ul>' if matched else ''}
<h2>Zones side by side</h2><p class="small">A column headed "B − A" is the change from
plan A to plan B, the difference of the values shown; shares change in percentage points
(pp).</p>{_zone_tables(cmp)}{_by_area_tables(cmp)}
<details class="section" id="definitions"><summary><h2>Definitions</h2></summary>
<ul>{defs}</ul></details>
<p class="small">{e(rounding_note("compare.json"))}</p>
</main></body></html>
"""


def write_compare(cmp: Comparison, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``compare.html`` and ``compare.json`` into ``out_dir``, atomically.

    An existing ``out_dir`` is refused (:class:`~zoneplan.errors.OutputExistsError`)
    unless ``overwrite``; with it, a folder zoneplan wrote is replaced whole (any other
    folder is refused). Returns ``out_dir``.
    """
    out = Path(out_dir)
    with atomic_dir(out, overwrite=overwrite, command="compare") as tmp:
        (tmp / "compare.json").write_text(json.dumps(cmp.data, indent=2, ensure_ascii=False),
                                          encoding="utf-8")
        (tmp / "compare.html").write_text(compare_html(cmp), encoding="utf-8")
    return out
