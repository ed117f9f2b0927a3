"""``zoneplan new``: a small working plan with the built-in layers, never over a file."""

from __future__ import annotations

from pathlib import Path

import pytest

import zoneplan
from zoneplan.cli import main
from zoneplan.plan import load_plan


def test_new_writes_a_plan_that_validates_and_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "My_Plan.yaml"
    assert main(["new", str(path)]) == 0
    plan = load_plan(path)
    assert plan.id == "my-plan" and [z.id for z in plan.zones] == ["east", "west"]
    # the built-in layers are named, the damage layer with its date
    assert {k: v.path for k, v in plan.layers.items()} == {
        "hospitals": "gaza:hospitals", "damage": "gaza:damage", "crossings": "gaza:crossings"}
    assert main(["validate", str(path)]) == 0
    assert "is valid" in " ".join(capsys.readouterr().out.split())  # wrapped at 100 columns
    d = zoneplan.evaluate(plan, ranges=False).to_dict()
    assert d["totals"]["damaged_structures"] > 0 and d["totals"]["hospitals"] > 0
    east = next(z for z in d["zones"] if z["id"] == "east")
    assert 0.4 < east["share_of_territory"] < 0.7  # the line cuts the strip in two
    assert east["displaced_out"] > 0


def test_new_never_overwrites_without_asking(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("mine\n")
    assert main(["new", str(path)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert path.read_text() == "mine\n"
    assert main(["new", str(path), "--overwrite"]) == 0
    assert load_plan(path).id == "plan"
    assert main(["new", str(tmp_path / "plan.txt")]) == 2
    assert "plan.yaml" in capsys.readouterr().err
