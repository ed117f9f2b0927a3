"""The Processing provider ``zoneplan`` and its setting: the path of the zoneplan command."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider, QgsSettings
from qgis.PyQt.QtGui import QIcon

EXECUTABLE_SETTING = "ZONEPLAN_EXECUTABLE"
"""Processing's setting (``Processing/Configuration/ZONEPLAN_EXECUTABLE``) holding the path
of the zoneplan command; ``zoneplan qgis install`` writes it."""


def executable_setting() -> str | None:
    """The path in the provider setting, or ``None``."""
    value = QgsSettings().value(f"Processing/Configuration/{EXECUTABLE_SETTING}", "")
    if isinstance(value, list):  # QSettings reads a path with a comma as a list
        value = ",".join(value)
    return str(value) if value else None


class ZoneplanProvider(QgsProcessingProvider):
    """zoneplan's algorithms in the Processing Toolbox, in ``processing.run`` and in
    ``qgis_process`` (ids ``zoneplan:evaluate``, ``zoneplan:quick``, ``zoneplan:byarea``,
    ``zoneplan:compare``, ``zoneplan:timeline``)."""

    def load(self) -> bool:
        try:  # the setting in Options ▸ Processing ▸ Providers (absent in bare Python)
            from processing.core.ProcessingConfig import ProcessingConfig, Setting

            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(
                self.name(), EXECUTABLE_SETTING, "zoneplan command (empty: found on PATH)",
                "", valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        except ImportError:
            pass
        self.refreshAlgorithms()
        return True

    def unload(self) -> None:
        try:
            from processing.core.ProcessingConfig import ProcessingConfig

            ProcessingConfig.removeSetting(EXECUTABLE_SETTING)
        except (ImportError, KeyError):
            pass

    def loadAlgorithms(self) -> None:
        from .algorithms import ALGORITHMS

        for alg in ALGORITHMS:
            self.addAlgorithm(alg())

    def id(self) -> str:
        return "zoneplan"

    def name(self) -> str:
        return "zoneplan"

    def longName(self) -> str:
        return "zoneplan: measure partition plans"

    def icon(self) -> QIcon:
        return QIcon(str(Path(__file__).with_name("icon.svg")))
