"""A population raster held in parts where it was read (on a cluster's workers; here, in
this process through :class:`KeptHere`) gives the figures of the raster read whole, to
rounding; what needs people cell by cell is refused with a clear error, never guessed.

The same on a real loopback cluster, through the command line: ``test_dask_backend.py``.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from zoneplan import pack
from zoneplan.errors import InputError
from zoneplan.evaluate import evaluate_inputs
from zoneplan.io.areas import read_areas
from zoneplan.measure.grids import pixels
from zoneplan.measure.inputs import prepare
from zoneplan.measure.population import raster_population as rp
from zoneplan.measure.population.raster_shards import HeldGrid, HeldPopulation, KeptHere
from zoneplan.plan import load_plan
from zoneplan.render.maps.panels import density_cells

from .test_raster_population import UTM, _lonlat_raster, _territory

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-9
"""Relative difference allowed between a held and a whole raster (sums are added in
another order); quantities that should be zero (remainders) may differ by rounding
noise, at most ``TOLERANCE`` people or m² in absolute terms."""


class Pickled(KeptHere):
    """Parts, arguments and results sent through pickle, as between a cluster's
    processes."""

    def __init__(self, fn: Any, jobs: Any, done: Any = None) -> None:
        super().__init__(lambda j: _trip(fn(_trip(j))), jobs, done)

    def map(self, fn: Any, *args: Any) -> list[Any]:
        return [_trip(fn(_trip(p), *_trip(args))) for p in self.parts]

    def then(self, fn: Any, *args: Any, done: Any = None) -> Pickled:
        out = Pickled(lambda p: p, [])
        out.parts, self.parts = self.map(fn, *args), []
        for i in range(len(out.parts) if done is not None else 0):
            done(i)
        return out


def _trip(x: Any) -> Any:
    return pickle.loads(pickle.dumps(x))


class _Told:
    """A progress display: what it was told."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.steps: list[tuple[int, int]] = []

    def __call__(self, text: str) -> None:
        self.said.append(text)

    def advance(self, text: str, done: int, total: int) -> None:
        self.steps.append((done, total))


SKIPPED = ("time_utc", "duration_s", "baseline_method")
"""What may differ between a held and a whole read: timings, and the population method
(which says where the raster was read)."""


def same(a: Any, b: Any, where: str = "", *, skip: tuple[str, ...] = SKIPPED,
         atol: float = TOLERANCE) -> None:
    """Equal structures (dict keys in ``skip`` not compared), numbers within
    :data:`TOLERANCE` relative plus ``atol``."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            if k not in skip:
                same(a[k], b[k], f"{where}/{k}", skip=skip, atol=atol)
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]", skip=skip, atol=atol)
    elif isinstance(a, float) and isinstance(b, float):
        assert abs(a - b) <= TOLERANCE * max(abs(a), abs(b)) + atol, (where, a, b)
    else:
        assert a == b, (where, a, b)


@pytest.mark.parametrize("single", [False, True])
def test_parts_hold_the_cells_of_the_whole_raster(tmp_path: Path, single: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The same cells, people and edge shares as a read here, in the same precision:
    single precision when the whole raster has more cells than the limit, although each
    part has fewer."""
    if single:
        monkeypatch.setattr(rp, "SINGLE_PRECISION_CELLS", 1000)
    tif = _lonlat_raster(tmp_path / "ll.tif")
    whole = rp.raster_population(tif, _territory(), UTM, units="count", sources=[])
    monkeypatch.setattr(pixels, "STRIP_PIXELS", 200)  # strips of one block row (16 rows)
    monkeypatch.setattr(rp, "SHARD_PIXELS", 600)  # a strip per part
    told = _Told()
    held = rp.raster_population(tif, _territory(), UTM, units="count", sources=[],
                                hold=KeptHere, progress=told)
    assert isinstance(held, HeldPopulation) and isinstance(held.grid, HeldGrid)
    parts = held.grid.held.parts  # type: ignore[attr-defined]
    n = 2 * len(parts)  # the two passes over each part, told as parts are made
    assert told.steps == [(k, n) for k in range(1, n + 1)]
    assert told.said == ["reading ll.tif: 3 strips in 3 parts, kept on the workers"]
    assert held.parts == len(parts) > 2
    g = whole.grid
    assert len(held.grid) == len(g)
    assert held.grid.total_area_m2() == pytest.approx(g.total_area_m2(), rel=1e-12)
    assert held.total() == pytest.approx(whole.total(), rel=1e-12)
    assert held.grid.cell_size == g.cell_size
    # each part's cells, put back on the whole window, are the whole raster's, in order
    lin = np.concatenate([p.grid.lin.astype(np.int64) + p.rows[0] * g.width for p in parts])
    np.testing.assert_array_equal(lin, g.lin)
    people = np.concatenate([p.counts["raster"] for p in parts])
    assert people.dtype == whole.counts["raster"].dtype == (np.float32 if single
                                                             else np.float64)
    assert all(len(p.grid) < 1000 for p in parts)
    np.testing.assert_array_equal(people, whole.counts["raster"])
    assert ("single precision" in held.method) == single
    np.testing.assert_array_equal(
        np.concatenate([p.grid.edge_frac for p in parts]), g.edge_frac)
    assert [p.rows for p in parts] == sorted(p.rows for p in parts)
    assert parts[0].rows[0] == 0 and parts[-1].rows[1] == g.height


def test_parts_do_not_depend_on_the_workers(tmp_path: Path) -> None:
    """Parts are whole strips chosen from the raster alone (not from the workers)."""
    tif = _lonlat_raster(tmp_path / "ll.tif")
    jobs: list[list[Any]] = []

    def hold(fn: Any, js: Any, done: Any = None) -> KeptHere:
        jobs.append([j.bands for j in js])
        return KeptHere(fn, js, done)

    for _ in range(2):
        rp.raster_population(tif, _territory(), UTM, units="count", sources=[], hold=hold)
    assert jobs[0] == jobs[1]


@pytest.fixture(scope="module", params=["green-red-2025-11", "asc-2025-11"])
def raster_plan(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two built-in plans on a 50 m raster of the Strip made by the raster benchmark's
    generator: the green/red zones (hospitals, crossings, two lines) and the fenced
    compounds (residents at the compounds' sites)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_raster import make_raster

    folder = tmp_path_factory.mktemp("held")
    tif, _, _ = make_raster(folder, 50.0)
    plan = yaml.safe_load((pack.PACK_DIR.parent.parent / "plans" /
                           f"{request.param}.yaml").read_text())
    plan["id"] = f"held-{request.param}"
    plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
    plan["population"]["baseline"] = "pop"
    return load_plan(plan, base_dir=folder)


@pytest.mark.slow
def test_held_raster_gives_the_figures_of_the_whole(raster_plan: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every figure, range and check of a plan with hospitals and crossings (sums per
    distance block merged across parts) agrees with the raster read whole."""
    whole = evaluate_inputs(prepare(raster_plan), ranges=True)
    monkeypatch.setattr(pixels, "STRIP_PIXELS", 1 << 15)  # strips of one block row
    monkeypatch.setattr(rp, "SHARD_PIXELS", 1 << 17)  # a strip per part
    inputs = prepare(raster_plan, hold=Pickled)
    assert isinstance(inputs.population, HeldPopulation) and inputs.population.parts >= 2
    held = evaluate_inputs(inputs, ranges=True)
    assert "kept on the workers of a cluster in" in held.data["population"]["baseline_method"]
    same(whole.to_dict(), held.to_dict())
    # the report's map: residents per square summed part by part, as from the cells
    # (with the compounds' residents at their sites)
    assert held.metrics.cell_map is not None
    assert bool(held.metrics.cell_map.sites) == (raster_plan.id == "held-asc-2025-11")
    sq_whole, dens_whole, side = density_cells(whole)
    sq_held, dens_held, side_held = density_cells(held)
    assert side == side_held and len(sq_whole) == len(sq_held)
    np.testing.assert_allclose(dens_held, dens_whole, rtol=1e-9, atol=1e-9)
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(sq_whole, sq_held, strict=True))
    # what needs people cell by cell is refused, saying why
    with pytest.raises(InputError, match="held on the workers"):
        held.metrics.cell_residents  # noqa: B018


def test_by_area_is_refused_before_any_layout_is_measured(raster_plan: Any) -> None:
    inputs = prepare(raster_plan, hold=KeptHere)
    with pytest.raises(InputError, match="--by"):
        evaluate_inputs(inputs, ranges=False, by=read_areas("gaza:governorates"))


def test_a_scheduler_with_nothing_to_hold_says_so() -> None:
    """--scheduler without draws holds a fine raster on the workers; a plan without one
    runs here, and the note says so rather than letting a cluster seem used."""
    from zoneplan.scenarios.ensemble import NOTHING_HELD, evaluate_on

    [result], notes = evaluate_on([load_plan("baseline-2023")], scheduler="serial",
                                  ranges=False)
    assert NOTHING_HELD in notes
    assert result.data["zones"]
