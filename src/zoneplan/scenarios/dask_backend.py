"""Where the work of many evaluations runs: in this process, or on a Dask cluster.

:func:`open_backend` gives a :class:`Backend` for a scheduler named as on the command
line:

``"serial"``
    In this process, one task after another (Dask is not needed).
``"local"``
    A ``distributed`` LocalCluster on this machine: one single-threaded worker process
    per core (or ``workers``), on the loopback address, closed afterwards. Its workers
    are started without running the main script again, so a plain script without
    ``if __name__ == "__main__":`` may open one (see :class:`_MainWithoutPath`).
``"tcp://HOST:PORT"`` (any Dask address)
    An existing cluster, started with ``dask scheduler`` and ``dask worker``; zoneplan
    must be importable on its workers, and files a plan names readable there.

Two batches use it: the Monte Carlo draws of ``zoneplan run --samples``
(:mod:`zoneplan.scenarios.ensemble`) and the dated layers of ``zoneplan timeline``
(:mod:`zoneplan.scenarios.timeline`).

Dask is imported here, and only when a cluster is asked for, so that commands that
never use it start as fast as before. Without Dask installed, every scheduler runs
serially and :attr:`Backend.notes` says so. Results come back in the order the tasks
were submitted, whichever worker finished first: reductions over them are then the same
on every scheduler.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from zoneplan.errors import InputError
from zoneplan.measure.grids.base import Held
from zoneplan.measure.population.raster_shards import KeptHere

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DASK_MISSING",
    "HEAP_TRIM_VARIABLE",
    "LOCAL_WORKER_CONFIG",
    "MAX_WORKERS",
    "SAMPLE_TASKS",
    "SCHEDULER_SCHEMES",
    "WORKER_WAIT_S",
    "Backend",
    "DaskBackend",
    "SerialBackend",
    "check_scheduler",
    "dask_missing",
    "open_backend",
    "warm_up",
]

MAX_WORKERS = 256
"""Most worker processes ``--scheduler local`` starts. Each is a process on this machine
that imports zoneplan and keeps its own copy of the prepared inputs (about 200 MB for the
built-in pack): more workers than cores only cost memory, and no single machine zoneplan
runs on has more than a few hundred cores. (100,000 workers crashed Dask's start-up.)"""

SCHEDULER_SCHEMES = ("tcp", "tls")
"""The Dask protocols ``--scheduler`` may name (``tcp://HOST:PORT``; ``tls://`` for a
cluster with certificates). Anything else (``http://``, ``file://``, ``inproc://``) is
refused before any connection: a scheduler's dashboard address is http, not the cluster."""

CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for an existing scheduler to answer before giving up."""

WORKER_WAIT_S = 30.0
"""Seconds to wait for an existing scheduler to have at least one worker."""

LOCAL_WORKER_CONFIG: dict[str, object] = {"distributed.worker.profile.enabled": False}
"""Dask settings for the workers of a LocalCluster zoneplan starts: no statistical
profiler (it samples the worker's stack every 10 ms for the dashboard's profile page;
measured on the built-in plan's draws, about a tenth of the workers' CPU time under
load). A cluster the user runs keeps its own settings."""

HEAP_TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
"""The variable Dask's nannies set for their worker processes (``distributed.nanny.
pre-spawn-environ``, 65,536 bytes), which the workers of a LocalCluster zoneplan starts
go without. Once it is set, glibc stops adapting its thresholds: every temporary array
over 128 KiB is mapped afresh and the top of the heap is handed back at 64 KiB, so a
draw's arrays fault their pages in again each time. Measured on the built-in plan's
draws in one process (200 draws, three runs): 518,000 minor page faults and 1.35 s of
system time with it, 37,000 and 0.14 s without; 10.5-12.0 against 7.7-8.5 ms per draw.
The workers live as long as the command; a cluster the user runs keeps its own
settings, and a value set in the environment is passed on as before."""

SAMPLE_TASKS = "zoneplan.scenarios.samples"
"""The module the tasks of Monte Carlo draws come from (imported by each worker ahead)."""


def dask_missing(work: str) -> str:
    """The note a batch carries when a cluster was asked for but Dask is missing.

    Examples
    --------
    >>> dask_missing("the layers").endswith(": the layers ran serially in this process.")
    True
    """
    return (f"Dask is not installed (pip install \"zoneplan[dask]\"): {work} ran serially "
            "in this process.")


DASK_MISSING = dask_missing("the samples")
"""The note a run with ``--samples`` carries when a cluster was asked for but Dask is
missing."""

Done = Callable[[int], None]
"""Told the position of each task as it finishes (for a progress display)."""


class Backend(Protocol):
    """Runs tasks and hands their results back in the order they were submitted.

    Attributes
    ----------
    name
        The scheduler: ``serial``, ``local`` or the cluster's address.
    workers
        Tasks that can run at once (worker threads).
    notes
        What the user should know about where the work ran.
    reads_rasters
        Whether fine population rasters are read and kept on the workers (windows
        opened where they run, the cells held in the workers' memory, each layout
        summed there, only sums sent back; see :mod:`zoneplan.measure.population.raster_shards`):
        on every cluster; serially they are read here.
    """

    name: str
    workers: int
    notes: list[str]
    reads_rasters: bool

    def share(self, obj: Any) -> Any:
        """Send ``obj`` to every worker once; pass what this returns to :meth:`submit`."""
        ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)`` (or queue it); returns a handle for :meth:`results`."""
        ...

    def results(self, handles: Sequence[Any], done: Done | None = None) -> list[Any]:
        """The results of submitted tasks, in the order of ``handles``."""
        ...

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """``[fn(x) for x in items]``, run where the backend runs tasks."""
        ...

    def hold(self, fn: Callable[[Any], Any], jobs: Sequence[Any],
             done: Done | None = None) -> Held:
        """Keep ``fn(job)`` for each job where the backend runs tasks (see
        :class:`~zoneplan.measure.population.raster_shards.Hold`)."""
        ...


class SerialBackend:
    """Tasks run in this process, in order, when their results are asked for."""

    def __init__(self, notes: list[str] | None = None) -> None:
        self.name = "serial"
        self.workers = 1
        self.notes = list(notes or [])
        self.reads_rasters = False

    def share(self, obj: Any) -> Any:
        """Nothing to send: the object itself."""
        return obj

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """The task, to be run by :meth:`results`."""
        return partial(fn, *args)

    def results(self, handles: Sequence[Any], done: Done | None = None) -> list[Any]:
        """Run the tasks one after another."""
        out = []
        for i, task in enumerate(handles):
            out.append(task())
            if done is not None:
                done(i)
        return out

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """``[fn(x) for x in items]``."""
        return [fn(x) for x in items]

    def hold(self, fn: Callable[[Any], Any], jobs: Sequence[Any],
             done: Done | None = None) -> Held:
        """The parts made and kept in this process."""
        return KeptHere(fn, jobs, done)


class DaskBackend:
    """Tasks run on the workers of a ``distributed`` cluster."""

    def __init__(self, client: Client, name: str, tasks: str = SAMPLE_TASKS) -> None:
        self.client = client
        self.name = name
        self.reads_rasters = True
        threads = client.nthreads()
        self.workers = max(1, sum(threads.values()))
        self.notes: list[str] = []
        # each worker imports the tasks' module while this process prepares the batch
        self._warm = [client.submit(warm_up, tasks, workers=[w], pure=False) for w in threads]

    def share(self, obj: Any) -> Any:
        """Scatter ``obj`` to every worker (a future standing for it), as one object even
        if it is a list, tuple or dict (which ``scatter`` would send item by item)."""
        return self.client.scatter([obj], broadcast=True, hash=False)[0]

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Submit the task to the cluster (a future)."""
        return self.client.submit(fn, *args, pure=False)

    def results(self, handles: Sequence[Any], done: Done | None = None) -> list[Any]:
        """Wait for the tasks; results in submission order, whoever finished first."""
        from distributed import as_completed

        if done is not None:
            where = {f.key: i for i, f in enumerate(handles)}
            for f in as_completed(list(handles), loop=self.client.loop):
                done(where[f.key])
        return list(self.client.gather(list(handles)))

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """Run ``fn`` on each item on the workers; results in the items' order."""
        return list(self.client.gather(self.client.map(fn, list(items), pure=False)))

    def hold(self, fn: Callable[[Any], Any], jobs: Sequence[Any],
             done: Done | None = None) -> Held:
        """Make ``fn(job)`` on the workers and keep it there (futures standing for the
        parts); ``done`` is told each part made; fails here with a part's error."""
        futures = [self.client.submit(fn, job, pure=False) for job in jobs]
        _wait_made(futures, done, self.client)
        return HeldOnDask(self.client, futures)

    def close(self) -> None:
        """Let the workers finish warming up (or drop it), before the client closes."""
        try:
            for f in self._warm:
                f.result(timeout=WORKER_WAIT_S)
        except TimeoutError:
            self.client.cancel(self._warm)
        self._warm = []


class HeldOnDask:
    """Parts kept in the memory of a cluster's workers, as futures."""

    def __init__(self, client: Client, futures: list[Any]) -> None:
        self.client = client
        self.futures = futures

    def __len__(self) -> int:
        return len(self.futures)

    def map(self, fn: Callable[..., Any], *args: Any) -> list[Any]:
        """``fn(part, *args)`` on the worker holding each part; results in the parts'
        order. The arguments are sent to the workers once."""
        sent = [a if isinstance(a, bool | int | float | str) else
                self.client.scatter([a], broadcast=True, hash=False)[0] for a in args]
        return list(self.client.gather([self.client.submit(fn, f, *sent, pure=False)
                                         for f in self.futures]))

    def then(self, fn: Callable[..., Any], *args: Any, done: Done | None = None
             ) -> HeldOnDask:
        """New parts ``fn(part, *args)``, each made on the worker holding its part (and
        kept there), in place of these; fails here with a part's error."""
        futures = [self.client.submit(fn, f, *args, pure=False) for f in self.futures]
        _wait_made(futures, done, self.client)
        self.futures = []  # the old parts are let go
        return HeldOnDask(self.client, futures)


def _wait_made(futures: list[Any], done: Done | None, client: Client) -> None:
    """Wait until every part is made, telling ``done`` each one's position; a part's
    error is raised here (the parts themselves stay on the workers)."""
    from distributed import as_completed

    where = {f.key: i for i, f in enumerate(futures)}
    for f in as_completed(futures, loop=client.loop):
        if f.status == "error":
            client.cancel(futures)
            f.result()  # raises the part's error, with its traceback
        if done is not None:
            done(where[f.key])


def warm_up(tasks: str = SAMPLE_TASKS) -> None:
    """Import the module ``tasks`` names, and with it what the tasks need (run once on
    each worker, ahead of the first task)."""
    importlib.import_module(tasks)


def _address(scheduler: str) -> str:
    """A Dask address from ``--scheduler`` (``HOST:PORT`` is taken as TCP); only the
    protocols in :data:`SCHEDULER_SCHEMES`, with a host and a port from 1 to 65535."""
    hint = ("give serial, local, or the address of a Dask scheduler, e.g. "
            "tcp://10.0.0.5:8786")
    scheme, sep, rest = scheduler.partition("://")
    if not sep:
        scheme, rest = "tcp", scheduler
    elif scheme.lower() not in SCHEDULER_SCHEMES:
        raise InputError(
            f"--scheduler {scheduler!r}: '{scheme}://' is not a Dask protocol zoneplan "
            f"connects to (only {', '.join(s + '://' for s in SCHEDULER_SCHEMES)})",
            suggestion=hint + " (the port of a scheduler, usually 8786, not its "
            "dashboard's http address)")
    host, _, port = rest.rpartition(":")
    if host and "/" not in rest and port.isdigit() and 1 <= int(port) <= 65535:
        return f"{scheme.lower()}://{rest}"
    raise InputError(f"unknown scheduler {scheduler!r}", suggestion=hint)


def check_scheduler(scheduler: str, workers: int | None = None) -> str | None:
    """Check ``--scheduler`` and ``--workers`` before any work (nothing is opened and
    Dask is not imported); the existing cluster's address, or ``None`` for ``serial``
    and ``local``.

    Raises
    ------
    InputError
        An unknown scheduler or protocol; ``workers`` outside 1 to :data:`MAX_WORKERS`,
        or given for a scheduler other than ``local``.

    Examples
    --------
    >>> check_scheduler("10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise InputError(f"--workers must be 1 to {MAX_WORKERS}, not {workers:,}",
                         suggestion="a worker is a process on this machine; give at most "
                         "one per core (the default)")
    address = None if scheduler in ("serial", "local") else _address(scheduler)
    if workers is not None and scheduler != "local":
        raise InputError("--workers applies to --scheduler local only",
                         suggestion="this process runs one task at a time"
                         if scheduler == "serial"
                         else "an existing cluster has the workers it was started with")
    return address


@contextlib.contextmanager
def open_backend(scheduler: str = "local", *, workers: int | None = None,
                 tasks: str = SAMPLE_TASKS, work: str = "the samples") -> Iterator[Backend]:
    """A backend for ``scheduler``, closed (with any cluster it started) on exit.

    Parameters
    ----------
    scheduler
        ``"serial"``, ``"local"`` or a Dask scheduler's address (``tcp://HOST:PORT``).
    workers
        With ``"local"``: worker processes to start (default: one per core).
    tasks
        The module the tasks come from: each worker imports it as the cluster opens.
    work
        What runs, in words, for the note said when Dask is missing (``"the samples"``).

    Raises
    ------
    InputError
        An unknown scheduler, ``workers`` with an existing cluster, a scheduler that
        does not answer or has no worker.
    """
    address = check_scheduler(scheduler, workers)
    if scheduler == "serial":
        yield SerialBackend()
        return
    try:
        import distributed  # noqa: F401  (is Dask installed?)
    except ImportError:
        yield SerialBackend(notes=[dask_missing(work)])
        return
    with _quiet_dask():
        yield from _dask_backend(address, workers, tasks)


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own INFO messages (workers starting and stopping) are not the user's
    business: only its warnings and errors pass, while the backend is open."""
    log = logging.getLogger("distributed")
    old = log.level
    log.setLevel(max(logging.WARNING, old))
    try:
        yield
    finally:
        log.setLevel(old)


class _MainWithoutPath(types.ModuleType):
    """The script being run (``__main__``), as worker processes starting must not see it:
    every name is the script's, but it has no ``__file__`` (nor ``__spec__``).

    A worker process is started with the ``spawn`` method (distributed's default), which
    runs the parent's main script again in the new process, under the name
    ``__mp_main__``, unless the script is guarded by ``if __name__ == "__main__":``. A
    plain script that opens a cluster then opens one again in each worker, and the
    workers fail to start ("Nanny failed to start"). The workers run zoneplan's tasks
    only, never the script's functions, so they have no need of it: with this stand-in in
    ``sys.modules``, :func:`multiprocessing.spawn.get_preparation_data` finds no path or
    module name to run, and the script stays in this process.
    """

    def __init__(self, main: types.ModuleType) -> None:
        super().__init__("__main__", main.__doc__)
        self.__dict__["_zoneplan_main"] = main

    def __getattr__(self, name: str) -> Any:
        if name in ("__file__", "__cached__"):
            raise AttributeError(name)
        return getattr(self.__dict__["_zoneplan_main"], name)


@contextlib.contextmanager
def _main_kept_here() -> Iterator[None]:
    """While a local cluster is open, its worker processes (started, or restarted by
    their nannies) do not run the main script again (see :class:`_MainWithoutPath`);
    the script's module is put back when the cluster closes."""
    main = sys.modules.get("__main__")
    if main is None or isinstance(main, _MainWithoutPath):
        yield
        return
    sys.modules["__main__"] = _MainWithoutPath(main)
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _dask_backend(address: str | None, workers: int | None, tasks: str
                  ) -> Iterator[Backend]:
    """A DaskBackend on a new LocalCluster (``address`` None) or an existing cluster.

    The cluster's worker processes are started without running the main script again,
    so a plain script without ``if __name__ == "__main__":`` may open one
    (:func:`_main_kept_here`)."""
    import dask
    from distributed import Client, LocalCluster

    if address is None:
        n = workers or os.cpu_count() or 1
        # the workers' statistical profiler (a stack sample every 10 ms, for a dashboard
        # page nobody opens on a cluster this command starts and closes) costs the draws
        # CPU time: off on the workers started here (their nannies pass the setting on)
        # and no heap trimming forced on them (HEAP_TRIM_VARIABLE)
        environ = {k: v for k, v in
                   dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                   if k != HEAP_TRIM_VARIABLE}
        config = {**LOCAL_WORKER_CONFIG, "distributed.nanny.pre-spawn-environ": environ}
        with _main_kept_here(), dask.config.set(config), \
                LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                             host="127.0.0.1", dashboard_address="127.0.0.1:0",
                             silence_logs=logging.ERROR) as cluster, \
                Client(cluster, set_as_default=False) as client:
            backend = DaskBackend(client, "local", tasks)
            try:
                yield backend
            finally:
                backend.close()
        return
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"no Dask scheduler answers at {address} ({exc})",
                         suggestion="start one with 'dask scheduler' and workers with "
                         f"'dask worker {address}', or use --scheduler local") from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError as exc:
            raise InputError(f"the Dask scheduler at {address} has no workers",
                             suggestion=f"start some with 'dask worker {address}'") from exc
        backend = DaskBackend(client, address, tasks)
        try:
            yield backend
        finally:
            backend.close()
