"""Monte Carlo draws, in this process: lines moved within their uncertainty, mixtures that
keep every total, stated ranges drawn within themselves, percentiles, seeds, JSON, display.

The same draws on a LocalCluster and on a loopback Dask cluster: ``test_dask_backend.py``.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import LineString

from zoneplan.cli.app import main
from zoneplan.errors import InputError, InvariantError
from zoneplan.evaluate import evaluate
from zoneplan.measure.figures.crossings import crossing_sites
from zoneplan.measure.sums.zone_sums import _point_zone
from zoneplan.measure.zones import build_layout
from zoneplan.plan import load_plan
from zoneplan.render.pages.html import render_report_html
from zoneplan.render.words.distribution import distribution_html, samples_legend
from zoneplan.render.words.terminal import print_result
from zoneplan.scenarios import ensemble
from zoneplan.scenarios import samples as samples_module
from zoneplan.scenarios.dask_backend import DASK_MISSING, SerialBackend, open_backend
from zoneplan.scenarios.ensemble import _reduce, distribution, run_samples
from zoneplan.scenarios.line_draws import LINE_CORRELATION_M, LineJitter
from zoneplan.scenarios.samples import (
    ChunkResult,
    _drawn_layout,
    _place_points,
    _place_sites,
    build_model,
    draw,
    evaluate_chunk,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = 20251114


def _square(tmp_path: Path, plan: dict[str, Any], offset_m: float = 100.0) -> Any:
    """The hand-made square (conftest) with its line uncertain by ``offset_m`` metres."""
    plan = json.loads(json.dumps(plan))
    plan["lines"][0]["uncertainty"] = {"offset_m": offset_m, "sources": ["hand"]}
    return load_plan(plan, base_dir=tmp_path)


# -- lines -------------------------------------------------------------------------------

def test_straight_line_moves_sideways_within_its_uncertainty() -> None:
    """A line along x moves only in y, every point within ±u, both ways alike: the
    displacement is uniform on [-u, u] (mean 0, standard deviation u/√3)."""
    j = LineJitter.of("cut", LineString([(0, 0), (40_000, 0)]), offset_m=200.0)
    rng = np.random.default_rng(1)
    moved = np.array([np.asarray(j.draw(rng).coords) for _ in range(400)])
    np.testing.assert_allclose(moved[:, :, 0], np.broadcast_to(j.xy[:, 0], moved.shape[:2]))
    y = moved[:, :, 1]
    assert np.abs(y).max() <= 200.0
    assert abs(y.mean()) < 10.0
    assert y.std() == pytest.approx(200.0 / np.sqrt(3), rel=0.06)


def test_displacement_is_correlated_along_the_line() -> None:
    """Gaussian correlation exp(-r²/(2ℓ²)): ~0.61 one correlation length apart, ~0 at
    four, 1 between a point and itself."""
    ell = 2_000.0
    j = LineJitter.of("cut", LineString([(0, 0), (30_000, 0)]), offset_m=100.0,
                      correlation_m=ell)
    rng = np.random.default_rng(2)
    g = np.array([j.field(rng) for _ in range(1500)])
    at = {r: int(np.argmin(np.abs(j.along - (5_000 + r)))) for r in (0, ell, 4 * ell)}
    corr = {r: np.corrcoef(g[:, at[0]], g[:, k])[0, 1] for r, k in at.items()}
    assert g.var(axis=0).mean() == pytest.approx(1.0, abs=0.08)
    assert corr[ell] == pytest.approx(np.exp(-0.5), abs=0.07)
    assert abs(corr[4 * ell]) < 0.08


def test_bad_correlation_or_uncertainty_is_refused() -> None:
    line = LineString([(0, 0), (1, 0)])
    with pytest.raises(ValueError, match="correlation"):
        LineJitter.of("a", line, offset_m=10.0, correlation_m=0.0)
    with pytest.raises(ValueError, match="uncertainty"):
        LineJitter.of("a", line, offset_m=float("nan"))


# -- draws and seeds ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_model() -> Any:
    r = evaluate("green-red-2025-11", ranges=False)
    return r, build_model(r.inputs, r.layout, r.metrics)


def test_draw_i_depends_on_seed_and_i_alone(default_model: Any) -> None:
    """Drawing 5 then 2 gives what drawing 2 alone gives; the seed of draw i is the i-th
    child of SeedSequence(seed).spawn(n), as samples.method says."""
    _, model = default_model
    later = [draw(model, SEED, i) for i in (5, 2)]
    alone = draw(model, SEED, 2)
    assert later[1].lines["yellow-line"].equals_exact(alone.lines["yellow-line"], 0.0)
    np.testing.assert_array_equal(later[1].weights, alone.weights)
    assert not later[0].lines["yellow-line"].equals(alone.lines["yellow-line"])
    child = np.random.SeedSequence(SEED).spawn(6)[5].spawn(3)[2]
    direct = np.random.SeedSequence(SEED, spawn_key=(5, 2))
    np.testing.assert_array_equal(child.generate_state(4), direct.generate_state(4))


def test_chunks_give_the_same_draws(default_model: Any) -> None:
    """Cutting the draws into other tasks changes nothing."""
    _, model = default_model
    one = evaluate_chunk(model, SEED, [0, 1, 2, 3])
    parts = [evaluate_chunk(model, SEED, [0, 1]), evaluate_chunk(model, SEED, [2, 3])]
    np.testing.assert_array_equal(one.values, np.vstack([p.values for p in parts]))


def _geos_reference(model: Any, indices: list[int],
                    monkeypatch: pytest.MonkeyPatch) -> Any:
    """The draws' figures as GEOS gives them: the grid itself (every crossed cell
    intersected with each zone by GEOS), every crossing and point placed draw by draw,
    the remainder as the territory minus the zones."""
    with monkeypatch.context() as m:
        m.setattr(samples_module, "build_layout",
                  lambda inputs, *, line_overrides, empty_rest: build_layout(
                      inputs, line_overrides=line_overrides))
        plain = replace(model, cell_inputs=None, sites=None, points=())
        return evaluate_chunk(plain, SEED, indices).values


def test_the_prepared_grid_gives_the_grids_own_figures(
        default_model: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Draws measured on the grid prepared for them (only the band along the moving line
    tested again, the crossed square cells shared out by numpy), with the crossings and
    points no draw can move placed once and the remainder of a territory cut by lines
    alone taken as empty, give every figure of the grid itself, of GEOS and of
    everything placed draw by draw, to 1e-9 (rounding: 1e-13 seen)."""
    _, model = default_model
    assert model.cell_inputs is not None
    band = model.cell_inputs.population.grid
    assert 0 < band.band.size < len(band) / 2
    assert model.sites is not None and all(fixed for _, fixed in model.sites)
    assert all(0 < p.near.size < len(p.zones) / 4 for p in model.points)
    a = evaluate_chunk(model, SEED, list(range(6))).values
    b = _geos_reference(model, list(range(6)), monkeypatch)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=0.0)
    assert not np.array_equal(a, b)  # rounding differs: the two routes were taken


@pytest.mark.slow
def test_fixed_lines_and_clipped_cells_against_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    """withdrawal-phases: a moving line meets two fixed ones that end at the coast, so
    the crossed cells include cells the coast clips (shared through their squares) and
    cells of zones the moving line does not bound; every figure of a few draws as GEOS
    gives it on the grid itself, to 1e-9."""
    r = evaluate("withdrawal-phases", ranges=False)
    model = build_model(r.inputs, r.layout, r.metrics)
    band = model.cell_inputs.population.grid
    assert (~band.box & ~np.isnan(band.square[:, 0])).any()
    a = evaluate_chunk(model, SEED, [0, 1, 2]).values
    b = _geos_reference(model, [0, 1, 2], monkeypatch)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=0.0)


def test_a_drawn_layout_has_the_zones_of_the_plain_one(default_model: Any) -> None:
    """The drawn layouts' zones are the plan's own layout code's, to the last bit; only
    the remainder is taken as empty, where GEOS leaves slivers of rounding (well under
    the tolerance of a square metre) or nothing."""
    _, model = default_model
    slivers = 0.0
    for i in range(5):
        d, drawn, _ = _drawn_layout(model, SEED, i)
        plain = build_layout(model.inputs, line_overrides=d.lines)
        assert all(a.geometry.equals_exact(b.geometry, 0.0)
                   for a, b in zip(drawn.zones, plain.zones, strict=True))
        assert drawn.remainder.is_empty
        slivers = max(slivers, plain.remainder.area)
    assert slivers < 1e-4


def test_crossings_and_points_on_drawn_layouts_are_placed_as_on_their_own() -> None:
    """Crossings whose disc lies across fixed lines are placed again on each drawn
    layout, the others reused: every drawn layout gets what crossing_sites gives it;
    likewise the zones of hospitals and damage points near the moving line."""
    r = evaluate("withdrawal-phases", ranges=False)
    model = build_model(r.inputs, r.layout, r.metrics)
    assert model.sites is not None
    fixed = [f for _, f in model.sites]
    assert any(fixed) and not all(fixed)
    layer = model.inputs.crossings
    for i in range(4):
        layout = _drawn_layout(model, SEED, i)[1]
        _place_sites(model, layout)
        assert layout.sites[id(layer)] == crossing_sites(layer, layout)
        want = {p.role: _point_zone(getattr(model.inputs, p.role), layout)
                for p in model.points}
        _place_points(model, layout)
        for p in model.points:
            assert layout.point_zones[id(getattr(model.inputs, p.role))] == want[p.role]


@pytest.mark.slow
def test_mixtures_keep_every_person_and_stated_ranges_stay_in_range() -> None:
    """Baseline residents add up to the layer's 2,213,876 in every draw; personnel are one
    of the stated force cases; compounds hold count x capacity within the stated ranges."""
    results = run_samples([load_plan("green-red-2025-11"), load_plan("asc-2025-11")],
                          samples=8, seed=SEED, scheduler="serial", ranges=False)
    gr, asc = (r.to_dict() for r in results)
    base = gr["totals"]["distribution"]["residents_baseline"]
    assert base["p5"] == pytest.approx(2_213_876, rel=1e-9)
    assert base["p95"] == pytest.approx(2_213_876, rel=1e-9)

    def column(r: Any, key: str) -> Any:
        model = build_model(r.inputs, r.layout, r.metrics)
        return model, evaluate_chunk(model, SEED, list(range(8))).values[
            :, model.keys.index((None, key))]

    model, personnel = column(results[0], "forces_personnel")
    assert set(personnel) <= {float(sum(e.personnel for e in o)) for o in model.force_options}
    _, capacity = column(results[1], "compound_capacity")
    assert np.all((capacity >= 1 * 6000) & (capacity <= 6 * 25000))
    assert np.array_equal(capacity, np.round(capacity)) and len(set(capacity)) > 1
    # the same draws (common random numbers): the shared line moves alike in both plans
    assert (gr["zones"][0]["distribution"]["share_of_territory"]
            == asc["zones"][0]["distribution"]["share_of_territory"])


def test_square_share_stays_within_the_moved_line(tmp_path: Path,
                                                  square_plan: dict[str, Any]) -> None:
    """By hand: the west zone is 500 m of a 2 km square; the line moved ±100 m (nearly
    rigidly, ℓ = 5 km over 2 km) gives shares in [0.20, 0.30], centred on 0.25."""
    plan = _square(tmp_path, square_plan)
    [r] = run_samples([plan], samples=40, seed=3, scheduler="serial")
    d = r.to_dict()["zones"][0]["distribution"]["share_of_territory"]
    assert 0.20 <= d["p5"] < d["p50"] < d["p95"] <= 0.30
    assert d["p50"] == pytest.approx(0.25, abs=0.03)
    assert d["n"] == 40


def test_lines_without_uncertainty_stay_put() -> None:
    # the phase lines state no uncertainty; the yellow line takes the pack's ±200 m
    [r] = run_samples([load_plan("withdrawal-phases")], samples=3, seed=1,
                      scheduler="serial", ranges=False)
    d = r.to_dict()
    moved = {ln["id"]: ln["moved"] for ln in d["samples"]["lines"]}
    assert moved == {"yellow-line": True, "phase-2-line": False, "phase-3-line": False}
    assert ("Not moved, as the plan states no uncertainty for them: 'phase-2-line', "
            "'phase-3-line'") in d["samples"]["method"]
    assert "not moved, as the plan states no uncertainty for them: phase-2-line, phase-3-line" in (
        samples_legend(d) or "")


# -- reduction and JSON --------------------------------------------------------------------

def test_percentiles_skip_draws_without_a_figure() -> None:
    v = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])
    zones, _ = distribution(v, (("z", "a"), ("z", "b")))
    assert zones["z"]["a"] == {"p5": 1.1, "p50": 2.0, "p95": 2.9, "n": 3}
    assert zones["z"]["b"] is None


def test_a_broken_invariant_in_a_draw_is_a_bug() -> None:
    part = ChunkResult(indices=np.arange(2), values=np.zeros((2, 1)), redraws=0,
                       broken=[(1, "area_conserved")])
    with pytest.raises(InvariantError, match="draw 1 of seed 9: area_conserved is false"):
        _reduce([part], 2, "p", 9)


def test_json_keys_with_and_without_samples(tmp_path: Path,
                                            square_plan: dict[str, Any]) -> None:
    plain = evaluate(_square(tmp_path, square_plan)).to_dict()
    assert plain["samples"] is None and plain["totals"]["distribution"] == {}
    assert all(z["distribution"] == {} for z in plain["zones"])
    [r] = run_samples([_square(tmp_path, square_plan)], samples=5, seed=11,
                      scheduler="serial")
    d = r.to_dict()
    assert {"n", "seed", "method", "scheduler"} <= set(d["samples"])
    assert (d["samples"]["n"], d["samples"]["seed"], d["samples"]["scheduler"]) == (5, 11,
                                                                                   "serial")
    for z in d["zones"]:
        assert z["residents"] == plain["zones"][[p["id"] for p in plain["zones"]].index(
            z["id"])]["residents"]  # the central case is unchanged
        for v in z["distribution"].values():
            assert v is None or v["p5"] <= v["p50"] <= v["p95"]
    json.dumps(d, allow_nan=False)


def test_bad_arguments_are_input_errors() -> None:
    plan = load_plan("baseline-2023")
    for kw in ({"samples": 0}, {"samples": 2, "seed": -1}, {"samples": 2, "correlation_m": 0},
               {"samples": 2, "scheduler": "nowhere"},
               {"samples": 2, "scheduler": "tcp://127.0.0.1:9", "workers": 2}):
        with pytest.raises(InputError):
            run_samples([plan], **kw)  # type: ignore[arg-type]


# -- backends -------------------------------------------------------------------------------

def test_without_dask_the_draws_run_serially_with_a_note(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with open_backend("local") as backend:
        assert isinstance(backend, SerialBackend) and backend.notes == [DASK_MISSING]
    [r] = run_samples([load_plan("baseline-2023")], samples=2, seed=1, ranges=False)
    assert r.data["samples"]["scheduler"] == "serial"
    assert r.data["samples"]["notes"] == [DASK_MISSING]


def test_a_batch_of_plans_opens_one_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """All plans' draws go to the same cluster, submitted before any is awaited."""
    opened: list[SerialBackend] = []
    awaited: list[int] = []

    class Counting(SerialBackend):
        def results(self, handles: Any, done: Any = None) -> list[Any]:
            awaited.append(len(handles))
            return super().results(handles, done)

    @contextlib.contextmanager
    def one(*args: Any, **kwargs: Any) -> Iterator[SerialBackend]:
        opened.append(Counting())
        yield opened[-1]

    monkeypatch.setattr(ensemble, "open_backend", one)
    plans = [load_plan("baseline-2023"), load_plan("withdrawal-phases")]
    results = run_samples(plans, samples=2, seed=1, ranges=False)
    assert len(opened) == 1 and len(awaited) == 1
    assert awaited[0] == sum(len(ensemble._chunks(2, 1)) for _ in plans)
    assert [r.data["samples"]["n"] for r in results] == [2, 2]


@pytest.mark.slow
def test_other_commands_do_not_import_dask() -> None:
    code = ("import sys; from zoneplan.cli.app import main; "
            "main(['run', 'baseline-2023', '--no-ranges', '--format', 'json']); "
            "print([m for m in ('dask', 'distributed') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin"},
                          timeout=120)
    assert proc.stdout.strip().endswith("[]"), proc.stdout[-300:]


def test_errors_survive_the_trip_from_a_worker() -> None:
    e = pickle.loads(pickle.dumps(InputError("bad", path="p.yaml", suggestion="fix it")))
    assert (e.message, e.path, e.suggestion) == ("bad", "p.yaml", "fix it")


# -- command line and display -----------------------------------------------------------------

def test_cli_samples_json_and_batch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "baseline-2023", "ceasefire-2025-10", "--no-ranges", "--samples", "3",
                 "--seed", "5", "--scheduler", "serial", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["plan"]["id"] for d in out] == ["baseline-2023", "ceasefire-2025-10"]
    assert all(d["samples"]["seed"] == 5 and d["samples"]["n"] == 3 for d in out)
    assert main(["run", "--seed", "5"]) == 2
    assert "need --samples" in capsys.readouterr().err


@pytest.mark.slow
def test_terminal_and_report_say_which_spread_is_which(
        capsys: pytest.CaptureFixture[str]) -> None:
    [r] = run_samples([load_plan("green-red-2025-11")], samples=6, seed=2,
                      scheduler="serial")
    d = r.to_dict()
    from rich.console import Console

    print_result(d, Console(width=220, force_terminal=False))
    text = capsys.readouterr().out
    assert "⟨5–95%:" in text and "(low–high): min–max over the alternatives" in text
    assert f"{6:,} Monte Carlo draws" in (samples_legend(d) or "")
    page = render_report_html(d, report_map=None, charts=[])
    assert 'id="distribution-table"' in page and "Range (min–max over alternatives)" in page
    assert distribution_html(evaluate("baseline-2023", ranges=False).to_dict()) == ""


def test_default_correlation_is_stated() -> None:
    [r] = run_samples([load_plan("ceasefire-2025-10")], samples=2, seed=4,
                      scheduler="serial", ranges=False)
    assert r.data["samples"]["lines"][0]["correlation_m"] == LINE_CORRELATION_M
    assert f"ℓ = {LINE_CORRELATION_M:,.0f} m" in r.data["samples"]["method"]


@pytest.mark.slow
def test_report_command_takes_samples(tmp_path: Path) -> None:
    assert main(["report", "baseline-2023", "--out", str(tmp_path / "r"), "--samples", "2",
                 "--seed", "1", "--scheduler", "serial"]) == 0
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "How likely: 2 Monte Carlo draws" in page
    assert json.loads((tmp_path / "r" / "result.json").read_text())["samples"]["n"] == 2
