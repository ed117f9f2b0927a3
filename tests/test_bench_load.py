"""The editor's load benchmark (``benchmarks/bench_load.py``), run briefly: the server in
its own process on 127.0.0.1, a few dozen fast updates from four clients at once."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("httpx")
sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import bench_load


@pytest.mark.slow
def test_brief_load_run_has_no_errors_and_prints_its_figures(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = bench_load.main(["--requests", "32", "--threads", "4", "--rounds", "1",
                            "--release-every", "0", "--time-limit", "120"])
    out = capsys.readouterr().out
    assert code == 0, out
    row = re.search(r"^\| 1 \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", out,
                    re.MULTILINE)
    assert row is not None, out
    sent, unsent, failed, p50, p95, worst = map(int, row.groups())
    assert (sent, unsent, failed) == (32, 0, 0)
    assert 0 < p50 <= p95 <= worst
    cpu = re.search(r"^\| 1 \|(?: [^|]+ \|){7} (\d+\.\d) \|", out, re.MULTILINE)
    assert cpu is not None and 0 < float(cpu.group(1)) < 10_000, out  # server CPU per request
    assert re.search(r"server RSS before: \d+ MB, after: \d+ MB", out), out
    assert "errors: 0" in out and "load average" in out


def test_clients_drag_in_bands_of_their_own() -> None:
    """Request k goes to client k % threads, which moves the vertex 10 m at a time
    through a band of places no other client uses, within 2 km for eight clients."""
    threads, requests, band = 8, 2000, bench_load.CLIENT_BAND
    by_client: dict[int, set[int]] = {}
    for k in range(requests):
        by_client.setdefault(k % threads, set()).add(bench_load.place(k, threads))
    assert all(len(a & b) == 0 for c, a in by_client.items()
               for d, b in by_client.items() if c < d)
    assert set().union(*by_client.values()) == set(range(threads * band))
    steps = [bench_load.place(k + threads, threads) - bench_load.place(k, threads)
             for k in range(requests - threads)]
    assert set(steps) == {1, 1 - band}  # 10 m on, or back to the band's start
