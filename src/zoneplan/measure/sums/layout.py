"""Which summer measures a layout: the one dispatch between a whole grid, a raster held
in parts on a cluster's workers, and the editor's patched layouts.

Every caller that measures a layout (``evaluate``, the draws, the editor) asks
:func:`layout_cells`; the modules it chooses between never import each other.
"""

from __future__ import annotations

from dataclasses import replace

from zoneplan.measure.inputs import Inputs
from zoneplan.measure.sums.zone_sums import (
    LayoutCells,
    _hospital_distances,
    _point_zone,
    measured_cells,
)
from zoneplan.measure.zones import Layout

__all__ = ["layout_cells", "with_hospitals"]


def layout_cells(layout: Layout, inputs: Inputs, *, fast: bool = False,
                 incremental: bool = False, slot: str | None = None) -> LayoutCells:
    """Cell shares per zone, the sums built on them, and the zone of each point.

    Parameters
    ----------
    layout
        The zones and lines, in the area CRS.
    inputs
        The prepared inputs (population, hospitals, damage, crossings).
    fast
        Share cells cut by a line out on a lattice of points, and count a cell at the
        edge of a near-line buffer by its centre (approximate).
    incremental
        The editor: remember this layout's per-cell work on the grid and measure again
        only the cells the last change touched
        (:func:`zoneplan.measure.sums.incremental.incremental_cells`; same result).
    slot
        Which of a grid's remembered layouts to start from (an alternative's own).

    Returns
    -------
    LayoutCells
        Areas in m², people per spread key, per zone.
    """
    # the editor's and a cluster's summers import the raster stack: only when used, so a
    # default run loads no rasterio (tests/test_startup.py)
    if incremental:
        from zoneplan.measure.sums.incremental import incremental_cells

        return incremental_cells(layout, inputs, fast=fast, slot=slot)
    if inputs.population.grid.held is not None:  # cells held on workers
        from zoneplan.measure.sums.held_sums import held_layout_sums

        return measured_cells(layout, inputs, fast=fast, summer=held_layout_sums)
    return measured_cells(layout, inputs, fast=fast)


def with_hospitals(cells: LayoutCells, layout: Layout, inputs: Inputs) -> LayoutCells:
    """The same layout's cells with ``inputs``' hospital layer: only the hospitals' zones
    and the distances to them are measured again (the cell shares and sums do not depend
    on the hospitals)."""
    h_zone = _point_zone(inputs.hospitals, layout)
    if h_zone and cells.area.blocks is None:  # no blocks were summed: measure afresh
        return layout_cells(layout, inputs)
    out = replace(cells, hospital_zone=h_zone,
                  hospital_distance=_hospital_distances(layout, inputs, cells.area, h_zone,
                                                        cells.squares))
    out.outside.update(cells.outside)  # people on no zone's cells: the same cells
    return out
