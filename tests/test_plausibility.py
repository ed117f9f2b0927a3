"""Plausibility bounds (zoneplan.plan.plausibility): population layers with more people
per km² than any place holds are refused, unless the plan or the run says otherwise."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from zoneplan import evaluate, load_plan
from zoneplan.cli.main import main
from zoneplan.errors import DataError, PlausibilityWarning
from zoneplan.plan.plausibility import (
    BOUNDS,
    CELL_DENSITY,
    STRUCTURE_DENSITY,
    TERRITORY_DENSITY,
    Plausible,
    check_density,
    limit,
)

from .conftest import SQUARE_UTM

PIXEL_M = 100.0
"""Pixels of 100 m: 0.01 km² each, so v people per pixel is 100 v people per km²; the
2 km square holds 20 x 20 = 400 of them."""


def _raster_plan(tmp_path: Path, plan: dict[str, Any], value: float, *, units: str = "count",
                 plausible: dict[str, Any] | None = None) -> Path:
    """The square plan on a raster of ``value`` in every pixel (UTM 36N, 100 m)."""
    import rasterio
    from rasterio.transform import from_origin

    x0, _, _, y1 = SQUARE_UTM
    data = np.full((20, 20), value, dtype="float64")
    with rasterio.open(tmp_path / "p.tif", "w", driver="GTiff", width=20, height=20, count=1,
                       dtype="float64", crs="EPSG:32636",
                       transform=from_origin(x0, y1, PIXEL_M, PIXEL_M)) as dst:
        dst.write(data, 1)
    plan = {**plan, "layers": {"people": {"path": "p.tif", "units": units}}}
    if plausible is not None:
        plan["plausible"] = plausible
    path = tmp_path / "raster.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_bounds_are_cited_and_above_what_they_cite() -> None:
    assert set(BOUNDS) == {"max_cell_people_per_km2", "max_territory_people_per_km2",
                           "max_territory_structures_per_km2"}
    for b in BOUNDS.values():
        assert b.source and b.url.startswith("https://") and b.basis and b.unit
    assert CELL_DENSITY.value > 33_000 / 0.026  # Kowloon Walled City: 33,000 on 2.6 ha
    assert TERRITORY_DENSITY.value > 90_000 / 0.52  # Beach camp: 90,000 on 0.52 km²
    assert STRUCTURE_DENSITY.value > 250_000 / 365  # Gaza: 250,000 structures on 365 km²


def test_limit_and_check_density() -> None:
    assert limit(None, CELL_DENSITY) == 2_000_000
    assert limit(Plausible(max_territory_people_per_km2=1e6), CELL_DENSITY) == 2_000_000
    assert limit(Plausible(max_territory_people_per_km2=1e6), TERRITORY_DENSITY) == 1e6
    check_density(None, CELL_DENSITY, 2_000_000.0, what="x", path=None)  # at the bound
    with pytest.raises(DataError) as info:
        check_density(None, CELL_DENSITY, 2_000_001.0, what="population layer 'p'",
                      path="p.tif")
    assert "population layer 'p': a cell holds 2,000,001 people per km²" in info.value.message
    assert "max_cell_people_per_km2" in str(info.value.suggestion)
    assert "--allow-implausible" in str(info.value.suggestion)
    with pytest.warns(PlausibilityWarning, match="measured anyway"):
        check_density(Plausible(allow=True), CELL_DENSITY, 3e40, what="x", path="p.tif")


def test_a_raster_of_3e38_per_pixel_is_refused(tmp_path: Path,
                                              square_plan: dict[str, Any]) -> None:
    path = _raster_plan(tmp_path, square_plan, 3e38)
    with pytest.raises(DataError) as info:
        evaluate(path, ranges=False)
    # 3e38 people on 0.01 km²: 3e40 per km²
    assert "a cell holds 3e+40 people per km², above the 2,000,000" in info.value.message
    assert "--allow-implausible" in str(info.value.suggestion)


def test_allowed_by_the_plan_it_is_measured_with_a_warning(
        tmp_path: Path, square_plan: dict[str, Any]) -> None:
    path = _raster_plan(tmp_path, square_plan, 3e38, plausible={"allow": True})
    with pytest.warns(PlausibilityWarning, match="plausible: allow"):
        result = evaluate(path, ranges=False)
    assert result.inputs.population.total() == pytest.approx(400 * 3e38, rel=1e-12)


def test_a_bound_raised_by_the_plan(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    # 21,000 per pixel: 2.1 million per km² in every cell and over the territory
    path = _raster_plan(tmp_path, square_plan, 21_000)
    with pytest.raises(DataError, match="a cell holds 2,100,000 people per km²"):
        evaluate(path, ranges=False)
    path = _raster_plan(tmp_path, square_plan, 21_000,
                        plausible={"max_cell_people_per_km2": 3e6})
    with pytest.raises(DataError) as info:
        evaluate(path, ranges=False)
    assert "the territory holds 2,100,000 people per km², above the 500,000" in \
        info.value.message
    path = _raster_plan(tmp_path, square_plan, 21_000, plausible={
        "max_cell_people_per_km2": 3e6, "max_territory_people_per_km2": 3e6,
        "note": "a test"})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        evaluate(path, ranges=False)
    assert not [w for w in seen if "measured anyway" in str(w.message)]


def test_densities_are_checked_as_densities(tmp_path: Path,
                                            square_plan: dict[str, Any]) -> None:
    with pytest.raises(DataError, match="a cell holds 2,500,000 people per km²"):
        evaluate(_raster_plan(tmp_path, square_plan, 2.5e6, units="density"), ranges=False)
    # 2,500 per km² over 4 km²: 10,000 people
    result = evaluate(_raster_plan(tmp_path, square_plan, 2_500, units="density"),
                      ranges=False)
    assert result.inputs.population.total() == pytest.approx(10_000, rel=1e-9)


def test_infinite_pixels_are_refused(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    with pytest.raises(DataError, match="the population raster has 400 infinite values"):
        evaluate(_raster_plan(tmp_path, square_plan, np.inf), ranges=False)


def test_points_beyond_the_bound(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    from .conftest import utm_to_lonlat, write_geojson

    x0, y0, _, _ = SQUARE_UTM
    write_geojson(tmp_path / "people.geojson", [{
        "type": "Feature", "properties": {"pop": 1e15},
        "geometry": {"type": "Point", "coordinates": list(utm_to_lonlat(x0 + 10, y0 + 10))}}])
    with pytest.raises(DataError, match="population layer 'people': a cell holds"):
        evaluate(load_plan(tmp_path / "square.yaml"), ranges=False)


def test_allow_implausible_on_the_command_line(tmp_path: Path, square_plan: dict[str, Any],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _raster_plan(tmp_path, square_plan, 3e38)
    assert main(["run", str(path), "--no-ranges"]) == 2
    err = capsys.readouterr().err
    assert "above the 2,000,000" in err and "Traceback" not in err
    assert main(["run", str(path), "--no-ranges", "--allow-implausible",
                 "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "a cell holds 3e+40 people per km²" in err and "measured anyway" in err


def test_damage_beyond_the_structure_bound(tmp_path: Path, square_plan: dict[str, Any]) -> None:
    from .conftest import utm_to_lonlat, write_geojson

    x0, y0, _, _ = SQUARE_UTM
    inside, outside = utm_to_lonlat(x0 + 10, y0 + 10), utm_to_lonlat(x0 - 5000, y0)
    write_geojson(tmp_path / "d.geojson", [
        {"type": "Feature", "properties": {"n": n}, "geometry": {
            "type": "Point", "coordinates": list(p)}} for p, n in ((inside, 400_004.0),
                                                                  (outside, 1e300))])
    plan = {**square_plan, "layers": {**square_plan["layers"], "damage": {
        "path": "d.geojson", "count": "n"}}}
    # 400,004 structures in the square (the 1e300 lie outside it): 100,001 per km²
    with pytest.raises(DataError) as info:
        evaluate(load_plan(plan, base_dir=tmp_path), ranges=False)
    assert info.value.message.startswith(
        "damage layer: the territory holds 100,001 structures per km², above the 100,000")
    assert "max_territory_structures_per_km2" in str(info.value.suggestion)
    plan["plausible"] = {"max_territory_structures_per_km2": 200_000}
    result = evaluate(load_plan(plan, base_dir=tmp_path), ranges=False)
    assert result.data["totals"]["damaged_structures"] == 400_004
