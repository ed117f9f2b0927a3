"""The hexagon benchmark's zones (``benchmarks/bench_hexagons.py``): about as many
regular hexagons as asked for, all the same size, each overlapping the OCHA outline."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))


@pytest.mark.slow
@pytest.mark.realdata
def test_hexagons_are_regular_and_about_as_many_as_asked(shared_data: Path) -> None:
    import bench_hexagons
    import geopandas as gpd
    import shapely

    polys = bench_hexagons.hexagons(100)
    assert 90 <= len(polys) <= 110
    areas = shapely.area(polys)
    r = math.sqrt(areas[0] / (1.5 * math.sqrt(3.0)))  # a regular hexagon: 3√3/2 r²
    assert areas.max() == pytest.approx(areas.min(), rel=1e-9)  # all one size
    assert shapely.length(polys[0]) == pytest.approx(6.0 * r, rel=1e-9)  # six equal sides
    terr = gpd.read_file(bench_hexagons.OUTLINE).to_crs(bench_hexagons.UTM).union_all()
    inside = shapely.area(shapely.intersection(polys, terr)) / areas
    assert inside.min() >= 0.01
