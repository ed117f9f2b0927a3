"""Temporary files and folders beside an output: recognisable, and never left behind.

Every temporary zoneplan makes while writing an output is named
``.zoneplan-tmp-<output name>-<process id>-<random>`` and sits beside the output, so a
person sees what it is and zoneplan can tell whether the process that made it is still
running. They are removed when the writing ends (also on SIGTERM, through the command
line's handler), at exit (:func:`remember`), and, if a process was killed outright
(``kill -9``, a power cut), by the next zoneplan process that writes into the same
folder (:func:`clean_stale`).

:func:`exchange` swaps a finished folder with the one it replaces in one step, so a
reader sees either the old folder or the new one, never a mixture.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> tmp = make_temporary(d / "report", folder=True)
>>> tmp.name.startswith(".zoneplan-tmp-report-")
True
>>> forget(tmp); tmp.rmdir()
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["OLD_PREFIX", "STALE_AFTER_S", "TMP_PREFIX", "clean_stale", "exchange", "forget",
           "make_temporary", "remember"]

TMP_PREFIX = ".zoneplan-tmp-"
"""Start of the name of every temporary file or folder zoneplan makes beside an output."""
OLD_PREFIX = ".zoneplan-old-"
"""Start of the name an output folder is moved to while its replacement is put in place,
where the system cannot exchange two folders in one step. If a process stops in between,
the next one moves it back."""
STALE_AFTER_S = 24 * 3600.0
"""Age (seconds: one day) after which a temporary is removed even if a process with its
process id runs (the id may have been reused). Writing one output takes minutes at most."""
NAME_CHARS = 60
"""Characters of the output's name kept in a temporary's name."""
_RENAME_EXCHANGE = 2
"""Linux ``renameat2`` flag: exchange the two paths in one step."""
_AT_FDCWD = -100
"""Linux: paths relative to the working folder."""

_live: set[Path] = set()
_lock = threading.Lock()


def remember(path: Path) -> None:
    """Note a temporary made by this process, to be removed at exit if still there."""
    with _lock:
        _live.add(path)


def forget(path: Path) -> None:
    """The temporary was moved into place or removed: nothing to do at exit."""
    with _lock:
        _live.discard(path)


@atexit.register
def _remove_live() -> None:
    with _lock:
        left = list(_live)
        _live.clear()
    for p in left:
        _remove(p)


def _remove(p: Path) -> None:
    with contextlib.suppress(OSError):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink()


def make_temporary(target: Path, *, folder: bool) -> Path:
    """Make a temporary file or folder beside ``target``, named after it.

    Parameters
    ----------
    target
        The output the temporary becomes.
    folder
        A folder (True) or an empty file (False).

    Returns
    -------
    Path
        The temporary, remembered for removal at exit.
    """
    prefix = f"{TMP_PREFIX}{target.name[:NAME_CHARS]}-{os.getpid()}-"
    parent = target.parent
    if folder:
        made = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, dir=parent)
        os.close(fd)
        made = Path(name)
    remember(made)
    return made


def _owner(name: str) -> int | None:
    """The process id in a temporary's name, or None if it is not one of ours."""
    for prefix in (TMP_PREFIX, OLD_PREFIX):
        if name.startswith(prefix):
            parts = name[len(prefix):].rsplit("-", 2)
            return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
    return None


def _running(pid: int) -> bool:
    """Whether a process with this id runs (on Windows, assumed: age decides there)."""
    if pid == os.getpid() or os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it runs, as another user
    return True


def clean_stale(folder: Path) -> list[Path]:
    """Remove the temporaries in ``folder`` left by zoneplan processes that have ended.

    A folder moved aside (:data:`OLD_PREFIX`) whose output is missing is moved back: the
    process stopped between moving the old output aside and putting the new one in.

    Parameters
    ----------
    folder
        The folder an output is about to be written into.

    Returns
    -------
    list of Path
        What was removed or moved back.
    """
    done: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return done
    now = time.time()
    for entry in entries:
        pid = _owner(entry.name)
        if pid is None:
            continue
        path = Path(entry.path)
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _running(pid) and age < STALE_AFTER_S:
            continue
        if entry.name.startswith(OLD_PREFIX):
            original = folder / entry.name[len(OLD_PREFIX):].rsplit("-", 2)[0]
            if not original.exists():
                with contextlib.suppress(OSError):
                    path.rename(original)
                    done.append(path)
                    continue
        _remove(path)
        done.append(path)
    return done


def _exchange_in_one_step(a: Path, b: Path) -> bool:
    """Exchange two paths with Linux's ``renameat2``; False where it is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # the kernel or the file system cannot exchange
    raise OSError(code, os.strerror(code), str(b))


def exchange(new: Path, old: Path) -> Path:
    """Put folder ``new`` in the place of folder ``old``; return where ``old`` went.

    On Linux the two are exchanged in one step (``renameat2``), so ``old``'s path always
    holds a complete folder. Elsewhere ``old`` is first moved aside (to a
    :data:`OLD_PREFIX` name), then ``new`` moved in; if the second step fails, ``old`` is
    moved back, and a process stopped in between is repaired by :func:`clean_stale`.

    Returns
    -------
    Path
        The old folder, now at a temporary name; the caller removes it.
    """
    if _exchange_in_one_step(new, old):
        return new
    aside = old.with_name(f"{OLD_PREFIX}{old.name}-{os.getpid()}-{new.name[-8:]}")
    old.rename(aside)  # never removed at exit: it is the user's folder until replaced
    try:
        new.rename(old)
    except BaseException:
        aside.rename(old)
        raise
    forget(new)
    remember(aside)
    return aside
