"""Checks on GeoDataFrames a caller hands in: a CRS is set; a field holds counts.

Each check raises a :class:`~zoneplan.errors.ZoneplanError` that names what is wrong
and how to fix it.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> towns = gpd.GeoDataFrame({"pop": [10, "n/a"]}, geometry=[Point(0, 0), Point(1, 1)])
>>> field_values(towns, "pop", what="towns")
Traceback (most recent call last):
...
zoneplan.errors.InputError: 1 of the towns have no number in 'pop' (first at row 1)
  → fill 'pop' with a number for every feature (0 if none), or drop the features without one
>>> require_crs(towns, "towns")
Traceback (most recent call last):
...
zoneplan.errors.DataError: the towns have no coordinate reference system (CRS)
  → set one, e.g. gdf.set_crs('EPSG:4326') for longitude/latitude
"""

from __future__ import annotations

import difflib

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from zoneplan.errors import DataError, InputError

__all__ = ["field_values", "require_crs"]


def field_values(gdf: gpd.GeoDataFrame, name: str, *, what: str) -> NDArray[np.float64]:
    """Return the numbers in column ``name`` of ``gdf``: finite, zero or more.

    Parameters
    ----------
    gdf
        The features.
    name
        The column (a count of people, or a weight).
    what
        What the features are, for messages (``"areas"``).

    Raises
    ------
    InputError
        No such column (the message lists the columns there and suggests the nearest),
        a value that is not a number, or a negative value.
    """
    if name not in gdf.columns:
        cols = [str(c) for c in gdf.columns if c != gdf.geometry.name]
        near = difflib.get_close_matches(name, cols, n=1)
        raise InputError(
            f"the {what} have no field '{name}'",
            suggestion=(f"did you mean '{near[0]}'? " if near else "")
            + "fields there: " + (", ".join(cols) or "(none)"),
        )
    vals = pd.to_numeric(gdf[name], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(vals)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} of the {what} have no number in '{name}' "
            f"(first at row {gdf.index[int(np.argmax(bad))]!r})",
            suggestion=f"fill '{name}' with a number for every feature (0 if none), or "
            "drop the features without one",
        )
    if (vals < 0).any():
        raise InputError(
            f"{int((vals < 0).sum())} of the {what} have a negative '{name}' "
            f"(smallest {vals.min():g})",
            suggestion="counts of people and weights must be zero or more",
        )
    return vals


def require_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    """Raise :class:`~zoneplan.errors.DataError` if ``gdf`` has no CRS (``what`` names it)."""
    if gdf.crs is None:
        raise DataError(
            f"the {what} have no coordinate reference system (CRS)",
            suggestion="set one, e.g. gdf.set_crs('EPSG:4326') for longitude/latitude",
        )
