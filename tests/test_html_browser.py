"""Open the report, comparison and timeline pages in headless Chromium with the network
blocked, at a desktop (1366 px) and a phone (390 px) width, as a reader would."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

import zoneplan
from zoneplan.render.pages.compare import write_compare
from zoneplan.render.pages.report import write_report
from zoneplan.render.pages.timeline import write_timeline
from zoneplan.scenarios.compare import compare

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = ((1366, 900), (390, 844))
MAX_HEIGHT = {1366: 6_000, 390: 12_000}
"""The longest a page may be before anything folded is opened, px, by screen width."""
SCREENS = Path(tempfile.gettempdir()) / "zoneplan-screens"
"""Screenshots for a person to look at."""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pages")
    from zoneplan.io.areas import read_areas

    gr = zoneplan.evaluate("green-red-2025-11")
    write_report(gr, base / "report")
    write_report(zoneplan.evaluate("withdrawal-phases", by=read_areas("gaza:governorates")),
                 base / "report-by")
    write_compare(compare([gr, zoneplan.evaluate("withdrawal-phases")]), base / "cmp")
    def square(x: float, y: float, w: float) -> dict[str, Any]:
        return {"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + w],
                                                    [x, y + w], [x, y]]]}

    rows = [{"date": d, "file": f"zone_{i}.geojson", "features": 3, "area_km2": a,
             "share_of_territory": a / 363.7, "residents": r, "hospitals": h,
             "outline": square(34.3 + 0.05 * i, 31.3 + 0.05 * i, 0.04)}
            for i, (d, a, r, h) in enumerate([("2023-10-07", 27.0, 138_700.0, 2),
                                               ("2024-07-01", 89.5, 302_900.0, 8),
                                               ("2025-10-19", 193.4, 862_700.0, 10)])]
    data = {"rows": rows, "territory": {"ref": "gaza:outline", "area_km2": 363.7,
                                        "outline": square(34.2, 31.2, 0.4)},
            "where": None, "baseline": {"label": "pre-war residents", "date": "2023-10",
                                        "sources": ["pcbs-governorates"]}}
    write_timeline(json.loads(json.dumps(data)), base / "tl")
    return {"report": base / "report" / "report.html",
            "report-by": base / "report-by" / "report.html",
            "compare": base / "cmp" / "compare.html",
            "timeline": base / "tl" / "timeline.html"}


@pytest.mark.parametrize("name", ["report", "report-by", "compare", "timeline"])
def test_page_reads_on_desktop_and_phone(browser: Any, pages: dict[str, Path],
                                         name: str) -> None:
    path = pages[name]
    SCREENS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.split("#")[0] == path.as_uri() or url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    for width, height in WIDTHS:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        ctx.set_default_timeout(10_000)
        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri(), wait_until="load")
        # no horizontal scrolling: nothing wider than the screen outside its own scroll box
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width + 1, f"{name} is {wide}px wide on a {width}px screen"
        # no table scrolls sideways in its own box either: every one fits the screen
        over = page.evaluate("""() => [...document.querySelectorAll('table')]
            .filter(t => t.getBoundingClientRect().right > window.innerWidth + 1 ||
                         t.parentElement.scrollWidth > t.parentElement.clientWidth + 1)
            .map(t => t.id || t.className)""")
        assert over == [], f"{name}: tables wider than a {width}px screen: {over}"
        # before anything folded is opened, the page is at most so long
        tall = page.evaluate("document.documentElement.scrollHeight")
        assert tall <= MAX_HEIGHT[width], f"{name} is {tall}px long at {width}px"
        # the header (title sentence and meta line) is compact on a phone, and whole
        head = page.evaluate("""() => { const h = document.querySelector('header.page-head');
            const t = h.querySelector('h1'); const r = h.getBoundingClientRect();
            return [r.bottom + window.scrollY, t.textContent, t.scrollWidth <= t.clientWidth];
        }""")
        assert head[0] <= (200 if width > 600 else 120), f"{name}: header {head[0]}px"
        assert head[1].endswith(("measured", "compared")) or name == "timeline", head[1]
        assert head[2], f"{name}: title cut off at {width}px"
        if name == "report":  # the verdicts are on screen, not off to the side
            verdicts = page.evaluate("""() => [...document.querySelectorAll(
                '#claims-table .verdict')].map(v => {const r = v.getBoundingClientRect();
                return [r.left, r.right, r.width];})""")
            assert len(verdicts) >= 10
            assert all(a >= 0 and b <= width and w > 0 for a, b, w in verdicts), verdicts
        if name == "timeline":  # a small map of each order
            assert page.locator("figure.order-map svg path.order").count() == 3
        # every chart draws something or says in words that there is nothing to draw
        empty = page.evaluate("""() => [...document.querySelectorAll('figure.chart')]
            .filter(f => !f.querySelector('.no-data') &&
                         !f.querySelector('svg rect.bar, svg polyline')).length""")
        assert empty == 0, f"{name}: {empty} empty chart frame(s) at {width}px"
        # map and chart text stays readable: no SVG text drawn under 7 px on screen
        tiny = page.evaluate("""() => [...document.querySelectorAll('figure svg text')]
            .filter(t => t.textContent.trim() && t.getBoundingClientRect().height > 0 &&
                         t.getBoundingClientRect().height < 7).length""")
        assert tiny <= 3, f"{name}: {tiny} SVG labels under 7 px at {width}px"
        shot = SCREENS / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        ctx.close()
        assert blocked == [], f"requests leaving the page: {blocked}"
        assert errors == [], f"console errors: {errors}"
    if name == "report":
        html = path.read_text()
        assert "<title>" in html.split('id="map-figure"')[1]  # hover titles on the map
        assert html.count('class="chart"') == 5


def test_map_files_are_print_ready(pages: dict[str, Path]) -> None:
    from PIL import Image

    folder = pages["report"].parent
    assert Image.open(folder / "map.png").size[0] >= 2400
    svg = (folder / "map.svg").read_text()
    assert "<text" in svg and "Gaza City" in svg and "Mediterranean" in svg  # text as text
    assert (folder / "map.pdf").read_bytes().startswith(b"%PDF")
    shutil.copy(folder / "map.png", SCREENS / "map.png") if SCREENS.is_dir() else None
