"""Terminal renderer: headline sentences, the figures of each zone, checked claims.

Works on the JSON result (``Result.to_dict()``) only. Numbers are rounded here, for
display; the JSON keeps them unrounded. By default the zones are stacked, one two-column
table each (indicator with its unit; value with its range), so the output fits 80
columns without cutting a number; ``wide=True`` (``--wide``) puts the zones side by side.
"""

from __future__ import annotations

import functools
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from zoneplan.render.words.text import (
    FLAG_MARK,
    flags_sentences,
    fmt_extremes,
    fmt_people_table,
    plan_date,
)

__all__ = ["MAX_ZONE_TABLES", "OPEN_LAND_KEYS", "ZONES_SUMMARISED", "area_total_words",
           "by_area_table", "by_area_tables", "fmt_value", "open_land_sentence", "print_result",
           "unit_shown"]

BY_AREA_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("km²", "area_km2", "km²"), ("% of the area", "share_of_area", "fraction (0-1)"),
    ("pre-war residents", "residents_baseline", "people"),
    ("residents under the plan", "residents", "people"),
    ("hospitals", "hospitals", "count"),
    ("damaged structures", "damaged_structures", "structures"))
"""The by-area figures: heading, key, unit."""


def fmt_value(v: Any, unit: str = "") -> str:
    """Format a number for display; ``None`` becomes an em dash.

    Examples
    --------
    >>> fmt_value(2099999.6, "people"), fmt_value(895459.4, "people")
    ('2,100,000', '895,500')
    >>> fmt_value(196.94, "km²")
    '196.9'
    >>> fmt_value(0.5413, "fraction (0-1)")
    '54.1%'
    >>> fmt_value(None)
    '—'
    """
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if not isinstance(v, (int, float)):
        return str(v)
    if unit.startswith("fraction"):
        return f"{v * 100:.1f}%"
    if unit == "people":
        return fmt_people_table(v)
    if unit in ("km²", "km"):
        return f"{v:,.1f}"
    if unit in ("count", "personnel", "structures", "beds", "US$"):
        return f"{round(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


ROWS = (
    "area_km2", "share_of_territory", "residents_baseline", "residents", "displaced_out",
    "displaced_in", "share_of_residents", "density_per_km2", "m2_per_person", "hospitals",
    "hospitals_with_beds_known", "hospital_beds", "beds_per_10k",
    "hospital_distance_median_m", "hospital_distance_p90_m",
    "damaged_structures", "damage_share", "damage_per_km2", "reconstruction_share",
    "usd_per_resident", "width_km", "crossings_open", "aid_through_closed_zone",
    "crossing_distance_median_m", "crossing_distance_p90_m", "crossing_distance_from_zone_m",
    "forces_personnel", "forces_per_1000", "residents_within_500m_of_line",
    "residents_within_1km_of_line", "compounds", "compound_capacity", "compound_residents",
)


OPEN_LAND_KEYS = ("density_per_km2", "m2_per_person")
"""Figures the whole territory has on the land open to civilians (``area_open_km2``)."""


def open_land_sentence(totals: dict[str, Any]) -> str | None:
    """What the whole territory's density, area per person and Sphere check are computed
    on, in words: the zones open to civilians, not the territory.

    Examples
    --------
    >>> open_land_sentence({"area_open_km2": 171.04, "area_km2": 364.9, "m2_per_person": 81.8,
    ...                     "standards": {"sphere-camp-area": True}})[:86]
    'Whole territory: density and area per person are over the 171.0 km² open to civilians,'
    """
    open_km2 = totals.get("area_open_km2")
    if open_km2 is None:
        return None
    met = (totals.get("standards") or {}).get("sphere-camp-area")
    verdict = ("cannot be judged" if met is None else "met" if met else "not met")
    return (f"Whole territory: density and area per person are over the "
            f"{fmt_value(open_km2, 'km²')} km² open to civilians, not the "
            f"{fmt_value(totals.get('area_km2'), 'km²')} km² of the territory (land closed "
            f"to them is nobody's living space); Sphere's 45 m² of camp area per person on "
            f"that land: {verdict}.")


def unit_shown(unit: str) -> str:
    """The unit as a reader wants it: fractions are shown as percentages.

    Examples
    --------
    >>> unit_shown("fraction (0-1)")
    '%'
    >>> unit_shown("people")
    'people'
    """
    return "%" if unit.startswith("fraction") else unit


def _range(r: list[float] | None, unit: str, extremes: str = "") -> str:
    """A range in brackets, dim; with the labelled extremes (:func:`fmt_extremes`) after
    it, on a line of their own."""
    ext = f"\n[dim]{extremes}[/dim]" if extremes else ""
    if not r or r[0] is None:
        return ext
    lo, hi = fmt_value(r[0], unit), fmt_value(r[1], unit)
    return ("" if lo == hi else f" [dim]({lo}–{hi})[/dim]") + ext


MAX_ZONE_TABLES = 40
"""Most zones given a table of their own (or a column with ``--wide``); beyond it one
table lists the :data:`ZONES_SUMMARISED` zones with the most pre-war residents and sums
the rest, and a note points to ``--format json`` and ``--format csv`` for every zone."""
ZONES_SUMMARISED = 15
"""Zones listed one by one in the summary of a plan with many zones."""
SUMMARY_ROWS: tuple[str, ...] = ("area_km2", "residents_baseline", "residents",
                                 "displaced_out", "hospitals")
"""The figures of the summary of a plan with many zones (they add up over zones)."""


def _largest(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The :data:`ZONES_SUMMARISED` zones with the most pre-war residents, in plan order."""
    zones = data["zones"]
    ranked = sorted(range(len(zones)),
                    key=lambda i: -(zones[i].get("residents_baseline") or 0.0))
    return [zones[i] for i in sorted(ranked[:ZONES_SUMMARISED])]


def _summary(data: dict[str, Any]) -> Table:
    """One table for a plan with many zones: the zones with the most pre-war residents,
    the others summed, and the whole territory; ranges in brackets for the zones listed."""
    ind = data["indicators"]
    zones, shown = data["zones"], _largest(data)
    t = Table(title=f"{len(zones):,} zones: the {len(shown)} with the most pre-war residents, "
              "the others summed", title_justify="left")
    t.add_column("zone", overflow="fold", max_width=36)
    t.add_column("access")
    for key in SUMMARY_ROWS:
        t.add_column(f"{ind[key]['label']} ({unit_shown(ind[key]['unit'])})", justify="right",
                     overflow="fold", max_width=16)
    ids = {z["id"] for z in shown}
    others = [z for z in zones if z["id"] not in ids]

    def total(key: str, group: list[dict[str, Any]]) -> float | None:
        vals = [float(z[key]) for z in group if z.get(key) is not None]
        return sum(vals) if vals else None

    for z in shown:
        t.add_row(z["label"], z["access"], *(
            fmt_value(z.get(k), ind[k]["unit"])
            + _range((z.get("ranges") or {}).get(k), ind[k]["unit"]) for k in SUMMARY_ROWS))
    if others:
        access = sorted({str(z["access"]) for z in others})
        t.add_row(f"the other {len(others):,} zones", ", ".join(access), *(
            fmt_value(total(k, others), ind[k]["unit"]) for k in SUMMARY_ROWS),
            end_section=True)
    tot = data["totals"]
    t.add_row("Whole territory", "", *(
        fmt_value(tot.get(k), ind[k]["unit"]) + _range((tot.get("ranges") or {}).get(k),
                                                      ind[k]["unit"]) for k in SUMMARY_ROWS))
    return t


def _stacked(data: dict[str, Any]) -> list[Table]:
    """One narrow table per zone and one for the whole territory."""
    from zoneplan.render.words.distribution import interval_cell

    ind = data["indicators"]
    out = []
    for z in [*data["zones"], {"label": "Whole territory", "access": "",
                               **data["totals"]}]:
        access = f" — {z['access']}" if z.get("access") else ""
        t = Table(title=f"{z['label']}{access}", title_justify="left", show_header=False,
                  expand=False)
        t.add_column("indicator", overflow="fold", max_width=44)
        t.add_column("value", justify="right", no_wrap=True)
        for key in ROWS:
            unit = ind[key]["unit"]
            v = z.get(key)
            if v is None and key not in (z.get("null_reasons") or {}):
                continue
            cell = (fmt_value(v, unit) + _range((z.get("ranges") or {}).get(key), unit,
                                                fmt_extremes(z, key, ",\n"))
                    + interval_cell((z.get("distribution") or {}).get(key),
                                    functools.partial(fmt_value, unit=unit)))
            where = (f" on the {fmt_value(z['area_open_km2'], 'km²')} km² open to civilians"
                     if key in OPEN_LAND_KEYS and z.get("area_open_km2") is not None else "")
            if key in (z.get("flags") or {}):
                cell += f" {FLAG_MARK}"
            t.add_row(f"{ind[key]['label']}{where} [dim]({unit_shown(unit)})[/dim]", cell)
        out.append(t)
    return out


def print_result(data: dict[str, Any], console: Console | None = None, *,
                 wide: bool = False) -> None:
    """Print headlines, the figures of each zone (stacked, or side by side with
    ``wide``), the checked claims and the checks of a result; with Monte Carlo draws, the
    5-95% interval beside each range."""
    from zoneplan.render.words.distribution import interval_cell, samples_legend
    from zoneplan.render.words.headlines import (
        checks_sentence,
        claim_cells,
        claim_reading,
        extremes_sentence,
        headlines,
        line_variants_sentence,
    )

    console = console or Console()
    plan = data["plan"]
    as_of = plan.get("as_of")
    console.print(f"[bold]{plan['title']}[/bold] ({plan['id']}, {plan['status']}, "
                  f"{plan_date(plan)}" + (f"; facts as of {as_of}"
                                          if as_of and (as_of != plan["date"]
                                                        or not plan.get("date_known", True))
                                          else "") + ")", highlight=False)
    later = data.get("later_evidence") or []
    if later:
        console.print(f"[dim]{len(later)} facts dated after {as_of or plan['date']} are set "
                      "aside as later evidence (not in any figure, range or verdict; "
                      "`--format json` lists them, `--as-of DATE` uses them).[/dim]",
                      highlight=False)
    dated_lines = line_variants_sentence(data)
    if dated_lines:
        console.print(Text(dated_lines, style="dim"))
    bullets = Table.grid(padding=(0, 1))  # a hanging indent: wrapped lines under the text
    bullets.add_column(no_wrap=True)
    bullets.add_column(overflow="fold")
    for h in headlines(data):
        bullets.add_row("•", Text(h))
    console.print(bullets)
    ind = data["indicators"]
    legend = samples_legend(data)
    if len(data["zones"]) > MAX_ZONE_TABLES:
        console.print(_summary(data))
        console.print(f"[dim]{len(data['zones']):,} zones are too many to show each here: "
                      "`--format json` or `--format csv` (with `--out FILE`) gives every "
                      "zone and every figure, with ranges.[/dim]", highlight=False)
    elif not wide:
        console.print(f"[dim]Per zone — areas in {data['crs_area']['name']}; ranges (low–high "
                      "over the alternatives) in brackets"
                      + ("; ⟨5–95% of the Monte Carlo draws⟩" if legend else "") + "[/dim]",
                      highlight=False)
        for table in _stacked(data):
            console.print(table)
    t = Table(title=f"Per zone — areas in {data['crs_area']['name']}; ranges in brackets"
              + ("; ⟨5–95% of the Monte Carlo draws⟩" if legend else ""), show_lines=False)
    wide = wide and len(data["zones"]) <= MAX_ZONE_TABLES
    t.add_column("indicator")
    t.add_column("unit", style="dim")
    for z in data["zones"] if wide else ():
        t.add_column(f"{z['label']}\n[dim]{z['access']}[/dim]", justify="right")
    t.add_column("whole territory", justify="right")
    for key in ROWS if wide else ():
        unit = ind[key]["unit"]
        fmt = functools.partial(fmt_value, unit=unit)
        cells = []
        for z in data["zones"]:
            v = z.get(key)
            cells.append(fmt_value(v, unit) + _range(z["ranges"].get(key), unit,
                                                     fmt_extremes(z, key, ",\n"))
                         + interval_cell((z.get("distribution") or {}).get(key), fmt)
                         + (f" {FLAG_MARK}" if key in (z.get("flags") or {}) else ""))
        tv, tot = data["totals"].get(key), data["totals"]
        cells.append(fmt_value(tv, unit) + _range(tot["ranges"].get(key), unit)
                     + interval_cell((tot.get("distribution") or {}).get(key), fmt))
        t.add_row(ind[key]["label"], unit_shown(unit), *cells)
    if wide:
        console.print(t)
    if legend:
        console.print(legend, highlight=False)
    tot = data["totals"]
    on_open = open_land_sentence(tot)
    if on_open and len(data["zones"]) <= MAX_ZONE_TABLES:
        console.print(on_open, highlight=False)
    flagged = flags_sentences(data["zones"])
    for line in flagged[:ZONES_SUMMARISED]:
        console.print(line, highlight=False)
    if len(flagged) > ZONES_SUMMARISED:
        console.print(f"{FLAG_MARK} and {len(flagged) - ZONES_SUMMARISED:,} more zones: "
                      "`--format json` gives each zone's flags.", highlight=False)
    if tot.get("forces_personnel") is not None:
        cov = tot.get("forces_per_1000_covered")
        reason = tot["null_reasons"].get("forces_per_1000_covered", "")
        console.print(
            "Forces per 1,000 residents of the zones they cover: "
            + (fmt_value(cov) if cov is not None else f"not computable — {reason}")
            + " (benchmark 20 per 1,000: Quinlivan 1995; FM 3-24: 20–25)", highlight=False)
    if data.get("by_area"):
        tables = [by_area_table(data)] if wide else by_area_tables(data)
        for t in tables:
            console.print(t)
        note = (data.get("by") or {}).get("note")
        if note:
            console.print(note, highlight=False)
    extremes = extremes_sentence(data)
    if extremes:
        console.print(extremes, highlight=False)
    if data.get("claims"):
        ct = Table(title="Published figures checked (wording rules and verdicts: docs/claims.md; "
                   "[ ] an end included, ( ) excluded)")
        for col in ("published figure", "source", "claimed", "read as", "measured (range)",
                    "verdict"):
            ct.add_column(col, justify="right" if col.startswith(("claimed", "measured"))
                          else "left", overflow="fold")
        for c in data["claims"]:
            claimed, measured, verdict, _ = claim_cells(c)
            colour = {"consistent": "green", "inconsistent": "red",
                      "restates the plan": "dim"}.get(c["verdict"], "yellow")
            source = c["source"] + (" (via a re-post)" if c.get("seen_via") else "")
            about = (f"\n[dim](about the published line '{c['about_line']}')[/dim]"
                     if c.get("about_line") else "")
            ct.add_row(c["text"] + about, source, claimed, claim_reading(c), measured,
                       f"[{colour}]{verdict}[/{colour}]")
        console.print(ct)
    console.print(f"[dim]{checks_sentence(data)} Figures rounded for display only; "
                  "`--format json` gives full values, methods and sources.[/dim]",
                  highlight=False)


def by_area_tables(data: dict[str, Any]) -> list[Table]:
    """The by-area figures stacked to fit 80 columns: one narrow table per area, a block
    of rows per zone, ranges in brackets (``--wide`` gives :func:`by_area_table`)."""
    by = data.get("by") or {}
    zones = {z["id"]: z["label"] for z in data["zones"]}
    has_damage = any(r.get("damaged_structures") is not None for r in data["by_area"])
    cols = [c for c in BY_AREA_COLUMNS if has_damage or c[1] != "damaged_structures"]
    out = []
    for area in dict.fromkeys(r["area"] for r in data["by_area"]):
        t = Table(title=f"{area} ({by.get('label', '')}){area_total_words(by, area)}; "
                  "ranges in brackets", title_justify="left", show_header=False)
        t.add_column("figure", overflow="fold")
        t.add_column("value", justify="right", no_wrap=True)
        rows = [r for r in data["by_area"] if r["area"] == area]
        for i, r in enumerate(rows):
            t.add_row(f"[b]{zones.get(r['zone'], r['zone'])}[/b]", "")
            for head, key, unit in cols:
                t.add_row(head, fmt_value(r.get(key), unit)
                          + _range(r.get("ranges", {}).get(key), unit),
                          end_section=(head == cols[-1][0] and i < len(rows) - 1))
        out.append(t)
    return out


def area_total_words(by: dict[str, Any], area: str) -> str:
    """An area's pre-war residents and its published total, for a title (``""`` where
    the result gives none).

    Examples
    --------
    >>> area_total_words({"totals": [{"area": "Gaza", "published": 754000.0,
    ...     "modelled": 757504.2, "residents_baseline": 754000.0}]}, "Gaza")
    ': pre-war residents 754,000 (published 754,000)'
    """
    rec = next((r for r in by.get("totals") or [] if r["area"] == area), None)
    if rec is None:
        return ""
    pub = rec.get("published")  # whole people: the published figure is exact
    return (f": pre-war residents {rec['residents_baseline']:,.0f}"
            + (f" (published {pub:,.0f})" if pub is not None else ""))


def by_area_table(data: dict[str, Any]) -> Table:
    """The by-area table (``--by``): each zone's part of each area, with ranges."""
    by = data.get("by") or {}
    zones = {z["id"]: z["label"] for z in data["zones"]}
    t = Table(title=f"By area ({by.get('label', '')}, named by '{by.get('field', '')}'); "
              "ranges in brackets")
    cols = (("area", None), ("zone", None), ("km²", ("area_km2", "km²")),
            ("% of the area", ("share_of_area", "fraction (0-1)")),
            ("pre-war residents", ("residents_baseline", "people")),
            ("residents under the plan", ("residents", "people")),
            ("hospitals", ("hospitals", "count")),
            ("damaged structures", ("damaged_structures", "structures")))
    for head, spec in cols:
        t.add_column(head, justify="left" if spec is None else "right", overflow="fold")
    for r in data["by_area"]:
        cells = [r["area"], zones.get(r["zone"], r["zone"])]
        for _, spec in cols[2:]:
            assert spec is not None
            key, unit = spec
            cells.append(fmt_value(r.get(key), unit)
                         + _range(r.get("ranges", {}).get(key), unit))
        t.add_row(*cells)
    return t
