"""Download catalogue datasets into the local cache, checked against known checksums.

A pinned entry (:attr:`~zoneplan.io.catalog.Dataset.pinned`) is checked after every
fetch, also when the file was in the cache already: its size in bytes, then its SHA-256.
A file that does not match is deleted and refused (:class:`DownloadError`, exit code 2),
naming the dataset, what was expected and what was got.

Downloads go through pooch into the cache folder of :mod:`zoneplan.io.registry`, which
records them. A progress bar is whatever the caller hands in (the command line passes a
rich bar); without one nothing is shown.

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
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import pooch
import requests

from zoneplan.errors import DataError, DownloadError, InputError, OutputExistsError
from zoneplan.io import catalog
from zoneplan.io.catalog import Dataset
from zoneplan.io.registry import (
    ENV_DATA_DIR,
    by_hand,
    copy_atomic,
    data_dir,
    record,
    sha256_of,
)

__all__ = [
    "ENV_BASE_URL",
    "TIMEOUT_S",
    "ProgressBar",
    "ProgressFactory",
    "fetch",
    "rebase_url",
    "verify",
]

ENV_BASE_URL = "ZONEPLAN_CATALOG_BASE_URL"
"""Environment variable naming a mirror that stands in for the publishers."""

TIMEOUT_S = 30.0
"""Seconds to wait for the server to answer before giving up."""



class ProgressBar(Protocol):
    """A download progress bar as pooch drives it (tqdm's interface).

    pooch sets ``total`` (bytes, 0 when the server does not say), calls ``update`` with
    the bytes of each chunk, then ``reset``, ``update(total)`` and ``close`` at the end.
    """

    total: int

    def update(self, n: int) -> object:
        """Advance by ``n`` bytes."""
        ...

    def reset(self) -> object:
        """Go back to zero."""
        ...

    def close(self) -> object:
        """Stop drawing; may be called more than once."""
        ...


ProgressFactory = Callable[[str], ProgressBar]
"""Makes the progress bar of one download from its label (the file name)."""


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


def fetch(
    name: str,
    to: str | Path | None = None,
    *,
    base_url: str | None = None,
    overwrite: bool = False,
    progress: ProgressFactory | bool | None = None,
) -> Path:
    """Download dataset ``name`` into the cache (if not there yet) and return its path.

    Parameters
    ----------
    name
        Catalogue name (see ``zoneplan data list``).
    to
        Folder to copy the file into as well (created, with its parents, if missing); an
        existing file of the same name is not replaced unless ``overwrite`` is true. The
        copy's path is returned.
    base_url
        Replaces scheme and host of the catalogue link (default: ``$ZONEPLAN_CATALOG_BASE_URL``).
    overwrite
        Replace an existing file in ``to``.
    progress
        Progress bar: a callable that takes the file name and returns a
        :class:`ProgressBar` (called once per fetch, also when the file is cached
        already; the bar is closed at the end). ``True`` uses pooch's own bar (needs
        tqdm); ``None`` or ``False`` shows nothing.

    Returns
    -------
    Path
        The usable file (decompressed if the catalogue says so), or its copy in ``to``.

    Raises
    ------
    DownloadError
        No direct link, server unreachable (offline), HTTP error, or a pinned file whose
        size or checksum does not match (the bad file is deleted). The message says how
        to download by hand.
    OutputExistsError
        The file exists in ``to`` and ``overwrite`` is false.
    """
    entry = catalog.get(name)
    if to is not None:
        _check_folder(Path(to), entry.local_name, overwrite=overwrite)
    if entry.url is None:
        raise DownloadError(
            f"{entry.title} ({entry.name}) has no direct download link",
            suggestion=by_hand(entry),
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
    record(entry.name, path, source="download", url=url)
    if to is None:
        return path
    target = Path(to) / path.name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"the folder to copy into cannot be created ({exc.strerror})",
                        path=target.parent, suggestion="choose a folder you can write to "
                        f"(the file is in the cache already: {path})") from exc
    copy_atomic(path, target, overwrite=overwrite)
    return target


def _download(
    entry: Dataset, url: str, folder: Path, progress: ProgressFactory | bool | None
) -> Path:
    """Run pooch and translate its failures into :class:`DownloadError`."""
    bar: ProgressBar | bool = progress(entry.filename) if callable(progress) else bool(progress)
    processor = (
        pooch.Decompress(method="gzip", name=entry.local_name) if entry.unpack == "gzip" else None
    )
    try:
        with _quiet_pooch():
            result = pooch.retrieve(
                url,
                known_hash=None,
                fname=entry.filename,
                path=folder,
                processor=processor,
                downloader=pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S),
            )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise DownloadError(
            f"could not download {entry.filename}: the server at {urlsplit(url).netloc} "
            "cannot be reached (this computer seems to be offline, or the server is down)",
            path=url,
            suggestion=by_hand(entry),
        ) from exc
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "an error"
        raise DownloadError(
            f"could not download {entry.filename}: the server answered HTTP {status}",
            path=url,
            suggestion=f"check {entry.page} for a new address, or {by_hand(entry)}",
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            f"could not download {entry.filename} ({exc.__class__.__name__})",
            path=url,
            suggestion=by_hand(entry),
        ) from exc
    except (OSError, EOFError) as exc:
        for leftover in (folder / entry.filename, folder / entry.local_name):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise DownloadError(
            f"could not store or unpack {entry.filename} ({exc})",
            path=folder,
            suggestion="check free disk space and try again; if the file is damaged, "
            + by_hand(entry),
        ) from exc
    finally:
        if not isinstance(bar, bool):
            with contextlib.suppress(Exception):
                bar.close()
    verify(entry, folder / entry.filename, url=url,
           also_delete=(folder / entry.local_name,))
    return Path(result)


def verify(entry: Dataset, path: Path, *, url: str | None = None,
           also_delete: tuple[Path, ...] = ()) -> None:
    """Check a downloaded file against its pinned entry's size (bytes) and SHA-256.

    Nothing is checked for an entry without a checksum.

    Raises
    ------
    DownloadError
        The size or the checksum differs; the file (and ``also_delete``, its unpacked
        copy) is deleted first. The message names the dataset, what was expected and what
        was got.
    """
    if entry.sha256 is None or entry.size_bytes is None:
        return
    size = path.stat().st_size
    what = got = ""
    if size != entry.size_bytes:
        what, got = f"{entry.size_bytes:,} bytes", f"{size:,} bytes"
    else:
        digest = sha256_of(path)
        if digest != entry.sha256:
            what, got = f"sha256 {entry.sha256}", f"sha256 {digest}"
    if not what:
        return
    for bad in (path, *also_delete):
        with contextlib.suppress(OSError):
            bad.unlink()
    raise DownloadError(
        f"the download of dataset {entry.name} ({entry.filename}) is not the pinned file: "
        f"expected {what}, got {got}. The bad download was deleted",
        path=url or path,
        suggestion=(
            "try again later (a download can be cut or altered on the way); if it keeps "
            "failing the publisher may have replaced the file: check the new file, then "
            + by_hand(entry)
        ),
    )


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


def _check_folder(folder: Path, filename: str, *, overwrite: bool) -> None:
    """Refuse early (before any download) a ``--to`` folder that cannot take the file; a
    folder that does not exist yet is created after the download."""
    if folder.exists() and not folder.is_dir():
        raise DataError(
            "the path to copy into is a file, not a folder",
            path=folder,
            suggestion="give a folder (it is created if it does not exist)",
        )
    if (folder / filename).exists() and not overwrite:
        raise OutputExistsError(
            "the file exists already",
            path=folder / filename,
            suggestion="pass --overwrite to replace it, or choose another folder",
        )
