"""``zoneplan data``: list, describe, fetch and add public datasets.

Mounted by the main CLI with ``app.add_typer(cli_data.app, name="data")``. Commands
raise :class:`~zoneplan.errors.ZoneplanError` subclasses; the main CLI prints them and
exits with status 2.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoneplan.cli.console import err, out

WIDE_LIST_COLUMNS = 140
"""Columns from which ``data list`` shows every column (role, format, size, how to get);
below, the name, kind, licence and local copy."""

if TYPE_CHECKING:
    from zoneplan.io.catalog import Dataset

__all__ = ["ENV_BASE_URL", "app"]

ENV_BASE_URL = "ZONEPLAN_CATALOG_BASE_URL"
"""The mirror's environment variable: :data:`zoneplan.io.fetch.ENV_BASE_URL`, written out
so that the command line does not import the downloader (requests, pooch) to start."""

app = typer.Typer(
    name="data",
    help="Public datasets: list them, see their source and licence, fetch or add them.",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(StrEnum):
    """How ``list`` and ``info`` print."""

    table = "table"
    json = "json"


FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table for people, json for scripts")
]


def _size(n: int | None) -> str:
    """Format a byte count for people.

    Examples
    --------
    >>> _size(None), _size(19_142), _size(1_620_023)
    ('unknown', '19 kB', '1.6 MB')
    """
    if n is None:
        return "unknown"
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB"
    return f"{n / 1_000_000:.1f} MB"


def _local(name: str) -> dict[str, Any] | None:
    from zoneplan.io import registry

    return registry.local_record(name)


def _local_words(rec: dict[str, Any] | None) -> str:
    """The ``local`` column: where the copy came from and its path, or ``no``.

    Examples
    --------
    >>> _local_words(None)
    'no'
    >>> _local_words({"source": "add", "path": "/d/x/a.tif"})
    'yes (added): /d/x/a.tif'
    """
    if rec is None:
        return "no"
    how = {"download": "fetched", "add": "added", "found": "found"}.get(
        str(rec.get("source")), str(rec.get("source")))
    return f"yes ({how}): {rec['path']}"


def _expect_words(expect: dict[str, Any]) -> str:
    """What ``zoneplan data add`` checks, in words.

    Examples
    --------
    >>> _expect_words({"data": "vector", "geometry": ("Point",), "fields": ("count",),
    ...                "features": (1196, 1196), "bands": None})
    'vector: Point; fields count; 1,196 features'
    >>> _expect_words({"data": "raster", "geometry": (), "fields": (), "features": None,
    ...                "bands": 1})
    'raster: 1 band(s)'
    """
    if expect["data"] == "raster":
        return f"raster: {expect['bands']} band(s)"
    low, high = expect["features"]
    count = f"{low:,}" if low == high else f"{low:,} to {high:,}"
    fields = f"; fields {', '.join(expect['fields'])}" if expect["fields"] else ""
    return f"vector: {' or '.join(expect['geometry'])}{fields}; {count} features"


def _entry_json(entry: Dataset) -> dict[str, Any]:
    return {**entry.to_dict(), "local": _local(entry.name)}


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


class _RichBar:
    """A download progress bar on stderr for pooch (a :class:`~zoneplan.io.fetch.ProgressBar`).

    Parameters
    ----------
    label
        Shown left of the bar (the file name).
    """

    def __init__(self, label: str) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err,
            transient=False,
        )
        self._task = self._progress.add_task(label, total=None)
        self._progress.start()
        self._total = 0

    @property
    def total(self) -> int:
        """Size of the download, bytes (0: not known)."""
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = int(value)
        self._progress.update(self._task, total=value or None)

    def update(self, n: int) -> None:
        """Advance by ``n`` bytes."""
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        """Go back to zero."""
        self._progress.reset(self._task, total=self._total or None)

    def close(self) -> None:
        """Stop drawing."""
        self._progress.stop()


@app.command("list")
def list_cmd(fmt: FormatOpt = OutputFormat.table) -> None:
    """List the datasets in the catalogue and whether they are on this computer."""
    from rich.table import Table

    from zoneplan.io import catalog

    entries = catalog.ENTRIES
    if fmt is OutputFormat.json:
        _echo_json([_entry_json(e) for e in entries])
        return
    table = Table(title="zoneplan data catalogue", show_lines=False)
    # all columns where there is room; in fewer columns (a pipe: 100), what a reader
    # needs to choose (the rest is in `zoneplan data info NAME`)
    wide = out.width >= WIDE_LIST_COLUMNS
    columns = (("kind", "role", "format", "size", "licence", "get") if wide
               else ("kind", "licence"))
    table.add_column("name", no_wrap=True)
    for column in columns:
        table.add_column(column, overflow="fold")
    table.add_column("local", overflow="fold", min_width=len("yes (added):"))
    for e in entries:
        cells = {"kind": e.kind, "role": e.role or "-", "format": e.format,
                 "size": _size(e.approx_size_bytes), "licence": e.licence,
                 "get": "fetch" if e.direct else "by hand"}
        table.add_row(e.name, *(cells[c] for c in columns), _local_words(_local(e.name)))
    console = out
    console.print(table)
    console.print(
        "Details: `zoneplan data info NAME`. Download: `zoneplan data fetch NAME`, or by "
        "hand then `zoneplan data add NAME FILE`."
    )


@app.command("info")
def info_cmd(
    name: Annotated[str, typer.Argument(help="dataset name, see `zoneplan data list`")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show every field of a dataset: source, licence, citation, how to get it by hand."""
    from rich.table import Table

    from zoneplan.io import catalog

    entry = catalog.get(name)
    data = _entry_json(entry)
    if fmt is OutputFormat.json:
        _echo_json(data)
        return
    table = Table(title=entry.title, show_header=False, show_lines=True)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in data.items():
        if key == "local":
            text = f"{value['path']} ({value['source']})" if value else "not on this computer"
        elif key == "expect":
            text = _expect_words(value)
        elif key == "approx_size_bytes":
            text = f"{value} bytes (~{_size(value)})" if value is not None else "unknown"
        elif isinstance(value, list):
            text = " ".join(value) if value else "-"
        elif value is None:
            text = "-"
        else:
            text = str(value)
        table.add_row(key, text)
    out.print(table)


@app.command("fetch")
def fetch_cmd(
    name: Annotated[str, typer.Argument(help="dataset name, see `zoneplan data list`")],
    to: Annotated[
        Path | None,
        typer.Option("--to", help="also copy the file into this folder", file_okay=False),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="replace the file in --to if it exists")
    ] = False,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar=ENV_BASE_URL,
            help="mirror to download from instead of the publisher (scheme://host[/prefix])",
        ),
    ] = None,
) -> None:
    """Download a dataset into the local cache (and optionally copy it with --to)."""
    from zoneplan.io import fetch

    bar = _RichBar if sys.stderr.isatty() else None
    path = fetch.fetch(name, to, base_url=base_url, overwrite=overwrite, progress=bar)
    typer.echo(str(path))


@app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="dataset name, see `zoneplan data list`")],
    file: Annotated[Path, typer.Argument(help="the file you downloaded by hand")],
) -> None:
    """Register a file downloaded by hand as the local copy of a dataset."""
    from zoneplan.io import registry

    path = registry.add(name, file)
    typer.echo(str(path))
