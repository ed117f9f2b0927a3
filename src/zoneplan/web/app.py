"""The live line editor: a small FastAPI app serving a hand-written SVG page and a JSON API.

The page (``zoneplan/web/index.html``, ``app.js``, ``app.css``) draws the plan's own
layers (no tile server, no external URL) and lets the user drag, add and remove the
vertices of a plan's lines while the per-zone figures update.

API (all JSON, UTF-8; request bodies at most :data:`MAX_BODY_BYTES`):

``GET /api/plans``
    The built-in plans, the plan the server was started with and the plans saved in
    the save folder.
``GET /api/layers?plan=ID``
    Territory and hospitals as GeoJSON, residents per display cell as columns.
``POST /api/evaluate``
    ``{"plan": <id or inline plan>, "lines": {<line id>: [[lon, lat], ...]},
    "ranges": true, "fast": false, "map": false}`` → the JSON of ``zoneplan run --format
    json`` (plus a ``map`` key with the zone polygons when ``"map": true``). ``"fast":
    true`` gives approximate figures quickly, for a line being dragged (``approximate``
    says so; see :func:`zoneplan.evaluate.evaluate_inputs`).
``POST /api/save``
    ``{"plan": ..., "lines": {...}, "id": "new-id", "title": "...", "overwrite": false}``
    → writes ``<save folder>/<new-id>.yaml`` atomically; 409 if it exists.

Bad lines, plans and coordinates answer 422 with ``{"detail": {"message", "suggestion",
"line"}}``. The browser never names a file: plans are chosen by id, inline plans may
use built-in layers (``gaza:...``) only, and nothing is written outside the save folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pyproj import Transformer
from shapely.geometry import LineString
from shapely.ops import polylabel
from starlette.concurrency import run_in_threadpool
from starlette.middleware.trustedhost import TrustedHostMiddleware

from zoneplan.errors import InputError, OutputExistsError, ZoneplanError
from zoneplan.evaluate import evaluate_inputs
from zoneplan.geometry import to_lonlat
from zoneplan.io.outputs import write_text_atomic
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.plan import DEFAULT_PLAN, Plan, builtin_plan_ids, load_plan
from zoneplan.render.text import ACCESS_COLOURS

__all__ = ["MAX_BODY_BYTES", "WebError", "create_app", "serve"]

WEB_DIR = Path(__file__).parent / "static"
STATIC = {"app.js": "text/javascript", "app.css": "text/css"}
MAX_BODY_BYTES = 1_000_000
"""Largest accepted request body, bytes (larger: 413)."""
MAX_VERTICES = 5000
"""Most vertices accepted for one line."""
MAX_DISTANCE_DEG = 1.0
"""Vertices farther than this (degrees) outside the territory's bounds are refused."""
DISPLAY_CELLS = 20_000
"""Most residents cells sent to the page; finer grids are aggregated for display."""
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


class WebError(Exception):
    """An error answered to the browser with an HTTP status and a JSON detail."""

    def __init__(self, status: int, message: str, *, suggestion: str | None = None,
                 line: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.suggestion, self.line = status, message, suggestion, line

    def detail(self) -> dict[str, Any]:
        """The JSON ``detail`` object."""
        return {"message": self.message, "suggestion": self.suggestion, "line": self.line}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str | dict[str, Any] = DEFAULT_PLAN
    lines: dict[str, list[list[float]]] = Field(default_factory=dict)


class EvaluateRequest(_Body):
    """Body of ``POST /api/evaluate``."""

    ranges: bool = True
    fast: bool = False
    map: bool = False


class SaveRequest(_Body):
    """Body of ``POST /api/save``."""

    id: str
    title: str = Field(min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=2000)
    overwrite: bool = False


# --------------------------------------------------------------------------- checks


def refuse_files(data: Any, where: str = "plan") -> None:
    """Refuse an inline plan that names a file on the server (422).

    Inline plans may use built-in layers (``gaza:...``) and inline coordinates only.
    """
    hint = ("inline plans may use built-in layers (gaza:...) and inline coordinates only; "
            "to use files, start `zoneplan serve your-plan.yaml` on the server")
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{where}.{k}"
            if k in ("file", "path") and v is not None and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, f"{key}: an inline plan cannot name a file", suggestion=hint)
            if k == "territory" and where == "plan" and not (
                    isinstance(v, str) and v.startswith("gaza:")):
                raise WebError(422, "plan.territory: an inline plan cannot name a file",
                               suggestion=hint)
            refuse_files(v, key)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            refuse_files(v, f"{where}[{i}]")
    elif isinstance(data, str) and data.strip().lower().startswith("file:"):
        raise WebError(422, f"{where}: file: references are not accepted", suggestion=hint)


def check_line(line_id: str, coords: list[list[float]], bounds: tuple[float, ...]) -> LineString:
    """Validate one line of ``[lon, lat]`` pairs from the browser; 422 with a message if bad."""
    if not 2 <= len(coords) <= MAX_VERTICES:
        raise WebError(422, f"line '{line_id}' has {len(coords)} points; it needs 2 to "
                       f"{MAX_VERTICES}", suggestion="add a point, or simplify the line",
                       line=line_id)
    minx, miny, maxx, maxy = bounds
    pts: list[tuple[float, float]] = []
    for i, p in enumerate(coords):
        if len(p) != 2 or not all(math.isfinite(v) for v in p):
            raise WebError(422, f"line '{line_id}', point {i}: expected [longitude, latitude] "
                           f"as two finite numbers, got {p}", line=line_id)
        lon, lat = p
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise WebError(422, f"line '{line_id}', point {i}: [{lon}, {lat}] is not a "
                           "longitude/latitude in degrees", suggestion="coordinates are "
                           "[longitude, latitude], WGS 84 — are they swapped?", line=line_id)
        if not (minx - MAX_DISTANCE_DEG <= lon <= maxx + MAX_DISTANCE_DEG
                and miny - MAX_DISTANCE_DEG <= lat <= maxy + MAX_DISTANCE_DEG):
            raise WebError(422, f"line '{line_id}', point {i}: [{lon}, {lat}] lies more than "
                           f"{MAX_DISTANCE_DEG:g}° (about 100 km) outside the territory",
                           suggestion="move the point back near the territory", line=line_id)
        if not pts or pts[-1] != (lon, lat):
            pts.append((lon, lat))
    if len(pts) < 2:
        raise WebError(422, f"line '{line_id}' has all its points in one place",
                       suggestion="spread the points out", line=line_id)
    line = LineString(pts)
    if not line.is_simple:
        where = _self_crossing(line)
        raise WebError(422, f"line '{line_id}' crosses itself{where}",
                       suggestion="move the points so that the line does not loop back "
                       "over itself", line=line_id)
    return line


def _self_crossing(line: LineString) -> str:
    noded = shapely.get_coordinates(shapely.node(line))
    uniq, counts = np.unique(np.round(noded, 9), axis=0, return_counts=True)
    ends = {tuple(np.round(line.coords[0], 9)), tuple(np.round(line.coords[-1], 9))}
    for xy, n in zip(uniq, counts, strict=True):
        if n > 2 or (n > 1 and tuple(xy) not in ends):
            return f" near lon {xy[0]:.5f}, lat {xy[1]:.5f}"
    return ""


# --------------------------------------------------------------------------- plans


class _Plans:
    """Plans by id (start-up plan, built-in, saved) and their prepared inputs, cached."""

    def __init__(self, start: Plan | None, save_dir: Path, size: int = 16) -> None:
        self.start = start
        self.save_dir = save_dir
        self._cache: OrderedDict[str, Inputs] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def saved_path(self, plan_id: str) -> Path | None:
        if not ID_RE.match(plan_id):
            return None
        p = self.save_dir / f"{plan_id}.yaml"
        return p if p.is_file() else None

    def source(self, ref: str | dict[str, Any]) -> tuple[str, dict[str, Any] | None, Plan | None]:
        """Cache key, the plan as a mapping (for saving) and the loaded plan if at hand."""
        if isinstance(ref, dict):
            refuse_files(ref)
            blob = json.dumps(ref, sort_keys=True, ensure_ascii=False)
            return "inline:" + hashlib.sha256(blob.encode()).hexdigest(), ref, None
        if self.start is not None and ref == self.start.id:
            src = _read_yaml(Path(self.start.path)) if self.start.path else None
            return "start:" + ref, src, self.start
        if ref in builtin_plan_ids():
            plan = load_plan(ref)
            return "builtin:" + ref, _read_yaml(Path(str(plan.path))), plan
        saved = self.saved_path(ref)
        if saved is not None:
            data = _read_yaml(saved)
            refuse_files(data)
            return f"saved:{ref}:{saved.stat().st_mtime_ns}", data, None
        raise WebError(422, f"no plan called '{ref}'",
                       suggestion="choose one of GET /api/plans, or send the plan inline")

    def inputs(self, ref: str | dict[str, Any]) -> tuple[Inputs, dict[str, Any] | None]:
        key, data, plan = self.source(ref)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit, data
        if plan is None:
            assert data is not None
            plan = load_plan(data, base_dir=self.save_dir)
        inputs = prepare(plan)
        with self._lock:
            self._cache[key] = inputs
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return inputs, data

    def listing(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        if self.start is not None and self.start.id not in builtin_plan_ids():
            out.append(_summary(self.start, "start"))
            seen.add(self.start.id)
        for pid in builtin_plan_ids():
            out.append(_summary(load_plan(pid), "built-in"))
            seen.add(pid)
        for p in sorted(self.save_dir.glob("*.yaml")):
            if p.stem in seen or not ID_RE.match(p.stem):
                continue
            try:
                data = _read_yaml(p)
                refuse_files(data)
                out.append(_summary(load_plan(data, base_dir=self.save_dir), "saved"))
            except (ZoneplanError, WebError, yaml.YAMLError, OSError):
                continue  # not a plan this editor can open
        return out


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise WebError(422, f"{path.name} is not a plan")
    return data


def _summary(plan: Plan, kind: str) -> dict[str, Any]:
    return {"id": plan.id, "title": plan.title, "date": plan.date, "status": plan.status,
            "kind": kind, "default": plan.id == DEFAULT_PLAN,
            "lines": [{"id": ln.id, "label": ln.label or ln.id} for ln in plan.lines],
            "zones": [{"id": z.id, "label": z.label, "access": z.access} for z in plan.zones]}


# --------------------------------------------------------------------------- layers


def _round_geojson(geom: Any, digits: int = 5) -> dict[str, Any]:
    g = shapely.transform(geom, lambda a: np.round(a, digits))
    return json.loads(shapely.to_geojson(g))


def layers_json(inputs: Inputs) -> dict[str, Any]:
    """Territory, hospitals and residents per display cell (WGS 84) for the page."""
    pop = inputs.population
    grid = pop.grid
    size = max(grid.cell_size, math.sqrt(grid.total_area_m2() / DISPLAY_CELLS))
    sq = grid.squares(size)  # display cells: squares of that size holding the cells
    people, area = sq.sums(pop.counts[pop.central]), sq.sums(grid.area_m2)
    used = np.flatnonzero(area > 0)
    people, area = people[used], area[used]
    xy = sq.centres(used)
    lon, lat = Transformer.from_crs(pop.crs, "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1])
    keep = people > 0
    hospitals: list[dict[str, Any]] = []
    if inputs.hospitals is not None:
        gdf = inputs.hospitals.gdf
        names = gdf["name"] if "name" in gdf.columns else [None] * len(gdf)
        for g, name in zip(gdf.geometry, names, strict=True):
            hospitals.append({"type": "Feature", "properties": {"name": name},
                              "geometry": _round_geojson(g)})
    return {
        "territory": {"type": "Feature", "properties": {"ref": inputs.plan.territory},
                      "geometry": _round_geojson(inputs.territory_ll)},
        "bounds": list(inputs.territory_ll.bounds),
        "access_colours": ACCESS_COLOURS,
        "hospitals": {"type": "FeatureCollection", "features": hospitals},
        "residents": {
            "label": pop.label, "spread": pop.central, "cell_m": size,
            "unit": "people per cell (pre-war baseline); density in people per km²",
            "lon": np.round(lon[keep], 5).tolist(), "lat": np.round(lat[keep], 5).tolist(),
            "people": np.round(people[keep], 1).tolist(),
            "per_km2": np.round(people[keep] / area[keep] * 1e6).tolist(),
        },
    }


def _label_point(geom: Any) -> Any:
    """A point well inside the largest part of a (multi)polygon, for its label."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    if not parts:
        return geom.representative_point()
    big = max(parts, key=lambda g: g.area)
    return polylabel(big.simplify(50.0) if big.simplify(50.0).is_valid else big, tolerance=100.0)


def map_json(result: Any) -> dict[str, Any]:
    """Zone polygons (WGS 84, simplified to 5 m for drawing) of a result."""
    feats = []
    for z in result.layout.zones:
        geom = to_lonlat(z.geometry.simplify(5.0), result.layout.crs)
        rp = to_lonlat(_label_point(z.geometry), result.layout.crs)
        feats.append({"type": "Feature", "geometry": _round_geojson(geom),
                      "properties": {"id": z.id, "label": z.spec.label, "access": z.spec.access,
                                     "label_point": [round(rp.x, 5), round(rp.y, 5)]}})
    return {"type": "FeatureCollection", "features": feats}


# --------------------------------------------------------------------------- saving


def edited_plan(data: dict[str, Any], lines: dict[str, LineString], *, new_id: str,
                title: str, note: str | None, today: str) -> dict[str, Any]:
    """A copy of a plan mapping with some lines replaced and the edit recorded."""
    out = json.loads(json.dumps(data))
    src_id = f"zoneplan-edit-{today}"
    old = out.get("id", "?")
    names = ", ".join(f"'{k}'" for k in lines)
    out["id"], out["title"], out["status"] = new_id, title, "hypothetical"
    out.setdefault("sources", []).append({
        "id": src_id, "publisher": "zoneplan serve (edit by hand)",
        "title": f"Line {names} of plan '{old}' redrawn in the zoneplan line editor",
        "date": today, "note": note or "Hypothetical course drawn by a user; not reported."})
    for spec in out.get("lines", []):
        if spec.get("id") in lines:
            was = spec.get("layer") or spec.get("file") or "inline coordinates"
            for k in ("layer", "file"):
                spec.pop(k, None)
            spec["coordinates"] = [[round(x, 7), round(y, 7)]
                                   for x, y in lines[spec["id"]].coords]
            spec["sources"] = [src_id, *[s for s in spec.get("sources", []) if s != src_id]]
            spec["note"] = (f"Redrawn by hand on {today} from {was} of plan '{old}'"
                            f" (coordinates rounded to 1e-7°). " + (spec.get("note") or "")).strip()
    out.setdefault("notes", []).append(
        f"Saved from the zoneplan line editor on {today}: plan '{old}' with line(s) {names} "
        "redrawn by hand; status set to hypothetical." + (f" {note}" if note else ""))
    return out


# --------------------------------------------------------------------------- app


async def _read_body(request: Request, model: type[_Body], limit: int) -> Any:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebError(415, "send the body as JSON (Content-Type: application/json)")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise WebError(413, f"the request body is larger than {limit:,} bytes")
    buf = bytearray()
    async for chunk in request.stream():
        buf.extend(chunk)
        if len(buf) > limit:
            raise WebError(413, f"the request body is larger than {limit:,} bytes")

    def _no_constants(name: str) -> None:
        raise ValueError(f"{name} is not a number")

    try:
        raw = json.loads(bytes(buf), parse_constant=_no_constants)
        return model.model_validate(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        msg = str(exc)
        if isinstance(exc, ValidationError):
            e = exc.errors()[0]
            msg = f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
        raise WebError(422, f"bad request body: {msg}",
                       suggestion="see the API in the README (POST /api/evaluate)") from None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, allow_nan=False)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def create_app(plan: str | Path | Plan | None = None, *, save_dir: str | Path,
               max_body: int = MAX_BODY_BYTES,
               allowed_hosts: list[str] | None = None) -> FastAPI:
    """Build the editor app.

    Parameters
    ----------
    plan
        Plan to open first: a built-in id, a plan file (it may use the server's files) or a
        :class:`~zoneplan.plan.Plan`; default ``green-red-2025-11``.
    save_dir
        The only folder "save as" writes into; it must exist.
    max_body
        Largest request body accepted, bytes (larger: 413).
    allowed_hosts
        Host names the app answers to (``Host`` header, against DNS rebinding); default
        the loopback names. ``["*"]`` accepts any.

    Returns
    -------
    FastAPI
        The app; serve it with uvicorn (see :func:`serve`).
    """
    start = plan if isinstance(plan, Plan) else load_plan(plan or DEFAULT_PLAN)
    folder = Path(save_dir).expanduser().resolve()
    if not folder.is_dir():
        raise InputError(f"the save folder {folder} does not exist",
                         suggestion="create it, or pass --save-dir with an existing folder")
    plans = _Plans(start, folder)
    eval_lock = threading.Lock()
    app = FastAPI(title="zoneplan editor", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or list(LOOPBACK))
    app.state.plans = plans

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return _json({"detail": exc.detail()}, exc.status)

    def _run(fn: Callable[[], Any]) -> Any:
        try:
            with eval_lock:
                return fn()
        except WebError:
            raise
        except OutputExistsError as exc:
            raise WebError(409, exc.message, suggestion="send \"overwrite\": true to replace "
                           "it, or choose another id") from None
        except ZoneplanError as exc:
            line = next((k for k in re.findall(r"line '([^']+)'", exc.message)), None)
            status = 422 if isinstance(exc, InputError) else 500
            raise WebError(status, exc.message, suggestion=exc.suggestion, line=line) from None
        except shapely.errors.GEOSException as exc:
            raise WebError(422, f"the geometry cannot be used: {exc}",
                           suggestion="move the points apart and try again") from None

    def _lines(inputs: Inputs, body: _Body) -> dict[str, LineString]:
        unknown = set(body.lines) - set(inputs.lines_ll)
        if unknown:
            raise WebError(422, f"no line called {', '.join(sorted(unknown))} in plan "
                           f"'{inputs.plan.id}'", suggestion="lines in this plan: "
                           + (", ".join(inputs.lines_ll) or "none"))
        bounds = inputs.territory_ll.bounds
        return {k: check_line(k, v, bounds) for k, v in body.lines.items()}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in STATIC:  # a fixed list: no path from the browser reaches the disk
            raise WebError(404, "not found")
        return FileResponse(WEB_DIR / name, media_type=STATIC[name])

    @app.get("/api/plans")
    def api_plans() -> Response:
        return _json({"start": start.id, "save_dir": str(folder), "plans": plans.listing()})

    @app.get("/api/layers")
    def api_layers(plan: str = start.id) -> Response:
        return _json(_run(lambda: layers_json(plans.inputs(plan)[0])))

    @app.post("/api/evaluate")
    async def api_evaluate(request: Request) -> Response:
        body = await _read_body(request, EvaluateRequest, max_body)

        def work() -> tuple[dict[str, Any], float]:
            inputs, _ = plans.inputs(body.plan)
            lines = _lines(inputs, body)
            t0 = time.perf_counter()
            result = evaluate_inputs(inputs, line_overrides={
                k: list(v.coords) for k, v in lines.items()}, ranges=body.ranges,
                fast=body.fast)
            data = result.to_dict()
            if body.map:
                data["map"] = map_json(result)
            return data, (time.perf_counter() - t0) * 1000

        data, ms = await run_in_threadpool(_run, work)
        return _json(data, headers={"Server-Timing": f"evaluate;dur={ms:.1f}"})

    @app.post("/api/save")
    async def api_save(request: Request) -> Response:
        body = await _read_body(request, SaveRequest, max_body)

        def work() -> dict[str, Any]:
            if not ID_RE.match(body.id):
                raise WebError(422, f"'{body.id}' cannot be a plan id", suggestion="use letters, "
                               "digits, '-', '_' and '.', starting with a letter or digit (at "
                               "most 80 characters)")
            if body.id in builtin_plan_ids() or body.id == start.id:
                raise WebError(409, f"'{body.id}' is the id of a plan that is not in the save "
                               "folder; it is never overwritten", suggestion="choose a new id")
            inputs, data = plans.inputs(body.plan)
            if data is None:
                raise WebError(422, "this plan has no file to start from")
            lines = _lines(inputs, body)
            evaluate_inputs(inputs, line_overrides={k: list(v.coords) for k, v in lines.items()},
                            ranges=False)  # refuse lines that do not make valid zones
            today = dt.date.today().isoformat()
            new = edited_plan(data, lines, new_id=body.id, title=body.title, note=body.note,
                              today=today)
            load_plan(new, base_dir=folder)  # the saved file must load again
            target = folder / f"{body.id}.yaml"
            if target.resolve().parent != folder:
                raise WebError(422, "the plan id does not make a file name in the save folder")
            existed = target.exists()
            header = (f"# Saved by zoneplan serve on {today} from plan '{data.get('id')}'.\n"
                      "# Line(s) redrawn by hand; see notes and sources.\n")
            text = header + yaml.safe_dump(new, sort_keys=False, allow_unicode=True, width=100)
            write_text_atomic(target, text, overwrite=body.overwrite)
            return {"id": body.id, "file": target.name, "path": str(target),
                    "overwritten": existed}

        return _json(await run_in_threadpool(_run, work), 201)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": {"message": "not found", "suggestion": None,
                                        "line": None}}, 404)

    return app


def serve(plan: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 8765,
          save_dir: str | Path = ".", echo: Callable[[str], None] = print) -> None:
    """Run the editor with uvicorn until interrupted.

    Parameters
    ----------
    plan
        Plan to open first (built-in id or plan file).
    host
        Address to listen on; only loopback by default. Any other prints a warning.
    port
        TCP port; 0 picks a free one.
    save_dir
        The folder "save as" writes into.
    echo
        Where the address and warnings are printed.
    """
    import socket

    import uvicorn

    loopback = host in LOOPBACK
    app = create_app(plan, save_dir=save_dir, allowed_hosts=None if loopback else ["*"])
    app.state.plans.inputs(app.state.plans.start.id)  # prepare the first plan before serving
    if port == 0:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host.strip("[]"), 0))
            port = int(s.getsockname()[1])
    if not loopback:
        echo(f"warning: listening on {host}: anyone who can reach this machine on port {port} "
             f"can use the editor and save plans into {Path(save_dir).resolve()}")
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    echo(f"zoneplan editor: http://{shown}:{port}/  (saves into {Path(save_dir).resolve()}; "
         "Ctrl+C to stop)")
    uvicorn.run(app, host=host.strip("[]"), port=port, log_level="warning")
