"""What every zoneplan algorithm shares: running the command with progress and Cancel,
QGIS layers written to files the command reads, and outputs loaded with their styles."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingUtils,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from . import runner
from .provider import executable_setting

BUILTIN_AREAS = ["", "gaza:governorates", "gaza:municipalities"]
"""The built-in areas to break figures down by (the first: none)."""

SOURCES = ("Sources: every figure is measured by zoneplan from the layers the plan names "
           "(built-in plans: the cited tables of the Gaza pack — OCHA COD boundaries, PCBS "
           "population, WHO and OSM health facilities, UNOSAT damage); the result JSON lists "
           "each source and method.")


class ZoneplanAlgorithm(QgsProcessingAlgorithm):
    """A Processing algorithm that runs one or more ``zoneplan`` commands."""

    NAME = ""
    DISPLAY = ""
    HELP = ""

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:
        return self.DISPLAY

    def group(self) -> str:
        return ""

    def groupId(self) -> str:
        return ""

    def shortHelpString(self) -> str:
        return self.HELP

    def createInstance(self) -> ZoneplanAlgorithm:
        return type(self)()

    # -- running zoneplan ------------------------------------------------------------------

    def zoneplan(self, args: list[str], feedback: QgsProcessingFeedback, *,
                 start: float = 0.0, span: float = 1.0) -> list[str]:
        """Run ``zoneplan args`` with its progress in ``feedback`` between ``start`` and
        ``start + span``; its error becomes the algorithm's (no traceback)."""
        try:
            exe = runner.find_executable(executable_setting())
            runner.check_version(exe)
        except runner.ZoneplanError as exc:
            raise QgsProcessingException(str(exc)) from None
        feedback.pushCommandInfo("zoneplan " + " ".join(_quoted(a) for a in args))
        last: list[str] = [""]
        failing = [False]  # the error's lines become the algorithm's error, not info

        def told(fraction: float, message: str) -> None:
            feedback.setProgress(100.0 * (start + span * max(0.0, min(1.0, fraction))))
            if message and message != last[0]:
                feedback.setProgressText(message)
                last[0] = message

        def said(line: str) -> None:
            failing[0] = failing[0] or line.startswith(("error:", "internal error:"))
            if not line.strip() or failing[0]:
                return
            if line.startswith("warning"):
                feedback.pushWarning(line)
            else:
                feedback.pushInfo(line)

        try:
            return runner.run(exe, args, on_progress=told, on_message=said,
                              canceled=feedback.isCanceled)
        except runner.ZoneplanCanceledError as exc:
            raise QgsProcessingException(str(exc)) from None
        except runner.ZoneplanError as exc:
            raise QgsProcessingException(f"zoneplan: {self.named(str(exc))}") from None

    def copied(self, path: str, layer: str) -> str:
        """Remember that ``path`` is a temporary copy of the layer named ``layer``."""
        copies: dict[str, str] = self.__dict__.setdefault("_copies", {})
        copies[path] = layer
        return path

    def named(self, message: str) -> str:
        """``message`` with each temporary copy named by its layer.

        >>> alg = ZoneplanAlgorithm()
        >>> _ = alg.copied("/tmp/p/x.gpkg", "orders")
        >>> alg.named("/tmp/p/x.gpkg: bad")
        "/tmp/p/x.gpkg (the temporary copy of layer 'orders'): bad"
        """
        for path, layer in self.__dict__.get("_copies", {}).items():
            message = message.replace(path, f"{path} (the temporary copy of layer '{layer}')")
        return message

    # -- inputs ----------------------------------------------------------------------------

    def add_areas(self, *, builtin_default: int = 0) -> None:
        """Areas to break figures down by: a polygon layer (with its name field) or one of
        the built-in Gaza sets."""
        self.addParameter(QgsProcessingParameterEnum(
            "BUILTIN_AREAS", "Break down by built-in areas",
            options=["none", "Gaza governorates (OCHA COD, 5)",
                     "Gaza municipalities (OCHA 2019, 25)"],
            defaultValue=builtin_default))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "AREAS", "…or by the polygons of a layer (replaces the built-in areas)",
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "AREAS_FIELD", "Field naming the areas (default: a name-like field)",
            parentLayerParameterName="AREAS", optional=True))

    def areas_args(self, parameters: dict[str, Any], context: QgsProcessingContext,
                   feedback: QgsProcessingFeedback) -> list[str]:
        """``--by`` and ``--by-field`` for the areas chosen (none: ``[]``)."""
        path = self.source_file(parameters, "AREAS", context, feedback)
        if path is not None:
            field = self.parameterAsString(parameters, "AREAS_FIELD", context)
            return ["--by", path, *(["--by-field", field] if field else [])]
        builtin = BUILTIN_AREAS[self.parameterAsEnum(parameters, "BUILTIN_AREAS", context)]
        return ["--by", builtin] if builtin else []

    def source_file(self, parameters: dict[str, Any], name: str, context: QgsProcessingContext,
                    feedback: QgsProcessingFeedback) -> str | None:
        """The features of a layer parameter as a GeoPackage the command reads (the
        layer's own file when it is one; else written to a temporary GeoPackage, so any
        source QGIS reads works: Shapefile, PostGIS, WFS, a selection), or ``None``."""
        if parameters.get(name) in (None, ""):
            return None
        source = self.parameterAsSource(parameters, name, context)
        if source is None:
            return None
        path = Path(self.parameterAsCompatibleSourceLayerPath(
            parameters, name, context, ["gpkg"], "gpkg", feedback))
        layer = self.parameterAsVectorLayer(parameters, name, context)
        if layer is not None and str(path).startswith(QgsProcessingUtils.tempFolder()):
            # a copy of ours: named after the layer, as zoneplan names zones after files
            stem = re.sub(r"[^\w.-]+", "_", layer.name()).strip("._")
            target = path.with_name(f"{stem}.gpkg")
            if stem and not target.exists():
                path = path.rename(target)
            self.copied(str(path), layer.name())
        return str(path)

    def write_layer(self, layer: QgsVectorLayer, folder: Path, context: QgsProcessingContext
                    ) -> Path:
        """``layer`` written to ``folder/<its name>.gpkg`` (the name the command shows)."""
        stem = re.sub(r"[^\w.-]+", "_", layer.name()).strip("._") or "layer"
        path = folder / f"{stem}.gpkg"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{stem}-{n}.gpkg"
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        write = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None)
        if write is not None:
            err = write(layer, str(path), context.transformContext(), options)
        else:
            err = QgsVectorFileWriter.writeAsVectorFormatV2(
                layer, str(path), context.transformContext(), options)
        if err[0] != QgsVectorFileWriter.NoError:
            raise QgsProcessingException(f"could not write layer {layer.name()} to {path}: "
                                         f"{err[1]}")
        self.copied(str(path), layer.name())
        return path

    # -- outputs ---------------------------------------------------------------------------

    def output_path(self, parameters: dict[str, Any], name: str,
                    context: QgsProcessingContext, suffix: str) -> str:
        """A file output's absolute path; a temporary file when it was not asked for."""
        value = self.parameterAsFileOutput(parameters, name, context) \
            if parameters.get(name) not in (None, "") else ""
        if not value:
            value = str(Path(QgsProcessingUtils.tempFolder()) / f"{name.lower()}-"
                        f"{uuid.uuid4().hex[:8]}{suffix}")
        return str(Path(value).expanduser().resolve())

    def temp_folder(self) -> Path:
        folder = Path(QgsProcessingUtils.tempFolder()) / f"zoneplan-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def load_gpkg(self, gpkg: str, context: QgsProcessingContext, output: str, plan_id: str
                  ) -> dict[str, str]:
        """The layers of zoneplan's GeoPackage (zones, lines, hospitals, by_area), loaded
        into the project when the algorithm ends, in the styles the file holds
        (``layer_styles``: the plan's colours); returns their sources by layer name."""
        sources: dict[str, str] = {}
        with sqlite3.connect(gpkg) as con:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
        for table in ("hospitals", "lines", "by_area", "zones"):  # zones drawn on top
            if table not in tables:
                continue
            uri = f"{gpkg}|layername={table}"
            sources[table] = uri
            layer = QgsVectorLayer(uri, f"{table.replace('_', ' ')} ({plan_id})", "ogr")
            if not layer.isValid():
                continue
            context.temporaryLayerStore().addMapLayer(layer)
            context.addLayerToLoadOnCompletion(layer.id(), QgsProcessingContext.LayerDetails(
                layer.name(), context.project(), output))
        return sources

    @staticmethod
    def read_json(path: str) -> Any:
        with Path(path).open(encoding="utf-8") as f:
            return json.load(f)

    @staticmethod
    def sink_flags() -> Any:
        return QgsFeatureSink.FastInsert


def _quoted(arg: str) -> str:
    return f"'{arg}'" if not arg or re.search(r"[\s'\"]", arg) else arg


def zone_summary(result: dict[str, Any]) -> list[str]:
    """One line per zone: area (km²), pre-war residents and residents under the plan."""
    lines = []
    for z in result.get("zones", []):
        def fmt(v: Any, digits: int = 0) -> str:
            return "—" if v is None else f"{v:,.{digits}f}"

        lines.append(f"{z.get('label', z.get('id'))}: {fmt(z.get('area_km2'), 1)} km², "
                     f"{fmt(z.get('residents_baseline'))} pre-war residents, "
                     f"{fmt(z.get('residents'))} residents under the plan")
    return lines
