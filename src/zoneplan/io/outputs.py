"""Safe output writing: atomic, and never clobbering without ``overwrite=True``.

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
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from zoneplan.errors import DataError, OutputExistsError

__all__ = ["atomic_dir", "write_bytes_atomic", "write_text_atomic", "write_with_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(path: Path) -> None:
    """Give a file or folder made by mkstemp/mkdtemp (private, 0600/0700) the usual mode."""
    path.chmod((0o777 if path.is_dir() else 0o666) & ~_umask())


def _check_target(path: Path, *, overwrite: bool, kind: str = "file") -> None:
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"the {kind} exists already",
            path=path,
            suggestion="pass --overwrite to replace it, or choose another name",
        )
    parent = path.parent if path.parent != Path() else Path()
    if parent.exists() and not parent.is_dir():
        raise DataError(
            "cannot write here: this is a file, not a folder",
            path=parent,
            suggestion="choose a location inside an existing folder",
        )
    if not parent.exists():
        raise DataError(
            "the folder to write into does not exist",
            path=parent,
            suggestion="create the folder first, or choose an existing one",
        )
    if not os.access(parent, os.W_OK):
        raise DataError(
            "the folder cannot be written to",
            path=parent,
            suggestion="choose a folder you have write permission for",
        )


def write_bytes_atomic(path: str | Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    _check_target(path, overwrite=overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _usual_mode(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | Path, text: str, *, overwrite: bool = False) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def write_with_atomic(
    path: str | Path, writer: Callable[[Path], None], *, overwrite: bool = False
) -> None:
    """Call ``writer(tmp_path)`` then move the result onto ``path`` atomically.

    For libraries that insist on writing to a path themselves (GDAL, matplotlib).
    """
    path = Path(path)
    _check_target(path, overwrite=overwrite)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent or "."))
    try:
        tmp = tmpdir / path.name
        writer(tmp)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success its files are moved into ``path``.

    If ``path`` exists and ``overwrite`` is false, :class:`OutputExistsError` is raised
    before anything is written. With ``overwrite``, only the files the block wrote are
    replaced; nothing else in ``path`` is deleted.
    """
    path = Path(path)
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
                suggestion="pass --overwrite to replace the files zoneplan writes there "
                "(nothing else in it is touched), or choose another folder",
            )
    parent = path.parent if str(path.parent) else Path()
    if parent.exists() and not parent.is_dir():
        raise DataError(
            "the output folder cannot be created here: this is a file, not a folder",
            path=parent,
            suggestion="choose an output folder inside an existing folder you can write to",
        )
    if not parent.exists() or not os.access(parent, os.W_OK):
        raise DataError(
            "the output folder cannot be created here",
            path=parent,
            suggestion="choose a location you can write to",
        )
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=parent))
    except OSError as exc:
        raise DataError(
            f"the output folder cannot be created here ({exc.strerror})",
            path=parent,
            suggestion="choose a location you can write to",
        ) from exc
    try:
        yield tmp
        for item in tmp.iterdir():
            _usual_mode(item)
        if not path.exists():
            _usual_mode(tmp)
            os.replace(tmp, path)
            return
        for item in tmp.iterdir():
            target = path / item.name
            if target.is_dir() and not item.is_dir():
                raise OutputExistsError("a folder is in the way", path=target)
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
