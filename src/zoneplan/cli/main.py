"""The ``zoneplan`` command line.

Exit codes: 0 success, 2 bad input (the message names the file, the place and a fix),
1 internal error (a traceback only with ``--debug``).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from zoneplan import __version__
from zoneplan.cli.console import err, out
from zoneplan.errors import InputError, ZoneplanError, ZoneplanWarning
from zoneplan.plan import DEFAULT_PLAN, LayerRef, builtin_plan_ids, load_plan, plan_json_schema

__all__ = ["app", "main"]

app = typer.Typer(
    name="zoneplan",
    help="Measure what a line on a map does to the people on each side of it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("zoneplan")


class Format(StrEnum):
    """Output formats of ``run`` and ``plans``."""

    table = "table"
    json = "json"


def _version(value: bool) -> None:
    if value:
        out.print(f"zoneplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="More messages (-vv for debug).")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """Measure what a line on a map does to the people on each side of it."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[
        min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s")
    if quiet:
        warnings.simplefilter("ignore", ZoneplanWarning)


def parse_layer_option(text: str) -> tuple[str, LayerRef]:
    """Parse ``NAME=PATH[,KEY=VALUE...]`` into a layer name and reference.

    Examples
    --------
    >>> name, ref = parse_layer_option("damage=clusters.geojson,count=count")
    >>> name, ref.path, ref.count
    ('damage', 'clusters.geojson', 'count')
    >>> parse_layer_option("hospitals=h.geojson,where=amenity=='hospital'")[1].where
    "amenity=='hospital'"
    """
    if "=" not in text:
        raise InputError(f"--layer {text!r} is not NAME=PATH",
                         suggestion="write e.g. --layer damage=clusters.geojson,count=count")
    name, rest = text.split("=", 1)
    parts = rest.split(",")
    fields: dict[str, Any] = {"path": parts[0]}
    for kv in parts[1:]:
        if "=" not in kv:
            raise InputError(f"--layer option {kv!r} is not KEY=VALUE",
                             suggestion="write options as KEY=VALUE separated by commas")
        k, v = kv.split("=", 1)
        key = {"class": "damage_class"}.get(k.strip(), k.strip())
        if key not in LayerRef.model_fields:
            raise InputError(
                f"unknown --layer option '{k}'",
                suggestion="options: " + ", ".join(
                    "class" if f == "damage_class" else f
                    for f in LayerRef.model_fields if f not in ("path", "sources")))
        fields[key] = v.strip()
    try:
        return name.strip(), LayerRef.model_validate(fields)
    except Exception as exc:
        raise InputError(f"--layer {text!r}: {exc}") from exc


def _progress(enabled: bool) -> Any:
    if not enabled or not err.is_terminal:
        return None

    def step(msg: str) -> None:
        err.print(f"[dim]… {msg}[/dim]", highlight=False)

    return step


@app.command()
def run(
    plan: Annotated[str, typer.Argument(help="Plan file or built-in plan id.")] = DEFAULT_PLAN,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
    territory: Annotated[Path | None, typer.Option(
        "--territory", help="Quick analysis without a plan: the territory polygon file.")] = None,
    zones: Annotated[Path | None, typer.Option(
        "--zones", help="With --territory: polygons, each feature (or --zone-field value) a "
        "zone; the rest of the territory is the zone 'rest'.")] = None,
    zone_field: Annotated[str | None, typer.Option(
        "--zone-field", help="Attribute of --zones whose values name the zones.")] = None,
    line: Annotated[Path | None, typer.Option(
        "--line", help="With --territory: a line splitting it into west and east.")] = None,
    layer: Annotated[list[str] | None, typer.Option(
        "--layer", help="Data layer NAME=PATH[,KEY=VALUE...], e.g. "
        "damage=clusters.geojson,count=count (repeatable).")] = None,
    output: Annotated[Path | None, typer.Option("--out", "-o",
                                                help="Write the JSON result to this file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --out if it exists.")]
    = False,
    ranges: Annotated[bool, typer.Option("--ranges/--no-ranges",
                                         help="Evaluate the alternatives for low-high ranges.")]
    = True,
) -> None:
    """Evaluate a plan: per-zone figures with units and sources."""
    from zoneplan.evaluate import evaluate

    refs: dict[str, LayerRef] = {}
    for text in layer or []:  # paths on the command line are relative to the working folder
        name, ref = parse_layer_option(text)
        if not ref.path.startswith("gaza:"):
            ref.path = str(Path(ref.path).resolve())
        refs[name] = ref
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
        p = load_plan(plan)
        p.layers.update(refs)
    result = evaluate(p, ranges=ranges, progress=_progress(fmt == Format.table))
    if output is not None:
        from zoneplan.io.outputs import write_text_atomic

        write_text_atomic(output, result.to_json(), overwrite=overwrite)
    if fmt == Format.json:
        if output is None:
            sys.stdout.write(result.to_json() + "\n")
        return
    from zoneplan.render.terminal import print_result

    print_result(result.to_dict(), out)


@app.command()
def plans(
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """List the built-in plans."""
    rows: list[dict[str, Any]] = []
    for pid in builtin_plan_ids():
        p = load_plan(pid)
        rows.append({"id": p.id, "title": p.title, "date": p.date, "status": p.status,
                     "default": pid == DEFAULT_PLAN, "lines": [ln.id for ln in p.lines],
                     "zones": [z.id for z in p.zones]})
    if fmt == Format.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    t = Table(title="Built-in plans")
    for col in ("id", "title", "date", "status"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["id"] + (" (default)" if r["default"] else ""), r["title"], r["date"],
                  r["status"])
    out.print(t)


@app.command()
def validate(plan: Annotated[str, typer.Argument(help="Plan file or built-in id.")]) -> None:
    """Check a plan: its format, its sources and its geometry."""
    from zoneplan.evaluate import evaluate

    p = load_plan(plan)
    result = evaluate(p, ranges=False)
    zones = ", ".join(f"{z['id']} ({z['area_km2']:.1f} km²)" for z in result.data["zones"])
    out.print(f"[green]✓[/green] {p.path or plan}: plan '{p.id}' is valid; zones: {zones}")


@app.command()
def show(plan: Annotated[str, typer.Argument(help="Plan file or built-in id.")]) -> None:
    """Print a plan's YAML (built-in plans are readable examples)."""
    p = load_plan(plan)
    if p.path:
        sys.stdout.write(Path(p.path).read_text(encoding="utf-8"))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the plan format."""
    sys.stdout.write(plan_json_schema() + "\n")


def _register_subcommands() -> None:
    from zoneplan.cli import data as cli_data
    from zoneplan.cli import report as cli_report
    from zoneplan.cli import serve as cli_serve
    from zoneplan.cli import spread as cli_spread

    app.add_typer(cli_data.app, name="data", help="Public datasets: list, info, fetch, add.")
    cli_report.register(app)
    cli_spread.register(app)
    cli_serve.register(app)


_register_subcommands()


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    if issubclass(category, ZoneplanWarning):
        err.print("[yellow]warning:[/yellow]", end=" ")
        err.print(str(message), markup=False, highlight=False)
    else:
        log.debug("%s: %s", category.__name__, message)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``zoneplan`` command; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    warnings.showwarning = _show_warning
    try:
        rv = app(args=args, standalone_mode=False, prog_name="zoneplan")
        return int(rv) if isinstance(rv, int) else 0
    except ZoneplanError as exc:
        if debug:
            traceback.print_exc()
        err.print("[bold red]error:[/bold red]", end=" ")
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show(file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        err.print("aborted")
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
        err.print("[bold red]internal error:[/bold red]", end=" ")
        err.print(f"{type(exc).__name__}: {exc}\n  → this is a bug in zoneplan; rerun with "
                  "--debug and report the output", markup=False, highlight=False)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
