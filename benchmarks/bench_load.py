"""Load benchmark: the editor's server under concurrent requests, and its memory.

``zoneplan.web.serve`` runs in its own process (as ``zoneplan serve`` does). Each round
sends ``--requests`` ``POST /api/evaluate`` from ``--threads`` threads at once, each
thread on its own keep-alive connection, as several pages dragging lines would: three
of every four requests are drags (``"fast": true``, no ranges), the fourth a release
(exact, with ranges); each request moves the yellow line's middle vertex to a place of
its own (10 m apart), and every round sends the same requests, so rounds compare. Per
round it reports failed requests (anything but 200 with a result), latency as the
client sees it (p50, p95, max; milliseconds, queueing included: the server evaluates
one request at a time), requests per second, and the server's resident memory after
the round. Memory is steady when the last round ends within :data:`STEADY_FRACTION` of
the first.

Run: ``PYTHONPATH=src:benchmarks python benchmarks/bench_load.py [--requests 200]
[--threads 8] [--rounds 3]``; exit 1 on a failed request or growing memory.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from bench_web import PLAN, memory_mb, moved, pct, running_server

STEADY_FRACTION = 0.05
"""Largest growth of resident memory from the first round to the last (5 %)."""
RELEASE_EVERY = 4
"""One request in this many is a release (exact, with ranges); the others are drags."""
TIMEOUT_S = 300.0
"""Longest a request may wait for its answer, seconds (it queues behind the others)."""


def one_round(base: str, requests: int, threads: int) -> tuple[list[float], list[str], float]:
    """Send ``requests`` requests from ``threads`` threads; latencies (ms), failures, wall s."""
    local = threading.local()
    threads = min(threads, requests)
    start = threading.Barrier(threads)
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=TIMEOUT_S)
            clients.append(local.client)
            start.wait()  # every thread has its client: send together
        c: httpx.Client = local.client
        return c

    def send(k: int) -> tuple[float, str | None]:
        c = client()
        release = k % RELEASE_EVERY == RELEASE_EVERY - 1
        body = {"plan": PLAN, "lines": {"yellow-line": moved(k)},
                "ranges": release, "fast": not release}
        t0 = time.perf_counter()
        try:
            r = c.post("/api/evaluate", json=body)
            ms = (time.perf_counter() - t0) * 1000
            ok = r.status_code == 200 and "invariants" in r.json()
            return ms, None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
        except httpx.HTTPError as exc:
            return (time.perf_counter() - t0) * 1000, f"{type(exc).__name__}: {exc}"

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(send, range(requests)))
    wall = time.perf_counter() - t0
    for c in clients:
        c.close()
    return [ms for ms, _ in results], [e for _, e in results if e], wall


def main() -> int:
    """Run the rounds and print a Markdown table; return 1 on failure or growing memory."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as save, running_server(PLAN, Path(save)) as (proc, base):
        httpx.get(base + "/api/layers", params={"plan": PLAN}, timeout=60).raise_for_status()
        before = memory_mb(proc.pid)
        for r in range(args.rounds):
            ms, failed, wall = one_round(base, args.requests, args.threads)
            rows.append({"round": r + 1, "failed": failed, "p50": statistics.median(ms),
                         "p95": pct(ms, 0.95), "max": max(ms), "rps": len(ms) / wall,
                         **memory_mb(proc.pid)})
    print(f"\n{args.requests} requests per round from {args.threads} threads, plan {PLAN} "
          f"(1 in {RELEASE_EVERY} exact with ranges, the others fast); server memory before: "
          f"{before['rss_mb']:.0f} MB\n")
    print("| round | failed | p50 ms | p95 ms | max ms | requests/s | RSS MB | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['round']} | {len(row['failed'])} | {row['p50']:.0f} | {row['p95']:.0f} | "
              f"{row['max']:.0f} | {row['rps']:.1f} | {row['rss_mb']:.0f} | "
              f"{row['peak_mb']:.0f} |")
    growth = (rows[-1]["rss_mb"] - rows[0]["rss_mb"]) / rows[0]["rss_mb"]
    steady = growth <= STEADY_FRACTION
    failures = [f for row in rows for f in row["failed"]]
    print(f"\nmemory from round 1 to {len(rows)}: {growth:+.1%} "
          f"({'steady' if steady else 'GROWING'}); failed requests: {len(failures)}")
    for f in failures[:5]:
        print("  ", f)
    return 0 if steady and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
