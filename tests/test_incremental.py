"""The incremental editor gives the figures a full recomputation gives: random vertex
moves of the yellow line, on the built-in 250 m grid and on a small synthetic raster,
every per-zone sum and every figure of the result compared to 1e-9 relative."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasterio import features
from rasterio.transform import from_origin

from zoneplan import pack
from zoneplan.errors import ZoneplanError
from zoneplan.evaluate import evaluate_inputs
from zoneplan.geometry import project
from zoneplan.measure.grids.raster_grid import RasterGrid
from zoneplan.measure.inputs import Inputs, prepare
from zoneplan.measure.sums.block_sums import BlockSums
from zoneplan.measure.sums.incremental import _distinct, incremental_cells
from zoneplan.measure.sums.layout import layout_cells, with_hospitals
from zoneplan.measure.sums.zone_sums import LayoutCells, ZoneSums
from zoneplan.measure.zones import build_layout
from zoneplan.plan import load_plan

PLAN = "green-red-2025-11"
M_PER_DEG = 111_320.0
RTOL = 1e-9


@pytest.fixture(scope="module")
def builtin() -> Inputs:
    return prepare(load_plan(PLAN))


def _raster_inputs(folder: Path, lonlat: bool) -> Inputs:
    """The plan on a synthetic raster over the Strip: 50 m pixels in UTM 36N (squares of
    100 m hold four pixels, so the per-block path is exercised), or 0.0005° pixels in
    lon/lat (zones are measured in the raster's CRS, areas row by row)."""
    cell = 0.0005 if lonlat else 50.0
    terr = pack.outline() if lonlat else project(pack.outline(), pack.PACK_CRS)
    x0, y0, x1, y1 = terr.bounds
    x0, y1 = math.floor(x0 / cell) * cell, math.ceil(y1 / cell) * cell
    w, h = math.ceil((x1 - x0) / cell), math.ceil((y1 - y0) / cell)
    tf = from_origin(x0, y1, cell, cell)
    data = np.random.default_rng(3).gamma(0.6, 25.0, size=(h, w)).astype("float32")
    inside = features.rasterize([(terr, 1)], out_shape=(h, w), transform=tf, fill=0)
    data[inside == 0] = -99999.0
    tif = folder / "pop.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=w, height=h, count=1,
                       dtype="float32", crs="EPSG:4326" if lonlat else "EPSG:32636",
                       transform=tf, nodata=-99999.0) as dst:
        dst.write(data, 1)
    plan = yaml.safe_load((pack.PACK_DIR.parent.parent / "plans" / f"{PLAN}.yaml")
                          .read_text())
    plan["id"] = "inc-raster"
    plan["layers"] = {"pop": {"path": str(tif), "units": "count"}}
    plan["population"]["baseline"] = "pop"
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    inputs = prepare(load_plan(path))
    assert isinstance(inputs.population.grid, RasterGrid)
    return inputs


@pytest.fixture(scope="module")
def raster(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return _raster_inputs(tmp_path_factory.mktemp("inc"), lonlat=False)


@pytest.fixture(scope="module")
def raster_ll(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return _raster_inputs(tmp_path_factory.mktemp("inc-ll"), lonlat=True)


def _close(a: Any, b: Any, where: str, atol: float = 0.0) -> None:
    """Arrays equal to ``RTOL`` relative, entry by entry (zeros exactly, unless ``atol``)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert x.shape == y.shape, where
    np.testing.assert_allclose(x, y, rtol=RTOL, atol=atol, err_msg=where)


def _same_sums(s1: ZoneSums, s2: ZoneSums, where: str, cell_max: float) -> None:
    """Zone sums equal to ``RTOL``; per-block sums to ``RTOL`` or a billionth of the
    largest cell's value (``cell_max``). On a raster whose pixel corners are not exact
    binary fractions (lon/lat), a subset's window shifts them by the last bit, so a
    block holding only a sliver of a zone (a millionth of a pixel) can differ by 1e-13
    of a pixel: 1e-8 of the sliver itself."""
    _close(s1.total, s2.total, f"{where}.total")
    assert s1.near_any.keys() == s2.near_any.keys()
    for d in s1.near_any:
        _close(s1.near_any[d], s2.near_any[d], f"{where}.near_any[{d}]")
    assert s1.near_line.keys() == s2.near_line.keys()
    for lid, by_d in s1.near_line.items():
        for d in by_d:
            _close(by_d[d], s2.near_line[lid][d], f"{where}.near_line[{lid}][{d}]")
    assert (s1.blocks is None) == (s2.blocks is None)
    if s1.blocks is not None and s2.blocks is not None:
        _close(_dense_blocks(s1.blocks), _dense_blocks(s2.blocks), f"{where}.blocks",
               atol=RTOL * cell_max)


def _dense_blocks(b: BlockSums) -> Any:
    """Sums per zone and block as one dense (zones, blocks) array."""
    return np.array([b[k] for k in range(b.n_zones)]).reshape(b.n_zones, b.n_blocks)


def _same_cells(a: LayoutCells, b: LayoutCells, inputs: Inputs) -> None:
    pop = inputs.population
    _same_sums(a.area, b.area, "area", float(np.max(pop.grid.area_values()[:])))
    assert a.people.keys() == b.people.keys()
    for k in a.people:
        _same_sums(a.people[k], b.people[k], f"people[{k}]", float(pop.counts[k].max()))
    assert a.hospital_zone == b.hospital_zone and a.damage_zone == b.damage_zone


def _same_json(a: Any, b: Any, where: str = "") -> None:
    """Every number of two results equal to ``RTOL`` relative (1e-6 absolute near zero)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same_json(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_json(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(a, bool):
        assert isinstance(b, (int, float)), where
        assert math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-6), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _check_moves(inputs: Inputs, moves: list[tuple[float, float, float]],
                 fast: bool, line_id: str = "yellow-line") -> None:
    """Move vertices of one line one after another; after each move compare with a full
    run."""
    line = [tuple(c) for c in inputs.lines_ll[line_id].coords]
    for where, dx, dy in moves:
        k = 1 + int(where * (len(line) - 2))
        lon, lat = line[k]
        line[k] = (lon + dx / (M_PER_DEG * math.cos(math.radians(lat))), lat + dy / M_PER_DEG)
        try:
            moved = inputs.with_lines({line_id: line})
            layout = build_layout(moved)
        except ZoneplanError:
            return  # a line that crosses itself, or cuts no zone: refused either way
        _same_cells(incremental_cells(layout, moved, fast=fast),
                    layout_cells(layout, moved, fast=fast), moved)
        over = {line_id: line}
        inc = evaluate_inputs(inputs, line_overrides=over, ranges=False, fast=fast,
                              incremental=True).to_dict()
        full = evaluate_inputs(inputs, line_overrides=over, ranges=False, fast=fast).to_dict()
        for key in ("zones", "totals", "lines", "invariants", "notes"):
            _same_json(inc[key], full[key], key)
        for i, (c1, c2) in enumerate(zip(inc["claims"], full["claims"], strict=True)):
            _same_claim(c1, c2, f"claims[{i}]")


def _same_claim(c1: dict[str, Any], c2: dict[str, Any], where: str) -> None:
    """Claims checked alike: the same numbers; the same verdict unless the measured value
    lies within ``RTOL`` of an end of the claim's interval (there the last bit decides:
    2,100,000 people and 2,100,000.000000002 fall either side of 2.1 million)."""
    words = ("verdict", "why")
    _same_json({k: v for k, v in c1.items() if k not in words},
               {k: v for k, v in c2.items() if k not in words}, where)
    if c1["verdict"] != c2["verdict"]:
        ends = (c1["claimed"] or {}).get("interval") or []
        m = c1["measured"]
        assert m is not None and any(math.isclose(m, e, rel_tol=RTOL) for e in ends), where


MOVES = st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(-1500.0, 1500.0),
                           st.floats(-1500.0, 1500.0)), min_size=1, max_size=4)


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES, fast=st.booleans())
def test_builtin_grid_matches_full(builtin: Inputs, moves: list[tuple[float, float, float]],
                                   fast: bool) -> None:
    _check_moves(builtin, moves, fast)


@pytest.fixture(scope="module")
def phases() -> Inputs:
    """Three lines and four nested zones: near-line sums per line as well as for all."""
    return prepare(load_plan("withdrawal-phases"))


@pytest.mark.slow
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES, fast=st.booleans(),
       line_id=st.sampled_from(["yellow-line", "phase-2-line", "phase-3-line"]))
def test_several_lines_match_full(phases: Inputs, moves: list[tuple[float, float, float]],
                                  fast: bool, line_id: str) -> None:
    _check_moves(phases, moves, fast, line_id)


@pytest.mark.slow
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_raster_matches_full(raster: Inputs, moves: list[tuple[float, float, float]]) -> None:
    _check_moves(raster, moves, fast=False)


@pytest.mark.slow
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_lonlat_raster_matches_full(raster_ll: Inputs,
                                    moves: list[tuple[float, float, float]]) -> None:
    _check_moves(raster_ll, moves, fast=False)


def test_state_is_patched_not_rebuilt(builtin: Inputs, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """After the first layout, a small move measures a subset of the grid only."""
    from zoneplan.measure.sums import incremental

    line = [tuple(c) for c in builtin.lines_ll["yellow-line"].coords]
    moved = builtin.with_lines({"yellow-line": line})
    incremental_cells(build_layout(moved), moved)
    sizes: list[int] = []
    real = type(builtin.population.grid).subset

    def spy(self: Any, idx: Any) -> Any:
        sizes.append(len(idx))
        return real(self, idx)

    monkeypatch.setattr(type(builtin.population.grid), "subset", spy)
    lon, lat = line[5]
    line[5] = (lon + 0.001, lat)
    moved = builtin.with_lines({"yellow-line": line})
    layout = build_layout(moved)
    _same_cells(incremental.incremental_cells(layout, moved), layout_cells(layout, moved),
                moved)
    assert sizes and 0 < sizes[0] < incremental.FULL_SHARE * len(builtin.population.grid)


def test_state_is_per_grid_and_dropped_with_it(builtin: Inputs) -> None:
    """States are weakly keyed by grid: one per grid and mode, gone with the grid."""
    import copy
    import dataclasses
    import gc
    import weakref

    from zoneplan.measure.sums import incremental

    grid = copy.copy(builtin.population.grid)  # a grid of its own, held only here
    inputs = dataclasses.replace(
        builtin, population=dataclasses.replace(builtin.population, grid=grid))
    layout = build_layout(inputs)
    incremental_cells(layout, inputs)
    incremental_cells(layout, inputs, fast=True)
    assert set(incremental._STATES[grid]) == {(False, None), (True, None)}
    gone = weakref.ref(grid)
    del inputs, layout, grid
    gc.collect()
    assert gone() is None
    assert all(k is not None for k in incremental._STATES)


@pytest.mark.parametrize("grid", ["builtin", "raster"])
def test_other_hospitals_reuse_the_sums(grid: str, request: pytest.FixtureRequest) -> None:
    """The alternative with the low-confidence hospitals reuses the central cells (also
    those the editor patches): the same as measuring them afresh."""
    import dataclasses

    inputs: Inputs = request.getfixturevalue(grid)
    if inputs.hospitals_all is None:
        pytest.skip("no low-confidence hospitals")
    layout = build_layout(inputs)
    wider = dataclasses.replace(inputs, hospitals=inputs.hospitals_all)
    reused = with_hospitals(incremental_cells(layout, inputs), layout, wider)
    fresh = layout_cells(layout, wider)
    _same_cells(reused, fresh, wider)
    assert len(reused.hospital_distance.reach) == len(fresh.hospital_distance.reach)
    for k in range(len(layout.zones)):
        hd, got = fresh.hospital_distance.zone(k), reused.hospital_distance.zone(k)
        assert (got is None) == (hd is None)
        if hd is not None and got is not None:
            np.testing.assert_array_equal(got.blocks, hd.blocks)
            np.testing.assert_array_equal(got.dist_sorted, hd.dist_sorted)


@pytest.mark.slow
@pytest.mark.parametrize("grid", ["builtin", "raster"])
def test_ranges_match_full(grid: str, request: pytest.FixtureRequest) -> None:
    """With ranges, each alternative layout patches its own state: the ranges, and every
    other figure, equal a full run's."""
    inputs: Inputs = request.getfixturevalue(grid)
    line = [tuple(c) for c in inputs.lines_ll["yellow-line"].coords]
    for k, (dx, dy) in ((16, (0.0, 0.0)), (16, (-120.0, 40.0)), (16, (-10.0, 0.0)),
                        (9, (150.0, -60.0))):
        lon, lat = line[k]
        line[k] = (lon + dx / (M_PER_DEG * math.cos(math.radians(lat))),
                       lat + dy / M_PER_DEG)
        over = {"yellow-line": list(line)}
        inc = evaluate_inputs(inputs, line_overrides=over, incremental=True).to_dict()
        full = evaluate_inputs(inputs, line_overrides=over).to_dict()
        for key in ("zones", "totals", "lines", "invariants", "alternatives", "extremes"):
            _same_json(inc[key], full[key], key)


def test_large_grids_keep_no_state(builtin: Inputs, monkeypatch: pytest.MonkeyPatch) -> None:
    """Grids over MAX_CELLS are measured afresh (no per-cell state is kept): the same
    cells as layout_cells, and no state left for the grid."""
    from zoneplan.measure.sums import incremental

    monkeypatch.setattr(incremental, "MAX_CELLS", 10)
    layout = build_layout(builtin)
    got = incremental_cells(layout, builtin, slot="large")
    _same_cells(got, layout_cells(layout, builtin), builtin)
    assert (False, "large") not in incremental._STATES.get(builtin.population.grid, {})


def _sums_of(cells: LayoutCells) -> list[np.ndarray]:
    out = [cells.area.total, cells.area.near_any[500.0]]
    for s in cells.people.values():
        out += [s.total, *s.near_any.values()]
    return out


@pytest.mark.parametrize("fast", [False, True])
def test_figures_do_not_depend_on_the_state_started_from(builtin: Inputs, fast: bool) -> None:
    """The editor's pool hands a request any free state: a layout patched from another
    layout's state gives the very sums (to the last bit) of the same layout measured
    from no state, and two states live side by side when two requests hold them."""
    import copy
    import dataclasses

    from zoneplan.measure.sums import incremental

    line = [tuple(c) for c in builtin.lines_ll["yellow-line"].coords]
    far = list(line)
    far[16] = (far[16][0] - 0.01, far[16][1])
    near = list(line)
    near[16] = (near[16][0] - 0.011, near[16][1])
    layouts = [build_layout(builtin.with_lines({"yellow-line": ln})) for ln in (far, near)]
    grid = copy.copy(builtin.population.grid)  # a grid (so pools) of its own
    inputs = dataclasses.replace(builtin,
                                 population=dataclasses.replace(builtin.population, grid=grid))
    fresh = _sums_of(incremental_cells(layouts[1], inputs, fast=fast, slot="a"))
    incremental_cells(layouts[0], inputs, fast=fast, slot="b")
    patched = _sums_of(incremental_cells(layouts[1], inputs, fast=fast, slot="b"))
    for a, b in zip(fresh, patched, strict=True):
        np.testing.assert_array_equal(a, b)
    pool = incremental._STATES[grid][fast, "b"]
    with pool.state(frozenset()) as box:  # one request holds the state...
        held = box[0]
        again = _sums_of(incremental_cells(layouts[1], inputs, fast=fast, slot="b"))
    assert held is not None and pool.count == 2 and len(pool.free) == 2  # ...another made one
    for a, b in zip(fresh, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_buffers_change_is_found_in_the_box_of_its_changed_edges() -> None:
    """The symmetric difference of two near-line buffers, worked out in the box of the
    edges one has and the other has not, is the whole polygons' (the area between them,
    hand-computed for boxes; a buffer of a line whose vertex moved; none when equal)."""
    from shapely.geometry import LineString, box

    from zoneplan.measure.sums.incremental import _difference_of

    a = box(0, 0, 100, 10)
    b = shapely.Polygon([(0, 0), (100, 0), (100, 10), (60, 10), (50, 14), (40, 10),
                         (0, 10)])
    diff = _difference_of(a, b)
    assert math.isclose(diff.area, 0.5 * 20 * 4, rel_tol=1e-12)  # the triangle added
    assert _difference_of(a, a).is_empty
    two = shapely.Polygon([(0, 0), (100, 0), (100, 10), (95, 12), (90, 10), (0, 10),
                           (-3, 5)])  # changed at both ends: the box spans them
    assert math.isclose(_difference_of(a, two).area, 0.5 * 10 * 2 + 0.5 * 10 * 3,
                        rel_tol=1e-12)
    line = [(0.0, 0.0), (1000.0, 50.0), (2000.0, 0.0), (3000.0, 80.0), (4000.0, 0.0)]
    moved = list(line)
    moved[3] = (3010.0, 95.0)
    for d in (100.0, 500.0):
        old = shapely.buffer(LineString(line), d, quad_segs=64)
        new = shapely.buffer(LineString(moved), d, quad_segs=64)
        got, ref = _difference_of(old, new), shapely.symmetric_difference(old, new)
        assert ref.area > 100
        assert math.isclose(got.area, ref.area, rel_tol=1e-9)
        assert shapely.symmetric_difference(got, ref).area < 1e-6
    far = LineString([(0.0, 5000.0), (4000.0, 5000.0)])  # two lines: two parts
    old = shapely.buffer(shapely.union_all([LineString(line), far]), 500.0)
    new = shapely.buffer(shapely.union_all([LineString(moved), far]), 500.0)
    assert old.geom_type == "MultiPolygon"
    ref = shapely.symmetric_difference(old, new)
    assert math.isclose(_difference_of(old, new).area, ref.area, rel_tol=1e-9)
    assert _difference_of(old, old).is_empty


def test_a_region_equal_to_the_one_before_is_touched_once() -> None:
    """The two sides of one dragged line trade the same ground: the second symmetric
    difference, coordinate for coordinate the first, is not queried again; the same
    ring from another vertex, or another region, is kept."""
    tri = shapely.Polygon([(0, 0), (10, 0), (0, 5)])
    same = shapely.Polygon([(0, 0), (10, 0), (0, 5)])
    rotated = shapely.Polygon([(10, 0), (0, 5), (0, 0)])
    other = shapely.Polygon([(0, 0), (10, 0), (0, 6)])
    assert _distinct([tri, same]) == [tri]
    assert len(_distinct([tri, rotated])) == 2
    assert _distinct([tri, other, other]) == [tri, other]
    assert _distinct([]) == []
