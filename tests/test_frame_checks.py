"""A layer's counts, beds and people read strictly (zoneplan.io.frame_checks.layer_numbers):
every refusal names the file, the first feature holding a bad value and the field."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from zoneplan.errors import DataError
from zoneplan.io.frame_checks import layer_numbers


def _layer(values: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"n": values}, geometry=[Point(i, 0) for i in range(len(values))],
                            crs="EPSG:4326")


def _refusal(values: list[Any], **kw: Any) -> DataError:
    with pytest.raises(DataError) as info:
        layer_numbers(_layer(values), "n", "d.geojson", what="damage layer", **kw)
    assert info.value.path == "d.geojson" and info.value.suggestion
    return info.value


def test_good_values_come_back_exactly() -> None:
    got = layer_numbers(_layer([0, 3, 2.5, 1e6]), "n", "d.geojson", what="damage layer")
    assert got.tolist() == [0.0, 3.0, 2.5, 1e6]


@pytest.mark.parametrize(("values", "says"), [
    ([3, "many"], "the damage layer's feature 2: 'n' holds 'many', which is not a number"),
    ([3, True], "feature 2: 'n' holds True, which is not a number"),
    ([3.0, np.nan], "feature 2: 'n' is empty (null or NaN)"),
    ([None, 3], "feature 1: 'n' is empty (null or NaN)"),
    ([3.0, np.inf], "feature 2: 'n' holds inf, which is not a finite number"),
    ([3.0, -np.inf], "feature 2: 'n' holds -inf, which is not a finite number"),
    ([3, "inf"], "feature 2: 'n' holds 'inf', which is not a finite number"),
    ([3.0, -0.5], "feature 2: 'n' holds -0.5, which is negative"),
])
def test_bad_values_named(values: list[Any], says: str) -> None:
    assert _refusal(values).message.endswith(says)


def test_the_first_bad_feature_is_named_and_the_others_counted() -> None:
    err = _refusal([1, -2, "x", np.inf])
    assert err.message == ("the damage layer's feature 2: 'n' holds -2, which is negative "
                           "(2 more features as bad)")


def test_features_keep_their_place_in_the_file_after_a_filter() -> None:
    gdf = _layer([1, 2, 3, -4])
    with pytest.raises(DataError, match="feature 4: 'n' holds -4"):
        layer_numbers(gdf.iloc[2:], "n", "d.geojson", what="damage layer")


def test_unknown_values_kept_as_nan_when_allowed() -> None:
    got = layer_numbers(_layer([40, None, np.nan]), "n", "h.geojson", what="hospitals layer",
                        unknown_ok=True)
    assert got[0] == 40 and np.isnan(got[1:]).all()
    assert "is not a number" in _refusal([40, "forty"], unknown_ok=True).message


def test_a_sum_that_overflows_is_refused() -> None:
    assert _refusal([1e308, 1e308]).message == (
        "the damage layer's 'n' values add up to more than a number can hold (the sums "
        "would be infinite)")
    assert layer_numbers(_layer([1e308, 1e307]), "n", "d", what="x").sum() == 1.1e308


def test_an_unknown_field_names_those_there() -> None:
    with pytest.raises(DataError, match="the attribute 'count' does not exist"):
        layer_numbers(_layer([1]), "count", "d.geojson", what="damage layer")
