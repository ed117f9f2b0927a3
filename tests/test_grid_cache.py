"""The built-in population grid kept between runs: the same figures as computed, bit for
bit; a new key for new tables; any failure of the kept file means computing it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from zoneplan import pack
from zoneplan.io.folders import ENV_DATA_DIR
from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.population import grid_cache
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.measure.population.population_sources import (
    POPULATION_CELL_M,
    SPREADS,
    builtin_population,
    builtin_spreads,
)

ROOT = Path(__file__).resolve().parents[1]

Spreads = dict[str, np.ndarray]


@pytest.fixture(scope="module")
def computed() -> tuple[CellGrid, Spreads]:
    return builtin_spreads(POPULATION_CELL_M)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ENV_DATA_DIR, str(tmp_path / "data"))
    return tmp_path / "data"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (dtype, shape and every byte)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _assert_identical(grid: CellGrid, spreads: Spreads, computed: tuple[CellGrid, Spreads]
                      ) -> None:
    cgrid, cspreads = computed
    assert list(spreads) == list(cspreads) == list(SPREADS)
    for k in SPREADS:
        assert _same(spreads[k], cspreads[k]), k
    for name in ("area_m2", "x", "y", "px", "py"):
        assert _same(getattr(grid, name), getattr(cgrid, name)), name
    assert list(shapely.to_wkb(grid.cells)) == list(shapely.to_wkb(cgrid.cells))
    assert grid.cell_size == cgrid.cell_size and grid.crs is not None
    assert grid.crs.equals(cgrid.crs)


def test_a_kept_grid_is_the_computed_grid_bit_for_bit(
        folder: Path, computed: tuple[CellGrid, Spreads]) -> None:
    key = grid_cache.grid_key(POPULATION_CELL_M)
    assert grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS) is None
    path = grid_cache.store(key, *computed)
    assert path is not None and path.parent == folder / "derived" and key in path.name
    kept = grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS)
    assert kept is not None
    _assert_identical(*kept, computed)
    # and the layer built on it: the first call computes and keeps, the second reads
    first: PopulationLayer = builtin_population.__wrapped__(POPULATION_CELL_M)
    second: PopulationLayer = builtin_population.__wrapped__(POPULATION_CELL_M)
    for layer in (first, second):
        _assert_identical(layer.grid, layer.counts, computed)
    assert first.method == second.method and first.spread_methods == second.spread_methods
    # every per-cell answer the measurement asks for agrees too
    zone = shapely.box(first.grid.x.min() + 3000, 3_480_000, first.grid.x.max(), 3_500_000)
    for a, b in zip(first.grid.coverage(zone), computed[0].coverage(zone), strict=True):
        assert _same(a, b)


@pytest.mark.slow
def test_a_fresh_run_and_a_run_from_the_kept_grid_print_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), ENV_DATA_DIR: str(tmp_path)}
    runs = []
    for _ in range(2):  # the first computes and keeps the grid, the second reads it
        proc = subprocess.run([sys.executable, "-m", "zoneplan", "run", "--format", "json"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                              check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        d = json.loads(proc.stdout)
        d["provenance"].pop("time_utc")
        runs.append(d)
        assert len(list((tmp_path / "derived").glob(f"{grid_cache.PREFIX}*.npz"))) == 1
    assert runs[0] == runs[1]


def test_the_key_follows_the_tables_content(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key = grid_cache.grid_key(POPULATION_CELL_M)
    assert grid_cache.grid_key(POPULATION_CELL_M) == key  # the same inputs, the same key
    assert grid_cache.grid_key(100.0) != key
    copy = tmp_path / "gaza"
    shutil.copytree(pack.PACK_DIR, copy)
    monkeypatch.setattr(pack, "PACK_DIR", copy)
    assert grid_cache.grid_key(POPULATION_CELL_M) == key  # a copy: the same content
    table = copy / "governorate_population.csv"
    text = table.read_bytes()
    assert b"North Gaza,PS0255,448000," in text
    table.write_bytes(text.replace(b"North Gaza,PS0255,448000,", b"North Gaza,PS0255,448001,"))
    assert grid_cache.grid_key(POPULATION_CELL_M) != key  # one person more: another grid


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other key", "short spread",
                                    "missing spread"])
def test_a_kept_file_that_is_not_right_is_passed_over(
        folder: Path, computed: tuple[CellGrid, Spreads], damage: str) -> None:
    key = grid_cache.grid_key(POPULATION_CELL_M)
    path = grid_cache.kept_path(key)
    if damage in ("garbage", "truncated"):
        assert grid_cache.store(key, *computed) is not None
        data = path.read_bytes()
        path.write_bytes(b"not a zip file" if damage == "garbage" else data[:len(data) // 2])
    else:
        grid, spreads = computed
        wrong = dict(spreads)
        if damage == "short spread":
            wrong["median"] = wrong["median"][:-1]
        elif damage == "missing spread":
            del wrong["uniform"]
        assert grid_cache.store("0" * 64 if damage == "other key" else key, grid, wrong)
        if damage == "other key":
            grid_cache.kept_path("0" * 64).rename(path)  # right name, wrong content
    assert grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS) is None
    layer = builtin_population.__wrapped__(POPULATION_CELL_M)  # computed, and kept anew
    _assert_identical(layer.grid, layer.counts, computed)
    kept = grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS)
    assert kept is not None
    _assert_identical(*kept, computed)


def test_a_folder_that_cannot_be_written_means_computing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        computed: tuple[CellGrid, Spreads]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(ENV_DATA_DIR, str(blocker))
    key = grid_cache.grid_key(POPULATION_CELL_M)
    assert grid_cache.store(key, *computed) is None  # said by the return, nothing raised
    layer = builtin_population.__wrapped__(POPULATION_CELL_M)
    _assert_identical(layer.grid, layer.counts, computed)
    assert blocker.read_text() == "not a folder"


def test_only_the_grids_used_last_are_kept(folder: Path,
                                          computed: tuple[CellGrid, Spreads]) -> None:
    keys = [f"{i:064x}" for i in range(grid_cache.KEEP + 2)]
    for k, key in enumerate(keys):
        assert grid_cache.store(key, *computed) is not None
        os.utime(grid_cache.kept_path(key), (1_000_000 + k, 1_000_000 + k))
    kept = sorted(p.name for p in (folder / "derived").iterdir())
    assert kept == sorted(f"{grid_cache.PREFIX}{k}.npz" for k in keys[-grid_cache.KEEP:])
    assert not list((folder / "derived").glob(".zoneplan-tmp-*"))  # no temporaries left


def _rewrite(path: Path, change: str) -> None:
    """Alter a kept grid: one person moved (``tampered``, checksum left as it was), or a
    NaN written with its checksum made to match (``nan``: only the values betray it)."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    spread = next(k for k in arrays if k.startswith("spread_"))
    values = arrays[spread].copy()
    if change == "tampered":
        values[0] += 1.0
        values[1] -= 1.0  # the same total: only the checksum can tell
    else:
        values[0] = np.nan
    arrays[spread] = values
    if change == "nan":
        arrays["checksum"] = np.array(grid_cache.content_checksum(arrays))
    with path.open("wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize("change", ["tampered", "nan"])
def test_a_tampered_or_nan_kept_grid_is_rebuilt(
        folder: Path, computed: tuple[CellGrid, Spreads], change: str) -> None:
    key = grid_cache.grid_key(POPULATION_CELL_M)
    path = grid_cache.store(key, *computed)
    assert path is not None
    assert grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS) is not None
    _rewrite(path, change)
    assert grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS) is None
    layer = builtin_population.__wrapped__(POPULATION_CELL_M)  # computed, and kept anew
    _assert_identical(layer.grid, layer.counts, computed)
    kept = grid_cache.load(key, cell_size=POPULATION_CELL_M, names=SPREADS)
    assert kept is not None
    _assert_identical(*kept, computed)


@pytest.mark.slow
def test_a_corrupted_cache_gives_the_same_figures(tmp_path: Path) -> None:
    """Corrupt the kept grid between two runs: the second run prints the same figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), ENV_DATA_DIR: str(tmp_path)}
    runs = []
    for i in range(2):
        proc = subprocess.run([sys.executable, "-m", "zoneplan", "run", "--format", "json"],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                              check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        d = json.loads(proc.stdout)
        d["provenance"].pop("time_utc")
        runs.append(d)
        if i == 0:
            (kept,) = (tmp_path / "derived").glob(f"{grid_cache.PREFIX}*.npz")
            _rewrite(kept, "tampered")
    assert runs[0] == runs[1]
