"""The built-in Gaza pack: shapes, totals and the population spread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zoneplan import pack
from zoneplan.measure.population.population_sources import builtin_population


def test_outline_area_matches_factpack() -> None:
    from zoneplan.geometry import project

    assert project(pack.outline(), pack.PACK_CRS).area / 1e6 == pytest.approx(363.74, abs=0.01)


def test_governorates_tile_the_outline() -> None:
    g = pack.governorates().to_crs(pack.PACK_CRS)
    assert list(g["name"]) == ["North Gaza", "Gaza", "Deir al-Balah", "Khan Younis", "Rafah"]
    areas = dict(zip(g["name"], g.area / 1e6, strict=True))
    assert areas["North Gaza"] == pytest.approx(61.05, abs=0.05)
    assert areas["Khan Younis"] == pytest.approx(106.37, abs=0.05)
    assert g.area.sum() / 1e6 == pytest.approx(363.74, abs=0.01)


@pytest.mark.parametrize("method", ["median", "localities", "buildings", "municipalities",
                                    "uniform", "points"])
def test_population_conserves_each_governorate(method: str) -> None:
    pop = builtin_population()
    g = pack.governorates().to_crs(pack.PACK_CRS)
    for geom, total in zip(g.geometry, g["population"], strict=True):
        # read back through zone coverage: cells straddling a governorate boundary mix
        # two governorates, so the read-back is close but not exact
        idx, frac = pop.grid.coverage(geom)
        assert float((pop.counts[method][idx] * frac).sum()) == pytest.approx(total, rel=0.02)
    assert pop.total(method) == pytest.approx(2_213_876, rel=1e-12)


def test_population_ensemble_is_three_spreads_and_two_extremes() -> None:
    pop = builtin_population()
    assert pop.central == "median"
    assert pop.members == ["localities", "buildings", "municipalities"]
    assert pop.extremes == ["uniform", "points"]
    assert pop.spread_labels["uniform"] == "uniform spread"
    assert pop.spread_labels["points"] == "locality points"
    # the locality-point extreme puts people in at most one cell per locality (33)
    assert 0 < np.count_nonzero(pop.counts["points"]) <= 33
    # the central spread lies, cell by cell, between the members' lowest and highest
    # (up to the per-governorate rescaling, which is close to 1)
    members = np.vstack([pop.counts[m] for m in pop.members])
    med = pop.counts["median"]
    busy = members.max(axis=0) > 1.0
    assert np.all(med[busy] >= 0.8 * members.min(axis=0)[busy])
    assert np.all(med[busy] <= 1.25 * members.max(axis=0)[busy])


def test_kernel_puts_people_near_towns() -> None:
    pop = builtin_population()
    locs = pack.localities().to_crs(pack.PACK_CRS)
    gaza_city = locs[locs["name"] == "Gaza City"].geometry.iloc[0]
    d = np.hypot(pop.grid.x - gaza_city.x, pop.grid.y - gaza_city.y)
    near = d < 2000
    dens = {m: pop.counts[m][near].sum() / pop.grid.area_m2[near].sum() for m in pop.counts}
    # every ensemble member puts people in and around the city, the uniform extreme not
    for m in ("median", "localities", "buildings", "municipalities"):
        assert dens[m] > 1.5 * dens["uniform"], m


def test_localities_and_hospitals() -> None:
    locs = pack.localities()
    assert len(locs) == 33 and locs["imputed"].sum() == 4
    assert locs.loc[locs["imputed"], "weight"].sum() == pytest.approx(pack.MISSING_LOCALITIES_TOTAL)
    h = pack.hospitals()
    assert len(h) == 38
    # pre-war beds are known for 12 hospitals (factpack hospital_beds.csv); ranges bracket them
    assert h["beds"].notna().sum() == 12
    known = h["beds"].notna()
    assert (h.loc[known, "beds_low"] <= h.loc[known, "beds"]).all()
    assert (h.loc[known, "beds"] <= h.loc[known, "beds_high"]).all()
    assert set(h["status"]) <= set(pack.tables.HOSPITAL_STATUSES)


@pytest.mark.parametrize(("rows", "frame"), [
    ("locality_rows", "localities"), ("governorate_rows", "governorates"),
    ("hospital_rows", "hospitals"), ("crossing_rows", "crossings"), ("damage_rows", "damage"),
    ("municipality_rows", "municipalities")])
def test_plain_rows_and_frames_are_one_table(rows: str, frame: str) -> None:
    """Measuring reads the plain rows, maps the GeoDataFrames: the same values, the same
    geometries (bit for bit), in the same order."""
    import shapely

    r, g = getattr(pack, rows)(), getattr(pack, frame)()
    assert len(r) == len(g) and list(g.index) == list(range(len(g)))
    assert set(r.columns) | {"geometry"} == set(g.columns)
    for name, values in r.columns.items():
        assert [None if v != v else v for v in values] == \
            [None if v is None or v != v else v for v in g[name].tolist()], name
    assert [None if x is None else shapely.to_wkb(x) for x in r.geometry] == \
        [None if x is None else shapely.to_wkb(x) for x in g.geometry]


def test_point_layers_of_the_pack_make_their_frames_when_asked() -> None:
    from zoneplan.io.layers import crossings_layer, hospital_layers
    from zoneplan.plan import LayerRef, load_plan

    plan = load_plan("green-red-2025-11")
    central, every = hospital_layers(plan)
    assert central is not None and every is not None
    assert len(every.gdf) == len(pack.hospitals()) == len(every) == 38
    h = pack.hospitals()
    assert list(central.gdf.index) == list(h.index[h["confidence"].isin(["high", "medium"])])
    assert list(central.gdf["beds"].fillna(-1)) == list(np.nan_to_num(central.values["beds"],
                                                                       nan=-1))
    crossings = crossings_layer(plan)
    assert crossings is not None and list(crossings.gdf["id"]) == list(crossings.values["id"])
    filtered = plan.with_layers({"hospitals": LayerRef(
        path="gaza:hospitals", where="status != 'not functional'")})
    kept, _ = hospital_layers(filtered)
    assert kept is not None and 0 < len(kept) < len(central)
    assert set(kept.gdf["status"]) <= {"functional", "partially functional", "unknown"}
    assert [p.wkb for p in kept.points] == [p.wkb for p in kept.gdf.geometry]


def test_unknown_builtin_layer_suggests() -> None:
    from zoneplan.errors import InputError

    with pytest.raises(InputError, match="did you mean 'gaza:outline'"):
        pack.builtin_layer("gaza:outlin")


@pytest.mark.slow
@pytest.mark.realdata
def test_pack_tables_derive_from_shared_data(shared_data: Path) -> None:
    """Every pack table that comes from a real layer is re-derived and compared."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, str(repo / "scripts" / "derive_pack.py"), "--check"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_unosat_source_states_the_published_total_and_the_layer_rows_apart() -> None:
    # UNOSAT published 198,273 affected structures (11 Oct 2025 imagery, FACTS.md); the
    # pack's 500 m clusters add up to 198,308: the title names the first, a note the second
    from zoneplan.pack.sources import PACK_SOURCES

    src = next(s for s in PACK_SOURCES if s["id"] == "unosat-cda-2025-10-11")
    assert "198,273" in src["title"] and "198,308" not in src["title"]
    assert "198,308" in src["note"] and "1,196" in src["note"]
    dmg = pack.damage_rows()
    assert len(dmg.numbers("count")) == 1196
    assert float(np.sum(dmg.numbers("count"))) == 198_308
