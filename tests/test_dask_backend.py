"""The same figures in this process, on a LocalCluster, and on a Dask cluster started here
on the loopback address (a ``dask scheduler`` and two ``dask worker`` processes):

* the same seed gives the same percentiles for a batch of plans, one of them with a
  population raster (read and kept on the workers of the clusters, each layout summed
  there; the command line with and without draws, and a report's map);
* a timeline of dated layers, with the orders in force, gives the same series (the
  command line, end to end).

Nothing here touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from zoneplan.cli.app import main
from zoneplan.evaluate import evaluate
from zoneplan.plan import load_plan
from zoneplan.scenarios.ensemble import run_samples
from zoneplan.scenarios.timeline import FLAG_NO_MATCH, FLAG_OUTSIDE

from .conftest import SHARED
from .test_raster_population import _lonlat_raster
from .test_raster_shards import same

pytestmark = pytest.mark.slow  # clusters start processes: seconds each

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
SAMPLES = 6


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """The default plan and the hand-made square on a lon/lat population raster."""
    folder = tmp_path_factory.mktemp("raster-plan")
    from .conftest import SQUARE_UTM, square_ring, utm_to_lonlat

    tif = _lonlat_raster(folder / "people.tif")
    x0, y0, _, y1 = SQUARE_UTM
    square = {
        "id": "square-raster", "title": "Square on a raster", "date": "2026-01-01",
        "status": "hypothetical",
        "sources": [{"id": "hand", "publisher": "tests", "title": "hand-made", "date": "2026"}],
        "territory": "territory.geojson",
        "lines": [{"id": "cut", "date": "2026-01-01", "sources": ["hand"],
                   "uncertainty": {"offset_m": 100, "sources": ["hand"]},
                   "coordinates": [list(utm_to_lonlat(x0 + 500, y0 - 100)),
                                   list(utm_to_lonlat(x0 + 500, y1 + 100))]}],
        "zones": [{"id": "west", "label": "West", "controller": "A", "access": "resident",
                   "side": {"cut": "west"}},
                  {"id": "east", "label": "East", "controller": "B", "access": "closed",
                   "side": {"cut": "east"}}],
        "population": {"date": "2026", "sources": ["hand"], "baseline": "people"},
        "layers": {"people": {"path": str(tif), "units": "count"}},
    }
    (folder / "territory.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [square_ring()]}}]}))
    (folder / "square.yaml").write_text(yaml.safe_dump(square, sort_keys=False))
    return [load_plan("green-red-2025-11"), load_plan(folder / "square.yaml")]


def _figures(results: list[Any]) -> list[dict[str, Any]]:
    """What must agree: every plan's central zones and all percentiles."""
    return [{"zones": r.to_dict()["zones"], "totals": r.to_dict()["totals"]} for r in results]


def _same(a: Any, b: Any) -> None:
    """Equal structures, numbers within the issue's 1e-9 relative (``TOLERANCE``; in
    practice equal to the bit), nothing skipped."""
    same(a, b, skip=(), atol=0.0)


@pytest.fixture(scope="module")
def serial(batch: list[Any]) -> list[Any]:
    return run_samples(batch, samples=SAMPLES, seed=SEED, scheduler="serial", ranges=False)


def _profiler_on() -> bool:
    import dask

    return bool(dask.config.get("distributed.worker.profile.enabled"))


def _environ(name: str) -> str | None:
    return os.environ.get(name)


@pytest.mark.slow
def test_local_workers_run_without_the_profiler_or_heap_trimming() -> None:
    """The workers of a LocalCluster zoneplan starts do not sample their stacks every
    10 ms (CPU time the draws need), nor get Dask's MALLOC_TRIM_THRESHOLD_ (which makes
    a draw's arrays fault their pages in again); other variables Dask sets still come;
    the settings are put back when the cluster closes."""
    import dask

    from zoneplan.scenarios.dask_backend import HEAP_TRIM_VARIABLE, open_backend

    before = _profiler_on()
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    assert environ.get(HEAP_TRIM_VARIABLE) is not None  # Dask's own default sets it
    others = sorted(k for k in environ if k != HEAP_TRIM_VARIABLE)
    with open_backend("local", workers=1) as backend:
        assert backend.results([backend.submit(_profiler_on)]) == [False]
        got = backend.results([backend.submit(_environ, k)
                               for k in [HEAP_TRIM_VARIABLE, *others]])
    assert got[0] == os.environ.get(HEAP_TRIM_VARIABLE)  # None unless set by the user
    assert got[1:] == [str(environ[k]) for k in others]
    assert _profiler_on() == before
    assert dict(dask.config.get("distributed.nanny.pre-spawn-environ")) == environ


@pytest.mark.slow
def test_local_cluster_matches_serial(batch: list[Any], serial: list[Any]) -> None:
    """Two worker processes on this machine."""
    local = run_samples(batch, samples=SAMPLES, seed=SEED, scheduler="local", workers=2,
                        ranges=False)
    assert local[0].data["samples"]["scheduler"] == "local"
    assert local[0].data["samples"]["workers"] == 2
    _same(_figures(serial), _figures(local))


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with log.open("wb") as fh:
        return subprocess.Popen([sys.executable, "-m", *args], stdout=fh, stderr=subprocess.STDOUT,
                                env=env, cwd=log.parent)


@pytest.fixture(scope="module")
def loopback_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``dask scheduler`` and two single-threaded ``dask worker`` processes on
    127.0.0.1; yields the scheduler's address and stops them (by their ids) afterwards."""
    folder = tmp_path_factory.mktemp("cluster")
    info = folder / "scheduler.json"
    procs = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(info)], folder / "scheduler.log")]
    try:
        for _ in range(600):
            if info.exists() and info.stat().st_size:
                break
            time.sleep(0.05)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs += [_start(["distributed.cli.dask_worker", address, "--nthreads", "1",
                          "--nworkers", "1", "--no-nanny", "--host", "127.0.0.1",
                          "--no-dashboard"], folder / f"worker{i}.log") for i in (1, 2)]
        yield address
    finally:  # workers first: a worker whose scheduler is gone waits to reconnect
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.mark.slow
def test_loopback_cluster_matches_serial(batch: list[Any], serial: list[Any],
                                         loopback_cluster: str) -> None:
    """An existing cluster, as `--scheduler tcp://HOST:PORT` uses it: same figures."""
    from distributed import Client

    with Client(loopback_cluster, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=60)
    told: list[str] = []
    remote = run_samples(batch, samples=SAMPLES, seed=SEED, scheduler=loopback_cluster,
                         ranges=False, progress=told.append)
    assert any(t.startswith("reading people.tif:") and t.endswith("kept on the workers")
               for t in told), told
    assert remote[0].data["samples"]["scheduler"] == loopback_cluster
    assert remote[0].data["samples"]["workers"] == 2
    _same(_figures(serial), _figures(remote))
    # the raster read on the workers gives the central figures of a read here
    here = evaluate(batch[1], ranges=False).to_dict()["zones"]
    _same([z["residents_baseline"] for z in here],
          [z["residents_baseline"] for z in remote[1].to_dict()["zones"]])
    assert np.isfinite(remote[0].data["totals"]["distribution"]["displaced_out"]["p50"])


@pytest.mark.slow
def test_command_line_holds_the_raster_on_the_cluster(
        batch: list[Any], loopback_cluster: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`zoneplan run PLAN --scheduler tcp://...` without draws: the raster is read and
    kept on the workers and gives the figures of a read here; a report's map is summed
    there too; --by, which needs the cells here, is refused before any layout is measured."""
    from zoneplan.cli.app import main

    plan = str(batch[1].path)
    assert main(["run", plan, "--format", "json", "-o", str(tmp_path / "here.json")]) == 0
    assert main(["run", plan, "--scheduler", loopback_cluster, "--format", "json",
                 "-o", str(tmp_path / "held.json")]) == 0
    here, held = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("here", "held"))
    assert "kept on the workers of a cluster" in held["population"]["baseline_method"]
    same(here, held)
    assert main(["report", plan, "--scheduler", loopback_cluster,
                 "-o", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "map.png").stat().st_size > 10_000
    capsys.readouterr()
    assert main(["run", plan, "--scheduler", loopback_cluster, "--by",
                 "gaza:governorates"]) == 2
    assert "--by" in capsys.readouterr().err


# -- a timeline of dated layers ---------------------------------------------------------------

NIBAL = SHARED / "btselem-nibal"
"""B'Tselem's evacuation-order layers (15 dated files), used when present."""

IN_FORCE_DAYS = 30


def _order(folder: Path, name: str, squares: list[tuple[float, float]],
           status: list[str]) -> Path:
    """A layer of 0.01° squares (lower-left corners, lon/lat) and their status."""
    p = folder / name
    feats = [{"type": "Feature", "properties": {"StatusText": st},
              "geometry": {"type": "Polygon", "coordinates": [[
                  [x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]}}
             for (x, y), st in zip(squares, status, strict=True)]
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return p


@pytest.fixture(scope="module")
def timeline_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Overlapping orders in Gaza City, one outside the Strip, one filtered out (in 2022,
    before the real ones); and the real evacuation-order layers when ../shared/data is
    present (required under CI)."""
    folder = tmp_path_factory.mktemp("orders")
    city = [(34.44 + 0.01 * i, 31.50) for i in range(3)]
    layers = [f"{_order(folder, 'a.geojson', city[:2], ['Displaced'] * 2)}@2022-05-01",
              f"{_order(folder, 'b.geojson', city[1:], ['Displaced', 'Safe'])}@2022-05-10",
              f"{_order(folder, 'far.geojson', [(35.0, 32.0)], ['Displaced'])}@2022-05-20",
              f"{_order(folder, 'safe.geojson', city, ['Safe'] * 3)}@2022-06-01"]
    if NIBAL.is_dir():
        layers += [f"{f}@2025-10-19" if "191025" in f.name else str(f)
                   for f in sorted(NIBAL.glob("IDF_zone_*.geojson"))]
    elif os.environ.get("CI") == "true":
        pytest.fail(f"{NIBAL} is missing (required under CI=true)")
    return [*layers, "--date-field", "Date", "--where", "StatusText == 'Displaced'",
            "--in-force", str(IN_FORCE_DAYS), "--format", "json"]


@pytest.fixture(scope="module")
def timeline_here(timeline_args: list[str]) -> dict[str, Any]:
    """The series measured in this process (the default, without Dask)."""
    return _timeline_cli(timeline_args)


def _timeline_cli(args: list[str]) -> dict[str, Any]:
    """``zoneplan timeline ARGS`` run as the script runs, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "zoneplan", "timeline", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "note:" not in proc.stderr, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def test_the_timeline_is_what_was_drawn_by_hand(timeline_here: dict[str, Any]) -> None:
    """What the cluster runs must reproduce: the orders, flags and unions in force."""
    rows = {Path(r["file"]).name: r for r in timeline_here["rows"]}
    assert rows["far.geojson"]["flag"] == FLAG_OUTSIDE
    assert rows["safe.geojson"]["flag"] == FLAG_NO_MATCH
    one = rows["a.geojson"]["area_km2"] / 2  # a: two squares; b: one ('Safe' filtered out)
    assert rows["b.geojson"]["area_km2"] == pytest.approx(one, rel=1e-3)
    force = {r["date"]: r for r in timeline_here["in_force"]}
    assert force["2022-05-10"]["area_km2"] == pytest.approx(2 * one, rel=1e-3)  # b inside a
    assert len(force["2022-05-20"]["orders"]) == 2  # 'far' has nothing inside: not counted
    assert len(timeline_here["rows"]) == 4 + (15 if NIBAL.is_dir() else 0)


@pytest.mark.slow
def test_timeline_on_a_local_cluster_matches(timeline_args: list[str],
                                             timeline_here: dict[str, Any],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Two worker processes on this machine, from the command line."""
    assert main(["timeline", *timeline_args, "--scheduler", "local", "--workers", "2"]) == 0
    _same(timeline_here, json.loads(capsys.readouterr().out))


def test_timeline_on_a_loopback_cluster_matches(timeline_args: list[str],
                                                timeline_here: dict[str, Any],
                                                loopback_cluster: str) -> None:
    """An existing cluster: its workers get the shared grid once and measure the orders."""
    from distributed import Client

    with Client(loopback_cluster, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=60)
    remote = _timeline_cli([*timeline_args, "--scheduler", loopback_cluster])
    _same(timeline_here, remote)
