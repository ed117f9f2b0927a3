"""Reading rasters (GeoTIFF, Cloud-Optimised GeoTIFF, VRT; any CRS) window by window.

:func:`open_window` checks a raster (it exists, it is readable, it has a CRS, it is not
rotated, it overlaps the area asked for) and returns a :class:`RasterWindow` over that
area. :meth:`RasterWindow.values` reads the values of chosen pixels of a few rows, with
nodata, per-dataset masks, scale and offset applied, so a raster larger than memory is
read strip by strip. Which pixels are wanted, and what share of each, is measurement
(:mod:`zoneplan.measure.population.raster_population`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS

from zoneplan.errors import DataError

__all__ = ["VALUE_CHUNK", "RasterWindow", "open_window"]

VALUE_CHUNK = 1 << 18
"""Pixels of a strip converted at a time (bounded temporaries: 2 MB of float64)."""


def _open(path: Path) -> Any:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not path.exists():
        raise DataError("the raster does not exist", path=path,
                        suggestion="check the path (relative paths are relative to the plan)")
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise DataError(f"the raster cannot be read ({str(exc)[:200]})", path=path,
                        suggestion="check that the file is a complete GeoTIFF; download it "
                        "again if it may be truncated") from exc
    except PermissionError as exc:
        raise DataError("the raster cannot be opened: permission denied", path=path,
                        suggestion="check the file's permissions") from exc


def raster_crs(path: Path) -> CRS:
    """The CRS of a raster (checked: it has one, and it is not rotated).

    Raises
    ------
    DataError
        Missing, unreadable, without a CRS, or rotated.
    """
    with _open(path) as src:
        return _checked_crs(src, path)


def _checked_crs(src: Any, path: Path) -> CRS:
    if src.crs is None:
        raise DataError("the raster has no coordinate reference system (CRS)", path=path,
                        suggestion="assign one, e.g. gdal_edit.py -a_srs EPSG:4326 FILE")
    if src.transform.b != 0 or src.transform.d != 0:
        raise DataError("the raster is rotated (its transform has rotation terms)",
                        path=path, suggestion="warp it to a north-up grid with gdalwarp")
    return CRS.from_user_input(src.crs)


@dataclass(frozen=True)
class RasterWindow:
    """The part of band 1 of a raster covering an area, one pixel beyond it each way.

    Attributes
    ----------
    path
        The raster file.
    crs
        The raster's CRS.
    transform
        Affine transform of the window (pixel column, row to the raster's CRS).
    width, height
        Size of the window, pixels.
    col_off, row_off
        Position of the window in the raster, pixels.
    block_rows
        Rows in one of the raster's blocks (strips read on block rows stay cheap).
    """

    path: Path
    crs: CRS
    transform: Affine
    width: int
    height: int
    col_off: int
    row_off: int
    block_rows: int
    nodata: float | None
    scale: float
    offset: float
    per_dataset_mask: bool

    def values(self, r0: int, r1: int, index: NDArray[np.integer], *,
               out: NDArray[np.float64] | None = None, start: int = 0
               ) -> NDArray[np.float64]:
        """Values of pixels ``index - start`` (``row * width + col``, rows ``r0``-``r1``
        of the window, counted from ``r0``), as float64: NaN where nodata or masked,
        scale and offset applied; written into ``out`` if given.

        Only the chosen pixels are converted, :data:`VALUE_CHUNK` at a time, so a strip
        costs little beyond its raw read (``start`` lets the caller pass its own indices,
        e.g. counted from the window's first row, without a copy of them). The strip is
        read through a dataset of its own, closed (and its cached blocks freed) before
        the next strip.

        Raises
        ------
        DataError
            Truncated or corrupt blocks.
        """
        from rasterio.windows import Window

        win = Window(self.col_off, self.row_off + r0, self.width, r1 - r0)
        try:
            with _open(self.path) as src:
                data = src.read(1, window=win)
                mask = src.read_masks(1, window=win) if self.per_dataset_mask else None
        except DataError:
            raise
        except Exception as exc:  # truncated or corrupt blocks fail here
            raise DataError(f"the raster cannot be read ({str(exc)[:200]})", path=self.path,
                            suggestion="the file may be truncated or damaged; download it "
                            "again") from exc
        flat = data.ravel()
        flat_mask = mask.ravel() if mask is not None else None
        v = np.empty(index.size) if out is None else out
        for a in range(0, index.size, VALUE_CHUNK):  # bounded temporaries
            b = min(a + VALUE_CHUNK, index.size)
            at = index[a:b] - start if start else index[a:b]
            raw = flat[at]
            vc = v[a:b]
            vc[:] = raw
            if self.nodata is not None:
                vc[(raw == self.nodata) | (np.isnan(self.nodata) & np.isnan(vc))] = np.nan
            del raw
            if flat_mask is not None:
                vc[flat_mask[at] == 0] = np.nan
            if self.scale != 1.0 or self.offset != 0.0:
                vc *= self.scale
                vc += self.offset
        return v


def open_window(path: Path, area: Any, *, crs: CRS) -> tuple[RasterWindow, Any]:
    """Open the window of a raster that covers ``area``.

    Parameters
    ----------
    path
        GeoTIFF / COG / VRT; band 1 is read.
    area
        A shapely geometry in ``crs``, or a function that projects the area into the
        raster's CRS (called with that CRS).
    crs
        CRS of ``area``, when a geometry is given.

    Returns
    -------
    (RasterWindow, geometry)
        The window, and ``area`` in the raster's CRS.

    Raises
    ------
    DataError
        Missing, corrupt or truncated file; no CRS; a rotated raster; no overlap.
    """
    import shapely
    from rasterio.windows import Window, from_bounds

    from zoneplan.geometry import project

    with _open(path) as src:
        rcrs = _checked_crs(src, path)
        area_r = area(rcrs) if callable(area) else project(area, rcrs, src=crs)
        if not shapely.box(*src.bounds).intersects(area_r):
            raise DataError(
                "the raster does not overlap the territory",
                path=path,
                suggestion=f"the raster covers {tuple(round(v, 4) for v in src.bounds)} in "
                f"{rcrs.to_string()}; check that raster and territory show the same place")
        raw = from_bounds(*area_r.bounds, transform=src.transform)
        # the pixels from the one holding the area's first corner to the one holding its
        # last (rasterio's own rounding of windows floors offsets rounded to a hundredth
        # of a pixel and rounds lengths to the nearest pixel: a row or column the area
        # reaches into could be left out)
        c0 = min(max(math.floor(raw.col_off), 0), src.width - 1)
        r0 = min(max(math.floor(raw.row_off), 0), src.height - 1)
        width = max(min(math.ceil(raw.col_off + raw.width), src.width) - c0, 1)
        height = max(min(math.ceil(raw.row_off + raw.height), src.height) - r0, 1)
        t = src.window_transform(Window(c0, r0, width, height))
        nodata = src.nodata
        window = RasterWindow(
            path=path, crs=rcrs, transform=t, width=width, height=height, col_off=c0,
            row_off=r0, block_rows=int(src.block_shapes[0][0]),
            nodata=None if nodata is None else float(nodata),
            scale=float(src.scales[0]), offset=float(src.offsets[0]),
            per_dataset_mask=nodata is None and any(
                f.name in ("per_dataset", "alpha") for f in src.mask_flag_enums[0]))
    return window, area_r
