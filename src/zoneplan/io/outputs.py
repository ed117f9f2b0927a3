"""Safe output writing: atomic, and never clobbering without ``overwrite=True``.

Files are written to a temporary beside them and renamed into place; folders are built
beside the old one and put in its place in one step (:func:`atomic_dir`). Temporaries are
named so they are recognisable and never left behind (see
:mod:`zoneplan.io.temporaries`).

Every output folder holds a marker, :data:`OUTPUT_MARKER` (a small JSON: tool, version,
command). ``--overwrite`` replaces a folder only if it holds the marker: a folder
zoneplan did not write is refused, whatever it holds, and the old folder is never copied
(it is exchanged with the new one, then deleted).

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(d / "a.txt", "hello")
>>> (d / "a.txt").read_text()
'hello'
>>> write_text_atomic(d / "a.txt", "again")
Traceback (most recent call last):
...
zoneplan.errors.OutputExistsError: ...a.txt: the file exists already
  → pass --overwrite to replace it, or choose another name
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from zoneplan.errors import DataError, OutputExistsError
from zoneplan.io.temporaries import (
    clean_stale,
    exchange,
    forget,
    make_temporary,
)

__all__ = ["OUTPUT_MARKER", "atomic_dir", "check_output_dir", "is_zoneplan_output",
           "marker_text", "write_bytes_atomic", "write_text_atomic", "write_with_atomic"]

OUTPUT_MARKER = ".zoneplan-output"
"""The file in every output folder that says zoneplan wrote it (JSON: ``tool``,
``version``, ``command``, ``written_utc``); only a folder holding it is replaced."""
_MARKER_MAX_BYTES = 4096
"""A marker is a few lines of JSON; a larger file of that name is not one."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(path: Path) -> None:
    """Give a file or folder made by mkstemp/mkdtemp (private, 0600/0700) the usual mode."""
    path.chmod((0o777 if path.is_dir() else 0o666) & ~_umask())


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path()


def _check_parent(path: Path, what: str) -> Path:
    """The folder ``path`` goes into, checked: it exists, is a folder, can be written.

    ``what`` names the output in messages: ``"the file"`` or ``"the output folder"``. A
    symbolic link that loops is refused (writing would replace the link, not a file).
    """
    if path.is_symlink() and not path.exists():
        raise DataError(f"{what} cannot be written here: this name is a symbolic link that "
                        "loops or leads nowhere", path=path,
                        suggestion="remove the link, or choose another name")
    parent = _parent(path)
    verb = "created" if "folder" in what else "written"
    if parent.exists() and not parent.is_dir():
        raise DataError(f"{what} cannot be {verb} here: this is a file, not a folder",
                        path=parent, suggestion="choose a location inside an existing folder")
    if not parent.exists():
        raise DataError(f"{what} cannot be {verb} here: the folder does not exist",
                        path=parent, suggestion="create the folder first, or choose an "
                        "existing one")
    if not os.access(parent, os.W_OK):
        raise DataError(f"{what} cannot be {verb} here: the folder cannot be written to",
                        path=parent, suggestion="choose a folder you have write permission for")
    return parent


def _check_target(path: Path, *, overwrite: bool) -> Path:
    if path.is_dir():
        raise OutputExistsError(
            "this is a folder, where a file is to be written", path=path,
            suggestion=f"give the name of a file (e.g. {path / 'result.json'}), or choose "
            "another name")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            "the file exists already",
            path=path,
            suggestion="pass --overwrite to replace it, or choose another name",
        )
    parent = _check_parent(path, "the file")
    clean_stale(parent)
    return parent


def _temporary(path: Path, *, folder: bool) -> Path:
    try:
        return make_temporary(path, folder=folder)
    except OSError as exc:
        raise DataError(f"cannot write beside {path.name} ({exc.strerror or exc})",
                        path=_parent(path), suggestion="choose a location you can write to"
                        ) from exc


def write_bytes_atomic(path: str | Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The temporary (``.zoneplan-tmp-<name>-<pid>-<random>``, beside ``path``) is removed if
    anything fails; one left by a killed process is removed by the next write there.
    """
    _write_pieces(Path(path), [data], overwrite=overwrite)


def write_text_atomic(path: str | Path, text: str | Iterable[str], *,
                      overwrite: bool = False) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_bytes_atomic`);
    ``text`` may come in pieces, written one after another (a large JSON result need not
    be held whole)."""
    pieces = [text] if isinstance(text, str) else text
    _write_pieces(Path(path), (p.encode("utf-8") for p in pieces), overwrite=overwrite)


def _write_pieces(path: Path, pieces: Iterable[bytes], *, overwrite: bool) -> None:
    """Write ``pieces`` one after another to a temporary beside ``path``, then rename it
    onto ``path`` (the temporary is removed if anything fails, a piece included)."""
    _check_target(path, overwrite=overwrite)
    tmp = _temporary(path, folder=False)
    try:
        with tmp.open("wb") as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        _usual_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        forget(tmp)


def write_with_atomic(
    path: str | Path, writer: Callable[[Path], None], *, overwrite: bool = False
) -> None:
    """Call ``writer(tmp_path)`` then move the result onto ``path`` atomically.

    For libraries that insist on writing to a path themselves (GDAL, matplotlib). The
    temporary folder holding ``tmp_path`` is removed whatever happens.
    """
    path = Path(path)
    _check_target(path, overwrite=overwrite)
    tmpdir = _temporary(path, folder=True)
    try:
        tmp = tmpdir / path.name
        writer(tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        forget(tmpdir)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zoneplan")
    except PackageNotFoundError:
        return "unknown"


def marker_text(command: str) -> str:
    """The text of :data:`OUTPUT_MARKER` for a folder written by ``command``."""
    return json.dumps({"tool": "zoneplan", "version": _version(), "command": command,
                       "written_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
                      indent=2) + "\n"


def is_zoneplan_output(path: Path) -> bool:
    """Whether folder ``path`` holds zoneplan's :data:`OUTPUT_MARKER` (a small regular
    file of JSON naming zoneplan as the tool)."""
    marker = path / OUTPUT_MARKER
    try:
        if marker.is_symlink() or not marker.is_file() or \
                marker.stat().st_size > _MARKER_MAX_BYTES:
            return False
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("tool") == "zoneplan"


def check_output_dir(path: str | Path, *, overwrite: bool = False) -> None:
    """Check, before any work, that folder ``path`` may be written (see :func:`atomic_dir`).

    Raises
    ------
    OutputExistsError
        If ``path`` is a file or a symbolic link, exists and ``overwrite`` is false, or
        exists without zoneplan's marker (it is not a zoneplan output: it is never
        replaced).
    DataError
        If the folder cannot be created where asked.
    """
    path = Path(path)
    if path.is_symlink():
        raise OutputExistsError(
            "the output folder is a symbolic link", path=path,
            suggestion="give the folder itself, or choose another output folder")
    if path.exists():
        if not path.is_dir():
            raise OutputExistsError(
                "a file with this name exists where a folder is needed",
                path=path,
                suggestion="choose another output folder name",
            )
        if not overwrite:
            raise OutputExistsError(
                "the output folder exists already",
                path=path,
                suggestion="pass --overwrite to replace it (only a folder zoneplan wrote "
                "is replaced, and all of it), or choose another folder",
            )
        if not is_zoneplan_output(path):
            raise OutputExistsError(
                f"the folder exists and is not a zoneplan output (it has no {OUTPUT_MARKER} "
                "file), so --overwrite does not replace it", path=path,
                suggestion="choose a new folder name; to reuse this name, move or delete the "
                "folder yourself first (--overwrite replaces only folders zoneplan wrote)")
    _check_parent(path, "the output folder")


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, overwrite: bool = False,
               command: str = "zoneplan") -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes ``path`` in one step.

    The folder is built beside ``path`` (``.zoneplan-tmp-<name>-<pid>-<random>``) and
    given zoneplan's :data:`OUTPUT_MARKER` (naming ``command``). If ``path`` does not
    exist, the folder is renamed to it. With ``overwrite``, an existing ``path`` is
    replaced only if it holds the marker (:func:`check_output_dir`, checked before the
    block runs); the new folder is exchanged with the old one in one step (see
    :func:`zoneplan.io.temporaries.exchange`), then the old one is deleted. Nothing of
    the old folder is copied: an interruption at any moment leaves either the old folder
    or the new one.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false, exists without the marker, or is
        a file or a symbolic link (before anything is written).
    DataError
        If the folder cannot be created where asked.
    """
    path = Path(path)
    check_output_dir(path, overwrite=overwrite)
    clean_stale(_parent(path))
    tmp = _temporary(path, folder=True)
    try:
        yield tmp
        (tmp / OUTPUT_MARKER).write_text(marker_text(command), encoding="utf-8")
        for item in tmp.iterdir():
            _usual_mode(item)
        _usual_mode(tmp)
        if not path.exists():
            tmp.rename(path)
            return
        check_output_dir(path, overwrite=overwrite)  # still ours, just before the swap
        old = exchange(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
        forget(old)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        forget(tmp)
