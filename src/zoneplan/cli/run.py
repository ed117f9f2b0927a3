"""``zoneplan run``: evaluate plans, or a quick plan made from files, and print or write them.

With ``--samples N`` each plan also gets N Monte Carlo draws (on ``--scheduler``: this
process, a Dask LocalCluster, or an existing Dask cluster). With ``--scheduler`` (with or
without draws) a fine population raster is read and kept on the workers and every layout
summed there. Dask is imported only then. The command parses its options; the work is
:func:`zoneplan.scenarios.runs.running`'s, the library's :func:`zoneplan.run`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoneplan.cli.console import err, out
from zoneplan.cli.options import (
    AllowImplausibleOpt,
    ByField,
    BySpec,
    CorrelationOpt,
    JsonProgress,
    LayerOpt,
    PlansArg,
    ProgressMode,
    ProgressOpt,
    RunFormat,
    SamplesOpt,
    SchedulerOpt,
    SeedOpt,
    WorkersOpt,
    allowing_implausible,
    format_option,
    layer_refs,
    out_option,
    overwrite_option,
    progress,
    progress_reporter,
    read_by,
    sample_bar,
)
from zoneplan.errors import InputError, OutputExistsError
from zoneplan.plan import DEFAULT_PLAN, LayerRef, Plan, load_plan

if TYPE_CHECKING:
    from zoneplan.io.areas import AreaSet
    from zoneplan.result import Result

__all__ = ["evaluated", "register", "run"]


def _plans(names: list[str] | None, refs: dict[str, LayerRef], territory: Path | None,
           zones: Path | None, zone_field: str | None, line: Path | None,
           access: str | None = None, label_field: str | None = None,
           date: str | None = None, status: str | None = None) -> list[Plan]:
    """The plans named, or the quick plan made from files."""
    if territory is not None:
        if names:
            raise InputError("give either plans or --territory, not both",
                             suggestion="drop the plan argument for a quick analysis")
        from zoneplan.io.quick import parse_access, plan_from_files

        return [plan_from_files(territory, zones=zones, zone_field=zone_field, line=line,
                                layers=refs, access=parse_access(access),
                                label_field=label_field, date=date, status=status)]
    quick_only = {"--zones": zones, "--zone-field": zone_field, "--line": line,
                  "--access": access, "--label-field": label_field, "--date": date,
                  "--status": status}
    given = [k for k, v in quick_only.items() if v is not None]
    if given:
        raise InputError(f"{', '.join(given)} need{'s' if len(given) == 1 else ''} --territory",
                         suggestion="add --territory FILE (the polygon the zones split)")
    return [load_plan(n).with_layers(refs) for n in names or [DEFAULT_PLAN]]


GC_THRESHOLDS = (10_000, 10, 1_000)
"""The cyclic garbage collector's thresholds for the rest of ``zoneplan run`` (without
draws or a cluster; :func:`_rarer_collections`): a full pass after a thousand passes of
the middle generation, not ten, a young pass after 10,000 new objects, not 700. The
figures of thousands of zones are long-lived objects without cycles: on 16,000
hexagons the default thresholds made about 13 full passes, 0.06-0.1 s each, that found
nothing to free (0.8 s of 7.4 s of CPU), and 2,400 young passes; peak memory is the
same. (``zoneplan report``, whose maps leave cycles behind, keeps the defaults.)"""


def _freeze_objects() -> None:
    """Leave the objects made so far (the modules imported, the plans read) out of the
    cyclic garbage collector's passes: they live until the command ends, and thousands
    of zones make full passes over them frequent (0.3 s of a 4 s run), and the last one,
    at exit, slow."""
    import gc

    gc.freeze()


def _import_readers(territory: Path | None, refs: dict[str, LayerRef]) -> None:
    """Import the readers of the user's files the run will use (geopandas and pyogrio
    for vector files; rasterio, without boto3, for rasters: see :func:`_unimportable`)
    with the cyclic garbage collector paused, and leave what the imports made out of its
    passes, as :mod:`zoneplan.cli` does for the command line: made during the run, their
    objects (geopandas alone brings pandas, about 200,000) cost a run on 100 hexagons and
    a raster about 50 ms in the collector's passes."""
    if territory is None and not refs:
        return  # the built-in pack: no file reader
    import gc

    from zoneplan.measure.population.population_sources import RASTER_SUFFIXES

    files = [Path(r.path) for r in refs.values() if not r.path.startswith("gaza:")]
    names = ["geopandas", "pyogrio"] if territory is not None or any(
        p.suffix.lower() not in RASTER_SUFFIXES for p in files) else []
    if any(p.suffix.lower() in RASTER_SUFFIXES for p in files):
        names.append("rasterio")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for name in names:
            without = _unimportable("boto3") if name == "rasterio" else contextlib.nullcontext()
            with contextlib.suppress(ImportError), without:
                __import__(name)  # an ImportError is said where the reader is used
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _unimportable(name: str) -> Iterator[None]:
    """Inside, ``import name`` fails (unless it is imported already); after, it works.

    Used for boto3 while the command imports rasterio: rasterio imports boto3, when it
    is installed, for the credentials of rasters on S3 (0.07-0.09 s of CPU), and a run
    reads only rasters on this computer (:mod:`zoneplan.io.rasters` checks the file
    exists), which rasterio opens without any session (its ``DummySession``).
    """
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]


@contextlib.contextmanager
def _rarer_collections(rarer: bool = True) -> Iterator[None]:
    """Make the cyclic garbage collector's passes rarer (:data:`GC_THRESHOLDS`) inside
    the block, if ``rarer``; its thresholds are put back after (a caller in the same
    process, e.g. a test calling the command line, keeps its own)."""
    import gc

    before = gc.get_threshold()
    if rarer:
        gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextlib.contextmanager
def evaluated(plans: list[Plan], *, table: bool, ranges: bool, samples: int | None,
              seed: int | None, scheduler: str | None, workers: int | None,
              correlation_m: float | None, by: AreaSet | None = None,
              reporter: JsonProgress | None = None,
              mode: ProgressMode = ProgressMode.auto) -> Iterator[list[Result]]:
    """The plans evaluated by :func:`zoneplan.scenarios.runs.running` with the options of
    ``zoneplan run`` and ``zoneplan report``, showing progress and printing its notes
    (``table``: steps shown on a terminal; ``by``: areas to break the figures down by;
    ``reporter`` (``--progress json``) is told every step and count instead; ``mode``
    none shows nothing).

    Use the results inside the ``with`` block: with ``scheduler``, the cluster stays open
    until the block ends, so a population raster held on its workers can still be asked
    for sums (a report's map)."""
    from zoneplan.scenarios.runs import running

    if samples is None and scheduler is None:
        _freeze_objects()
    with contextlib.ExitStack() as cluster:
        with sample_bar(samples is not None and mode != ProgressMode.none,
                        reporter=reporter) as bar:  # the bar gone before any output
            done = cluster.enter_context(running(
                plans, samples=samples, seed=seed, scheduler=scheduler, workers=workers,
                ranges=ranges, correlation_m=correlation_m, by=by,
                progress=progress(table, reporter, mode), on_samples=bar))
        for note in done.notes:
            err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
        yield done.results


def run(
    plans: PlansArg = None,
    fmt: Annotated[RunFormat, format_option(
        "table, json (a list with several plans), csv (the per-zone table; with --by, the "
        "by-area table after a blank line) or xlsx (a workbook; needs --out); csv and xlsx "
        "take one plan.")] = RunFormat.table,
    territory: Annotated[Path | None, typer.Option(
        "--territory", help="Quick analysis without a plan: the territory polygon file.")] = None,
    zones: Annotated[Path | None, typer.Option(
        "--zones", help="With --territory: polygons, each feature (or --zone-field value) a "
        "zone; the rest of the territory is the zone 'rest'.")] = None,
    zone_field: Annotated[str | None, typer.Option(
        "--zone-field", help="Attribute of --zones whose values name the zones.")] = None,
    line: Annotated[Path | None, typer.Option(
        "--line", help="With --territory: a line splitting it into west and east.")] = None,
    access: Annotated[str | None, typer.Option(
        "--access", metavar="VALUE|ZONE=VALUE,...",
        help="With --territory: what the zones are: resident, restricted or closed for every "
        "zone of the file (the rest stays open), or per zone, e.g. zone-1=closed,rest=resident "
        "(default: all open to residents).")] = None,
    label_field: Annotated[str | None, typer.Option(
        "--label-field", help="With --zones: the attribute naming the zones (default: a "
        "name-like attribute such as 'name').")] = None,
    date: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD",
        help="With --territory: the zones' date (default: the layer's date attribute, "
        "e.g. Date or valid_from; without one the date is unknown). It chooses the facts "
        "and the population total of that date (2.1 million from July 2024).")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", metavar="STATUS",
        help="With --territory: reported, proposed, 'in force' or hypothetical; the words "
        "follow it (default: the layer's status attribute; a Gaza Maps order layer is in "
        "force; else hypothetical).")] = None,
    layer: LayerOpt = None,
    output: Annotated[Path | None, out_option(
        "Write the result to this file (JSON: a list with several plans).")] = None,
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
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate with the facts known at this date (YYYY-MM-DD) instead of "
        "each plan's own date: line variants, forces and crossing states dated later are "
        "listed as later evidence and used nowhere.")] = None,
    samples: SamplesOpt = None,
    seed: SeedOpt = None,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
    correlation_m: CorrelationOpt = None,
    gpkg: Annotated[Path | None, typer.Option(
        "--gpkg", help="Also write the zones, lines and hospitals (and the by-area pieces "
        "with --by) as a GeoPackage styled for QGIS, with every figure at full precision "
        "(one plan; --overwrite replaces it).")] = None,
    progress_mode: ProgressOpt = ProgressMode.auto,
    allow_implausible: AllowImplausibleOpt = False,
) -> None:
    """Evaluate plans: per-zone figures with units and sources."""
    reporter = progress_reporter(progress_mode)
    refs = layer_refs(layer)
    if samples is None and scheduler is None:  # as _freeze_objects
        _import_readers(territory, refs)
    ps = allowing_implausible(_plans(plans, refs, territory, zones, zone_field,
                                     line, access, label_field, date, status),
                              allow_implausible)
    if claims is not None:
        from zoneplan.plan.claims_file import add_claims

        ps = [add_claims(p, claims) for p in ps]
    if as_of is not None:
        from zoneplan.plan.rules.as_of import plan_as_of

        ps = [plan_as_of(p, as_of)[0] for p in ps]
    _check_out_suffix(output, fmt)
    _check_gpkg(gpkg, len(ps), overwrite=overwrite)
    if fmt in (RunFormat.csv, RunFormat.xlsx) and len(ps) > 1:
        raise InputError(f"--format {fmt.value} takes one plan, not {len(ps)}",
                         suggestion="run once per plan, or use --format json for a list")
    if fmt == RunFormat.xlsx and output is None:
        raise InputError("--format xlsx writes a workbook: give its file with --out",
                         suggestion="add --out tables.xlsx")
    with _rarer_collections(samples is None and scheduler is None), evaluated(
            ps, table=fmt == RunFormat.table, ranges=ranges, samples=samples, seed=seed,
            scheduler=scheduler, workers=workers, correlation_m=correlation_m,
            by=read_by(by, by_field), reporter=reporter, mode=progress_mode) as results:
        if gpkg is not None:
            from zoneplan.render.exports.gpkg import write_gpkg

            if reporter is not None:
                reporter(f"writing {gpkg.name}")
            write_gpkg(results[0], gpkg, overwrite=overwrite)

        # what is written is the documented JSON alone: the grids, cells and zones
        # measured are let go first (on a fine raster, as much memory as the JSON of
        # thousands of zones); the list is emptied, as the evaluation holds it too
        datas = [r.data for r in results]
        results.clear()
        _write(datas, fmt, output, overwrite=overwrite, wide=wide)
    if reporter is not None:
        reporter.finish()


_OTHER_OUTPUTS = {
    ".csv": "add --format csv for the per-zone table",
    ".tsv": "add --format csv for the per-zone table",
    ".xlsx": "add --format xlsx for a workbook",
    ".xls": "add --format xlsx for a workbook (written as .xlsx)",
    ".png": "maps come from `zoneplan report PLAN --out FOLDER`",
    ".svg": "maps come from `zoneplan report PLAN --out FOLDER`",
    ".pdf": "maps come from `zoneplan report PLAN --out FOLDER`",
    ".html": "the report page comes from `zoneplan report PLAN --out FOLDER`",
    ".gpkg": "zones.gpkg comes from `zoneplan report PLAN --out FOLDER`",
    ".parquet": "zones.parquet comes from `zoneplan report PLAN --out FOLDER`",
}
"""File suffixes ``zoneplan run --out`` does not write in the table and JSON formats
(they would hold JSON under a name that says otherwise), and what writes them."""


def _check_out_suffix(output: Path | None, fmt: RunFormat) -> None:
    """Refuse an ``--out`` whose suffix names a file the format does not write."""
    if output is None or fmt not in (RunFormat.table, RunFormat.json):
        return
    hint = _OTHER_OUTPUTS.get(output.suffix.lower())
    if hint is not None:
        raise InputError(f"--out {output}: with --format {fmt.value}, zoneplan run writes "
                         f"the result as JSON, not as {output.suffix}",
                         suggestion=f"{hint}, or name the file .json")


def _check_gpkg(gpkg: Path | None, n_plans: int, *, overwrite: bool) -> None:
    """Refuse a ``--gpkg`` that is not a ``.gpkg`` file, or with several plans, or (without
    ``--overwrite``) that exists: before any work."""
    if gpkg is None:
        return
    if gpkg.suffix.lower() != ".gpkg":
        raise InputError(f"--gpkg {gpkg}: the file written is a GeoPackage",
                         suggestion=f"name it {gpkg.with_suffix('.gpkg').name}")
    if n_plans > 1:
        raise InputError(f"--gpkg takes one plan, not {n_plans}",
                         suggestion="run once per plan")
    if gpkg.exists() and not overwrite:
        raise OutputExistsError("the file exists already", path=gpkg,
                                suggestion="pass --overwrite to replace it, or choose "
                                "another name")


def _write(datas: list[Any], fmt: RunFormat, output: Path | None, *,
           overwrite: bool, wide: bool = False) -> None:
    """Print or write the results (their :attr:`Result.data`) in the format asked for:
    JSON made JSON-safe as it is written (no copy of thousands of zones, see
    :func:`zoneplan.result.json_chunks`), the other formats from :meth:`Result.to_dict`'s
    copy."""
    from zoneplan.io.outputs import write_text_atomic
    from zoneplan.result import json_chunks, json_ready

    if fmt == RunFormat.json or (output is not None and fmt == RunFormat.table):
        text = json_chunks(datas[0] if len(datas) == 1 else datas, clean=True)
        if output is not None:
            write_text_atomic(output, text, overwrite=overwrite)
        if fmt == RunFormat.json:
            if output is None:
                sys.stdout.writelines(text)
                sys.stdout.write("\n")
            return
    dicts = [json_ready(d) for d in datas]
    d: dict[str, Any] = dicts[0]
    if fmt == RunFormat.xlsx:
        from zoneplan.render.exports.tables import write_xlsx

        assert output is not None
        write_xlsx(d, output, overwrite=overwrite)
        return
    if fmt == RunFormat.csv:
        from zoneplan.render.exports.tables import by_area_csv, zones_csv

        if output is not None:
            write_text_atomic(output, zones_csv(d), overwrite=overwrite)
            if d.get("by_area"):
                write_text_atomic(output.with_name(f"{output.stem}-by-area{output.suffix}"),
                                  by_area_csv(d), overwrite=overwrite)
            return
        sys.stdout.write(zones_csv(d) + (("\n" + by_area_csv(d)) if d.get("by_area") else ""))
        return
    from zoneplan.render.words.terminal import print_result

    for one in dicts:
        print_result(one, out, wide=wide)


def register(app: typer.Typer) -> None:
    """Add the ``run`` command to a typer app."""
    app.command("run")(run)
