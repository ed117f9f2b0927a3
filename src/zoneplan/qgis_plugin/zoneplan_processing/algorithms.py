"""The algorithms: evaluate a plan, break it down by areas, compare plans, a timeline of
dated orders (the quick analysis of QGIS layers is in :mod:`.quick`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from .base import SOURCES, ZoneplanAlgorithm, zone_summary
from .quick import QuickAlgorithm

FIGURES = ("Figures per zone (units in each name): area_km2 (km², in the UTM zone of the "
           "territory), share_of_territory (fraction 0-1), residents_baseline (pre-war "
           "residents, people), residents (people under the plan), displaced_out (people), "
           "m2_per_person (m² per person), hospitals (count), beds_per_10k, "
           "damaged_structures (structures), width_km (km); each with <name>_low and "
           "<name>_high, the range over the plan's alternatives. Method: population on "
           "cells, each cell weighted by the share of its area in the zone; people leaving "
           "closed zones spread as the plan says.")


UNITS = {"area_km2": "km²", "share_of_territory": "fraction (0-1)",
         "residents_baseline": "people", "residents": "people", "displaced_out": "people",
         "share_of_residents": "fraction (0-1)", "m2_per_person": "m² per person",
         "hospitals": "count", "beds_per_10k": "beds per 10,000 people",
         "forces_per_1000": "per 1,000 residents", "reconstruction_share": "fraction (0-1)",
         "damaged_structures": "structures", "damage_share": "fraction (0-1)",
         "width_km": "km"}
"""The unit of each figure of a comparison (as in ``zoneplan run``'s ``indicators``)."""


class EvaluateAlgorithm(ZoneplanAlgorithm):
    """``zoneplan run PLAN --gpkg`` (and ``zoneplan report`` when a report is asked for)."""

    NAME = "evaluate"
    DISPLAY = "Evaluate a plan"
    AREAS_DEFAULT = 0
    HELP = ("Measures a partition plan — a built-in plan id (green-red-2025-11, "
            "ceasefire-2025-10, asc-2025-11, withdrawal-phases, baseline-2023; `zoneplan "
            "plans` lists them) or a plan file (YAML) — with the zoneplan command, and loads "
            "its zones, lines and hospitals in the plan's colours.<br><br>" + FIGURES
            + "<br><br>Ranges: the low-high range of each figure over the plan's "
            "alternatives (line positions, population spreads, stated assumptions); off is "
            "faster. Monte Carlo draws: the 5-95% interval of each figure over N draws of "
            "where the lines run, how people are spread and what the plan states (same "
            "seed, same figures). Break down by areas: each zone's figures per governorate, "
            "municipality or polygon of a layer (the by_area layer). The report folder holds "
            "report.html, the maps (PNG, SVG, PDF), result.json and zones.gpkg.<br><br>"
            + SOURCES)

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterString(
            "PLAN", "Plan (built-in id)", defaultValue="green-red-2025-11"))
        self.addParameter(QgsProcessingParameterFile(
            "PLAN_FILE", "…or a plan file (YAML; replaces the id)", extension="yaml",
            optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "RANGES", "Low-high ranges from the plan's alternatives", defaultValue=True))
        self.addParameter(QgsProcessingParameterNumber(
            "SAMPLES", "Monte Carlo draws (0: none)", QgsProcessingParameterNumber.Integer,
            defaultValue=0, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "SEED", "Seed of the draws (empty: a fresh one, in the result)",
            QgsProcessingParameterNumber.Integer, optional=True, minValue=0))
        self.add_areas(builtin_default=self.AREAS_DEFAULT)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Zones GeoPackage (zones, lines, hospitals, by_area; styled)",
            "GeoPackage (*.gpkg)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Result JSON", "JSON (*.json)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFolderDestination(
            "REPORT", "Report folder (page, maps, tables)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterBoolean(
            "OPEN_REPORT", "Open the report page when done", defaultValue=False))
        self.addOutput(QgsProcessingOutputVectorLayer("ZONES", "Zones"))
        self.addOutput(QgsProcessingOutputVectorLayer("BY_AREA", "Figures by area"))

    def plan(self, parameters: dict[str, Any], context: QgsProcessingContext) -> str:
        path = self.parameterAsFile(parameters, "PLAN_FILE", context)
        if path:
            return str(Path(path).expanduser().resolve())
        plan = self.parameterAsString(parameters, "PLAN", context).strip()
        if not plan:
            raise QgsProcessingException("give a built-in plan id (e.g. green-red-2025-11) "
                                         "or a plan file")
        candidate = Path(plan).expanduser()
        return str(candidate.resolve()) if candidate.suffix in (".yaml", ".yml") else plan

    def draws(self, parameters: dict[str, Any], context: QgsProcessingContext) -> list[str]:
        n = self.parameterAsInt(parameters, "SAMPLES", context)
        if not n:
            return []
        seeded = parameters.get("SEED") not in (None, "")
        seed = self.parameterAsInt(parameters, "SEED", context) if seeded else None
        return ["--samples", str(n), *(["--seed", str(seed)] if seed is not None else [])]

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        plan = self.plan(parameters, context)
        by = self.areas_args(parameters, context, feedback)
        if self.AREAS_DEFAULT and not by:
            raise QgsProcessingException("choose the areas: built-in ones or a polygon layer")
        gpkg = self.output_path(parameters, "OUTPUT", context, ".gpkg")
        result = self.output_path(parameters, "OUTPUT_JSON", context, ".json")
        folder = self.parameterAsString(parameters, "REPORT", context) \
            if parameters.get("REPORT") not in (None, "") else ""
        args = ["run", plan, "--format", "json", "--out", result, "--gpkg", gpkg,
                "--overwrite", "--progress", "json", *by, *self.draws(parameters, context)]
        if not self.parameterAsBool(parameters, "RANGES", context):
            args.append("--no-ranges")
        self.zoneplan(args, feedback, span=0.5 if folder else 1.0)
        outputs: dict[str, Any] = {"OUTPUT": gpkg, "OUTPUT_JSON": result}
        if folder:
            folder = str(Path(folder).expanduser().resolve())
            self.zoneplan(["report", plan, "--out", folder, "--overwrite", "--progress",
                           "json", *by, *self.draws(parameters, context)], feedback,
                          start=0.5, span=0.5)
            outputs["REPORT"] = folder
            self._page = str(Path(folder) / "report.html") \
                if self.parameterAsBool(parameters, "OPEN_REPORT", context) else ""
        d = self.read_json(result)
        for line in zone_summary(d):
            feedback.pushInfo(line)
        sources = self.load_gpkg(gpkg, context, "OUTPUT", d["plan"]["id"])
        outputs["ZONES"] = sources.get("zones")
        outputs["BY_AREA"] = sources.get("by_area")
        return outputs

    def postProcessAlgorithm(self, context: QgsProcessingContext,
                             feedback: QgsProcessingFeedback) -> dict[str, Any]:
        page = getattr(self, "_page", "")
        if page:
            from qgis.utils import iface

            if iface is not None:
                from qgis.PyQt.QtCore import QUrl
                from qgis.PyQt.QtGui import QDesktopServices

                QDesktopServices.openUrl(QUrl.fromLocalFile(page))
        return {}


class ByAreaAlgorithm(EvaluateAlgorithm):
    """``zoneplan run PLAN --by AREAS --gpkg``: the by_area layer."""

    NAME = "byarea"
    DISPLAY = "Break down by areas"
    AREAS_DEFAULT = 1
    HELP = ("Each zone of a plan cut by areas — the Gaza governorates (OCHA COD), the "
            "municipalities (OCHA 2019) or the polygons of any layer — with each piece's "
            "area_km2 (km²), share_of_area (fraction 0-1), residents_baseline and residents "
            "(people) and hospitals (count), each with its low-high range: the by_area "
            "layer of the GeoPackage (and the zones). Method: as Evaluate a plan; a piece's "
            "people are the cells' people weighted by the share of each cell in the piece."
            "<br><br>" + SOURCES)


def _plans(text: str) -> list[str]:
    """Plan ids or files separated by commas or semicolons (files made absolute)."""
    items = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    return [str(Path(p).expanduser().resolve()) if p.endswith((".yaml", ".yml")) else p
            for p in items]


class CompareAlgorithm(ZoneplanAlgorithm):
    """``zoneplan compare``: one row per zone, figure and plan."""

    NAME = "compare"
    DISPLAY = "Compare plans"
    HELP = ("Plans side by side, zone by zone: zones matched by id, else by their shape "
            "(intersection over union), each figure per plan with its change against the "
            "first plan (people, km², shares as fractions 0-1). The table has one row per "
            "zone, figure and plan: zone, figure, unit, plan, value, change. Plans: built-in "
            "ids or plan files separated by commas. The folder holds compare.html and "
            "compare.json.<br><br>" + SOURCES)

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterString(
            "PLANS", "Plans (ids or files, separated by commas)",
            defaultValue="ceasefire-2025-10,green-red-2025-11"))
        self.add_areas()
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Comparison table", QgsProcessing.TypeVector))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Comparison JSON", "JSON (*.json)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFolderDestination(
            "REPORT", "Page folder (compare.html)", optional=True, createByDefault=False))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        plans = _plans(self.parameterAsString(parameters, "PLANS", context))
        if len(plans) < 2:
            raise QgsProcessingException("give two or more plans, separated by commas")
        args = ["compare", *plans, "--format", "json", "--progress", "json",
                *self.areas_args(parameters, context, feedback)]
        folder = self.parameterAsString(parameters, "REPORT", context) \
            if parameters.get("REPORT") not in (None, "") else ""
        if folder:
            args += ["--out", str(Path(folder).expanduser().resolve()), "--overwrite"]
        d = json.loads("\n".join(self.zoneplan(args, feedback)))
        fields = QgsFields()
        for name, kind in (("zone", QVariant.String), ("zone_label", QVariant.String),
                           ("figure", QVariant.String), ("unit", QVariant.String),
                           ("plan", QVariant.String), ("value", QVariant.Double),
                           ("change", QVariant.Double)):
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                          QgsWkbTypes.NoGeometry)
        units = UNITS
        ids = [p["id"] for p in d["plans"]]
        for z in d["zones"]:
            for plan in ids:
                values = (z.get("values") or {}).get(plan) or {}
                changes = (z.get("changes") or {}).get(plan) or {}
                for key, value in values.items():
                    if isinstance(value, bool) or not isinstance(value, (int, float)):
                        continue
                    f = QgsFeature(fields)
                    change = changes.get(key)
                    f.setAttributes([z["id"], z["label"], key, units.get(key, ""), plan,
                                     float(value), None if change is None else float(change)])
                    sink.addFeature(f, self.sink_flags())
        outputs: dict[str, Any] = {"OUTPUT": dest}
        if parameters.get("OUTPUT_JSON") not in (None, ""):
            path = self.output_path(parameters, "OUTPUT_JSON", context, ".json")
            Path(path).write_text(json.dumps(d, indent=2, ensure_ascii=False), encoding="utf-8")
            outputs["OUTPUT_JSON"] = path
        if folder:
            outputs["REPORT"] = folder
        return outputs


class TimelineAlgorithm(ZoneplanAlgorithm):
    """``zoneplan timeline``: one row per order."""

    NAME = "timeline"
    DISPLAY = "Timeline of dated orders"
    HELP = ("Dated zone layers (e.g. evacuation orders), each read as one order on its "
            "date: its area_km2 (km²), share_of_territory (fraction 0-1), the pre-war "
            "residents inside (people, on the built-in population grid) and the hospitals "
            "inside (count). Dates come from the date field, or from the dates given in "
            "layer order (YYYY-MM-DD, separated by commas). The filter keeps the features "
            "it matches (e.g. StatusText == 'Displaced'). In force: also the union of the "
            "orders issued in the last N days. The folder holds timeline.json, .csv, .png "
            "and .html.<br><br>Sources: the layers given; the territory (default: the "
            "Gaza Strip outline, OCHA COD) and the built-in population and hospitals.")

    def initAlgorithm(self, config: Any = None) -> None:
        self.addParameter(QgsProcessingParameterMultipleLayers(
            "LAYERS", "Order layers (one layer = one order)", QgsProcessing.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterString(
            "DATE_FIELD", "Field holding the dates", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "DATES", "…or the dates of the layers, in order (YYYY-MM-DD, commas)",
            optional=True))
        self.addParameter(QgsProcessingParameterString(
            "WHERE", "Filter, e.g. StatusText == 'Displaced'", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "IN_FORCE", "Orders in force: issued in the last N days (0: off)",
            QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "TERRITORY", "Territory (default: the Gaza Strip)",
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            "OUTPUT", "Timeline table", QgsProcessing.TypeVector))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Timeline JSON", "JSON (*.json)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFolderDestination(
            "REPORT", "Chart and page folder", optional=True, createByDefault=False))

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        layers = self.parameterAsLayerList(parameters, "LAYERS", context)
        if not layers:
            raise QgsProcessingException("give one or more order layers")
        dates = [d.strip() for d in self.parameterAsString(parameters, "DATES", context)
                 .split(",") if d.strip()]
        if dates and len(dates) != len(layers):
            raise QgsProcessingException(f"{len(dates)} dates for {len(layers)} layers: give "
                                         "one date per layer, in order, or a date field")
        folder = self.temp_folder()
        specs = []
        for i, layer in enumerate(layers):
            path = str(self.write_layer(layer, folder, context))
            specs.append(f"{path}@{dates[i]}" if dates else path)
        args = ["timeline", *specs, "--format", "json", "--progress", "json"]
        for opt, key in (("--date-field", "DATE_FIELD"), ("--where", "WHERE")):
            value = self.parameterAsString(parameters, key, context)
            if value:
                args += [opt, value]
        days = self.parameterAsInt(parameters, "IN_FORCE", context)
        if days:
            args += ["--in-force", str(days)]
        territory = self.source_file(parameters, "TERRITORY", context, feedback)
        if territory:
            args += ["--territory", territory]
        page = self.parameterAsString(parameters, "REPORT", context) \
            if parameters.get("REPORT") not in (None, "") else ""
        if page:
            args += ["--out", str(Path(page).expanduser().resolve()), "--overwrite"]
        d = json.loads("\n".join(self.zoneplan(args, feedback)))
        fields = QgsFields()
        for name, kind in (("date", QVariant.String), ("order", QVariant.String),
                           ("area_km2", QVariant.Double),
                           ("share_of_territory", QVariant.Double),
                           ("residents", QVariant.Double), ("hospitals", QVariant.Int),
                           ("flag", QVariant.String)):
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields,
                                          QgsWkbTypes.NoGeometry)
        for r in d["rows"]:
            f = QgsFeature(fields)
            f.setAttributes([r["date"], Path(r["file"]).stem, r.get("area_km2"),
                             r.get("share_of_territory"), r.get("residents"),
                             r.get("hospitals"), r.get("flag")])
            sink.addFeature(f, self.sink_flags())
        outputs: dict[str, Any] = {"OUTPUT": dest}
        if parameters.get("OUTPUT_JSON") not in (None, ""):
            path = self.output_path(parameters, "OUTPUT_JSON", context, ".json")
            Path(path).write_text(json.dumps(d, indent=2, ensure_ascii=False), encoding="utf-8")
            outputs["OUTPUT_JSON"] = path
        if page:
            outputs["REPORT"] = page
        return outputs


ALGORITHMS = [EvaluateAlgorithm, QuickAlgorithm, ByAreaAlgorithm, CompareAlgorithm,
              TimelineAlgorithm]
"""Every algorithm of the provider, in the toolbox's order."""
