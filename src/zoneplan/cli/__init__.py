"""The ``zoneplan`` command line: one module per group of commands (as rasterio's ``rio``).

The entry point is :func:`main`; :mod:`~zoneplan.cli.main` holds the application and the
one error path every command goes through; :mod:`~zoneplan.cli.options` the options
several commands share.
"""

from __future__ import annotations

from zoneplan.cli.main import app, main

__all__ = ["app", "main"]
