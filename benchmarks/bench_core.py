"""Benchmark the core: a fresh `zoneplan run --format json` and a warm `evaluate()`.

Targets (issue 2): fresh process <= 3 s on this 2-core machine; warm evaluate() of a
built-in plan <= 100 ms. Run:  python benchmarks/bench_core.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def fresh_process(runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zoneplan", "run", "--format", "json"],
                       check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def warm_evaluate(plan: str, runs: int = 30) -> list[float]:
    import zoneplan

    zoneplan.evaluate(plan)  # warm: imports, built-in pack, caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        zoneplan.evaluate(plan)
        times.append(time.perf_counter() - t0)
    return times


def _row(name: str, times: list[float], target: float) -> str:
    med, worst = statistics.median(times), max(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    ok = "OK" if med <= target else "OVER"
    return (f"{name:<48} median {med * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms  "
            f"max {worst * 1000:8.1f} ms  target {target * 1000:6.0f} ms  {ok}")


def main() -> None:
    print(_row("zoneplan run --format json (fresh process)", fresh_process(), 3.0))
    from zoneplan.plan import builtin_plan_ids

    for pid in builtin_plan_ids():
        print(_row(f"evaluate('{pid}') warm", warm_evaluate(pid), 0.100))


if __name__ == "__main__":
    main()
