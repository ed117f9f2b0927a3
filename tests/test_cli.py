"""The command line: commands, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import zoneplan
from zoneplan import __version__
from zoneplan.cli.app import main


def test_run_default_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan"]["id"] == "green-red-2025-11"


def test_run_table_shows_headlines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "ceasefire-2025-10", "--no-ranges"]) == 0
    out = capsys.readouterr().out
    assert "East of the yellow line" in out and "km²" in out and "Residents" in out


def test_plans_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plans", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["default"] and r["id"] == "green-red-2025-11" for r in rows)


def test_schema_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "zones" in schema["properties"]
    assert main(["show", "baseline-2023"]) == 0
    assert "id: baseline-2023" in capsys.readouterr().out


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "asc-2025-11"]) == 0
    assert "is valid" in " ".join(capsys.readouterr().out.split())  # however the path wraps


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_out_refuses_to_clobber(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "r.json"
    target.write_text("mine")
    assert main(["run", "baseline-2023", "--format", "json", "--out", str(target)]) == 2
    assert target.read_text() == "mine"
    assert "--overwrite" in capsys.readouterr().err
    assert main(["run", "baseline-2023", "--format", "json", "--out", str(target),
                 "--overwrite"]) == 0
    assert json.loads(target.read_text())["plan"]["id"] == "baseline-2023"


def test_layer_option_damage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pts = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": 7}, "geometry": {"type": "Point",
                                                              "coordinates": [34.30, 31.30]}},
        {"type": "Feature", "properties": {"n": 5}, "geometry": {"type": "Point",
                                                              "coordinates": [34.50, 31.55]}},
    ]}
    f = tmp_path / "d.geojson"
    f.write_text(json.dumps(pts))
    assert main(["run", "--format", "json", "--no-ranges",
                 "--layer", f"damage={f},count=n"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["damaged_structures"] == 12
    assert sum(z["damage_share"] for z in data["zones"]) == pytest.approx(1.0)


def test_unknown_layer_attribute(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "d.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"count": 1},
         "geometry": {"type": "Point", "coordinates": [34.3, 31.3]}}]}))
    assert main(["run", "--layer", f"damage={f},count=cuont"]) == 2
    err = capsys.readouterr().err
    assert "'cuont' does not exist" in err and "did you mean 'count'" in err


@pytest.mark.slow
def test_console_script_fresh_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "zoneplan.cli.app", "run", "nope-plan"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_spread_conserves_totals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import rasterio

    from zoneplan import pack

    gov = pack.governorates()[["name", "population", "geometry"]]
    src = tmp_path / "gov.gpkg"
    gov.to_file(src)
    out = tmp_path / "people.tif"
    assert main(["spread", str(src), "--total", "population", "--out", str(out),
                 "--cell-size", "500"]) == 0
    with rasterio.open(out) as r:
        people = r.read(1, masked=True)
    assert float(people.sum()) == pytest.approx(gov["population"].sum(), rel=1e-9)
    assert main(["spread", str(src), "--total", "populaton", "--out",
                 str(tmp_path / "x.tif")]) == 2
    assert "did you mean 'population'" in capsys.readouterr().err


def test_piped_output_wraps_at_100_columns_by_words_without_trailing_spaces() -> None:
    """Issue 23: piped, the run's text is at most 100 columns, each headline wrapped at
    spaces under its bullet, and no line ends in a space."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # the default width
    run = subprocess.run([sys.executable, "-m", "zoneplan", "run", "--no-ranges"],
                         capture_output=True, text=True, timeout=300, check=True,
                         encoding="utf-8", env=env)
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert not [line for line in lines if line != line.rstrip()]
    from zoneplan.render.words.headlines import headlines

    said = headlines(zoneplan.evaluate(zoneplan.load_plan("green-red-2025-11"),
                                       ranges=False).to_dict())
    bullets, current = [], None
    for line in lines:  # a headline's lines, joined as one sentence
        if line.startswith("• "):
            current = [line[2:]]
            bullets.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            current.append(line[2:])
        else:
            current = None
    assert [" ".join(b) for b in bullets] == said  # wrapped at spaces, nothing cut


def test_printed_text_is_as_written_never_an_emoji(capsys: pytest.CaptureFixture[str]) -> None:
    """A name holding an emoji code (``:fire:``) is printed as written, on standard output
    and in an error on standard error (rich would turn it into 🔥)."""
    from zoneplan.cli.console import err, out

    out.print("zone :fire: east", highlight=False)
    assert main(["run", "no-such-plan-:fire:"]) == 2
    said = capsys.readouterr()
    assert said.out == "zone :fire: east\n"
    assert "no-such-plan-:fire:" in said.err and "🔥" not in said.out + said.err
    assert not (out._emoji or err._emoji)
