"""The live line editor: a small FastAPI app serving a hand-written SVG page and a JSON API.

The page (``zoneplan/web/static/``: ``index.html``, ``app.js``, ``app.css``) draws the
plan's own layers (no tile server, no external URL) and lets the user drag, add and remove
the vertices of a plan's lines while the per-zone figures update.

This module holds the app (:func:`create_app`: routes, security headers, how errors are
answered) and :func:`serve`. What the browser sends is checked in
:mod:`zoneplan.web.checks`, plans are found and cached by :mod:`zoneplan.web.plans`, what
the page draws is built by :mod:`zoneplan.web.payloads` and edited plans are written by
:mod:`zoneplan.web.saving`.

API (all JSON, UTF-8; request bodies at most :data:`MAX_BODY_BYTES`):

``GET /api/plans``
    The built-in plans, the plan the server was started with and the plans saved in
    the save folder; under ``skipped``, the save folder's files that cannot be opened
    (``file`` and ``note``: why), so that one bad file does not break the list.
``GET /api/layers?plan=ID``
    Territory and hospitals as GeoJSON, residents per display cell as columns.
``POST /api/evaluate``
    ``{"plan": <id or inline plan>, "lines": {<line id>: [[lon, lat], ...]},
    "ranges": true, "fast": false, "map": false, "as_of": null}`` → the JSON of ``zoneplan
    run --format json`` (plus a ``map`` key with the zone polygons when ``"map": true``).
    ``"fast": true`` gives approximate figures quickly, for a line being dragged
    (``approximate`` says so; see :func:`zoneplan.evaluate.evaluate_inputs`). ``"as_of":
    "YYYY-MM-DD"`` evaluates with the facts known at that date, as ``zoneplan run
    --as-of`` (``null`` or ``""``: the plan's own date).
``POST /api/save``
    ``{"plan": ..., "lines": {...}, "id": "new-id", "title": "...", "overwrite": false}``
    → writes ``<save folder>/<new-id>.yaml`` atomically; 409 if it exists.

Bad lines, plans and coordinates answer 422 with ``{"detail": {"message", "suggestion",
"line"}}``; every other error (unknown path 404, wrong method 405, wrong ``Host`` 400,
too many evaluations under way 503 with ``Retry-After``, a bug 500) answers a JSON body
of the same shape.

Several pages may use one editor at once: evaluations run on a small pool of worker
threads (:data:`EVAL_WORKERS`) over the plans' prepared inputs, shared and read-only, with
no lock around them; each request patches an incremental state of its own
(:mod:`zoneplan.measure.sums.incremental`), so its figures are those of the same request
evaluated alone. At most :data:`MAX_IN_FLIGHT` evaluations are running or waiting for a
worker; a request past that is answered 503 at once, with ``Retry-After``.

The browser never names a file: plans are chosen by id, inline plans may use built-in
layers (``gaza:...``) only, and nothing is written outside the save folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import shapely
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zoneplan.errors import InputError, OutputExistsError, ZoneplanError
from zoneplan.evaluate import evaluate_inputs
from zoneplan.plan import DEFAULT_PLAN, Plan, load_plan
from zoneplan.result import json_ready
from zoneplan.web.checks import (
    EvaluateRequest,
    SaveRequest,
    WebError,
    check_as_of,
    check_lines,
    read_body,
)
from zoneplan.web.payloads import layers_json, map_json
from zoneplan.web.plans import PlanStore
from zoneplan.web.saving import save_edited

__all__ = ["EVAL_WORKERS", "MAX_BODY_BYTES", "MAX_IN_FLIGHT", "RETRY_AFTER_S", "WebError",
           "create_app", "serve"]

WEB_DIR = Path(__file__).parent / "static"
"""The page's files."""
STATIC = {"app.js": "text/javascript", "app.css": "text/css", "favicon.svg": "image/svg+xml"}
"""The files served under ``/static/`` and their media types (nothing else is)."""
MAX_BODY_BYTES = 1_000_000
"""Largest accepted request body, bytes (larger: 413)."""
EVAL_WORKERS = min(4, max(2, os.cpu_count() or 2))
"""Worker threads evaluating at once: one per core, two to four. Evaluation is numpy and
GEOS work that releases the GIL only in parts; more threads would only add memory (each
thread's allocator arena and PROJ context: 8 clients sending 400 fast updates grew the
server by 12 MB on two workers, 21 MB on four, at the same speed on two cores)."""
MAX_IN_FLIGHT = 32
"""Most evaluations running or waiting for a worker (four per page for eight pages
dragging at once); past it a request is answered 503 with ``Retry-After``."""
RETRY_AFTER_S = 1
"""Seconds a client is asked to wait before sending again after a 503 (the
``Retry-After`` header)."""
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host names of this machine only: the default ``Host`` names answered, and listening on
any other address prints a warning."""
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
"""Content-Security-Policy of every response: the page loads nothing from elsewhere."""


SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
"""Headers of every response."""

try:  # a faster encoder when installed; the page parses the JSON, it never compares bytes
    import orjson
except ImportError:  # pragma: no cover - orjson is optional
    orjson = None  # type: ignore[assignment]


def _dumps(data: Any) -> bytes:
    """JSON text (UTF-8) of plain data: by orjson where it is installed and can encode
    it (about ten times faster than :func:`json.dumps`; numbers written to the shortest
    text that reads back as the same double, so the page parses the same values), else by
    :func:`json.dumps` (no NaN)."""
    if orjson is not None:
        try:
            return orjson.dumps(data)
        except TypeError:  # a type orjson does not write (e.g. a numpy scalar)
            pass
    return json.dumps(data, ensure_ascii=False, allow_nan=False).encode()


def _result_json(data: dict[str, Any]) -> bytes:
    """JSON text (UTF-8) of a result's data (with its ``map``), the values of
    :meth:`~zoneplan.result.Result.to_dict`: orjson writes the data as it is, NaN and
    infinity as null and tuples as arrays as ``to_dict`` makes them, a numpy scalar through
    its ``item()`` as ``to_dict`` does; data it refuses (keys that are not strings,
    integers past 64 bits) and every result without orjson go through ``to_dict`` and
    :func:`_dumps`. Saves the JSON-safe copy of the whole result on every update."""
    if orjson is not None:
        try:
            return orjson.dumps(data, default=_item)
        except TypeError:
            pass
    return _dumps(json_ready(data))


def _item(obj: Any) -> Any:
    """A numpy scalar as the Python number or bool it holds (orjson's ``default``)."""
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return obj.item()
    raise TypeError(f"{type(obj).__name__} is not JSON")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (UTF-8, no NaN)."""
    return _raw_json(_dumps(data), status, headers)


def _raw_json(body: bytes, status: int = 200, headers: dict[str, str] | None = None
              ) -> Response:
    """A response of JSON text already made."""
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(exc: WebError) -> Response:
    """The JSON answer to an error: ``{"detail": {"message", "suggestion", "line"}}``."""
    return _json({"detail": exc.detail()}, exc.status, headers=exc.headers)


def _host_allowed(header: str, allowed: list[str]) -> bool:
    """Whether a ``Host`` header names one of ``allowed`` (``"*"``: any), port ignored.

    Examples
    --------
    >>> _host_allowed("127.0.0.1:8765", ["127.0.0.1"]), _host_allowed("[::1]:80", ["[::1]"])
    (True, True)
    >>> _host_allowed("attacker.example", ["127.0.0.1", "localhost"])
    False
    """
    if "*" in allowed:
        return True
    host = header.strip().lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return bool(host) and (host in allowed or host.strip("[]") in allowed)


def create_app(plan: str | Path | Plan | None = None, *, save_dir: str | Path,
               max_body: int = MAX_BODY_BYTES,
               allowed_hosts: list[str] | None = None, workers: int = EVAL_WORKERS,
               max_in_flight: int = MAX_IN_FLIGHT) -> FastAPI:
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
    workers
        Worker threads evaluating at once (at least 1).
    max_in_flight
        Most evaluations running or waiting for a worker; past it requests are answered
        503 with ``Retry-After`` (at least ``workers``).

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
    plans = PlanStore(start, folder)
    workers = max(1, workers)
    max_in_flight = max(workers, max_in_flight)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="zoneplan-eval")
    in_flight = 0  # changed on the event loop only
    hosts = allowed_hosts or list(LOOPBACK)
    app = FastAPI(title="zoneplan editor", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.plans = plans
    weakref.finalize(app, pool.shutdown, wait=False)
    app.add_middleware(_Guard, hosts=hosts)

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return _error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        words = {404: "not found", 405: f"{request.method} is not accepted here"}
        return _error(WebError(exc.status_code, words.get(exc.status_code, str(exc.detail)),
                               suggestion="see the API in the README"))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        err = exc.errors()[0] if exc.errors() else {}
        where = ".".join(map(str, err.get("loc", ())))
        return _error(WebError(422, f"bad request: {where}: {err.get('msg', 'invalid')}",
                               suggestion="see the API in the README"))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        return _error(WebError(500, f"internal error: {type(exc).__name__}: {exc}",
                               suggestion="this is a bug in zoneplan; please report it with "
                               "the request that caused it"))

    async def _run(fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on a worker thread, or answer 503 if too many are under way."""
        nonlocal in_flight
        if in_flight >= max_in_flight:
            raise WebError(503, f"the editor is busy: {in_flight} evaluations are under way",
                           suggestion=f"try again in {RETRY_AFTER_S} s",
                           headers={"Retry-After": str(RETRY_AFTER_S)})
        loop = asyncio.get_running_loop()
        job = pool.submit(_call, fn)
        in_flight += 1
        # counted until the work itself ends, also when the client has gone away
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(_done))
        return await asyncio.wrap_future(job)

    def _done() -> None:
        nonlocal in_flight
        in_flight -= 1

    def _call(fn: Callable[[], Any]) -> Any:
        """Call ``fn`` (on a worker thread), its errors turned into :class:`WebError`."""
        try:
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

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(WEB_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in STATIC:  # a fixed list: no path from the browser reaches the disk
            raise WebError(404, "not found")
        return FileResponse(WEB_DIR / name, media_type=STATIC[name])

    @app.get("/api/plans")
    def api_plans() -> Response:
        listed, skipped = plans.listing_and_skipped()
        return _json({"start": start.id, "save_dir": str(folder), "plans": listed,
                      "skipped": skipped})

    @app.get("/api/layers")
    async def api_layers(plan: str = start.id) -> Response:
        return _json(await _run(lambda: layers_json(plans.prepared(plan))))

    @app.post("/api/evaluate")
    async def api_evaluate(request: Request) -> Response:
        body = await read_body(request, EvaluateRequest, max_body)
        as_of = check_as_of(body.as_of)

        def work() -> tuple[bytes, float, float]:
            inputs = plans.prepared(body.plan, as_of)
            lines = check_lines(inputs, body.lines)
            t0, c0 = time.perf_counter(), time.thread_time()
            result = evaluate_inputs(inputs, line_overrides=lines, ranges=body.ranges,
                                     fast=body.fast, incremental=True)  # checked above
            data: dict[str, Any] = dict(result.data)
            if body.map:  # the page's payload: the result and its map, side by side
                data["map"] = map_json(result)
            text = _result_json(data)  # written here, not on the event loop
            ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
            return text, ms, cpu

        text, ms, cpu = await _run(work)
        return _raw_json(text, headers={
            "Server-Timing": f"evaluate;dur={ms:.1f}, cpu;dur={cpu:.1f}"})

    @app.post("/api/save")
    async def api_save(request: Request) -> Response:
        body = await read_body(request, SaveRequest, max_body)
        return _json(await _run(lambda: save_edited(plans, body)), 201)

    return app


class _Guard:
    """ASGI middleware: answers 400 to a ``Host`` not in ``hosts`` (against DNS
    rebinding) and adds :data:`SECURITY_HEADERS` to every response.

    A plain ASGI middleware, not ``@app.middleware("http")``: that one runs each request
    through a task and memory streams of its own, work on the event loop that every
    request of every page waits behind.
    """

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        if not _host_allowed(Headers(scope=scope).get("host", ""), self.hosts):
            response = _error(WebError(400, "this editor does not answer to that host name",
                                       suggestion="open it at http://127.0.0.1:<port>/"))
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


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
