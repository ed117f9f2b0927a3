"""Shared fixtures: hand-made territories and plans, and the real data in ../shared."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from .fuzzing import LONG_PROFILE

# Bytecode is cached while the tests run, whatever the environment says: with
# PYTHONDONTWRITEBYTECODE set (as on the machines this suite is timed on), every
# `zoneplan` process a test starts compiled all of zoneplan's modules again (about 0.15 s
# each) and pytest rewrote every test module's assertions in every worker (about 2.4 s
# each). Set here, before pytest-xdist starts its workers, so they and every process the
# tests start inherit it; the caches go to __pycache__ folders git ignores.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

settings.register_profile(LONG_PROFILE)
"""``pytest --hypothesis-profile long``: the fuzz tests with their longer counts (see
``tests/fuzzing.py``); the other properties keep their own."""

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "gaza"

# A 1 km x 1 km square in lon/lat near Gaza (UTM 36N) is awkward to compute by hand,
# so hand-checked tests use a square laid out in UTM 36N and converted to lon/lat.
SQUARE_UTM = (600_000.0, 3_480_000.0, 602_000.0, 3_482_000.0)  # 2 km x 2 km = 4 km²


def utm_to_lonlat(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    t = Transformer.from_crs(32636, 4326, always_xy=True)
    lon, lat = t.transform(x, y)
    return (lon, lat)


@pytest.fixture(autouse=True, scope="session")
def _data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The session's own data folder (``ZONEPLAN_DATA_DIR``): what runs keep there (the
    built-in population grid) is not written into the user's cache, and commands run in
    subprocesses inherit it."""
    from zoneplan.io.folders import ENV_DATA_DIR

    before = os.environ.get(ENV_DATA_DIR)
    os.environ[ENV_DATA_DIR] = str(tmp_path_factory.mktemp("zoneplan-data"))
    yield
    if before is None:
        os.environ.pop(ENV_DATA_DIR, None)
    else:
        os.environ[ENV_DATA_DIR] = before


@pytest.fixture
def shared_data() -> Path:
    """Path of ../shared/data/gaza; skipped when absent, failing under CI=true."""
    if not SHARED.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing but CI=true requires the real-data tests")
        pytest.skip("../shared/data is not present")
    return SHARED


def write_geojson(path: Path, features: list[dict[str, Any]], *, crs: bool = True) -> Path:
    fc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if not crs:
        # RFC 7946 GeoJSON is always WGS 84; a file "without a CRS" has to be another
        # format, so tests needing that write a shapefile without .prj instead.
        pass
    path.write_text(json.dumps(fc))
    return path


def square_ring(
    bounds: tuple[float, float, float, float] = SQUARE_UTM,
) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = bounds
    return [utm_to_lonlat(*p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]


def square_bands(path: Path, bands: dict[str, tuple[float, float]],
                 populations: dict[str, float] | None = None) -> Path:
    """Areas over the square of :func:`square_plan`, written as GeoJSON: each named band
    runs across the square's whole width, from ``a`` to ``b`` metres north of its south
    edge (bands may overlap), with a ``population`` attribute where given."""
    x0, y0, x1, _ = SQUARE_UTM
    feats = []
    for name, (a, b) in bands.items():
        props: dict[str, Any] = {"name": name}
        if populations is not None:
            props["population"] = populations[name]
        feats.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Polygon", "coordinates": [square_ring((x0, y0 + a, x1, y0 + b))]}})
    return write_geojson(path, feats)


HALVES = {"south": (0.0, 1000.0), "north": (1000.0, 2000.0)}
"""The square's south and north halves (:func:`square_bands`)."""


@pytest.fixture
def square_plan(tmp_path: Path) -> dict[str, Any]:
    """A 2 km square of 10,000 people (uniform), cut by a north-south line at x = 500 m.

    By hand: west zone 0.5 km x 2 km = 1 km² (25%), east 3 km² (75%); residents
    2,500 and 7,500. The east zone is closed: its 7,500 people move west, so the west
    zone ends with 10,000 people on 1 km², i.e. 100 m² per person.
    """
    ring = square_ring()
    poly = {"type": "Polygon", "coordinates": [ring]}
    write_geojson(tmp_path / "territory.geojson",
                  [{"type": "Feature", "properties": {}, "geometry": poly}])
    write_geojson(tmp_path / "people.geojson",
                  [{"type": "Feature", "properties": {"pop": 10000}, "geometry": poly}])
    x0, y0, _, y1 = SQUARE_UTM
    line = [utm_to_lonlat(x0 + 500, y0 - 100), utm_to_lonlat(x0 + 500, y1 + 100)]
    plan = {
        "id": "square",
        "title": "Square split 25/75",
        "date": "2026-01-01",
        "status": "hypothetical",
        "sources": [{"id": "hand", "publisher": "tests", "title": "hand-made", "date": "2026"}],
        "territory": "territory.geojson",
        "lines": [{"id": "cut", "date": "2026-01-01", "sources": ["hand"],
                   "coordinates": [list(p) for p in line]}],
        "zones": [
            {"id": "west", "label": "West", "controller": "A", "access": "resident",
             "side": {"cut": "west"}},
            {"id": "east", "label": "East", "controller": "B", "access": "closed",
             "reconstruction": True, "side": {"cut": "east"}},
        ],
        "population": {"total": 10000, "date": "2026", "sources": ["hand"],
                       "baseline": "people"},
        "layers": {"people": {"path": "people.geojson", "count": "pop"}},
    }
    (tmp_path / "square.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    return plan


@pytest.fixture
def square_path(tmp_path: Path, square_plan: dict[str, Any]) -> Path:
    return tmp_path / "square.yaml"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
"""Flags for Debian's Chromium on a machine with no network (see the env notes)."""
SCREENS = Path("/tmp/zoneplan-screens")
"""Where browser tests copy their screenshots for a person to look at."""


def need_chromium() -> None:
    """Skip when Debian's Chromium is absent; fail instead under CI=true."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Playwright), one for a test module's browser tests; each test
    opens a context of its own. Not one per session: while Playwright's synchronous API
    is started, this thread counts as running an event loop (``asyncio.run`` fails)."""
    need_chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                               headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """In the pytest-xdist controller: give each worker this shell's ``$COLUMNS``."""
    node.workerinput["zoneplan_columns"] = os.environ.get("COLUMNS")


def pytest_configure(config: pytest.Config) -> None:
    """In a pytest-xdist worker, ``$COLUMNS`` is as in the shell that ran pytest, not the
    80 a worker is started with: the commands' captured output wraps at its width."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and "zoneplan_columns" in workerinput:
        columns = workerinput["zoneplan_columns"]
        if columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = columns


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the fuzz tests' outcome counts to the controller."""
    import sys

    fuzzing = sys.modules.get("tests.fuzzing")
    workeroutput = getattr(session.config, "workeroutput", None)
    if fuzzing is not None and workeroutput is not None:
        workeroutput["fuzz_counts"] = [[t, o, n] for (t, o), n in fuzzing.COUNTS.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the pytest-xdist controller, add up the fuzz counts a worker handed over."""
    counts = getattr(node, "workeroutput", {}).get("fuzz_counts")
    if counts:
        from tests import fuzzing

        for target, outcome, n in counts:
            fuzzing.COUNTS[(target, outcome)] += n


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After a run with the fuzz tests, print their outcome counts (tests/fuzzing.py),
    counted here or in pytest-xdist's workers."""
    import sys

    fuzzing = sys.modules.get("tests.fuzzing")
    if fuzzing is not None and fuzzing.COUNTS:
        terminalreporter.write_sep("-", "fuzz outcomes")
        terminalreporter.write_line(fuzzing.summary())


_DAC = (1 << 1) | (1 << 2)
"""CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: root's power to ignore file permissions."""


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


@contextlib.contextmanager
def without_root_file_powers() -> Iterator[None]:
    """For root: drop, while the block runs, the capabilities that bypass permissions."""
    if os.geteuid() != 0:
        yield
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capget")
    except (OSError, AttributeError):
        pytest.skip("running as root without Linux capabilities: files cannot be unreadable")
    saved = data[0].effective
    data[0].effective &= ~_DAC
    if libc.capset(ctypes.byref(header), data) != 0:
        pytest.skip("cannot drop root's file capabilities here")
    try:
        yield
    finally:
        data[0].effective = saved
        libc.capset(ctypes.byref(header), data)
