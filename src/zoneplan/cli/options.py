"""Options and arguments several commands share, defined once (as rasterio's ``rio/options.py``).

Each command module builds its signature from these: the plan argument, ``--format``
and its choices, the output file or folder ``--out/-o`` with ``--overwrite``, the
``--layer`` option and its parser, and the progress display of long evaluations.
Options whose help differs between commands are made by a function taking that help.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from pydantic import ValidationError

from zoneplan.cli.console import err
from zoneplan.errors import InputError
from zoneplan.plan import LayerRef, Plan
from zoneplan.plan.messages import describe
from zoneplan.plan.model import LAYER_ROLES
from zoneplan.scenarios.line_draws import LINE_CORRELATION_M

if TYPE_CHECKING:
    from zoneplan.evaluate import Progress
    from zoneplan.scenarios.ensemble import SampleProgress

__all__ = [
    "SCHEDULERS",
    "AllowImplausibleOpt",
    "ByField",
    "BySpec",
    "CorrelationOpt",
    "Format",
    "FormatOrCsv",
    "JsonProgress",
    "LayerOpt",
    "PlanArg",
    "PlanFileArg",
    "PlansArg",
    "ProgressMode",
    "ProgressOpt",
    "RunFormat",
    "SamplesOpt",
    "SchedulerOpt",
    "SeedOpt",
    "WorkersOpt",
    "allowing_implausible",
    "format_option",
    "layer_refs",
    "out_option",
    "overwrite_option",
    "parse_layer_option",
    "plan_argument",
    "progress",
    "progress_reporter",
    "read_by",
    "sample_bar",
]

SCHEDULERS = ("'serial' (this process), 'local' (a Dask LocalCluster on this machine's "
              "cores) or the address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
"""The values of ``--scheduler``, in words (for the help of each command that takes it)."""


class Format(StrEnum):
    """Output formats: a table for people, JSON for scripts."""

    table = "table"
    json = "json"


class RunFormat(StrEnum):
    """Output formats of ``run``: also the analyst's tables (CSV, Excel)."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


BySpec = Annotated[str | None, typer.Option(
    "--by", help="Break the figures down by areas: gaza:governorates, gaza:municipalities "
    "or a polygon file.")]
"""``--by AREAS``: areas to break the figures down by."""

ByField = Annotated[str | None, typer.Option(
    "--by-field", help="With --by FILE: the attribute naming the areas (default: a name-like "
    "attribute).")]
"""``--by-field NAME``: the attribute naming the areas."""


def read_by(by: str | None, by_field: str | None) -> Any:
    """The areas of ``--by``/``--by-field`` (an ``AreaSet``), or ``None``."""
    if by is None:
        if by_field is not None:
            raise InputError("--by-field needs --by", suggestion="add --by FILE")
        return None
    from zoneplan.io.areas import read_areas

    return read_areas(by if by.startswith("gaza:") else str(Path(by).resolve()), by_field)


class FormatOrCsv(StrEnum):
    """Output formats of commands whose rows also make a CSV file."""

    table = "table"
    json = "json"
    csv = "csv"


def plan_argument(help: str = "Plan file or built-in plan id.") -> Any:
    """The plan argument: a plan file or a built-in plan id."""
    return typer.Argument(help=help)


PlanArg = Annotated[str, plan_argument()]
"""A plan file or built-in plan id (give the default, usually ``DEFAULT_PLAN``)."""

PlanFileArg = Annotated[str, plan_argument("Plan file or built-in id.")]
"""A plan file or built-in id that must be given."""

PlansArg = Annotated[list[str] | None, plan_argument(
    "Plan files or built-in plan ids (default: green-red-2025-11); several are evaluated "
    "in turn, with --samples as one batch on the same cluster.")]
"""Zero or more plan files or built-in ids."""

SamplesOpt = Annotated[int | None, typer.Option(
    "--samples", min=1, help="Monte Carlo draws per plan of where the lines run (within "
    "their stated uncertainty), how people are spread and what the plan states; adds the "
    "5-95% interval of each figure.")]
"""``--samples N``: Monte Carlo draws per plan."""

def _with_samples(flag: str, help: str, **kwargs: Any) -> Any:
    """An option that only means something with ``--samples``."""
    return typer.Option(flag, help=f"With --samples: {help}", **kwargs)


SeedOpt = Annotated[int | None, _with_samples(
    "--seed", "the master seed; the same seed gives the same figures on every scheduler "
    "(default: a fresh one, reported in the result).", min=0)]
"""``--seed S``: the master seed of the draws."""

SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help=f"where the work runs: {SCHEDULERS} (the default with --samples: "
    "local). The draws run there, and a population raster finer than 100 m is read and "
    "kept on the workers, each layout summed there (only sums come back: the raster may be "
    "larger than this machine's memory); also without --samples.")]
"""``--scheduler``: serial, local or a Dask scheduler's address."""

WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="worker processes of --scheduler local (default: one per core).",
    min=1)]
"""``--workers N`` for a LocalCluster."""

CorrelationOpt = Annotated[float | None, _with_samples(
    "--correlation-m", "correlation length (metres) of a line's displacement along itself "
    f"(default {LINE_CORRELATION_M:,.0f}).")]
"""``--correlation-m``: the correlation length of line draws."""


def format_option(help: str | None = None) -> Any:
    """``--format/-f``: how the command prints."""
    return typer.Option("--format", "-f", help=help)


def out_option(help: str) -> Any:
    """``--out/-o``: the file or folder to write; ``help`` says which."""
    return typer.Option("--out", "-o", help=help)


def overwrite_option(help: str | None = None) -> Any:
    """``--overwrite``: replace what ``--out`` names if it exists."""
    return typer.Option("--overwrite", help=help)


AllowImplausibleOpt = Annotated[bool, typer.Option(
    "--allow-implausible", help="Measure a population layer beyond the plausibility bounds "
    "(more people per km² than any place holds) with a warning instead of refusing it; a "
    "plan says so with 'plausible: {allow: true}'.")]
"""``--allow-implausible``: see :mod:`zoneplan.plan.rules.plausibility`."""


def allowing_implausible(plans: list[Plan], allow: bool) -> list[Plan]:
    """The plans, allowing data beyond the plausibility bounds if ``allow``."""
    from zoneplan.plan.rules.plausibility import allow_implausible

    return [p.model_copy(update={"plausible": allow_implausible(p.plausible)}) if allow
            else p for p in plans]


LayerOpt = Annotated[list[str] | None, typer.Option(
    "--layer", help="Data layer NAME=PATH[,KEY=VALUE...], e.g. "
    "damage=clusters.geojson,count=count (repeatable).")]
"""``--layer NAME=PATH[,KEY=VALUE...]``, repeatable; read with :func:`layer_refs`."""


def _split_options(text: str) -> list[str]:
    """``text`` split at commas outside quotes, backticks and brackets, so a filter's
    list stays whole: ``where=status in ('open', 'closed')``.

    Examples
    --------
    >>> _split_options("h.geojson,where=s in ('a', 'b'),beds=beds")
    ['h.geojson', "where=s in ('a', 'b')", 'beds=beds']
    """
    parts, start, depth, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def parse_layer_option(text: str) -> tuple[str, LayerRef]:
    """Parse ``NAME=PATH[,KEY=VALUE...]`` into a layer name and reference.

    Examples
    --------
    >>> name, ref = parse_layer_option("damage=clusters.geojson,count=count")
    >>> name, ref.path, ref.count
    ('damage', 'clusters.geojson', 'count')
    >>> parse_layer_option("hospitals=h.geojson,where=amenity=='hospital'")[1].where
    "amenity=='hospital'"
    >>> parse_layer_option("people=p.tif,units=bogus")
    Traceback (most recent call last):
    ...
    zoneplan.errors.InputError: --layer 'people=p.tif,units=bogus': 'units' must be 'count' or ...
      → use one of: 'count', 'density'
    """
    if "=" not in text:
        raise InputError(f"--layer {text!r} is not NAME=PATH",
                         suggestion="write e.g. --layer damage=clusters.geojson,count=count")
    name, rest = text.split("=", 1)
    parts = _split_options(rest)
    fields: dict[str, Any] = {"path": parts[0]}
    for kv in parts[1:]:
        if "=" not in kv:
            raise InputError(f"--layer option {kv!r} is not KEY=VALUE",
                             suggestion="write options as KEY=VALUE separated by commas")
        k, v = kv.split("=", 1)
        key = {"class": "damage_class"}.get(k.strip(), k.strip())
        if key not in LayerRef.model_fields:
            raise InputError(
                f"unknown --layer option '{k}'",
                suggestion="options: " + ", ".join(
                    "class" if f == "damage_class" else f
                    for f in LayerRef.model_fields if f not in ("path", "sources")))
        fields[key] = v.strip()
        if key == "where":  # read now, naming the filter's own problem and its place
            from zoneplan.plan.filters import parse_filter

            parse_filter(fields[key])
    try:
        return name.strip(), LayerRef.model_validate(fields)
    except ValidationError as exc:
        message, suggestion, _ = describe(exc.errors(include_url=False)[0], model=LayerRef)
        raise InputError(f"--layer {text!r}: {message}", suggestion=suggestion) from None


def layer_refs(texts: list[str] | None) -> dict[str, LayerRef]:
    """The layers of repeated ``--layer`` options, by name.

    Paths on the command line are relative to the working folder, so they are made
    absolute here (built-in ``gaza:`` layers are kept as they are).
    """
    refs: dict[str, LayerRef] = {}
    for text in texts or []:
        name, ref = parse_layer_option(text)
        if name not in LAYER_ROLES:
            raise InputError(
                f"--layer {name}=...: '{name}' is not a layer role",
                suggestion="give one of: " + "; ".join(f"{k}=PATH ({v})"
                                                       for k, v in LAYER_ROLES.items()))
        if not ref.path.startswith("gaza:"):
            ref.path = str(Path(ref.path).resolve())
        refs[name] = ref
    return refs


class ProgressMode(StrEnum):
    """How a long command shows its progress on standard error."""

    auto = "auto"
    json = "json"
    none = "none"


ProgressOpt = Annotated[ProgressMode, typer.Option(
    "--progress", help="How progress is shown on standard error: auto (steps and a bar on "
    "a terminal, nothing otherwise), json (one JSON object per line, {\"progress\": 0.42, "
    "\"message\": \"...\"}, for programs such as the QGIS plugin) or none.")]
"""``--progress auto|json|none``."""

STEP_SHARE = 0.1
"""Share of the remaining way a step without a count moves the JSON progress on: the
steps of an evaluation are not known in advance, so the fraction approaches 1 without
reaching it until the command ends."""


class JsonProgress:
    """Progress as JSON lines on standard error (``--progress json``).

    Each line is one object: ``progress`` (a fraction 0-1 that never goes back) and
    ``message``. Steps told by text (:data:`zoneplan.evaluate.Progress`) move the
    fraction :data:`STEP_SHARE` of the remaining way on; counted work (Monte Carlo draws,
    the orders of a timeline, the strips of a raster through ``advance``) fills the rest
    of the way in proportion to what is done; :meth:`finish` writes 1.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> p = JsonProgress(buf)
    >>> p("reading layers")
    >>> p.counted("draws")(1, 4)
    >>> p.finish()
    >>> print(buf.getvalue(), end="")
    {"progress": 0.1, "message": "reading layers"}
    {"progress": 0.325, "message": "draws: 1 of 4"}
    {"progress": 1.0, "message": "done"}
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self.fraction = 0.0
        self._phase: tuple[str, float] | None = None

    def _emit(self, fraction: float, message: str) -> None:
        self.fraction = min(1.0, max(self.fraction, fraction))
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(json.dumps({"progress": self.fraction, "message": message},
                                ensure_ascii=False) + "\n")
        stream.flush()

    def __call__(self, text: str) -> None:
        """A step: ``text`` says what is being done."""
        self._phase = None
        self._emit(self.fraction + (1.0 - self.fraction) * STEP_SHARE, text)

    def advance(self, text: str, done: int, total: int) -> None:
        """Counted work: ``done`` of ``total`` parts of what ``text`` names."""
        if self._phase is None or self._phase[0] != text:
            self._phase = (text, self.fraction)
        start = self._phase[1]
        share = done / total if total > 0 else 0.0
        self._emit(start + (1.0 - start) * share, f"{text}: {done} of {total}")

    def counted(self, label: str) -> Any:
        """A callback ``(done, total)`` for counted work named ``label``."""

        def update(done: int, total: int) -> None:
            self.advance(label, done, total)

        return update

    def finish(self, message: str = "done") -> None:
        """The command has ended well."""
        self._emit(1.0, message)


def progress_reporter(mode: ProgressMode) -> JsonProgress | None:
    """A :class:`JsonProgress` for ``--progress json``, else ``None``."""
    return JsonProgress() if mode == ProgressMode.json else None


def progress(enabled: bool, reporter: JsonProgress | None = None,
             mode: ProgressMode = ProgressMode.auto) -> Progress | None:
    """A progress display on standard error: ``reporter`` (``--progress json``), the steps
    on a terminal (``enabled``), or ``None`` if off or not a terminal."""
    if reporter is not None:
        return reporter
    if not enabled or mode == ProgressMode.none or not err.is_terminal:
        return None

    def step(msg: str) -> None:
        err.print(f"[dim]… {msg}[/dim]", highlight=False)

    return step


@contextlib.contextmanager
def sample_bar(enabled: bool, label: str = "Monte Carlo draws",
               reporter: JsonProgress | None = None
               ) -> Iterator[SampleProgress | None]:
    """A progress bar on standard error (``None`` if off or not a terminal); yields the
    callback to give a batch that tells the tasks done and in all:
    :func:`~zoneplan.scenarios.ensemble.run_samples` (``label`` the default, Monte Carlo
    draws) or :func:`~zoneplan.scenarios.timeline.timeline`. With ``reporter``
    (``--progress json``), the counts go to it as JSON lines."""
    if reporter is not None:
        yield reporter.counted(label)
        return
    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=err, transient=True)
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update
