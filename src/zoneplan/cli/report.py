"""``zoneplan report``: a plan's offline report folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import out
from zoneplan.cli.options import (
    CorrelationOpt,
    PlanArg,
    SamplesOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    out_option,
    overwrite_option,
)
from zoneplan.errors import InputError
from zoneplan.plan import DEFAULT_PLAN, load_plan

__all__ = ["register", "report"]


def report(
    plan: PlanArg = DEFAULT_PLAN,
    output: Annotated[Path | None, out_option("Folder to write.")] = None,
    overwrite: Annotated[bool, overwrite_option(
        "Replace the report files in an existing folder.")] = False,
    samples: SamplesOpt = None,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    correlation_m: CorrelationOpt = None,
) -> None:
    """Write report.html, map.png, result.json and zones.gpkg into a folder."""
    from zoneplan.cli.run import evaluate_plans
    from zoneplan.render.report import REPORT_FILES, write_report

    if output is None:
        raise InputError("--out is required", suggestion="write e.g. --out report-folder")
    [result] = evaluate_plans([load_plan(plan)], table=True, ranges=True, samples=samples,
                              seed=seed, scheduler=scheduler, workers=workers,
                              correlation_m=correlation_m)
    write_report(result, output, overwrite=overwrite)
    out.print(f"wrote {', '.join(REPORT_FILES)} to {output}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to a typer app."""
    app.command("report")(report)
