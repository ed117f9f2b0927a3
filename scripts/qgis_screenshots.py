"""Make the pictures and the example model of docs/qgis.md with QGIS, headless.

Run with QGIS's own Python (not zoneplan's), from the repository's root::

    ZONEPLAN_EXECUTABLE=$(command -v zoneplan) QT_QPA_PLATFORM=offscreen \\
        /usr/bin/python3 scripts/qgis_screenshots.py

It loads the plugin from ``src/zoneplan/qgis_plugin``, draws the toolbox dialog of
*Evaluate a plan* (``docs/images/qgis-evaluate-dialog.png``), builds a model of two
algorithms — ``native:dissolve`` of an order's polygons, then ``zoneplan:quick`` on the
result — saves it (``docs/qgis/orders-measured.model3``) and draws it in the model
designer (``docs/images/qgis-model.png``), runs it with ``processing.run`` on the real
layers in ``../shared/data/gaza`` when they are there, and renders the zones of
``zoneplan:evaluate`` in the styles their GeoPackage holds (``docs/images/qgis-zones.png``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = ["/usr/share/qgis/python/plugins", str(ROOT / "src" / "zoneplan" / "qgis_plugin")]

from qgis.core import (  # noqa: E402 (QGIS's Python path first)
    QgsApplication,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QPointF, QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage, QPainter  # noqa: E402

IMAGES = ROOT / "docs" / "images"
MODEL = ROOT / "docs" / "qgis" / "orders-measured.model3"
SHARED = ROOT.parent / "shared" / "data" / "gaza"


def settle(app: QgsApplication) -> None:
    for _ in range(30):
        app.processEvents()


def dialog_png(app: QgsApplication, alg_id: str, path: Path) -> None:
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    dlg = AlgorithmDialog(alg, parent=None)
    dlg.resize(1000, 720)
    dlg.show()
    settle(app)
    dlg.grab().save(str(path))
    dlg.close()


def build_model() -> QgsProcessingModelAlgorithm:
    """Dissolve the polygons of an order, then measure it as a closed zone."""
    model = QgsProcessingModelAlgorithm("Order measured", "zoneplan examples")
    polygons = [QgsProcessing.TypeVectorPolygon]
    for name, label, y in (("orders", "Order polygons", 80), ("territory", "Territory", 260)):
        model.addModelParameter(QgsProcessingParameterFeatureSource(name, label, polygons),
                                _placed(QgsProcessingModelParameter(name), 120, y))
    dissolve = QgsProcessingModelChildAlgorithm("native:dissolve")
    dissolve.setChildId("dissolve")
    dissolve.setDescription("Dissolve the order's polygons")
    dissolve.addParameterSources("INPUT", [
        QgsProcessingModelChildParameterSource.fromModelParameter("orders")])
    dissolve.setPosition(QPointF(340, 120))
    model.addChildAlgorithm(dissolve)
    quick = QgsProcessingModelChildAlgorithm("zoneplan:quick")
    quick.setChildId("quick")
    quick.setDescription("Quick analysis of zones (zoneplan)")
    sources = {
        "TERRITORY": QgsProcessingModelChildParameterSource.fromModelParameter("territory"),
        "ZONES": QgsProcessingModelChildParameterSource.fromChildOutput("dissolve", "OUTPUT"),
        "ACCESS": QgsProcessingModelChildParameterSource.fromStaticValue(2),
        "RANGES": QgsProcessingModelChildParameterSource.fromStaticValue(False),
    }
    alg = QgsApplication.processingRegistry().algorithmById("zoneplan:quick")
    for param in alg.parameterDefinitions():  # every other required input: its default
        if param.name() not in sources and not param.isDestination() and not (
                param.flags() & param.FlagOptional):
            sources[param.name()] = QgsProcessingModelChildParameterSource.fromStaticValue(
                param.defaultValue())
    for key, source in sources.items():
        quick.addParameterSources(key, [source])
    quick.setPosition(QPointF(560, 260))
    output = QgsProcessingModelOutput("zones", "Zones GeoPackage")
    output.setChildId("quick")
    output.setChildOutputName("OUTPUT")
    output.setPosition(QPointF(760, 360))
    quick.setModelOutputs({"zones": output})
    model.addChildAlgorithm(quick)
    model.updateDestinationParameters()
    return model


def _placed(param: QgsProcessingModelParameter, x: float, y: float
            ) -> QgsProcessingModelParameter:
    param.setPosition(QPointF(x, y))
    return param


def model_png(app: QgsApplication, model: QgsProcessingModelAlgorithm, path: Path) -> None:
    from processing.modeler.ModelerDialog import ModelerDialog

    dlg = ModelerDialog.create(model)
    dlg.resize(1250, 560)
    dlg.show()
    settle(app)
    dlg.grab().save(str(path))
    dlg.close()


def zones_png(gpkg: str, path: Path) -> None:
    layers = [QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
              for name in ("hospitals", "lines", "zones")]
    layers = [lay for lay in layers if lay.isValid()]
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[-1].crs())
    extent = layers[-1].extent()
    extent.scale(1.05)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(520, 640))
    settings.setBackgroundColor(QColor("white"))
    image = QImage(settings.outputSize(), QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    job = QgsMapRendererCustomPainterJob(settings, painter)
    job.start()
    job.waitForFinished()
    painter.end()
    image.save(str(path))


def main() -> None:
    app = QgsApplication([], True)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing
    from zoneplan_processing.provider import ZoneplanProvider

    provider = ZoneplanProvider()  # kept: QGIS does not own Python's provider object
    QgsApplication.processingRegistry().addProvider(provider)
    IMAGES.mkdir(parents=True, exist_ok=True)
    MODEL.parent.mkdir(parents=True, exist_ok=True)
    dialog_png(app, "zoneplan:evaluate", IMAGES / "qgis-evaluate-dialog.png")
    model = build_model()
    model.toFile(str(MODEL))
    model_png(app, model, IMAGES / "qgis-model.png")
    out = Path(tempfile.mkdtemp(prefix="zoneplan-qgis-"))
    zones = processing.run("zoneplan:evaluate", {"PLAN": "green-red-2025-11", "RANGES": False,
                                                  "OUTPUT": str(out / "zones.gpkg")})
    zones_png(zones["OUTPUT"], IMAGES / "qgis-zones.png")
    if SHARED.is_dir():
        loaded = QgsProcessingModelAlgorithm()
        loaded.fromFile(str(MODEL))
        result = processing.run(loaded, {
            "orders": str(SHARED / "btselem-nibal" / "IDF_zone_191025.geojson"),
            "territory": str(SHARED / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"),
            "quick:zones": str(out / "order.gpkg")})
        print("model:", result)
    app.exitQgis()


if __name__ == "__main__":
    main()
