"""Drive the line editor in headless Chromium with every request off the server blocked."""

from __future__ import annotations

import itertools
import json
import shutil
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zoneplan import pack

from .conftest import SCREENS

PLAN = "green-red-2025-11"
VERTEX = 16  # a vertex of the yellow line in the middle of the Strip
KM_WEST = 1000 / (111_320 * 0.8535)  # degrees of longitude in 1 km at 31.4° N

pytestmark = [pytest.mark.browser, pytest.mark.slow]



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The editor on 127.0.0.1 and a free port, in a thread; yields (origin, save folder)."""
    import uvicorn

    from zoneplan.web.app import create_app

    save_dir = tmp_path / "saved"
    save_dir.mkdir()
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(PLAN, save_dir=save_dir), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the editor server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", save_dir
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _wait_idle(page: Any, kind: str = "exact") -> None:
    page.wait_for_function(
        "k => window.zoneplanMap && window.zoneplanMap.idle() && "
        "window.zoneplanMap.latencies.length && "
        "window.zoneplanMap.latencies[window.zoneplanMap.latencies.length - 1].kind === k",
        arg=kind)


def _open_plan(ctx: Any, origin: str, plan: str) -> Any:
    """A page of the editor in browser context ``ctx``, switched to ``plan`` and drawn."""
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page.goto(origin + "/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.evaluate("document.body.dataset.ready = ''")
    page.select_option("#plan-select", plan)
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    return page


def _zone(result: dict[str, Any], zid: str) -> dict[str, Any]:
    return next(z for z in result["zones"] if z["id"] == zid)


def test_drag_line_west_save_and_reload(browser: Any, server: tuple[str, Path],
                                       tmp_path: Path) -> None:
    origin, save_dir = server
    blocked: list[str] = []
    errors: list[str] = []
    lon, lat = pack.yellow_line().coords[VERTEX]
    shots: list[Path] = []
    ctx = browser.new_context(viewport={"width": 1400, "height": 950},
                              accept_downloads=True)
    ctx.set_default_timeout(20_000)

    def route(r: Any) -> None:
        if r.request.url.startswith(origin + "/"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    expected_422 = "the server responded with a status of 422"
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(origin + "/", wait_until="load")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#lines-layer circle.vertex")
    before = page.evaluate("window.zoneplanMap.result")
    assert before["plan"]["id"] == PLAN

    # drag one vertex about 1 km west, in small steps, like a hand would
    a = page.evaluate("([x, y]) => window.zoneplanMap.project(x, y)", [lon, lat])
    b = page.evaluate("([x, y]) => window.zoneplanMap.project(x, y)",
                      [lon - KM_WEST, lat])
    assert b["x"] < a["x"] - 5, f"1 km should be several pixels: {a} -> {b}"
    hit = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); "
                        "return e && e.classList.contains('vertex') ? "
                        "Number(e.dataset.index) : null; }", [a["x"], a["y"]])
    assert hit == VERTEX
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    steps = 40
    for k in range(1, steps + 1):
        page.mouse.move(a["x"] + (b["x"] - a["x"]) * k / steps,
                        a["y"] + (b["y"] - a["y"]) * k / steps)
        page.wait_for_timeout(25)
    page.mouse.up()
    _wait_idle(page, "exact")
    after = page.evaluate("window.zoneplanMap.result")
    moved = page.evaluate("window.zoneplanMap.state.lines['yellow-line']")
    lat_ms = page.evaluate("window.zoneplanMap.latencies")
    shots.append(tmp_path / "editor-after-drag.png")
    page.screenshot(path=str(shots[-1]))

    # the vertex moved about 1 km west (within a pixel's worth)
    dx_km = (lon - moved[VERTEX][0]) * 111_320 * 0.8535 / 1000
    assert 0.9 < dx_km < 1.1, dx_km
    g0, g1 = _zone(before, "green"), _zone(after, "green")
    assert g1["share_of_territory"] > g0["share_of_territory"]
    assert g1["residents_baseline"] > g0["residents_baseline"]
    assert g1["displaced_out"] > g0["displaced_out"]
    # the panel shows the new figures, marked exact
    shown = float(page.get_attribute(".zone-card[data-zone='green'] dd[data-key="
                                     "'area_km2']", "data-value") or "nan")
    assert shown == pytest.approx(g1["area_km2"])
    assert "Exact figures" in page.inner_text("#mode")
    # ... and the width and aid-access figures of the moved line (issue 16)
    for key in ("width_km", "crossings_open", "damaged_structures"):
        got = page.get_attribute(f".zone-card[data-zone='red'] dd[data-key='{key}']",
                                 "data-value")
        assert float(got or "nan") == pytest.approx(_zone(after, "red")[key]), key
    # the green zone is wider there now, and its median width grows with it
    assert _zone(after, "green")["width_km"] > _zone(before, "green")["width_km"]
    assert "every open crossing lies in or opens into a zone closed" in page.inner_text(
        ".zone-card[data-zone='red']")
    # damaged structures: hidden until asked for, then one circle per point
    assert not page.is_visible("#damage-layer circle")
    page.check("#show-damage")
    assert page.is_visible("#damage-layer circle")
    n = page.evaluate("document.querySelectorAll('#damage-layer circle').length")
    assert n == page.evaluate("window.zoneplanMap.layers.damage.lon.length") > 1000
    page.uncheck("#show-damage")

    # a line pulled out of the territory: 422, message next to the line
    page.evaluate("window.zoneplanMap.setLine('yellow-line', "
                  "[[34.0, 31.0], [34.1, 31.05]])")
    page.wait_for_selector("#line-error:not([hidden])")
    assert "does not cross the territory" in page.inner_text("#line-error")
    shots.append(tmp_path / "editor-bad-line.png")
    page.screenshot(path=str(shots[-1]))
    page.click("#undo")
    _wait_idle(page, "exact")
    page.wait_for_selector("#line-error", state="hidden")
    again = page.evaluate("window.zoneplanMap.result")
    assert _zone(again, "green")["area_km2"] == pytest.approx(g1["area_km2"])

    # export GeoJSON (a download made in the page, nothing leaves it)
    with page.expect_download() as dl:
        page.click("#export")
    fc = json.loads(Path(dl.value.path()).read_text())
    assert {f["properties"]["kind"] for f in fc["features"]} == {"zone", "line"}

    # save as a new plan, then it is reopened from the server
    page.click("#save")
    page.fill("#save-id", "gr-dragged")
    page.fill("#save-title", "Green/red, yellow line moved 1 km west at one point")
    page.click("#save-ok")
    page.wait_for_function("() => document.querySelector('#plan-select').value === "
                           "'gr-dragged' && window.zoneplanMap.idle()")
    page.wait_for_function("() => window.zoneplanMap.result.plan.id === 'gr-dragged'")
    reloaded = page.evaluate("window.zoneplanMap.result")
    shots.append(tmp_path / "editor-saved.png")
    page.screenshot(path=str(shots[-1]))
    listed = page.evaluate("fetch('/api/plans').then(r => r.json())")
    ctx.close()
    SCREENS.mkdir(parents=True, exist_ok=True)
    for s in shots:
        shutil.copy(s, SCREENS / s.name)
    assert (save_dir / "gr-dragged.yaml").is_file()
    assert "gr-dragged" in {p["id"] for p in listed["plans"]}
    assert _zone(reloaded, "green")["area_km2"] == pytest.approx(g1["area_km2"], rel=1e-6)
    assert reloaded["plan"]["status"] == "hypothetical"

    fast = [x["ms"] for x in lat_ms if x["kind"] == "fast"]
    server_ms = [x["server_ms"] for x in lat_ms if x["kind"] == "fast" and x["server_ms"]]
    assert len(fast) >= 3, f"too few updates during the drag: {lat_ms}"
    p50 = statistics.median(fast)
    p95 = sorted(fast)[max(0, round(0.95 * len(fast)) - 1)]
    summary = {"updates_during_drag": len(fast), "drag_to_update_p50_ms": p50,
               "drag_to_update_p95_ms": p95, "server_p50_ms": statistics.median(server_ms),
               "exact_on_release_ms": next(x["ms"] for x in lat_ms if x["kind"] == "exact")}
    (SCREENS / "editor-latency.json").write_text(json.dumps(summary, indent=2))
    print("drag-to-update latency:", summary)
    assert blocked == [], f"requests leaving the server: {blocked}"
    # the one 422 is the line pulled out of the territory on purpose; Chromium logs it
    assert sum(expected_422 in e for e in errors) == 1, errors
    errors = [e for e in errors if expected_422 not in e]
    assert errors == [], f"console errors: {errors}"
    assert p95 < 1000, summary  # generous: shared CI machines; the figure is reported above


def test_editor_layout_desktop_and_phone(browser: Any, server: tuple[str, Path]) -> None:
    """At 1366 and 390 px: no horizontal overflow, map furniture and place names drawn,
    the residents toggle works, the favicon is served, nothing loaded from elsewhere."""
    import tempfile

    origin, _ = server
    screens = Path(tempfile.gettempdir()) / "zoneplan-screens"
    screens.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    for width, height in ((1366, 900), (390, 844)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        ctx.set_default_timeout(20_000)
        ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
            origin + "/") else (blocked.append(r.request.url), r.abort()))
        page = ctx.new_page()
        page.goto(origin + "/")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        assert page.locator("#names-layer .place-name").count() >= 5
        assert page.locator("#furniture-layer .north-text").count() == 1
        assert page.locator("#context-layer .ctx-sea").count() == 1
        assert not page.locator("#cells-layer").is_visible()
        page.click("#show-residents")
        assert page.locator("#cells-layer").is_visible()
        page.screenshot(path=str(screens / f"editor-{width}.png"))
        assert page.request.get(origin + "/favicon.ico").status == 200
        # hospital symbols: 12 px across on a wide map, 8 on a phone's, redrawn when the
        # window is resized to the other width and back
        assert hospital_px(page) == pytest.approx(12 if width > 600 else 8, abs=0.6)
        other = (390, 844) if width > 600 else (1366, 900)
        page.set_viewport_size({"width": other[0], "height": other[1]})
        page.wait_for_timeout(300)
        assert hospital_px(page) == pytest.approx(12 if other[0] > 600 else 8, abs=0.6)
        ctx.close()
    assert blocked == []


def hospital_px(page: Any) -> float:
    """Width on screen (CSS px) of the first hospital symbol's outer square."""
    return float(page.evaluate("document.querySelector('#hospitals-layer .hospital .casing')"
                               ".getBoundingClientRect().width"))


def test_editor_on_a_phone_handles_and_touch_targets(browser: Any,
                                                     server: tuple[str, Path]) -> None:
    """At 390 px on the withdrawal-phases plan (three lines, 117 points): handles only on
    the chosen line, thinned so none overlaps another, each hit area and every button,
    select and toggle at least 44 px; choosing another line moves the handles there."""
    origin, _ = server
    SCREENS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = _open_plan(ctx, origin, "withdrawal-phases")
    lines = page.evaluate("Object.fromEntries(Object.entries("
                          "window.zoneplanMap.state.lines).map(([k, v]) => [k, v.length]))")
    assert len(lines) == 3 and sum(lines.values()) > 100

    def handles() -> list[dict[str, Any]]:
        return list(page.evaluate("""() => [...document.querySelectorAll(
            '#lines-layer .vertex')].map(v => { const r = v.getBoundingClientRect();
            return {line: v.dataset.line, x: r.x + r.width / 2, y: r.y + r.height / 2,
                    w: r.width, h: r.height}; })"""))

    first = handles()
    chosen = page.input_value("#line-select")
    assert {h["line"] for h in first} == {chosen}
    assert 2 <= len(first) < lines[chosen]  # thinned out on a small map
    assert all(h["w"] >= 44 and h["h"] >= 44 for h in first), first
    for a, b in itertools.pairwise(first):  # no hit area covers another
        assert ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 >= 43
    small = page.evaluate("""() => [...document.querySelectorAll(
        'header button, header select, label.toggle')]
        .filter(e => e.getBoundingClientRect().width > 0)
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.id || e.textContent.trim().slice(0, 20), r.width,
                            r.height]; })
        .filter(([, w, h]) => w < 44 || h < 44)""")
    assert small == [], f"touch targets under 44 px: {small}"
    # hospitals have a dark casing under the white face
    assert page.locator("#hospitals-layer .hospital .casing").count() > 10
    other = next(k for k in lines if k != chosen)
    page.select_option("#line-select", other)
    assert {h["line"] for h in handles()} == {other}
    page.screenshot(path=str(SCREENS / "editor-phases-390.png"))
    ctx.close()


def test_every_zone_named_thin_ones_on_leaders(browser: Any, server: tuple[str, Path]) -> None:
    """withdrawal-phases has three zones too thin for their names at 1366 and 390 px: each
    name is drawn outside every zone, on a leader that starts inside its own zone; no
    zone's name overlaps another's, and every name lies within the map."""
    origin, _ = server
    for width, height in ((1366, 900), (390, 844)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = _open_plan(ctx, origin, "withdrawal-phases")
        got = page.evaluate("""() => {
            const map = document.querySelector('#map').getBoundingClientRect();
            const paths = [...document.querySelectorAll('#zones-layer path.zone')];
            const zone = (id) => paths.find(z => z.dataset.zone === id);
            const labels = [...document.querySelectorAll('#labels-layer text.zone-label')];
            const leaders = [...document.querySelectorAll('#labels-layer line.zone-leader')];
            const inZone = (id, x, y) => zone(id).isPointInFill(new DOMPoint(x, y));
            return {
              zones: paths.map(z => z.dataset.zone),
              labels: labels.map(t => { const r = t.getBoundingClientRect();
                return {zone: t.dataset.zone, leader: t.classList.contains('on-leader'),
                        box: [r.left, r.top, r.right, r.bottom],
                        inMap: r.left >= map.left - 0.5 && r.right <= map.right + 0.5 &&
                               r.top >= map.top - 0.5 && r.bottom <= map.bottom + 0.5}; }),
              leaders: leaders.map(l => ({zone: l.dataset.zone,
                start: inZone(l.dataset.zone, +l.getAttribute('x1'), +l.getAttribute('y1')),
                end: paths.some(z =>
                  z.isPointInFill(new DOMPoint(+l.getAttribute('x2'), +l.getAttribute('y2')))),
                length: Math.hypot(l.getAttribute('x2') - l.getAttribute('x1'),
                                   l.getAttribute('y2') - l.getAttribute('y1'))})),
            };
        }""")
        zones = got["zones"]
        assert len(zones) == 4
        assert sorted(lab["zone"] for lab in got["labels"]) == sorted(zones), (width, got)
        on_leader = {lab["zone"] for lab in got["labels"] if lab["leader"]}
        assert on_leader and on_leader == {ld["zone"] for ld in got["leaders"]}, (width, got)
        assert "west" not in on_leader  # the wide zone keeps its name inside it
        for ld in got["leaders"]:
            assert ld["start"] and not ld["end"] and ld["length"] > 0, (width, ld)
        assert all(lab["inMap"] for lab in got["labels"]), (width, got["labels"])
        for a, b in itertools.combinations([lab["box"] for lab in got["labels"]], 2):
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (width, a, b)
        page.screenshot(path=str(SCREENS / f"editor-phases-names-{width}.png"))
        ctx.close()
