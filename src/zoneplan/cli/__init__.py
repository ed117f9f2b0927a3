"""The ``zoneplan`` command line: one module per group of commands (as rasterio's ``rio``).

The entry point is :func:`main`; :mod:`~zoneplan.cli.app` holds the application and the
one error path every command goes through; :mod:`~zoneplan.cli.options` the options
several commands share. This module imports the application only when :func:`main`
runs, so that Ctrl+C while the command line is still being imported (about a second)
also prints one line and exits with code 130, not a traceback.

The import runs with the cyclic garbage collector paused, and what it made is then left
out of the collector's passes (``gc.freeze``): modules, classes and pydantic's
validators live until the process ends, yet a fresh ``zoneplan run`` spent about 60 ms of
its 0.75 s of CPU in the collector's passes over them (one full pass alone 30 ms).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from zoneplan.cli.exits import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from zoneplan.cli.app import app

__all__ = ["EXIT_INTERRUPTED", "app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit code (see :func:`zoneplan.cli.app.main`)."""
    try:
        run = _import_main()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    return run(argv)


def _import_main() -> Callable[[list[str] | None], int]:
    """:func:`zoneplan.cli.app.main`; imported the first time with the collector paused,
    what the import made then frozen (see the module's docstring). A process that has
    imported the application already (a script, the tests) is left as it is."""
    if "zoneplan.cli.app" in sys.modules:
        from zoneplan.cli.app import main as run

        return run
    enabled = gc.isenabled()
    gc.disable()
    try:
        from zoneplan.cli.app import main as run
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return run


def __getattr__(name: str) -> Any:
    if name == "app":
        from zoneplan.cli.app import app

        return app
    raise AttributeError(f"module 'zoneplan.cli' has no attribute {name!r}")
