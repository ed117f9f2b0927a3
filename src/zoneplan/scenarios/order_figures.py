"""The figures of one order, or of the orders in force at a date: the work of a timeline.

:func:`zoneplan.scenarios.timeline.timeline` reads the layers and hands each order's
polygons, as plain shapely geometries in lon/lat, to a backend
(:mod:`zoneplan.scenarios.dask_backend`): in this process, on a LocalCluster or on an
existing Dask cluster. What every task needs, the territory, the built-in baseline grid
and the hospitals (an :class:`OrderModel`), is shared with the workers once. A task gets
plain data in and gives plain data out:

* :func:`measure_order`: one order's polygons in; the part of the territory they cover
  (lon/lat) and its figures out;
* :func:`measure_in_force`: the covered parts of all orders and which of them are in
  force in; the figures of their union out.

Nothing here depends on where it runs, so the figures are the same, to the bit, in this
process and on any cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from zoneplan.geometry import area_crs_for, project
from zoneplan.measure.grids.cells import CellGrid
from zoneplan.measure.sums.zone_sums import zone_totals

__all__ = ["M2_PER_KM2", "OrderFigures", "OrderModel", "build_model", "measure_in_force",
           "measure_order"]

M2_PER_KM2 = 1e6
"""Square metres in a square kilometre."""

Figures = dict[str, float | int]
"""``area_km2`` (km²), ``share_of_territory`` (fraction 0-1), ``residents`` (people)
and ``hospitals`` (count)."""


@dataclass(frozen=True)
class OrderModel:
    """What every task of a timeline needs (shared with each worker once).

    Attributes
    ----------
    territory
        The territory, lon/lat (WGS 84).
    area_crs
        The projected CRS areas are measured in (the UTM zone of the territory).
    territory_m2
        The territory's area in ``area_crs``, square metres.
    grid
        The cells of the baseline population grid (projected, metres).
    grid_crs
        The CRS of ``grid``.
    baseline
        Pre-war residents per cell of ``grid`` (people; the central spread).
    hospitals_x, hospitals_y
        The hospitals, in the CRS of ``grid`` (metres).
    """

    territory: BaseGeometry
    area_crs: CRS
    territory_m2: float
    grid: CellGrid
    grid_crs: CRS
    baseline: NDArray[np.float64]
    hospitals_x: NDArray[np.float64]
    hospitals_y: NDArray[np.float64]

    def measure(self, inside: BaseGeometry) -> Figures:
        """The figures of ``inside`` (lon/lat, within the territory).

        Returns
        -------
        dict
            ``area_km2`` (km², in ``area_crs``), ``share_of_territory`` (that area over
            the territory's, fraction 0-1), ``residents`` (baseline people inside, cells
            cut by the edge counted by the covered fraction of their area, by
            :func:`~zoneplan.measure.sums.zone_sums.zone_totals` as ``evaluate`` sums a zone)
            and ``hospitals`` (count of hospitals ``inside`` covers, edge included, as
            ``evaluate`` places them). All zero for an empty geometry.
        """
        if inside.is_empty:
            return {"area_km2": 0.0, "share_of_territory": 0.0, "residents": 0.0,
                    "hospitals": 0}
        area = project(inside, self.area_crs).area
        on_grid = project(inside, self.grid_crs)
        # as evaluate measures a zone: cells shared by area (zone_sums), a hospital in
        # the zone when the zone covers it (its edge included)
        [residents] = zone_totals(self.grid, [on_grid], [on_grid.boundary], [self.baseline])
        return {"area_km2": area / M2_PER_KM2, "share_of_territory": area / self.territory_m2,
                "residents": float(residents[0]),
                "hospitals": int(shapely.covers(on_grid, shapely.points(
                    self.hospitals_x, self.hospitals_y)).sum())}


@dataclass(frozen=True)
class OrderFigures:
    """What :func:`measure_order` gives back.

    Attributes
    ----------
    inside
        The union of the order's polygons within the territory (lon/lat); empty if it has
        none there.
    figures
        Its figures (see :meth:`OrderModel.measure`).
    """

    inside: BaseGeometry
    figures: Figures


def build_model(territory: BaseGeometry) -> OrderModel:
    """The shared part of a timeline over ``territory`` (lon/lat): the built-in pre-war
    baseline grid (central spread) and the pack's hospitals that ``zoneplan run``
    counts (rows of high and medium confidence,
    :data:`zoneplan.io.layers.HOSPITAL_CENTRAL_CONFIDENCE`).

    Returns
    -------
    OrderModel
        Ready to share with the workers.
    """
    from zoneplan import pack
    from zoneplan.measure.population.population_sources import builtin_population

    pop = builtin_population()
    crs = area_crs_for(territory)
    from zoneplan.io.layers import HOSPITAL_CENTRAL_CONFIDENCE

    table = pack.hospitals()
    hospitals = table[table["confidence"].isin(HOSPITAL_CENTRAL_CONFIDENCE)].to_crs(pop.crs)
    return OrderModel(territory=territory, area_crs=crs,
                      territory_m2=project(territory, crs).area, grid=pop.grid,
                      grid_crs=pop.crs,
                      baseline=pop.counts[pop.central],
                      hospitals_x=hospitals.geometry.x.to_numpy(),
                      hospitals_y=hospitals.geometry.y.to_numpy())


def measure_order(model: OrderModel, polygons: Sequence[BaseGeometry]) -> OrderFigures:
    """One order: the union of its polygons (lon/lat), made valid and clipped to the
    territory, and its figures; an order without polygons covers nothing (all zero)."""
    if not polygons:
        return OrderFigures(shapely.Polygon(), model.measure(shapely.Polygon()))
    union = shapely.make_valid(shapely.union_all(list(polygons)))
    inside = union.intersection(model.territory)
    return OrderFigures(inside, model.measure(inside))


def measure_in_force(model: OrderModel, insides: Sequence[BaseGeometry],
                     live: Sequence[int]) -> Figures:
    """The figures of the union of the orders in force.

    Parameters
    ----------
    model
        The shared model.
    insides
        The part of the territory each order of the timeline covers (lon/lat), as
        :func:`measure_order` gave them.
    live
        Positions in ``insides`` of the orders in force.
    """
    geoms = [insides[i] for i in live if not insides[i].is_empty]
    return model.measure(shapely.union_all(geoms) if geoms else shapely.Polygon())
