"""Benchmark: ``zoneplan report green-red-2025-11 --out DIR`` in a fresh process.

Runs the command 5 times (each in a new Python process, so imports and the built-in
pack are loaded every time, as for a user), prints the median and maximum wall time
(seconds) and the size of report.html (bytes). Targets: ≤ 5 s, ≤ 3 MB.

Usage: ``PYTHONPATH=src python benchmarks/bench_report.py [PLAN]``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
TARGET_S = 5.0
TARGET_BYTES = 3_000_000



def main() -> int:
    plan = sys.argv[1] if len(sys.argv) > 1 else "green-red-2025-11"
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    times: list[float] = []
    size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(RUNS):
            out = Path(tmp) / f"r{i}"
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "zoneplan", "report", plan, "--out",
                                   str(out)], env=env, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                print(proc.stdout, proc.stderr, file=sys.stderr)
                return 1
            size = (out / "report.html").stat().st_size
    med, worst = statistics.median(times), max(times)
    print(f"zoneplan report {plan}: {RUNS} fresh-process runs, median {med:.2f} s, "
          f"max {worst:.2f} s (target ≤ {TARGET_S:g} s)")
    print(f"report.html: {size:,} bytes = {size / 1e6:.2f} MB (target ≤ 3 MB)")
    ok = worst <= TARGET_S and size <= TARGET_BYTES
    print("within targets" if ok else "OUTSIDE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
