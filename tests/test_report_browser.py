"""Open report.html in headless Chromium with the network blocked, as a reader would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import zoneplan
from zoneplan.render.report import write_report

from .conftest import CHROMIUM, SCREENS
from .conftest import CHROMIUM_ARGS as ARGS
from .conftest import need_chromium as _need_chromium

pytestmark = pytest.mark.browser



@pytest.mark.parametrize("width,height,name", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_report_opens_offline_without_errors(tmp_path: Path, width: int, height: int,
                                             name: str) -> None:
    _need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "report"
    write_report(zoneplan.evaluate("green-red-2025-11"), out)
    page_path = out / "report.html"
    blocked: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            ctx = browser.new_context(viewport={"width": width, "height": height})
            ctx.set_default_timeout(10_000)
            page = ctx.new_page()

            def route(r: object) -> None:
                req = r.request  # type: ignore[attr-defined]
                own = req.url.split("#")[0] == page_path.as_uri()
                if own or req.url.startswith("data:"):
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    blocked.append(req.url)
                    r.abort()  # type: ignore[attr-defined]

            ctx.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: blocked.append(r.url)
                    if not r.url.startswith("data:") else None)
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            assert page.locator("h1#question").inner_text().startswith("What does")
            assert page.locator("#map-figure img").evaluate("i => i.complete && i.naturalWidth") > 0
            assert page.locator(".charts svg").count() == 5
            # readable on a phone: nothing wider than the screen except inside scroll boxes
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width + 1, f"page is {overflow}px wide on a {width}px screen"
            shot = tmp_path / f"report-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(tmp_path / f"report-{name}-print.png"), full_page=False)
        finally:
            browser.close()
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, SCREENS / shot.name)
    assert blocked == [], f"requests leaving the file: {blocked}"
    assert errors == [], f"console errors: {errors}"
