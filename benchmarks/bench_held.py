"""Benchmark: a population raster held on the workers of a Dask cluster (issue 15, item 3).

For each pixel size asked for, generates a counts raster over the Strip (the generator of
``bench_raster.py``: UTM 36N, float32, tiled, deflate; in a temporary folder, deleted
afterwards) and a green-red plan on it, then runs, each in a fresh process:

* ``zoneplan run PLAN --format json`` here: the raster read and measured in this process;
* ``zoneplan run PLAN --scheduler tcp://127.0.0.1:PORT --format json`` against a Dask
  scheduler and two single-threaded workers started on the loopback address for this
  raster (fresh, so their peak memory is this raster's): the raster read in parts by the
  workers and kept there, every layout summed where its cells are.

It reports the wall time, the peak resident memory (``VmHWM``) of the process the user
runs (the driver) and of each worker, and the largest relative difference between the two
results over every number in them. What it shows: the driver's memory does not grow with
the raster (only sums come back), and each worker holds its share of the cells, so a
raster larger than one machine's memory fits on a cluster whose workers together hold it.

Run: ``PYTHONPATH=src python benchmarks/bench_held.py [--cells 10,2.5] [--workers 2]
[--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import yaml

from zoneplan import pack

ROOT = Path(__file__).resolve().parents[1]
PLAN = "green-red-2025-11"

CHILD = textwrap.dedent("""
    import json, sys, time
    def status(key):  # kB
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith(key + ":"))
    t0 = time.perf_counter()
    from zoneplan.cli.app import main
    code = main(sys.argv[1:])
    print(json.dumps({"code": code, "wall_s": time.perf_counter() - t0,
                      "maxrss_kb": status("VmHWM")}))
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def run_child(*args: str) -> dict[str, Any]:
    """``zoneplan ARGS`` in a fresh interpreter: exit code, wall time, peak memory."""
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True,
                          text=True, env=_env(), check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["code"] != 0:
        raise SystemExit(f"zoneplan {' '.join(args)} exited {out['code']}: {proc.stderr}")
    return out


def peak_kb(pid: int) -> int:
    """Peak resident memory of a running process (kB)."""
    with Path(f"/proc/{pid}/status").open() as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))


class Cluster:
    """A ``dask scheduler`` and single-threaded ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, folder: Path, workers: int) -> None:
        info = folder / "scheduler.json"
        self.procs = [self._start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                   "--port", "0", "--no-dashboard", "--scheduler-file",
                                   str(info)], folder / "scheduler.log")]
        for _ in range(600):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.05)
        self.address = json.loads(info.read_text())["address"]
        self.workers = [self._start(["distributed.cli.dask_worker", self.address,
                                     "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                                     "--host", "127.0.0.1", "--no-dashboard",
                                     "--memory-limit", "0"], folder / f"worker{i}.log")
                        for i in range(workers)]
        self.procs += self.workers
        from distributed import Client

        with Client(self.address, set_as_default=False) as c:
            c.wait_for_workers(workers, timeout=120)

    @staticmethod
    def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as fh:
            return subprocess.Popen([sys.executable, "-m", *args], stdout=fh,
                                    stderr=subprocess.STDOUT, env=_env(), cwd=log.parent)

    def close(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def largest_difference(a: Any, b: Any, where: str = "") -> tuple[float, str]:
    """Largest relative difference between two results' numbers (timings and the
    population method, which says where the raster was read, left out)."""
    if isinstance(a, dict):
        return max((largest_difference(a[k], b[k], f"{where}/{k}") for k in a
                    if k not in ("time_utc", "duration_s", "baseline_method")),
                   default=(0.0, where))
    if isinstance(a, list):
        return max((largest_difference(x, y, f"{where}[{i}]")
                    for i, (x, y) in enumerate(zip(a, b, strict=True))), default=(0.0, where))
    if isinstance(a, float) and isinstance(b, float):
        scale = max(abs(a), abs(b))
        return (abs(a - b) / scale if scale > 1e-6 else 0.0), where
    return (0.0 if a == b else float("inf")), where


def measure(cell: float, workers: int, keep: Path | None = None) -> list[str]:
    """Both runs on one raster; the table row."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_raster import make_raster

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tif, n_pix, n_in = make_raster(folder, cell)
        plan = yaml.safe_load((pack.PACK_DIR.parent.parent / "plans" /
                               f"{PLAN}.yaml").read_text())
        plan["id"] = "bench-held"
        plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
        plan["population"]["baseline"] = "pop"
        path = folder / "plan.yaml"
        path.write_text(yaml.safe_dump(plan, sort_keys=False))
        here = run_child("run", str(path), "--format", "json", "-o", str(folder / "here.json"))
        cluster = Cluster(folder, workers)
        try:
            held = run_child("run", str(path), "--scheduler", cluster.address, "--format",
                             "json", "-o", str(folder / "held.json"))
            worker_mb = [peak_kb(p.pid) / 1e3 for p in cluster.workers]
        finally:
            cluster.close()
        diff, where = largest_difference(json.loads((folder / "here.json").read_text()),
                                         json.loads((folder / "held.json").read_text()))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("here.json", "held.json"):
                (keep / f"{cell:g}m-{name}").write_bytes((folder / name).read_bytes())
    return [f"{cell:g} m", f"{n_pix / 1e6:,.0f} M px, {n_in / 1e6:,.1f} M cells",
            f"{here['wall_s']:.1f} s, {here['maxrss_kb'] / 1e3:,.0f} MB",
            f"{held['wall_s']:.1f} s, {held['maxrss_kb'] / 1e3:,.0f} MB",
            " + ".join(f"{m:,.0f}" for m in worker_mb) + " MB",
            f"{diff:.1e} ({where})"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", default="10,2.5", help="pixel sizes (metres), comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="also keep both results (JSON) in DIR")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}; "
          f"a scheduler and {args.workers} workers on 127.0.0.1 per raster\n")
    head = ["raster", "size", "here: time, peak", "on the cluster: time, driver peak",
            "workers' peaks", "largest relative difference"]
    rows = [measure(float(c), args.workers, args.keep) for c in args.cells.split(",")]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
