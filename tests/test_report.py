"""Report folder: files, refusal to clobber, unwritable places, the map's pixels, the HTML."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from matplotlib.colors import to_rgb
from PIL import Image

import zoneplan
from zoneplan.errors import DataError, OutputExistsError
from zoneplan.io.outputs import OUTPUT_MARKER
from zoneplan.render.maps.map import render_map
from zoneplan.render.pages.report import REPORT_FILES, write_report
from zoneplan.render.words.headlines import headlines
from zoneplan.render.words.text import round_parts

from .conftest import without_root_file_powers

PLAN = "green-red-2025-11"


@pytest.fixture(scope="module")
def result() -> zoneplan.Result:
    return zoneplan.evaluate(PLAN)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory, result: zoneplan.Result) -> Path:
    out = tmp_path_factory.mktemp("rep") / "report"
    write_report(result, out)
    return out


@pytest.mark.slow
def test_report_writes_its_files(report_dir: Path, result: zoneplan.Result) -> None:
    assert sorted(p.name for p in report_dir.iterdir()) == sorted([*REPORT_FILES, OUTPUT_MARKER])
    assert json.loads((report_dir / "result.json").read_text()) == json.loads(result.to_json())
    html = (report_dir / "report.html").read_text()
    assert len(html.encode()) <= 3_000_000
    for tag in ('id="question"', 'id="headlines"', 'id="map"', 'id="zones"', 'id="charts"',
                'id="notes"', 'id="sources"', 'id="provenance"'):
        assert tag in html
    order = [html.index(t) for t in ('id="question"', 'id="headlines"', 'id="map"',
                                      'id="zones"', 'id="charts"', 'id="notes"',
                                      'id="sources"', 'id="provenance"')]
    assert order == sorted(order)
    # the title is a sentence made of the plan's title, date and status
    assert ('<h1 id="question">The reported US plan of 14 Nov 2025 (green zone and red '
            "zone), measured</h1>") in html
    # the long sections are collapsed: open only when the reader asks
    for sec in ("notes", "sources", "provenance"):
        assert f'<details class="section" id="{sec}">' in html
    # nothing is loaded from outside: no src/href to http except <a href> links
    assert not re.search(r'(src|url\()\s*=?\s*["\']?https?:', html)
    assert "<script" not in html


@pytest.mark.slow
def test_table_totals_add_up(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text()
    start = html.index('id="zone-table"')
    table = html[start:html.index("</table>", start)]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    foot = table[table.index("<tfoot>"):table.index("</tfoot>")]
    cell = re.compile(r"<td[^>]*>(.*?)</td>")

    def nums(row: str) -> list[str]:
        return [re.sub(r"<[^>]+>", "", c) for c in cell.findall(row)]

    rows = [nums(r) for r in body.split("<tr>")[1:]]
    assert 'data-label="Area (km²)"' in body  # cards on a phone name each figure
    total = nums(foot)
    # columns (after the name/access cells): area, share, before, under plan, must leave
    for j in range(2, 7):
        parts = [float(r[j].replace(",", "").rstrip("%")) for r in rows]
        assert sum(parts) == pytest.approx(float(total[j].replace(",", "").rstrip("%")))


def test_rounded_parts_add_up_to_rounded_total() -> None:
    vals = [822160.58, 1277839.42, 0.0]
    parts = round_parts(vals, 100)
    assert sum(p or 0 for p in parts) == 2_100_000
    assert round_parts([0.5413298, 0.4586702], 0.001) == [0.541, 0.459]


def test_headlines_are_three_to_eleven_sentences(result: zoneplan.Result) -> None:
    hs = headlines(result.to_dict())
    assert 3 <= len(hs) <= 11
    assert "54.1% of the territory" in hs[0]
    assert all(s.endswith(".") for s in hs)


def test_many_zones_are_summed_up_not_one_named_at_random(result: zoneplan.Result) -> None:
    """With more zones than are named one by one, the headlines give the largest zone and
    the others as a whole (median, range, how many fall below the Sphere standard)."""
    d = result.to_dict()
    big = dict(d["zones"][0], label="Big", share_of_territory=0.5, area_km2=180.0,
               residents=100_000.0, m2_per_person=1_800.0, access="resident",
               damaged_structures=1000.0, damage_share=0.8, reconstruction_share=1.0)
    small = [dict(d["zones"][0], label=f"hex {i}", share_of_territory=0.5 / 20,
                  area_km2=0.05 + 0.001 * i, residents=100.0 * i,
                  m2_per_person=(0.05 + 0.001 * i) * 1e6 / (100.0 * i) if i else None,
                  access="resident", damaged_structures=10.0, damage_share=0.001,
                  reconstruction_share=0.0) for i in range(20)]
    d["zones"] = [big, *small]
    hs = headlines(d)
    assert hs[0].startswith("Big:")
    other = hs[1]
    assert other.startswith("The other 20 zones: 50.0% of the territory")
    assert "0.060 km² (0.050–0.069 km²) each" in other
    assert "19,000 residents there, 950 (0–1,900) per zone" in other
    below = sum(1 for i in range(1, 20) if (0.05 + 0.001 * i) * 1e6 / (100.0 * i) < 45)
    assert f"{below} of the 19 open zones with residents" in other
    assert not any("hex " in h for h in hs[:2])  # (the damage sentence ranks zones)


@pytest.mark.slow
def test_existing_folder_refused_and_only_a_report_replaced(tmp_path: Path, report_dir: Path,
                                                             result: zoneplan.Result) -> None:
    out = tmp_path / "out"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_report(result, out)
    with pytest.raises(OutputExistsError, match="not a zoneplan output"):
        write_report(result, out, overwrite=True)  # a folder zoneplan did not write
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    keep.unlink()
    out.rmdir()
    # a report written before (the module's, as write_report wrote it: a new folder
    # gets REPORT_FILES and the marker, see test_report_writes_its_files), copied here
    # instead of drawn a second time
    shutil.copytree(report_dir, out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*REPORT_FILES, OUTPUT_MARKER])
    keep.write_text("mine")
    write_report(result, out, overwrite=True)  # a report: replaced whole
    assert sorted(p.name for p in out.iterdir()) == sorted([*REPORT_FILES, OUTPUT_MARKER])
    # no temporary folders left behind next to it
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_folder_that_cannot_be_created(tmp_path: Path, result: zoneplan.Result) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot be created"):
        write_report(result, blocker / "out")


def test_read_only_parent(tmp_path: Path, result: zoneplan.Result) -> None:
    """A folder that cannot be written into (root too: its override is dropped here)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with without_root_file_powers(), pytest.raises(DataError):
            write_report(result, ro / "out")
    finally:
        ro.chmod(0o755)
    assert not (ro / "out").exists()


def _close(rgb: np.ndarray, hex_colour: str, tol: float = 12.0) -> bool:
    want = np.array(to_rgb(hex_colour)) * 255
    return bool(np.abs(rgb[:3].astype(float) - want).max() <= tol)


@pytest.fixture(scope="module")
def map_png(tmp_path_factory: pytest.TempPathFactory, result: zoneplan.Result
            ) -> tuple[Path, Any]:
    """The print map of the plan as PNG, drawn once for the tests that read its pixels,
    and what render_map says of it."""
    path = tmp_path_factory.mktemp("map") / "map.png"
    return path, render_map(result, path)


@pytest.mark.slow
def test_map_png_colours_where_the_zones_are(map_png: tuple[Path, Any],
                                             result: zoneplan.Result) -> None:
    """Each zone is filled with the plan's colour (the green zone green, the red zone red);
    closed zones carry hatching, so fewer of their pixels show the plain colour."""
    path, info = map_png
    img = np.asarray(Image.open(path).convert("RGB"))
    assert img.shape[:2] == (info.height, info.width)
    assert info.width >= 2400
    colours = {z["id"]: z["colour"] for z in result.to_dict()["zones"]}
    assert colours == {"green": "#9ACD8E", "red": "#CC3D3D"}
    for z in result.layout.zones:
        inner = z.geometry.buffer(-1500)
        assert not inner.is_empty
        # sample 25 points spread over the inside of the zone; markers may cover a few
        pts = shapely.points(np.column_stack(_spread_points(inner, 25)))
        hits = 0
        for p in pts:
            col, row = info.to_pixel(p.x, p.y)
            win = img[row - 3:row + 4, col - 3:col + 4].reshape(-1, 3)  # hatching: look around
            hits += any(_close(px, colours[z.id]) for px in win)
        need = 18  # the zone's own name (bold, haloed) may cover a few points too
        assert hits >= need, f"zone {z.id}: only {hits}/25 pixels have its colour"


def _spread_points(poly: shapely.Geometry, n: int) -> tuple[list[float], list[float]]:
    minx, miny, maxx, maxy = poly.bounds
    xs: list[float] = []
    ys: list[float] = []
    k = 4
    while len(xs) < n:
        gx, gy = np.meshgrid(np.linspace(minx, maxx, k), np.linspace(miny, maxy, k))
        inside = shapely.contains_xy(poly, gx.ravel(), gy.ravel())
        xs, ys = list(gx.ravel()[inside][:n]), list(gy.ravel()[inside][:n])
        k += 2
    return xs, ys


@pytest.mark.slow
def test_map_png_has_a_legend(map_png: tuple[Path, Any], result: zoneplan.Result) -> None:
    path, info = map_png
    img = np.asarray(Image.open(path).convert("RGB"))
    # the legend lives right of the two panels and shows every zone's colour
    legend = img[:, int(info.density_axes[0][2]) + 5:, :]
    for z in result.to_dict()["zones"]:
        want = np.array(to_rgb(z["colour"])) * 255
        close = np.abs(legend.astype(float) - want).max(axis=2) <= 6
        assert close.sum() >= 50, f"no legend swatch for {z['id']}"
    # and text (dark pixels) in it
    assert (legend.max(axis=2) < 60).sum() > 500


def test_unwritable_folder_is_a_data_error(tmp_path: Path, result: zoneplan.Result,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated for root, who may write anywhere: the OS says the folder is read-only."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == tmp_path
                        else real_access(p, mode, **kw))
    with pytest.raises(DataError, match="cannot be created"):
        write_report(result, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_fine_grid_map_sums_cells_into_squares(result: zoneplan.Result,
                                               monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """The residents panel draws 1 km squares (or coarser, above MAP_MAX_CELLS) that keep
    every person."""
    from zoneplan.render.maps import panels

    cells, dens, side = panels.density_cells(result)
    assert side == 1000.0
    monkeypatch.setattr(panels, "MAP_MAX_CELLS", 50)
    cells, dens, side = panels.density_cells(result)
    assert side >= result.inputs.population.grid.cell_size and len(cells) < 1500
    people = float(np.sum(dens * shapely.area(cells) / 1e6))
    total = float(np.sum(result.metrics.cell_residents))
    # the pack's 250 m cells nest in the squares, so clipped squares and cells share area
    assert people == pytest.approx(total, rel=1e-6)
    render_map(result, tmp_path / "map.png")
    assert Image.open(tmp_path / "map.png").size[0] > 500


def _zones_of(d: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """``n`` resident zones of a result, the first the largest (shares 0.4, then equal)."""
    return [dict(d["zones"][0], id=f"z{i}", label=f"Zone {chr(65 + i)}",
                 share_of_territory=0.4 if i == 0 else 0.6 / (n - 1), area_km2=10.0 + i,
                 residents=1000.0 * (i + 1), m2_per_person=10_000.0 / (i + 1),
                 access="resident") for i in range(n)]


def test_headlines_name_every_zone_up_to_six(result: zoneplan.Result) -> None:
    """Three to six zones: each has its own sentence, largest first, and no other
    sentence is dropped for them; seven: the largest and the other six together."""
    from zoneplan.render.words.headlines import HEADLINE_ZONES

    d = result.to_dict()
    assert headlines(d)[-1].startswith("Of 12 published figures the measurement can test")
    for n in (3, 6):
        d["zones"] = _zones_of(d, n)
        hs = headlines(d)
        starts = [h.split(":")[0] for h in hs[:n]]
        assert starts == ["Zone A", *(f"Zone {chr(65 + i)}" for i in range(1, n))]
        assert hs[-1].startswith("Of 12 published")  # the zones push no sentence out
    assert HEADLINE_ZONES == 6
    d["zones"] = _zones_of(d, 7)
    hs = headlines(d)
    assert hs[0].startswith("Zone A:") and hs[1].startswith("The other 6 zones:")
