"""``zoneplan compare``: plans side by side, printed as a table or JSON, or written as a page."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zoneplan.cli.console import err, out
from zoneplan.cli.options import (
    ByField,
    BySpec,
    Format,
    ProgressMode,
    ProgressOpt,
    format_option,
    out_option,
    overwrite_option,
    progress_reporter,
    read_by,
)

__all__ = ["compare", "register"]


def compare(
    plans: Annotated[list[str], typer.Argument(
        help="Two or more plan files or ids; PLAN@DATE (an ISO date) evaluates a plan with "
        "the facts known at that date.")],
    fmt: Annotated[Format, format_option()] = Format.table,
    output: Annotated[Path | None, out_option("Write compare.html and compare.json.")] = None,
    overwrite: Annotated[bool, overwrite_option()] = False,
    by: BySpec = None,
    by_field: ByField = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate every plan given without @DATE with the facts known at "
        "this date (YYYY-MM-DD) instead of its own date.")] = None,
    progress_mode: ProgressOpt = ProgressMode.auto,
) -> None:
    """Compare plans zone by zone, with the differences against the first; the same plan
    at two dates (PLAN@DATE) with the dated facts that changed between them."""
    from zoneplan.io.outputs import check_output_dir
    from zoneplan.scenarios.compare import compare as run_compare

    if output is not None:
        check_output_dir(output, overwrite=overwrite)  # before any work
    _check_dates(plans, as_of)
    reporter = progress_reporter(progress_mode)
    if reporter is not None:
        reporter(f"evaluating and matching {len(plans)} plans")
    c = run_compare(plans, by=read_by(by, by_field), as_of=as_of)
    if output is not None:
        from zoneplan.render.pages.compare import write_compare

        if reporter is not None:
            reporter("writing compare.html and compare.json")
        write_compare(c, output, overwrite=overwrite)
    if reporter is not None:
        reporter.finish()
    if fmt == Format.json:
        sys.stdout.write(json.dumps(c.data, indent=2, ensure_ascii=False) + "\n")
        return
    _print_compare(c.data, c.results[0].data["indicators"])
    if c.data.get("by_area"):
        _print_by_area(c.data)


def _check_dates(plans: list[str], as_of: str | None) -> None:
    """Refuse a date (``PLAN@DATE``, ``--as-of``) that is not an ISO date, before any
    work (:class:`~zoneplan.errors.InputError`, exit 2)."""
    from zoneplan.plan.rules.as_of import check_date, split_dated

    if as_of is not None:
        check_date(as_of)
    for p in plans:
        split_dated(p)


def _cell(v: Any, unit: str) -> str:
    """A table cell: people to the nearest 100, km² to 0.1, shares in percent, others as
    :func:`fmt_value`; ``—`` where the plan has no such zone or figure.

    Examples
    --------
    >>> _cell(196.94, "km²"), _cell(0.04, "km"), _cell(None, "people")
    ('196.9', '0.0', '—')
    >>> _cell(0.121, "fraction (0-1)"), _cell(411431.2, "people")
    ('12.1%', '411,400')
    """
    from zoneplan.render.words.terminal import fmt_value
    from zoneplan.render.words.text import fmt_people_table

    if v is None:
        return "—"
    if unit == "people":
        text = fmt_people_table(v)
    elif unit in ("km²", "km"):
        text = f"{v:,.1f}"
    else:
        text = fmt_value(v, unit)
    return text if any(ch in "123456789" for ch in text) else text.lstrip("-")


def _change_cell(old: Any, new: Any, unit: str) -> str:
    """The change from ``old`` to ``new`` as the table shows them: the difference of the
    shown values, shares in percentage points, ``0`` for none, ``—`` where either is
    missing.

    Examples
    --------
    >>> _change_cell(79.4, 79.6, "count"), _change_cell(2.84, 3.76, "km")
    ('+1', '+1.0')
    >>> _change_cell(0.541, 0.662, "fraction (0-1)"), _change_cell(100.0, 120.0, "people")
    ('+12.1 pp', '0')
    >>> _change_cell(None, 3.0, "km")
    '—'
    """
    from zoneplan.render.words.text import shown_change

    if old is None or new is None:
        return "—"
    return shown_change(_cell(old, unit), _cell(new, unit), points=unit.startswith("fraction"))


def _label(key: str, indicators: dict[str, Any]) -> tuple[str, str]:
    """An indicator's label with its unit (shares as %), and its unit."""
    meta = indicators.get(key, {})
    unit = str(meta.get("unit", ""))
    label = str(meta.get("label", key))
    if unit.startswith("fraction"):
        label += " (%)"
    elif unit not in ("count", "people", "structures"):
        label += f" ({unit})"
    return label, unit


def _print_compare(d: dict[str, Any], indicators: dict[str, Any]) -> None:
    """Print a comparison's matched zones, one table per zone with a column per plan and
    the change against the first plan, then its differences and its warnings."""
    from rich.table import Table

    from zoneplan.render.words.text import fmt_people_table

    ids = [p["id"] for p in d["plans"]]
    rows = ("area_km2", "share_of_territory", "residents_baseline", "residents",
            "displaced_out", "m2_per_person", "hospitals", "damaged_structures",
            "reconstruction_share", "width_km", "crossings_open")
    out.print("[b]Zones side by side, matched like with like[/b] (people to the nearest "
              "100; changes against the first plan, shares in percentage points)",
              highlight=False)
    for z in d["zones"]:
        t = Table(title=z["label"], title_justify="left")
        t.add_column("indicator", overflow="fold")
        for i in ids:
            t.add_column(i, justify="right", overflow="fold")
        for i in ids[1:]:
            t.add_column("change" if len(ids) == 2 else f"change: {i}", justify="right",
                         overflow="fold")
        for k in rows:
            label, unit = _label(k, indicators)
            vals = [None if z["values"][i] is None else z["values"][i].get(k) for i in ids]
            cells = [_cell(v, unit) for v in vals]
            for n, i in enumerate(ids[1:], start=1):
                ch = (z.get("changes") or {}).get(i)
                cells.append("—" if ch is None else _change_cell(vals[0], vals[n], unit))
            t.add_row(label, *cells)
        out.print(t)
    for x in d["differences"]:
        cr = x["crossing_residents"]
        out.print(f"{x['from']} → {x['to']}: residents moved (net) "
                  + (fmt_people_table(x["residents_moved"]) if x["residents_moved"] is not None
                     else "not comparable (some zones of one plan match no zone of the other; "
                     "see the per-zone changes)")
                  + "; nearest hospital across a line "
                  f"in a closed zone: {fmt_people_table(cr[x['from']])} → "
                  f"{fmt_people_table(cr[x['to']])} people; hospitals changing zone: "
                  f"{len(x['hospitals_changing_zone'])}", highlight=False)
        _print_facts(x)
    for m in d.get("matches", []):
        if len(m["zones"]) > 1 and m["how"] != "id":  # every match not plainly the same
            out.print(f"[dim]matched by {m['how']}: "
                      + ", ".join(f"{p}:{z}" for p, z in m["zones"].items()) + "[/dim]",
                      highlight=False)
    for w in d["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def _print_facts(x: dict[str, Any]) -> None:
    """Print the dated facts that differ between two evaluations (why the figures of
    one plan differ between two dates)."""
    facts = x.get("facts_changed") or []
    if not facts:
        return
    out.print(f"[b]Why: dated facts that differ[/b] ({x['from']} → {x['to']}, "
              f"{len(facts)})", highlight=False)
    for f in facts:
        out.print(f"  • {f['summary']}", highlight=False, markup=False)


def _print_by_area(d: dict[str, Any]) -> None:
    """Print each area's part in each matched zone, per plan, with the change."""
    from rich.table import Table

    ids = [p["id"] for p in d["plans"]]
    t = Table(title=f"By area ({d['by']['label']}), people to the nearest 100")
    for col in ("area", "zone", "figure", *ids, *(f"change: {i}" for i in ids[1:])):
        t.add_column(col, justify="left" if col in ("area", "zone", "figure") else "right",
                     overflow="fold")
    figures = (("area_km2", "km²", "km²"), ("share_of_area", "% of the area", "fraction (0-1)"),
               ("residents_baseline", "pre-war residents", "people"),
               ("residents", "residents under the plan", "people"),
               ("hospitals", "hospitals", "count"))
    for r in d["by_area"]:
        for k, label, unit in figures:
            vals = [None if r["values"][i] is None else r["values"][i].get(k) for i in ids]
            cells = [_cell(v, unit) for v in vals]
            for n, i in enumerate(ids[1:], start=1):
                ch = (r["changes"] or {}).get(i)
                cells.append("—" if ch is None else _change_cell(vals[0], vals[n], unit))
            t.add_row(r["area"], r["label"], label, *cells)
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to a typer app."""
    app.command("compare")(compare)
