"""Benchmark: the test suite's own time, whole and without the tests marked ``slow``.

Runs the README's test command (``python3 -m pytest -q``, with the workers that
``pyproject.toml``'s ``addopts`` start) from the repository root, then the quick half
(``-m "not slow"``), each in a fresh process with ``CI=true`` (so no QGIS, browser or
real-data test is skipped: a missing one fails instead), and prints for each its wall
time beside its target, the CPU time of the run and every process it started (user +
system, which load from other work on the machine changes far less than the wall time),
the machine's load averages before and after, and pytest's last line (what passed).
Targets (issue 25): the whole suite within 2 minutes and the quick half within 60 s on
an idle two-core machine.

Usage: ``python benchmarks/bench_suite.py [--only full|quick] [-- PYTEST_ARGS...]``
(arguments after ``--`` are added to both runs, e.g. ``-- -n 0`` for one process).
Exits 1 when a run's tests fail.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"full": 120.0, "quick": 60.0}
"""Wall-time targets, seconds: the whole suite, and ``-m "not slow"``."""
ARGS = {"full": [], "quick": ["-m", "not slow"]}
"""What each run adds to ``python3 -m pytest -q``."""
NAMES = {"full": "python3 -m pytest -q", "quick": 'python3 -m pytest -q -m "not slow"'}


@dataclass(frozen=True)
class Timing:
    """One run of the suite: wall and CPU seconds, load averages, pytest's verdict."""

    wall_s: float
    cpu_s: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    last_line: str
    returncode: int


def _children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process of this one."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_suite(extra: list[str]) -> Timing:
    """Run ``python -m pytest -q -p no:cacheprovider EXTRA`` here and time it."""
    env = {**os.environ, "CI": "true",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"),
                                                     os.environ.get("PYTHONPATH")) if p)}
    load_before = os.getloadavg()
    cpu0, t0 = _children_cpu(), time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-3000:])
    return Timing(wall, cpu, load_before, os.getloadavg(), lines[-1] if lines else "",
                  done.returncode)


def _load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(TARGETS_S), help="run one of the two")
    parser.add_argument("pytest_args", nargs="*", help="added to both pytest runs")
    args = parser.parse_args(argv)
    kinds = [args.only] if args.only else ["full", "quick"]
    print(f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) {_load(os.getloadavg())}")
    failed = False
    for kind in kinds:
        t = run_suite([*ARGS[kind], *args.pytest_args])
        target = TARGETS_S[kind]
        verdict = "within" if t.wall_s <= target else "OVER"
        print(f"{NAMES[kind]}: {t.wall_s:6.1f} s wall (target {target:.0f} s: {verdict}), "
              f"{t.cpu_s:6.1f} s CPU user+sys; load {_load(t.load_before)} before, "
              f"{_load(t.load_after)} after; {t.last_line}")
        failed |= t.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
