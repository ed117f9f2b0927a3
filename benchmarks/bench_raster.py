"""Benchmark: a plan over the whole Gaza Strip with 10 m, 2.5 m or 1 m population rasters.

For each pixel size asked for, generates a counts raster (UTM 36N, float32, nodata
-99999, tiled, deflate-compressed; 1.4 G pixels at 1 m) over the built-in outline in a
temporary folder (deleted afterwards), then in a fresh Python process for each
measurement:

* evaluates a green-red style plan whose population baseline is that raster, without
  ranges (one layout: the work exactextract does) and with the line-variant ranges,
  timing ``evaluate`` (which imports rasterio on first use, so that import is part of
  the time);
* evaluates it again in another fresh process after importing every module the
  evaluation uses, and reads how far the peak resident memory (``VmHWM`` in
  ``/proc/self/status``) rises above the resident memory after imports (``VmRSS``): the
  memory the evaluation's data take. (``ru_maxrss`` is not used: Linux carries it over
  from the parent across ``exec``, so it can report the parent's peak.)
* runs exactextract directly on the same raster and zone polygons (sum per zone), timing
  the ``exact_extract`` call and reading the process's peak memory.

The raster's in-memory size is its window as rasterio reads it: width x height x 4 bytes
(float32). Each measurement runs ``--runs`` times; the table gives the median time and
the largest memory.

Run: ``PYTHONPATH=src python benchmarks/bench_raster.py [--cells 10,2.5,1] [--runs 3]``.
Targets (issue 11): one layout on 2.5 m ≤ 1 x exactextract's time; on 1 m ≤ 1.2 x its
time, in ≤ 4 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin

from zoneplan import pack
from zoneplan.geometry import project

PLAN = "green-red-2025-11"


def make_raster(folder: Path, cell: float) -> tuple[Path, int, int]:
    """Write the raster, 512 rows at a time (a 1 m raster would not fit in memory at
    once); return its path, its pixel count and the pixels in the territory."""
    from rasterio import features
    from rasterio.windows import Window

    terr = project(pack.outline(), pack.PACK_CRS)
    x0, y0, x1, y1 = terr.bounds
    x0, y1 = np.floor(x0 / cell) * cell, np.ceil(y1 / cell) * cell
    w, h = int(np.ceil((x1 - x0) / cell)), int(np.ceil((y1 - y0) / cell))
    rng = np.random.default_rng(1)
    path = folder / f"pop_{cell:g}m.tif"
    transform = from_origin(x0, y1, cell, cell)
    inside_total = 0
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:32636", transform=transform, nodata=-99999.0, tiled=True,
                       blockxsize=512, blockysize=512, compress="deflate",
                       BIGTIFF="IF_SAFER") as dst:
        for r0 in range(0, h, 512):
            rows = min(512, h - r0)
            data = (rng.gamma(0.6, 1.0, size=(rows, w)) * (cell / 10.0) ** 2).astype("float32")
            inside = features.rasterize([(terr, 1)], out_shape=(rows, w),
                                        transform=from_origin(x0, y1 - r0 * cell, cell, cell),
                                        fill=0)
            data[inside == 0] = -99999.0
            inside_total += int(inside.sum())
            dst.write(data, 1, window=Window(0, r0, w, rows))
    return path, w * h, inside_total


CHILD_EVAL = textwrap.dedent("""
    import json, sys, time
    def status(key):  # kB
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith(key + ":"))
    t0 = time.perf_counter()
    import zoneplan
    from zoneplan.plan import load_plan
    from zoneplan.evaluate import evaluate
    if sys.argv[2] == "memory":  # import all the evaluation uses, then measure data only
        import rasterio, rasterio.features, rasterio.windows, scipy.spatial
    rss_imports = status("VmRSS")
    t_imp = time.perf_counter() - t0
    plan = load_plan(sys.argv[1])
    t1 = time.perf_counter()
    res = evaluate(plan, ranges=sys.argv[3] == "ranges")
    t_eval = time.perf_counter() - t1
    zones = {z["id"]: z["residents_baseline"] for z in res.data["zones"]}
    print(json.dumps({"import_s": t_imp, "eval_s": t_eval,
                      "maxrss_kb": status("VmHWM"),
                      "rss_after_imports_kb": rss_imports, "zones": zones,
                      "cells": len(res.inputs.population.grid)}))
""")

CHILD_EE = textwrap.dedent("""
    import json, sys, time
    def status(key):  # kB
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith(key + ":"))
    import geopandas as gpd
    from exactextract import exact_extract
    gdf = gpd.read_file(sys.argv[1])
    t0 = time.perf_counter()
    out = exact_extract(sys.argv[2], gdf, ["sum"], include_cols=["zid"], output="pandas")
    t = time.perf_counter() - t0
    print(json.dumps({"ee_s": t, "maxrss_kb": status("VmHWM"),
                      "zones": dict(zip(out["zid"], map(float, out["sum"])))}))
""")


def write_zones(path: Path) -> None:
    """The plan's zones as drawn (the same with any population layer), for exactextract."""
    import geopandas as gpd

    from zoneplan.evaluate import _layout
    from zoneplan.measure.inputs import prepare
    from zoneplan.plan import load_plan

    layout = _layout(prepare(load_plan(PLAN)))
    gpd.GeoDataFrame({"zid": [z.id for z in layout.zones]},
                     geometry=[z.geometry for z in layout.zones],
                     crs=layout.crs).to_file(path, driver="GPKG")


def child(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter and parse its JSON line."""
    env_path = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def measure(cell: float, runs: int) -> list[tuple[str, str]]:
    """Every measurement on one raster; the table rows."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tif, n_pix, n_in = make_raster(folder, cell)
        plan = yaml.safe_load(pack.PACK_DIR.parent.parent.joinpath(
            "plans", f"{PLAN}.yaml").read_text())
        plan["id"] = "bench-raster"
        plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
        plan["population"]["baseline"] = "pop"
        plan_path = folder / "bench.yaml"
        plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
        one = [child(CHILD_EVAL, str(plan_path), "time", "no-ranges") for _ in range(runs)]
        timed = [child(CHILD_EVAL, str(plan_path), "time", "ranges") for _ in range(runs)]
        mem = [child(CHILD_EVAL, str(plan_path), "memory", "ranges") for _ in range(runs)]
        zones = folder / "zones.gpkg"
        write_zones(zones)
        ee = [child(CHILD_EE, str(zones), str(tif)) for _ in range(runs)]
    ev = timed[0]
    one_s = float(np.median([r["eval_s"] for r in one]))
    eval_s = [r["eval_s"] for r in timed]
    ee_s = float(np.median([r["ee_s"] for r in ee]))
    ee_mb = max(r["maxrss_kb"] for r in ee) / 1e3
    raster_mb = n_pix * 4 / 1e6
    cells_mb = n_in * 8 / 1e6
    rise_mb = max((r["maxrss_kb"] - r["rss_after_imports_kb"]) / 1e3 for r in mem)
    peak_mb = max(r["maxrss_kb"] for r in mem) / 1e3
    rows = [
        ("raster", f"{n_pix:,} pixels in the window, {n_in:,} in the territory "
                   f"({cell:g} m, UTM 36N, float32, tiled, deflate)"),
        ("cells on the grid", f"{int(ev['cells']):,}"),
        ("raster in memory (window x 4 B)", f"{raster_mb:,.1f} MB"),
        ("imports (fresh process)", f"{np.median([r['import_s'] for r in timed]):.2f} s"),
        ("exactextract sum per zone, 1 layout", f"median {ee_s:.2f} s, peak {ee_mb:,.0f} MB"),
        ("evaluate(ranges=False), 1 layout",
         f"median {one_s:.2f} s = {one_s / ee_s:.2f} x exactextract"),
        ("evaluate(ranges=True), 3 layouts",
         f"median {np.median(eval_s):.2f} s, max {max(eval_s):.2f} s "
         f"= {np.median(eval_s) / ee_s:.2f} x exactextract"),
        ("peak RSS of the process (ranges)",
         f"{peak_mb:,.0f} MB = {peak_mb / ee_mb:.2f} x exactextract's process"),
        ("peak RSS rise during evaluate()",
         f"{rise_mb:,.0f} MB = {rise_mb / raster_mb:.1f} x the raster; "
         f"{rise_mb / cells_mb:.1f} x the cells alone (8 B each)"),
    ]
    for zid, v in ev["zones"].items():
        ref = ee[0]["zones"].get(zid, float("nan"))
        rows.append((f"zone {zid}: zoneplan / exactextract",
                     f"{v:,.1f} / {ref:,.1f} (diff {abs(v - ref) / max(ref, 1e-9):.2e})"))
    return rows


def main() -> None:
    """Generate each raster, run the measurements and print a table per raster."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", default="10", help="pixel sizes in metres, e.g. 10,2.5,1")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per measurement")
    args = ap.parse_args()
    for cell in (float(c) for c in args.cells.split(",")):
        rows = measure(cell, args.runs)
        width = max(len(r[0]) for r in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {v}")
        print()
    print("targets (issue 11): 2.5 m ≤ 1 x exactextract; 1 m ≤ 1.2 x exactextract and "
          "≤ 4 GB (1 layout, evaluate(ranges=False) against the exact_extract call)")


if __name__ == "__main__":
    main()
