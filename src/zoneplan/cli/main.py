"""The ``zoneplan`` application: root options, the command modules, and the one error path.

:data:`app` is the typer application; its root callback handles ``--version``,
``-v/-q`` and ``--debug``. Each group of commands lives in a module of its own
(:mod:`~zoneplan.cli.run`, :mod:`~zoneplan.cli.plans`, :mod:`~zoneplan.cli.report`,
:mod:`~zoneplan.cli.compare`, :mod:`~zoneplan.cli.timeline`, :mod:`~zoneplan.cli.spread`,
:mod:`~zoneplan.cli.serve`, :mod:`~zoneplan.cli.data`) and is registered here.
:func:`main` is the only place that turns errors into exit codes: 0 success, 2 bad input
(the message names the file, the place and a fix), 1 internal error (a traceback only
with ``--debug``).
"""

from __future__ import annotations

import logging
import sys
import traceback
import warnings
from typing import Annotated, Any

import click
import typer

from zoneplan import __version__
from zoneplan.cli import compare as cli_compare
from zoneplan.cli import data as cli_data
from zoneplan.cli import plans as cli_plans
from zoneplan.cli import report as cli_report
from zoneplan.cli import run as cli_run
from zoneplan.cli import serve as cli_serve
from zoneplan.cli import spread as cli_spread
from zoneplan.cli import timeline as cli_timeline
from zoneplan.cli.console import err, out
from zoneplan.errors import ZoneplanError, ZoneplanWarning

__all__ = ["app", "main"]

app = typer.Typer(
    name="zoneplan",
    help="Measure what a line on a map does to the people on each side of it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("zoneplan")


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


cli_run.register(app)
cli_plans.register(app)
app.add_typer(cli_data.app, name="data", help="Public datasets: list, info, fetch, add.")
cli_report.register(app)
cli_compare.register(app)
cli_timeline.register(app)
cli_spread.register(app)
cli_serve.register(app)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Print zoneplan's own warnings to standard error; log the others at debug level."""
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
