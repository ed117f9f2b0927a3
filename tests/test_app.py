"""The editor's JSON API, driven with fastapi's TestClient (httpx); no network."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

pytest.importorskip("httpx")
from fastapi.testclient import TestClient

import zoneplan
from zoneplan import pack
from zoneplan.measure.population.population_sources import builtin_population
from zoneplan.web.app import MAX_BODY_BYTES, create_app

PLAN = "green-red-2025-11"
KM_WEST = 1000 / (111_320 * 0.8535)  # degrees of longitude in 1 km at 31.4° N


@pytest.fixture(scope="module")
def save_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("saved")


@pytest.fixture(scope="module")
def client(save_dir: Path) -> TestClient:
    return TestClient(create_app(PLAN, save_dir=save_dir), base_url="http://127.0.0.1")


def yellow() -> list[list[float]]:
    return [[x, y] for x, y in pack.yellow_line().coords]


def moved_west(index: int, km: float = 1.0) -> list[list[float]]:
    line = yellow()
    line[index][0] -= km * KM_WEST
    return line


def without_time(d: dict[str, Any]) -> dict[str, Any]:
    d = json.loads(json.dumps(d))
    d["provenance"].pop("time_utc")
    return d


def assert_same_figures(a: Any, b: Any, where: str = "") -> None:
    """The same JSON, numbers to 1e-9 relative (1e-6 absolute near zero): the editor
    patches its sums incrementally, so they may differ from a fresh run in the last bits.
    A claim's verdict may differ only where the measured value lies within 1e-9 of an
    end of the claim's interval (where the last bit decides)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        if {"verdict", "claimed", "measured"} <= a.keys() and a["verdict"] != b["verdict"]:
            ends = (a["claimed"] or {}).get("interval") or []
            assert any(math.isclose(a["measured"], e, rel_tol=1e-9) for e in ends), where
            a, b = ({k: v for k, v in x.items() if k not in ("verdict", "why")} for x in (a, b))
        for k in a:
            assert_same_figures(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_figures(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def zone(d: dict[str, Any], zid: str) -> dict[str, Any]:
    return next(z for z in d["zones"] if z["id"] == zid)


def detail(r: Any) -> dict[str, Any]:
    return r.json()["detail"]


# ----------------------------------------------------------------------------- reading


def test_plans_lists_builtins(client: TestClient) -> None:
    r = client.get("/api/plans")
    assert r.status_code == 200
    ids = {p["id"] for p in r.json()["plans"]}
    assert set(zoneplan.plan.builtin_plan_ids()) <= ids
    gr = next(p for p in r.json()["plans"] if p["id"] == PLAN)
    assert gr["lines"][0]["id"] == "yellow-line" and gr["kind"] == "built-in"


def test_layers_are_small_and_in_lonlat(client: TestClient) -> None:
    r = client.get("/api/layers", params={"plan": PLAN})
    assert r.status_code == 200
    assert len(r.content) < 500_000
    d = r.json()
    assert d["territory"]["geometry"]["type"] == "Polygon"
    assert len(d["hospitals"]["features"]) == 33  # high- and medium-confidence rows
    res = d["residents"]
    assert len(res["lon"]) == len(res["lat"]) == len(res["people"]) > 1000
    assert min(res["lon"]) > 34.2 and max(res["lon"]) < 34.6
    # display cells keep the layer's people (rounded to 0.1 per cell)
    assert sum(res["people"]) == pytest.approx(builtin_population().total(), rel=1e-4)
    # the yellow line as the print map draws it: yellow, solid, over a dark casing
    assert d["line_styles"]["yellow-line"]["dash"] == ""
    assert d["line_styles"]["yellow-line"]["colour"].lower() != d["line_styles"][
        "yellow-line"]["casing"].lower()


def test_lines_are_styled_as_on_the_print_map(client: TestClient) -> None:
    # withdrawal-phases' two hypothetical lines are dashed, each in its own colour
    d = client.get("/api/layers", params={"plan": "withdrawal-phases"}).json()
    styles = d["line_styles"]
    assert len(styles) == 3 and styles["yellow-line"]["dash"] == ""
    dashed = [s for k, s in styles.items() if k != "yellow-line"]
    assert all(s["dash"] for s in dashed)
    assert len({s["colour"] for s in dashed}) == 2


@pytest.mark.slow
def test_evaluate_equals_run_json(client: TestClient) -> None:
    r = client.post("/api/evaluate", json={"plan": PLAN, "lines": {}})
    assert r.status_code == 200
    assert "map" not in r.json()
    expected = zoneplan.evaluate(PLAN).to_dict()
    assert_same_figures(without_time(r.json()), without_time(expected))
    assert r.headers["server-timing"].startswith("evaluate;dur=")
    assert "cpu;dur=" in r.headers["server-timing"]


def test_evaluate_with_moved_line_matches_library(client: TestClient) -> None:
    line = moved_west(16)
    r = client.post("/api/evaluate", json={"plan": PLAN, "lines": {"yellow-line": line},
                                           "ranges": False, "map": True})
    assert r.status_code == 200
    got = r.json()
    lib = zoneplan.evaluate(PLAN, line_overrides={"yellow-line": [(p[0], p[1]) for p in line]},
                            ranges=False).to_dict()
    got_map = got.pop("map")
    assert_same_figures(without_time(got), without_time(lib))
    base = client.post("/api/evaluate", json={"plan": PLAN}).json()
    assert zone(got, "green")["share_of_territory"] > zone(base, "green")["share_of_territory"]
    assert zone(got, "green")["residents_baseline"] > zone(base, "green")["residents_baseline"]
    assert {f["properties"]["id"] for f in got_map["features"]} == {"green", "red"}


def test_an_edited_line_has_its_own_range_and_verdicts(client: TestClient) -> None:
    # the whole yellow line dragged 2 km west: its range comes from that line alone (its
    # ±200 m uncertainty moves with it: about 0.2 km x 46 km = 9 km², 2.5% of 363.7 km²,
    # either way); the published polygon (53.2%) describes the published line and drops
    line = [[x - 2 * KM_WEST, y] for x, y in yellow()]
    r = client.post("/api/evaluate", json={"plan": PLAN, "lines": {"yellow-line": line}})
    assert r.status_code == 200
    d = r.json()
    g = zone(d, "green")
    lo, hi = g["ranges"]["share_of_territory"]
    assert g["share_of_territory"] - lo == pytest.approx(0.025, rel=0.3)
    assert hi - g["share_of_territory"] == pytest.approx(0.025, rel=0.3)
    assert not any("zone-as-published" in x for x in d["ranges_from"])
    assert any("'zone-as-published'" in n and "left out" in n for n in d["notes"])
    # claims about the published line are not judged against the edited one; figures
    # that restate the plan stay what they are
    verdicts = {c["verdict"] for c in d["claims"]}
    assert verdicts == {"not measurable", "restates the plan"}
    assert all("about the published line" in c["why"] for c in d["claims"]
               if c["verdict"] == "not measurable")
    # the plan as of 2026-02-15, when the marker reports are known: the variants relative
    # to the line (the pack's for gaza:yellow-line) move with the dragged line, the high
    # end 300 m further west, about 0.3 km x 46 km = 13.9 km², 3.8% of 363.7 km²
    data = yaml.safe_load(Path(zoneplan.plan.builtin_plan_path(PLAN)).read_text())
    data["date"] = "2026-02-15"
    later = client.post("/api/evaluate", json={"plan": data, "lines": {"yellow-line": line}})
    assert later.status_code == 200
    d = later.json()
    g = zone(d, "green")
    lo, hi = g["ranges"]["share_of_territory"]
    assert hi - g["share_of_territory"] == pytest.approx(0.038, rel=0.3)
    assert g["share_of_territory"] - lo == pytest.approx(0.025, rel=0.3)
    assert any("markers-300m-west" in x for x in d["ranges_from"])
    assert not any("zone-as-published" in x for x in d["ranges_from"])
    assert d["lines"][0]["variants_from"] == "gaza:yellow-line"


def test_inline_plan(client: TestClient) -> None:
    data = yaml.safe_load(Path(zoneplan.plan.builtin_plan_path(PLAN)).read_text())
    r = client.post("/api/evaluate", json={"plan": data, "ranges": False})
    assert r.status_code == 200
    assert r.json()["plan"]["id"] == PLAN


# ----------------------------------------------------------------------------- refusing


@pytest.mark.parametrize("lines,words", [
    ({"yellow-line": [[34.4, 31.4]]}, "needs 2"),
    ({"yellow-line": [[34.4, 31.4, 3.0], [34.5, 31.5, 1.0]]}, "two finite numbers"),
    ({"yellow-line": [[34.4, 31.4], [34.4, 31.4]]}, "one place"),
    ({"yellow-line": [[31.4, 134.4], [31.5, 134.5]]}, "not a longitude/latitude"),
    ({"yellow-line": [[0.0, 0.0], [1.0, 1.0]]}, "outside the territory"),
    ({"yellow-line": [[34.0, 31.0], [34.2, 31.1], [34.3, 31.0]]}, "does not cross"),
    ({"yellow-line": [[34.3, 31.6], [34.5, 31.3], [34.5, 31.5], [34.3, 31.3]]}, "crosses itself"),
    ({"yellow-line": [[34.3, 31.3], [34.35, 31.35]]}, "does not cut it"),
    ({"no-such-line": [[34.3, 31.3], [34.5, 31.5]]}, "no line called"),
])
def test_bad_lines_get_422_with_message(client: TestClient, lines: dict[str, Any],
                                        words: str) -> None:
    r = client.post("/api/evaluate", json={"plan": PLAN, "lines": lines, "ranges": False})
    assert r.status_code == 422, r.text
    assert words in detail(r)["message"]
    if "no line" not in words:
        assert detail(r)["line"] == "yellow-line"


@pytest.mark.parametrize("body", [
    b"{not json", b'{"plan": "green-red-2025-11", "lines": {"yellow-line": [[NaN, 1], [2, 3]]}}',
    b'{"plan": 3}', b'{"plan": "green-red-2025-11", "surprise": 1}', b"[]",
])
def test_malformed_bodies(client: TestClient, body: bytes) -> None:
    r = client.post("/api/evaluate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert detail(r)["message"]


def test_unknown_plan(client: TestClient) -> None:
    r = client.post("/api/evaluate", json={"plan": "../../etc/passwd"})
    assert r.status_code == 422 and "no plan called" in detail(r)["message"]


def test_body_size_limit(client: TestClient) -> None:
    big = b'{"plan": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    r = client.post("/api/evaluate", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_json_content_type_required(client: TestClient) -> None:
    r = client.post("/api/evaluate", content=b'{"plan": "green-red-2025-11"}',
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


@pytest.mark.parametrize("patch", [
    {"territory": "/etc/passwd"},
    {"territory": "file:///etc/passwd"},
    {"lines": [{"id": "yellow-line", "date": "2025", "sources": ["ocha-2.1m"],
                "file": "/etc/passwd"}]},
    {"layers": {"hospitals": {"path": "../secret.geojson"}}},
    {"summary": "file:/etc/shadow"},
])
def test_inline_plans_cannot_name_files(client: TestClient, patch: dict[str, Any]) -> None:
    data = yaml.safe_load(Path(zoneplan.plan.builtin_plan_path(PLAN)).read_text())
    data.update(patch)
    r = client.post("/api/evaluate", json={"plan": data, "ranges": False})
    assert r.status_code == 422
    assert "file" in detail(r)["message"]


def test_no_cors_and_safe_headers(client: TestClient) -> None:
    r = client.options("/api/evaluate", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    r = client.post("/api/evaluate", json={"plan": PLAN, "ranges": False},
                    headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace("http-equiv", "")  # no external URL in the page


def test_dns_rebinding_host_refused(save_dir: Path) -> None:
    c = TestClient(create_app(PLAN, save_dir=save_dir), base_url="http://attacker.example")
    r = c.get("/api/plans")
    assert r.status_code == 400
    assert "host name" in r.json()["detail"]["message"]
    assert r.headers["x-content-type-options"] == "nosniff"  # the refusal has them too


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for r in (client.get("/api/plans"), client.get("/no/such/path"),
              client.post("/api/evaluate", json={"plan": PLAN, "fast": True, "ranges": False,
                                                 "lines": {"yellow-line": moved_west(16)}})):
        assert r.headers["content-security-policy"].startswith("default-src 'none'"), r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"


def test_response_json_reads_as_json_dumps() -> None:
    # orjson (when installed) writes the text; it must read back as the same values as
    # json.dumps's text, to the last bit of every float
    from zoneplan.web.app import _dumps

    data = {"a": 0.1 + 0.2, "b": [1e-05, 1e22, -0.0, 123456789.123456789, 5e-324], "c": None,
            "d": "Rafah – é", "e": {"f": (1, 2)}, "g": True, "h": 2**53 + 1}
    text = _dumps(data)
    assert json.loads(text) == json.loads(json.dumps(data))
    assert [math.copysign(1, x) for x in json.loads(text)["b"]][2] == -1.0
    np = pytest.importorskip("numpy")
    assert json.loads(_dumps({"x": np.float64(0.1)})) == {"x": 0.1}  # the json fallback


def test_result_json_reads_as_to_dict(client: TestClient) -> None:
    # the editor writes a result's data without Result.to_dict's copy: the same values
    import numpy as np

    from zoneplan.evaluate import evaluate_inputs
    from zoneplan.result import json_ready
    from zoneplan.web.app import _result_json

    inputs = client.app.state.plans.prepared(PLAN)  # type: ignore[attr-defined]
    result = evaluate_inputs(inputs, line_overrides={"yellow-line": moved_west(16)},
                             ranges=False, fast=True, incremental=True)
    assert json.loads(_result_json(dict(result.data))) == json.loads(
        json.dumps(result.to_dict()))
    odd = {"nan": math.nan, "inf": [-math.inf], "tuple": (1, (2.5, None)),
           "f32": np.float32(0.1), "f64": np.float64(1 / 3), "i64": np.int64(2**40),
           "flag": np.bool_(True), "deep": {"x": [np.float64("nan")]}}
    expected = {"nan": None, "inf": [None], "tuple": [1, [2.5, None]],
                "f32": float(np.float32(0.1)), "f64": 1 / 3, "i64": 2**40, "flag": True,
                "deep": {"x": [None]}}  # float32 as to_dict makes it: the double it holds
    assert json.loads(_result_json(odd)) == expected == json.loads(
        json.dumps(json_ready(odd)))
    assert json.loads(_result_json({"k": {3: 1.0}})) == {"k": {"3": 1.0}}  # via to_dict


def test_checked_lines_are_not_checked_again(client: TestClient) -> None:
    from shapely.geometry import LineString

    from zoneplan.errors import GeometryError

    inputs = client.app.state.plans.prepared(PLAN)  # type: ignore[attr-defined]
    checked = inputs.check_lines({"yellow-line": moved_west(16)})["yellow-line"]
    assert inputs.check_lines({"yellow-line": checked})["yellow-line"] is checked
    # a line that was never checked is, even given as a LineString
    loop = LineString([(34.3, 31.6), (34.5, 31.3), (34.5, 31.5), (34.3, 31.3)])
    with pytest.raises(GeometryError, match="crosses itself"):
        inputs.check_lines({"yellow-line": loop})
    far = LineString([(38.3, 31.6), (38.5, 31.3)])  # far from the Strip
    with pytest.raises(GeometryError):
        inputs.check_lines({"yellow-line": far})


def test_static_is_a_fixed_list(client: TestClient) -> None:
    assert client.get("/static/app.js").status_code == 200
    for name in ("../web.py", "..%2Fweb.py", "index.html", "%2e%2e%2f__init__.py"):
        assert client.get(f"/static/{name}").status_code == 404


# ----------------------------------------------------------------------------- saving


def save(client: TestClient, **kw: Any) -> Any:
    body = {"plan": PLAN, "lines": {"yellow-line": moved_west(16)}, "id": "gr-west",
            "title": "Green/red with the line 1 km west at one point"} | kw
    return client.post("/api/save", json=body)


def test_save_writes_new_plan_and_reloads(client: TestClient, save_dir: Path) -> None:
    r = save(client, id="gr-west-1")
    assert r.status_code == 201, r.text
    path = save_dir / "gr-west-1.yaml"
    assert r.json()["path"] == str(path) and path.is_file()
    assert [p.name for p in save_dir.iterdir() if p.name.startswith(".")] == []  # no temp files
    plan = zoneplan.load_plan(path)
    assert plan.id == "gr-west-1" and plan.status == "hypothetical"
    line = plan.lines[0]
    assert line.coordinates is not None and line.layer is None
    assert line.sources[0].startswith("zoneplan-edit-")
    assert any("line editor" in n for n in plan.notes)
    # listed and evaluable by id, with the same figures as the edit
    assert "gr-west-1" in {p["id"] for p in client.get("/api/plans").json()["plans"]}
    saved = client.post("/api/evaluate", json={"plan": "gr-west-1", "ranges": False}).json()
    edit = client.post("/api/evaluate", json={"plan": PLAN, "ranges": False, "lines": {
        "yellow-line": moved_west(16)}}).json()
    assert zone(saved, "green")["area_km2"] == pytest.approx(zone(edit, "green")["area_km2"],
                                                             rel=1e-6)


def test_save_refuses_to_overwrite_without_consent(client: TestClient, save_dir: Path) -> None:
    assert save(client, id="gr-west-2").status_code == 201
    before = (save_dir / "gr-west-2.yaml").read_text()
    r = save(client, id="gr-west-2", title="changed")
    assert r.status_code == 409 and "overwrite" in detail(r)["suggestion"]
    assert (save_dir / "gr-west-2.yaml").read_text() == before
    r = save(client, id="gr-west-2", title="changed", overwrite=True)
    assert r.status_code == 201 and r.json()["overwritten"] is True
    assert "title: changed" in (save_dir / "gr-west-2.yaml").read_text()


@pytest.mark.parametrize("bad_id,status", [
    ("../escape", 422), ("/tmp/x", 422), (".hidden", 422), ("a" * 81, 422), ("", 422),
    (PLAN, 409),
])
def test_save_ids_stay_in_the_folder(client: TestClient, save_dir: Path, bad_id: str,
                                     status: int) -> None:
    r = save(client, id=bad_id)
    assert r.status_code == status
    assert not (save_dir.parent / "escape.yaml").exists()


def test_save_refuses_bad_line(client: TestClient, save_dir: Path) -> None:
    r = save(client, id="bad-line", lines={"yellow-line": [[34.0, 31.0], [34.1, 31.0]]})
    assert r.status_code == 422
    assert not (save_dir / "bad-line.yaml").exists()


def test_save_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(zoneplan.errors.InputError):
        create_app(PLAN, save_dir=tmp_path / "missing")


def test_cli_serve_registers() -> None:
    import typer
    from typer.testing import CliRunner

    from zoneplan.cli import serve as cli_serve

    app = typer.Typer()
    cli_serve.register(app)

    @app.command()
    def other() -> None:  # a second command, so typer keeps "serve" as a subcommand
        pass

    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--save-dir" in r.output and "--host" in r.output


def test_fast_evaluation_is_flagged_and_close(client: TestClient) -> None:
    line = moved_west(16)
    exact = client.post("/api/evaluate", json={"plan": PLAN, "lines": {"yellow-line": line},
                                               "ranges": False}).json()
    fast = client.post("/api/evaluate", json={"plan": PLAN, "lines": {"yellow-line": line},
                                              "ranges": False, "fast": True}).json()
    assert exact["approximate"] is False and fast["approximate"] is True
    assert any("Approximate figures" in n for n in fast["notes"])
    for key in ("area_km2", "residents"):  # areas are exact; people within 0.1%
        assert zone(fast, "green")[key] == pytest.approx(zone(exact, "green")[key], rel=1e-3)
    assert zone(fast, "green")["residents_baseline"] == pytest.approx(
        zone(exact, "green")["residents_baseline"], rel=1e-3)
    assert fast["invariants"]["residents_conserved"]


# ------------------------------------------------------------------ several pages at once


def _requests_for_pages() -> list[dict[str, Any]]:
    """Sixteen updates as four pages would send them: each drags a vertex of its own
    (west and east, 200-800 m), fast and exact alternating."""
    out = []
    for page, vertex in enumerate((9, 16, 5, 20)):
        for step in range(4):
            km = (0.2 + 0.2 * step) * (1 if page % 2 else -1)
            out.append({"plan": PLAN, "lines": {"yellow-line": moved_west(vertex, km)},
                        "ranges": False, "fast": step % 2 == 0})
    return out


@pytest.mark.slow
def test_concurrent_requests_equal_serial_ones(save_dir: Path) -> None:
    """Sixteen updates sent from eight threads at once, in another order than the serial
    run, answer the very JSON (every figure to the last bit) the same updates answer
    one at a time: no request sees another's incremental state."""
    import concurrent.futures
    import random

    bodies = _requests_for_pages()
    app = create_app(PLAN, save_dir=save_dir, workers=4)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        serial = [without_time(c.post("/api/evaluate", json=b).json()) for b in bodies]
        order = list(range(len(bodies)))
        random.Random(7).shuffle(order)

        def send(k: int) -> tuple[int, Any]:
            r = c.post("/api/evaluate", json=bodies[k])
            assert r.status_code == 200, r.text
            return k, without_time(r.json())

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            got = dict(pool.map(send, order))
    assert len({json.dumps(s["zones"]) for s in serial}) > 8  # the requests differ
    for k, expected in enumerate(serial):
        assert json.dumps(got[k], sort_keys=True) == json.dumps(expected, sort_keys=True), k


def test_busy_editor_answers_503_with_retry_after(save_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the bound of evaluations under way a request is answered at once: 503, a
    Retry-After header and the editor's JSON error; the evaluation under way finishes."""
    import threading

    from zoneplan.web import app as web_app

    entered, release = threading.Event(), threading.Event()
    real = web_app.evaluate_inputs

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(web_app, "evaluate_inputs", held)
    app = create_app(PLAN, save_dir=save_dir, workers=1, max_in_flight=1)
    body = {"plan": PLAN, "lines": {"yellow-line": moved_west(16)}, "ranges": False,
            "fast": True}
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first: list[Any] = []
        t = threading.Thread(target=lambda: first.append(c.post("/api/evaluate", json=body)))
        t.start()
        try:
            assert entered.wait(60)
            busy = c.post("/api/evaluate", json=body)
            layers = c.get("/api/layers", params={"plan": PLAN})
        finally:
            release.set()
            t.join(60)
        assert busy.status_code == 503 and layers.status_code == 503
        assert busy.headers["retry-after"] == "1"
        assert busy.headers["content-type"].startswith("application/json")
        d = detail(busy)
        assert set(d) == {"message", "suggestion", "line"}
        assert "busy" in d["message"] and d["suggestion"]
        assert first and first[0].status_code == 200
        assert c.post("/api/evaluate", json=body).status_code == 200  # free again


# --- facts as of a date (issue 26) --------------------------------------------------------


def _crossing_states(d: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["state"] for c in d["crossings"]}


def test_evaluate_as_of_uses_the_facts_of_that_date(client: TestClient) -> None:
    own = client.post("/api/evaluate", json={"plan": PLAN, "ranges": False}).json()
    later = client.post("/api/evaluate", json={"plan": PLAN, "ranges": False,
                                               "as_of": "2026-03-01"}).json()
    assert own["plan"]["as_of"] == "2025-11-14" and later["plan"]["as_of"] == "2026-03-01"
    # crossing_status_history.csv: Kerem Shalom open for aid from 20 Oct 2025, closed
    # 28 Feb - 3 Mar 2026; Zikim and Kissufim closed from 1 Mar 2026
    assert [_crossing_states(own)[k] for k in ("kerem_shalom", "zikim", "kissufim")] == \
        ["open", "open", "open"]
    assert [_crossing_states(later)[k] for k in ("kerem_shalom", "zikim", "kissufim")] == \
        ["closed", "closed", "closed"]
    assert zone(own, "green")["crossings_open"] == 1
    assert zone(later, "green")["crossings_open"] == 0
    # the Dec 2025 and Jan 2026 marker variants: later evidence on the plan's date, used
    # on 1 March 2026; the February 2026 offer of Indonesia likewise
    own_later = {e["id"] for e in own["later_evidence"]}
    assert {"markers-200m-west", "markers-300m-west", "Indonesia (offered)"} <= own_later
    assert not {"markers-200m-west", "markers-300m-west"} & {
        e["id"] for e in later["later_evidence"]}
    assert [v["id"] for v in later["lines"][0]["variants"]] == ["markers-200m-west",
                                                                "markers-300m-west"]
    assert sum(f["personnel"] for f in later["forces"]) == \
        sum(f["personnel"] for f in own["forces"]) + 8000
    # the central figures of the line as drawn are the same at both dates
    assert zone(later, "green")["area_km2"] == zone(own, "green")["area_km2"]


def test_evaluate_as_of_with_a_dragged_line(client: TestClient) -> None:
    body = {"plan": PLAN, "ranges": False, "lines": {"yellow-line": moved_west(3)}}
    a = client.post("/api/evaluate", json=body).json()
    b = client.post("/api/evaluate", json={**body, "as_of": "2026-03-01"}).json()
    assert zone(a, "green")["area_km2"] == pytest.approx(zone(b, "green")["area_km2"],
                                                         rel=1e-12)
    assert b["plan"]["as_of"] == "2026-03-01" and zone(b, "green")["crossings_open"] == 0
    empty = client.post("/api/evaluate", json={**body, "as_of": ""}).json()
    assert empty["plan"]["as_of"] == "2025-11-14"  # empty: the plan's own date


@pytest.mark.parametrize("as_of, says", [
    ("2026-02-30", "'as_of': '2026-02-30' is not a date"),
    ("01/03/2026", "'as_of': '01/03/2026' is not a date"),
])
def test_evaluate_refuses_an_as_of_that_is_not_a_date(client: TestClient, as_of: str,
                                                      says: str) -> None:
    r = client.post("/api/evaluate", json={"plan": PLAN, "as_of": as_of})
    assert r.status_code == 422
    assert detail(r)["message"] == says and "YYYY-MM-DD" in detail(r)["suggestion"]


def test_the_page_has_a_date_for_the_facts(client: TestClient) -> None:
    page = client.get("/").text
    js = client.get("/static/app.js").text
    assert 'id="as-of"' in page and 'type="date"' in page
    assert "as_of: state.asOf || null" in js
