"""Benchmark: start-up of fresh ``zoneplan`` processes against ``import geopandas``.

Each command runs in a new Python process (``sys.executable``), so every import and the
built-in pack are loaded every time, as for a user. The commands take turns (one run of
each per round, after one untimed warm-up round that fills the disk cache), so load from
other work on the machine falls on all of them alike. Prints the median and 90th
percentile wall time of each and its ratio to ``python -c "import geopandas"``.
Target (issue 25): a fresh default ``zoneplan run`` (the default plan, the terminal
table) within 1.15× the geopandas import, by medians (issue 11 asked for 2×).

Every command runs as an installed program does, with its bytecode cached (``.pyc``,
which ``pip install`` writes for geopandas and for a wheel of zoneplan): the children's
environment drops ``PYTHONDONTWRITEBYTECODE``, and the warm-up round writes zoneplan's.
(With it set, every zoneplan module is compiled from source in every process, about
0.15 s, while geopandas' bytecode came with its install.)

The warm-up round also lets ``zoneplan run`` keep the built-in population grid in
zoneplan's cache folder, as a user's first run does (``zoneplan.measure.population.grid_cache``), so
the timed runs read it. ``--first-run`` also times ``zoneplan run`` with a new, empty data
folder (``ZONEPLAN_DATA_DIR``) each time, so that it computes the grid, as on first use.

``--other-src DIR`` also times ``zoneplan run`` from another checkout's ``src`` folder in
the same rounds (e.g. the main branch, to compare under the same load).

Usage: ``PYTHONPATH=src python benchmarks/bench_startup.py [--runs N] [--first-run]
[--other-src DIR]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15
TARGET_RATIO = 1.15
"""Issue 25: a fresh default ``zoneplan run`` within this many times ``import geopandas``
(medians); issue 11 asked for 2×."""
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PLAN_FILE = ROOT / "src" / "zoneplan" / "pack" / "plans" / "green-red-2025-11.yaml"

COMMANDS: dict[str, list[str]] = {
    'python -c "import geopandas"': ["-c", "import geopandas"],
    "zoneplan --help": ["-m", "zoneplan", "--help"],
    f"zoneplan validate {DEFAULT_PLAN_FILE.relative_to(ROOT)}":
        ["-m", "zoneplan", "validate", str(DEFAULT_PLAN_FILE)],
    "zoneplan run": ["-m", "zoneplan", "run"],
}
"""What is timed, by the name shown: the arguments after ``python``."""
BASE = 'python -c "import geopandas"'
RUN = "zoneplan run"
FIRST = f"{RUN} (first run: grid computed)"


def _env(src: Path) -> dict[str, str]:
    """``src`` first on the path, no colour, and bytecode cached as an install has it."""
    path = os.environ.get("PYTHONPATH", "")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(src) + (os.pathsep + path if path else ""),
            "NO_COLOR": "1"}


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system) of every timed process, by command name: less moved by
other work on a loaded machine than wall time."""


def _cpu_children() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _time(args: list[str], env: dict[str, str], *, fresh_data: bool = False,
          name: str | None = None) -> float:
    """Wall time (seconds) of one fresh process; fails loudly if the command fails.
    ``fresh_data``: with a new, empty data folder (nothing kept from earlier runs);
    ``name``: keep the process's CPU time in :data:`CPU` under this name."""
    if fresh_data:
        with tempfile.TemporaryDirectory() as folder:
            return _time(args, {**env, "ZONEPLAN_DATA_DIR": folder}, name=name)
    c0, t0 = _cpu_children(), time.perf_counter()
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          cwd=ROOT, check=False)
    elapsed = time.perf_counter() - t0
    if name is not None:
        CPU.setdefault(name, []).append(_cpu_children() - c0)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return elapsed


def _p90(times: list[float]) -> float:
    """The 90th percentile (inclusive method: within the values measured)."""
    return statistics.quantiles(times, n=10, method="inclusive")[8] if len(times) > 1 \
        else times[0]


def measure(runs: int, other_src: Path | None = None, *, first_run: bool = False
            ) -> dict[str, list[float]]:
    """Wall times of every command, ``runs`` each, the commands taking turns; with
    ``other_src``, also ``zoneplan run`` from that ``src`` folder; with ``first_run``,
    also ``zoneplan run`` with an empty data folder each time."""
    jobs = {name: (args, _env(ROOT / "src")) for name, args in COMMANDS.items()}
    if first_run:
        jobs[FIRST] = (COMMANDS[RUN], _env(ROOT / "src"))
    if other_src is not None:
        jobs[f"{RUN} ({other_src})"] = (COMMANDS[RUN], _env(other_src))
    for name, (args, env) in jobs.items():  # warm-up: disk cache, .pyc files, kept grid
        _time(args, env, fresh_data=name == FIRST)
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(runs):
        for name, (args, env) in jobs.items():
            times[name].append(_time(args, env, fresh_data=name == FIRST, name=name))
    return times


def report(times: dict[str, list[float]]) -> bool:
    """Print the table; True if ``zoneplan run`` is within the target."""
    base = statistics.median(times[BASE])
    runs = len(times[BASE])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"fresh processes, {runs} runs each (+1 warm-up), {os.cpu_count()} cores, "
          f"load average {load:.2f}; {sys.executable}")
    width = max(len(n) for n in times)
    cpu_base = statistics.median(CPU[BASE]) if CPU.get(BASE) else float("nan")
    print(f"{'command':<{width}}  {'median s':>8}  {'p90 s':>6}  {'ratio':>6}  target  "
          f"{'CPU s':>6}  {'ratio':>6}")
    for name, ts in times.items():
        med = statistics.median(ts)
        cpu = statistics.median(CPU[name]) if CPU.get(name) else float("nan")
        target = f"≤ {TARGET_RATIO:g}×" if name.startswith(RUN) else ""
        print(f"{name:<{width}}  {med:8.3f}  {_p90(ts):6.3f}  {med / base:5.2f}×  "
              f"{target:<6}  {cpu:6.3f}  {cpu / cpu_base:5.2f}×")
    ratio = statistics.median(times[RUN]) / base
    ok = ratio <= TARGET_RATIO
    print(f"zoneplan run / import geopandas (medians): {ratio:.2f}× "
          f"({'within' if ok else 'OUTSIDE'} the target ≤ {TARGET_RATIO:g}×); CPU time "
          f"{statistics.median(CPU[RUN]) / cpu_base:.2f}×")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per command ({RUNS})")
    parser.add_argument("--first-run", action="store_true",
                        help="also time `zoneplan run` with an empty data folder each time "
                        "(the built-in population grid computed, as on first use)")
    parser.add_argument("--other-src", type=Path, default=None, metavar="DIR",
                        help="also time `zoneplan run` from this src folder (e.g. main's)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.other_src is not None and not (args.other_src / "zoneplan").is_dir():
        parser.error(f"{args.other_src} holds no zoneplan package")
    other = args.other_src.resolve() if args.other_src is not None else None
    return 0 if report(measure(args.runs, other, first_run=args.first_run)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
