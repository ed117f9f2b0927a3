"""Plans evaluated as ``zoneplan run`` and ``zoneplan report`` evaluate them, for scripts.

:func:`run` evaluates plans and returns their results; :func:`running` does the same as a
context manager, keeping a cluster open while the results are used (a population raster
held on the cluster's workers can then still be summed, e.g. for a report's map). The
command line parses its options and calls :func:`running`; everything it decides (this
process or a cluster, draws or none, a fine raster held on the workers) is decided here.

>>> import zoneplan
>>> [result] = zoneplan.run("green-red-2025-11")                      # doctest: +SKIP
>>> [result] = zoneplan.run("green-red-2025-11", samples=1000, seed=7,
...                         scheduler="local")                        # doctest: +SKIP

A script that asks for ``scheduler="local"`` needs no ``if __name__ == "__main__":``
guard: the cluster's worker processes are started without running the script again
(see :mod:`zoneplan.scenarios.dask_backend`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zoneplan.errors import InputError, ZoneplanWarning
from zoneplan.plan import LayerRef, Plan, load_plan

if TYPE_CHECKING:
    from zoneplan.evaluate import Progress
    from zoneplan.io.areas import AreaSet
    from zoneplan.result import Result
    from zoneplan.scenarios.ensemble import SampleProgress

__all__ = ["PlanLike", "Run", "run", "running"]

PlanLike = Plan | str | Path
"""A plan: a :class:`~zoneplan.plan.Plan`, a plan file, or a built-in plan id."""


@dataclass(frozen=True)
class Run:
    """Plans evaluated together (:func:`running`).

    Attributes
    ----------
    results
        One result per plan, in the order given.
    notes
        What the user should know about where the work ran (e.g. that Dask is not
        installed, or that no raster needed a cluster); ``zoneplan run`` prints them.
    """

    results: list[Result]
    notes: list[str] = field(default_factory=list)


def _plans(plans: PlanLike | Sequence[PlanLike],
           layers: Mapping[str, LayerRef | str | Path] | None) -> list[Plan]:
    """The plans, read if named, with ``layers`` added to each."""
    given = [plans] if isinstance(plans, Plan | str | Path) else list(plans)
    if not given:
        raise InputError("no plan to evaluate",
                         suggestion="give a plan, a plan file or a built-in plan id, e.g. "
                         "'green-red-2025-11'")
    read = [p if isinstance(p, Plan) else load_plan(p) for p in given]
    if not layers:
        return read
    refs = {name: ref if isinstance(ref, LayerRef) else _layer(ref)
            for name, ref in layers.items()}
    return [p.with_layers(refs) for p in read]


def _layer(path: str | Path) -> LayerRef:
    """A layer given by its path alone (made absolute; built-in ``gaza:`` names kept)."""
    text = str(path)
    return LayerRef(path=text if text.startswith("gaza:") else str(Path(text).resolve()))


def _areas(by: AreaSet | str | Path | None) -> AreaSet | None:
    """Areas to break figures down by, read if named."""
    if by is None or not isinstance(by, str | Path):
        return by
    from zoneplan.io.areas import read_areas

    text = str(by)
    return read_areas(text if text.startswith("gaza:") else str(Path(text).resolve()))


def _check(samples: int | None, seed: int | None, scheduler: str | None,
           workers: int | None, correlation_m: float | None) -> None:
    """Refuse options that need others, before any work."""
    if samples is None:
        if seed is not None or correlation_m is not None:
            raise InputError("--seed and --correlation-m need --samples",
                             suggestion="add --samples N, e.g. --samples 1000")
        if workers is not None and scheduler is None:
            raise InputError("--workers needs --scheduler local (or --samples)",
                             suggestion="add --scheduler local")
    if samples is not None:
        from zoneplan.scenarios.ensemble import check_samples

        check_samples(samples)
    if scheduler is not None or samples is not None:
        from zoneplan.scenarios.dask_backend import check_scheduler

        check_scheduler(scheduler or "local", workers)


@contextlib.contextmanager
def running(plans: PlanLike | Sequence[PlanLike], *, samples: int | None = None,
            seed: int | None = None, scheduler: str | None = None,
            workers: int | None = None, ranges: bool = True,
            correlation_m: float | None = None,
            layers: Mapping[str, LayerRef | str | Path] | None = None,
            by: AreaSet | str | Path | None = None, progress: Progress | None = None,
            on_samples: SampleProgress | None = None) -> Iterator[Run]:
    """Evaluate plans as ``zoneplan run`` does, keeping any cluster open until the
    ``with`` block ends.

    Parameters are those of :func:`run`, and:

    on_samples
        Told the draws done and the draws in all (two counts), as draws finish.

    Yields
    ------
    Run
        The results and the notes. Use them inside the block: with ``scheduler``, a
        population raster finer than 100 m is held on the cluster's workers, and a map
        of the result (:func:`zoneplan.render.pages.report.write_report`) asks them for sums.

    Notes
    -----
    While a local cluster is open, ``sys.modules["__main__"]`` is a stand-in for the
    script: it has every name of the script but no ``__file__``, so that worker
    processes (started with ``spawn``) do not run the script again; the script's own
    module is put back when the block ends.
    """
    _check(samples, seed, scheduler, workers, correlation_m)
    chosen = _plans(plans, layers)
    areas = _areas(by)
    if samples is None and scheduler is None:
        from zoneplan.evaluate import evaluate

        yield Run([evaluate(p, ranges=ranges, progress=progress, by=areas) for p in chosen])
        return
    from zoneplan.scenarios.dask_backend import open_backend
    from zoneplan.scenarios.ensemble import evaluate_on, run_samples
    from zoneplan.scenarios.line_draws import LINE_CORRELATION_M

    with open_backend(scheduler or "local", workers=workers) as backend:
        if samples is None:
            results, notes = evaluate_on(chosen, backend=backend, ranges=ranges,
                                         progress=progress, by=areas)
        else:
            results = run_samples(
                chosen, samples=samples, seed=seed, backend=backend, ranges=ranges,
                progress=progress, on_samples=on_samples, by=areas,
                correlation_m=LINE_CORRELATION_M if correlation_m is None
                else correlation_m)
            drawn = results[0].data["samples"]
            notes = list(drawn["notes"]) if drawn else []
        yield Run(results, notes)


def run(plans: PlanLike | Sequence[PlanLike], *, samples: int | None = None,
        seed: int | None = None, scheduler: str | None = None, workers: int | None = None,
        ranges: bool = True, correlation_m: float | None = None,
        layers: Mapping[str, LayerRef | str | Path] | None = None,
        by: AreaSet | str | Path | None = None,
        progress: Progress | None = None) -> list[Result]:
    """Evaluate plans as ``zoneplan run`` does: in this process, or with Monte Carlo
    draws and fine rasters on a Dask cluster.

    Parameters
    ----------
    plans
        A plan or several: :class:`~zoneplan.plan.Plan` objects, plan files or built-in
        plan ids (``"green-red-2025-11"``). Several plans with ``samples`` are one batch
        (one cluster, the same random numbers).
    samples
        Monte Carlo draws per plan (lines moved within their stated uncertainty); each
        result then has a ``distribution`` per figure and a ``samples`` record. ``None``:
        no draws.
    seed
        Master seed of the draws (a non-negative integer); a fresh one, reported in the
        result, if ``None``. Needs ``samples``.
    scheduler
        Where the work runs: ``"serial"`` (this process), ``"local"`` (a Dask
        LocalCluster on this machine, closed afterwards) or a Dask scheduler's address
        (``"tcp://HOST:PORT"``). With a cluster, a population raster finer than 100 m is
        read and held on the workers, and each layout summed there. ``None``: this
        process, or ``"local"`` with ``samples``.
    workers
        With ``"local"``: worker processes to start (default: one per core).
    ranges
        Whether to evaluate the alternatives for the low-high ranges.
    correlation_m
        Correlation length of line displacements along a line, in metres (default
        :data:`~zoneplan.scenarios.line_draws.LINE_CORRELATION_M`). Needs ``samples``.
    layers
        Data layers to add or replace in every plan, by role (``"population"``,
        ``"hospitals"``, ...): a :class:`~zoneplan.plan.LayerRef`, or a file path or
        built-in ``gaza:`` name (as ``--layer ROLE=PATH``).
    by
        Areas to break every figure down by: an :class:`~zoneplan.io.areas.AreaSet`,
        ``"gaza:governorates"``, ``"gaza:municipalities"`` or a polygon file.
    progress
        Called with a short text before each step.

    Returns
    -------
    list of Result
        One per plan, in the order given. Any cluster is closed: to draw maps of a
        result whose raster was held on the workers, use :func:`running`.

    Warns
    -----
    ZoneplanWarning
        Each note on where the work ran (e.g. Dask is not installed, so the draws ran
        serially).

    Raises
    ------
    InputError
        Options that need others (``seed`` without ``samples``), an unknown scheduler,
        a scheduler that does not answer, or a plan or layer that cannot be read.

    Examples
    --------
    A plain script, without an ``if __name__ == "__main__":`` guard:

    >>> import zoneplan
    >>> [r] = zoneplan.run("green-red-2025-11", samples=1000, seed=7,
    ...                    scheduler="local")                          # doctest: +SKIP
    >>> r.zone("green")["distribution"]["residents_baseline"]          # doctest: +SKIP
    {'p5': ..., 'p50': ..., 'p95': ..., 'n': 1000}
    """
    with running(plans, samples=samples, seed=seed, scheduler=scheduler, workers=workers,
                 ranges=ranges, correlation_m=correlation_m, layers=layers, by=by,
                 progress=progress) as done:
        for note in done.notes:
            warnings.warn(note, ZoneplanWarning, stacklevel=2)
        return done.results
