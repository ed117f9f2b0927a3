"""Benchmark: ``zoneplan timeline`` in this process and on Dask (issue 15, item 4).

The 15 dated evacuation-order layers of ``../shared/data/gaza/btselem-nibal`` (B'Tselem,
see ``../shared/data/SOURCES.md``), repeated ``--copies`` times (copies of the files in a
temporary folder, deleted afterwards: each copy is one more order on the same date), are
measured with ``--in-force 30`` by a fresh ``zoneplan timeline ... --format json``:

* in this process (the default, without Dask);
* with ``--scheduler local --workers 2`` (a LocalCluster started and closed by the command);
* with ``--scheduler tcp://127.0.0.1:PORT`` against a scheduler and two single-threaded
  workers started on the loopback address beforehand (with ``--loopback``).

It reports the wall time of each (median of ``--runs``) and checks that the three series
are the same JSON.

Run: ``PYTHONPATH=src python benchmarks/bench_timeline.py [--copies 10] [--runs 3]
[--loopback]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
NIBAL = ROOT.parent / "shared" / "data" / "gaza" / "btselem-nibal"
HEBREW_DATE = ("191025", "2025-10-19")
"""The one layer whose date field is in Hebrew: its date is given on the command line."""


def layers(folder: Path, copies: int) -> list[str]:
    """The layer arguments: every file ``copies`` times (``PATH@DATE`` where needed)."""
    files = sorted(NIBAL.glob("IDF_zone_*.geojson"))
    if len(files) != 15:
        raise SystemExit(f"{NIBAL} should hold the 15 IDF_zone_*.geojson layers")
    out = []
    for k in range(copies):
        for f in files:
            p = folder / f"{f.stem}-{k}.geojson"
            shutil.copyfile(f, p)
            out.append(f"{p}@{HEBREW_DATE[1]}" if HEBREW_DATE[0] in f.name else str(p))
    return out


def run(args: list[str]) -> tuple[float, str]:
    """A fresh ``zoneplan timeline ARGS``: wall time and its JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "zoneplan", "timeline", *args],
                          capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    return wall, proc.stdout


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loopback", action="store_true",
                    help="also on a scheduler and two workers started on 127.0.0.1")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = [*layers(folder, args.copies), "--date-field", "Date", "--where",
                "StatusText == 'Displaced'", "--in-force", "30", "--format", "json"]
        ways = {"this process": [], "--scheduler local --workers 2":
                ["--scheduler", "local", "--workers", "2"]}
        cluster = None
        if args.loopback:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from bench_held import Cluster

            cluster = Cluster(folder, 2)
            ways["--scheduler tcp://127.0.0.1 (2 workers)"] = ["--scheduler", cluster.address]
        try:
            results = {name: [run(base + extra) for _ in range(args.runs)]
                       for name, extra in ways.items()}
        finally:
            if cluster is not None:
                cluster.close()
    first = json.loads(results["this process"][0][1])
    orders, unions = len(first["rows"]), len(first.get("in_force", []))
    print(f"\n{orders} orders and {unions} unions in force (--in-force 30), "
          f"median of {args.runs} fresh runs\n")
    print("| where | wall time | same series as in this process |")
    print("|---|---|---|")
    for name, got in results.items():
        same = all(json.loads(out) == first for _, out in got)
        print(f"| {name} | {median(w for w, _ in got):.1f} s "
              f"({min(w for w, _ in got):.1f}–{max(w for w, _ in got):.1f}) | "
              f"{'yes' if same else 'NO'} |")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
