"""The plugin: registers the zoneplan Processing provider (also in ``qgis_process``)."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsApplication

from .provider import ZoneplanProvider


class ZoneplanPlugin:
    """Adds the provider when QGIS or ``qgis_process`` loads the plugin."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: ZoneplanProvider | None = None

    def initProcessing(self) -> None:
        """Called by QGIS and by ``qgis_process`` (``hasProcessingProvider=yes``)."""
        if self.provider is None:
            self.provider = ZoneplanProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        """Called by QGIS with a window: the provider is all there is."""
        self.initProcessing()

    def unload(self) -> None:
        """Remove the provider."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
