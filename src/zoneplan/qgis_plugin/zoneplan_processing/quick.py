"""Quick analysis of zones drawn as QGIS layers (``zoneplan run --territory ...``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from .base import SOURCES, ZoneplanAlgorithm, zone_summary

ACCESS = ["resident", "restricted", "closed"]
"""What the zones of the layer are (the rest of the territory stays open)."""

STATUS = ["from the layer", "reported", "proposed", "in force", "hypothetical"]
"""The zones' status (``--status``); the first choice leaves it to the layer's attribute."""


class QuickAlgorithm(ZoneplanAlgorithm):
    """``zoneplan run --territory T (--zones Z | --line L) [--date D] [--status S] --gpkg``."""

    NAME = "quick"
    DISPLAY = "Quick analysis of zones"
    HELP = ("Measures zones drawn as QGIS layers, without writing a plan: the territory "
            "(polygons), and either zones (polygons: each feature, or each value of the "
            "zone field, a zone; the rest of the territory the zone 'rest') or a line "
            "splitting the territory into west and east. Access says what the zones are "
            "(resident: open to residents; restricted; closed: its people leave), or per "
            "zone, e.g. zone-1=closed,rest=resident.<br><br>Population: a raster (people per "
            "pixel, or per km² with units density) or points/polygons with a count field; "
            "without one, the built-in Gaza grid (pre-war residents). Damage: points or "
            "polygons of damaged structures (count field optional); hospitals: points "
            "(filter e.g. amenity == 'hospital'; beds field optional).<br><br>The layers "
            "are written to temporary GeoPackages, so any source QGIS reads works "
            "(Shapefile, PostGIS, WFS, a selection). Figures per zone: area_km2 (km², in "
            "the territory's UTM zone), share_of_territory (0-1), residents_baseline and "
            "residents (people), hospitals (count), damaged_structures (structures), with "
            "low-high ranges.<br><br>Date and status: the zones' date (YYYY-MM-DD) chooses "
            "the facts and the population total of that date, and the status (reported, "
            "proposed, in force, hypothetical) the words; by default both come from the "
            "layer's attributes (a Gaza Maps order layer is in force), else the date is "
            "unknown and the zones hypothetical.<br><br>" + SOURCES)

    def initAlgorithm(self, config: Any = None) -> None:
        polygon, point = [QgsProcessing.TypeVectorPolygon], [QgsProcessing.TypeVectorPoint]
        any_geometry = [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]
        self.addParameter(QgsProcessingParameterFeatureSource(
            "TERRITORY", "Territory (polygons)", polygon))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", "Zones (polygons)", polygon, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "ZONE_FIELD", "Field whose values make the zones (default: each feature)",
            parentLayerParameterName="ZONES", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "LABEL_FIELD", "Field naming the zones (default: a name-like field)",
            parentLayerParameterName="ZONES", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "LINE", "…or a line splitting the territory (west, east)",
            [QgsProcessing.TypeVectorLine], optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "ACCESS", "What the zones are", options=ACCESS, defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            "ACCESS_BY_ZONE", "…or per zone, e.g. zone-1=closed,rest=resident", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "DATE", "Date of the zones (YYYY-MM-DD; default: the layer's date attribute)",
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "STATUS", "Status of the zones", options=STATUS, defaultValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            "POPULATION_RASTER", "Population raster", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "POPULATION_UNITS", "Raster values", options=["people per pixel (count)",
                                                          "people per km² (density)"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "POPULATION", "…or population points or polygons", any_geometry, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "POPULATION_COUNT", "Field with the people of each feature",
            parentLayerParameterName="POPULATION", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DAMAGE", "Damaged structures", any_geometry, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "DAMAGE_COUNT", "Field with the structures of each feature (default: 1 each)",
            parentLayerParameterName="DAMAGE", optional=True))
        self.addParameter(QgsProcessingParameterString(
            "DAMAGE_DATE", "Date of the damage assessment (YYYY-MM-DD)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "HOSPITALS", "Hospitals (points)", point, optional=True))
        self.addParameter(QgsProcessingParameterString(
            "HOSPITALS_WHERE", "Hospitals filter, e.g. amenity == 'hospital'", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "HOSPITALS_BEDS", "Field with the beds", parentLayerParameterName="HOSPITALS",
            optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "RANGES", "Low-high ranges from the alternatives", defaultValue=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Zones GeoPackage (styled)", "GeoPackage (*.gpkg)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_JSON", "Result JSON", "JSON (*.json)", optional=True,
            createByDefault=False))
        self.addOutput(QgsProcessingOutputVectorLayer("ZONES", "Zones"))

    def _layer(self, role: str, path: str | None, **options: str) -> list[str]:
        if not path:
            return []
        if "," in path:
            raise QgsProcessingException(f"the {role} layer's path has a comma ({path}), "
                                         "which zoneplan's --layer cannot take: save the "
                                         "layer under another name")
        extra = "".join(f",{k}={v}" for k, v in options.items() if v)
        return ["--layer", f"{role}={path}{extra}"]

    def _population(self, parameters: dict[str, Any], context: QgsProcessingContext,
                    feedback: QgsProcessingFeedback) -> list[str]:
        raster = self.parameterAsRasterLayer(parameters, "POPULATION_RASTER", context) \
            if parameters.get("POPULATION_RASTER") not in (None, "") else None
        vector = self.source_file(parameters, "POPULATION", context, feedback)
        if raster is not None and vector is not None:
            raise QgsProcessingException("give a population raster or population features, "
                                         "not both")
        if raster is not None:
            path = raster.source().split("|")[0]
            if raster.providerType() != "gdal" or not Path(path).is_file():
                raise QgsProcessingException(f"the population raster {raster.name()} is not a "
                                             "file zoneplan can read: save it as a GeoTIFF "
                                             "first (Export ▸ Save As…)")
            units = ("count", "density")[self.parameterAsEnum(parameters, "POPULATION_UNITS",
                                                              context)]
            return self._layer("population", str(Path(path).resolve()), units=units)
        count = self.parameterAsString(parameters, "POPULATION_COUNT", context)
        if vector is not None and not count:
            raise QgsProcessingException("population features need the field with their "
                                         "people (Field with the people of each feature)")
        return self._layer("population", vector, count=count)

    def processAlgorithm(self, parameters: dict[str, Any], context: QgsProcessingContext,
                         feedback: QgsProcessingFeedback) -> dict[str, Any]:
        territory = self.source_file(parameters, "TERRITORY", context, feedback)
        zones = self.source_file(parameters, "ZONES", context, feedback)
        line = self.source_file(parameters, "LINE", context, feedback)
        if (zones is None) == (line is None):
            raise QgsProcessingException("give either a zones layer or a line layer")
        gpkg = self.output_path(parameters, "OUTPUT", context, ".gpkg")
        result = self.output_path(parameters, "OUTPUT_JSON", context, ".json")
        args = ["run", "--territory", str(territory)]
        args += ["--zones", zones] if zones else ["--line", str(line)]
        for opt, key in (("--zone-field", "ZONE_FIELD"), ("--label-field", "LABEL_FIELD")):
            value = self.parameterAsString(parameters, key, context)
            if value and zones:
                args += [opt, value]
        access = self.parameterAsString(parameters, "ACCESS_BY_ZONE", context).strip() \
            or ACCESS[self.parameterAsEnum(parameters, "ACCESS", context)]
        if access != "resident":
            args += ["--access", access]
        date = self.parameterAsString(parameters, "DATE", context).strip()
        if date:
            args += ["--date", date]
        status = self.parameterAsEnum(parameters, "STATUS", context)
        if status:
            args += ["--status", STATUS[status]]
        args += self._population(parameters, context, feedback)
        args += self._layer("damage", self.source_file(parameters, "DAMAGE", context, feedback),
                            count=self.parameterAsString(parameters, "DAMAGE_COUNT", context),
                            date=self.parameterAsString(parameters, "DAMAGE_DATE", context))
        args += self._layer(
            "hospitals", self.source_file(parameters, "HOSPITALS", context, feedback),
            where=self.parameterAsString(parameters, "HOSPITALS_WHERE", context),
            beds=self.parameterAsString(parameters, "HOSPITALS_BEDS", context))
        if not self.parameterAsBool(parameters, "RANGES", context):
            args.append("--no-ranges")
        args += ["--format", "json", "--out", result, "--gpkg", gpkg, "--overwrite",
                 "--progress", "json"]
        self.zoneplan(args, feedback)
        d = self.read_json(result)
        for summary in zone_summary(d):
            feedback.pushInfo(summary)
        sources = self.load_gpkg(gpkg, context, "OUTPUT", d["plan"]["id"])
        return {"OUTPUT": gpkg, "OUTPUT_JSON": result, "ZONES": sources.get("zones")}
