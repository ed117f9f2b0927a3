"""Monte Carlo ensembles of plans: draws run on a backend, reduced to percentiles.

:func:`run_samples` evaluates each plan's central case and ranges as
:func:`zoneplan.evaluate.evaluate` does (unchanged), then ``n`` draws of where its lines
run, how people are spread and what it states (:mod:`zoneplan.scenarios.samples`), on
the backend a scheduler names (:mod:`zoneplan.scenarios.dask_backend`): in this process,
on a LocalCluster, or on an existing Dask cluster. The draws of all plans of a batch are
submitted to the same cluster before any is awaited. On a cluster a population raster
finer than 100 m is read and kept on the workers, each layout summed there
(:mod:`zoneplan.measure.population.raster_shards`); :func:`evaluate_on` does that without draws.

Each zone of the result has ``distribution``: ``{indicator: {"p5", "p50", "p95",
"n"}}``, the totals the same, and the result has ``samples``: ``{n, seed, method,
scheduler, ...}``. The draws come back in draw order whatever worker computed them, and
each draw's random numbers depend on the seed and its number alone, so the same seed
gives the same percentiles on every scheduler and any number of workers.
"""

from __future__ import annotations

import contextlib
import math
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from zoneplan.errors import InputError, InvariantError
from zoneplan.evaluate import FAST_CELL_M, Evaluation, Progress, evaluate_inputs, measure_inputs
from zoneplan.io.areas import AreaSet
from zoneplan.measure.inputs import prepare
from zoneplan.measure.population.raster_population import Progress as ReadProgress
from zoneplan.measure.population.raster_shards import HeldPopulation
from zoneplan.plan import Plan
from zoneplan.records import Distribution, LinesDrawn, Percentiles, SamplesRecord
from zoneplan.result import Result, SampleFigures
from zoneplan.scenarios.dask_backend import Backend, open_backend
from zoneplan.scenarios.line_draws import LINE_CORRELATION_M
from zoneplan.scenarios.samples import (
    SPREAD_CONCENTRATION,
    ChunkResult,
    Key,
    SampleModel,
    build_model,
    evaluate_chunk,
)

__all__ = [
    "CHUNKS_PER_WORKER",
    "MAX_CHUNK",
    "MAX_SAMPLES",
    "PERCENTILES",
    "SampleProgress",
    "check_samples",
    "describe",
    "distribution",
    "evaluate_on",
    "run_samples",
    "sample_figures",
]

MAX_SAMPLES = 100_000
"""Most Monte Carlo draws per plan. The result reports the 5th, 50th and 95th
percentiles; with 100,000 draws their standard error is below 0.07 percentile points
(sqrt(p(1 - p) / n)), so more draws change no reported figure, while each draw is a full
evaluation (about 0.1 to 1 s) and its figures are held until reduced: 10¹² draws would
run for millennia."""

PERCENTILES: tuple[float, float, float] = (5.0, 50.0, 95.0)
"""Percentiles of the draws reported per indicator (linear interpolation between
draws, numpy's default)."""

CHUNKS_PER_WORKER = 8
"""Tasks per worker thread: enough for the workers to share the load evenly and for the
progress bar to move, few enough that the cost of a task (milliseconds) stays small
beside its draws."""

MAX_CHUNK = 25
"""Most draws in one task (about a second of work on the built-in pack)."""

SampleProgress = Callable[[int, int], None]
"""Told the draws done and the draws in all, as tasks finish."""


def distribution(values: NDArray[np.float64], keys: tuple[Key, ...]
                 ) -> tuple[dict[str, Distribution], Distribution]:
    """Percentiles of every indicator over the draws, per zone and for the totals.

    Parameters
    ----------
    values
        One row per draw (in draw order), one column per key.
    keys
        What each column is.

    Returns
    -------
    (zones, totals)
        ``{zone id: {indicator: {"p5", "p50", "p95", "n"}}}`` and ``{indicator: ...}``;
        ``n`` counts the draws in which the figure could be computed; ``None`` where it
        never could.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.arange(101.0)[:, None]
    >>> distribution(v, (("z", "residents"),))[0]["z"]["residents"]
    {'p5': 5.0, 'p50': 50.0, 'p95': 95.0, 'n': 101}
    """
    zones: dict[str, Distribution] = {}
    totals: Distribution = {}
    for col, (zid, k) in enumerate(keys):
        v = values[:, col]
        v = v[np.isfinite(v)]
        entry = None
        if v.size:
            p = np.percentile(v, PERCENTILES)
            entry = cast("Percentiles", {**{f"p{q:g}": float(x)
                                          for q, x in zip(PERCENTILES, p, strict=True)},
                                       "n": int(v.size)})
        (zones.setdefault(zid, {}) if zid is not None else totals)[k] = entry
    return zones, totals


def describe(model: SampleModel) -> str:
    """How the draws of ``model`` are made, in words (the result's ``samples.method``)."""
    moved = "; ".join(f"'{j.line_id}' within ±{j.offset_m:g} m" for j in model.jitters)
    lines = (f"Lines moved sideways ({moved}), each point by its own amount, uniform within "
             "the stated uncertainty and both ways equally likely: a Gaussian random field "
             "along the line, correlated exp(-r²/(2ℓ²)) over a distance r with correlation "
             f"length ℓ = {model.jitters[0].correlation_m:,.0f} m, mapped to a uniform "
             "displacement (u·erf(g/√2)); a drawn line that crosses itself or no longer "
             "cuts the territory is drawn again. " if model.jitters else "")
    if model.fixed_lines:
        lines += ("Not moved, as the plan states no uncertainty for them: "
                  + ", ".join(f"'{i}'" for i in model.fixed_lines) + ". ")
    spread = (f"Population: a random mixture of the ensemble members "
              f"({', '.join(model.members)}) with weights uniform over all mixtures "
              f"(Dirichlet, concentration {SPREAD_CONCENTRATION:g}); every member keeps "
              "each governorate's total, so every mixture does. " if len(model.members) > 1
              else f"Population: the layer's one spread ({model.members[0]}). ")
    stated = (f"Forces: one of the {len(model.force_options)} force cases the plan states, "
              "each as likely. " if len(model.force_options) > 1 else "")
    if any(c.count_range or c.capacity_range for c in model.compounds):
        stated += ("Compounds: count and capacity drawn uniformly, as whole numbers, within "
                   "their stated ranges. ")
    blocks = (f"Draws measured on {FAST_CELL_M:g} m blocks of the population grid, as the "
              "ranges' alternative layouts are. " if model.blocks else "")
    return (lines + spread + stated + blocks + "Not drawn: line variants and alternative "
            "drawings of zones (reported positions, in the min-max ranges), hospital rows of "
            "low confidence, bed figures, extreme spreads. Per indicator, the 5th, 50th and "
            "95th percentiles of the draws (linear interpolation); n: the draws in which it "
            "could be computed. Draw i uses numpy SeedSequence(seed).spawn(n)[i].")


def _reading(progress: Progress | None) -> ReadProgress | None:
    """``progress`` as the readers of layers take it."""
    if progress is None:
        return None

    def told(text: str) -> None:
        progress(text)

    return told


def _chunks(n: int, workers: int) -> list[list[int]]:
    """Draw numbers 0 to n - 1 cut into consecutive tasks."""
    size = max(1, min(MAX_CHUNK, math.ceil(n / (workers * CHUNKS_PER_WORKER))))
    return [list(range(a, min(a + size, n))) for a in range(0, n, size)]


def _meta(model: SampleModel, n: int, seed: int, backend: Backend,
          redraws: int) -> SamplesRecord:
    lines: list[LinesDrawn] = [{"id": j.line_id, "moved": True, "offset_m": j.offset_m,
              "correlation_m": j.correlation_m} for j in model.jitters]
    lines += [{"id": i, "moved": False, "offset_m": None, "correlation_m": None}
              for i in model.fixed_lines]
    return {"n": n, "seed": seed, "method": describe(model), "scheduler": backend.name,
            "workers": backend.workers, "percentiles": list(PERCENTILES), "lines": lines,
            "spreads": list(model.members), "force_cases": len(model.force_options),
            "redraws": redraws, "measured_on_blocks": model.blocks,
            "notes": list(backend.notes)}


def _reduce(parts: list[ChunkResult], n: int, plan_id: str, seed: int
            ) -> tuple[NDArray[np.float64], int]:
    """The draws' values in draw order, and the line draws rejected; raise if any draw
    broke an invariant."""
    broken = [b for p in parts for b in p.broken]
    if broken:
        i, what = broken[0]
        raise InvariantError(
            f"plan '{plan_id}', draw {i} of seed {seed}: {what} "
            f"{'is' if ',' not in what else 'are'} false ({len(broken)} draws in all)",
            suggestion="this is a bug in zoneplan: rerun with --debug and report it with the "
            "plan, the seed and the number of samples")
    order = np.concatenate([p.indices for p in parts])
    assert np.array_equal(order, np.arange(n)), "draws came back out of order"
    return np.vstack([p.values for p in parts]), sum(p.redraws for p in parts)


def sample_figures(model: SampleModel, parts: list[ChunkResult], *, n: int, seed: int,
                   backend: Backend, plan_id: str) -> SampleFigures:
    """The draws' percentiles per zone and for the totals, and how they were made (the
    part of a result the draws make; see :meth:`zoneplan.evaluate.Evaluation.result`)."""
    values, redraws = _reduce(parts, n, plan_id, seed)
    zones, totals = distribution(values, model.keys)
    return SampleFigures(zones=zones, totals=totals,
                         record=_meta(model, n, seed, backend, redraws))


NOTHING_HELD = ("without --samples, --scheduler holds a population raster finer than "
                "100 m on the workers; no plan here has one, so everything ran in this "
                "process")
"""The note of :func:`evaluate_on` when it had nothing to send to the workers."""


@contextlib.contextmanager
def _using(backend: Backend | None, scheduler: str, workers: int | None) -> Iterator[Backend]:
    """``backend`` if given (left open), else a new one for ``scheduler`` (closed after)."""
    if backend is not None:
        yield backend
        return
    with open_backend(scheduler, workers=workers) as opened:
        yield opened


def evaluate_on(plans: Sequence[Plan], *, scheduler: str = "local", workers: int | None = None,
                ranges: bool = True, progress: Progress | None = None,
                by: AreaSet | None = None, backend: Backend | None = None
                ) -> tuple[list[Result], list[str]]:
    """Evaluate plans, without draws, with their fine population rasters read and kept on
    the workers of ``scheduler`` (see :mod:`zoneplan.measure.population.raster_shards`).

    Parameters
    ----------
    plans
        The plans.
    scheduler, workers
        As for :func:`run_samples`.
    ranges
        Whether to evaluate the min-max ranges too.
    progress
        Told each step.
    by
        Areas to break the figures down by (refused for a raster held on the workers).
    backend
        An open backend to use (and leave open: a raster held on its workers can then
        still be asked for sums, e.g. for a report's map), instead of ``scheduler``.

    Returns
    -------
    results, notes
        One result per plan, in order; what the user should know about where the work
        ran (e.g. that Dask is missing).
    """
    with _using(backend, scheduler, workers) as used:
        keep = used.hold if used.reads_rasters else None
        results = [evaluate_inputs(prepare(plan, progress=_reading(progress), hold=keep),
                                   ranges=ranges, progress=progress, by=by) for plan in plans]
        notes = list(used.notes)
        if not any(isinstance(r.inputs.population, HeldPopulation) for r in results):
            notes.append(NOTHING_HELD)
        return results, notes


def check_samples(samples: int) -> None:
    """Refuse a number of draws outside 1 to :data:`MAX_SAMPLES` (before any work).

    Raises
    ------
    InputError
        Naming the bound and why.
    """
    if not 1 <= samples <= MAX_SAMPLES:
        raise InputError(f"--samples must be 1 to {MAX_SAMPLES:,}, not {samples:,}",
                         suggestion="the 5-95% interval is steady long before that: "
                         "--samples 1000 is usual, 10000 ample")


def run_samples(plans: Sequence[Plan], *, samples: int, seed: int | None = None,
                scheduler: str = "local", workers: int | None = None, ranges: bool = True,
                correlation_m: float = LINE_CORRELATION_M, progress: Progress | None = None,
                on_samples: SampleProgress | None = None, by: AreaSet | None = None,
                backend: Backend | None = None) -> list[Result]:
    """Evaluate plans, each with ``samples`` Monte Carlo draws, on one backend.

    Parameters
    ----------
    plans
        The plans (a batch shares the cluster and the draws' random numbers).
    samples
        Draws per plan.
    seed
        Master seed (a non-negative integer); a fresh one, reported in the result, if
        ``None``.
    scheduler
        ``"serial"``, ``"local"`` or a Dask scheduler's address (see
        :func:`~zoneplan.scenarios.dask_backend.open_backend`).
    workers
        With ``"local"``: worker processes (default: one per core).
    ranges
        Whether to evaluate the min-max ranges too.
    correlation_m
        Correlation length of line displacements along the lines (metres).
    progress
        Told each step of the central evaluations.
    on_samples
        Told the draws done and the draws in all, as tasks finish.
    by
        Areas to break the central figures down by (the draws are not broken down).
    backend
        An open backend to use (and leave open), instead of ``scheduler``.

    Returns
    -------
    list of Result
        One per plan, in order, with ``distribution`` and ``samples``.

    Raises
    ------
    InputError
        Fewer than one sample, a negative seed, a correlation length that is not a
        positive number of metres, or a scheduler that cannot be used.
    """
    check_samples(samples)
    if seed is not None and seed < 0:
        raise InputError(f"--seed must be zero or more, not {seed}")
    if not (correlation_m > 0 and math.isfinite(correlation_m)):
        raise InputError(f"--correlation-m must be a positive number of metres, not "
                         f"{correlation_m}")
    seed = secrets.randbits(32) if seed is None else seed
    total = samples * len(plans)
    with _using(backend, scheduler, workers) as backend:
        keep = backend.hold if backend.reads_rasters else None
        jobs: list[tuple[Evaluation, SampleModel, list[Any]]] = []
        for plan in plans:
            if progress:
                progress(f"reading layers of '{plan.id}'")
            measured = measure_inputs(prepare(plan, progress=_reading(progress), hold=keep),
                                      ranges=ranges, progress=progress, by=by)
            model = build_model(measured.inputs, measured.layout, measured.central,
                                correlation_m=correlation_m)
            shared = backend.share(model)
            jobs.append((measured, model, [backend.submit(evaluate_chunk, shared, seed, idx)
                                         for idx in _chunks(samples, backend.workers)]))
        handles = [h for _, _, hs in jobs for h in hs]
        sizes = [len(idx) for _ in jobs for idx in _chunks(samples, backend.workers)]
        done = [0]

        def tick(i: int) -> None:
            done[0] += sizes[i]
            if on_samples is not None:
                on_samples(done[0], total)

        parts = backend.results(handles, tick)
        results, at = [], 0
        for measured, model, hs in jobs:
            results.append(measured.result(sample_figures(
                model, parts[at:at + len(hs)], n=samples, seed=seed, backend=backend,
                plan_id=measured.inputs.plan.id)))
            at += len(hs)
    return results
