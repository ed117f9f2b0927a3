"""The catalogue datasets on this computer: cache folder, registry file, adding by hand.

The cache folder is :func:`zoneplan.io.folders.data_dir`: ``pooch.os_cache("zoneplan")``
unless the environment variable ``ZONEPLAN_DATA_DIR`` names another folder. Each dataset
lives in its own sub-folder (``<cache>/<name>/<file>``) and a JSON registry
(``<cache>/registry.json``) records which file belongs to which dataset, where it came
from and its SHA-256.

Files get here by :func:`zoneplan.io.fetch.fetch` (a download) or by :func:`add` (a file
the user downloaded by hand); :func:`resolve` turns a dataset name into its local path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

from zoneplan.errors import DataError
from zoneplan.io import catalog
from zoneplan.io.catalog import Dataset
from zoneplan.io.folders import ENV_DATA_DIR, data_dir
from zoneplan.io.outputs import write_text_atomic, write_with_atomic

__all__ = [
    "ENV_DATA_DIR",
    "REGISTRY_NAME",
    "add",
    "by_hand",
    "check_is_dataset",
    "copy_atomic",
    "data_dir",
    "local_record",
    "record",
    "resolve",
    "sha256_of",
]

REGISTRY_NAME = "registry.json"
"""File name of the registry inside the cache folder."""

SNIFF_BYTES = 1024
"""Bytes read from the start of a file to tell a web page from data."""

_HTML_START = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml version")
"""How a web page (or an XML error answer, as S3 sends) starts."""


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


def record(name: str, path: Path, **info: Any) -> dict[str, Any]:
    """Record ``path`` as the local file of dataset ``name`` (atomic registry write).

    Parameters
    ----------
    name
        Catalogue name.
    path
        The usable file, inside :func:`data_dir`.
    **info
        Stored with the record: ``source`` (``"download"`` or ``"add"``) and where the
        file came from.

    Returns
    -------
    dict
        The new record: ``path`` (relative to the cache folder), ``sha256``,
        ``size_bytes`` (bytes), ``recorded_at`` (UTC, ISO 8601) and ``info``. The file
        of an older record in the same folder is deleted.
    """
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
    A file placed by hand where :func:`resolve` looks for it (``DATA_DIR/NAME/LOCAL_NAME``)
    counts too, with ``source`` ``"found"`` (no checksum recorded).
    """
    entry = catalog.get(name)
    rec = _read_registry().get(name)
    if rec:
        path = data_dir() / str(rec.get("path", ""))
        if path.is_file():
            return {**rec, "path": str(path)}
    expected = data_dir() / entry.name / entry.local_name
    if expected.is_file():
        return {"path": str(expected), "source": "found", "size_bytes": expected.stat().st_size}
    return None


def sha256_of(path: str | Path) -> str:
    """Return the SHA-256 of a file as 64 lower-case hex digits."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def by_hand(entry: Dataset) -> str:
    """Return the suggestion to download ``entry`` in a browser and add it.

    Examples
    --------
    >>> by_hand(catalog.get("ocha-cod-ab-pse"))  # doctest: +NORMALIZE_WHITESPACE
    'download https://data.humdata.org/dataset/cod-ab-pse by hand (in a browser, or on
    another computer), then run `zoneplan data add ocha-cod-ab-pse FILE` with the path of
    the downloaded file'
    """
    where = entry.url or entry.page
    return (
        f"download {where} by hand (in a browser, or on another computer), then run "
        f"`zoneplan data add {entry.name} FILE` with the path of the downloaded file"
    )


def add(name: str, file: str | Path) -> Path:
    """Register a hand-downloaded file as dataset ``name`` and return its cached path.

    The file is copied into the cache (the original is left alone). If the catalogue
    knows the file's SHA-256, the copy must match it. A gzip download of an entry that
    is unpacked after download (``unpack="gzip"``) is decompressed; the already
    unpacked file is accepted too. The file must be the dataset
    (:func:`check_is_dataset`): not empty, not a web page, readable, of the geometry
    type, fields and feature count the catalogue expects.

    Raises
    ------
    DataError
        The file is missing, is not a file, does not match the known checksum, or is
        not the dataset (the registry is then unchanged).
    """
    entry = catalog.get(name)
    src = Path(file).expanduser()
    if not src.is_file():
        raise DataError(
            "the file to add does not exist" if not src.exists() else "this is not a file",
            path=src,
            suggestion="give the path of the downloaded file, e.g. ~/Downloads/" + entry.filename,
        )
    _check_not_a_page(entry, src)
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
    copy_atomic(src, stored, overwrite=True)
    if packed:
        unpacked = folder / _safe_name(src.name[: -len(".gz")])
        write_with_atomic(unpacked, lambda tmp: _gunzip(stored, tmp), overwrite=True)
        stored = unpacked
    try:
        check_is_dataset(entry, stored, shown=src)
    except DataError:
        with contextlib.suppress(OSError):
            stored.unlink()
        with contextlib.suppress(OSError):
            (folder / _safe_name(src.name)).unlink()
        raise
    record(
        entry.name,
        stored,
        source="add",
        original=str(src.resolve()),
        original_sha256=actual,
        checksum_verified=bool(entry.sha256) and (packed or entry.unpack is None),
    )
    return stored


def _refuse(entry: Dataset, path: Path, why: str) -> DataError:
    return DataError(
        f"this is not the dataset {entry.name}: {why}", path=path,
        suggestion=f"download the file again ({entry.format}) and check it opens; "
        + by_hand(entry))


def _check_not_a_page(entry: Dataset, path: Path) -> None:
    """Refuse an empty file or a web page saved under the dataset's name."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise _refuse(entry, path, "the file is empty (0 bytes)")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_HTML_START) or b"<html" in start:
        raise _refuse(entry, path, "the file is a web page (HTML), not data: the browser "
                      "saved a download, login or error page instead of the file")


def check_is_dataset(entry: Dataset, path: Path, *, shown: Path | None = None) -> None:
    """Check that a file is the dataset: what the catalogue's ``expect`` says.

    A raster must open with rasterio and have the stated bands; a vector file must open
    with pyogrio and hold a layer of an expected geometry type, with the expected fields
    (compared without case) and a feature count in the stated range.

    Parameters
    ----------
    entry
        The catalogue entry.
    path
        The file to check.
    shown
        The path named in messages (default ``path``).

    Raises
    ------
    DataError
        The file is empty, a web page, unreadable, or not what the entry expects.
    """
    where = shown or path
    _check_not_a_page(entry, path)
    expect = entry.expect
    if expect.data == "raster":
        import rasterio
        from rasterio.errors import RasterioError

        try:
            with rasterio.open(path) as src:
                bands = src.count
        except (RasterioError, OSError) as exc:
            why = str(exc).replace(str(path), path.name)
            raise _refuse(entry, where, f"it is not a raster rasterio can read ({why})") \
                from None
        if bands != expect.bands:
            raise _refuse(entry, where, f"the raster has {bands} bands, the dataset "
                          f"{expect.bands}")
        return
    problems = _vector_problems(entry, path)
    if problems:
        raise _refuse(entry, where, problems)


def _vector_problems(entry: Dataset, path: Path) -> str:
    """What keeps every layer of a vector file from being the dataset ('' if one is)."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    expect = entry.expect
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        infos = [(name, pyogrio.read_info(path, layer=name, force_feature_count=True))
                 for name in layers]
    except (DataSourceError, DataLayerError, OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [exc.__class__.__name__])[0]
        first = first.split("; It might help")[0].replace(str(path), path.name)
        return f"it is not a vector file pyogrio can read ({first})"
    if not infos:
        return "the file holds no layer"
    assert expect.features is not None
    low, high = expect.features
    found: list[str] = []
    for name, info in infos:
        kind = str(info.get("geometry_type") or "none").replace(" Z", "").replace("3D ", "")
        have = {str(f).lower() for f in info.get("fields", [])}
        missing = [f for f in expect.fields if f.lower() not in have]
        count = int(info.get("features", -1))
        wrong: list[str] = []
        if kind not in expect.geometry:
            wrong.append(f"{'no geometry' if kind == 'none' else 'geometry ' + kind}, not "
                         f"{' or '.join(expect.geometry)}")
        if missing:
            wrong.append(f"no field {', '.join(repr(m) for m in missing)}")
        if not low <= count <= high:
            wrong.append(f"{count:,} features, not {low:,}" +
                         (f" to {high:,}" if high != low else ""))
        if not wrong:
            return ""
        found.append(f"layer {name!r} has " + "; ".join(wrong))
    return "; ".join(found[:3]) + (f" (and {len(found) - 3} more layers)" if len(found) > 3
                                   else "")


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
        f"run `zoneplan data fetch {entry.name}`, or {by_hand(entry)}"
        if entry.direct
        else by_hand(entry)
    )
    raise DataError(
        f"the dataset {entry.name} is not on this computer yet",
        path=data_dir(),
        suggestion=how,
    )


def copy_atomic(src: Path, target: Path, *, overwrite: bool) -> None:
    """Copy ``src`` to ``target`` atomically (see :func:`zoneplan.io.outputs.write_with_atomic`)."""

    def write(tmp: Path) -> None:
        shutil.copyfile(src, tmp)

    write_with_atomic(target, write, overwrite=overwrite)


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
