"""Bounds of the plan YAML reader (zoneplan.plan.yaml_source): depth and alias expansion."""

from __future__ import annotations

import pytest

from zoneplan.errors import PlanError
from zoneplan.plan import yaml_source
from zoneplan.plan.yaml_source import MAX_YAML_DEPTH, read_yaml


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
