"""The typed result (zoneplan.result, zoneplan.records): its JSON Schema holds for every
output of ``zoneplan run --format json``, and can fail.

The outputs are made as the command makes them (``main([...])``, its printed text): every
built-in plan, a quick run from files, a run ``--by`` areas and a run with ``--samples``.
"""

from __future__ import annotations

import copy
import json
import pickle
import typing
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import SQUARE_UTM, utm_to_lonlat, write_geojson
from zoneplan.cli.app import main
from zoneplan.plan import builtin_plan_ids
from zoneplan.plan.rules.definitions import INDICATORS, ZONE_KEYS
from zoneplan.records import (
    Figures,
    Percentiles,
    SamplesRecord,
    ZoneRecord,
    result_schema,
    result_schema_text,
)
from zoneplan.result import is_number

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "docs" / "result.schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = result_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """What ``zoneplan run ARGS --format json`` prints, read back."""
    assert main(["run", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _errors(validator: Draft202012Validator, doc: Any) -> list[str]:
    docs = doc if isinstance(doc, list) else [doc]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for d in docs for e in validator.iter_errors(d)]


@pytest.mark.parametrize("plan", builtin_plan_ids())
def test_every_built_in_plan_holds_to_the_schema(
        plan: str, validator: Draft202012Validator, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(capsys, plan)
    assert doc["zones"] and _errors(validator, doc) == []


def test_a_run_without_ranges_and_a_list_of_plans_hold(
        validator: Draft202012Validator, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _run(capsys, "baseline-2023", "ceasefire-2025-10", "--no-ranges")
    assert isinstance(docs, list) and len(docs) == 2
    assert _errors(validator, docs) == []


def test_a_quick_run_holds(tmp_path: Path, validator: Draft202012Validator,
                           capsys: pytest.CaptureFixture[str]) -> None:
    x0, y0, x1, y1 = SQUARE_UTM
    ring = [utm_to_lonlat(*p) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    write_geojson(tmp_path / "t.geojson", [{"type": "Feature", "properties": {},
                                            "geometry": {"type": "Polygon",
                                                         "coordinates": [ring]}}])
    line = [utm_to_lonlat(x0 + 500, y0 - 100), utm_to_lonlat(x0 + 500, y1 + 100)]
    write_geojson(tmp_path / "l.geojson", [{"type": "Feature", "properties": {},
                                            "geometry": {"type": "LineString",
                                                         "coordinates": line}}])
    write_geojson(tmp_path / "p.geojson", [{"type": "Feature", "properties": {"pop": 1000},
                                            "geometry": {"type": "Polygon",
                                                         "coordinates": [ring]}}])
    doc = _run(capsys, "--territory", str(tmp_path / "t.geojson"),
               "--line", str(tmp_path / "l.geojson"),
               "--layer", f"population={tmp_path / 'p.geojson'},count=pop")
    assert [z["id"] for z in doc["zones"]] == ["west", "east"]
    assert _errors(validator, doc) == []


def test_a_run_by_areas_holds(validator: Draft202012Validator,
                              capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(capsys, "green-red-2025-11", "--by", "gaza:governorates")
    assert doc["by"]["areas"] and doc["by_area"]
    assert all("ranges" in r for r in doc["by_area"])
    assert _errors(validator, doc) == []


def test_a_run_with_samples_holds(validator: Draft202012Validator,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(capsys, "green-red-2025-11", "--samples", "8", "--seed", "1",
               "--scheduler", "serial", "--no-ranges")
    assert doc["samples"]["n"] == 8
    assert doc["zones"][0]["distribution"]["area_km2"]["n"] == 8
    assert doc["totals"]["distribution"]["residents"]["n"] == 8
    assert _errors(validator, doc) == []


@pytest.mark.realdata
def test_a_quick_run_of_real_zones_holds(shared_data: Path, validator: Draft202012Validator,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    doc = _run(capsys, "--territory",
               str(shared_data / "ocha-cod-ab-pse-2023" / "gaza_strip_adm1_cod.geojson"),
               "--zones", str(shared_data / "ocha-gaza-municipal-boundaries-2019"
                              / "GazaStrip_MunicipalBoundaries.geojson"), "--no-ranges")
    assert len(doc["zones"]) > 20 and _errors(validator, doc) == []


@pytest.fixture(scope="module")
def baseline_doc() -> Any:
    from zoneplan.evaluate import evaluate
    from zoneplan.result import json_ready

    return json_ready(evaluate("green-red-2025-11", ranges=False).data)


@pytest.mark.parametrize("breaks,why", [
    (lambda d: d["zones"][0].pop("residents"), "'residents' is a required property"),
    (lambda d: d["zones"][1].pop("null_reasons"), "'null_reasons' is a required property"),
    (lambda d: d["zones"][0].update(area_km2="196 km²"), "'196 km²' is not valid"),
    (lambda d: d["zones"][0].update(hospitals=2.5), "2.5 is not valid"),
    (lambda d: d["zones"][0].update(reconstruction="yes"), "'yes' is not of type 'boolean'"),
    (lambda d: d["zones"][0]["standards"].pop("sphere-camp-area"),
     "'sphere-camp-area' is a required property"),
    (lambda d: d["zones"][0].update(area_m2=1.0), "'area_m2' was unexpected"),
    (lambda d: d["totals"].pop("ranges"), "'ranges' is a required property"),
    (lambda d: d.pop("provenance"), "'provenance' is a required property"),
    (lambda d: d["provenance"]["inputs"][0].pop("sha256"), "'sha256' is a required property"),
    (lambda d: d["claims"][0].update(verdict=None), "None is not of type 'string'"),
    (lambda d: d["crossings"][0].update(located=1), "1 is not of type 'boolean'"),
    (lambda d: d["forces"][0].update(personnel="1,500"), "'1,500' is not of type 'integer'"),
])
def test_the_schema_can_fail(baseline_doc: Any, validator: Draft202012Validator,
                             breaks: Any, why: str) -> None:
    assert _errors(validator, baseline_doc) == []
    doc = copy.deepcopy(baseline_doc)
    breaks(doc)
    errors = _errors(validator, doc)
    assert errors and any(why in e for e in errors), errors


def test_every_zone_record_key_is_required_and_units_are_described() -> None:
    zone = result_schema()["$defs"]["ZoneRecord"]
    assert set(ZONE_KEYS) <= set(zone["required"])
    assert {"id", "label", "access", "standards", "ranges", "distribution",
            "null_reasons", "notes"} <= set(zone["required"])
    assert "damage_by_class" not in zone["required"]  # only where the layer has classes
    assert zone["additionalProperties"] is False
    assert zone["properties"]["area_km2"]["description"].startswith("Area (km²).")
    assert "(people per km²)" in zone["properties"]["density_per_km2"]["description"]
    totals = result_schema()["$defs"]["TotalsRecord"]
    assert "(personnel per 1,000 residents)" in totals["properties"]["forces_per_1000"][
        "description"]


def test_the_records_name_every_indicator_with_its_type() -> None:
    """Figures (zones and totals) holds exactly the indicators of plan.definitions, in
    their order; counts are integers, yes/no figures booleans, the rest numbers."""
    hints = typing.get_type_hints(Figures)
    assert tuple(hints) == ZONE_KEYS
    want = {"count": int, "yes/no": bool}
    for key, ind in INDICATORS.items():
        assert hints[key] == (want.get(ind.unit, float) | None), key


def test_the_zone_keys_come_in_the_records_order(baseline_doc: Any) -> None:
    """A zone's keys are written in the order ZoneRecord names them (the schema's)."""
    fixed = ["id", "label", "controller", "access", "reconstruction", "colour"]
    assert list(baseline_doc["zones"][0])[:6] == fixed
    assert list(baseline_doc["zones"][0])[6:6 + len(ZONE_KEYS)] == list(ZONE_KEYS)
    named = [k for k in typing.get_type_hints(ZoneRecord) if k != "damage_by_class"]
    assert all(list(z) == named for z in baseline_doc["zones"])
    assert list(result_schema()["$defs"]["ZoneRecord"]["properties"])[:6] == fixed


def test_schema_command_prints_the_result_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--result"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == result_schema()
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert main(["schema"]) == 0  # the plan format's, as before
    assert "ResultDocument" not in capsys.readouterr().out


def test_published_schema_is_current() -> None:
    """docs/result.schema.json is what ``zoneplan schema --result`` prints (regenerate:
    ``zoneplan schema --result > docs/result.schema.json``)."""
    assert PUBLISHED.read_text(encoding="utf-8") == result_schema_text() + "\n"


@pytest.mark.parametrize("value,number,finite", [
    (3, True, True), (2.5, True, True), (-0.0, True, True),
    (float("nan"), True, False), (float("inf"), True, False),
    (True, False, False), (False, False, False), (None, False, False),
    ("1", False, False), ([1.0], False, False),
])
def test_is_number(value: Any, number: bool, finite: bool) -> None:
    assert is_number(value) is number
    assert is_number(value, finite=True) is finite


def test_is_number_takes_numpy_floats() -> None:
    import numpy as np

    assert is_number(np.float64(1.5)) and not is_number(np.bool_(True))


def test_draws_join_the_result_before_it_is_made() -> None:
    """Evaluation.result(samples) makes the whole document with the draws' part in it;
    every other key is what the result without draws holds."""
    from zoneplan.evaluate import measure_inputs
    from zoneplan.measure.inputs import prepare
    from zoneplan.result import SampleFigures

    measured = measure_inputs(prepare(_plan("baseline-2023")), ranges=False)
    plain = measured.result().data
    zid = plain["zones"][0]["id"]
    pct: Percentiles = {"p5": 1.0, "p50": 2.0, "p95": 3.0, "n": 4}
    record: SamplesRecord = {
        "n": 4, "seed": 7, "method": "by hand", "scheduler": "serial", "workers": 1,
        "percentiles": [5.0, 50.0, 95.0], "lines": [], "spreads": ["a"], "force_cases": 1,
        "redraws": 0, "measured_on_blocks": False, "notes": []}
    drawn = measured.result(SampleFigures(zones={zid: {"residents": pct}},
                                          totals={"residents": None},
                                          record=record)).data
    assert drawn["zones"][0]["distribution"] == {"residents": pct}
    assert all(z["distribution"] == {} for z in drawn["zones"][1:])
    assert drawn["totals"]["distribution"] == {"residents": None}
    assert drawn["samples"] == record and plain["samples"] is None
    assert plain["zones"][0]["distribution"] == {} and plain["totals"]["distribution"] == {}
    assert list(drawn) == list(plain)  # the same keys in the same order
    before, after = dict(plain), dict(drawn)
    for key in before.keys() - {"zones", "totals", "samples", "provenance"}:
        assert after[key] == before[key], key


def _plan(name: str) -> Any:
    from zoneplan.plan import load_plan

    return load_plan(name)


def test_pre_war_range_shows_both_labelled_extremes() -> None:
    # the default plan's east zone under the two labelled extremes of the built-in
    # population: uniform density in each governorate, and every locality's share of its
    # governorate at the locality (computed here point by point, independently of the grid)
    import numpy as np
    import shapely

    import zoneplan
    from zoneplan import pack
    from zoneplan.render.words.text import fmt_extremes

    r = zoneplan.evaluate("green-red-2025-11")
    d = r.to_dict()
    green = next(z for z in d["zones"] if z["id"] == "green")
    ext = {e["spread"]: e for e in green["extremes"]["residents_baseline"]}
    assert [e["label"] for e in green["extremes"]["residents_baseline"]] == [
        "uniform spread", "locality points"]
    assert {e["id"]: e["label"] for e in d["extremes"]} == {
        "uniform": "uniform spread", "points": "locality points"}
    lo, hi = green["ranges"]["residents_baseline"]
    assert not lo <= ext["uniform"]["value"] <= hi  # shown beside the range, not in it
    assert not lo <= ext["points"]["value"] <= hi
    # uniform: people in proportion to area; each governorate's density times the
    # zone's area in it
    gov = pack.governorate_rows()
    green_geom = r.layout.zones[0].geometry
    assert r.layout.zones[0].id == "green"
    from zoneplan.geometry import project

    uniform = sum(t * project(g, r.layout.crs).intersection(green_geom).area
                  / project(g, r.layout.crs).area
                  for g, t in zip(gov.geometry, gov.numbers("population"), strict=True))
    assert ext["uniform"]["value"] == pytest.approx(uniform, rel=0.005)
    locs = pack.locality_rows()
    xy, w, name = locs.xy(r.layout.crs), locs.numbers("weight"), locs.columns["governorate"]
    inside = shapely.covers(green_geom, shapely.points(xy))
    points = 0.0
    for g, t in zip(gov.columns["name"], gov.numbers("population"), strict=True):
        mine = np.array([n == g for n in name])
        points += float(t * np.sum(w[mine & inside]) / np.sum(w[mine]))
    # the grid holds each locality in its nearest 250 m cell, which the line may cut
    assert ext["points"]["value"] == pytest.approx(points, rel=0.02)
    assert fmt_extremes(green, "residents_baseline") == (
        "extremes: uniform spread 1.13 M, locality points 0.47 M")
    # the terminal and the report say the same, beside the range
    import io

    from rich.console import Console

    from zoneplan.render.pages.html import render_report_html
    from zoneplan.render.words.terminal import print_result

    con = Console(width=120, record=True, file=io.StringIO())
    print_result(d, con)
    text = con.export_text()
    assert "extremes: uniform spread 1.13 M," in text and "locality points 0.47 M" in text
    page = render_report_html(d, report_map=None, charts=[])
    assert ("783,625–1,035,458 (extremes: uniform spread 1.13 M, locality points 0.47 M; "
            "never an end of the range)") in page


def test_json_chunks_clean_writes_the_text_of_the_clean_copy() -> None:
    """Data cleaned as it is written (``clean=True``) gives the bytes of the cleaned copy,
    with NaN, infinities, numpy scalars and tuples in some zones and not in others, for
    a few zones (indented) and for more than INDENT_ZONES (zone by zone)."""
    import json as _json

    import numpy as _np

    from zoneplan.result import INDENT_ZONES, json_chunks, json_ready

    for n in (3, INDENT_ZONES + 5):
        zones = [{"id": f"zone-{i}", "area_km2": 1.5 * i, "label": "Ré",
                  "density": float("nan") if i % 7 == 0 else 2.0,
                  "count": _np.int64(i) if i % 5 == 0 else i,
                  "share": _np.float32(0.25) if i % 11 == 0 else 0.5,
                  "range": (1.0, float("inf")) if i % 3 == 0 else [1.0, 2.0],
                  "ranges": {"area_km2": [0.5, 2.5], "density": None}} for i in range(n)]
        data = {"plan": {"id": "p", "total": float("-inf")}, "zones": zones,
                "totals": {"residents": 1.0, "nan": float("nan")}}
        want = "".join(json_chunks(json_ready(data)))
        got = "".join(json_chunks(data, clean=True))
        assert got == want
        parsed = _json.loads(got)  # strict JSON: NaN and infinities written as null
        assert parsed["zones"][0]["density"] is None
        assert parsed["zones"][0]["range"] == [1.0, None]
        assert parsed["zones"][1]["range"] == [1.0, 2.0]
        assert parsed["zones"][0]["count"] == 0 and parsed["zones"][0]["share"] == 0.25
        assert parsed["plan"]["total"] is None
        assert "NaN" not in got and "Infinity" not in got


@pytest.fixture(scope="module")
def measured_default() -> Any:
    """The default plan measured with its ranges and labelled extremes."""
    from zoneplan.evaluate import measure_inputs
    from zoneplan.measure.inputs import prepare

    return measure_inputs(prepare(_plan("ceasefire-2025-10")))


def test_zone_records_as_columns_are_the_records(measured_default: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A result's zones kept as columns (ZoneRecords, made a block at a time) read, write
    and compare as the list of records made at once, NaN and all."""
    import math

    import zoneplan.result as result_module
    from zoneplan.result import ZoneRecords, json_chunks, json_ready

    zones_run = measured_default.central.zones
    zones_run[list(zones_run)[1]]["width_km"] = math.nan  # written as null, in both forms
    listed = measured_default.result().data
    monkeypatch.setattr(result_module, "COLUMN_ZONES", 0)
    monkeypatch.setattr(result_module, "BLOCK_ZONES", 1)
    columns = measured_default.result().data
    zones = columns["zones"]
    assert isinstance(zones, ZoneRecords) and isinstance(listed["zones"], list)
    n = len(listed["zones"])
    assert n >= 2 and len(zones) == n
    assert zones == listed["zones"] and list(zones) == listed["zones"]
    assert zones[-1] == listed["zones"][-1] and zones[::-1] == listed["zones"][::-1]
    assert zones[0] is not zones[0]  # made when read, not kept
    with pytest.raises(IndexError):
        zones[n]
    assert listed["zones"][1]["width_km"] != listed["zones"][1]["width_km"]  # NaN
    assert listed["zones"][0]["extremes"]["residents_baseline"]  # the extremes are read
    assert json_ready(columns) == json_ready(listed)
    assert json_ready({"zones": pickle.loads(pickle.dumps(zones))}) == json_ready(
        {"zones": listed["zones"]})  # as sent to another process
    for data in (columns, [columns, columns]):  # one result, and a list of them
        other = listed if data is columns else [listed, listed]
        assert "".join(json_chunks(data, clean=True)) == "".join(json_chunks(other,
                                                                             clean=True))
    text = "".join(json_chunks(columns, clean=True))
    assert json.loads(text)["zones"][1]["width_km"] is None
    assert "".join(json_chunks(json_ready(columns))) == "".join(json_chunks(
        json_ready(listed)))


def test_zone_records_read_a_run_s_figures_once() -> None:
    """Made from the columns of the central run, the records leave its zones unbuilt
    (no dict per zone kept in the run)."""
    from zoneplan.evaluate import measure_inputs
    from zoneplan.measure.inputs import prepare
    from zoneplan.result import _ZoneColumns

    measured = measure_inputs(prepare(_plan("baseline-2023")), ranges=False)
    m = measured.central
    columns = _ZoneColumns(measured.inputs.plan, measured.layout, m,
                           measured.zone_ranges, None)
    records = columns.records(0, len(columns))
    assert [r["id"] for r in records] == [z.id for z in measured.layout.zones]
    assert not m.zones._rows and not m.reasons._rows  # nothing kept in the run
    assert records[0]["area_km2"] == m.zones.table.cols["area_km2"][0]
