"""Benchmark: whole ``zoneplan run`` on 100 to 16,000 hexagons against exactextract.

Regular hexagons (flat-topped, in UTM 36N) are laid over the Gaza Strip, their size
chosen so that about 100, 1,000, 4,000 and 16,000 of them touch the built-in outline,
and written as GeoJSON (WGS 84, like the UNOSAT hexagons) in a temporary folder, with a
10 m population raster (``bench_raster.make_raster``: tiled, deflate-compressed GeoTIFF,
UTM 36N); all are deleted afterwards. For each size, in fresh processes, taking turns
(zoneplan then exactextract, ``--runs`` pairs, after one untimed warm-up pair that fills
the disk cache):

* ``zoneplan run --territory OUTLINE --zones HEXAGONS --layer population=RASTER,
  units=count --format json`` (the whole command: imports, reading, every indicator of
  every zone, the low-high ranges, the JSON written);
* exactextract in a fresh Python process: read the zones, clip them to the outline,
  reproject to the raster's CRS, ``exact_extract(raster, zones, "sum")``, the sums
  written as JSON (the script of ``bench_zones.py``).

``/usr/bin/time`` gives each process's wall time and peak resident memory (its own:
``wait4``'s ``ru_maxrss``). The ratios are ratios of medians, zoneplan / exactextract,
printed beside the targets of issue 25 (≤ 1.0× the time and ≤ 1.2× the peak memory at
every size), with the load average before and after, and the largest relative
difference between the two programs' per-zone sums.

Both run as an installed program does, with its bytecode cached (``.pyc``): the
benchmark drops ``PYTHONDONTWRITEBYTECODE`` from the children's environment, and the
warm-up pair writes zoneplan's cache.

Run: ``python benchmarks/bench_hexagons.py [--runs 5] [--sizes 100,1000,4000,16000]``
(from the repository root; the children get ``PYTHONPATH=src``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_raster import make_raster  # noqa: E402
from bench_zones import EE, OUTLINE, timed  # noqa: E402

TIME_TARGET = 1.0
"""Issue 25: zoneplan's wall time at most this many times exactextract's (medians)."""
MEMORY_TARGET = 1.2
"""Issue 25: zoneplan's peak resident memory at most this many times exactextract's."""
UTM = "EPSG:32636"


def hexagons(count: int) -> list[object]:
    """Flat-topped regular hexagons (UTM 36N) overlapping the outline by at least 1% of
    their area, about ``count`` of them: the circumradius is searched by bisection for
    the count nearest ``count``."""
    import geopandas as gpd
    import numpy as np
    import shapely

    terr = gpd.read_file(OUTLINE).to_crs(UTM).union_all()
    shapely.prepare(terr)
    x0, y0, x1, y1 = terr.bounds

    def grid(r: float) -> list[object]:
        w, h = 1.5 * r, math.sqrt(3.0) * r
        cols = np.arange(int((x1 - x0) / w) + 3)
        rows = np.arange(int((y1 - y0) / h) + 3)
        cx = x0 - w + cols * w
        cc, rr = np.meshgrid(cols, rows)
        xs = cx[cc].ravel()
        ys = (y0 - h + rr * h + np.where(cc % 2 == 1, h / 2.0, 0.0)).ravel()
        ang = np.arange(6) * np.pi / 3.0
        ring = np.stack([xs[:, None] + r * np.cos(ang), ys[:, None] + r * np.sin(ang)],
                        axis=-1)
        polys = shapely.polygons(ring)
        polys = polys[shapely.intersects(terr, polys)]
        share = shapely.area(shapely.intersection(polys, terr)) / shapely.area(polys)
        return list(polys[share >= 0.01])

    lo, hi = 20.0, 20_000.0  # circumradius, metres
    best: list[object] = []
    for _ in range(40):
        mid = math.sqrt(lo * hi)
        got = grid(mid)
        if not best or abs(len(got) - count) < abs(len(best) - count):
            best = got
        if len(got) == count:
            break
        lo, hi = (mid, hi) if len(got) > count else (lo, mid)
    return best


def write_hexagons(path: Path, count: int) -> int:
    """Write about ``count`` hexagons to a GeoJSON file in WGS 84; return how many."""
    import geopandas as gpd

    polys = hexagons(count)
    gpd.GeoDataFrame({"name": [f"hex {i + 1}" for i in range(len(polys))]},
                     geometry=polys, crs=UTM).to_crs("EPSG:4326").to_file(path,
                                                                           driver="GeoJSON")
    return len(polys)


def zoneplan_cmd(zones: Path, tif: Path, out: Path) -> list[str]:
    """The whole command measured (with ranges, the default)."""
    return [sys.executable, "-m", "zoneplan", "run", "--territory", str(OUTLINE),
            "--zones", str(zones), "--layer", f"population={tif},units=count",
            "--format", "json", "--out", str(out), "--overwrite"]


def agreement(zp_out: Path, ee_out: Path) -> float:
    """The largest relative difference between the two programs' per-zone sums."""
    got = {z["id"]: z["residents_baseline"] for z in json.loads(zp_out.read_text())["zones"]}
    ref = json.loads(ee_out.read_text())["sums"]
    return max((abs(got[k] - v) / max(abs(v), 1e-9) for k, v in ref.items() if k in got),
               default=float("nan"))


def main(argv: list[str] | None = None) -> int:
    """Make the inputs, time both programs at every size, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5, help="timed pairs per size (5)")
    ap.add_argument("--sizes", default="100,1000,4000,16000",
                    help="hexagon counts asked for, comma-separated")
    args = ap.parse_args(argv)
    if not OUTLINE.is_file():
        raise SystemExit(f"needs the real layers: {OUTLINE}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["NO_COLOR"] = "1"
    load0 = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        tif, _, _ = make_raster(tmp, 10.0)
        for size in (int(s) for s in args.sizes.split(",")):
            zones = tmp / f"hex_{size}.geojson"
            n = write_hexagons(zones, size)
            zp_out, ee_out = tmp / f"zp_{size}.json", tmp / f"ee_{size}.json"
            ee_cmd = [sys.executable, "-c", EE, str(tif), str(zones), str(OUTLINE),
                      str(ee_out)]
            timed(zoneplan_cmd(zones, tif, zp_out), env)  # warm-up pair
            timed(ee_cmd, env)
            zp, ee = [], []
            for _ in range(args.runs):
                zp.append(timed(zoneplan_cmd(zones, tif, zp_out), env))
                ee.append(timed(ee_cmd, env))
            zt, zm = (statistics.median(x) for x in zip(*zp, strict=True))
            et, em = (statistics.median(x) for x in zip(*ee, strict=True))
            rows.append((f"{n:,}", f"{zt:.2f} s / {zm:,.0f} MB", f"{et:.2f} s / {em:,.0f} MB",
                         f"{zt / et:.2f}×", f"≤ {TIME_TARGET:g}×", f"{zm / em:.2f}×",
                         f"≤ {MEMORY_TARGET:g}×", f"{agreement(zp_out, ee_out):.1e}",
                         "yes" if zt / et <= TIME_TARGET and zm / em <= MEMORY_TARGET
                         else "no"))
    load1 = os.getloadavg()
    head = ("hexagons", "zoneplan run", "exactextract", "time", "target", "memory",
            "target", "max rel diff", "met")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(f"10 m raster; medians of {args.runs} fresh-process pairs taking turns; memory = "
          f"peak resident set; {os.cpu_count()} cores, load average {load0[0]:.2f} before, "
          f"{load1[0]:.2f} after")
    for line in (head, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    return 0 if all(r[-1] == "yes" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
