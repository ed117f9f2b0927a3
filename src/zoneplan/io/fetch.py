"""Download catalogue datasets into a local cache, or register hand-downloaded files.

The cache folder is ``pooch.os_cache("zoneplan")`` unless the environment variable
``ZONEPLAN_DATA_DIR`` names another folder. Each dataset lives in its own sub-folder
(``<cache>/<name>/<file>``) and a JSON registry (``<cache>/registry.json``) records which
file belongs to which dataset, where it came from and its SHA-256.

``ZONEPLAN_CATALOG_BASE_URL`` (or the ``base_url`` argument) replaces the scheme and host
of every catalogue link, so a mirror, or a test server on ``127.0.0.1``, can stand in for
the publishers.

Examples
--------
>>> rebase_url("https://data.example.org/a/b.tif", "http://127.0.0.1:8000")
'http://127.0.0.1:8000/a/b.tif'
>>> rebase_url("https://data.example.org/a/b.tif", None)
'https://data.example.org/a/b.tif'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pooch
import requests

from zoneplan.errors import DataError, DownloadError, InputError, OutputExistsError
from zoneplan.io import catalog
from zoneplan.io.catalog import Dataset
from zoneplan.io.outputs import write_text_atomic, write_with_atomic

__all__ = [
    "ENV_BASE_URL",
    "ENV_DATA_DIR",
    "REGISTRY_NAME",
    "add",
    "data_dir",
    "fetch",
    "local_record",
    "rebase_url",
    "resolve",
    "sha256_of",
]

ENV_DATA_DIR = "ZONEPLAN_DATA_DIR"
ENV_BASE_URL = "ZONEPLAN_CATALOG_BASE_URL"
REGISTRY_NAME = "registry.json"
TIMEOUT_S = 30.0
"""Seconds to wait for the server to answer before giving up."""

_GOT_HASH = re.compile(r"but got ([0-9a-fA-F]{16,})")


# ---------------------------------------------------------------- paths and registry


def data_dir() -> Path:
    """Return the cache folder (``$ZONEPLAN_DATA_DIR`` or pooch's per-user cache).

    The folder is not created here.
    """
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(pooch.os_cache("zoneplan"))


def _registry_path() -> Path:
    return data_dir() / REGISTRY_NAME


def _read_registry() -> dict[str, dict[str, Any]]:
    path = _registry_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(
            f"the data registry cannot be read ({exc})",
            path=path,
            suggestion="delete the file; fetch or add the datasets again",
        ) from exc
    if not isinstance(data, dict):
        raise DataError(
            "the data registry is not a JSON object",
            path=path,
            suggestion="delete the file; fetch or add the datasets again",
        )
    return data


def _record(name: str, path: Path, **info: Any) -> dict[str, Any]:
    """Record ``path`` as the local file of dataset ``name`` (atomic registry write)."""
    root = data_dir()
    registry = _read_registry()
    old = registry.get(name)
    rec: dict[str, Any] = {
        "path": path.relative_to(root).as_posix(),
        "sha256": sha256_of(path),
        "size_bytes": path.stat().st_size,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **info,
    }
    registry[name] = rec
    write_text_atomic(
        _registry_path(), json.dumps(registry, indent=2, sort_keys=True) + "\n", overwrite=True
    )
    if old and old.get("path") != rec["path"]:
        stale = root / str(old.get("path", ""))
        if stale.is_file() and stale.parent == path.parent:
            with contextlib.suppress(OSError):
                stale.unlink()
    return rec


def local_record(name: str) -> dict[str, Any] | None:
    """Return the registry record of dataset ``name`` if its file is present, else ``None``.

    The record holds ``path`` (absolute, as a string), ``sha256``, ``size_bytes``,
    ``recorded_at``, ``source`` (``"download"`` or ``"add"``) and where it came from.
    """
    catalog.get(name)
    rec = _read_registry().get(name)
    if not rec:
        return None
    path = data_dir() / str(rec.get("path", ""))
    if not path.is_file():
        return None
    return {**rec, "path": str(path)}


def sha256_of(path: str | Path) -> str:
    """Return the SHA-256 of a file as 64 lower-case hex digits."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- URLs and messages


def rebase_url(url: str, base_url: str | None) -> str:
    """Replace the scheme and host of ``url`` by those of ``base_url``.

    A path in ``base_url`` is put in front of the path of ``url``; ``None`` or ``""``
    leaves ``url`` unchanged.

    Examples
    --------
    >>> rebase_url("https://h.org/x/y.zip?dl=1", "http://localhost:9/mirror/")
    'http://localhost:9/mirror/x/y.zip?dl=1'
    """
    if not base_url:
        return url
    base = urlsplit(base_url)
    if base.scheme not in ("http", "https") or not base.netloc:
        raise InputError(
            f"the catalogue base URL {base_url!r} is not an http(s) address",
            suggestion=f"use a form like http://host:port/prefix (check ${ENV_BASE_URL})",
        )
    parts = urlsplit(url)
    return urlunsplit(
        (base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, "")
    )


def _by_hand(entry: Dataset) -> str:
    where = entry.url or entry.page
    return (
        f"download {where} by hand (in a browser, or on another computer), then run "
        f"`zoneplan data add {entry.name} FILE` with the path of the downloaded file"
    )


# ---------------------------------------------------------------- progress bar


class _RichBar:
    """Minimal tqdm-like progress bar on stderr for pooch's HTTPDownloader."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
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
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task(label, total=None)
        self._progress.start()
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = int(value)
        self._progress.update(self._task, total=value or None)

    def update(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def reset(self) -> None:
        self._progress.reset(self._task, total=self._total or None)

    def close(self) -> None:
        self._progress.stop()


# ---------------------------------------------------------------- fetch, add, resolve


def fetch(
    name: str,
    to: str | Path | None = None,
    *,
    base_url: str | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> Path:
    """Download dataset ``name`` into the cache (if not there yet) and return its path.

    Parameters
    ----------
    name
        Catalogue name (see ``zoneplan data list``).
    to
        Folder to copy the file into as well; an existing file of the same name is
        not replaced unless ``overwrite`` is true. The copy's path is returned.
    base_url
        Replaces scheme and host of the catalogue link (default: ``$ZONEPLAN_CATALOG_BASE_URL``).
    overwrite
        Replace an existing file in ``to``.
    progress
        Show a progress bar on stderr; ``None`` shows it when stderr is a terminal.

    Returns
    -------
    Path
        The usable file (decompressed if the catalogue says so), or its copy in ``to``.

    Raises
    ------
    DownloadError
        No direct link, server unreachable (offline), HTTP error, or checksum mismatch
        (the bad file is deleted). The message says how to download by hand.
    OutputExistsError
        The file exists in ``to`` and ``overwrite`` is false.
    """
    entry = catalog.get(name)
    if to is not None:
        _check_folder(Path(to), entry.local_name, overwrite=overwrite)
    if entry.url is None:
        raise DownloadError(
            f"{entry.title} ({entry.name}) has no direct download link",
            suggestion=_by_hand(entry),
        )
    url = rebase_url(entry.url, base_url or os.environ.get(ENV_BASE_URL))
    folder = data_dir() / entry.name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"the data folder cannot be created ({exc.strerror})",
            path=folder,
            suggestion=f"set {ENV_DATA_DIR} to a folder you can write to",
        ) from exc
    path = _download(entry, url, folder, progress)
    _record(entry.name, path, source="download", url=url)
    if to is None:
        return path
    return _copy_to(path, Path(to), overwrite=overwrite)


def _download(entry: Dataset, url: str, folder: Path, progress: bool | None) -> Path:
    """Run pooch and translate its failures into :class:`DownloadError`."""
    if progress is None:
        progress = sys.stderr.isatty()
    bar: _RichBar | bool = _RichBar(entry.filename) if progress else False
    processor = (
        pooch.Decompress(method="gzip", name=entry.local_name) if entry.unpack == "gzip" else None
    )
    known = f"sha256:{entry.sha256}" if entry.sha256 else None
    try:
        with _quiet_pooch():
            result = pooch.retrieve(
                url,
                known_hash=known,
                fname=entry.filename,
                path=folder,
                processor=processor,
                downloader=pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S),
            )
    except ValueError as exc:
        if "hash" not in str(exc):
            raise
        got = _GOT_HASH.search(str(exc))
        raise DownloadError(
            f"the downloaded file {entry.filename} does not match its known checksum: "
            f"expected sha256 {entry.sha256}, got {got.group(1) if got else 'another value'}. "
            "The bad download was deleted",
            path=url,
            suggestion=(
                "try again later (a download can be cut or altered on the way); if it keeps "
                "failing the publisher may have replaced the file: check the new file, then "
                + _by_hand(entry)
            ),
        ) from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(
            f"could not download {entry.filename}: the server at {urlsplit(url).netloc} "
            "cannot be reached (this computer seems to be offline, or the server is down)",
            path=url,
            suggestion=_by_hand(entry),
        ) from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "an error"
        raise DownloadError(
            f"could not download {entry.filename}: the server answered HTTP {status}",
            path=url,
            suggestion=f"check {entry.page} for a new address, or {_by_hand(entry)}",
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            f"could not download {entry.filename} ({exc.__class__.__name__})",
            path=url,
            suggestion=_by_hand(entry),
        ) from exc
    except (OSError, EOFError) as exc:
        for leftover in (folder / entry.filename, folder / entry.local_name):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise DownloadError(
            f"could not store or unpack {entry.filename} ({exc})",
            path=folder,
            suggestion="check free disk space and try again; if the file is damaged, "
            + _by_hand(entry),
        ) from exc
    finally:
        if isinstance(bar, _RichBar):
            with contextlib.suppress(Exception):
                bar.close()
    return Path(result)


def add(name: str, file: str | Path) -> Path:
    """Register a hand-downloaded file as dataset ``name`` and return its cached path.

    The file is copied into the cache (the original is left alone). If the catalogue
    knows the file's SHA-256, the copy must match it. A gzip download of an entry that
    is unpacked after download (``unpack="gzip"``) is decompressed; the already
    unpacked file is accepted too.

    Raises
    ------
    DataError
        The file is missing, is not a file, or does not match the known checksum.
    """
    entry = catalog.get(name)
    src = Path(file).expanduser()
    if not src.is_file():
        raise DataError(
            "the file to add does not exist" if not src.exists() else "this is not a file",
            path=src,
            suggestion="give the path of the downloaded file, e.g. ~/Downloads/" + entry.filename,
        )
    actual = sha256_of(src)
    packed = entry.unpack == "gzip" and src.name.endswith(".gz")
    if entry.sha256 and (packed or entry.unpack is None) and actual != entry.sha256:
        raise DataError(
            f"the file does not match the known checksum of {entry.name}: "
            f"expected sha256 {entry.sha256}, got {actual}",
            path=src,
            suggestion=f"download the file again from {entry.url or entry.page}; "
            "it may be incomplete or a different version",
        )
    folder = data_dir() / entry.name
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / _safe_name(src.name)
    write_with_atomic(stored, _copier(src), overwrite=True)
    if packed:
        unpacked = folder / _safe_name(src.name[: -len(".gz")])
        write_with_atomic(unpacked, lambda tmp: _gunzip(stored, tmp), overwrite=True)
        stored = unpacked
    _record(
        entry.name,
        stored,
        source="add",
        original=str(src.resolve()),
        original_sha256=actual,
        checksum_verified=bool(entry.sha256) and (packed or entry.unpack is None),
    )
    return stored


def resolve(name: str) -> Path:
    """Return the local path of dataset ``name``.

    Raises
    ------
    InputError
        Unknown name.
    DataError
        The dataset has not been fetched or added yet; the message says how.
    """
    entry = catalog.get(name)
    rec = local_record(name)
    if rec is not None:
        return Path(rec["path"])
    expected = data_dir() / entry.name / entry.local_name
    if expected.is_file():
        return expected
    how = (
        f"run `zoneplan data fetch {entry.name}`, or {_by_hand(entry)}"
        if entry.direct
        else _by_hand(entry)
    )
    raise DataError(
        f"the dataset {entry.name} is not on this computer yet",
        path=data_dir(),
        suggestion=how,
    )


# ---------------------------------------------------------------- helpers


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Hide pooch's developer-facing log lines ("use this value as known_hash")."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _copier(src: Path) -> Callable[[Path], None]:
    """Return a writer for :func:`write_with_atomic` that copies ``src``."""

    def write(tmp: Path) -> None:
        shutil.copyfile(src, tmp)

    return write


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "data"


def _gunzip(src: Path, dst: Path) -> None:
    try:
        with gzip.open(src, "rb") as fin, dst.open("wb") as fout:
            shutil.copyfileobj(fin, fout)
    except (OSError, EOFError) as exc:
        raise DataError(
            f"the file is not a valid gzip file ({exc})",
            path=src,
            suggestion="download it again; or add the already unpacked file",
        ) from exc


def _check_folder(folder: Path, filename: str, *, overwrite: bool) -> None:
    """Refuse early (before any download) a ``--to`` folder that cannot take the file."""
    if not folder.is_dir():
        raise DataError(
            "the folder to copy into does not exist",
            path=folder,
            suggestion="create the folder first, or choose an existing one",
        )
    if (folder / filename).exists() and not overwrite:
        raise OutputExistsError(
            "the file exists already",
            path=folder / filename,
            suggestion="pass --overwrite to replace it, or choose another folder",
        )


def _copy_to(src: Path, folder: Path, *, overwrite: bool) -> Path:
    target = folder / src.name
    write_with_atomic(target, _copier(src), overwrite=overwrite)
    return target
