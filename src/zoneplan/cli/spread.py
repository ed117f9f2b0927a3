"""``zoneplan spread``: population from area totals onto a grid (dasymetric mapping)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from zoneplan.cli.console import err
from zoneplan.errors import InputError

__all__ = ["register"]


class SpreadMethod(StrEnum):
    """How totals are spread inside each area."""

    kernel = "kernel"
    area = "area"


class Units(StrEnum):
    """What the GeoTIFF's values mean."""

    per_cell = "count"
    per_km2 = "density"


def spread(
    areas: Annotated[Path, typer.Argument(help="Polygons with known totals (any format).")],
    total: Annotated[str, typer.Option("--total", help="Attribute holding each area's people.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .tif or .gpkg file.")],
    cell_size: Annotated[float, typer.Option("--cell-size", help="Cell side, metres.")] = 100.0,
    method: Annotated[SpreadMethod, typer.Option(
        "--method", help="kernel (around weight points) or area (uniform).")] = SpreadMethod.area,
    weights: Annotated[Path | None, typer.Option(
        "--weights", help="Weight points or polygons (localities, buildings, damage).")] = None,
    weight_field: Annotated[str | None, typer.Option(
        "--weight-field", help="Attribute of --weights with each point's weight.")] = None,
    bandwidth: Annotated[float, typer.Option(
        "--bandwidth", help="Kernel e-folding distance, metres.")] = 1000.0,
    units: Annotated[Units, typer.Option(
        "--units", help="GeoTIFF values: people per cell (count) or per km² (density).")
    ] = Units.per_cell,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --out.")] = False,
) -> None:
    """Spread the people counted in each area over a grid, conserving each area's total."""
    from zoneplan.io.geotiff import write_grid_geotiff
    from zoneplan.io.outputs import write_with_atomic
    from zoneplan.io.vectors import read_vector
    from zoneplan.measure.population.dasymetric import spread_to_grid

    if out.suffix.lower() not in (".tif", ".tiff", ".gpkg"):
        raise InputError(f"unknown output format '{out.suffix}'", path=out,
                         suggestion="write a GeoTIFF (.tif) or a GeoPackage (.gpkg)")
    if out.exists() and not overwrite:
        from zoneplan.errors import OutputExistsError

        raise OutputExistsError("the file exists already", path=out,
                                suggestion="pass --overwrite to replace it")
    area_gdf = read_vector(areas, what="areas")
    weight_gdf = read_vector(weights, what="weights") if weights is not None else None
    grid = spread_to_grid(area_gdf, total, weights=weight_gdf, weight_field=weight_field,
                          cell_size_m=cell_size, method=method.value, bandwidth_m=bandwidth)
    if out.suffix.lower() == ".gpkg":
        write_with_atomic(out, lambda p: grid.to_file(p, layer="people", driver="GPKG"),
                          overwrite=overwrite)
    else:
        write_grid_geotiff(grid, out, overwrite=overwrite, units=units.value)
    err.print(
        f"wrote {len(grid):,} cells of {cell_size:g} m holding {grid['people'].sum():,.0f} "
        f"people to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``spread`` command to the main app."""
    app.command("spread")(spread)
