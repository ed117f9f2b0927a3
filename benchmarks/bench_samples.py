"""Benchmark: Monte Carlo draws (``zoneplan run --samples``) on the built-in pack.

Measures, on this machine:

1. the cost of one draw of each built-in plan, in this process on one core (draws of a
   warm model, no scheduler: the work itself);
2. draws per second of the default plan on a LocalCluster of 1 and of 2 single-threaded
   worker processes, the cluster started and warmed up first (steady state: submitting
   the draws to having every result back, in draw order), and the speed-up of 2 over 1;
3. the whole command, ``zoneplan run --samples N --format json`` in a fresh process
   with the local scheduler: reading, the central case and ranges, starting the cluster,
   the draws, closing it;
4. what 10,000 draws of every built-in plan would cost on a 32-worker cluster, on paper,
   from (1) and the parallel efficiency measured in (2);
5. with ``--raster 10``: reading a 10 m population raster of the Strip here, and in
   parts kept on the workers of a LocalCluster (``hold``: only totals come back; see
   ``bench_held.py`` for whole evaluations of a raster held on a cluster).

6. with ``--baseline-rev REV`` (or ``--baseline SRC``): the CPU per draw of the default
   plan in fresh processes of this tree and of the baseline's, run after run, alternating
   (the same load for both; the ratio is the reliable part on a busy machine).

Each measurement runs ``--runs`` times and the median is reported, with the load
average before and after (other work on the machine slows every figure: say so).

Run: ``PYTHONPATH=src python benchmarks/bench_samples.py [--samples 400] [--runs 3]
[--raster 10] [--baseline-rev main]``.
Targets (issue 25): at most 8 ms of CPU per draw of the built-in plan, and at least 200
draws per second on two workers of the local scheduler on this 2-core machine. No other
tool draws these figures: the peer is the baseline tree (6), when asked for.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

PLAN = "green-red-2025-11"
SEED = 1
TARGET_PER_S = 200.0
TARGET_CPU_MS = 8.0
CLUSTER_WORKERS = 32
DRAWS_ON_PAPER = 10_000


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def timed_chunk(model: Any, seed: int, indices: list[int]) -> float:
    """CPU seconds of this process spent on some draws (run where the draws run)."""
    from zoneplan.scenarios.samples import evaluate_chunk

    t0 = time.process_time()
    evaluate_chunk(model, seed, indices)
    return time.process_time() - t0


def cost_per_draw(plan_id: str, draws: int, runs: int) -> tuple[float, float, float]:
    """Median wall and CPU seconds per draw in this process, and the central case's
    wall seconds."""
    from zoneplan.evaluate import evaluate
    from zoneplan.scenarios.samples import build_model

    t0 = time.perf_counter()
    r = evaluate(plan_id)
    central = time.perf_counter() - t0
    model = build_model(r.inputs, r.layout, r.metrics)
    timed_chunk(model, SEED, [0])  # warm: caches, first-call costs
    wall, cpu = [], []
    for k in range(runs):
        t0 = time.perf_counter()
        cpu.append(timed_chunk(model, SEED, list(range(k * draws, (k + 1) * draws))) / draws)
        wall.append((time.perf_counter() - t0) / draws)
    return statistics.median(wall), statistics.median(cpu), central


def cluster_rate(workers: int, draws: int, runs: int) -> tuple[list[float], list[float]]:
    """Draws per second of the default plan on a warm LocalCluster of ``workers``, and
    the workers' CPU seconds per draw, per run."""
    from zoneplan.evaluate import evaluate
    from zoneplan.scenarios.dask_backend import open_backend
    from zoneplan.scenarios.ensemble import _chunks
    from zoneplan.scenarios.samples import build_model

    r = evaluate(PLAN)
    model = build_model(r.inputs, r.layout, r.metrics)
    rates, cpu = [], []
    with open_backend("local", workers=workers) as backend:
        shared = backend.share(model)
        backend.results([backend.submit(timed_chunk, shared, SEED, [i])
                         for i in range(2 * workers)])  # warm every worker
        for k in range(runs):
            t0 = time.perf_counter()
            handles = [backend.submit(timed_chunk, shared, SEED, [k * draws + i for i in c])
                       for c in _chunks(draws, backend.workers)]
            spent = backend.results(handles)
            rates.append(draws / (time.perf_counter() - t0))
            cpu.append(sum(spent) / draws)
    return rates, cpu


def whole_command(draws: int, runs: int) -> list[float]:
    """Seconds of a fresh ``zoneplan run --samples`` with the local scheduler."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zoneplan", "run", PLAN, "--samples", str(draws),
                        "--seed", str(SEED), "--format", "json"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


_COST = """
import sys, time
from zoneplan.evaluate import evaluate
from zoneplan.scenarios.samples import build_model, evaluate_chunk
r = evaluate(sys.argv[1])
model = build_model(r.inputs, r.layout, r.metrics)
evaluate_chunk(model, {seed}, [0])
n = int(sys.argv[2])
t0 = time.process_time()
evaluate_chunk(model, {seed}, list(range(1, n + 1)))
print((time.process_time() - t0) / n)
"""


def fresh_cost(src: Path, plan: str, draws: int) -> float:
    """CPU seconds per draw of ``plan`` in a fresh process of the ``src`` tree."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", _COST.format(seed=SEED), plan, str(draws)],
                         check=True, env=env, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def baseline_src(rev: str, folder: Path) -> Path:
    """The ``src`` tree of a git revision of this repository, unpacked into ``folder``."""
    root = Path(__file__).resolve().parents[1]
    tar = subprocess.run(["git", "-C", str(root), "archive", rev, "src"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(tar)) as t:
        t.extractall(folder, filter="data")
    return folder / "src"


def against(base: Path, draws: int, runs: int) -> None:
    """Print the CPU per draw of :data:`PLAN` here and in ``base``, alternating."""
    here = Path(__file__).resolve().parents[1] / "src"
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(fresh_cost(here, PLAN, draws))
        theirs.append(fresh_cost(base, PLAN, draws))
    a, b = statistics.median(mine), statistics.median(theirs)
    print(f"   this tree {a * 1000:6.1f} ms (runs: {', '.join(f'{x * 1000:.1f}' for x in mine)})"
          f"; baseline {b * 1000:6.1f} ms (runs: "
          f"{', '.join(f'{x * 1000:.1f}' for x in theirs)}); ratio {a / b:.2f}x; target "
          f"{TARGET_CPU_MS:g} ms {'OK' if a * 1000 <= TARGET_CPU_MS else 'OVER'}   "
          f"load {_load()}")


def raster_read(cell: float, runs: int) -> tuple[list[float], list[float], int]:
    """Seconds to read a ``cell`` metre raster over the Strip here, and into parts kept on
    a warm LocalCluster of 2 workers; and its pixels in the territory."""
    from bench_raster import make_raster  # benchmarks/ is this script's folder

    from zoneplan import pack
    from zoneplan.geometry import project
    from zoneplan.measure.population.raster_population import raster_population
    from zoneplan.scenarios.dask_backend import open_backend

    terr = project(pack.outline(), pack.PACK_CRS)
    here, there = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path, _, inside = make_raster(Path(tmp), cell)
        for _ in range(runs):
            t0 = time.perf_counter()
            raster_population(path, terr, pack.PACK_CRS, units="count", sources=[])
            here.append(time.perf_counter() - t0)
        with open_backend("local", workers=2) as backend:
            backend.map(len, [[1], [2]])  # started
            for _ in range(runs):
                t0 = time.perf_counter()
                raster_population(path, terr, pack.PACK_CRS, units="count", sources=[],
                                  hold=backend.hold)
                there.append(time.perf_counter() - t0)
    return here, there, inside


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=400, help="draws per cluster measurement")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--raster", type=float, default=0.0, metavar="CELL_M",
                    help="also time reading a CELL_M metre raster here and on 2 workers")
    base = ap.add_mutually_exclusive_group()
    base.add_argument("--baseline", type=Path, metavar="SRC",
                      help="also time the default plan's draws in this src tree")
    base.add_argument("--baseline-rev", metavar="REV",
                      help="also time the default plan's draws at this git revision")
    args = ap.parse_args(argv)
    from zoneplan.plan import builtin_plan_ids

    print(f"{os.cpu_count()} cores; load average (1/5/15 min) at start {_load()}")
    print("\n1. cost of one draw, in this process (one core), median of "
          f"{args.runs} runs of 30 draws")
    costs: dict[str, tuple[float, float, float]] = {}
    for pid in builtin_plan_ids():
        costs[pid] = cost_per_draw(pid, 30, args.runs)
        wall, cpu, central = costs[pid]
        ok = "OK" if cpu * 1000 <= TARGET_CPU_MS else "OVER"
        print(f"   {pid:<22} {wall * 1000:6.1f} ms per draw ({1 / wall:6.1f} draws/s), "
              f"CPU {cpu * 1000:6.1f} ms (target {TARGET_CPU_MS:g} ms {ok}); central case "
              f"and ranges {central:.2f} s   load {_load()}")
    print(f"\n2. {PLAN}: {args.samples} draws on a warm LocalCluster (steady state), "
          f"median of {args.runs}")
    rate: dict[int, float] = {}
    best: dict[int, float] = {}
    for w in (1, 2):
        rates, cpu = cluster_rate(w, args.samples, args.runs)
        rate[w], best[w] = statistics.median(rates), max(rates)
        ok = ("OK" if rate[w] >= TARGET_PER_S else "UNDER") if w == 2 else ""
        print(f"   {w} worker{'s' if w > 1 else ' '}: {rate[w]:6.1f} draws/s "
              f"(runs: {', '.join(f'{x:.1f}' for x in rates)}), workers' CPU "
              f"{statistics.median(cpu) * 1000:.1f} ms per draw; target {TARGET_PER_S:g}/s "
              f"{ok}   load {_load()}")
    speedup = rate[2] / rate[1]
    print(f"   speed-up of 2 workers over 1: {speedup:.2f}x (parallel efficiency "
          f"{speedup / 2:.0%}); best runs {best[2] / best[1]:.2f}x")
    print(f"\n3. zoneplan run {PLAN} --samples {args.samples} --format json (fresh process, "
          "local scheduler, everything included)")
    whole = whole_command(args.samples, args.runs)
    med = statistics.median(whole)
    print(f"   median {med:.1f} s: {args.samples / med:.1f} draws/s end to end "
          f"(runs: {', '.join(f'{x:.1f}' for x in whole)} s)   load {_load()}")
    eff = min(1.0, speedup / 2)
    print(f"\n4. on paper: {DRAWS_ON_PAPER:,} draws of each built-in plan on "
          f"{CLUSTER_WORKERS} workers, each a core like these with nothing else to do (CPU "
          f"cost per draw from 1); seconds if every worker is busy all the time, and at "
          f"the {eff:.0%} parallel efficiency measured in 2")
    total = [0.0, 0.0]
    for pid, (_, cpu, central) in costs.items():
        ts = [central + DRAWS_ON_PAPER * cpu / (CLUSTER_WORKERS * e) for e in (1.0, eff)]
        total = [a + b for a, b in zip(total, ts, strict=True)]
        print(f"   {pid:<22} {DRAWS_ON_PAPER * cpu / 3600:5.2f} core-hours; about "
              f"{ts[0]:5.0f} s ({ts[1]:5.0f} s)")
    print(f"   all {len(costs)} plans in one batch: about {total[0] / 60:.1f} min "
          f"({total[1] / 60:.1f} min), plus starting the cluster")
    if args.raster:
        here, there, inside = raster_read(args.raster, args.runs)
        print(f"\n5. reading a {args.raster:g} m population raster of the Strip ({inside:,} "
              f"pixels inside), median of {args.runs}: here {statistics.median(here):.2f} s; "
              f"into parts kept on 2 workers {statistics.median(there):.2f} s   "
              f"load {_load()}")
    if args.baseline or args.baseline_rev:
        print(f"\n6. {PLAN}: CPU per draw in fresh processes (30 draws each), this tree "
              f"and the baseline alternating, median of {args.runs}")
        with tempfile.TemporaryDirectory() as tmp:
            src = args.baseline or baseline_src(args.baseline_rev, Path(tmp))
            against(src, 30, args.runs)
    print(f"\nload average at the end {_load()}")


if __name__ == "__main__":  # (the LocalCluster's worker processes import this module)
    main()
