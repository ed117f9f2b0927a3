"""Commands ``report``, ``compare`` and ``timeline``, added to the main CLI by
:func:`register`. Errors are raised as :class:`~zoneplan.errors.ZoneplanError`; the main
CLI turns them into exit code 2 with the message.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from zoneplan.cli.console import err, out
from zoneplan.errors import InputError

__all__ = ["register"]

_out = out


class CompareFormat(str, Enum):  # noqa: UP042 - as the main CLI
    """Output formats of ``compare``."""

    table = "table"
    json = "json"


class TimelineFormat(str, Enum):  # noqa: UP042 - as the main CLI
    """Output formats of ``timeline``."""

    table = "table"
    json = "json"
    csv = "csv"


def report(
    plan: Annotated[str, typer.Argument(help="Plan file or built-in plan id.")]
    = "green-red-2025-11",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder to write.")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the report files in an existing folder.")] = False,
) -> None:
    """Write report.html, map.png, result.json and zones.gpkg into a folder."""
    from zoneplan.render.report import REPORT_FILES, write_report

    if out is None:
        raise InputError("--out is required", suggestion="write e.g. --out report-folder")
    write_report(plan, out, overwrite=overwrite)
    _out.print(f"wrote {', '.join(REPORT_FILES)} to {out}", highlight=False)


def compare(
    plans: Annotated[list[str], typer.Argument(help="Two or more plan files or ids.")],
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f")] = CompareFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o",
                                             help="Write compare.html and compare.json.")]
    = None,
    overwrite: Annotated[bool, typer.Option("--overwrite")] = False,
) -> None:
    """Compare plans zone by zone, with the differences against the first."""
    from zoneplan.render.compare import write_compare
    from zoneplan.scenarios.compare import compare as run_compare

    c = run_compare(plans)
    if out is not None:
        write_compare(c, out, overwrite=overwrite)
    if fmt == CompareFormat.json:
        sys.stdout.write(json.dumps(c.data, indent=2, ensure_ascii=False) + "\n")
        return
    _print_compare(c.data)


def _print_compare(d: dict[str, Any]) -> None:
    from zoneplan.render.text import fmt_number, fmt_people_table, fmt_share

    ids = [p["id"] for p in d["plans"]]
    t = Table(title="Zones side by side (people to the nearest 100)")
    t.add_column("zone")
    t.add_column("indicator")
    for i in ids:
        t.add_column(i, justify="right")
    show = {"share_of_territory": ("share of territory", fmt_share),
            "residents": ("residents under the plan (people)", fmt_people_table),
            "m2_per_person": ("area per person (m²)", fmt_number),
            "hospitals": ("hospitals", fmt_number),
            "reconstruction_share": ("share of reconstruction", fmt_share)}
    for z in d["zones"]:
        for k, (lab, f) in show.items():
            t.add_row(z["id"], lab, *["—" if z["values"][i] is None else
                                       f(z["values"][i].get(k)) for i in ids])
    _out.print(t)
    for x in d["differences"]:
        cr = x["crossing_residents"]
        _out.print(f"{x['from']} → {x['to']}: residents moved (net) "
                   + (fmt_people_table(x["residents_moved"]) if x["residents_moved"] is not None
                      else "not comparable (the plans' zones differ; see the per-zone changes)")
                   + "; nearest hospital across a line "
                   f"in a closed zone: {fmt_people_table(cr[x['from']])} → "
                   f"{fmt_people_table(cr[x['to']])} people; hospitals changing zone: "
                   f"{len(x['hospitals_changing_zone'])}", highlight=False)
    for w in d["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def timeline(
    layers: Annotated[list[str], typer.Argument(help="Zone layers, PATH or PATH@YYYY-MM-DD.")],
    territory: Annotated[str | None, typer.Option("--territory",
                                                  help="Polygon file (default gaza:outline).")]
    = None,
    date_field: Annotated[str | None, typer.Option("--date-field",
                                                   help="Field holding the dates.")] = None,
    where: Annotated[str | None, typer.Option(
        "--where", help="Filter, e.g. \"StatusText == 'Displaced'\".")] = None,
    fmt: Annotated[TimelineFormat, typer.Option("--format", "-f")] = TimelineFormat.table,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write json, csv, png, html.")]
    = None,
    overwrite: Annotated[bool, typer.Option("--overwrite")] = False,
) -> None:
    """Area, share, pre-war residents and hospitals inside dated zone layers."""
    from zoneplan.render.text import fmt_number, fmt_people_table, fmt_share
    from zoneplan.render.timeline import timeline_csv, write_timeline
    from zoneplan.scenarios.timeline import timeline as run_timeline

    d = run_timeline(layers, territory=territory, date_field=date_field, where=where)
    if out is not None:
        write_timeline(d, out, overwrite=overwrite)
    if fmt == TimelineFormat.json:
        sys.stdout.write(json.dumps(d, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt == TimelineFormat.csv:
        sys.stdout.write(timeline_csv(d))
        return
    t = Table(title="Zones over time" + (f" ({where})" if where else ""))
    for col in ("date", "file", "area (km²)", "share of territory",
                "pre-war residents inside", "hospitals"):
        t.add_column(col, justify="left" if col in ("date", "file") else "right")
    for r in d["rows"]:
        t.add_row(r["date"], Path(r["file"]).name, fmt_number(r["area_km2"], 1),
                  fmt_share(r["share_of_territory"]), fmt_people_table(r["residents"]),
                  str(r["hospitals"]))
    _out.print(t)


def register(app: typer.Typer) -> None:
    """Add ``report``, ``compare`` and ``timeline`` to a typer app."""
    app.command("report")(report)
    app.command("compare")(compare)
    app.command("timeline")(timeline)
