"""Benchmark: a plan over the whole Gaza Strip with a 10 m population raster.

Generates a counts raster (UTM 36N, 10 m pixels, float32, nodata -99999) over the
built-in outline in a temporary folder, then in a fresh Python process for each
measurement:

* evaluates a green-red style plan whose population baseline is that raster (with the
  line-variant ranges), timing ``evaluate`` (which imports rasterio on first use, so
  that import is part of the time);
* evaluates it again in another fresh process after importing every module the
  evaluation uses, and reads how far the peak resident memory (``VmHWM`` in
  ``/proc/self/status``) rises above the resident memory after imports (``VmRSS``): the
  memory the evaluation's data take. (``ru_maxrss`` is not used: Linux carries it over
  from the parent across ``exec``, so it can report the parent's peak.)
* runs exactextract directly on the same raster and zone polygons (sum per zone).

The raster's in-memory size is its window as rasterio reads it: width x height x 4 bytes
(float32). Each measurement runs ``--runs`` times; the table gives the median time and
the largest memory.

Run: ``PYTHONPATH=src python benchmarks/bench_raster.py [--cell 10] [--runs 3]``.
Targets: evaluation ≤ 2 s, peak memory ≤ 3 x the raster's in-memory size.
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
    """Write the raster; return its path, its pixel count and the cells in the territory."""
    terr = project(pack.outline(), pack.PACK_CRS)
    x0, y0, x1, y1 = terr.bounds
    x0, y1 = np.floor(x0 / cell) * cell, np.ceil(y1 / cell) * cell
    w, h = int(np.ceil((x1 - x0) / cell)), int(np.ceil((y1 - y0) / cell))
    rng = np.random.default_rng(1)
    data = (rng.gamma(0.6, 1.0, size=(h, w)) * (cell / 10.0) ** 2).astype("float32")
    from rasterio import features

    inside = features.rasterize([(terr, 1)], out_shape=(h, w),
                                transform=from_origin(x0, y1, cell, cell), fill=0)
    data[inside == 0] = -99999.0
    path = folder / f"pop_{cell:g}m.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:32636", transform=from_origin(x0, y1, cell, cell),
                       nodata=-99999.0, tiled=True, blockxsize=512, blockysize=512,
                       compress="deflate") as dst:
        dst.write(data, 1)
    return path, w * h, int(inside.sum())


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
    res = evaluate(plan, ranges=True)
    t_eval = time.perf_counter() - t1
    zones = {z["id"]: z["residents_baseline"] for z in res.data["zones"]}
    print(json.dumps({"import_s": t_imp, "eval_s": t_eval,
                      "maxrss_kb": status("VmHWM"),
                      "rss_after_imports_kb": rss_imports, "zones": zones,
                      "cells": len(res.inputs.population.grid)}))
""")

CHILD_EE = textwrap.dedent("""
    import json, resource, sys, time
    import geopandas as gpd
    from exactextract import exact_extract
    from zoneplan.plan import load_plan
    from zoneplan.measure.inputs import prepare
    from zoneplan.evaluate import _layout
    plan = load_plan(sys.argv[1])
    inputs = prepare(plan)
    layout = _layout(inputs)
    gdf = gpd.GeoDataFrame({"zid": [z.id for z in layout.zones]},
                           geometry=[z.geometry for z in layout.zones], crs=layout.crs)
    t0 = time.perf_counter()
    out = exact_extract(sys.argv[2], gdf, ["sum"], include_cols=["zid"], output="pandas")
    t = time.perf_counter() - t0
    print(json.dumps({"ee_s": t, "zones": dict(zip(out["zid"], map(float, out["sum"])))}))
""")


def child(code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter and parse its JSON line."""
    env_path = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"}, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    """Generate the raster, run the measurements and print a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", type=float, default=10.0, help="pixel size, metres")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per measurement")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tif, n_pix, n_in = make_raster(folder, args.cell)
        plan = yaml.safe_load(pack.PACK_DIR.parent.parent.joinpath(
            "plans", f"{PLAN}.yaml").read_text())
        plan["id"] = "bench-raster"
        plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
        plan["population"]["baseline"] = "pop"
        plan_path = folder / "bench.yaml"
        plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
        timed = [child(CHILD_EVAL, str(plan_path), "time") for _ in range(args.runs)]
        mem = [child(CHILD_EVAL, str(plan_path), "memory") for _ in range(args.runs)]
        ee = [child(CHILD_EE, str(plan_path), str(tif)) for _ in range(args.runs)]
    ev = timed[0]
    eval_s = [r["eval_s"] for r in timed]
    ee_s = float(np.median([r["ee_s"] for r in ee]))
    raster_mb = n_pix * 4 / 1e6
    cells_mb = n_in * 8 / 1e6
    rise_mb = max((r["maxrss_kb"] - r["rss_after_imports_kb"]) / 1e3 for r in mem)
    rows = [
        ("raster", f"{n_pix:,} pixels in the window, {n_in:,} in the territory "
                   f"({args.cell:g} m, UTM 36N, float32)"),
        ("cells on the grid", f"{int(ev['cells']):,}"),
        ("raster in memory (window x 4 B)", f"{raster_mb:,.1f} MB"),
        ("cells alone (cells x 8 B)", f"{cells_mb:,.1f} MB"),
        ("imports (fresh process)", f"{np.median([r['import_s'] for r in timed]):.2f} s"),
        ("evaluate() incl. reading, 3 layouts",
         f"median {np.median(eval_s):.2f} s, max {max(eval_s):.2f} s over {args.runs} runs "
         "(target ≤ 2 s)"),
        ("exactextract sum per zone, 1 layout", f"median {ee_s:.2f} s"),
        ("peak RSS rise during evaluate()",
         f"{rise_mb:,.0f} MB = {rise_mb / raster_mb:.1f} x the raster (target ≤ 3 x); "
         f"{rise_mb / cells_mb:.1f} x the cells alone"),
    ]
    for zid, v in ev["zones"].items():
        ref = ee[0]["zones"].get(zid, float("nan"))
        rows.append((f"zone {zid}: zoneplan / exactextract",
                     f"{v:,.1f} / {ref:,.1f} (diff {abs(v - ref) / max(ref, 1e-9):.2e})"))
    width = max(len(r[0]) for r in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
