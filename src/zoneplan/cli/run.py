"""``zoneplan run``: evaluate a plan, or a quick plan made from files, and print or write it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import (
    Format,
    LayerOpt,
    PlanArg,
    format_option,
    layer_refs,
    out_option,
    overwrite_option,
    progress,
)
from zoneplan.errors import InputError
from zoneplan.plan import DEFAULT_PLAN, load_plan

__all__ = ["register", "run"]


def run(
    plan: PlanArg = DEFAULT_PLAN,
    fmt: Annotated[Format, format_option("table or json.")] = Format.table,
    territory: Annotated[Path | None, typer.Option(
        "--territory", help="Quick analysis without a plan: the territory polygon file.")] = None,
    zones: Annotated[Path | None, typer.Option(
        "--zones", help="With --territory: polygons, each feature (or --zone-field value) a "
        "zone; the rest of the territory is the zone 'rest'.")] = None,
    zone_field: Annotated[str | None, typer.Option(
        "--zone-field", help="Attribute of --zones whose values name the zones.")] = None,
    line: Annotated[Path | None, typer.Option(
        "--line", help="With --territory: a line splitting it into west and east.")] = None,
    layer: LayerOpt = None,
    output: Annotated[Path | None, out_option("Write the JSON result to this file.")] = None,
    overwrite: Annotated[bool, overwrite_option("Replace --out if it exists.")] = False,
    ranges: Annotated[bool, typer.Option("--ranges/--no-ranges",
                                         help="Evaluate the alternatives for low-high ranges.")]
    = True,
    claims: Annotated[Path | None, typer.Option(
        "--claims", help="A YAML file of published figures to check against the result "
        "(with the sources they cite).")] = None,
) -> None:
    """Evaluate a plan: per-zone figures with units and sources."""
    from zoneplan.evaluate import evaluate

    refs = layer_refs(layer)
    if territory is not None:
        if plan != DEFAULT_PLAN:
            raise InputError("give either a plan or --territory, not both",
                             suggestion="drop the plan argument for a quick analysis")
        from zoneplan.io.quick import plan_from_files

        p = plan_from_files(territory, zones=zones, zone_field=zone_field, line=line,
                            layers=refs)
    else:
        if zones is not None or line is not None or zone_field is not None:
            raise InputError("--zones, --zone-field and --line need --territory",
                             suggestion="add --territory FILE (the polygon the zones split)")
        p = load_plan(plan).with_layers(refs)
    if claims is not None:
        from zoneplan.plan.claims_file import add_claims

        p = add_claims(p, claims)
    result = evaluate(p, ranges=ranges, progress=progress(fmt == Format.table))
    if output is not None:
        from zoneplan.io.outputs import write_text_atomic

        write_text_atomic(output, result.to_json(), overwrite=overwrite)
    if fmt == Format.json:
        if output is None:
            sys.stdout.write(result.to_json() + "\n")
        return
    from zoneplan.render.terminal import print_result

    print_result(result.to_dict(), out)


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to a typer app."""
    app.command("run")(run)
