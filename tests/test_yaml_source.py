"""Plans read as YAML 1.2 (zoneplan.plan.yaml_source.PlanLoader): what is a number, a
flag and text; NaN, infinity and tags refused with their place."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zoneplan.errors import PlanError
from zoneplan.plan import yaml_source
from zoneplan.plan.yaml_source import MAX_YAML_DEPTH, read_yaml

# each value as YAML 1.2's core schema reads it (hand-written from the spec, 10.3.2)
READ_AS: list[tuple[str, Any]] = [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"),
    ("Yes", "Yes"), ("OFF", "OFF"),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
    ("~", None), ("null", None), ("", None),
    ("12", 12), ("+12", 12), ("-12", -12), ("0123", 123), ("0o17", 15), ("0x1F", 31),
    ("1:40:00", "1:40:00"), ("10_000", "10_000"), ("0b101", "0b101"),
    ("1e3", 1000.0), ("1.5", 1.5), (".5", 0.5), ("-.5", -0.5), ("1.", 1.0),
    ("2.5e-3", 0.0025), ("Infinity", "Infinity"), ("NaN", "NaN"), ("-.nan", "-.nan"),
    ("=", "="), ("2025-11-14", dt.date(2025, 11, 14)),
]


@pytest.mark.parametrize(("text", "value"), READ_AS, ids=[t or "empty" for t, _ in READ_AS])
def test_values_read_as_yaml_1_2(text: str, value: Any) -> None:
    data, _ = read_yaml(f"a: {text}\n", "p.yaml")
    assert data["a"] == value
    assert type(data["a"]) is type(value)


@pytest.mark.parametrize("text", [".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN",
                                  ".NAN", "1e999", "-1e400"])
def test_non_finite_numbers_refused_with_their_place(text: str) -> None:
    with pytest.raises(PlanError) as info:
        read_yaml(f"id: x\nzones:\n  - {{id: z, capacity: {text}}}\n", "p.yaml")
    assert info.value.location == "line 3, column 23"
    assert info.value.message == (f"'zones[0].capacity' must be a finite number, got {text}")
    assert info.value.suggestion


@pytest.mark.parametrize(("text", "shown"), [
    ("!!binary aGVsbG8=", "!!binary"), ("!!float '1'", "!!float"), ("!!int '7'", "!!int"),
    ("!!str 7", "!!str"), ("!custom x", "!custom"), ("! 12", "!"),
    ("!!python/object:os.system x", "!!python/object:os.system")])
def test_every_explicit_tag_refused(text: str, shown: str) -> None:
    with pytest.raises(PlanError) as info:
        read_yaml(f"a: 1\nb: {text}\n", "p.yaml")
    assert info.value.message == f"the tag '{shown}' is not accepted in a plan"
    assert info.value.location == "line 2, column 4"


def test_tags_on_mappings_and_lists_refused() -> None:
    for text in ("b: !!map {c: 1}", "b: !!seq [1]", "b: !!set {c}", "b: !!omap [{c: 1}]"):
        with pytest.raises(PlanError, match="is not accepted in a plan"):
            read_yaml(text, "p.yaml")


def test_merge_keys_and_anchors_still_read() -> None:
    data, _ = read_yaml("b: &x {c: 1}\na: {<<: *x, d: 2}\n", "p.yaml")
    assert data == {"b": {"c": 1}, "a": {"c": 1, "d": 2}}


def test_numbers_keep_their_exact_value() -> None:
    data, _ = read_yaml("a: 34.057696\nb: 2100000\nc: 0.1\n", "p.yaml")
    assert data == {"a": 34.057696, "b": 2100000, "c": 0.1}
    assert type(data["b"]) is int


# bounds: depth and alias expansion


def _nested(levels: int) -> str:
    return "x: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"


def test_depth_up_to_the_bound_is_read_one_more_is_refused() -> None:
    # The root mapping is level 1, each list one more.
    data, _ = read_yaml(_nested(MAX_YAML_DEPTH), "p.yaml")
    depth, part = 1, data["x"]
    while isinstance(part, list) and part:
        depth, part = depth + 1, part[0]
    assert depth + 1 == MAX_YAML_DEPTH  # the innermost list is empty
    with pytest.raises(PlanError, match=f"nests more than {MAX_YAML_DEPTH} levels deep") as info:
        read_yaml(_nested(MAX_YAML_DEPTH + 1), "p.yaml")
    assert f"line 1, column {3 + MAX_YAML_DEPTH}" in str(info.value)


def test_values_are_counted_with_aliases_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    # Counted by hand: the root mapping (1), keys a and b (2), list a with its two
    # numbers (3), list b (1) holding list a three times (3 x 3): 1 + 2 + 3 + 1 + 9 = 16.
    text = "a: &a [1, 2]\nb: [*a, *a, *a]\n"
    monkeypatch.setattr(yaml_source, "MAX_YAML_VALUES", 16)
    assert read_yaml(text, "p.yaml")[0] == {"a": [1, 2], "b": [[1, 2]] * 3}
    monkeypatch.setattr(yaml_source, "MAX_YAML_VALUES", 15)
    with pytest.raises(PlanError, match="expand the file to 16 values; at most 15") as info:
        read_yaml(text, "p.yaml")
    assert "line 1, column 1" in str(info.value)  # the root is the smallest part too large


def test_an_alias_loop_is_not_counted_for_ever() -> None:
    data, _ = read_yaml("a: &a [*a]\n", "p.yaml")  # the count ends; the plan model
    assert data["a"][0] is data["a"]                # refuses the loop later, as before


BOTH_READERS = [yaml_source._LibyamlLoader, yaml_source._BoundedLoader]


def _places(root: Any) -> list[tuple[str, int, int, Any]]:
    """Every node's kind, line, column and scalar value, depth first."""
    import yaml

    out: list[tuple[str, int, int, Any]] = []
    todo = [root]
    while todo:
        node = todo.pop()
        out.append((node.tag, node.start_mark.line, node.start_mark.column,
                    node.value if isinstance(node, yaml.ScalarNode) else None))
        if isinstance(node, yaml.MappingNode):
            todo += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value
    return out


@pytest.mark.skipif(not getattr(__import__("yaml"), "__with_libyaml__", False),
                    reason="PyYAML built without libyaml")
def test_libyaml_events_give_the_same_data_lines_and_columns() -> None:
    # Text with a non-ASCII character before a value on its line (columns count
    # characters), a flow mapping, a block list and a quoted date.
    text = "id: a\ntitle: \"Ḫān Yūnis – é\"  # ü\nzones:\n  - {id: z, side: {x: east}}\n" \
        "  - id: y\n    date: '2025-11-14'\n    n: [1, 2.5, 0x1F]\nlabel: [Ḫān, 5]\n"
    read = [yaml_source._read(text, "p.yaml", kind) for kind in BOTH_READERS]
    assert read[0][0] == read[1][0] == {
        "id": "a", "title": "Ḫān Yūnis – é",
        "zones": [{"id": "z", "side": {"x": "east"}},
                  {"id": "y", "date": "2025-11-14", "n": [1, 2.5, 31]}],
        "label": ["Ḫān", 5]}
    assert _places(read[0][1].root) == _places(read[1][1].root)
    assert read[0][1].where(("zones", 1, "n", 2)) == "line 7, column 17"
    assert read[0][1].where(("label", 1)) == "line 8, column 14"  # characters, not bytes


def test_a_syntax_error_is_told_by_pythons_scanner() -> None:
    # libyaml's message differs; the reader reads a refused file again in Python.
    messages = []
    for kind in BOTH_READERS:
        with pytest.raises(PlanError) as info:
            yaml_source._read("a: [1, 2\nb: 3\n", "p.yaml", kind)
        messages.append(str(info.value))
    with pytest.raises(PlanError) as info:
        read_yaml("a: [1, 2\nb: 3\n", "p.yaml")
    assert str(info.value) == messages[1]


@pytest.mark.parametrize("text", ["a:\t1\n", "a: [1,\t2]\n", "a: x\t# c\n"])
def test_a_tab_is_refused_as_pythons_scanner_refuses_it(text: str) -> None:
    # libyaml reads these tabs as spaces; PyYAML (and so zoneplan, as before) refuses them.
    with pytest.raises(PlanError, match=r"YAML syntax error: found character '\\t'"):
        read_yaml(text, "p.yaml")
