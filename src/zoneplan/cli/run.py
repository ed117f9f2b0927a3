"""``zoneplan run``: evaluate a plan, or a quick plan made from files, and print or write it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import (
    ByField,
    BySpec,
    LayerOpt,
    PlanArg,
    RunFormat,
    format_option,
    layer_refs,
    out_option,
    overwrite_option,
    progress,
    read_by,
)
from zoneplan.errors import InputError
from zoneplan.plan import DEFAULT_PLAN, load_plan

__all__ = ["register", "run"]


def run(
    plan: PlanArg = DEFAULT_PLAN,
    fmt: Annotated[RunFormat, format_option(
        "table, json, csv (the per-zone table; with --by, the by-area table after a blank "
        "line) or xlsx (a workbook; needs --out).")] = RunFormat.table,
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
    wide: Annotated[bool, typer.Option(
        "--wide", help="Zones side by side in one wide table (default: stacked, one table "
        "per zone, fitting 80 columns).")] = False,
    by: BySpec = None,
    by_field: ByField = None,
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
    if fmt == RunFormat.xlsx and output is None:
        raise InputError("--format xlsx writes a workbook: give its file with --out",
                         suggestion="add --out tables.xlsx")
    areas = read_by(by, by_field)
    result = evaluate(p, ranges=ranges, progress=progress(fmt == RunFormat.table), by=areas)
    _write(result.to_dict(), result.to_json(), fmt, output, overwrite=overwrite, wide=wide)


def _write(d: dict[str, Any], text: str, fmt: RunFormat, output: Path | None, *,
           overwrite: bool, wide: bool = False) -> None:
    """Print or write the result in the format asked for."""
    from zoneplan.io.outputs import write_text_atomic

    if fmt == RunFormat.xlsx:
        from zoneplan.render.tables import write_xlsx

        assert output is not None
        write_xlsx(d, output, overwrite=overwrite)
        return
    if fmt == RunFormat.csv:
        from zoneplan.render.tables import by_area_csv, zones_csv

        if output is not None:
            write_text_atomic(output, zones_csv(d), overwrite=overwrite)
            if d.get("by_area"):
                write_text_atomic(output.with_name(f"{output.stem}-by-area{output.suffix}"),
                                  by_area_csv(d), overwrite=overwrite)
            return
        sys.stdout.write(zones_csv(d) + (("\n" + by_area_csv(d)) if d.get("by_area") else ""))
        return
    if output is not None:
        write_text_atomic(output, text, overwrite=overwrite)
    if fmt == RunFormat.json:
        if output is None:
            sys.stdout.write(text + "\n")
        return
    from zoneplan.render.terminal import print_result

    print_result(d, out, wide=wide)


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to a typer app."""
    app.command("run")(run)
