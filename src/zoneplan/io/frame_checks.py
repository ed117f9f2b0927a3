"""Checks on GeoDataFrames a caller hands in or a user's file holds: a CRS is set; a
field holds counts (:func:`field_values`, for the Python API; :func:`layer_numbers`, for
a layer's attribute, naming the file, the feature and the field).

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
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from zoneplan.errors import DataError, InputError

__all__ = ["field_values", "layer_numbers", "require_crs"]


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


def _feature(gdf: gpd.GeoDataFrame, i: int) -> str:
    """``feature N`` (1 for the file's first) of the ``i``-th row of ``gdf``."""
    label = gdf.index[i]
    return f"feature {label + 1}" if isinstance(label, (int, np.integer)) else f"row {label!r}"


def _shown(value: Any) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 40 else text[:37] + "..."


def layer_numbers(gdf: gpd.GeoDataFrame, name: str, path: str | Path, *, what: str,
                  unknown_ok: bool = False) -> NDArray[np.float64]:
    """The numbers in attribute ``name`` of a layer's features: finite, zero or more.

    A count, beds or people per feature is a number. Text that is not a number
    (``"many"``), a boolean, an infinite value and a negative one are refused, naming the
    file, the first feature holding one (1 for the file's first feature) and the field;
    so is a value left empty (null or NaN), unless ``unknown_ok`` (beds: NaN, unknown).
    A column whose values add up to more than a double holds is refused too (its sums
    would be infinite).

    Parameters
    ----------
    gdf
        The layer's features (index: their place in the file, from 0).
    name
        The attribute.
    path
        The file, for messages.
    what
        What the layer is (``"damage layer"``), for messages.
    unknown_ok
        Whether an empty value means "unknown" (kept as NaN) rather than an error.

    Returns
    -------
    numpy.ndarray
        The values as float64 (NaN where unknown).

    Raises
    ------
    DataError
        No such attribute (naming those there are), or a value as above.
    """
    from zoneplan.io.vectors import numeric_attribute  # no such column: the same message

    vals = numeric_attribute(gdf, name, str(path))
    raw = gdf[name].to_numpy(dtype=object)
    empty = np.asarray(pd.isna(raw), bool)  # null, or NaN (GDAL reads a null number so)
    flag = np.fromiter((isinstance(v, (bool, np.bool_)) for v in raw), bool, len(raw))
    checks = (  # the first feature holding any of these is named
        (empty & (not unknown_ok), "is empty (null or NaN)",
         f"write a number in '{name}' for every feature (0 if none), or drop the feature"),
        (flag | (np.isnan(vals) & ~empty), "holds {}, which is not a number",
         f"write a number in '{name}' for every feature"),
        (np.isinf(vals) & ~flag, "holds {}, which is not a finite number",
         f"write the real figure in '{name}'; an infinite value is a slip"),
        (vals < 0, "holds {}, which is negative", f"a figure in '{name}' is zero or more"),
    )
    firsts = [int(np.argmax(bad)) if bad.any() else len(raw) for bad, _, _ in checks]
    if min(firsts, default=len(raw)) < len(raw):
        k = firsts.index(min(firsts))
        i, (_, words, fix) = firsts[k], checks[k]
        more = int(np.logical_or.reduce([c[0] for c in checks]).sum()) - 1
        raise DataError(
            f"the {what}'s {_feature(gdf, i)}: '{name}' {words.format(_shown(raw[i]))}"
            + (f" ({more} more feature{'s' if more > 1 else ''} as bad)" if more else ""),
            path=str(path), suggestion=fix)
    with np.errstate(over="ignore"):
        total = float(vals[np.isfinite(vals)].sum())
    if not math.isfinite(total):
        raise DataError(f"the {what}'s '{name}' values add up to more than a number can hold "
                        "(the sums would be infinite)", path=str(path),
                        suggestion=f"check the figures in '{name}': they are far too large")
    return vals


def require_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    """Raise :class:`~zoneplan.errors.DataError` if ``gdf`` has no CRS (``what`` names it)."""
    if gdf.crs is None:
        raise DataError(
            f"the {what} have no coordinate reference system (CRS)",
            suggestion="set one, e.g. gdf.set_crs('EPSG:4326') for longitude/latitude",
        )
