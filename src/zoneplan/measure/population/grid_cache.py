"""The built-in population grid, kept between runs in the user's cache folder.

Spreading the pack's tables over the built-in grid
(:func:`zoneplan.measure.population.population_sources.builtin_spreads`) takes about a quarter of a
second and gives the same numbers every time for the same tables and the same code. So
the grid and its spreads are computed once and kept in ``<data_dir>/derived/`` (see
:func:`zoneplan.io.folders.data_dir`; ``ZONEPLAN_DATA_DIR`` moves it), never in the
package, as a ``.npz`` file (no pickles) named by a key, the SHA-256 of:

* the content of every table of the pack (``data/gaza/``);
* the source code of the modules that compute it (``pack``, ``geometry``, ``measure``);
* the versions of numpy, shapely, GEOS, pyproj, PROJ and Python, and the machine;
* the cell size and :data:`FORMAT`.

A changed table or a changed line of that code gives another key, so a kept grid is
never stale; the file holds the key too, and everything read is checked (sizes, types,
the spreads expected), against a SHA-256 of its content stored beside it (a file altered
by hand or by a faulty disk is never trusted), and for values that cannot be true (NaN,
infinite or negative areas and people). A file that cannot be read or does not hold
what it should is passed over and the grid computed (and kept anew); a grid that cannot
be written (no such folder, no permission, a full disk) is simply not kept. At most
:data:`KEEP` grids are kept, those used last. The numbers are stored exactly (cells as
WKB, float64 arrays), so a kept grid gives the same figures, bit for bit, as a computed
one (``tests/test_grid_cache.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from zoneplan import pack
from zoneplan.errors import ZoneplanError
from zoneplan.io.folders import data_dir
from zoneplan.io.outputs import write_bytes_atomic
from zoneplan.measure.grids.cells import CellGrid

__all__ = ["FORMAT", "KEEP", "PREFIX", "content_checksum", "grid_key", "kept_path", "load",
           "store"]

FORMAT = 2
"""Version of the file's layout; part of the key. 2: the content's checksum is kept."""

PREFIX = "gaza-population-"
"""Start of a kept grid's file name (``<PREFIX><key>.npz``)."""

KEEP = 4
"""Most grids kept (about 1 MB each); those used longest ago are removed first."""

Spreads = dict[str, NDArray[np.float64]]
"""People per cell, by spread."""

_CODE = ("pack", "geometry", "measure")
"""Folders of zoneplan whose source is part of the key."""


def _update(update: Callable[[bytes], None], name: str, data: bytes) -> None:
    """Add a named part to a hash (name and length first, so parts cannot run together)."""
    update(f"{name}\0{len(data)}\0".encode())
    update(data)


def grid_key(cell_size: float) -> str:
    """The key of the built-in grid of ``cell_size`` metres (hex SHA-256; see the module
    docstring for what goes into it)."""
    h = hashlib.sha256()
    versions = (f"format {FORMAT}", f"cell {cell_size!r}", np.__version__,
                shapely.__version__, shapely.geos_version_string, pyproj.__version__,
                pyproj.proj_version_str, platform.python_version(), sys.platform,
                platform.machine(), sys.byteorder)
    _update(h.update, "versions", "\n".join(versions).encode())
    for p in sorted(pack.PACK_DIR.iterdir()):
        if p.is_file():
            _update(h.update, f"table {p.name}", p.read_bytes())
    root = Path(__file__).resolve().parents[1]  # the zoneplan package
    for folder in _CODE:
        for p in sorted((root / folder).glob("*.py")):
            _update(h.update, f"code {folder}/{p.name}", p.read_bytes())
    return h.hexdigest()


def kept_path(key: str) -> Path:
    """Where the grid of ``key`` is kept."""
    return data_dir() / "derived" / f"{PREFIX}{key}.npz"


def store(key: str, grid: CellGrid, spreads: Spreads) -> Path | None:
    """Keep a computed grid and its spreads under ``key``; of the grids kept before, the
    :data:`KEEP` ``- 1`` used last stay (several checkouts may share the folder).

    Returns the file, or ``None`` when it could not be written (nothing is raised: the
    grid is then computed again next time).
    """
    wkb = shapely.to_wkb(grid.cells)
    sizes = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    arrays: dict[str, Any] = {  # names of arrays in the file
        "key": np.array(key), "names": np.array(list(spreads)),
        "wkb": np.frombuffer(b"".join(wkb), dtype=np.uint8),
        "wkb_ends": np.cumsum(sizes), "area_m2": grid.area_m2, "x": grid.x, "y": grid.y,
        **{f"spread_{k}": v for k, v in spreads.items()}}
    arrays["checksum"] = np.array(content_checksum(arrays))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = kept_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, buf.getvalue(), overwrite=True)
    except (OSError, ZoneplanError):
        return None
    with contextlib.suppress(OSError):
        others = [p for p in path.parent.glob(f"{PREFIX}*.npz") if p != path]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[KEEP - 1:]:
            old.unlink()
    return path


def load(key: str, *, cell_size: float, names: tuple[str, ...]
         ) -> tuple[CellGrid, Spreads] | None:
    """The grid kept under ``key`` and its spreads ``names``, or ``None`` when there is
    none, or the file cannot be read or does not hold what it should."""
    path = kept_path(key)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        out = _checked(arrays, key, cell_size, names)
    except Exception:  # any failure to read means: compute it (never a wrong grid)
        return None
    if out is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # used last: kept longest (see store)
    return out


def content_checksum(arrays: dict[str, Any]) -> str:
    """SHA-256 (hex) of a kept grid's arrays but the checksum itself: each array's name,
    type, shape and bytes, in the order of the names."""
    h = hashlib.sha256()
    for name in sorted(k for k in arrays if k != "checksum"):
        a = np.ascontiguousarray(np.asarray(arrays[name]))
        _update(h.update, f"{name} {a.dtype.str} {a.shape}", a.tobytes())
    return h.hexdigest()


def _checked(arrays: dict[str, NDArray[np.generic]], key: str, cell_size: float,
             names: tuple[str, ...]) -> tuple[CellGrid, Spreads] | None:
    """The grid and spreads in ``arrays`` if they are complete, consistent, untouched
    (their checksum) and possible (finite, not negative)."""
    if "checksum" not in arrays or str(arrays["checksum"]) != content_checksum(arrays):
        return None
    if str(arrays["key"]) != key or tuple(str(n) for n in arrays["names"]) != names:
        return None
    ends = arrays["wkb_ends"]
    n = ends.size
    columns = ("area_m2", "x", "y", *(f"spread_{m}" for m in names))
    if (ends.dtype != np.int64 or arrays["wkb"].dtype != np.uint8 or n == 0
            or int(ends[-1]) != arrays["wkb"].size or np.any(np.diff(ends) <= 0)
            or any(arrays[k].dtype != np.float64 or arrays[k].shape != (n,) for k in columns)):
        return None
    f = {k: np.asarray(arrays[k], dtype=np.float64) for k in columns}  # float64 already
    if any(not np.all(np.isfinite(v)) for v in f.values()) or np.any(f["area_m2"] <= 0) or \
            any(np.any(f[f"spread_{m}"] < 0) for m in names):
        return None
    raw = arrays["wkb"].tobytes()
    starts = np.concatenate([[0], ends[:-1]]).tolist()
    cells = shapely.from_wkb([raw[a:b] for a, b in zip(starts, ends.tolist(), strict=True)])
    grid = CellGrid(cells=cells, area_m2=f["area_m2"], x=f["x"], y=f["y"],
                    cell_size=float(cell_size), crs=pack.PACK_CRS)
    return grid, {m: f[f"spread_{m}"] for m in names}
