"""``zoneplan report``: one folder with the report, the map, the JSON and a GeoPackage.

Files written into ``out_dir`` (atomically, through :func:`zoneplan.outputs.atomic_dir`):

``report.html``
    Self-contained report (see :mod:`zoneplan.render.html`).
``map.png``
    The map (see :mod:`zoneplan.render.map`).
``result.json``
    The JSON result, the same as ``zoneplan run --format json``.
``zones.gpkg``
    Zones with indicators and the lines (see :mod:`zoneplan.render.gpkg`).

An existing ``out_dir`` is refused unless ``overwrite``; with it, only these four
files are replaced and nothing else in the folder is touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from zoneplan.io.outputs import atomic_dir

if TYPE_CHECKING:
    from zoneplan.plan import Plan
    from zoneplan.result import Result

__all__ = ["REPORT_FILES", "build_report_html", "write_report"]

REPORT_FILES: tuple[str, ...] = ("report.html", "map.png", "result.json", "zones.gpkg")
"""The files :func:`write_report` writes."""


def build_report_html(result: Result, map_png: bytes | None = None) -> str:
    """The report HTML for a result (renders the map if ``map_png`` is not given)."""
    from zoneplan.render import map as rp
    from zoneplan.render.html import render_report_html

    d = result.to_dict()
    if map_png is None:
        map_png, _ = rp.render_map_bytes(result)
    charts: dict[str, str] = {}
    for title, fn in (("Share of territory and of residents", rp.chart_shares),
                      ("Area per person", rp.chart_m2_per_person),
                      ("Hospital beds per 10,000", rp.chart_beds),
                      ("Security personnel per 1,000", rp.chart_forces),
                      ("Reconstruction, residents and damage", rp.chart_reconstruction)):
        charts[title] = str(fn(d, fmt="svg"))
    return render_report_html(d, map_png=map_png, charts=charts)


def write_report(
    plan: Plan | Result | str | Path,
    out_dir: str | Path,
    *,
    overwrite: bool = False,
) -> Path:
    """Evaluate a plan and write its report folder.

    Parameters
    ----------
    plan
        A plan, a plan file, a built-in plan id, or an already evaluated result.
    out_dir
        The folder to create (or, with ``overwrite``, to write into).
    overwrite
        Replace the report files in an existing folder; other files there are kept.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    OutputExistsError
        If ``out_dir`` exists and ``overwrite`` is false (checked before evaluating).
    DataError
        If ``out_dir`` cannot be created where asked.
    """
    from zoneplan.evaluate import evaluate
    from zoneplan.io.outputs import write_text_atomic
    from zoneplan.render.gpkg import write_gpkg
    from zoneplan.render.map import render_map_bytes
    from zoneplan.result import Result

    out = Path(out_dir)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        result = plan if isinstance(plan, Result) else evaluate(plan)
        png, _ = render_map_bytes(result)
        (tmp / "map.png").write_bytes(png)
        write_text_atomic(tmp / "result.json", result.to_json())
        write_text_atomic(tmp / "report.html", build_report_html(result, png))
        write_gpkg(result, tmp / "zones.gpkg")
    return out

