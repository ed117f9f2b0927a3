"""Population rasters as cells: the pixels of a raster inside a territory, with their people.

:func:`raster_population` puts the pixels of a raster (read through
:class:`zoneplan.io.rasters.RasterWindow`) that fall inside a territory into a
:class:`~zoneplan.measure.population.layers.PopulationLayer` on a
:class:`~zoneplan.measure.grids.raster_grid.RasterGrid`, in two passes over strips of rows
that end on the raster's block rows (which pixels are cells, and the exactly covered
share of those the territory's edge cuts; then their values, straight into one array),
so a raster larger than memory is read window by window, with progress reported.

Values are people per pixel (``units="count"``) or people per km² (``"density"``).
Pixels cut by the territory's edge keep the covered share of their people.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, cast

import numpy as np
import shapely
from affine import Affine
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.errors import CRSWarning, DataError, PlausibilityWarning
from zoneplan.io.rasters import RasterWindow, open_window
from zoneplan.measure.grids.cells import CellGrid, find_sorted
from zoneplan.measure.grids.pixels import (
    boundary_pixels,
    centre_mask,
    clip_cells,
    pixel_boxes,
    release_freed_memory,
    strips,
)
from zoneplan.measure.grids.raster_grid import RasterGrid
from zoneplan.measure.grids.squares import DISTANCE_BLOCK_M
from zoneplan.measure.population.layers import PopulationLayer
from zoneplan.measure.population.raster_shards import (
    SHARD_PIXELS,
    HeldCounts,
    HeldGrid,
    HeldPopulation,
    Hold,
    RasterShard,
    shard_summary,
)

__all__ = ["MAX_DENSITY_PER_KM2", "SINGLE_PRECISION_CELLS", "Hold", "Progress",
           "RasterGrid", "raster_population"]


MAX_DENSITY_PER_KM2 = 200_000.0
"""Above this many people per km² a 'count' raster is probably a density raster."""

SINGLE_PRECISION_CELLS = 1 << 27
"""Above this many cells (134 million: a 1 m raster of a city-sized territory) people per
cell are kept in single precision, 4 bytes instead of 8: the precision of a float32
raster's own values (a relative 6e-8 per cell, only where a value is scaled: densities,
pixels cut by the territory's edge). Every sum is still taken in double precision."""

CHECK_CHUNK = 1 << 18
"""Pixels whose density is checked at a time (bounded temporaries)."""

Units = Literal["count", "density"]

_SINGLE = ("; people per pixel kept in single precision (float32, as the raster's own "
           f"values) above {SINGLE_PRECISION_CELLS:,} cells")
"""What the method says when people per cell are kept in single precision."""


class Progress(Protocol):
    """Told what is being done; objects that also have ``advance`` are told how far
    long reads have got (the command line draws a progress bar from it)."""

    def __call__(self, text: str) -> None: ...


def _advance(progress: Progress | None) -> Any:
    """``progress.advance(text, done, total)`` if the progress object has it, else None."""
    return getattr(progress, "advance", None)


def _row_areas(t: Affine, height: int, width: int, rcrs: CRS, crs: CRS) -> NDArray[np.float64]:
    """Area (m², in ``crs``) of one pixel on each row of the window."""
    if rcrs.equals(crs):
        return np.full(height, abs(t.a * t.e))
    from pyproj import Transformer

    tf = Transformer.from_crs(rcrs, crs, always_xy=True)
    c = width // 2
    rows = np.arange(height)
    xs = t.c + np.array([c, c + 1, c + 1, c]) * t.a
    ys = t.f + (rows[:, None] + np.array([0, 0, 1, 1])[None, :]) * t.e
    px_, py_ = tf.transform(np.broadcast_to(xs, ys.shape).ravel(), ys.ravel())
    qx, qy = np.asarray(px_).reshape(ys.shape), np.asarray(py_).reshape(ys.shape)
    # shoelace formula on the projected quadrilateral
    area = 0.5 * np.abs((qx * np.roll(qy, -1, axis=1) - np.roll(qx, -1, axis=1) * qy).sum(axis=1))
    return np.asarray(area, dtype=np.float64)


@dataclass(eq=False)
class _StripPixels:
    """The cells of one strip: pixels inside the territory (linear indices in the window,
    ascending) and the pixels the territory's edge cuts, with the share it keeps."""

    lin: NDArray[np.integer]
    edge_lin: NDArray[np.int64]
    edge_geoms: NDArray[np.object_]
    edge_frac: NDArray[np.float64]


def _strip_pixels(terr_r: BaseGeometry, s0: int, s1: int, width: int, t: Affine,
                  lin_dtype: Any) -> _StripPixels:
    """Which pixels of rows ``s0``-``s1`` are cells, and the exactly covered share of
    those the territory's edge cuts (the first pass over a strip)."""
    shapely.prepare(terr_r)
    mask = centre_mask(terr_r, (s1 - s0, width), t @ Affine.translation(0, s0))
    bnd = boundary_pixels(terr_r.boundary, s0, s1, width, t)
    mask.ravel()[bnd - s0 * width] = False
    whole = np.flatnonzero(mask.ravel())
    del mask
    rows, cols = bnd // width, bnd % width
    boxes = pixel_boxes(rows, cols, t)
    clipped = clip_cells(terr_r, boxes, rows, cols, t)
    frac = shapely.area(clipped) / shapely.area(boxes)
    ok = (frac > 1e-9) & (frac < 1.0 - 1e-12)
    full_in = bnd[frac >= 1.0 - 1e-12] - s0 * width
    local = np.concatenate([whole, full_in, bnd[ok] - s0 * width])
    del whole, full_in
    local.sort(kind="stable")  # timsort: fast on the mostly sorted runs
    local += s0 * width
    return _StripPixels(lin=local.astype(lin_dtype), edge_lin=bnd[ok], edge_geoms=clipped[ok],
                        edge_frac=frac[ok])


def _strip_values(win: RasterWindow, s0: int, s1: int, local: NDArray[np.integer],
                  row_area: NDArray[np.float64], units: str, plausible: _DensityCheck, *,
                  out: NDArray[np.float64] | None = None, start: int = 0
                  ) -> NDArray[np.float64]:
    """People on pixels ``local - start`` (counted from row ``s0``) of rows
    ``s0``-``s1``: nodata as 0, densities times pixel area (the second pass over a
    strip)."""
    v = win.values(s0, s1, local, out=out, start=start)
    plausible.infinite += int(np.count_nonzero(np.isinf(v)))
    v[~np.isfinite(v)] = 0.0
    # a raster in the area CRS has one pixel area: no per-pixel array of it
    pix_km2: Any = (row_area[0] / 1e6 if row_area.size and (row_area == row_area[0]).all()
                    else row_area[(local - start) // win.width + s0] / 1e6)
    if units == "density":
        v *= pix_km2
    plausible.add(v, pix_km2)  # people per pixel, whatever the units
    return v


@dataclass(frozen=True, eq=False)
class _ShardJob:
    """One part of a raster (consecutive strips) to read and keep where the job runs."""

    win: RasterWindow
    territory: BaseGeometry
    bands: tuple[tuple[int, int], ...]
    row_area: NDArray[np.float64]
    units: str
    lin_dtype: Any
    cell_size: float
    territory_crs: CRS


@dataclass(eq=False)
class _PartCells:
    """A part's cells after the first pass, kept where it was read until its values are
    read (the second pass, once the whole raster's number of cells decides the
    precision people are kept in)."""

    job: _ShardJob
    lin: NDArray[Any]
    cut: _StripPixels


def _part_cells(job: _ShardJob) -> _PartCells:
    """The first pass over one part's strips (run where the part is kept)."""
    lin, cut = _cells_pass(job.win, job.territory, list(job.bands), job.lin_dtype)
    return _PartCells(job, lin, cut)


def _cell_count(part: _PartCells) -> int:
    """Cells of one part."""
    return int(part.lin.size)


def _part_values(part: _PartCells, dtype: Any) -> RasterShard:
    """The second pass over one part's strips: its cells on a window of its own rows,
    with their people in ``dtype`` (run where the part is kept)."""
    job, win, lin, cut = part.job, part.job.win, part.lin, part.cut
    r0, r1 = job.bands[0][0], job.bands[-1][1]
    eo = np.argsort(cut.edge_lin)
    edge = find_sorted(lin, cut.edge_lin[eo]).astype(np.intp)
    edge_frac = cut.edge_frac[eo]
    counts, plausible = _values_pass(win, list(job.bands), lin, edge, edge_frac,
                                     job.row_area, job.units, dtype)
    grid = RasterGrid(lin=(lin - r0 * win.width).astype(job.lin_dtype), width=win.width,
                      height=r1 - r0, transform=win.transform @ Affine.translation(0, r0),
                      raster_crs=win.crs, crs=job.territory_crs,
                      row_area_m2=job.row_area[r0:r1], edge=edge,
                      edge_geoms=cut.edge_geoms[eo], edge_frac=edge_frac)
    grid.cell_size = job.cell_size  # the whole raster's, as a grid of it would have
    return RasterShard(grid=grid, counts={"raster": counts}, rows=(r0, r1),
                       plausible=plausible)


def _shard_jobs(win: RasterWindow, terr_r: BaseGeometry, bands: list[tuple[int, int]],
                row_area: NDArray[np.float64], units: str, lin_dtype: Any, crs: CRS
                ) -> list[_ShardJob]:
    """Consecutive strips grouped into parts of at most :data:`SHARD_PIXELS` pixels
    (at least one strip each)."""
    groups: list[list[tuple[int, int]]] = [[]]
    for band in bands:
        rows = sum(b - a for a, b in groups[-1])
        if groups[-1] and (rows + band[1] - band[0]) * win.width > SHARD_PIXELS:
            groups.append([])
        groups[-1].append(band)
    size = float(np.sqrt(np.median(row_area)))
    return [_ShardJob(win, terr_r, tuple(g), row_area, units, lin_dtype, size, crs)
            for g in groups if g]


def raster_population(path: Path, territory: BaseGeometry, crs: CRS, *, units: str,
                      sources: list[str], progress: Progress | None = None,
                      hold: Hold | None = None) -> PopulationLayer:
    """Read a population raster over ``territory`` (projected, metres, in ``crs``).

    Parameters
    ----------
    path
        GeoTIFF / COG / VRT, one band used (band 1).
    territory
        Territory polygon in ``crs``.
    crs
        Projected CRS (metres) the territory is in.
    units
        ``"count"``: people per pixel; ``"density"``: people per km².
    sources
        Source ids of the layer.
    progress
        Told how many strips have been read (``progress.advance``), if it can be.
    hold
        Keeps the raster's cells where it runs the reading (e.g. in the memory of a Dask
        cluster's workers, each opening ``path`` itself), in parts of whole strips; only
        their totals come here, and every layout is then summed part by part where the
        parts are (:mod:`zoneplan.measure.population.raster_shards`). Used on rasters finer than
        :data:`~zoneplan.measure.grids.squares.DISTANCE_BLOCK_M`; coarser ones are small
        enough to read here. ``None``: read here.

    Raises
    ------
    DataError
        Missing, corrupt or truncated file; no CRS; no overlap with the territory;
        negative values; a rotated raster.

    Warns
    -----
    PlausibilityWarning
        Values declared as counts that would mean more than 200,000 people per km².
    CRSWarning
        The raster covers only part of the territory.
    """
    win, terr_r = open_window(path, territory, crs=crs)
    t, width, height, rcrs = win.transform, win.width, win.height, win.crs
    row_area = _row_areas(t, height, width, rcrs, crs)
    lin_dtype = np.int32 if width * height < 2**31 else np.int64
    # strips end on block rows, and each strip's blocks are read through a dataset of
    # its own, closed (and its cached blocks freed) before the next strip
    bands = strips(height, width, align=win.block_rows, offset=win.row_off)
    if hold is not None and np.sqrt(np.median(row_area)) < DISTANCE_BLOCK_M:
        return _held_population(path, territory, crs, units, sources, progress, hold,
                                _shard_jobs(win, terr_r, bands, row_area, units, lin_dtype,
                                            crs), len(bands))
    lin, counts, cut, plausible = _two_passes(win, terr_r, bands, row_area, units,
                                              lin_dtype, _advance(progress), path.name)
    eo = np.argsort(cut.edge_lin)
    edge = find_sorted(lin, cut.edge_lin[eo]).astype(np.intp)
    _check_values(plausible, path, units, row_area)
    grid = RasterGrid(lin=lin, width=width, height=height, transform=t, raster_crs=rcrs,
                      crs=crs, row_area_m2=row_area, edge=edge,
                      edge_geoms=cut.edge_geoms[eo], edge_frac=cut.edge_frac[eo])
    release_freed_memory()
    _check_cover(path, grid.total_area_m2(), territory)
    how = ("people per pixel" if units == "count" else "people per km² times pixel area")
    return PopulationLayer(
        grid=grid, counts={"raster": counts}, central="raster",
        label=f"population raster {path.name}", date="", sources=list(sources),
        peak_density=plausible.highest,
        method=f"raster {path.name} ({how}; {rcrs.to_string()}, pixel "
        f"{grid.cell_size:,.1f} m); pixels cut by the territory or a zone edge count with "
        "their exactly covered fraction (as exactextract does)"
        + (_SINGLE if counts.dtype == np.float32 else ""))


def _held_population(path: Path, territory: BaseGeometry, crs: CRS, units: str,
                     sources: list[str], progress: Progress | None, hold: Hold,
                     jobs: list[_ShardJob], n_strips: int) -> PopulationLayer:
    """The raster read and kept in parts where ``hold`` keeps them; only totals here."""
    if progress:
        progress(f"reading {path.name}: {n_strips} strip{'' if n_strips == 1 else 's'} in "
                 f"{len(jobs)} part{'' if len(jobs) == 1 else 's'}, kept on the workers")
    # first which pixels are cells, then (in the precision the whole raster's number of
    # cells asks for, as when read here) their people
    advance, steps = _advance(progress), [0]

    def made(_: int) -> None:  # a part's pass done: 2 x parts steps in all
        steps[0] += 1
        if advance is not None and len(jobs) > 1:
            advance(f"reading {path.name} on the workers", steps[0], 2 * len(jobs))

    first = hold(_part_cells, jobs, made)
    dtype = _people_dtype(sum(first.map(_cell_count)))
    held = first.then(_part_values, dtype, done=made)
    summaries = held.map(shard_summary)
    plausible = _DensityCheck()
    for s in summaries:
        plausible.merge(s[3])
    _check_values(plausible, path, units, jobs[0].row_area)
    area = float(sum(s[1] for s in summaries))
    _check_cover(path, area, territory)
    cells = int(sum(s[0] for s in summaries))
    grid = HeldGrid(held=held, crs=crs, raster_crs=jobs[0].win.crs,
                    cell_size=jobs[0].cell_size, cells=cells, area_m2=area)
    total = float(sum(s[2]["raster"] for s in summaries))
    how = "people per pixel" if units == "count" else "people per km² times pixel area"
    return HeldPopulation(  # a grid and counts that stand for the parts (duck-typed)
        grid=cast("CellGrid", grid), counts={"raster": cast("Any", HeldCounts(total, cells))},
        central="raster", label=f"population raster {path.name}", date="",
        sources=list(sources), parts=len(jobs), peak_density=plausible.highest,
        method=f"raster {path.name} ({how}; {grid.raster_crs.to_string()}, pixel "
        f"{grid.cell_size:,.1f} m); pixels cut by the territory or a zone edge count with "
        "their exactly covered fraction (as exactextract does); read and kept on the "
        f"workers of a cluster in {len(jobs)} part{'' if len(jobs) == 1 else 's'} of whole "
        "rows, each layout summed where its cells are, only the sums brought back"
        + (_SINGLE if dtype == np.float32 else ""))


def _check_values(plausible: _DensityCheck, path: Path, units: str,
                  row_area: NDArray[np.float64]) -> None:
    """Refuse negative and infinite values; warn of counts that look like densities."""
    if plausible.lowest < 0 or plausible.infinite:
        raise DataError(f"the population raster has {plausible.infinite:,} infinite values"
                        if plausible.infinite else "the population raster has negative "
                        f"values (lowest {plausible.lowest:g})", path=path,
                        suggestion="set the raster's nodata value (e.g. gdal_edit.py "
                        "-a_nodata -99999 FILE) so empty pixels are not read as people")
    if units == "count":
        plausible.warn(path, float(np.median(row_area)) / 1e6)


def _check_cover(path: Path, area_m2: float, territory: BaseGeometry) -> None:
    """Warn when the raster's cells cover less than 99% of the territory."""
    covered = area_m2 / territory.area if territory.area else 0.0
    if covered < 0.99:
        warnings.warn(f"{path}: the raster covers only {covered:.1%} of the territory; "
                      "people outside it are not counted", CRSWarning, stacklevel=3)


def _two_passes(win: RasterWindow, terr_r: BaseGeometry, bands: list[tuple[int, int]],
                row_area: NDArray[np.float64], units: str, lin_dtype: Any, advance: Any,
                name: str) -> tuple[NDArray[Any], NDArray[np.float64], _StripPixels,
                                    _DensityCheck]:
    """Read the strips here: which pixels are cells (all strips), then their values
    straight into one array, so the peak memory stays low. Returns the cells, their
    people (edge pixels keeping their covered share), the edge pixels (in strip order)
    and the plausibility counts."""
    total_steps = 2 * len(bands)
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if advance is not None and total_steps >= 3:
            advance(f"reading {name}", step, total_steps)

    lin, cut = _cells_pass(win, terr_r, bands, lin_dtype, tick)
    eo = np.argsort(cut.edge_lin)
    edge = find_sorted(lin, cut.edge_lin[eo]).astype(np.intp)
    release_freed_memory()  # the strips' pieces, before the people's array
    counts, plausible = _values_pass(win, bands, lin, edge, cut.edge_frac[eo], row_area,
                                     units, _people_dtype(lin.size), tick)
    return lin, counts, cut, plausible


def _cells_pass(win: RasterWindow, terr_r: BaseGeometry, bands: list[tuple[int, int]],
                lin_dtype: Any, tick: Callable[[], None] | None = None
                ) -> tuple[NDArray[Any], _StripPixels]:
    """The first pass: which pixels of the strips are cells (ascending linear indices)
    and the pixels the territory's edge cuts, with their shares (in strip order)."""
    lins: list[NDArray[Any]] = []  # each strip's cells, the only reference (joined below)
    parts: list[_StripPixels] = []  # each strip's edge pixels
    for s0, s1 in bands:
        px = _strip_pixels(terr_r, s0, s1, win.width, win.transform, lin_dtype)
        lins.append(px.lin)
        parts.append(_StripPixels(np.empty(0, dtype=lin_dtype), px.edge_lin, px.edge_geoms,
                                  px.edge_frac))
        del px
        if tick is not None:
            tick()
    lin = _join(lins, lin_dtype)  # frees each strip's cells once copied
    cut = _StripPixels(np.empty(0, dtype=lin_dtype), np.concatenate([p.edge_lin for p in parts]),
                       np.concatenate([p.edge_geoms for p in parts]),
                       np.concatenate([p.edge_frac for p in parts]))
    return lin, cut


def _values_pass(win: RasterWindow, bands: list[tuple[int, int]], lin: NDArray[Any],
                 edge: NDArray[np.intp], edge_frac: NDArray[np.float64],
                 row_area: NDArray[np.float64], units: str, dtype: Any,
                 tick: Callable[[], None] | None = None
                 ) -> tuple[NDArray[Any], _DensityCheck]:
    """The second pass: the people on the cells ``lin`` (edge cells ``edge``, ascending
    positions in ``lin``, keeping their covered share ``edge_frac``), strip by strip
    straight into one array of ``dtype``; and the plausibility counts."""
    counts = np.empty(lin.size, dtype=dtype)
    plausible = _DensityCheck()
    width = win.width
    for s0, s1 in bands:
        a, b = find_sorted(lin, np.array([s0 * width, s1 * width]))
        if a < b:  # else no cell in these rows: nothing to read
            v = _strip_values(win, s0, s1, lin[a:b], row_area, units, plausible,
                              out=counts[a:b], start=s0 * width)  # no copy of the cells
            # pixels cut by the territory's edge keep the covered share of their people
            ea, eb = np.searchsorted(edge, [a, b])
            v[edge[ea:eb] - a] *= edge_frac[ea:eb]
        if tick is not None:
            tick()
    return counts, plausible


def _people_dtype(cells: int) -> type[np.floating[Any]]:
    """Double precision, or single above :data:`SINGLE_PRECISION_CELLS` cells."""
    return np.float32 if cells > SINGLE_PRECISION_CELLS else np.float64


def _join(parts: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
    """Concatenate and empty ``parts``, freeing each part once copied (low peak memory)."""
    out = np.empty(sum(p.size for p in parts), dtype=dtype)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        out[at:at + part.size] = part
        at += part.size
        del part
    return out


class _DensityCheck:
    """Counts, strip by strip, pixels whose 'count' would mean an implausible density."""

    def __init__(self) -> None:
        self.with_people = 0
        self.over = 0
        self.highest = 0.0
        self.lowest = 0.0
        self.infinite = 0

    def add(self, values: NDArray[np.float64], pixel_km2: NDArray[np.float64] | float
            ) -> None:
        """Values (people per pixel) and pixel areas (km², one for all or one per
        value) of some pixels; densities worked out :data:`CHECK_CHUNK` at a time (a
        strip's would be 16 MB)."""
        per_value = np.ndim(pixel_km2) > 0
        for a in range(0, values.size, CHECK_CHUNK):
            v = values[a:a + CHECK_CHUNK]
            dens = v / (pixel_km2[a:a + CHECK_CHUNK] if per_value  # type: ignore[index]
                        else pixel_km2)
            self.with_people += int(np.count_nonzero(v > 0))
            self.over += int(np.count_nonzero(dens > MAX_DENSITY_PER_KM2))
            self.highest = max(self.highest, float(dens.max()))
            self.lowest = min(self.lowest, float(v.min()))

    def merge(self, other: _DensityCheck) -> None:
        """Add the counts of another strip's check."""
        self.with_people += other.with_people
        self.over += other.over
        self.highest = max(self.highest, other.highest)
        self.lowest = min(self.lowest, other.lowest)
        self.infinite += other.infinite

    def warn(self, path: Path, pixel_km2: float) -> None:
        """Warn when more than 1% of pixels with people exceed :data:`MAX_DENSITY_PER_KM2`."""
        if self.with_people == 0 or self.over <= 0.01 * self.with_people:
            return
        warnings.warn(
            f"{path}: values declared as counts look like densities: "
            f"{self.over / self.with_people:.1%} of pixels with people hold more than "
            f"{MAX_DENSITY_PER_KM2 * pixel_km2:,.0f} people on {pixel_km2 * 1e6:,.0f} m², i.e. "
            f"over {MAX_DENSITY_PER_KM2:,.0f} people per km² (up to {self.highest:,.0f}), "
            "above the densest places on Earth; if the values are per km², declare "
            "units=density", PlausibilityWarning, stacklevel=5)
