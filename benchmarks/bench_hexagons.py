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

``/usr/bin/time`` gives each process's wall time, CPU time (user + system) and peak
resident memory (its own: ``wait4``'s ``ru_maxrss``). The ratios are ratios of medians,
zoneplan / exactextract, printed beside the targets of issue 25 (≤ 1.0× the time and
≤ 1.2× the peak memory at every size), with the ratio of CPU times (less moved by other
work on a loaded machine than wall time), the load average before and after, and the
largest relative difference between the two programs' per-zone sums.

``--other-src DIR`` also runs ``zoneplan run`` from another checkout's ``src`` folder
in the same turns (zoneplan, the other zoneplan, exactextract), e.g. the main branch's,
to compare before and after under the same load; it prints a second table.

Both run as an installed program does, with its bytecode cached (``.pyc``): the
benchmark drops ``PYTHONDONTWRITEBYTECODE`` from the children's environment, and the
warm-up pair writes zoneplan's cache.

Run: ``PYTHONPATH=src python benchmarks/bench_hexagons.py [--runs 5]
[--sizes 100,1000,4000,16000] [--other-src DIR]`` (from the repository root; the
children get ``PYTHONPATH=src``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_raster import make_raster  # noqa: E402
from bench_zones import EE, OUTLINE  # noqa: E402

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


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``cmd`` under /usr/bin/time: wall seconds, CPU seconds (user + system) and
    peak resident memory (MB)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", *cmd], capture_output=True,
                          text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    wall, user, system, kb = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system), float(kb) / 1024.0


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


def _table(title: str, rows: list[tuple[str, ...]]) -> None:
    """Print one table of rows under its title."""
    head = ("hexagons", "zoneplan run", "peer", "time", "target", "CPU", "memory", "target",
            "max rel diff", "met")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print(title)
    for line in (head, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


def _row(n: int, zp: list[tuple[float, float, float]], peer: list[tuple[float, float, float]],
         diff: str, targets: bool) -> tuple[str, ...]:
    """One size's medians and ratios (zoneplan / peer)."""
    zt, zc, zm = (statistics.median(x) for x in zip(*zp, strict=True))
    pt, pc, pm = (statistics.median(x) for x in zip(*peer, strict=True))
    met = zt / pt <= TIME_TARGET and zm / pm <= MEMORY_TARGET
    return (f"{n:,}", f"{zt:.2f} s ({zc:.2f} CPU) / {zm:,.0f} MB",
            f"{pt:.2f} s ({pc:.2f} CPU) / {pm:,.0f} MB", f"{zt / pt:.2f}×",
            f"≤ {TIME_TARGET:g}×" if targets else "", f"{zc / pc:.2f}×", f"{zm / pm:.2f}×",
            f"≤ {MEMORY_TARGET:g}×" if targets else "", diff,
            ("yes" if met else "no") if targets else "")


def main(argv: list[str] | None = None) -> int:
    """Make the inputs, time both programs at every size, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5, help="timed turns per size (5)")
    ap.add_argument("--sizes", default="100,1000,4000,16000",
                    help="hexagon counts asked for, comma-separated")
    ap.add_argument("--other-src", type=Path, default=None, metavar="DIR",
                    help="also time `zoneplan run` from this src folder (e.g. main's)")
    args = ap.parse_args(argv)
    if not OUTLINE.is_file():
        raise SystemExit(f"needs the real layers: {OUTLINE}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["NO_COLOR"] = "1"
    other_env = {**env, "PYTHONPATH": str(args.other_src.resolve())} if args.other_src else None
    load0 = os.getloadavg()
    rows, before = [], []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        tif, _, _ = make_raster(tmp, 10.0)
        for size in (int(s) for s in args.sizes.split(",")):
            zones = tmp / f"hex_{size}.geojson"
            n = write_hexagons(zones, size)
            zp_out, ee_out = tmp / f"zp_{size}.json", tmp / f"ee_{size}.json"
            ee_cmd = [sys.executable, "-c", EE, str(tif), str(zones), str(OUTLINE),
                      str(ee_out)]
            zp_cmd = zoneplan_cmd(zones, tif, zp_out)
            timed(zp_cmd, env)  # warm-up turn: disk cache, bytecode, zoneplan's cache
            if other_env is not None:
                timed(zp_cmd, other_env)
            timed(ee_cmd, env)
            zp, other, ee = [], [], []
            for _ in range(args.runs):
                zp.append(timed(zp_cmd, env))
                if other_env is not None:
                    other.append(timed(zp_cmd, other_env))
                ee.append(timed(ee_cmd, env))
            diff = f"{agreement(zp_out, ee_out):.1e}"
            rows.append(_row(n, zp, ee, diff, True))
            if other:
                before.append(_row(n, zp, other, "", False))
    load1 = os.getloadavg()
    print(f"10 m raster; medians of {args.runs} fresh-process turns; memory = peak resident "
          f"set; {os.cpu_count()} cores, load average {load0[0]:.2f} before, {load1[0]:.2f} "
          "after")
    _table("zoneplan run (this tree) against exactextract (peer):", rows)
    if before:
        _table(f"this tree against zoneplan from {args.other_src} (peer):", before)
    return 0 if all(r[-1] == "yes" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
