"""``zoneplan timeline``: dated zone layers as a series, printed or written as a chart and page.

The layers are measured in this process, or with ``--scheduler`` on a Dask cluster (all
of them on the same one); Dask is imported only then. A progress bar counts the
measurements on a terminal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import err, out
from zoneplan.cli.options import (
    SCHEDULERS,
    FormatOrCsv,
    ProgressMode,
    ProgressOpt,
    format_option,
    out_option,
    overwrite_option,
    progress_reporter,
    sample_bar,
)

__all__ = ["register", "timeline"]


def timeline(
    layers: Annotated[list[str], typer.Argument(help="Zone layers, PATH or PATH@YYYY-MM-DD.")],
    territory: Annotated[str | None, typer.Option("--territory",
                                                  help="Polygon file (default gaza:outline).")]
    = None,
    date_field: Annotated[str | None, typer.Option(
        "--date-field", help="Field holding the dates (YYYY-MM-DD, dd/mm/yyyy, '6 May 2024', "
        "'Mon, 06 May 2024 04:51:00 GMT' or Gaza Maps' Hebrew '19 באוק׳ 2025'; the "
        "earliest is the order's date).")] = None,
    where: Annotated[str | None, typer.Option(
        "--where", help="Filter on the layers' features, e.g. \"StatusText == 'Displaced'\" "
        "(comparisons ==, !=, <, <=, >, >=, in (...), joined with and, or, not).")] = None,
    in_force: Annotated[int | None, typer.Option(
        "--in-force", min=1, metavar="DAYS",
        help="Also measure the union of the orders issued in the last DAYS days (the "
        "share under orders in force), at each date an order is issued or lapses.")] = None,
    fmt: Annotated[FormatOrCsv, format_option()] = FormatOrCsv.table,
    output: Annotated[Path | None, out_option("Write json, csv, png, html.")] = None,
    overwrite: Annotated[bool, overwrite_option()] = False,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help=f"Where the layers are measured: {SCHEDULERS}; all on the same "
        "one, with the same figures (default: this process, without Dask).")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="With --scheduler local: worker processes (default: one "
        "per core).")] = None,
    progress_mode: ProgressOpt = ProgressMode.auto,
) -> None:
    """Area, share, pre-war residents and hospitals under dated orders (one file = one order)."""
    if where:  # read before anything else is done, never run
        from zoneplan.plan.filters import parse_filter

        parse_filter(where, label="--where ")
    from rich.table import Table

    from zoneplan.io.outputs import check_output_dir
    from zoneplan.render.pages.timeline import timeline_csv, write_timeline
    from zoneplan.render.words.text import fmt_number, fmt_people_table, fmt_share
    from zoneplan.scenarios.timeline import timeline as run_timeline

    if output is not None:
        check_output_dir(output, overwrite=overwrite)  # before any work
    label = "Orders measured" + (" (and unions in force)" if in_force else "")
    reporter = progress_reporter(progress_mode)
    if reporter is not None:
        reporter("reading the orders")
    with sample_bar(progress_mode != ProgressMode.none, label, reporter=reporter) as bar:
        d = run_timeline(layers, territory=territory, date_field=date_field, where=where,
                         in_force_days=in_force, scheduler=scheduler, workers=workers,
                         on_measured=bar)
    for note in d["notes"]:
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    if output is not None:
        write_timeline(d, output, overwrite=overwrite)
    if reporter is not None:
        reporter.finish()
    if fmt == FormatOrCsv.json:
        sys.stdout.write(json.dumps(d, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt == FormatOrCsv.csv:
        sys.stdout.write(timeline_csv(d))
        return
    title = "Orders over time (each file one order, on its date)"
    t = Table(title=title + (f"; filter {where}" if where else ""))
    for col in ("date", "order (file)", "area (km²)", "share of territory",
                "pre-war residents inside", "hospitals"):
        t.add_column(col, justify="left" if col in ("date", "order (file)") else "right",
                     overflow="fold")
    flagged: list[str] = []
    for r in d["rows"]:
        name = Path(r["file"]).name
        if r.get("flag"):  # said in words under the table, where a sentence can wrap
            flagged.append(f"{r['date']} {name}: {r['flag']}")
            t.add_row(r["date"], name, f"0 (note {len(flagged)})", "0%", "0", "0")
            continue
        t.add_row(r["date"], name, fmt_number(r["area_km2"], 1),
                  fmt_share(r["share_of_territory"]), fmt_people_table(r["residents"]),
                  str(r["hospitals"]))
    out.print(t)
    for k, text in enumerate(flagged, start=1):
        out.print(f"note {k}: {text}", highlight=False)
    if d.get("in_force"):
        f = Table(title=f"Orders in force (issued in the last {in_force} days, together)")
        for col in ("date", "orders", "area (km²)", "share of territory",
                    "pre-war residents inside", "hospitals"):
            f.add_column(col, justify="left" if col == "date" else "right")
        for r in d["in_force"]:
            f.add_row(r["date"], str(len(r["orders"])), fmt_number(r["area_km2"], 1),
                      fmt_share(r["share_of_territory"]), fmt_people_table(r["residents"]),
                      str(r["hospitals"]))
        out.print(f)
    if d.get("hospitals_rule"):
        out.print(f"[dim]{d['hospitals_rule']}[/dim]", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``timeline`` command to a typer app."""
    app.command("timeline")(timeline)
