"""The filter language of ``where=`` (zoneplan.plan.filters, zoneplan.io.filter_rows):
parsed into a tree, applied as data, never run; every known escape refused at every entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zoneplan
from zoneplan import pack
from zoneplan.cli.main import main
from zoneplan.cli.options import parse_layer_option
from zoneplan.io.filter_rows import matching_rows
from zoneplan.plan.filters import (
    MAX_CHARS,
    And,
    Column,
    Compare,
    FilterError,
    InList,
    Literal,
    Not,
    Or,
    Truth,
    parse_filter,
)

SENTINEL = "SENTINEL"
"""Replaced by the path of a file that must never be created."""
ESCAPES = [
    "@np.ctypeslib._ctypeslib.os.system('touch SENTINEL') == 0",
    "@os",
    "@pd.io.common.os.system('touch SENTINEL')",
    "__class__",
    "__import__('os').system('touch SENTINEL')",
    "a.b.c",
    "x.__class__",
    "status.str.contains('x')",
    "lambda: 1",
    "(lambda: 1)()",
    "f'{__import__(\"os\").system(\"touch SENTINEL\")}' == 'x'",
    "status == open('SENTINEL', 'w')",
    "status == 'a\\\\' or 1 == 1",
    "a" * (MAX_CHARS + 1),
    "(" * 400 + "status == 'x'" + ")" * 400,
    "not " * 400 + "status == 'x'",
]
"""Filters that pandas ``query`` ran as code, or that would exhaust a parser."""


def _escape(text: str, sentinel: Path) -> str:
    return text.replace(SENTINEL, str(sentinel))


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "amenity": ["hospital", "clinic", None, "hospital", "school"],
        "beds": [120, 15, 40, np.nan, 0],
        "open": [True, False, True, None, False],
        "date": pd.to_datetime(["2024-01-05", "2023-12-31", None, "2024-03-01", "2024-01-05"]),
        "Status Text": ["Displaced", "Safe", "Displaced", "Safe", None],
        "count": [3, 1, 4, 1, 5],
    })


def rows(text: str) -> list[int]:
    return [int(i) for i in np.flatnonzero(matching_rows(parse_filter(text), frame(),
                                                         source="f.geojson"))]


# ------------------------------------------------------------------------------ parsing


def test_the_tree_is_what_was_written() -> None:
    f = parse_filter("amenity == 'hospital' and not (beds < 10 or `Status Text` in "
                     "('Safe', null))")
    assert f.expr == And((
        Compare(Column("amenity", 1), "==", Literal("hospital", 12)),
        Not(Or((Compare(Column("beds", 32), "<", Literal(10, 39)),
                InList(Column("Status Text", 45), (Literal("Safe", 63), Literal(None, 71)),
                       negated=False))))))
    assert f.columns == ("amenity", "beds", "Status Text")
    assert str(f) == f.text


def test_values_on_the_left_flip_and_numbers_parse() -> None:
    assert parse_filter("10 < beds").expr == Compare(Column("beds", 6), ">", Literal(10, 1))
    assert parse_filter("beds >= -2.5e1").expr == Compare(Column("beds", 1), ">=",
                                                          Literal(-25.0, 9))
    assert parse_filter("open").expr == Truth(Column("open", 1))
    assert parse_filter("x not in [1, 2,]").expr == InList(
        Column("x", 1), (Literal(1, 11), Literal(2, 14)), negated=True)
    assert parse_filter('a == "it\'s" or b == TRUE').expr == Or((
        Compare(Column("a", 1), "==", Literal("it's", 6)),
        Compare(Column("b", 16), "==", Literal(True, 21))))


@pytest.mark.parametrize("text", [
    "amenity=='hospital'", "amenity == 'hospital'", "confidence != 'low'",
    "status != 'not functional'", "StatusText == 'Displaced'"])
def test_the_filters_in_use_still_parse(text: str) -> None:
    assert isinstance(parse_filter(text).expr, Compare)


@pytest.mark.parametrize("text,at,words", [
    ("@os", 1, "'@' is not accepted"),
    ("a.b.c", 2, "'.' is not accepted"),
    ("x.__class__", 2, "'.' is not accepted"),
    ("__class__", 1, "names with '__'"),
    ("`__dict__` == 1", 1, "names with '__'"),
    ("__import__('os')", 1, "names with '__'"),
    ("lambda: 1", 1, "'lambda' is not accepted"),
    ("(lambda: 1)()", 2, "'lambda' is not accepted"),
    ("f'x' == a", 2, "no prefixed text"),
    ("a == 'x\\y'", 8, "backslashes are not accepted"),
    ("len(a) > 1", 4, "calls and indexing are not accepted"),
    ("a[0] == 1", 2, "calls and indexing"),
    ("a = 1", 3, "write '=='"),
    ("a == 1 & b == 2", 8, "write 'and'"),
    ("a == 1 | b == 2", 8, "write 'or'"),
    ("~a", 1, "write 'not'"),
    ("1 < a < 5", 7, "cannot be chained"),
    ("a == b", 6, "not with another column"),
    ("1 == 1", 1, "compares two values"),
    ("'x'", 1, "a value alone is not a condition"),
    ("a in 'x'", 6, "needs a list"),
    ("a in ()", 6, "the list is empty"),
    ("a in (1, 'x')", 6, "mixes numbers and text"),
    ("a in (b)", 7, "a list holds values only"),
    ("a < null", 3, "cannot compare with true, false or null"),
    ("a == 'x", 6, "never closed"),
    ("`a == 1", 1, "never closed"),
    ("a ==", 5, "got the end of the filter"),
    ("(a == 1", 8, "expected ')'"),
    ("a == 1)", 7, "cannot follow here"),
    ("a == 1e400", 6, "too large"),
    ("a == 0x1f", 7, "no prefixed text"),
    ("a is None", 3, "'is' is not accepted"),
    ("a == \ud800", 6, "U+D800"),
    ("", 1, "the filter is empty"),
    ("a" * (MAX_CHARS + 1), MAX_CHARS + 1, f"at most {MAX_CHARS:,} characters"),
    ("(" * 40 + "a == 1" + ")" * 40, 32, "nested more than"),
])
def test_errors_name_the_character_and_the_problem(text: str, at: int, words: str) -> None:
    with pytest.raises(FilterError) as ei:
        parse_filter(text)
    message = ei.value.message
    assert message.startswith("where=") and f": at character {at}: " in message, message
    assert words in message
    assert "==, !=, <, <=, >, >=, in" in (ei.value.suggestion or "")
    assert ei.value.exit_code == 2


# ---------------------------------------------------------------------------- applying


@pytest.mark.parametrize("text,expected", [
    ("amenity == 'hospital'", [0, 3]),
    ("amenity != 'hospital'", [1, 2, 4]),  # a missing value equals nothing
    ("'hospital' == amenity", [0, 3]),
    ("amenity > 'h'", [0, 3, 4]),
    ("beds >= 40", [0, 2]),
    ("beds < 40", [1, 4]),  # NaN is below nothing
    ("beds != 15", [0, 2, 3, 4]),
    ("beds == null", [3]),
    ("amenity != null", [0, 1, 3, 4]),
    ("count == 1 or count == 5", [1, 3, 4]),
    ("count in (3, 4) and not amenity == 'hospital'", [2]),
    ("amenity in ('clinic', 'school', null)", [1, 2, 4]),
    ("amenity not in ('clinic', 'school')", [0, 2, 3]),
    ("open", [0, 2]),
    ("not open", [1, 3, 4]),
    ("open == false", [1, 4]),
    ("date >= '2024-01-05'", [0, 3, 4]),
    ("date == '2024-01-05'", [0, 4]),
    ("date != '2024-01-05'", [1, 2, 3]),
    ("`Status Text` == 'Displaced' and (beds > 100 or beds == 40)", [0, 2]),
    ("not (not (count > 3))", [2, 4]),
])
def test_rows_kept_by_hand(text: str, expected: list[int]) -> None:
    assert rows(text) == expected


@pytest.mark.parametrize("text,words,hint", [
    ("beds == '15'", "column 'beds' holds numbers; it cannot be compared with text",
     "beds > 10"),
    ("amenity == 5", "column 'amenity' holds text; it cannot be compared with numbers",
     "in quotes"),
    ("open == 'yes'", "holds true/false values", "open == true"),
    ("date < 5", "holds dates", "'2024-01-31'"),
    ("date < 'soon'", "'soon' is not a date", "YYYY-MM-DD"),
    ("amenity", "holds text, not true/false", "compare it with a value"),
])
def test_a_value_of_another_kind_is_refused(text: str, words: str, hint: str) -> None:
    with pytest.raises(FilterError) as ei:
        rows(text)
    assert ei.value.path == "f.geojson" and words in ei.value.message
    assert "at character" in ei.value.message and hint in (ei.value.suggestion or "")


def test_an_unknown_column_names_the_file_and_the_columns() -> None:
    with pytest.raises(FilterError) as ei:
        rows("amenty == 'hospital'")  # (first use at character 1)
    err = ei.value
    assert err.path == "f.geojson" and "'amenty', which f.geojson does not have" in err.message
    assert "at character 1: the filter names the column" in err.message
    assert "did you mean 'amenity'?" in (err.suggestion or "")
    assert "amenity, beds, open, date, Status Text, count" in (err.suggestion or "")


def test_a_mixed_column_compares_like_with_like() -> None:
    df = pd.DataFrame({"v": ["5", 5, None, 5.0, "x"]})
    keep = matching_rows(parse_filter("v == 5"), df, source="m")
    assert keep.tolist() == [False, True, False, True, False]
    with pytest.raises(FilterError, match="both text and numbers"):
        matching_rows(parse_filter("v > 5"), df, source="m")


def test_built_in_hospitals_by_hand() -> None:
    """The built-in table filtered by status, against a count made row by row."""
    status = pack.hospital_rows().texts("status")
    expected = [i for i, s in enumerate(status) if s != "not functional"]
    got = np.flatnonzero(matching_rows(parse_filter("status != 'not functional'"),
                                       pack.builtin_layer("gaza:hospitals"),
                                       source="gaza:hospitals"))
    assert got.tolist() == expected and 0 < len(expected) < len(status)


def test_layer_option_keeps_a_list_whole() -> None:
    name, ref = parse_layer_option("hospitals=h.geojson,where=status in ('a', 'b'),beds=beds")
    assert (name, ref.where, ref.beds) == ("hospitals", "status in ('a', 'b')", "beds")


# ------------------------------------------------------------------------------- fuzzing

_PIECES = st.sampled_from([
    "a", "b", "`c d`", "__x", "==", "!=", "<", ">=", "and", "or", "not", "in", "(", ")",
    "[", "]", ",", "'t'", '"u"', "1", "-2.5", "1e3", "true", "null", "@", ".", "\\", "lambda",
    ":", "f'", "'", "`", " ", "=", "&", "|", "~", "\ud800", "\x00", "\n", "é", "ب"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=25).map(" ".join),
                 st.lists(_PIECES, max_size=25).map("".join)))
def test_no_text_raises_anything_but_a_filter_error(text: str) -> None:
    try:
        f = parse_filter(text)
    except FilterError as exc:
        assert "at character" in exc.message
        return
    df = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", None, "t"], "c d": [True, False, None]})
    try:
        keep = matching_rows(f, df, source="fuzz")
    except FilterError:
        return
    assert keep.dtype == bool and keep.shape == (3,)


# --------------------------------------------------------------- escapes at every door


def _plan_with(where: str, folder: Path) -> Path:
    data = yaml.safe_load(Path(zoneplan.plan.builtin_plan_path("green-red-2025-11"))
                          .read_text(encoding="utf-8"))
    data.setdefault("layers", {})["hospitals"] = {"path": "gaza:hospitals", "where": where}
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _refused(code: int, capsys: pytest.CaptureFixture[str], sentinel: Path) -> str:
    err = capsys.readouterr().err
    assert code == 2, err
    assert "at character" in err and "Traceback" not in err
    assert not sentinel.exists()
    return err


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_refused_on_the_command_line(escape: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    sentinel = tmp_path / "X"
    where = _escape(escape, sentinel)
    code = main(["run", "--no-ranges", "--layer", f"hospitals=gaza:hospitals,where={where}"])
    _refused(code, capsys, sentinel)
    plan = _plan_with(where, tmp_path)
    for command in ("validate", "run"):
        err = _refused(main([command, str(plan)]), capsys, sentinel)
        assert "plan.yaml, line" in err and "'layers.hospitals.where'" in err
    layer = tmp_path / "orders.geojson"
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "x"}, "geometry": {
            "type": "Polygon", "coordinates": [[[34.4, 31.4], [34.41, 31.4], [34.41, 31.41],
                                                [34.4, 31.4]]]}}]}))
    err = _refused(main(["timeline", f"{layer}@2024-01-01", "--where", where]), capsys,
                   sentinel)
    assert "--where" in err


@pytest.mark.parametrize("escape", ESCAPES)
def test_escapes_refused_by_the_editor(escape: str, tmp_path: Path) -> None:
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from zoneplan.web.app import create_app

    sentinel = tmp_path / "X"
    (tmp_path / "saved").mkdir()
    client = TestClient(create_app("green-red-2025-11", save_dir=tmp_path / "saved"),
                        base_url="http://127.0.0.1")
    data: dict[str, Any] = yaml.safe_load(_plan_with(_escape(escape, sentinel), tmp_path)
                                          .read_text(encoding="utf-8"))
    for path, body in (("/api/evaluate", {"plan": data, "ranges": False}),
                       ("/api/save", {"plan": data, "id": "esc", "title": "t"})):
        r = client.post(path, json=body)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert "layers.hospitals.where" in detail["message"]
        assert "at character" in detail["message"] and "==" in detail["suggestion"]
    assert not sentinel.exists() and list((tmp_path / "saved").iterdir()) == []


def test_a_good_filter_works_at_every_door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The same filter from --layer and from a plan file gives the same hospitals, fewer
    than without it (the not-functional ones are left out)."""
    monkeypatch.chdir(tmp_path)
    where = "status != 'not functional'"
    assert main(["run", "--no-ranges", "-f", "json", "--layer",
                 f"hospitals=gaza:hospitals,where={where}"]) == 0
    by_option = json.loads(capsys.readouterr().out)
    assert main(["run", "--no-ranges", "-f", "json", str(_plan_with(where, tmp_path))]) == 0
    by_plan = json.loads(capsys.readouterr().out)
    assert main(["run", "green-red-2025-11", "--no-ranges", "-f", "json"]) == 0
    whole = json.loads(capsys.readouterr().out)

    def hospitals(d: dict[str, Any]) -> list[Any]:
        return [z["hospitals"] for z in d["zones"]]

    assert by_option["plan"]["id"] == by_plan["plan"]["id"] == "green-red-2025-11"
    assert hospitals(by_plan) == hospitals(by_option)
    assert sum(hospitals(by_plan)) < sum(hospitals(whole))
