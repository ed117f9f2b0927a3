"""``zoneplan report``: a plan's offline report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import ByField, BySpec, PlanArg, out_option, overwrite_option, read_by
from zoneplan.errors import InputError
from zoneplan.plan import DEFAULT_PLAN

__all__ = ["register", "report"]


def report(
    plan: PlanArg = DEFAULT_PLAN,
    output: Annotated[Path | None, out_option("Folder to write.")] = None,
    overwrite: Annotated[bool, overwrite_option(
        "Replace the report files in an existing folder.")] = False,
    dpi: Annotated[float, typer.Option(
        "--dpi", min=50, max=1200,
        help="Resolution of map.png, pixels per inch (the map is 12 inches wide: 200 dpi "
        "gives 2,400 px).")] = 200,
    by: BySpec = None,
    by_field: ByField = None,
) -> None:
    """Write report.html, map.png/.svg/.pdf, result.json, zones.gpkg and zones.parquet
    (and by_area.csv with --by) into a folder."""
    from zoneplan.evaluate import evaluate
    from zoneplan.render.report import REPORT_FILES, write_report

    if output is None:
        raise InputError("--out is required", suggestion="write e.g. --out report-folder")
    areas = read_by(by, by_field)
    written = write_report(plan if areas is None else evaluate(plan, by=areas), output,
                           overwrite=overwrite, dpi=dpi)
    names = [*REPORT_FILES, *(["by_area.csv"] if (written / "by_area.csv").exists()
                              and areas is not None else [])]
    out.print(f"wrote {', '.join(names)} to {output}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to a typer app."""
    app.command("report")(report)
