"""``zoneplan report``: one folder with the report, the map, the JSON and a GeoPackage.

Files written into ``out_dir`` (atomically, through :func:`zoneplan.outputs.atomic_dir`):

``report.html``
    Self-contained report (see :mod:`zoneplan.render.pages.html`).
``map.png``, ``map.svg``, ``map.pdf``
    The print map (see :mod:`zoneplan.render.maps.map`): PNG 2,400 px wide by default
    (``dpi``), SVG with text kept as text, PDF with fonts embedded.
``result.json``
    The JSON result, the same as ``zoneplan run --format json``.
``zones.gpkg``
    Zones with indicators, the lines and the hospitals (and, with ``--by``, the
    (area, zone) pieces), styled for QGIS (see :mod:`zoneplan.render.exports.gpkg`).
``zones.parquet``
    The zones with their indicators as GeoParquet.
``by_area.csv`` (with ``--by``)
    The by-area table (see :mod:`zoneplan.render.exports.tables`).

``.zoneplan-output``
    The marker saying zoneplan wrote the folder (see :data:`zoneplan.io.outputs.OUTPUT_MARKER`).

An existing ``out_dir`` is refused unless ``overwrite``; with it, a folder zoneplan wrote
(one holding the marker) is replaced whole, in one step; any other folder is refused.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from zoneplan.io.outputs import atomic_dir

if TYPE_CHECKING:
    from zoneplan.plan import Plan
    from zoneplan.result import Result

__all__ = ["REPORT_FILES", "build_report_html", "write_report"]

REPORT_FILES: tuple[str, ...] = ("report.html", "map.png", "map.svg", "map.pdf", "result.json",
                                 "zones.gpkg", "zones.parquet")
"""The files :func:`write_report` always writes (and ``by_area.csv`` with ``--by``)."""


def build_report_html(result: Result) -> str:
    """The report HTML for a result: map panels and charts as inline SVG."""
    from zoneplan.pack.context import CONTEXT_ATTRIBUTION, CONTEXT_SOURCES
    from zoneplan.render.maps.legend import html_legend, legend_entries
    from zoneplan.render.maps.map import panel_svg
    from zoneplan.render.maps.panels import PanelOptions, damage_caption, density_caption
    from zoneplan.render.pages.html import ReportMap, render_report_html
    from zoneplan.render.pages.report_charts import REPORT_CHARTS

    d = result.to_dict()
    zones_svg, _ = panel_svg(result, "zones", prefix="r-")
    density_svg, side = panel_svg(result, "density", prefix="r-", opts=PanelOptions(
        min_population=50_000, inset=False, gid_prefix="density-"))
    caption = escape(f"{density_caption(d, side)} {CONTEXT_ATTRIBUTION}")
    damage_svg = None
    if result.inputs.damage is not None:
        damage_svg, _ = panel_svg(result, "damage", prefix="r-", opts=PanelOptions(
            min_population=50_000, inset=False, gid_prefix="damage-"))
    rmap = ReportMap(zones_svg, density_svg, html_legend(legend_entries(d, density=True)),
                     caption, damage_svg=damage_svg,
                     damage_caption=escape(damage_caption(d)) if damage_svg else "")
    return render_report_html(d, report_map=rmap, charts=[fn(d) for fn in REPORT_CHARTS],
                              extra_sources=CONTEXT_SOURCES)


def write_report(
    plan: Plan | Result | str | Path,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    dpi: float = 200,
) -> Path:
    """Evaluate a plan and write its report folder.

    Parameters
    ----------
    plan
        A plan, a plan file, a built-in plan id, or an already evaluated result.
    out_dir
        The folder to create (or, with ``overwrite``, to replace).
    overwrite
        Replace an existing folder that zoneplan wrote (it holds the marker), whole.
    dpi
        Resolution of ``map.png`` (its width is 12 inches × ``dpi``).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    OutputExistsError
        If ``out_dir`` exists and ``overwrite`` is false, or it exists and is not a
        zoneplan output (checked before evaluating).
    DataError
        If ``out_dir`` cannot be created where asked.
    """
    from zoneplan.evaluate import evaluate
    from zoneplan.io.outputs import write_text_atomic
    from zoneplan.render.exports.gpkg import write_geoparquet, write_gpkg
    from zoneplan.render.exports.tables import by_area_csv
    from zoneplan.render.maps.map import render_map_files
    from zoneplan.result import Result

    out = Path(out_dir)
    with atomic_dir(out, overwrite=overwrite, command="report") as tmp:
        result = plan if isinstance(plan, Result) else evaluate(plan)
        files, _ = render_map_files(result, dpi=dpi)
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        write_text_atomic(tmp / "result.json", result.to_json())
        write_text_atomic(tmp / "report.html", build_report_html(result))
        write_gpkg(result, tmp / "zones.gpkg")
        write_geoparquet(result, tmp / "zones.parquet")
        if result.data.get("by_area"):
            write_text_atomic(tmp / "by_area.csv", by_area_csv(result.to_dict()))
    return out

