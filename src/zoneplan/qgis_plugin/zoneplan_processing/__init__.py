"""zoneplan in QGIS: a Processing provider whose algorithms run the ``zoneplan`` command.

QGIS imports this package with its own Python; nothing here imports zoneplan.
"""

from __future__ import annotations

from typing import Any


def classFactory(iface: Any) -> Any:
    """The plugin object QGIS asks for."""
    from .plugin import ZoneplanPlugin

    return ZoneplanPlugin(iface)
