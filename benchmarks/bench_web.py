"""Benchmark: the line editor's update latency and the running server's memory.

For the Gaza pack (250 m grid) and, when raster reading is available, a 10 m
population raster over the Strip (made by ``bench_raster.make_raster``):

* 100 updates with the yellow line's middle vertex moved 10 m further west each time,
  through the app (fastapi TestClient: body parsing, checks, evaluation, JSON), as the
  page sends them while dragging (``ranges: false``, ``map: true``) and on release
  (``ranges: true``); p50/p95 in milliseconds;
* the same with ``evaluate_inputs(..., ranges=False)`` called directly, and where its
  time goes (cProfile, cumulative, per update);
* resident memory (``VmRSS``/``VmHWM`` from /proc) of ``zoneplan.web.serve`` running in
  its own process after the page's requests.

Run: ``PYTHONPATH=src python benchmarks/bench_web.py [--updates 100] [--no-raster]``.
Target (issue 5): p95 ≤ 20 ms per update, server side.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi.testclient import TestClient

from zoneplan import pack
from zoneplan.evaluate import evaluate_inputs
from zoneplan.web.app import create_app

PLAN = "green-red-2025-11"
VERTEX = 16
M_PER_DEG_LON = 111_320 * 0.8535  # at 31.4° N


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) by nearest rank."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, round(q * len(s)) - 1))]


def moved(k: int) -> list[tuple[float, float]]:
    """The yellow line with its middle vertex ``10 k`` metres west."""
    line = [(float(x), float(y)) for x, y in pack.yellow_line().coords]
    x, y = line[VERTEX]
    line[VERTEX] = (x - 10.0 * k / M_PER_DEG_LON, y)
    return line


def through_app(client: TestClient, plan: str, n: int, *, ranges: bool,
                map_: bool, fast: bool = False) -> tuple[list[float], list[float]]:
    """Round-trip and Server-Timing milliseconds of ``n`` updates."""
    body: dict[str, Any] = {"plan": plan, "ranges": ranges, "map": map_, "fast": fast}
    client.post("/api/evaluate", json=body | {"lines": {"yellow-line": moved(0)}})  # warm
    total, server = [], []
    for k in range(1, n + 1):
        t0 = time.perf_counter()
        r = client.post("/api/evaluate", json=body | {"lines": {"yellow-line": moved(k)}})
        total.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        server.append(float(r.headers["server-timing"].split("dur=")[1]))
    return total, server


def direct(inputs: Any, n: int, *, fast: bool = False
           ) -> tuple[list[float], list[tuple[str, float]]]:
    """Milliseconds of ``evaluate_inputs(ranges=False)`` and the top costs per update."""
    times = []
    for k in range(1, n + 1):
        t0 = time.perf_counter()
        evaluate_inputs(inputs, line_overrides={"yellow-line": moved(k)}, ranges=False,
                        fast=fast)
        times.append((time.perf_counter() - t0) * 1000)
    prof = cProfile.Profile()
    prof.enable()
    for k in range(1, 21):
        evaluate_inputs(inputs, line_overrides={"yellow-line": moved(k)}, ranges=False)
    prof.disable()
    st = pstats.Stats(prof)
    wanted = {"build_layout": "zones.build_layout (split, sides)",
              "layout_cells": "zone_sums.layout_cells (all)",
              "fractions": "  grid.fractions (cut cells x zones)",
              "near_fractions": "  grid.near_fractions (500 m / 1 km)",
              "_point_zone": "  hospitals/damage per zone",
              "compute": "indicators.compute (arithmetic)",
              "_to_json": "evaluate._to_json"}
    rows = []
    for (_file, _line, name), stat in st.stats.items():  # type: ignore[attr-defined]
        if name in wanted and ("zoneplan" in _file):
            rows.append((wanted[name], stat[3] / 20 * 1000))
    return times, sorted(rows, key=lambda r: -r[1])


@contextlib.contextmanager
def running_server(plan: str | Path, save_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``zoneplan.web.serve`` in its own process on a free port: (process, base URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    code = ("import sys; from zoneplan.web.app import serve; "
            "serve(sys.argv[1], port=int(sys.argv[2]), save_dir=sys.argv[3])")
    proc = subprocess.Popen([sys.executable, "-c", code, str(plan), str(port), str(save_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/api/plans", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    err = proc.stderr.read() if proc.stderr else ""
                    raise SystemExit(f"server did not start: {err}") from None
                time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process, MB: now (``rss_mb``) and at its peak (``peak_mb``)."""
    status = Path(f"/proc/{pid}/status").read_text()
    vals = {ln.split(":")[0]: float(ln.split()[1]) / 1024 for ln in status.splitlines()
            if ln.startswith(("VmRSS", "VmHWM"))}
    return {"rss_mb": vals["VmRSS"], "peak_mb": vals["VmHWM"]}


def server_rss(plan: str | Path, save_dir: Path, updates: int = 20) -> dict[str, float]:
    """Start ``serve`` in its own process, send the page's requests, read its memory (MB)."""
    with running_server(plan, save_dir) as (proc, base):
        plan_id = str(yaml.safe_load(Path(plan).read_text())["id"] if Path(plan).is_file()
                      else plan)
        with httpx.Client(base_url=base, timeout=60) as c:
            c.get("/", timeout=10)
            c.get("/api/layers", params={"plan": plan_id}).raise_for_status()
            for k in range(updates):
                c.post("/api/evaluate", json={"plan": plan_id, "ranges": k % 5 == 4, "map": True,
                                              "lines": {"yellow-line": moved(k)}}
                       ).raise_for_status()
        return memory_mb(proc.pid)


def report(name: str, client: TestClient, plan_id: str, inputs: Any, n: int,
           plan_ref: str | Path, save_dir: Path) -> None:
    """Measure one resolution and print its table."""
    fast_total, fast_server = through_app(client, plan_id, n, ranges=False, map_=True,
                                          fast=True)
    central_total, central_server = through_app(client, plan_id, n, ranges=False, map_=True)
    exact_total, _ = through_app(client, plan_id, max(10, n // 5), ranges=True, map_=True)
    d_times, costs = direct(inputs, n)
    f_times, _ = direct(inputs, n, fast=True)
    mem = server_rss(plan_ref, save_dir)
    print(f"\n## {name}: {len(inputs.population.grid):,} population cells\n")
    print("| measurement | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for label, xs in (
        ("drag update via app (fast: true, map: true), round trip", fast_total),
        ("  of which evaluation + JSON + map (Server-Timing)", fast_server),
        ("exact central update via app (ranges: false, map: true), round trip",
         central_total),
        ("  of which evaluation + JSON + map (Server-Timing)", central_server),
        ("release update via app (ranges: true, map: true)", exact_total),
        ("evaluate_inputs(ranges=False, fast=True) direct", f_times),
        ("evaluate_inputs(ranges=False) direct", d_times),
    ):
        print(f"| {label} | {statistics.median(xs):.1f} | {pct(xs, 0.95):.1f} |")
    print("\nWhere evaluate_inputs(ranges=False) spends its time (cumulative ms per update):\n")
    for label, ms in costs:
        print(f"- {label}: {ms:.1f} ms")
    print(f"\nRunning server (own process, after /api/layers and 20 updates): RSS "
          f"{mem['rss_mb']:.0f} MB, peak {mem['peak_mb']:.0f} MB")


def main() -> None:
    """Run the measurements and print tables (Markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--updates", type=int, default=100)
    ap.add_argument("--no-raster", action="store_true", help="skip the 10 m raster")
    ap.add_argument("--cell", type=float, default=10.0, help="raster pixel size, metres")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = create_app(PLAN, save_dir=folder)
        client = TestClient(app, base_url="http://127.0.0.1")
        inputs, _ = app.state.plans.inputs(PLAN)
        report("Gaza pack, 250 m grid", client, PLAN, inputs, args.updates, PLAN, folder)
        if args.no_raster:
            return
        try:
            sys.path.insert(0, str(Path(__file__).parent))
            from bench_raster import (
                make_raster,  # read into zoneplan.measure.raster_grid's RasterGrid
            )
        except ImportError as exc:
            print(f"\n10 m raster: not measured ({exc})")
            return
        tif, _, n_in = make_raster(folder, args.cell)
        plan = yaml.safe_load(Path(str(pack.PACK_DIR.parent.parent / "plans" / f"{PLAN}.yaml"))
                              .read_text())
        plan["id"] = "bench-raster"
        plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
        plan["population"]["baseline"] = "pop"
        plan_path = folder / "bench-raster.yaml"
        plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
        t0 = time.perf_counter()
        app10 = create_app(plan_path, save_dir=folder)
        inputs10, _ = app10.state.plans.inputs("bench-raster")
        prep = time.perf_counter() - t0
        print(f"\n(10 m raster: {n_in:,} pixels in the territory; prepare() {prep:.1f} s, once "
              "per plan)")
        client10 = TestClient(app10, base_url="http://127.0.0.1")
        report(f"{args.cell:g} m population raster", client10, "bench-raster", inputs10,
               args.updates, plan_path, folder)


if __name__ == "__main__":
    main()
