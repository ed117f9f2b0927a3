"""``zoneplan report``: a plan's offline report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import (
    AllowImplausibleOpt,
    ByField,
    BySpec,
    CorrelationOpt,
    PlanArg,
    ProgressMode,
    ProgressOpt,
    SamplesOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    allowing_implausible,
    out_option,
    overwrite_option,
    progress_reporter,
    read_by,
)
from zoneplan.errors import InputError
from zoneplan.io.outputs import check_output_dir
from zoneplan.plan import DEFAULT_PLAN, load_plan

__all__ = ["register", "report"]


def report(
    plan: PlanArg = DEFAULT_PLAN,
    output: Annotated[Path | None, out_option("Folder to write.")] = None,
    overwrite: Annotated[bool, overwrite_option(
        "Replace an existing folder that zoneplan wrote (any other folder is refused).")
    ] = False,
    dpi: Annotated[float, typer.Option(
        "--dpi", min=50, max=1200,
        help="Resolution of map.png, pixels per inch (the map is 12 inches wide: 200 dpi "
        "gives 2,400 px).")] = 200,
    by: BySpec = None,
    by_field: ByField = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    correlation_m: CorrelationOpt = None,
    progress_mode: ProgressOpt = ProgressMode.auto,
    allow_implausible: AllowImplausibleOpt = False,
) -> None:
    """Write report.html, map.png/.svg/.pdf, result.json, zones.gpkg and zones.parquet
    (and by_area.csv with --by) into a folder."""
    from zoneplan.cli.run import evaluated
    from zoneplan.render.pages.report import REPORT_FILES, write_report

    if output is None:
        raise InputError("--out is required", suggestion="write e.g. --out report-folder")
    check_output_dir(output, overwrite=overwrite)  # before any work
    areas = read_by(by, by_field)
    reporter = progress_reporter(progress_mode)
    plans = allowing_implausible([load_plan(plan)], allow_implausible)
    with evaluated(plans, table=True, ranges=True, samples=samples, seed=seed,
                   scheduler=scheduler, workers=workers, correlation_m=correlation_m,
                   by=areas, reporter=reporter, mode=progress_mode
                   ) as [result]:  # the cluster open while the report is drawn
        if reporter is not None:
            reporter("writing the report: maps, page, tables and GeoPackage")
        written = write_report(result, output, overwrite=overwrite, dpi=dpi)
    names = [*REPORT_FILES, *(["by_area.csv"] if areas is not None
                              and (written / "by_area.csv").exists() else [])]
    out.print(f"wrote {', '.join(names)} to {output}", highlight=False)
    if reporter is not None:
        reporter.finish()


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to a typer app."""
    app.command("report")(report)
