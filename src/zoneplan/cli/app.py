"""The ``zoneplan`` application: root options, the command modules, and the one error path.

:data:`app` is the typer application; its root callback handles ``--version``,
``-v/-q`` and ``--debug`` (which :func:`main` also takes after a command, where users
type it). Each group of commands lives in a module of its own
(:mod:`~zoneplan.cli.run`, :mod:`~zoneplan.cli.plans`, :mod:`~zoneplan.cli.report`,
:mod:`~zoneplan.cli.compare`, :mod:`~zoneplan.cli.timeline`, :mod:`~zoneplan.cli.spread`,
:mod:`~zoneplan.cli.serve`, :mod:`~zoneplan.cli.data`, :mod:`~zoneplan.cli.qgis`) and is
registered here.
:func:`main` is the only place that turns errors into exit codes: 0 success, 2 bad input
(the message names the file, the place and a fix; a usage error prints the usage line and
a hint; an error of the operating system about a user's file names the path and the
fix: see :mod:`~zoneplan.cli.failures`), 1 internal error (a traceback only with
``--debug``), 130 interrupted (Ctrl+C), 143 terminated (SIGTERM; temporary files are
removed on the way out).
"""

from __future__ import annotations

import logging
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Annotated, Any

import typer

from zoneplan import __version__
from zoneplan.cli import compare as cli_compare
from zoneplan.cli import data as cli_data
from zoneplan.cli import plans as cli_plans
from zoneplan.cli import qgis as cli_qgis
from zoneplan.cli import report as cli_report
from zoneplan.cli import run as cli_run
from zoneplan.cli import serve as cli_serve
from zoneplan.cli import spread as cli_spread
from zoneplan.cli import timeline as cli_timeline
from zoneplan.cli.console import err, out
from zoneplan.cli.exits import EXIT_INTERRUPTED
from zoneplan.cli.failures import (
    CLICK_ERRORS,
    NO_ARGS,
    USAGE_ERRORS,
    loop_error_text,
    os_error_text,
    usage_error_text,
)
from zoneplan.errors import ZoneplanError, ZoneplanWarning

__all__ = ["COMMANDS", "app", "application", "main"]

log = logging.getLogger("zoneplan")

EXIT_BAD_INPUT = 2
"""Exit code of every error the user can fix: bad input, usage, their files."""
EXIT_BUG = 1
"""Exit code of an internal error (a bug in zoneplan)."""
EXIT_TERMINATED = 128 + signal.SIGTERM
"""Exit code after SIGTERM (the shell's convention: 128 + the signal number)."""


def _version(value: bool) -> None:
    if value:
        out.print(f"zoneplan {__version__}")
        raise typer.Exit()


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


def _add_data(target: typer.Typer) -> None:
    target.add_typer(cli_data.app, name="data", help="Public datasets: list, info, fetch, add.")


def _add_qgis(target: typer.Typer) -> None:
    target.add_typer(cli_qgis.app, name="qgis",
                     help="The QGIS Processing plugin: install, uninstall.")


COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "run": cli_run.register,
    **dict.fromkeys(("plans", "validate", "show", "schema", "new"), cli_plans.register),
    "data": _add_data,
    "report": cli_report.register,
    "compare": cli_compare.register,
    "timeline": cli_timeline.register,
    "spread": cli_spread.register,
    "serve": cli_serve.register,
    "qgis": _add_qgis,
}
"""Every command (or group) by name, and what adds it (with the other commands of its
module) to an application; in the order ``zoneplan --help`` lists them."""

_ROOT_FLAGS = frozenset({"--debug", "--verbose", "--quiet"})
"""The root options typed before a command (none takes a value; ``-v``, ``-vv``, ``-q``
and their combinations too, see :func:`_command_named`)."""


def application(command: str | None = None) -> typer.Typer:
    """The typer application: every command, or (``command``) only that command's module,
    the root options the same.

    typer builds each command's options (types read from its signature, converters made)
    when the application runs; building every command cost a fresh ``zoneplan run``
    about 15 ms of CPU, so :func:`main` builds only the one named on its command line.
    """
    target = typer.Typer(
        name="zoneplan",
        help="Measure what a line on a map does to the people on each side of it.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    target.callback()(_root)
    adders = [COMMANDS[command]] if command is not None else COMMANDS.values()
    for add in dict.fromkeys(adders):  # each module once, in the order of COMMANDS
        add(target)
    return target


def _command_named(args: list[str]) -> str | None:
    """The command a command line runs, when only root flags come before it; ``None``
    for anything else (help, a misspelt command, an unknown option), which the whole
    application answers.

    Examples
    --------
    >>> _command_named(["--debug", "-vv", "run", "plan.yaml"])
    'run'
    >>> _command_named(["--help"]) is None, _command_named(["rnu"]) is None
    (True, True)
    """
    for arg in args:
        if arg in COMMANDS:
            return arg
        if not (arg in _ROOT_FLAGS or re.fullmatch(r"-[vq]+", arg)):
            return None
    return None


app = application()
"""The whole application (every command), for scripts and tests that invoke it directly
(``typer.testing.CliRunner``); :func:`main` runs the one command it is given."""


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """Print zoneplan's own warnings to standard error; log the others at debug level."""
    if issubclass(category, ZoneplanWarning):
        err.print("[yellow]warning:[/yellow]", end=" ")
        err.print(str(message), markup=False, highlight=False)
    else:
        log.debug("%s: %s", category.__name__, message)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """On SIGTERM, leave through ``finally`` blocks (temporary folders are removed)."""
    raise SystemExit(EXIT_TERMINATED)


def _error(text: str) -> None:
    err.print("[bold red]error:[/bold red]", end=" ")
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _debug_first(args: list[str]) -> list[str]:
    """The command line with ``--debug`` moved to the front, where the root takes it, so
    that it works wherever it is typed (``zoneplan run --debug``); not after ``--``.

    Examples
    --------
    >>> _debug_first(["run", "plan.yaml", "--debug"])
    ['--debug', 'run', 'plan.yaml']
    >>> _debug_first(["run", "--", "--debug"])
    ['run', '--', '--debug']
    """
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(a for a in args[:end] if a != "--debug"), *args[end:]]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``zoneplan`` command; returns the exit code."""
    args = _debug_first(list(sys.argv[1:] if argv is None else argv))
    debug = args[:1] == ["--debug"]
    warnings.showwarning = _show_warning
    in_main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        rv = application(_command_named(args))(args=args, standalone_mode=False,
                                                prog_name="zoneplan")
        if rv == EXIT_INTERRUPTED:  # typer turns Ctrl+C into Exit(130) after cleaning up
            return _interrupted()
        return int(rv) if isinstance(rv, int) else 0
    except ZoneplanError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        return exc.exit_code
    except NO_ARGS:
        return EXIT_BAD_INPUT  # the help has been printed
    except USAGE_ERRORS as exc:
        err.print(usage_error_text(exc, args), markup=False, highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except CLICK_ERRORS as exc:
        fmt = getattr(exc, "format_message", None)
        _error(str(fmt() if callable(fmt) else exc))
        return EXIT_BAD_INPUT
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            return _interrupted()  # click before typer 0.26: Ctrl+C is an Abort
        err.print("aborted")
        return EXIT_BUG
    except KeyboardInterrupt:
        return _interrupted()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BUG
    except BrokenPipeError:
        return EXIT_BUG  # the reader went away (e.g. `| head`): nothing more to say
    except OSError as exc:
        text = os_error_text(exc)
        if text is None:
            return _internal(exc, debug)
        if debug:
            traceback.print_exc()
        _error(text)
        return EXIT_BAD_INPUT
    except RuntimeError as exc:
        loop = loop_error_text(exc)
        if loop is None:
            return _internal(exc, debug)
        _error(loop)
        return EXIT_BAD_INPUT
    except Exception as exc:
        return _internal(exc, debug)
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)


def _interrupted() -> int:
    """Say "interrupted" (one line) and give :data:`EXIT_INTERRUPTED`; a second Ctrl+C
    while zoneplan leaves is ignored, so no traceback follows the line."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        err.print("interrupted", markup=False, highlight=False)
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)
    return EXIT_INTERRUPTED


def _internal(exc: Exception, debug: bool) -> int:
    """Report a bug: what happened, and how to report it."""
    if debug:
        traceback.print_exc()
    err.print("[bold red]internal error:[/bold red]", end=" ")
    err.print(f"{type(exc).__name__}: {exc}\n  → this is a bug in zoneplan; rerun with "
              "--debug and report the output", markup=False, highlight=False)
    return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
