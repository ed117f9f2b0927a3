"""``zoneplan compare``: plans side by side, printed as a table or JSON, or written as a page."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zoneplan.cli.console import err, out
from zoneplan.cli.options import Format, format_option, out_option, overwrite_option

__all__ = ["compare", "register"]


def compare(
    plans: Annotated[list[str], typer.Argument(help="Two or more plan files or ids.")],
    fmt: Annotated[Format, format_option()] = Format.table,
    output: Annotated[Path | None, out_option("Write compare.html and compare.json.")] = None,
    overwrite: Annotated[bool, overwrite_option()] = False,
) -> None:
    """Compare plans zone by zone, with the differences against the first."""
    from zoneplan.scenarios.compare import compare as run_compare

    c = run_compare(plans)
    if output is not None:
        from zoneplan.render.compare import write_compare

        write_compare(c, output, overwrite=overwrite)
    if fmt == Format.json:
        sys.stdout.write(json.dumps(c.data, indent=2, ensure_ascii=False) + "\n")
        return
    _print_compare(c.data)


def _print_compare(d: dict[str, Any]) -> None:
    """Print a comparison's zones side by side, its differences and its warnings."""
    from rich.table import Table

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
    out.print(t)
    for x in d["differences"]:
        cr = x["crossing_residents"]
        out.print(f"{x['from']} → {x['to']}: residents moved (net) "
                  + (fmt_people_table(x["residents_moved"]) if x["residents_moved"] is not None
                     else "not comparable (the plans' zones differ; see the per-zone changes)")
                  + "; nearest hospital across a line "
                  f"in a closed zone: {fmt_people_table(cr[x['from']])} → "
                  f"{fmt_people_table(cr[x['to']])} people; hospitals changing zone: "
                  f"{len(x['hospitals_changing_zone'])}", highlight=False)
    for w in d["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to a typer app."""
    app.command("compare")(compare)
