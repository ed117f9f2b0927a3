"""Terminal renderer: a rich table per zone, with headline sentences.

Works on the JSON result (``Result.to_dict()``) only. Numbers are rounded here, for
display; the JSON keeps them unrounded.
"""

from __future__ import annotations

import functools
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["fmt_value", "print_result"]


def fmt_value(v: Any, unit: str = "") -> str:
    """Format a number for display; ``None`` becomes an em dash.

    Examples
    --------
    >>> fmt_value(2099999.6, "people")
    '2,100,000'
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
    if unit in ("people", "count", "personnel", "structures", "beds", "US$"):
        return f"{round(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.1f}"


ROWS = (
    "area_km2", "share_of_territory", "residents_baseline", "residents", "displaced_out",
    "displaced_in", "share_of_residents", "density_per_km2", "m2_per_person", "hospitals",
    "hospitals_with_beds_known", "hospital_beds", "beds_per_10k",
    "hospital_distance_median_m", "hospital_distance_p90_m",
    "damaged_structures", "damage_share", "reconstruction_share", "usd_per_resident",
    "forces_personnel", "forces_per_1000", "residents_within_500m_of_line",
    "residents_within_1km_of_line", "compounds", "compound_capacity", "compound_residents",
)


def _range(r: list[float] | None, unit: str) -> str:
    if not r or r[0] is None:
        return ""
    lo, hi = fmt_value(r[0], unit), fmt_value(r[1], unit)
    return "" if lo == hi else f" [dim]({lo}–{hi})[/dim]"


def print_result(data: dict[str, Any], console: Console | None = None) -> None:
    """Print headlines and the per-zone table of a result."""
    from zoneplan.render.distribution import interval_cell, samples_legend
    from zoneplan.render.headlines import (
        checks_sentence,
        claim_cells,
        extremes_sentence,
        headlines,
    )

    console = console or Console()
    plan = data["plan"]
    console.print(f"[bold]{plan['title']}[/bold] ({plan['id']}, {plan['status']}, "
                  f"{plan['date']})", highlight=False)
    for h in headlines(data):
        console.print(f"• {h}", highlight=False)
    ind = data["indicators"]
    legend = samples_legend(data)
    t = Table(title=f"Per zone — areas in {data['crs_area']['name']}; ranges in brackets"
              + ("; ⟨5–95% of the Monte Carlo draws⟩" if legend else ""), show_lines=False)
    t.add_column("indicator")
    t.add_column("unit", style="dim")
    for z in data["zones"]:
        t.add_column(f"{z['label']}\n[dim]{z['access']}[/dim]", justify="right")
    t.add_column("whole territory", justify="right")
    for key in ROWS:
        unit = ind[key]["unit"]
        fmt = functools.partial(fmt_value, unit=unit)
        cells = []
        for z in data["zones"]:
            v = z.get(key)
            cells.append(fmt_value(v, unit) + _range(z["ranges"].get(key), unit)
                         + interval_cell((z.get("distribution") or {}).get(key), fmt))
        tv, tot = data["totals"].get(key), data["totals"]
        cells.append(fmt_value(tv, unit) + _range(tot["ranges"].get(key), unit)
                     + interval_cell((tot.get("distribution") or {}).get(key), fmt))
        t.add_row(ind[key]["label"], unit, *cells)
    console.print(t)
    if legend:
        console.print(legend, highlight=False)
    tot = data["totals"]
    if tot.get("forces_personnel") is not None:
        cov = tot.get("forces_per_1000_covered")
        reason = tot["null_reasons"].get("forces_per_1000_covered", "")
        console.print(
            "Forces per 1,000 residents of the zones they cover: "
            + (fmt_value(cov) if cov is not None else f"not computable — {reason}")
            + " (benchmark 20 per 1,000: Quinlivan 1995; FM 3-24: 20–25)", highlight=False)
    extremes = extremes_sentence(data)
    if extremes:
        console.print(extremes, highlight=False)
    if data.get("claims"):
        ct = Table(title="Published figures checked (tolerance rule: README, 'Published "
                   "figures checked')")
        for col in ("published figure", "source", "claimed", "measured (range)", "verdict"):
            ct.add_column(col, justify="right" if col.startswith(("claimed", "measured"))
                          else "left")
        for c in data["claims"]:
            claimed, measured, verdict, _ = claim_cells(c)
            colour = {"consistent": "green", "inconsistent": "red"}.get(verdict, "yellow")
            ct.add_row(c["text"], c["source"], claimed, measured,
                       f"[{colour}]{verdict}[/{colour}]")
        console.print(ct)
    console.print(f"[dim]{checks_sentence(data)} Figures rounded for display only; "
                  "`--format json` gives full values, methods and sources.[/dim]",
                  highlight=False)
