"""The ``zoneplan`` command line: one module per group of commands (as rasterio's ``rio``).

The entry point is :func:`main`; :mod:`~zoneplan.cli.main` holds the application and the
one error path every command goes through; :mod:`~zoneplan.cli.options` the options
several commands share. This module imports the application only when :func:`main`
runs, so that Ctrl+C while the command line is still being imported (about a second)
also prints one line and exits with code 130, not a traceback.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from zoneplan.cli.exits import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from zoneplan.cli.main import app

__all__ = ["EXIT_INTERRUPTED", "app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the exit code (see :func:`zoneplan.cli.main.main`)."""
    try:
        from zoneplan.cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    return run(argv)


def __getattr__(name: str) -> Any:
    if name == "app":
        from zoneplan.cli.main import app

        return app
    raise AttributeError(f"module 'zoneplan.cli' has no attribute {name!r}")
